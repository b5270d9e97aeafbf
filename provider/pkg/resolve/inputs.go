package resolve

import "encoding/json"

// The inputs as plain values: the shape of SeldonAutoscaledModel's schema (component.Args), field
// for field and with the same JSON names, but for the Prometheus credentials, which are Pulumi
// Inputs there (they may be secrets or unknown outputs) and only "set or not" here: no check reads
// their contents before Construct. TestArgsMirrorTheSchema (component) keeps the two shapes equal.

// Args are SeldonAutoscaledModel's inputs.
type Args struct {
	Model            ModelSpec       `json:"model"`
	Server           *ServerSpec     `json:"server"`
	Autoscaling      AutoscalingSpec `json:"autoscaling"`
	Adapter          *AdapterSpec    `json:"adapter"`
	Seldon           *SeldonSpec     `json:"seldon"`
	TakeOverExisting *bool           `json:"takeOverExisting"`
}

// ModelSpec describes the Seldon Model.
type ModelSpec struct {
	Name         string            `json:"name"`
	Namespace    *string           `json:"namespace"`
	StorageURI   string            `json:"storageUri"`
	Requirements []string          `json:"requirements"`
	Memory       *string           `json:"memory"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	ExtraSpec    map[string]any    `json:"extraSpec"`
}

// SeldonSpec describes the Seldon Core 2 installation.
type SeldonSpec struct {
	Version          *string `json:"version"`
	ModelAutoscaling *bool   `json:"modelAutoscaling"`
}

// ServerSpec selects or creates the Server.
type ServerSpec struct {
	Name         *string           `json:"name"`
	Dedicated    *bool             `json:"dedicated"`
	ServerConfig *string           `json:"serverConfig"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
}

// AutoscalingSpec is the one definition both HPAs are built from.
type AutoscalingSpec struct {
	MinReplicas            *int              `json:"minReplicas"`
	MaxReplicas            *int              `json:"maxReplicas"`
	TargetRpsPerReplica    *float64          `json:"targetRpsPerReplica"`
	TargetType             *string           `json:"targetType"`
	MetricName             *string           `json:"metricName"`
	MetricSelector         map[string]string `json:"metricSelector"`
	Sizing                 *SizingSpec       `json:"sizing"`
	ServerReadySeconds     *int              `json:"serverReadySeconds"`
	ScaleUpHeadroomPods    *int              `json:"scaleUpHeadroomPods"`
	AllowPercentScaleUp    *bool             `json:"allowPercentScaleUp"`
	ScaleUp                *ScalingRules     `json:"scaleUp"`
	ScaleDown              *ScalingRules     `json:"scaleDown"`
	ModelScaleUpLagSeconds *int              `json:"modelScaleUpLagSeconds"`
}

// SizingSpec holds the figures the Seldon guide sizes a policy from.
type SizingSpec struct {
	PeakRps          *float64 `json:"peakRps"`
	SaturationRps    *float64 `json:"saturationRps"`
	SafetyMargin     *float64 `json:"safetyMargin"`
	MinLoadRps       *float64 `json:"minLoadRps"`
	RampRpsPerSecond *float64 `json:"rampRpsPerSecond"`
	SpikeSeconds     *int     `json:"spikeSeconds"`
}

// ScalingRules mirrors autoscaling/v2 HPAScalingRules.
type ScalingRules struct {
	StabilizationWindowSeconds *int            `json:"stabilizationWindowSeconds"`
	SelectPolicy               *string         `json:"selectPolicy"`
	Policies                   []ScalingPolicy `json:"policies"`
}

// ScalingPolicy mirrors autoscaling/v2 HPAScalingPolicy.
type ScalingPolicy struct {
	Type          string `json:"type"`
	Value         int    `json:"value"`
	PeriodSeconds int    `json:"periodSeconds"`
}

// AdapterSpec says how prometheus-adapter is provided and what it is told; it is also
// SeldonMetricsAdapter's inputs, at the top level.
type AdapterSpec struct {
	Mode                     *string         `json:"mode"`
	ReleaseName              *string         `json:"releaseName"`
	Namespace                *string         `json:"namespace"`
	CreateNamespace          *bool           `json:"createNamespace"`
	Chart                    *ChartSpec      `json:"chart"`
	Values                   map[string]any  `json:"values"`
	SkipAwait                *bool           `json:"skipAwait"`
	HelmTimeoutSeconds       *int            `json:"helmTimeoutSeconds"`
	Prometheus               *PrometheusSpec `json:"prometheus"`
	MetricsRelistInterval    *string         `json:"metricsRelistInterval"`
	PrometheusScrapeInterval *string         `json:"prometheusScrapeInterval"`
	RateWindow               *string         `json:"rateWindow"`
	Rule                     *RuleSpec       `json:"rule"`
	ConfigMapName            *string         `json:"configMapName"`
	DeploymentName           *string         `json:"deploymentName"`
}

// ChartSpec picks the prometheus-adapter chart.
type ChartSpec struct {
	Repo    *string `json:"repo"`
	Name    *string `json:"name"`
	Version *string `json:"version"`
	Path    *string `json:"path"`
}

// PrometheusSpec locates Prometheus.
type PrometheusSpec struct {
	URL         *string            `json:"url"`
	Port        *int               `json:"port"`
	Path        *string            `json:"path"`
	BearerToken Credential         `json:"bearerToken"`
	BasicAuth   *BasicAuthSpec     `json:"basicAuth"`
	TLS         *PrometheusTLSSpec `json:"tls"`
}

// BasicAuthSpec says which basic-auth credentials are set.
type BasicAuthSpec struct {
	Username Credential `json:"username"`
	Password Credential `json:"password"`
}

// PrometheusTLSSpec says which PEM inputs are set.
type PrometheusTLSSpec struct {
	CACertificate     Credential `json:"caCertificate"`
	ClientCertificate Credential `json:"clientCertificate"`
	ClientKey         Credential `json:"clientKey"`
}

// RuleSpec customises the Seldon discovery rule.
type RuleSpec struct {
	SeriesQuery   *string        `json:"seriesQuery"`
	SeriesFilters []SeriesFilter `json:"seriesFilters"`
	NameMatches   *string        `json:"nameMatches"`
	NameAs        *string        `json:"nameAs"`
	MetricsQuery  *string        `json:"metricsQuery"`
}

// SeriesFilter keeps or drops discovered series by name.
type SeriesFilter struct {
	Is    *string `json:"is"`
	IsNot *string `json:"isNot"`
}

// Credential is a Prometheus credential as the resolver sees it: set or not. Decoded from JSON,
// any value but null is set, so the refused-input catalogue can hold credentials as strings.
type Credential bool

// UnmarshalJSON reads any non-null value as set.
func (c *Credential) UnmarshalJSON(raw []byte) error {
	*c = Credential(string(raw) != "null")
	return nil
}

// MarshalJSON writes a set credential as a placeholder string, never its value (it has none here).
func (c Credential) MarshalJSON() ([]byte, error) {
	if c {
		return json.Marshal("set")
	}
	return []byte("null"), nil
}
