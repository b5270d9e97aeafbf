package pipeline_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/pipeline"
)

// TestAgentRates covers what the end-to-end tests and the demo rely on: SetRate (locally or over
// HTTP) makes a series of successes grow from its first call, at once exported even at rate 0;
// SetCodeRate adds other codes; Silence hides everything; Restart keeps the rates counting from 0.
func TestAgentRates(t *testing.T) {
	s := pipeline.Series{Model: "irisa0", Server: "irisa0-server", MethodType: "rest"}
	g := pipeline.Series{Model: "irisb0", Server: "irisb0-server", MethodType: "grpc"}
	const rps = 1000.0
	// The label set of one seldon_model_infer_total series, as the stand-in names it.
	key := func(s pipeline.Series, code int) string {
		return `{code="` + strconv.Itoa(code) + `",method_type="` + s.MethodType + `",model="` + s.Model +
			`",model_internal="` + s.Model + `_1",server="` + s.Server + `",server_replica="0"}`
	}
	for _, tc := range []struct {
		name string
		act  func(t *testing.T, a *pipeline.Agent)
		want map[string]func(float64) bool // per series of seldon_model_infer_total; nil: none exported
	}{
		{"rate of successes", func(_ *testing.T, a *pipeline.Agent) { a.SetRate(s, rps) },
			map[string]func(float64) bool{key(s, http.StatusOK): positive}},
		{"rate 0 exported", func(_ *testing.T, a *pipeline.Agent) { a.SetRate(g, 0) },
			map[string]func(float64) bool{key(g, http.StatusOK): zero}},
		{"remote rate", func(t *testing.T, a *pipeline.Agent) {
			if err := pipeline.SetRemoteRate(context.Background(), a.Addr, s, rps); err != nil {
				t.Fatal(err)
			}
		}, map[string]func(float64) bool{key(s, http.StatusOK): positive}},
		{"errors by code", func(_ *testing.T, a *pipeline.Agent) {
			a.SetRate(s, rps)
			a.SetCodeRate(s, http.StatusInternalServerError, rps)
			a.SetCodeRate(s, pipeline.ProxyBadGateway, rps) // the proxy's own: no inference counted
		}, map[string]func(float64) bool{key(s, http.StatusOK): positive, key(s, http.StatusInternalServerError): positive}},
		{"silenced", func(_ *testing.T, a *pipeline.Agent) { a.SetRate(s, rps); a.Silence(true) }, nil},
		{"silenced and back", func(_ *testing.T, a *pipeline.Agent) {
			a.SetRate(s, rps)
			a.Silence(true)
			a.Silence(false)
		}, map[string]func(float64) bool{key(s, http.StatusOK): positive}},
		{"restart keeps rates, drops the rest", func(_ *testing.T, a *pipeline.Agent) {
			a.SetRate(s, rps)
			a.Infer(g, http.StatusOK)
			a.Restart()
		}, map[string]func(float64) bool{key(s, http.StatusOK): positive}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := pipeline.StartAgent()
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = a.Stop() }()
			tc.act(t, a)
			time.Sleep(20 * time.Millisecond) // for a rate to count
			got := values(scrape(t, a), inferTotal)
			if len(got) != len(tc.want) {
				t.Fatalf("series %v, want %d of them", got, len(tc.want))
			}
			for k, ok := range tc.want {
				if v, found := got[k]; !found || !ok(v) {
					t.Errorf("%s = %v (exported: %v)", k, v, found)
				}
			}
		})
	}
}

// TestSetLoaded: the loaded gauge follows SetLoaded without touching the inference counters, and
// a model the agent never loaded cannot be unloaded.
func TestSetLoaded(t *testing.T) {
	s := pipeline.Series{Model: "iris", Server: "mlserver", MethodType: "rest"}
	for _, tc := range []struct {
		name             string
		act              func(a *pipeline.Agent)
		loaded           []float64 // the loaded gauge's values; none when absent
		loads, unloads   float64
		inferencesExport bool
	}{
		{"never seen, unloaded", func(a *pipeline.Agent) { a.SetLoaded(s, false) }, nil, 0, 0, false},
		{"loaded", func(a *pipeline.Agent) { a.SetLoaded(s, true) }, []float64{1}, 1, 0, false},
		{"traffic loads", func(a *pipeline.Agent) { a.Infer(s, http.StatusOK) }, []float64{1}, 1, 0, true},
		{"unloaded after traffic", func(a *pipeline.Agent) {
			a.Infer(s, http.StatusOK)
			a.SetLoaded(s, false)
		}, []float64{0}, 1, 1, true},
		{"reloaded", func(a *pipeline.Agent) {
			a.Infer(s, http.StatusOK)
			a.SetLoaded(s, false)
			a.SetLoaded(s, true)
			a.SetLoaded(s, true)
		}, []float64{1}, 2, 1, true},
		{"unloaded, then restarted", func(a *pipeline.Agent) {
			a.Infer(s, http.StatusOK)
			a.SetLoaded(s, false)
			a.Restart()
		}, nil, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := pipeline.StartAgent()
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = a.Stop() }()
			tc.act(a)
			fams := scrape(t, a)
			var loaded []float64
			for _, v := range values(fams, loadedGauge) {
				loaded = append(loaded, v)
			}
			if !slices.Equal(loaded, tc.loaded) {
				t.Errorf("loaded gauge %v, want %v", loaded, tc.loaded)
			}
			if got := sum(values(fams, loadCounter)); got != tc.loads {
				t.Errorf("loads %v, want %v", got, tc.loads)
			}
			if got := sum(values(fams, unloadCounter)); got != tc.unloads {
				t.Errorf("unloads %v, want %v", got, tc.unloads)
			}
			if got := len(values(fams, inferTotal)) > 0; got != tc.inferencesExport {
				t.Errorf("inference series exported: %v, want %v", got, tc.inferencesExport)
			}
		})
	}
}

func positive(v float64) bool { return v > 0 }
func zero(v float64) bool     { return v == 0 }

func sum(m map[string]float64) float64 {
	var s float64
	for _, v := range m {
		s += v
	}
	return s
}
