//go:build linux

// Command pulumi-reaper stands in front of the Pulumi CLI as bin/pulumi, so that the CLI and its
// plugins die with the test binary that started them (see package reaper). The real CLI's path is
// set when building: -ldflags "-X main.cli=/path/to/pulumi".
package main

import (
	"fmt"
	"os"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/reaper"
)

var cli string

func main() {
	if cli == "" {
		fmt.Fprintln(os.Stderr, "pulumi-reaper: built without -X main.cli=<path of the Pulumi CLI>")
		os.Exit(2)
	}
	os.Exit(reaper.Run(cli, os.Args[1:]))
}
