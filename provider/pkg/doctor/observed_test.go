package doctor

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/observed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/seldon"
)

// recordedModel names the recordings' Model in the verdicts: their slim objects keep no metadata.
const recordedModel = "iris"

// recorded is one distinct status of the Model in a recording of real Seldon Core 2.10.2, with
// the Server's status beside it (the latest seen at that moment).
type recorded struct {
	at            string // scenario and time, for the failure message
	model, server observed.Object
}

// recordedStatuses are the distinct Model statuses, with their Server's, of the scenarios that
// change a Model: all-or-nothing (S1) and partial scheduling (S2), scale to 0, a stopped agent and
// deletion (S4). Both the watch updates and the 0.5 s samples count, so that a state the operator
// held for a few milliseconds is there too.
func recordedStatuses(t *testing.T) []recorded {
	t.Helper()
	fx, err := testbed.RepoFixtures()
	if err != nil {
		t.Fatal(err)
	}
	var out []recorded
	for _, scenario := range []string{"S1", "S2", "S4"} {
		records, err := observed.Load(fx.Observed, scenario)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range observed.ModelStates(records) {
			out = append(out, recorded{fmt.Sprintf("%s t=%.3f", scenario, st.T), st.Model, st.Server})
		}
	}
	return out
}

// snapshotModel reads the recorded objects as the gatherer reads a cluster's (ReadModel and
// ReadServer on their JSON), with the component's HPAs beside them: their minimum is the Model's
// minReplicas when it has one, as the component chooses for partial scheduling.
func snapshotModel(t *testing.T, rec recorded) Model {
	t.Helper()
	raw := func(o observed.Object) []byte {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	m, err := ReadModel(raw(rec.model))
	if err != nil {
		t.Fatal(err)
	}
	if m.Server, err = ReadServer(raw(rec.server)); err != nil {
		t.Fatal(err)
	}
	server := serverName(rec)
	m.Name, m.ServerName, m.Server.Name, m.Server.Models = recordedModel, server, server, []string{recordedModel}
	hpaMin := 1
	if p := rec.model.Spec.MinReplicas; p != nil {
		hpaMin = int(*p)
	}
	m.ModelHPA = &HPA{Name: recordedModel + "-model-hpa", TargetKind: "Model", TargetName: m.Name, Min: hpaMin}
	m.ServerHPA = &HPA{Name: server + "-hpa", TargetKind: "Server", TargetName: server, Min: hpaMin}
	return m
}

// recordedSeldon is the install the recordings ran: the version their directory names, the
// scheduler's flags from their README (native server autoscaling off, model autoscaling default).
func recordedSeldon() Seldon {
	version := strings.TrimSuffix(strings.TrimPrefix(observed.Dir, "seldon-"), "-observed")
	return SchedulerSeldon("default/seldon-scheduler", "seldonio/seldon-scheduler:"+version,
		[]string{"--enable-server-autoscaling=false"}, nil)
}

// byState is what check 5 says of a Model in each state Seldon's operator records in the message
// of ModelReady ("": no condition yet): the verdict, a fragment of its fix and of its evidence.
var byState = map[string]expectation{
	"": {Warning, []string{"wait for Seldon's operator"}, []string{"no ModelReady condition yet"}},
	seldon.StateProgressing: {Warning, []string{"none while its replicas load"},
		[]string{"loading (" + seldon.StateProgressing + ")"}},
	seldon.StateAvailable: {OK, nil, []string{"is Ready"}},
	seldon.StateScheduleFailed: {Failure, []string{"give the Server room for the Model's replicas"},
		[]string{"not scheduled (" + seldon.StateScheduleFailed + ")"}},
	seldon.StateScaledDown: {Warning, []string{"scale it back up"},
		[]string{"scaled down to 0 replicas (" + seldon.StateScaledDown + ")"}},
	seldon.StateTerminating: {Warning, []string{"deleted on purpose"},
		[]string{"being deleted (" + seldon.StateTerminating + ")"}},
}

// expectation is what check 5 must say of a recorded status.
type expectation struct {
	verdict  Verdict
	fix      []string // fragments of the fix, the first problem's at that verdict
	evidence []string // fragments the evidence must hold
}

// expect derives the expectation from the recording alone: the state in ModelReady's message,
// the scheduler's reason, the counts in the status and the Server's spec.
func expect(rec recorded) (string, expectation) {
	spec := 1
	if p := rec.model.Spec.Replicas; p != nil {
		spec = int(*p)
	}
	var ready observed.Condition
	if st := rec.model.Status; st != nil {
		for _, c := range st.Conditions {
			if c.Type == seldon.ConditionModelReady {
				ready = c
			}
		}
	}
	e := byState[ready.Message]
	e.fix, e.evidence = slices.Clone(e.fix), slices.Clone(e.evidence)
	switch st := rec.model.Status; {
	case ready.Message == seldon.StateScheduleFailed:
		e.fix = append(e.fix, scheduleFailedFix(rec, spec, ready.Reason))
		e.evidence = append(e.evidence, ready.Reason,
			fmt.Sprintf("%d of %d replicas available", st.AvailableReplicas, spec))
	case ready.Message == seldon.StateAvailable && int(st.Replicas) < spec && rec.model.Spec.MinReplicas != nil:
		e.verdict, e.fix = Warning, []string{partialFixFragment(rec, spec)}
		e.evidence = append(e.evidence, fmt.Sprintf("partially scheduled: Seldon placed %d of %d", st.Replicas, spec))
	case ready.Message == seldon.StateAvailable && int(st.Replicas) < spec:
		e.verdict, e.fix = Warning, []string{"none while the scheduler places them"}
		e.evidence = append(e.evidence, fmt.Sprintf("%d of %d replicas placed", st.Replicas, spec))
	case ready.Message == seldon.StateAvailable && int(st.AvailableReplicas) < spec:
		e.verdict, e.fix = Warning, []string{"none while they load"}
		e.evidence = append(e.evidence, fmt.Sprintf("%d of %d replicas available", st.AvailableReplicas, spec))
	}
	// The Model's and the Server's spec out of step are judged after the state (serverInStep): a
	// Model asking for more than its Server fails, one behind its Server warns (the HPAs keep the
	// two in step; the recordings scaled them by hand).
	switch server := rec.server.Spec.Replicas; {
	case server == nil:
	case spec > int(*server) && e.verdict != Failure:
		e.verdict, e.fix = Failure, []string{"at least as many replicas as the Model"}
	case spec < int(*server) && e.verdict == OK:
		e.verdict, e.fix = Warning, []string{"wait a sync period"}
	}
	return ready.Message, e
}

// scheduleFailedFix is what the fix must say for the scheduler's reason and the Server's spec.
func scheduleFailedFix(rec recorded, spec int, reason string) string {
	switch server := rec.server.Spec.Replicas; {
	case reason == seldon.ReasonNoServers:
		return "start Server"
	case server == nil:
		return "create Server"
	case server != nil && int(*server) < spec:
		return fmt.Sprintf("raise Server %s to at least %d replicas", serverName(rec), spec)
	default:
		return fmt.Sprintf("Server %s asks for %d", serverName(rec), *server)
	}
}

// partialFixFragment is what the fix of a partially scheduled Model must say: wait for the Server's
// new replicas when it asks for enough, else give it enough.
func partialFixFragment(rec recorded, spec int) string {
	if server := rec.server.Spec.Replicas; server != nil && int(*server) >= spec {
		return fmt.Sprintf("none while Server %s's new replicas start", serverName(rec))
	}
	return fmt.Sprintf("give Server %s at least %d replicas", serverName(rec), spec)
}

// serverName is the recorded Server's name, from its status.selector.
func serverName(rec recorded) string {
	name, _ := strings.CutPrefix(rec.server.Status.Selector, seldon.ServerSelector(""))
	return name
}

// TestSeldonCheckOnRecordedStatus runs check 5 on every distinct Model status real Seldon wrote in
// the recordings, read as the gatherer reads a cluster, and requires the verdict the recorded
// state calls for: a ScheduleFailed Model fails naming the state and quoting the scheduler's
// reason, a Model Ready with every replica available passes, loading and scaled down warn.
func TestSeldonCheckOnRecordedStatus(t *testing.T) {
	seen := map[string]int{}
	for _, rec := range recordedStatuses(t) {
		state, want := expect(rec)
		if _, known := byState[state]; !known {
			t.Errorf("%s: the recording has a state the table lacks: %q", rec.at, state)
			continue
		}
		seen[state]++
		r := checkSeldon(recordedSeldon(), snapshotModel(t, rec))
		evidence := strings.Join(r.Evidence, "\n")
		if r.Verdict != want.verdict || !containsAll(r.Fix, want.fix) {
			t.Errorf("%s (%q): %s with fix %q, want %s with %q\n%s", rec.at, state, r.Verdict, r.Fix,
				want.verdict, want.fix, evidence)
		}
		if !containsAll(evidence, want.evidence) {
			t.Errorf("%s (%q): the evidence does not name all of %q:\n%s", rec.at, state, want.evidence, evidence)
		}
	}
	for state := range byState {
		if seen[state] == 0 {
			t.Errorf("no recorded status is in state %q: the table has a row the recordings do not prove", state)
		}
	}
	t.Logf("recorded statuses by state: %v", seen)
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
