// Package search chooses a Model and Server HPA behavior by simulation: it runs every candidate
// the component's guards allow (policy.Plan) through the simulator (hpasim.Run) on a family of
// load shapes drawn at the user's own scale, and keeps the one that breaches the SLA least,
// never more than Kubernetes' default behavior on any shape and within a replica-seconds budget.
//
// Nothing here imports Pulumi or client-go; it is deterministic for a given seed.
package search

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// Shape is one load trace of a family, named by its kind and the draw that made it.
type Shape struct {
	Name  string
	Kind  string
	Trace hpasim.Trace
}

// Seeds of the two families: the planner chooses on PlanningSeed's and is judged on HeldOutSeed's,
// which it never saw.
const (
	PlanningSeed = 1
	HeldOutSeed  = 2
)

// shapeSettle is the steady load every shape starts with, so both HPAs begin settled.
const shapeSettle = 300

// noiseStepSeconds is how often the seeded noise moves the load.
const noiseStepSeconds = 10

// kinds are the load shapes a family draws, each from the figures and a random source. Every
// kind is scaled by the figures: quiet load, peak, the ramp to follow and the spikes to absorb.
var kinds = []struct {
	name string
	make func(s scale, r *rand.Rand) hpasim.Trace
}{
	{"ramp", ramp},
	{"step", step},
	{"spike-within-margin", spikeWithin},
	{"spike-above-capacity", spikeAbove},
	{"bursts", bursts},
	{"wave", wave},
	{"drain-and-return", drain},
	{"flash-crowd", flashCrowd},
	{"climb-then-cliff", climbThenCliff},
}

// scale is the load a family is drawn at, from the user's figures.
type scale struct {
	quiet, peak, target, spare, ramp float64
	spike                            int
}

func newScale(f hpasim.Figures) scale {
	target := policy.PlannedTarget(f.SaturationRPS, f.SafetyMargin)
	quiet := max(f.MinLoadRPS, target)
	ramp := f.RampRPSPerSecond
	if ramp <= 0 {
		// Unknown: the rise from quiet to peak in ten minutes, a steep but ordinary morning.
		ramp = (f.PeakRPS - quiet) / 600
	}
	return scale{quiet: quiet, peak: max(f.PeakRPS, quiet), target: target, spare: f.SaturationRPS - target,
		ramp: max(ramp, 1e-3), spike: max(f.SpikeSeconds, 15)}
}

// Family draws perShape traces of every kind from seed, at the figures' scale, with ±5% seeded
// noise every noiseStepSeconds.
func Family(f hpasim.Figures, seed uint64, perShape int) []Shape {
	s := newScale(f)
	r := rand.New(rand.NewPCG(seed, 0x5e1d0))
	var out []Shape
	for _, k := range kinds {
		for i := range perShape {
			tr := withNoise(k.make(s, r), r, 0.05)
			out = append(out, Shape{Name: fmt.Sprintf("%s-%d", k.name, i+1), Kind: k.name, Trace: tr})
		}
	}
	return out
}

// at is the load at one moment.
func at(seconds int, rps float64) hpasim.Point { return hpasim.Point{Seconds: seconds, RPS: rps} }

// between is a uniform draw in [lo, hi].
func between(r *rand.Rand, lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }

// level is a load between quiet and peak, at fraction lo..hi of the way.
func (s scale) level(r *rand.Rand, lo, hi float64) float64 {
	return s.quiet + between(r, lo, hi)*(s.peak-s.quiet)
}

func ramp(s scale, r *rand.Rand) hpasim.Trace {
	from, to := s.level(r, 0, 0.3), s.level(r, 0.7, 1)
	rate := s.ramp * between(r, 0.5, 1.5)
	up := shapeSettle + int(math.Ceil((to-from)/rate))
	return hpasim.Trace{at(0, from), at(shapeSettle, from), at(up, to), at(up+900, to)}
}

func step(s scale, r *rand.Rand) hpasim.Trace {
	from, to := s.level(r, 0, 0.2), s.level(r, 0.4, 1)
	return hpasim.Trace{at(0, from), at(shapeSettle, from), at(shapeSettle+1, to), at(shapeSettle+1200, to)}
}

// spikeWithin rises less than the spare capacity of the replicas serving the base load, for no
// longer than the spikes the user asks to absorb: the right answer is to add nothing.
func spikeWithin(s scale, r *rand.Rand) hpasim.Trace {
	base := s.level(r, 0, 0.3)
	replicas := math.Ceil(base / s.target)
	top := base + between(r, 0.3, 0.8)*(replicas*(s.target+s.spare)-base)
	return spikeTrace(base, top, int(between(r, 0.3, 1)*float64(s.spike)))
}

// spikeAbove rises past what the base replicas serve, for one to four spike lengths.
func spikeAbove(s scale, r *rand.Rand) hpasim.Trace {
	base := s.level(r, 0, 0.3)
	return spikeTrace(base, s.level(r, 0.5, 1), int(between(r, 1, 4)*float64(s.spike)))
}

func spikeTrace(base, top float64, seconds int) hpasim.Trace {
	end := shapeSettle + 1 + max(seconds, 1)
	return hpasim.Trace{at(0, base), at(shapeSettle, base), at(shapeSettle+1, top), at(end, top), at(end+1, base),
		at(end+900, base)}
}

// bursts alternate a high and the base load a few times, each burst a few spike lengths.
func bursts(s scale, r *rand.Rand) hpasim.Trace {
	base, top := s.level(r, 0, 0.3), s.level(r, 0.5, 1)
	on, off := int(between(r, 1, 3)*float64(s.spike)), int(between(r, 60, 300))
	tr := hpasim.Trace{at(0, base), at(shapeSettle, base)}
	t := shapeSettle
	for range 4 {
		tr = append(tr, at(t+1, top), at(t+1+on, top),
			hpasim.Point{Seconds: t + 2 + on, RPS: base})
		t += 2 + on + off
	}
	return append(tr, hpasim.Point{Seconds: t + 600, RPS: base})
}

// wave is a day's rise and fall compressed into 20 to 60 minutes, twice.
func wave(s scale, r *rand.Rand) hpasim.Trace {
	low, high := s.level(r, 0, 0.2), s.level(r, 0.7, 1)
	period := int(between(r, 1200, 3600))
	tr := hpasim.Trace{}
	for t := 0; t <= 2*period; t += 60 {
		phase := 2 * math.Pi * float64(t) / float64(period)
		tr = append(tr, hpasim.Point{Seconds: t, RPS: low + (high-low)*(1-math.Cos(phase))/2})
	}
	return tr
}

// drain takes the load down, as traffic moves to another deployment, and brings it back.
func drain(s scale, r *rand.Rand) hpasim.Trace {
	high, low := s.level(r, 0.6, 1), s.level(r, 0, 0.2)
	away, back := int(between(r, 30, 120)), int(between(r, 300, 900))
	tr := hpasim.Trace{at(0, high), at(shapeSettle, high), at(shapeSettle+away, low)}
	t := shapeSettle + away + back
	return append(tr, hpasim.Point{Seconds: t, RPS: low}, hpasim.Point{Seconds: t + away, RPS: high},
		hpasim.Point{Seconds: t + away + 900, RPS: high})
}

// flashCrowd jumps to the peak within seconds, holds a few minutes and decays.
func flashCrowd(s scale, r *rand.Rand) hpasim.Trace {
	base, top := s.level(r, 0, 0.2), s.level(r, 0.8, 1)
	rise, hold := int(between(r, 5, 20)), int(between(r, 120, 600))
	t := shapeSettle + rise + hold
	return hpasim.Trace{at(0, base), at(shapeSettle, base), at(shapeSettle+rise, top), at(t, top), at(t+600, base),
		at(t+1200, base)}
}

// climbThenCliff ramps to the peak, holds, drops to the quiet load at once and climbs again.
func climbThenCliff(s scale, r *rand.Rand) hpasim.Trace {
	base, top := s.level(r, 0, 0.2), s.level(r, 0.7, 1)
	climb := int(math.Ceil((top - base) / (s.ramp * between(r, 0.8, 1.2))))
	t := shapeSettle + climb + int(between(r, 120, 300))
	gap := int(between(r, 60, 400))
	return hpasim.Trace{at(0, base), at(shapeSettle, base), at(shapeSettle+climb, top), at(t, top), at(t+1, base),
		at(t+gap, base), at(t+gap+climb, top), at(t+gap+climb+600, top)}
}

// withNoise multiplies the load by 1±amplitude, drawn every noiseStepSeconds, keeping the shape's
// corners: the points of tr stay, and noise points are added between them.
func withNoise(tr hpasim.Trace, r *rand.Rand, amplitude float64) hpasim.Trace {
	load := tr.Sample()
	var out hpasim.Trace
	next := 0
	for t := range load {
		corner := next < len(tr) && tr[next].Seconds == t
		if corner {
			next++
		}
		if corner || t%noiseStepSeconds == 0 {
			out = append(out, hpasim.Point{Seconds: t, RPS: load[t] * between(r, 1-amplitude, 1+amplitude)})
		}
	}
	last := tr[len(tr)-1]
	return append(out, hpasim.Point{Seconds: last.Seconds, RPS: last.RPS})
}
