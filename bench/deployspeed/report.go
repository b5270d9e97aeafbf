package deployspeed

import (
	_ "embed"
	"fmt"
	"path"
	"strings"
	"text/template"
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/bench/handwritten"
)

// busyCores is how much CPU other processes may use on average during a run before the report
// calls the machine otherwise busy.
const busyCores = 0.25

// reportTemplate is the prose of docs/deploy-speed.md around the figures reportOf computes.
//
//go:embed report.md.tmpl
var reportTemplate string

// report is what the report shows, computed apart from its prose and table layout, which are all
// report.md.tmpl's: one named template per section. A nil section is left out.
type report struct {
	Command, Generated, Took string
	Machine                  Machine
	LoadBefore, LoadAfter    string
	BusyCPU, Available, Own  float64
	Busy                     busyNote
	Measured                 measuredSection
	Results                  []resultRow
	FloorPct, HandPct        float64
	HandwrittenMaxN          int
	Targets                  []Target
	Growth                   *growthSection
	Startup                  *startupSection
	Where                    whereSection
	Engine                   *engineSection
	Profiles                 profilesSection
	RawRuns                  rawRunsSection
}

// busyNote says how busy the machine was apart from the benchmark: Kind "busy", "quiet" (other
// processes used Other core-seconds) or "unmeasurable" (the benchmark's own accounting exceeds the
// machine's busy time by -Other).
type busyNote struct {
	Kind                        string
	Other, Cores, Limit, ErrPct float64
	Runs                        []string
	AllRuns                     int
}

// Markdown is the report docs/deploy-speed.md holds: generated, never edited by hand.
func (r *Result) Markdown() string { return render("report", r.reportOf()) }

// reportTemplates are report.md.tmpl's templates: "report", the whole report, and the parts it
// is made of.
var reportTemplates = template.Must(template.New("report").
	Funcs(template.FuncMap{"join": strings.Join, "each": eachOf}).Parse(reportTemplate))

// render executes the named template of report.md.tmpl on data.
func render(name string, data any) string {
	var b strings.Builder
	if err := reportTemplates.ExecuteTemplate(&b, name, data); err != nil {
		// The template is embedded and its data typed: an error here is a bug in both.
		panic(fmt.Sprintf("report template %s: %v", name, err))
	}
	return b.String()
}

// reportOf computes the report's figures, section by section; report.md.tmpl words them.
func (r *Result) reportOf() report {
	c := r.Config
	elapsed := r.Finished.Sub(r.Started).Seconds()
	return report{
		Command: c.Command, Generated: r.Started.UTC().Format("2006-01-02 15:04 MST"),
		Took:    r.Finished.Sub(r.Started).Round(time.Second).String(),
		Machine: r.Machine, LoadBefore: r.LoadBefore, LoadAfter: r.LoadAfter,
		BusyCPU: r.BusyCPU, Available: elapsed * float64(r.Machine.Cores), Own: r.OwnCPU, Busy: r.busyNote(),
		Measured: r.measuredSection(), Results: r.resultRows(),
		FloorPct: 100 * (FloorLimit - 1), HandPct: 100 * (HandwrittenLimit - 1), HandwrittenMaxN: HandwrittenMaxN,
		Targets: r.Targets(), Growth: r.growthSection(), Startup: r.startupSection(),
		Where: r.whereSection(), Engine: r.engineSection(), Profiles: r.profilesSection(),
		RawRuns: r.rawRunsSection(),
	}
}

// busyNote compares the machine's busy CPU with the benchmark's own, overall and run by run.
func (r *Result) busyNote() busyNote {
	elapsed := r.Finished.Sub(r.Started).Seconds()
	other := r.BusyCPU - r.OwnCPU
	n := busyNote{Kind: "quiet", Other: other, Cores: other / max(elapsed, 1), Limit: busyCores}
	runs := r.allRuns()
	n.AllRuns = len(runs)
	for _, run := range runs {
		if run.OtherCores > busyCores {
			n.Runs = append(n.Runs, fmt.Sprintf("%s N=%d %s %s(%.2f cores)", run.Program, run.N, run.Label,
				settingTag(run), run.OtherCores))
		}
	}
	switch {
	case len(n.Runs) > 0 || (elapsed > 0 && other/elapsed > busyCores):
		n.Kind, n.Other, n.Cores = "busy", max(other, 0), max(other, 0)/max(elapsed, 1)
	case other < 0:
		n.Kind, n.Other, n.ErrPct = "unmeasurable", -other, 100*-other/max(r.BusyCPU, 1)
	}
	return n
}

// allRuns are the timed runs: every set's, then the engine settings'.
func (r *Result) allRuns() []*Run {
	var out []*Run
	for _, set := range r.Sets {
		out = append(out, set...)
	}
	return append(out, r.Engine...)
}

// settingTag names a run's engine setting, if it has one, for a list of runs.
func settingTag(run *Run) string {
	if run.Setting == "" {
		return ""
	}
	return run.Setting + " "
}

// perProgram is f of every program, in the order of Programs (component / hand-written / floor).
func perProgram(f func(i int) float64) []float64 {
	out := make([]float64, len(Programs))
	for i := range Programs {
		out[i] = f(i)
	}
	return out
}

// eachOf formats every figure of v, joined by " / ": the template's "each".
func eachOf(format string, v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf(format, x)
	}
	return strings.Join(parts, " / ")
}

// measuredSection is what "What is measured" states of the session: the floor's component type,
// how many sets were compared, and how they ran.
type measuredSection struct {
	FloorType string
	Sets      int
	Reps      int
	Warmup    bool
	WarmupN   int // the N of the discarded warm-up set
}

func (r *Result) measuredSection() measuredSection {
	c := r.Config
	m := measuredSection{FloorType: handwritten.FloorType, Sets: len(r.Sets), Reps: c.Reps, Warmup: c.Warmup}
	if c.Warmup {
		m.WarmupN = c.Ns[0]
	}
	return m
}

// resultRow is one row of "Results": a step at one N.
type resultRow struct {
	Step        Step
	N           int
	Wall        []float64 // median wall seconds per program
	Floor, Hand spread    // the set ratios component / floor and component / hand-written
	ProviderRSS float64   // MiB, the component's median
	KubeRSS     []float64 // MiB, median per program
}

// spread is the median and range of a set of figures.
type spread struct{ Median, Lo, Hi float64 }

func spreadOf(v []float64) spread {
	lo, hi := minMax(v)
	return spread{Median: median(v), Lo: lo, Hi: hi}
}

func (r *Result) resultRows() []resultRow {
	var rows []resultRow
	for _, s := range Steps {
		for _, n := range r.Config.Ns {
			rows = append(rows, resultRow{Step: s, N: n,
				Wall:  perProgram(func(i int) float64 { return r.wall(i, n, s) }),
				Floor: spreadOf(r.ratios(n, s, iComponent, iFloor)), Hand: spreadOf(r.ratios(n, s, iComponent, iHandwritten)),
				ProviderRSS: median(r.values(iComponent, n, func(run *Run) float64 {
					return kib(run.Steps[s].ProviderRSSKiB)
				})),
				KubeRSS: perProgram(func(i int) float64 {
					return median(r.values(i, n, func(run *Run) float64 { return kib(run.Steps[s].KubeRSSKiB) }))
				}),
			})
		}
	}
	return rows
}

// growthSection is "Growth with N": the exponent of each step from the first N to the last, and
// the marginal cost per model between successive N.
type growthSection struct {
	Lo, Hi    int
	Spans     []span // successive N
	LastFirst bool   // more than one span: the last marginal cost over the first is shown
	Rows      []growthRow
	Steep     []growthRow // the steps whose component's last marginal cost is over 1.5 × its first
}

// span is two successive N.
type span struct{ From, To int }

// growthRow is one step's figures, each per program.
type growthRow struct {
	Step      Step
	K         []float64
	Marginal  [][]float64 // per span: seconds per added model
	LastFirst []float64   // the last span's marginal cost over the first's
}

func (r *Result) growthSection() *growthSection {
	ns := r.Config.Ns
	if len(ns) < 2 {
		return nil
	}
	g := &growthSection{Lo: ns[0], Hi: ns[len(ns)-1], LastFirst: len(ns) > 2}
	for k := 1; k < len(ns); k++ {
		g.Spans = append(g.Spans, span{From: ns[k-1], To: ns[k]})
	}
	marginal := func(i int, s Step, sp span) float64 {
		return (r.wall(i, sp.To, s) - r.wall(i, sp.From, s)) / float64(sp.To-sp.From)
	}
	for _, s := range Steps {
		row := growthRow{Step: s, K: perProgram(func(i int) float64 { return r.exponent(i, s, g.Lo, g.Hi) })}
		for _, sp := range g.Spans {
			row.Marginal = append(row.Marginal, perProgram(func(i int) float64 { return marginal(i, s, sp) }))
		}
		if g.LastFirst {
			first, last := g.Spans[0], g.Spans[len(g.Spans)-1]
			row.LastFirst = perProgram(func(i int) float64 { return marginal(i, s, last) / marginal(i, s, first) })
			if row.LastFirst[iComponent] > 1.5 {
				g.Steep = append(g.Steep, row)
			}
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// startupRow is one binary's launches in "Provider start-up": milliseconds and MiB.
type startupRow struct {
	Binary          string
	Launches        int
	Ready, ReadyP90 float64
	RSS, HWM        float64
	Exit            float64
}

// startupSection is "Provider start-up": a row per binary launched.
type startupSection struct{ Rows []startupRow }

// startupSection is nil without start-up figures: the report then has no such section.
func (r *Result) startupSection() *startupSection {
	if len(r.Startup) == 0 {
		return nil
	}
	var rows []startupRow
	for _, key := range startupRows {
		ss := r.Startup[key]
		if len(ss) == 0 {
			continue
		}
		var ready, rss, hwm, exit []float64
		for _, s := range ss {
			ready = append(ready, ms(s.Ready))
			rss = append(rss, kib(s.RSSKiB))
			hwm = append(hwm, kib(s.HWMKiB))
			exit = append(exit, ms(s.ExitTime))
		}
		rows = append(rows, startupRow{Binary: key, Launches: len(ss), Ready: median(ready),
			ReadyP90: percentile(ready, 90), RSS: median(rss), HWM: median(hwm), Exit: median(exit)})
	}
	return &startupSection{Rows: rows}
}

// missedTargets are the missed ratio targets, one per N, step and program compared with.
func (r *Result) missedTargets() []Target {
	var out []Target
	for _, t := range r.Targets() {
		if !t.Met && t.Against >= 0 {
			out = append(out, t)
		}
	}
	return out
}

// profilesSection is the summary of the profiles of the lifecycles run where a target was missed.
type profilesSection struct {
	Dir      string // where the raw profiles are saved, or ""
	Engine   []Profile
	Missed   []profileDelta
	Profiles []summarizedProfile
}

// profileDelta compares the component's engine profile with another program's for a missed target.
type profileDelta struct {
	Target                        Target
	Against                       string
	Found                         bool
	SampledDelta, CheckpointDelta float64 // seconds, the component's less the other's
}

type summarizedProfile struct {
	Profile
	Summary ProfileSummary
	Missing string // pprof's error when there is no profile
	Raw     string // where the raw `pprof -top` text was saved, or ""
}

func (r *Result) profilesSection() profilesSection {
	out := profilesSection{Dir: r.Config.ProfileDir}
	for _, p := range r.Profiles {
		if p.Sampled > 0 {
			out.Engine = append(out.Engine, p)
		}
		sp := summarizedProfile{Profile: p}
		if out.Dir != "" {
			sp.Raw = path.Join(out.Dir, ProfileName(p)+".txt")
		}
		if strings.HasPrefix(p.Top, "no profile: ") {
			sp.Missing = p.Top
		} else {
			sp.Summary = SummarizeTop(p.Top, profileTopN)
		}
		out.Profiles = append(out.Profiles, sp)
	}
	for _, t := range r.missedTargets() {
		d := profileDelta{Target: t, Against: Programs[t.Against].Name}
		a, b := r.engineProfile(ComponentProgram.Name, t.N, t.Step), r.engineProfile(d.Against, t.N, t.Step)
		if a != nil && b != nil {
			d.Found = true
			d.SampledDelta, d.CheckpointDelta = (a.Sampled - b.Sampled).Seconds(), (a.Checkpoint - b.Checkpoint).Seconds()
		}
		out.Missed = append(out.Missed, d)
	}
	return out
}

// CheckpointShare is the percentage of the engine's sampled CPU spent saving the checkpoint.
func (p Profile) CheckpointShare() float64 { return 100 * p.Checkpoint.Seconds() / p.Sampled.Seconds() }

// engineProfile is the engine profile of program at n and step, if one was sampled.
func (r *Result) engineProfile(program string, n int, s Step) *Profile {
	for i, p := range r.Profiles {
		if p.Program == program && p.N == n && p.Step == s && p.Sampled > 0 {
			return &r.Profiles[i]
		}
	}
	return nil
}

// rawRunsSection is every timed run: the sets, then the engine-settings runs.
type rawRunsSection struct {
	Steps  []Step
	Sets   []rawSet
	Engine []rawRun
}

// rawSet is one set: each program's wall seconds per step, the load when it started and the
// cores other processes used during each program's run.
type rawSet struct {
	N, Rep int
	Walls  [][]float64 // per program, then per step
	Load   float64
	Other  []float64 // per program
}

// rawRun is one engine-settings run.
type rawRun struct {
	N                int
	Setting, Program string
	Walls            []float64 // per step
	Load, Other      float64
}

func (r *Result) rawRunsSection() rawRunsSection {
	raw := rawRunsSection{Steps: Steps}
	rep := map[int]int{}
	for _, set := range r.Sets {
		n := set[iComponent].N
		rep[n]++
		row := rawSet{N: n, Rep: rep[n], Load: set[iComponent].Load1,
			Other: perProgram(func(i int) float64 { return set[i].OtherCores })}
		for i := range Programs {
			row.Walls = append(row.Walls, stepWalls(set[i]))
		}
		raw.Sets = append(raw.Sets, row)
	}
	for _, run := range r.Engine {
		raw.Engine = append(raw.Engine, rawRun{N: run.N, Setting: run.Setting, Program: run.Program,
			Walls: stepWalls(run), Load: run.Load1, Other: run.OtherCores})
	}
	return raw
}

func kib(v int64) float64 { return float64(v) / 1024 }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
