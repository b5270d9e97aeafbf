package seldon

import (
	"fmt"
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
	got       observed.Run
}

// newReplayer starts from the scenario's first sample: the Server's spec, its ready pods (whose
// agents are connected), the loaded count, and the Model if one already serves (S4).
func newReplayer(t *testing.T, recs []observed.Record) *replayer {
	r := &replayer{t: t, recs: recs, start: time.Unix(0, 0), server: Server{Name: scenarioServer}}
	first, ok := observed.FirstSample(recs)
	if !ok {
		t.Fatal("the recording has no sample to start from")
	}
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

// run replays every step, the Server's clock moving to each step's time first (unloads falling
// due), then to the recording's end.
func (r *replayer) run() {
	steps, err := observed.Steps(r.recs)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, st := range steps {
		r.emitServer(st.T)
		r.act(st)
	}
	r.emitServer(observed.End(r.recs))
}

// act applies one step and lets the scheduler react.
func (r *replayer) act(st observed.Step) {
	switch st.Kind {
	case observed.ScaleModel:
		r.model.Spec = int(st.N)
	case observed.ApplyModel:
		r.model = &Model{Spec: intOf(st.Spec.Replicas), MinReplicas: intOf(st.Spec.MinReplicas), Server: scenarioServer}
	case observed.DeleteModel:
		r.model.Deleting = true
	case observed.ServerReplicas:
		r.server.Spec = int(st.N)
	case observed.ReadyReplicas:
		r.server.ReadyReplicas = int(st.N)
	case observed.AgentStopped:
		r.connected--
	case observed.AgentConnected:
		r.connected++
	}
	r.schedule(st.T)
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
		r.got.Models.Add(observed.Deleted)
	}
}

func (r *replayer) at(t float64) time.Time {
	return r.start.Add(time.Duration(t * float64(time.Second)))
}

func (r *replayer) emit(t float64) {
	if r.model != nil {
		r.got.Models.Add(modelView(r.model.Status()))
	}
	r.emitServer(t)
}

func (r *replayer) emitServer(t float64) {
	serving := 0
	if r.model != nil {
		serving = r.model.Serving()
	}
	st := r.server.Status(r.at(t), serving)
	r.got.Servers.Add(serverView(st))
	r.got.Loaded.Add(fmt.Sprint(st.LoadedModels))
}
