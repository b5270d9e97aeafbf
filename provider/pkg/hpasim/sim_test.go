package hpasim

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

func TestSchedulingIsAllOrNothing(t *testing.T) {
	s := newSeldon(2, 90, 0, policy.AllOrNothing, 1)
	s.setServerReplicas(0, 3) // one new pod, ready at 90
	s.setModelReplicas(4)
	s.schedule(10)
	if s.modelServing != 2 || !s.scheduleFailed {
		t.Fatalf("4 replicas on 2 ready servers: serving %d failed %v, want 2 true", s.modelServing, s.scheduleFailed)
	}
	s.setServerReplicas(20, 4) // a fourth pod, ready at 110
	s.schedule(90)
	if s.serverReady(90) != 3 || s.modelServing != 2 || !s.scheduleFailed {
		t.Fatalf(
			"3 of 4 servers ready: serving %d failed %v, want 2 true (no partial scheduling)",
			s.modelServing,
			s.scheduleFailed,
		)
	}
	s.schedule(110)
	if s.modelServing != 4 || s.scheduleFailed {
		t.Fatalf("4 ready servers: serving %d failed %v, want 4 false", s.modelServing, s.scheduleFailed)
	}
	s.setModelReplicas(1)
	s.schedule(111)
	if s.modelServing != 1 || s.scheduleFailed {
		t.Fatalf("scale-down: serving %d failed %v, want 1 false at once", s.modelServing, s.scheduleFailed)
	}
}

func TestServerScaleDownRemovesNewestPodsFirst(t *testing.T) {
	s := newSeldon(2, 90, 0, policy.AllOrNothing, 1)
	s.setServerReplicas(0, 4)
	s.setServerReplicas(30, 3) // the StatefulSet drops the highest ordinal, still starting
	if !reflect.DeepEqual(s.serverPods, []int{0, 0, 90}) {
		t.Fatalf("pods %v, want [0 0 90]", s.serverPods)
	}
	s.setModelReplicas(3)
	s.schedule(90)
	if s.modelServing != 3 {
		t.Fatalf("serving %d, want 3", s.modelServing)
	}
	// Removing a Server pod that holds a Model replica loses that replica; the Model cannot be
	// placed again until it fits.
	s.setServerReplicas(100, 2)
	s.schedule(100)
	if s.modelServing != 2 || !s.scheduleFailed {
		t.Fatalf("after losing a server: serving %d failed %v, want 2 true", s.modelServing, s.scheduleFailed)
	}
}

func TestServerPodsWaitForRoomToStart(t *testing.T) {
	s := newSeldon(1, 90, 2, policy.AllOrNothing, 1) // the cluster starts 2 pods at a time
	s.setServerReplicas(0, 6)
	if !reflect.DeepEqual(s.serverPods, []int{0, 90, 90, notStarted, notStarted, notStarted}) {
		t.Fatalf("pods %v", s.serverPods)
	}
	s.startPending(89)
	s.startPending(90) // the first two are ready: two more start
	s.setServerReplicas(100, 5)
	s.startPending(180)
	if !reflect.DeepEqual(s.serverPods, []int{0, 90, 90, 180, 180, 270}[:5]) || s.serverReady(180) != 5 {
		t.Fatalf("pods %v, %d ready at 180", s.serverPods, s.serverReady(180))
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
// Model's minReplicas) and the Model stays available; below minReplicas it is all or nothing.
func TestPartialScheduling(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		modelMin, want, at   int
		wantFailed           bool
		serverPods, askModel int
	}{
		{name: "2 of 4 ready: 2 serve, available", modelMin: 1, serverPods: 4, askModel: 4, at: 10, want: 2},
		{name: "all 4 ready: 4 serve", modelMin: 1, serverPods: 4, askModel: 4, at: 90, want: 4},
		{name: "fewer ready than minReplicas: ScheduleFailed", modelMin: 3, serverPods: 4, askModel: 4, at: 10,
			want: 2, wantFailed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSeldon(2, 90, 0, policy.Partial, tc.modelMin)
			s.setServerReplicas(0, tc.serverPods)
			s.setModelReplicas(tc.askModel)
			s.schedule(tc.at)
			if s.modelServing != tc.want || s.scheduleFailed != tc.wantFailed {
				t.Fatalf("serving %d failed %v, want %d %v", s.modelServing, s.scheduleFailed, tc.want, tc.wantFailed)
			}
		})
	}
}

// TestPlannedLagIsBestPerMode: the lag the planner chooses in each Seldon mode breaches the SLA no
// more than the other lag on any scenario, which is what its derivation claims.
func TestPlannedLagIsBestPerMode(t *testing.T) {
	b, err := RunBenchmark(DefaultBenchmarkSetup())
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range b.Scenarios {
		chosen := map[policy.Scheduling]Summary{}
		for _, m := range b.Modes {
			if m.Planned {
				chosen[m.Scheduling], _ = b.Summary(m.Variant().Name, sc.Name, m.Policy)
			}
		}
		for _, m := range b.Modes {
			s, ok := b.Summary(m.Variant().Name, sc.Name, m.Policy)
			if !ok {
				t.Fatalf("%s: no run of %+v", sc.Name, m)
			}
			if c := chosen[m.Scheduling]; m.Policy == PolicyPlanned && s.SLABreachSeconds < c.SLABreachSeconds {
				t.Errorf("%s, %s: lag %d s breaches %d s, less than the planner's choice (%d s)", sc.Name,
					m.Scheduling, m.ModelLagSeconds, s.SLABreachSeconds, c.SLABreachSeconds)
			}
		}
	}
}
