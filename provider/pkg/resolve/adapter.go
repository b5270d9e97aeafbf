package resolve

import (
	"fmt"
	"maps"
	neturl "net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/adapterrules"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/promauth"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

// adapterManagedKeys are the chart values the component sets through their own inputs.
var adapterManagedKeys = []string{"rules", "prometheus", "metricsRelistInterval"}

// InputBlock says whose inputs an adapter block is: the resource type, and where the block sits
// in its inputs ("adapter." on SeldonAutoscaledModel, "" on SeldonMetricsAdapter).
type InputBlock struct{ Resource, Prefix string }

// The two places an adapter block sits.
var (
	ModelAdapterInputs   = InputBlock{ModelType, inputs.AdapterPrefix}
	MetricsAdapterInputs = InputBlock{MetricsAdapterType, ""}
)

// Refuse turns refusals found past Resolve (the credentials' contents, known only in Construct)
// into the resource's refusal, with the fields named as its users write them.
func (b InputBlock) Refuse(err error) error {
	var errs refusal.Errors
	if err := errs.Include(b.Prefix, err); err != nil {
		return err
	}
	return errs.For(b.Resource)
}

// adapterResolver checks one adapter block and decides the adapter, one method per mode,
// mirroring declare*Adapter; every refusal names fields through the block's prefix.
type adapterResolver struct {
	errs   *refusal.Errors
	block  InputBlock
	spec   AdapterSpec
	timing policy.Timing
}

// field names an adapter input as the resource's users write it.
func (r adapterResolver) field(name string) string { return r.block.Prefix + name }

// refuse records an input set in a mode it does not apply to.
func (r adapterResolver) refuse(set bool, name, mode, fix string) {
	if set {
		r.errs.Add(r.field(name), fix, "does not apply in adapter mode "+mode)
	}
}

// resolveAdapter checks the adapter block and decides the adapter for the mode it asks for.
func resolveAdapter(errs *refusal.Errors, block InputBlock, ad AdapterSpec, timing policy.Timing) DesiredAdapter {
	r := adapterResolver{errs: errs, block: block, spec: ad, timing: timing}
	out := DesiredAdapter{
		Inputs:      block,
		Mode:        deref(ad.Mode, ModeInstall),
		ReleaseName: deref(ad.ReleaseName, inputs.DefaultReleaseName),
		Namespace:   deref(ad.Namespace, inputs.DefaultAdapterNamespace),
		SkipAwait:   deref(ad.SkipAwait, false),
	}
	checkLabel(errs, r.field("namespace"), out.Namespace)
	if msgs := validation.IsDNS1123Subdomain(out.ReleaseName); len(msgs) > 0 ||
		len(out.ReleaseName) > maxHelmReleaseNameLength {
		errs.Addf(r.field("releaseName"), "use lower case letters, digits and '-', at most 53 characters",
			"%q is not a valid Helm release name", out.ReleaseName)
	}
	// The rule, whatever the mode: it drives the PromQL output and the metric-name check. Its
	// config.yaml only where it is written (install, adopt): mode none renders nothing per model.
	out.Rule = r.rule()
	if out.Mode != ModeNone {
		cfg := adapterrules.Config{Rules: []adapterrules.Rule{out.Rule}}
		var err error
		if out.ConfigYAML, out.ConfigHash, err = cfg.Render(); err != nil {
			errs.Add(r.field("rule"), "", err.Error())
		}
	}
	switch out.Mode {
	case ModeInstall:
		r.installed(&out)
	case ModeAdopt:
		r.adopted(&out)
	case ModeNone:
		r.none(&out)
	default:
		errs.Addf(r.field("mode"), "use install, adopt or none", "%q is not an adapter mode", out.Mode)
	}
	return out
}

// installed: Helm installs the chart; the component names the rules ConfigMap, Helm the Deployment.
func (r adapterResolver) installed(out *DesiredAdapter) {
	ad := r.spec
	fullName := chartFullName(out.ReleaseName, ad.Values)
	out.ConfigMapName, out.DeploymentName = truncateLabel(out.ReleaseName+"-seldon-rules"), fullName
	r.refuse(ad.ConfigMapName != nil, "configMapName", ModeInstall,
		"remove it: in install mode this component names the rules ConfigMap "+out.ConfigMapName)
	r.refuse(ad.DeploymentName != nil, "deploymentName", ModeInstall,
		"remove it: in install mode Helm names the Deployment "+fullName)
	out.CreateNamespace = deref(ad.CreateNamespace, false)
	r.chart(out)
	r.helmWait(out)
	out.Values = r.installValues(out.ConfigMapName, out.ConfigHash)
	out.Auth, out.PrometheusServer = r.auth()
}

// adopted: someone else installed the adapter; the component patches its rules and restarts it.
func (r adapterResolver) adopted(out *DesiredAdapter) {
	ad := r.spec
	r.refuse(ad.Chart != nil, "chart", ModeAdopt, "remove it: adopt mode configures an adapter installed by someone else")
	r.refuse(len(ad.Values) > 0, "values", ModeAdopt, "remove it: adopt mode does not run Helm")
	r.refuse(ad.Prometheus != nil, "prometheus", ModeAdopt,
		"remove it: the adopted Deployment keeps its own --prometheus-url")
	r.refuse(ad.CreateNamespace != nil, "createNamespace", ModeAdopt,
		"remove it: the adopted adapter's namespace exists")
	r.refuse(ad.HelmTimeoutSeconds != nil, "helmTimeoutSeconds", ModeAdopt, "remove it: adopt mode does not run Helm")
	fullName := chartFullName(out.ReleaseName, ad.Values)
	out.ConfigMapName = deref(ad.ConfigMapName, fullName)
	out.DeploymentName = deref(ad.DeploymentName, fullName)
	checkLabel(r.errs, r.field("configMapName"), out.ConfigMapName)
	checkLabel(r.errs, r.field("deploymentName"), out.DeploymentName)
}

// none: another resource provides the adapter; only the names that outputs report are decided.
func (r adapterResolver) none(out *DesiredAdapter) {
	ad := r.spec
	fix := "remove it: in none mode another resource provides the adapter"
	for _, in := range []struct {
		set  bool
		name string
	}{
		{ad.Chart != nil, "chart"}, {len(ad.Values) > 0, "values"}, {ad.Prometheus != nil, "prometheus"},
		{ad.CreateNamespace != nil, "createNamespace"}, {ad.ConfigMapName != nil, "configMapName"},
		{ad.DeploymentName != nil, "deploymentName"}, {ad.SkipAwait != nil, "skipAwait"},
		{ad.HelmTimeoutSeconds != nil, "helmTimeoutSeconds"},
	} {
		r.refuse(in.set, in.name, ModeNone, fix)
	}
	fullName := chartFullName(out.ReleaseName, ad.Values)
	out.ConfigMapName, out.DeploymentName = fullName, fullName
}

// rule checks the user's changes to the Seldon rule and builds it.
func (r adapterResolver) rule() adapterrules.Rule {
	rs := adapterrules.RuleSpec{RateWindow: r.timing.RateWindow}
	if u := r.spec.Rule; u != nil {
		rs.SeriesQuery, rs.NameMatches, rs.NameAs = deref(u.SeriesQuery, ""), deref(u.NameMatches, ""), deref(u.NameAs, "")
		rs.MetricsQuery = deref(u.MetricsQuery, "")
		for i, f := range u.SeriesFilters {
			if filter, ok := r.seriesFilter(i, f); ok {
				rs.SeriesFilters = append(rs.SeriesFilters, filter)
			}
		}
		for _, ph := range []string{"<<.Series>>", "<<.LabelMatchers>>", "<<.GroupBy>>"} {
			if q := rs.MetricsQuery; q != "" && !strings.Contains(q, ph) {
				r.errs.Addf(r.field("rule.metricsQuery"), "keep the "+ph+" placeholder",
					"the query lacks %s, so the adapter cannot select one Model's series", ph)
			}
		}
	}
	rule := adapterrules.SeldonRule(rs)
	field := r.field("rule.nameMatches")
	if _, ok, err := rule.ExposedMetric(adapterrules.SeldonSeries); err != nil {
		r.errs.Add(field, "fix the regular expression", err.Error())
	} else if !ok {
		r.errs.Addf(field, "make it match seldon_model_infer_total",
			"%q does not match seldon_model_infer_total, so no metric would be exposed", rule.Name.Matches)
	}
	return rule
}

// seriesFilter checks one filter: exactly one of is/isNot, a valid expression, and Seldon's
// series must pass it.
func (r adapterResolver) seriesFilter(i int, f SeriesFilter) (adapterrules.SeriesFilter, bool) {
	field := r.field(fmt.Sprintf("rule.seriesFilters[%d]", i))
	is, isNot := deref(f.Is, ""), deref(f.IsNot, "")
	if (is == "") == (isNot == "") {
		r.errs.Add(field, "keep one of the two", "needs exactly one of is or isNot")
		return adapterrules.SeriesFilter{}, false
	}
	re, err := regexp.Compile(is + isNot)
	if err != nil {
		r.errs.Addf(field, "fix the regular expression", "%q is not a valid regular expression: %v", is+isNot, err)
		return adapterrules.SeriesFilter{}, false
	}
	if (is != "" && !re.MatchString(adapterrules.SeldonSeries)) ||
		(isNot != "" && re.MatchString(adapterrules.SeldonSeries)) {
		r.errs.Addf(field, "change the filter so seldon_model_infer_total passes it",
			"%q filters out seldon_model_infer_total, the series the HPAs scale on", is+isNot)
	}
	return adapterrules.SeriesFilter{Is: is, IsNot: isNot}, true
}

// helmWait decides how Helm waits for the adapter and what it does when the wait fails. Atomic:
// a failed install is uninstalled and a failed upgrade rolled back to the last deployed revision,
// so neither leaves a release the next up must first repair. Helm's atomic forces its wait, so with
// skipAwait there is no rollback and no timeout to apply; a failed release is then left marked
// failed, which Helm upgrades from, so it does not block the next up either.
func (r adapterResolver) helmWait(out *DesiredAdapter) {
	field, set := r.field("helmTimeoutSeconds"), r.spec.HelmTimeoutSeconds
	if out.SkipAwait {
		if set != nil {
			r.errs.Add(field, "remove it, or set "+r.field("skipAwait")+" to false to have Helm wait and roll back "+
				"a failed install or upgrade", "does not apply with skipAwait true: Helm then waits for nothing")
		}
		return
	}
	out.Atomic, out.HelmTimeoutSeconds = true, deref(set, inputs.DefaultHelmTimeoutSeconds)
	switch t := out.HelmTimeoutSeconds; {
	case set == nil:
		out.Derived = append(out.Derived, policy.Derivation{Field: field, Value: fmt.Sprint(t),
			Reason: "Helm's default; a failed install or upgrade is rolled back after it"})
	case t < inputs.MinHelmTimeoutSeconds:
		r.errs.Addf(field, fmt.Sprintf("use %d to %d seconds", inputs.MinHelmTimeoutSeconds, inputs.MaxHelmTimeoutSeconds),
			"%d s is shorter than the adapter can become ready in (the chart's readiness probe first runs 30 s "+
				"after the pod starts): every install and upgrade would fail and be rolled back", t)
	case t > inputs.MaxHelmTimeoutSeconds:
		r.errs.Addf(field, fmt.Sprintf("use %d to %d seconds", inputs.MinHelmTimeoutSeconds, inputs.MaxHelmTimeoutSeconds),
			"%d s: a failed upgrade would wait this long and its rollback as long again, past the job limits "+
				"that would kill Helm mid-operation and leave the release locked (another operation is in "+
				"progress)", t)
	}
}

// chart is the default chart from its repository, another version or repository, or a local path.
func (r adapterResolver) chart(out *DesiredAdapter) {
	out.ChartRepo, out.Chart = inputs.DefaultChartRepo, inputs.DefaultChartName
	out.ChartVersion = inputs.DefaultChartVersion
	c := r.spec.Chart
	if c == nil {
		return
	}
	// An empty path counts as unset, so config-driven programs (YAML) can leave it blank.
	if c.Path != nil && strings.TrimSpace(*c.Path) != "" {
		if c.Repo != nil || c.Name != nil || c.Version != nil {
			r.errs.Add(r.field("chart.path"), "keep either path, or repo/name/version",
				"a local chart path excludes repo, name and version")
		}
		out.ChartRepo, out.Chart, out.ChartVersion = "", *c.Path, ""
		return
	}
	out.ChartRepo = deref(c.Repo, inputs.DefaultChartRepo)
	out.Chart = deref(c.Name, inputs.DefaultChartName)
	out.ChartVersion = deref(c.Version, inputs.DefaultChartVersion)
	r.chartVersion(out.ChartVersion)
}

// chartVersion refuses what Helm would: the Release passes the version to Helm's chart lookup,
// which trims it and, unless empty (the latest), parses it with Masterminds' semver.NewConstraint
// (repo.IndexFile.Get), so an exact SemVer 2 version or a constraint such as ~5.3 passes.
func (r adapterResolver) chartVersion(v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	if _, err := semver.NewConstraint(v); err != nil {
		r.errs.Addf(r.field("chart.version"), "use a SemVer 2 version such as 5.3.0, or a constraint such as ~5.3 "+
			"or >=5.0.0 <6.0.0", "%q is neither a version nor a constraint Helm accepts: %v", v, err)
	}
}

// installValues are the chart's values: the user's extra values, with the keys the component owns
// (the rules ConfigMap, Prometheus' location, the relist interval) set through their own inputs.
// The rules ConfigMap is the component's own (rules.existing), not the chart's: Helm compares a
// release with its own record, never with the live objects, so an out-of-band edit of a
// Helm-owned ConfigMap could never be repaired; a ConfigMap of the stack's is, by
// `pulumi up --refresh`. The chart's checksum/config no longer sees the rules, so the config hash
// goes into podAnnotations: the adapter restarts exactly when the rules change.
func (r adapterResolver) installValues(configMap, configHash string) map[string]any {
	values := map[string]any{}
	for k, v := range r.spec.Values {
		if slices.Contains(adapterManagedKeys, k) {
			r.errs.Addf(r.field("values."+k), fmt.Sprintf("use its own input (%s, %s, %s)", r.field("rule"),
				r.field("prometheus"), r.field("metricsRelistInterval")), "%s is managed by this component", k)
			continue
		}
		values[k] = v
	}
	values["rules"] = map[string]any{"existing": configMap}
	user, _ := r.spec.Values["podAnnotations"].(map[string]any)
	podAnnotations := maps.Clone(user)
	if podAnnotations == nil {
		podAnnotations = map[string]any{}
	}
	podAnnotations[ConfigHashAnnotation] = configHash
	values["podAnnotations"] = podAnnotations
	url, port, path := r.prometheus()
	values["prometheus"] = map[string]any{"url": url, "port": port, "path": path}
	values["metricsRelistInterval"] = adapterrules.PromDuration(r.timing.RelistInterval)
	return values
}

// prometheus is where the adapter finds Prometheus: the chart's url, port and path values.
func (r adapterResolver) prometheus() (url string, port int, path string) {
	prom := deref(r.spec.Prometheus, PrometheusSpec{})
	url = deref(prom.URL, inputs.DefaultPrometheusURL)
	r.prometheusURL(url)
	port = deref(prom.Port, inputs.DefaultPrometheusPort)
	if port < 1 || port > 65535 {
		r.errs.Addf(r.field("prometheus.port"), "use a port from 1 to 65535", "%d is not a port", port)
	}
	path = deref(prom.Path, "")
	if path != "" && (!strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?# \t\n")) {
		r.errs.Addf(r.field("prometheus.path"), "start it with / and give only the path, e.g. /prometheus",
			"%q would be appended to the URL as it is (the chart joins url:port then path)", path)
	}
	return url, port, path
}

// prometheusURL checks the URL the chart completes: its deployment template renders
// --prometheus-url={{url}}:{{port}}{{path}}, so anything after the host (a port, a path, a
// query, a fragment) ends up before or inside ":port" and the adapter queries a broken URL.
func (r adapterResolver) prometheusURL(raw string) {
	field := r.field("prometheus.url")
	u, err := neturl.Parse(raw)
	if strings.Contains(raw, "{{") && (strings.HasPrefix(raw, "http://") || strings.HasPrefix(raw, "https://")) {
		return // the chart renders the URL with tpl: a template is no URL until Helm renders it
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.errs.Addf(field, "start it with http:// or https://, without the port",
			"%q is not an http(s) URL", raw)
		return
	}
	var extra []string
	if u.Port() != "" {
		extra = append(extra, "a port (set "+r.field("prometheus.port")+")")
	}
	if u.Path != "" || u.RawPath != "" {
		extra = append(extra, "a path (set "+r.field("prometheus.path")+")")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		extra = append(extra, "a query or fragment")
	}
	if len(extra) > 0 {
		r.errs.Addf(field, fmt.Sprintf("give only the scheme and host, e.g. %s://%s", u.Scheme, u.Hostname()),
			"%q has %s, but the chart appends :port and then the path to it", raw, strings.Join(extra, " and "))
	}
}

// auth says which credentials are set and checks what can be checked before their values are
// known (they may be secrets or outputs of other resources): pairs that must come together, and
// TLS material only for an https:// Prometheus. Their contents are checked in Construct. It also
// returns the Prometheus URL with port and path, for the auth kubeconfig.
func (r adapterResolver) auth() (AdapterAuth, string) {
	prom := deref(r.spec.Prometheus, PrometheusSpec{})
	url := deref(prom.URL, inputs.DefaultPrometheusURL)
	server := fmt.Sprintf("%s:%d%s", url, deref(prom.Port, inputs.DefaultPrometheusPort), deref(prom.Path, ""))
	auth := AdapterAuth{Token: bool(prom.BearerToken)}
	if b := prom.BasicAuth; b != nil {
		auth.Kubeconfig = true
		if !b.Username {
			r.errs.Add(r.field(promauth.FieldUsername), "set the user name Prometheus expects, or remove basicAuth",
				"is missing")
		}
		if !b.Password {
			r.errs.Add(r.field(promauth.FieldPassword), "set the password as a Pulumi secret, or remove basicAuth",
				"is missing")
		}
	}
	if auth.Token && prom.BasicAuth != nil {
		// The adapter would send one Authorization header: the token's, silently dropping basic auth.
		r.errs.Add(r.field("prometheus.basicAuth"), "keep the one your Prometheus (or its proxy) checks",
			"is set together with bearerToken, but the adapter sends only one Authorization header")
	}
	if t := prom.TLS; t != nil {
		auth.Kubeconfig = true
		r.tls(t, url)
	}
	if auth.Kubeconfig {
		r.conflictingAuthFlags()
	}
	return auth, server
}

// tls checks the TLS block's pairs and that Prometheus is reached over https.
func (r adapterResolver) tls(t *PrometheusTLSSpec, url string) {
	if !t.CACertificate && !t.ClientCertificate && !t.ClientKey {
		r.errs.Add(r.field("prometheus.tls"), "set caCertificate and/or clientCertificate with clientKey, or remove tls",
			"is empty")
	}
	if t.ClientCertificate != t.ClientKey {
		field := promauth.FieldClientKey
		if !t.ClientCertificate {
			field = promauth.FieldClientCertificate
		}
		r.errs.Add(r.field(field), "a client certificate needs its key and a key its certificate: set both, or neither",
			"is missing")
	}
	if !strings.HasPrefix(url, "https://") {
		r.errs.Addf(r.field("prometheus.tls"), fmt.Sprintf("use an https:// %s, or remove tls", r.field("prometheus.url")),
			"is set but the Prometheus URL %q is not https", url)
	}
}

// conflictingAuthFlags refuses user flags that fight the auth kubeconfig: the adapter uses
// --prometheus-auth-config only without --prometheus-ca-file, so a user-given flag of either kind
// would silently win over ours or lose to it.
func (r adapterResolver) conflictingAuthFlags() {
	extra, _ := r.spec.Values["extraArguments"].([]any)
	for _, a := range extra {
		s, ok := a.(string)
		if ok && (strings.HasPrefix(s, "--prometheus-ca-file") || strings.HasPrefix(s, "--prometheus-auth-config") ||
			strings.HasPrefix(s, "--prometheus-client-tls-")) {
			r.errs.Addf(r.field("values.extraArguments"), fmt.Sprintf("remove it and use %s / tls",
				r.field("prometheus.basicAuth")), "%q conflicts with the credentials this component mounts", s)
		}
	}
}

// chartFullName mirrors the chart's fullname helper, which names the ConfigMap and Deployment.
func chartFullName(release string, values map[string]any) string {
	if o, ok := values["fullnameOverride"].(string); ok && o != "" {
		return truncateLabel(o)
	}
	if strings.Contains(release, inputs.DefaultChartName) {
		return truncateLabel(release)
	}
	return strings.TrimSuffix(truncateLabel(release+"-"+inputs.DefaultChartName), "-")
}

// parseTiming reads the adapter's pipeline intervals; unset ones stay zero (policy's defaults).
func parseTiming(errs *refusal.Errors, block string, ad AdapterSpec) policy.Timing {
	return policy.Timing{
		ScrapeInterval: parseDuration(errs, block+inputs.FieldScrapeInterval, ad.PrometheusScrapeInterval),
		RelistInterval: parseDuration(errs, block+inputs.FieldRelistInterval, ad.MetricsRelistInterval),
		RateWindow:     parseDuration(errs, block+inputs.FieldRateWindow, ad.RateWindow),
	}
}

func parseDuration(errs *refusal.Errors, field string, v *string) time.Duration {
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

// ResolveMetricsAdapter validates a stand-alone adapter with the same guards a model's adapter
// block gets; refusals and derivations name the inputs as this resource's users write them (its
// adapter fields sit at the top level, with no `adapter.` prefix). It returns the adapter, the
// metric its rule exposes, and the derivations.
func ResolveMetricsAdapter(ad AdapterSpec) (DesiredAdapter, string, []policy.Derivation, error) {
	var errs refusal.Errors
	if deref(ad.Mode, ModeInstall) == ModeNone {
		errs.Add("mode", "use install, or adopt for an adapter installed by someone else",
			"is none, so there would be nothing to declare")
	}
	block := MetricsAdapterInputs
	timing, derived, err := policy.PlanTiming(parseTiming(&errs, block.Prefix, ad), block.Prefix)
	if err := errs.Include("", err); err != nil {
		return DesiredAdapter{}, "", nil, err
	}
	a := resolveAdapter(&errs, block, ad, timing)
	if err := errs.For(block.Resource); err != nil {
		return DesiredAdapter{}, "", nil, err
	}
	metric, _, _ := a.Rule.ExposedMetric(adapterrules.SeldonSeries)
	return a, metric, append(derived, a.Derived...), nil
}
