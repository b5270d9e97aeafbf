package policy

import (
	"fmt"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

// Kubernetes' own HPA facts, kept here once: the planner guards and fills with them, and hpasim
// simulates the controller with them.

// kube-controller-manager's HPA flags, at their defaults.
const (
	HPASyncPeriodSeconds = 15  // --horizontal-pod-autoscaler-sync-period
	HPATolerance         = 0.1 // --horizontal-pod-autoscaler-tolerance
	// DefaultScaleDownWindow is --horizontal-pod-autoscaler-downscale-stabilization, which the
	// controller gives a scale-down rule that sets no window (maybeInitScaleDownStabilizationWindow).
	DefaultScaleDownWindow = 300
)

// DefaultScaleUpRules is what the API server fills in for behavior.scaleUp
// (GenerateHPAScaleUpRules): the larger of 4 Pods and 100% per 15 s, with no stabilization.
// A new value each call, so callers may edit it.
func DefaultScaleUpRules() Rules {
	w := 0
	return Rules{StabilizationWindowSeconds: &w, SelectPolicy: SelectMax, Policies: []ScalingPolicy{
		{Type: PolicyPods, Value: 4, PeriodSeconds: 15},
		{Type: PolicyPercent, Value: 100, PeriodSeconds: 15},
	}}
}

// DefaultScaleDownRules is what the API server fills in for behavior.scaleDown
// (GenerateHPAScaleDownRules: 100% per 15 s), with the window the controller then gives it
// (DefaultScaleDownWindow). A new value each call, so callers may edit it.
func DefaultScaleDownRules() Rules {
	w := DefaultScaleDownWindow
	return Rules{StabilizationWindowSeconds: &w, SelectPolicy: SelectMax, Policies: []ScalingPolicy{
		{Type: PolicyPercent, Value: 100, PeriodSeconds: 15},
	}}
}

// ValidateRules refuses what the API server would refuse in one direction's rules
// (validateScalingRules and validateScalingPolicy), naming each field under field, so the error
// comes at preview. An unset selectPolicy is valid: the API server defaults it to Max.
func ValidateRules(field string, r Rules) refusal.Errors {
	var errs refusal.Errors
	if w := r.StabilizationWindowSeconds; w != nil && (*w < 0 || *w > inputs.MaxWindowSeconds) {
		errs.Addf(field+".stabilizationWindowSeconds", fmt.Sprintf("use 0 to %d seconds", inputs.MaxWindowSeconds),
			"%d is outside 0..%d", *w, inputs.MaxWindowSeconds)
	}
	switch r.SelectPolicy {
	case "", SelectMax, SelectMin, SelectDisabled:
	default:
		errs.Addf(field+".selectPolicy", "use Max, Min or Disabled", "%q is not a select policy", r.SelectPolicy)
	}
	for i, pol := range r.Policies {
		f := fmt.Sprintf("%s.policies[%d]", field, i)
		if pol.Type != PolicyPods && pol.Type != PolicyPercent {
			errs.Addf(f+".type", "use Pods or Percent", "%q is not a scaling policy type", pol.Type)
		}
		limit := inputs.MaxReplicasBound
		if pol.Type == PolicyPercent {
			limit = inputs.MaxPercentValue
		}
		if pol.Value < 1 || pol.Value > limit {
			errs.Addf(f+".value", fmt.Sprintf("use 1 to %d", limit), "%d is outside 1..%d", pol.Value, limit)
		}
		if pol.PeriodSeconds < 1 || pol.PeriodSeconds > inputs.MaxPeriodSeconds {
			errs.Addf(f+".periodSeconds", fmt.Sprintf("use 1 to %d seconds", inputs.MaxPeriodSeconds),
				"%d is outside 1..%d", pol.PeriodSeconds, inputs.MaxPeriodSeconds)
		}
	}
	return errs
}

// HPABehavior is one HPA's behavior field (autoscaling/v2 HorizontalPodAutoscalerBehavior), every
// rule set.
type HPABehavior struct {
	ScaleUp   Rules
	ScaleDown Rules
}

// HPAPair is the behavior of the two HPAs the component deploys for a policy.
type HPAPair struct {
	Model  HPABehavior
	Server HPABehavior
}

// HPAs is the two HPAs' behavior: the Server's is the policy's rules; the Model's the same but for
// a scale-up window ModelScaleUpLagSeconds longer, so the Server HPA starts the pods the Model's
// new replicas need first. Copies: editing them leaves the policy alone.
func (p Policy) HPAs() HPAPair {
	return HPAPair{
		Model:  HPABehavior{ScaleUp: p.ScaleUp.WindowLongerBy(p.ModelScaleUpLagSeconds), ScaleDown: p.ScaleDown.clone()},
		Server: HPABehavior{ScaleUp: p.ScaleUp.clone(), ScaleDown: p.ScaleDown.clone()},
	}
}

// WindowLongerBy is a copy of r with a stabilization window seconds longer; an unset window counts
// as 0 (the scale-up default) and stays unset unless seconds is positive.
func (r Rules) WindowLongerBy(seconds int) Rules {
	out := r.clone()
	switch {
	case out.StabilizationWindowSeconds != nil:
		*out.StabilizationWindowSeconds += seconds
	case seconds > 0:
		out.StabilizationWindowSeconds = &seconds
	}
	return out
}

// clone is a copy of r that shares nothing with it.
func (r Rules) clone() Rules {
	out := Rules{SelectPolicy: r.SelectPolicy, Policies: append([]ScalingPolicy(nil), r.Policies...)}
	if w := r.StabilizationWindowSeconds; w != nil {
		v := *w
		out.StabilizationWindowSeconds = &v
	}
	return out
}
