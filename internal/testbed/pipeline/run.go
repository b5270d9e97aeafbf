package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// The adapter Deployment the component installs by default: release hpa-metrics of the
// prometheus-adapter chart in the component's default adapter namespace
// (inputs.DefaultAdapterNamespace).
const (
	AdapterNamespace  = "seldon-monitoring"
	AdapterDeployment = "hpa-metrics-prometheus-adapter"
	// agentPod is the pod label the scrape target carries, as a PodMonitor on Seldon's agent adds it.
	agentPod = "mlserver-0"
)

// Tools returns the prometheus-adapter binary in toolsDir, after checking that it and Debian's
// prometheus can be run.
func Tools(toolsDir string) (adapterBin string, err error) {
	adapterBin = filepath.Join(toolsDir, "prometheus-adapter")
	for _, need := range []string{adapterBin, "prometheus"} {
		if _, err := exec.LookPath(need); err != nil {
			return "", fmt.Errorf("%s not found (run hack/tools.sh prometheus-adapter prometheus)", need)
		}
	}
	return adapterBin, nil
}

// RunConfig is where one pipeline runs: beside which control plane, scraping which agent.
type RunConfig struct {
	Spawner    Spawner // the control plane's: its processes stop with it, by PID
	Kube       kubernetes.Interface
	Dyn        dynamic.Interface
	Kubeconfig string
	AdapterBin string // from Tools
	Dir        string // Prometheus' data and each adapter start's files
	AgentAddr  string
	Namespace  string // the Models' namespace, a target label of the agent's series
	Scrape     time.Duration
	Adapter    AdapterSource
}

// Run is the metrics pipeline beside a control plane, shared by the e2e tests and `make demo`:
// Prometheus scraping the agent, then prometheus-adapter started from what the component put
// into the cluster.
type Run struct {
	Prom   *Prometheus
	cfg    RunConfig
	starts int
}

// StartRun starts Prometheus; call StartAdapter once the component has installed the adapter.
func StartRun(ctx context.Context, cfg RunConfig) (*Run, error) {
	prom, err := StartPrometheus(ctx, cfg.Spawner, filepath.Join(cfg.Dir, "prometheus"), cfg.AgentAddr,
		cfg.Namespace, agentPod, cfg.Scrape)
	if err != nil {
		return nil, err
	}
	return &Run{Prom: prom, cfg: cfg}, nil
}

// StartAdapter starts prometheus-adapter (again, after a stop) from the cluster's Deployment, each
// start with files of its own.
func (r *Run) StartAdapter(ctx context.Context) (*AdapterProcess, error) {
	r.starts++
	c := r.cfg
	return StartAdapter(ctx, c.Spawner, c.Kube, c.Dyn, c.AdapterBin,
		filepath.Join(c.Dir, fmt.Sprintf("adapter-%d", r.starts)), c.Kubeconfig, c.Adapter, r.Prom)
}

// Metric reads one object's custom metric through the aggregated API, at the path the component
// outputs (customMetricsPath), as the HPA controller reads it.
func Metric(ctx context.Context, kube kubernetes.Interface, path string) (float64, error) {
	u, err := url.Parse(path)
	if err != nil {
		return 0, err
	}
	req := kube.CoreV1().RESTClient().Get().AbsPath(u.Path)
	for k, vs := range u.Query() {
		for _, v := range vs {
			req = req.Param(k, v)
		}
	}
	raw, err := req.DoRaw(ctx)
	if err != nil {
		return 0, err
	}
	var list struct {
		Items []struct {
			Value resource.Quantity `json:"value"`
		} `json:"items"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return 0, err
	}
	if len(list.Items) == 0 {
		return 0, fmt.Errorf("no value: %s", raw)
	}
	return list.Items[0].Value.AsApproximateFloat64(), nil
}
