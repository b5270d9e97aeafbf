"""The Python example: the Seldon guide's irisa0 model on a dedicated mlserver Server, autoscaled
on inference RPS, with the same policy as examples/go. The end-to-end tests run program() through
the Automation API."""

from typing import Optional, TypeVar

import pulumi
import pulumi_seldon_autoscaling as sa

T = TypeVar("T")


def _or(value: Optional[T], default: T) -> T:
    return default if value is None else value


def program() -> None:
    """Declares one SeldonAutoscaledModel and exports its outputs.

    Stack config (all optional): namespace (seldon-mesh), targetRps (3), minReplicas (1),
    maxReplicas (3), rateWindow (1m), scrapeInterval (30s), adapterChartPath (a local
    prometheus-adapter chart), adapterSkipAwait (do not wait for the adapter pods).
    """
    cfg = pulumi.Config()
    chart_path = cfg.get("adapterChartPath")
    model = sa.SeldonAutoscaledModel(
        "irisa0",
        model=sa.ModelSpecArgs(
            name="irisa0",
            namespace=_or(cfg.get("namespace"), "seldon-mesh"),
            storage_uri="gs://seldon-models/testing/iris1",
            requirements=["sklearn"],
            memory="3M",
        ),
        server=sa.ServerSpecArgs(dedicated=True, server_config="mlserver"),
        autoscaling=sa.AutoscalingSpecArgs(
            min_replicas=_or(cfg.get_int("minReplicas"), 1),
            max_replicas=_or(cfg.get_int("maxReplicas"), 3),
            target_rps_per_replica=_or(cfg.get_float("targetRps"), 3.0),
            server_ready_seconds=90,  # measured: a new mlserver pod loads the model in 90 s
            scale_up_headroom_pods=5,
        ),
        adapter=sa.AdapterSpecArgs(
            rate_window=_or(cfg.get("rateWindow"), "1m"),
            prometheus_scrape_interval=_or(cfg.get("scrapeInterval"), "30s"),
            skip_await=_or(cfg.get_bool("adapterSkipAwait"), False),
            create_namespace=True,
            chart=sa.ChartSpecArgs(path=chart_path) if chart_path else None,
        ),
    )
    pulumi.export("modelHpa", model.model_hpa_name)
    pulumi.export("serverHpa", model.server_hpa_name)
    pulumi.export("promql", model.promql)  # paste into Prometheus to check the metric
    pulumi.export("customMetricsPath", model.custom_metrics_path)  # kubectl get --raw <path>
    pulumi.export("policy", model.policy)
    pulumi.export("derivations", model.derivations)
