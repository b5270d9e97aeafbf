package component

import (
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
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
	an.Describe(&a.Model, inputs.Describe("model"))
	an.Describe(&a.Server, inputs.Describe("server"))
	an.Describe(&a.Autoscaling, inputs.Describe("autoscaling"))
	an.Describe(&a.Adapter, inputs.Describe("adapter"))
	an.Describe(&a.Seldon, inputs.Describe("seldon"))
	an.Describe(&a.TakeOverExisting, inputs.Describe("takeOverExisting"))
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
	an.Describe(&m.Name, inputs.Describe("model.name"))
	an.Describe(&m.Namespace, inputs.Describe("model.namespace"))
	an.Describe(&m.StorageURI, inputs.Describe("model.storageUri"))
	an.Describe(&m.Requirements, inputs.Describe("model.requirements"))
	an.Describe(&m.Memory, inputs.Describe("model.memory"))
	an.Describe(&m.Labels, inputs.Describe("model.labels"))
	an.Describe(&m.Annotations, inputs.Describe("model.annotations"))
	an.Describe(&m.ExtraSpec, inputs.Describe("model.extraSpec"))
}

// SeldonSpec describes the Seldon Core 2 installation: which scheduling it does, and whether its own
// model autoscaler would act on a Model's spec.minReplicas.
type SeldonSpec struct {
	Version          *string `pulumi:"version,optional" json:"version"`
	ModelAutoscaling *bool   `pulumi:"modelAutoscaling,optional" json:"modelAutoscaling"`
}

func (s *SeldonSpec) Annotate(an infer.Annotator) {
	an.SetToken("index", "SeldonSpec")
	an.Describe(&s.Version, inputs.Describe("seldon.version"))
	an.Describe(&s.ModelAutoscaling, inputs.Describe("seldon.modelAutoscaling"))
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
	an.Describe(&s.Name, inputs.Describe("server.name"))
	an.Describe(&s.Dedicated, inputs.Describe("server.dedicated"))
	an.Describe(&s.ServerConfig, inputs.Describe("server.serverConfig"))
	an.Describe(&s.Labels, inputs.Describe("server.labels"))
	an.Describe(&s.Annotations, inputs.Describe("server.annotations"))
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
	an.Describe(&a.MinReplicas, inputs.Describe("autoscaling.minReplicas"))
	an.Describe(&a.MaxReplicas, inputs.Describe("autoscaling.maxReplicas"))
	an.Describe(&a.TargetRpsPerReplica, inputs.Describe("autoscaling.targetRpsPerReplica"))
	an.Describe(&a.TargetType, inputs.Describe("autoscaling.targetType"))
	an.Describe(&a.MetricName, inputs.Describe("autoscaling.metricName"))
	an.Describe(&a.MetricSelector, inputs.Describe("autoscaling.metricSelector"))
	an.Describe(&a.Sizing, inputs.Describe("autoscaling.sizing"))
	an.Describe(&a.ServerReadySeconds, inputs.Describe("autoscaling.serverReadySeconds"))
	an.Describe(&a.ScaleUpHeadroomPods, inputs.Describe("autoscaling.scaleUpHeadroomPods"))
	an.Describe(&a.AllowPercentScaleUp, inputs.Describe("autoscaling.allowPercentScaleUp"))
	an.Describe(&a.ScaleUp, inputs.Describe("autoscaling.scaleUp"))
	an.Describe(&a.ScaleDown, inputs.Describe("autoscaling.scaleDown"))
	an.Describe(&a.ModelScaleUpLagSeconds, inputs.Describe("autoscaling.modelScaleUpLagSeconds"))
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
	an.Describe(&s.PeakRps, inputs.Describe("autoscaling.sizing.peakRps"))
	an.Describe(&s.SaturationRps, inputs.Describe("autoscaling.sizing.saturationRps"))
	an.Describe(&s.SafetyMargin, inputs.Describe("autoscaling.sizing.safetyMargin"))
	an.Describe(&s.MinLoadRps, inputs.Describe("autoscaling.sizing.minLoadRps"))
	an.Describe(&s.RampRpsPerSecond, inputs.Describe("autoscaling.sizing.rampRpsPerSecond"))
	an.Describe(&s.SpikeSeconds, inputs.Describe("autoscaling.sizing.spikeSeconds"))
}

// ScalingRules mirrors autoscaling/v2 HPAScalingRules.
type ScalingRules struct {
	StabilizationWindowSeconds *int            `pulumi:"stabilizationWindowSeconds,optional" json:"stabilizationWindowSeconds"`
	SelectPolicy               *string         `pulumi:"selectPolicy,optional" json:"selectPolicy"`
	Policies                   []ScalingPolicy `pulumi:"policies,optional" json:"policies"`
}

func (s *ScalingRules) Annotate(an infer.Annotator) {
	an.SetToken("index", "ScalingRules")
	an.Describe(&s.StabilizationWindowSeconds, inputs.Describe("autoscaling.scaleUp.stabilizationWindowSeconds"))
	an.Describe(&s.SelectPolicy, inputs.Describe("autoscaling.scaleUp.selectPolicy"))
	an.Describe(&s.Policies, inputs.Describe("autoscaling.scaleUp.policies"))
}

// ScalingPolicy mirrors autoscaling/v2 HPAScalingPolicy.
type ScalingPolicy struct {
	Type          string `pulumi:"type" json:"type"`
	Value         int    `pulumi:"value" json:"value"`
	PeriodSeconds int    `pulumi:"periodSeconds" json:"periodSeconds"`
}

func (s *ScalingPolicy) Annotate(an infer.Annotator) {
	an.SetToken("index", "ScalingPolicy")
	an.Describe(&s.Type, inputs.Describe("autoscaling.scaleUp.policies[].type"))
	an.Describe(&s.Value, inputs.Describe("autoscaling.scaleUp.policies[].value"))
	an.Describe(&s.PeriodSeconds, inputs.Describe("autoscaling.scaleUp.policies[].periodSeconds"))
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
	an.Describe(&a.Mode, inputs.Describe("adapter.mode"))
	an.Describe(&a.ReleaseName, inputs.Describe("adapter.releaseName"))
	an.Describe(&a.Namespace, inputs.Describe("adapter.namespace"))
	an.Describe(&a.CreateNamespace, inputs.Describe("adapter.createNamespace"))
	an.Describe(&a.Chart, inputs.Describe("adapter.chart"))
	an.Describe(&a.Values, inputs.Describe("adapter.values"))
	an.Describe(&a.SkipAwait, inputs.Describe("adapter.skipAwait"))
	an.Describe(&a.HelmTimeoutSeconds, inputs.Describe("adapter.helmTimeoutSeconds"))
	an.Describe(&a.Prometheus, inputs.Describe("adapter.prometheus"))
	an.Describe(&a.MetricsRelistInterval, inputs.Describe("adapter.metricsRelistInterval"))
	an.Describe(&a.PrometheusScrapeInterval, inputs.Describe("adapter.prometheusScrapeInterval"))
	an.Describe(&a.RateWindow, inputs.Describe("adapter.rateWindow"))
	an.Describe(&a.Rule, inputs.Describe("adapter.rule"))
	an.Describe(&a.ConfigMapName, inputs.Describe("adapter.configMapName"))
	an.Describe(&a.DeploymentName, inputs.Describe("adapter.deploymentName"))
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
	an.Describe(&c.Repo, inputs.Describe("adapter.chart.repo"))
	an.Describe(&c.Name, inputs.Describe("adapter.chart.name"))
	an.Describe(&c.Version, inputs.Describe("adapter.chart.version"))
	an.Describe(&c.Path, inputs.Describe("adapter.chart.path"))
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
	an.Describe(&p.URL, inputs.Describe("adapter.prometheus.url"))
	an.Describe(&p.Port, inputs.Describe("adapter.prometheus.port"))
	an.Describe(&p.Path, inputs.Describe("adapter.prometheus.path"))
	an.Describe(&p.BearerToken, inputs.Describe("adapter.prometheus.bearerToken"))
	an.Describe(&p.BasicAuth, inputs.Describe("adapter.prometheus.basicAuth"))
	an.Describe(&p.TLS, inputs.Describe("adapter.prometheus.tls"))
}

// BasicAuthSpec holds HTTP basic-auth credentials. Inputs, so either may be a Pulumi secret.
type BasicAuthSpec struct {
	Username pulumi.StringInput `pulumi:"username" json:"-"`
	Password pulumi.StringInput `pulumi:"password" json:"-" provider:"secret"`
}

func (b *BasicAuthSpec) Annotate(an infer.Annotator) {
	an.SetToken("index", "BasicAuthSpec")
	an.Describe(&b.Username, inputs.Describe("adapter.prometheus.basicAuth.username"))
	an.Describe(&b.Password, inputs.Describe("adapter.prometheus.basicAuth.password"))
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
	an.Describe(&t.CACertificate, inputs.Describe("adapter.prometheus.tls.caCertificate"))
	an.Describe(&t.ClientCertificate, inputs.Describe("adapter.prometheus.tls.clientCertificate"))
	an.Describe(&t.ClientKey, inputs.Describe("adapter.prometheus.tls.clientKey"))
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
	an.Describe(&r.SeriesQuery, inputs.Describe("adapter.rule.seriesQuery"))
	an.Describe(&r.SeriesFilters, inputs.Describe("adapter.rule.seriesFilters"))
	an.Describe(&r.NameMatches, inputs.Describe("adapter.rule.nameMatches"))
	an.Describe(&r.NameAs, inputs.Describe("adapter.rule.nameAs"))
	an.Describe(&r.MetricsQuery, inputs.Describe("adapter.rule.metricsQuery"))
}

// SeriesFilter keeps or drops discovered series by name.
type SeriesFilter struct {
	Is    *string `pulumi:"is,optional" json:"is"`
	IsNot *string `pulumi:"isNot,optional" json:"isNot"`
}

func (s *SeriesFilter) Annotate(an infer.Annotator) {
	an.SetToken("index", "SeriesFilter")
	an.Describe(&s.Is, inputs.Describe("adapter.rule.seriesFilters[].is"))
	an.Describe(&s.IsNot, inputs.Describe("adapter.rule.seriesFilters[].isNot"))
}
