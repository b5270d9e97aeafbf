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
	PolicyPlanned    = "planned"     // PlanPolicy's answer: the component's planner, Model lag included
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

// SpecFromPolicy is the Server HPA the component deploys for an effective policy, so what it
// deploys can be simulated as it is. The Model HPA is the same but for its scale-up window
// (ModelSpecFromPolicy); with a lag of 0 the component deploys this spec twice.
func SpecFromPolicy(p policy.Policy) HPASpec {
	up, down := cloneRules(p.ScaleUp), cloneRules(p.ScaleDown)
	return HPASpec{MinReplicas: p.MinReplicas, MaxReplicas: p.MaxReplicas, Target: p.Target,
		Behavior: &Behavior{ScaleUp: &up, ScaleDown: &down}}
}

// ModelSpecFromPolicy is the Model HPA the component deploys: SpecFromPolicy with the scale-up
// rules of policy.Policy.HPAs' Model, lagged by ModelScaleUpLagSeconds.
func ModelSpecFromPolicy(p policy.Policy) HPASpec {
	spec := SpecFromPolicy(p)
	up := p.HPAs().Model.ScaleUp
	spec.Behavior.ScaleUp = &up
	return spec
}

// WithModelLag gives a config's Model HPA a scale-up window lagSeconds longer than its Server
// HPA's, as the component does with autoscaling.modelScaleUpLagSeconds; 0 leaves it unchanged.
func WithModelLag(c Config, lagSeconds int) Config {
	if lagSeconds == 0 {
		return c
	}
	server := c.HPA
	if c.ServerHPA != nil {
		server = *c.ServerHPA
	}
	c.ServerHPA = &server
	c.HPA = WithModelScaleUpLag(c.HPA, lagSeconds)
	return c
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
	window := min(up.windowSeconds+lagSeconds, policy.MaxWindowSeconds)
	b.ScaleUp = &policy.Rules{StabilizationWindowSeconds: &window, SelectPolicy: up.selectPolicy,
		Policies: append([]policy.ScalingPolicy(nil), up.policies...)}
	spec.Behavior = &b
	return spec
}

// NamedModelLag is how much longer the Model HPA's scale-up window is than the Server HPA's under
// a named policy: the plan's lag for planned, none for the others (the guide keeps both in sync).
func NamedModelLag(name string, planned Plan) int {
	if name == PolicyPlanned {
		return planned.ModelScaleUpLagSeconds
	}
	return 0
}

// NamedPolicy returns one of NamedPolicies for the bounds; planned is the plan's own spec (the
// Server's; see NamedModelLag for the Model's).
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
