// Command deployspeed benchmarks SeldonAutoscaledModel against the same objects declared by hand
// (bench/handwritten) on a local control plane, and writes the report (docs/deploy-speed.md).
//
//	go run ./bench/cmd/deployspeed -n 1,10,50 -reps 5 -engine-n 50 -out docs/deploy-speed.md   # make bench
//	go run ./bench/cmd/deployspeed -n 1 -reps 1 -smoke -engine-n 1 \
//	  -engine-reps 1 -engine-settings default,parallel=4+skip-checkpoints                   # make deploy-speed-smoke
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/bench/deployspeed"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "deployspeed: %v\n", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	ns, out, engineSpec, raw, render, profiles     string
	reps, profileAt, engineN, engineReps, launches int
	smoke, profile                                 bool
}

const defaultRaw = ".state/deploy-speed.json"

func parseOptions() options {
	var o options
	flag.StringVar(&o.ns, "n", "1,10,50", "model counts, comma-separated")
	flag.IntVar(&o.reps, "reps", 5, "sets (component, hand-written, floor) per model count")
	flag.StringVar(&o.out, "out", "docs/deploy-speed.md", "report path; empty: standard output only")
	flag.BoolVar(&o.smoke, "smoke", false,
		"quick check that the benchmark works: no warm-up, 3 start-up launches, no profiling")
	flag.BoolVar(&o.profile, "profile", true, "profile the three programs at each N where a target is missed")
	flag.IntVar(&o.profileAt, "profile-at", 0, "profile at this N (every step) whatever the results")
	flag.StringVar(&o.profiles, "profiles", deployspeed.DefaultProfileDir,
		"where each profile's raw `go tool pprof -top` text and .pprof files are saved; empty: not saved")
	flag.IntVar(&o.engineN, "engine-n", 0, "measure the engine settings at this model count; 0: not measured")
	flag.IntVar(&o.engineReps, "engine-reps", 2, "lifecycles of each program with each engine setting")
	flag.StringVar(&o.engineSpec, "engine-settings", deployspeed.DefaultEngineSettings,
		"engine settings, comma-separated, the baseline first: default, parallel=N, skip-checkpoints, joined by +")
	flag.StringVar(&o.raw, "raw", defaultRaw, "where the measurements are saved (JSON); empty: not saved")
	flag.StringVar(&o.render, "render", "", "only write the report again from measurements saved by -raw")
	flag.IntVar(&o.launches, "startup", 20, "launches per plugin binary for the start-up figures")
	flag.Parse()
	return o
}

func run() error {
	o := parseOptions()
	cfg, err := config(&o)
	if err != nil {
		return err
	}
	var res *deployspeed.Result
	if o.render != "" {
		res, err = load(o.render)
	} else {
		res, err = measure(cfg, o.raw)
	}
	if err != nil {
		return err
	}
	return writeReport(res, o.out)
}

// config checks the flags and turns them into the benchmark's configuration, with the command
// the report names.
func config(o *options) (deployspeed.Config, error) {
	var counts []int
	for _, f := range strings.Split(o.ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return deployspeed.Config{}, fmt.Errorf("-n: %q is not a model count", f)
		}
		counts = append(counts, n)
	}
	sort.Ints(counts)
	if o.reps < 1 {
		return deployspeed.Config{}, fmt.Errorf("-reps must be at least 1")
	}
	settings, err := deployspeed.ParseEngineSettings(o.engineSpec)
	if err != nil {
		return deployspeed.Config{}, fmt.Errorf("-engine-settings: %w", err)
	}
	root, err := os.Getwd()
	if err != nil {
		return deployspeed.Config{}, err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return deployspeed.Config{}, fmt.Errorf("run from the repository root: %w", err)
	}
	cfg := deployspeed.Config{
		Root: root, Ns: counts, Reps: o.reps, Warmup: true, Command: "make bench",
		StartupLaunches: o.launches, Profile: o.profile, ProfileAt: o.profileAt, ProfileDir: o.profiles,
		Log: os.Stderr, EngineN: o.engineN, EngineReps: o.engineReps, EngineSettings: settings,
	}
	if o.smoke {
		cfg.Command = "make deploy-speed-smoke"
		if o.raw == defaultRaw {
			o.raw = ".state/deploy-speed-smoke.json"
		}
		cfg.Warmup, cfg.StartupLaunches, cfg.Profile = false, 3, false
	}
	if strings.Join(os.Args[1:], " ") != "" && !o.smoke && (o.ns != "1,10,50" || o.reps != 5 || o.engineN != 50 ||
		o.engineReps != 2 || o.engineSpec != deployspeed.DefaultEngineSettings) {
		cfg.Command = "go run ./bench/cmd/deployspeed " + strings.Join(os.Args[1:], " ")
	}
	return cfg, nil
}

// load reads measurements saved by -raw.
func load(path string) (*deployspeed.Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var res *deployspeed.Result
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return res, nil
}

// measure runs the benchmark and saves its measurements at raw, unless raw is empty.
func measure(cfg deployspeed.Config, raw string) (*deployspeed.Result, error) {
	// ^C and SIGTERM cancel the run; Bench stops the control plane and its plugins on the way out.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := deployspeed.Bench(ctx, cfg)
	if err != nil || raw == "" {
		return res, err
	}
	data, err := json.MarshalIndent(res, "", " ")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(raw), 0o755); err != nil {
		return nil, err
	}
	return res, os.WriteFile(raw, data, 0o644)
}

// writeReport writes the report to out (standard output when empty) and lists the targets.
func writeReport(res *deployspeed.Result, out string) error {
	report := res.Markdown()
	if out == "" {
		fmt.Print(report)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, []byte(report), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "deployspeed: wrote %s\n", out)
	for _, t := range res.Targets() {
		status := "met"
		if !t.Met {
			status = "MISSED"
		}
		fmt.Fprintf(os.Stderr, "  %-45s N=%-3d %.2f (limit %.2f) %s\n", t.What, t.N, t.Value, t.Limit, status)
	}
	return nil
}
