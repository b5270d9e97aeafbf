// Package pipeline runs the real metrics pipeline beside the local control plane: a stand-in for
// Seldon's agent that exports seldon_model_infer_total at a controlled rate, Prometheus (Debian's
// package) scraping it, and prometheus-adapter (built from the Go module proxy) serving
// custom.metrics.k8s.io from the rules the component put into the cluster.
package pipeline

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Series identifies one of the agent's counters by the labels Seldon's agent sets.
type Series struct {
	Model, Server, MethodType string
}

// Agent stands in for the Seldon agents of one namespace: for each series it exports
// seldon_model_infer_total with Seldon's label set, growing at a rate the test controls. It
// serves no inference; only the counter is real.
type Agent struct {
	mu       sync.Mutex
	counters map[Series]*counter
	srv      *http.Server
	Addr     string // host:port Prometheus scrapes
	silent   bool   // serve no series at all (an agent exporting nothing)
}

type counter struct {
	value float64
	rate  float64 // requests per second
	since time.Time
}

// StartAgent serves /metrics on a free loopback port.
func StartAgent() (*Agent, error) { return StartAgentAt("127.0.0.1:0") }

// StartAgentAt serves /metrics at addr, and /rate, through which another process sets the rates
// (SetRemoteRate): the demo runs the agent as a process of its own that outlives `go run`.
func StartAgentAt(addr string) (*Agent, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	a := &Agent{counters: map[Series]*counter{}, Addr: l.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", a.serveMetrics)
	mux.HandleFunc("PUT /rate", a.serveRate)
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = a.srv.Serve(l) }()
	return a, nil
}

// Stop ends the agent's server.
func (a *Agent) Stop() error { return a.srv.Close() }

// SetRate changes the request rate of one series from now on; the counter keeps what it counted.
func (a *Agent) SetRate(s Series, rps float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	c, ok := a.counters[s]
	if !ok {
		c = &counter{since: now}
		a.counters[s] = c
	}
	c.value += c.rate * now.Sub(c.since).Seconds()
	c.rate, c.since = rps, now
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

func (a *Agent) serveMetrics(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	now := time.Now()
	var lines []string
	for s, c := range a.counters {
		if a.silent {
			break
		}
		v := c.value + c.rate*now.Sub(c.since).Seconds()
		// Seldon's labels; pod and namespace come from the scrape target, as a PodMonitor adds them.
		lines = append(lines, fmt.Sprintf(
			`seldon_model_infer_total{code="200",method_type=%q,model=%q,model_internal=%q,server=%q,server_replica="0"} %.3f`,
			s.MethodType, s.Model, s.Model+"_1", s.Server, v))
	}
	a.mu.Unlock()
	sort.Strings(lines)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = fmt.Fprintf(
		w,
		"# HELP seldon_model_infer_total A count of inferences.\n# TYPE seldon_model_infer_total counter\n%s\n",
		strings.Join(lines, "\n"),
	)
}
