package main

import (
	"fmt"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// modesSection compares Seldon's two ways of scheduling on every scenario: Kubernetes' default
// behavior, and the planned behavior with and without the Model lag, in each mode; then says, per
// mode and scenario, whether what the component deploys there is the best of the mode's runs.
type modesSection struct {
	Scenarios []modeScenario
	Verdicts  []modeVerdict
}

type modeScenario struct {
	Name string
	Rows []modeRow
}

type modeRow struct {
	Case hpasim.ModeCase
	S    hpasim.Summary
}

// modeVerdict says whether the deployed run of a mode is its best on a scenario and, when not,
// which runs beat it.
type modeVerdict struct {
	Mode     policy.Scheduling
	Scenario string
	Beaten   []beatingRun
}

// beatingRun is a run of the mode better than the deployed one: by how much, at what cost, and
// why the planner does not choose it (Why: "default", "no-lag" or "lag").
type beatingRun struct {
	Case         hpasim.ModeCase
	S, Deployed  hpasim.Summary
	ReplicaDelta int
	Why          string
}

func modesOf(b hpasim.PolicySimulation) (modesSection, error) {
	var out modesSection
	for _, sc := range b.Scenarios {
		ms := modeScenario{Name: sc.Name}
		for _, m := range b.Modes {
			s, ok := b.Summary(m.Variant().Name, sc.Name, m.Policy)
			if !ok {
				return out, fmt.Errorf("no run of %s as %+v", sc.Name, m)
			}
			ms.Rows = append(ms.Rows, modeRow{Case: m, S: s})
		}
		out.Scenarios = append(out.Scenarios, ms)
	}
	for _, mode := range []policy.Scheduling{policy.AllOrNothing, policy.Partial} {
		for _, sc := range b.Scenarios {
			out.Verdicts = append(out.Verdicts, modeVerdictOf(b, mode, sc.Name))
		}
	}
	return out, nil
}

func modeVerdictOf(b hpasim.PolicySimulation, mode policy.Scheduling, scenario string) modeVerdict {
	v := modeVerdict{Mode: mode, Scenario: scenario}
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
	for _, m := range others {
		s, _ := b.Summary(m.Variant().Name, scenario, m.Policy)
		if !better(s, deployed) {
			continue
		}
		why := "lag"
		if m.Policy == hpasim.PolicyDefault {
			why = "default"
		} else if m.ModelLagSeconds == 0 {
			why = "no-lag"
		}
		v.Beaten = append(v.Beaten, beatingRun{Case: m, S: s, Deployed: deployed,
			ReplicaDelta: s.ReplicaSeconds - deployed.ReplicaSeconds, Why: why})
	}
	return v
}

// better orders runs by SLA-breach seconds, then requests over capacity.
func better(a, b hpasim.Summary) bool {
	if a.SLABreachSeconds != b.SLABreachSeconds {
		return a.SLABreachSeconds < b.SLABreachSeconds
	}
	return a.BreachedRequests < b.BreachedRequests-0.5
}
