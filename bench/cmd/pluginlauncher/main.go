// Command pluginlauncher stands in for a Pulumi plugin binary so the benchmark can see what the
// plugin costs. Installed under a plugin's name, it runs the real plugin (the file of the same name
// with ".real" appended, usually a symlink) with the same arguments, standard streams and process
// group, waits for it, and writes the plugin's resource usage (peak RSS, CPU time, lifetime) as one
// JSON file into $SA_BENCH_RECORDS. Without that variable it records nothing.
//
// The engine stops plugins with SIGINT to their process group, which reaches the real plugin
// directly; the launcher catches the signal only so that it outlives the plugin long enough to
// record it. (It must catch, not ignore: an ignored signal would stay ignored in the plugin.)
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// Record is what one plugin process cost; bench/deployspeed reads it.
type Record struct {
	Plugin     string  `json:"plugin"`
	PID        int     `json:"pid"`
	StartNanos int64   `json:"startNanos"`
	EndNanos   int64   `json:"endNanos"`
	MaxRSSKiB  int64   `json:"maxRssKiB"`
	UserSec    float64 `json:"userSec"`
	SysSec     float64 `json:"sysSec"`
	ExitCode   int     `json:"exitCode"`
}

func main() {
	os.Exit(run())
}

func run() int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pluginlauncher: %v\n", err)
		return 1
	}
	cmd := exec.Command(self+".real", os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "pluginlauncher: %v\n", err)
		return 1
	}
	go func() {
		// A signal sent to the launcher alone (not its group) is passed on.
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	waitErr := cmd.Wait()
	end := time.Now()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(waitErr, &exitErr) {
		code = exitErr.ExitCode()
	} else if waitErr != nil {
		code = 1
	}
	if dir := os.Getenv("SA_BENCH_RECORDS"); dir != "" && cmd.ProcessState != nil {
		rec := Record{
			Plugin:     filepath.Base(self),
			PID:        cmd.Process.Pid,
			StartNanos: start.UnixNano(),
			EndNanos:   end.UnixNano(),
			ExitCode:   code,
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rec.MaxRSSKiB = ru.Maxrss // kilobytes on Linux
			rec.UserSec = time.Duration(ru.Utime.Nano()).Seconds()
			rec.SysSec = time.Duration(ru.Stime.Nano()).Seconds()
		}
		raw, _ := json.Marshal(rec)
		name := filepath.Join(dir, fmt.Sprintf("%s-%d.json", rec.Plugin, rec.PID))
		if err := os.WriteFile(name, raw, 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "pluginlauncher: %v\n", err)
		}
	}
	// End the way the plugin ended, so the engine sees the same exit status.
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		signal.Reset(ws.Signal())
		_ = syscall.Kill(os.Getpid(), ws.Signal())
		return 1
	}
	return code
}
