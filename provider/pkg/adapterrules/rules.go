// Package adapterrules renders prometheus-adapter discovery rules as typed data and answers the
// questions a user asks about them: which metric name a rule exposes for Seldon's series, which
// PromQL the adapter runs for one Model, and where to read the metric with `kubectl get --raw`.
//
// Rules are built as Go values and marshalled to YAML, never assembled from string templates, so
// quoting and indentation can not break the adapter's config.
package adapterrules

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

const (
	// SeldonSeries is the Prometheus counter Seldon Core 2's agent exports per model.
	SeldonSeries = "seldon_model_infer_total"
	// DefaultMetricName is the custom metric the guide exposes: inference requests per second.
	DefaultMetricName = "infer_rps"
	// DefaultSeriesQuery discovers Seldon's counter in every namespace.
	DefaultSeriesQuery = `{__name__="seldon_model_infer_total",namespace!=""}`
	// DefaultRateWindow is the guide's rate() window.
	DefaultRateWindow = time.Minute

	// SeldonGroup is the API group of Seldon's Model and Server kinds.
	SeldonGroup = "mlops.seldon.io"
	// CustomMetricsAPI is the aggregated API prometheus-adapter serves.
	CustomMetricsAPI = "custom.metrics.k8s.io/v1beta1"
)

// Config is the adapter's config.yaml: the document held under the ConfigMap key "config.yaml".
type Config struct {
	Rules []Rule `yaml:"rules"`
}

// Rule is one custom-metrics discovery rule, in the adapter's own field names.
type Rule struct {
	SeriesQuery   string         `yaml:"seriesQuery"`
	SeriesFilters []SeriesFilter `yaml:"seriesFilters,omitempty"`
	Resources     Resources      `yaml:"resources"`
	Name          Naming         `yaml:"name"`
	MetricsQuery  string         `yaml:"metricsQuery"`
}

// SeriesFilter keeps (Is) or drops (IsNot) discovered series by a regular expression on their name.
type SeriesFilter struct {
	Is    string `yaml:"is,omitempty"`
	IsNot string `yaml:"isNot,omitempty"`
}

// Resources associates Prometheus labels with Kubernetes resources.
type Resources struct {
	Overrides map[string]GroupResource `yaml:"overrides"`
}

// GroupResource names a Kubernetes resource; Group is empty for the core group.
type GroupResource struct {
	Group    string `yaml:"group,omitempty"`
	Resource string `yaml:"resource"`
}

// Naming maps a discovered series name to the custom metric name (regex replace, ${1} groups).
type Naming struct {
	Matches string `yaml:"matches"`
	As      string `yaml:"as"`
}

// RuleSpec is what a user may customise about the Seldon rule; zero values mean the guide's choice.
type RuleSpec struct {
	SeriesQuery   string
	SeriesFilters []SeriesFilter
	NameMatches   string
	NameAs        string
	RateWindow    time.Duration
	// MetricsQuery replaces the rate() query; it must keep the <<.Series>>, <<.LabelMatchers>> and
	// <<.GroupBy>> placeholders.
	MetricsQuery string
}

// SeldonRule builds the guide's rule: Seldon's counter exposed as a per-second rate, associated
// with the Model, the Server, the inference server pod and the namespace.
func SeldonRule(s RuleSpec) Rule {
	r := Rule{
		SeriesQuery:   orDefault(s.SeriesQuery, DefaultSeriesQuery),
		SeriesFilters: s.SeriesFilters,
		Resources: Resources{Overrides: map[string]GroupResource{
			"model":     {Group: SeldonGroup, Resource: "model"},
			"server":    {Group: SeldonGroup, Resource: "server"},
			"pod":       {Resource: "pod"},
			"namespace": {Resource: "namespace"},
		}},
		Name: Naming{
			Matches: orDefault(s.NameMatches, SeldonSeries),
			As:      orDefault(s.NameAs, DefaultMetricName),
		},
		MetricsQuery: s.MetricsQuery,
	}
	if r.MetricsQuery == "" {
		window := s.RateWindow
		if window == 0 {
			window = DefaultRateWindow
		}
		r.MetricsQuery = RateQuery(window)
	}
	return r
}

// RateQuery is the guide's metricsQuery: the per-second rate over window, summed per requested
// resource.
func RateQuery(window time.Duration) string {
	return "sum by (<<.GroupBy>>) (\n  rate (\n    <<.Series>>{<<.LabelMatchers>>}[" +
		PromDuration(window) + "]\n  )\n)\n"
}

// PromDuration formats d the way Prometheus writes durations (1m, 90s, 1h30m), to the millisecond.
func PromDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	if d < time.Millisecond {
		return "0s" // below Prometheus' resolution
	}
	var b strings.Builder
	for _, u := range []struct {
		d time.Duration
		s string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}} {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.s)
			d -= n * u.d
		}
	}
	return b.String()
}

// YAML is config.yaml as the adapter reads it, indented by two spaces like the guide's ConfigMap
// (it is what users see in the ConfigMap and SeldonMetricsAdapter's config output).
func (c Config) YAML() (string, error) {
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return "", fmt.Errorf("rendering prometheus-adapter rules: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("rendering prometheus-adapter rules: %w", err)
	}
	return b.String(), nil
}

// Render is the rendered config and a short, stable digest of it; a pod-template annotation
// holding the digest restarts the adapter exactly when the config changes.
func (c Config) Render() (yaml, hash string, err error) {
	if yaml, err = c.YAML(); err != nil {
		return "", "", err
	}
	sum := sha256.Sum256([]byte(yaml))
	return yaml, hex.EncodeToString(sum[:]), nil
}

// ExposedMetric is the custom metric name the rule gives series, as prometheus-adapter derives it:
// the first match of Name.Matches is replaced by Name.As. ok is false when the rule would not
// expose series at all.
func (r Rule) ExposedMetric(series string) (name string, ok bool, err error) {
	re, err := regexp.Compile(r.Name.Matches)
	if err != nil {
		return "", false, fmt.Errorf("name.matches %q is not a valid regular expression: %w", r.Name.Matches, err)
	}
	loc := re.FindStringSubmatchIndex(series)
	if loc == nil {
		return "", false, nil
	}
	if r.Name.As == "" {
		// The adapter's default: the first capture group, or the whole name without groups.
		if re.NumSubexp() > 0 {
			return series[loc[2]:loc[3]], true, nil
		}
		return series, true, nil
	}
	return string(re.ExpandString(nil, r.Name.As, series, loc)), true, nil
}

// ModelQuery is the PromQL the adapter sends when the HPA asks for the metric of one Model:
// the rule's metricsQuery with its placeholders filled as prometheus-adapter fills them.
func (r Rule) ModelQuery(series, model, namespace string, selector map[string]string) string {
	matchers := []string{fmt.Sprintf("model=%q", model), fmt.Sprintf("namespace=%q", namespace)}
	for _, k := range sortedKeys(selector) {
		matchers = append(matchers, fmt.Sprintf("%s=%q", k, selector[k]))
	}
	return strings.NewReplacer(
		"<<.Series>>", series,
		"<<.LabelMatchers>>", strings.Join(matchers, ", "),
		"<<.GroupBy>>", "model",
	).Replace(r.MetricsQuery)
}

// ModelMetricPath is the custom metrics API path that returns metric for one Model, for
// `kubectl get --raw`.
func ModelMetricPath(namespace, model, metric string, selector map[string]string) string {
	p := fmt.Sprintf("/apis/%s/namespaces/%s/models.%s/%s/%s", CustomMetricsAPI, namespace, SeldonGroup, model, metric)
	if len(selector) > 0 {
		parts := make([]string, 0, len(selector))
		for _, k := range sortedKeys(selector) {
			parts = append(parts, k+"="+selector[k])
		}
		p += "?metricLabelSelector=" + url.QueryEscape(strings.Join(parts, ","))
	}
	return p
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Merge puts rule into an adopted adapter's config.yaml, keeping everything else the installer
// wrote there (other rules, resourceRules, externalRules, comments): a rule exposing the same metric
// for the Seldon series is replaced, in place; otherwise rule is appended to `rules`. previous is
// the rule it replaced, nil if none. An empty live config gives a config of rule alone.
func Merge(live string, rule Rule) (merged string, previous *Rule, err error) {
	if strings.TrimSpace(live) == "" {
		merged, err = Config{Rules: []Rule{rule}}.YAML()
		return merged, nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(live), &doc); err != nil {
		return "", nil, fmt.Errorf("config.yaml is not YAML: %w", err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return "", nil, errors.New("config.yaml is not a mapping of rules, resourceRules and externalRules")
	}
	rules, err := rulesNode(doc.Content[0])
	if err != nil {
		return "", nil, err
	}
	var ours yaml.Node
	if err := ours.Encode(rule); err != nil {
		return "", nil, err
	}
	if previous, err = replaceRule(rules, rule, &ours); err != nil {
		return "", nil, err
	}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return "", nil, fmt.Errorf("rendering prometheus-adapter rules: %w", err)
	}
	return b.String(), previous, enc.Close()
}

// rulesNode finds (or adds) the `rules` sequence of a config mapping.
func rulesNode(config *yaml.Node) (*yaml.Node, error) {
	for i := 0; i+1 < len(config.Content); i += 2 {
		if config.Content[i].Value != "rules" {
			continue
		}
		seq := config.Content[i+1]
		if seq.Kind == yaml.ScalarNode && seq.Tag == "!!null" {
			seq.Kind, seq.Tag, seq.Value = yaml.SequenceNode, "!!seq", ""
		}
		if seq.Kind != yaml.SequenceNode {
			return nil, errors.New("config.yaml's rules is not a list")
		}
		return seq, nil
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	config.Content = append(config.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "rules"}, seq)
	return seq, nil
}

// replaceRule swaps the rule that exposes rule's metric for the Seldon series for ours, or appends
// ours. Two rules exposing one metric would make the adapter serve either.
func replaceRule(rules *yaml.Node, rule Rule, ours *yaml.Node) (*Rule, error) {
	want, _, err := rule.ExposedMetric(SeldonSeries)
	if err != nil {
		return nil, err
	}
	for i, n := range rules.Content {
		var r Rule
		if n.Decode(&r) != nil {
			continue
		}
		if got, ok, err := r.ExposedMetric(SeldonSeries); err != nil || !ok || got != want {
			continue
		}
		rules.Content[i] = ours
		return &r, nil
	}
	rules.Content = append(rules.Content, ours)
	return nil, nil
}
