package e2e

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"gopkg.in/yaml.v3"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/examples/go/autoscaledmodel"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/pipeline"
)

const (
	ns           = "seldon-mesh"
	adapterNS    = pipeline.AdapterNamespace
	adapterName  = pipeline.AdapterDeployment // the chart's Deployment
	adapterRules = "hpa-metrics-seldon-rules" // the component's rules ConfigMap
	modelName    = "irisa0"
	serverName   = "irisa0-server"
	modelHPA     = "irisa0-model-hpa"
	serverHPA    = "irisa0-server-hpa"
	helmRelease  = "hpa-metrics"
	checksumNote = "seldon-autoscaling.pulumi.com/config-hash"
)

// TestGoExampleLifecycle runs examples/go through its whole life against the local control plane:
// a refused preview, up, a no-op up, the HPA owning replicas, in-place updates, a config change
// that restarts the adapter once, and destroy.
func TestGoExampleLifecycle(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	base := map[string]string{"adapterChartPath": b.chartPath, "adapterSkipAwait": "true"}

	t.Run("bad input is refused at preview and nothing is created", func(t *testing.T) {
		b.refuseBadInputAtPreview(ctx, t, base)
	})

	st := b.goStack(t, "go", autoscaledmodel.Program, base)
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })

	t.Run("up creates the guide's objects", func(t *testing.T) {
		b.upCreatesGuideObjects(ctx, t, st)
	})

	t.Run("the HPA controller can scale both targets", func(t *testing.T) {
		b.hpasCanScaleBothTargets(ctx, t)
	})

	t.Run("a second up changes nothing", func(t *testing.T) {
		assertNoChanges(t, st)
	})

	t.Run("replicas set by the autoscaler survive up and refresh", func(t *testing.T) {
		b.autoscalerReplicasSurviveUp(ctx, t, st)
	})

	t.Run("changing the target updates both HPAs in place without restarting the adapter", func(t *testing.T) {
		b.targetChangeUpdatesHPAsInPlace(ctx, t, st)
	})

	t.Run("changing the rate window restarts the adapter once", func(t *testing.T) {
		b.rateWindowChangeRestartsAdapterOnce(ctx, t, st)
	})

	t.Run("an out-of-band edit of the rules is repaired by up --refresh", func(t *testing.T) {
		b.rulesEditRepairedByRefresh(ctx, t, st)
	})

	t.Run("destroy leaves nothing behind", func(t *testing.T) {
		b.assertReleaseSweepSees(t)
		if _, err := st.Destroy(ctx, optdestroy.ProgressStreams()); err != nil {
			t.Fatalf("destroy: %v", err)
		}
		b.assertGone(t)
	})
}

// refuseBadInputAtPreview: minReplicas over maxReplicas fails the preview, naming the field, and creates nothing.
func (b *testbed) refuseBadInputAtPreview(ctx context.Context, t *testing.T, base map[string]string) {
	st := b.goStack(t, "bad", autoscaledmodel.Program, merge(base, map[string]string{"minReplicas": "5"}))
	_, err := st.Preview(ctx)
	if err == nil {
		t.Fatal("preview accepted minReplicas 5 > maxReplicas 3")
	}
	if !strings.Contains(err.Error(), "autoscaling.maxReplicas") {
		t.Errorf("error does not name the field:\n%v", err)
	}
	b.assertGone(t)
}

// upCreatesGuideObjects: up creates what the guide asks for, and its outputs name the metric path and the adapter.
func (b *testbed) upCreatesGuideObjects(ctx context.Context, t *testing.T, st auto.Stack) {
	res, err := st.Up(ctx)
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	want := "/apis/custom.metrics.k8s.io/v1beta1/namespaces/seldon-mesh/models.mlops.seldon.io/irisa0/infer_rps"
	if res.Outputs["customMetricsPath"].Value != want {
		t.Errorf("customMetricsPath output %v", res.Outputs["customMetricsPath"].Value)
	}
	b.assertDeployed(t)
	// The adapter output names the adapter and the hash its pods were started with.
	adapter, _ := res.Outputs["adapter"].Value.(map[string]any)
	if adapter["deployment"] != adapterName || adapter["configMap"] != adapterRules ||
		adapter["configHash"] != b.adapterTemplate(t).checksum {
		t.Errorf("adapter output %v, want deployment %s, configMap %s and the pod template's hash %s",
			adapter, adapterName, adapterRules, b.adapterTemplate(t).checksum)
	}
}

// hpasCanScaleBothTargets: the HPA controller reports AbleToScale for the Model and the Server.
func (b *testbed) hpasCanScaleBothTargets(ctx context.Context, t *testing.T) {
	for _, name := range []string{modelHPA, serverHPA} {
		eventually(t, 90*time.Second, name+" AbleToScale", func() (bool, string) {
			h, err := b.kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			for _, c := range h.Status.Conditions {
				if c.Type == autoscalingv2.AbleToScale {
					return c.Status == "True", fmt.Sprintf("%s: %s", c.Reason, c.Message)
				}
			}
			return false, "no AbleToScale condition yet"
		})
	}
}

// autoscalerReplicasSurviveUp: replicas set by the autoscaler survive up, refresh and up again.
func (b *testbed) autoscalerReplicasSurviveUp(ctx context.Context, t *testing.T, st auto.Stack) {
	kubectl(t, b, "scale", "-n", ns, "models.mlops.seldon.io/"+modelName, "--replicas=3")
	kubectl(t, b, "scale", "-n", ns, "servers.mlops.seldon.io/"+serverName, "--replicas=3")
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up after scaling: %v", err)
	}
	if _, err := st.Refresh(ctx); err != nil {
		t.Fatalf("refresh after scaling: %v", err)
	}
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up after refresh: %v", err)
	}
	for _, gvr := range []struct{ res, name string }{{"model", modelName}, {"server", serverName}} {
		obj := b.seldonObject(t, gvr.res, gvr.name)
		if r, _, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas"); r != 3 {
			t.Errorf("%s spec.replicas = %d after up and refresh, want 3 (the autoscaler's value)", gvr.name, r)
		}
	}
}

// targetChangeUpdatesHPAsInPlace: a new target updates both HPAs in place and leaves the adapter running.
func (b *testbed) targetChangeUpdatesHPAsInPlace(ctx context.Context, t *testing.T, st auto.Stack) {
	uids := b.hpaUIDs(t)
	before := b.adapterTemplate(t)
	b.setConfig(t, st, map[string]string{"targetRps": "5"})
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	if got := b.hpaUIDs(t); !reflect.DeepEqual(got, uids) {
		t.Errorf("HPAs were replaced: %v -> %v", uids, got)
	}
	for _, name := range []string{modelHPA, serverHPA} {
		if v := b.hpaTarget(t, name); v != "5" {
			t.Errorf("%s target %s, want 5", name, v)
		}
	}
	if after := b.adapterTemplate(t); after != before {
		t.Errorf("adapter restarted on a target change: %+v -> %+v", before, after)
	}
}

// rateWindowChangeRestartsAdapterOnce: a new rate window rewrites the rules and rolls the adapter exactly once.
func (b *testbed) rateWindowChangeRestartsAdapterOnce(ctx context.Context, t *testing.T, st auto.Stack) {
	before := b.adapterTemplate(t)
	b.setConfig(t, st, map[string]string{"rateWindow": "2m"})
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	after := b.adapterTemplate(t)
	if after.checksum == before.checksum {
		t.Error("the pod template's config checksum did not change, so the adapter keeps its old rules")
	}
	if after.generation != before.generation+1 {
		t.Errorf("deployment generation %d -> %d, want exactly one rollout", before.generation, after.generation)
	}
	if !strings.Contains(b.adapterRules(t), "[2m]") {
		t.Error("ConfigMap does not hold the 2m window")
	}
	assertNoChanges(t, st)
}

// rulesEditRepairedByRefresh: up --refresh restores rules edited out of band, without restarting the adapter.
func (b *testbed) rulesEditRepairedByRefresh(ctx context.Context, t *testing.T, st auto.Stack) {
	want := b.adapterRules(t)
	before := b.adapterTemplate(t)
	// What `kubectl edit` does: an update by another field manager.
	cm, err := b.kube.CoreV1().ConfigMaps(adapterNS).Get(ctx, adapterRules, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["config.yaml"] = "rules: []\n"
	edit := metav1.UpdateOptions{FieldManager: "kubectl-edit"}
	if _, err := b.kube.CoreV1().ConfigMaps(adapterNS).Update(ctx, cm, edit); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Up(ctx, optup.Refresh()); err != nil {
		t.Fatalf("up --refresh: %v", err)
	}
	if got := b.adapterRules(t); got != want {
		t.Errorf("the rules were not restored:\n%s", got)
	}
	if after := b.adapterTemplate(t); after != before {
		t.Errorf("restoring the rules the adapter already runs restarted it: %+v -> %+v", before, after)
	}
	assertNoChanges(t, st)
}

// TestYAMLExample runs examples/yaml through the YAML language host: same objects, same policy.
func TestYAMLExample(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	st := b.yamlStack(t, map[string]string{"adapterChartPath": b.chartPath, "adapterSkipAwait": "true"})
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	if _, err := st.Up(ctx, optup.ProgressStreams()); err != nil {
		t.Fatalf("up: %v", err)
	}
	b.assertDeployed(t)
	assertNoChanges(t, st)
	b.assertReleaseSweepSees(t)
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	b.assertGone(t)
}

// assertDeployed checks what the guide asks for, object by object, in the API server.
func (b *testbed) assertDeployed(t *testing.T) {
	t.Helper()
	b.assertAdapterDeployed(t)
	b.assertSeldonObjects(t)
	b.assertGuideHPAs(t)
}

// assertAdapterDeployed: the Helm release is deployed, its rules ConfigMap holds exactly the Seldon
// rule, and the adapter mounts it with its config hash.
func (b *testbed) assertAdapterDeployed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	secrets, err := b.kube.CoreV1().
		Secrets(adapterNS).
		List(ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=" + helmRelease + ",status=deployed"})
	if err != nil || len(secrets.Items) != 1 {
		t.Errorf("Helm release %s not deployed (%d deployed revisions, %v)", helmRelease, len(secrets.Items), err)
	}
	rules := b.adapterRules(t)
	var cfg struct {
		Rules []struct {
			SeriesQuery string `yaml:"seriesQuery"`
			Name        struct {
				Matches string `yaml:"matches"`
				As      string `yaml:"as"`
			} `yaml:"name"`
			Resources struct {
				Overrides map[string]map[string]string `yaml:"overrides"`
			} `yaml:"resources"`
			MetricsQuery string `yaml:"metricsQuery"`
		} `yaml:"rules"`
	}
	if err := yaml.Unmarshal([]byte(rules), &cfg); err != nil {
		t.Fatalf("adapter config.yaml: %v\n%s", err, rules)
	}
	if len(cfg.Rules) != 1 || cfg.Rules[0].Name.As != "infer_rps" ||
		!strings.Contains(cfg.Rules[0].SeriesQuery, "seldon_model_infer_total") ||
		cfg.Rules[0].Resources.Overrides["model"]["group"] != "mlops.seldon.io" ||
		!strings.Contains(cfg.Rules[0].MetricsQuery, "rate (") {
		t.Errorf("adapter ConfigMap does not hold exactly the Seldon rule:\n%s", rules)
	}

	dep, err := b.kube.AppsV1().Deployments(adapterNS).Get(ctx, adapterName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mounted := false
	for _, v := range dep.Spec.Template.Spec.Volumes {
		mounted = mounted || (v.ConfigMap != nil && v.ConfigMap.Name == adapterRules)
	}
	if !mounted || dep.Spec.Template.Annotations[checksumNote] == "" {
		t.Errorf("the adapter does not mount %s or lacks its config hash (%v)", adapterRules, dep.Spec.Template.Annotations)
	}
}

// assertSeldonObjects: the Model leaves its replicas to the HPA and runs on the dedicated Server.
func (b *testbed) assertSeldonObjects(t *testing.T) {
	t.Helper()
	model := b.seldonObject(t, "model", modelName)
	spec, _, _ := unstructured.NestedMap(model.Object, "spec")
	if _, ok := spec["replicas"]; !ok {
		t.Error("Model has no spec.replicas")
	}
	for _, k := range []string{"minReplicas", "maxReplicas"} {
		if _, ok := spec[k]; ok {
			t.Errorf("Model carries spec.%s", k)
		}
	}
	if spec["server"] != serverName || spec["storageUri"] != "gs://seldon-models/testing/iris1" {
		t.Errorf("Model spec %v", spec)
	}
	server := b.seldonObject(t, "server", serverName)
	if c, _, _ := unstructured.NestedString(server.Object, "spec", "serverConfig"); c != "mlserver" {
		t.Errorf("Server serverConfig %q", c)
	}
}

// assertGuideHPAs: the two HPAs scale the Model and the Server on infer_rps at the examples'
// target, alike but for the Model's longer scale-up window.
func (b *testbed) assertGuideHPAs(t *testing.T) {
	const target = "3" // the examples' targetRpsPerReplica
	t.Helper()
	ctx := context.Background()
	mh, err := b.kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, modelHPA, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sh, err := b.kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, serverHPA, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if mh.Spec.ScaleTargetRef.Kind != "Model" || mh.Spec.ScaleTargetRef.Name != modelName ||
		sh.Spec.ScaleTargetRef.Kind != "Server" || sh.Spec.ScaleTargetRef.Name != serverName {
		t.Errorf("scale targets %+v and %+v", mh.Spec.ScaleTargetRef, sh.Spec.ScaleTargetRef)
	}
	// One difference beyond the scale target: the Model HPA's scale-up window is longer by the
	// derived lag, serverReadySeconds (90, the default) + one 15 s sync period.
	ms, ss := mh.Spec.DeepCopy(), sh.Spec.DeepCopy()
	ms.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{}
	ss.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{}
	if ms.Behavior == nil || ss.Behavior == nil || ms.Behavior.ScaleUp == nil || ss.Behavior.ScaleUp == nil ||
		ms.Behavior.ScaleUp.StabilizationWindowSeconds == nil || ss.Behavior.ScaleUp.StabilizationWindowSeconds == nil {
		t.Fatalf("HPAs without scale-up windows:\n%+v\n%+v", ms.Behavior, ss.Behavior)
	}
	mw, sw := *ms.Behavior.ScaleUp.StabilizationWindowSeconds, *ss.Behavior.ScaleUp.StabilizationWindowSeconds
	if mw != sw+105 {
		t.Errorf("scale-up windows: Model %d s, Server %d s; want the Model's 105 s longer", mw, sw)
	}
	ms.Behavior.ScaleUp.StabilizationWindowSeconds = ss.Behavior.ScaleUp.StabilizationWindowSeconds
	if !reflect.DeepEqual(ms, ss) {
		t.Errorf("the two HPAs differ beyond their scale target and scale-up window:\n%+v\n%+v", ms, ss)
	}
	m := mh.Spec.Metrics[0]
	if m.Type != autoscalingv2.ObjectMetricSourceType || m.Object.Metric.Name != "infer_rps" ||
		m.Object.DescribedObject.Kind != "Model" ||
		m.Object.Target.Type != autoscalingv2.AverageValueMetricType ||
		m.Object.Target.AverageValue.String() != target {
		t.Errorf("metric %+v", m.Object)
	}
	if *mh.Spec.MinReplicas != 1 || mh.Spec.MaxReplicas != 3 {
		t.Errorf("min/max %d/%d", *mh.Spec.MinReplicas, mh.Spec.MaxReplicas)
	}
	up := mh.Spec.Behavior.ScaleUp
	if len(up.Policies) != 1 || up.Policies[0].Type != autoscalingv2.PodsScalingPolicy || up.Policies[0].Value != 5 ||
		up.Policies[0].PeriodSeconds != 90 {
		t.Errorf("scale-up policies %+v", up.Policies)
	}
}

// assertModelGone checks that none of the objects the Model's side of the component declares
// exist: the Model, the Server, the HPAs and the adapter Deployment.
func (b *testbed) assertModelGone(t *testing.T) {
	t.Helper()
	b.assertModelGoneExceptAdapter(t)
	err := getErr(b.kube.AppsV1().Deployments(adapterNS).Get(context.Background(), adapterName, metav1.GetOptions{}))
	if !apierrors.IsNotFound(err) {
		t.Errorf("adapter Deployment exists (or lookup failed: %v)", err)
	}
}

// assertModelGoneExceptAdapter checks that the Model, the Server and the HPAs do not exist.
func (b *testbed) assertModelGoneExceptAdapter(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	models := b.dyn.Resource(localcluster.ModelResource).Namespace(ns)
	servers := b.dyn.Resource(localcluster.ServerResource).Namespace(ns)
	hpas := b.kube.AutoscalingV2().HorizontalPodAutoscalers(ns)
	for _, check := range []struct {
		what string
		err  error
	}{
		{"Model", getErr(models.Get(ctx, modelName, metav1.GetOptions{}))},
		{"Server", getErr(servers.Get(ctx, serverName, metav1.GetOptions{}))},
		{"Model HPA", getErr(hpas.Get(ctx, modelHPA, metav1.GetOptions{}))},
		{"Server HPA", getErr(hpas.Get(ctx, serverHPA, metav1.GetOptions{}))},
	} {
		if !apierrors.IsNotFound(check.err) {
			t.Errorf("%s exists (or lookup failed: %v)", check.what, check.err)
		}
	}
}

// assertGone checks that none of the component's objects exist, the chart's included. Tests that
// deployed the release first call assertReleaseSweepSees, which shows this sweep finds them.
func (b *testbed) assertGone(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	b.assertModelGone(t)
	err := getErr(b.kube.CoreV1().ConfigMaps(adapterNS).Get(ctx, adapterRules, metav1.GetOptions{}))
	if !apierrors.IsNotFound(err) {
		t.Errorf("adapter rules ConfigMap still exists (or lookup failed: %v)", err)
	}
	records := metav1.ListOptions{LabelSelector: "owner=helm,name=" + helmRelease}
	if s, err := b.kube.CoreV1().Secrets(adapterNS).List(ctx, records); err == nil && len(s.Items) > 0 {
		t.Errorf("%d Helm release records left", len(s.Items))
	}
	// The chart's own objects: the APIService, RBAC, Service, ServiceAccount and whatever else it renders.
	// The garbage collector removes what they owned (the Deployment's ReplicaSets and Pods) after destroy
	// returns, on its own time: wait for it, and fail only on what stays.
	left := b.releaseObjects(t)
	for deadline := time.Now().Add(60 * time.Second); len(left) > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Second)
		left = b.releaseObjects(t)
	}
	if len(left) > 0 {
		t.Errorf("objects of release %s left a minute after destroy: %v", helmRelease, left)
	}
}

func getErr[T any](_ T, err error) error { return err }

func (b *testbed) seldonObject(t *testing.T, kind, name string) *unstructured.Unstructured {
	t.Helper()
	gvr := localcluster.ModelResource
	if kind == "server" {
		gvr = localcluster.ServerResource
	}
	obj, err := b.dyn.Resource(gvr).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("%s %s: %v", kind, name, err)
	}
	return obj
}

func (b *testbed) adapterRules(t *testing.T) string {
	t.Helper()
	cm, err := b.kube.CoreV1().ConfigMaps(adapterNS).Get(context.Background(), adapterRules, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("adapter ConfigMap: %v", err)
	}
	return cm.Data["config.yaml"]
}

type template struct {
	generation int64
	checksum   string
}

func (b *testbed) adapterTemplate(t *testing.T) template {
	t.Helper()
	d, err := b.kube.AppsV1().Deployments(adapterNS).Get(context.Background(), adapterName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("adapter Deployment: %v", err)
	}
	return template{generation: d.Generation, checksum: d.Spec.Template.Annotations[checksumNote]}
}

func (b *testbed) hpaUIDs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range []string{modelHPA, serverHPA} {
		h, err := b.kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(h.UID)
	}
	return out
}

func (b *testbed) hpaTarget(t *testing.T, name string) string {
	t.Helper()
	h, err := b.kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return h.Spec.Metrics[0].Object.Target.AverageValue.String()
}

// assertNoChanges runs an up and requires it to change nothing.
func assertNoChanges(t *testing.T, st auto.Stack) {
	t.Helper()
	res, err := st.Up(context.Background())
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	for op, n := range *res.Summary.ResourceChanges {
		if op != "same" && n > 0 {
			diff, _ := st.Preview(context.Background(), optpreview.Diff())
			t.Errorf("a repeated up did %d %q operations: %v\n%s", n, op, *res.Summary.ResourceChanges, diff.StdOut)
		}
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
