package hpasim

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// guideModel is the guide's irisa0: 3 RPS per replica (saturation 3.75 with a 20% margin),
// Server pods ready within 90 s, 5 at a time.
func guideModel() PlanInput {
	return PlanInput{SaturationRPS: 3.75, SafetyMargin: 0.2, PeakRPS: 9, MinLoadRPS: 1,
		ServerReadySeconds: 90, ScaleUpHeadroomPods: 5, RampRPSPerSecond: 0.2, SpikeSeconds: 60}
}

func TestPlanGuideExamples(t *testing.T) {
	for _, tc := range []struct {
		name       string
		edit       func(*PlanInput)
		min, max   int
		target     policy.MilliQuantity
		upPods     int
		upWindow   int
		warnings   []string // substrings, one per expected warning
		reasonHave string
	}{
		{
			// irisa0-hpa.yaml: averageValue 3, minReplicas 1, maxReplicas 3; hpa-custom-policy.yaml:
			// Pods 5 per 90 s with a 60 s window. A 0.2 RPS/s ramp needs ⌈0.2 × 90 / 3⌉ = 6 ≥ 5.
			name: "guide's manifests", edit: func(*PlanInput) {},
			min: 1, max: 3, target: 3000, upPods: 5, upWindow: 60,
			warnings:   []string{"needs 6 new replicas every 90 s but the cluster can start 5", "fewer than 44 replicas"},
			reasonHave: "min(scaleUpHeadroomPods 5, ⌈ramp 0.2 RPS/s × 90 s / target 3⌉ = 6)",
		},
		{
			// The pathological case: 2 → 8 → 12 replicas while load keeps rising (36 RPS at the end).
			name: "guide's pathological ramp", edit: func(in *PlanInput) { in.PeakRPS, in.MinLoadRPS, in.RampRPSPerSecond = 36, 6, 0.25 },
			min: 2, max: 12, target: 3000, upPods: 5, upWindow: 60,
			warnings: []string{"needs 8 new replicas every 90 s but the cluster can start 5", "fewer than 55 replicas"},
		},
		{
			// A blue-green drain moving 30 RPS over 10 minutes: 0.05 RPS/s needs ⌈1.5⌉ = 2 per 90 s.
			name: "blue-green drain", edit: func(in *PlanInput) { in.PeakRPS, in.RampRPSPerSecond, in.SpikeSeconds = 30, 0.05, 0 },
			min: 1, max: 10, target: 3000, upPods: 2, upWindow: 0,
			warnings: []string{"fewer than 7 replicas"},
		},
		{
			name: "no ramp known: the cluster's headroom", edit: func(in *PlanInput) { in.RampRPSPerSecond = 0 },
			min: 1, max: 3, target: 3000, upPods: 5, upWindow: 60,
			reasonHave: "scaleUpHeadroomPods 5 (no ramp rate given)",
		},
		{
			name: "window capped at Kubernetes' limit", edit: func(in *PlanInput) { in.SpikeSeconds, in.RampRPSPerSecond = 7200, 0 },
			min: 1, max: 3, target: 3000, upPods: 5, upWindow: 3600,
			reasonHave: "capped at Kubernetes' limit of 3600 s",
		},
		{
			// The policy package's own sizing example: saturation 10, margin 0.2, peak 100 → 8, 13.
			name: "sizing formula", edit: func(in *PlanInput) { in.SaturationRPS, in.PeakRPS, in.MinLoadRPS, in.RampRPSPerSecond = 10, 100, 20, 0 },
			min: 3, max: 13, target: 8000, upPods: 5, upWindow: 60,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := guideModel()
			tc.edit(&in)
			p, err := PlanPolicy(in)
			if err != nil {
				t.Fatal(err)
			}
			if p.MinReplicas != tc.min || p.MaxReplicas != tc.max || p.Target != tc.target {
				t.Errorf("min %d max %d target %s, want %d %d %s", p.MinReplicas, p.MaxReplicas, p.Target, tc.min, tc.max, tc.target)
			}
			wantUp := policy.Rules{StabilizationWindowSeconds: ptr(tc.upWindow), SelectPolicy: policy.SelectMax,
				Policies: []policy.ScalingPolicy{pods(tc.upPods, in.ServerReadySeconds)}}
			if !reflect.DeepEqual(p.ScaleUp, wantUp) {
				t.Errorf("scaleUp %s, want %s", DescribeBehavior(&Behavior{ScaleUp: &p.ScaleUp}), DescribeBehavior(&Behavior{ScaleUp: &wantUp}))
			}
			wantDown := policy.Rules{StabilizationWindowSeconds: ptr(300), SelectPolicy: policy.SelectMax, Policies: []policy.ScalingPolicy{percent(100, 15)}}
			if !reflect.DeepEqual(p.ScaleDown, wantDown) {
				t.Errorf("scaleDown %+v, want Kubernetes' default", p.ScaleDown)
			}
			if len(p.Warnings) != len(tc.warnings) {
				t.Errorf("warnings %q, want %d", p.Warnings, len(tc.warnings))
			}
			for i, w := range tc.warnings {
				if i < len(p.Warnings) && !strings.Contains(p.Warnings[i], w) {
					t.Errorf("warning %q lacks %q", p.Warnings[i], w)
				}
			}
			if tc.reasonHave != "" && !hasReason(p, tc.reasonHave) {
				t.Errorf("no reason mentions %q: %v", tc.reasonHave, p.Reasons)
			}
			for _, f := range []string{policy.FieldTarget, policy.FieldMaxReplicas, policy.FieldMinReplicas, policy.FieldScaleUp + ".policies",
				policy.FieldScaleUp + ".stabilizationWindowSeconds", policy.FieldScaleDown} {
				if !hasField(p, f) {
					t.Errorf("no reason for %s", f)
				}
			}
		})
	}
}

func hasReason(p Plan, s string) bool {
	for _, r := range p.Reasons {
		if strings.Contains(r.String(), s) {
			return true
		}
	}
	return false
}

func hasField(p Plan, f string) bool {
	for _, r := range p.Reasons {
		if r.Field == f {
			return true
		}
	}
	return false
}

// TestPlanPassesTheComponentsGuards is the link to the component: a plan, given as the
// component's input, goes through policy.Plan unchanged.
func TestPlanPassesTheComponentsGuards(t *testing.T) {
	for _, in := range []PlanInput{guideModel(), DefaultBenchmarkSetup().Plan,
		{SaturationRPS: 0.9, SafetyMargin: 0.35, PeakRPS: 250, MinLoadRPS: 0, ServerReadySeconds: 1800, ScaleUpHeadroomPods: 1, RampRPSPerSecond: 3, SpikeSeconds: 10}} {
		p, err := PlanPolicy(in)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := policy.Plan(p.Input())
		if err != nil {
			t.Fatalf("the component refuses the plan for %+v: %v", in, err)
		}
		if got.MinReplicas != p.MinReplicas || got.MaxReplicas != p.MaxReplicas || got.Target != p.Target ||
			!reflect.DeepEqual(got.ScaleUp, p.ScaleUp) || !reflect.DeepEqual(got.ScaleDown, p.ScaleDown) ||
			got.ServerReadySeconds != p.ServerReadySeconds || got.ScaleUpHeadroomPods != p.ScaleUpHeadroomPods {
			t.Errorf("the component changed the plan:\n got %+v\nplan %+v", got, p)
		}
		if !reflect.DeepEqual(SpecFromPolicy(got), p.HPASpec()) {
			t.Errorf("deployed spec %+v differs from the plan's %+v", SpecFromPolicy(got), p.HPASpec())
		}
	}
}

func TestPlanInputIsACopy(t *testing.T) {
	p, err := PlanPolicy(guideModel())
	if err != nil {
		t.Fatal(err)
	}
	in := p.Input()
	*in.ScaleUp.StabilizationWindowSeconds = 1
	in.ScaleUp.Policies[0].Value = 99
	if *p.ScaleUp.StabilizationWindowSeconds != 60 || p.ScaleUp.Policies[0].Value != 5 {
		t.Errorf("editing the input changed the plan: %+v", p.ScaleUp)
	}
}

func TestPlanRefusesBadInput(t *testing.T) {
	_, err := PlanPolicy(PlanInput{SaturationRPS: -1, SafetyMargin: 1, PeakRPS: 0, MinLoadRPS: 5,
		ServerReadySeconds: 0, ScaleUpHeadroomPods: 0, RampRPSPerSecond: -1, SpikeSeconds: -5})
	if err == nil {
		t.Fatal("no error")
	}
	var errs policy.Errors
	if !asErrors(err, &errs) {
		t.Fatalf("error %T is not policy.Errors underneath", err)
	}
	want := []string{policy.FieldSaturationRPS, policy.FieldPeakRPS, policy.FieldSafetyMargin, FieldMinLoadRPS,
		policy.FieldServerReady, policy.FieldHeadroom, FieldRampRate, FieldSpikeSeconds}
	if !reflect.DeepEqual(errs.Fields(), want) {
		t.Errorf("fields %v, want %v", errs.Fields(), want)
	}
	if !strings.HasPrefix(err.Error(), "planning a policy: ") {
		t.Errorf("error %q lacks context", err)
	}
}

func asErrors(err error, target *policy.Errors) bool { return errors.As(err, target) }
