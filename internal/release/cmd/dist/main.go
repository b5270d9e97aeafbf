// Command dist builds the release archives into a directory (`make dist`):
//
//	dist -version VERSION [-out dist] [-targets all|host|sample:N|os-arch,...]
//
// The version comes from hack/version.sh; nothing else decides it. What it wrote is then read
// back (release.Verify): a release whose layout, platforms or checksums are wrong fails here, not
// in a user's `pulumi up`.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/release"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dist", flag.ContinueOnError)
	fs.SetOutput(stderr)
	version := fs.String("version", "", "the release version (hack/version.sh)")
	out := fs.String("out", "dist", "the directory to write the archives and SHA256SUMS into")
	targets := fs.String("targets", "all",
		"all, host, sample:N (host and the N-th other, in turn), or a comma-separated list of os-arch")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *version == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: dist -version VERSION [-out DIR] [-targets all|host|sample:N|os-arch,...]")
		return 2
	}
	start := time.Now()
	ts, err := parseTargets(*targets)
	if err == nil {
		_, err = release.Build(".", *out, *version, ts, stdout)
	}
	if err == nil {
		err = release.Verify(*out, *version, ts)
	}
	if err == nil {
		fmt.Fprintf(stdout, "%d archives for %d targets built and verified in %s\n",
			len(ts)*len(release.Binaries), len(ts), time.Since(start).Round(time.Second))
	}
	if err != nil {
		fmt.Fprintf(stderr, "dist: %v\n", err)
		return 1
	}
	return 0
}

func parseTargets(s string) ([]release.Target, error) {
	switch s {
	case "all":
		return release.Targets, nil
	case "host":
		return []release.Target{release.Host()}, nil
	}
	if turn, ok := strings.CutPrefix(s, "sample:"); ok {
		n, err := strconv.Atoi(turn)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("target %q: want sample:N, N a whole number (the turn)", s)
		}
		return release.Sample(n), nil
	}
	var ts []release.Target
	for _, item := range strings.Split(s, ",") {
		osName, arch, ok := strings.Cut(item, "-")
		if !ok {
			return nil, fmt.Errorf("target %q: want os-arch, such as linux-amd64", item)
		}
		ts = append(ts, release.Target{OS: osName, Arch: arch})
	}
	return ts, nil
}
