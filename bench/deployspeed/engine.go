package deployspeed

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// EngineSetting is an engine setting a user can choose for a large stack: the CLI's `--parallel`,
// and PULUMI_SKIP_CHECKPOINTS (the pinned CLI has no flag for it: the engine then writes the
// state once at the end of an operation instead of after every resource step).
type EngineSetting struct {
	Parallel        int  // --parallel; 0: the CLI's default (8)
	SkipCheckpoints bool // PULUMI_SKIP_CHECKPOINTS=true
}

// DefaultEngineSettings are the settings `make bench` compares, the CLI's defaults first.
const DefaultEngineSettings = "default,parallel=4,parallel=16,parallel=32,skip-checkpoints"

// Name is how the report and -engine-settings spell the setting.
func (e EngineSetting) Name() string {
	var parts []string
	if e.Parallel > 0 {
		parts = append(parts, "parallel="+strconv.Itoa(e.Parallel))
	}
	if e.SkipCheckpoints {
		parts = append(parts, "skip-checkpoints")
	}
	if len(parts) == 0 {
		return "default"
	}
	return strings.Join(parts, "+")
}

// Describe is what a user sets to get e.
func (e EngineSetting) Describe() string {
	var parts []string
	if e.Parallel > 0 {
		parts = append(parts, fmt.Sprintf("`--parallel %d`", e.Parallel))
	}
	if e.SkipCheckpoints {
		parts = append(parts, "`PULUMI_SKIP_CHECKPOINTS=true`")
	}
	if len(parts) == 0 {
		return "the CLI's defaults (`--parallel 8`, a checkpoint after every step)"
	}
	return strings.Join(parts, " and ")
}

func (e EngineSetting) flags() []string {
	if e.Parallel > 0 {
		return []string{"--parallel=" + strconv.Itoa(e.Parallel)}
	}
	return nil
}

func (e EngineSetting) env() map[string]string {
	if e.SkipCheckpoints {
		return map[string]string{"PULUMI_SKIP_CHECKPOINTS": "true"}
	}
	return nil
}

// ParseEngineSettings reads a comma-separated list of settings, each "default" or parts joined by
// "+": "parallel=N", "skip-checkpoints". The first is the baseline the others are compared with.
func ParseEngineSettings(spec string) ([]EngineSetting, error) {
	var out []EngineSetting
	for _, item := range strings.Split(spec, ",") {
		var e EngineSetting
		for _, part := range strings.Split(strings.TrimSpace(item), "+") {
			switch v, isParallel := strings.CutPrefix(part, "parallel="); {
			case part == "default":
			case part == "skip-checkpoints":
				e.SkipCheckpoints = true
			case isParallel:
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 {
					return nil, fmt.Errorf("engine setting %q: parallel must be a positive count", item)
				}
				e.Parallel = n
			default:
				return nil, fmt.Errorf("engine setting %q: want default, parallel=N or skip-checkpoints, joined by +", item)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// EnginePrograms are the programs the engine settings are measured with.
var EnginePrograms = []Program{ComponentProgram, HandwrittenProgram}

// benchEngine runs, cfg.EngineReps times, every engine setting with each of EnginePrograms at
// cfg.EngineN, alternating (setting 1 component, setting 1 hand-written, setting 2 ...).
func (r *Result) benchEngine(ctx context.Context, bed *Bed, logf func(string, ...any)) error {
	cfg := r.Config
	for rep := 1; rep <= cfg.EngineReps; rep++ {
		for _, e := range cfg.EngineSettings {
			for _, p := range EnginePrograms {
				start := time.Now()
				label := fmt.Sprintf("engine-n%d-r%d", cfg.EngineN, rep)
				run, err := bed.RunLifecycle(ctx, p, cfg.EngineN, label, RunOptions{Setting: e})
				if err != nil {
					return fmt.Errorf("engine setting %s: %w", e.Name(), err)
				}
				run.Setting = e.Name()
				logf("engine N=%d rep %d %-26s %-11s %6.1fs  (%s)", cfg.EngineN, rep, e.Name(), p.Name,
					time.Since(start).Seconds(), stepSummary(run))
				r.Engine = append(r.Engine, run)
			}
		}
	}
	return nil
}

// engineWall is the median wall time of step s over the engine runs of program and setting.
func (r *Result) engineWall(program, setting string, s Step) (med, lo, hi float64) {
	var v []float64
	for _, run := range r.Engine {
		if run.Program == program && run.Setting == setting {
			v = append(v, run.Steps[s].Wall.Seconds())
		}
	}
	lo, hi = minMax(v)
	return median(v), lo, hi
}

// engineMarkdown is the report's section on engine settings.
func (r *Result) engineMarkdown(w func(string, ...any)) {
	c := r.Config
	if len(r.Engine) == 0 || len(c.EngineSettings) == 0 {
		return
	}
	base := c.EngineSettings[0]
	w("## Engine settings for large stacks\n\n")
	w("What a user can set on the CLI for a large stack, measured at N=%d with the component and the hand-written "+
		"program: %d lifecycles of each program with each setting, alternating (every setting with the component, "+
		"then with the hand-written program, then the next setting), after the runs above. ", c.EngineN, c.EngineReps)
	w("The baseline is %s; the effect is the setting's median wall time over the baseline's. "+
		"The pinned CLI has `--parallel` on preview, up and destroy; it has no flag to skip checkpoints, only the "+
		"`PULUMI_SKIP_CHECKPOINTS` environment variable (the engine then writes the state once, at the end of the "+
		"operation: an interrupted operation leaves the state of its start).\n\n", base.Describe())
	w("| setting | step | component median s (min–max) | effect | hand-written median s (min–max) | effect |\n")
	w("|---|---|---:|---:|---:|---:|\n")
	for _, e := range c.EngineSettings {
		for _, s := range Steps {
			w("| %s | %s |", e.Describe(), s)
			for _, p := range EnginePrograms {
				med, lo, hi := r.engineWall(p.Name, e.Name(), s)
				b, _, _ := r.engineWall(p.Name, base.Name(), s)
				w(" %.2f (%.2f–%.2f) | %s |", med, lo, hi, effect(med, b))
			}
			w("\n")
		}
	}
	w("\n")
	r.engineSummary(w, base)
}

// engineSummary states, per setting, the effect on create and every-target-changed, where
// large stacks spend their time.
func (r *Result) engineSummary(w func(string, ...any), base EngineSetting) {
	for _, e := range r.Config.EngineSettings[1:] {
		var parts []string
		for _, s := range []Step{StepCreate, StepChange} {
			for _, p := range EnginePrograms {
				med, _, _ := r.engineWall(p.Name, e.Name(), s)
				b, _, _ := r.engineWall(p.Name, base.Name(), s)
				parts = append(parts, fmt.Sprintf("%s %s %s", s, p.Name, effect(med, b)))
			}
		}
		w("- %s: %s.\n", e.Describe(), strings.Join(parts, ", "))
	}
	w("\n")
}

// effect is a wall time against the baseline's, as a signed percentage.
func effect(v, base float64) string {
	if base <= 0 || v <= 0 {
		return "–"
	}
	return fmt.Sprintf("%+.0f%%", 100*(v/base-1))
}
