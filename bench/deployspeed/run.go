package deployspeed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/bench/handwritten"
)

// Program is one side of the comparison. The programs use distinct namespaces, projects and
// stacks, and never hold objects at the same time: prometheus-adapter's cluster-scoped objects
// (ClusterRoles, the custom.metrics APIService) have fixed names, so each run ends with destroy.
type Program struct {
	Name             string
	Component        bool // SeldonAutoscaledModel through its provider plugin
	Floor            bool // the hand-written objects under one local component per model
	Namespace        string
	AdapterNamespace string
}

// Wrapped says whether the program registers one component per model.
func (p Program) Wrapped() bool { return p.Component || p.Floor }

// The three programs, in the order every benchmark set runs them (Programs).
var (
	ComponentProgram = Program{
		Name:             "component",
		Component:        true,
		Namespace:        "bench-component",
		AdapterNamespace: "bench-component-monitoring",
	}
	HandwrittenProgram = Program{
		Name:             "handwritten",
		Namespace:        "bench-handwritten",
		AdapterNamespace: "bench-handwritten-monitoring",
	}
	FloorProgram = Program{
		Name:             "floor",
		Floor:            true,
		Namespace:        "bench-floor",
		AdapterNamespace: "bench-floor-monitoring",
	}
	Programs = []Program{ComponentProgram, HandwrittenProgram, FloorProgram}
)

// Indices of the programs in Programs and in each benchmark set.
const (
	iComponent = iota
	iHandwritten
	iFloor
)

// Params are the program's parameters for n models.
func (p Program) Params(n int, chart string) handwritten.Params {
	return handwritten.Params{N: n, Namespace: p.Namespace, AdapterNamespace: p.AdapterNamespace, ChartPath: chart}
}

// RunFunc is the program for n models.
func (p Program) RunFunc(n int, chart string) pulumi.RunFunc {
	switch {
	case p.Component:
		return handwritten.ComponentProgram(p.Params(n, chart))
	case p.Floor:
		return handwritten.FloorProgram(p.Params(n, chart))
	default:
		return handwritten.Program(p.Params(n, chart))
	}
}

// Step is one timed operation of the lifecycle.
type Step string

// The lifecycle every run goes through, in order.
const (
	StepPreview Step = "preview (empty stack)"
	StepCreate  Step = "up (create)"
	StepNoop    Step = "up (no change)"
	StepChange  Step = "up (every target changed)"
	StepDestroy Step = "destroy"
)

// Steps in lifecycle order.
var Steps = []Step{StepPreview, StepCreate, StepNoop, StepChange, StepDestroy}

// Measure is what one step cost.
type Measure struct {
	Wall            time.Duration  // the `pulumi preview|up|destroy` command itself
	APICall         time.Duration  // the whole Automation API call (it also runs `stack history` etc.)
	ProviderProcs   int            // seldon-autoscaling plugin processes that ran
	ProviderRSSKiB  int64          // their largest peak RSS
	ProviderCPU     float64        // their CPU seconds
	KubeRSSKiB      int64          // the same for the Kubernetes plugin
	KubeCPU         float64        //
	ChildCPU        float64        // CPU seconds of every CLI process and plugin of the step
	SelfCPU         float64        // CPU seconds of this process: the inline program, the stand-in, client-go
	ControlPlaneCPU float64        // etcd, kube-apiserver and kube-controller-manager
	Changes         map[string]int // the engine's summary
}

// Run is one program's lifecycle at one N.
type Run struct {
	Program string
	N       int
	Label   string
	Steps   map[Step]Measure
	Objects *Objects       `json:"-"` // the API server after create (when snapshots were asked for)
	State   map[string]any `json:"-"` // the stack state after create (likewise)
	// Every resource of the exported state after create: the stack, providers, components, objects.
	StateResources int
	Setting        string `json:",omitempty"` // the EngineSetting's name in an engine-settings run
	// Size of the exported state after create: the engine rewrites it after every step.
	StateBytes int
	// What the component resources themselves record (inputs and outputs), beside their children.
	ComponentOwnBytes int
	// Property values in the state after create (StateSize.Values).
	StateValues int
	Load1       float64 // 1-minute load average when the run started
	// CPU that processes other than this benchmark's used during the run, in cores on average
	// (the machine's busy time from /proc/stat less this benchmark's own).
	OtherCores float64
}

// RunOptions tune RunLifecycle.
type RunOptions struct {
	Snapshot   bool          // read back objects and state after create (untimed)
	ProfileDir string        // when set: CLI and provider CPU profiles land here (the profiled provider must be in use)
	Setting    EngineSetting // engine settings of every preview, up and destroy; zero: the CLI's defaults
}

// timedCommand is the Pulumi CLI, timing each command it runs so a step's time is the operation's
// own, not the Automation API's follow-up commands.
type timedCommand struct {
	auto.PulumiCommand
	profile string   // --profiling prefix for operations, or ""
	flags   []string // added to every operation (engine settings)
	mu      sync.Mutex
	last    map[string]time.Duration
}

func (c *timedCommand) Run(
	ctx context.Context,
	workdir string,
	stdin io.Reader,
	out, errOut []io.Writer,
	env []string,
	args ...string,
) (string, string, int, error) {
	verb := ""
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			verb = a
			break
		}
	}
	c.mu.Lock()
	profile := c.profile
	c.mu.Unlock()
	if verb == "up" || verb == "preview" || verb == "destroy" {
		args = append(append([]string{}, c.flags...), args...)
		if profile != "" {
			args = append([]string{"--profiling=" + profile}, args...)
		}
	}
	start := time.Now()
	stdout, stderr, code, err := c.PulumiCommand.Run(ctx, workdir, stdin, out, errOut, env, args...)
	d := time.Since(start)
	c.mu.Lock()
	c.last[verb] = d
	c.mu.Unlock()
	return stdout, stderr, code, err
}

func (c *timedCommand) setProfile(prefix string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.profile = prefix
}

func (c *timedCommand) took(verb string) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last[verb]
}

// stack makes a fresh workspace (own directory, file backend and PULUMI_HOME) and stack for p.
func (b *Bed) stack(
	ctx context.Context,
	p Program,
	n int,
	label, dir string,
	setting EngineSetting,
) (auto.Stack, *timedCommand, error) {
	project := workspace.Project{
		Name:    tokens.PackageName("bench-" + p.Name),
		Runtime: workspace.NewProjectRuntimeInfo("go", nil),
	}
	opts, err := b.Env.Options(dir, project)
	if err != nil {
		return auto.Stack{}, nil, err
	}
	// Env.Options points the Kubernetes plugin at the tools directory: point it at its launcher.
	project.Backend = &workspace.ProjectBackend{URL: "file://" + filepath.Join(dir, "state")}
	project.Plugins = &workspace.Plugins{Providers: []workspace.PluginOptions{
		{Name: "seldon-autoscaling", Path: filepath.Dir(b.ProviderLauncher)},
		{Name: "kubernetes", Path: b.kubeDir},
	}}
	cli, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: filepath.Dir(b.Tools)})
	if err != nil {
		return auto.Stack{}, nil, err
	}
	timed := &timedCommand{PulumiCommand: cli, last: map[string]time.Duration{}, flags: setting.flags()}
	opts = append(opts, auto.Project(project), auto.Pulumi(timed))
	st, err := auto.UpsertStackInlineSource(ctx, label, project.Name.String(), p.RunFunc(n, b.ChartPath), opts...)
	if err != nil {
		return auto.Stack{}, nil, fmt.Errorf("creating stack: %w", err)
	}
	for k, v := range setting.env() {
		st.Workspace().SetEnvVar(k, v)
	}
	target := auto.ConfigValue{Value: strconv.FormatFloat(handwritten.DefaultTarget, 'f', -1, 64)}
	if err := st.SetConfig(ctx, handwritten.TargetKey, target); err != nil {
		return auto.Stack{}, nil, err
	}
	return st, timed, nil
}

// RunLifecycle runs p with n models through preview, up, a no-op up, an up changing every
// target, and destroy, in a fresh workspace, measuring each step. Whatever happens, it tries to
// leave nothing behind.
func (b *Bed) RunLifecycle(ctx context.Context, p Program, n int, label string, o RunOptions) (run *Run, err error) {
	run = &Run{Program: p.Name, N: n, Label: label, Steps: map[Step]Measure{}, Load1: load1()}
	busy0, own0, start0 := busyCPU(), takeUsage(b), time.Now()
	defer func() {
		own1 := takeUsage(b)
		own := own1.self - own0.self + own1.children - own0.children + own1.controlPlane - own0.controlPlane
		run.OtherCores = max(0, busyCPU()-busy0-own) / time.Since(start0).Seconds()
	}()
	dir, err := os.MkdirTemp(b.Tmp, "run-"+p.Name+"-"+label+"-")
	if err != nil {
		return nil, err
	}
	st, timed, err := b.stack(ctx, p, n, label, dir, o.Setting)
	if err != nil {
		return nil, err
	}
	created := false
	defer func() {
		if err != nil && created {
			// Not ctx: it may be the cancellation that brought us here.
			cleanup, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			if _, derr := st.Destroy(cleanup); derr != nil {
				err = errors.Join(err, fmt.Errorf("cleanup destroy: %w", derr))
			}
		}
		_ = st.Workspace().RemoveStack(context.Background(), label)
		_ = os.RemoveAll(dir)
	}()
	lc := &lifecycle{b: b, p: p, n: n, dir: dir, ws: st.Workspace(), timed: timed, o: o, run: run}
	if err := lc.measure(StepPreview, "preview", func() (map[string]int, error) {
		res, err := st.Preview(ctx)
		return opCounts(res.ChangeSummary), err
	}); err != nil {
		return run, err
	}
	created = true
	if err := lc.upsAndDestroy(ctx, st); err != nil {
		return run, err
	}
	created = false
	return run, checkChanges(run, p, n)
}

// lifecycle is one RunLifecycle's state: what each step measures into.
type lifecycle struct {
	b     *Bed
	p     Program
	n     int
	dir   string
	ws    auto.Workspace
	timed *timedCommand
	o     RunOptions
	run   *Run
}

// upsAndDestroy runs the steps after the preview: create, the snapshot if asked, the no-op up,
// the up changing every target, and destroy.
func (lc *lifecycle) upsAndDestroy(ctx context.Context, st auto.Stack) error {
	up := func() (map[string]int, error) {
		res, err := st.Up(ctx)
		return summaryCounts(res.Summary), err
	}
	if err := lc.measure(StepCreate, "up", up); err != nil {
		return err
	}
	if lc.o.Snapshot {
		if err := lc.snapshot(ctx, st); err != nil {
			return err
		}
	}
	if err := lc.measure(StepNoop, "up", up); err != nil {
		return err
	}
	changed := strconv.FormatFloat(handwritten.DefaultTarget+2, 'f', -1, 64)
	if err := st.SetConfig(ctx, handwritten.TargetKey, auto.ConfigValue{Value: changed}); err != nil {
		return err
	}
	if err := lc.measure(StepChange, "up", up); err != nil {
		return err
	}
	return lc.measure(StepDestroy, "destroy", func() (map[string]int, error) {
		var opts []optdestroy.Option
		if os.Getenv("SA_BENCH_DEBUG") != "" {
			opts = append(opts, optdestroy.ProgressStreams(lc.b.log))
		}
		res, err := st.Destroy(ctx, opts...)
		return summaryCounts(res.Summary), err
	})
}

// snapshot reads back the objects and the state after create (untimed).
func (lc *lifecycle) snapshot(ctx context.Context, st auto.Stack) error {
	p, run := lc.p, lc.run
	var err error
	if run.Objects, err = lc.b.Snapshot(ctx, p.Namespace, p.AdapterNamespace); err != nil {
		return err
	}
	var size StateSize
	if run.State, size, err = State(ctx, st, p.Namespace, p.AdapterNamespace); err != nil {
		return err
	}
	run.StateBytes, run.StateResources, run.ComponentOwnBytes = size.Bytes, size.Resources, size.ComponentOwn
	run.StateValues = size.Values
	return nil
}

// measure runs one step through f, which returns the engine's change counts, and records its
// wall time (the CLI command's own), CPU by process kind and the plugins' records.
func (lc *lifecycle) measure(s Step, verb string, f func() (map[string]int, error)) error {
	recDir := filepath.Join(lc.dir, "records", strings.Fields(string(s))[0]+strconv.Itoa(len(lc.run.Steps)))
	if err := os.MkdirAll(recDir, 0o755); err != nil {
		return err
	}
	lc.ws.SetEnvVar("SA_BENCH_RECORDS", recDir)
	if lc.o.ProfileDir != "" {
		provDir := filepath.Join(lc.o.ProfileDir, stepTag(s))
		if err := os.MkdirAll(provDir, 0o755); err != nil {
			return err
		}
		lc.ws.SetEnvVar("SA_BENCH_CPUPROFILE", provDir)
		lc.timed.setProfile(filepath.Join(lc.o.ProfileDir, "cli-"+stepTag(s)))
	}
	before := takeUsage(lc.b)
	start := time.Now()
	changes, err := f()
	api := time.Since(start)
	after := takeUsage(lc.b)
	if err != nil {
		return fmt.Errorf("%s %s n=%d: %w", lc.p.Name, s, lc.n, err)
	}
	m := Measure{Wall: lc.timed.took(verb), APICall: api, Changes: changes,
		ChildCPU: after.children - before.children, SelfCPU: after.self - before.self,
		ControlPlaneCPU: after.controlPlane - before.controlPlane}
	if err := readRecords(recDir, &m); err != nil {
		return err
	}
	lc.run.Steps[s] = m
	return nil
}

// checkChanges makes sure every step did what it is named for, so no timing is of a step that
// silently did something else.
func checkChanges(run *Run, p Program, n int) error {
	want := handwritten.Resources(n, p.Wrapped()) + 1 // and the stack
	var errs []error
	expect := func(s Step, op string, count int) {
		if got := run.Steps[s].Changes[op]; got != count {
			errs = append(
				errs,
				fmt.Errorf("%s %s n=%d: %d %s, want %d (%v)", p.Name, s, n, got, op, count, run.Steps[s].Changes),
			)
		}
	}
	expect(StepPreview, "create", want)
	expect(StepCreate, "create", want)
	expect(StepNoop, "same", want)
	// Both HPAs of every model (the engine counts a component whose inputs changed as same).
	expect(StepChange, "update", 2*n)
	expect(StepDestroy, "delete", want)
	for _, s := range []Step{StepNoop} {
		for op, c := range run.Steps[s].Changes {
			if op != "same" && c > 0 {
				errs = append(errs, fmt.Errorf("%s %s n=%d: %d %s", p.Name, s, n, c, op))
			}
		}
	}
	return errors.Join(errs...)
}

func opCounts[K ~string](m map[K]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}

func summaryCounts(s auto.UpdateSummary) map[string]int {
	if s.ResourceChanges == nil {
		return map[string]int{}
	}
	return opCounts(*s.ResourceChanges)
}

// readRecords folds the launcher records of a step into m.
func readRecords(dir string, m *Measure) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		var rec struct {
			Plugin    string  `json:"plugin"`
			MaxRSSKiB int64   `json:"maxRssKiB"`
			UserSec   float64 `json:"userSec"`
			SysSec    float64 `json:"sysSec"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			return fmt.Errorf("%s: %w", e.Name(), err)
		}
		switch rec.Plugin {
		case ProviderPlugin:
			m.ProviderProcs++
			m.ProviderRSSKiB = max(m.ProviderRSSKiB, rec.MaxRSSKiB)
			m.ProviderCPU += rec.UserSec + rec.SysSec
		case KubernetesPlugin:
			m.KubeRSSKiB = max(m.KubeRSSKiB, rec.MaxRSSKiB)
			m.KubeCPU += rec.UserSec + rec.SysSec
		}
	}
	return nil
}

type usage struct{ self, children, controlPlane float64 }

func takeUsage(b *Bed) usage {
	var u usage
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		u.self = cpuSeconds(ru)
	}
	if syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru) == nil {
		u.children = cpuSeconds(ru)
	}
	if b != nil && b.Cluster != nil {
		u.controlPlane = b.Cluster.CPUSeconds()
	}
	return u
}

func cpuSeconds(ru syscall.Rusage) float64 {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func load1() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
