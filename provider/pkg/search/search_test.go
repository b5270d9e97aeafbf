package search

import (
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// setupFor is the policy simulation's example model in one Seldon mode.
func setupFor(mode policy.Scheduling) hpasim.SimulationSetup {
	s := hpasim.DefaultSimulationSetup()
	s.Figures.Scheduling = mode
	return s
}

// TestFamilyIsSeededAndAtTheUsersScale: a family is the same for a seed and differs between
// seeds, holds every kind, and each trace is valid, starts settled and stays near the figures'
// load (the noise is ±5%).
func TestFamilyIsSeededAndAtTheUsersScale(t *testing.T) {
	f := hpasim.DefaultSimulationSetup().Figures
	a, b := Family(f, PlanningSeed, 2), Family(f, PlanningSeed, 2)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two families from one seed differ")
	}
	if reflect.DeepEqual(a, Family(f, HeldOutSeed, 2)) {
		t.Fatal("the held-out family equals the planning family")
	}
	if len(a) != 2*len(kinds) {
		t.Fatalf("%d shapes, want %d", len(a), 2*len(kinds))
	}
	target := policy.PlannedTarget(f.SaturationRPS, f.SafetyMargin)
	for _, sh := range a {
		if err := sh.Trace.Validate(); err != nil {
			t.Errorf("%s: %v", sh.Name, err)
			continue
		}
		if p := sh.Trace.Peak(); p > 1.05*max(f.PeakRPS, target)+1e-9 {
			t.Errorf("%s peaks at %.2f RPS, above the figures' peak %.2f plus noise", sh.Name, p, f.PeakRPS)
		}
		load := sh.Trace.Sample()
		if lo := slices.Min(load); lo < 0.95*min(f.MinLoadRPS, target)-1e-9 {
			t.Errorf("%s falls to %.2f RPS, below the quiet load %.2f less noise", sh.Name, lo, f.MinLoadRPS)
		}
	}
}

// TestSpikeWithinMarginNeedsNoReplica: the spikes drawn to be absorbed stay within what the
// replicas serving the base load can serve, so any breach in them is the policy's doing.
func TestSpikeWithinMarginNeedsNoReplica(t *testing.T) {
	f := hpasim.DefaultSimulationSetup().Figures
	for _, sh := range Family(f, PlanningSeed, 5) {
		if sh.Kind != "spike-within-margin" {
			continue
		}
		// The base before its noise is within 5% of the first point: count its replicas generously.
		target := policy.PlannedTarget(f.SaturationRPS, f.SafetyMargin)
		capacity := math.Ceil(sh.Trace[0].RPS/0.95/target-1e-9) * f.SaturationRPS
		if p := sh.Trace.Peak(); p > 1.05*capacity {
			t.Errorf("%s peaks at %.2f RPS, above the base replicas' capacity %.2f plus noise", sh.Name, p, capacity)
		}
	}
}

// TestChoiceIsNeverWorseThanTheDefaultWhenEligible: all or nothing, the example model has
// eligible candidates; the choice then breaches no planning shape longer than Kubernetes' default,
// keeps to the budget, and on shapes it never saw (the held-out family) breaches no longer in
// total than the default.
func TestChoiceIsNeverWorseThanTheDefaultWhenEligible(t *testing.T) {
	setup := setupFor(policy.AllOrNothing)
	c, err := Choose(setup, Family(setup.Figures, PlanningSeed, 2), DefaultBudget)
	if err != nil {
		t.Fatal(err)
	}
	if c.Eligible == 0 || len(c.Losses) > 0 {
		t.Fatalf("%d eligible, losses %v: the example model's search found nothing at least as good as the default",
			c.Eligible, c.Losses)
	}
	for i, s := range c.Chosen.PerShape {
		if d := c.Default.PerShape[i].SLABreachSeconds; s.SLABreachSeconds > d {
			t.Errorf("%s: breach %d s, the default's %d s", c.Shapes[i].Name, s.SLABreachSeconds, d)
		}
	}
	if r := c.CostRatio(); r > DefaultBudget {
		t.Errorf("replica-seconds %.3f× the default's, over the budget %.2f×", r, DefaultBudget)
	}
	if c.Chosen.Total.BreachSeconds >= c.Guide.Total.BreachSeconds {
		t.Errorf("the choice breaches %d s, the guide's formulas %d s: the search should beat the formulas",
			c.Chosen.Total.BreachSeconds, c.Guide.Total.BreachSeconds)
	}
	held, err := c.Judge(setup, Family(setup.Figures, HeldOutSeed, 2))
	if err != nil {
		t.Fatal(err)
	}
	if held.Chosen.Total.BreachSeconds > held.Default.Total.BreachSeconds {
		t.Errorf("held out: the choice breaches %d s in total, the default %d s",
			held.Chosen.Total.BreachSeconds, held.Default.Total.BreachSeconds)
	}
}

// TestSearchFindsTheOnlyWindowThatServes: on steps that outgrow the base replicas at once, every
// second of scale-up window is a second of breach, so the search must find the shortest window and
// the most pods per period, which neither the first nor the last candidate has. A search that
// stopped early, or kept the guide's formulas, fails here.
func TestSearchFindsTheOnlyWindowThatServes(t *testing.T) {
	setup := setupFor(policy.Partial)
	var shapes []Shape
	for i, to := range []float64{20, 30, 36} {
		tr := hpasim.Trace{at(0, 6), at(shapeSettle, 6), at(shapeSettle+1, to), at(shapeSettle+1500, to)}
		shapes = append(shapes, Shape{Name: "step-" + strings.Repeat("I", i+1), Kind: "step", Trace: tr})
	}
	c, err := Choose(setup, shapes, DefaultBudget)
	if err != nil {
		t.Fatal(err)
	}
	cands := Candidates(setup.Figures)
	if c.Candidate == cands[0] || c.Candidate == cands[len(cands)-1] {
		t.Fatalf("chose %v, an end of the candidate list", c.Candidate)
	}
	if c.Candidate.ScaleUpWindow != 0 || c.Candidate.ScaleUpPods != setup.Figures.ScaleUpHeadroomPods {
		t.Errorf("chose %v; want scale-up window 0 and Pods %d", c.Candidate, setup.Figures.ScaleUpHeadroomPods)
	}
	if c.Chosen.Total.BreachSeconds >= c.Guide.Total.BreachSeconds {
		t.Errorf("breach %d s, the guide's formulas (window %d s) %d s", c.Chosen.Total.BreachSeconds,
			setup.Figures.SpikeSeconds, c.Guide.Total.BreachSeconds)
	}
}

// TestReasonsCarryTheFigures: every chosen field is derived with the simulated figures that chose it.
func TestReasonsCarryTheFigures(t *testing.T) {
	setup := setupFor(policy.AllOrNothing)
	c, err := Choose(setup, Family(setup.Figures, PlanningSeed, 1), DefaultBudget)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{inputs.PathScaleUp + ".stabilizationWindowSeconds", inputs.PathScaleUp + ".policies",
		inputs.PathScaleDown + ".stabilizationWindowSeconds", inputs.PathModelLag}
	var got []string
	for _, d := range c.Reasons {
		if !strings.HasPrefix(d.Reason, "chosen by simulation") {
			continue
		}
		got = append(got, d.Field)
		for _, fig := range []int{c.Chosen.Total.BreachSeconds, c.Default.Total.BreachSeconds, len(c.Shapes)} {
			if !strings.Contains(d.Reason, " "+strconv.Itoa(fig)+" ") {
				t.Errorf("%s: reason %q does not carry %d", d.Field, d.Reason, fig)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("reasons for %v, want %v", got, want)
	}
	if p := c.Policy.ScaleUp; *p.StabilizationWindowSeconds != c.Candidate.ScaleUpWindow ||
		p.Policies[0].Value != c.Candidate.ScaleUpPods || c.Policy.ModelScaleUpLagSeconds != c.Candidate.ModelLag {
		t.Errorf("the policy %+v is not the candidate %v", c.Policy, c.Candidate)
	}
}

// TestChooseRefusesWhatCannotBePlanned: no shapes, a budget below the default's own cost; a budget
// of exactly the default's is accepted.
func TestChooseRefusesWhatCannotBePlanned(t *testing.T) {
	setup := setupFor(policy.Partial)
	shapes := Family(setup.Figures, PlanningSeed, 1)
	for _, tc := range []struct {
		name   string
		shapes []Shape
		budget float64
		want   string
	}{
		{"no shapes", nil, DefaultBudget, "no load shapes"},
		{"budget below 1", shapes, 0.9, "use 1 or more"},
		{"budget of exactly the default's", shapes[:2], 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Choose(setup, tc.shapes, tc.budget)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestDefaultRefusalsNameTheGuards: Kubernetes' default scale-up is refused for a Percent policy
// and for periods shorter than serverReadySeconds; with serverReadySeconds 15 and Percent allowed,
// within the headroom, by nothing.
func TestDefaultRefusalsNameTheGuards(t *testing.T) {
	var fields []string
	for _, e := range DefaultRefusals(hpasim.DefaultSimulationSetup().Figures) {
		fields = append(fields, e.Field)
	}
	want := []string{inputs.PathScaleUp + ".policies[0].periodSeconds", inputs.PathScaleUp + ".policies[1].type",
		inputs.PathScaleUp + ".policies[1].periodSeconds"}
	if !slices.Equal(fields, want) {
		t.Errorf("refused by %v, want %v", fields, want)
	}
}

// TestCandidatesKeepWithinKubernetesLimits: every candidate's Model window (shared window plus
// lag) is within Kubernetes' limit, none repeats, and the all-or-nothing lag is among them.
func TestCandidatesKeepWithinKubernetesLimits(t *testing.T) {
	f := hpasim.DefaultSimulationSetup().Figures
	f.SpikeSeconds = inputs.MaxWindowSeconds
	cands := Candidates(f)
	seen := map[Candidate]bool{}
	lag := policy.PlannedModelScaleUpLag(f.ServerReadySeconds, policy.AllOrNothing)
	hasLag := false
	for _, c := range cands {
		if c.ScaleUpWindow+c.ModelLag > inputs.MaxWindowSeconds {
			t.Errorf("%v: Model window beyond %d s", c, inputs.MaxWindowSeconds)
		}
		if seen[c] {
			t.Errorf("%v twice", c)
		}
		seen[c] = true
		hasLag = hasLag || c.ModelLag == lag
	}
	if !hasLag {
		t.Errorf("no candidate has the all-or-nothing lag %d s", lag)
	}
}

// BenchmarkChoose is one model's search, both modes' cost alike: the family the report plans on.
func BenchmarkChoose(b *testing.B) {
	setup := setupFor(policy.Partial)
	shapes := Family(setup.Figures, PlanningSeed, 2)
	for b.Loop() {
		if _, err := Choose(setup, shapes, DefaultBudget); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRanksAndCounts: a candidate is eligible within the budget (inclusive) and no worse than the
// default on any shape; the counts Choose reports are those of its evaluations; figures the
// planner refuses are refused before any search.
func TestRanksAndCounts(t *testing.T) {
	c := Choice{Budget: 1.1, Default: Evaluation{PerShape: []hpasim.Summary{{SLABreachSeconds: 10}, {SLABreachSeconds: 5}},
		Total: Score{ReplicaSeconds: 100}}}
	eval := func(replica int, breaches ...int) Evaluation {
		e := Evaluation{Total: Score{ReplicaSeconds: replica}}
		for _, b := range breaches {
			e.PerShape = append(e.PerShape, hpasim.Summary{SLABreachSeconds: b})
		}
		return e
	}
	for _, tc := range []struct {
		e            Evaluation
		rank, excess int
	}{
		{eval(110, 10, 5), 0, 0}, {eval(111, 0, 0), 2, 0}, {eval(90, 11, 0), 1, 1}, {eval(90, 9, 8), 1, 3},
	} {
		if r, x := c.rank(tc.e), c.excess(tc.e); r != tc.rank || x != tc.excess {
			t.Errorf("%+v: rank %d, excess %d; want %d, %d", tc.e, r, x, tc.rank, tc.excess)
		}
	}
	if c.better(eval(90, 11, 0), eval(50, 13, 0)) >= 0 || c.better(eval(90, 13, 0), eval(50, 11, 0)) <= 0 {
		t.Error("of two candidates that lose to the default, the one losing by less is not first")
	}
	c.Chosen = eval(55)
	if r := c.CostRatio(); r != 0.55 {
		t.Errorf("cost ratio %v, want 0.55", r)
	}
	setup := setupFor(policy.AllOrNothing)
	shapes := Family(setup.Figures, PlanningSeed, 1)
	got, err := Choose(setup, shapes, DefaultBudget)
	if err != nil {
		t.Fatal(err)
	}
	evals, refused, err := evaluateAll(setup, Candidates(setup.Figures), shapes)
	if err != nil {
		t.Fatal(err)
	}
	eligible := 0
	for _, e := range evals {
		if got.rank(*e) == 0 {
			eligible++
		}
	}
	for _, d := range got.Reasons {
		if strings.Contains(d.Reason, "no candidate was eligible") {
			t.Errorf("%s: %q, though %d were eligible", d.Field, d.Reason, got.Eligible)
		}
	}
	if got.Eligible != eligible || got.Refused != refused || got.Tried != len(evals) {
		t.Errorf("reported %d eligible, %d refused of %d; counted %d, %d of %d", got.Eligible, got.Refused, got.Tried,
			eligible, refused, len(evals))
	}
	setup.Figures.ServerReadySeconds = 1900 // beyond what the planner accepts: refused before any search
	_, err = Choose(setup, shapes, DefaultBudget)
	if err == nil || !strings.Contains(err.Error(), inputs.PathServerReady) {
		t.Errorf("error %v, want the planner's refusal naming %s", err, inputs.PathServerReady)
	}
}
