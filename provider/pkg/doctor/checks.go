package doctor

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/adapterrules"
)

// Verdict is a check's outcome.
type Verdict string

// The verdicts, from best to worst.
const (
	OK      Verdict = "ok"
	Warning Verdict = "warning"
	Failure Verdict = "failure"
)

func (v Verdict) rank() int { return slices.Index([]Verdict{OK, Warning, Failure}, v) }

// The six checks, numbered as issue 14 and docs/doctor.md number them.
const (
	CheckAPIService = iota + 1
	CheckAdapterRule
	CheckMetricData
	CheckHPAs
	CheckSeldon
	CheckCapacity
)

// CheckNames are the checks' short names, by number.
var CheckNames = map[int]string{
	CheckAPIService: "custom metrics API", CheckAdapterRule: "adapter rule", CheckMetricData: "metric data",
	CheckHPAs: "HPAs", CheckSeldon: "Model and Server", CheckCapacity: "capacity",
}

// Result is one check of one subject (the cluster, or a Model).
type Result struct {
	Check    int      `json:"check"`
	Name     string   `json:"name"`
	Subject  string   `json:"subject"`
	Verdict  Verdict  `json:"verdict"`
	Evidence []string `json:"evidence"`
	// Fix is the first problem's fix, in one sentence; empty when the verdict is ok.
	Fix string `json:"fix,omitempty"`
}

// judge accumulates a Result: each observation is evidence, and a problem raises the verdict.
type judge struct{ r Result }

func newJudge(check int, subject string) *judge {
	return &judge{Result{Check: check, Name: CheckNames[check], Subject: subject, Verdict: OK}}
}

func (j *judge) see(format string, a ...any) {
	j.r.Evidence = append(j.r.Evidence, fmt.Sprintf(format, a...))
}

func (j *judge) problem(v Verdict, fix, format string, a ...any) {
	j.see(format, a...)
	if v.rank() > j.r.Verdict.rank() {
		j.r.Verdict, j.r.Fix = v, fix
	}
}

func (j *judge) fail(fix, format string, a ...any) { j.problem(Failure, fix, format, a...) }
func (j *judge) warn(fix, format string, a ...any) { j.problem(Warning, fix, format, a...) }

// Diagnose runs every check on s: the cluster's two, then the four of each Model.
func Diagnose(s Snapshot) []Result {
	out := []Result{checkAPIService(s), checkAdapterRule(s)}
	for _, m := range s.Models {
		out = append(out, checkMetricData(s, m), checkHPAs(m), checkSeldon(s.Seldon, m), checkCapacity(m))
	}
	return out
}

// ExitCode is 0 when no check failed, 1 otherwise (2, could not check, is the gatherer's).
func ExitCode(results []Result) int {
	for _, r := range results {
		if r.Verdict == Failure {
			return 1
		}
	}
	return 0
}

// AllOK says whether every check passed without a warning, which is what --wait waits for.
func AllOK(results []Result) bool {
	for _, r := range results {
		if r.Verdict != OK {
			return false
		}
	}
	return true
}

func checkAPIService(s Snapshot) Result {
	j := newJudge(CheckAPIService, "cluster")
	a := s.APIService
	name := "APIService " + APIServiceName
	switch {
	case !a.Found:
		j.fail("install prometheus-adapter (SeldonMetricsAdapter, or adapter.mode install), which registers it",
			"%s does not exist: nothing serves custom metrics", name)
		return j.r
	case !a.Available:
		j.fail(fmt.Sprintf("start prometheus-adapter behind Service %s (its pods, its logs); "+
			"the HPAs read no metric until the APIService is Available", a.Service),
			"%s is not Available: %s: %s", name, a.Reason, a.Message)
	default:
		j.see("%s is Available, routed to Service %s", name, a.Service)
	}
	if a.Adapter == "" {
		j.fail("point the APIService at prometheus-adapter's Service: another custom metrics provider serves no "+
			"Seldon rule", "no prometheus-adapter Deployment in the namespace of Service %s", a.Service)
	} else {
		j.see("served by prometheus-adapter Deployment %s", a.Adapter)
	}
	return j.r
}

// APIServiceName is the custom metrics APIService prometheus-adapter registers.
const APIServiceName = "v1beta1.custom.metrics.k8s.io"

// metricNames are the metrics the Models' HPAs read, or the guide's when there is no Model.
func metricNames(s Snapshot) []string {
	set := map[string]bool{}
	for _, m := range s.Models {
		for _, h := range []*HPA{m.ModelHPA, m.ServerHPA} {
			if h != nil && h.MetricName != "" {
				set[h.MetricName] = true
			}
		}
	}
	if len(set) == 0 {
		set[adapterrules.DefaultMetricName] = true
	}
	return slices.Sorted(maps.Keys(set))
}

func checkAdapterRule(s Snapshot) Result {
	j := newJudge(CheckAdapterRule, "cluster")
	if s.Adapter.Config == "" {
		j.fail("find the adapter's config.yaml (its --config flag and the ConfigMap mounted there)",
			"the adapter's config.yaml was not found (Deployment %q)", s.APIService.Adapter)
		return j.r
	}
	for _, metric := range metricNames(s) {
		rule, found, err := FindRule(s.Adapter.Config, metric)
		switch {
		case err != nil:
			j.fail("repair config.yaml: prometheus-adapter cannot read it either", "%s: %v", s.Adapter.ConfigSource, err)
		case !found:
			j.fail("add the Seldon rule (the component writes it in adapter modes install and adopt)",
				"%s has no rule turning %s into %s", s.Adapter.ConfigSource, adapterrules.SeldonSeries, metric)
		case rule.Resources.Overrides["model"].Resource != "model":
			j.fail("map the model label to resource model in the rule's resources.overrides",
				"the rule for %s does not associate the model label with Models", metric)
		default:
			j.see("%s: a rule turns %s into %s for Models", s.Adapter.ConfigSource, adapterrules.SeldonSeries, metric)
		}
	}
	p, relist := s.Prometheus, s.Adapter.Relist
	switch {
	case p.Scrape == 0 && p.Err == "":
		j.warn("make Prometheus scrape the Seldon agent's metrics (see the metric data check)",
			"no Prometheus job scrapes %s in the namespace, so its scrape interval is unknown", adapterrules.SeldonSeries)
	case p.Scrape == 0:
		j.warn("give --prometheus-url so the doctor can read Prometheus' scrape interval",
			"Prometheus' scrape interval of %s is unknown: %s", adapterrules.SeldonSeries, p.Err)
	case relist < p.Scrape:
		// The adapter discovers series that have a sample within the last relist interval
		// (its series query's start), so a shorter relist than scrape drops them in between.
		j.fail(fmt.Sprintf("set the adapter's metricsRelistInterval to at least %s (or scrape at least every %s): "+
			"a relist shorter than a scrape loses the series between scrapes", adapterrules.PromDuration(p.Scrape),
			adapterrules.PromDuration(relist)),
			"relist interval %s is shorter than Prometheus' scrape interval %s (job %s)",
			adapterrules.PromDuration(relist), adapterrules.PromDuration(p.Scrape), p.Job)
	default:
		j.see("relist interval %s ≥ Prometheus' scrape interval %s (job %s)",
			adapterrules.PromDuration(relist), adapterrules.PromDuration(p.Scrape), p.Job)
	}
	return j.r
}

// FindRule is the rule of config.yaml that exposes seldon_model_infer_total as metric, as
// prometheus-adapter names it (adapterrules.Rule.ExposedMetric).
func FindRule(config, metric string) (adapterrules.Rule, bool, error) {
	var c adapterrules.Config
	if err := yaml.Unmarshal([]byte(config), &c); err != nil {
		return adapterrules.Rule{}, false, fmt.Errorf("config.yaml is not the adapter's config: %w", err)
	}
	for _, r := range c.Rules {
		if got, ok, err := r.ExposedMetric(adapterrules.SeldonSeries); err == nil && ok && got == metric {
			return r, true, nil
		}
	}
	return adapterrules.Rule{}, false, nil
}

// metricTolerance is how far the custom metrics API may be from Prometheus: the two read at
// different moments, and the adapter's value is rounded to milli-units.
const metricTolerance = 0.25

func checkMetricData(s Snapshot, m Model) Result {
	j := newJudge(CheckMetricData, "model/"+m.Name)
	switch {
	case s.Prometheus.Err != "":
		j.fail("give --prometheus-url, or check the Prometheus Service the adapter's --prometheus-url names",
			"Prometheus not reached: %s", s.Prometheus.Err)
	case m.PromValue == nil && len(m.selector()) > 0 && m.PromUnfiltered != nil:
		j.fail("set autoscaling.metricSelector to labels the agent exports (seldon_model_infer_total's labels)",
			"the metric selector %s matches no series of the Model (%.3g RPS without it): %s",
			labels(m.selector()), *m.PromUnfiltered, oneLine(m.Query))
	case m.PromValue == nil:
		j.fail("make Prometheus scrape the Seldon agent's metrics (a PodMonitor on the Server's pods) and check the "+
			"agent exports seldon_model_infer_total", "Prometheus returns no data for %s %s", oneLine(m.Query), m.PromErr)
	default:
		j.see("Prometheus: %.3g RPS for %s", *m.PromValue, oneLine(m.Query))
	}
	switch {
	case m.APIValue == nil:
		j.fail("see the custom metrics API and adapter rule checks: the adapter serves no value for the Model",
			"%s returned no value: %s", m.Path, m.APIErr)
	case m.PromValue != nil && !near(*m.APIValue, *m.PromValue):
		j.warn("check the adapter's --prometheus-url names the Prometheus queried here",
			"the custom metrics API says %.3g RPS, Prometheus %.3g RPS", *m.APIValue, *m.PromValue)
	default:
		j.see("custom metrics API: %.3g RPS at %s", *m.APIValue, m.Path)
	}
	return j.r
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= metricTolerance*math.Max(math.Abs(a), math.Abs(b)) || math.Abs(a-b) < 0.05
}

func oneLine(q string) string { return strings.Join(strings.Fields(q), " ") }

func labels(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// selector is the metric selector the HPAs read the Model's metric with.
func (m Model) selector() map[string]string {
	for _, h := range []*HPA{m.ModelHPA, m.ServerHPA} {
		if h != nil {
			return h.Selector
		}
	}
	return nil
}
