// Package hpasim simulates a Seldon Core 2 Model and its Server scaled by two HPAs on the same
// RPS metric, one second at a time, and runs the component's planner (policy.Plan) on load figures.
//
// The parts:
//
//   - Controller is the Kubernetes HPA controller (autoscaling/v2) for one Object metric with an
//     AverageValue target, as kube-controller-manager 1.37 runs it: the replica calculator with its
//     tolerance band, the stabilization windows over the recommendation history, the Pods and
//     Percent policies over the history of scale events, selectPolicy, min/max clamping, and the
//     older path the controller still takes when an HPA has no behavior field at all.
//   - metricSeries is the metric pipeline: Prometheus scrapes Seldon's seldon_model_infer_total
//     counter every scrape interval and prometheus-adapter answers the HPA with rate() over a window.
//   - cluster is the Server's pods and the Model on them: a Server pod is ready serverReadySeconds
//     after the Server HPA asks for it. How Seldon's scheduler places the Model's replicas on ready
//     pods and what its status.replicas then says is package seldon's seldon.Model, the behaviour
//     recorded from Seldon Core 2.10.2: all or nothing (no minReplicas), the replicas move only when
//     all of them fit, otherwise the Model is ScheduleFailed, keeps serving on its old replicas and
//     reports status.replicas = spec.replicas; partially (minReplicas, Seldon 2.9+), it serves on
//     as many as fit and reports those. An HPA judges its tolerance band per status replica of
//     its target, so this decides the Model HPA's answer during every ScheduleFailed episode.
//
// Run ties them together over a load trace and reports a per-second timeline and a Summary.
// PlannedPolicy turns load figures into a policy following the guide, with the reason for each value.
// SpecsFromPolicy turns a policy into the two HPAs SeldonAutoscaledModel deploys, so they can be run.
// Nothing here imports Pulumi. The seldon-autoscaling command and the end-to-end tests call it; the
// provider does not: what both share, the planner and Kubernetes' HPA facts, lives in package policy;
// Seldon's behaviour, which the simulator shares with the test bed and the doctor, in package seldon.
package hpasim
