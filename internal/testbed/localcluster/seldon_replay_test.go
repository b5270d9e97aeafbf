package localcluster

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
			want := observed.Recorded(recs).WithoutModelState(seldon.StateTerminating)
			r := newStandInReplay(t, recs)
			r.run()
			for _, m := range r.got.Mismatches("the stand-in", want) {
				t.Error(m)
			}
		})
	}
}

const replayNamespace = "default"

// standInReplay is the stand-in on a fake API, stepped every 500 ms of the recording's clock.
type standInReplay struct {
	t       *testing.T
	recs    []observed.Record
	replay  *Replay
	dyn     dynamic.Interface
	standIn *seldonStandIn
	start   time.Time
	got     observed.Run
}

func newStandInReplay(t *testing.T, recs []observed.Record) *standInReplay {
	dyn := fake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{ModelResource: "ModelList", ServerResource: "ServerList"})
	replay, err := NewReplay(context.Background(), dyn, replayNamespace, recs)
	if err != nil {
		t.Fatal(err)
	}
	r := &standInReplay{t: t, recs: recs, replay: replay, dyn: dyn, start: time.Unix(1000, 0),
		standIn: &seldonStandIn{agents: map[string]*serverReadiness{}, servers: map[string]*seldon.Server{},
			models: map[types.UID]*seldon.Model{}}}
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
		for ; next < len(r.replay.Steps) && r.replay.Steps[next].T <= at; next++ {
			if err := r.replay.Apply(ctx, next); err != nil {
				r.t.Fatal(err)
			}
		}
		if err := r.standIn.sync(ctx, r.dyn, r.start.Add(time.Duration(at*float64(time.Second)))); err != nil {
			r.t.Fatal(err)
		}
		r.observe()
	}
}

// observe reads both objects' status in the recordings' compared form.
func (r *standInReplay) observe() {
	if st, ok := r.status(ModelResource, ReplayModel); ok {
		r.got.AddModel(st)
	} else if len(r.got.Models) > 0 {
		r.got.Models.Add(observed.Deleted)
	}
	if st, ok := r.status(ServerResource, ReplayServer); ok {
		r.got.AddServer(st)
	}
}

func (r *standInReplay) status(gvr schema.GroupVersionResource, name string) (*observed.Status, bool) {
	obj, err := r.dyn.Resource(gvr).Namespace(replayNamespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return nil, false
	}
	st, err := ObservedStatus(obj)
	if err != nil || st == nil {
		r.t.Fatalf("%s %s: status %v (%v)", gvr.Resource, name, st, err)
	}
	return st, true
}
