package main

import (
	"fmt"
	"strings"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// writeModes compares Seldon's two ways of scheduling on every scenario: Kubernetes' default
// behavior, and the planned behavior with and without the Model lag, in each mode; then says, per
// mode and scenario, whether what the component deploys there is the best of the mode's runs.
func writeModes(w *strings.Builder, b hpasim.Benchmark) error {
	w.WriteString("\n## Seldon modes: all-or-nothing and partial scheduling\n\n" +
		"Seldon before 2.9 (or 2.9+ with a Model without `spec.minReplicas`) schedules a Model's replicas all or " +
		"nothing; 2.9+ schedules a Model with `spec.minReplicas` partially: as many replicas as its Server has ready, " +
		"the Model staying available. The component sets `minReplicas` only with `seldon.version` ≥ 2.9 and " +
		"`seldon.modelAutoscaling` false. Each mode is run with Kubernetes' default behavior and with the planned " +
		"behavior without and with the all-or-nothing Model lag; **bold** is what the component deploys in that mode. " +
		"Reproduce a partial-scheduling row with `simulate --scenario NAME --policy planned --partial-scheduling` " +
		"(add `--model-scale-up-lag N` for another lag).\n")
	for _, sc := range b.Scenarios {
		fmt.Fprintf(w, "\n### %s\n\n| scheduling | policy | Model lag | SLA breach | requests over capacity | "+
			"replica-seconds | ScheduleFailed |\n|---|---|---:|---:|---:|---:|---:|\n", sc.Name)
		for _, m := range b.Modes {
			s, ok := b.Summary(m.Variant().Name, sc.Name, m.Policy)
			if !ok {
				return fmt.Errorf("no run of %s as %+v", sc.Name, m)
			}
			name := m.Policy
			if m.Planned {
				name = "**planned (deployed)**"
			}
			fmt.Fprintf(w, "| %s | %s | %d s | %d s | %.0f | %d | %d s |\n", m.Scheduling, name, m.ModelLagSeconds,
				s.SLABreachSeconds, s.BreachedRequests, s.ReplicaSeconds, s.ScheduleFailedSeconds)
		}
	}
	w.WriteString("\n### Is the deployed policy the best in its mode?\n\n" +
		"Best means the fewest SLA-breach seconds, then the fewest requests over capacity, among the mode's runs.\n\n")
	for _, mode := range []policy.Scheduling{policy.AllOrNothing, policy.Partial} {
		for _, sc := range b.Scenarios {
			fmt.Fprintf(w, "- %s, %s: %s\n", mode, sc.Name, modeVerdict(b, mode, sc.Name))
		}
	}
	return nil
}

// modeVerdict says whether the deployed run of a mode is its best on a scenario and, when not,
// which run beats it, by how much, at what cost, and why the planner does not choose that.
func modeVerdict(b hpasim.Benchmark, mode policy.Scheduling, scenario string) string {
	var deployed hpasim.Summary
	var others []hpasim.ModeCase
	for _, m := range b.Modes {
		if m.Scheduling != mode {
			continue
		}
		s, _ := b.Summary(m.Variant().Name, scenario, m.Policy)
		if m.Planned {
			deployed = s
		} else {
			others = append(others, m)
		}
	}
	var beaten []string
	for _, m := range others {
		s, _ := b.Summary(m.Variant().Name, scenario, m.Policy)
		if !better(s, deployed) {
			continue
		}
		why := "its lag holds back replicas whose Server pods are ready"
		if m.Policy == hpasim.PolicyDefault {
			why = "its scale-up has no stabilization window and no pace limit: it absorbs no spike and may ask for " +
				"more pods than the cluster can start"
		} else if m.ModelLagSeconds == 0 {
			why = "without the lag the Model asks before its Server pods can be ready"
		}
		cost := fmt.Sprintf("%+d replica-seconds", s.ReplicaSeconds-deployed.ReplicaSeconds)
		if s.ScheduleFailedSeconds != deployed.ScheduleFailedSeconds {
			cost += fmt.Sprintf(" and %d s ScheduleFailed against %d s", s.ScheduleFailedSeconds,
				deployed.ScheduleFailedSeconds)
		}
		beaten = append(beaten, fmt.Sprintf("%s with a %d s lag breaches %d s (%.0f requests) against %d s (%.0f), at "+
			"%s (%s)", m.Policy, m.ModelLagSeconds, s.SLABreachSeconds, s.BreachedRequests,
			deployed.SLABreachSeconds, deployed.BreachedRequests, cost, why))
	}
	if len(beaten) == 0 {
		return "best"
	}
	return "not best: " + strings.Join(beaten, "; ")
}

// better orders runs by SLA-breach seconds, then requests over capacity.
func better(a, b hpasim.Summary) bool {
	if a.SLABreachSeconds != b.SLABreachSeconds {
		return a.SLABreachSeconds < b.SLABreachSeconds
	}
	return a.BreachedRequests < b.BreachedRequests-0.5
}
