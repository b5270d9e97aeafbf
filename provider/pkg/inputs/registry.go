package inputs

import (
	"fmt"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/adapterrules"
)

// Registry holds every input of SeldonAutoscaledModel, in schema order. SeldonMetricsAdapter's
// inputs are the adapter block's, registered here as adapter.*. A shared type's fields are
// registered at each path the type occurs.
var Registry = []Input{
	{
		Paths: paths("model"),
		Doc:   "The Seldon Model to deploy and autoscale.",
	},
	{
		Paths:   paths("server"),
		Doc:     "The Seldon Server the Model runs on (single-model serving: one Model per Server replica).",
		Default: "the existing Server " + code(DefaultExistingServer) + " in the Model's namespace",
	},
	{
		Paths: paths("autoscaling"),
		Doc: "The policy both HPAs (Model and Server) share. Give either targetRpsPerReplica and maxReplicas, or a " +
			"sizing block to derive them from.",
	},
	{
		Paths: paths("adapter"),
		Doc:   "How prometheus-adapter is provided and configured.",
		Default: "installed with Helm as release " + code(DefaultReleaseName) +
			" in namespace " + code(DefaultAdapterNamespace),
	},
	{
		Paths: paths("seldon"),
		Doc: "The Seldon Core 2 installation the Model runs on: its version and whether its own model autoscaler is on. " +
			"On 2.9 or later with that autoscaler off, the Model gets `spec.minReplicas` (partial scheduling); otherwise " +
			"it gets no minReplicas/maxReplicas, as before 2.9.",
		Default: "treated as before 2.9",
	},
	{
		Paths: paths("takeOverExisting"),
		Doc: "Manage a Model, dedicated Server or HPA of the same name that already exists and that this component did " +
			"not create. Default false: `up` (and preview) refuse, naming the object and who manages it, before changing " +
			"anything. When true the object is taken over: its live `spec.replicas` and the fields the component does not " +
			"set are kept, the HPAs own its replicas from then on, and `destroy` deletes it as it does every object the " +
			"component manages (as after `pulumi import`). Never applies to an adapter: use `adapter.mode: adopt` for an " +
			"adapter someone else installed.",
	},
	{
		Paths: paths("model.name"),
		Doc: "Name of the Model CR (a DNS-1123 label: lower case letters, digits and '-', at most 63 characters). The " +
			"HPAs are named `<name>-model-hpa` and `<name>-server-hpa`.",
	},
	{
		Paths:   paths("model.namespace"),
		Doc:     "Namespace of the Model, its Server and both HPAs. It must already exist.",
		Default: code(DefaultModelNamespace),
	},
	{
		Paths: paths("model.storageUri"),
		Doc: "Where Seldon loads the model artifact from, as rclone reads it: `<remote>://<path>` or `<remote>:<path>` " +
			"(an rclone backend or a remote a storage secret configures), e.g. `gs://seldon-models/testing/iris1`, or an " +
			"absolute path such as `/mnt/models/iris`. Required.",
	},
	{
		Paths: paths("model.requirements"),
		Doc:   "Capabilities the Server must advertise to load this Model, e.g. `[\"sklearn\"]`.",
	},
	{
		Paths: paths("model.memory"),
		Doc:   "Memory the Model needs, as a Kubernetes quantity such as `3M` or `1Gi`.",
	},
	{
		Paths: paths("model.labels"),
		Doc:   "Extra labels on the Model CR.",
	},
	{
		Paths: paths("model.annotations"),
		Doc:   "Extra annotations on the Model CR.",
	},
	{
		Paths: paths("model.extraSpec"),
		Doc: "Further Model `spec` fields passed through unchanged (e.g. `secretName`, `parameters`, `artifactVersion`, " +
			"`modelType`). Fields this component manages (`replicas`, `minReplicas`, `maxReplicas`, `server`, " +
			"`storageUri`, `requirements`, `memory`) are refused here: set them through their own inputs. " +
			"minReplicas/maxReplicas in particular would turn on Seldon's own autoscaler, which fights the HPA (on Seldon " +
			"2.9+ the component sets minReplicas itself where that is safe: see seldon).",
	},
	{
		Paths: paths("seldon.version"),
		Doc: "The Seldon Core 2 version, `MAJOR.MINOR` or `MAJOR.MINOR.PATCH` (a leading `v` and a pre-release suffix " +
			"are accepted), e.g. `2.8`, `2.9.1`, `2.10.2`. From 2.9 Seldon schedules a Model that sets `spec.minReplicas` " +
			"partially (as many replicas as its Server has ready) instead of all or nothing; with modelAutoscaling false " +
			"the component then sets the Model's minReplicas to autoscaling.minReplicas and plans the Model HPA's lag for " +
			"that mode.",
		Default: "unset, treated as before 2.9 (all-or-nothing: no minReplicas on the Model), the choice that cannot " +
			"switch on Seldon's own model autoscaler",
	},
	{
		Paths: paths("seldon.modelAutoscaling"),
		Doc: "Whether Seldon was installed with its own model autoscaler on (`autoscaling.autoscalingModelEnabled: " +
			"true`, the scheduler's `--enable-model-autoscaling`). When true a Model's minReplicas would hand its " +
			"replicas to that autoscaler, which fights the Model HPA, so the Model gets none, as before 2.9.",
		Default: "false",
		Reason:  "Seldon's default since 2.9",
	},
	{
		Paths:   paths("server.name"),
		Doc:     "Name of the Server the Model is scheduled on and the Server HPA scales.",
		Default: code(DefaultExistingServer) + " for an existing Server, `<model name>-server` for a dedicated one",
	},
	{
		Paths: paths("server.dedicated"),
		Doc: "Create a Server CR for this Model alone (true), or use an existing Server by name (false, the default). An " +
			"existing Server must not host other Models: HPA scaling is only correct 1:1.",
	},
	{
		Paths: paths("server.serverConfig"),
		Doc: "The ServerConfig a dedicated Server is built from, e.g. `mlserver` or `triton`. Required when dedicated is " +
			"true; refused otherwise.",
	},
	{
		Paths: paths("server.labels"),
		Doc:   "Extra labels on a dedicated Server CR.",
	},
	{
		Paths: paths("server.annotations"),
		Doc:   "Extra annotations on a dedicated Server CR.",
	},
	{
		Paths:   paths("autoscaling.minReplicas"),
		Doc:     "Fewest replicas of the Model and of its Server. Also the Model's initial `spec.replicas`.",
		Bounds:  span(1, MaxReplicasBound),
		Default: itoa(DefaultMinReplicas),
	},
	{
		Paths: paths("autoscaling.maxReplicas"),
		Doc:   "Most replicas of the Model and of its Server. The cluster must be able to run this many Server pods at once.",
		Bounds: "minReplicas to " + itoa(MaxReplicasBound) +
			" (more Server pods than a single-model deployment runs: a typo)",
		Default: "derived as ⌈sizing.peakRps / target⌉",
	},
	{
		Paths: paths("autoscaling.targetRpsPerReplica"),
		Doc: "Inference requests per second each replica should carry: the HPA's `target.averageValue`. Keep it below " +
			"the RPS at which one replica breaches its latency SLA.",
		Default: "derived as sizing.saturationRps × (1 − sizing.safetyMargin)",
	},
	{
		Paths: paths("autoscaling.targetType"),
		Doc: "HPA target type. Only `AverageValue` is accepted: it is the only type that keeps the Model and the Server " +
			"at the same replica count.",
		Default: "AverageValue",
	},
	{
		Paths:   paths("autoscaling.metricName"),
		Doc:     "Custom metric the HPAs read. It must be the name the adapter rule exposes for `seldon_model_infer_total`.",
		Default: code(adapterrules.DefaultMetricName),
	},
	{
		Paths: paths("autoscaling.metricSelector"),
		Doc: "Prometheus label matches that narrow the metric, e.g. `{method_type: rest}` to scale on REST traffic only. " +
			"Keys must be both Prometheus label names and Kubernetes label keys (so none starting with `_`).",
	},
	{
		Paths: paths("autoscaling.sizing"),
		Doc:   "Load figures to size the target and maxReplicas from, as the Seldon guide does.",
	},
	{
		Paths: paths("autoscaling.serverReadySeconds"),
		Doc: "Seconds a new Server replica takes to start and load the Model. Scale-up periods shorter than this are " +
			"refused.",
		Default: itoa(DefaultServerReadySeconds),
		Reason:  "the guide's example; measure yours",
	},
	{
		Paths: paths("autoscaling.scaleUpHeadroomPods"),
		Doc: "How many new Server pods the cluster can start at once. Scale-up policies adding more pods per period are " +
			"refused, Percent ones at maxReplicas included.",
		Bounds:  span(1, MaxReplicasBound),
		Default: itoa(DefaultScaleUpHeadroomPods),
		Reason:  "the guide's example",
	},
	{
		Paths: paths("autoscaling.allowPercentScaleUp"),
		Doc: "Accept Percent scale-up policies. They multiply the replica count each period and the Seldon guide advises " +
			"against them; refused unless this is true, and even then when value% of maxReplicas exceeds " +
			"scaleUpHeadroomPods.",
		Default: "false",
	},
	{
		Paths: paths("autoscaling.scaleUp"),
		Doc:   "HPA scale-up rules (the Model HPA's window is longer by modelScaleUpLagSeconds).",
		Default: "derived — window sizing.spikeSeconds (60 s if unset), Pods min(scaleUpHeadroomPods, what " +
			"sizing.rampRpsPerSecond needs) per serverReadySeconds",
	},
	{
		Paths:   paths("autoscaling.scaleDown"),
		Doc:     "HPA scale-down rules.",
		Default: "Kubernetes' own — window 300 s, Percent 100 per 15 s",
	},
	{
		Paths: paths("autoscaling.modelScaleUpLagSeconds"),
		Doc: "Seconds the Model HPA's scale-up stabilization window is longer than the Server HPA's; everything " +
			"else the two HPAs share. A Model asking for replicas before its Server pods are ready goes ScheduleFailed " +
			"and keeps serving on its old replicas (the guide's note); the lag lets the Server HPA start the pods " +
			"first. 0 makes both HPAs identical, as in the guide's manifests. The shared window plus the lag must not " +
			"exceed " + itoa(MaxWindowSeconds) + " s.",
		Default: "serverReadySeconds + 15 (one HPA sync period); 0 with partial scheduling (Seldon 2.9+, see seldon), " +
			"where Seldon loads each replica as its Server pod becomes ready",
	},
	{
		Paths: paths("autoscaling.sizing.peakRps"),
		Doc: "Expected peak inference RPS for this Model, with margin. maxReplicas × target must cover it; maxReplicas " +
			"is derived from it when not set.",
	},
	{
		Paths: paths("autoscaling.sizing.saturationRps"),
		Doc: "RPS at which one replica breaches its latency SLA (from a ramping load test of one replica). The target is " +
			"derived from it when not set, and must stay below it.",
	},
	{
		Paths:   paths("autoscaling.sizing.safetyMargin"),
		Doc:     "Fraction of saturation kept free for load that arrives while new replicas start.",
		Bounds:  "[0, 1)",
		Default: fmt.Sprint(DefaultSafetyMargin),
	},
	{
		Paths: paths("autoscaling.sizing.minLoadRps"),
		Doc: "Inference RPS in the quietest period (0 or more, at most peakRps). minReplicas is derived from it as " +
			"⌈minLoadRps / target⌉ (at least 1) when not set.",
		Default: "unset, minReplicas 1",
	},
	{
		Paths: paths("autoscaling.sizing.rampRpsPerSecond"),
		Doc: "The steepest sustained rise of load to follow, in RPS per second (0 or more; 0 means unknown). The derived " +
			"scale-up policy adds at most ⌈ramp × serverReadySeconds / target⌉ pods per serverReadySeconds (and never " +
			"more than scaleUpHeadroomPods); a ramp the policy cannot follow is reported as a warning in derivations.",
		Default: "unset, scaleUpHeadroomPods per period",
	},
	{
		Paths: paths("autoscaling.sizing.spikeSeconds"),
		Doc: "How long a load spike may last and still be absorbed within the safety margin rather than scaled for: the " +
			"derived scale-up stabilization window (0 reacts at once). Longer windows answer a sustained rise as much " +
			"later.",
		Bounds:  span(0, MaxWindowSeconds) + " s",
		Default: "unset, the guide's " + itoa(DefaultScaleUpWindow) + " s window",
	},
	{
		Paths: paths("autoscaling.scaleUp.stabilizationWindowSeconds", "autoscaling.scaleDown.stabilizationWindowSeconds"),
		Doc: "Seconds of past recommendations the HPA considers: the smallest one is applied when scaling up, the " +
			"largest when scaling down.",
		Bounds: span(0, MaxWindowSeconds),
	},
	{
		Paths:   paths("autoscaling.scaleUp.selectPolicy", "autoscaling.scaleDown.selectPolicy"),
		Doc:     "Which policy wins when several apply: `Max`, `Min` or `Disabled` (not allowed for scale-up).",
		Default: "Max",
	},
	{
		Paths: paths("autoscaling.scaleUp.policies", "autoscaling.scaleDown.policies"),
		Doc: "Rate limits. For scale-up: Pods policies with periodSeconds ≥ serverReadySeconds and value ≤ " +
			"scaleUpHeadroomPods. When empty, derived.",
	},
	{
		Paths: paths("autoscaling.scaleUp.policies[].type", "autoscaling.scaleDown.policies[].type"),
		Doc: "`Pods` (add or remove at most value pods per period) or `Percent` (at most value % of the current replicas " +
			"per period).",
	},
	{
		Paths:  paths("autoscaling.scaleUp.policies[].value", "autoscaling.scaleDown.policies[].value"),
		Doc:    "Pods or percent allowed per period.",
		Bounds: span(1, MaxReplicasBound) + " pods, or " + span(1, MaxPercentValue) + " percent",
	},
	{
		Paths:  paths("autoscaling.scaleUp.policies[].periodSeconds", "autoscaling.scaleDown.policies[].periodSeconds"),
		Doc:    "Length of the period in seconds.",
		Bounds: span(1, MaxPeriodSeconds),
	},
	{
		Paths: paths("adapter.mode"),
		Doc: "`install`: install prometheus-adapter with Helm; the Seldon rule goes into a ConfigMap of the stack's that " +
			"the chart mounts (so `pulumi up --refresh` repairs edits made behind Pulumi's back), and the adapter " +
			"restarts only when the rule changes. `adopt`: an adapter someone else installed; the Seldon rule is merged " +
			"into its ConfigMap's config.yaml, keeping the installer's other rules, and its Deployment restarted only " +
			"when that config changes. `none`: another resource provides the adapter — best a SeldonMetricsAdapter shared " +
			"by all models, so removing any model leaves it serving the others.",
		Default: "install",
	},
	{
		Paths: paths("adapter.releaseName"),
		Doc: "Helm release name; the adapter's ConfigMap and Deployment are named after it " +
			"(`<release>-prometheus-adapter`).",
		Default: code(DefaultReleaseName),
	},
	{
		Paths:   paths("adapter.namespace"),
		Doc:     "Namespace of the adapter, usually Prometheus' own.",
		Default: code(DefaultAdapterNamespace),
	},
	{
		Paths: paths("adapter.createNamespace"),
		Doc: "Create the adapter namespace (install mode). Like Helm's own option it is kept on destroy, as others may " +
			"have put things in it.",
		Default: "false",
	},
	{
		Paths:   paths("adapter.chart"),
		Doc:     "Which prometheus-adapter chart to install.",
		Default: "prometheus-community " + code(DefaultChartName) + " " + DefaultChartVersion,
	},
	{
		Paths: paths("adapter.values"),
		Doc: "Extra Helm values (e.g. `image`, `resources`, `replicas`). The keys this component manages (`rules`, " +
			"`prometheus`, `metricsRelistInterval`) are refused here: use their own inputs.",
	},
	{
		Paths: paths("adapter.skipAwait"),
		Doc: "Do not wait for the adapter Deployment to become ready. Only for clusters where it cannot run (test beds). " +
			"It also turns off the rollback of a failed install or upgrade, which needs the wait.",
		Default: "false",
	},
	{
		Paths: paths("adapter.helmTimeoutSeconds"),
		Doc: "Install mode: seconds Helm waits for the adapter to become ready. An install or upgrade not ready by then " +
			"fails and is rolled back (an install is uninstalled, an upgrade returns to the last deployed revision), so " +
			"the next `pulumi up` starts clean. A rollback waits as long again. Refused with skipAwait, as Helm then " +
			"waits for nothing.",
		Bounds:  span(MinHelmTimeoutSeconds, MaxHelmTimeoutSeconds),
		Default: itoa(DefaultHelmTimeoutSeconds),
		Reason:  "Helm's own",
	},
	{
		Paths:   paths("adapter.prometheus"),
		Doc:     "Where the adapter finds Prometheus.",
		Default: code(DefaultPrometheusURL) + " port " + itoa(DefaultPrometheusPort),
		Reason:  "the guide's in-namespace service",
	},
	{
		Paths: paths("adapter.metricsRelistInterval"),
		Doc: "How often the adapter re-discovers series (`--metrics-relist-interval`), as a duration such as `1m` or " +
			"`30s`. Must be ≥ prometheusScrapeInterval.",
		Default: dur(DefaultRelistInterval),
	},
	{
		Paths: paths("adapter.prometheusScrapeInterval"),
		Doc: "The scrape interval your Prometheus uses for Seldon's metrics. Not applied anywhere; the guards check the " +
			"relist interval and rate window against it.",
		Default: dur(DefaultScrapeInterval),
		Reason:  "kube-prometheus-stack's default; the guide's 1m rate window needs scrapes at least every 30 s",
	},
	{
		Paths: paths("adapter.rateWindow"),
		Doc: "The rate() window of the RPS query, e.g. `1m`. At least twice the scrape interval. Longer windows smooth " +
			"spikes but react later.",
		Default: dur(DefaultRateWindow),
	},
	{
		Paths:   paths("adapter.rule"),
		Doc:     "Customisations of the Seldon discovery rule.",
		Default: "the guide's rule",
	},
	{
		Paths:   paths("adapter.configMapName"),
		Doc:     "Adopt mode: the adapter's ConfigMap. (Install mode names its own: `<releaseName>-seldon-rules`.)",
		Default: "`<releaseName>-prometheus-adapter`",
	},
	{
		Paths:   paths("adapter.deploymentName"),
		Doc:     "Adopt mode: the adapter's Deployment.",
		Default: "`<releaseName>-prometheus-adapter`",
	},
	{
		Paths:   paths("adapter.chart.repo"),
		Doc:     "Chart repository URL.",
		Default: code(DefaultChartRepo),
	},
	{
		Paths:   paths("adapter.chart.name"),
		Doc:     "Chart name in the repository.",
		Default: code(DefaultChartName),
	},
	{
		Paths:   paths("adapter.chart.version"),
		Doc:     "Chart version: a SemVer 2 version or a constraint Helm accepts, such as `~5.3`.",
		Default: code(DefaultChartVersion),
		Reason:  "adapter v0.12.0, the version this component is tested with",
	},
	{
		Paths: paths("adapter.chart.path"),
		Doc: "A local chart directory or archive instead of a repository (air-gapped clusters, tests). Refused together " +
			"with repo, name or version. Empty means unset.",
	},
	{
		Paths: paths("adapter.prometheus.url"),
		Doc: "Prometheus URL: scheme and host only, no port, path or query (the chart appends `:port` and then path), " +
			"e.g. `http://seldon-monitoring-prometheus` (same namespace) or `http://prometheus.monitoring.svc`.",
		Default: code(DefaultPrometheusURL),
	},
	{
		Paths:   paths("adapter.prometheus.port"),
		Doc:     "Prometheus port.",
		Bounds:  span(1, 65535),
		Default: itoa(DefaultPrometheusPort),
	},
	{
		Paths:   paths("adapter.prometheus.path"),
		Doc:     "Path prefix when Prometheus is served under one, starting with `/`, e.g. `/prometheus`.",
		Default: "none",
	},
	{
		Paths: paths("adapter.prometheus.bearerToken"),
		Doc: "Bearer token the adapter sends to Prometheus (install mode). It is kept in a Kubernetes Secret mounted " +
			"into the adapter (`--prometheus-token-file`) and stays a Pulumi secret: it appears in no Helm value, output " +
			"or plain-text state.",
	},
	{
		Paths: paths("adapter.prometheus.basicAuth"),
		Doc: "HTTP basic-auth credentials for Prometheus (install mode), e.g. when it sits behind an authenticating " +
			"proxy. Kept in the same Kubernetes Secret as the token.",
	},
	{
		Paths: paths("adapter.prometheus.tls"),
		Doc: "TLS settings for an https:// Prometheus (install mode): the CA to trust and, for mutual TLS, a client " +
			"certificate and key. Kept in the same Kubernetes Secret as the token.",
	},
	{
		Paths: paths("adapter.prometheus.basicAuth.username"),
		Doc:   "User name the adapter sends to Prometheus. May be a Pulumi secret.",
	},
	{
		Paths: paths("adapter.prometheus.basicAuth.password"),
		Doc: "Password the adapter sends to Prometheus; pass it as a Pulumi secret (`pulumi config set --secret`). It " +
			"reaches the adapter only through a mounted Kubernetes Secret.",
	},
	{
		Paths:   paths("adapter.prometheus.tls.caCertificate"),
		Doc:     "PEM bundle of the CA that signed Prometheus' serving certificate.",
		Default: "the adapter image's system roots",
	},
	{
		Paths: paths("adapter.prometheus.tls.clientCertificate"),
		Doc:   "PEM client certificate for mutual TLS; requires clientKey.",
	},
	{
		Paths: paths("adapter.prometheus.tls.clientKey"),
		Doc: "PEM private key of clientCertificate; pass it as a Pulumi secret. It reaches the adapter only through a " +
			"mounted Kubernetes Secret and is checked against the certificate before anything is created.",
	},
	{
		Paths:   paths("adapter.rule.seriesQuery"),
		Doc:     "Which Prometheus series the rule discovers.",
		Default: "`{__name__=\"seldon_model_infer_total\",namespace!=\"\"}`",
	},
	{
		Paths: paths("adapter.rule.seriesFilters"),
		Doc:   "Filters on discovered series names, e.g. `[{isNot: \"^seldon_.*_seconds_total\"}]`.",
	},
	{
		Paths:   paths("adapter.rule.nameMatches"),
		Doc:     "Regular expression on the series name, e.g. `^seldon_model_(.*)_total`.",
		Default: code(adapterrules.SeldonSeries),
	},
	{
		Paths: paths("adapter.rule.nameAs"),
		Doc: "Custom metric name, may use capture groups such as `${1}_rps`. It must turn `seldon_model_infer_total` " +
			"into autoscaling.metricName.",
		Default: code(adapterrules.DefaultMetricName),
	},
	{
		Paths:   paths("adapter.rule.metricsQuery"),
		Doc:     "A replacement PromQL template; must keep `<<.Series>>`, `<<.LabelMatchers>>` and `<<.GroupBy>>`.",
		Default: "the guide's `sum by (<<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[window]))`",
	},
	{
		Paths: paths("adapter.rule.seriesFilters[].is"),
		Doc:   "Keep only series whose name matches this regular expression.",
	},
	{
		Paths: paths("adapter.rule.seriesFilters[].isNot"),
		Doc:   "Drop series whose name matches this regular expression.",
	},
}
