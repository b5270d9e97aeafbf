package hpasim

import (
	"fmt"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// Bounds are the replica bounds and target a comparison holds fixed, so that only the behavior
// differs between the policies compared.
type Bounds struct {
	MinReplicas int
	MaxReplicas int
	Target      policy.MilliQuantity
}

// Named policies the command and the benchmark compare.
const (
	PolicyDefault    = "default"     // Kubernetes' documented default behavior, written out
	PolicyNoBehavior = "no-behavior" // no behavior field: the controller's older normalization
	PolicyGuide      = "guide"       // the guide's example: Pods 5 per 90 s, 60 s scale-up window
	PolicyPlanned    = "planned"     // PlanPolicy's answer
)

// NamedPolicies lists the policies in the order they are compared.
func NamedPolicies() []string {
	return []string{PolicyDefault, PolicyNoBehavior, PolicyGuide, PolicyPlanned}
}

// DefaultPolicy is an HPA with Kubernetes' documented default behavior.
func DefaultPolicy(b Bounds) HPASpec {
	def := DefaultBehavior()
	return HPASpec{MinReplicas: b.MinReplicas, MaxReplicas: b.MaxReplicas, Target: b.Target, Behavior: &def}
}

// NoBehaviorPolicy is an HPA whose manifest has no behavior field. The documentation describes the
// default behavior; kube-controller-manager in fact keeps its older path for these HPAs, which
// allows max(2 × current, 4) replicas per sync instead of max(current + 4, 2 × current) per 15 s.
func NoBehaviorPolicy(b Bounds) HPASpec {
	return HPASpec{MinReplicas: b.MinReplicas, MaxReplicas: b.MaxReplicas, Target: b.Target}
}

// The guide's hpa-custom-policy.yaml, fixed here so the comparison does not move with the policy
// package's defaults (which start from the same example).
const (
	guideScaleUpPods          = 5
	guideScaleUpPeriodSeconds = 90
	guideScaleUpWindowSeconds = 60
)

// GuidePolicy is the guide's hpa-custom-policy.yaml: scale up by at most 5 Pods per 90 s, the
// lowest recommendation of the last 60 s; scale-down left to the defaults.
func GuidePolicy(b Bounds) HPASpec {
	w := guideScaleUpWindowSeconds
	return HPASpec{MinReplicas: b.MinReplicas, MaxReplicas: b.MaxReplicas, Target: b.Target, Behavior: &Behavior{
		ScaleUp: &policy.Rules{StabilizationWindowSeconds: &w, Policies: []policy.ScalingPolicy{
			{Type: policy.PolicyPods, Value: guideScaleUpPods, PeriodSeconds: guideScaleUpPeriodSeconds},
		}},
	}}
}

// SpecFromPolicy is the HPA the component deploys (twice, for the Model and the Server) for an
// effective policy, so what it deploys can be simulated as it is.
func SpecFromPolicy(p policy.Policy) HPASpec {
	up, down := p.ScaleUp, p.ScaleDown
	return HPASpec{MinReplicas: p.MinReplicas, MaxReplicas: p.MaxReplicas, Target: p.Target,
		Behavior: &Behavior{ScaleUp: &up, ScaleDown: &down}}
}

// WithScaleUpTolerance returns spec with behavior.scaleUp.tolerance set.
func WithScaleUpTolerance(spec HPASpec, tolerance float64) HPASpec {
	spec.ScaleUpTolerance = &tolerance
	return spec
}

// WithModelScaleUpLag returns spec with a scale-up stabilization window lagSeconds longer, for the
// Model HPA alone: it then asks only for what the Server HPA asked for lagSeconds earlier, while
// the shorter window on the Server HPA keeps Server pods starting early. A spec without a
// behavior field gets the documented default behavior first.
func WithModelScaleUpLag(spec HPASpec, lagSeconds int) HPASpec {
	def := DefaultBehavior()
	var b Behavior
	if spec.Behavior != nil {
		b = *spec.Behavior
	} else {
		b = def
	}
	up := effectiveRules(b.ScaleUp, def.ScaleUp)
	window := min(up.windowSeconds+lagSeconds, maxWindowSeconds)
	b.ScaleUp = &policy.Rules{StabilizationWindowSeconds: &window, SelectPolicy: up.selectPolicy,
		Policies: append([]policy.ScalingPolicy(nil), up.policies...)}
	spec.Behavior = &b
	return spec
}

// NamedPolicy returns one of NamedPolicies for the bounds; planned is the plan's own spec.
func NamedPolicy(name string, b Bounds, planned Plan) (HPASpec, error) {
	switch name {
	case PolicyDefault:
		return DefaultPolicy(b), nil
	case PolicyNoBehavior:
		return NoBehaviorPolicy(b), nil
	case PolicyGuide:
		return GuidePolicy(b), nil
	case PolicyPlanned:
		return planned.HPASpec(), nil
	}
	return HPASpec{}, fmt.Errorf("unknown policy %q: use one of %v", name, NamedPolicies())
}

// DescribeBehavior writes a behavior the way an HPA manifest reads, for tables and reports.
func DescribeBehavior(b *Behavior) string {
	if b == nil {
		return "no behavior field (controller's legacy path: up to max(2×current, 4) per sync; down to the highest recommendation of 300 s)"
	}
	def := DefaultBehavior()
	return fmt.Sprintf("scaleUp: %s; scaleDown: %s", describeRules(effectiveRules(b.ScaleUp, def.ScaleUp)), describeRules(effectiveRules(b.ScaleDown, def.ScaleDown)))
}

func describeRules(r scalingRules) string {
	s := fmt.Sprintf("window %ds, %s of", r.windowSeconds, r.selectPolicy)
	for i, p := range r.policies {
		if i > 0 {
			s += " /"
		}
		unit := ""
		if p.Type == policy.PolicyPercent {
			unit = "%"
		}
		s += fmt.Sprintf(" %s %d%s per %ds", p.Type, p.Value, unit, p.PeriodSeconds)
	}
	return s
}
