package deployspeed

import "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/bench/handwritten"

// whereSection is "Where the time goes": CPU per process kind, the stack's size, an explanation of
// each missed ratio target, and the Automation API's call totals. Figures per program are
// component / hand-written / floor.
type whereSection struct {
	CPU    []cpuRow
	Sizes  []sizeRow
	Missed []missExplained
	APINs  []int
	API    []apiRow
}

// cpuRow is one step at one N: median wall and CPU seconds.
type cpuRow struct {
	Step                                   Step
	N                                      int
	Wall, Engine, Kube, Self, ControlPlane []float64 // per program
	Provider                               float64   // the component's
}

// sizeRow is the stack after create at one N, medians per program.
type sizeRow struct {
	N                                                int
	Registered, Resources, StateKiB, Values, OwnPerN []float64
}

// apiRow is one step's median Automation API call seconds, per N then per program.
type apiRow struct {
	Step Step
	PerN [][]float64
}

func (r *Result) whereSection() whereSection {
	w := whereSection{APINs: r.Config.Ns, Missed: r.missesExplained()}
	for _, n := range r.Config.Ns {
		for _, s := range Steps {
			w.CPU = append(w.CPU, cpuRow{Step: s, N: n,
				Wall:         perProgram(func(i int) float64 { return r.wall(i, n, s) }),
				Engine:       r.stepMedians(n, s, func(m Measure) float64 { return m.ChildCPU }),
				Provider:     r.stepMedians(n, s, func(m Measure) float64 { return m.ProviderCPU })[iComponent],
				Kube:         r.stepMedians(n, s, func(m Measure) float64 { return m.KubeCPU }),
				Self:         r.stepMedians(n, s, func(m Measure) float64 { return m.SelfCPU }),
				ControlPlane: r.stepMedians(n, s, func(m Measure) float64 { return m.ControlPlaneCPU }),
			})
		}
		w.Sizes = append(w.Sizes, r.sizeRow(n))
	}
	for _, s := range Steps {
		row := apiRow{Step: s}
		for _, n := range r.Config.Ns {
			row.PerN = append(row.PerN, r.stepMedians(n, s, func(m Measure) float64 { return m.APICall.Seconds() }))
		}
		w.API = append(w.API, row)
	}
	return w
}

// stepMedians is the median of g of step s at n, per program.
func (r *Result) stepMedians(n int, s Step, g func(Measure) float64) []float64 {
	return perProgram(func(i int) float64 {
		return median(r.values(i, n, func(run *Run) float64 { return g(run.Steps[s]) }))
	})
}

// runMedians is the median of g of the runs at n, per program.
func (r *Result) runMedians(n int, g func(*Run) float64) []float64 {
	return perProgram(func(i int) float64 { return median(r.values(i, n, g)) })
}

func (r *Result) sizeRow(n int) sizeRow {
	return sizeRow{N: n,
		Registered: perProgram(func(i int) float64 { return float64(handwritten.Resources(n, Programs[i].Wrapped())) }),
		Resources:  r.runMedians(n, func(run *Run) float64 { return float64(run.StateResources) }),
		StateKiB:   r.runMedians(n, func(run *Run) float64 { return float64(run.StateBytes) / 1024 }),
		Values:     r.runMedians(n, func(run *Run) float64 { return float64(run.StateValues) }),
		OwnPerN:    r.runMedians(n, func(run *Run) float64 { return float64(run.ComponentOwnBytes) / float64(n) }),
	}
}

// missExplained is where the component's extra time goes for one missed ratio target, against
// the program of that target at that N: medians, the component's first (A), the other's second (B).
type missExplained struct {
	Target       Target
	Against      string
	Wall, Engine pair // seconds of wall time, CPU-seconds of the engine and plugins
	Provider     float64
	Kube, Self   pair
	ControlPlane pair
	State        stateComparison
	ChangeStep   bool // the step in which every component's outputs change
}

// pair is the component's figure and another program's.
type pair struct{ A, B float64 }

// Delta is the component's figure less the other's.
func (p pair) Delta() float64 { return p.A - p.B }

// EngineOwn is what the engine itself used beyond the other program: the engine and plugins'
// extra CPU less the provider's and the Kubernetes plugin's extra.
func (m missExplained) EngineOwn() float64 { return m.Engine.Delta() - m.Provider - m.Kube.Delta() }

// missesExplained explains each missed ratio target from the measurements.
func (r *Result) missesExplained() []missExplained {
	var out []missExplained
	for _, t := range r.missedTargets() {
		n, s, o := t.N, t.Step, t.Against
		step := func(g func(Measure) float64) pair {
			v := r.stepMedians(n, s, g)
			return pair{A: v[iComponent], B: v[o]}
		}
		run := func(g func(*Run) float64) pair {
			v := r.runMedians(n, g)
			return pair{A: v[iComponent], B: v[o]}
		}
		size := run(func(run *Run) float64 { return float64(run.StateBytes) })
		values := run(func(run *Run) float64 { return float64(run.StateValues) })
		out = append(out, missExplained{Target: t, Against: Programs[o].Name,
			Wall:         pair{A: r.wall(iComponent, n, s), B: r.wall(o, n, s)},
			Engine:       step(func(m Measure) float64 { return m.ChildCPU }),
			Provider:     step(func(m Measure) float64 { return m.ProviderCPU }).A,
			Kube:         step(func(m Measure) float64 { return m.KubeCPU }),
			Self:         step(func(m Measure) float64 { return m.SelfCPU }),
			ControlPlane: step(func(m Measure) float64 { return m.ControlPlaneCPU }),
			State:        stateComparisonOf(size.A, size.B, values.A, values.B),
			// pkg/backend.SnapshotManager.RegisterResourceOutputs skips the write only for equal outputs.
			ChangeStep: s == StepChange,
		})
	}
	return out
}

// stateComparison compares the component's state after create with another program's. The
// engine writes the whole state after every resource step, and its serialization visits every
// property value, so values weigh more than bytes.
type stateComparison struct {
	KiB             pair
	Larger, Smaller bool    // by at least half a percent; neither: as large
	Pct             float64 // how much larger or smaller, in percent
	MoreValues      bool    // by at least half a percent
	Values          pair
	ValuesPct       float64
}

// stateComparisonOf compares a state of a bytes and va property values with one of b and vb.
func stateComparisonOf(a, b, va, vb float64) stateComparison {
	c := stateComparison{KiB: pair{A: a / 1024, B: b / 1024}, Values: pair{A: va, B: vb}}
	switch pct := 100 * (a/max(b, 1) - 1); {
	case pct >= 0.5:
		c.Larger, c.Pct = true, pct
	case pct <= -0.5:
		c.Smaller, c.Pct = true, -pct
	}
	c.ValuesPct = 100 * (va/max(vb, 1) - 1)
	c.MoreValues = c.ValuesPct >= 0.5
	return c
}
