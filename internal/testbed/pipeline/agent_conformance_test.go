package pipeline_test

// Conformance of the stand-in agent with real Seldon Core 2.10.2's agent, as recorded in the shared
// fixtures (seldon-2.10.2-observed, scenario S4): the recording's actions are replayed against the
// stand-in, and at each of the recording's metrics captures the stand-in's exposition is compared
// with the one the real agent served. Every figure compared comes from the files.

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/observed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/pipeline"
)

// The families the replay compares by value, named once.
const (
	inferTotal     = "seldon_model_infer_total"
	aggregateTotal = "seldon_model_aggregate_infer_total"
	apiHistogram   = "seldon_model_infer_api_seconds"
	loadedGauge    = "seldon_loaded_model_gauge"
	loadCounter    = "seldon_load_model_counter"
	unloadCounter  = "seldon_unload_model_counter"
)

type families = map[string]*dto.MetricFamily

// capture is one metrics capture of the replay: what the real agent served and what the stand-in
// serves at the same point of the scenario.
type capture struct {
	label, file   string
	recorded, got families
	restarts      int // agent restarts replayed before this capture
}

func TestStandInServesTheRealAgentsFamilies(t *testing.T) {
	dir := observedDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "S4-metrics-*.prom"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no S4-metrics-*.prom in %s (%v): the recording of the real agent is missing", dir, err)
	}
	want := shapes{}
	for _, f := range files {
		if err := want.add(parseProm(t, f)); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
	// The stand-in's families over the whole scenario: a family appears only once touched (the
	// unload counter at the first unload), as the real agent's do.
	got, replayed := shapes{}, []string{}
	for _, c := range replayS4(t, dir) {
		replayed = append(replayed, c.file)
		if err := got.add(c.got); err != nil {
			t.Errorf("stand-in at capture %s: %v", c.label, err)
		}
	}
	for _, f := range files {
		if !slices.Contains(replayed, filepath.Base(f)) {
			t.Errorf("%s is no capture of S4.jsonl: the replay never compares it", filepath.Base(f))
		}
	}
	for _, name := range sortedUnion(want, got) {
		r, g := want[name], got[name]
		switch {
		case g == nil:
			t.Errorf("%s: the real agent exports it (%s), the stand-in never does", name, r)
		case r == nil:
			t.Errorf("%s: the stand-in exports it (%s), the real agent never does", name, g)
		case r.String() != g.String():
			t.Errorf("%s differs:\n real:     %s\n stand-in: %s", name, r, g)
		}
	}
}

func TestStandInReplaysTheRecordedAgent(t *testing.T) {
	captures := replayS4(t, observedDir(t))
	// The real agent's loads and unloads before the first capture are not recorded, so the load and
	// unload counters are compared as changes since the agent process was first seen: the first
	// capture for the first process; nothing for a restarted one, whose whole life is replayed.
	var base [2]families
	for i, c := range captures {
		switch {
		case i == 0:
			base = [2]families{c.recorded, c.got}
		case c.restarts != captures[i-1].restarts:
			base = [2]families{{}, {}}
		}
		t.Run(fmt.Sprintf("%d-%s", i+1, c.label), func(t *testing.T) {
			compareValues(t, c)
			for _, name := range []string{loadCounter, unloadCounter} {
				want := since(values(c.recorded, name), values(base[0], name))
				got := since(values(c.got, name), values(base[1], name))
				if !maps.Equal(want, got) {
					t.Errorf("%s since the agent process was first seen: real %v, stand-in %v", name, want, got)
				}
			}
			compareFamilySets(t, c)
		})
	}
	checkResets(t, captures)
}

// compareValues compares, whole, the families the replay's seed and actions determine: the
// inference counts by code (502s included in the histogram's count only), the aggregate, and the
// loaded gauge. Latencies and memory are not modelled by the stand-in, so not compared.
func compareValues(t *testing.T, c capture) {
	t.Helper()
	for _, name := range []string{inferTotal, aggregateTotal, apiHistogram, loadedGauge} {
		if want, got := values(c.recorded, name), values(c.got, name); !maps.Equal(want, got) {
			t.Errorf("%s: real %v, stand-in %v", name, want, got)
		}
	}
}

// compareFamilySets checks which seldon_* families are exported. The real agent's first process
// had touched families before the recording began (it had unloaded models), so until the first
// restart the stand-in may export fewer; after it, both processes' whole lives are replayed.
func compareFamilySets(t *testing.T, c capture) {
	t.Helper()
	want, got := slices.Sorted(maps.Keys(c.recorded)), slices.Sorted(maps.Keys(c.got))
	for _, name := range got {
		if c.recorded[name] == nil {
			t.Errorf("the stand-in exports %s, the real agent does not at this capture", name)
		}
	}
	if c.restarts > 0 && !slices.Equal(want, got) {
		t.Errorf("families after the restart: real %v, stand-in %v", want, got)
	}
}

// checkResets shows that the stand-in's counters reset exactly where the real agent's did: between
// two captures each counter family went down (or vanished) in the stand-in if and only if in the
// real agent, and some did if and only if an agent restart was replayed in between.
func checkResets(t *testing.T, captures []capture) {
	t.Helper()
	resets := 0
	for i := 1; i < len(captures); i++ {
		prev, c := captures[i-1], captures[i]
		restarted, anyReal := c.restarts != prev.restarts, false
		for _, name := range sortedUnion(counterFamilies(prev.recorded), counterFamilies(prev.got)) {
			want, got := dropped(prev.recorded, c.recorded, name), dropped(prev.got, c.got, name)
			anyReal = anyReal || want
			if got != want {
				t.Errorf("%s between %s and %s: the real agent's dropped=%v, the stand-in's=%v",
					name, prev.label, c.label, want, got)
			}
		}
		if anyReal != restarted {
			t.Fatalf("the recording itself: counters dropped=%v between %s and %s, restart replayed=%v",
				anyReal, prev.label, c.label, restarted)
		}
		if restarted {
			resets++
		}
	}
	if resets == 0 {
		t.Error("the recording replays no agent restart: the reset is not shown")
	}
}

// replayS4 replays S4.jsonl against a fresh stand-in and returns every capture in order.
func replayS4(t *testing.T, dir string) []capture {
	t.Helper()
	records, err := observed.Load(dir, "S4")
	if err != nil {
		t.Fatal(err)
	}
	agent, err := pipeline.StartAgent()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = agent.Stop() })
	var out []capture
	r := replayer{agent: agent}
	for _, rec := range records {
		switch {
		case rec.MetricsCapture != "":
			recorded := seldonOnly(parseProm(t, observed.MetricsPath(dir, rec.File)))
			if out == nil {
				r.series = seed(t, agent, recorded)
			}
			out = append(out, capture{label: rec.MetricsCapture, file: rec.File, recorded: recorded,
				got: scrape(t, agent), restarts: r.restarts})
		case out == nil:
			// Before the first capture: its effects are in the seed.
		case rec.ActionResult != "":
			if codes, ok := rec.IntResults(); ok {
				agent.Infer(r.series, codes...)
			}
		case rec.Action != "":
			if err := r.act(rec); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("S4.jsonl has no metrics_capture")
	}
	return out
}

// seed puts the stand-in where the real agent was at the first capture. The scenario begins after
// the real agent had already served (README: one manual request before capture 1), so the stand-in
// is given the inferences the first capture counts, by code, and the models' loaded state it
// shows; from there both are compared whole, which is what lets the comparison cross the restart
// (differences from the first capture would go negative there). The seed is also the one series
// the replay's inferences go to.
func seed(t *testing.T, agent *pipeline.Agent, first families) pipeline.Series {
	t.Helper()
	var all []pipeline.Series
	internal := map[[2]string]pipeline.Series{} // model_internal, server
	for _, m := range first[inferTotal].GetMetric() {
		l := labelMap(m)
		code, err := strconv.Atoi(l["code"])
		if err != nil {
			t.Fatalf("%s with code %q: %v", inferTotal, l["code"], err)
		}
		s := pipeline.Series{Model: l["model"], Server: l["server"], MethodType: l["method_type"]}
		agent.Infer(s, slices.Repeat([]int{code}, int(m.GetCounter().GetValue()))...)
		internal[[2]string{l["model_internal"], l["server"]}] = s
		if !slices.Contains(all, s) {
			all = append(all, s)
		}
	}
	if len(all) != 1 {
		t.Fatalf("the first capture has %d series of %s, the replay wants exactly one: %v", len(all), inferTotal, all)
	}
	for _, m := range first[loadedGauge].GetMetric() {
		l := labelMap(m)
		s, ok := internal[[2]string{l["model_internal"], l["server"]}]
		if !ok {
			t.Fatalf("the first capture has a loaded model with no inference series: %v", l)
		}
		agent.SetLoaded(s, m.GetGauge().GetValue() == 1)
	}
	return all[0]
}

// replayer turns the recording's actions into the stand-in's calls.
type replayer struct {
	agent    *pipeline.Agent
	series   pipeline.Series
	restarts int
}

var (
	restartAction  = regexp.MustCompile(`^restart agent `)
	deleteAction   = regexp.MustCompile(`^kubectl delete model (\S+)`)
	recreateAction = regexp.MustCompile(`^kubectl apply .*\(Model (\S+) replicas=(\d+)\)`)
	// The steps of a restart after its SIGTERM, and inference actions, whose codes come with
	// their results: nothing to do at the action itself.
	passiveAction = regexp.MustCompile(`^(wait for old agent|start agent .* again|wait agent /ready)|inferences`)
)

func (r *replayer) act(rec observed.Record) error {
	action := rec.Action
	if n, ok := rec.ScaleTo(); ok {
		r.agent.SetLoaded(r.series, n > 0)
		return nil
	}
	switch {
	case restartAction.MatchString(action):
		r.agent.Restart()
		r.restarts++
	case deleteAction.MatchString(action):
		r.agent.SetLoaded(r.series, false) // the counters stay: nothing else to do
	case recreateAction.MatchString(action):
		n, err := strconv.Atoi(recreateAction.FindStringSubmatch(action)[2])
		if err != nil {
			return err
		}
		r.agent.SetLoaded(r.series, n > 0)
	case passiveAction.MatchString(action):
	default:
		return fmt.Errorf("S4.jsonl has an action the replay does not know: %q", action)
	}
	return nil
}

// shapes are families by name as the conformance test compares them.
type shapes map[string]*shape

type shape struct {
	typ, help string
	labels    map[string]bool // each label-name set, joined
	le        map[float64]bool
}

func (s *shape) String() string {
	le := slices.Sorted(maps.Keys(s.le))
	return fmt.Sprintf("TYPE %s, HELP %q, label names %v, buckets %v",
		s.typ, s.help, slices.Sorted(maps.Keys(s.labels)), le)
}

// add merges the seldon_* families of one exposition; a family's type or help must not change.
func (ss shapes) add(fams families) error {
	for name, f := range seldonOnly(fams) {
		s := ss[name]
		if s == nil {
			s = &shape{typ: f.GetType().String(), help: f.GetHelp(), labels: map[string]bool{}, le: map[float64]bool{}}
			ss[name] = s
		}
		if s.typ != f.GetType().String() || s.help != f.GetHelp() {
			return fmt.Errorf("%s is %s %q here, %s %q elsewhere", name, f.GetType(), f.GetHelp(), s.typ, s.help)
		}
		for _, m := range f.GetMetric() {
			s.labels[strings.Join(slices.Sorted(maps.Keys(labelMap(m))), ",")] = true
			for _, b := range m.GetHistogram().GetBucket() {
				s.le[b.GetUpperBound()] = true
			}
		}
	}
	return nil
}

// sortedUnion is the keys of a and b, sorted.
func sortedUnion[V any](a, b map[string]V) []string {
	names := slices.Collect(maps.Keys(a))
	for n := range b {
		if _, ok := a[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// values are one family's samples by label set: a counter's or gauge's value, a histogram's count.
func values(fams families, name string) map[string]float64 {
	out := map[string]float64{}
	for _, m := range fams[name].GetMetric() {
		v := m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
		out[labelKey(m)] = v
	}
	return out
}

// since is now less base, per label set, leaving out what did not change: a counter the stand-in
// has not yet touched is not exported, where the real agent's first process may export it
// unchanged (which families exist is compareFamilySets' concern).
func since(now, base map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range now {
		if d := v - base[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// counterFamilies are the families whose values only grow while the agent runs.
func counterFamilies(fams families) map[string]bool {
	out := map[string]bool{}
	for name, f := range fams {
		if f.GetType() == dto.MetricType_COUNTER || f.GetType() == dto.MetricType_HISTOGRAM {
			out[name] = true
		}
	}
	return out
}

// dropped says whether any series of the family (a counter, or a histogram's count) is lower, or
// gone, in cur than in prev.
func dropped(prev, cur families, name string) bool {
	now := values(cur, name)
	for k, v := range values(prev, name) {
		if w, ok := now[k]; !ok || w < v {
			return true
		}
	}
	return false
}

func labelMap(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

func labelKey(m *dto.Metric) string {
	l := labelMap(m)
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(l)) {
		parts = append(parts, k+"="+strconv.Quote(l[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func seldonOnly(fams families) families {
	out := families{}
	for name, f := range fams {
		if strings.HasPrefix(name, "seldon_") {
			out[name] = f
		}
	}
	return out
}

func observedDir(t *testing.T) string {
	t.Helper()
	f, err := testbed.RepoFixtures()
	if err != nil {
		t.Fatal(err) // never a skip: the recording comes with the checkout's surroundings
	}
	return f.Observed
}

func parseProm(t *testing.T, path string) families {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = file.Close() }()
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(file)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return fams
}

// scrape reads the stand-in's /metrics as Prometheus would, in the text format the recording has.
func scrape(t *testing.T, agent *pipeline.Agent) families {
	t.Helper()
	resp, err := http.Get("http://" + agent.Addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scraping the stand-in: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the stand-in's exposition: %v", err)
	}
	return seldonOnly(fams)
}
