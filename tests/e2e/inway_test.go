package e2e

import (
	"context"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/examples/go/autoscaledmodel"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

// anotherParty is the field manager of the objects another party creates in the component's way.
const anotherParty = "another-party"

// inTheWay is one kind of object someone else put under a name the Go example's component uses.
type inTheWay struct {
	name string
	put  func(t *testing.T) // creates it, as that party would, and removes it in cleanup
	// holds is what the cluster holds under the component's names once it is there (underComponentNames).
	holds []string
	// refusal is the whole refusal (input, object, problem), and fix the way forward it names.
	refusal, fix string
}

// TestObjectsInTheWayRefusedAtPreview: for each kind of object the Go example's component creates,
// one someone else created first makes a real `pulumi preview` (the CLI, run by the Automation API)
// of a fresh stack fail, with the one refusal naming that object, the input that names it and the
// way forward; and the preview changes nothing: every object under the component's names keeps its
// resourceVersion and content, and none is added. The Helm records are real Helm's, written inside
// the Kubernetes provider's plugin: a release another program installed, and one whose install was
// killed while Helm waited, which leaves its record pending-install.
func TestObjectsInTheWayRefusedAtPreview(t *testing.T) {
	b := requireBed(t)
	d, err := resolve.Resolve(guideArgs(modelName, nil))
	if err != nil {
		t.Fatal(err)
	}
	objs := d.Objects()
	for _, tc := range inTheWayCases(b, objs) {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(func() { b.assertGone(t) }) // after the case's own cleanup: the next case starts clean
			tc.put(t)
			before := b.settled(t, objs)
			if got := slices.Sorted(maps.Keys(before)); !slices.Equal(got, tc.holds) {
				t.Fatalf("the cluster holds %v under the component's names, want %v", got, tc.holds)
			}
			st := b.goStack(t, "in-the-way", autoscaledmodel.Program, map[string]string{"adapterChartPath": b.chartPath})
			start := time.Now()
			_, err := st.Preview(context.Background())
			t.Logf("the preview took %s", time.Since(start).Round(time.Millisecond))
			if err == nil {
				t.Fatal("the preview accepted a stack whose object someone else created")
			}
			// One problem is reported on the heading's line: no other object was refused.
			for _, want := range []string{"invalid SeldonAutoscaledModel input: " + tc.refusal, tc.fix} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the refusal does not say %q:\n%.3000s", want, err.Error())
				}
			}
			assertUnchanged(t, before, b.underComponentNames(t, objs))
		})
	}
}

// inTheWayCases are TestObjectsInTheWayRefusedAtPreview's: one per kind of object the component
// declares (objs), and the Helm release both deployed and left pending.
func inTheWayCases(b *testbed, objs []ownership.Object) []inTheWay {
	of := func(kind, name string) ownership.Object {
		i := slices.IndexFunc(objs, func(o ownership.Object) bool { return o.Kind == kind && o.Name == name })
		return objs[i]
	}
	model, server := of("Model", modelName), of("Server", serverName)
	mhpa, shpa := of("HorizontalPodAutoscaler", modelHPA), of("HorizontalPodAutoscaler", serverHPA)
	rules, api := of("ConfigMap", adapterRules), of("APIService", "v1beta1.custom.metrics.k8s.io")
	record := "sh.helm.release.v1." + helmRelease + ".v1"
	// Helm's release: its records, and of the chart's objects those under the component's names.
	release := []string{"APIService " + api.Name, "Deployment " + adapterNS + "/" + adapterName,
		"Secret " + adapterNS + "/" + record}
	// The managers are listed sorted: the controllers that write status (e2e.test for the Seldon
	// stand-in, kube-controller-manager) come after anotherParty.
	notOurs := " already exists and this component did not create it (managed by " + anotherParty
	takeOver := "set takeOverExisting: true to manage it from this stack"
	return []inTheWay{
		{"Model", b.byAnotherParty(model), []string{model.String()}, "model.name: " + model.String() + notOurs,
			takeOver},
		{"Server", b.byAnotherParty(server), []string{server.String()}, "server.name: " + server.String() + notOurs,
			takeOver},
		{"Model HPA", b.byAnotherParty(mhpa), []string{mhpa.String()}, "model.name: " + mhpa.String() + notOurs,
			takeOver},
		{"Server HPA", b.byAnotherParty(shpa), []string{shpa.String()}, "model.name: " + shpa.String() + notOurs,
			takeOver},
		{"adapter rules ConfigMap", b.byAnotherParty(rules), []string{rules.String()},
			"adapter.releaseName: " + rules.String() + notOurs,
			"choose another adapter.releaseName or adapter.namespace, or set adapter.mode to adopt"},
		{"APIService of another custom metrics provider", b.byAnotherParty(api), []string{api.String()},
			"adapter.mode: " + api.String() + " is already served by Service kube-system/another-metrics-provider, " +
				"not by this adapter's Service " + adapterNS + "/" + adapterName,
			"set adapter.mode to adopt if that is a prometheus-adapter"},
		{"Helm release another program installed", b.helmReleaseByAnotherProgram, release,
			"adapter.releaseName: Helm release " + helmRelease + " already exists in namespace " + adapterNS +
				", installed by helm",
			"set adapter.mode to adopt to configure that adapter"},
		{"Helm release left pending-install by a killed Helm", b.helmInstallKilledWhilePending, release,
			"adapter.releaseName: Helm release " + helmRelease + " in namespace " + adapterNS + " is pending-install: " +
				"its last operation (" + record + ") never finished",
			"delete that record (kubectl delete secret -n " + adapterNS + " " + record + ") and run up again"},
	}
}

// byAnotherParty creates o as someone other than the component would: without the component's
// owner annotation, through field manager anotherParty.
func (b *testbed) byAnotherParty(o ownership.Object) func(t *testing.T) {
	return func(t *testing.T) {
		t.Helper()
		ctx := context.Background()
		var in dynamic.ResourceInterface = b.dyn.Resource(ownership.Resources[o.Kind])
		if o.Namespace != "" {
			b.ensureNamespace(t, o.Namespace)
			in = b.dyn.Resource(ownership.Resources[o.Kind]).Namespace(o.Namespace)
		}
		if _, err := in.Create(ctx, existingObject(o, nil), metav1.CreateOptions{FieldManager: anotherParty}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := in.Delete(ctx, o.Name, metav1.DeleteOptions{}); err != nil {
				t.Errorf("removing %s: %v", o, err)
			}
		})
	}
}

// helmReleaseByAnotherProgram has real Helm install the adapter chart under the component's release
// name, from a Pulumi program of someone else's, and uninstalls it in cleanup.
func (b *testbed) helmReleaseByAnotherProgram(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	st := b.goStack(t, "helm-by-another", anotherProgramsRelease(b.chartPath, false), nil)
	t.Cleanup(func() {
		if _, err := st.Destroy(ctx); err != nil {
			t.Errorf("uninstalling the other program's release: %v", err)
		}
	})
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("the other program's install: %v", err)
	}
	if r := b.releaseRecords(t); r["deployed"] != 1 || len(r) != 1 {
		t.Fatalf("want the one deployed record Helm writes, got %v", r)
	}
}

// helmInstallKilledWhilePending has real Helm install the adapter chart from another program and
// wait for its pods, which never become Ready (no kubelet stand-in runs), then SIGKILLs the
// Kubernetes provider's plugin Helm runs in, as an OOM kill or a lost machine would: the
// pending-install record Helm wrote first stays, since only that Helm would have finished it.
// Not a cancelled up: the reaper passes SIGINT to the CLI, which cancels its plugins, and Helm's
// install then records the failure itself (action.Install's failRelease), by its code; no test here
// shows that path.
func (b *testbed) helmInstallKilledWhilePending(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	st := b.goStack(t, "helm-killed", anotherProgramsRelease(b.chartPath, true), nil)
	marker := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	st.Workspace().SetEnvVar(runMarkerEnv, marker) // the CLI's plugins inherit it: how we find them
	t.Cleanup(func() { b.deleteReleaseLeftPending(t) })
	done := make(chan error, 1)
	go func() { _, err := st.Up(ctx); done <- err }()
	eventually(t, 2*time.Minute, "Helm to wait on its pending-install release", func() (bool, string) {
		select {
		case err := <-done:
			t.Fatalf("the install ended (%v) before Helm waited on it", err)
		default:
		}
		records := b.releaseRecords(t)
		_, err := b.kube.AppsV1().Deployments(adapterNS).Get(ctx, adapterName, metav1.GetOptions{})
		return records["pending-install"] == 1 && err == nil, fmt.Sprintf("records %v; Deployment: %v", records, err)
	})
	var killed []markedProcess
	for _, p := range markedProcesses(marker) {
		if p.name == "pulumi-resource-kubernetes" {
			if err := syscall.Kill(p.pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = append(killed, p)
		}
	}
	if len(killed) == 0 {
		t.Fatalf("no Kubernetes plugin among the install's processes %v", markedProcesses(marker))
	}
	if err := <-done; err == nil {
		t.Fatal("the install whose Kubernetes plugin was killed succeeded")
	}
	t.Logf("killed %v while Helm waited", killed)
	if r := b.releaseRecords(t); r["pending-install"] != 1 || len(r) != 1 {
		t.Fatalf("want the one pending-install record Helm wrote, got %v", r)
	}
}

// anotherProgramsRelease is someone else's Pulumi program: the adapter chart installed by the
// Kubernetes provider's Helm release, under the component's release name and namespace, waiting
// for the pods when wait is set. The type is registered by its token: helm/v3's SDK would compile
// every Kubernetes API group into the test binary for this one resource.
func anotherProgramsRelease(chart string, wait bool) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		var release pulumi.CustomResourceState
		return ctx.RegisterResource("kubernetes:helm.sh/v3:Release", "another", pulumi.Map{
			"name": pulumi.String(helmRelease), "namespace": pulumi.String(adapterNS), "chart": pulumi.String(chart),
			"createNamespace": pulumi.Bool(true), "skipAwait": pulumi.Bool(!wait), "timeout": pulumi.Int(600),
			"compat": pulumi.String("true"),
		}, &release)
	}
}

// deleteReleaseLeftPending removes what the killed install left, which no stack state records: the
// release's records and every object of the chart (releaseObjects' sweep).
func (b *testbed) deleteReleaseLeftPending(t *testing.T) {
	t.Helper()
	kubectl(t, b, "delete", "secret", "-n", adapterNS, "-l", "owner=helm,name="+helmRelease)
	byNamespace := map[string][]string{}
	for _, o := range b.releaseObjects(t) {
		byNamespace[o.namespace] = append(byNamespace[o.namespace], o.kind+"/"+o.name)
	}
	for namespace, refs := range byNamespace {
		args := append([]string{"delete", "--ignore-not-found", "--wait=false"}, refs...)
		if namespace != "" {
			args = append(args, "-n", namespace)
		}
		kubectl(t, b, args...)
	}
}

// underComponentNames is what the cluster holds under the names the component uses, by "Kind
// namespace/name": each object of objs, every record of its Helm release (as Secrets), and the
// Deployment that release creates.
func (b *testbed) underComponentNames(t *testing.T, objs []ownership.Object) map[string]*unstructured.Unstructured {
	t.Helper()
	ctx := context.Background()
	out := map[string]*unstructured.Unstructured{}
	deployment := ownership.Object{Kind: "Deployment", Namespace: adapterNS, Name: adapterName}
	for _, o := range append(slices.Clone(objs), deployment) {
		var in dynamic.ResourceInterface = b.dyn.Resource(ownership.Resources[o.Kind])
		if o.Namespace != "" {
			in = b.dyn.Resource(ownership.Resources[o.Kind]).Namespace(o.Namespace)
		}
		if o.Kind == "HelmRelease" {
			records, err := in.List(ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=" + o.Name})
			if err != nil {
				t.Fatal(err)
			}
			for i := range records.Items {
				out["Secret "+o.Namespace+"/"+records.Items[i].GetName()] = &records.Items[i]
			}
			continue
		}
		live, err := in.Get(ctx, o.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out[o.String()] = live
	}
	return out
}

// statusWriters are the kinds whose status a controller of the test bed writes: the Seldon
// stand-in, the HPA controller, the API server's APIService availability controller, the
// Deployment controller.
var statusWriters = []string{"Model", "Server", "HorizontalPodAutoscaler", "APIService", "Deployment"}

// settled is underComponentNames once every status a controller writes is there and nothing has
// changed for two seconds: a later change is then the preview's.
func (b *testbed) settled(t *testing.T, objs []ownership.Object) map[string]*unstructured.Unstructured {
	t.Helper()
	var last map[string]*unstructured.Unstructured
	still := 0
	eventually(t, time.Minute, "the objects in the way to settle", func() (bool, string) {
		now := b.underComponentNames(t, objs)
		for key, o := range now {
			conditions, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
			if slices.Contains(statusWriters, o.GetKind()) && len(conditions) == 0 {
				last, still = nil, 0
				return false, key + " has no status conditions yet"
			}
		}
		if reflect.DeepEqual(now, last) {
			still++
		} else {
			still = 0
		}
		last = now
		return still >= 4, fmt.Sprintf("changed %d polls ago", still)
	})
	return last
}

// assertUnchanged: after holds exactly the objects before did, each with its resourceVersion and
// content.
func assertUnchanged(t *testing.T, before, after map[string]*unstructured.Unstructured) {
	t.Helper()
	for key, o := range before {
		switch now, ok := after[key]; {
		case !ok:
			t.Errorf("%s is gone after the refused preview", key)
		case now.GetResourceVersion() != o.GetResourceVersion():
			t.Errorf("%s: resourceVersion %s became %s: written during the refused preview\nbefore %v\nafter  %v",
				key, o.GetResourceVersion(), now.GetResourceVersion(), o.Object, now.Object)
		case !reflect.DeepEqual(now, o):
			t.Errorf("%s changed during the refused preview:\nbefore %v\nafter  %v", key, o.Object, now.Object)
		}
	}
	for key := range after {
		if _, ok := before[key]; !ok {
			t.Errorf("%s was created by the refused preview", key)
		}
	}
}
