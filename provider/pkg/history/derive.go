package history

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// The windows the sizing inputs are read over. They are choices, named here once, and every
// reason states them.
const (
	// QuietWindow: the quietest period is the lowest mean over this long, so one empty scrape is
	// not taken for the night's load.
	QuietWindow = 15 * time.Minute
	// RampWindow: a ramp is a rise sustained this long (the mean over it rising); shorter rises
	// are spikes.
	RampWindow = 5 * time.Minute
	// BaselineWindow: a spike is measured against the mean of this long before it.
	BaselineWindow = 30 * time.Minute
	// SpikeRise: a point is in a spike when it is this many times its baseline.
	SpikeRise = 1.2
	// MinHistory is the least history that sizes anything; DayHistory the least that can hold
	// a day's peak and quiet.
	MinHistory = time.Hour
	DayHistory = 24 * time.Hour
)

// Sizing is what the history says about the autoscaling.sizing inputs it can show. Saturation
// and the margin cannot be read from traffic: they come from a load test.
type Sizing struct {
	PeakRPS          float64
	MinLoadRPS       float64
	RampRPSPerSecond float64
	SpikeSeconds     int
	Spikes           int // how many spikes the history holds
	Reasons          []policy.Derivation
	Warnings         []string
}

// Derive reads the sizing inputs from the history, each with its reason. It refuses less than
// MinHistory of values and warns below DayHistory, about gaps and about counter resets.
func Derive(h History) (Sizing, error) {
	vs, idx := h.values()
	if covered := h.Covered(); covered < MinHistory {
		return Sizing{}, fmt.Errorf("%w: %s of values (at least %s needed)", ErrTooLittle, covered, MinHistory)
	}
	var s Sizing
	s.warnings(h)
	peakAt := 0
	for k, v := range vs {
		if v > vs[peakAt] {
			peakAt = k
		}
	}
	s.PeakRPS = vs[peakAt]
	s.derive(inputs.PathPeakRPS, s.PeakRPS, fmt.Sprintf("the highest rate in the history, at %s (step %s)",
		stamp(h.at(idx[peakAt])), h.Step))
	s.quiet(h)
	s.ramp(h)
	s.spikes(h)
	return s, nil
}

func (s *Sizing) warnings(h History) {
	if c := h.Covered(); c < DayHistory {
		s.Warnings = append(s.Warnings, fmt.Sprintf("only %s of history: a day's peak and quiet may not be in it", c))
	}
	var missing time.Duration
	gaps := h.Gaps()
	for _, g := range gaps {
		missing += g.Duration(h.Step)
	}
	if len(gaps) > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%d gaps, %s in all, the longest from %s: left out, not filled",
			len(gaps), missing, stamp(longest(gaps, h.Step).From)))
	}
	if len(h.Resets) > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("the counter reset %d times (first at %s): the rate window around "+
			"each reset undercounts", len(h.Resets), stamp(h.Resets[0])))
	}
}

func longest(gaps []Gap, step time.Duration) Gap {
	l := gaps[0]
	for _, g := range gaps {
		if g.Duration(step) > l.Duration(step) {
			l = g
		}
	}
	return l
}

// quiet is the lowest mean over QuietWindow.
func (s *Sizing) quiet(h History) {
	low, at := math.Inf(1), 0
	for i, m := range h.rollingMean(QuietWindow) {
		if !math.IsNaN(m) && m < low {
			low, at = m, i
		}
	}
	if math.IsInf(low, 1) {
		vs, _ := h.values()
		low = percentile(vs, 5)
		s.MinLoadRPS = low
		s.derive(inputs.PathMinLoadRPS, low, fmt.Sprintf("the 5th percentile: no %s stretch holds enough values",
			QuietWindow))
		return
	}
	s.MinLoadRPS = low
	s.derive(inputs.PathMinLoadRPS, low, fmt.Sprintf("the lowest mean over %s, ending %s", QuietWindow, stamp(h.at(at))))
}

// ramp is the steepest rise of the mean over RampWindow that is sustained: the mean one
// RampWindow later is no lower, so a spike's rise and fall is not taken for a ramp.
func (s *Sizing) ramp(h History) {
	mean, n := h.rollingMean(RampWindow), max(int(RampWindow/h.Step), 1)
	best, at := 0.0, -1
	for i := n; i+n < len(mean); i++ {
		if math.IsNaN(mean[i]) || math.IsNaN(mean[i-n]) || math.IsNaN(mean[i+n]) || mean[i+n] < mean[i] {
			continue
		}
		if r := (mean[i] - mean[i-n]) / RampWindow.Seconds(); r > best {
			best, at = r, i
		}
	}
	s.RampRPSPerSecond = best
	if at < 0 {
		s.derive(inputs.PathRampRate, 0, fmt.Sprintf("no rise sustained over %s: unknown", RampWindow))
		return
	}
	s.derive(inputs.PathRampRate, best, fmt.Sprintf("the steepest rise of the %s mean, held for %s after, ending %s",
		RampWindow, RampWindow, stamp(h.at(at))))
}

// spikes are runs of points at least SpikeRise × the BaselineWindow mean before them that end
// within RampWindow; SpikeSeconds is the longest.
func (s *Sizing) spikes(h History) {
	base := h.rollingMean(BaselineWindow)
	run, longestRun, at := 0, 0, -1
	for i := 1; i < len(h.RPS); i++ {
		b := base[i-run-1] // the baseline before the run started
		if v := h.RPS[i]; !math.IsNaN(v) && !math.IsNaN(b) && b > 0 && v >= SpikeRise*b {
			run++
			continue
		}
		if run > 0 && time.Duration(run)*h.Step <= RampWindow {
			s.Spikes++
			if run > longestRun {
				longestRun, at = run, i-run
			}
		}
		run = 0
	}
	s.SpikeSeconds = int((time.Duration(longestRun) * h.Step).Seconds())
	if at < 0 {
		s.derive(inputs.PathSpikeSeconds, 0, fmt.Sprintf("no spike (%g× the %s mean before it, over within %s)",
			SpikeRise, BaselineWindow, RampWindow))
		return
	}
	s.derive(inputs.PathSpikeSeconds, float64(s.SpikeSeconds), fmt.Sprintf("the longest of %d spikes (%g× the %s mean "+
		"before it, over within %s), from %s; spikes shorter than the step (%s) cannot be seen", s.Spikes, SpikeRise,
		BaselineWindow, RampWindow, stamp(h.at(at)), h.Step))
}

func (s *Sizing) derive(field string, v float64, why string) {
	s.Reasons = append(s.Reasons, policy.Derivation{Field: field,
		Value: strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64), Reason: why})
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
