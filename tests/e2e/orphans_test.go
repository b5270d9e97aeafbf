package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/stacks"
	sa "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
)

const (
	// childRunEnv, holding a childRun as JSON, makes TestMain run childUp instead of the tests.
	childRunEnv = "SELDON_E2E_CHILD_RUN"
	// runMarkerEnv is inherited by every process of the child run: how the test finds them.
	runMarkerEnv = "SELDON_E2E_RUN_MARKER"
	orphanModel  = "orphan0"
)

// childRun is what the child test binary needs to run an up against the parent's test bed.
type childRun struct {
	Tools, ProviderDir, CLIRoot, Kubeconfig, Dir string
}

// childUp starts a kubectl that runs until killed and an up whose program never finishes, so
// that the CLI and both plugins are still running whenever the parent kills this process.
func childUp(raw string) int {
	var c childRun
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	watch := kubectlCommand(c.Kubeconfig, "get", "models.mlops.seldon.io", "-A", "--watch")
	if err := watch.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	program := func(ctx *pulumi.Context) error {
		_, err := sa.NewSeldonAutoscaledModel(ctx, orphanModel, &sa.SeldonAutoscaledModelArgs{
			Model: &sa.ModelSpecArgs{
				Name: pulumi.String(orphanModel), StorageUri: pulumi.String("gs://seldon-models/testing/iris1"),
			},
			Server:      &sa.ServerSpecArgs{Dedicated: pulumi.BoolPtr(true), ServerConfig: pulumi.StringPtr("mlserver")},
			Autoscaling: &sa.AutoscalingSpecArgs{MaxReplicas: pulumi.IntPtr(3), TargetRpsPerReplica: pulumi.Float64Ptr(3)},
			Adapter:     &sa.AdapterSpecArgs{Mode: pulumi.StringPtr("none")},
		})
		if err == nil {
			time.Sleep(2 * time.Minute) // the children are registered; the parent kills us meanwhile
		}
		return err
	}
	env := stacks.Env{Tools: c.Tools, ProviderDir: c.ProviderDir, Kubeconfig: c.Kubeconfig, CLIRoot: c.CLIRoot}
	project := workspace.Project{Name: tokens.PackageName("seldon-autoscaling-e2e-orphans"),
		Runtime: workspace.NewProjectRuntimeInfo("go", nil)}
	opts, err := env.Options(c.Dir, project)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	st, err := auto.UpsertStackInlineSource(ctx, "e2e", project.Name.String(), program, opts...)
	if err == nil {
		_, err = st.Up(ctx)
	}
	fmt.Fprintf(os.Stderr, "the child's up returned, which the parent should have prevented: %v\n", err)
	return 1
}

// markedProcess is a live process carrying a run's marker in its environment.
type markedProcess struct {
	pid  int
	name string // the base name of its executable
}

func (p markedProcess) String() string {
	ppid := "?"
	if raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.pid), "stat")); err == nil {
		if f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:])); len(f) > 1 {
			ppid = f[1]
		}
	}
	return fmt.Sprintf("%s[%d<-%s]", p.name, p.pid, ppid)
}

// markedProcesses scans /proc for processes whose environment holds marker. Zombies have an empty
// environment: they are dead and do not count.
func markedProcesses(marker string) []markedProcess {
	want := []byte(runMarkerEnv + "=" + marker)
	var out []markedProcess
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		marked := func(v []byte) bool { return bytes.Equal(v, want) }
		if err != nil || !slices.ContainsFunc(bytes.Split(env, []byte{0}), marked) {
			continue
		}
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		out = append(out, markedProcess{pid: pid, name: filepath.Base(exe)})
	}
	return out
}

// TestKilledRunLeavesNoProcess SIGKILLs a test binary in the middle of an up — what a CI timeout
// or an OOM kill does — and requires the Pulumi CLI, its plugins and the kubectl it ran to be
// gone soon after. A SIGKILL cannot be caught, so this holds only because each of them is tied
// to the binary by the kernel: kubectl by its Pdeathsig, the CLI and its plugins by the reaper
// installed as bin/pulumi.
func TestKilledRunLeavesNoProcess(t *testing.T) {
	b := requireBed(t)
	marker := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	raw, err := json.Marshal(childRun{Tools: b.tools, ProviderDir: b.providerDir, CLIRoot: b.cliRoot,
		Kubeconfig: b.cluster.Kubeconfig, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "child.log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close() //nolint:errcheck // the child holds its own descriptor
	child := exec.Command(os.Args[0], "-test.run=^$")
	reaperLog := filepath.Join(t.TempDir(), "reaper.log")
	child.Env = append(os.Environ(), childRunEnv+"="+string(raw), runMarkerEnv+"="+marker, "PULUMI_REAPER_LOG="+reaperLog)
	child.Stdout, child.Stderr = log, log
	child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	t.Cleanup(func() { b.deleteOrphanObjects(t) })
	childLog := func() string { out, _ := os.ReadFile(logPath); return string(out) }

	// Mid-run: every kind of process the run starts is up, so the check after the kill is not vacuous.
	running := []string{"pulumi", "pulumi-resource-kubernetes", "pulumi-resource-seldon-autoscaling", "kubectl"}
	eventually(t, 60*time.Second, "the child's CLI, plugins and kubectl to run", func() (bool, string) {
		select {
		case err := <-exited:
			t.Fatalf("the child exited before it was killed (%v):\n%s", err, childLog())
		default:
		}
		procs := markedProcesses(marker)
		for _, name := range running {
			if !slices.ContainsFunc(procs, func(p markedProcess) bool { return p.name == name }) {
				return false, fmt.Sprintf("no %s among %v", name, procs)
			}
		}
		return true, ""
	})
	before := markedProcesses(marker)
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err == nil {
		t.Fatal("the child exited cleanly: it was not killed mid-run")
	}
	t.Logf("killed the test binary while these ran: %v", before)
	eventually(t, 15*time.Second, "no process of the killed run left", func() (bool, string) {
		left := markedProcesses(marker)
		out, _ := os.ReadFile(reaperLog)
		return len(left) == 0, fmt.Sprintf("%v; reaper log:\n%s", left, out)
	})
}

// deleteOrphanObjects removes what the killed up created, which no stack state records.
func (b *testbed) deleteOrphanObjects(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	hpas := b.kube.AutoscalingV2().HorizontalPodAutoscalers(ns)
	errs := []error{
		hpas.Delete(ctx, orphanModel+"-model-hpa", metav1.DeleteOptions{}),
		hpas.Delete(ctx, orphanModel+"-server-hpa", metav1.DeleteOptions{}),
		b.dyn.Resource(localcluster.ModelResource).Namespace(ns).Delete(ctx, orphanModel, metav1.DeleteOptions{}),
		b.dyn.Resource(localcluster.ServerResource).Namespace(ns).
			Delete(ctx, orphanModel+"-server", metav1.DeleteOptions{}),
	}
	for _, err := range errs {
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("removing what the killed up created: %v", err)
		}
	}
}
