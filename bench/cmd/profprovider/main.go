// Command profprovider is pulumi-resource-seldon-autoscaling built for profiling: the same
// provider, writing a CPU profile of its whole life to $SA_BENCH_CPUPROFILE/cpu-<pid>.pprof. The
// benchmark swaps it in only for its profiling runs, never for timed ones.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"syscall"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/component"
)

func main() {
	stop := startProfile()
	prov, err := component.Provider()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building provider: %v\n", err)
		stop()
		os.Exit(1)
	}
	// The engine ends plugins with SIGINT: flush the profile first.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-signals
		stop()
		os.Exit(0)
	}()
	err = prov.Run(context.Background(), component.PackageName, "0.0.0-dev")
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%v\n", err)
		os.Exit(1)
	}
}

func startProfile() func() {
	dir := os.Getenv("SA_BENCH_CPUPROFILE")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", os.Getpid())))
	if err != nil {
		fmt.Fprintf(os.Stderr, "profprovider: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "profprovider: %v\n", err)
		_ = f.Close()
		return func() {}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			pprof.StopCPUProfile()
			_ = f.Close()
		})
	}
}
