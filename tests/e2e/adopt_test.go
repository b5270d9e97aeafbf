package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	sa "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
)

// TestAdoptedAdapter: an adapter someone else installed (here: its ConfigMap and Deployment,
// created by another field manager) is configured in adopt mode — the Seldon rule merged into its
// rules, the installer's rules kept, its Deployment restarted only when they change, an edit of the
// rules repaired by up --refresh, a second adopter refused or sharing — and destroy leaves the
// adopted adapter working as configured, with the installer's rules.
func TestAdoptedAdapter(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	// A custom rule and resource metrics, as an installer leaves them; adopt mode must keep both.
	raw, err := os.ReadFile(filepath.Join(b.root, "provider", "pkg", "adapterrules", "testdata", "installer-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	installerRules := string(raw)
	dep := b.fakeAdoptedAdapter(t, installerRules)

	st := b.goStack(t, "adopt", adoptProgram, nil)
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })

	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	rules, d := b.adopted(ctx, t)
	assertInstallerRulesKept(t, rules)
	hash := d.Spec.Template.Annotations[checksumNote]
	if len(hash) != 64 {
		t.Errorf("the adopted Deployment's pod template lacks the rules hash: %v", d.Spec.Template.Annotations)
	}
	if args := d.Spec.Template.Spec.Containers[0].Args; len(args) != 2 ||
		d.Spec.Template.Spec.Containers[0].Image != dep.Spec.Template.Spec.Containers[0].Image {
		t.Errorf("adopting changed the installer's container: %v", d.Spec.Template.Spec.Containers[0])
	}
	assertNoChanges(t, st)

	t.Run("a rules change restarts the adopted adapter once", func(t *testing.T) {
		b.adoptedRulesChangeRestartsOnce(ctx, t, st, hash)
	})

	t.Run("an edit of the adopted rules is repaired by up --refresh", func(t *testing.T) {
		b.adoptedRulesEditRepaired(ctx, t, st, installerRules)
	})

	t.Run("a second adopter with another rule is refused, with the same rule it shares", func(t *testing.T) {
		b.secondAdopterRefusedOrShares(ctx, t, st)
	})

	t.Run("destroy removes the model's objects and leaves the adopted adapter", func(t *testing.T) {
		if _, err := st.Destroy(ctx); err != nil {
			t.Fatalf("destroy: %v", err)
		}
		b.assertModelGoneExceptAdapter(t)
		// Left as configured: without config.yaml the adapter would fail at its next start.
		rules, d := b.adopted(ctx, t)
		assertInstallerRulesKept(t, rules)
		if d.Spec.Template.Spec.Containers[0].Image != dep.Spec.Template.Spec.Containers[0].Image {
			t.Error("destroy changed the installer's Deployment")
		}
	})
}

// adoptedRulesChangeRestartsOnce: a new rate window rewrites the Seldon rule, keeps the installer's,
// and rolls the adopted Deployment exactly once.
func (b *testbed) adoptedRulesChangeRestartsOnce(ctx context.Context, t *testing.T, st auto.Stack, hash string) {
	_, before := b.adopted(ctx, t)
	b.setConfig(t, st, map[string]string{"rateWindow": "2m"})
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	rules, after := b.adopted(ctx, t)
	assertInstallerRulesKept(t, rules)
	// The Seldon rule's window (the installer's rule has its own [2m], followed by "))").
	if !strings.Contains(rules, "<<.Series>>{<<.LabelMatchers>>}[2m]\n") ||
		after.Generation != before.Generation+1 ||
		after.Spec.Template.Annotations[checksumNote] == hash {
		t.Errorf(
			"rules %q, generation %d -> %d: want the 2m window and exactly one rollout",
			rules,
			before.Generation,
			after.Generation,
		)
	}
	assertNoChanges(t, st)
}

// adoptedRulesEditRepaired: up --refresh restores the adopted rules after an edit that put back
// the installer's, without restarting the adapter.
func (b *testbed) adoptedRulesEditRepaired(ctx context.Context, t *testing.T, st auto.Stack, installerRules string) {
	want, before := b.adopted(ctx, t)
	c, err := b.kube.CoreV1().ConfigMaps(adapterNS).Get(ctx, adapterName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.Data["config.yaml"] = installerRules
	edit := metav1.UpdateOptions{FieldManager: "kubectl-edit"}
	if _, err := b.kube.CoreV1().ConfigMaps(adapterNS).Update(ctx, c, edit); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Up(ctx, optup.Refresh()); err != nil {
		t.Fatalf("up --refresh: %v", err)
	}
	got, after := b.adopted(ctx, t)
	if got != want {
		t.Errorf("the adopted rules were not restored:\n%s", got)
	}
	if after.Generation != before.Generation {
		t.Errorf("restoring the rules restarted the adapter (generation %d -> %d)", before.Generation, after.Generation)
	}
}

// secondAdopterRefusedOrShares: a second adopter with another rule for infer_rps is refused and
// changes nothing; with the same rule it shares it.
func (b *testbed) secondAdopterRefusedOrShares(ctx context.Context, t *testing.T, st auto.Stack) {
	second := b.goStack(t, "adopt-b", adoptProgram, map[string]string{"model": "irisb", "rateWindow": "5m"})
	t.Cleanup(func() { _, _ = second.Destroy(ctx) })
	want, _ := b.adopted(ctx, t)
	_, err := second.Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "kept by another component") ||
		!strings.Contains(err.Error(), "adapter.rule") {
		t.Fatalf("a second adopter with another rule for infer_rps was not refused: %v", err)
	}
	if got, _ := b.adopted(ctx, t); got != want {
		t.Errorf("the refused adopter changed the rules:\n%s", got)
	}
	b.setConfig(t, second, map[string]string{"rateWindow": "2m"})
	if _, err := second.Up(ctx); err != nil {
		t.Fatalf("a second adopter with the same rule: %v", err)
	}
	assertNoChanges(t, st)
	assertNoChanges(t, second)
	if got, _ := b.adopted(ctx, t); got != want {
		t.Errorf("sharing the rule changed it:\n%s", got)
	}
	if _, err := second.Destroy(ctx); err != nil {
		t.Fatalf("destroy of the second adopter: %v", err)
	}
}

// adoptProgram declares a component in adopt mode; the stack's config may name another model and
// rate window.
func adoptProgram(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	window, model := cfg.Get("rateWindow"), cfg.Get("model")
	if window == "" {
		window = "1m"
	}
	if model == "" {
		model = modelName
	}
	_, err := sa.NewSeldonAutoscaledModel(ctx, "irisa0", &sa.SeldonAutoscaledModelArgs{
		Model: &sa.ModelSpecArgs{
			Name:       pulumi.String(model),
			StorageUri: pulumi.String("gs://seldon-models/testing/iris1"),
		},
		Server:      &sa.ServerSpecArgs{Dedicated: pulumi.BoolPtr(true), ServerConfig: pulumi.StringPtr("mlserver")},
		Autoscaling: &sa.AutoscalingSpecArgs{MaxReplicas: pulumi.IntPtr(3), TargetRpsPerReplica: pulumi.Float64Ptr(3)},
		Adapter: &sa.AdapterSpecArgs{
			Mode:       pulumi.StringPtr("adopt"),
			SkipAwait:  pulumi.BoolPtr(true),
			RateWindow: pulumi.StringPtr(window),
		},
	})
	return err
}

// adopted reads the adopted adapter: its rules and its Deployment.
func (b *testbed) adopted(ctx context.Context, t *testing.T) (string, *appsv1.Deployment) {
	t.Helper()
	c, err := b.kube.CoreV1().ConfigMaps(adapterNS).Get(ctx, adapterName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := b.kube.AppsV1().Deployments(adapterNS).Get(ctx, adapterName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c.Data["config.yaml"], d
}

// assertInstallerRulesKept checks that the adopted config holds the Seldon rule and the installer's
// custom rule and resource metrics.
func assertInstallerRulesKept(t *testing.T, rules string) {
	t.Helper()
	for _, want := range []string{"seldon_model_infer_total", "as: infer_rps", "http_requests_total",
		"as: ${1}_per_second", "resourceRules:", "container_cpu_usage_seconds_total", "window: 3m"} {
		if !strings.Contains(rules, want) {
			t.Errorf("the adopted config lacks %q:\n%s", want, rules)
		}
	}
}

// fakeAdoptedAdapter stands in for a prometheus-adapter someone else installed: the ConfigMap (with
// rules) and Deployment adopt mode patches, created by another field manager. No pod runs here.
func (b *testbed) fakeAdoptedAdapter(t *testing.T, rules string) *appsv1.Deployment {
	t.Helper()
	ctx := context.Background()
	b.ensureNamespace(t, adapterNS)
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: adapterName, Namespace: adapterNS},
		Data:       map[string]string{"config.yaml": rules},
	}
	labels := map[string]string{"app": "prometheus-adapter"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: adapterName, Namespace: adapterNS},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "prometheus-adapter", Image: "registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0",
					Args: []string{"--config=/etc/adapter/config.yaml", "--prometheus-url=http://prometheus.monitoring.svc:9090"},
				}}},
			},
		},
	}
	asHelm := metav1.CreateOptions{FieldManager: "helm"}
	if _, err := b.kube.CoreV1().ConfigMaps(adapterNS).Create(ctx, cm, asHelm); err != nil {
		t.Fatal(err)
	}
	if _, err := b.kube.AppsV1().Deployments(adapterNS).Create(ctx, dep, asHelm); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = b.kube.AppsV1().Deployments(adapterNS).Delete(ctx, adapterName, metav1.DeleteOptions{})
		_ = b.kube.CoreV1().ConfigMaps(adapterNS).Delete(ctx, adapterName, metav1.DeleteOptions{})
	})
	return dep
}
