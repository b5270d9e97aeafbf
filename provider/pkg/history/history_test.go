package history

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
)

var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

const step = 30 * time.Second

// build is a history at step from a function of the seconds since t0, over d.
func build(d time.Duration, rps func(sec int) float64) History {
	n := int(d/step) + 1
	h := History{Start: t0, Step: step, RPS: make([]float64, n)}
	for i := range h.RPS {
		h.RPS[i] = rps(i * int(step/time.Second))
	}
	return h
}

// known is 10 RPS, then a rise to 40 RPS at 0.025 RPS/s (20 minutes) from 1 h, held an hour, then
// back to 10; on the quiet load before it, two spikes to 30 RPS of 60 s and 120 s (the second's
// rise is steeper than the ramp's, over the ramp window, but falls back).
func known(sec int) float64 {
	switch {
	case sec >= 1800 && sec < 1860, sec >= 2700 && sec < 2820:
		return 30
	case sec >= 3600 && sec < 4800:
		return 10 + 0.025*float64(sec-3600)
	case sec >= 4800 && sec < 8400:
		return 40
	}
	return 10
}

func field(t *testing.T, s Sizing, path string) string {
	t.Helper()
	for _, d := range s.Reasons {
		if d.Field == path {
			return d.Value + ": " + d.Reason
		}
	}
	t.Fatalf("no reason for %s in %v", path, s.Reasons)
	return ""
}

// TestDeriveReadsEachInputFromAKnownTrace: every sizing input is read from a trace built to hold it.
func TestDeriveReadsEachInputFromAKnownTrace(t *testing.T) {
	s, err := Derive(build(4*time.Hour, known))
	if err != nil {
		t.Fatal(err)
	}
	if s.PeakRPS != 40 || s.MinLoadRPS != 10 || s.Spikes != 2 || s.SpikeSeconds != 120 {
		t.Errorf("peak %v, quiet %v, %d spikes, longest %d s; want 40, 10, 2, 120", s.PeakRPS, s.MinLoadRPS,
			s.Spikes, s.SpikeSeconds)
	}
	if math.Abs(s.RampRPSPerSecond-0.025) > 1e-9 {
		t.Errorf("ramp %v RPS/s, want 0.025", s.RampRPSPerSecond)
	}
	for path, want := range map[string]string{
		inputs.PathPeakRPS:      "40: the highest rate in the history, at 2026-12-01T01:20:00Z",
		inputs.PathMinLoadRPS:   "10: the lowest mean over 15m0s",
		inputs.PathRampRate:     "0.025: the steepest rise of the 5m0s mean",
		inputs.PathSpikeSeconds: "120: the longest of 2 spikes",
	} {
		if got := field(t, s, path); !strings.HasPrefix(got, want) {
			t.Errorf("%s: %q, want it to start %q", path, got, want)
		}
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "only 4h0m30s of history") {
		t.Errorf("warnings %q, want only the one about less than a day", s.Warnings)
	}
}

// TestDeriveTellsASpikeFromAStep: a rise that stays past RampWindow is a step, not a spike.
func TestDeriveTellsASpikeFromAStep(t *testing.T) {
	s, err := Derive(build(3*time.Hour, func(sec int) float64 {
		if sec >= 3600 {
			return 30
		}
		return 10
	}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Spikes != 0 || s.SpikeSeconds != 0 || !strings.HasPrefix(field(t, s, inputs.PathSpikeSeconds), "0: no spike") {
		t.Errorf("%d spikes, longest %d s: a step was taken for a spike", s.Spikes, s.SpikeSeconds)
	}
	if want := 20.0 / RampWindow.Seconds(); math.Abs(s.RampRPSPerSecond-want) > 1e-9 {
		t.Errorf("ramp %v, want the step spread over the ramp window, %v", s.RampRPSPerSecond, want)
	}
}

// TestGapsAreReportedNotFilled: gaps split the replayed segments, are left out of every derived
// value, and are named in the warnings, as are counter resets.
func TestGapsAreReportedNotFilled(t *testing.T) {
	h := build(3*time.Hour, func(int) float64 { return 10 })
	for i := 120; i < 140; i++ { // 10 minutes from 1 h
		h.RPS[i] = math.NaN()
	}
	h.RPS[300] = math.NaN()
	h.Resets = []time.Time{t0.Add(2 * time.Hour)}
	gaps := h.Gaps()
	if len(gaps) != 2 || !gaps[0].From.Equal(t0.Add(time.Hour)) || gaps[0].Duration(step) != 10*time.Minute {
		t.Fatalf("gaps %+v", gaps)
	}
	segs := h.Segments(30 * time.Minute)
	if len(segs) != 2 || segs[0].Trace.Duration() != 3570 || !segs[1].Start.Equal(t0.Add(70*time.Minute)) {
		t.Errorf("segments %d, first %d s, second from %v", len(segs), segs[0].Trace.Duration(), segs[1].Start)
	}
	s, err := Derive(h)
	if err != nil {
		t.Fatal(err)
	}
	if s.MinLoadRPS != 10 || s.PeakRPS != 10 {
		t.Errorf("quiet %v, peak %v: a gap was read as a value", s.MinLoadRPS, s.PeakRPS)
	}
	all := strings.Join(s.Warnings, "\n")
	for _, want := range []string{"2 gaps, 10m30s in all, the longest from 2026-12-01T01:00:00Z: left out, not filled",
		"the counter reset 1 times (first at 2026-12-01T02:00:00Z)"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
}

// TestTooLittleHistoryIsRefused: less than MinHistory of values sizes nothing.
func TestTooLittleHistoryIsRefused(t *testing.T) {
	h := build(3*time.Hour, func(int) float64 { return 5 })
	for i := 100; i < len(h.RPS); i++ {
		h.RPS[i] = math.NaN()
	}
	if _, err := Derive(h); !errors.Is(err, ErrTooLittle) || !strings.Contains(err.Error(), "50m0s of values") {
		t.Errorf("error %v, want too little history naming 50m0s", err)
	}
}

// TestFromSamplesKeepsTheGrid: samples land on their grid points, missing points stay gaps, and a
// sample off the grid is refused.
func TestFromSamplesKeepsTheGrid(t *testing.T) {
	h, err := FromSamples(t0, t0.Add(2*time.Minute), step, []Sample{{t0, 1}, {t0.Add(time.Minute), 3}})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.RPS) != 5 || h.RPS[0] != 1 || !math.IsNaN(h.RPS[1]) || h.RPS[2] != 3 || len(h.Gaps()) != 2 {
		t.Errorf("grid %v, gaps %v", h.RPS, h.Gaps())
	}
	if _, err := FromSamples(t0, t0.Add(time.Minute), step, []Sample{{t0.Add(10 * time.Second), 1}}); err == nil {
		t.Error("a sample off the grid was accepted")
	}
}

// TestBoundaries: each threshold is inclusive where its doc says so, and ties go to the first.
func TestBoundaries(t *testing.T) {
	flat := func(d time.Duration) History { return build(d, func(int) float64 { return 10 }) }
	t.Run("exactly MinHistory of values is enough", func(t *testing.T) {
		h := flat(2 * time.Hour)
		for i := int(MinHistory / step); i < len(h.RPS); i++ {
			h.RPS[i] = math.NaN()
		}
		if h.Covered() != MinHistory {
			t.Fatalf("covered %s", h.Covered())
		}
		if _, err := Derive(h); err != nil {
			t.Error(err)
		}
	})
	t.Run("a flat load has no ramp", func(t *testing.T) {
		s, err := Derive(flat(2 * time.Hour))
		if err != nil || s.RampRPSPerSecond != 0 || !strings.HasPrefix(field(t, s, inputs.PathRampRate), "0: no rise") {
			t.Errorf("ramp %v (%v)", s.RampRPSPerSecond, err)
		}
	})
	t.Run("exactly a day of values draws no warning", func(t *testing.T) {
		h := flat(25 * time.Hour)
		h.RPS = h.RPS[:int(DayHistory/step)]
		if s, err := Derive(h); err != nil || len(s.Warnings) != 0 {
			t.Errorf("warnings %q, error %v", s.Warnings, err)
		}
	})
	t.Run("of equal gaps the first is the longest", func(t *testing.T) {
		h := flat(3 * time.Hour)
		h.RPS[10], h.RPS[200] = math.NaN(), math.NaN()
		s, err := Derive(h)
		if err != nil || !strings.Contains(strings.Join(s.Warnings, ""), "the longest from 2026-12-01T00:05:00Z") {
			t.Errorf("warnings %q, error %v", s.Warnings, err)
		}
	})
	t.Run("ties: the first quiet window, ramp and spike", func(t *testing.T) {
		s, err := Derive(build(6*time.Hour, func(sec int) float64 {
			switch {
			case sec >= 3600 && sec < 3900, sec >= 9000 && sec < 9300: // 5-minute spikes: exactly RampWindow
				return 12 // exactly SpikeRise × 10
			case sec >= 14400 && sec < 14700:
				return 10 + float64(sec-14400)/30 // a ramp of 1/30 RPS/s to 20, held
			case sec >= 14700:
				return 20
			}
			return 10
		}))
		if err != nil {
			t.Fatal(err)
		}
		for path, want := range map[string]string{
			inputs.PathMinLoadRPS: "10: the lowest mean over 15m0s, ending 2026-12-01T00:14:30Z",
			inputs.PathSpikeSeconds: "300: the longest of 2 spikes (1.2× the 30m0s mean before it, over within 5m0s), " +
				"from 2026-12-01T01:00:00Z",
		} {
			if got := field(t, s, path); !strings.HasPrefix(got, want) {
				t.Errorf("%s: %q, want it to start %q", path, got, want)
			}
		}
	})
	t.Run("a zero baseline makes no spike of the point against it", func(t *testing.T) {
		s, err := Derive(build(2*time.Hour, func(sec int) float64 {
			if sec >= 3600 && sec < 3660 {
				return 5
			}
			return 0
		}))
		// The burst's first point has a baseline of 0 to be measured against, and is not counted; its
		// second has the first in its baseline.
		if err != nil || s.Spikes != 1 || s.SpikeSeconds != 30 {
			t.Errorf("%d spikes, longest %d s, after an idle half hour; want one of 30 s (%v)", s.Spikes, s.SpikeSeconds, err)
		}
	})
}

// TestQuietWithoutAFullWindow: when no 15-minute stretch holds half its points, the quietest load
// is the 5th percentile of what there is.
func TestQuietWithoutAFullWindow(t *testing.T) {
	h := build(4*time.Hour, func(sec int) float64 { return float64(1 + sec%1000) })
	for i := range h.RPS {
		if i%3 != 0 {
			h.RPS[i] = math.NaN()
		}
	}
	s, err := Derive(h)
	if err != nil {
		t.Fatal(err)
	}
	vs, _ := h.values()
	if want := percentile(vs, 5); s.MinLoadRPS != want || want <= 1 ||
		!strings.Contains(field(t, s, inputs.PathMinLoadRPS), "the 5th percentile") {
		t.Errorf("quiet %v, want the 5th percentile %v: %s", s.MinLoadRPS, want, field(t, s, inputs.PathMinLoadRPS))
	}
	if p := percentile([]float64{4, 1, 3, 2}, 50); p != 2 {
		t.Errorf("the median of 1..4 by nearest rank is %v, want 2", p)
	}
}

// TestRangesAndSegmentsAtTheirEdges: a zero step and an empty range are refused, a sample one step
// past the end is off the grid, and a segment exactly minLength long is replayed, from 0.
func TestRangesAndSegmentsAtTheirEdges(t *testing.T) {
	if _, err := FromSamples(t0, t0.Add(time.Hour), 0, nil); err == nil {
		t.Error("a zero step was accepted")
	}
	if _, err := FromSamples(t0, t0, step, nil); err == nil {
		t.Error("an empty range was accepted")
	}
	if _, err := FromSamples(t0, t0.Add(time.Minute), step, []Sample{{t0.Add(90 * time.Second), 1}}); err == nil {
		t.Error("a sample past the end was accepted")
	}
	h := build(2*time.Hour, func(sec int) float64 { return float64(sec) })
	h.RPS[119] = math.NaN() // points 0..118 span 59 minutes, 120..240 exactly an hour
	segs := h.Segments(time.Hour)
	if len(segs) != 1 || segs[0].Trace[0] != (hpasim.Point{Seconds: 0, RPS: 3600}) || segs[0].Trace.Duration() != 3600 ||
		!segs[0].Start.Equal(t0.Add(time.Hour)) {
		t.Errorf("segments %+v", segs)
	}
}

// TestPiecesCutSegments: a 2.5-hour stretch in pieces of at most an hour is three pieces, each
// from 0 and starting where it starts; the last, 30 minutes, is kept only when that is enough.
func TestPiecesCutSegments(t *testing.T) {
	h := build(150*time.Minute, func(sec int) float64 { return float64(sec) })
	pieces := h.Pieces(30*time.Minute, time.Hour)
	if len(pieces) != 3 || pieces[1].Trace[0] != (hpasim.Point{Seconds: 0, RPS: 3600}) ||
		pieces[1].Trace.Duration() != 3600 || !pieces[2].Start.Equal(t0.Add(2*time.Hour)) ||
		pieces[2].Trace.Duration() != 1800 {
		t.Errorf("pieces %d: %+v", len(pieces), pieces)
	}
	if n := len(h.Pieces(31*time.Minute, time.Hour)); n != 2 {
		t.Errorf("%d pieces, want the 30-minute remainder left out", n)
	}
}
