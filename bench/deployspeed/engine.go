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

// engineWall is the median and range of the wall times of step s over the engine runs of program
// and setting.
func (r *Result) engineWall(program, setting string, s Step) spread {
	var v []float64
	for _, run := range r.Engine {
		if run.Program == program && run.Setting == setting {
			v = append(v, run.Steps[s].Wall.Seconds())
		}
	}
	return spreadOf(v)
}

// engineSection is the report's section on engine settings: each setting's wall times with
// EnginePrograms, and their effect against the first setting's (the baseline).
type engineSection struct {
	N, Reps  int
	Baseline EngineSetting
	Rows     []engineRow
	Summary  []engineSummary // every setting but the baseline
}

// engineRow is one setting's step: a cell per program of EnginePrograms.
type engineRow struct {
	Setting EngineSetting
	Step    Step
	Cells   []engineCell
}

type engineCell struct {
	Wall   spread
	Effect effect
}

// engineSummary is a setting's effect on create and every-target-changed, where large stacks
// spend their time, for each program.
type engineSummary struct {
	Setting EngineSetting
	Effects []programEffect
}

type programEffect struct {
	Step    Step
	Program string
	Effect  effect
}

// effect is a wall time against the baseline's, in percent; unknown without both.
type effect struct {
	Pct   float64
	Known bool
}

func effectOf(v, base float64) effect {
	if base <= 0 || v <= 0 {
		return effect{}
	}
	return effect{Pct: 100 * (v/base - 1), Known: true}
}

// engineSection is nil without engine-settings runs: the report then has no such section.
func (r *Result) engineSection() *engineSection {
	c := r.Config
	if len(r.Engine) == 0 || len(c.EngineSettings) == 0 {
		return nil
	}
	base := c.EngineSettings[0]
	e := &engineSection{N: c.EngineN, Reps: c.EngineReps, Baseline: base}
	cell := func(program string, setting EngineSetting, s Step) engineCell {
		w := r.engineWall(program, setting.Name(), s)
		return engineCell{Wall: w, Effect: effectOf(w.Median, r.engineWall(program, base.Name(), s).Median)}
	}
	for _, setting := range c.EngineSettings {
		for _, s := range Steps {
			row := engineRow{Setting: setting, Step: s}
			for _, p := range EnginePrograms {
				row.Cells = append(row.Cells, cell(p.Name, setting, s))
			}
			e.Rows = append(e.Rows, row)
		}
	}
	for _, setting := range c.EngineSettings[1:] {
		sum := engineSummary{Setting: setting}
		for _, s := range []Step{StepCreate, StepChange} {
			for _, p := range EnginePrograms {
				sum.Effects = append(sum.Effects, programEffect{Step: s, Program: p.Name, Effect: cell(p.Name, setting, s).Effect})
			}
		}
		e.Summary = append(e.Summary, sum)
	}
	return e
}
