package search

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// DefaultBudget is how many replica-seconds the chosen policy may spend against Kubernetes'
// default behavior on the same traffic.
const DefaultBudget = 1.10

// Candidate is one behavior the search tries: the fields the guards leave to choose. Both HPAs
// share it; the Model HPA's scale-up window is ModelLag longer.
type Candidate struct {
	ScaleUpWindow   int // behavior.scaleUp.stabilizationWindowSeconds
	ScaleUpPods     int // Pods per serverReadySeconds: at most scaleUpHeadroomPods, as the guards require
	ScaleDownWindow int // behavior.scaleDown.stabilizationWindowSeconds
	ModelLag        int // autoscaling.modelScaleUpLagSeconds
}

func (c Candidate) String() string {
	return fmt.Sprintf("scale-up window %d s, Pods %d per serverReadySeconds, scale-down window %d s, Model lag %d s",
		c.ScaleUpWindow, c.ScaleUpPods, c.ScaleDownWindow, c.ModelLag)
}

// input is the component's input for the figures with this candidate's behavior written out, so
// policy.Plan's guards judge it as they judge a user's.
func (c Candidate) input(f hpasim.Figures) policy.Input {
	in := f.Input()
	up, down, lag := c.ScaleUpWindow, c.ScaleDownWindow, c.ModelLag
	in.ScaleUp = &policy.Rules{StabilizationWindowSeconds: &up, SelectPolicy: policy.SelectMax,
		Policies: []policy.ScalingPolicy{
			{Type: policy.PolicyPods, Value: c.ScaleUpPods, PeriodSeconds: f.ServerReadySeconds},
		}}
	def := policy.DefaultScaleDownRules()
	in.ScaleDown = &policy.Rules{StabilizationWindowSeconds: &down, SelectPolicy: def.SelectPolicy, Policies: def.Policies}
	in.ModelScaleUpLagSeconds = &lag
	return in
}

// Candidates lists the behaviors tried for the figures, in a fixed order (ties go to the first):
// scale-up windows from none to the spikes to absorb, the Pods the guards allow per
// serverReadySeconds, scale-down windows around Kubernetes' 300 s, and Model lags from none to the
// all-or-nothing lag (one serverReadySeconds and one sync).
func Candidates(f hpasim.Figures) []Candidate {
	ready, headroom := f.ServerReadySeconds, max(f.ScaleUpHeadroomPods, 1)
	windows := uniqueSorted(0, policy.HPASyncPeriodSeconds, 30, inputs.DefaultScaleUpWindow, f.SpikeSeconds)
	pods := uniqueSorted(max(headroom/2, 1), headroom)
	downs := uniqueSorted(120, policy.DefaultScaleDownWindow, 600)
	lags := uniqueSorted(0, ready/2, policy.PlannedModelScaleUpLag(ready, policy.AllOrNothing))
	var out []Candidate
	for _, w := range windows {
		for _, p := range pods {
			for _, d := range downs {
				for _, l := range lags {
					if w+l <= inputs.MaxWindowSeconds {
						out = append(out, Candidate{ScaleUpWindow: w, ScaleUpPods: p, ScaleDownWindow: d, ModelLag: l})
					}
				}
			}
		}
	}
	return out
}

func uniqueSorted(vs ...int) []int {
	out := slices.DeleteFunc(slices.Clone(vs), func(v int) bool { return v < 0 || v > inputs.MaxWindowSeconds })
	slices.Sort(out)
	return slices.Compact(out)
}

// Score is what a behavior does over a set of shapes.
type Score struct {
	BreachSeconds    int
	BreachedRequests float64
	ReplicaSeconds   int
}

func (s *Score) add(x hpasim.Summary) {
	s.BreachSeconds += x.SLABreachSeconds
	s.BreachedRequests += x.BreachedRequests
	s.ReplicaSeconds += x.ReplicaSeconds
}

// Evaluation is one behavior run on every shape: per shape and in total.
type Evaluation struct {
	Name     string
	Server   hpasim.HPASpec
	ModelLag int
	PerShape []hpasim.Summary
	Total    Score
}

// evaluate runs spec (the Server HPA's, the Model's lagged by lag) on every shape, on the cluster
// the figures describe: Seldon's mode, and no more Server pods starting at once than
// scaleUpHeadroomPods.
func evaluate(setup hpasim.SimulationSetup, name string, spec hpasim.HPASpec, lag int,
	shapes []Shape,
) (Evaluation, error) {
	cfg := hpasim.WithModelLag(setup.Config(spec), lag)
	cfg.Scheduling = setup.Figures.Scheduling
	cfg.MaxStartingServerPods = setup.Figures.ScaleUpHeadroomPods
	e := Evaluation{Name: name, Server: spec, ModelLag: lag, PerShape: make([]hpasim.Summary, len(shapes))}
	for i, sh := range shapes {
		res, err := hpasim.Run(cfg, sh.Trace)
		if err != nil {
			return Evaluation{}, fmt.Errorf("%s on shape %s: %w", name, sh.Name, err)
		}
		e.PerShape[i] = res.Summary
		e.Total.add(res.Summary)
	}
	return e, nil
}

// BaselineLag is the Model lag Kubernetes' default behavior is compared with: none when Seldon
// places replicas partially; the all-or-nothing lag otherwise, without which the Model asks for
// replicas no Server pod can hold and sits ScheduleFailed.
func BaselineLag(f hpasim.Figures) int {
	return policy.PlannedModelScaleUpLag(f.ServerReadySeconds, f.Scheduling)
}

// NameDefault and NameGuideFormulas name the two policies every choice is compared with.
const (
	NameDefault       = "Kubernetes' default"
	NameGuideFormulas = "the guide's formulas"
)

// baselines are Kubernetes' default behavior and the guide's formulas (policy.Plan on the figures
// alone), with the planned bounds.
func baselines(setup hpasim.SimulationSetup, shapes []Shape) (def, guide Evaluation, err error) {
	planned, err := hpasim.PlannedPolicy(setup.Figures)
	if err != nil {
		return def, guide, err
	}
	def, err = evaluate(setup, NameDefault, hpasim.DefaultPolicy(planned.Bounds()), BaselineLag(setup.Figures), shapes)
	if err != nil {
		return def, guide, err
	}
	guide, err = evaluate(setup, NameGuideFormulas, hpasim.SpecsFromPolicy(planned.Policy).Server,
		planned.ModelScaleUpLagSeconds, shapes)
	return def, guide, err
}

// evaluateAll runs every candidate the guards allow, on every core, keeping the candidates' order.
// It returns the evaluations (nil where refused) and how many the guards refused.
func evaluateAll(setup hpasim.SimulationSetup, cands []Candidate, shapes []Shape) ([]*Evaluation, int, error) {
	out := make([]*Evaluation, len(cands))
	errs := make([]error, len(cands))
	refused := make([]bool, len(cands))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				pol, _, err := policy.Plan(cands[i].input(setup.Figures))
				if err != nil {
					refused[i] = true
					continue
				}
				e, err := evaluate(setup, cands[i].String(), hpasim.SpecsFromPolicy(pol).Server, pol.ModelScaleUpLagSeconds,
					shapes)
				out[i], errs[i] = &e, err
			}
		}()
	}
	for i := range cands {
		next <- i
	}
	close(next)
	wg.Wait()
	n := 0
	for _, r := range refused {
		if r {
			n++
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, 0, err
		}
	}
	return out, n, nil
}

// better orders evaluations: fewer SLA-breach seconds, then fewer requests over capacity, then
// fewer replica-seconds.
func better(a, b Evaluation) int {
	return cmp.Or(
		cmp.Compare(a.Total.BreachSeconds, b.Total.BreachSeconds),
		cmp.Compare(a.Total.BreachedRequests, b.Total.BreachedRequests),
		cmp.Compare(a.Total.ReplicaSeconds, b.Total.ReplicaSeconds),
	)
}
