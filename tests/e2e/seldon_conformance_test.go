package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"

	bedenv "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/observed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/seldon"
)

// TestStandInReplaysRealSeldonOnTheAPIServer runs the recordings of real Seldon through the
// stand-in as every e2e test meets it: its own loop, on the real API server with Seldon's real
// CRDs, on the recording's clock. The watch streams must deliver real Seldon's sequences of Model
// status, Server status and loadedModels, and before each kubectl action the Model's /scale,
// which the API server computes from the CRD's scale paths and the HPA reads, must be what real
// Seldon's was then. The three scenarios run at once, each in a namespace of its own.
//
// As in the unit replay, ModelTerminating is left out: the stand-in adds no finalizer.
func TestStandInReplaysRealSeldonOnTheAPIServer(t *testing.T) {
	b := requireBed(t)
	fixtures, err := bedenv.FindFixtures(b.root)
	if err != nil {
		t.Fatal(err)
	}
	for _, scenario := range []string{"S1", "S2", "S4"} {
		t.Run(scenario, func(t *testing.T) {
			t.Parallel()
			recs, err := observed.Load(fixtures.Observed, scenario)
			if err != nil {
				t.Fatal(err)
			}
			b.replayOnAPIServer(t, "replay-"+strings.ToLower(scenario), recs)
		})
	}
}

// replayOnAPIServer replays recs in namespace, settles the start as the recording's first sample
// had it, then compares what the watches saw and what /scale read with the recording.
func (b *testbed) replayOnAPIServer(t *testing.T, namespace string, recs []observed.Record) {
	ctx := context.Background()
	if _, err := b.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.kube.CoreV1().Namespaces().Delete(ctx, namespace, metav1.DeleteOptions{}) })
	replay, err := localcluster.NewReplay(ctx, b.dyn, namespace, recs)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // the stand-in places and loads what served before the first sample
	w := b.watchReplay(t, namespace)
	start := time.Now()
	var gotScale, wantScale []string
	for i, st := range replay.Steps {
		time.Sleep(time.Until(start.Add(seconds(st.T))))
		if st.Kind != observed.AgentConnected && st.Kind != observed.AgentStopped && st.Kind != observed.ReadyReplicas {
			gotScale = append(gotScale, fmt.Sprintf("t=%.1f %s", st.T, b.scaleNow(namespace)))
			wantScale = append(wantScale, fmt.Sprintf("t=%.1f %s", st.T, scaleBefore(recs, st.T)))
		}
		if err := replay.Apply(ctx, i); err != nil {
			t.Fatalf("step %d (t=%.3f): %v", i, st.T, err)
		}
	}
	time.Sleep(time.Until(start.Add(seconds(observed.End(recs) + 1))))
	got := w.stop()
	for _, m := range got.Mismatches("the stand-in", observed.Recorded(recs).WithoutModelState(seldon.StateTerminating)) {
		t.Error(m)
	}
	if m := observed.Mismatch("the Model's /scale before each action", "the stand-in", gotScale, wantScale); m != "" {
		t.Error(m)
	}
}

func seconds(t float64) time.Duration { return time.Duration(t * float64(time.Second)) }

// scaleView is a /scale in one line: spec.replicas, status.replicas, status.selector.
func scaleView(spec, status int64, selector string) string {
	return fmt.Sprintf("spec=%d status=%d selector=%q", spec, status, selector)
}

// scaleBefore is the recording's last /scale read before t ("absent" before the Model exists).
func scaleBefore(recs []observed.Record, t float64) string {
	view := "absent"
	for _, r := range recs {
		if r.T >= t {
			break
		}
		if r.IsSample() && r.Scale != nil {
			view = "absent"
			if !r.Scale.Absent {
				view = scaleView(r.Scale.Spec.Replicas, r.Scale.Status.Replicas, r.Scale.Status.Selector)
			}
		}
	}
	return view
}

// scaleNow reads the Model's /scale through the API server, as the HPA controller does.
func (b *testbed) scaleNow(namespace string) string {
	obj, err := b.dyn.Resource(localcluster.ModelResource).Namespace(namespace).Get(context.Background(),
		localcluster.ReplayModel, metav1.GetOptions{}, "scale")
	if err != nil {
		return "absent"
	}
	spec, _, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas")
	status, _, _ := unstructured.NestedInt64(obj.Object, "status", "replicas")
	selector, _, _ := unstructured.NestedString(obj.Object, "status", "selector")
	return scaleView(spec, status, selector)
}

// replayWatch collects what the Model and Server watch streams of one namespace deliver.
type replayWatch struct {
	mu      sync.Mutex
	got     observed.Run
	watches []watch.Interface
	done    sync.WaitGroup
}

// watchReplay starts from both objects as they are now (listed), then follows every update.
func (b *testbed) watchReplay(t *testing.T, namespace string) *replayWatch {
	w := &replayWatch{}
	for _, gvr := range []schema.GroupVersionResource{localcluster.ModelResource, localcluster.ServerResource} {
		res := b.dyn.Resource(gvr).Namespace(namespace)
		list, err := res.List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range list.Items {
			w.add(t, gvr, watch.Modified, &list.Items[i])
		}
		wi, err := res.Watch(context.Background(), metav1.ListOptions{ResourceVersion: list.GetResourceVersion()})
		if err != nil {
			t.Fatal(err)
		}
		w.watches = append(w.watches, wi)
		w.done.Add(1)
		go func() {
			defer w.done.Done()
			for ev := range wi.ResultChan() {
				if obj, ok := ev.Object.(*unstructured.Unstructured); ok {
					w.add(t, gvr, ev.Type, obj)
				}
			}
		}()
	}
	return w
}

func (w *replayWatch) add(t *testing.T, gvr schema.GroupVersionResource, typ watch.EventType,
	obj *unstructured.Unstructured,
) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if typ == watch.Deleted {
		if gvr == localcluster.ModelResource {
			w.got.Models.Add(observed.Deleted)
		}
		return
	}
	st, err := localcluster.ObservedStatus(obj)
	if err != nil {
		t.Errorf("%s %s: %v", gvr.Resource, obj.GetName(), err)
	}
	if gvr == localcluster.ModelResource {
		w.got.AddModel(st)
	} else {
		w.got.AddServer(st)
	}
}

func (w *replayWatch) stop() observed.Run {
	for _, wi := range w.watches {
		wi.Stop()
	}
	w.done.Wait()
	return w.got
}
