package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// weekTrace is the history TestPlanFromPrometheusHistory backfills: Seldon's counter for one
// Model, scraped every 15 s for a week up to end, carrying a daily wave between 3 and 30 RPS with
// ±5% noise, two short spikes, a flash crowd of 36 RPS for ten minutes, a counter reset (the agent
// restarted) and a 20-minute scrape gap.
type weekTrace struct {
	end                     time.Time
	flashCrowd, reset, gap  time.Time
	spikes                  []spike
	scrape                  time.Duration
	model, namespace, extra string
}

func newWeekTrace(end time.Time) weekTrace {
	start := end.Add(-7 * 24 * time.Hour)
	// Every event is placed by the time of day (UTC), on which the wave depends, so the trace's
	// figures do not move with the hour the test runs: the flash crowd at 05:00, low on the wave
	// (about 13 RPS), so it outruns the replicas; the spikes at 03:00 (about 7 RPS, 11 at their
	// top), so the flash crowd stays the peak. midnight is at most a day before start.
	midnight := start.Truncate(24 * time.Hour)
	at := func(days, hours int) time.Time {
		return midnight.Add(time.Duration(days)*24*time.Hour + time.Duration(hours)*time.Hour)
	}
	return weekTrace{end: end, scrape: 15 * time.Second, model: "irish", namespace: "seldon-mesh",
		flashCrowd: at(5, 5), reset: at(2, 12), gap: at(5, 20), extra: `server="mlserver",pod="mlserver-0"`,
		spikes: []spike{{at(1, 3), 90 * time.Second}, {at(3, 3), 120 * time.Second}}}
}

// spike multiplies the load by 1.6 for a while.
type spike struct {
	at    time.Time
	lasts time.Duration
}

func (w weekTrace) rps(t time.Time, r *rand.Rand) float64 {
	if d := t.Sub(w.flashCrowd); d >= 0 && d < 10*time.Minute {
		return 36
	}
	day := float64(t.Unix()%86400) / 86400
	v := (3 + 27*(1-math.Cos(2*math.Pi*day))/2) * (0.95 + 0.1*r.Float64())
	for _, s := range w.spikes {
		if d := t.Sub(s.at); d >= 0 && d < s.lasts {
			v *= 1.6
		}
	}
	return v
}

// writeOpenMetrics writes the counter's samples as promtool's backfill reads them.
func (w weekTrace) writeOpenMetrics(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	b := bufio.NewWriter(f)
	fmt.Fprintln(b, "# TYPE seldon_model_infer counter")
	r := rand.New(rand.NewPCG(7, 7))
	counter := 0.0
	for t := w.end.Add(-7 * 24 * time.Hour); !t.After(w.end); t = t.Add(w.scrape) {
		counter += w.rps(t, r) * w.scrape.Seconds()
		if !t.Before(w.reset) && t.Before(w.reset.Add(w.scrape)) {
			counter = 0
		}
		if d := t.Sub(w.gap); d >= 0 && d < 20*time.Minute {
			continue
		}
		fmt.Fprintf(b, "seldon_model_infer_total{model=%q,namespace=%q,%s} %g %d\n", w.model, w.namespace, w.extra,
			counter, t.Unix())
	}
	fmt.Fprintln(b, "# EOF")
	if err := b.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// TestPlanFromPrometheusHistory backfills a week of a model's history into a real Prometheus'
// TSDB with Prometheus' own promtool, and runs `seldon-autoscaling plan --from-prometheus` on it
// over the real HTTP API: the sizing inputs must be what the trace was built with, the gap and the
// reset must be reported, and the plan must replay the history and print inputs to paste.
func TestPlanFromPrometheusHistory(t *testing.T) {
	for _, bin := range []string{"prometheus", "promtool"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed; hack/tools.sh all installs it", bin)
			}
			t.Skipf("%s is not installed (hack/tools.sh prometheus)", bin)
		}
	}
	dir := t.TempDir()
	w := newWeekTrace(time.Now().Add(-10 * time.Minute).Truncate(time.Minute))
	om := filepath.Join(dir, "history.om")
	if err := w.writeOpenMetrics(om); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if out, err := exec.Command("promtool", "tsdb", "create-blocks-from", "openmetrics", om, data).
		CombinedOutput(); err != nil {
		t.Fatalf("promtool backfill: %v\n%s", err, out)
	}
	url := startHistoryPrometheus(t, dir, data)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(buildDoctor(t, root), "plan", "--from-prometheus", "--prometheus-url", url,
		"-n", w.namespace, "--model", w.model, "--output", "json", "--kubeconfig", filepath.Join(dir, "none"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("plan --from-prometheus: %v\n%s", err, stderrOf(err))
	}
	checkHistoryPlan(t, out)
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(ee.Stderr)
	}
	return ""
}

// checkHistoryPlan checks the plan's JSON against what the week was built with.
func checkHistoryPlan(t *testing.T, out []byte) {
	t.Helper()
	var p struct {
		Sizing               []struct{ Field, Value, Reason string }
		Warnings             []string
		Pieces               int
		BreachSeconds        map[string]int
		ReplicaSeconds       map[string]int
		Inputs, Chosen, Step string
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	values := map[string]float64{}
	for _, d := range p.Sizing {
		var v float64
		if _, err := fmt.Sscan(d.Value, &v); err == nil {
			values[d.Field] = v
		}
		t.Logf("%s = %s (%s)", d.Field, d.Value, d.Reason)
	}
	// The rate of a 36 RPS flash crowd, with a minute's window over 15 s scrapes: 36 within the
	// rounding of the window's edges; the quietest quarter-hour is the wave's 3 RPS with its noise.
	if v := values["autoscaling.sizing.peakRps"]; v < 34 || v > 38 {
		t.Errorf("peakRps %v, want the flash crowd's 36", v)
	}
	if v := values["autoscaling.sizing.minLoadRps"]; v < 2.8 || v > 3.5 {
		t.Errorf("minLoadRps %v, want the wave's low of 3", v)
	}
	// Spikes of 90 s and 120 s, as a one-minute rate at 30 s steps sees them.
	if v := values["autoscaling.sizing.spikeSeconds"]; v < 90 || v > 210 {
		t.Errorf("spikeSeconds %v, want the longer spike's 120 s within the rate window's smear", v)
	}
	all := strings.Join(p.Warnings, "\n")
	// Two gaps: the scrape gap, and the minutes before the first sample (the history asked for
	// starts at the plan's now less a week; the trace ended 10 minutes before).
	for _, want := range []string{"2 gaps", "the counter reset 1 times"} {
		if !strings.Contains(all, want) {
			t.Errorf("the warnings do not say %q:\n%s", want, all)
		}
	}
	// A week at most 6 h a piece, less the first minutes; the gap splits one, leaving one or two
	// remainders of an hour or more: 28 to 30 pieces.
	if p.Pieces < 28 || p.Pieces > 30 || p.BreachSeconds["default"] == 0 ||
		p.BreachSeconds["chosen"] > p.BreachSeconds["default"] || p.ReplicaSeconds["chosen"] == 0 {
		t.Errorf("replayed %d pieces, breach %v, replica-seconds %v", p.Pieces, p.BreachSeconds, p.ReplicaSeconds)
	}
	if !strings.Contains(p.Inputs, "autoscaling:\n") || !strings.Contains(p.Inputs, "peakRps:") || p.Step != "30s" {
		t.Errorf("inputs %q at step %s", p.Inputs, p.Step)
	}
	t.Logf("chosen %s; breach %v; replica-seconds %v", p.Chosen, p.BreachSeconds, p.ReplicaSeconds)
}

// startHistoryPrometheus runs Debian's prometheus on the backfilled data, with nothing to scrape,
// on a free loopback port, stopped by its PID when the test ends.
func startHistoryPrometheus(t *testing.T, dir, data string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("prometheus", "--config.file="+cfg, "--web.listen-address="+addr,
		"--storage.tsdb.path="+data, "--storage.tsdb.retention.time=30d", "--log.level=warn")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "http://" + addr + "/"
	eventually(t, 60*time.Second, "prometheus to be ready", func() (bool, string) {
		resp, err := http.Get(url + "-/ready")
		if err != nil {
			return false, err.Error()
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
	return url
}
