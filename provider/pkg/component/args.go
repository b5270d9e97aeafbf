package component

import (
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Args are the inputs of SeldonAutoscaledModel. They are plain values, not Outputs: every guard
// runs on them during preview, before anything is created, so they must be known then.
type Args struct {
	Model       ModelSpec       `pulumi:"model" json:"model"`
	Server      *ServerSpec     `pulumi:"server,optional" json:"server"`
	Autoscaling AutoscalingSpec `pulumi:"autoscaling" json:"autoscaling"`
	Adapter     *AdapterSpec    `pulumi:"adapter,optional" json:"adapter"`
	Seldon      *SeldonSpec     `pulumi:"seldon,optional" json:"seldon"`
	// TakeOverExisting is the explicit opt-in to manage a Model, Server or HPA someone else created.
	TakeOverExisting *bool `pulumi:"takeOverExisting,optional" json:"takeOverExisting"`
}

func (a *Args) Annotate(an infer.Annotator) {
	an.Describe(&a.Model, "The Seldon Model to deploy and autoscale.")
	an.Describe(&a.Server, "The Seldon Server the Model runs on (single-model serving: one Model per Server replica). "+
		"Default: the existing Server `mlserver` in the Model's namespace.")
	an.Describe(&a.Autoscaling, "The policy both HPAs (Model and Server) share. Give either targetRpsPerReplica and "+
		"maxReplicas, or a sizing block to derive them from.")
	an.Describe(&a.Adapter, "How prometheus-adapter is provided and configured. Default: installed with Helm as "+
		"release `hpa-metrics` in namespace `seldon-monitoring`.")
	an.Describe(&a.Seldon, "The Seldon Core 2 installation the Model runs on: its version and whether its own model "+
		"autoscaler is on. On 2.9 or later with that autoscaler off, the Model gets `spec.minReplicas` (partial "+
		"scheduling); otherwise it gets no minReplicas/maxReplicas, as before 2.9. Default: treated as before 2.9.")
	an.Describe(&a.TakeOverExisting, "Manage a Model, dedicated Server or HPA of the same name that already exists "+
		"and that this component did not create. Default false: `up` (and preview) refuse, naming the object and who "+
		"manages it, before changing anything. When true the object is taken over: its live `spec.replicas` and the "+
		"fields the component does not set are kept, the HPAs own its replicas from then on, and `destroy` deletes it "+
		"as it does every object the component manages (as after `pulumi import`). Never applies to an adapter: "+
		"use `adapter.mode: adopt` for an adapter someone else installed.")
}

// ModelSpec describes the Seldon Model.
type ModelSpec struct {
	Name         string            `pulumi:"name" json:"name"`
	Namespace    *string           `pulumi:"namespace,optional" json:"namespace"`
	StorageURI   string            `pulumi:"storageUri" json:"storageUri"`
	Requirements []string          `pulumi:"requirements,optional" json:"requirements"`
	Memory       *string           `pulumi:"memory,optional" json:"memory"`
	Labels       map[string]string `pulumi:"labels,optional" json:"labels"`
	Annotations  map[string]string `pulumi:"annotations,optional" json:"annotations"`
	ExtraSpec    map[string]any    `pulumi:"extraSpec,optional" json:"extraSpec"`
}

func (m *ModelSpec) Annotate(an infer.Annotator) {
	an.SetToken("index", "ModelSpec")
	an.Describe(
		&m.Name,
		"Name of the Model CR (a DNS-1123 label: lower case letters, digits and '-', at most 63 characters). "+
			"The HPAs are named `<name>-model-hpa` and `<name>-server-hpa`.",
	)
	an.Describe(
		&m.Namespace,
		"Namespace of the Model, its Server and both HPAs. It must already exist. Default: `seldon-mesh`.",
	)
	an.Describe(
		&m.StorageURI,
		"Where Seldon loads the model artifact from, as rclone reads it: `<remote>://<path>` or "+
			"`<remote>:<path>` (an rclone backend or a remote a storage secret configures), e.g. "+
			"`gs://seldon-models/testing/iris1`, or an absolute path such as `/mnt/models/iris`. Required.",
	)
	an.Describe(&m.Requirements, "Capabilities the Server must advertise to load this Model, e.g. `[\"sklearn\"]`.")
	an.Describe(&m.Memory, "Memory the Model needs, as a Kubernetes quantity such as `3M` or `1Gi`.")
	an.Describe(&m.Labels, "Extra labels on the Model CR.")
	an.Describe(&m.Annotations, "Extra annotations on the Model CR.")
	an.Describe(&m.ExtraSpec, "Further Model `spec` fields passed through unchanged (e.g. `secretName`, `parameters`, "+
		"`artifactVersion`, `modelType`). Fields this component manages (`replicas`, `minReplicas`, `maxReplicas`, "+
		"`server`, `storageUri`, `requirements`, `memory`) are refused here: set them through their own inputs. "+
		"minReplicas/maxReplicas in particular would turn on Seldon's own autoscaler, which fights the HPA (on Seldon "+
		"2.9+ the component sets minReplicas itself where that is safe: see seldon).")
}

// SeldonSpec describes the Seldon Core 2 installation: which scheduling it does, and whether its own
// model autoscaler would act on a Model's spec.minReplicas.
type SeldonSpec struct {
	Version          *string `pulumi:"version,optional" json:"version"`
	ModelAutoscaling *bool   `pulumi:"modelAutoscaling,optional" json:"modelAutoscaling"`
}

func (s *SeldonSpec) Annotate(an infer.Annotator) {
	an.SetToken("index", "SeldonSpec")
	an.Describe(&s.Version, "The Seldon Core 2 version, `MAJOR.MINOR` or `MAJOR.MINOR.PATCH` (a leading `v` and a "+
		"pre-release suffix are accepted), e.g. `2.8`, `2.9.1`, `2.10.2`. From 2.9 Seldon schedules a Model that sets "+
		"`spec.minReplicas` partially (as many replicas as its Server has ready) instead of all or nothing; with "+
		"modelAutoscaling false the component then sets the Model's minReplicas to autoscaling.minReplicas and "+
		"plans the Model HPA's lag for that mode. Default: unset, treated as before 2.9 (all-or-nothing: no "+
		"minReplicas on the Model), the choice that cannot switch on Seldon's own model autoscaler.")
	an.Describe(&s.ModelAutoscaling, "Whether Seldon was installed with its own model autoscaler on "+
		"(`autoscaling.autoscalingModelEnabled: true`, the scheduler's `--enable-model-autoscaling`). When true a "+
		"Model's minReplicas would hand its replicas to that autoscaler, which fights the Model HPA, so the Model "+
		"gets none, as before 2.9. Default: false (Seldon's default since 2.9).")
}

// ServerSpec selects or creates the Server.
type ServerSpec struct {
	Name         *string           `pulumi:"name,optional" json:"name"`
	Dedicated    *bool             `pulumi:"dedicated,optional" json:"dedicated"`
	ServerConfig *string           `pulumi:"serverConfig,optional" json:"serverConfig"`
	Labels       map[string]string `pulumi:"labels,optional" json:"labels"`
	Annotations  map[string]string `pulumi:"annotations,optional" json:"annotations"`
}

func (s *ServerSpec) Annotate(an infer.Annotator) {
	an.SetToken("index", "ServerSpec")
	an.Describe(&s.Name, "Name of the Server the Model is scheduled on and the Server HPA scales. "+
		"Default: `mlserver` for an existing Server, `<model name>-server` for a dedicated one.")
	an.Describe(&s.Dedicated, "Create a Server CR for this Model alone (true), or use an existing Server by name "+
		"(false, the default). An existing Server must not host other Models: HPA scaling is only correct 1:1.")
	an.Describe(&s.ServerConfig, "The ServerConfig a dedicated Server is built from, e.g. `mlserver` or `triton`. "+
		"Required when dedicated is true; refused otherwise.")
	an.Describe(&s.Labels, "Extra labels on a dedicated Server CR.")
	an.Describe(&s.Annotations, "Extra annotations on a dedicated Server CR.")
}

// AutoscalingSpec is the one definition both HPAs are built from.
type AutoscalingSpec struct {
	MinReplicas         *int              `pulumi:"minReplicas,optional" json:"minReplicas"`
	MaxReplicas         *int              `pulumi:"maxReplicas,optional" json:"maxReplicas"`
	TargetRpsPerReplica *float64          `pulumi:"targetRpsPerReplica,optional" json:"targetRpsPerReplica"`
	TargetType          *string           `pulumi:"targetType,optional" json:"targetType"`
	MetricName          *string           `pulumi:"metricName,optional" json:"metricName"`
	MetricSelector      map[string]string `pulumi:"metricSelector,optional" json:"metricSelector"`
	Sizing              *SizingSpec       `pulumi:"sizing,optional" json:"sizing"`
	ServerReadySeconds  *int              `pulumi:"serverReadySeconds,optional" json:"serverReadySeconds"`
	ScaleUpHeadroomPods *int              `pulumi:"scaleUpHeadroomPods,optional" json:"scaleUpHeadroomPods"`
	AllowPercentScaleUp *bool             `pulumi:"allowPercentScaleUp,optional" json:"allowPercentScaleUp"`
	ScaleUp             *ScalingRules     `pulumi:"scaleUp,optional" json:"scaleUp"`
	ScaleDown           *ScalingRules     `pulumi:"scaleDown,optional" json:"scaleDown"`
	// ModelScaleUpLagSeconds is the one difference between the two HPAs.
	ModelScaleUpLagSeconds *int `pulumi:"modelScaleUpLagSeconds,optional" json:"modelScaleUpLagSeconds"`
}

func (a *AutoscalingSpec) Annotate(an infer.Annotator) {
	an.SetToken("index", "AutoscalingSpec")
	an.Describe(&a.MinReplicas, "Fewest replicas of the Model and of its Server (1 to 10000). Also the Model's "+
		"initial `spec.replicas`. Default: 1.")
	an.Describe(&a.MaxReplicas, "Most replicas of the Model and of its Server: at least minReplicas, at most 10000 (more "+
		"Server pods than a single-model deployment runs: a typo). The cluster must be able to run this many Server "+
		"pods at once. Default: derived as ⌈sizing.peakRps / target⌉.")
	an.Describe(&a.TargetRpsPerReplica, "Inference requests per second each replica should carry: the HPA's "+
		"`target.averageValue`. Keep it below the RPS at which one replica breaches its latency SLA. "+
		"Default: derived as sizing.saturationRps × (1 − sizing.safetyMargin).")
	an.Describe(&a.TargetType, "HPA target type. Only `AverageValue` is accepted: it is the only type that keeps the "+
		"Model and the Server at the same replica count. Default: AverageValue.")
	an.Describe(&a.MetricName, "Custom metric the HPAs read. It must be the name the adapter rule exposes for "+
		"`seldon_model_infer_total`. Default: `infer_rps`.")
	an.Describe(&a.MetricSelector, "Prometheus label matches that narrow the metric, e.g. `{method_type: rest}` to "+
		"scale on REST traffic only. Keys must be both Prometheus label names and Kubernetes label keys (so none "+
		"starting with `_`).")
	an.Describe(&a.Sizing, "Load figures to size the target and maxReplicas from, as the Seldon guide does.")
	an.Describe(&a.ServerReadySeconds, "Seconds a new Server replica takes to start and load the Model. Scale-up "+
		"periods shorter than this are refused. Default: 90 (the guide's example); measure yours.")
	an.Describe(&a.ScaleUpHeadroomPods, "How many new Server pods the cluster can start at once (1 to 10000). Scale-up "+
		"policies adding more pods per period are refused, Percent ones at maxReplicas included. Default: 5 (the "+
		"guide's example).")
	an.Describe(&a.AllowPercentScaleUp, "Accept Percent scale-up policies. They multiply the replica count each period "+
		"and the Seldon guide advises against them; refused unless this is true, and even then when value% of "+
		"maxReplicas exceeds scaleUpHeadroomPods. Default: false.")
	an.Describe(&a.ScaleUp, "HPA scale-up rules (the Model HPA's window is longer by modelScaleUpLagSeconds). Default: "+
		"derived — window sizing.spikeSeconds (60 s if unset), Pods min(scaleUpHeadroomPods, what sizing.rampRpsPerSecond "+
		"needs) per serverReadySeconds.")
	an.Describe(&a.ScaleDown, "HPA scale-down rules. Default: Kubernetes' own — window 300 s, Percent 100 per 15 s.")
	an.Describe(&a.ModelScaleUpLagSeconds, "Seconds the Model HPA's scale-up stabilization window is longer than the "+
		"Server HPA's; everything else the two HPAs share. A Model asking for replicas before its Server pods are ready "+
		"goes ScheduleFailed and keeps serving on its old replicas (the guide's note); the lag lets the Server HPA start "+
		"the pods first. 0 makes both HPAs identical, as in the guide's manifests. The shared window plus the lag must "+
		"not exceed 3600 s. Default: serverReadySeconds + 15 (one HPA sync period); 0 with partial scheduling (Seldon "+
		"2.9+, see seldon), where Seldon loads each replica as its Server pod becomes ready.")
}

// SizingSpec holds the figures the Seldon guide sizes a policy from.
type SizingSpec struct {
	PeakRps          *float64 `pulumi:"peakRps,optional" json:"peakRps"`
	SaturationRps    *float64 `pulumi:"saturationRps,optional" json:"saturationRps"`
	SafetyMargin     *float64 `pulumi:"safetyMargin,optional" json:"safetyMargin"`
	MinLoadRps       *float64 `pulumi:"minLoadRps,optional" json:"minLoadRps"`
	RampRpsPerSecond *float64 `pulumi:"rampRpsPerSecond,optional" json:"rampRpsPerSecond"`
	SpikeSeconds     *int     `pulumi:"spikeSeconds,optional" json:"spikeSeconds"`
}

func (s *SizingSpec) Annotate(an infer.Annotator) {
	an.SetToken("index", "SizingSpec")
	an.Describe(&s.PeakRps, "Expected peak inference RPS for this Model, with margin. maxReplicas × target must "+
		"cover it; maxReplicas is derived from it when not set.")
	an.Describe(&s.SaturationRps, "RPS at which one replica breaches its latency SLA (from a ramping load test of "+
		"one replica). The target is derived from it when not set, and must stay below it.")
	an.Describe(&s.SafetyMargin, "Fraction of saturation kept free for load that arrives while new replicas "+
		"start, in [0, 1). Default: 0.2.")
	an.Describe(&s.MinLoadRps, "Inference RPS in the quietest period (0 or more, at most peakRps). minReplicas is "+
		"derived from it as ⌈minLoadRps / target⌉ (at least 1) when not set. Default: unset, minReplicas 1.")
	an.Describe(&s.RampRpsPerSecond, "The steepest sustained rise of load to follow, in RPS per second (0 or more; 0 "+
		"means unknown). The derived scale-up policy adds at most ⌈ramp × serverReadySeconds / target⌉ pods per "+
		"serverReadySeconds (and never more than scaleUpHeadroomPods); a ramp the policy cannot follow is reported as a "+
		"warning in derivations. Default: unset, scaleUpHeadroomPods per period.")
	an.Describe(&s.SpikeSeconds, "How long a load spike may last and still be absorbed within the safety margin "+
		"rather than scaled for: the derived scale-up stabilization window (0 to 3600 s; 0 reacts at once). Longer "+
		"windows answer a sustained rise as much later. Default: unset, the guide's 60 s window.")
}

// ScalingRules mirrors autoscaling/v2 HPAScalingRules.
type ScalingRules struct {
	StabilizationWindowSeconds *int            `pulumi:"stabilizationWindowSeconds,optional" json:"stabilizationWindowSeconds"`
	SelectPolicy               *string         `pulumi:"selectPolicy,optional" json:"selectPolicy"`
	Policies                   []ScalingPolicy `pulumi:"policies,optional" json:"policies"`
}

func (s *ScalingRules) Annotate(an infer.Annotator) {
	an.SetToken("index", "ScalingRules")
	an.Describe(&s.StabilizationWindowSeconds, "Seconds of past recommendations the HPA considers (0 to 3600): "+
		"the smallest one is applied when scaling up, the largest when scaling down.")
	an.Describe(&s.SelectPolicy, "Which policy wins when several apply: `Max`, `Min` or `Disabled` "+
		"(not allowed for scale-up). Default: Max.")
	an.Describe(&s.Policies, "Rate limits. For scale-up: Pods policies with periodSeconds ≥ serverReadySeconds and "+
		"value ≤ scaleUpHeadroomPods. When empty, derived.")
}

// ScalingPolicy mirrors autoscaling/v2 HPAScalingPolicy.
type ScalingPolicy struct {
	Type          string `pulumi:"type" json:"type"`
	Value         int    `pulumi:"value" json:"value"`
	PeriodSeconds int    `pulumi:"periodSeconds" json:"periodSeconds"`
}

func (s *ScalingPolicy) Annotate(an infer.Annotator) {
	an.SetToken("index", "ScalingPolicy")
	an.Describe(&s.Type, "`Pods` (add or remove at most value pods per period) or `Percent` (at most value % of "+
		"the current replicas per period).")
	an.Describe(&s.Value, "Pods (1 to 10000) or percent (1 to 10000) allowed per period.")
	an.Describe(&s.PeriodSeconds, "Length of the period in seconds, 1 to 1800.")
}

// AdapterSpec says how prometheus-adapter is provided and what it is told.
type AdapterSpec struct {
	Mode                     *string         `pulumi:"mode,optional" json:"mode"`
	ReleaseName              *string         `pulumi:"releaseName,optional" json:"releaseName"`
	Namespace                *string         `pulumi:"namespace,optional" json:"namespace"`
	CreateNamespace          *bool           `pulumi:"createNamespace,optional" json:"createNamespace"`
	Chart                    *ChartSpec      `pulumi:"chart,optional" json:"chart"`
	Values                   map[string]any  `pulumi:"values,optional" json:"values"`
	SkipAwait                *bool           `pulumi:"skipAwait,optional" json:"skipAwait"`
	HelmTimeoutSeconds       *int            `pulumi:"helmTimeoutSeconds,optional" json:"helmTimeoutSeconds"`
	Prometheus               *PrometheusSpec `pulumi:"prometheus,optional" json:"prometheus"`
	MetricsRelistInterval    *string         `pulumi:"metricsRelistInterval,optional" json:"metricsRelistInterval"`
	PrometheusScrapeInterval *string         `pulumi:"prometheusScrapeInterval,optional" json:"prometheusScrapeInterval"`
	RateWindow               *string         `pulumi:"rateWindow,optional" json:"rateWindow"`
	Rule                     *RuleSpec       `pulumi:"rule,optional" json:"rule"`
	ConfigMapName            *string         `pulumi:"configMapName,optional" json:"configMapName"`
	DeploymentName           *string         `pulumi:"deploymentName,optional" json:"deploymentName"`
}

func (a *AdapterSpec) Annotate(an infer.Annotator) {
	an.SetToken("index", "AdapterSpec")
	a.describe(an)
}

// describe is shared with MetricsAdapterArgs, whose inputs are these fields.
func (a *AdapterSpec) describe(an infer.Annotator) {
	an.Describe(&a.Mode, "`install`: install prometheus-adapter with Helm; the Seldon rule goes into a ConfigMap of "+
		"the stack's that the chart mounts (so `pulumi up --refresh` repairs edits made behind Pulumi's back), and "+
		"the adapter restarts only when the rule changes. `adopt`: an adapter someone else installed; the Seldon "+
		"rule is merged into its ConfigMap's config.yaml, keeping the installer's other rules, and its Deployment "+
		"restarted only when that config changes. `none`: another "+
		"resource provides the adapter — best a SeldonMetricsAdapter shared by all models, so removing any model "+
		"leaves it serving the others. Default: install.")
	an.Describe(&a.ReleaseName, "Helm release name; the adapter's ConfigMap and Deployment are named after it "+
		"(`<release>-prometheus-adapter`). Default: `hpa-metrics`.")
	an.Describe(&a.Namespace, "Namespace of the adapter, usually Prometheus' own. Default: `seldon-monitoring`.")
	an.Describe(&a.CreateNamespace, "Create the adapter namespace (install mode). Like Helm's own option it is kept on "+
		"destroy, as others may have put things in it. Default: false.")
	an.Describe(&a.Chart, "Which prometheus-adapter chart to install. Default: prometheus-community "+
		"`prometheus-adapter` 5.3.0.")
	an.Describe(&a.Values, "Extra Helm values (e.g. `image`, `resources`, `replicas`). The keys this component "+
		"manages (`rules`, `prometheus`, `metricsRelistInterval`) are refused here: use their own inputs.")
	an.Describe(&a.SkipAwait, "Do not wait for the adapter Deployment to become ready. Only for clusters where it "+
		"cannot run (test beds). It also turns off the rollback of a failed install or upgrade, which needs the wait. "+
		"Default: false.")
	an.Describe(&a.HelmTimeoutSeconds, "Install mode: seconds Helm waits for the adapter to become ready (60 to 1800). "+
		"An install or upgrade not ready by then fails and is rolled back (an install is uninstalled, an upgrade "+
		"returns to the last deployed revision), so the next `pulumi up` starts clean. A rollback waits as long "+
		"again. Refused with skipAwait, as Helm then waits for nothing. Default: 300 (Helm's own).")
	an.Describe(&a.Prometheus, "Where the adapter finds Prometheus. Default: `http://seldon-monitoring-prometheus` "+
		"port 9090 (the guide's in-namespace service).")
	an.Describe(&a.MetricsRelistInterval, "How often the adapter re-discovers series (`--metrics-relist-interval`), "+
		"as a duration such as `1m` or `30s`. Must be ≥ prometheusScrapeInterval. Default: `1m`.")
	an.Describe(&a.PrometheusScrapeInterval, "The scrape interval your Prometheus uses for Seldon's metrics. Not "+
		"applied anywhere; the guards check the relist interval and rate window against it. Default: `30s` "+
		"(kube-prometheus-stack's default; the guide's 1m rate window needs scrapes at least every 30 s).")
	an.Describe(&a.RateWindow, "The rate() window of the RPS query, e.g. `1m`. At least twice the scrape interval. "+
		"Longer windows smooth spikes but react later. Default: `1m`.")
	an.Describe(&a.Rule, "Customisations of the Seldon discovery rule. Default: the guide's rule.")
	an.Describe(&a.ConfigMapName, "Adopt mode: the adapter's ConfigMap. Default: `<releaseName>-prometheus-adapter`. "+
		"(Install mode names its own: `<releaseName>-seldon-rules`.)")
	an.Describe(&a.DeploymentName, "Adopt mode: the adapter's Deployment. Default: `<releaseName>-prometheus-adapter`.")
}

// ChartSpec picks the prometheus-adapter chart.
type ChartSpec struct {
	Repo    *string `pulumi:"repo,optional" json:"repo"`
	Name    *string `pulumi:"name,optional" json:"name"`
	Version *string `pulumi:"version,optional" json:"version"`
	Path    *string `pulumi:"path,optional" json:"path"`
}

func (c *ChartSpec) Annotate(an infer.Annotator) {
	an.SetToken("index", "ChartSpec")
	an.Describe(&c.Repo, "Chart repository URL. Default: `https://prometheus-community.github.io/helm-charts`.")
	an.Describe(&c.Name, "Chart name in the repository. Default: `prometheus-adapter`.")
	an.Describe(
		&c.Version,
		"Chart version: a SemVer 2 version or a constraint Helm accepts, such as `~5.3`. Default: `5.3.0` "+
			"(adapter v0.12.0), the version this component is tested with.",
	)
	an.Describe(&c.Path, "A local chart directory or archive instead of a repository (air-gapped clusters, tests). "+
		"Refused together with repo, name or version. Empty means unset.")
}

// PrometheusSpec locates Prometheus.
type PrometheusSpec struct {
	URL  *string `pulumi:"url,optional" json:"url"`
	Port *int    `pulumi:"port,optional" json:"port"`
	Path *string `pulumi:"path,optional" json:"path"`
	// An Input, unlike every other field: it may be a Pulumi secret, and the guards need only
	// know that it is set.
	BearerToken pulumi.StringInput `pulumi:"bearerToken,optional" json:"-" provider:"secret"`
	BasicAuth   *BasicAuthSpec     `pulumi:"basicAuth,optional" json:"-"`
	TLS         *PrometheusTLSSpec `pulumi:"tls,optional" json:"-"`
}

func (p *PrometheusSpec) Annotate(an infer.Annotator) {
	an.SetToken("index", "PrometheusSpec")
	an.Describe(&p.URL, "Prometheus URL: scheme and host only, no port, path or query (the chart appends "+
		"`:port` and then path), e.g. `http://seldon-monitoring-prometheus` (same namespace) or "+
		"`http://prometheus.monitoring.svc`. Default: `http://seldon-monitoring-prometheus`.")
	an.Describe(&p.Port, "Prometheus port. Default: 9090.")
	an.Describe(&p.Path, "Path prefix when Prometheus is served under one, starting with `/`, e.g. `/prometheus`. "+
		"Default: none.")
	an.Describe(&p.BearerToken, "Bearer token the adapter sends to Prometheus (install mode). It is kept in a "+
		"Kubernetes Secret mounted into the adapter (`--prometheus-token-file`) and stays a Pulumi secret: it appears "+
		"in no Helm value, output or plain-text state.")
	an.Describe(&p.BasicAuth, "HTTP basic-auth credentials for Prometheus (install mode), e.g. when it sits behind an "+
		"authenticating proxy. Kept in the same Kubernetes Secret as the token.")
	an.Describe(&p.TLS, "TLS settings for an https:// Prometheus (install mode): the CA to trust and, for mutual TLS, "+
		"a client certificate and key. Kept in the same Kubernetes Secret as the token.")
}

// BasicAuthSpec holds HTTP basic-auth credentials. Inputs, so either may be a Pulumi secret.
type BasicAuthSpec struct {
	Username pulumi.StringInput `pulumi:"username" json:"-"`
	Password pulumi.StringInput `pulumi:"password" json:"-" provider:"secret"`
}

func (b *BasicAuthSpec) Annotate(an infer.Annotator) {
	an.SetToken("index", "BasicAuthSpec")
	an.Describe(&b.Username, "User name the adapter sends to Prometheus. May be a Pulumi secret.")
	an.Describe(&b.Password, "Password the adapter sends to Prometheus; pass it as a Pulumi secret (`pulumi config "+
		"set --secret`). It reaches the adapter only through a mounted Kubernetes Secret.")
}

// PrometheusTLSSpec holds the PEM material for https:// Prometheus. Inputs, so any may be a
// Pulumi secret.
type PrometheusTLSSpec struct {
	CACertificate     pulumi.StringInput `pulumi:"caCertificate,optional" json:"-"`
	ClientCertificate pulumi.StringInput `pulumi:"clientCertificate,optional" json:"-"`
	ClientKey         pulumi.StringInput `pulumi:"clientKey,optional" json:"-" provider:"secret"`
}

func (t *PrometheusTLSSpec) Annotate(an infer.Annotator) {
	an.SetToken("index", "PrometheusTLSSpec")
	an.Describe(&t.CACertificate, "PEM bundle of the CA that signed Prometheus' serving certificate. Default: the "+
		"adapter image's system roots.")
	an.Describe(&t.ClientCertificate, "PEM client certificate for mutual TLS; requires clientKey.")
	an.Describe(&t.ClientKey, "PEM private key of clientCertificate; pass it as a Pulumi secret. It reaches the adapter "+
		"only through a mounted Kubernetes Secret and is checked against the certificate before anything is created.")
}

// RuleSpec customises the Seldon discovery rule.
type RuleSpec struct {
	SeriesQuery   *string        `pulumi:"seriesQuery,optional" json:"seriesQuery"`
	SeriesFilters []SeriesFilter `pulumi:"seriesFilters,optional" json:"seriesFilters"`
	NameMatches   *string        `pulumi:"nameMatches,optional" json:"nameMatches"`
	NameAs        *string        `pulumi:"nameAs,optional" json:"nameAs"`
	MetricsQuery  *string        `pulumi:"metricsQuery,optional" json:"metricsQuery"`
}

func (r *RuleSpec) Annotate(an infer.Annotator) {
	an.SetToken("index", "RuleSpec")
	an.Describe(&r.SeriesQuery, "Which Prometheus series the rule discovers. Default: "+
		"`{__name__=\"seldon_model_infer_total\",namespace!=\"\"}`.")
	an.Describe(&r.SeriesFilters, "Filters on discovered series names, e.g. `[{isNot: \"^seldon_.*_seconds_total\"}]`.")
	an.Describe(&r.NameMatches, "Regular expression on the series name, e.g. `^seldon_model_(.*)_total`. "+
		"Default: `seldon_model_infer_total`.")
	an.Describe(&r.NameAs, "Custom metric name, may use capture groups such as `${1}_rps`. It must turn "+
		"`seldon_model_infer_total` into autoscaling.metricName. Default: `infer_rps`.")
	an.Describe(&r.MetricsQuery, "A replacement PromQL template; must keep `<<.Series>>`, `<<.LabelMatchers>>` and "+
		"`<<.GroupBy>>`. Default: the guide's `sum by (<<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[window]))`.")
}

// SeriesFilter keeps or drops discovered series by name.
type SeriesFilter struct {
	Is    *string `pulumi:"is,optional" json:"is"`
	IsNot *string `pulumi:"isNot,optional" json:"isNot"`
}

func (s *SeriesFilter) Annotate(an infer.Annotator) {
	an.SetToken("index", "SeriesFilter")
	an.Describe(&s.Is, "Keep only series whose name matches this regular expression.")
	an.Describe(&s.IsNot, "Drop series whose name matches this regular expression.")
}
