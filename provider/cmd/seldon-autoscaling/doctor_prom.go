package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/adapterrules"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/doctor"
)

// promClient GETs a Prometheus HTTP API path.
type promClient interface {
	get(ctx context.Context, path string, q url.Values) ([]byte, error)
	where() string
}

// urlProm reaches Prometheus at a URL the user gave.
type urlProm struct{ base string }

func (p urlProm) where() string { return p.base }

func (p urlProm) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := strings.TrimSuffix(p.base, "/") + path + "?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", resp.Status, body)
	}
	return body, nil
}

// serviceProm reaches Prometheus through the API server's service proxy, at the Service the
// adapter's --prometheus-url names (http://<service>.<namespace>.svc[...]:<port>/).
type serviceProm struct {
	kube kubernetes.Interface
	base string // /api/v1/namespaces/<ns>/services/<scheme>:<name>:<port>/proxy
	err  error
}

func proxyProm(kube kubernetes.Interface, adapterURL string) promClient {
	base, err := proxyPath(adapterURL)
	return serviceProm{kube: kube, base: base, err: err}
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

func (p serviceProm) where() string { return "API server proxy " + p.base }

func (p serviceProm) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	if p.err != nil {
		return nil, p.err
	}
	req := p.kube.CoreV1().RESTClient().Get().AbsPath(p.base + path)
	for k, vs := range q {
		for _, v := range vs {
			req = req.Param(k, v)
		}
	}
	return req.DoRaw(ctx)
}

// getJSON reads one Prometheus API answer into out.
func getJSON(ctx context.Context, p promClient, path string, q url.Values, out any) error {
	raw, err := p.get(ctx, path, q)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("prometheus answered %.200s: %w", raw, err)
	}
	return nil
}

// query runs an instant PromQL query; nil when it returns no sample.
func query(ctx context.Context, p promClient, promQL string) (*float64, error) {
	var resp struct {
		Data struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := getJSON(ctx, p, "/api/v1/query", url.Values{"query": {promQL}}, &resp); err != nil {
		return nil, err
	}
	if len(resp.Data.Result) == 0 {
		return nil, nil
	}
	s, _ := resp.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	return &v, err
}

// prometheus reads the live scrape interval of the job that scrapes Seldon's counter in the
// namespace, from Prometheus' active targets.
func (g *gatherer) prometheus(ctx context.Context) doctor.Prometheus {
	p := doctor.Prometheus{URL: g.prom.where()}
	var jobs struct {
		Data struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
			} `json:"result"`
		} `json:"data"`
	}
	q := fmt.Sprintf("count by (job) (%s{namespace=%q})", adapterrules.SeldonSeries, g.namespace)
	if err := getJSON(ctx, g.prom, "/api/v1/query", url.Values{"query": {q}}, &jobs); err != nil {
		p.Err = err.Error()
		return p
	}
	if len(jobs.Data.Result) == 0 {
		return p // no job scrapes it: the metric data check says so
	}
	p.Job = jobs.Data.Result[0].Metric["job"]
	var targets struct {
		Data struct {
			ActiveTargets []struct {
				Labels         map[string]string `json:"labels"`
				ScrapeInterval string            `json:"scrapeInterval"`
			} `json:"activeTargets"`
		} `json:"data"`
	}
	if err := getJSON(ctx, g.prom, "/api/v1/targets", url.Values{"state": {"active"}}, &targets); err != nil {
		p.Err = err.Error()
		return p
	}
	for _, t := range targets.Data.ActiveTargets {
		if t.Labels["job"] == p.Job {
			p.Scrape, _ = time.ParseDuration(t.ScrapeInterval)
		}
	}
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
	if m.PromValue, err = query(ctx, g.prom, m.Query); err != nil {
		m.PromErr = err.Error()
	}
	if len(selector) > 0 && m.PromValue == nil {
		m.PromUnfiltered, _ = query(ctx, g.prom, rule.ModelQuery(adapterrules.SeldonSeries, m.Name, g.namespace, nil))
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
