package seldon

import (
	"fmt"
	"slices"
	"strings"
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

// modelView and serverView are the parts of a status the recordings compare; the Server's
// loadedModels is compared as a sequence of its own, since it moves on the agents' clock.
type modelView struct {
	Replicas, Available int64
	Selector            string
	Conditions          []Condition
}

type serverView struct {
	Replicas   int64
	Selector   string
	Conditions []Condition
}

func recordedConditions(cs []observed.Condition) []Condition {
	out := make([]Condition, 0, len(cs))
	for _, c := range cs {
		out = append(out, Condition{Type: c.Type, Status: c.Status, Reason: c.Reason, Message: c.Message})
	}
	return out
}

func (v modelView) String() string {
	return fmt.Sprintf("replicas=%d available=%d selector=%q %v", v.Replicas, v.Available, v.Selector, v.Conditions)
}

func (v serverView) String() string {
	return fmt.Sprintf("replicas=%d selector=%q %v", v.Replicas, v.Selector, v.Conditions)
}

// sequence collects distinct consecutive values.
type sequence []string

func (s *sequence) add(v string) {
	if n := len(*s); n == 0 || (*s)[n-1] != v {
		*s = append(*s, v)
	}
}

// recorded is the first sample's state, then what the watch streams delivered, as three sequences
// of distinct states. A Model watch update without a status yet (the object as applied) shows
// nothing the operator wrote.
func recorded(recs []observed.Record) (models, servers, loaded sequence) {
	if i := slices.IndexFunc(recs, observed.Record.IsSample); i >= 0 {
		first := recs[i]
		if m := first.Model; !m.Absent && m.Status != nil {
			models.add(viewOfModel(m.Status).String())
		}
		servers.add(viewOfServer(first.Server.Status).String())
		loaded.add(fmt.Sprint(*first.Server.Status.LoadedModels))
	}
	for _, r := range recs {
		switch {
		case r.Watch == "models" && r.Type == "DELETED":
			models.add("deleted")
		case r.Watch == "models" && r.Object.Status != nil:
			models.add(viewOfModel(r.Object.Status).String())
		case r.Watch == "servers" && r.Object.Status != nil:
			servers.add(viewOfServer(r.Object.Status).String())
			if lm := r.Object.Status.LoadedModels; lm != nil {
				loaded.add(fmt.Sprint(*lm))
			}
		}
	}
	return models, servers, loaded
}

func viewOfModel(st *observed.Status) modelView {
	return modelView{st.Replicas, st.AvailableReplicas, st.Selector, recordedConditions(st.Conditions)}
}

func viewOfServer(st *observed.Status) serverView {
	return serverView{st.Replicas, st.Selector, recordedConditions(st.Conditions)}
}

// TestReplayMatchesRealSeldon replays each scenario and wants real Seldon's sequences of Model
// status, Server status and Server loadedModels, state for state.
func TestReplayMatchesRealSeldon(t *testing.T) {
	for _, scenario := range replayed {
		t.Run(scenario, func(t *testing.T) {
			recs := load(t, scenario)
			wantModels, wantServers, wantLoaded := recorded(recs)
			r := newReplayer(t, recs)
			r.run()
			for _, c := range []struct {
				what      string
				got, want sequence
			}{{"Model status", r.models, wantModels}, {"Server status", r.servers, wantServers},
				{"Server loadedModels", r.loaded, wantLoaded}} {
				if !slices.Equal(c.got, c.want) {
					t.Errorf("%s: the replay gave\n  %s\nreal Seldon gave\n  %s", c.what,
						strings.Join(c.got, "\n  "), strings.Join(c.want, "\n  "))
				}
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
