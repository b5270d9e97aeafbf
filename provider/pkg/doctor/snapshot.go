// Package doctor judges a live cluster's Seldon autoscaling from an observed Snapshot: six checks,
// each with a verdict (ok, warning, failure), the evidence it saw and the fix in one sentence.
// `seldon-autoscaling doctor` gathers the snapshot with client-go and prints the verdicts.
//
// Pure: no Pulumi, no client-go. Everything here is a function of the Snapshot, so each check is
// table-tested on snapshots of healthy and broken clusters.
package doctor

import (
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/seldon"
)

// Snapshot is what the gatherer observed in one namespace of one cluster.
type Snapshot struct {
	Namespace  string
	APIService APIService
	Adapter    ObservedAdapter
	Prometheus Prometheus
	Seldon     Seldon
	Models     []Model
}

// APIService is the custom metrics APIService (v1beta1.custom.metrics.k8s.io).
type APIService struct {
	Found bool
	// Available is its Available condition; Reason and Message say why not.
	Available       bool
	Reason, Message string
	// Service is the namespace/name it routes to.
	Service string
	// Adapter names the prometheus-adapter Deployment found in the Service's namespace; empty if none.
	Adapter string
}

// ObservedAdapter is the doctor's view of the installed adapter: what the prometheus-adapter
// Deployment runs with.
type ObservedAdapter struct {
	// Config is its config.yaml, from the ConfigMap its --config flag points into.
	Config string
	// ConfigSource names that ConfigMap (namespace/name); empty when it was not found.
	ConfigSource string
	// Relist is its --metrics-relist-interval (the adapter's default, 10m, when unset).
	Relist time.Duration
}

// Prometheus is what Prometheus itself reported.
type Prometheus struct {
	// URL is how it was reached (the API server's service proxy, or the user's URL).
	URL string
	// Err is why it could not be reached or queried; empty when it was.
	Err string
	// Scrape is the live scrape interval of the job that scrapes Seldon's counter (0: not found),
	// and Job that job's name.
	Scrape time.Duration
	Job    string
}

// Condition is one status condition, as Kubernetes and Seldon write them: Seldon's own type, so
// that a Model's conditions go to seldon.ReadModelState as they were read.
type Condition = seldon.Condition

// Model is one Model the component autoscales, with everything its checks read.
type Model struct {
	Name, Owner string
	// SpecReplicas is the Model's spec.replicas; MinReplicas and MaxReplicas are its spec fields
	// of those names (Seldon's own autoscaling), nil when absent or 0.
	SpecReplicas             int
	MinReplicas, MaxReplicas *int
	// StatusReplicas is Seldon's status.replicas, which the HPA reads through /scale as the
	// Model's current replicas: spec.replicas when scheduling all or nothing, even while
	// ScheduleFailed with fewer serving (S1), and the replicas placed when scheduling partially
	// (minReplicas set: S2, 2 of 3).
	StatusReplicas int
	// AvailableReplicas is Seldon's status.availableReplicas, the replicas loaded; nil before
	// Seldon wrote a status (an absent count in a status is 0: Seldon omits zeros).
	AvailableReplicas *int
	ServerName        string
	// Conditions are the Model's, as Seldon's operator writes them: the scheduler's state in the
	// message of ModelReady, its explanation in the reason (seldon.ReadModelState).
	Conditions []Condition
	// Server is the Server the Model names; nil when it does not exist.
	Server *Server
	// ModelHPA and ServerHPA are the component's two HPAs; nil when missing.
	ModelHPA, ServerHPA *HPA
	// Metric is the rate Prometheus returns for the Model's PromQL (Query), and the value of the
	// custom metrics API path (Path); nil when none, with the errors saying why.
	Query, Path string
	PromValue   *float64
	PromErr     string
	APIValue    *float64
	APIErr      string
	// PromUnfiltered is the same query without the HPAs' metric selector: data there and none
	// with it means the selector matches no series.
	PromUnfiltered *float64
}

// Server is the Model's Server.
type Server struct {
	Name         string
	SpecReplicas int
	// LoadedModels is its status.loadedModels, which counts Model replicas, not Models: one
	// Model at 2 replicas makes 2 (S1), and it falls only after the agents' unload grace period.
	LoadedModels int
	// Models are the Models of the namespace whose spec.server names it, the Model checked among
	// them: more than one shares it.
	Models     []string
	Conditions []Condition
	Owner      string
	// MinReplicas and MaxReplicas are its spec fields of those names (Seldon's native server
	// autoscaling); nil when absent or 0, which Seldon reads as unset.
	MinReplicas, MaxReplicas *int
}

// HPA is one of the component's HorizontalPodAutoscalers.
type HPA struct {
	Name string
	// TargetKind and TargetName are its scaleTargetRef.
	TargetKind, TargetName string
	// Metric is the Object metric it reads: the described object's kind and name, the metric's
	// name and selector, and the target average value. Empty MetricName: no Object metric.
	DescribedKind, DescribedName string
	MetricName                   string
	Selector                     map[string]string
	Target                       float64
	// Min, Max, Current and Desired are its replica counts.
	Min, Max, Current, Desired int
	// Current metric value per replica as the HPA last read it (averageValue), nil when unread.
	CurrentValue *float64
	ScaleUp      policy.Rules
	ScaleDown    policy.Rules
	Conditions   []Condition
}

// condition returns the condition of type t, if present.
func condition(conds []Condition, t string) (Condition, bool) {
	for _, c := range conds {
		if c.Type == t {
			return c, true
		}
	}
	return Condition{}, false
}
