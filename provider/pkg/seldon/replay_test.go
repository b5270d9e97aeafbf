package seldon

import (
	"testing"
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/observed"
)

// The conformance tests: each recorded scenario's actions are replayed through Model and Server,
// and the sequence of distinct statuses they report must be the sequence real Seldon's watch
// streams delivered. Nothing recorded is copied here: every figure comes from the JSON lines.
//
// S5 (the scheduler scaling the Server itself) is not replayed: this package does not model
// Seldon's server autoscaling yet.
var replayed = []string{"S1", "S2", "S4"}

// scenarioServer is the Server every recorded scenario runs on (README.md, "Objects applied").
const scenarioServer = "mlserver"

func recordings(t *testing.T) string {
	t.Helper()
	f, err := testbed.RepoFixtures()
	if err != nil {
		t.Fatal(err)
	}
	return f.Observed
}

func load(t *testing.T, scenario string) []observed.Record {
	t.Helper()
	recs, err := observed.Load(recordings(t), scenario)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// modelView and serverView put the package's statuses in the recordings' compared form.
func modelView(st ModelStatus) string {
	return observed.ModelView{Replicas: int64(st.Replicas), Available: int64(st.AvailableReplicas),
		Selector: st.Selector, Conditions: observedConditions(st.Conditions)}.String()
}

func serverView(st ServerStatus) string {
	return observed.ServerView{Replicas: int64(st.Replicas), Selector: st.Selector,
		Conditions: observedConditions(st.Conditions)}.String()
}

func observedConditions(cs []Condition) []observed.Condition {
	out := make([]observed.Condition, 0, len(cs))
	for _, c := range cs {
		out = append(out, observed.Condition{Type: c.Type, Status: c.Status, Reason: c.Reason, Message: c.Message})
	}
	return out
}

// TestReplayMatchesRealSeldon replays each scenario and wants real Seldon's sequences of Model
// status, Server status and Server loadedModels, state for state.
func TestReplayMatchesRealSeldon(t *testing.T) {
	for _, scenario := range replayed {
		t.Run(scenario, func(t *testing.T) {
			recs := load(t, scenario)
			r := newReplayer(t, recs)
			r.run()
			for _, m := range r.got.Mismatches("the replay", observed.Recorded(recs)) {
				t.Error(m)
			}
		})
	}
}

// TestScaleMirrorsStatus: the /scale subresource the HPA reads is spec.replicas and the status's
// replicas and selector (the CRD's scale paths), in every sample where both were read.
func TestScaleMirrorsStatus(t *testing.T) {
	for _, scenario := range replayed {
		n := 0
		for _, r := range load(t, scenario) {
			if !r.IsSample() || r.Model.Absent || r.Scale.Absent || r.Model.Status == nil {
				continue
			}
			n++
			st, sc := r.Model.Status, r.Scale
			if sc.Status.Replicas != st.Replicas || sc.Status.Selector != st.Selector ||
				sc.Spec.Replicas != int64(intOf(r.Model.Spec.Replicas)) {
				t.Errorf("%s t=%.2f: /scale %+v, Model spec %d status replicas %d selector %q", scenario, r.T, sc,
					intOf(r.Model.Spec.Replicas), st.Replicas, st.Selector)
			}
		}
		if n == 0 {
			t.Errorf("%s: no sample read both the Model and its /scale", scenario)
		}
	}
}

// TestUnloadGracePeriodMatchesRecording: after each scale-down, the Server's loadedModels falls
// no sooner than UnloadGracePeriod and within a second after it. The second allows for the
// scheduler's 250 ms batching of server status and the operator's status write; a replay keeps
// the order of states, this keeps their timing honest.
func TestUnloadGracePeriodMatchesRecording(t *testing.T) {
	checked := 0
	for _, scenario := range observed.Scenarios {
		recs := load(t, scenario)
		spec := int64(-1)
		for i, r := range recs {
			if r.IsSample() && !r.Model.Absent && spec < 0 {
				spec = int64(intOf(r.Model.Spec.Replicas))
			}
			n, ok := r.ScaleTo()
			if !ok {
				continue
			}
			if n < spec {
				checked++
				fell := firstLoadedFall(recs, i)
				if d := time.Duration((fell - r.T) * float64(time.Second)); fell < 0 || d < UnloadGracePeriod ||
					d > UnloadGracePeriod+time.Second {
					t.Errorf("%s t=%.2f scale %d -> %d: loadedModels fell %v later, want %v to %v", scenario, r.T, spec, n,
						d, UnloadGracePeriod, UnloadGracePeriod+time.Second)
				}
			}
			spec = n
		}
	}
	if checked == 0 {
		t.Error("no recorded scale-down to check the grace period against")
	}
}

// firstLoadedFall is when, after record i, a Server watch update first shows fewer loaded Models
// than the Server held at record i; -1 when none does.
func firstLoadedFall(recs []observed.Record, i int) float64 {
	held := int64(-1)
	for _, r := range recs[:i] {
		if lm := serverLoaded(r); lm >= 0 {
			held = lm
		}
	}
	for _, r := range recs[i:] {
		if lm := serverLoaded(r); r.Watch == "servers" && lm >= 0 && lm < held {
			return r.T
		}
	}
	return -1
}

// serverLoaded is a record's Server loadedModels: a sample's or a watch update's; -1 for others.
func serverLoaded(r observed.Record) int64 {
	var srv *observed.Object
	switch {
	case r.IsSample():
		srv = r.Server
	case r.Watch == "servers":
		srv = r.Object
	}
	if srv == nil || srv.Absent || srv.Status == nil || srv.Status.LoadedModels == nil {
		return -1
	}
	return *srv.Status.LoadedModels
}
