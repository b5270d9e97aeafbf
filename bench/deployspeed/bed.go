// Package deployspeed runs the component program and the hand-written program of bench/handwritten
// through the same lifecycle against a local control plane, and measures both: wall time per
// step, the plugins' peak RSS and CPU time, and the objects each leaves in the API server.
package deployspeed

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/stacks"
)

// Plugin binary names.
const (
	ProviderPlugin   = "pulumi-resource-seldon-autoscaling"
	KubernetesPlugin = "pulumi-resource-kubernetes"
)

// Bed is a running control plane with Seldon's CRDs and status stand-in, the freshly built
// provider, and both plugins wrapped by bench/cmd/pluginlauncher so their usage is recorded.
type Bed struct {
	Root      string // repository root
	Tools     string // hack/tools.sh bindir
	ChartPath string // the local prometheus-adapter 5.3.0 chart
	Tmp       string // everything this bed writes
	Cluster   *localcluster.Cluster
	Dyn       dynamic.Interface
	Kube      kubernetes.Interface
	Env       stacks.Env // stacks run with the wrapped provider
	// Real plugin binaries, for start-up measurements.
	Provider   string
	Kubernetes string
	// BarePlugin is bench/cmd/bareplugin, a plugin on the bare Go SDK: the start-up floor.
	BarePlugin string
	// Launchers for the same plugins (what the stacks run).
	ProviderLauncher   string
	KubernetesLauncher string
	kubeDir            string // directory of the wrapped Kubernetes plugin
	profProvider       string // the provider built with CPU profiling (bench/cmd/profprovider)
	stopStandIn        context.CancelFunc
	keep               bool
	log                io.Writer
}

// Options for Start.
type Options struct {
	Root string    // repository root; testbed.FindFixtures says where the fixtures are
	Log  io.Writer // progress; may be nil
	Keep bool      // keep Tmp after Stop (for debugging)
}

// Start builds the plugins and starts the control plane. On error everything started is stopped;
// an error wrapping testbed.ErrToolsMissing means nothing was started.
func Start(ctx context.Context, o Options) (b *Bed, err error) {
	b = &Bed{Root: o.Root, Tools: testbed.ToolsDir(), keep: o.Keep, log: o.Log}
	if b.log == nil {
		b.log = io.Discard
	}
	if err := testbed.CheckTools(b.Tools); err != nil {
		return nil, err
	}
	fixtures, err := testbed.FindFixtures(o.Root)
	if err != nil {
		return nil, err
	}
	b.ChartPath = fixtures.Chart
	if b.Tmp, err = os.MkdirTemp("", "seldon-autoscaling-bench-"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = b.Stop()
			b = nil
		}
	}()
	if err := b.buildPlugins(); err != nil {
		return b, err
	}

	b.Cluster, err = localcluster.Start(ctx, localcluster.Options{
		Dir: filepath.Join(b.Tmp, "cluster"), BinDir: b.Tools, Log: b.log, TiedToParent: true,
	})
	if err != nil {
		return b, err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", b.Cluster.Kubeconfig)
	if err != nil {
		return b, err
	}
	cfg.QPS, cfg.Burst = 100, 200
	if b.Dyn, err = dynamic.NewForConfig(cfg); err != nil {
		return b, err
	}
	if b.Kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return b, err
	}
	if err := localcluster.ApplyManifests(ctx, b.Dyn, fixtures.SeldonCRDs...); err != nil {
		return b, fmt.Errorf("installing Seldon CRDs: %w", err)
	}
	// Otherwise the first destroy of a run waits for the garbage collector to learn the CRDs.
	waited, err := localcluster.AwaitGarbageCollector(ctx, b.Dyn, "default")
	if err != nil {
		return b, err
	}
	fmt.Fprintf(os.Stderr, "bench: garbage collector handles Models after %s\n", waited.Round(time.Second))
	standIn, cancel := context.WithCancel(context.Background())
	b.stopStandIn = cancel
	go localcluster.RunSeldonStatusStandIn(standIn, b.Dyn, func(f string, a ...any) { fmt.Fprintf(b.log, f+"\n", a...) })
	b.Env = stacks.Env{Tools: b.Tools, ProviderDir: filepath.Dir(b.ProviderLauncher), Kubeconfig: b.Cluster.Kubeconfig}
	return b, nil
}

// buildPlugins builds the provider (as the e2e tests do), the launcher, and the profiling build of
// the provider, and lays out one launcher directory per plugin.
func (b *Bed) buildPlugins() error {
	realDir := filepath.Join(b.Tmp, "plugins", "real")
	if err := stacks.BuildProvider(b.Root, realDir); err != nil {
		return err
	}
	b.Provider = filepath.Join(realDir, ProviderPlugin)
	b.Kubernetes = filepath.Join(b.Tools, KubernetesPlugin)
	launcher := filepath.Join(b.Tmp, "plugins", "pluginlauncher")
	b.profProvider = filepath.Join(b.Tmp, "plugins", "prof", ProviderPlugin)
	b.BarePlugin = filepath.Join(b.Tmp, "plugins", "bare", "pulumi-resource-seldon-autoscaling-bare")
	builds := []struct{ out, pkg string }{
		{launcher, "./bench/cmd/pluginlauncher"},
		{b.profProvider, "./bench/cmd/profprovider"},
		{b.BarePlugin, "./bench/cmd/bareplugin"},
	}
	for _, build := range builds {
		cmd := exec.Command("go", "build", "-o", build.out, build.pkg)
		cmd.Dir, cmd.Stdout, cmd.Stderr = b.Root, b.log, b.log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building %s: %w", build.pkg, err)
		}
	}
	var err error
	seldonDir := filepath.Join(b.Tmp, "plugins", "seldon")
	if b.ProviderLauncher, err = installLauncher(launcher, seldonDir, ProviderPlugin, b.Provider); err != nil {
		return err
	}
	kubernetesDir := filepath.Join(b.Tmp, "plugins", "kubernetes")
	if b.KubernetesLauncher, err = installLauncher(launcher, kubernetesDir, KubernetesPlugin, b.Kubernetes); err != nil {
		return err
	}
	b.kubeDir = filepath.Dir(b.KubernetesLauncher)
	return nil
}

// installLauncher puts a copy of the launcher in dir under the plugin's name, with the real
// binary beside it as <name>.real.
func installLauncher(launcher, dir, name, real string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	raw, err := os.ReadFile(launcher)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, raw, 0o755); err != nil { //nolint:gosec // an executable we built
		return "", err
	}
	_ = os.Remove(path + ".real")
	return path, os.Symlink(real, path+".real")
}

// UseProfiledProvider makes the launcher run the provider built with CPU profiling (on) or the
// plain build (off). The profiled build writes cpu-<pid>.pprof into $SA_BENCH_CPUPROFILE.
func (b *Bed) UseProfiledProvider(on bool) error {
	target := b.Provider
	if on {
		target = b.profProvider
	}
	_ = os.Remove(b.ProviderLauncher + ".real")
	return os.Symlink(target, b.ProviderLauncher+".real")
}

// EnsureNamespace creates a namespace if it does not exist.
func (b *Bed) EnsureNamespace(ctx context.Context, name string) error {
	_, err := b.Kube.CoreV1().
		Namespaces().
		Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// killStrays ends plugin processes still running from this bed's binaries (possible only when a
// CLI was killed mid-operation): each launcher with its process group, which holds its plugin.
func (b *Bed) killStrays() {
	if b.Tmp == "" {
		return
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	prefix := filepath.Join(b.Tmp, "plugins") + string(filepath.Separator)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || !strings.HasPrefix(exe, prefix) {
			continue
		}
		if pgid, err := syscall.Getpgid(pid); err == nil && pgid == pid {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		} else {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// Stop ends the stand-in and every control-plane process, by PID, and removes Tmp unless kept.
func (b *Bed) Stop() error {
	if b == nil {
		return nil
	}
	if b.stopStandIn != nil {
		b.stopStandIn()
		b.stopStandIn = nil
	}
	b.killStrays()
	var err error
	if b.Cluster != nil {
		err = b.Cluster.Stop()
		b.Cluster = nil
	}
	if b.Tmp != "" && !b.keep {
		// Processes may still be closing files for a moment.
		for i := 0; i < 5; i++ {
			if rmErr := os.RemoveAll(b.Tmp); rmErr == nil {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	} else if b.Tmp != "" {
		fmt.Fprintf(b.log, "bench: state kept in %s\n", b.Tmp)
	}
	return err
}
