package inputs

import "time"

// The defaults and bounds code reads, each written once: the planner and the resolver use them,
// and the registry's entries render them into the schema and docs/inputs.md.

// The policy's defaults, each one the Seldon guide's own example value or the metric pipeline's
// usual one; Kubernetes' own (the scale-down rules, the sync period) are policy/kubernetes.go's.
const (
	DefaultMinReplicas         = 1
	DefaultSafetyMargin        = 0.2
	DefaultServerReadySeconds  = 90 // the guide's example: 5 pods ready within 90 s
	DefaultScaleUpHeadroomPods = 5
	DefaultScaleUpWindow       = 60               // the guide's example scale-up stabilization window
	DefaultScrapeInterval      = 30 * time.Second // kube-prometheus-stack's; the guide's 1m window needs ≤ 30 s
	DefaultRelistInterval      = time.Minute
	DefaultRateWindow          = time.Minute
)

// The API server's limits on an HPA's behavior (pkg/apis/autoscaling/validation:
// MaxStabilizationWindowSeconds, MaxPeriodSeconds).
const (
	MaxWindowSeconds = 3600
	MaxPeriodSeconds = 1800
)

// Sane bounds on the counts that reach the HPAs' int32 fields (minReplicas, maxReplicas, policy
// values). The API server takes any int32, but a value past int32 fails only at `up`, after the
// adapter, Model and Server exist; and far below int32 a count is already a typo.
const (
	// MaxReplicasBound: one Model on one Server scaled past 10000 replicas (and as many Server
	// pods) is beyond any single-model deployment Seldon documents; a count that high is a typo.
	// It bounds minReplicas, maxReplicas, scaleUpHeadroomPods and a Pods policy's value alike:
	// none can usefully exceed the replicas there can ever be.
	MaxReplicasBound = 10000
	// MaxPercentValue: a Percent policy of 10000% multiplies the replica count by 101 per period,
	// far past anything MaxReplicasBound leaves room for; more is a typo.
	MaxPercentValue = 10000
)

// Where the Model, its Server and the adapter are, and which chart installs the adapter, when the
// inputs do not say: the Seldon guide's names.
const (
	DefaultModelNamespace   = "seldon-mesh"
	DefaultExistingServer   = "mlserver"
	DefaultReleaseName      = "hpa-metrics"
	DefaultAdapterNamespace = "seldon-monitoring"
	DefaultChartRepo        = "https://prometheus-community.github.io/helm-charts"
	DefaultChartName        = "prometheus-adapter"
	DefaultChartVersion     = "5.3.0"
	DefaultPrometheusURL    = "http://seldon-monitoring-prometheus"
	DefaultPrometheusPort   = 9090
)

// Helm's handling of the adapter release. The timeout bounds how long Helm waits for the adapter
// and, when a wait fails, for the rollback; the bounds keep it longer than the adapter can become
// ready in and shorter than the CI job limits that would kill Helm mid-operation, which leaves the
// release pending and blocks every later up ("another operation is in progress").
const (
	DefaultHelmTimeoutSeconds = 300  // Helm's and pulumi-kubernetes' own default
	MinHelmTimeoutSeconds     = 60   // the chart's readiness probe first runs 30 s after the pod starts
	MaxHelmTimeoutSeconds     = 1800 // a failed upgrade waits this long and its rollback as long again
)

// Input paths as users write them on SeldonAutoscaledModel; refusals and derivations name these.
const (
	PathMinReplicas    = "autoscaling.minReplicas"
	PathMaxReplicas    = "autoscaling.maxReplicas"
	PathTarget         = "autoscaling.targetRpsPerReplica"
	PathTargetType     = "autoscaling.targetType"
	PathPeakRPS        = "autoscaling.sizing.peakRps"
	PathSaturationRPS  = "autoscaling.sizing.saturationRps"
	PathSafetyMargin   = "autoscaling.sizing.safetyMargin"
	PathMinLoadRPS     = "autoscaling.sizing.minLoadRps"
	PathRampRate       = "autoscaling.sizing.rampRpsPerSecond"
	PathSpikeSeconds   = "autoscaling.sizing.spikeSeconds"
	PathModelLag       = "autoscaling.modelScaleUpLagSeconds"
	PathServerReady    = "autoscaling.serverReadySeconds"
	PathHeadroom       = "autoscaling.scaleUpHeadroomPods"
	PathScaleUp        = "autoscaling.scaleUp"
	PathScaleDown      = "autoscaling.scaleDown"
	PathAllowPercentUp = "autoscaling.allowPercentScaleUp"
)

// The timing inputs, relative to the adapter block that holds them ("adapter." on
// SeldonAutoscaledModel, nothing on SeldonMetricsAdapter).
const (
	FieldScrapeInterval = "prometheusScrapeInterval"
	FieldRelistInterval = "metricsRelistInterval"
	FieldRateWindow     = "rateWindow"
	AdapterPrefix       = "adapter."
)
