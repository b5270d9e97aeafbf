package deployspeed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is one benchmark session.
type Config struct {
	Root            string // repository root
	Ns              []int  // model counts, ascending
	Reps            int    // sets (one run of each of Programs) per N
	Warmup          bool   // one discarded set at the smallest N first
	StartupLaunches int    // launches per binary for the start-up figures
	Profile         bool   // profile the component where a target is missed
	ProfileAt       int    // if > 0: profile at this N every step, whatever the results
	// ProfileDir receives each profile's raw `go tool pprof -top` text and its .pprof files (the
	// report shows only a summary); empty: not saved.
	ProfileDir string
	// Engine settings, measured after the sets at EngineN (0: not measured), EngineReps times each.
	EngineN        int
	EngineReps     int
	EngineSettings []EngineSetting
	Command        string    // how the benchmark was invoked, for the report
	Log            io.Writer `json:"-"` // progress
}

// Result is everything the report is made from.
type Result struct {
	Config     Config
	Machine    Machine
	Started    time.Time
	Finished   time.Time
	LoadBefore string
	LoadAfter  string
	// Machine-wide busy CPU during the benchmark and the part this benchmark used (core-seconds).
	BusyCPU, OwnCPU float64
	Startup         map[string][]Startup
	Sets            [][]*Run // per N and rep, one run of each of Programs, in that order
	Engine          []*Run   // the engine-settings runs (Run.Setting says which)
	Profiles        []Profile
}

// Startup figure keys.
const (
	StartProvider         = "seldon-autoscaling provider"
	StartProviderLauncher = "seldon-autoscaling provider via the benchmark's launcher"
	StartBare             = "plugin on the bare Go SDK (`bench/cmd/bareplugin`, for comparison)"
	StartKubernetes       = "kubernetes provider (for comparison)"
)

// startupRows are the start-up table's rows, in order.
var startupRows = []string{StartProvider, StartProviderLauncher, StartBare, StartKubernetes}

// Bench runs the whole session: start-up figures, then for each N Reps alternating sets
// (component, hand-written, floor), each checked for identical objects and state, then the
// engine settings, then profiles where a target is missed. The control plane and every plugin
// are stopped before it returns.
func Bench(ctx context.Context, cfg Config) (res *Result, err error) {
	logf := func(format string, a ...any) { fmt.Fprintf(cfg.Log, "bench: "+format+"\n", a...) }
	res = &Result{
		Config:     cfg,
		Machine:    describeMachine(cfg.Root),
		Started:    time.Now(),
		LoadBefore: loadavg(),
		Startup:    map[string][]Startup{},
	}
	stat0, use0 := busyCPU(), takeUsage(nil)
	bed, err := Start(ctx, Options{Root: cfg.Root, Log: cfg.Log})
	if err != nil {
		return nil, err
	}
	cp0 := takeUsage(bed).controlPlane
	defer func() {
		// Before Stop: once reaped, the control plane's CPU would be counted again as children's.
		use1 := takeUsage(bed)
		res.Finished, res.LoadAfter = time.Now(), loadavg()
		res.BusyCPU = busyCPU() - stat0
		res.OwnCPU = use1.self - use0.self + use1.children - use0.children + use1.controlPlane - cp0
		if stopErr := bed.Stop(); stopErr != nil {
			err = errors.Join(err, stopErr)
		}
	}()
	for _, p := range Programs {
		if err := bed.EnsureNamespace(ctx, p.Namespace); err != nil {
			return res, err
		}
	}

	if cfg.StartupLaunches > 0 {
		logf("start-up: %d launches of each plugin", cfg.StartupLaunches)
		bins := map[string]string{StartProvider: bed.Provider, StartProviderLauncher: bed.ProviderLauncher,
			StartBare: bed.BarePlugin, StartKubernetes: bed.Kubernetes}
		for _, key := range startupRows {
			if res.Startup[key], err = MeasureStartup(bins[key], cfg.StartupLaunches); err != nil {
				return res, err
			}
		}
	}

	if cfg.Warmup && len(cfg.Ns) > 0 {
		logf("warm-up set at N=%d (discarded)", cfg.Ns[0])
		for _, p := range Programs {
			if _, err := bed.RunLifecycle(ctx, p, cfg.Ns[0], "warmup", RunOptions{}); err != nil {
				return res, err
			}
		}
	}
	if err := res.benchSets(ctx, bed, logf); err != nil {
		return res, err
	}
	if cfg.EngineN > 0 {
		if err := res.benchEngine(ctx, bed, logf); err != nil {
			return res, err
		}
	}
	if cfg.ProfileAt > 0 {
		return res, res.profile(ctx, bed, cfg.ProfileAt, Steps)
	}
	if cfg.Profile {
		for _, n := range cfg.Ns {
			if steps := missedSteps(res, n); len(steps) > 0 {
				logf("profiling the three programs at N=%d", n)
				if err := res.profile(ctx, bed, n, steps); err != nil {
					return res, err
				}
			}
		}
	}
	return res, nil
}

// benchSets runs Reps sets per N, each checked equivalent.
func (r *Result) benchSets(ctx context.Context, bed *Bed, logf func(string, ...any)) error {
	for _, n := range r.Config.Ns {
		for rep := 1; rep <= r.Config.Reps; rep++ {
			label := fmt.Sprintf("n%d-r%d", n, rep)
			var set []*Run
			for _, p := range Programs {
				start := time.Now()
				run, err := bed.RunLifecycle(ctx, p, n, label, RunOptions{Snapshot: true})
				if err != nil {
					return err
				}
				logf("N=%d rep %d %-11s %6.1fs  (%s)", n, rep, p.Name, time.Since(start).Seconds(), stepSummary(run))
				set = append(set, run)
			}
			if diffs := Equivalent(set); len(diffs) > 0 {
				return fmt.Errorf("set %d at N=%d: the programs are not equivalent:\n%s", rep, n, strings.Join(diffs, "\n"))
			}
			r.Sets = append(r.Sets, set)
		}
	}
	return nil
}

// Equivalent lists every difference between the component's run (first, in the order of
// Programs) and each other run: objects in the API server, custom resources in the state and,
// for the floor, the number of resources in the state. Runs must have been snapshotted.
func Equivalent(set []*Run) []string {
	var out []string
	comp := set[iComponent]
	for i, run := range set[1:] {
		p := Programs[i+1]
		for _, d := range append(comp.Objects.Diff(run.Objects), DiffState(comp.State, run.State)...) {
			out = append(out, p.Name+": "+d)
		}
		if want := comp.StateResources - ProviderResources; p.Floor && run.StateResources != want {
			out = append(out, fmt.Sprintf("%s: %d resources in the state, want %d (the component's %d less its provider)",
				p.Name, run.StateResources, want, comp.StateResources))
		}
	}
	return out
}

// ProviderResources is how many more resources the component's state holds than the floor's at
// the same N: the seldon-autoscaling provider resource, which a program with no plugin has no use for.
const ProviderResources = 1

func stepSummary(run *Run) string { return eachOf("%.1f", stepWalls(run)) }

// stepWalls are the run's wall seconds per step, in lifecycle order.
func stepWalls(run *Run) []float64 {
	out := make([]float64, len(Steps))
	for i, s := range Steps {
		out[i] = run.Steps[s].Wall.Seconds()
	}
	return out
}

// Target says whether the component met one of the targets.
type Target struct {
	What    string
	Step    Step
	N       int
	Against int // the program the component is compared with (index in Programs); -1 for growth
	Value   float64
	Limit   float64
	Met     bool
}

// The ratio targets: the component within 5% of the floor at every N and step, and within 10% of
// the hand-written program up to HandwrittenMaxN models.
const (
	FloorLimit       = 1.05
	HandwrittenLimit = 1.10
	HandwrittenMaxN  = 10
)

// Targets evaluates the ratio targets and the growth target (exponent <= 1 per step).
func (r *Result) Targets() []Target {
	var out []Target
	ratio := func(n int, s Step, against int, limit float64) {
		v := median(r.ratios(n, s, iComponent, against))
		what := "component / " + Programs[against].Name + " " + string(s)
		out = append(out, Target{What: what, Step: s, N: n, Against: against, Value: v, Limit: limit, Met: v <= limit})
	}
	for _, n := range r.Config.Ns {
		for _, s := range Steps {
			ratio(n, s, iFloor, FloorLimit)
			if n <= HandwrittenMaxN {
				ratio(n, s, iHandwritten, HandwrittenLimit)
			}
		}
	}
	if lo, hi := r.Config.Ns[0], r.Config.Ns[len(r.Config.Ns)-1]; hi > lo {
		for _, s := range Steps {
			e := r.exponent(iComponent, s, lo, hi)
			out = append(out, Target{What: "growth exponent " + string(s), Step: s, N: hi, Against: -1, Value: e, Limit: 1,
				Met: e <= 1})
		}
	}
	return out
}

// missedSteps are the steps whose targets were missed at n, in lifecycle order.
func missedSteps(r *Result, n int) []Step {
	missed := map[Step]bool{}
	for _, t := range r.Targets() {
		if !t.Met && t.N == n {
			missed[t.Step] = true
		}
	}
	var steps []Step
	for _, s := range Steps {
		if missed[s] {
			steps = append(steps, s)
		}
	}
	return steps
}

// DefaultProfileDir is where `make bench` saves the raw profiles the report summarises.
const DefaultProfileDir = ".state/deploy-speed-profiles"

// Profile is the CPU profile summary of one process kind in one program's step.
type Profile struct {
	Program string
	N       int
	Step    Step
	Process string
	Top     string // `go tool pprof -top` output
	Wall    time.Duration
	// For the engine: CPU sampled, and the part under SnapshotManager.saveSnapshot (writing the
	// stack's checkpoint after each step).
	Sampled, Checkpoint time.Duration
}

// profile runs one profiled lifecycle of each program at n: the engine (the CLI's --profiling)
// and, for the component, the provider (bench/cmd/profprovider) and this process, which runs the
// inline program. These runs are not timed for the results.
func (r *Result) profile(ctx context.Context, bed *Bed, n int, steps []Step) error {
	if err := bed.UseProfiledProvider(true); err != nil {
		return err
	}
	defer func() { _ = bed.UseProfiledProvider(false) }()
	for _, p := range Programs {
		dir, err := os.MkdirTemp(bed.Tmp, "profile-"+p.Name+"-")
		if err != nil {
			return err
		}
		self, err := os.Create(filepath.Join(dir, "self.pprof"))
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(self); err != nil {
			return err
		}
		run, err := bed.RunLifecycle(ctx, p, n, fmt.Sprintf("profile-n%d", n), RunOptions{ProfileDir: dir})
		pprof.StopCPUProfile()
		_ = self.Close()
		if err != nil {
			return err
		}
		for _, s := range steps {
			files, _ := filepath.Glob(filepath.Join(dir, "cli-"+stepTag(s)+".*.cpu"))
			prof := Profile{Program: p.Name, N: n, Step: s, Process: processEngine}
			if top, err := pprofTop(files); err == nil {
				prof.Top, prof.Wall = top, run.Steps[s].Wall
				prof.Sampled, prof.Checkpoint = totalSamples(top), cumOf(top, "SnapshotManager).saveSnapshot")
			} else {
				prof.Top = "no profile: " + err.Error()
			}
			r.addProfile(prof, files)
			if p.Component {
				files, _ := filepath.Glob(filepath.Join(dir, stepTag(s), "cpu-*.pprof"))
				if top, err := pprofTop(files); err == nil {
					r.addProfile(Profile{Program: p.Name, N: n, Step: s, Process: processProvider, Top: top,
						Wall: run.Steps[s].Wall}, files)
				}
			}
		}
		if top, err := pprofTop([]string{self.Name()}); err == nil {
			r.addProfile(Profile{Program: p.Name, N: n, Step: "whole lifecycle", Process: processSelf, Top: top},
				[]string{self.Name()})
		}
	}
	return nil
}

// The processes profiled.
const (
	processEngine   = "engine (pulumi CLI)"
	processProvider = "seldon-autoscaling provider"
	processSelf     = "benchmark process (inline program, stand-in, client-go)"
)

// addProfile records p and, with Config.ProfileDir set, saves its raw `pprof -top` text and the
// profile files it was read from there (ProfileDir/NAME.txt, ProfileDir/NAME/), NAME as
// ProfileName says. A failure to save is logged: the timings matter more than the raw files.
func (r *Result) addProfile(p Profile, files []string) {
	r.Profiles = append(r.Profiles, p)
	dir := r.Config.ProfileDir
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(r.Config.Root, dir)
	}
	name := ProfileName(p)
	err := os.MkdirAll(filepath.Join(dir, name), 0o755)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".txt"), []byte(p.Top+"\n"), 0o644)
	}
	for _, f := range files {
		if err != nil {
			break
		}
		var data []byte
		if data, err = os.ReadFile(f); err == nil {
			err = os.WriteFile(filepath.Join(dir, name, filepath.Base(f)), data, 0o644)
		}
	}
	if err != nil && r.Config.Log != nil {
		fmt.Fprintf(r.Config.Log, "saving the raw profile %s: %v\n", name, err)
	}
}

// ProfileName names a profile's saved files: program-nN-step-process.
func ProfileName(p Profile) string {
	process := map[string]string{processEngine: "engine", processProvider: "provider", processSelf: "self"}[p.Process]
	if process == "" {
		process = stepTag(Step(p.Process))
	}
	return fmt.Sprintf("%s-n%d-%s-%s", p.Program, p.N, stepTag(p.Step), process)
}

// totalSamples reads "Total samples = 5.88s" from pprof's header.
func totalSamples(top string) time.Duration {
	_, rest, ok := strings.Cut(top, "Total samples = ")
	if !ok {
		return 0
	}
	d, _ := time.ParseDuration(strings.Fields(rest)[0])
	return d
}

// cumOf is the cumulative time of the first row whose function name contains fn.
func cumOf(top, fn string) time.Duration {
	for _, l := range strings.Split(top, "\n") {
		f := strings.Fields(l)
		if len(f) >= 6 && strings.Contains(f[5], fn) {
			d, _ := time.ParseDuration(f[3])
			return d
		}
	}
	return 0
}

// stepTag is a file-name-safe tag for a step.
func stepTag(s Step) string {
	return strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(string(s))
}

// pprofTop is the flat top 12 of the merged profiles, then the top 15 Pulumi functions by
// cumulative time (which say what the time was spent for).
func pprofTop(files []string) (string, error) {
	if len(files) == 0 {
		return "", errors.New("no profile files")
	}
	var parts []string
	flagSets := [][]string{
		{"-top", "-nodecount=12"},
		{"-top", "-cum", "-nodecount=15", "-show=github.com/pulumi"},
	}
	for _, flags := range flagSets {
		args := append(append([]string{"tool", "pprof"}, flags...), files...)
		out, err := exec.Command("go", args...).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("go tool pprof: %w: %s", err, out)
		}
		// Keep the summary lines and the table; drop the file and build-ID noise.
		var keep []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if strings.HasPrefix(l, "File:") || strings.HasPrefix(l, "Build ID:") || strings.HasPrefix(l, "Type:") ||
				strings.HasPrefix(l, "Time:") || strings.HasPrefix(l, "Active filters:") || strings.HasPrefix(l, "   show=") {
				continue
			}
			keep = append(keep, l)
		}
		parts = append(parts, strings.Join(keep, "\n"))
	}
	return strings.Join(parts, "\n\n-- Pulumi functions by cumulative time --\n"), nil
}

// ratios are the per-set wall-time ratios of program a to program b (indices in Programs) of
// step s at n.
func (r *Result) ratios(n int, s Step, a, b int) []float64 {
	var out []float64
	for _, set := range r.Sets {
		if set[a].N == n {
			out = append(out, set[a].Steps[s].Wall.Seconds()/set[b].Steps[s].Wall.Seconds())
		}
	}
	return out
}

// values collects f over the runs of program i (index in Programs) at n.
func (r *Result) values(i, n int, f func(*Run) float64) []float64 {
	var out []float64
	for _, set := range r.Sets {
		if set[i].N == n {
			out = append(out, f(set[i]))
		}
	}
	return out
}

func (r *Result) wall(i, n int, s Step) float64 {
	return median(r.values(i, n, func(run *Run) float64 { return run.Steps[s].Wall.Seconds() }))
}

// exponent is log(t_hi/t_lo)/log(hi/lo) of median wall times.
func (r *Result) exponent(i int, s Step, lo, hi int) float64 {
	return logRatio(r.wall(i, hi, s), r.wall(i, lo, s), float64(hi), float64(lo))
}

// logRatio is log(a/b)/log(x/y).
func logRatio(a, b, x, y float64) float64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	return math.Log(a/b) / math.Log(x/y)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minMax(v []float64) (float64, float64) {
	if len(v) == 0 {
		return 0, 0
	}
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// percentile is the nearest-rank percentile.
func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[max(0, min(len(s)-1, i))]
}

// Machine describes where the benchmark ran.
type Machine struct {
	Cores       int
	CPU         string
	MemoryGiB   float64
	Kernel      string
	Go          string
	Pulumi      string
	KubePlugin  string
	Parallelism string
}

func describeMachine(root string) Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), Parallelism: "the CLI's default (`--parallel` 8)"}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(l, "model name") {
				m.CPU = strings.TrimSpace(l[strings.Index(l, ":")+1:])
				break
			}
		}
	}
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(raw), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				m.MemoryGiB = kb / (1 << 20)
			}
		}
	}
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(raw))
	}
	if raw, err := os.ReadFile(filepath.Join(root, "hack", "versions.env")); err == nil {
		for _, l := range strings.Split(string(raw), "\n") {
			if v, ok := strings.CutPrefix(l, "PULUMI_VERSION="); ok {
				m.Pulumi = v
			}
			if v, ok := strings.CutPrefix(l, "K8S_PROVIDER_VERSION="); ok {
				m.KubePlugin = v
			}
		}
	}
	return m
}

func loadavg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// busyCPU is the machine's non-idle CPU time so far, in core-seconds (from /proc/stat).
func busyCPU() float64 {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		f := strings.Fields(l)
		if len(f) < 9 || f[0] != "cpu" {
			continue
		}
		total := 0.0
		for i, v := range f[1:9] {
			if i == 3 || i == 4 { // idle, iowait
				continue
			}
			x, _ := strconv.ParseFloat(v, 64)
			total += x
		}
		return total / 100
	}
	return 0
}
