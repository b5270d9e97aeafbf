// Command seldon-autoscaling plans an HPA policy for a Seldon Core 2 Model and its Server from
// load figures, simulates policies against load traces, and compares them on every scenario:
//
//	seldon-autoscaling plan     [planner flags] [--search | --from-prometheus --model M]
//	                                                                 print a policy and why
//	seldon-autoscaling simulate --scenario NAME | --trace FILE [...]  run one policy, print a summary
//	seldon-autoscaling simulate-policies [--out FILE]                 compare policies on every scenario
//	seldon-autoscaling search-policies [--out FILE]                   choose a behavior by simulation
//	seldon-autoscaling doctor   [--kubeconfig F] [--context C] [-n NS] [--model M] [--output json] [--wait D]
//	                                                                 check a live cluster's autoscaling
//	seldon-autoscaling version                                        print the release version
//
// Everything it computes comes from provider/pkg/hpasim and provider/pkg/doctor; this file only
// parses and prints.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Version is the release version, set at build time by `make dist` (-ldflags "-X main.Version=...").
var Version = "0.0.0-dev"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `usage: seldon-autoscaling <command> [flags]

commands:
  plan       derive a policy (target, min/max, scale-up and scale-down behavior) from load figures
  simulate   run a policy over a load trace or a named scenario; print a summary, optionally an SVG
  simulate-policies
             run every scenario under the default, guide and planned policies; write a report
  search-policies
             choose a behavior by simulation for each Seldon mode; write a report
  doctor     check a live cluster's autoscaling end to end; exit 0 ok, 1 a check failed, 2 could not check
  version    print the release version this binary was built as

Run 'seldon-autoscaling <command> -h' for a command's flags.
`

// run is main without the process: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	commands := map[string]func([]string, io.Writer, io.Writer) error{
		"plan":              runPlan,
		"simulate":          runSimulate,
		"simulate-policies": runSimulatePolicies,
		"search-policies":   runSearchPolicies,
		"doctor":            runDoctor,
		"version": func(_ []string, stdout, _ io.Writer) error {
			_, err := fmt.Fprintln(stdout, Version)
			return err
		},
	}
	cmd, ok := commands[args[0]]
	if !ok {
		if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "seldon-autoscaling: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var code exitCode
	switch err := cmd(args[1:], stdout, stderr); {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &code):
		return int(code)
	case err != nil:
		fmt.Fprintf(stderr, "seldon-autoscaling %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// newFlagSet reports flag errors itself and returns them, so run decides the exit code.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("seldon-autoscaling "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses and refuses stray arguments, which would otherwise be ignored silently.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return nil
}
