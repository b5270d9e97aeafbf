package hpasim

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

// guideModel is the guide's irisa0: 3 RPS per replica (saturation 3.75 with a 20% margin),
// Server pods ready within 90 s, 5 at a time.
func guideModel() Figures {
	return Figures{SaturationRPS: 3.75, SafetyMargin: 0.2, PeakRPS: 9, MinLoadRPS: 1,
		ServerReadySeconds: 90, ScaleUpHeadroomPods: 5, RampRPSPerSecond: 0.2, SpikeSeconds: 60}
}

// TestPlanIsTheComponentsPlanner: the planned policy the policy simulation simulates is exactly what
// policy.Plan, the component's planner, returns for the same sizing inputs. The planner's own
// answers on the guide's examples are tested in package policy.
func TestPlanIsTheComponentsPlanner(t *testing.T) {
	slowServer := Figures{SaturationRPS: 0.9, SafetyMargin: 0.35, PeakRPS: 250, MinLoadRPS: 0,
		ServerReadySeconds: 1800, ScaleUpHeadroomPods: 1, RampRPSPerSecond: 3, SpikeSeconds: 10}
	for _, in := range []Figures{guideModel(), DefaultSimulationSetup().Figures, slowServer} {
		p, err := PlannedPolicy(in)
		if err != nil {
			t.Fatal(err)
		}
		got, derived, err := policy.Plan(in.Input())
		if err != nil {
			t.Fatalf("the component refuses %+v: %v", in, err)
		}
		if !reflect.DeepEqual(got, p.Policy) {
			t.Errorf("the planned policy differs from the component's:\n     got %+v\n planned %+v", got, p.Policy)
		}
		if !reflect.DeepEqual(policy.Warnings(derived), p.Warnings) || len(p.Reasons)+len(p.Warnings) != len(derived) {
			t.Errorf("reasons and warnings %v %v, the component's %v", p.Reasons, p.Warnings, derived)
		}
		if p.ModelScaleUpLagSeconds != min(in.ServerReadySeconds+policy.HPASyncPeriodSeconds, 3600-in.SpikeSeconds) {
			t.Errorf("model lag %d for %+v", p.ModelScaleUpLagSeconds, in)
		}
	}
}

// TestBenchmarkSimulatesBothDeployedHPAs: the policy simulation's planned run has the Model HPA and the
// Server HPA the component deploys, and nothing else differs between them.
func TestBenchmarkSimulatesBothDeployedHPAs(t *testing.T) {
	setup := DefaultSimulationSetup()
	p, err := PlannedPolicy(setup.Figures)
	if err != nil {
		t.Fatal(err)
	}
	b := PolicySimulation{Setup: setup, Planned: p, Specs: map[string]HPASpec{}, ModelLags: map[string]int{}}
	for _, name := range []string{PolicyPlanned, PolicyDefault} {
		if b.Specs[name], b.ModelLags[name], err = NamedPolicy(name, p); err != nil {
			t.Fatal(err)
		}
	}
	cfg, deployed := b.Config(PolicyPlanned), SpecsFromPolicy(p.Policy)
	if cfg.ServerHPA == nil || !reflect.DeepEqual(*cfg.ServerHPA, deployed.Server) ||
		!reflect.DeepEqual(cfg.HPA, deployed.Model) {
		t.Errorf("planned run: model %+v server %+v", cfg.HPA, cfg.ServerHPA)
	}
	model, server := cfg.HPA, *cfg.ServerHPA
	modelWindow := *model.Behavior.ScaleUp.StabilizationWindowSeconds
	serverWindow := *server.Behavior.ScaleUp.StabilizationWindowSeconds
	if modelWindow != serverWindow+p.ModelScaleUpLagSeconds {
		t.Errorf("model window %d, server %d, lag %d", modelWindow, serverWindow, p.ModelScaleUpLagSeconds)
	}
	model.Behavior = &Behavior{ScaleUp: server.Behavior.ScaleUp, ScaleDown: model.Behavior.ScaleDown}
	if !reflect.DeepEqual(model, server) {
		t.Errorf("the specs differ beyond the scale-up window:\n%+v\n%+v", model, server)
	}
	if cfg := b.Config(PolicyDefault); cfg.ServerHPA != nil {
		t.Errorf("default run has a Server HPA of its own: %+v", cfg.ServerHPA)
	}
}

func TestSpecsFromPolicyAreCopies(t *testing.T) {
	p, err := PlannedPolicy(guideModel())
	if err != nil {
		t.Fatal(err)
	}
	deployed := SpecsFromPolicy(p.Policy)
	for _, spec := range []HPASpec{deployed.Model, deployed.Server} {
		*spec.Behavior.ScaleUp.StabilizationWindowSeconds = 1
		spec.Behavior.ScaleUp.Policies[0].Value = 99
		*spec.Behavior.ScaleDown.StabilizationWindowSeconds = 1
	}
	if *p.ScaleUp.StabilizationWindowSeconds != 60 || p.ScaleUp.Policies[0].Value != 5 ||
		*p.ScaleDown.StabilizationWindowSeconds != 300 {
		t.Errorf("editing the specs changed the planned policy: %+v %+v", p.ScaleUp, p.ScaleDown)
	}
}

func TestPlannedPolicyRefusesBadInput(t *testing.T) {
	_, err := PlannedPolicy(Figures{SaturationRPS: -1, SafetyMargin: 1, PeakRPS: 0, MinLoadRPS: 5,
		ServerReadySeconds: 0, ScaleUpHeadroomPods: 0, RampRPSPerSecond: -1, SpikeSeconds: -5})
	if err == nil {
		t.Fatal("no error")
	}
	var errs refusal.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %T is not refusal.Errors underneath", err)
	}
	got := map[string]bool{}
	for _, f := range errs.Fields() {
		got[f] = true
	}
	for _, f := range []string{inputs.PathSaturationRPS, inputs.PathPeakRPS, inputs.PathSafetyMargin,
		inputs.PathServerReady, inputs.PathHeadroom, inputs.PathRampRate, inputs.PathSpikeSeconds} {
		if !got[f] {
			t.Errorf("no refusal names %s: %v", f, errs.Fields())
		}
	}
	if !strings.HasPrefix(err.Error(), "planning a policy: ") {
		t.Errorf("error %q lacks context", err)
	}
}
