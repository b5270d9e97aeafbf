package hpasim

import (
	"fmt"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// Bounds are the replica bounds and target a comparison holds fixed, so that only the behavior
// differs between the policies compared.
type Bounds struct {
	MinReplicas int
	MaxReplicas int
	Target      policy.MilliQuantity
}

// Named policies the command and the policy simulation compare.
const (
	PolicyDefault    = "default"     // Kubernetes' documented default behavior, written out
	PolicyNoBehavior = "no-behavior" // no behavior field: the controller's older normalization
	PolicyGuide      = "guide"       // the guide's example: Pods 5 per 90 s, 60 s scale-up window
	PolicyPlanned    = "planned"     // PlannedPolicy's answer: the component's planner, Model lag included
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

// HPAPair is the two HPAs the component deploys for one model.
type HPAPair struct {
	Model  HPASpec
	Server HPASpec
}

// SpecsFromPolicy is the two HPAs the component deploys for an effective policy, built from the
// same pair of behaviors (policy.Policy.HPAs), so what it deploys can be simulated as it is.
// Copies: editing them leaves the policy alone.
func SpecsFromPolicy(p policy.Policy) HPAPair {
	spec := func(b policy.HPABehavior) HPASpec {
		return HPASpec{MinReplicas: p.MinReplicas, MaxReplicas: p.MaxReplicas, Target: p.Target,
			Behavior: &Behavior{ScaleUp: &b.ScaleUp, ScaleDown: &b.ScaleDown}}
	}
	hpas := p.HPAs()
	return HPAPair{Model: spec(hpas.Model), Server: spec(hpas.Server)}
}

// WithModelLag sets how much longer the config's Model HPA's scale-up window is than its Server
// HPA's, as the component does with autoscaling.modelScaleUpLagSeconds: the Model HPA gets the
// Server HPA's spec with the window lagSeconds longer (policy.Rules.WindowLongerBy), at most
// Kubernetes' limit; 0 gives both HPAs the Server's spec. A Server spec without a behavior field
// gives the Model HPA the documented default behavior, lagged.
func WithModelLag(c Config, lagSeconds int) Config {
	server := c.serverHPA()
	if lagSeconds == 0 {
		c.HPA, c.ServerHPA = server, nil
		return c
	}
	model, def := server, DefaultBehavior()
	b := def
	if server.Behavior != nil {
		b = *server.Behavior
	}
	up := effectiveRules(b.ScaleUp, def.ScaleUp)
	lagged := policy.Rules{StabilizationWindowSeconds: &up.windowSeconds, SelectPolicy: up.selectPolicy,
		Policies: up.policies}.WindowLongerBy(lagSeconds)
	*lagged.StabilizationWindowSeconds = min(*lagged.StabilizationWindowSeconds, inputs.MaxWindowSeconds)
	b.ScaleUp = &lagged
	model.Behavior = &b
	c.HPA, c.ServerHPA = model, &server
	return c
}

// WithScaleUpTolerance returns spec with behavior.scaleUp.tolerance set.
func WithScaleUpTolerance(spec HPASpec, tolerance float64) HPASpec {
	spec.ScaleUpTolerance = &tolerance
	return spec
}

// NamedPolicy returns one of NamedPolicies with the planned bounds, as the Server HPA's spec and
// how much longer the Model HPA's scale-up window is (see WithModelLag): the planned policy's own
// lag, none for the others (the guide keeps both HPAs in sync).
func NamedPolicy(name string, planned Planned) (server HPASpec, modelLagSeconds int, err error) {
	b := planned.Bounds()
	switch name {
	case PolicyDefault:
		return DefaultPolicy(b), 0, nil
	case PolicyNoBehavior:
		return NoBehaviorPolicy(b), 0, nil
	case PolicyGuide:
		return GuidePolicy(b), 0, nil
	case PolicyPlanned:
		return SpecsFromPolicy(planned.Policy).Server, planned.ModelScaleUpLagSeconds, nil
	}
	return HPASpec{}, 0, fmt.Errorf("unknown policy %q: use one of %v", name, NamedPolicies())
}

// DescribeBehavior writes a behavior the way an HPA manifest reads, for tables and reports.
func DescribeBehavior(b *Behavior) string {
	if b == nil {
		return fmt.Sprintf("no behavior field (controller's legacy path: up to max(%g×current, %g) per sync; down to the "+
			"highest recommendation of %d s)", legacyScaleUpFactor, legacyScaleUpMinimum, policy.DefaultScaleDownWindow)
	}
	def := DefaultBehavior()
	return fmt.Sprintf(
		"scaleUp: %s; scaleDown: %s",
		describeRules(effectiveRules(b.ScaleUp, def.ScaleUp)),
		describeRules(effectiveRules(b.ScaleDown, def.ScaleDown)),
	)
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
