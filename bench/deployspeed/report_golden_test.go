package deployspeed

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestReportMatchesGolden keeps the report rendered from made-up results byte for byte equal to
// testdata/report-golden*.md, so that moving the report's prose between Go and its template
// changes nothing a reader sees. Regenerate, after a change meant to show, with
// UPDATE_GOLDEN=1 go test ./bench/deployspeed -run TestReportMatchesGolden
func TestReportMatchesGolden(t *testing.T) {
	update := os.Getenv("UPDATE_GOLDEN") == "1"
	for _, tc := range []struct {
		file   string
		result func(t *testing.T) *Result
	}{
		// Every section with content: three N, start-up, engine settings, missed targets, profiles.
		{file: "report-golden.md", result: goldenResult},
		// Two N (no last/first marginal cost), no start-up, engine settings or profiles.
		{file: "report-golden-small.md", result: func(*testing.T) *Result { return smallResult() }},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got := tc.result(t).Markdown()
			path := filepath.Join("testdata", tc.file)
			if update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (regenerate with UPDATE_GOLDEN=1)", err)
			}
			if got != string(want) {
				t.Fatalf("the report differs from %s at %s; regenerate with UPDATE_GOLDEN=1 if that is meant",
					path, firstDifference(got, string(want)))
			}
		})
	}
}

// goldenStart is when the made-up benchmarks started.
var goldenStart = time.Date(2026, 12, 1, 3, 55, 0, 0, time.UTC)

// goldenResult is a made-up benchmark session at N = 1, 10, 50 in which the component misses its
// preview and every-target-changed targets, destroy grows faster than linearly, one run saw a
// busy machine, and every optional section has something to show.
func goldenResult(t *testing.T) *Result {
	settings, err := ParseEngineSettings(DefaultEngineSettings)
	if err != nil {
		t.Fatal(err)
	}
	top, err := os.ReadFile("testdata/pprof-top-floor-n10-create.txt")
	if err != nil {
		t.Fatal(err)
	}
	r := &Result{
		Config: Config{Ns: []int{1, 10, 50}, Reps: 2, Warmup: true, StartupLaunches: 3, Profile: true,
			ProfileDir: DefaultProfileDir, EngineN: 50, EngineReps: 2, EngineSettings: settings,
			Command: "go run ./bench/cmd/deployspeed -n 1,10,50 -reps 2 -engine-n 50 -engine-reps 2"},
		Machine: Machine{Cores: 2, CPU: "Made-up CPU", MemoryGiB: 23.5, Kernel: "6.1.0", Go: "go1.26.8",
			Pulumi: "3.274.1", KubePlugin: "4.25.0", Parallelism: "the CLI's default (`--parallel` 8)"},
		Started: goldenStart, Finished: goldenStart.Add(43*time.Minute + 13*time.Second),
		LoadBefore: "1.03 1.50 2.14", LoadAfter: "3.89 3.80 3.54",
		BusyCPU: 3900, OwnCPU: 3804,
		Startup: map[string][]Startup{
			StartProvider:         goldenStartups(80, 30000),
			StartProviderLauncher: goldenStartups(95, 31000),
			StartKubernetes:       goldenStartups(400, 90000),
		},
	}
	for _, n := range r.Config.Ns {
		for rep := 1; rep <= r.Config.Reps; rep++ {
			var set []*Run
			for i, p := range Programs {
				set = append(set, goldenRun(p.Name, i, n, rep, 1))
			}
			r.Sets = append(r.Sets, set)
		}
	}
	r.Sets[3][iHandwritten].OtherCores = 0.4 // the busy run
	effects := map[string]float64{"default": 1, "parallel=4": 1.1, "parallel=16": 0.95, "parallel=32": 0.93,
		"skip-checkpoints": 0.7}
	for rep := 1; rep <= r.Config.EngineReps; rep++ {
		for _, e := range settings {
			for i, p := range EnginePrograms {
				if e.Name() == "parallel=32" && i == iHandwritten {
					continue // a setting with no runs of a program shows no effect
				}
				run := goldenRun(p.Name, i, r.Config.EngineN, rep, effects[e.Name()])
				run.Setting = e.Name()
				r.Engine = append(r.Engine, run)
			}
		}
	}
	r.Profiles = goldenProfiles(string(top))
	return r
}

// goldenStartups are three launches around ready milliseconds and rss KiB.
func goldenStartups(ready float64, rss int64) []Startup {
	var out []Startup
	for k := 0; k < 3; k++ {
		d := func(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }
		out = append(out, Startup{Ready: d(ready * (1 + 0.1*float64(k))), RSSKiB: rss + 512*int64(k),
			HWMKiB: rss + 2048 + 512*int64(k), ExitTime: d(12 + 3*float64(k))})
	}
	return out
}

// goldenFactors are the component's wall times over the floor's, per step; the hand-written
// program takes 0.97 of the floor's.
var goldenFactors = map[Step]float64{StepPreview: 1.2, StepCreate: 1.03, StepNoop: 1.0, StepChange: 1.08,
	StepDestroy: 0.98}

// goldenRun is the made-up run of program i at n in repetition rep, its wall times scaled by
// scale. Wall times grow as a + b·n + c·n², destroy the steepest.
func goldenRun(program string, i, n, rep int, scale float64) *Run {
	fn := float64(n)
	run := &Run{Program: program, N: n, Label: "made-up", Steps: map[Step]Measure{}, Load1: 0.5 + 0.1*float64(rep),
		OtherCores: 0.05 + 0.01*float64(i)}
	for j, s := range Steps {
		wall := (1.5 + 0.2*float64(j)) + (0.05+0.01*float64(j))*fn + 0.0004*float64(j)*fn*fn
		if s == StepDestroy {
			wall = 0.01 + 0.01*fn + 0.002*fn*fn
		}
		switch i {
		case iComponent:
			wall *= goldenFactors[s] * (1 + 0.01*float64(rep-1))
		case iHandwritten:
			wall *= 0.97
		}
		wall *= scale
		m := Measure{Wall: seconds(wall), APICall: seconds(wall + 0.3), KubeRSSKiB: int64(90000 + 500*n + 1000*i),
			KubeCPU: 0.3 + 0.02*fn, ChildCPU: 1.2*wall + 0.1*float64(i), SelfCPU: 0.4 + 0.01*fn,
			ControlPlaneCPU: 0.8 + 0.03*fn}
		if i == iComponent {
			m.ProviderProcs, m.ProviderRSSKiB, m.ProviderCPU = 1, int64(40000+100*n), 0.2+0.01*fn
		}
		run.Steps[s] = m
	}
	run.StateResources = []int{4*n + 5, 4*n + 4, 4*n + 4}[i] + 1
	run.StateBytes = []int{2000 * n, 1800 * n, 2100 * n}[i]
	run.StateValues = []int{300 * n, 250 * n, 260*n + 50}[i] // at N=1 the floor holds more
	if i == iComponent {
		run.ComponentOwnBytes = 400 * n
	}
	return run
}

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

// goldenProfiles profile N=10: the engine of every program in preview, the component's engine
// in the change step with nothing to compare it with, the provider, and one profile that failed.
func goldenProfiles(top string) []Profile {
	engine := func(program string, s Step, sampled, checkpoint float64) Profile {
		return Profile{Program: program, N: 10, Step: s, Process: processEngine, Top: top, Wall: seconds(3),
			Sampled: seconds(sampled), Checkpoint: seconds(checkpoint)}
	}
	return []Profile{
		engine(ComponentProgram.Name, StepPreview, 2.1, 0.9),
		{Program: ComponentProgram.Name, N: 10, Step: StepPreview, Process: processProvider, Top: top, Wall: seconds(3)},
		engine(HandwrittenProgram.Name, StepPreview, 1.5, 0.5),
		engine(FloorProgram.Name, StepPreview, 1.57, 0.6),
		engine(ComponentProgram.Name, StepChange, 2.4, 1.2),
		{Program: FloorProgram.Name, N: 10, Step: StepChange, Process: processEngine,
			Top: "no profile: no profile files"},
	}
}

// smallResult is a made-up session at N = 1 and 10, one set each, on a machine whose busy time
// the benchmark's own accounting exceeds, with none of the optional sections.
func smallResult() *Result {
	r := &Result{
		Config:  Config{Ns: []int{1, 10}, Reps: 1, Command: "go run ./bench/cmd/deployspeed -n 1,10 -reps 1"},
		Machine: Machine{Cores: 4, CPU: "Made-up CPU", MemoryGiB: 8, Kernel: "6.1.0", Go: "go1.26.8"},
		Started: goldenStart, Finished: goldenStart.Add(5 * time.Minute),
		LoadBefore: "0.10 0.20 0.30", LoadAfter: "1.00 0.90 0.80",
		BusyCPU: 300, OwnCPU: 310,
	}
	for _, n := range r.Config.Ns {
		var set []*Run
		for i, p := range Programs {
			set = append(set, goldenRun(p.Name, i, n, 1, 1))
		}
		r.Sets = append(r.Sets, set)
	}
	return r
}
