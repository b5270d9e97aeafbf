package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/examples/go/autoscaledmodel"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
	sa "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
)

const (
	deployerRole = "seldon-autoscaling-deployer" // the ClusterRole in deploy/rbac.yaml
	deployerSA   = "seldon-autoscaling-deployer" // in kube-system
	// deployerUser is the identity the API server's audit log records (see TestMain).
	deployerUser = "system:serviceaccount:kube-system:" + deployerSA
)

// TestLeastPrivilege proves deploy/rbac.yaml's ClusterRole both sufficient and minimal. A service
// account bound to nothing else runs every path the component has (install mode through the Go
// example with createNamespace, including an update; install mode with a bearer token; adopt
// mode), each up and destroy. The API server's audit log then shows every request it made: none
// may be refused, and every verb the role grants must have been used at least once, so the role
// cannot grow unnoticed. bind and escalate are checked by the authorizer inside a request, not as
// requests of their own: for them, the test shows that the role without each one cannot create
// the chart's RBAC objects.
func TestLeastPrivilege(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	if b.cluster.AuditLog == "" {
		t.Fatal("the control plane runs without an audit log: TestMain must set AuditUsers")
	}
	rbacFile := filepath.Join(b.root, "deploy", "rbac.yaml")
	role := deployerClusterRole(t, rbacFile)
	if err := localcluster.ApplyRBAC(ctx, b.kube, rbacFile); err != nil {
		t.Fatal(err)
	}
	kubeconfig := b.deployerKubeconfig(t)
	assertDeployerRestricted(t, kubeconfig)
	auditFrom := fileSize(t, b.cluster.AuditLog)
	b.runAdapterKubeletStandIn(ctx, t)

	restricted := *b
	restricted.cluster = &localcluster.Cluster{Dir: b.cluster.Dir, Kubeconfig: kubeconfig, Server: b.cluster.Server}
	if !t.Run("install mode: the Go example's up, update and destroy", func(t *testing.T) {
		b.leastPrivilegeInstall(ctx, t, &restricted, role)
	}) {
		return
	}
	if !t.Run("install mode with a bearer token: up and destroy", func(t *testing.T) {
		b.leastPrivilegeBearerToken(ctx, t, &restricted)
	}) {
		return
	}
	if !t.Run("adopt mode: up and destroy", func(t *testing.T) {
		b.leastPrivilegeAdopt(ctx, t, &restricted)
	}) {
		return
	}
	t.Run("every permission the role grants is used, and nothing is refused", func(t *testing.T) {
		assertRoleUsedExactly(t, role, b.cluster.AuditLog, auditFrom)
	})
}

// assertDeployerRestricted: the identity really is restricted; it may not touch what the
// ClusterRole does not list.
func assertDeployerRestricted(t *testing.T, kubeconfig string) {
	for _, probe := range [][]string{{"create", "pods"}, {"get", "nodes"}, {"delete", "customresourcedefinitions"}} {
		out, _ := kubectlCommand(kubeconfig, "auth", "can-i", probe[0], probe[1]).Output()
		if strings.TrimSpace(string(out)) != "no" {
			t.Fatalf("the deployer can %s %s (%q): the test would prove nothing", probe[0], probe[1], out)
		}
	}
}

// runAdapterKubeletStandIn makes the adapter's pods Ready until the test ends, so Helm's and
// Pulumi's waits run as they do for users (adapter.skipAwait is left false) and their reads show
// in the audit log.
func (b *testbed) runAdapterKubeletStandIn(ctx context.Context, t *testing.T) {
	standIn, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go localcluster.RunKubeletStandIn(
		standIn,
		b.kube,
		adapterNS,
		func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) },
	)
	t.Cleanup(func() { // before the stand-in stops: no pod may be left terminating
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			pods, err := b.kube.CoreV1().
				Pods(adapterNS).
				List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + localcluster.StandInNode})
			if err != nil || len(pods.Items) == 0 {
				return
			}
			time.Sleep(300 * time.Millisecond)
		}
	})
}

// leastPrivilegeInstall runs the Go example as the deployer: up, the bind and escalate proof, an
// update that upgrades the chart, and destroy.
func (b *testbed) leastPrivilegeInstall(ctx context.Context, t *testing.T, restricted *testbed,
	role rbacv1.ClusterRole) {
	// createNamespace must really create the namespace, whichever test ran before.
	b.deleteNamespace(t, adapterNS)
	st := restricted.goStack(t, "rbac", autoscaledmodel.Program, map[string]string{"adapterChartPath": b.chartPath})
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	b.assertDeployed(t)
	// bind and escalate are checked by the authorizer inside a request, not as requests of
	// their own: the role without each one must be refused some of the chart's RBAC objects.
	if !t.Run("without bind or escalate the chart's RBAC objects are refused", func(t *testing.T) {
		b.proveBindEscalate(t, role, b.chartRBAC(t))
	}) {
		return
	}
	// A new target patches both HPAs; a new rate window and a new chart version upgrade the
	// Helm release, which patches every object of the chart (each carries the version).
	b.setConfig(t, st, map[string]string{"targetRps": "4", "rateWindow": "2m", "adapterChartPath": b.bumpedChart(t)})
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("update: %v", err)
	}
	for _, obj := range b.chartRBAC(t) {
		if v := obj.GetLabels()["helm.sh/chart"]; v != "prometheus-adapter-"+bumpedVersion {
			t.Errorf("%s %s was not upgraded (chart %s)", obj.GetKind(), obj.GetName(), v)
		}
	}
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	b.assertGone(t)
}

// leastPrivilegeBearerToken runs install mode with a bearer token as the deployer: up and destroy.
func (b *testbed) leastPrivilegeBearerToken(ctx context.Context, t *testing.T, restricted *testbed) {
	st := restricted.goStack(t, "rbac-token", rbacProgram(b, "install", true), nil)
	if err := st.SetConfig(ctx, "prometheusToken", autoConfigSecret("e2e-rbac-token")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	if secret, _ := b.authSecret(t); string(secret.Data["token"]) != "e2e-rbac-token" {
		t.Fatalf("the token Secret %s does not hold the token", secret.Name)
	}
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	b.assertGone(t)
}

// leastPrivilegeAdopt runs adopt mode as the deployer: up and destroy.
func (b *testbed) leastPrivilegeAdopt(ctx context.Context, t *testing.T, restricted *testbed) {
	b.fakeAdoptedAdapter(t, "rules: []\n")
	st := restricted.goStack(t, "rbac-adopt", rbacProgram(b, "adopt", false), nil)
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	cm, err := b.kube.CoreV1().ConfigMaps(adapterNS).Get(ctx, adapterName, metav1.GetOptions{})
	if err != nil || !strings.Contains(cm.Data["config.yaml"], "seldon_model_infer_total") {
		t.Fatalf("the adopted ConfigMap does not hold the Seldon rule (%v)", err)
	}
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
}

// assertRoleUsedExactly: the audit log from auditFrom on shows no request of the deployer's
// refused (but the tolerated ones), none allowed by anything but its role or a default role, and
// every verb the role grants used at least once (bind and escalate aside).
func assertRoleUsedExactly(t *testing.T, role rbacv1.ClusterRole, auditLog string, auditFrom int64) {
	granted := grants(t, role)
	rep := readAudit(t, auditLog, auditFrom)
	for _, what := range sortedKeys(rep.denied, func(s string) string { return s }) {
		if why, ok := toleratedRefusals[what]; ok {
			t.Logf("refused and tolerated: %s (%d requests): %s", what, rep.denied[what], why)
		} else {
			t.Errorf("refused: %s (%d requests, e.g. %s)", what, rep.denied[what], rep.deniedExample[what])
		}
	}
	for _, a := range sortedKeys(rep.used, access.String) {
		t.Logf("used %-70s %4d requests", a, rep.used[a])
	}
	for _, o := range sortedKeys(rep.others, func(s string) string { return s }) {
		t.Logf("allowed by a default role: %s (%d requests)", o, rep.others[o])
		if !strings.Contains(o, `ClusterRole "system:`) {
			t.Errorf("allowed by something other than %s or a default role: %s", deployerRole, o)
		}
	}
	for _, a := range granted {
		if a.verb == "bind" || a.verb == "escalate" {
			continue // no request of their own: proven in the install subtest
		}
		if rep.used[a] == 0 {
			t.Errorf("granted but never used: %s", a)
		}
	}
	if len(rep.used) == 0 {
		t.Error("the audit log holds no request of the deployer's")
	}
}

// toleratedRefusals are requests the deployer makes, is refused, and does without: they are not
// needed for up and destroy to succeed, and deploy/rbac.yaml says so.
var toleratedRefusals = map[string]string{
	"core events list":  "Pulumi's await reads Events only to show them in its progress output",
	"core events watch": "Pulumi's await reads Events only to show them in its progress output",
}

// rbacProgram is an install (optionally with a bearer token from the config key prometheusToken)
// or adopt mode SeldonAutoscaledModel like the Go example's, waiting for the adapter.
func rbacProgram(b *testbed, mode string, token bool) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		adapter := &sa.AdapterSpecArgs{Mode: pulumi.StringPtr(mode)}
		if mode == "install" {
			adapter.Chart = &sa.ChartSpecArgs{Path: pulumi.StringPtr(b.chartPath)}
		}
		if token {
			adapter.Prometheus = &sa.PrometheusSpecArgs{
				BearerToken: config.RequireSecret(ctx, "prometheusToken").ToStringPtrOutput(),
			}
		}
		_, err := sa.NewSeldonAutoscaledModel(ctx, "irisa0", &sa.SeldonAutoscaledModelArgs{
			Model: &sa.ModelSpecArgs{
				Name:       pulumi.String(modelName),
				StorageUri: pulumi.String("gs://seldon-models/testing/iris1"),
			},
			Server:      &sa.ServerSpecArgs{Dedicated: pulumi.BoolPtr(true), ServerConfig: pulumi.StringPtr("mlserver")},
			Autoscaling: &sa.AutoscalingSpecArgs{MaxReplicas: pulumi.IntPtr(3), TargetRpsPerReplica: pulumi.Float64Ptr(3)},
			Adapter:     adapter,
		})
		return err
	}
}

// deployerClusterRole is deploy/rbac.yaml's main ClusterRole, in the form the test can reason
// about: plain verbs on resources, no wildcards, names or non-resource URLs.
func deployerClusterRole(t *testing.T, file string) rbacv1.ClusterRole {
	t.Helper()
	roles, err := localcluster.ReadClusterRoles(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		if r.Name != deployerRole {
			continue
		}
		for _, rule := range r.Rules {
			if len(rule.ResourceNames) > 0 || len(rule.NonResourceURLs) > 0 ||
				slices.Contains(rule.Verbs, "*") || slices.Contains(rule.Resources, "*") || slices.Contains(rule.APIGroups, "*") {
				t.Fatalf("%s: rule %v uses what this test does not model (names, URLs, wildcards)", file, rule)
			}
		}
		return r
	}
	t.Fatalf("%s has no ClusterRole %s", file, deployerRole)
	return rbacv1.ClusterRole{}
}

// deployerKubeconfig creates the service account, binds it to the role and nothing else, and
// writes a kubeconfig holding its token.
func (b *testbed) deployerKubeconfig(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: deployerSA, Namespace: "kube-system"}}
	if _, err := b.kube.CoreV1().ServiceAccounts("kube-system").Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: deployerRole},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: deployerRole},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa.Name, Namespace: sa.Namespace}},
	}
	if _, err := b.kube.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = b.kube.RbacV1().ClusterRoleBindings().Delete(ctx, binding.Name, metav1.DeleteOptions{})
		_ = b.kube.CoreV1().ServiceAccounts("kube-system").Delete(ctx, sa.Name, metav1.DeleteOptions{})
	})
	tok, err := b.kube.CoreV1().
		ServiceAccounts("kube-system").
		CreateToken(ctx, sa.Name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.LoadFromFile(b.cluster.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, auth := range cfg.AuthInfos {
		auth.ClientCertificate, auth.ClientKey, auth.Token = "", "", tok.Status.Token
	}
	kubeconfig := filepath.Join(t.TempDir(), "deployer.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, kubeconfig); err != nil {
		t.Fatal(err)
	}
	return kubeconfig
}

// bumpedVersion is the version bumpedChart gives the test's prometheus-adapter chart.
const bumpedVersion = "5.3.1"

// bumpedChart is a copy of the test's prometheus-adapter chart under a new version, as an upgrade
// of the chart would bring.
func (b *testbed) bumpedChart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "prometheus-adapter")
	if err := os.CopyFS(dir, os.DirFS(b.chartPath)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "Chart.yaml")
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	bumped := strings.Replace(string(raw), "\nversion: 5.3.0\n", "\nversion: "+bumpedVersion+"\n", 1)
	if bumped == string(raw) {
		t.Fatalf("%s: no version 5.3.0 to bump", file)
	}
	if err := os.WriteFile(file, []byte(bumped), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// deleteNamespace removes a namespace and waits until the namespace controller has finished it.
func (b *testbed) deleteNamespace(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	if err := b.kube.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{}); apierrors.IsNotFound(err) {
		return
	} else if err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, "namespace "+name+" deleted", func() (bool, string) {
		_, err := b.kube.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}

var rbacKinds = map[string]string{
	"ClusterRole": "clusterroles", "ClusterRoleBinding": "clusterrolebindings",
	"Role": "roles", "RoleBinding": "rolebindings",
}

// chartRBAC returns the RBAC objects the adapter's Helm release created.
func (b *testbed) chartRBAC(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, resource := range rbacKinds {
		list, err := b.dyn.Resource(rbacv1.SchemeGroupVersion.WithResource(resource)).List(context.Background(),
			metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + helmRelease})
		if err != nil {
			t.Fatal(err)
		}
		for i := range list.Items {
			out = append(out, &list.Items[i])
		}
	}
	return out
}

// proveBindEscalate shows that each bind and escalate the role grants is needed: an identity
// holding the role can create (dry run) copies of the chart's RBAC objects, one holding the role
// without that single grant cannot create at least one of them.
func (b *testbed) proveBindEscalate(t *testing.T, role rbacv1.ClusterRole, chart []*unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	admin, err := clientcmd.BuildConfigFromFlags("", b.cluster.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}

	if r := b.refusedCopies(ctx, t, admin, chart, "full", role.Rules); len(r) > 0 {
		t.Fatalf("with the whole role the chart's RBAC objects are refused: %v", r)
	}
	for _, a := range grants(t, role) {
		if a.verb != "bind" && a.verb != "escalate" {
			continue
		}
		if r := b.refusedCopies(ctx, t, admin, chart, "without-"+a.verb+"-"+a.resource,
			without(role.Rules, a)); len(r) == 0 {
			t.Errorf("granted but not needed: %s (the chart's RBAC objects can be created without it)", a)
		} else {
			t.Logf("needed: %s (without it the API server refuses %s)", a, strings.Join(r, ", "))
		}
	}
}

// refusedCopies creates (dry run) copies of the chart's RBAC objects as a user bound only to a
// ClusterRole with these rules, and returns the objects the API server refused.
func (b *testbed) refusedCopies(ctx context.Context, t *testing.T, admin *rest.Config,
	chart []*unstructured.Unstructured, name string, rules []rbacv1.PolicyRule) []string {
	user := "rbac-probe-" + name
	cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: user}, Rules: rules}
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: user},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
	}
	if _, err := b.kube.RbacV1().ClusterRoles().Create(ctx, cr, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.kube.RbacV1().ClusterRoles().Delete(ctx, user, metav1.DeleteOptions{}) }()
	if _, err := b.kube.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.kube.RbacV1().ClusterRoleBindings().Delete(ctx, user, metav1.DeleteOptions{}) }()
	// The authorizer learns of the binding through its cache: wait until it applies.
	eventually(t, 30*time.Second, user+"'s binding in effect", func() (bool, string) {
		sar, err := b.kube.AuthorizationV1().
			SubjectAccessReviews().
			Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User: user,
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Verb:     "create",
					Group:    rbacv1.GroupName,
					Resource: "clusterrolebindings",
				},
			}}, metav1.CreateOptions{})
		return err == nil && sar.Status.Allowed, fmt.Sprint(err)
	})
	cfg := rest.CopyConfig(admin)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, obj := range chart {
		cp := &unstructured.Unstructured{Object: map[string]any{"apiVersion": obj.GetAPIVersion(), "kind": obj.GetKind()}}
		cp.SetName(obj.GetName() + "-probe")
		cp.SetNamespace(obj.GetNamespace())
		for _, k := range []string{"rules", "roleRef", "subjects", "aggregationRule"} {
			if v, ok := obj.Object[k]; ok {
				cp.Object[k] = v
			}
		}
		gvr := schema.GroupVersionResource{Group: rbacv1.GroupName, Version: "v1", Resource: rbacKinds[obj.GetKind()]}
		_, err := dyn.Resource(gvr).
			Namespace(obj.GetNamespace()).
			Create(ctx, cp, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		switch {
		case apierrors.IsForbidden(err):
			out = append(out, obj.GetKind()+" "+obj.GetName())
		case err != nil:
			t.Errorf("%s creating %s %s: %v", user, obj.GetKind(), obj.GetName(), err)
		}
	}
	return out
}

// access is one permission: a verb on a resource (resource/subresource) of an API group.
type access struct{ group, resource, verb string }

func (a access) String() string {
	g := a.group
	if g == "" {
		g = "core"
	}
	return g + " " + a.resource + " " + a.verb
}

func grants(t *testing.T, role rbacv1.ClusterRole) []access {
	t.Helper()
	var out []access
	for _, rule := range role.Rules {
		for _, g := range rule.APIGroups {
			for _, r := range rule.Resources {
				for _, v := range rule.Verbs {
					out = append(out, access{g, r, v})
				}
			}
		}
	}
	return out
}

// without is rules minus one grant, one rule per group and resource.
func without(rules []rbacv1.PolicyRule, drop access) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	for _, rule := range rules {
		for _, g := range rule.APIGroups {
			for _, r := range rule.Resources {
				var verbs []string
				for _, v := range rule.Verbs {
					if (access{g, r, v}) != drop {
						verbs = append(verbs, v)
					}
				}
				if len(verbs) > 0 {
					out = append(out, rbacv1.PolicyRule{APIGroups: []string{g}, Resources: []string{r}, Verbs: verbs})
				}
			}
		}
	}
	return out
}

// auditReport is what the deployer did according to the API server's audit log.
type auditReport struct {
	used          map[access]int // allowed by the deployer's ClusterRole
	others        map[string]int // allowed by another (default) binding: "what — reason"
	denied        map[string]int // refused: "group resource verb" or "verb /path"
	deniedExample map[string]string
}

type auditEvent struct {
	AuditID    string `json:"auditID"`
	Stage      string `json:"stage"`
	Verb       string `json:"verb"`
	RequestURI string `json:"requestURI"`
	User       struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
		APIGroup    string `json:"apiGroup"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
	} `json:"objectRef"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
	Annotations map[string]string `json:"annotations"`
}

// readAudit reads the deployer's requests logged after offset. A patch or update that answered
// 201 Created was also authorized as a create (server-side apply creates that way): it counts as a
// use of create.
func readAudit(t *testing.T, path string, offset int64) auditReport {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close() //nolint:errcheck // read only
	if _, err := f.Seek(offset, 0); err != nil {
		t.Fatal(err)
	}
	events := map[string]auditEvent{} // by audit ID: a watch is logged when it starts and ends
	var order []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e auditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("audit log: %v", err)
		}
		if e.User.Username != deployerUser {
			continue
		}
		if _, seen := events[e.AuditID]; !seen {
			order = append(order, e.AuditID)
		}
		events[e.AuditID] = e
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	rep := auditReport{
		used:          map[access]int{},
		others:        map[string]int{},
		denied:        map[string]int{},
		deniedExample: map[string]string{},
	}
	for _, id := range order {
		e := events[id]
		code := 0
		if e.ResponseStatus != nil {
			code = e.ResponseStatus.Code
		}
		reason := e.Annotations["authorization.k8s.io/reason"]
		what := e.Verb + " " + strings.SplitN(e.RequestURI, "?", 2)[0]
		if e.ObjectRef != nil {
			res := e.ObjectRef.Resource
			if e.ObjectRef.Subresource != "" {
				res += "/" + e.ObjectRef.Subresource
			}
			what = access{e.ObjectRef.APIGroup, res, e.Verb}.String()
		}
		if e.Annotations["authorization.k8s.io/decision"] == "forbid" || code == 403 {
			rep.denied[what]++
			rep.deniedExample[what] = fmt.Sprintf("%s answered %d %s", e.RequestURI, code, reason)
			continue
		}
		if e.ObjectRef == nil || !strings.Contains(reason, `of ClusterRole "`+deployerRole+`"`) {
			rep.others[what+" — "+reason]++
			continue
		}
		res := e.ObjectRef.Resource
		if e.ObjectRef.Subresource != "" {
			res += "/" + e.ObjectRef.Subresource
		}
		rep.used[access{e.ObjectRef.APIGroup, res, e.Verb}]++
		if (e.Verb == "patch" || e.Verb == "update") && code == 201 {
			rep.used[access{e.ObjectRef.APIGroup, res, "create"}]++
		}
	}
	return rep
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

func sortedKeys[K comparable, V any](m map[K]V, str func(K) string) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b K) int { return strings.Compare(str(a), str(b)) })
	return keys
}
