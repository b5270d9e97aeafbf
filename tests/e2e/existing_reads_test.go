package e2e

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/existing"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

// A large stack's check observes, from the real API server, exactly what reading each object alone
// does: past a few reads of a kind, a listing answers them (provider/pkg/component/reads.go).
func TestCoalescedReadsMatchOneByOne(t *testing.T) {
	if bed == nil || skipReason != "" {
		t.Skip(skipReason)
	}
	checks, err := stackOfExisting("reads-check", 12, func(i int) bool { return i%5 == 0 })
	if err != nil {
		t.Fatal(err)
	}
	// Gone before the next test: the checks that a refused up created nothing list HPAs in every
	// namespace, and the namespace controller removes this one's objects on its own time.
	t.Cleanup(func() { bed.deleteNamespace(t, "reads-check") })
	client, err := existing.ClusterClient(map[string]string{"kubeconfig": bed.cluster.Kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	// The Seldon stand-in's first status write adds a field manager to each Model and Server; let it
	// land before the two checks, so that they read the same objects.
	eventually(t, 30*time.Second, "the stand-in's status on every Model and Server", func() (bool, string) {
		for _, gvr := range []schema.GroupVersionResource{localcluster.ModelResource, localcluster.ServerResource} {
			l, err := bed.dyn.Resource(gvr).Namespace("reads-check").List(context.Background(), metav1.ListOptions{})
			if err != nil {
				return false, err.Error()
			}
			for _, o := range l.Items {
				if _, ok := o.Object["status"]; !ok {
					return false, gvr.Resource + " " + o.GetName() + " has no status yet"
				}
			}
		}
		return true, ""
	})
	seen, err := observeAll(existing.NewReads(), client, checks)
	if err != nil {
		t.Fatal(err)
	}
	for i, objs := range checks {
		alone, err := existing.NewReads().Observe(context.Background(), client, objs)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if got, want := seen[i][o.Key()], alone[o.Key()]; !reflect.DeepEqual(got, want) {
				t.Errorf("%s: observed %+v in the stack's check, %+v alone", o, got, want)
			}
		}
	}
}

// BenchmarkExistingObjectCheck is what the check for existing objects adds to each component's
// preview and update, read from the real API server of the test bed through the client the
// components of a stack share. `make bench` reports it.
//
//   - components=1: the Go example's component, alone: it reads each object it would create
//     (Model, Server, two HPAs, the rules ConfigMap, the Helm release records, the APIService).
//   - components=50: a stack of 50 components in adapter mode none, as the deploy-speed comparison's
//     at N=50 (a Model, a dedicated Server and two HPAs each, all existing), checked at once: past
//     a few reads of one kind, one listing answers the others.
//
// Each operation is the first check of a deployment: no listing is taken yet.
func BenchmarkExistingObjectCheck(b *testing.B) {
	if bed == nil || skipReason != "" {
		b.Skip(skipReason)
	}
	b.Run("components=1", func(b *testing.B) {
		d, err := resolve.Resolve(guideArgs(modelName, nil))
		if err != nil {
			b.Fatal(err)
		}
		benchChecks(b, [][]ownership.Object{d.Objects()})
	})
	b.Run("components=50", func(b *testing.B) {
		existingStack.Do(func() { existingStack.checks, existingStack.err = stackOfExisting("bench-check", 50, nil) })
		if existingStack.err != nil {
			b.Fatal(existingStack.err)
		}
		benchChecks(b, existingStack.checks)
	})
}

// existingStack is the stack of 50 components' objects, created once per test bed (-count runs the
// benchmark again).
var existingStack struct {
	sync.Once
	checks [][]ownership.Object
	err    error
}

// benchChecks runs the checks of one deployment's components (one []ownership.Object each) at once
// per operation, and reports the cost per component.
func benchChecks(b *testing.B, checks [][]ownership.Object) {
	client, err := existing.ClusterClient(map[string]string{"kubeconfig": bed.cluster.Kubeconfig})
	if err != nil {
		b.Fatal(err)
	}
	objects, controlPlane, ops := 0, 0.0, 0
	for _, objs := range checks {
		objects += len(objs)
	}
	for b.Loop() {
		cpu0 := bed.cluster.CPUSeconds()
		_, err := observeAll(existing.NewReads(), client, checks) // a deployment's first check
		controlPlane += bed.cluster.CPUSeconds() - cpu0
		if err != nil {
			b.Fatal(err)
		}
		ops++
	}
	perComponent := float64(ops * len(checks))
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/perComponent, "ms/component")
	b.ReportMetric(float64(objects)/float64(len(checks)), "objects/component")
	// What the reads cost the API server and etcd (their CPU includes their background work
	// during the checks).
	b.ReportMetric(controlPlane*1000/perComponent, "control-plane-ms/component")
}

// observeAll runs the checks of one deployment's components (one []ownership.Object each) at once,
// through reads, as the plugin does.
func observeAll(
	reads *existing.Reads,
	client dynamic.Interface,
	checks [][]ownership.Object,
) ([]map[string]ownership.Observed, error) {
	seen := make([]map[string]ownership.Observed, len(checks))
	errs := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, objs := range checks {
		wg.Go(func() { seen[i], errs[i] = reads.Observe(context.Background(), client, objs) })
	}
	wg.Wait()
	return seen, errors.Join(errs...)
}

// stackOfExisting creates, in namespace ns, what n components in adapter mode none created on an
// earlier update, but for the objects absent names (counted across components), and returns what
// each component checks.
func stackOfExisting(ns string, n int, absent func(int) bool) ([][]ownership.Object, error) {
	ctx := context.Background()
	_, err := bed.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		metav1.CreateOptions{})
	if err != nil {
		return nil, err
	}
	var checks [][]ownership.Object
	for i := range n {
		d, err := resolve.Resolve(guideArgs(fmt.Sprintf("m%d", i), &ns))
		if err != nil {
			return nil, err
		}
		objs := d.Objects()
		for k, o := range objs {
			if absent != nil && absent(i*len(objs)+k) {
				continue
			}
			if err := createExisting(ctx, o); err != nil {
				return nil, err
			}
		}
		checks = append(checks, objs)
	}
	return checks, nil
}

// createExisting creates o as the component would have, with a spec of its kind's usual size.
func createExisting(ctx context.Context, o ownership.Object) error {
	obj := existingObject(o, map[string]string{ownership.OwnerAnnotation: "bench/check/" + o.Name})
	_, err := bed.dyn.Resource(ownership.Resources[o.Kind]).Namespace(o.Namespace).Create(ctx, obj, metav1.CreateOptions{})
	return err
}

// existingObject is o as it stands in a cluster where it was created first, with these
// annotations: a Model, Server or HPA with a spec of its kind's usual size, a rules ConfigMap with
// rules of its own, an APIService served by another custom metrics provider's Service.
func existingObject(o ownership.Object, annotations map[string]string) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{Object: map[string]any{}}
	obj.SetAPIVersion(ownership.Resources[o.Kind].GroupVersion().String())
	obj.SetKind(o.Kind)
	obj.SetNamespace(o.Namespace)
	obj.SetName(o.Name)
	obj.SetAnnotations(annotations)
	switch o.Kind {
	case "Model":
		obj.Object["spec"] = map[string]any{"replicas": int64(1), "storageUri": "gs://seldon-models/testing/iris1",
			"requirements": []any{"sklearn"}}
	case "Server":
		obj.Object["spec"] = map[string]any{"replicas": int64(1), "serverConfig": "mlserver"}
	case "HorizontalPodAutoscaler":
		obj.Object["spec"] = hpaSpec(o.Name)
	case "ConfigMap":
		obj.Object["data"] = map[string]any{"config.yaml": "rules: []\n"}
	case "APIService":
		obj.SetLabels(map[string]string{"app": "another-metrics-provider"})
		obj.Object["spec"] = map[string]any{
			"group": "custom.metrics.k8s.io", "version": "v1beta1", "insecureSkipTLSVerify": true,
			"groupPriorityMinimum": int64(100), "versionPriority": int64(100),
			"service": map[string]any{"name": "another-metrics-provider", "namespace": "kube-system"},
		}
	}
	return obj
}

// hpaSpec is an HPA on a Model's infer_rps, as the component declares it; the Model is the HPA's
// namesake, which does not exist, so the HPA controller gives up on it at once.
func hpaSpec(name string) map[string]any {
	return map[string]any{
		"scaleTargetRef": map[string]any{"apiVersion": resolve.SeldonAPIVersion, "kind": "Model", "name": name},
		"minReplicas":    int64(1), "maxReplicas": int64(3),
		"metrics": []any{map[string]any{"type": "Object", "object": map[string]any{
			"metric":          map[string]any{"name": "infer_rps"},
			"describedObject": map[string]any{"apiVersion": resolve.SeldonAPIVersion, "kind": "Model", "name": name},
			"target":          map[string]any{"type": "AverageValue", "averageValue": "3"},
		}}},
	}
}

// guideArgs is the Go example's component (irisa0 on a dedicated Server, adapter installed) under
// another name and namespace; in another namespace it uses the adapter (mode none).
func guideArgs(name string, namespace *string) resolve.Args {
	dedicated, config, maxReplicas, target := true, "mlserver", 3, 3.0
	args := resolve.Args{
		Model:       resolve.ModelSpec{Name: name, Namespace: namespace, StorageURI: "gs://seldon-models/testing/iris1"},
		Server:      &resolve.ServerSpec{Dedicated: &dedicated, ServerConfig: &config},
		Autoscaling: resolve.AutoscalingSpec{MaxReplicas: &maxReplicas, TargetRpsPerReplica: &target},
	}
	if namespace != nil {
		none := resolve.ModeNone
		args.Adapter = &resolve.AdapterSpec{Mode: &none}
	}
	return args
}
