// The Java example: the Seldon guide's irisa0 model on a dedicated mlserver Server, autoscaled on
// inference RPS, with the same policy as examples/go. The end-to-end tests compile it.
package example;

import com.pulumi.Context;
import com.pulumi.Pulumi;
import com.seldonautoscaling.seldonautoscaling.SeldonAutoscaledModel;
import com.seldonautoscaling.seldonautoscaling.SeldonAutoscaledModelArgs;
import com.seldonautoscaling.seldonautoscaling.inputs.AdapterSpecArgs;
import com.seldonautoscaling.seldonautoscaling.inputs.AutoscalingSpecArgs;
import com.seldonautoscaling.seldonautoscaling.inputs.ChartSpecArgs;
import com.seldonautoscaling.seldonautoscaling.inputs.ModelSpecArgs;
import com.seldonautoscaling.seldonautoscaling.inputs.ServerSpecArgs;

public final class App {
    public static void main(String[] args) {
        Pulumi.run(App::stack);
    }

    /**
     * Declares one SeldonAutoscaledModel. Stack config (all optional): namespace (seldon-mesh),
     * targetRps (3), minReplicas (1), maxReplicas (3), rateWindow (1m), scrapeInterval (30s),
     * adapterChartPath (a local prometheus-adapter chart), adapterSkipAwait (do not wait for the
     * adapter pods).
     */
    static void stack(Context ctx) {
        var cfg = ctx.config();
        var adapter = AdapterSpecArgs.builder()
            .rateWindow(cfg.get("rateWindow").orElse("1m"))
            .prometheusScrapeInterval(cfg.get("scrapeInterval").orElse("30s"))
            .skipAwait(cfg.getBoolean("adapterSkipAwait").orElse(false))
            .createNamespace(true);
        cfg.get("adapterChartPath").filter(p -> !p.isEmpty())
            .ifPresent(p -> adapter.chart(ChartSpecArgs.builder().path(p).build()));

        var model = new SeldonAutoscaledModel("irisa0", SeldonAutoscaledModelArgs.builder()
            .model(ModelSpecArgs.builder()
                .name("irisa0")
                .namespace(cfg.get("namespace").orElse("seldon-mesh"))
                .storageUri("gs://seldon-models/testing/iris1")
                .requirements("sklearn")
                .memory("3M")
                .build())
            .server(ServerSpecArgs.builder().dedicated(true).serverConfig("mlserver").build())
            .autoscaling(AutoscalingSpecArgs.builder()
                .minReplicas(cfg.getInteger("minReplicas").orElse(1))
                .maxReplicas(cfg.getInteger("maxReplicas").orElse(3))
                .targetRpsPerReplica(cfg.getDouble("targetRps").orElse(3.0))
                .serverReadySeconds(90) // measured: a new mlserver pod loads the model in 90 s
                .scaleUpHeadroomPods(5)
                .build())
            .adapter(adapter.build())
            .build());

        ctx.export("modelHpa", model.modelHpaName());
        ctx.export("serverHpa", model.serverHpaName());
        ctx.export("promql", model.promql()); // paste into Prometheus to check the metric
        ctx.export("customMetricsPath", model.customMetricsPath()); // kubectl get --raw <path>
        ctx.export("policy", model.policy());
        ctx.export("derivations", model.derivations());
    }
}
