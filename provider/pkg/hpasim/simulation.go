package hpasim

import (
	"fmt"
	"math"
	"reflect"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// SimulationSetup is everything a policy simulation holds fixed.
type SimulationSetup struct {
	Figures                Figures
	SyncPeriodSeconds      int
	ModelHPAOffsetSeconds  int
	ServerHPAOffsetSeconds int
	Metric                 MetricPipeline
}

// DefaultSimulationSetup is the guide's example model: 3 RPS per replica (saturation 3.75 with a
// 20% margin), Server pods ready in 90 s, 5 at a time; load between 3 and 36 RPS; ramps up to the
// guide ramp's 0.25 RPS/s; spikes up to the short-spike scenario's 45 s. The Server HPA's timer
// runs 5 s behind the Model HPA's, as when both are applied in one manifest.
func DefaultSimulationSetup() SimulationSetup {
	return SimulationSetup{
		Figures: Figures{
			SaturationRPS: 3.75, SafetyMargin: 0.2, PeakRPS: scenarioPeakRPS, MinLoadRPS: dailyWaveLowRPS,
			ServerReadySeconds: guideScaleUpPeriodSeconds, ScaleUpHeadroomPods: guideScaleUpPods,
			RampRPSPerSecond: 0.25, SpikeSeconds: 45,
		},
		SyncPeriodSeconds:      policy.HPASyncPeriodSeconds,
		ModelHPAOffsetSeconds:  0,
		ServerHPAOffsetSeconds: 5,
		Metric:                 DefaultMetricPipeline(),
	}
}

// Config is the simulation config for one policy under this setup.
func (s SimulationSetup) Config(spec HPASpec) Config {
	return Config{
		HPA: spec, SaturationRPS: s.Figures.SaturationRPS, ServerReadySeconds: s.Figures.ServerReadySeconds,
		SyncPeriodSeconds: s.SyncPeriodSeconds, ModelHPAOffsetSeconds: s.ModelHPAOffsetSeconds,
		ServerHPAOffsetSeconds: s.ServerHPAOffsetSeconds, Metric: s.Metric,
	}
}

// Variant changes a policy simulation run to test how much a result depends on one assumption
// (sensitivity) or what a change outside the planner's reach would do (diagnostic).
type Variant struct {
	Name        string
	Description string
	Apply       func(Config) Config
	// Policies, when set, limits the variant to these policies.
	Policies []string
}

// MainVariant is the policy simulation as set up.
const MainVariant = ""

// SensitivityVariants question the model's assumptions; they apply to every policy.
func (s SimulationSetup) SensitivityVariants() []Variant {
	return []Variant{
		{
			Name: "served-only metric",
			Description: "the counter counts only requests the serving replicas complete, " +
				"so a saturated Model reports at most its capacity",
			Apply: func(c Config) Config { c.Metric.ServedOnly = true; return c },
		},
		{Name: fmt.Sprintf("cluster starts %d pods at a time", s.Figures.ScaleUpHeadroomPods),
			Description: fmt.Sprintf(
				"at most scaleUpHeadroomPods (%d) Server pods start at once; more wait Pending for a free slot",
				s.Figures.ScaleUpHeadroomPods,
			),
			Apply: func(c Config) Config { c.MaxStartingServerPods = s.Figures.ScaleUpHeadroomPods; return c }},
		{
			Name: "server HPA syncs first",
			Description: fmt.Sprintf(
				"the HPA timers swapped: the Server HPA syncs %d s before the Model HPA",
				s.ServerHPAOffsetSeconds-s.ModelHPAOffsetSeconds,
			),
			Apply: func(c Config) Config {
				c.ModelHPAOffsetSeconds, c.ServerHPAOffsetSeconds = c.ServerHPAOffsetSeconds, c.ModelHPAOffsetSeconds
				return c
			},
		},
	}
}

// DiagnosticVariants are runs outside the planned policy: a field policy.Input cannot express
// today, and the Model lag taken out of the planned policy or added to Kubernetes' default
// behavior, to show what it contributes.
func (s SimulationSetup) DiagnosticVariants(planned Planned) []Variant {
	lag := planned.ModelScaleUpLagSeconds
	noLag := WithoutModelLag(Variant{Name: MainVariant})
	noLag.Description = "autoscaling.modelScaleUpLagSeconds: 0: both HPAs identical, as in the guide's manifests — " +
		"the planned policy as it was before the lag"
	return []Variant{
		{
			Name: "scale-up tolerance 0",
			Description: "behavior.scaleUp.tolerance: 0 on both HPAs (GA in Kubernetes 1.37), so the Server HPA never settles " +
				"inside the band below what the Model asks for; on top of each policy as it is (planned keeps its Model lag)",
			Apply: func(c Config) Config {
				c.HPA = WithScaleUpTolerance(c.HPA, 0)
				if c.ServerHPA != nil {
					server := WithScaleUpTolerance(*c.ServerHPA, 0)
					c.ServerHPA = &server
				}
				return c
			},
		},
		noLag,
		{
			Name: fmt.Sprintf("default with the Model lag (%d s)", lag),
			Description: fmt.Sprintf(
				"Kubernetes' default behavior with the planned Model lag: "+
					"the Model HPA's scale-up window %d s longer than the Server HPA's",
				lag,
			),
			Policies: []string{PolicyDefault},
			Apply:    func(c Config) Config { return WithModelLag(c, lag) },
		},
	}
}

// VariantNoModelLag is the diagnostic that takes the Model lag out of the planned policy.
const VariantNoModelLag = "planned without the Model lag"

// WithoutModelLag is a sensitivity variant (or the main setup, MainVariant) with the Model lag
// taken out (WithModelLag 0), named "<variant> / planned without the Model lag" (the main setup's
// is VariantNoModelLag itself): the planned policy as it was before the lag, under the same
// assumption.
func WithoutModelLag(v Variant) Variant {
	name, apply := VariantNoModelLag, v.Apply
	if v.Name != MainVariant {
		name = v.Name + " / " + VariantNoModelLag
	}
	return Variant{Name: name, Policies: []string{PolicyPlanned}, Apply: func(c Config) Config {
		if apply != nil {
			c = apply(c)
		}
		return WithModelLag(c, 0)
	}}
}

// PoliciesOr is the policies a variant runs on: its own list, or def.
func (v Variant) PoliciesOr(def []string) []string {
	if v.Policies != nil {
		return v.Policies
	}
	return def
}

// SimulationRun is one scenario under one policy and variant.
type SimulationRun struct {
	Variant  string
	Scenario string
	Policy   string
	Summary  Summary
}

// PolicySimulation is every scenario under every named policy, as set up and under each variant.
type PolicySimulation struct {
	Setup       SimulationSetup
	Planned     Planned
	Policies    []string
	Specs       map[string]HPASpec // the Server HPA's spec; the Model's unless ModelLags says otherwise
	ModelLags   map[string]int     // how much longer the Model HPA's scale-up window is
	Scenarios   []Scenario
	Sensitivity []Variant
	Diagnostics []Variant
	// Modes are the runs comparing Seldon's two ways of scheduling, each with and without the lag.
	Modes []ModeCase
	Runs  []SimulationRun
}

// DiagnosticPolicies are the policies the diagnostic variants are tried on.
func DiagnosticPolicies() []string { return []string{PolicyDefault, PolicyPlanned} }

// SimulatePolicies plans the policy with the component's planner (policy.Plan, through PlannedPolicy)
// and simulates what it returns, Model lag included, next to the other named policies with the
// same bounds.
func SimulatePolicies(setup SimulationSetup) (PolicySimulation, error) {
	b, err := newPolicySimulation(setup)
	if err != nil {
		return PolicySimulation{}, fmt.Errorf("policy simulation: %w", err)
	}
	if err := b.run(Variant{Name: MainVariant}, b.Policies); err != nil {
		return PolicySimulation{}, err
	}
	for _, v := range b.Sensitivity {
		if err := b.run(v, b.Policies); err != nil {
			return PolicySimulation{}, err
		}
		// The planned policy before the lag under the same assumption, to state what the lag costs.
		nl := WithoutModelLag(v)
		if err := b.run(nl, nl.Policies); err != nil {
			return PolicySimulation{}, err
		}
	}
	for _, v := range b.Diagnostics {
		if err := b.run(v, v.PoliciesOr(DiagnosticPolicies())); err != nil {
			return PolicySimulation{}, err
		}
	}
	if b.Modes, err = modeCases(setup.Figures, b.Planned); err != nil {
		return PolicySimulation{}, fmt.Errorf("policy simulation: %w", err)
	}
	for _, m := range b.Modes {
		if err := b.run(m.Variant(), []string{m.Policy}); err != nil {
			return PolicySimulation{}, err
		}
	}
	return *b, nil
}

// newPolicySimulation plans the policy and resolves every named policy's HPA spec and Model lag.
func newPolicySimulation(setup SimulationSetup) (*PolicySimulation, error) {
	planned, err := PlannedPolicy(setup.Figures)
	if err != nil {
		return nil, err
	}
	b := &PolicySimulation{
		Setup:       setup,
		Planned:     planned,
		Policies:    NamedPolicies(),
		Specs:       map[string]HPASpec{},
		ModelLags:   map[string]int{},
		Scenarios:   Scenarios(),
		Sensitivity: setup.SensitivityVariants(),
		Diagnostics: setup.DiagnosticVariants(planned),
	}
	for _, name := range b.Policies {
		spec, lag, err := NamedPolicy(name, planned)
		if err != nil {
			return nil, err
		}
		b.Specs[name], b.ModelLags[name] = spec, lag
	}
	return b, nil
}

// run simulates every scenario under variant v for each of policies and records the summaries.
func (b *PolicySimulation) run(v Variant, policies []string) error {
	for _, sc := range b.Scenarios {
		for _, name := range policies {
			cfg := b.Config(name)
			if v.Apply != nil {
				cfg = v.Apply(cfg)
			}
			res, err := Run(cfg, sc.Trace)
			if err != nil {
				return fmt.Errorf("policy simulation: scenario %s, policy %s, variant %q: %w", sc.Name, name, v.Name, err)
			}
			b.Runs = append(b.Runs, SimulationRun{Variant: v.Name, Scenario: sc.Name, Policy: name, Summary: res.Summary})
		}
	}
	return nil
}

// ModeCase is one row of the Seldon-mode comparison: a scheduling mode, a policy's behavior and a
// Model lag.
type ModeCase struct {
	Scheduling      policy.Scheduling
	Policy          string // PolicyDefault or PolicyPlanned
	ModelLagSeconds int
	// Planned marks what SeldonAutoscaledModel deploys in this mode: the planned behavior with the
	// lag the planner chooses for the mode.
	Planned bool
}

// Variant is the policy simulation variant that runs the case.
func (m ModeCase) Variant() Variant {
	return Variant{
		Name: fmt.Sprintf("%s / model lag %d s", m.Scheduling, m.ModelLagSeconds),
		Apply: func(c Config) Config {
			c = WithModelLag(c, m.ModelLagSeconds)
			c.Scheduling = m.Scheduling
			return c
		},
	}
}

// modeCases plans for each Seldon mode (policy.Plan through PlannedPolicy, as the component does)
// and lists, per mode, Kubernetes' default behavior and the planned behavior with no lag and with
// the all-or-nothing lag, marking the one the planner chose.
func modeCases(f Figures, allOrNothing Planned) ([]ModeCase, error) {
	lag := allOrNothing.ModelScaleUpLagSeconds
	var out []ModeCase
	for _, mode := range []policy.Scheduling{policy.AllOrNothing, policy.Partial} {
		f.Scheduling = mode
		p, err := PlannedPolicy(f)
		if err != nil {
			return nil, err
		}
		if p.Scheduling != mode || !reflect.DeepEqual(p.ScaleUp, allOrNothing.ScaleUp) {
			return nil, fmt.Errorf("planning for %s gave %s with scale-up %+v: the modes should differ in the lag alone",
				mode, p.Scheduling, p.ScaleUp)
		}
		out = append(out, ModeCase{Scheduling: mode, Policy: PolicyDefault})
		for _, l := range []int{0, lag} {
			out = append(out, ModeCase{Scheduling: mode, Policy: PolicyPlanned, ModelLagSeconds: l,
				Planned: l == p.ModelScaleUpLagSeconds})
		}
	}
	return out, nil
}

// Config is the simulation of a named policy as the policy simulation runs it: the Server HPA's spec, and
// the Model HPA's with the policy's lag.
func (b PolicySimulation) Config(name string) Config {
	return WithModelLag(b.Setup.Config(b.Specs[name]), b.ModelLags[name])
}

// Summary finds one run's summary.
func (b PolicySimulation) Summary(variant, scenario, policyName string) (Summary, bool) {
	for _, r := range b.Runs {
		if r.Variant == variant && r.Scenario == scenario && r.Policy == policyName {
			return r.Summary, true
		}
	}
	return Summary{}, false
}

// TargetCheck is the bar for a policy against a baseline on one scenario.
type TargetCheck struct {
	BreachRatio        float64 // SLA-breach seconds against the baseline's; want ≤ 0.5
	ReplicaSecondRatio float64 // replica-seconds against the baseline's; want ≤ 1.10
	ScheduleFailedOver int     // ScheduleFailed seconds beyond serverReadySeconds per episode; want 0
}

// Targets for TargetCheck.
const (
	TargetBreachRatio        = 0.5
	TargetReplicaSecondRatio = 1.10
)

// BreachMet, CostMet and ScheduleMet say which parts of the bar are met.
func (c TargetCheck) BreachMet() bool   { return c.BreachRatio <= TargetBreachRatio }
func (c TargetCheck) CostMet() bool     { return c.ReplicaSecondRatio <= TargetReplicaSecondRatio }
func (c TargetCheck) ScheduleMet() bool { return c.ScheduleFailedOver == 0 }

// RunKey names one run of a scenario.
type RunKey struct{ Variant, Policy string }

// CheckTarget compares a candidate run with a baseline run on a scenario.
func (b PolicySimulation) CheckTarget(scenario string, candidate, baseline RunKey) (TargetCheck, error) {
	base, ok1 := b.Summary(baseline.Variant, scenario, baseline.Policy)
	cand, ok2 := b.Summary(candidate.Variant, scenario, candidate.Policy)
	if !ok1 || !ok2 {
		return TargetCheck{}, fmt.Errorf("scenario %q was not run as %+v and %+v", scenario, candidate, baseline)
	}
	ratio := func(a, b int) float64 {
		if b == 0 {
			if a == 0 {
				return 0
			}
			return math.Inf(1)
		}
		return float64(a) / float64(b)
	}
	return TargetCheck{
		BreachRatio:        ratio(cand.SLABreachSeconds, base.SLABreachSeconds),
		ReplicaSecondRatio: ratio(cand.ReplicaSeconds, base.ReplicaSeconds),
		ScheduleFailedOver: cand.ScheduleFailedExcessSeconds,
	}, nil
}
