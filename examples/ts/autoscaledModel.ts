// The TypeScript example: the Seldon guide's irisa0 model on a dedicated mlserver Server,
// autoscaled on inference RPS, with the same policy as examples/go. The end-to-end tests run this
// function through the Automation API.
import * as pulumi from "@pulumi/pulumi";
import * as sa from "@seldon-autoscaling/pulumi-seldon-autoscaling";

/**
 * Declares one SeldonAutoscaledModel and returns the stack outputs. Stack config (all optional):
 * namespace (seldon-mesh), targetRps (3), minReplicas (1), maxReplicas (3), rateWindow (1m),
 * scrapeInterval (30s), adapterChartPath (a local prometheus-adapter chart), adapterSkipAwait
 * (do not wait for the adapter pods).
 */
export function autoscaledModel() {
    const cfg = new pulumi.Config();
    const chartPath = cfg.get("adapterChartPath");
    const model = new sa.SeldonAutoscaledModel("irisa0", {
        model: {
            name: "irisa0",
            namespace: cfg.get("namespace") ?? "seldon-mesh",
            storageUri: "gs://seldon-models/testing/iris1",
            requirements: ["sklearn"],
            memory: "3M",
        },
        server: { dedicated: true, serverConfig: "mlserver" },
        autoscaling: {
            minReplicas: cfg.getNumber("minReplicas") ?? 1,
            maxReplicas: cfg.getNumber("maxReplicas") ?? 3,
            targetRpsPerReplica: cfg.getNumber("targetRps") ?? 3,
            serverReadySeconds: 90, // measured: a new mlserver pod loads the model in 90 s
            scaleUpHeadroomPods: 5,
        },
        adapter: {
            rateWindow: cfg.get("rateWindow") ?? "1m",
            prometheusScrapeInterval: cfg.get("scrapeInterval") ?? "30s",
            skipAwait: cfg.getBoolean("adapterSkipAwait") ?? false,
            createNamespace: true,
            chart: chartPath ? { path: chartPath } : undefined,
        },
    });
    return {
        modelHpa: model.modelHpaName,
        serverHpa: model.serverHpaName,
        promql: model.promql,               // paste into Prometheus to check the metric
        customMetricsPath: model.customMetricsPath, // kubectl get --raw <path>
        policy: model.policy,
        derivations: model.derivations,
    };
}
