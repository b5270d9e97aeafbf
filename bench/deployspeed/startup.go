package deployspeed

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Startup is one launch of a plugin on its own: how long until it printed its port (the moment
// the engine can talk to it) and its memory then.
type Startup struct {
	Ready    time.Duration
	RSSKiB   int64 // VmRSS when ready
	HWMKiB   int64 // VmHWM when ready
	ExitTime time.Duration
}

// MeasureStartup launches bin k times, one after another, each time waiting for the port line on
// stdout, reading /proc/<pid>/status, and stopping it with SIGINT as the engine does.
func MeasureStartup(bin string, k int) ([]Startup, error) {
	var out []Startup
	for i := 0; i < k; i++ {
		s, err := startOnce(bin)
		if err != nil {
			return out, fmt.Errorf("%s: %w", bin, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func startOnce(bin string) (Startup, error) {
	cmd := exec.Command(bin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Startup{}, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Startup{}, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
		}
	}()
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		for sc.Scan() { //nolint:revive // drain, so the plugin never blocks on a full pipe
		}
	}()
	var s Startup
	select {
	case l, ok := <-line:
		if !ok {
			return s, fmt.Errorf("exited before printing its port")
		}
		if _, err := strconv.Atoi(strings.TrimSpace(l)); err != nil {
			return s, fmt.Errorf("first line %q is not a port", l)
		}
		s.Ready = time.Since(start)
	case <-time.After(60 * time.Second):
		return s, fmt.Errorf("no port within 60s")
	}
	// The launcher's child is the plugin proper: read the deepest process of the group.
	pid := cmd.Process.Pid
	if child := onlyChild(pid); child != 0 {
		pid = child
	}
	s.RSSKiB, s.HWMKiB = statusKiB(pid, "VmRSS:"), statusKiB(pid, "VmHWM:")
	stopAt := time.Now()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case <-done: // an exit status from SIGINT is expected
		stopped = true
	case <-time.After(10 * time.Second):
		return s, fmt.Errorf("did not stop within 10s of SIGINT")
	}
	s.ExitTime = time.Since(stopAt)
	return s, nil
}

// onlyChild is the single child of pid, or 0.
func onlyChild(pid int) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var children []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		s := string(raw)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			children = append(children, p)
		}
	}
	if len(children) != 1 {
		return 0
	}
	return children[0]
}

func statusKiB(pid int, field string) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, field) {
			f := strings.Fields(l)
			if len(f) >= 2 {
				v, _ := strconv.ParseInt(f[1], 10, 64)
				return v
			}
		}
	}
	return 0
}
