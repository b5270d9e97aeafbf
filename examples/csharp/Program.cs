// The C# example: the Seldon guide's irisa0 model on a dedicated mlserver Server, autoscaled on
// inference RPS, with the same policy as examples/go. Stack config (all optional): namespace
// (seldon-mesh), targetRps (3), minReplicas (1), maxReplicas (3), rateWindow (1m), scrapeInterval
// (30s), adapterChartPath (a local prometheus-adapter chart), adapterSkipAwait (do not wait for
// the adapter pods).
//
// Not compiled by this repository's tests: their machines have no .NET SDK.
using System.Collections.Generic;
using Pulumi;
using SeldonAutoscaling.SeldonAutoscaling;
using SeldonAutoscaling.SeldonAutoscaling.Inputs;

return await Deployment.RunAsync(() =>
{
    var cfg = new Config();
    var chartPath = cfg.Get("adapterChartPath");

    var adapter = new AdapterSpecArgs
    {
        RateWindow = cfg.Get("rateWindow") ?? "1m",
        PrometheusScrapeInterval = cfg.Get("scrapeInterval") ?? "30s",
        SkipAwait = cfg.GetBoolean("adapterSkipAwait") ?? false,
        CreateNamespace = true,
    };
    if (!string.IsNullOrEmpty(chartPath))
    {
        adapter.Chart = new ChartSpecArgs { Path = chartPath };
    }

    var model = new SeldonAutoscaledModel("irisa0", new SeldonAutoscaledModelArgs
    {
        Model = new ModelSpecArgs
        {
            Name = "irisa0",
            Namespace = cfg.Get("namespace") ?? "seldon-mesh",
            StorageUri = "gs://seldon-models/testing/iris1",
            Requirements = { "sklearn" },
            Memory = "3M",
        },
        Server = new ServerSpecArgs { Dedicated = true, ServerConfig = "mlserver" },
        Autoscaling = new AutoscalingSpecArgs
        {
            MinReplicas = cfg.GetInt32("minReplicas") ?? 1,
            MaxReplicas = cfg.GetInt32("maxReplicas") ?? 3,
            TargetRpsPerReplica = cfg.GetDouble("targetRps") ?? 3.0,
            ServerReadySeconds = 90, // measured: a new mlserver pod loads the model in 90 s
            ScaleUpHeadroomPods = 5,
        },
        Adapter = adapter,
    });

    return new Dictionary<string, object?>
    {
        ["modelHpa"] = model.ModelHpaName,
        ["serverHpa"] = model.ServerHpaName,
        ["promql"] = model.Promql,                       // paste into Prometheus to check the metric
        ["customMetricsPath"] = model.CustomMetricsPath, // kubectl get --raw <path>
        ["policy"] = model.Policy,
        ["derivations"] = model.Derivations,
    };
});
