package hpasim

import (
	"fmt"
	"math"
	"strconv"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// Fields for the planner's inputs that the policy package does not have yet, named as the
// component would expose them.
const (
	FieldMinLoadRPS   = "autoscaling.sizing.minLoadRps"
	FieldRampRate     = "autoscaling.sizing.rampRpsPerSecond"
	FieldSpikeSeconds = "autoscaling.sizing.spikeSeconds"
)

// PlanInput is what an operator knows about a model's load and cluster, in the guide's terms.
type PlanInput struct {
	SaturationRPS       float64 // per replica, from an open-loop load test of one replica
	SafetyMargin        float64 // fraction kept below saturation, in (0, 1)
	PeakRPS             float64 // the highest load to serve, margins included
	MinLoadRPS          float64 // the low-load regime
	ServerReadySeconds  int     // how long a new Server pod takes to be ready with the model loaded
	ScaleUpHeadroomPods int     // how many Server pods the cluster can start at once
	RampRPSPerSecond    float64 // the steepest sustained rise to follow; 0 if unknown
	SpikeSeconds        int     // spikes shorter than this are absorbed within the margin
}

// Plan is a policy with the reason for each value. Its fields map one to one onto policy.Input
// (see Input), so the component can take a plan and still run every guard on it.
type Plan struct {
	From                PlanInput
	MinReplicas         int
	MaxReplicas         int
	Target              policy.MilliQuantity
	ServerReadySeconds  int
	ScaleUpHeadroomPods int
	ScaleUp             policy.Rules
	ScaleDown           policy.Rules
	Reasons             []policy.Derivation
	// Warnings name load the plan cannot follow, and what would.
	Warnings []string
}

// PlanPolicy follows the guide's operating guidelines:
//   - target = saturation × (1 − margin): the margin absorbs load that arrives while replicas start;
//   - maxReplicas = ⌈peak / target⌉, minReplicas = ⌈minimum load / target⌉ (at least 1);
//   - scale up by Pods, never more per serverReadySeconds than the cluster can start
//     (scaleUpHeadroomPods) nor more than the ramp needs in that time: asking for replicas faster
//     than they become ready only keeps the Model ScheduleFailed on its old replicas;
//   - a scale-up stabilization window as long as the spikes to absorb;
//   - Kubernetes' default scale-down.
func PlanPolicy(in PlanInput) (Plan, error) {
	var errs policy.Errors
	positive := func(field string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
			errs.Addf(field, "use a finite number above 0", "%v is not a positive number", v)
		}
	}
	positive(policy.FieldSaturationRPS, in.SaturationRPS)
	positive(policy.FieldPeakRPS, in.PeakRPS)
	if math.IsNaN(in.SafetyMargin) || in.SafetyMargin <= 0 || in.SafetyMargin >= 1 {
		errs.Addf(policy.FieldSafetyMargin, "use a fraction such as 0.2 (20% below saturation)",
			"%v is outside (0, 1): without a margin, replicas saturate before new ones are ready", in.SafetyMargin)
	}
	if math.IsNaN(in.MinLoadRPS) || in.MinLoadRPS < 0 || in.MinLoadRPS > in.PeakRPS {
		errs.Addf(FieldMinLoadRPS, "use the load of the quietest period, between 0 and peakRps", "%v is outside [0, peakRps %v]", in.MinLoadRPS, in.PeakRPS)
	}
	if in.ServerReadySeconds < 1 || in.ServerReadySeconds > maxPeriodSeconds {
		errs.Addf(policy.FieldServerReady, "measure how long a new Server pod takes to load the model (1 to 1800 s)", "%d is outside 1..%d seconds", in.ServerReadySeconds, maxPeriodSeconds)
	}
	if in.ScaleUpHeadroomPods < 1 {
		errs.Addf(policy.FieldHeadroom, "set how many Server pods the cluster can start at once (1 or more)", "%d is below 1", in.ScaleUpHeadroomPods)
	}
	if math.IsNaN(in.RampRPSPerSecond) || math.IsInf(in.RampRPSPerSecond, 0) || in.RampRPSPerSecond < 0 {
		errs.Addf(FieldRampRate, "use the steepest sustained rise in RPS per second, or 0 if unknown", "%v is not a finite number ≥ 0", in.RampRPSPerSecond)
	}
	if in.SpikeSeconds < 0 {
		errs.Addf(FieldSpikeSeconds, "use the length of the spikes to absorb, or 0 to react at once", "%d is negative", in.SpikeSeconds)
	}
	if err := errs.Err(); err != nil {
		return Plan{}, fmt.Errorf("planning a policy: %w", err)
	}

	p := Plan{From: in, ServerReadySeconds: in.ServerReadySeconds, ScaleUpHeadroomPods: in.ScaleUpHeadroomPods}
	p.sizeReplicas()
	p.scaleUp()
	p.scaleDown()
	p.checkReaction()
	return p, nil
}

func (p *Plan) reason(field, value, format string, args ...any) {
	p.Reasons = append(p.Reasons, policy.Derivation{Field: field, Value: value, Reason: fmt.Sprintf(format, args...)})
}

func (p *Plan) sizeReplicas() {
	in := p.From
	p.Target = max(policy.MilliQuantity(math.Round(in.SaturationRPS*(1-in.SafetyMargin)*1000)), 1)
	target := p.Target.Float()
	p.reason(policy.FieldTarget, p.Target.String(), "saturationRps %s × (1 − safetyMargin %s): each replica keeps %s RPS spare for load that arrives while new replicas start",
		rps(in.SaturationRPS), rps(in.SafetyMargin), rps(in.SaturationRPS-target))

	p.MaxReplicas = max(int(math.Ceil(in.PeakRPS/target-1e-9)), 1)
	p.reason(policy.FieldMaxReplicas, strconv.Itoa(p.MaxReplicas), "⌈peakRps %s / target %s⌉: the fewest replicas that serve the peak at the target", rps(in.PeakRPS), p.Target)

	p.MinReplicas = max(int(math.Ceil(in.MinLoadRPS/target-1e-9)), 1)
	p.reason(policy.FieldMinReplicas, strconv.Itoa(p.MinReplicas), "⌈minLoadRps %s / target %s⌉, at least 1: serves the quietest period at the target", rps(in.MinLoadRPS), p.Target)
}

func (p *Plan) scaleUp() {
	in := p.From
	pods, why := in.ScaleUpHeadroomPods, fmt.Sprintf("scaleUpHeadroomPods %d (no ramp rate given)", in.ScaleUpHeadroomPods)
	if in.RampRPSPerSecond > 0 {
		need := max(int(math.Ceil(in.RampRPSPerSecond*float64(in.ServerReadySeconds)/p.Target.Float()-1e-9)), 1)
		pods = min(in.ScaleUpHeadroomPods, need)
		why = fmt.Sprintf("min(scaleUpHeadroomPods %d, ⌈ramp %s RPS/s × %d s / target %s⌉ = %d)", in.ScaleUpHeadroomPods, rps(in.RampRPSPerSecond), in.ServerReadySeconds, p.Target, need)
		if need > in.ScaleUpHeadroomPods {
			p.Warnings = append(p.Warnings, fmt.Sprintf(
				"a ramp of %s RPS/s needs %d new replicas every %d s but the cluster can start %d: replicas fall behind by about %s RPS each period and the margin will not cover it; raise %s or %s, or expect SLA breach during such ramps",
				rps(in.RampRPSPerSecond), need, in.ServerReadySeconds, in.ScaleUpHeadroomPods, rps(float64(need-in.ScaleUpHeadroomPods)*p.Target.Float()), policy.FieldHeadroom, policy.FieldSafetyMargin))
		}
	}
	window := min(in.SpikeSeconds, maxWindowSeconds)
	p.ScaleUp = policy.Rules{StabilizationWindowSeconds: &window, SelectPolicy: policy.SelectMax,
		Policies: []policy.ScalingPolicy{{Type: policy.PolicyPods, Value: pods, PeriodSeconds: in.ServerReadySeconds}}}
	p.reason(policy.FieldScaleUp+".policies", fmt.Sprintf("Pods %d per %ds", pods, in.ServerReadySeconds),
		"%s per serverReadySeconds: no more Server pods per period than can start, nor than the ramp needs; replicas asked for faster than they become ready leave the Model ScheduleFailed on its old replicas", why)
	windowWhy := fmt.Sprintf("spikeSeconds %d: the HPA scales up only on what every recommendation of this window asks for, so shorter spikes are absorbed within the margin — as the metric shows them, which the scrape interval stretches by up to one interval; a sustained rise is answered as much later", in.SpikeSeconds)
	if in.SpikeSeconds > maxWindowSeconds {
		windowWhy += fmt.Sprintf(", capped at Kubernetes' limit of %d s", maxWindowSeconds)
	}
	p.reason(policy.FieldScaleUp+".stabilizationWindowSeconds", strconv.Itoa(window), "%s", windowWhy)
}

func (p *Plan) scaleDown() {
	w := DefaultScaleDownWindowSeconds
	p.ScaleDown = policy.Rules{StabilizationWindowSeconds: &w, SelectPolicy: policy.SelectMax,
		Policies: []policy.ScalingPolicy{{Type: policy.PolicyPercent, Value: defaultScaleDownPct, PeriodSeconds: defaultScaleDownPeriod}}}
	p.reason(policy.FieldScaleDown, fmt.Sprintf("window %ds, Percent %d per %ds", w, defaultScaleDownPct, defaultScaleDownPeriod),
		"Kubernetes' default: scale down to the highest recommendation of the last 5 minutes, so a dip does not give up replicas a returning load needs")
}

// checkReaction warns when a ramp outruns the margin before the first new replicas are ready:
// until then only the spare capacity of the replicas already serving absorbs the rise.
func (p *Plan) checkReaction() {
	in := p.From
	if in.RampRPSPerSecond <= 0 {
		return
	}
	reaction := *p.ScaleUp.StabilizationWindowSeconds + DefaultSyncPeriodSeconds + in.ServerReadySeconds
	spare := in.SaturationRPS - p.Target.Float()
	rise := in.RampRPSPerSecond * float64(reaction)
	need := int(math.Ceil(rise/spare - 1e-9))
	if need > p.MinReplicas {
		p.Warnings = append(p.Warnings, fmt.Sprintf(
			"between a rise starting and the first new replicas being ready (window %d s + sync %d s + serverReadySeconds %d s = %d s, before any metric lag) a %s RPS/s ramp adds %s RPS; each replica has %s RPS spare, so starting from fewer than %d replicas the ramp saturates them first (minReplicas is %d: raise it, or the margin, if such ramps start from the quietest load)",
			*p.ScaleUp.StabilizationWindowSeconds, DefaultSyncPeriodSeconds, in.ServerReadySeconds, reaction, rps(in.RampRPSPerSecond), rps(rise), rps(spare), need, p.MinReplicas))
	}
}

// Input is the plan as the component's input, every value set: policy.Plan accepts it unchanged
// and runs the same guards on it as on a user's own settings.
func (p Plan) Input() policy.Input {
	minR, maxR, target := p.MinReplicas, p.MaxReplicas, p.Target.Float()
	ready, headroom := p.ServerReadySeconds, p.ScaleUpHeadroomPods
	peak, sat, margin := p.From.PeakRPS, p.From.SaturationRPS, p.From.SafetyMargin
	up, down := cloneRules(p.ScaleUp), cloneRules(p.ScaleDown)
	return policy.Input{
		MinReplicas: &minR, MaxReplicas: &maxR, TargetRPS: &target, TargetType: policy.TargetTypeAverageValue,
		Sizing:             &policy.Sizing{PeakRPS: &peak, SaturationRPS: &sat, SafetyMargin: &margin},
		ServerReadySeconds: &ready, ScaleUpHeadroomPods: &headroom,
		ScaleUp: &up, ScaleDown: &down,
	}
}

// HPASpec is the HPA the plan deploys, for simulation.
func (p Plan) HPASpec() HPASpec {
	up, down := cloneRules(p.ScaleUp), cloneRules(p.ScaleDown)
	return HPASpec{MinReplicas: p.MinReplicas, MaxReplicas: p.MaxReplicas, Target: p.Target, Behavior: &Behavior{ScaleUp: &up, ScaleDown: &down}}
}

// Bounds are the plan's replica bounds and target.
func (p Plan) Bounds() Bounds {
	return Bounds{MinReplicas: p.MinReplicas, MaxReplicas: p.MaxReplicas, Target: p.Target}
}

func cloneRules(r policy.Rules) policy.Rules {
	out := policy.Rules{SelectPolicy: r.SelectPolicy, Policies: append([]policy.ScalingPolicy(nil), r.Policies...)}
	if r.StabilizationWindowSeconds != nil {
		w := *r.StabilizationWindowSeconds
		out.StabilizationWindowSeconds = &w
	}
	return out
}

// rps writes an RPS figure at the HPA's milli-unit resolution.
func rps(v float64) string { return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64) }
