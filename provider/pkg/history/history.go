// Package history turns a model's request rate history, as Prometheus holds it, into the sizing
// inputs the planner needs (each with the reason it was read so) and into load traces the
// simulator can replay. Gaps and counter resets are reported, never filled. It is pure: the
// `plan --from-prometheus` command reads Prometheus and hands the samples here.
package history

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
)

// History is a model's request rate, one value per Step from Start; NaN where Prometheus had none.
type History struct {
	Start time.Time
	Step  time.Duration
	RPS   []float64
	// Resets are when the counter went back (a restarted agent or server): rate() spans them, but
	// a reset inside a rate window loses that window's requests before it.
	Resets []time.Time
}

// Sample is one value Prometheus returned.
type Sample struct {
	At  time.Time
	RPS float64
}

// FromSamples lays samples on the grid from start to end at step; grid points no sample hit stay
// NaN, and samples off the grid are refused (a query at another step).
func FromSamples(start, end time.Time, step time.Duration, samples []Sample) (History, error) {
	if step <= 0 || !end.After(start) {
		return History{}, fmt.Errorf("history: step %s from %s to %s is not a range", step, start, end)
	}
	n := int(end.Sub(start)/step) + 1
	h := History{Start: start, Step: step, RPS: make([]float64, n)}
	for i := range h.RPS {
		h.RPS[i] = math.NaN()
	}
	for _, s := range samples {
		off := s.At.Sub(start)
		if off < 0 || off%step != 0 || int(off/step) >= n {
			return History{}, fmt.Errorf("history: a sample at %s is off the %s grid from %s to %s", s.At, step, start, end)
		}
		h.RPS[off/step] = s.RPS
	}
	return h, nil
}

// Gap is a stretch with no value, From the first missing point to To the last.
type Gap struct{ From, To time.Time }

// Duration is how long the gap lasts, counting its points.
func (g Gap) Duration(step time.Duration) time.Duration { return g.To.Sub(g.From) + step }

// Gaps lists the stretches with no value.
func (h History) Gaps() []Gap {
	var out []Gap
	for i := 0; i < len(h.RPS); i++ {
		if !math.IsNaN(h.RPS[i]) {
			continue
		}
		j := i
		for j+1 < len(h.RPS) && math.IsNaN(h.RPS[j+1]) {
			j++
		}
		out = append(out, Gap{From: h.at(i), To: h.at(j)})
		i = j
	}
	return out
}

func (h History) at(i int) time.Time { return h.Start.Add(time.Duration(i) * h.Step) }

// Covered is how much of the history holds values.
func (h History) Covered() time.Duration {
	n := 0
	for _, v := range h.RPS {
		if !math.IsNaN(v) {
			n++
		}
	}
	return time.Duration(n) * h.Step
}

// Segments are the stretches between gaps, as load traces the simulator replays, each at least
// minLength long (shorter ones are too short to show a policy's effect and are left out).
func (h History) Segments(minLength time.Duration) []Segment {
	var out []Segment
	for i := 0; i < len(h.RPS); {
		if math.IsNaN(h.RPS[i]) {
			i++
			continue
		}
		j := i
		for j+1 < len(h.RPS) && !math.IsNaN(h.RPS[j+1]) {
			j++
		}
		if time.Duration(j-i)*h.Step >= minLength {
			out = append(out, Segment{Start: h.at(i), Trace: h.trace(i, j)})
		}
		i = j + 1
	}
	return out
}

// Pieces are the segments at least minLength long cut into pieces of at most maxLength, each a
// trace from 0 (a simulation starts settled); a last piece shorter than minLength is left out.
func (h History) Pieces(minLength, maxLength time.Duration) []Segment {
	var out []Segment
	piece, least := int(maxLength/time.Second), int(minLength/time.Second)
	for _, seg := range h.Segments(minLength) {
		for from := 0; from+least <= seg.Trace.Duration(); from += piece {
			out = append(out, Segment{Start: seg.Start.Add(time.Duration(from) * time.Second),
				Trace: cut(seg.Trace, from, min(from+piece, seg.Trace.Duration()))})
		}
	}
	return out
}

// cut is the part of a trace from..to seconds, starting at 0.
func cut(tr hpasim.Trace, from, to int) hpasim.Trace {
	var out hpasim.Trace
	for _, p := range tr {
		if p.Seconds >= from && p.Seconds <= to {
			out = append(out, hpasim.Point{Seconds: p.Seconds - from, RPS: p.RPS})
		}
	}
	return out
}

// Segment is a stretch of history with no gap, as a trace from its Start.
type Segment struct {
	Start time.Time
	Trace hpasim.Trace
}

func (h History) trace(i, j int) hpasim.Trace {
	step := int(h.Step / time.Second)
	tr := make(hpasim.Trace, 0, j-i+1)
	for k := i; k <= j; k++ {
		tr = append(tr, hpasim.Point{Seconds: (k - i) * step, RPS: h.RPS[k]})
	}
	return tr
}

// values are the history's values with the gaps left out, and their indexes.
func (h History) values() (vs []float64, idx []int) {
	for i, v := range h.RPS {
		if !math.IsNaN(v) {
			vs, idx = append(vs, v), append(idx, i)
		}
	}
	return vs, idx
}

// ErrTooLittle is returned when the history cannot size anything.
var ErrTooLittle = errors.New("too little history")

// rollingMean is the mean of the values within window ending at each point, gaps skipped; NaN
// where the window holds no value or less than half of its points.
func (h History) rollingMean(window time.Duration) []float64 {
	n := max(int(window/h.Step), 1)
	out := make([]float64, len(h.RPS))
	sum, count := 0.0, 0
	for i, v := range h.RPS {
		if !math.IsNaN(v) {
			sum, count = sum+v, count+1
		}
		if k := i - n; k >= 0 && !math.IsNaN(h.RPS[k]) {
			sum, count = sum-h.RPS[k], count-1
		}
		out[i] = math.NaN()
		if i+1 >= n && 2*count >= n {
			out[i] = sum / float64(count)
		}
	}
	return out
}

// percentile is the p-th percentile (0..100) of vs, nearest rank.
func percentile(vs []float64, p float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	return s[min(len(s)-1, max(0, int(math.Ceil(p/100*float64(len(s))))-1))]
}
