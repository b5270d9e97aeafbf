package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	sa "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/tests/e2e/localcluster"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/tests/e2e/pipeline"
)

// The pipeline's timing: the fastest settings the guards allow for a 5 s scrape.
const (
	scrapeInterval = 5 * time.Second
	rateWindow     = 20 * time.Second // ≥ 2 scrapes
	relistInterval = 10 * time.Second // ≥ the scrape interval
	hpaSyncPeriod  = 5 * time.Second  // the controller manager's --horizontal-pod-autoscaler-sync-period
	scaleDownWin   = 15 * time.Second
	pipelineTarget = 3.0
)

// pipelineModels: irisa0 installs the shared adapter and scales on all traffic; irisb0 uses the
// same adapter (mode none) and scales on REST traffic only.
func pipelineProgram(chart string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		policy := func(selector pulumi.StringMap) *sa.AutoscalingSpecArgs {
			return &sa.AutoscalingSpecArgs{
				MinReplicas: pulumi.IntPtr(1), MaxReplicas: pulumi.IntPtr(6), TargetRpsPerReplica: pulumi.Float64Ptr(pipelineTarget),
				MetricSelector: selector, ServerReadySeconds: pulumi.IntPtr(10), ScaleUpHeadroomPods: pulumi.IntPtr(5),
				ScaleUp:   &sa.ScalingRulesArgs{StabilizationWindowSeconds: pulumi.IntPtr(0)},
				ScaleDown: &sa.ScalingRulesArgs{StabilizationWindowSeconds: pulumi.IntPtr(int(scaleDownWin.Seconds()))},
			}
		}
		timing := func(mode string) *sa.AdapterSpecArgs {
			a := &sa.AdapterSpecArgs{
				Mode: pulumi.StringPtr(mode), RateWindow: pulumi.StringPtr(rateWindow.String()),
				PrometheusScrapeInterval: pulumi.StringPtr(scrapeInterval.String()), MetricsRelistInterval: pulumi.StringPtr(relistInterval.String()),
			}
			if mode == "install" {
				a.Chart = &sa.ChartSpecArgs{Path: pulumi.StringPtr(chart)}
				a.SkipAwait, a.CreateNamespace = pulumi.BoolPtr(true), pulumi.BoolPtr(true)
			}
			return a
		}
		model := func(name string) *sa.ModelSpecArgs {
			return &sa.ModelSpecArgs{Name: pulumi.String(name), StorageUri: pulumi.String("gs://seldon-models/testing/iris1"), Requirements: pulumi.ToStringArray([]string{"sklearn"})}
		}
		dedicated := &sa.ServerSpecArgs{Dedicated: pulumi.BoolPtr(true), ServerConfig: pulumi.StringPtr("mlserver")}
		a, err := sa.NewSeldonAutoscaledModel(ctx, "irisa0", &sa.SeldonAutoscaledModelArgs{
			Model: model("irisa0"), Server: dedicated, Autoscaling: policy(nil), Adapter: timing("install"),
		})
		if err != nil {
			return err
		}
		b, err := sa.NewSeldonAutoscaledModel(ctx, "irisb0", &sa.SeldonAutoscaledModelArgs{
			Model: model("irisb0"), Server: dedicated, Autoscaling: policy(pulumi.StringMap{"method_type": pulumi.String("rest")}),
			Adapter: timing("none"),
		}, pulumi.DependsOn([]pulumi.Resource{a}))
		if err != nil {
			return err
		}
		ctx.Export("pathA", a.CustomMetricsPath)
		ctx.Export("pathB", b.CustomMetricsPath)
		return nil
	}
}

// TestMetricsPipeline drives inference load through the real pipeline — stand-in agent,
// Prometheus, prometheus-adapter with the component's rules, the HPA controller — and checks that
// the Model and its Server scale together, on the right traffic, independently per model.
func TestMetricsPipeline(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	adapterBin := filepath.Join(b.tools, "prometheus-adapter")
	for _, need := range []string{adapterBin, "prometheus"} {
		if _, err := exec.LookPath(need); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not found: hack/tools.sh prometheus-adapter / prometheus must run first", need)
			}
			t.Skipf("%s not found (run hack/tools.sh prometheus-adapter prometheus)", need)
		}
	}

	agent, err := pipeline.StartAgent()
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Stop() //nolint:errcheck
	aRest := pipeline.Series{Model: "irisa0", Server: "irisa0-server", MethodType: "rest"}
	bRest := pipeline.Series{Model: "irisb0", Server: "irisb0-server", MethodType: "rest"}
	bGRPC := pipeline.Series{Model: "irisb0", Server: "irisb0-server", MethodType: "grpc"}
	agent.SetRate(aRest, pipelineTarget)
	agent.SetRate(bRest, pipelineTarget)
	agent.SetRate(bGRPC, 0)

	dir := t.TempDir()
	prom, err := pipeline.StartPrometheus(ctx, b.cluster, filepath.Join(dir, "prometheus"), agent.Addr, ns, "mlserver-0", scrapeInterval)
	if err != nil {
		t.Fatal(err)
	}
	defer b.cluster.Kill("prometheus") //nolint:errcheck

	st := b.goStack(t, "pipeline", pipelineProgram(b.chartPath), nil)
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	res, err := st.Up(ctx)
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	pathA, pathB := res.Outputs["pathA"].Value.(string), res.Outputs["pathB"].Value.(string)

	adapter, err := pipeline.StartAdapter(ctx, b.cluster, b.kube, b.dyn, adapterBin, filepath.Join(dir, "adapter"), b.cluster.Kubeconfig,
		pipeline.AdapterSource{Namespace: adapterNS, ConfigMap: adapterName, Deployment: adapterName}, prom)
	if err != nil {
		t.Fatal(err)
	}
	defer b.cluster.Kill("prometheus-adapter") //nolint:errcheck
	if adapter.RelistInterval != "10s" {
		t.Errorf("the component's relist interval reached the Deployment as %q, want 10s", adapter.RelistInterval)
	}

	t.Run("the custom metric matches the offered load", func(t *testing.T) {
		eventually(t, 90*time.Second, "infer_rps for irisa0 within 10% of 3 RPS", func() (bool, string) {
			v, err := b.metric(ctx, pathA)
			return err == nil && math.Abs(v-pipelineTarget) <= 0.1*pipelineTarget, fmt.Sprintf("%v (%v)", v, err)
		})
		eventually(t, 30*time.Second, "infer_rps for irisb0's REST traffic", func() (bool, string) {
			v, err := b.metric(ctx, pathB)
			return err == nil && math.Abs(v-pipelineTarget) <= 0.1*pipelineTarget, fmt.Sprintf("%v (%v)", v, err)
		})
	})

	// From a load step, a new replica count needs: a scrape to see it, the rate window to fill,
	// the HPA's next sync. Relist matters only for new series, but counts toward the stated bound.
	bound := scrapeInterval + rateWindow + relistInterval + hpaSyncPeriod

	t.Run("a 4x step scales the Model and its Server together; the other model stays", func(t *testing.T) {
		agent.SetRate(aRest, 4*pipelineTarget)
		agent.SetRate(bGRPC, 4*pipelineTarget) // gRPC load irisb0 must ignore: it scales on REST only
		step := time.Now()
		first, steady := b.waitReplicas(t, "irisa0", "irisa0-server", 4, bound+30*time.Second)
		t.Logf("step to 4x: first replica change after %s, both at 4 after %s (bound %s)", first.Sub(step).Round(time.Second), steady.Sub(step).Round(time.Second), bound)
		if steady.Sub(step) > bound+hpaSyncPeriod {
			t.Errorf("reached 4 replicas after %s, beyond the pipeline bound %s (+ one sync period)", steady.Sub(step), bound)
		}
		b.assertReplicas(t, "irisb0", "irisb0-server", 1)
		// irisb0's metric, narrowed to REST, ignores the gRPC load it now also gets.
		if v, err := b.metric(ctx, pathB); err != nil || v > 1.1*pipelineTarget {
			t.Errorf("irisb0's REST-only metric is %v (%v) under 4x gRPC load, want about %v", v, err, pipelineTarget)
		}
	})

	t.Run("the second model scales on its own REST traffic", func(t *testing.T) {
		agent.SetRate(bRest, 4*pipelineTarget)
		b.waitReplicas(t, "irisb0", "irisb0-server", 4, bound+30*time.Second)
		b.assertReplicas(t, "irisa0", "irisa0-server", 4)
	})

	t.Run("stepping back down scales both in after the scale-down window", func(t *testing.T) {
		agent.SetRate(aRest, pipelineTarget)
		step := time.Now()
		_, steady := b.waitReplicas(t, "irisa0", "irisa0-server", 1, bound+scaleDownWin+30*time.Second)
		if d := steady.Sub(step); d < scaleDownWin {
			t.Errorf("scaled in after %s, before the %s scale-down window", d, scaleDownWin)
		}
		t.Logf("step back to 1x: both at 1 after %s (scale-down window %s)", steady.Sub(step).Round(time.Second), scaleDownWin)
	})

	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
}

// metric reads one object's custom metric value through the aggregated API.
func (b *testbed) metric(ctx context.Context, path string) (float64, error) {
	u, err := url.Parse(path)
	if err != nil {
		return 0, err
	}
	req := b.kube.CoreV1().RESTClient().Get().AbsPath(u.Path)
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

func (b *testbed) replicas(ctx context.Context, kind, name string) int64 {
	gvr := localcluster.ModelResource
	if kind == "server" {
		gvr = localcluster.ServerResource
	}
	obj, err := b.dyn.Resource(gvr).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return -1
	}
	r, _, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas")
	return r
}

// waitReplicas waits until the Model and its Server both ask for want replicas; it returns when
// either first moved and when both got there.
func (b *testbed) waitReplicas(t *testing.T, model, server string, want int64, timeout time.Duration) (first, steady time.Time) {
	t.Helper()
	ctx := context.Background()
	m0, s0 := b.replicas(ctx, "model", model), b.replicas(ctx, "server", server)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		m, s := b.replicas(ctx, "model", model), b.replicas(ctx, "server", server)
		if first.IsZero() && (m != m0 || s != s0) {
			first = time.Now()
		}
		if m == want && s == want {
			return first, time.Now()
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s/%s replicas model=%d server=%d, want both %d within %s", model, server,
		b.replicas(ctx, "model", model), b.replicas(ctx, "server", server), want, timeout)
	return first, steady
}

func (b *testbed) assertReplicas(t *testing.T, model, server string, want int64) {
	t.Helper()
	ctx := context.Background()
	if m, s := b.replicas(ctx, "model", model), b.replicas(ctx, "server", server); m != want || s != want {
		t.Errorf("%s: model %d, server %d replicas, want %d", model, m, s, want)
	}
}
