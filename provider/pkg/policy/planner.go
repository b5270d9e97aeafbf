package policy

import (
	"fmt"
	"math"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
)

// The planner's formulas. Plan derives every default through these, and hpasim's benchmark plans
// through Plan, so the component, the `plan` command and the simulated "planned" policy share one
// source of truth.

// PlannedTarget is the guide's target: saturation × (1 − margin), so each replica keeps the
// margin spare for load that arrives while new replicas start.
func PlannedTarget(saturationRPS, safetyMargin float64) float64 {
	return saturationRPS * (1 - safetyMargin)
}

// PlannedMaxReplicas is the fewest replicas that serve the peak at the target: ⌈peak / target⌉,
// at least 1.
func PlannedMaxReplicas(peakRPS float64, target MilliQuantity) int {
	return max(int(math.Ceil(peakRPS/target.Float()-1e-9)), 1)
}

// PlannedMinReplicas serves the quietest period at the target: ⌈minimum load / target⌉, at least 1.
func PlannedMinReplicas(minLoadRPS float64, target MilliQuantity) int {
	return max(int(math.Ceil(minLoadRPS/target.Float()-1e-9)), 1)
}

// RampReplicas is how many new replicas a ramp needs per serverReadySeconds:
// ⌈ramp × serverReadySeconds / target⌉, at least 1.
func RampReplicas(rampRPSPerSecond float64, serverReadySeconds int, target MilliQuantity) int {
	return max(int(math.Ceil(rampRPSPerSecond*float64(serverReadySeconds)/target.Float()-1e-9)), 1)
}

// PlannedScaleUpPods is the Pods value of the derived scale-up policy (per serverReadySeconds): no
// more Server pods than the cluster can start, nor more than the ramp needs. A ramp of 0 means
// unknown: the cluster's headroom.
func PlannedScaleUpPods(headroomPods, serverReadySeconds int, rampRPSPerSecond float64, target MilliQuantity) int {
	if rampRPSPerSecond <= 0 {
		return headroomPods
	}
	return min(headroomPods, RampReplicas(rampRPSPerSecond, serverReadySeconds, target))
}

// PlannedModelScaleUpLag is the derived lag of the Model HPA's scale-up window behind the Server
// HPA's. All or nothing: one serverReadySeconds and one sync period, so the Model asks only for
// replicas whose Server pods have had time to start and the Server HPA has had a sync to ask for
// them. Partial scheduling: none, since Seldon then loads each replica as its Server pod becomes
// ready, and a later ask only leaves ready pods idle (the policy benchmark's "Seldon modes").
func PlannedModelScaleUpLag(serverReadySeconds int, scheduling Scheduling) int {
	if scheduling == Partial {
		return 0
	}
	return serverReadySeconds + HPASyncPeriodSeconds
}

// ReactionSeconds is the time from a sustained rise starting to the first new replicas serving:
// the shared scale-up window, one sync, then the later of the Server pods becoming ready and the
// Model HPA (lagging by modelLag) asking for them. Metric lag comes on top.
func ReactionSeconds(window, serverReadySeconds, modelLag int) int {
	return window + HPASyncPeriodSeconds + max(serverReadySeconds, modelLag)
}

// planWarnings are the planner's warnings for a ramp: loads the effective policy cannot follow.
func (p *planner) planWarnings(sat *float64, ramp float64) {
	if ramp <= 0 || p.out.Target == 0 || len(p.errs) > 0 {
		return
	}
	target := p.out.Target
	ready, headroom := p.out.ServerReadySeconds, p.out.ScaleUpHeadroomPods
	if need := RampReplicas(ramp, ready, target); need > headroom {
		p.warn(inputs.PathRampRate, fmt.Sprintf(
			"a ramp of %s RPS/s needs %d new replicas every %d s but the cluster can start %d: replicas fall behind by about "+
				"%s RPS each period and the margin will not cover it; raise %s or %s, or expect SLA breach during such ramps",
			formatRPS(
				ramp,
			),
			need,
			ready,
			headroom,
			formatRPS(float64(need-headroom)*target.Float()),
			inputs.PathHeadroom,
			inputs.PathSafetyMargin,
		))
	}
	if sat == nil || p.out.ScaleUp.StabilizationWindowSeconds == nil {
		return
	}
	spare := *sat - target.Float()
	if spare <= 0 {
		return
	}
	window := *p.out.ScaleUp.StabilizationWindowSeconds
	reaction := ReactionSeconds(window, ready, p.out.ModelScaleUpLagSeconds)
	rise := ramp * float64(reaction)
	need := int(math.Ceil(rise/spare - 1e-9))
	if need > p.out.MinReplicas {
		p.warn(inputs.PathRampRate, fmt.Sprintf(
			"between a rise starting and the first new replicas serving (window %d s + sync %d s + the later of "+
				"serverReadySeconds %d s and the Model's lag %d s = %d s, before any metric lag) a %s RPS/s ramp adds %s RPS; "+
				"each replica has %s RPS spare, so starting from fewer than %d replicas the ramp saturates them first "+
				"(minReplicas is %d: raise it, or the margin, if such ramps start from the quietest load)",
			window,
			HPASyncPeriodSeconds,
			ready,
			p.out.ModelScaleUpLagSeconds,
			reaction,
			formatRPS(ramp),
			formatRPS(rise),
			formatRPS(spare),
			need,
			p.out.MinReplicas,
		))
	}
}
