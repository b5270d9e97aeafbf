package hpasim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Point is the offered load at one moment.
type Point struct {
	Seconds int
	RPS     float64
}

// Trace is offered load over time: points in increasing time, linear in between, so a ramp needs
// only its two ends. The trace lasts until its last point.
type Trace []Point

// Validate refuses traces the simulation cannot run.
func (tr Trace) Validate() error {
	if len(tr) < 2 {
		return errors.New("a load trace needs at least two points")
	}
	if tr[0].Seconds != 0 {
		return fmt.Errorf("a load trace starts at 0 s, this one at %d s", tr[0].Seconds)
	}
	for i, p := range tr {
		if math.IsNaN(p.RPS) || math.IsInf(p.RPS, 0) || p.RPS < 0 {
			return fmt.Errorf("point %d (%d s): load %v is not a finite number ≥ 0", i, p.Seconds, p.RPS)
		}
		if i > 0 && p.Seconds <= tr[i-1].Seconds {
			return fmt.Errorf("point %d: time %d s does not come after %d s", i, p.Seconds, tr[i-1].Seconds)
		}
	}
	return nil
}

// Duration is the trace's length in seconds.
func (tr Trace) Duration() int { return tr[len(tr)-1].Seconds }

// Sample gives the load at every whole second of the trace, interpolating between points.
func (tr Trace) Sample() []float64 {
	out := make([]float64, tr.Duration())
	seg := 0
	for t := range out {
		for tr[seg+1].Seconds <= t {
			seg++
		}
		a, b := tr[seg], tr[seg+1]
		f := float64(t-a.Seconds) / float64(b.Seconds-a.Seconds)
		out[t] = a.RPS + f*(b.RPS-a.RPS)
	}
	return out
}

// Peak is the highest load in the trace.
func (tr Trace) Peak() float64 {
	p := 0.0
	for _, pt := range tr {
		p = max(p, pt.RPS)
	}
	return p
}

// LastChange is the last second at which the load is still changing; the time to steady state is
// measured from it.
func (tr Trace) LastChange() int {
	for i := len(tr) - 1; i > 0; i-- {
		if tr[i].RPS != tr[i-1].RPS {
			return tr[i].Seconds
		}
	}
	return 0
}

// ParseTraceCSV reads "seconds,rps" lines; a header line and blank lines are skipped.
func ParseTraceCSV(r io.Reader) (Trace, error) {
	var tr Trace
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") || (line == 1 && strings.HasPrefix(text, "seconds")) {
			continue
		}
		fields := strings.Split(text, ",")
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want \"seconds,rps\", got %q", line, text)
		}
		sec, err := strconv.Atoi(strings.TrimSpace(fields[0]))
		if err != nil {
			return nil, fmt.Errorf("line %d: seconds: %w", line, err)
		}
		rps, err := strconv.ParseFloat(strings.TrimSpace(fields[1]), 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: rps: %w", line, err)
		}
		tr = append(tr, Point{sec, rps})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading load trace: %w", err)
	}
	if err := tr.Validate(); err != nil {
		return nil, fmt.Errorf("invalid load trace: %w", err)
	}
	return tr, nil
}

// WriteCSV writes the trace as ParseTraceCSV reads it.
func (tr Trace) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "seconds,rps")
	for _, p := range tr {
		fmt.Fprintf(bw, "%d,%s\n", p.Seconds, strconv.FormatFloat(p.RPS, 'f', -1, 64))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing load trace: %w", err)
	}
	return nil
}
