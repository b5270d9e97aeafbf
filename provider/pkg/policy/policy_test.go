package policy

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

func ptr[T any](v T) *T { return &v }

// base is a valid input: target and max given, everything else defaulted.
func base() Input { return Input{TargetRPS: ptr(3.0), MaxReplicas: ptr(3)} }

func TestDefaults(t *testing.T) {
	p, derived, err := Plan(base())
	if err != nil {
		t.Fatal(err)
	}
	w60, w300 := 60, 300
	want := Policy{
		MinReplicas: 1, MaxReplicas: 3, Target: 3000, ServerReadySeconds: 90, ScaleUpHeadroomPods: 5,
		ScaleUp: Rules{
			StabilizationWindowSeconds: &w60,
			SelectPolicy:               "Max",
			Policies:                   []ScalingPolicy{{"Pods", 5, 90}},
		},
		ScaleDown: Rules{
			StabilizationWindowSeconds: &w300,
			SelectPolicy:               "Max",
			Policies:                   []ScalingPolicy{{"Percent", 100, 15}},
		},
		Timing: Timing{
			ScrapeInterval: 30 * time.Second,
			RelistInterval: time.Minute,
			RateWindow:     time.Minute,
		},
		ModelScaleUpLagSeconds: 105,
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got %+v\nwant %+v", p, want)
	}
	fields := map[string]bool{}
	for _, d := range derived {
		fields[d.Field] = true
	}
	for _, f := range []string{
		inputs.PathMinReplicas, inputs.FieldScrapeInterval, inputs.PathServerReady, inputs.PathHeadroom,
		inputs.PathScaleUp + ".stabilizationWindowSeconds", inputs.PathScaleUp + ".policies", inputs.PathScaleDown,
		inputs.PathModelLag,
	} {
		if !fields[f] {
			t.Errorf("derivation of %s not reported (got %v)", f, derived)
		}
	}
	if fields[inputs.PathTarget] || fields[inputs.PathMaxReplicas] {
		t.Errorf("user-set values reported as derived: %v", derived)
	}
}

func TestSizing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      Input
		target  MilliQuantity
		max     int
		derived []string
	}{
		{"guide formula", Input{Sizing: &Sizing{PeakRPS: ptr(100.0), SaturationRPS: ptr(10.0), SafetyMargin: ptr(0.2)}},
			8000, 13, []string{inputs.PathTarget, inputs.PathMaxReplicas}},
		{"default margin", Input{Sizing: &Sizing{PeakRPS: ptr(24.0), SaturationRPS: ptr(5.0)}},
			4000, 6, []string{inputs.PathSafetyMargin, inputs.PathTarget, inputs.PathMaxReplicas}},
		{"exact multiple needs no extra replica",
			Input{Sizing: &Sizing{PeakRPS: ptr(9.0), SaturationRPS: ptr(3.75), SafetyMargin: ptr(0.2)}},
			3000, 3, []string{inputs.PathTarget, inputs.PathMaxReplicas}},
		{"fractional target in milli units",
			Input{Sizing: &Sizing{PeakRPS: ptr(10.0), SaturationRPS: ptr(3.0), SafetyMargin: ptr(0.1)}},
			2700, 4, []string{inputs.PathTarget, inputs.PathMaxReplicas}},
		{"user target, max from peak", Input{TargetRPS: ptr(2.5), Sizing: &Sizing{PeakRPS: ptr(11.0)}},
			2500, 5, []string{inputs.PathMaxReplicas}},
		{"user max, target from saturation",
			Input{MaxReplicas: ptr(10), Sizing: &Sizing{PeakRPS: ptr(40.0), SaturationRPS: ptr(5.0)}},
			4000, 10, []string{inputs.PathTarget}},
		{"max raised to min", Input{MinReplicas: ptr(3), Sizing: &Sizing{PeakRPS: ptr(1.0), SaturationRPS: ptr(10.0)}},
			8000, 3, []string{inputs.PathMaxReplicas}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, derived, err := Plan(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if p.Target != tc.target || p.MaxReplicas != tc.max {
				t.Errorf("target %s max %d, want %s %d", p.Target, p.MaxReplicas, tc.target, tc.max)
			}
			got := map[string]bool{}
			for _, d := range derived {
				got[d.Field] = true
			}
			for _, f := range tc.derived {
				if !got[f] {
					t.Errorf("%s not reported as derived: %v", f, derived)
				}
			}
		})
	}
}

func TestQuantityString(t *testing.T) {
	for q, want := range map[MilliQuantity]string{3000: "3", 2500: "2500m", 1: "1m", 120000: "120"} {
		if got := q.String(); got != want {
			t.Errorf("%d: got %s want %s", q, got, want)
		}
	}
}

// guardCase is one refused input: how it breaks base, and the field its refusal names.
type guardCase struct {
	name  string
	mut   func(*Input)
	field string
}

// rules is scaling rules with these policies and nothing else.
func rules(pols ...ScalingPolicy) *Rules { return &Rules{Policies: pols} }

// guardCases are TestGuards' rows, one per guard.
var guardCases = []guardCase{
	{"target type Utilization", func(in *Input) { in.TargetType = "Utilization" }, inputs.PathTargetType},
	{"target type Value", func(in *Input) { in.TargetType = "Value" }, inputs.PathTargetType},
	{"min below 1", func(in *Input) { in.MinReplicas = ptr(0) }, inputs.PathMinReplicas},
	{"min above max", func(in *Input) { in.MinReplicas = ptr(4) }, inputs.PathMaxReplicas},
	{"zero target", func(in *Input) { in.TargetRPS = ptr(0.0) }, inputs.PathTarget},
	{"negative target", func(in *Input) { in.TargetRPS = ptr(-1.0) }, inputs.PathTarget},
	{"NaN target", func(in *Input) { in.TargetRPS = ptr(math.NaN()) }, inputs.PathTarget},
	{"infinite target", func(in *Input) { in.TargetRPS = ptr(math.Inf(1)) }, inputs.PathTarget},
	{"target below resolution", func(in *Input) { in.TargetRPS = ptr(0.0001) }, inputs.PathTarget},
	{"no target, no sizing", func(in *Input) { in.TargetRPS = nil }, inputs.PathTarget},
	{"no max, no sizing", func(in *Input) { in.MaxReplicas = nil }, inputs.PathMaxReplicas},
	{"peak beyond max × target", func(in *Input) { in.Sizing = &Sizing{PeakRPS: ptr(10.0)} }, inputs.PathPeakRPS},
	{"margin 1", func(in *Input) {
		in.Sizing = &Sizing{SaturationRPS: ptr(10.0), SafetyMargin: ptr(1.0)}
	}, inputs.PathSafetyMargin},
	{"margin negative", func(in *Input) {
		in.Sizing = &Sizing{SaturationRPS: ptr(10.0), SafetyMargin: ptr(-0.1)}
	}, inputs.PathSafetyMargin},
	{"saturation zero", func(in *Input) { in.Sizing = &Sizing{SaturationRPS: ptr(0.0)} }, inputs.PathSaturationRPS},
	{"peak negative", func(in *Input) { in.Sizing = &Sizing{PeakRPS: ptr(-5.0)} }, inputs.PathPeakRPS},
	{"target at saturation", func(in *Input) { in.Sizing = &Sizing{SaturationRPS: ptr(3.0)} }, inputs.PathTarget},
	{"relist below scrape", func(in *Input) {
		in.Timing = Timing{ScrapeInterval: time.Minute, RelistInterval: 30 * time.Second, RateWindow: 2 * time.Minute}
	}, inputs.FieldRelistInterval},
	{"window below two scrapes", func(in *Input) {
		in.Timing = Timing{ScrapeInterval: 30 * time.Second, RateWindow: 45 * time.Second}
	}, inputs.FieldRateWindow},
	{"sub-second relist", func(in *Input) {
		in.Timing = Timing{ScrapeInterval: time.Second, RelistInterval: 1500 * time.Millisecond, RateWindow: time.Minute}
	}, inputs.FieldRelistInterval},
	{"server ready 0", func(in *Input) { in.ServerReadySeconds = ptr(0) }, inputs.PathServerReady},
	{"server ready beyond period limit", func(in *Input) { in.ServerReadySeconds = ptr(1801) }, inputs.PathServerReady},
	{"headroom 0", func(in *Input) { in.ScaleUpHeadroomPods = ptr(0) }, inputs.PathHeadroom},
	{"scale-up period shorter than ready", func(in *Input) {
		in.ScaleUp = rules(ScalingPolicy{"Pods", 2, 30})
	}, inputs.PathScaleUp + ".policies[0].periodSeconds"},
	{"scale-up pods beyond headroom", func(in *Input) {
		in.ScaleUp = rules(ScalingPolicy{"Pods", 6, 90})
	}, inputs.PathScaleUp + ".policies[0].value"},
	{"percent scale-up without opt-in", func(in *Input) {
		in.ScaleUp = rules(ScalingPolicy{"Percent", 100, 90})
	}, inputs.PathScaleUp + ".policies[0].type"},
	{"scale-up disabled", func(in *Input) {
		in.ScaleUp = &Rules{SelectPolicy: "Disabled"}
	}, inputs.PathScaleUp + ".selectPolicy"},
	{"unknown select policy", func(in *Input) {
		in.ScaleDown = &Rules{SelectPolicy: "Fastest"}
	}, inputs.PathScaleDown + ".selectPolicy"},
	{"unknown policy type", func(in *Input) {
		in.ScaleDown = rules(ScalingPolicy{"Replicas", 1, 60})
	}, inputs.PathScaleDown + ".policies[0].type"},
	{"policy value 0", func(in *Input) {
		in.ScaleDown = rules(ScalingPolicy{"Pods", 0, 60})
	}, inputs.PathScaleDown + ".policies[0].value"},
	{"policy period beyond limit", func(in *Input) {
		in.ScaleDown = rules(ScalingPolicy{"Pods", 1, 1801})
	}, inputs.PathScaleDown + ".policies[0].periodSeconds"},
	{"window beyond limit", func(in *Input) {
		in.ScaleDown = &Rules{StabilizationWindowSeconds: ptr(3601)}
	}, inputs.PathScaleDown + ".stabilizationWindowSeconds"},
	{"negative window", func(in *Input) {
		in.ScaleUp = &Rules{StabilizationWindowSeconds: ptr(-1)}
	}, inputs.PathScaleUp + ".stabilizationWindowSeconds"},
	{"min load negative", func(in *Input) { in.Sizing = &Sizing{MinLoadRPS: ptr(-1.0)} }, inputs.PathMinLoadRPS},
	{"min load NaN", func(in *Input) { in.Sizing = &Sizing{MinLoadRPS: ptr(math.NaN())} }, inputs.PathMinLoadRPS},
	{"min load above peak", func(in *Input) {
		in.Sizing = &Sizing{PeakRPS: ptr(6.0), MinLoadRPS: ptr(7.0)}
	}, inputs.PathMinLoadRPS},
	{"ramp negative", func(in *Input) { in.Sizing = &Sizing{RampRPSPerSecond: ptr(-0.1)} }, inputs.PathRampRate},
	{"ramp infinite", func(in *Input) { in.Sizing = &Sizing{RampRPSPerSecond: ptr(math.Inf(1))} }, inputs.PathRampRate},
	{"spike negative", func(in *Input) { in.Sizing = &Sizing{SpikeSeconds: ptr(-1)} }, inputs.PathSpikeSeconds},
	{"spike beyond the window limit", func(in *Input) {
		in.Sizing = &Sizing{SpikeSeconds: ptr(3601)}
	}, inputs.PathSpikeSeconds},
	{"min beyond the replica bound", func(in *Input) {
		in.MinReplicas, in.MaxReplicas = ptr(inputs.MaxReplicasBound+1), ptr(inputs.MaxReplicasBound+1)
	}, inputs.PathMinReplicas},
	{"max beyond int32", func(in *Input) { in.MaxReplicas = ptr(math.MaxInt32 + 1) }, inputs.PathMaxReplicas},
	{"max beyond the replica bound", func(in *Input) { in.MaxReplicas = ptr(inputs.MaxReplicasBound + 1) },
		inputs.PathMaxReplicas},
	{"derived max beyond the replica bound", func(in *Input) {
		in.MaxReplicas, in.Sizing = nil, &Sizing{PeakRPS: ptr(1e15)}
	}, inputs.PathPeakRPS},
	{"derived min beyond the replica bound", func(in *Input) { in.Sizing = &Sizing{MinLoadRPS: ptr(1e12)} },
		inputs.PathMinLoadRPS},
	{"headroom beyond the replica bound", func(in *Input) { in.ScaleUpHeadroomPods = ptr(math.MaxInt32 + 1) },
		inputs.PathHeadroom},
	{"scale-down pods beyond the replica bound", func(in *Input) {
		in.ScaleDown = rules(ScalingPolicy{"Pods", inputs.MaxReplicasBound + 1, 60})
	}, inputs.PathScaleDown + ".policies[0].value"},
	{"scale-down percent beyond its bound", func(in *Input) {
		in.ScaleDown = rules(ScalingPolicy{"Percent", math.MaxInt32 + 1, 60})
	}, inputs.PathScaleDown + ".policies[0].value"},
	{"allowed percent scale-up beyond the headroom at maxReplicas", func(in *Input) {
		in.AllowPercentScaleUp, in.MaxReplicas = true, ptr(20)
		in.ScaleUp = rules(ScalingPolicy{"Percent", 50, 90})
	}, inputs.PathScaleUp + ".policies[0].value"},
	{"no target, sizing without saturation", func(in *Input) { in.TargetRPS, in.Sizing = nil, &Sizing{PeakRPS: ptr(9.0)} },
		inputs.PathTarget},
	{"safety margin 1", func(in *Input) { in.Sizing = &Sizing{SafetyMargin: ptr(1.0)} }, inputs.PathSafetyMargin},
	{"model lag negative", func(in *Input) { in.ModelScaleUpLagSeconds = ptr(-1) }, inputs.PathModelLag},
	{"model lag beyond the window limit", func(in *Input) { in.ModelScaleUpLagSeconds = ptr(3541) }, inputs.PathModelLag},
	{"model lag with a long shared window", func(in *Input) {
		in.ScaleUp = &Rules{StabilizationWindowSeconds: ptr(3000)}
		in.ModelScaleUpLagSeconds = ptr(601)
	}, inputs.PathModelLag},
}

// TestGuards: every refused input names its field. One row per guard.
func TestGuards(t *testing.T) {
	for _, tc := range guardCases {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			tc.mut(&in)
			_, _, err := Plan(in)
			var errs refusal.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("accepted; want a refusal naming %s", tc.field)
			}
			for _, e := range errs {
				if e.Field == tc.field {
					if e.Fix == "" {
						t.Errorf("%s refused without a fix", e.Field)
					}
					return
				}
			}
			t.Errorf("refused %v, want a refusal naming %s", errs.Fields(), tc.field)
		})
	}
}

// acceptedLimitCases are TestGuardsAcceptTheirLimits' rows: each input at the edge a guard allows.
var acceptedLimitCases = []struct {
	name string
	mut  func(*Input)
}{
	{"min 1", func(in *Input) { in.MinReplicas = ptr(1) }},
	{"max equal to min", func(in *Input) { in.MinReplicas = ptr(3) }},
	{"safety margin 0", func(in *Input) { in.Sizing = &Sizing{SafetyMargin: ptr(0.0)} }},
	{"spike at the window limit, no lag", func(in *Input) {
		in.Sizing, in.ModelScaleUpLagSeconds = &Sizing{SpikeSeconds: ptr(inputs.MaxWindowSeconds)}, ptr(0)
	}},
	{"target 0.001, the HPA's resolution", func(in *Input) { in.TargetRPS = ptr(0.001) }},
	{"peak exactly max × target", func(in *Input) { in.Sizing = &Sizing{PeakRPS: ptr(9.0)} }},
	{"peak at max × target within the tolerance", func(in *Input) {
		in.Sizing = &Sizing{PeakRPS: ptr(float64(3) * 3.0 * (1 + 1e-9))}
	}},
	{"derived max exactly the replica bound", func(in *Input) {
		in.MaxReplicas, in.Sizing = nil, &Sizing{PeakRPS: ptr(3.0 * inputs.MaxReplicasBound)}
	}},
	{"1s scrape, relist equal to it", func(in *Input) {
		in.Timing = Timing{ScrapeInterval: time.Second, RelistInterval: time.Second, RateWindow: 2 * time.Second}
	}},
	{"Server ready in 1 s", func(in *Input) { in.ServerReadySeconds = ptr(1) }},
	{"Server ready in 1800 s", func(in *Input) { in.ServerReadySeconds = ptr(inputs.MaxPeriodSeconds) }},
	{"headroom 1", func(in *Input) { in.ScaleUpHeadroomPods = ptr(1) }},
	{"headroom at the replica bound", func(in *Input) { in.ScaleUpHeadroomPods = ptr(inputs.MaxReplicasBound) }},
}

// TestGuardsAcceptTheirLimits: a guard refuses past its limit (TestGuards), never at it.
func TestGuardsAcceptTheirLimits(t *testing.T) {
	for _, tc := range acceptedLimitCases {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			tc.mut(&in)
			if _, _, err := Plan(in); err != nil {
				t.Errorf("refused at the limit: %v", err)
			}
		})
	}
}

// TestSpikeSizesTheWindowAtItsLimits: spikeSeconds 0 and the window limit are taken as the window.
func TestSpikeSizesTheWindowAtItsLimits(t *testing.T) {
	for _, spike := range []int{0, inputs.MaxWindowSeconds} {
		in := base()
		in.Sizing, in.ModelScaleUpLagSeconds = &Sizing{SpikeSeconds: ptr(spike)}, ptr(0)
		p, _, err := Plan(in)
		if err != nil || *p.ScaleUp.StabilizationWindowSeconds != spike {
			t.Errorf("spike %d: window %v, err %v; want the spike", spike, *p.ScaleUp.StabilizationWindowSeconds, err)
		}
	}
}

// TestFiguresInMessages: the figures a refusal or derivation quotes are the ones it computes.
func TestFiguresInMessages(t *testing.T) {
	in := base()
	in.Sizing = &Sizing{PeakRPS: ptr(10.0)}
	in.Timing = Timing{ScrapeInterval: time.Minute, RateWindow: time.Minute}
	_, _, err := Plan(in)
	for _, want := range []string{"maxReplicas 3 × target 3 RPS = 9 RPS", "fix: set it to 2m or more"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("refusal lacks %q: %v", want, err)
		}
	}
	in = base()
	in.TargetRPS, in.Sizing = nil, &Sizing{SaturationRPS: ptr(4.0), SafetyMargin: ptr(0.25)}
	_, derived, err := Plan(in)
	d := findDerivation(derived, inputs.PathTarget)
	if err != nil || d == nil || !strings.Contains(d.Reason, "keeps 1 RPS spare") {
		t.Errorf("target derivation %+v (err %v), want 1 RPS spare", d, err)
	}
	in = base()
	in.MaxReplicas, in.MinReplicas, in.Sizing = nil, ptr(3), &Sizing{PeakRPS: ptr(9.0)}
	_, derived, err = Plan(in)
	d = findDerivation(derived, inputs.PathMaxReplicas)
	if err != nil || d == nil || strings.Contains(d.Reason, "raised") {
		t.Errorf("max derivation %+v (err %v): ⌈9 / 3⌉ is minReplicas itself, not raised to it", d, err)
	}
	_, derived, _ = Plan(base())
	d = findDerivation(derived, inputs.PathScaleUp+".policies")
	if d == nil || !strings.Contains(d.Reason, "(no autoscaling.sizing.rampRpsPerSecond)") {
		t.Errorf("scale-up policy derivation %+v, want the headroom without a ramp", d)
	}
}

// TestModelLagFigures: the refusal of a lag past the window limit quotes the sum and the room left;
// a derived lag that exactly fills the limit is not cut, and warns of nothing.
func TestModelLagFigures(t *testing.T) {
	in := base()
	in.ScaleUp, in.ModelScaleUpLagSeconds = &Rules{StabilizationWindowSeconds: ptr(3000)}, ptr(601)
	_, _, err := Plan(in)
	for _, want := range []string{"would be 3601 s (shared window 3000 s + lag 601 s)", "fix: set it to 600 or less"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("refusal lacks %q: %v", want, err)
		}
	}
	lag := PlannedModelScaleUpLag(inputs.DefaultServerReadySeconds, AllOrNothing)
	in = base()
	in.ScaleUp = &Rules{StabilizationWindowSeconds: ptr(inputs.MaxWindowSeconds - lag)}
	p, derived, err := Plan(in)
	if err != nil || p.ModelScaleUpLagSeconds != lag || len(Warnings(derived)) > 0 {
		t.Errorf("lag %d, warnings %q, err %v; want %d, none", p.ModelScaleUpLagSeconds, Warnings(derived), err, lag)
	}
}

// TestScaleDownWindow: a scale-down window given is kept; rules without one get Kubernetes' default.
func TestScaleDownWindow(t *testing.T) {
	def := *DefaultScaleDownRules().StabilizationWindowSeconds
	for _, tc := range []struct {
		window *int
		want   int
	}{{ptr(60), 60}, {nil, def}} {
		in := base()
		in.ScaleDown = &Rules{StabilizationWindowSeconds: tc.window}
		p, _, err := Plan(in)
		if err != nil || p.ScaleDown.StabilizationWindowSeconds == nil || *p.ScaleDown.StabilizationWindowSeconds != tc.want {
			t.Errorf("window %v: got %v (err %v), want %d", tc.window, p.ScaleDown.StabilizationWindowSeconds, err, tc.want)
		}
	}
}

// TestPeriodZeroRefusedOnce: a scale-up period of 0 is refused once, by the Kubernetes rules, not
// again as shorter than serverReadySeconds.
func TestPeriodZeroRefusedOnce(t *testing.T) {
	in := base()
	in.ScaleUp = rules(ScalingPolicy{PolicyPods, 1, 0})
	_, _, err := Plan(in)
	var errs refusal.Errors
	errors.As(err, &errs)
	if f := errs.Fields(); len(f) != 1 || f[0] != inputs.PathScaleUp+".policies[0].periodSeconds" {
		t.Errorf("refused %v, want the period once", f)
	}
}

func TestAcceptedOverrides(t *testing.T) {
	in := base()
	in.AllowPercentScaleUp = true
	in.ScaleUp = &Rules{Policies: []ScalingPolicy{{"Percent", 50, 120}, {"Pods", 5, 90}}, SelectPolicy: "Min"}
	in.ScaleDown = &Rules{SelectPolicy: "Disabled"}
	p, derived, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.ScaleUp.Policies) != 2 || p.ScaleUp.SelectPolicy != "Min" || *p.ScaleUp.StabilizationWindowSeconds != 60 {
		t.Errorf("scale-up %+v", p.ScaleUp)
	}
	if p.ScaleDown.SelectPolicy != "Disabled" || len(p.ScaleDown.Policies) != 1 {
		t.Errorf("scale-down %+v", p.ScaleDown)
	}
	found := false
	for _, d := range derived {
		found = found || d.Field == inputs.PathScaleUp+".stabilizationWindowSeconds"
	}
	if !found {
		t.Errorf("derived window not reported: %v", derived)
	}
}

// TestPercentScaleUpWithinHeadroom: an allowed Percent scale-up policy may add at most
// scaleUpHeadroomPods at maxReplicas; the fix names the largest value that does, or Pods when
// none does.
func TestPercentScaleUpWithinHeadroom(t *testing.T) {
	for _, tc := range []struct {
		name          string
		value, max, h int
		fix           string // "" when accepted
	}{
		{"25% of 20 is 5, the headroom", 25, 20, 5, ""},
		{"26% of 20 rounds up to 6", 26, 20, 5, "set it to 25 or less"},
		{"100% of 3 is 3", 100, 3, 5, ""},
		{"1% of 10000 is 100", 1, inputs.MaxReplicasBound, 5, "use a Pods policy of at most 5 pods"},
		{"200% of 4 is 8", 200, 4, 5, "set it to 125 or less"},
		{"200% of 1 is 2", 200, 1, 1, "set it to 100 or less"},
		{"10% of 20 rounds up to 2", 10, 20, 1, "set it to 5 or less"},
		{"10000%, the most a policy takes, of 3 is 300", inputs.MaxPercentValue, 3, 5, "set it to 166 or less"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			in.AllowPercentScaleUp, in.MaxReplicas, in.ScaleUpHeadroomPods = true, ptr(tc.max), ptr(tc.h)
			in.ScaleUp = &Rules{Policies: []ScalingPolicy{{PolicyPercent, tc.value, 90}}}
			_, _, err := Plan(in)
			var errs refusal.Errors
			errors.As(err, &errs)
			switch {
			case tc.fix == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.fix != "" && (len(errs) != 1 || errs[0].Field != inputs.PathScaleUp+".policies[0].value" ||
				!strings.HasPrefix(errs[0].Fix, tc.fix)):
				t.Errorf("want one refusal of the value with fix %q, got %v", tc.fix, err)
			}
		})
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	_, _, err := Plan(
		Input{
			MinReplicas: ptr(0),
			TargetType:  "Value",
			Timing:      Timing{ScrapeInterval: time.Minute, RelistInterval: time.Second},
		},
	)
	var errs refusal.Errors
	if !errors.As(err, &errs) || len(errs) < 4 {
		t.Fatalf("want at least 4 problems, got %v", err)
	}
}

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "30s", time.Minute: "1m", 90 * time.Second: "1m30s", 2 * time.Hour: "2h",
		1500 * time.Millisecond: "1.5s",
	} {
		if got := duration(d); got != want {
			t.Errorf("%v: got %q want %q", d, got, want)
		}
	}
}
