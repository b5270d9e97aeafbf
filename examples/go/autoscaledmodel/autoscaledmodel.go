// Package autoscaledmodel is the Go example: the Seldon guide's irisa0 model on a dedicated
// mlserver Server, autoscaled on inference RPS. The end-to-end tests run this exact program.
package autoscaledmodel

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	sa "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
)

// Program declares one SeldonAutoscaledModel. Stack config (all optional):
//
//	namespace         Model namespace (seldon-mesh)
//	targetRps         per-replica RPS target (3)
//	minReplicas       (1)
//	maxReplicas       (3)
//	rateWindow        adapter rate() window (1m)
//	scrapeInterval    your Prometheus scrape interval (30s)
//	relistInterval    the adapter's metrics relist interval (the component's default)
//	serverReadySeconds  how long a new Server pod takes to be ready (90)
//	scaleUpWindow, scaleDownWindow  HPA stabilization windows in seconds (the component's defaults)
//	adapterChartPath  a local prometheus-adapter chart instead of the public repository
//	adapterSkipAwait  do not wait for the adapter pods (clusters that cannot run them)
//	takeOverExisting  manage an irisa0 Model or Server someone else created, keeping its replicas
func Program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	adapter := &sa.AdapterSpecArgs{
		RateWindow:               pulumi.StringPtr(orDefault(cfg.Get("rateWindow"), "1m")),
		PrometheusScrapeInterval: pulumi.StringPtr(orDefault(cfg.Get("scrapeInterval"), "30s")),
		SkipAwait:                pulumi.BoolPtr(cfg.GetBool("adapterSkipAwait")),
		CreateNamespace:          pulumi.BoolPtr(true),
	}
	if v := cfg.Get("relistInterval"); v != "" {
		adapter.MetricsRelistInterval = pulumi.StringPtr(v)
	}
	if path := cfg.Get("adapterChartPath"); path != "" {
		adapter.Chart = &sa.ChartSpecArgs{Path: pulumi.StringPtr(path)}
	}
	target := 3.0
	if v, err := cfg.TryFloat64("targetRps"); err == nil {
		target = v
	}
	takeOver := cfg.GetBool("takeOverExisting")
	// embed:begin component
	model, err := sa.NewSeldonAutoscaledModel(ctx, "irisa0", &sa.SeldonAutoscaledModelArgs{
		Model: &sa.ModelSpecArgs{
			Name:         pulumi.String("irisa0"),
			Namespace:    pulumi.StringPtr(orDefault(cfg.Get("namespace"), "seldon-mesh")),
			StorageUri:   pulumi.String("gs://seldon-models/testing/iris1"),
			Requirements: pulumi.StringArray{pulumi.String("sklearn")},
			Memory:       pulumi.StringPtr("3M"),
		},
		Server: &sa.ServerSpecArgs{
			Dedicated:    pulumi.BoolPtr(true),
			ServerConfig: pulumi.StringPtr("mlserver"),
		},
		Autoscaling: &sa.AutoscalingSpecArgs{
			MinReplicas:         pulumi.IntPtr(intOr(cfg, "minReplicas", 1)),
			MaxReplicas:         pulumi.IntPtr(intOr(cfg, "maxReplicas", 3)),
			TargetRpsPerReplica: pulumi.Float64Ptr(target),
			ServerReadySeconds:  pulumi.IntPtr(intOr(cfg, "serverReadySeconds", 90)),
			ScaleUpHeadroomPods: pulumi.IntPtr(5),
			ScaleUp:             window(cfg, "scaleUpWindow"),
			ScaleDown:           window(cfg, "scaleDownWindow"),
		},
		Adapter:          adapter,
		TakeOverExisting: &takeOver,
	})
	if err != nil {
		return err
	}
	ctx.Export("modelHpa", model.ModelHpaName)
	ctx.Export("serverHpa", model.ServerHpaName)
	ctx.Export("promql", model.Promql)
	ctx.Export("customMetricsPath", model.CustomMetricsPath)
	ctx.Export("policy", model.Policy)
	ctx.Export("derivations", model.Derivations)
	ctx.Export("adapter", model.Adapter)
	// embed:end component
	return nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func intOr(cfg *config.Config, key string, def int) int {
	if v, err := cfg.TryInt(key); err == nil {
		return v
	}
	return def
}

// window is a stabilization window set in the stack's config, or nil: the component's default.
func window(cfg *config.Config, key string) sa.ScalingRulesPtrInput {
	if v, err := cfg.TryInt(key); err == nil {
		return &sa.ScalingRulesArgs{StabilizationWindowSeconds: pulumi.IntPtr(v)}
	}
	return nil
}
