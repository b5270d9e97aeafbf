package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/examples/go/autoscaledmodel"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/pipeline"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/stacks"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

const (
	demoNamespace = "seldon-mesh" // the example's default
	demoModel     = "irisa0"      // the example's Model
	demoTarget    = 3.0           // the example's default targetRps
	demoMax       = 4
)

// demoSetting is one stack config value of examples/go the demo sets, and why.
type demoSetting struct{ key, value, why string }

// demoSettings shorten the component's timings so that a load step plays out in a minute, not ten.
var demoSettings = []demoSetting{
	{"scrapeInterval", "5s", fmt.Sprintf("the demo's Prometheus scrapes the stand-in agent every 5 s (default %s)",
		inputs.DefaultScrapeInterval)},
	{"rateWindow", "20s", "four scrapes: the shortest window that stays steady when a scrape lands late " +
		"(docs/pipeline-reaction.md)"},
	{"relistInterval", "10s", fmt.Sprintf("the adapter finds new series within 10 s (default %s)",
		inputs.DefaultRelistInterval)},
	{"serverReadySeconds", "10", fmt.Sprintf("the stand-in starts no pods (default %d s); the Model HPA still waits "+
		"this + 15 s for its Server's new pods", inputs.DefaultServerReadySeconds)},
	{"scaleUpWindow", "0", fmt.Sprintf("scale the Server up on the first sync above target (default %d s)",
		inputs.DefaultScaleUpWindow)},
	{"scaleDownWindow", "15", fmt.Sprintf("scale in 15 s after the load falls (default %d s)",
		policy.DefaultScaleDownWindow)},
	{"maxReplicas", strconv.Itoa(demoMax), "4x the target load fills it exactly"},
}

func settingValue(key string) string {
	for _, s := range demoSettings {
		if s.key == key {
			return s.value
		}
	}
	panic("no demo setting " + key)
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
	config := auto.ConfigMap{"adapterChartPath": {Value: fixtures.Chart}, "adapterSkipAwait": {Value: "true"}}
	for _, s := range demoSettings {
		config[s.key] = auto.ConfigValue{Value: s.value}
	}
	return st, st.SetAllConfig(ctx, config)
}

// demoBed is what the demo runs against once everything is up.
type demoBed struct {
	kube       kubernetes.Interface
	dyn        dynamic.Interface
	agentAddr  string
	series     pipeline.Series
	metricPath string
	hpas       [2]string // the Model's and the Server's HPA
	server     string
	promURL    string
}

// demo starts everything (after stopping an earlier demo), steps the load up and down, shows the
// HPAs move the Model and its Server, and ends with the doctor's verdicts.
func demo(root, state, clusterDir string, out io.Writer) error {
	adapterBin, err := pipeline.Tools(testbed.ToolsDir())
	if err != nil {
		return err
	}
	// An earlier demo's processes are stopped by up; its stack's state would name objects of a
	// control plane that is gone, and its Prometheus data series of an agent that is gone.
	for _, dir := range []string{"demo", "pipeline"} {
		if err := os.RemoveAll(filepath.Join(state, dir)); err != nil {
			return err
		}
	}
	c, err := up(root, clusterDir)
	if err != nil {
		return err
	}
	bed, err := startDemoBed(root, state, c, adapterBin, out)
	if err != nil {
		return err
	}
	steps := []demoStep{
		{"1x the target: the metric flows", demoTarget, func(o obs) bool {
			return o.metricOK && math.Abs(o.metric-demoTarget) <= 0.1*demoTarget
		}},
		{"4x the target: the Server scales up, its Model follows", 4 * demoTarget, func(o obs) bool {
			return o.model == demoMax && o.server == demoMax
		}},
		{"back to 1x: both scale in after the scale-down window", demoTarget, func(o obs) bool {
			return o.model == 1 && o.server == 1
		}},
	}
	for _, s := range steps {
		if err := bed.step(out, s, 3*time.Minute); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "\n== kubectl get hpa,models,servers -n %s\n", demoNamespace)
	kubectl(out, c.Kubeconfig, "get", "hpa,models.mlops.seldon.io,servers.mlops.seldon.io", "-n", demoNamespace)
	return runDoctor(root, state, c.Kubeconfig, bed, out)
}

// startDemoBed starts the agent and Prometheus, runs `pulumi up` of examples/go, then starts
// prometheus-adapter from what the component installed.
func startDemoBed(root, state string, c *localcluster.Cluster, adapterBin string, out io.Writer) (*demoBed, error) {
	ctx := context.Background()
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return nil, err
	}
	b := &demoBed{}
	if b.kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if b.dyn, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if b.agentAddr, err = startAgentProcess(ctx, c); err != nil {
		return nil, err
	}
	scrape, err := time.ParseDuration(settingValue("scrapeInterval"))
	if err != nil {
		return nil, err
	}
	run, err := pipeline.StartRun(ctx, pipeline.RunConfig{
		Spawner: c, Kube: b.kube, Dyn: b.dyn, Kubeconfig: c.Kubeconfig, AdapterBin: adapterBin,
		Dir: filepath.Join(state, "pipeline"), AgentAddr: b.agentAddr, Namespace: demoNamespace, Scrape: scrape,
		Adapter: pipeline.AdapterSource{Namespace: pipeline.AdapterNamespace, Deployment: pipeline.AdapterDeployment},
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "stand-in Seldon agent at %s, Prometheus at %s\n\n== the demo sets, in examples/go's config:\n",
		b.agentAddr, run.Prom.URL)
	for _, s := range demoSettings {
		fmt.Fprintf(out, "  %-18s %-4s %s\n", s.key, s.value, s.why)
	}
	if err := b.deploy(root, state, c.Kubeconfig, out); err != nil {
		return nil, err
	}
	adapter, err := run.StartAdapter(ctx)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "prometheus-adapter on 127.0.0.1:%d with the rules of ConfigMap %s/%s (relist %s)\n",
		adapter.Port, pipeline.AdapterNamespace, adapter.ConfigMap, adapter.RelistInterval)
	b.promURL = run.Prom.URL
	return b, nil
}

// deploy runs `pulumi up` of examples/go (its log in the state directory) and learns from its
// outputs and the Model what the demo watches.
func (b *demoBed) deploy(root, state, kubeconfig string, out io.Writer) error {
	ctx := context.Background()
	st, err := demoStack(root, state, kubeconfig)
	if err != nil {
		return err
	}
	logPath := filepath.Join(state, "demo", "up.log")
	log, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer log.Close() //nolint:errcheck // a log
	start := time.Now()
	res, err := st.Up(ctx, optup.ProgressStreams(log))
	if err != nil {
		return fmt.Errorf("pulumi up (log: %s): %w", logPath, err)
	}
	fmt.Fprintf(out, "\npulumi up of examples/go: %v in %s (log: %s)\n", *res.Summary.ResourceChanges,
		time.Since(start).Round(time.Second), logPath)
	if d, ok := res.Outputs["derivations"].Value.([]any); ok {
		fmt.Fprintf(out, "the component derived (reasons: pulumi stack output derivations):\n")
		for _, line := range d {
			value, _, _ := strings.Cut(fmt.Sprint(line), " (")
			fmt.Fprintf(out, "  - %s\n", value)
		}
	}
	b.metricPath, _ = res.Outputs["customMetricsPath"].Value.(string)
	b.hpas[0], _ = res.Outputs["modelHpa"].Value.(string)
	b.hpas[1], _ = res.Outputs["serverHpa"].Value.(string)
	model, err := b.dyn.Resource(localcluster.ModelResource).Namespace(demoNamespace).Get(ctx, demoModel,
		metav1.GetOptions{})
	if err != nil {
		return err
	}
	b.server, _, _ = unstructured.NestedString(model.Object, "spec", "server")
	b.series = pipeline.Series{Model: demoModel, Server: b.server, MethodType: "rest"}
	return nil
}

// startAgentProcess runs the stand-in agent as a process of the control plane (stopped with it by
// PID), on a port chosen here, and waits until it answers.
func startAgentProcess(ctx context.Context, c *localcluster.Cluster) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	_ = l.Close()
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	if err := c.Spawn("seldon-agent-standin", self, "agent", addr); err != nil {
		return "", err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := pipeline.SetRemoteRate(ctx, addr, pipeline.Series{Model: demoModel}, 0)
		if err == nil {
			return addr, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("the stand-in agent (log %s): %w", c.LogPath("seldon-agent-standin"), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// obs is one look at the autoscaling: the metric, both HPAs' desired/current, both spec.replicas.
type obs struct {
	metric        float64
	metricOK      bool
	hpa           [2][2]int32 // [model, server][desired, current]
	model, server int64
}

func (b *demoBed) observe(ctx context.Context) obs {
	var o obs
	v, err := pipeline.Metric(ctx, b.kube, b.metricPath)
	o.metric, o.metricOK = v, err == nil
	for i, name := range b.hpas {
		h, err := b.kube.AutoscalingV2().HorizontalPodAutoscalers(demoNamespace).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			o.hpa[i] = [2]int32{h.Status.DesiredReplicas, h.Status.CurrentReplicas}
		}
	}
	o.model = localcluster.SpecReplicas(ctx, b.dyn, localcluster.ModelResource, demoNamespace, demoModel)
	o.server = localcluster.SpecReplicas(ctx, b.dyn, localcluster.ServerResource, demoNamespace, b.server)
	return o
}

// demoStep holds the agent at rps until done, showing the autoscaling every sync period.
type demoStep struct {
	name string
	rps  float64
	done func(obs) bool
}

func (b *demoBed) step(out io.Writer, s demoStep, timeout time.Duration) error {
	ctx := context.Background()
	if err := pipeline.SetRemoteRate(ctx, b.agentAddr, b.series, s.rps); err != nil {
		return err
	}
	start := time.Now()
	fmt.Fprintf(out, "\n== %g RPS, %s\n%5s %5s %9s %10s %10s %6s %6s\n", s.rps, s.name,
		"t", "load", "infer_rps", "Model HPA", "Server HPA", "Model", "Server")
	for {
		o := b.observe(ctx)
		metric := "-"
		if o.metricOK {
			metric = strconv.FormatFloat(o.metric, 'f', 2, 64)
		}
		fmt.Fprintf(out, "%4ds %5g %9s %10s %10s %6d %6d\n", int(time.Since(start).Seconds()), s.rps, metric,
			fmt.Sprintf("%d/%d", o.hpa[0][0], o.hpa[0][1]), fmt.Sprintf("%d/%d", o.hpa[1][0], o.hpa[1][1]),
			o.model, o.server)
		if s.done(o) {
			return nil
		}
		if time.Since(start) > timeout {
			return fmt.Errorf("%q did not happen within %s", s.name, timeout)
		}
		time.Sleep(5 * time.Second) // the HPA controller's sync period in the test bed
	}
}

// runDoctor builds and runs `seldon-autoscaling doctor` against the demo, as a user would.
func runDoctor(root, state, kubeconfig string, b *demoBed, out io.Writer) error {
	bin := filepath.Join(state, "bin", "seldon-autoscaling")
	build := exec.Command("go", "build", "-o", bin, "./provider/cmd/seldon-autoscaling")
	build.Dir, build.Stderr = root, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the CLI: %w", err)
	}
	args := []string{"doctor", "--kubeconfig", kubeconfig, "-n", demoNamespace, "--prometheus-url", b.promURL,
		"--wait", "60s"}
	fmt.Fprintf(out, "\n== seldon-autoscaling %s\n", strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("the doctor: %w", err)
	}
	fmt.Fprintf(out, "\nKUBECONFIG=%s\nEverything keeps running; stop it all with: make demo-down\n", kubeconfig)
	return nil
}

// demoDown destroys the demo stack if its control plane answers, then stops every process the
// demo started (control plane, stand-ins, Prometheus, adapter), by PID. Safe to run again.
func demoDown(root, state, clusterDir string) error {
	kubeconfig := filepath.Join(clusterDir, "kubeconfig")
	if _, err := os.Stat(filepath.Join(state, "demo")); err == nil && apiServerAnswers(kubeconfig) {
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
	if err := os.RemoveAll(state); err != nil {
		return err
	}
	fmt.Printf("demo stopped: every process it started, by PID; %s removed\n", state)
	return nil
}

func apiServerAnswers(kubeconfig string) bool {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return false
	}
	cfg.Timeout = 5 * time.Second
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return false
	}
	_, err = kube.Discovery().ServerVersion()
	return err == nil
}

func kubectl(out io.Writer, kubeconfig string, args ...string) {
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Stdout, cmd.Stderr = out, out
	_ = cmd.Run()
}
