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

func run() error {
	ns := flag.String("n", "1,10,50", "model counts, comma-separated")
	reps := flag.Int("reps", 5, "sets (component, hand-written, floor) per model count")
	out := flag.String("out", "docs/deploy-speed.md", "report path; empty: standard output only")
	smoke := flag.Bool(
		"smoke",
		false,
		"quick check that the benchmark works: no warm-up, 3 start-up launches, no profiling",
	)
	profile := flag.Bool("profile", true, "profile the three programs at each N where a target is missed")
	profileAt := flag.Int("profile-at", 0, "profile at this N (every step) whatever the results")
	engineN := flag.Int("engine-n", 0, "measure the engine settings at this model count; 0: not measured")
	engineReps := flag.Int("engine-reps", 2, "lifecycles of each program with each engine setting")
	engineSpec := flag.String("engine-settings", deployspeed.DefaultEngineSettings,
		"engine settings, comma-separated, the baseline first: default, parallel=N, skip-checkpoints, joined by +")
	raw := flag.String("raw", ".state/benchmarks.json", "where the measurements are saved (JSON); empty: not saved")
	render := flag.String("render", "", "only write the report again from measurements saved by -raw")
	launches := flag.Int("startup", 20, "launches per plugin binary for the start-up figures")
	flag.Parse()

	var counts []int
	for _, f := range strings.Split(*ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-n: %q is not a model count", f)
		}
		counts = append(counts, n)
	}
	sort.Ints(counts)
	if *reps < 1 {
		return fmt.Errorf("-reps must be at least 1")
	}
	settings, err := deployspeed.ParseEngineSettings(*engineSpec)
	if err != nil {
		return fmt.Errorf("-engine-settings: %w", err)
	}
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	command := "make bench"
	cfg := deployspeed.Config{
		Root: root, Ns: counts, Reps: *reps, Warmup: true,
		StartupLaunches: *launches, Profile: *profile, ProfileAt: *profileAt, Log: os.Stderr,
		EngineN: *engineN, EngineReps: *engineReps, EngineSettings: settings,
	}
	if *smoke {
		command = "make deploy-speed-smoke"
		if *raw == ".state/benchmarks.json" {
			*raw = ".state/deploy-speed-smoke.json"
		}
		cfg.Warmup, cfg.StartupLaunches, cfg.Profile = false, 3, false
	}
	if strings.Join(os.Args[1:], " ") != "" && !*smoke && (*ns != "1,10,50" || *reps != 5 || *engineN != 50 ||
		*engineReps != 2 || *engineSpec != deployspeed.DefaultEngineSettings) {
		command = "go run ./bench/cmd/deployspeed " + strings.Join(os.Args[1:], " ")
	}
	cfg.Command = command

	var res *deployspeed.Result
	if *render != "" {
		data, err := os.ReadFile(*render)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &res); err != nil {
			return fmt.Errorf("%s: %w", *render, err)
		}
	} else {
		// ^C and SIGTERM cancel the run; Bench stops the control plane and its plugins on the way out.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if res, err = deployspeed.Bench(ctx, cfg); err != nil {
			return err
		}
		if *raw != "" {
			data, err := json.MarshalIndent(res, "", " ")
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(*raw), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(*raw, data, 0o644); err != nil {
				return err
			}
		}
	}
	report := res.Markdown()
	if *out == "" {
		fmt.Print(report)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(*out, []byte(report), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "deployspeed: wrote %s\n", *out)
	for _, t := range res.Targets() {
		status := "met"
		if !t.Met {
			status = "MISSED"
		}
		fmt.Fprintf(os.Stderr, "  %-45s N=%-3d %.2f (limit %.2f) %s\n", t.What, t.N, t.Value, t.Limit, status)
	}
	return nil
}
