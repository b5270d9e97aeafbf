package main

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
)

// Plot geometry: two panels sharing the time axis, RPS above and replicas below.
const (
	svgWidth      = 960
	svgHeight     = 620
	plotLeft      = 64
	plotRight     = 24
	rpsTop        = 70
	rpsHeight     = 240
	replicaTop    = 360
	replicaHeight = 210
)

// series is one line of the plot.
type series struct {
	label, color string
	dashed, step bool
	value        func(hpasim.Sample) float64
}

// plotFrame maps seconds and values to SVG coordinates for one panel.
type plotFrame struct {
	seconds     int
	top, height float64
	maxValue    float64
}

func (f plotFrame) x(t int) float64 {
	return plotLeft + float64(t)/float64(max(f.seconds, 1))*float64(svgWidth-plotLeft-plotRight)
}

func (f plotFrame) y(v float64) float64 { return f.top + f.height*(1-v/f.maxValue) }

// writeSVG draws the run: offered load, capacity and the metric the HPAs saw; Model and Server
// replicas, requested and in service; ScheduleFailed spans shaded across both panels.
func writeSVG(w io.Writer, title string, tl []hpasim.Sample) error {
	if len(tl) == 0 {
		return fmt.Errorf("nothing to plot: the timeline is empty")
	}
	bw := bufio.NewWriter(w)
	n := len(tl)
	maxRPS, maxReplicas := 1.0, 1.0
	for _, s := range tl {
		maxRPS = max(maxRPS, s.Load, s.Capacity, s.Metric)
		maxReplicas = max(maxReplicas, float64(s.ModelDesired), float64(s.ServerDesired))
	}
	rps := plotFrame{seconds: n, top: rpsTop, height: rpsHeight, maxValue: niceCeil(maxRPS * 1.05)}
	reps := plotFrame{seconds: n, top: replicaTop, height: replicaHeight, maxValue: math.Ceil(maxReplicas) + 1}

	fmt.Fprintf(
		bw,
		`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" `+
			`font-family="sans-serif" font-size="12">`+"\n",
		svgWidth, svgHeight, svgWidth, svgHeight,
	)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", svgWidth, svgHeight)
	fmt.Fprintf(bw, `<text x="%d" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", plotLeft, escape(title))

	for _, span := range scheduleFailedSpans(tl) {
		for _, f := range []plotFrame{rps, reps} {
			fmt.Fprintf(bw, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#d62728" fill-opacity="0.15"/>`+"\n",
				f.x(span[0]), f.top, f.x(span[1])-f.x(span[0]), f.height)
		}
	}
	writeAxes(bw, rps, "RPS", false)
	writeAxes(bw, reps, "replicas", true)

	rpsSeries := []series{
		{"offered load", "#222222", false, false, func(s hpasim.Sample) float64 { return s.Load }},
		{"serving capacity", "#1f77b4", false, true, func(s hpasim.Sample) float64 { return s.Capacity }},
		{"metric the HPAs read", "#7f7f7f", true, true, func(s hpasim.Sample) float64 { return s.Metric }},
	}
	replicaSeries := []series{
		{"Model serving", "#2ca02c", false, true, func(s hpasim.Sample) float64 { return float64(s.ModelServing) }},
		{"Model requested", "#2ca02c", true, true, func(s hpasim.Sample) float64 { return float64(s.ModelDesired) }},
		{"Server ready", "#ff7f0e", false, true, func(s hpasim.Sample) float64 { return float64(s.ServerReady) }},
		{"Server requested", "#ff7f0e", true, true, func(s hpasim.Sample) float64 { return float64(s.ServerDesired) }},
	}
	for _, s := range rpsSeries {
		writeLine(bw, rps, tl, s)
	}
	for _, s := range replicaSeries {
		writeLine(bw, reps, tl, s)
	}
	legend := append(append([]series{}, rpsSeries...), replicaSeries...)
	for i, s := range legend {
		x, y := float64(plotLeft+(i%4)*225), float64(40+(i/4)*16)
		fmt.Fprintf(
			bw,
			`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>`,
			x,
			y-4,
			x+22,
			y-4,
			s.color,
			dash(s.dashed),
		)
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f">%s</text>`+"\n", x+28, y, escape(s.label))
	}
	x := float64(plotLeft + 3*225)
	fmt.Fprintf(
		bw,
		`<rect x="%.1f" y="46" width="22" height="10" fill="#d62728" fill-opacity="0.15"/>`+
			`<text x="%.1f" y="56">Model ScheduleFailed</text>`+"\n",
		x, x+28,
	)
	fmt.Fprintln(bw, `</svg>`)
	return bw.Flush()
}

// scheduleFailedSpans lists [start, end) seconds of each ScheduleFailed episode.
func scheduleFailedSpans(tl []hpasim.Sample) [][2]int {
	var spans [][2]int
	start := -1
	for i, s := range tl {
		switch {
		case s.ScheduleFailed && start < 0:
			start = i
		case !s.ScheduleFailed && start >= 0:
			spans = append(spans, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		spans = append(spans, [2]int{start, len(tl)})
	}
	return spans
}

// writeLine draws a series, keeping only the points that shape it: changes for step series,
// bends for linear ones.
func writeLine(w io.Writer, f plotFrame, tl []hpasim.Sample, s series) {
	var pts []string
	add := func(t int, v float64) { pts = append(pts, fmt.Sprintf("%.1f,%.1f", f.x(t), f.y(v))) }
	add(0, s.value(tl[0]))
	for t := 1; t < len(tl); t++ {
		prev, cur := s.value(tl[t-1]), s.value(tl[t])
		if s.step {
			if cur != prev {
				add(t, prev)
				add(t, cur)
			}
			continue
		}
		if t+1 < len(tl) && math.Abs((s.value(tl[t+1])-cur)-(cur-prev)) > 1e-9 {
			add(t, cur)
		}
	}
	add(len(tl), s.value(tl[len(tl)-1]))
	fmt.Fprintf(w, `<polyline fill="none" stroke="%s" stroke-width="1.6"%s points="%s"><title>%s</title></polyline>`+"\n",
		s.color, dash(s.dashed), strings.Join(pts, " "), escape(s.label))
}

func dash(dashed bool) string {
	if dashed {
		return ` stroke-dasharray="5,3"`
	}
	return ""
}

// writeAxes draws a panel's frame, horizontal grid with value labels, and time ticks.
func writeAxes(w io.Writer, f plotFrame, unit string, timeLabels bool) {
	right := float64(svgWidth - plotRight)
	fmt.Fprintf(
		w,
		`<rect x="%d" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#999"/>`+"\n",
		plotLeft,
		f.top,
		right-plotLeft,
		f.height,
	)
	step := niceStep(f.maxValue, 5)
	for v := 0.0; v <= f.maxValue+1e-9; v += step {
		y := f.y(v)
		fmt.Fprintf(w, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e5e5e5"/>`, plotLeft, y, right, y)
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", plotLeft-6, y+4, trimFloat(v))
	}
	fmt.Fprintf(
		w,
		`<text x="14" y="%.1f" transform="rotate(-90 14 %.1f)" text-anchor="middle">%s</text>`+"\n",
		f.top+f.height/2,
		f.top+f.height/2,
		unit,
	)
	tick := timeTick(f.seconds)
	for t := 0; t <= f.seconds; t += tick {
		x := f.x(t)
		fmt.Fprintf(
			w,
			`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999"/>`,
			x,
			f.top+f.height,
			x,
			f.top+f.height+4,
		)
		if timeLabels {
			fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x, f.top+f.height+18, timeLabel(t, tick))
		}
		fmt.Fprintln(w)
	}
}

// timeTick picks a tick interval giving at most about ten ticks.
func timeTick(seconds int) int {
	for _, t := range []int{15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200} {
		if seconds/t <= 10 {
			return t
		}
	}
	return 14400
}

func timeLabel(t, tick int) string {
	if tick < 60 {
		return fmt.Sprintf("%d s", t)
	}
	return fmt.Sprintf("%d min", t/60)
}

// niceStep is a 1, 2 or 5 × 10ⁿ step giving about n intervals up to maxValue.
func niceStep(maxValue float64, n int) float64 {
	raw := maxValue / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

// niceCeil rounds up to a multiple of its own nice step, so the top grid line is the frame.
func niceCeil(v float64) float64 {
	step := niceStep(v, 5)
	return math.Ceil(v/step) * step
}

func trimFloat(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) }

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}
