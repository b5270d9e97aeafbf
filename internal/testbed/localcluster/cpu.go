package localcluster

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CPUSeconds is the CPU time (user and system) the control plane's processes have used so far:
// what a benchmark charges to the API server, etcd and the controller manager.
func (c *Cluster) CPUSeconds() float64 {
	dir := filepath.Join(c.Dir, "pids")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	total := 0.0
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		total += processCPU(strings.TrimSpace(string(raw)))
	}
	return total
}

// processCPU is utime+stime of a live process, in seconds (USER_HZ is 100 on Linux).
func processCPU(pid string) float64 {
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(fields[11], 64)
	st, _ := strconv.ParseFloat(fields[12], 64)
	return (ut + st) / 100
}
