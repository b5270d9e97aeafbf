package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	// Aliased: this package's own type is called testbed.
	bedenv "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/stacks"
)

// testbed is the package's shared control plane and toolchain, started once in TestMain.
type testbed struct {
	root        string // repository root
	tools       string // the pinned tools' directory (hack/tools.sh bindir)
	providerDir string // holds the freshly built pulumi-resource-seldon-autoscaling
	cliRoot     string // holds bin/pulumi, the reaper in front of the CLI (stacks.BuildReaper)
	chartPath   string
	cluster     *localcluster.Cluster
	dyn         dynamic.Interface
	kube        kubernetes.Interface
	tmp         string
	stopStandIn context.CancelFunc
}

var (
	bed        *testbed
	skipReason string
)

func TestMain(m *testing.M) {
	if raw := os.Getenv(childRunEnv); raw != "" {
		os.Exit(childUp(raw)) // TestKilledRunLeavesNoProcess's child: no test bed of its own
	}
	code, err := run(m)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	b, missing, err := setup()
	defer func() {
		if b != nil && b.stopStandIn != nil {
			b.stopStandIn()
		}
		if b != nil && b.cluster != nil {
			_ = b.cluster.Stop()
		}
	}()
	if err != nil {
		return 1, err
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			return 1, fmt.Errorf("%s; CI must build the tools first", missing)
		}
		skipReason = missing
	}
	bed = b
	code := m.Run()
	if b != nil && b.tmp != "" && code == 0 {
		_ = os.RemoveAll(b.tmp)
	} else if b != nil {
		fmt.Fprintf(os.Stderr, "e2e: state and logs kept in %s\n", b.tmp)
	}
	return code, nil
}

func setup() (*testbed, string, error) {
	root, err := filepath.Abs("../..")
	if err != nil {
		return nil, "", err
	}
	b := &testbed{root: root, tools: bedenv.ToolsDir()}
	if err := bedenv.CheckTools(b.tools, "pulumi-language-yaml"); err != nil {
		return nil, err.Error(), nil
	}
	fixtures, err := bedenv.FindFixtures(root)
	if err != nil {
		return nil, "", err
	}
	b.chartPath = fixtures.Chart

	if b.tmp, err = os.MkdirTemp("", "seldon-autoscaling-e2e-"); err != nil {
		return nil, "", err
	}
	b.providerDir = filepath.Join(b.tmp, "provider")
	if err := stacks.BuildProvider(root, b.providerDir); err != nil {
		return nil, "", err
	}
	b.cliRoot = filepath.Join(b.tmp, "cli")
	if err := stacks.BuildReaper(root, b.cliRoot, b.tools); err != nil {
		return nil, "", err
	}

	ctx := context.Background()
	b.cluster, err = localcluster.Start(ctx, localcluster.Options{
		Dir: filepath.Join(b.tmp, "cluster"), BinDir: b.tools, Log: os.Stderr, TiedToParent: true,
		AuditUsers: []string{deployerUser}, // TestLeastPrivilege reads what the deployer did
	})
	if err != nil {
		return b, "", err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", b.cluster.Kubeconfig)
	if err != nil {
		return b, "", err
	}
	if b.dyn, err = dynamic.NewForConfig(cfg); err != nil {
		return b, "", err
	}
	if b.kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return b, "", err
	}
	if err := localcluster.ApplyManifests(ctx, b.dyn, fixtures.SeldonCRDs...); err != nil {
		return b, "", fmt.Errorf("installing Seldon CRDs: %w", err)
	}
	// Otherwise the first test to destroy a Model waits for the garbage collector to learn the CRDs.
	if _, err := localcluster.AwaitGarbageCollector(ctx, b.dyn, "default"); err != nil {
		return b, "", err
	}
	seldonMesh := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "seldon-mesh"}}
	if _, err := b.kube.CoreV1().Namespaces().Create(ctx, seldonMesh, metav1.CreateOptions{}); err != nil {
		return b, "", err
	}
	standInDyn, err := localcluster.StandInClient(cfg)
	if err != nil {
		return b, "", err
	}
	standInCtx, cancel := context.WithCancel(ctx)
	b.stopStandIn = cancel
	go localcluster.RunSeldonStatusStandIn(
		standInCtx,
		standInDyn,
		func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) },
	)
	return b, "", nil
}

func requireBed(t *testing.T) *testbed {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	return bed
}

// stackOptions gives a test its own workspace directory, backend and PULUMI_HOME.
func (b *testbed) stackOptions(t *testing.T, project workspace.Project) []auto.LocalWorkspaceOption {
	t.Helper()
	env := stacks.Env{Tools: b.tools, ProviderDir: b.providerDir, Kubeconfig: b.cluster.Kubeconfig, CLIRoot: b.cliRoot}
	opts, err := env.Options(t.TempDir(), project)
	if err != nil {
		t.Fatal(err)
	}
	return opts
}

// goStack is an inline Automation API stack running program.
func (b *testbed) goStack(t *testing.T, name string, program pulumi.RunFunc, config map[string]string) auto.Stack {
	t.Helper()
	ctx := context.Background()
	project := workspace.Project{
		Name:    tokens.PackageName("seldon-autoscaling-e2e-" + name),
		Runtime: workspace.NewProjectRuntimeInfo("go", nil),
	}
	st, err := auto.UpsertStackInlineSource(ctx, "e2e", project.Name.String(), program, b.stackOptions(t, project)...)
	if err != nil {
		t.Fatalf("creating stack: %v", err)
	}
	b.setConfig(t, st, config)
	return st
}

// yamlStack is the YAML example, run by the YAML language host from a copy of examples/yaml.
func (b *testbed) yamlStack(t *testing.T, config map[string]string) auto.Stack {
	t.Helper()
	return b.yamlExample(t, "yaml", b.stackOptions, config)
}

// yamlExample runs examples/<example> from a copy, in a workspace made by options.
func (b *testbed) yamlExample(
	t *testing.T,
	example string,
	options func(*testing.T, workspace.Project) []auto.LocalWorkspaceOption,
	config map[string]string,
) auto.Stack {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(b.root, "examples", example, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	project, err := workspace.LoadProject(filepath.Join(dir, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	opts := append(options(t, *project), auto.WorkDir(dir))
	st, err := auto.UpsertStackLocalSource(context.Background(), "e2e", dir, opts...)
	if err != nil {
		t.Fatalf("creating YAML stack: %v", err)
	}
	b.setConfig(t, st, config)
	return st
}

func (b *testbed) setConfig(t *testing.T, st auto.Stack, config map[string]string) {
	t.Helper()
	for k, v := range config {
		if err := st.SetConfig(context.Background(), k, auto.ConfigValue{Value: v}); err != nil {
			t.Fatalf("config %s: %v", k, err)
		}
	}
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, detail := cond()
		if ok {
			return
		}
		last = detail
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s (last: %s)", what, timeout, last)
}

func kubectl(t *testing.T, b *testbed, args ...string) {
	t.Helper()
	out, err := kubectlCommand(b.cluster.Kubeconfig, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// kubectlCommand is kubectl against kubeconfig, killed by the kernel if the test binary dies.
func kubectlCommand(kubeconfig string, args ...string) *exec.Cmd {
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// autoConfigSecret is a stack config value stored encrypted.
func autoConfigSecret(v string) auto.ConfigValue { return auto.ConfigValue{Value: v, Secret: true} }
