package policy

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
)

// guideSizing is the guide's irisa0: 3 RPS per replica (saturation 3.75 with a 20% margin),
// Server pods ready within 90 s, 5 at a time.
func guideSizing() Input {
	return Input{
		Sizing: &Sizing{SaturationRPS: ptr(3.75), SafetyMargin: ptr(0.2), PeakRPS: ptr(9.0), MinLoadRPS: ptr(1.0),
			RampRPSPerSecond: ptr(0.2), SpikeSeconds: ptr(60)},
		ServerReadySeconds: ptr(90), ScaleUpHeadroomPods: ptr(5),
	}
}

// plannerGuideCase is one of the guide's worked examples: the edit of guideSizing it makes, and
// the plan, warnings and reason the planner must give.
type plannerGuideCase struct {
	name       string
	edit       func(*Input)
	min, max   int
	target     MilliQuantity
	upPods     int
	upWindow   int
	lag        int
	warnings   []string // substrings, one per expected warning, in order
	reasonHave string
}

// plannerGuideCases are TestPlannerGuideExamples' examples.
var plannerGuideCases = []plannerGuideCase{
	{
		// irisa0-hpa.yaml: averageValue 3, minReplicas 1, maxReplicas 3; hpa-custom-policy.yaml:
		// Pods 5 per 90 s with a 60 s window. A 0.2 RPS/s ramp needs ⌈0.2 × 90 / 3⌉ = 6 > 5.
		name: "guide's manifests", edit: func(*Input) {},
		min: 1, max: 3, target: 3000, upPods: 5, upWindow: 60, lag: 105,
		warnings:   []string{"needs 6 new replicas every 90 s but the cluster can start 5", "fewer than 48 replicas"},
		reasonHave: "min(scaleUpHeadroomPods 5, ⌈ramp 0.2 RPS/s × 90 s / target 3⌉ = 6)",
	},
	{
		// The pathological case: 2 → 8 → 12 replicas while load keeps rising (36 RPS at the end).
		name: "guide's pathological ramp", edit: func(in *Input) {
			in.Sizing.PeakRPS, in.Sizing.MinLoadRPS, in.Sizing.RampRPSPerSecond = ptr(36.0), ptr(6.0), ptr(0.25)
		},
		min: 2, max: 12, target: 3000, upPods: 5, upWindow: 60, lag: 105,
		warnings: []string{"needs 8 new replicas every 90 s but the cluster can start 5", "fewer than 60 replicas"},
	},
	{
		// A blue-green drain moving 30 RPS over 10 minutes: 0.05 RPS/s needs ⌈1.5⌉ = 2 per 90 s.
		name: "blue-green drain", edit: func(in *Input) {
			in.Sizing.PeakRPS, in.Sizing.RampRPSPerSecond, in.Sizing.SpikeSeconds = ptr(30.0), ptr(0.05), ptr(0)
		},
		min: 1, max: 10, target: 3000, upPods: 2, upWindow: 0, lag: 105,
		warnings: []string{"fewer than 8 replicas"},
	},
	{
		name: "no ramp known: the cluster's headroom", edit: func(in *Input) { in.Sizing.RampRPSPerSecond = ptr(0.0) },
		min: 1, max: 3, target: 3000, upPods: 5, upWindow: 60, lag: 105,
		reasonHave: "scaleUpHeadroomPods 5 (no autoscaling.sizing.rampRpsPerSecond)",
	},
	{
		// The policy package's sizing example: saturation 10, margin 0.2, peak 100 → 8, 13.
		name: "sizing formula", edit: func(in *Input) {
			in.Sizing.SaturationRPS, in.Sizing.PeakRPS = ptr(10.0), ptr(100.0)
			in.Sizing.MinLoadRPS, in.Sizing.RampRPSPerSecond = ptr(20.0), nil
		},
		min: 3, max: 13, target: 8000, upPods: 5, upWindow: 60, lag: 105,
	},
	{
		name: "none of the new inputs: today's defaults", edit: func(in *Input) {
			in.Sizing.MinLoadRPS, in.Sizing.RampRPSPerSecond, in.Sizing.SpikeSeconds = nil, nil, nil
		},
		min: 1, max: 3, target: 3000, upPods: 5, upWindow: 60, lag: 105,
		reasonHave: "the guide's window",
	},
	{
		name: "slow Server pods: a longer lag", edit: func(in *Input) {
			in.ServerReadySeconds = ptr(300)
			in.Sizing.RampRPSPerSecond = nil
		},
		min: 1, max: 3, target: 3000, upPods: 5, upWindow: 60, lag: 315,
	},
	{
		name: "lag 0: identical HPAs", edit: func(in *Input) {
			in.ModelScaleUpLagSeconds = ptr(0)
			in.Sizing.RampRPSPerSecond = nil
		},
		min: 1, max: 3, target: 3000, upPods: 5, upWindow: 60, lag: 0,
	},
	{
		name: "derived lag cut to Kubernetes' limit", edit: func(in *Input) {
			in.Sizing.SpikeSeconds = ptr(3550)
			in.Sizing.RampRPSPerSecond = nil
		},
		min: 1, max: 3, target: 3000, upPods: 5, upWindow: 3550, lag: 50,
		warnings:   []string{"leaves room for a Model lag of only 50 s"},
		reasonHave: "cut to 50 s",
	},
}

// TestPlannerGuideExamples: the planner's answers on the guide's worked examples, each with the
// reasons and warnings it gives.
func TestPlannerGuideExamples(t *testing.T) {
	for _, tc := range plannerGuideCases {
		t.Run(tc.name, func(t *testing.T) {
			in := guideSizing()
			tc.edit(&in)
			p, derived, err := Plan(in)
			if err != nil {
				t.Fatal(err)
			}
			checkGuidePlan(t, tc, in, p)
			checkGuideDerivations(t, tc, in, derived)
		})
	}
}

// checkGuidePlan: the replicas, target, behaviour and Model lag of the plan are the example's.
func checkGuidePlan(t *testing.T, tc plannerGuideCase, in Input, p Policy) {
	if p.MinReplicas != tc.min || p.MaxReplicas != tc.max || p.Target != tc.target {
		t.Errorf(
			"min %d max %d target %s, want %d %d %s",
			p.MinReplicas,
			p.MaxReplicas,
			p.Target,
			tc.min,
			tc.max,
			tc.target,
		)
	}
	wantUp := Rules{StabilizationWindowSeconds: ptr(tc.upWindow), SelectPolicy: SelectMax,
		Policies: []ScalingPolicy{{PolicyPods, tc.upPods, *in.ServerReadySeconds}}}
	if !reflect.DeepEqual(p.ScaleUp, wantUp) {
		t.Errorf("scaleUp %+v, want %+v", p.ScaleUp, wantUp)
	}
	wantDown := Rules{
		StabilizationWindowSeconds: ptr(300),
		SelectPolicy:               SelectMax,
		Policies:                   []ScalingPolicy{{PolicyPercent, 100, 15}},
	}
	if !reflect.DeepEqual(p.ScaleDown, wantDown) {
		t.Errorf("scaleDown %+v, want Kubernetes' default", p.ScaleDown)
	}
	if p.ModelScaleUpLagSeconds != tc.lag {
		t.Errorf("model lag %d, want %d", p.ModelScaleUpLagSeconds, tc.lag)
	}
	if got := *p.HPAs().Model.ScaleUp.StabilizationWindowSeconds; got != tc.upWindow+tc.lag {
		t.Errorf("model window %d, want %d", got, tc.upWindow+tc.lag)
	}
}

// checkGuideDerivations: the plan's warnings are the example's, and a reason backs every field.
func checkGuideDerivations(t *testing.T, tc plannerGuideCase, in Input, derived []Derivation) {
	warnings := Warnings(derived)
	if len(warnings) != len(tc.warnings) {
		t.Errorf("warnings %q, want %d", warnings, len(tc.warnings))
	}
	for i, w := range tc.warnings {
		if i < len(warnings) && !strings.Contains(warnings[i], w) {
			t.Errorf("warning %q lacks %q", warnings[i], w)
		}
	}
	text := make([]string, len(derived))
	for i, d := range derived {
		text[i] = d.String()
		if d.Warning && !strings.HasPrefix(d.String(), "warning: ") {
			t.Errorf("warning %q lacks its prefix", d)
		}
	}
	if tc.reasonHave != "" && !strings.Contains(strings.Join(text, "\n"), tc.reasonHave) {
		t.Errorf("no derivation mentions %q:\n%s", tc.reasonHave, strings.Join(text, "\n"))
	}
	fields := map[string]bool{}
	for _, d := range derived {
		fields[d.Field] = !d.Warning || fields[d.Field]
	}
	for _, f := range []string{
		inputs.PathTarget, inputs.PathMaxReplicas,
		inputs.PathScaleUp + ".policies", inputs.PathScaleUp + ".stabilizationWindowSeconds",
		inputs.PathScaleDown,
	} {
		if !fields[f] {
			t.Errorf("no reason for %s", f)
		}
	}
	if in.ModelScaleUpLagSeconds == nil && !fields[inputs.PathModelLag] {
		t.Errorf("derived lag not reported")
	}
}

func TestPlannerFormulas(t *testing.T) {
	if got := MilliQuantity(PlannedTarget(3.75, 0.2) * 1000); got != 3000 {
		t.Errorf("target %s, want 3", got)
	}
	for _, tc := range []struct {
		peak, minLoad float64
		max, min      int
	}{{36, 3, 12, 1}, {36, 6, 12, 2}, {9, 1, 3, 1}, {9.001, 0, 4, 1}, {0.5, 0, 1, 1}} {
		if got := PlannedMaxReplicas(tc.peak, 3000); got != tc.max {
			t.Errorf("max for peak %v: %d, want %d", tc.peak, got, tc.max)
		}
		if got := PlannedMinReplicas(tc.minLoad, 3000); got != tc.min {
			t.Errorf("min for load %v: %d, want %d", tc.minLoad, got, tc.min)
		}
	}
	for _, tc := range []struct {
		ramp float64
		want int
	}{{0, 5}, {0.25, 5}, {0.05, 2}, {0.001, 1}} {
		if got := PlannedScaleUpPods(5, 90, tc.ramp, 3000); got != tc.want {
			t.Errorf("pods for ramp %v: %d, want %d", tc.ramp, got, tc.want)
		}
	}
	if got := PlannedModelScaleUpLag(90, AllOrNothing); got != 105 {
		t.Errorf("all-or-nothing lag %d, want 105", got)
	}
	if got := PlannedModelScaleUpLag(90, Partial); got != 0 {
		t.Errorf("partial-scheduling lag %d, want 0", got)
	}
	if got := ReactionSeconds(45, 90, 105); got != 165 {
		t.Errorf("reaction %d, want 165", got)
	}
}

// TestHPAs: the two HPAs differ only in the Model's scale-up window, by the lag, and are copies.
func TestHPAs(t *testing.T) {
	p, _, err := Plan(base())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		lag     int
		modelUp int
	}{
		{"derived lag", p.ModelScaleUpLagSeconds, 60 + p.ModelScaleUpLagSeconds},
		{"lag 0: identical", 0, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := p
			p.ModelScaleUpLagSeconds = tc.lag
			pair := p.HPAs()
			if !reflect.DeepEqual(pair.Server, HPABehavior{ScaleUp: p.ScaleUp, ScaleDown: p.ScaleDown}) {
				t.Errorf("server %+v, want the policy's rules", pair.Server)
			}
			model := pair.Model
			if got := *model.ScaleUp.StabilizationWindowSeconds; got != tc.modelUp {
				t.Errorf("model scale-up window %d, want %d", got, tc.modelUp)
			}
			model.ScaleUp.StabilizationWindowSeconds = p.ScaleUp.StabilizationWindowSeconds
			if !reflect.DeepEqual(model, pair.Server) {
				t.Errorf("model %+v differs from server %+v beyond the window", model, pair.Server)
			}
			for _, b := range []HPABehavior{pair.Model, pair.Server} {
				*b.ScaleUp.StabilizationWindowSeconds = 1
				b.ScaleUp.Policies[0].Value = 99
				*b.ScaleDown.StabilizationWindowSeconds = 1
			}
			if *p.ScaleUp.StabilizationWindowSeconds != 60 || p.ScaleUp.Policies[0].Value != 5 ||
				*p.ScaleDown.StabilizationWindowSeconds != 300 {
				t.Errorf("editing the HPAs changed the policy: %+v %+v", p.ScaleUp, p.ScaleDown)
			}
		})
	}
}

func TestWindowLongerBy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		window  *int
		seconds int
		want    *int
	}{
		{"set window", ptr(60), 105, ptr(165)},
		{"set window, 0", ptr(60), 0, ptr(60)},
		{"unset window counts as 0", nil, 30, ptr(30)},
		{"unset window, 0 stays unset", nil, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Rules{StabilizationWindowSeconds: tc.window, Policies: []ScalingPolicy{{PolicyPods, 1, 60}}}
			got := r.WindowLongerBy(tc.seconds)
			if !reflect.DeepEqual(got.StabilizationWindowSeconds, tc.want) || !reflect.DeepEqual(got.Policies, r.Policies) {
				t.Errorf("got %+v, want window %v", got, tc.want)
			}
			if tc.window != nil && got.StabilizationWindowSeconds == tc.window {
				t.Error("the copy shares its window with the original")
			}
		})
	}
}

func TestUserValuesWinOverSizing(t *testing.T) {
	in := guideSizing()
	in.MinReplicas = ptr(2)
	in.ScaleUp = &Rules{StabilizationWindowSeconds: ptr(30), Policies: []ScalingPolicy{{PolicyPods, 1, 120}}}
	p, derived, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	if p.MinReplicas != 2 || *p.ScaleUp.StabilizationWindowSeconds != 30 || p.ScaleUp.Policies[0].Value != 1 {
		t.Errorf("user values overridden: %+v", p)
	}
	for _, d := range derived {
		if !d.Warning && (d.Field == inputs.PathMinReplicas || strings.HasPrefix(d.Field, inputs.PathScaleUp)) {
			t.Errorf("user-set %s reported as derived", d.Field)
		}
	}
}

// rampEdgeCases are TestRampWarningsAtTheirEdges' rows: ramps at and just past what the policy follows.
var rampEdgeCases = []struct {
	name          string
	ramp          float64
	headroom      int
	minBelowNeed  int    // minReplicas is the replicas the ramp saturates from, less this
	wantBehind    string // "" when the cluster starts replicas fast enough
	wantSaturates bool
}{
	{"5 replicas per period, headroom 5; minReplicas the replicas needed", 0.5, 5, 0, "", false},
	{"6 replicas per period, headroom 5", 0.6, 5, 0, "fall behind by about 3 RPS each period", false},
	{"minReplicas one below the replicas needed", 0.5, 5, 1, "", true},
}

// TestRampWarningsAtTheirEdges: the ramp warnings come past their edge, not at it, quoting their figures.
// Target 3, saturation 4 (1 RPS spare), Server ready in 30 s: a ramp r needs ⌈10 r⌉ replicas per period.
func TestRampWarningsAtTheirEdges(t *testing.T) {
	for _, tc := range rampEdgeCases {
		t.Run(tc.name, func(t *testing.T) {
			need := int(math.Ceil(tc.ramp*float64(ReactionSeconds(0, 30, 0)) - 1e-9))
			in := Input{TargetRPS: ptr(3.0), MaxReplicas: ptr(100), MinReplicas: ptr(need - tc.minBelowNeed),
				ServerReadySeconds: ptr(30), ScaleUpHeadroomPods: ptr(tc.headroom), ModelScaleUpLagSeconds: ptr(0),
				Sizing: &Sizing{SaturationRPS: ptr(4.0), RampRPSPerSecond: ptr(tc.ramp), SpikeSeconds: ptr(0)}}
			_, derived, err := Plan(in)
			if err != nil {
				t.Fatal(err)
			}
			var behind, saturates bool
			for _, w := range Warnings(derived) {
				behind = behind || strings.Contains(w, "fall behind")
				saturates = saturates || strings.Contains(w, "saturates them first")
				if tc.wantBehind != "" && strings.Contains(w, "fall behind") && !strings.Contains(w, tc.wantBehind) {
					t.Errorf("warning %q lacks %q", w, tc.wantBehind)
				}
			}
			if behind != (tc.wantBehind != "") || saturates != tc.wantSaturates {
				t.Errorf("warnings %q: want falling behind %v, saturating %v", Warnings(derived),
					tc.wantBehind != "", tc.wantSaturates)
			}
		})
	}
}
