package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/examples/go/autoscaledmodel"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
)

// kubectlSeldonObjects is a Model and its Server as an operator creates them by hand, at 4 replicas.
const kubectlSeldonObjects = `apiVersion: mlops.seldon.io/v1alpha1
kind: Server
metadata: {name: irisa0-server, namespace: seldon-mesh, labels: {team: by-hand}}
spec: {serverConfig: mlserver, replicas: 4}
---
apiVersion: mlops.seldon.io/v1alpha1
kind: Model
metadata: {name: irisa0, namespace: seldon-mesh, labels: {team: by-hand}}
spec: {storageUri: "gs://seldon-models/testing/iris1", requirements: [sklearn], server: irisa0-server, replicas: 4}
`

// TestExistingModelAndServer: a Model and a Server created with kubectl at 4 replicas. A plain up
// refuses before it changes anything, naming both and the way forward; they stay exactly as they
// were. With takeOverExisting, up takes them over keeping 4 replicas and the fields it does not
// set, and the HPAs own them from then on; destroy deletes them, as after `pulumi import`.
func TestExistingModelAndServer(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "by-hand.yaml")
	if err := os.WriteFile(file, []byte(kubectlSeldonObjects), 0o600); err != nil {
		t.Fatal(err)
	}
	kubectl(t, b, "create", "-f", file)
	t.Cleanup(func() {
		_ = b.dyn.Resource(localcluster.ModelResource).Namespace(ns).Delete(ctx, modelName, metav1.DeleteOptions{})
		_ = b.dyn.Resource(localcluster.ServerResource).Namespace(ns).Delete(ctx, serverName, metav1.DeleteOptions{})
	})
	byHand := b.declaredFields(t)

	// maxReplicas 5, so that the 4 replicas are within the HPAs' bounds until the last step.
	st := b.goStack(t, "existing", autoscaledmodel.Program,
		map[string]string{"adapterChartPath": b.chartPath, "adapterSkipAwait": "true", "maxReplicas": "5"})
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	_, err := st.Up(ctx)
	if err == nil {
		t.Fatal("up took over a Model and a Server someone else created")
	}
	for _, want := range []string{"Model seldon-mesh/irisa0 already exists", "Server seldon-mesh/irisa0-server",
		"kubectl-create", "takeOverExisting: true", "keeping its 4 replicas"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q:\n%.2000s", want, err.Error())
		}
	}
	if got := b.declaredFields(t); !reflect.DeepEqual(got, byHand) {
		t.Errorf("the refused up changed the objects:\n before %v\n after  %v", byHand, got)
	}
	b.assertNothingCreated(t)

	b.setConfig(t, st, map[string]string{"takeOverExisting": "true"})
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up with takeOverExisting: %v", err)
	}
	for _, kind := range []string{"model", "server"} {
		o := b.seldonObject(t, kind, map[string]string{"model": modelName, "server": serverName}[kind])
		if n := b.replicas(ctx, kind, o.GetName()); n != 4 {
			t.Errorf("taking the %s over set its replicas to %d, want 4 kept", kind, n)
		}
		if o.GetLabels()["team"] != "by-hand" {
			t.Errorf("taking the %s over dropped a field the component does not set: labels %v", kind, o.GetLabels())
		}
	}
	for _, hpa := range []string{modelHPA, serverHPA} {
		if err := getErr(b.kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, hpa, metav1.GetOptions{})); err != nil {
			t.Errorf("HPA %s: %v", hpa, err)
		}
	}
	assertNoChanges(t, st)

	t.Run("the HPAs own the replicas from then on", func(t *testing.T) {
		b.setConfig(t, st, map[string]string{"maxReplicas": "3"})
		if _, err := st.Up(ctx); err != nil {
			t.Fatalf("up: %v", err)
		}
		// The HPA controller brings replicas above maxReplicas down to it, metric or not.
		eventually(t, 2*time.Minute, "the HPAs scale the taken-over Model and Server to maxReplicas 3",
			func() (bool, string) {
				m, s := b.replicas(ctx, "model", modelName), b.replicas(ctx, "server", serverName)
				return m == 3 && s == 3, fmt.Sprintf("model %d, server %d", m, s)
			})
		assertNoChanges(t, st)
	})

	t.Run("destroy deletes what was taken over", func(t *testing.T) {
		if _, err := st.Destroy(ctx); err != nil {
			t.Fatalf("destroy: %v", err)
		}
		b.assertGone(t)
	})
}

// declaredFields is what a user declares of the irisa0 Model and Server (labels, annotations,
// spec), by kind: the status the Seldon stand-in writes is left out.
func (b *testbed) declaredFields(t *testing.T) map[string]any {
	t.Helper()
	out := map[string]any{}
	for kind, name := range map[string]string{"model": modelName, "server": serverName} {
		o := b.seldonObject(t, kind, name)
		out[kind] = map[string]any{"labels": o.GetLabels(), "annotations": o.GetAnnotations(), "spec": o.Object["spec"]}
	}
	return out
}

// assertNothingCreated checks that a refused up left no object of the component's beside the
// Model and Server (which a test may have made itself): no HPA in any namespace, no adapter rules
// or Deployment, no Helm record of any release.
func (b *testbed) assertNothingCreated(t *testing.T) {
	t.Helper()
	named := func(name string) metav1.ListOptions {
		return metav1.ListOptions{FieldSelector: "metadata.name=" + name}
	}
	b.assertNoneListed(t,
		listing{autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers"), metav1.NamespaceAll, everyone},
		listing{corev1.SchemeGroupVersion.WithResource("configmaps"), adapterNS, named(adapterRules)},
		listing{appsv1.SchemeGroupVersion.WithResource("deployments"), adapterNS, named(adapterName)},
		listing{corev1.SchemeGroupVersion.WithResource("secrets"), metav1.NamespaceAll,
			metav1.ListOptions{LabelSelector: "owner=helm"}},
	)
}

// everyone lists every object of a kind.
var everyone = metav1.ListOptions{}

// listing is a list request: objects of a kind in a namespace (or all), matching opts.
type listing struct {
	gvr       schema.GroupVersionResource
	namespace string
	opts      metav1.ListOptions
}

// assertNoneListed fails the test for every object a refused up left that one of the listings finds.
func (b *testbed) assertNoneListed(t *testing.T, listings ...listing) {
	t.Helper()
	for _, l := range listings {
		list, err := b.dyn.Resource(l.gvr).Namespace(l.namespace).List(context.Background(), l.opts)
		if err != nil {
			t.Errorf("listing %s: %v", l.gvr.Resource, err)
			continue
		}
		for _, o := range list.Items {
			t.Errorf("the refused up created %s %s/%s", o.GetKind(), o.GetNamespace(), o.GetName())
		}
	}
}

// TestSecondStackOnOneAdapter: a second stack that would install an adapter under the names the
// first one's uses fails before touching them; destroying it leaves the first adapter whole.
func TestSecondStackOnOneAdapter(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	config := map[string]string{"adapterChartPath": b.chartPath, "adapterSkipAwait": "true"}
	first := b.goStack(t, "first", autoscaledmodel.Program, config)
	t.Cleanup(func() { _, _ = first.Destroy(ctx) })
	if _, err := first.Up(ctx); err != nil {
		t.Fatalf("up of the first stack: %v", err)
	}
	rules, tmpl := b.adapterRules(t), b.adapterTemplate(t)

	const otherNS = "team-b"
	b.ensureNamespace(t, otherNS)
	second := b.goStack(t, "second", autoscaledmodel.Program, merge(config, map[string]string{"namespace": otherNS}))
	_, err := second.Up(ctx)
	if err == nil {
		t.Fatal("a second stack installed an adapter under the first one's names")
	}
	for _, want := range []string{"adapter.releaseName", "hpa-metrics-seldon-rules", "created by another component",
		"Helm release hpa-metrics already exists", "adapter.mode to adopt"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q:\n%.2000s", want, err.Error())
		}
	}
	if _, err := second.Destroy(ctx); err != nil {
		t.Fatalf("destroy of the refused stack: %v", err)
	}
	if got := b.adapterRules(t); got != rules {
		t.Errorf("the second stack changed the first one's rules:\n%s", got)
	}
	if got := b.adapterTemplate(t); got != tmpl {
		t.Errorf("the second stack restarted the first one's adapter: %+v -> %+v", tmpl, got)
	}
	b.assertDeployed(t)
	assertNoChanges(t, first)
	if _, err := first.Destroy(ctx); err != nil {
		t.Fatalf("destroy of the first stack: %v", err)
	}
	b.assertGone(t)
}
