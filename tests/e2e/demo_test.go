package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
)

// demoProcesses are the processes `testbed demo` leaves running for demo-down to stop.
var demoProcesses = []string{"etcd", "kube-apiserver", "kube-controller-manager", "seldon-status-standin",
	"seldon-agent-standin", "prometheus", "prometheus-adapter"}

// TestDemo runs `make demo`'s command as a user would, in a state directory of its own, and
// watches its control plane independently: under the demo's 4x load both the Model's and the
// Server's spec.replicas must rise above the minimum and come back to it, the doctor must report
// no failure, and after demo-down (run twice) no process of the demo may remain nor hold a port.
func TestDemo(t *testing.T) {
	b := requireBed(t)
	b.requirePipelineTools(t)
	bin := filepath.Join(t.TempDir(), "testbed")
	build := exec.Command("go", "build", "-o", bin, "./internal/testbed/cmd/testbed")
	build.Dir = b.root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the testbed command: %v\n%s", err, out)
	}
	state := filepath.Join(t.TempDir(), "state")
	testbedCmd := func(ctx context.Context, args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, bin, append([]string{"-state", state}, args...)...)
		cmd.Dir = b.root
		return cmd
	}
	t.Cleanup(func() { _ = testbedCmd(context.Background(), "demo-down").Run() })

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	watched := make(chan [2][2]int64, 1) // [model, server][max seen, last seen]
	go watchDemo(ctx, filepath.Join(state, "cluster", "kubeconfig"), watched)
	var out bytes.Buffer
	demo := testbedCmd(ctx, "demo")
	demo.Stdout, demo.Stderr = &out, &out
	start := time.Now()
	err := demo.Run()
	cancel()
	seen := <-watched
	t.Logf("demo took %s; seen Model max %d last %d, Server max %d last %d", time.Since(start).Round(time.Second),
		seen[0][0], seen[0][1], seen[1][0], seen[1][1])
	if err != nil {
		t.Fatalf("testbed demo: %v\n%s", err, out.String())
	}
	if seen[0][0] <= 1 || seen[1][0] <= 1 || seen[0][1] != 1 || seen[1][1] != 1 {
		t.Errorf("want both Model and Server above 1 replica under load and back at 1 after; output:\n%s", out.String())
	}
	if !strings.Contains(out.String(), " 0 failures (namespace seldon-mesh)") {
		t.Errorf("the doctor's summary with no failure is missing:\n%s", out.String())
	}
	pids, ports := demoPIDsAndPorts(t, filepath.Join(state, "cluster", "pids"))
	for range 2 {
		if down, err := testbedCmd(context.Background(), "demo-down").CombinedOutput(); err != nil {
			t.Fatalf("testbed demo-down: %v\n%s", err, down)
		}
	}
	for name, pid := range pids {
		if !localcluster.Exited(pid) {
			t.Errorf("%s (pid %d) still runs after demo-down", name, pid)
		}
	}
	for _, port := range ports {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Errorf("port %d still taken after demo-down: %v", port, err)
			continue
		}
		_ = l.Close()
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("demo-down left %s: %v", state, err)
	}
}

// watchDemo reads the Model's and Server's spec.replicas every second once the demo's control
// plane is up, and sends the largest and the last values seen when ctx ends.
func watchDemo(ctx context.Context, kubeconfig string, result chan<- [2][2]int64) {
	var seen [2][2]int64
	defer func() { result <- seen }()
	var dyn dynamic.Interface
	for ctx.Err() == nil {
		time.Sleep(time.Second)
		if dyn == nil {
			cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				continue
			}
			if dyn, err = dynamic.NewForConfig(cfg); err != nil {
				continue
			}
		}
		m := localcluster.SpecReplicas(ctx, dyn, localcluster.ModelResource, ns, modelName)
		s := localcluster.SpecReplicas(ctx, dyn, localcluster.ServerResource, ns, serverName)
		if ctx.Err() != nil || m < 0 || s < 0 {
			continue
		}
		seen[0] = [2]int64{max(seen[0][0], m), m}
		seen[1] = [2]int64{max(seen[1][0], s), s}
	}
}

var portArg = regexp.MustCompile(`(?:127\.0\.0\.1:|--secure-port=)(\d+)`)

// demoPIDsAndPorts reads the PIDs the demo recorded and the loopback ports their command lines name.
func demoPIDsAndPorts(t *testing.T, dir string) (map[string]int, []int) {
	t.Helper()
	pids := map[string]int{}
	var ports []int
	for _, name := range demoProcesses {
		raw, err := os.ReadFile(filepath.Join(dir, name+".pid"))
		if err != nil {
			t.Errorf("the demo recorded no PID for %s: %v", name, err)
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		pids[name] = pid
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			t.Errorf("%s (pid %d) is not running at the end of the demo", name, pid)
			continue
		}
		for _, m := range portArg.FindAllStringSubmatch(string(cmdline), -1) {
			p, _ := strconv.Atoi(m[1])
			ports = append(ports, p)
		}
	}
	if len(ports) < len(demoProcesses) {
		t.Errorf("found only ports %v in the demo's command lines", ports)
	}
	return pids, ports
}
