package hpasim

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/seldon"
)

// TestSchedulingIsAllOrNothing: without minReplicas Seldon places every replica the Model asks
// for or none; until they all fit it is ScheduleFailed, keeps serving on the replicas it had, and
// its status.replicas is already the spec (S1 of the Seldon 2.10.2 recording: 3 with 2 serving).
func TestSchedulingIsAllOrNothing(t *testing.T) {
	c := newCluster(2, 90, 0, policy.AllOrNothing, 1)
	c.setServerReplicas(0, 3) // one new pod, ready at 90
	for _, tc := range []struct {
		name                   string
		at, servers, ask       int // servers: the Server's replicas asked for at at; 0 leaves them
		serving, status, ready int
		failed                 bool
	}{
		{"4 replicas on 2 ready servers", 10, 4, 4, 2, 4, 2, true}, // the fourth pod is ready at 100
		{"3 of 4 servers ready: no partial scheduling", 90, 0, 4, 2, 4, 3, true},
		{"4 ready servers", 100, 0, 4, 4, 4, 4, false},
		{"scale-down takes effect at once", 101, 0, 1, 1, 1, 4, false},
	} {
		if tc.servers > 0 {
			c.setServerReplicas(tc.at, tc.servers)
		}
		c.setModelReplicas(tc.ask)
		c.schedule(tc.at)
		got := [3]int{c.modelServing(), c.modelStatusReplicas(), c.serverReady(tc.at)}
		if want := [3]int{tc.serving, tc.status, tc.ready}; got != want || c.scheduleFailed() != tc.failed {
			t.Fatalf("%s: serving, status.replicas, ready servers %v, failed %v; want %v, %v", tc.name, got,
				c.scheduleFailed(), want, tc.failed)
		}
	}
}

func TestServerScaleDownRemovesNewestPodsFirst(t *testing.T) {
	c := newCluster(2, 90, 0, policy.AllOrNothing, 1)
	c.setServerReplicas(0, 4)
	c.setServerReplicas(30, 3) // the StatefulSet drops the highest ordinal, still starting
	if !reflect.DeepEqual(c.serverPods, []int{0, 0, 90}) {
		t.Fatalf("pods %v, want [0 0 90]", c.serverPods)
	}
	c.setModelReplicas(3)
	c.schedule(90)
	if c.modelServing() != 3 {
		t.Fatalf("serving %d, want 3", c.modelServing())
	}
	// Removing a Server pod that holds a Model replica loses that replica; the Model cannot be
	// placed again until it fits.
	c.setServerReplicas(100, 2)
	c.schedule(100)
	if c.modelServing() != 2 || !c.scheduleFailed() {
		t.Fatalf("after losing a server: serving %d failed %v, want 2 true", c.modelServing(), c.scheduleFailed())
	}
}

func TestServerPodsWaitForRoomToStart(t *testing.T) {
	c := newCluster(1, 90, 2, policy.AllOrNothing, 1) // the cluster starts 2 pods at a time
	c.setServerReplicas(0, 6)
	if !reflect.DeepEqual(c.serverPods, []int{0, 90, 90, notStarted, notStarted, notStarted}) {
		t.Fatalf("pods %v", c.serverPods)
	}
	c.startPending(89)
	c.startPending(90) // the first two are ready: two more start
	c.setServerReplicas(100, 5)
	c.startPending(180)
	if !reflect.DeepEqual(c.serverPods, []int{0, 90, 90, 180, 180, 270}[:5]) || c.serverReady(180) != 5 {
		t.Fatalf("pods %v, %d ready at 180", c.serverPods, c.serverReady(180))
	}
}

func TestMetricRate(t *testing.T) {
	m := &metricSeries{pipeline: MetricPipeline{ScrapeIntervalSeconds: 30, RateWindowSeconds: 60}}
	if _, ok := m.rate(0); ok {
		t.Fatal("rate with no samples")
	}
	m.scrape(0, 0)
	if _, ok := m.rate(10); ok {
		t.Fatal("rate with one sample")
	}
	m.scrape(30, 180) // 6 RPS
	m.scrape(60, 540) // 12 RPS
	for _, tc := range []struct {
		now  int
		want float64
	}{
		{30, 6},  // samples 0, 30
		{59, 6},  // samples 0, 30 (60 not yet scraped)
		{60, 12}, // (0, 60]: samples 30, 60
		{89, 12},
	} {
		if got, ok := m.rate(tc.now); !ok || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("rate at %d = %v %v, want %v", tc.now, got, ok, tc.want)
		}
	}
	if _, ok := m.rate(120); ok {
		t.Error("rate at 120 from one sample in (60, 120]")
	}
	if !m.isScrapeTime(90) || m.isScrapeTime(91) {
		t.Error("scrape times")
	}
	m.pipeline.ScrapeOffsetSeconds = 7
	if !m.isScrapeTime(7) || !m.isScrapeTime(-23) || m.isScrapeTime(0) {
		t.Error("scrape times with offset")
	}
}

func TestMilliQuantityTruncates(t *testing.T) {
	if got := milliQuantityFromRPS(3.0009); got != 3000 {
		t.Errorf("got %d, want 3000", got)
	}
}

// stepConfig is a small system with the metric aligned on 30 s scrapes, for hand-timed cases.
func stepConfig(modelOffset, serverOffset int) Config {
	return Config{
		HPA: HPASpec{MinReplicas: 1, MaxReplicas: 10, Target: 3000,
			Behavior: &Behavior{ScaleUp: rules(0, "", pods(10, 15)), ScaleDown: unlimitedDown()}},
		SaturationRPS: 3.75, ServerReadySeconds: 90,
		ModelHPAOffsetSeconds: modelOffset, ServerHPAOffsetSeconds: serverOffset,
	}
}

// stepTrace goes from 6 to 12 RPS at 300 s.
func stepTrace() Trace { return Trace{{0, 6}, {300, 6}, {301, 12}, {700, 12}} }

func firstChange(tl []Sample, f func(Sample) int) int {
	for i := 1; i < len(tl); i++ {
		if f(tl[i]) != f(tl[i-1]) {
			return i
		}
	}
	return -1
}

func TestHPATimersAndScheduleFailedSpan(t *testing.T) {
	// The metric shows 12 RPS from the 330 s scrape (the 300–330 s slope): desired 4.
	for _, tc := range []struct {
		name                   string
		modelOffset, serverOff int
		modelAt, serverAt      int
		failedSeconds          int
	}{
		// Model first: ScheduleFailed from the Model's write until the Server pods asked for 5 s
		// later are ready: 5 + 90 s.
		{"model HPA first", 0, 5, 330, 335, 95},
		// Server first: its pods are 10 s into their 90 s when the Model asks.
		{"server HPA first", 10, 0, 340, 330, 80},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(stepConfig(tc.modelOffset, tc.serverOff), stepTrace())
			if err != nil {
				t.Fatal(err)
			}
			tl := res.Timeline
			if got := firstChange(tl, func(s Sample) int { return s.ModelDesired }); got != tc.modelAt ||
				tl[got].ModelDesired != 4 {
				t.Errorf("model scaled at %d to %d, want %d to 4", got, tl[got].ModelDesired, tc.modelAt)
			}
			if got := firstChange(tl, func(s Sample) int { return s.ServerDesired }); got != tc.serverAt ||
				tl[got].ServerDesired != 4 {
				t.Errorf("server scaled at %d to %d, want %d to 4", got, tl[got].ServerDesired, tc.serverAt)
			}
			if got := firstChange(tl, func(s Sample) int { return s.ServerReady }); got != tc.serverAt+90 {
				t.Errorf("servers ready at %d, want %d", got, tc.serverAt+90)
			}
			if got := firstChange(tl, func(s Sample) int { return s.ModelServing }); got != tc.serverAt+90 {
				t.Errorf("model serving moved at %d, want when all servers are ready (%d)", got, tc.serverAt+90)
			}
			sum := res.Summary
			if sum.ScheduleFailedSeconds != tc.failedSeconds || sum.ScheduleFailedEpisodes != 1 {
				t.Errorf(
					"ScheduleFailed %d s in %d episodes, want %d s in 1",
					sum.ScheduleFailedSeconds,
					sum.ScheduleFailedEpisodes,
					tc.failedSeconds,
				)
			}
			// 2 replicas serve 7.5 RPS of the 12 from 301 s until the new ones serve.
			if want := tc.serverAt + 90 - 301; sum.SLABreachSeconds != want {
				t.Errorf("breach %d s, want %d", sum.SLABreachSeconds, want)
			}
			if want := float64(tc.serverAt+90-301) * 4.5; math.Abs(sum.BreachedRequests-want) > 1e-6 {
				t.Errorf("breached requests %v, want %v", sum.BreachedRequests, want)
			}
		})
	}
}

func TestSyncsOnlyOnTimer(t *testing.T) {
	res, err := Run(stepConfig(3, 11), stepTrace())
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(res.Timeline); i++ {
		a, b := res.Timeline[i-1], res.Timeline[i]
		if a.ModelDesired != b.ModelDesired && (i-3)%15 != 0 {
			t.Errorf("model replicas changed at %d, off its timer (3 + 15k)", i)
		}
		if a.ServerDesired != b.ServerDesired && (i-11)%15 != 0 {
			t.Errorf("server replicas changed at %d, off its timer (11 + 15k)", i)
		}
	}
}

func TestServedOnlyMetricHidesDemand(t *testing.T) {
	// Under a saturating step, counting only served requests shows the HPAs at most the 2
	// replicas' 7.5 RPS: they ask for ⌈7.5 / 3⌉ = 3, not the 4 the load needs.
	cfg := stepConfig(0, 0)
	cfg.Metric.ServedOnly = true
	res, err := Run(cfg, stepTrace())
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Timeline[340].ModelDesired; got != 3 {
		t.Errorf("served-only metric: model asked for %d at 340 s, want 3", got)
	}
}

func TestInitialReplicas(t *testing.T) {
	cfg := stepConfig(0, 0)
	res, err := Run(cfg, Trace{{0, 7}, {60, 7}})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Timeline[0]; s.ModelServing != 3 || s.ServerReady != 3 {
		t.Errorf("start at 7 RPS: %+v, want 3 replicas (⌈7/3⌉) ready and serving", s)
	}
	cfg.InitialReplicas = 50
	cfg.ModelHPAOffsetSeconds, cfg.ServerHPAOffsetSeconds = 5, 5 // look before the first sync
	res, err = Run(cfg, Trace{{0, 7}, {60, 7}})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Timeline[0]; s.ModelDesired != 10 {
		t.Errorf("initial replicas above max: %d, want clamped to 10", s.ModelDesired)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	cfg := stepConfig(0, 0)
	cfg.SaturationRPS = 0
	cfg.Metric = MetricPipeline{ScrapeIntervalSeconds: 60, RateWindowSeconds: 60}
	if _, err := Run(cfg, stepTrace()); err == nil || !strings.Contains(err.Error(), "saturation") ||
		!strings.Contains(err.Error(), "fewer than two") {
		t.Errorf("error %v", err)
	}
	if _, err := Run(stepConfig(0, 0), Trace{{5, 1}, {10, 1}}); err == nil ||
		!strings.Contains(err.Error(), "starts at 0") {
		t.Errorf("error %v", err)
	}
}

func TestTraceSample(t *testing.T) {
	tr := Trace{{0, 0}, {4, 8}, {6, 8}}
	if got, want := tr.Sample(), []float64{0, 2, 4, 6, 8, 8}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if tr.Duration() != 6 || tr.Peak() != 8 || tr.LastChange() != 4 {
		t.Errorf("duration %d peak %v last change %d", tr.Duration(), tr.Peak(), tr.LastChange())
	}
}

func TestParseTraceCSV(t *testing.T) {
	tr, err := ParseTraceCSV(strings.NewReader("seconds,rps\n0,6\n# comment\n\n300, 6.5\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tr, Trace{{0, 6}, {300, 6.5}}) {
		t.Errorf("got %v", tr)
	}
	var buf strings.Builder
	if err := tr.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "seconds,rps\n0,6\n300,6.5\n" {
		t.Errorf("written %q", buf.String())
	}
	for _, tc := range []struct{ in, want string }{
		{"0,1,2\n", "line 1"},
		{"0,1\nx,2\n", "line 2: seconds"},
		{"0,1\n5,abc\n", "line 2: rps"},
		{"0,1\n5,-1\n", "not a finite number"},
		{"0,1\n0,2\n", "does not come after"},
		{"0,1\n", "at least two points"},
	} {
		if _, err := ParseTraceCSV(strings.NewReader(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	s := func(load, capacity float64, serving, ready, desired int, failed bool) Sample {
		return Sample{
			Load:           load,
			Capacity:       capacity,
			ModelServing:   serving,
			ModelDesired:   desired,
			ServerReady:    ready,
			ServerDesired:  desired,
			ScheduleFailed: failed,
		}
	}
	tl := []Sample{
		s(6, 7.5, 2, 2, 2, false),
		s(8, 7.5, 2, 2, 3, true),
		s(9, 7.5, 2, 2, 3, true),
		s(9, 7.5, 2, 2, 3, true),
		s(9, 11.25, 3, 3, 3, false),
		s(9, 7.5, 2, 2, 4, true),
	}
	got := summarize(tl, 2, 0)
	want := Summary{Seconds: 6, SLABreachSeconds: 4, BreachedRequests: 0.5 + 1.5 + 1.5 + 1.5,
		ScheduleFailedSeconds: 4, ScheduleFailedEpisodes: 2, LongestScheduleFailed: 3, ScheduleFailedExcessSeconds: 1,
		ReplicaSeconds: 13, PeakReplicas: 4, FinalModelDesired: 4, FinalServerDesired: 4, FinalScheduleFailed: true}
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	// Settled: nothing changes for the last settleHoldSeconds.
	flat := make([]Sample, settleHoldSeconds+10)
	for i := range flat {
		flat[i] = s(6, 7.5, 2, 2, 2, false)
		if i < 10 {
			flat[i] = s(6, 7.5, 2, 2, 3, false)
		}
	}
	got = summarize(flat, 90, 4)
	if !got.Settled || got.SteadyAt != 10 || got.SettleSeconds != 6 {
		t.Errorf("settled %v at %d after %d, want true at 10 after 6", got.Settled, got.SteadyAt, got.SettleSeconds)
	}
}

// TestPartialScheduling: Seldon 2.9+ places as many replicas as its Server has ready (at least the
// Model's minReplicas), the Model stays available and its status.replicas is the count placed
// (S2 of the recording: 2 of 3); below minReplicas it is all or nothing, status.replicas the spec.
func TestPartialScheduling(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		modelMin, at         int
		serving, status      int
		wantFailed           bool
		serverPods, askModel int
	}{
		{name: "2 of 4 ready: 2 serve, available", modelMin: 1, serverPods: 4, askModel: 4, at: 10, serving: 2,
			status: 2},
		{name: "all 4 ready: 4 serve", modelMin: 1, serverPods: 4, askModel: 4, at: 90, serving: 4, status: 4},
		{name: "fewer ready than minReplicas: ScheduleFailed", modelMin: 3, serverPods: 4, askModel: 4, at: 10,
			serving: 2, status: 4, wantFailed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(2, 90, 0, policy.Partial, tc.modelMin)
			c.setServerReplicas(0, tc.serverPods)
			c.setModelReplicas(tc.askModel)
			c.schedule(tc.at)
			if c.modelServing() != tc.serving || c.modelStatusReplicas() != tc.status || c.scheduleFailed() != tc.wantFailed {
				t.Fatalf("serving %d status.replicas %d failed %v, want %d %d %v", c.modelServing(),
					c.modelStatusReplicas(), c.scheduleFailed(), tc.serving, tc.status, tc.wantFailed)
			}
		})
	}
}

// TestModelStatusReplicasIsSeldons: the simulated Model's status.replicas, against which the
// Model HPA judges its tolerance band, is what package seldon says Seldon 2.10.2 writes. The
// steps are those of its recordings S1 and S2: a Model on a 2-replica Server scaled to 3, then a
// third Server replica. All or nothing it is the spec, even ScheduleFailed with 2 serving (S1);
// partial it is the replicas placed (S2). A seldon.Model fed the same steps gives the expectation,
// and the figures written out are the recordings'.
func TestModelStatusReplicasIsSeldons(t *testing.T) {
	for _, tc := range []struct {
		name        string
		scheduling  policy.Scheduling
		minReplicas int // the Model's spec.minReplicas in that mode, as newCluster sets it
		// status.replicas and ScheduleFailed with 2 Server replicas ready for 3; with 3, 3 and not
		status int
		failed bool
	}{
		{"all or nothing (S1)", policy.AllOrNothing, 0, 3, true},
		{"partial (S2)", policy.Partial, 1, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(2, 90, 0, tc.scheduling, 1)
			c.setServerReplicas(0, 3) // the third is ready at 90
			c.setModelReplicas(3)
			seldons := seldon.Model{Spec: 2, MinReplicas: tc.minReplicas}
			seldons.Schedule(2)
			seldons.Load()
			seldons.Spec = 3
			for _, step := range []struct {
				at, ready, status int
				failed            bool
			}{{10, 2, tc.status, tc.failed}, {90, 3, 3, false}} {
				c.schedule(step.at)
				seldons.Schedule(step.ready)
				seldons.Load()
				st := seldons.Status()
				failed := seldon.ReadModelState(st.Conditions).State == seldon.StateScheduleFailed
				if st.Replicas != step.status || failed != step.failed {
					t.Fatalf("t=%d: package seldon says status.replicas %d failed %v, the recording %d %v", step.at,
						st.Replicas, failed, step.status, step.failed)
				}
				if c.modelStatusReplicas() != st.Replicas || c.scheduleFailed() != failed ||
					c.modelServing() != seldons.Serving() {
					t.Errorf("t=%d: simulated status.replicas %d failed %v serving %d, Seldon's %d %v %d", step.at,
						c.modelStatusReplicas(), c.scheduleFailed(), c.modelServing(), st.Replicas, failed,
						seldons.Serving())
				}
			}
		})
	}
}

// TestModelHPADividesBySpecWhileScheduleFailed: the Model HPA judges its tolerance band against
// status.replicas (objectAverageValueReplicas), which all or nothing is the spec even while
// ScheduleFailed (S1 of the Seldon 2.10.2 recording). From 6 RPS on 2
// replicas the load steps to 11 RPS (both HPAs ask for 4 at 330 s and 335 s), then to 12.5 RPS
// while the Model is ScheduleFailed on its 2 old replicas. The 390 s sync reads about 12.45 RPS:
// against status.replicas 4 that is inside the band (12.45 / 12 = 1.04), so the Model stays at 4
// and the episode ends when the Server's pods are ready at 425 s. Had status.replicas been the 2
// serving (the simulator's docs-based model before the recording), the ratio 2.07 would have
// asked for 5, which the Server HPA, inside its band at 4, never gives: ScheduleFailed to the end.
func TestModelHPADividesBySpecWhileScheduleFailed(t *testing.T) {
	res, err := Run(stepConfig(0, 5), Trace{{0, 6}, {300, 6}, {301, 11}, {360, 11}, {361, 12.5}, {800, 12.5}})
	if err != nil {
		t.Fatal(err)
	}
	sum := res.Summary
	if sum.FinalModelDesired != 4 || sum.FinalServerDesired != 4 || sum.FinalScheduleFailed {
		t.Errorf("ends as Model %d / Server %d, ScheduleFailed %v; want 4 / 4, not failed", sum.FinalModelDesired,
			sum.FinalServerDesired, sum.FinalScheduleFailed)
	}
	if sum.ScheduleFailedSeconds != 95 || sum.ScheduleFailedEpisodes != 1 {
		t.Errorf("ScheduleFailed %d s in %d episodes, want 95 s (330 s to 425 s) in 1", sum.ScheduleFailedSeconds,
			sum.ScheduleFailedEpisodes)
	}
}

// TestPlannedLagIsBestPerMode: in each Seldon mode and scenario, the lag the planner chooses keeps
// the Model out of ScheduleFailed beyond one serverReadySeconds per episode wherever any planned
// lag does, and breaches the SLA least among the lags that do. Since the simulator reads
// status.replicas as real Seldon writes it (spec while ScheduleFailed, package seldon), the
// all-or-nothing lag no longer lowers SLA breach: what it buys is a Model that stays Ready while
// its Server grows, and docs/policy-simulation.md ("What the Model lag changes") shows the cost.
func TestPlannedLagIsBestPerMode(t *testing.T) {
	b, err := SimulatePolicies(DefaultSimulationSetup())
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range b.Scenarios {
		chosen, runs := map[policy.Scheduling]Summary{}, map[policy.Scheduling][]Summary{}
		for _, m := range b.Modes {
			s, ok := b.Summary(m.Variant().Name, sc.Name, m.Policy)
			if !ok {
				t.Fatalf("%s: no run of %+v", sc.Name, m)
			}
			if m.Planned {
				chosen[m.Scheduling] = s
			}
			if m.Policy == PolicyPlanned {
				runs[m.Scheduling] = append(runs[m.Scheduling], s)
			}
		}
		for mode, others := range runs {
			c, ok := chosen[mode]
			if !ok {
				t.Fatalf("%s, %s: no run is marked as the one the component deploys", sc.Name, mode)
			}
			for _, s := range others {
				if worseLag(c, s) {
					t.Errorf("%s, %s: another lag breaches %d s with %d s ScheduleFailed beyond serverReadySeconds, "+
						"the planner's %d s with %d s", sc.Name, mode, s.SLABreachSeconds, s.ScheduleFailedExcessSeconds,
						c.SLABreachSeconds, c.ScheduleFailedExcessSeconds)
				}
			}
		}
	}
}

// worseLag says whether the chosen run loses to other: more ScheduleFailed beyond serverReadySeconds
// where other has none, or more SLA breach with other no worse on ScheduleFailed.
func worseLag(chosen, other Summary) bool {
	if chosen.ScheduleFailedExcessSeconds > 0 && other.ScheduleFailedExcessSeconds == 0 {
		return true
	}
	return other.ScheduleFailedExcessSeconds <= chosen.ScheduleFailedExcessSeconds &&
		other.SLABreachSeconds < chosen.SLABreachSeconds
}
