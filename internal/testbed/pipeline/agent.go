// Package pipeline runs the real metrics pipeline beside the local control plane: a stand-in for
// Seldon's agent that exports the agent's seldon_* metrics, with inferences counted at a controlled
// rate or in recorded batches, Prometheus (Debian's package) scraping it, and prometheus-adapter
// (built from the Go module proxy) serving custom.metrics.k8s.io from the rules the component put
// into the cluster.
package pipeline

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Series identifies one of the agent's counters by the labels Seldon's agent sets.
type Series struct {
	Model, Server, MethodType string
}

// ProxyBadGateway is what a client gets when the agent's own reverse proxy cannot reach the
// inference server (httputil.ReverseProxy's error handler in Seldon's scheduler/pkg/agent/rproxy.go):
// the agent then records no inference, so the request shows in seldon_model_infer_api_seconds only.
// MLServer does not answer 502 itself, so the stand-in takes every 502 to be the proxy's, as in the
// recording of the real agent, where MLServer reset its connection after a 500.
const ProxyBadGateway = http.StatusBadGateway

// Agent stands in for the Seldon agents of one namespace: replica "0" of each Server its series
// name. It serves no inference; it counts the inferences a test declares, as rates (SetRate,
// SetCodeRate) or as batches of HTTP codes (Infer), and exports them, with the model and memory
// gauges, in the metric families and label sets of Seldon Core 2.10.2's agent
// (scheduler/pkg/metrics/agent.go). agent_conformance_test.go replays a recording of the real
// agent against it.
type Agent struct {
	mu       sync.Mutex
	counters map[inferKey]*counter
	replicas map[string]*replica // by Server name
	srv      *http.Server
	Addr     string // host:port Prometheus scrapes
	silent   bool   // serve no series at all (an agent exporting nothing)
}

// inferKey is one series' requests answered with one HTTP code.
type inferKey struct {
	Series
	Code int
}

type counter struct {
	value float64
	rate  float64 // requests per second
	since time.Time
}

func (c *counter) at(now time.Time) float64 { return c.value + c.rate*now.Sub(c.since).Seconds() }

// replica is what one agent process knows of its models: Seldon keeps it in memory only.
type replica struct {
	loads, unloads float64                // seldon_load_model_counter, seldon_unload_model_counter
	models         map[string]*modelState // by Model name
}

type modelState struct {
	loaded bool
	// evicted: unloaded since the agent started, which is when the real agent first sets
	// seldon_evicted_model_memory_bytes_gauge (to 0); a model only loaded has no such series.
	evicted bool
}

// StartAgent serves /metrics on a free loopback port.
func StartAgent() (*Agent, error) { return StartAgentAt("127.0.0.1:0") }

// StartAgentAt serves /metrics at addr, and /rate, through which another process sets the rates
// (SetRemoteRate): the demo runs the agent as a process of its own that outlives `go run`.
func StartAgentAt(addr string) (*Agent, error) {
	a := &Agent{counters: map[inferKey]*counter{}, replicas: map[string]*replica{}}
	// Pedantic: every scrape is checked against the families described, so a malformed
	// exposition fails the scrape instead of reaching Prometheus.
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(collector{a}); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	a.Addr = l.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	mux.HandleFunc("PUT /rate", a.serveRate)
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = a.srv.Serve(l) }()
	return a, nil
}

// Stop ends the agent's server.
func (a *Agent) Stop() error { return a.srv.Close() }

// SetRate changes the rate of successful (200) requests of one series from now on; the counter
// keeps what it counted.
func (a *Agent) SetRate(s Series, rps float64) { a.SetCodeRate(s, http.StatusOK, rps) }

// SetCodeRate changes the rate of one series' requests answered with code from now on, e.g. 500s
// beside the 200s of SetRate; a rate of ProxyBadGateway shows in the latency histogram only.
func (a *Agent) SetCodeRate(s Series, code int, rps float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	c := a.counter(s, code, now)
	c.value, c.rate, c.since = c.at(now), rps, now
}

// Infer records a batch of completed inferences of one series by the code each client got, as the
// real agent counts them: ProxyBadGateway in seldon_model_infer_api_seconds only, every other
// code there and in seldon_model_infer_total, its _seconds_total and the aggregates.
func (a *Agent) Infer(s Series, codes ...int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	for _, code := range codes {
		a.counter(s, code, now).value++
	}
}

// counter is the series' counter of code, made at its first request. Traffic for a model the
// agent has never seen loads it first: the scheduler routes to a model only once it is loaded.
func (a *Agent) counter(s Series, code int, now time.Time) *counter {
	k := inferKey{s, code}
	c, ok := a.counters[k]
	if !ok {
		c = &counter{since: now}
		a.counters[k] = c
		a.replica(s.Server).see(s.Model)
	}
	return c
}

// SetLoaded loads (true) or unloads (false) a series' model on its Server's replica, as the
// scheduler does when the Model is scaled to 0 and back, or deleted and re-created: the loaded
// gauge and the load or unload counter follow, and the inference counters are left alone (the
// recording shows them surviving all four). Unloading a model the agent never loaded does
// nothing. MethodType plays no part: the gauges are per model.
func (a *Agent) SetLoaded(s Series, loaded bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.replicas[s.Server]
	var m *modelState
	if r != nil {
		m = r.models[s.Model]
	}
	switch {
	case m == nil && !loaded: // never loaded: nothing to unload
	case m == nil:
		a.replica(s.Server).see(s.Model)
	case m.loaded == loaded:
	case loaded:
		m.loaded = true
		r.loads++
	default:
		m.loaded, m.evicted = false, true
		r.unloads++
	}
}

// Restart does to the metrics what restarting the real agent's process does (recording S4,
// capture 6): every counter starts again from nothing, and its series is exported again only once
// it counts (a series with a rate keeps it, so it counts on from 0 at once); the unload counter
// and the evicted gauge are gone; each model still loaded is loaded again by the new process, one
// load each, its loaded gauge back at 1; models left unloaded drop out of the gauges.
func (a *Agent) Restart() {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	for k, c := range a.counters {
		if c.rate == 0 {
			delete(a.counters, k)
			continue
		}
		c.value, c.since = 0, now
	}
	for _, r := range a.replicas {
		r.loads, r.unloads = 0, 0
		for name, m := range r.models {
			if !m.loaded {
				delete(r.models, name)
				continue
			}
			m.evicted = false
			r.loads++
		}
	}
}

func (a *Agent) replica(server string) *replica {
	r, ok := a.replicas[server]
	if !ok {
		r = &replica{models: map[string]*modelState{}}
		a.replicas[server] = r
	}
	return r
}

// see makes a model the replica serves known to it: loaded (and counted as a load) at first sight.
func (r *replica) see(name string) {
	if _, ok := r.models[name]; !ok {
		r.models[name] = &modelState{loaded: true}
		r.loads++
	}
}

// SetRemoteRate sets the rate of one series of the agent serving at addr (StartAgentAt).
func SetRemoteRate(ctx context.Context, addr string, s Series, rps float64) error {
	q := url.Values{"model": {s.Model}, "server": {s.Server}, "method_type": {s.MethodType},
		"rps": {strconv.FormatFloat(rps, 'g', -1, 64)}}
	return call(ctx, http.MethodPut, "http://"+addr+"/rate?"+q.Encode(), http.StatusNoContent, "setting the agent's rate")
}

// call sends a bodiless request and wants the status; what names the action in the error.
func call(ctx context.Context, method, url string, want int, what string) error {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("%s: %s", what, resp.Status)
	}
	return nil
}

func (a *Agent) serveRate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rps, err := strconv.ParseFloat(q.Get("rps"), 64)
	if err != nil || rps < 0 || q.Get("model") == "" {
		http.Error(w, "want model, server, method_type and rps >= 0", http.StatusBadRequest)
		return
	}
	a.SetRate(Series{Model: q.Get("model"), Server: q.Get("server"), MethodType: q.Get("method_type")}, rps)
	w.WriteHeader(http.StatusNoContent)
}

// Silence makes the agent export no series (on) or its counters again (off); they keep counting.
func (a *Agent) Silence(on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.silent = on
}

// agentReplica is the server_replica label: the stand-in plays replica 0 of each Server, the pod
// mlserver-0 its scrape target is labelled with (agentPod). The agent sets no namespace or pod
// label: those come from the scrape, as a PodMonitor adds them.
const agentReplica = "0"

// modelledLatency is the time every inference is taken to last, in seconds. The stand-in serves
// no inference, so latency is not modelled: a fixed figure keeps the latency families' sums
// consistent with their counts and rate(_seconds_total)/rate(_total) finite.
const modelledLatency = 0.002

// latencyBuckets are the buckets of seldon_model_infer_api_seconds: Seldon's
// metrics.DefaultHistogramBuckets.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// The real agent's families: names, help and label names as scheduler/pkg/metrics/agent.go
// declares them. It also declares seldon_cache_evict_count and seldon_cache_miss_count, counted
// only when models are evicted to disk (over-commit), which the stand-in does not model: like an
// agent that never evicts, it exports neither.
var (
	inferLabels     = []string{"code", "method_type", "model", "model_internal", "server", "server_replica"}
	aggregateLabels = []string{"method_type", "server", "server_replica"}
	modelLabels     = []string{"model_internal", "server", "server_replica"}
	replicaLabels   = []string{"server", "server_replica"}

	descInfer = prometheus.NewDesc("seldon_model_infer_total",
		"A count of server inference calls", inferLabels, nil)
	descInferSeconds = prometheus.NewDesc("seldon_model_infer_seconds_total",
		"A sum of server inference call latencies", inferLabels, nil)
	descAggregate = prometheus.NewDesc("seldon_model_aggregate_infer_total",
		"A count of server inference calls (aggregate)", aggregateLabels, nil)
	descAggregateSeconds = prometheus.NewDesc("seldon_model_aggregate_infer_seconds_total",
		"A sum of server inference call latencies (aggregate)", aggregateLabels, nil)
	descAPI = prometheus.NewDesc("seldon_model_infer_api_seconds",
		"A histogram of latencies for inference server", []string{"code", "method", "server", "server_replica"}, nil)
	descLoaded = prometheus.NewDesc("seldon_loaded_model_gauge",
		"A gauge of models loaded in the system", modelLabels, nil)
	descLoadedMemory = prometheus.NewDesc("seldon_loaded_model_memory_bytes_gauge",
		"A gauge of models loaded memory in the system", modelLabels, nil)
	descEvictedMemory = prometheus.NewDesc("seldon_evicted_model_memory_bytes_gauge",
		"A gauge of models evicted from memory in the system", modelLabels, nil)
	descLoads = prometheus.NewDesc("seldon_load_model_counter",
		"A count of model load", replicaLabels, nil)
	descUnloads = prometheus.NewDesc("seldon_unload_model_counter",
		"A count of model unload", replicaLabels, nil)
	descCapacity = prometheus.NewDesc("seldon_server_replica_memory_capacity_bytes_gauge",
		"A gauge of server replica memory capacity", replicaLabels, nil)
	descCapacityOvercommit = prometheus.NewDesc("seldon_server_replica_memory_capacity_overcommit_bytes_gauge",
		"A gauge of server replica memory capacity with overcommit", replicaLabels, nil)
)

// collector exports the Agent through client_golang's registry. A rate makes a counter grow
// between scrapes, which prometheus.Counter cannot do, so each scrape turns what the Agent has
// counted by then into constant metrics.
type collector struct{ a *Agent }

func (collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descInfer, descInferSeconds, descAggregate, descAggregateSeconds, descAPI,
		descLoaded, descLoadedMemory, descEvictedMemory, descLoads, descUnloads, descCapacity, descCapacityOvercommit} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	a := c.a
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.silent {
		return
	}
	a.collectInferences(ch, time.Now())
	for server, r := range a.replicas {
		r.collect(ch, server)
	}
}

// collectInferences exports the inference families. Seldon's agent counts an inference (in
// seldon_model_infer_total, its _seconds_total and the aggregates) when the inference server
// answered; the latency histogram wraps the whole proxy handler, so it also sees the proxy's own
// 502s. The histogram and the aggregates have no model label: they sum over a Server's models.
func (a *Agent) collectInferences(ch chan<- prometheus.Metric, now time.Time) {
	aggregate := map[[2]string]float64{} // method_type, server
	api := map[[3]string]float64{}       // code, method, server
	for k, c := range a.counters {
		v, code := c.at(now), strconv.Itoa(k.Code)
		api[[3]string{code, histogramMethod(k.MethodType), k.Server}] += v
		if k.Code == ProxyBadGateway {
			continue
		}
		labels := []string{code, k.MethodType, k.Model, internalName(k.Model), k.Server, agentReplica}
		ch <- prometheus.MustNewConstMetric(descInfer, prometheus.CounterValue, v, labels...)
		ch <- prometheus.MustNewConstMetric(descInferSeconds, prometheus.CounterValue, v*modelledLatency, labels...)
		aggregate[[2]string{k.MethodType, k.Server}] += v
	}
	for k, v := range aggregate {
		ch <- prometheus.MustNewConstMetric(descAggregate, prometheus.CounterValue, v, k[0], k[1], agentReplica)
		ch <- prometheus.MustNewConstMetric(descAggregateSeconds, prometheus.CounterValue, v*modelledLatency,
			k[0], k[1], agentReplica)
	}
	for k, v := range api {
		ch <- apiHistogram(v, k[0], k[1], k[2], agentReplica)
	}
}

// apiHistogram is the latency histogram of n requests, each lasting modelledLatency. A rate gives
// fractional requests; a histogram counts whole ones, so the fraction waits for the next scrape.
func apiHistogram(n float64, labels ...string) prometheus.Metric {
	count := uint64(math.Floor(n))
	buckets := make(map[float64]uint64, len(latencyBuckets))
	for _, le := range latencyBuckets {
		buckets[le] = 0
		if modelledLatency <= le {
			buckets[le] = count
		}
	}
	return prometheus.MustNewConstHistogram(descAPI, count, float64(count)*modelledLatency, buckets, labels...)
}

// histogramMethod is the method label of the latency histogram: Seldon's REST proxy is wrapped in
// promhttp.InstrumentHandlerDuration, which labels the lower-cased HTTP method (inference is a
// POST); its gRPC interceptor labels "grpc".
func histogramMethod(methodType string) string {
	if methodType == "grpc" {
		return "grpc"
	}
	return "post"
}

// internalName is Seldon's name of a model's version on a server: <model>_<version>. The
// stand-in's models are at version 1; the recording shows a Model deleted and re-created getting
// version 1 again, so the same series counts on.
func internalName(model string) string { return model + "_1" }

// collect exports one replica's load and memory families. Memory is not modelled (the stand-in
// loads nothing), so the memory gauges are exported, to keep the real agent's families, at 0.
func (r *replica) collect(ch chan<- prometheus.Metric, server string) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(descCapacity, 0, server, agentReplica)
	gauge(descCapacityOvercommit, 0, server, agentReplica)
	// The real agent's counters appear at their first increment.
	if r.loads > 0 {
		ch <- prometheus.MustNewConstMetric(descLoads, prometheus.CounterValue, r.loads, server, agentReplica)
	}
	if r.unloads > 0 {
		ch <- prometheus.MustNewConstMetric(descUnloads, prometheus.CounterValue, r.unloads, server, agentReplica)
	}
	for name, m := range r.models {
		loaded := 0.0
		if m.loaded {
			loaded = 1
		}
		gauge(descLoaded, loaded, internalName(name), server, agentReplica)
		gauge(descLoadedMemory, 0, internalName(name), server, agentReplica)
		if m.evicted {
			gauge(descEvictedMemory, 0, internalName(name), server, agentReplica)
		}
	}
}
