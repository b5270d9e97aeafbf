package search

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
)

// TestEachKindIsWhatItsNameSays: every kind, drawn many times without noise, has the shape its
// comment promises, at the figures' scale.
func TestEachKindIsWhatItsNameSays(t *testing.T) {
	f := hpasim.DefaultSimulationSetup().Figures
	s := newScale(f)
	delta := s.peak - s.quiet
	within := func(v, lo, hi float64) bool { return v >= lo-1e-9 && v <= hi+1e-9 }
	level := func(v, lo, hi float64) bool { return within(v, s.quiet+lo*delta, s.quiet+hi*delta) }
	spike := float64(s.spike)
	checks := map[string]func(tr hpasim.Trace) bool{
		"ramp": func(tr hpasim.Trace) bool {
			rate := (tr[2].RPS - tr[1].RPS) / float64(tr[2].Seconds-tr[1].Seconds)
			return len(tr) == 4 && tr[1].Seconds == shapeSettle && level(tr[0].RPS, 0, 0.3) && level(tr[3].RPS, 0.7, 1) &&
				within(rate, 0.45*s.ramp, 1.5*s.ramp) && tr[3].Seconds == tr[2].Seconds+900
		},
		"step": func(tr hpasim.Trace) bool {
			return len(tr) == 4 && tr[2].Seconds == shapeSettle+1 && level(tr[1].RPS, 0, 0.2) && level(tr[2].RPS, 0.4, 1) &&
				tr[3].Seconds == shapeSettle+1200
		},
		"spike-within-margin": func(tr hpasim.Trace) bool {
			capacity := math.Ceil(tr[0].RPS/s.target-1e-9) * (s.target + s.spare)
			return len(tr) == 6 && tr[2].RPS > tr[0].RPS && tr[2].RPS <= capacity &&
				within(float64(tr[3].Seconds-tr[2].Seconds), 1, spike) && tr[5].Seconds == tr[4].Seconds+899
		},
		"spike-above-capacity": func(tr hpasim.Trace) bool {
			return len(tr) == 6 && level(tr[2].RPS, 0.5, 1) && within(float64(tr[3].Seconds-tr[2].Seconds), spike, 4*spike)
		},
		"bursts": func(tr hpasim.Trace) bool {
			ok := len(tr) == 2+4*3+1
			for b := range 4 {
				on := tr[2+3*b+1].Seconds - tr[2+3*b].Seconds
				ok = ok && level(tr[2+3*b].RPS, 0.5, 1) && within(float64(on), spike, 3*spike) && tr[2+3*b+2].RPS == tr[0].RPS
			}
			return ok && tr[len(tr)-1].Seconds-tr[len(tr)-2].Seconds >= 600+60
		},
		"wave": func(tr hpasim.Trace) bool {
			return within(float64(tr.Duration()), 2400-60, 7200) && level(tr[0].RPS, 0, 0.2) && level(tr.Peak(), 0.69, 1)
		},
		"drain-and-return": func(tr hpasim.Trace) bool {
			return len(tr) == 6 && level(tr[0].RPS, 0.6, 1) && level(tr[2].RPS, 0, 0.2) &&
				within(float64(tr[2].Seconds-shapeSettle), 30, 120) && within(float64(tr[3].Seconds-tr[2].Seconds), 300, 900) &&
				tr[4].Seconds-tr[3].Seconds == tr[2].Seconds-shapeSettle && tr[4].RPS == tr[0].RPS
		},
		"flash-crowd": func(tr hpasim.Trace) bool {
			return len(tr) == 6 && level(tr[2].RPS, 0.8, 1) && within(float64(tr[2].Seconds-shapeSettle), 5, 20) &&
				within(float64(tr[3].Seconds-tr[2].Seconds), 120, 600) && tr[4].Seconds == tr[3].Seconds+600
		},
		"climb-then-cliff": func(tr hpasim.Trace) bool {
			rate := (tr[2].RPS - tr[1].RPS) / float64(tr[2].Seconds-tr[1].Seconds)
			return len(tr) == 8 && within(rate, 0.75*s.ramp, 1.25*s.ramp) && tr[4].Seconds == tr[3].Seconds+1 &&
				tr[4].RPS == tr[0].RPS && tr[6].Seconds-tr[5].Seconds == tr[2].Seconds-tr[1].Seconds
		},
	}
	r := rand.New(rand.NewPCG(3, 3))
	for _, k := range kinds {
		check, ok := checks[k.name]
		if !ok {
			t.Errorf("no check for kind %s", k.name)
			continue
		}
		for i := range 50 {
			if tr := k.make(s, r); tr.Validate() != nil || !check(tr) {
				t.Errorf("%s, draw %d, is not what it says: %v", k.name, i, tr)
				break
			}
		}
	}
}

// TestNoiseKeepsTheCorners: the noise moves each point by at most 5%, every 10 s, and keeps every
// point of the shape.
func TestNoiseKeepsTheCorners(t *testing.T) {
	tr := hpasim.Trace{at(0, 10), at(33, 10), at(34, 20), at(95, 20)}
	noisy := withNoise(tr, rand.New(rand.NewPCG(1, 1)), 0.05)
	load := tr.Sample()
	seen := map[int]bool{}
	for _, p := range noisy {
		seen[p.Seconds] = true
		ref := tr[len(tr)-1].RPS
		if p.Seconds < len(load) {
			ref = load[p.Seconds]
		}
		if math.Abs(p.RPS-ref) > 0.05*ref+1e-9 {
			t.Errorf("%d s: %v, more than 5%% from %v", p.Seconds, p.RPS, ref)
		}
	}
	for _, s := range []int{0, 10, 20, 30, 33, 34, 40, 90, 95} {
		if !seen[s] {
			t.Errorf("no point at %d s: %v", s, noisy)
		}
	}
	if len(noisy) != 13 {
		t.Errorf("%d points, want the 10 s grid, the corners and the end: %v", len(noisy), noisy)
	}
}

// TestNewScaleFromTheFigures: the scale a family is drawn at, and its stand-ins for unknown figures.
func TestNewScaleFromTheFigures(t *testing.T) {
	f := hpasim.DefaultSimulationSetup().Figures
	s := newScale(f)
	if s.quiet != 3 || s.peak != 36 || s.target != 3 || s.spare != 0.75 || s.ramp != 0.25 || s.spike != 45 {
		t.Errorf("%+v", s)
	}
	f.RampRPSPerSecond, f.SpikeSeconds, f.MinLoadRPS = 0, 5, 1
	if s := newScale(f); s.ramp != (36-3)/600.0 || s.spike != 15 || s.quiet != 3 {
		t.Errorf("unknown ramp, short spikes and a quiet load under one replica's target: %+v", s)
	}
}
