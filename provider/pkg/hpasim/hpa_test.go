package hpasim

import (
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

func ptr[T any](v T) *T { return &v }

func pods(v, period int) policy.ScalingPolicy {
	return policy.ScalingPolicy{Type: policy.PolicyPods, Value: v, PeriodSeconds: period}
}

func percent(v, period int) policy.ScalingPolicy {
	return policy.ScalingPolicy{Type: policy.PolicyPercent, Value: v, PeriodSeconds: period}
}

func rules(window int, sel string, ps ...policy.ScalingPolicy) *policy.Rules {
	return &policy.Rules{StabilizationWindowSeconds: &window, SelectPolicy: sel, Policies: ps}
}

// unlimitedDown scales down at once, so scale-up cases are not held by the scale-down window.
func unlimitedDown() *policy.Rules { return rules(0, policy.SelectMax, percent(100, 15)) }

func newTestController(t *testing.T, spec HPASpec) *Controller {
	t.Helper()
	c, err := NewController(spec)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// step is one sync: at now, with spec (= status) replicas, the metric reads usage RPS; want is the
// replica count the HPA writes.
type step struct {
	now, spec int
	usage     float64
	want      int
}

// runSteps feeds the syncs in order, each starting from the replicas given (a test may move them
// as the previous sync left them or not).
func runSteps(t *testing.T, c *Controller, steps []step) {
	t.Helper()
	for _, s := range steps {
		d := c.Reconcile(
			Observation{Now: s.now, SpecReplicas: s.spec, StatusReplicas: s.spec, Usage: milliQuantityFromRPS(s.usage)},
		)
		if d.Desired != s.want {
			t.Fatalf("t=%d from %d replicas at %v RPS: desired %d (proposed %d, stabilized %d, limit %q), want %d",
				s.now, s.spec, s.usage, d.Desired, d.Proposed, d.Stabilized, d.Limit, s.want)
		}
	}
}

func TestObjectAverageValueReplicas(t *testing.T) {
	def := tolerances{policy.HPATolerance, policy.HPATolerance}
	for _, tc := range []struct {
		name      string
		status    int
		usage     int64 // milli-RPS
		tolerance tolerances
		want      int
	}{
		{"on target", 4, 12000, def, 4},
		{"top of the band holds", 4, 13200, def, 4},           // ratio 1.1
		{"just above the band moves", 4, 13201, def, 5},       // ⌈4.4003⌉
		{"bottom of the band holds", 4, 10800, def, 4},        // ratio 0.9
		{"below the band, ceiling still 4", 4, 10799, def, 4}, // ⌈3.5997⌉
		{"well below", 4, 9000, def, 3},                       // ratio 0.75
		{"answer ignores current count", 2, 36000, def, 12},   // ScheduleFailed Model on 2 replicas
		{"wider band holds", 4, 14000, tolerances{0.2, 0.2}, 4},
		{"no scale-up band moves at once", 11, 34000, tolerances{0, 0.1}, 12}, // ratio 1.03
		{"scale-down band is separate", 4, 9000, tolerances{0, 0.3}, 4},       // ratio 0.75
		{"status 0 and no load asks for 0", 0, 0, def, 0},                     // 0/0: out of band
		{"status 0 under load asks for the load", 0, 7000, def, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := objectAverageValueReplicas(tc.status, tc.usage, 3000, tc.tolerance); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}

func TestToleranceBandInController(t *testing.T) {
	c := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 10, Target: 3000,
		Behavior: &Behavior{ScaleUp: rules(0, "", pods(10, 15)), ScaleDown: unlimitedDown()}})
	runSteps(t, c, []step{
		{0, 4, 13.2, 4},  // ratio 1.1: inside the band
		{15, 4, 13.5, 5}, // ratio 1.125: ⌈4.5⌉
		{30, 5, 13.5, 5}, // ratio 0.9 at 5 replicas: inside
		{45, 5, 12, 4},   // ratio 0.8: ⌈4⌉, and the scale-down window is 0
	})
}

func TestScaleUpPodsPolicy(t *testing.T) {
	// The guide's policy without its window: at most 5 Pods per 90 s, counted over a sliding
	// period, so the budget comes back exactly 90 s after it was spent.
	c := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 20, Target: 3000,
		Behavior: &Behavior{ScaleUp: rules(0, "", pods(5, 90)), ScaleDown: unlimitedDown()}})
	runSteps(t, c, []step{
		{0, 2, 60, 7},   // 2 + 5
		{15, 7, 60, 7},  // period start 7 − 5 = 2: still 7
		{75, 7, 60, 7},  // the event at 0 is inside (−15, 75]
		{90, 7, 60, 12}, // the event at 0 is exactly one period old and no longer counts
		{105, 12, 60, 12},
		{180, 12, 60, 17},
	})
}

func TestScaleUpPodsPolicySpentGradually(t *testing.T) {
	// Small steps spend the same budget: the limit is over the period, not per step.
	c := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 20, Target: 3000,
		Behavior: &Behavior{ScaleUp: rules(0, "", pods(5, 90)), ScaleDown: unlimitedDown()}})
	runSteps(t, c, []step{
		{0, 2, 12, 4},  // +2
		{15, 4, 18, 6}, // +2
		{30, 6, 60, 7}, // +1: the period's 5 are spent
		{45, 7, 60, 7},
		{90, 7, 60, 9},   // the +2 at 0 aged out: start 7 − 3 = 4, limit 9
		{105, 9, 60, 11}, // the +2 at 15 aged out: start 9 − 3 = 6, limit 11
		{120, 11, 60, 12},
	})
}

func TestScaleUpPercentPolicy(t *testing.T) {
	c := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 30, Target: 3000,
		Behavior: &Behavior{ScaleUp: rules(0, "", percent(50, 60)), ScaleDown: unlimitedDown()}})
	runSteps(t, c, []step{
		{0, 4, 60, 6},  // ⌈4 × 1.5⌉
		{30, 6, 60, 6}, // period start 6 − 2 = 4
		{60, 6, 60, 9}, // ⌈6 × 1.5⌉
		{75, 9, 60, 9},
		{120, 9, 60, 14}, // ⌈9 × 1.5⌉ = ⌈13.5⌉: rounded up
		{180, 14, 60, 20},
	})
	// Rounding up lets a single replica grow even by a small percentage.
	c = newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 30, Target: 3000,
		Behavior: &Behavior{ScaleUp: rules(0, "", percent(10, 15)), ScaleDown: unlimitedDown()}})
	runSteps(t, c, []step{{0, 1, 60, 2}})
}

func TestSelectPolicy(t *testing.T) {
	for _, tc := range []struct {
		sel           string
		from, usage   int
		want          int
		wantLimitName string
	}{
		{policy.SelectMax, 2, 60, 6, "ScaleUpLimit"},   // max(2+4, 2×2)
		{policy.SelectMin, 2, 60, 4, "ScaleUpLimit"},   // min(2×2, 2+4)
		{policy.SelectMax, 10, 90, 20, "ScaleUpLimit"}, // max(14, 20)
		{policy.SelectMin, 10, 90, 14, "ScaleUpLimit"}, // min(14, 20)
		{policy.SelectDisabled, 2, 60, 2, "ScaleUpLimit"},
	} {
		t.Run(tc.sel, func(t *testing.T) {
			c := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 50, Target: 3000,
				Behavior: &Behavior{ScaleUp: rules(0, tc.sel, pods(4, 15), percent(100, 15))}})
			d := c.Reconcile(
				Observation{Now: 0, SpecReplicas: tc.from, StatusReplicas: tc.from, Usage: policy.MilliQuantity(tc.usage * 1000)},
			)
			if d.Desired != tc.want || d.Limit != tc.wantLimitName {
				t.Errorf("from %d: desired %d (%s), want %d (%s)", tc.from, d.Desired, d.Limit, tc.want, tc.wantLimitName)
			}
		})
	}
}

func TestSelectPolicyScaleDown(t *testing.T) {
	for _, tc := range []struct {
		sel  string
		want int
	}{
		{policy.SelectMax, 5}, // the biggest change: min(10−5, 10×0.8)
		{policy.SelectMin, 8}, // the smallest change: max(5, 8)
		{policy.SelectDisabled, 10},
	} {
		t.Run(tc.sel, func(t *testing.T) {
			c := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 50, Target: 3000,
				Behavior: &Behavior{ScaleDown: rules(0, tc.sel, pods(5, 60), percent(20, 60))}})
			d := c.Reconcile(Observation{Now: 0, SpecReplicas: 10, StatusReplicas: 10, Usage: 3000})
			if d.Desired != tc.want {
				t.Errorf("desired %d, want %d", d.Desired, tc.want)
			}
		})
	}
}

func TestScaleUpStabilizationWindow(t *testing.T) {
	spec := HPASpec{MinReplicas: 1, MaxReplicas: 20, Target: 3000,
		Behavior: &Behavior{ScaleUp: rules(60, "", pods(100, 15)), ScaleDown: unlimitedDown()}}
	t.Run("sustained rise waits for the window", func(t *testing.T) {
		// The HPA first records the current count (2 at t=0); only when every recommendation in
		// (now − 60, now] asks for 5 does it scale.
		runSteps(t, newTestController(t, spec), []step{
			{0, 2, 15, 2}, {15, 2, 15, 2}, {30, 2, 15, 2}, {45, 2, 15, 2},
			{60, 2, 15, 5}, // the recommendations at 0 are exactly 60 s old: out
		})
	})
	t.Run("spike shorter than the window is absorbed", func(t *testing.T) {
		runSteps(t, newTestController(t, spec), []step{
			{0, 2, 6, 2}, {15, 2, 15, 2}, {30, 2, 15, 2}, {45, 2, 6, 2}, {60, 2, 6, 2}, {75, 2, 6, 2},
		})
	})
	t.Run("the lowest recommendation in the window wins", func(t *testing.T) {
		runSteps(t, newTestController(t, spec), []step{
			{0, 2, 6, 2}, {15, 2, 30, 2}, {30, 2, 15, 2}, {45, 2, 24, 2},
			{75, 2, 24, 5}, // window (15, 75]: 5, 8, 8 → 5
			{90, 5, 24, 8}, // window (30, 90]: 8, 8, 8
		})
	})
}

func TestScaleDownStabilizationWindow(t *testing.T) {
	t.Run("default window holds the highest recommendation for 300 s", func(t *testing.T) {
		c := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 20, Target: 3000, Behavior: &Behavior{}})
		runSteps(t, c, []step{
			{0, 6, 6, 6}, // the initial record (6 at t=0) is in the window
			{15, 6, 6, 6}, {150, 6, 6, 6}, {285, 6, 6, 6},
			{300, 6, 6, 2}, // everything from t=0 is exactly 300 s old
		})
	})
	t.Run("a peak inside the window holds", func(t *testing.T) {
		c := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 20, Target: 3000,
			Behavior: &Behavior{ScaleDown: rules(60, "", percent(100, 15))}})
		runSteps(t, c, []step{
			{0, 6, 18, 6}, {15, 6, 9, 6}, {30, 6, 9, 6}, {45, 6, 9, 6},
			{60, 6, 9, 3}, // window (0, 60]: 3, 3, 3, 3
		})
	})
	t.Run("Pods policy paces the way down", func(t *testing.T) {
		c := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 20, Target: 3000,
			Behavior: &Behavior{ScaleDown: rules(0, "", pods(1, 60))}})
		runSteps(t, c, []step{{0, 6, 6, 5}, {15, 5, 6, 5}, {60, 5, 6, 4}, {120, 4, 6, 3}, {180, 3, 6, 2}, {240, 2, 6, 2}})
	})
	t.Run("percent down truncates", func(t *testing.T) {
		c := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 20, Target: 3000,
			Behavior: &Behavior{ScaleDown: rules(0, "", percent(30, 60))}})
		runSteps(t, c, []step{{0, 5, 3, 3}}) // int(5 × 0.7) = 3
	})
}

func TestScaleDownCountsAgainstScaleUpPeriod(t *testing.T) {
	// Both event histories rebuild a period's start: after going 8 → 6 at t=0, scaling up at t=15
	// under Pods 1 per 60 s starts from 8, so 9 is allowed.
	c := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 20, Target: 3000,
		Behavior: &Behavior{ScaleUp: rules(0, "", pods(1, 60)), ScaleDown: rules(0, "", pods(2, 15))}})
	runSteps(t, c, []step{{0, 8, 3, 6}, {15, 6, 60, 9}})
}

func TestClamping(t *testing.T) {
	spec := HPASpec{MinReplicas: 3, MaxReplicas: 10, Target: 3000,
		Behavior: &Behavior{ScaleUp: rules(0, "", pods(100, 15)), ScaleDown: unlimitedDown()}}
	for _, tc := range []struct {
		name    string
		current int
		usage   float64
		missing bool
		want    int
		limit   string
	}{
		{"above max comes down at once, metric or not", 15, 0, true, 10, "TooManyReplicas"},
		{"below min comes up at once", 1, 0, true, 3, "TooFewReplicas"},
		{"desired above max", 5, 90, false, 10, "TooManyReplicas"},
		{"desired below min", 5, 1, false, 3, "TooFewReplicas"},
		{"zero replicas: scaling disabled", 0, 90, false, 0, ""},
		{"missing metric changes nothing", 5, 0, true, 5, "FailedGetObjectMetric"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestController(t, spec)
			d := c.Reconcile(
				Observation{
					Now:            0,
					SpecReplicas:   tc.current,
					StatusReplicas: tc.current,
					Usage:          milliQuantityFromRPS(tc.usage),
					MetricMissing:  tc.missing,
				},
			)
			if d.Desired != tc.want || d.Limit != tc.limit {
				t.Errorf("desired %d (%q), want %d (%q)", d.Desired, d.Limit, tc.want, tc.limit)
			}
		})
	}
}

func TestNoBehaviorLegacyPath(t *testing.T) {
	// Without a behavior field: at most max(2 × current, 4) per sync, no events kept, and down only
	// to the highest recommendation of the last 300 s.
	c := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 12, Target: 3000})
	runSteps(t, c, []step{
		{0, 1, 60, 4},   // max(2, 4)
		{15, 4, 60, 8},  // 2 × 4: per sync, not per period
		{30, 8, 60, 12}, // 16, clamped to max
		{45, 12, 6, 12}, // the last 300 s recommended 12 (20 clamped later)
		{345, 12, 6, 2}, // the high recommendations of 0–30 s are over 300 s old
	})
	if len(c.scaleUpEvents)+len(c.scaleDownEvents) != 0 {
		t.Errorf("legacy path stored scale events: %v %v", c.scaleUpEvents, c.scaleDownEvents)
	}
}

func TestDefaultBehaviorDiffersFromLegacyAtSmallCounts(t *testing.T) {
	// The documented default allows max(current + 4, 2 × current) per 15 s; the controller's
	// path for an HPA without behavior allows max(2 × current, 4). At 2 replicas: 6 against 4.
	def := DefaultBehavior()
	withDefault := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 20, Target: 3000, Behavior: &def})
	legacy := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 20, Target: 3000})
	o := Observation{Now: 0, SpecReplicas: 2, StatusReplicas: 2, Usage: 60000}
	if got := withDefault.Reconcile(o).Desired; got != 6 {
		t.Errorf("default behavior: %d, want 6", got)
	}
	if got := legacy.Reconcile(o).Desired; got != 4 {
		t.Errorf("no behavior: %d, want 4", got)
	}
}

func TestUnsetRulesTakeAPIDefaults(t *testing.T) {
	// A behavior that sets only the scale-up window keeps the default policies, Max, and the
	// 300 s scale-down window, as the API server fills them in.
	c := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 20, Target: 3000,
		Behavior: &Behavior{ScaleUp: &policy.Rules{StabilizationWindowSeconds: ptr(0)}}})
	if c.up.selectPolicy != policy.SelectMax || len(c.up.policies) != 2 || c.down.windowSeconds != 300 {
		t.Errorf("effective rules: up %+v down %+v", c.up, c.down)
	}
}

func TestScaleEventSlotsAreReused(t *testing.T) {
	c := newTestController(t, HPASpec{MinReplicas: 1, MaxReplicas: 50, Target: 3000,
		Behavior: &Behavior{ScaleUp: rules(0, "", pods(1, 15)), ScaleDown: unlimitedDown()}})
	replicas := 1
	for now := 0; now < 600; now += 15 {
		replicas = c.Reconcile(Observation{Now: now, SpecReplicas: replicas, StatusReplicas: replicas, Usage: 150000}).Desired
	}
	if replicas != 41 {
		t.Errorf("replicas %d after 40 syncs at +1 each from 1, want 41", replicas)
	}
	if n := len(c.scaleUpEvents); n > 3 {
		t.Errorf("%d scale-up events kept; outdated slots should be reused", n)
	}
	if n := len(c.recommendations); n > 25 {
		t.Errorf("%d recommendations kept; those older than both windows should be reused", n)
	}
}

func TestValidate(t *testing.T) {
	bad := HPASpec{MinReplicas: 0, MaxReplicas: -1, Target: 0, ScaleUpTolerance: ptr(-0.5), Behavior: &Behavior{
		ScaleUp: &policy.Rules{StabilizationWindowSeconds: ptr(4000), SelectPolicy: "Sometimes",
			Policies: []policy.ScalingPolicy{{Type: "Nodes", Value: 0, PeriodSeconds: 0}}},
	}}
	err := bad.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	// The behavior's refusals are policy.ValidateRules': what the component refuses at preview.
	for _, want := range []string{"minReplicas 0", "maxReplicas -1", "target averageValue", "scaleUp tolerance -0.5",
		"behavior.scaleUp.stabilizationWindowSeconds: 4000", `behavior.scaleUp.selectPolicy: "Sometimes"`,
		`policies[0].type: "Nodes"`, "policies[0].value: 0", "policies[0].periodSeconds: 0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := NewController(bad); err == nil || !strings.HasPrefix(err.Error(), "invalid HPA spec: ") {
		t.Errorf("NewController error %v lacks context", err)
	}
}
