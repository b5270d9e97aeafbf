// Command testbed runs the project's local test bed and demo:
//
//	testbed up         start etcd, kube-apiserver, kube-controller-manager and the Seldon status
//	                   stand-in, install Seldon's CRDs; kubeconfig at .state/cluster/kubeconfig
//	testbed down       stop every process `up` started, by PID
//	testbed demo       stop an earlier demo, `up`, `pulumi up` of examples/go, the metrics pipeline
//	                   (stand-in agent, Prometheus, prometheus-adapter), a load step up and down shown
//	                   live, then the doctor's verdicts
//	testbed demo-down  destroy the demo stack, then stop every process of the demo, by PID
//	testbed standin    (internal) the Seldon status stand-in loop
//	testbed agent      (internal) the stand-in Seldon agent at ADDR
//
// -state DIR puts the state elsewhere than the repository's .state (the demo's test).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/pipeline"
)

func main() {
	stateDir := flag.String("state", "", "state directory (default: .state in the repository)")
	flag.Parse()
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: testbed [-state DIR] fixtures|up|down|demo|demo-down")
		os.Exit(2)
	}
	root, err := repoRoot()
	if err == nil {
		state := *stateDir
		if state == "" {
			state = filepath.Join(root, ".state")
		}
		err = dispatch(root, state, flag.Arg(0), flag.Args()[1:])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbed: %v\n", err)
		os.Exit(1)
	}
}

func dispatch(root, state, cmd string, args []string) error {
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
		if err == nil {
			fmt.Printf("stop it with: make cluster-down\n")
		}
		return err
	case "down":
		return localcluster.StopDir(clusterDir)
	case "standin":
		if len(args) != 1 {
			return errors.New("usage: testbed standin KUBECONFIG")
		}
		return standIn(args[0])
	case "agent":
		if len(args) != 1 {
			return errors.New("usage: testbed agent ADDR")
		}
		return serveAgent(args[0])
	case "demo":
		return demo(root, state, clusterDir, os.Stdout)
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

func up(root, dir string) (*localcluster.Cluster, error) {
	fixtures, err := testbed.FindFixtures(root)
	if err != nil {
		return nil, err
	}
	_ = localcluster.StopDir(dir) // a stale cluster from an earlier run
	_ = os.RemoveAll(dir)
	ctx := context.Background()
	c, err := localcluster.Start(ctx, localcluster.Options{Dir: dir, BinDir: testbed.ToolsDir(), Log: os.Stderr})
	if err != nil {
		return nil, err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	if err := localcluster.ApplyManifests(ctx, dyn, fixtures.SeldonCRDs...); err != nil {
		return nil, fmt.Errorf("installing Seldon CRDs from %s: %w", fixtures.Dir, err)
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	seldonMesh := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "seldon-mesh"}}
	if _, err := kube.CoreV1().Namespaces().Create(ctx, seldonMesh, metav1.CreateOptions{}); err != nil &&
		!apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if err := c.Spawn("seldon-status-standin", self, "standin", c.Kubeconfig); err != nil {
		return nil, err
	}
	fmt.Printf("local control plane up: export KUBECONFIG=%s\n", c.Kubeconfig)
	return c, nil
}

func standIn(kubeconfig string) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	dyn, err := localcluster.StandInClient(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	localcluster.RunSeldonStatusStandIn(ctx, dyn, func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) })
	return nil
}

// serveAgent runs the stand-in Seldon agent at addr until SIGTERM; rates are set over HTTP.
func serveAgent(addr string) error {
	a, err := pipeline.StartAgentAt(addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	<-ctx.Done()
	return a.Stop()
}
