// Command testbed runs the project's local test bed and demo:
//
//	testbed up         start etcd, kube-apiserver, kube-controller-manager and the Seldon status
//	                   stand-in, install Seldon's CRDs; kubeconfig at .state/cluster/kubeconfig
//	testbed down       stop every process `up` started, by PID
//	testbed demo       `up` if needed, then `pulumi up` of examples/go and show what it made
//	testbed demo-down  destroy the demo stack, then `down`
//	testbed standin    (internal) the Seldon status stand-in loop
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/examples/go/autoscaledmodel"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/stacks"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: testbed fixtures|up|down|demo|demo-down")
		os.Exit(2)
	}
	root, err := repoRoot()
	if err == nil {
		err = dispatch(root, os.Args[1], os.Args[2:])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbed: %v\n", err)
		os.Exit(1)
	}
}

func dispatch(root, cmd string, args []string) error {
	state := filepath.Join(root, ".state")
	clusterDir := filepath.Join(state, "cluster")
	switch cmd {
	case "fixtures":
		// Checked before any tool is built: a clone away from ../shared learns at once what it
		// lacks, not after half an hour of builds.
		f, err := testbed.FindFixtures(root)
		if err == nil {
			fmt.Printf("fixtures: %s\n", f.Dir)
		}
		return err
	case "up":
		_, err := up(root, clusterDir)
		return err
	case "down":
		return localcluster.StopDir(clusterDir)
	case "standin":
		if len(args) != 1 {
			return errors.New("usage: testbed standin KUBECONFIG")
		}
		return standIn(args[0])
	case "demo":
		return demo(root, state, clusterDir)
	case "demo-down":
		return demoDown(root, state, clusterDir)
	default:
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func repoRoot() (string, error) {
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return os.Getwd()
	}
	return string(out[:len(out)-1]), nil
}

func up(root, dir string) (string, error) {
	fixtures, err := testbed.FindFixtures(root)
	if err != nil {
		return "", err
	}
	_ = localcluster.StopDir(dir) // a stale cluster from an earlier run
	_ = os.RemoveAll(dir)
	ctx := context.Background()
	c, err := localcluster.Start(ctx, localcluster.Options{Dir: dir, BinDir: testbed.ToolsDir(), Log: os.Stderr})
	if err != nil {
		return "", err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return "", err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return "", err
	}
	if err := localcluster.ApplyManifests(ctx, dyn, fixtures.SeldonCRDs...); err != nil {
		return "", fmt.Errorf("installing Seldon CRDs from %s: %w", fixtures.Dir, err)
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "", err
	}
	seldonMesh := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "seldon-mesh"}}
	if _, err := kube.CoreV1().Namespaces().Create(ctx, seldonMesh, metav1.CreateOptions{}); err != nil &&
		!apierrors.IsAlreadyExists(err) {
		return "", err
	}
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	if err := c.Spawn("seldon-status-standin", self, "standin", c.Kubeconfig); err != nil {
		return "", err
	}
	fmt.Printf("local control plane up: export KUBECONFIG=%s\nstop it with: make cluster-down\n", c.Kubeconfig)
	return c.Kubeconfig, nil
}

func standIn(kubeconfig string) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	localcluster.RunSeldonStatusStandIn(ctx, dyn, func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) })
	return nil
}

func demoStack(root, state, kubeconfig string) (auto.Stack, error) {
	fixtures, err := testbed.FindFixtures(root)
	if err != nil {
		return auto.Stack{}, err
	}
	ctx := context.Background()
	providerDir := filepath.Join(state, "provider")
	if err := stacks.BuildProvider(root, providerDir); err != nil {
		return auto.Stack{}, err
	}
	env := stacks.Env{Tools: testbed.ToolsDir(), ProviderDir: providerDir, Kubeconfig: kubeconfig}
	project := workspace.Project{Name: "seldon-autoscaling-demo", Runtime: workspace.NewProjectRuntimeInfo("go", nil)}
	opts, err := env.Options(filepath.Join(state, "demo"), project)
	if err != nil {
		return auto.Stack{}, err
	}
	st, err := auto.UpsertStackInlineSource(ctx, "demo", "seldon-autoscaling-demo", autoscaledmodel.Program, opts...)
	if err != nil {
		return auto.Stack{}, err
	}
	for k, v := range map[string]string{"adapterChartPath": fixtures.Chart, "adapterSkipAwait": "true"} {
		if err := st.SetConfig(ctx, k, auto.ConfigValue{Value: v}); err != nil {
			return auto.Stack{}, err
		}
	}
	return st, nil
}

func demo(root, state, clusterDir string) error {
	kubeconfig, err := up(root, clusterDir)
	if err != nil {
		return err
	}
	st, err := demoStack(root, state, kubeconfig)
	if err != nil {
		return err
	}
	res, err := st.Up(context.Background(), optup.ProgressStreams(os.Stdout))
	if err != nil {
		return err
	}
	fmt.Println("\n== kubectl get hpa,models,servers -n seldon-mesh")
	kubectl(kubeconfig, "get", "hpa,models.mlops.seldon.io,servers.mlops.seldon.io", "-n", "seldon-mesh")
	fmt.Printf("\n== PromQL the adapter runs for irisa0 (paste into Prometheus):\n%v\n", res.Outputs["promql"].Value)
	fmt.Printf("== Check the metric with:\nkubectl get --raw %v\n", res.Outputs["customMetricsPath"].Value)
	fmt.Printf("\n== Derived policy values:\n")
	if d, ok := res.Outputs["derivations"].Value.([]any); ok {
		for _, line := range d {
			fmt.Printf("  - %v\n", line)
		}
	}
	fmt.Printf("\nKUBECONFIG=%s\nTear it all down with: make demo-down\n", kubeconfig)
	return nil
}

func demoDown(root, state, clusterDir string) error {
	kubeconfig := filepath.Join(clusterDir, "kubeconfig")
	if _, err := os.Stat(kubeconfig); err == nil {
		st, err := demoStack(root, state, kubeconfig)
		if err == nil {
			_, err = st.Destroy(context.Background(), optdestroy.ProgressStreams(os.Stdout))
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "destroying the demo stack: %v (stopping the cluster anyway)\n", err)
		}
	}
	if err := localcluster.StopDir(clusterDir); err != nil {
		return err
	}
	return os.RemoveAll(state)
}

func kubectl(kubeconfig string, args ...string) {
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	_ = cmd.Run()
}
