package hpasim

import (
	"fmt"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// Figures are what an operator knows about a model's load and cluster, in the guide's terms: the
// component's autoscaling.sizing inputs and readiness figures, every one given.
type Figures struct {
	SaturationRPS       float64 // per replica, from an open-loop load test of one replica
	SafetyMargin        float64 // fraction kept below saturation, in [0, 1)
	PeakRPS             float64 // the highest load to serve, margins included
	MinLoadRPS          float64 // the low-load regime
	ServerReadySeconds  int     // how long a new Server pod takes to be ready with the model loaded
	ScaleUpHeadroomPods int     // how many Server pods the cluster can start at once
	RampRPSPerSecond    float64 // the steepest sustained rise to follow; 0 if unknown
	SpikeSeconds        int     // spikes shorter than this are absorbed within the margin
	// Scheduling is the Seldon mode to plan for: Partial plans as for Seldon 2.9 with its model
	// autoscaler off (seldon.version 2.9), the zero value as for an unset seldon.version.
	Scheduling policy.Scheduling
}

// Input is the component's input for these figures: autoscaling.sizing and the readiness inputs
// set, everything else left for the planner (policy.Plan) to derive.
func (in Figures) Input() policy.Input {
	sat, margin, peak, minLoad, ramp := in.SaturationRPS, in.SafetyMargin, in.PeakRPS, in.MinLoadRPS, in.RampRPSPerSecond
	spike, ready, headroom := in.SpikeSeconds, in.ServerReadySeconds, in.ScaleUpHeadroomPods
	out := policy.Input{
		Sizing: &policy.Sizing{SaturationRPS: &sat, SafetyMargin: &margin, PeakRPS: &peak, MinLoadRPS: &minLoad,
			RampRPSPerSecond: &ramp, SpikeSeconds: &spike},
		ServerReadySeconds: &ready, ScaleUpHeadroomPods: &headroom,
		// Reasons name the timing inputs as SeldonAutoscaledModel's users write them.
		TimingPrefix: "adapter.",
	}
	if in.Scheduling == policy.Partial {
		v := policy.PartialSchedulingSince.String()
		out.Seldon.Version = &v
	}
	return out
}

// Planned is policy.Plan's answer for some Figures: the effective policy, the reason for each value
// it derived, and its warnings.
type Planned struct {
	policy.Policy
	Reasons []policy.Derivation
	// Warnings name load the policy cannot follow, and what would.
	Warnings []string
}

// PlannedPolicy is the component's own planner (policy.Plan) on the operator's figures: the policy a
// SeldonAutoscaledModel with these autoscaling.sizing inputs deploys, Model lag included. It
// follows the guide's operating guidelines:
//   - target = saturation × (1 − margin): the margin absorbs load that arrives while replicas start;
//   - maxReplicas = ⌈peak / target⌉, minReplicas = ⌈minimum load / target⌉ (at least 1);
//   - scale up by Pods, never more per serverReadySeconds than the cluster can start
//     (scaleUpHeadroomPods) nor more than the ramp needs in that time;
//   - a scale-up stabilization window as long as the spikes to absorb;
//   - the Model HPA's scale-up window serverReadySeconds + one sync period longer than the
//     Server HPA's, so the Model asks only for replicas whose Server pods can be ready;
//   - Kubernetes' default scale-down.
func PlannedPolicy(in Figures) (Planned, error) {
	pol, derived, err := policy.Plan(in.Input())
	if err != nil {
		return Planned{}, fmt.Errorf("planning a policy: %w", err)
	}
	p := Planned{Policy: pol, Warnings: policy.Warnings(derived)}
	for _, d := range derived {
		if !d.Warning {
			p.Reasons = append(p.Reasons, d)
		}
	}
	return p, nil
}

// Bounds are the planned replica bounds and target.
func (p Planned) Bounds() Bounds {
	return Bounds{MinReplicas: p.MinReplicas, MaxReplicas: p.MaxReplicas, Target: p.Target}
}
