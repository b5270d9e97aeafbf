package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/rest"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/adapterrules"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/doctor"
)

// promAPI is Prometheus reached through its own Go client (client_golang's api package), at a URL
// the user gave or through the API server's service proxy with the kubeconfig's credentials.
type promAPI struct {
	v1 promv1.API
	// raw serves /api/v1/targets, whose scrapeInterval client_golang's ActiveTarget does not decode.
	raw   api.Client
	where string
	err   error // why Prometheus cannot be reached; every call returns it
}

// urlProm reaches Prometheus at a URL the user gave.
func urlProm(base string) promAPI {
	return newPromAPI(base, nil, base)
}

// proxyProm reaches Prometheus through the API server's service proxy, at the Service the
// adapter's --prometheus-url names (http://<service>.<namespace>.svc[...]:<port>/), with the
// kubeconfig's credentials.
func proxyProm(cfg *rest.Config, adapterURL string) promAPI {
	base, err := proxyPath(adapterURL)
	if err != nil {
		return promAPI{err: err, where: "API server proxy"}
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return promAPI{err: err, where: "API server proxy " + base}
	}
	return newPromAPI(strings.TrimSuffix(cfg.Host, "/")+base, rt, "API server proxy "+base)
}

func newPromAPI(address string, rt http.RoundTripper, where string) promAPI {
	if rt == nil {
		rt = api.DefaultRoundTripper
	}
	c, err := api.NewClient(api.Config{Address: address, RoundTripper: getOnly{rt}})
	if err != nil {
		return promAPI{err: fmt.Errorf("prometheus at %s: %w", address, err), where: where}
	}
	return promAPI{v1: promv1.NewAPI(c), raw: c, where: where}
}

// proxyPath is the API server's service proxy path for an in-cluster Prometheus URL.
func proxyPath(adapterURL string) (string, error) {
	u, err := url.Parse(adapterURL)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("the adapter's --prometheus-url %q names no Service; give --prometheus-url", adapterURL)
	}
	parts := strings.Split(u.Hostname(), ".")
	if len(parts) < 2 {
		return "", fmt.Errorf("the adapter's --prometheus-url %q names no <service>.<namespace>; give --prometheus-url",
			adapterURL)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443"}[u.Scheme]
		if port == "" {
			port = "80"
		}
	}
	return fmt.Sprintf("/api/v1/namespaces/%s/services/%s:%s:%s/proxy%s", parts[1], u.Scheme, parts[0], port,
		strings.TrimSuffix(u.Path, "/")), nil
}

// getOnly sends client_golang's form POSTs (DoGetFallback, for queries) as GETs with the form in
// the URL, which Prometheus answers alike: the API server maps a POST through the service proxy to
// the verb create, which the doctor's read-only role (deploy/rbac-doctor.yaml) does not grant.
type getOnly struct{ next http.RoundTripper }

func (g getOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		return g.next.RoundTrip(r)
	}
	form, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	get := r.Clone(r.Context())
	u := *r.URL
	u.RawQuery = strings.TrimPrefix(u.RawQuery+"&"+string(form), "&")
	get.Method, get.URL, get.Body, get.GetBody, get.ContentLength = http.MethodGet, &u, nil, nil, 0
	get.Header.Del("Content-Type")
	return g.next.RoundTrip(get)
}

// query runs an instant PromQL query; nil when it returns no sample.
func query(ctx context.Context, p promAPI, promQL string) (*float64, error) {
	vec, err := queryVector(ctx, p, promQL)
	if err != nil || len(vec) == 0 {
		return nil, err
	}
	v := float64(vec[0].Value)
	return &v, nil
}

// queryVector runs an instant PromQL query that returns a vector.
func queryVector(ctx context.Context, p promAPI, promQL string) (model.Vector, error) {
	if p.err != nil {
		return nil, p.err
	}
	val, _, err := p.v1.Query(ctx, promQL, time.Now())
	if err != nil {
		return nil, err
	}
	vec, ok := val.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("prometheus answered %q with a %s, not a vector", promQL, val.Type())
	}
	return vec, nil
}

// scrapeIntervals are the active targets' scrape intervals by job, from /api/v1/targets.
func scrapeIntervals(ctx context.Context, p promAPI) (map[string]time.Duration, error) {
	if p.err != nil {
		return nil, p.err
	}
	u := p.raw.URL("/api/v1/targets", nil)
	u.RawQuery = url.Values{"state": {"active"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, body, err := p.raw.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %.200s", resp.Status, body)
	}
	var targets struct {
		Data struct {
			ActiveTargets []struct {
				Labels         map[string]string `json:"labels"`
				ScrapeInterval string            `json:"scrapeInterval"`
			} `json:"activeTargets"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &targets); err != nil {
		return nil, fmt.Errorf("prometheus answered %.200s: %w", body, err)
	}
	out := map[string]time.Duration{}
	for _, t := range targets.Data.ActiveTargets {
		out[t.Labels["job"]], _ = time.ParseDuration(t.ScrapeInterval)
	}
	return out, nil
}

// prometheus reads the live scrape interval of the job that scrapes Seldon's counter in the
// namespace, from Prometheus' active targets.
func (g *gatherer) prometheus(ctx context.Context) doctor.Prometheus {
	p := doctor.Prometheus{URL: g.prom.where}
	q := fmt.Sprintf("count by (job) (%s{namespace=%q})", adapterrules.SeldonSeries, g.namespace)
	jobs, err := queryVector(ctx, *g.prom, q)
	if err != nil {
		p.Err = err.Error()
		return p
	}
	if len(jobs) == 0 {
		return p // no job scrapes it: the metric data check says so
	}
	p.Job = string(jobs[0].Metric["job"])
	intervals, err := scrapeIntervals(ctx, *g.prom)
	if err != nil {
		p.Err = err.Error()
		return p
	}
	p.Scrape = intervals[p.Job]
	return p
}

// metric runs the Model's PromQL, as the adapter's rule makes it, and reads the custom metrics path.
func (g *gatherer) metric(ctx context.Context, s *doctor.Snapshot, m *doctor.Model) {
	h := m.ModelHPA
	if h == nil {
		h = m.ServerHPA
	}
	name, selector := adapterrules.DefaultMetricName, map[string]string(nil)
	if h != nil && h.MetricName != "" {
		name, selector = h.MetricName, h.Selector
	}
	m.Path = adapterrules.ModelMetricPath(g.namespace, m.Name, name, selector)
	m.APIValue, m.APIErr = g.customMetric(ctx, m.Path)
	rule, found, err := doctor.FindRule(s.Adapter.Config, name)
	if err != nil || !found {
		m.PromErr = errNoRule.Error()
		return
	}
	m.Query = rule.ModelQuery(adapterrules.SeldonSeries, m.Name, g.namespace, selector)
	if s.Prometheus.Err != "" {
		return
	}
	if m.PromValue, err = query(ctx, *g.prom, m.Query); err != nil {
		m.PromErr = err.Error()
	}
	if len(selector) > 0 && m.PromValue == nil {
		m.PromUnfiltered, _ = query(ctx, *g.prom, rule.ModelQuery(adapterrules.SeldonSeries, m.Name, g.namespace, nil))
	}
}

func (g *gatherer) customMetric(ctx context.Context, path string) (*float64, string) {
	u, err := url.Parse(path)
	if err != nil {
		return nil, err.Error()
	}
	req := g.kube.CoreV1().RESTClient().Get().AbsPath(u.Path)
	for k, vs := range u.Query() {
		for _, v := range vs {
			req = req.Param(k, v)
		}
	}
	raw, err := req.DoRaw(ctx)
	if err != nil {
		return nil, err.Error()
	}
	var list struct {
		Items []struct {
			Value resource.Quantity `json:"value"`
		} `json:"items"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, err.Error()
	}
	if len(list.Items) == 0 {
		return nil, "no value"
	}
	v := list.Items[0].Value.AsApproximateFloat64()
	return &v, ""
}
