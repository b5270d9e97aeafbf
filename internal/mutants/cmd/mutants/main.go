// Command mutants writes docs/mutation-score.md from the JSON gremlins wrote for each package
// (`make mutants`, hack/mutants.sh).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/mutants"
)

func main() {
	results := flag.String("results", ".state/mutants", "directory of gremlins' JSON, one <package>.json each")
	packages := flag.String("packages",
		"refusal adapterrules ownership promauth seldon inputs policy doctor resolve hpasim",
		"the packages of provider/pkg the report covers, in its order")
	checked := flag.String("checked", "policy ownership refusal adapterrules doctor",
		"the packages whose surviving mutants are listed, each equivalent or needing a test")
	equivalent := flag.String("equivalent", "hack/mutants-equivalent.txt", "the list of equivalent mutants")
	version := flag.String("version", "", "gremlins' version")
	command := flag.String("command", "make mutants", "the command named in the report")
	out := flag.String("out", "docs/mutation-score.md", "the report")
	minEfficacy := flag.Float64("min-efficacy", 0, "with a value above 0, fail when a package run kills less than "+
		"this percentage of the mutants its tests ran, or when a checked package has an unexplained survivor")
	flag.Parse()
	if err := run(*results, *equivalent, *out, *version, *command, *minEfficacy,
		strings.Fields(*packages), strings.Fields(*checked)); err != nil {
		fmt.Fprintln(os.Stderr, "mutants:", err)
		os.Exit(1)
	}
}

func run(results, equivalent, out, version, command string, minEfficacy float64, packages, checked []string) error {
	eq, err := mutants.ReadEquivalents(equivalent)
	if err != nil {
		return err
	}
	r, err := mutants.Build(results, packages, checked, eq)
	if err != nil {
		return err
	}
	r.Version, r.Command = version, command
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		return err
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		return err
	}
	if minEfficacy <= 0 {
		return nil
	}
	if f := r.Failures(minEfficacy); len(f) > 0 {
		return fmt.Errorf("%d problems (report: %s):\n  %s", len(f), out, strings.Join(f, "\n  "))
	}
	return nil
}
