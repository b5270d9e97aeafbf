package seldon

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/observed"
)

// replayer drives a Model and its Server through a recording's actions, on the recording's clock.
type replayer struct {
	t         *testing.T
	recs      []observed.Record
	start     time.Time
	model     *Model // nil until applied, and after deletion
	server    Server
	connected int // agents connected to the scheduler
	models    sequence
	servers   sequence
	loaded    sequence
}

// newReplayer starts from the scenario's first sample: the Server's spec, its ready pods (whose
// agents are connected), the loaded count, and the Model if one already serves (S4).
func newReplayer(t *testing.T, recs []observed.Record) *replayer {
	r := &replayer{t: t, recs: recs, start: time.Unix(0, 0), server: Server{Name: scenarioServer}}
	i := slices.IndexFunc(recs, observed.Record.IsSample)
	if i < 0 {
		t.Fatal("the recording has no sample to start from")
	}
	first := recs[i]
	r.server.Spec = int(*first.Server.Spec.Replicas)
	r.server.ReadyReplicas = int(first.StatefulSet.Status.ReadyReplicas)
	r.connected = r.server.ReadyReplicas
	if !first.Model.Absent {
		spec := first.Model.Spec
		r.model = &Model{Spec: int(*spec.Replicas), MinReplicas: intOf(spec.MinReplicas), Server: scenarioServer}
		r.model.Schedule(r.connected)
		r.model.Load()
	}
	if lm := first.Server.Status.LoadedModels; lm != nil {
		r.server.Loaded(int(*lm))
	}
	r.emit(0)
	return r
}

func intOf(p *int64) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

// run replays every record: the Server's clock first (unloads falling due), then the record.
func (r *replayer) run() {
	for i, rec := range r.recs {
		r.emitServer(rec.T)
		switch {
		case rec.Action != "":
			r.act(i, rec)
		case rec.ActionResult != "" && strings.Contains(rec.ActionResult, "/ready"):
			var ok bool
			if json.Unmarshal(rec.Result, &ok) != nil || !ok {
				r.t.Fatalf("t=%.3f: the agent did not become ready: %s", rec.T, rec.Result)
			}
			r.connected++ // the agent subscribes to the scheduler before its /ready answers
			r.schedule(rec.T)
		}
	}
}

// act applies one action; an action this replayer does not know fails the test rather than
// being skipped, so a new recording cannot pass by being ignored.
func (r *replayer) act(i int, rec observed.Record) {
	a := rec.Action
	switch n, scaled := rec.ScaleTo(); {
	case scaled:
		r.model.Spec = int(n)
	case strings.HasPrefix(a, "kubectl apply -f model"):
		spec := r.appliedSpec(i)
		r.model = &Model{Spec: intOf(spec.Replicas), MinReplicas: intOf(spec.MinReplicas), Server: scenarioServer}
	case strings.HasPrefix(a, "kubectl delete model"):
		r.model.Deleting = true
	case strings.HasPrefix(a, "kubectl patch server"):
		var p struct{ Spec struct{ Replicas int } }
		r.mustPatch(rec, &p)
		r.server.Spec = p.Spec.Replicas
	case strings.Contains(a, "kubectl patch sts"):
		var p struct{ Status struct{ ReadyReplicas int } }
		r.mustPatch(rec, &p)
		r.server.ReadyReplicas = p.Status.ReadyReplicas
	case strings.Contains(a, "SIGTERM"):
		r.connected-- // an agent stopped: its stream to the scheduler closes at once
	case strings.Contains(a, "inferences"), strings.HasPrefix(a, "start "), strings.HasPrefix(a, "wait "),
		strings.HasPrefix(a, "kubelet mimic: wait"), strings.HasPrefix(a, "kubelet mimic: StatefulSet"):
		return // requests, process starts and waits change no status by themselves
	default:
		r.t.Fatalf("t=%.3f: the replay does not know the action %q", rec.T, a)
	}
	r.schedule(rec.T)
}

func (r *replayer) mustPatch(rec observed.Record, out any) {
	if !rec.Patch(out) {
		r.t.Fatalf("t=%.3f: no JSON patch in %q", rec.T, rec.Action)
	}
}

// appliedSpec is the spec of the Model an apply created: the first watch update after it.
func (r *replayer) appliedSpec(i int) observed.Spec {
	for _, rec := range r.recs[i:] {
		if rec.Watch == "models" && rec.Type == "ADDED" {
			return rec.Object.Spec
		}
	}
	r.t.Fatalf("no Model was added after %q", r.recs[i].Action)
	return observed.Spec{}
}

// schedule is the scheduler reacting, the operator writing, then the agents loading.
func (r *replayer) schedule(t float64) {
	if r.model != nil {
		if unloaded := r.model.Schedule(r.connected); unloaded > 0 {
			r.server.Unloading(r.at(t))
		}
	}
	r.emit(t)
	if r.model != nil && r.model.Loading() {
		r.model.Load()
		r.server.Loaded(r.model.Serving())
		r.emit(t)
	}
	if r.model != nil && r.model.Deleting {
		r.model = nil // the replicas unloaded, the operator drops its finalizer
		r.models.add("deleted")
	}
}

func (r *replayer) at(t float64) time.Time {
	return r.start.Add(time.Duration(t * float64(time.Second)))
}

func (r *replayer) emit(t float64) {
	if r.model != nil {
		st := r.model.Status()
		r.models.add(modelView{int64(st.Replicas), int64(st.AvailableReplicas), st.Selector, st.Conditions}.String())
	}
	r.emitServer(t)
}

func (r *replayer) emitServer(t float64) {
	serving := 0
	if r.model != nil {
		serving = r.model.Serving()
	}
	st := r.server.Status(r.at(t), serving)
	r.servers.add(serverView{int64(st.Replicas), st.Selector, st.Conditions}.String())
	r.loaded.add(fmt.Sprint(st.LoadedModels))
}
