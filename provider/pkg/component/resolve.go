package component

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/adapterrules"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/promauth"
)

// Defaults for everything that is not policy (policy defaults live in package policy).
const (
	DefaultModelNamespace    = "seldon-mesh"
	DefaultExistingServer    = "mlserver"
	DefaultReleaseName       = "hpa-metrics"
	DefaultAdapterNamespace  = "seldon-monitoring"
	DefaultChartRepo         = "https://prometheus-community.github.io/helm-charts"
	DefaultChartName         = "prometheus-adapter"
	DefaultChartVersion      = "5.3.0"
	DefaultPrometheusURL     = "http://seldon-monitoring-prometheus"
	DefaultPrometheusPort    = 9090
	ModeInstall              = "install"
	ModeAdopt                = "adopt"
	ModeNone                 = "none"
	SeldonAPIVersion         = "mlops.seldon.io/v1alpha1"
	ConfigHashAnnotation     = "seldon-autoscaling.pulumi.com/config-hash"
	maxHelmReleaseNameLength = 53
)

// Desired is everything the component will declare, decided and checked before any resource is
// registered. Resolve builds it from Args without touching Pulumi or a cluster.
type Desired struct {
	Model         Object
	Server        *Object // nil when the Model runs on an existing Server
	ServerName    string
	ModelHPAName  string
	ServerHPAName string
	Policy        policy.Policy
	Derivations   []policy.Derivation
	MetricName    string
	Selector      map[string]string
	Adapter       Adapter
	PromQL        string
	MetricPath    string
}

// Object is a Seldon custom resource to declare.
type Object struct {
	Kind        string
	Name        string
	Namespace   string
	Labels      map[string]string
	Annotations map[string]string
	Spec        map[string]any
}

// Adapter is the resolved prometheus-adapter setup.
type Adapter struct {
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

var (
	modelManagedSpec   = []string{"replicas", "minReplicas", "maxReplicas", "server", "storageUri", "requirements", "memory"}
	adapterManagedKeys = []string{"rules", "prometheus", "metricsRelistInterval"}
	promLabelName      = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// Resolve validates args and decides every value, or returns policy.Errors naming each bad field.
func Resolve(args Args) (*Desired, error) {
	var errs policy.Errors
	d := &Desired{}

	// The model and where it runs.
	m := args.Model
	ns := deref(m.Namespace, DefaultModelNamespace)
	checkLabel(&errs, "model.name", m.Name)
	checkLabel(&errs, "model.namespace", ns)
	if strings.TrimSpace(m.StorageURI) == "" {
		errs.Add("model.storageUri", "is empty", "set the URI Seldon loads the artifact from, e.g. gs://seldon-models/testing/iris1")
	}
	if m.Memory != nil {
		if _, err := resource.ParseQuantity(*m.Memory); err != nil {
			errs.Addf("model.memory", "use a Kubernetes quantity such as 3M or 1Gi", "%q is not a quantity", *m.Memory)
		}
	}
	checkMeta(&errs, "model", m.Labels, m.Annotations)
	for _, k := range sortedKeys(m.ExtraSpec) {
		if contains(modelManagedSpec, k) {
			fix := fmt.Sprintf("remove model.extraSpec.%s and use its own input", k)
			if k == "minReplicas" || k == "maxReplicas" {
				fix = "remove it: the HPA owns the replica range (autoscaling.minReplicas/maxReplicas); on the Model it turns on Seldon's own autoscaler, which fights the HPA"
			}
			errs.Add("model.extraSpec."+k, "is managed by this component", fix)
		}
	}

	srv := ServerSpec{}
	if args.Server != nil {
		srv = *args.Server
	}
	dedicated := srv.Dedicated != nil && *srv.Dedicated
	d.ServerName = DefaultExistingServer
	if dedicated {
		d.ServerName = m.Name + "-server"
	}
	if srv.Name != nil {
		d.ServerName = *srv.Name
	}
	checkLabel(&errs, "server.name", d.ServerName)
	switch {
	case dedicated && (srv.ServerConfig == nil || *srv.ServerConfig == ""):
		errs.Add("server.serverConfig", "is required for a dedicated Server", "set it to the ServerConfig to build the Server from, e.g. mlserver")
	case !dedicated && srv.ServerConfig != nil:
		errs.Add("server.serverConfig", "only applies to a dedicated Server", "set server.dedicated: true, or remove server.serverConfig to use the existing Server "+d.ServerName)
	case !dedicated && (len(srv.Labels) > 0 || len(srv.Annotations) > 0):
		errs.Add("server.labels", "labels and annotations only apply to a dedicated Server", "set server.dedicated: true, or remove them")
	}
	checkMeta(&errs, "server", srv.Labels, srv.Annotations)

	// The policy both HPAs share.
	a := args.Autoscaling
	d.MetricName = deref(a.MetricName, adapterrules.DefaultMetricName)
	d.Selector = a.MetricSelector
	for _, k := range sortedKeys(a.MetricSelector) {
		if !promLabelName.MatchString(k) {
			errs.Addf("autoscaling.metricSelector."+k, "use a Prometheus label name such as method_type", "%q is not a valid Prometheus label name", k)
		}
		if msgs := validation.IsValidLabelValue(a.MetricSelector[k]); len(msgs) > 0 {
			errs.Addf("autoscaling.metricSelector."+k, "use a value Kubernetes label selectors accept", "%q: %s", a.MetricSelector[k], strings.Join(msgs, "; "))
		}
	}
	in := policy.Input{
		MinReplicas: a.MinReplicas, MaxReplicas: a.MaxReplicas, TargetRPS: a.TargetRpsPerReplica,
		TargetType: deref(a.TargetType, ""), ServerReadySeconds: a.ServerReadySeconds,
		ScaleUpHeadroomPods: a.ScaleUpHeadroomPods, AllowPercentScaleUp: a.AllowPercentScaleUp != nil && *a.AllowPercentScaleUp,
		ScaleUp: toRules(a.ScaleUp), ScaleDown: toRules(a.ScaleDown), ModelScaleUpLagSeconds: a.ModelScaleUpLagSeconds,
	}
	if s := a.Sizing; s != nil {
		in.Sizing = &policy.Sizing{PeakRPS: s.PeakRps, SaturationRPS: s.SaturationRps, SafetyMargin: s.SafetyMargin,
			MinLoadRPS: s.MinLoadRps, RampRPSPerSecond: s.RampRpsPerSecond, SpikeSeconds: s.SpikeSeconds}
	}

	// The adapter, whose timing the policy guards.
	ad := AdapterSpec{}
	if args.Adapter != nil {
		ad = *args.Adapter
	}
	in.Timing = parseTiming(&errs, ad)

	pol, derived, err := policy.Plan(in)
	var planErrs policy.Errors
	if errors.As(err, &planErrs) {
		errs = append(errs, planErrs...)
	} else if err != nil {
		return nil, err
	}
	d.Policy, d.Derivations = pol, derived

	d.Adapter = resolveAdapter(&errs, ad, pol.Timing, d.MetricName)

	if err := errs.Err(); err != nil {
		return nil, err
	}

	// Everything checked: lay out the objects.
	spec := map[string]any{}
	for k, v := range m.ExtraSpec {
		spec[k] = v
	}
	spec["storageUri"] = m.StorageURI
	spec["replicas"] = pol.MinReplicas
	spec["server"] = d.ServerName
	if len(m.Requirements) > 0 {
		spec["requirements"] = m.Requirements
	}
	if m.Memory != nil {
		spec["memory"] = *m.Memory
	}
	d.Model = Object{Kind: "Model", Name: m.Name, Namespace: ns, Labels: m.Labels, Annotations: m.Annotations, Spec: spec}
	if dedicated {
		d.Server = &Object{Kind: "Server", Name: d.ServerName, Namespace: ns, Labels: srv.Labels, Annotations: srv.Annotations,
			Spec: map[string]any{"serverConfig": *srv.ServerConfig, "replicas": pol.MinReplicas}}
	}
	d.ModelHPAName = m.Name + "-model-hpa"
	d.ServerHPAName = m.Name + "-server-hpa"
	d.PromQL = d.Adapter.Rule.ModelQuery(adapterrules.SeldonSeries, m.Name, ns, d.Selector)
	d.MetricPath = adapterrules.ModelMetricPath(ns, m.Name, d.MetricName, d.Selector)
	return d, nil
}

func resolveAdapter(errs *policy.Errors, ad AdapterSpec, timing policy.Timing, metric string) Adapter {
	out := Adapter{
		Mode:        deref(ad.Mode, ModeInstall),
		ReleaseName: deref(ad.ReleaseName, DefaultReleaseName),
		Namespace:   deref(ad.Namespace, DefaultAdapterNamespace),
		SkipAwait:   ad.SkipAwait != nil && *ad.SkipAwait,
	}
	checkLabel(errs, "adapter.namespace", out.Namespace)
	if msgs := validation.IsDNS1123Subdomain(out.ReleaseName); len(msgs) > 0 || len(out.ReleaseName) > maxHelmReleaseNameLength {
		errs.Addf("adapter.releaseName", "use lower case letters, digits and '-', at most 53 characters", "%q is not a valid Helm release name", out.ReleaseName)
	}

	// The rule, whatever the mode: it drives the outputs and the metric-name check.
	rs := adapterrules.RuleSpec{RateWindow: timing.RateWindow}
	if r := ad.Rule; r != nil {
		rs.SeriesQuery, rs.NameMatches, rs.NameAs = deref(r.SeriesQuery, ""), deref(r.NameMatches, ""), deref(r.NameAs, "")
		rs.MetricsQuery = deref(r.MetricsQuery, "")
		for i, f := range r.SeriesFilters {
			field := fmt.Sprintf("adapter.rule.seriesFilters[%d]", i)
			is, isNot := deref(f.Is, ""), deref(f.IsNot, "")
			if (is == "") == (isNot == "") {
				errs.Add(field, "needs exactly one of is or isNot", "keep one of the two")
				continue
			}
			re, err := regexp.Compile(is + isNot)
			if err != nil {
				errs.Addf(field, "fix the regular expression", "%q is not a valid regular expression: %v", is+isNot, err)
				continue
			}
			if (is != "" && !re.MatchString(adapterrules.SeldonSeries)) || (isNot != "" && re.MatchString(adapterrules.SeldonSeries)) {
				errs.Addf(field, "change the filter so seldon_model_infer_total passes it", "%q filters out seldon_model_infer_total, the series the HPAs scale on", is+isNot)
			}
			rs.SeriesFilters = append(rs.SeriesFilters, adapterrules.SeriesFilter{Is: is, IsNot: isNot})
		}
		if q := rs.MetricsQuery; q != "" {
			for _, ph := range []string{"<<.Series>>", "<<.LabelMatchers>>", "<<.GroupBy>>"} {
				if !strings.Contains(q, ph) {
					errs.Addf("adapter.rule.metricsQuery", "keep the "+ph+" placeholder", "the query lacks %s, so the adapter cannot select one Model's series", ph)
				}
			}
		}
	}
	out.Rule = adapterrules.SeldonRule(rs)
	if name, ok, err := out.Rule.ExposedMetric(adapterrules.SeldonSeries); err != nil {
		errs.Add("adapter.rule.nameMatches", err.Error(), "fix the regular expression")
	} else if !ok {
		errs.Addf("adapter.rule.nameMatches", "make it match seldon_model_infer_total", "%q does not match seldon_model_infer_total, so no metric would be exposed", out.Rule.Name.Matches)
	} else if metric != "" && name != metric {
		errs.Addf("autoscaling.metricName", fmt.Sprintf("set autoscaling.metricName to %q, or change adapter.rule.nameAs", name),
			"the HPAs would read %q but the adapter rule exposes seldon_model_infer_total as %q", metric, name)
	}
	cfg := adapterrules.Config{Rules: []adapterrules.Rule{out.Rule}}
	var err error
	if out.ConfigYAML, err = cfg.YAML(); err != nil {
		errs.Add("adapter.rule", err.Error(), "")
	}
	out.ConfigHash, _ = cfg.Hash()

	refuse := func(set bool, field, why string) {
		if set {
			errs.Add(field, "does not apply in adapter mode "+out.Mode, why)
		}
	}
	fullName := chartFullName(out.ReleaseName, ad.Values)
	switch out.Mode {
	case ModeInstall:
		out.ConfigMapName, out.DeploymentName = truncateLabel(out.ReleaseName+"-seldon-rules"), fullName
		refuse(ad.ConfigMapName != nil, "adapter.configMapName", "remove it: in install mode this component names the rules ConfigMap "+out.ConfigMapName)
		refuse(ad.DeploymentName != nil, "adapter.deploymentName", "remove it: in install mode Helm names the Deployment "+fullName)
		out.CreateNamespace = ad.CreateNamespace != nil && *ad.CreateNamespace
		resolveChart(errs, &out, ad.Chart)
		out.Values = installValues(errs, ad, out.ConfigMapName, out.ConfigHash, timing)
		out.Auth, out.PrometheusServer = resolveAuth(errs, ad)
	case ModeAdopt:
		refuse(ad.Chart != nil, "adapter.chart", "remove it: adopt mode configures an adapter installed by someone else")
		refuse(len(ad.Values) > 0, "adapter.values", "remove it: adopt mode does not run Helm")
		refuse(ad.Prometheus != nil, "adapter.prometheus", "remove it: the adopted Deployment keeps its own --prometheus-url")
		refuse(ad.CreateNamespace != nil, "adapter.createNamespace", "remove it: the adopted adapter's namespace exists")
		out.ConfigMapName = deref(ad.ConfigMapName, fullName)
		out.DeploymentName = deref(ad.DeploymentName, fullName)
		checkLabel(errs, "adapter.configMapName", out.ConfigMapName)
		checkLabel(errs, "adapter.deploymentName", out.DeploymentName)
	case ModeNone:
		why := "remove it: in none mode another resource provides the adapter"
		refuse(ad.Chart != nil, "adapter.chart", why)
		refuse(len(ad.Values) > 0, "adapter.values", why)
		refuse(ad.Prometheus != nil, "adapter.prometheus", why)
		refuse(ad.CreateNamespace != nil, "adapter.createNamespace", why)
		refuse(ad.ConfigMapName != nil, "adapter.configMapName", why)
		refuse(ad.DeploymentName != nil, "adapter.deploymentName", why)
		refuse(ad.SkipAwait != nil, "adapter.skipAwait", why)
		out.ConfigMapName, out.DeploymentName = fullName, fullName
	default:
		errs.Addf("adapter.mode", "use install, adopt or none", "%q is not an adapter mode", out.Mode)
	}
	return out
}

func resolveChart(errs *policy.Errors, out *Adapter, c *ChartSpec) {
	out.ChartRepo, out.Chart, out.ChartVersion = DefaultChartRepo, DefaultChartName, DefaultChartVersion
	if c == nil {
		return
	}
	// An empty path counts as unset, so config-driven programs (YAML) can leave it blank.
	if c.Path != nil && strings.TrimSpace(*c.Path) != "" {
		if c.Repo != nil || c.Name != nil || c.Version != nil {
			errs.Add("adapter.chart.path", "a local chart path excludes repo, name and version", "keep either path, or repo/name/version")
		}
		out.ChartRepo, out.Chart, out.ChartVersion = "", *c.Path, ""
		return
	}
	out.ChartRepo = deref(c.Repo, DefaultChartRepo)
	out.Chart = deref(c.Name, DefaultChartName)
	out.ChartVersion = deref(c.Version, DefaultChartVersion)
}

// installValues merges the user's extra values with the keys the component owns: the Seldon rule
// as the only custom rule, Prometheus' location and the relist interval.
// installValues are the chart's values. The rules ConfigMap is the component's own (rules.existing),
// not the chart's: Helm compares a release with its own record, never with the live objects, so
// an out-of-band edit of a Helm-owned ConfigMap could never be repaired; a ConfigMap of the stack's
// is, by `pulumi up --refresh`. The chart's checksum/config no longer sees the rules, so the config
// hash goes into podAnnotations: the adapter restarts exactly when the rules change.
func installValues(errs *policy.Errors, ad AdapterSpec, configMap, configHash string, timing policy.Timing) map[string]any {
	values := map[string]any{}
	for k, v := range ad.Values {
		if contains(adapterManagedKeys, k) {
			errs.Addf("adapter.values."+k, "use its own input (adapter.rule, adapter.prometheus, adapter.metricsRelistInterval)", "%s is managed by this component", k)
			continue
		}
		values[k] = v
	}
	values["rules"] = map[string]any{"existing": configMap}
	podAnnotations := map[string]any{}
	if user, ok := ad.Values["podAnnotations"].(map[string]any); ok {
		for k, v := range user {
			podAnnotations[k] = v
		}
	}
	podAnnotations[ConfigHashAnnotation] = configHash
	values["podAnnotations"] = podAnnotations
	prom := PrometheusSpec{}
	if ad.Prometheus != nil {
		prom = *ad.Prometheus
	}
	url := deref(prom.URL, DefaultPrometheusURL)
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		errs.Addf("adapter.prometheus.url", "start it with http:// or https://, without the port", "%q is not an http(s) URL", url)
	}
	port := DefaultPrometheusPort
	if prom.Port != nil {
		port = *prom.Port
		if port < 1 || port > 65535 {
			errs.Addf("adapter.prometheus.port", "use a port from 1 to 65535", "%d is not a port", port)
		}
	}
	values["prometheus"] = map[string]any{"url": url, "port": port, "path": deref(prom.Path, "")}
	values["metricsRelistInterval"] = adapterrules.PromDuration(timing.RelistInterval)
	return values
}

// resolveAuth says which credentials are set and checks what can be checked before their values
// are known (they may be secrets or outputs of other resources): pairs that must come together,
// and TLS material only for an https:// Prometheus. Their contents are checked in Construct.
func resolveAuth(errs *policy.Errors, ad AdapterSpec) (AdapterAuth, string) {
	prom := PrometheusSpec{}
	if ad.Prometheus != nil {
		prom = *ad.Prometheus
	}
	url := deref(prom.URL, DefaultPrometheusURL)
	server := fmt.Sprintf("%s:%d%s", url, deref(prom.Port, DefaultPrometheusPort), deref(prom.Path, ""))
	auth := AdapterAuth{Token: prom.BearerToken != nil}
	if b := prom.BasicAuth; b != nil {
		auth.Kubeconfig = true
		if b.Username == nil {
			errs.Add(promauth.FieldUsername, "is missing", "set the user name Prometheus expects, or remove basicAuth")
		}
		if b.Password == nil {
			errs.Add(promauth.FieldPassword, "is missing", "set the password as a Pulumi secret, or remove basicAuth")
		}
	}
	if auth.Token && prom.BasicAuth != nil {
		// The adapter would send one Authorization header: the token's, silently dropping basic auth.
		errs.Add("adapter.prometheus.basicAuth", "is set together with bearerToken, but the adapter sends only one Authorization header",
			"keep the one your Prometheus (or its proxy) checks")
	}
	if t := prom.TLS; t != nil {
		auth.Kubeconfig = true
		if t.CACertificate == nil && t.ClientCertificate == nil && t.ClientKey == nil {
			errs.Add("adapter.prometheus.tls", "is empty", "set caCertificate and/or clientCertificate with clientKey, or remove tls")
		}
		if (t.ClientCertificate == nil) != (t.ClientKey == nil) {
			field := promauth.FieldClientKey
			if t.ClientCertificate == nil {
				field = promauth.FieldClientCertificate
			}
			errs.Add(field, "is missing", "a client certificate needs its key and a key its certificate: set both, or neither")
		}
		if !strings.HasPrefix(url, "https://") {
			errs.Addf("adapter.prometheus.tls", "use an https:// adapter.prometheus.url, or remove tls", "is set but the Prometheus URL %q is not https", url)
		}
	}
	if auth.Kubeconfig {
		// The adapter uses --prometheus-auth-config only without --prometheus-ca-file; a
		// user-given flag of either kind would silently win over ours or lose to it.
		extra, _ := ad.Values["extraArguments"].([]any)
		for _, a := range extra {
			if s, ok := a.(string); ok && (strings.HasPrefix(s, "--prometheus-ca-file") || strings.HasPrefix(s, "--prometheus-auth-config") ||
				strings.HasPrefix(s, "--prometheus-client-tls-")) {
				errs.Addf("adapter.values.extraArguments", "remove it and use adapter.prometheus.basicAuth / tls", "%q conflicts with the credentials this component mounts", s)
			}
		}
	}
	return auth, server
}

// ValuesWithAuth returns the Helm values with the auth Secret mounted and the adapter flags that
// read it, after any extra volumes and arguments the user gave. The Secret's name is known only
// in Construct: it is auto-named, so new credentials get a new Secret and a changed pod template,
// which restarts the adapter (it reads credentials only at start).
func (a Adapter) ValuesWithAuth(secretName string) map[string]any {
	values := make(map[string]any, len(a.Values)+3)
	for k, v := range a.Values {
		values[k] = v
	}
	if !a.Auth.Any() {
		return values
	}
	appendTo := func(key string, v any) {
		list, _ := values[key].([]any)
		values[key] = append(append([]any{}, list...), v)
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

// chartFullName mirrors the chart's fullname helper, which names the ConfigMap and Deployment.
func chartFullName(release string, values map[string]any) string {
	if o, ok := values["fullnameOverride"].(string); ok && o != "" {
		return truncateLabel(o)
	}
	if strings.Contains(release, DefaultChartName) {
		return truncateLabel(release)
	}
	return strings.TrimSuffix(truncateLabel(release+"-"+DefaultChartName), "-")
}

// parseTiming reads the adapter's pipeline intervals; unset ones stay zero (policy's defaults).
func parseTiming(errs *policy.Errors, ad AdapterSpec) policy.Timing {
	return policy.Timing{
		ScrapeInterval: parseDuration(errs, policy.FieldScrapeInterval, ad.PrometheusScrapeInterval),
		RelistInterval: parseDuration(errs, policy.FieldRelistInterval, ad.MetricsRelistInterval),
		RateWindow:     parseDuration(errs, policy.FieldRateWindow, ad.RateWindow),
	}
}

func parseDuration(errs *policy.Errors, field string, v *string) time.Duration {
	if v == nil {
		return 0
	}
	d, err := time.ParseDuration(*v)
	if err != nil || d <= 0 {
		errs.Addf(field, "use a duration such as \"30s\" or \"1m\"", "%q is not a positive duration", *v)
		return 0
	}
	return d
}

func toRules(r *ScalingRules) *policy.Rules {
	if r == nil {
		return nil
	}
	out := &policy.Rules{StabilizationWindowSeconds: r.StabilizationWindowSeconds, SelectPolicy: deref(r.SelectPolicy, "")}
	for _, p := range r.Policies {
		out.Policies = append(out.Policies, policy.ScalingPolicy{Type: p.Type, Value: p.Value, PeriodSeconds: p.PeriodSeconds})
	}
	return out
}

func checkLabel(errs *policy.Errors, field, v string) {
	if msgs := validation.IsDNS1123Label(v); len(msgs) > 0 {
		errs.Addf(field, "use lower case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
			"%q is not a valid DNS-1123 label: %s", v, strings.Join(msgs, "; "))
	}
}

func checkMeta(errs *policy.Errors, prefix string, labels, annotations map[string]string) {
	for _, k := range sortedKeys(labels) {
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			errs.Addf(prefix+".labels", "use a valid label key", "key %q: %s", k, strings.Join(msgs, "; "))
		}
		if msgs := validation.IsValidLabelValue(labels[k]); len(msgs) > 0 {
			errs.Addf(prefix+".labels."+k, "use a valid label value", "%q: %s", labels[k], strings.Join(msgs, "; "))
		}
	}
	for _, k := range sortedKeys(annotations) {
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			errs.Addf(prefix+".annotations", "use a valid annotation key", "key %q: %s", k, strings.Join(msgs, "; "))
		}
	}
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// truncateLabel cuts s to the 63 characters of a DNS-1123 label, as the chart's helpers do.
func truncateLabel(s string) string {
	if len(s) > 63 {
		return s[:63]
	}
	return s
}
