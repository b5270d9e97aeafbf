package localcluster

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/fake"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/observed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/seldon"
)

// TestStandInReplaysRealSeldon runs the stand-in itself (its pass, on a fake API) through each
// recorded scenario's actions on the recording's clock, and wants the sequences of Model status,
// Server status and loadedModels that real Seldon's watch streams delivered. Package seldon's
// replay checks the rules; this checks the loop that applies them: which Server a Model is placed
// on, when agents connect, loading one pass after placing, the grace period, what is written.
//
// One recorded state is left out, by name: ModelTerminating. Real Seldon's operator holds a
// deleted Model with a finalizer while its replicas unload; the stand-in adds no finalizer, so
// that deleting never depends on it running (docs/compatibility.md).
func TestStandInReplaysRealSeldon(t *testing.T) {
	f, err := testbed.RepoFixtures()
	if err != nil {
		t.Fatal(err)
	}
	for _, scenario := range []string{"S1", "S2", "S4"} {
		t.Run(scenario, func(t *testing.T) {
			recs, err := observed.Load(f.Observed, scenario)
			if err != nil {
				t.Fatal(err)
			}
			wantModels, wantServers, wantLoaded := observed.Sequences(recs)
			wantModels = slices.DeleteFunc(wantModels, func(s string) bool {
				return strings.Contains(s, seldon.StateTerminating)
			})
			r := newStandInReplay(t, recs)
			r.run()
			for _, c := range []struct {
				what      string
				got, want observed.Sequence
			}{{"Model status", r.models, wantModels}, {"Server status", r.servers, wantServers},
				{"Server loadedModels", r.loaded, wantLoaded}} {
				if !slices.Equal(c.got, c.want) {
					t.Errorf("%s: the stand-in gave\n  %s\nreal Seldon gave\n  %s", c.what,
						strings.Join(c.got, "\n  "), strings.Join(c.want, "\n  "))
				}
			}
		})
	}
}

const replayNamespace, replayServer, replayModel = "default", "mlserver", "iris"

// standInReplay is the stand-in on a fake API, stepped every 500 ms of the recording's clock.
type standInReplay struct {
	t                       *testing.T
	recs                    []observed.Record
	steps                   []observed.Step
	dyn                     dynamic.Interface
	standIn                 *seldonStandIn
	start                   time.Time
	connected               int64 // agents connected, as the recording's actions say
	models, servers, loaded observed.Sequence
}

func newStandInReplay(t *testing.T, recs []observed.Record) *standInReplay {
	steps, err := observed.Steps(recs)
	if err != nil {
		t.Fatal(err)
	}
	first, ok := observed.FirstSample(recs)
	if !ok {
		t.Fatal("the recording has no sample to start from")
	}
	scheme := runtime.NewScheme()
	dyn := fake.NewSimpleDynamicClientWithCustomListKinds(scheme, map[schema.GroupVersionResource]string{
		ModelResource: "ModelList", ServerResource: "ServerList"})
	r := &standInReplay{t: t, recs: recs, steps: steps, dyn: dyn, start: time.Unix(1000, 0),
		standIn: &seldonStandIn{agents: map[string]*serverReadiness{}, servers: map[string]*seldon.Server{},
			models: map[types.UID]*seldon.Model{}},
		connected: first.StatefulSet.Status.ReadyReplicas}
	r.create(ServerResource, replayServer, map[string]any{"replicas": *first.Server.Spec.Replicas})
	if m := first.Model; !m.Absent {
		r.createModel(m.Spec)
	}
	// The scenario starts settled: Models placed and loaded before its first sample.
	for i := 4; i > 0; i-- {
		if err := r.standIn.sync(context.Background(), dyn, r.start.Add(-time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// run applies each step when its time has come, one pass every 500 ms, and reads both objects
// after every pass.
func (r *standInReplay) run() {
	ctx, next := context.Background(), 0
	for at := 0.0; at <= observed.End(r.recs)+1; at += 0.5 {
		for ; next < len(r.steps) && r.steps[next].T <= at; next++ {
			r.apply(next)
		}
		if err := r.standIn.sync(ctx, r.dyn, r.start.Add(time.Duration(at*float64(time.Second)))); err != nil {
			r.t.Fatal(err)
		}
		r.observe()
	}
}

// apply does to the objects what step i did to real Seldon's. An agent's connection is the
// stand-in's readiness delay, from the Server's rise to the next agent connecting; an agent
// stopping caps the connected agents (AgentsAtMostAnnotation) until it is back.
func (r *standInReplay) apply(i int) {
	st := r.steps[i]
	switch st.Kind {
	case observed.ApplyModel:
		r.createModel(st.Spec)
	case observed.ScaleModel:
		r.update(ModelResource, replayModel, func(o *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(o.Object, st.N, "spec", "replicas")
		})
	case observed.DeleteModel:
		if err := r.dyn.Resource(ModelResource).Namespace(replayNamespace).Delete(context.Background(), replayModel,
			metav1.DeleteOptions{}); err != nil {
			r.t.Fatal(err)
		}
	case observed.ServerReplicas:
		r.update(ServerResource, replayServer, func(o *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(o.Object, st.N, "spec", "replicas")
			if j := slices.IndexFunc(r.steps[i:], isConnect); j >= 0 {
				delay := time.Duration((r.steps[i+j].T - st.T) * float64(time.Second))
				setAnnotation(o, ServerReadyDelayAnnotation, delay.String())
			}
		})
	case observed.AgentStopped, observed.AgentConnected:
		r.connected += map[bool]int64{true: 1, false: -1}[st.Kind == observed.AgentConnected]
		r.update(ServerResource, replayServer, func(o *unstructured.Unstructured) {
			if st.Kind == observed.AgentStopped || o.GetAnnotations()[AgentsAtMostAnnotation] != "" {
				setAnnotation(o, AgentsAtMostAnnotation, strconv.FormatInt(r.connected, 10))
			}
		})
	case observed.ReadyReplicas:
		// The stand-in's pods are Ready when their agents connect: nothing more to do.
	}
}

func isConnect(s observed.Step) bool { return s.Kind == observed.AgentConnected }

func setAnnotation(o *unstructured.Unstructured, k, v string) {
	a := o.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[k] = v
	o.SetAnnotations(a)
}

func (r *standInReplay) createModel(spec observed.Spec) {
	s := map[string]any{"replicas": *spec.Replicas, "server": replayServer, "storageUri": "/data/models/iris"}
	if spec.MinReplicas != nil {
		s["minReplicas"] = *spec.MinReplicas
	}
	r.create(ModelResource, replayModel, s)
}

var replayUIDs int

func (r *standInReplay) create(gvr schema.GroupVersionResource, name string, spec map[string]any) {
	replayUIDs++
	kind := map[string]string{"models": "Model", "servers": "Server"}[gvr.Resource]
	obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "mlops.seldon.io/v1alpha1", "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": replayNamespace, "uid": fmt.Sprint(replayUIDs)},
		"spec":     spec}}
	if _, err := r.dyn.Resource(gvr).Namespace(replayNamespace).Create(context.Background(), obj,
		metav1.CreateOptions{}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *standInReplay) update(gvr schema.GroupVersionResource, name string, change func(*unstructured.Unstructured)) {
	res := r.dyn.Resource(gvr).Namespace(replayNamespace)
	obj, err := res.Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	change(obj)
	if _, err := res.Update(context.Background(), obj, metav1.UpdateOptions{}); err != nil {
		r.t.Fatal(err)
	}
}

// observe reads both objects' status in the recordings' compared form.
func (r *standInReplay) observe() {
	if st, ok := r.status(ModelResource, replayModel); ok {
		r.models.Add(st.ModelView().String())
	} else if len(r.models) > 0 {
		r.models.Add(observed.Deleted)
	}
	if st, ok := r.status(ServerResource, replayServer); ok {
		r.servers.Add(st.ServerView().String())
		r.loaded.Add(fmt.Sprint(*st.LoadedModels))
	}
}

func (r *standInReplay) status(gvr schema.GroupVersionResource, name string) (*observed.Status, bool) {
	obj, err := r.dyn.Resource(gvr).Namespace(replayNamespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return nil, false
	}
	raw, err := json.Marshal(obj.Object["status"])
	if err != nil {
		r.t.Fatal(err)
	}
	var st observed.Status
	if err := json.Unmarshal(raw, &st); err != nil {
		r.t.Fatal(err)
	}
	return &st, true
}
