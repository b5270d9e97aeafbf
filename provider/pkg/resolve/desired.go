package resolve

import (
	"maps"
	"slices"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/adapterrules"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// The resource types, as refusals name them.
const (
	ModelType          = "SeldonAutoscaledModel"
	MetricsAdapterType = "SeldonMetricsAdapter"
)

// The adapter modes, and the names the declared objects carry.
const (
	ModeInstall              = "install"
	ModeAdopt                = "adopt"
	ModeNone                 = "none"
	SeldonAPIVersion         = "mlops.seldon.io/v1alpha1"
	ConfigHashAnnotation     = "seldon-autoscaling.pulumi.com/config-hash"
	maxHelmReleaseNameLength = 53
)

// HelmMaxHistory is how many revisions Helm keeps (the helm CLI's default; pulumi-kubernetes
// keeps all): every failed and rolled-back upgrade adds two release Secrets.
const HelmMaxHistory = 10

// Desired is everything the component will declare, decided and checked before any resource is
// registered. Resolve builds it from Args without touching Pulumi or a cluster.
type Desired struct {
	Model         SeldonResource
	Server        *SeldonResource // nil when the Model runs on an existing Server
	ServerName    string
	ModelHPAName  string
	ServerHPAName string
	Policy        policy.Policy
	Derivations   []policy.Derivation
	MetricName    string
	Selector      map[string]string
	Adapter       DesiredAdapter
	PromQL        string
	MetricPath    string
	// Owner is the ownership.OwnerAnnotation on every object the component creates; Replicas, by
	// kind, the live spec.replicas of a Model or Server taken over (set by checkExisting).
	Owner    string
	Replicas map[string]int64
}

// SeldonResource is a Seldon custom resource to declare.
type SeldonResource struct {
	Kind        string
	Name        string
	Namespace   string
	Labels      map[string]string
	Annotations map[string]string
	Spec        map[string]any
}

// DesiredAdapter is the decided prometheus-adapter setup.
type DesiredAdapter struct {
	Mode            string
	ReleaseName     string
	Namespace       string
	CreateNamespace bool
	ChartRepo       string // empty for a local chart
	Chart           string // chart name, or a local path
	ChartVersion    string
	Values          map[string]any // install mode: the full Helm values
	SkipAwait       bool
	ConfigMapName   string
	DeploymentName  string
	Rule            adapterrules.Rule
	ConfigYAML      string
	ConfigHash      string
	// Auth says which Prometheus credentials the adapter reads from the mounted auth Secret.
	// The credentials themselves never enter Values: Construct puts them into the Secret and
	// only the Secret's name into Values (see ValuesWithAuth).
	Auth AdapterAuth
	// PrometheusServer is the URL the adapter queries (url, port and path), for the auth kubeconfig.
	PrometheusServer string
	// Inputs names the block this adapter was resolved from, for refusals found in Construct.
	Inputs InputBlock
	// Owner marks the objects an install creates; RuleClaim, in adopt mode, is the annotation
	// naming the component that keeps the metric's rule (empty when sharing another's).
	Owner, RuleClaim string

	// HelmTimeoutSeconds is how long Helm waits, and Atomic whether it rolls back what it could not
	// finish; both only when it waits (SkipAwait false), as Helm's atomic forces the wait.
	HelmTimeoutSeconds int
	Atomic             bool
	// Derived are the adapter values chosen because they were not set, with the reason.
	Derived []policy.Derivation
}

// AdapterAuth lists the credentials set in adapter.prometheus.
type AdapterAuth struct {
	Token      bool // bearerToken, read with --prometheus-token-file
	Kubeconfig bool // basicAuth and/or tls, read with --prometheus-auth-config
}

// Any reports whether the adapter needs the auth Secret.
func (a AdapterAuth) Any() bool { return a.Token || a.Kubeconfig }

// Where the auth Secret is mounted in the adapter pod, and its keys.
const (
	AuthMountPath     = "/var/run/prometheus-auth"
	AuthTokenKey      = "token"
	AuthKubeconfigKey = "auth.kubeconfig"
	TokenPath         = AuthMountPath + "/" + AuthTokenKey
	AuthConfigPath    = AuthMountPath + "/" + AuthKubeconfigKey
)

// customMetricsAPIService is the APIService a prometheus-adapter install registers.
const customMetricsAPIService = "v1beta1.custom.metrics.k8s.io"

// TakeOverField is the input that opts in to taking over existing Models, Servers and HPAs.
const TakeOverField = "takeOverExisting"

// Objects lists what the component would create (or, in adopt mode, patch), each with the input
// that names it.
func (d *Desired) Objects() []ownership.Object {
	ns := d.Model.Namespace
	var sets map[string]int64
	if n, ok := d.Model.Spec["minReplicas"].(int); ok {
		sets = map[string]int64{"minReplicas": int64(n)} // partial scheduling: the component's own
	}
	objs := []ownership.Object{
		{Kind: "Model", Namespace: ns, Name: d.Model.Name, Role: ownership.Scaled, Field: "model.name", Sets: sets},
		{Kind: "HorizontalPodAutoscaler", Namespace: ns, Name: d.ModelHPAName, Role: ownership.Owned, Field: "model.name"},
		{Kind: "HorizontalPodAutoscaler", Namespace: ns, Name: d.ServerHPAName, Role: ownership.Owned,
			Field: "model.name"},
	}
	if d.Server != nil {
		objs = append(objs, ownership.Object{Kind: "Server", Namespace: ns, Name: d.Server.Name,
			Role: ownership.Scaled, Field: "server.name"})
	} else {
		objs = append(objs, ownership.Object{Kind: "Server", Namespace: ns, Name: d.ServerName,
			Role: ownership.Hosting, Field: "server.name"})
	}
	return append(objs, d.Adapter.Objects()...)
}

// Objects lists the adapter's objects: those an install creates, or those adopt mode patches.
func (a DesiredAdapter) Objects() []ownership.Object {
	field := a.Inputs.Prefix
	switch a.Mode {
	case ModeInstall:
		rules := ownership.Object{Kind: "ConfigMap", Namespace: a.Namespace, Name: a.ConfigMapName,
			Role: ownership.AdapterOwned, Field: field + "releaseName"}
		return []ownership.Object{rules,
			{Kind: "HelmRelease", Namespace: a.Namespace, Name: a.ReleaseName, Role: ownership.Release,
				Field: field + "releaseName", OwnedWith: rules.Key()},
			{Kind: "APIService", Name: customMetricsAPIService, Role: ownership.APIService, Field: field + "mode",
				Service: a.Namespace + "/" + a.DeploymentName, Release: a.Namespace + "/" + a.ReleaseName},
		}
	case ModeAdopt:
		return []ownership.Object{
			{Kind: "ConfigMap", Namespace: a.Namespace, Name: a.ConfigMapName, Role: ownership.Adopted,
				Field: field + "configMapName"},
			{Kind: "Deployment", Namespace: a.Namespace, Name: a.DeploymentName, Role: ownership.Adopted,
				Field: field + "deploymentName"},
		}
	}
	return nil
}

// ValuesWithAuth returns the Helm values with the auth Secret mounted and the adapter flags that
// read it, after any extra volumes and arguments the user gave. The Secret's name is known only
// in Construct: it is auto-named, so new credentials get a new Secret and a changed pod template,
// which restarts the adapter (it reads credentials only at start).
func (a DesiredAdapter) ValuesWithAuth(secretName string) map[string]any {
	values := maps.Clone(a.Values)
	if values == nil {
		values = map[string]any{}
	}
	if !a.Auth.Any() {
		return values
	}
	appendTo := func(key string, v any) {
		list, _ := values[key].([]any)
		values[key] = append(slices.Clone(list), v)
	}
	appendTo("extraVolumes", map[string]any{"name": "prometheus-auth", "secret": map[string]any{"secretName": secretName}})
	appendTo("extraVolumeMounts", map[string]any{"name": "prometheus-auth", "mountPath": AuthMountPath, "readOnly": true})
	if a.Auth.Token {
		appendTo("extraArguments", "--prometheus-token-file="+TokenPath)
	}
	if a.Auth.Kubeconfig {
		appendTo("extraArguments", "--prometheus-auth-config="+AuthConfigPath)
	}
	return values
}

// KeepReplicas gives a taken-over Model or Server its live spec.replicas, so that taking it over
// does not scale it; from then on the HPAs own them.
func (d *Desired) KeepReplicas() {
	if n, ok := d.Replicas["Model"]; ok {
		d.Model.Spec["replicas"] = n
	}
	if n, ok := d.Replicas["Server"]; ok && d.Server != nil {
		d.Server.Spec["replicas"] = n
	}
}
