package e2e

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/pipeline"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/doctor"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/seldon"
	sa "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
)

// schedulingMode is one way Seldon schedules a Model, chosen through the component's seldon input.
type schedulingMode struct {
	model, version string
	scheduling     policy.Scheduling // what the component should choose for that version
	modelLag       *int              // autoscaling.modelScaleUpLagSeconds; nil: the component's choice
}

func (m schedulingMode) partial() bool { return m.scheduling == policy.Partial }

// schedulingModes run side by side in one test bed: one Model each, on its own Server.
// The third, all or nothing without the Model lag, is the guide's pathological case: ScheduleFailed
// until the Server's new replicas are ready.
var schedulingModes = []schedulingMode{
	{"irisa0", "2.8", policy.AllOrNothing, nil},
	{"irisb0", "2.10.2", policy.Partial, nil},
	{"irisc0", "2.8", policy.AllOrNothing, ptr(0)},
}

// modelObservation is what one poll of a Model's status saw, at a time after the load step.
type modelObservation struct {
	at          time.Duration
	spec, avail int64
	failed      bool // ModelReady False, its message ScheduleFailed
	judged      bool // the scheduler has answered this spec (observeModel)
}

// schedulingOutcome is what a step did to one Model: when all its replicas were available, how
// long it was ScheduleFailed, and whether it served on fewer replicas than asked while Ready
// (partially scheduled).
type schedulingOutcome struct {
	availAt4, failedFor, partialFor time.Duration
}

// TestSchedulingModes steps the load 1x → 4x on three Models on the real HPA controller: one whose
// component was told Seldon 2.8 (all or nothing), one told 2.10.2 (partial scheduling), and one told
// 2.8 without the Model lag (all or nothing, ScheduleFailed until the Server is ready), with
// Server replicas ready serverReadySeconds after they are asked for (the Seldon stand-in's
// readiness delay). It follows each Model's status.availableReplicas and ScheduleFailed and
// compares them with provider/pkg/hpasim for the same step and the HPAs the component declared.
func TestSchedulingModes(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	tm := fast
	tm.Name, tm.ModelLag = "scheduling modes", nil // the Model lag the component chooses for each mode
	perModel := map[string]pipelineModel{}
	rates := map[pipeline.Series]float64{}
	var models []string
	for _, m := range schedulingModes {
		perModel[m.model] = pipelineModel{Seldon: &sa.SeldonSpecArgs{Version: pulumi.StringPtr(m.version)},
			ModelLag: m.modelLag}
		rates[modeSeries(m)] = pipelineTarget
		models = append(models, m.model)
	}
	run := b.startSeldonPipeline(t, tm, perModel, models, rates)
	for _, m := range schedulingModes {
		b.checkMinReplicas(t, m)
		// From now on the stand-in makes each new Server replica ready after serverReadySeconds.
		b.patchServer(t, m.model+"-server", fmt.Sprintf(`{"metadata":{"annotations":{%q:"%ds"}}}`,
			localcluster.ServerReadyDelayAnnotation, tm.ServerReady))
		eventually(t, 90*time.Second, "infer_rps of "+m.model+" at 1x", func() (bool, string) {
			v, err := b.metric(ctx, run.paths["path-"+m.model])
			return err == nil && math.Abs(v-pipelineTarget) <= 0.1*pipelineTarget, fmt.Sprintf("%v (%v)", v, err)
		})
	}
	for _, m := range schedulingModes {
		run.agent.SetRate(modeSeries(m), 4*pipelineTarget)
	}
	timeline := b.followModels(t, models, 4, tm.floor()+60*time.Second)
	for _, m := range schedulingModes {
		real := outcome(timeline[m.model])
		t.Logf("%s (Seldon %s): all 4 available after %s; ScheduleFailed for %s, partially scheduled for %s",
			m.model, m.version, real.availAt4.Round(time.Second), real.failedFor.Round(time.Second),
			real.partialFor.Round(time.Second))
		switch {
		case m.partial() && real.failedFor > 0:
			t.Errorf("%s: partial scheduling went ScheduleFailed for %s", m.model, real.failedFor)
		case !m.partial() && real.partialFor > 0:
			t.Errorf("%s: all-or-nothing scheduling served fewer replicas than asked, while Ready, for %s", m.model,
				real.partialFor)
		}
		for _, o := range timeline[m.model] {
			if o.failed && o.avail != 1 {
				t.Errorf("%s: ScheduleFailed with %d replicas available at %s, want the 1 loaded before the step",
					m.model, o.avail, o.at.Round(time.Second))
				break
			}
		}
		b.compareSchedulingWithSimulator(t, tm, m, real)
	}
}

func modeSeries(m schedulingMode) pipeline.Series {
	return pipeline.Series{Model: m.model, Server: m.model + "-server", MethodType: "rest"}
}

// checkMinReplicas: the component sets the Model's minReplicas (the HPAs' minimum, 1) in partial
// mode only.
func (b *testbed) checkMinReplicas(t *testing.T, m schedulingMode) {
	t.Helper()
	obj := b.seldonObject(t, "model", m.model)
	v, found, _ := unstructured.NestedInt64(obj.Object, "spec", "minReplicas")
	if found != m.partial() || (found && v != 1) {
		t.Errorf("%s (Seldon %s): spec.minReplicas %d (set: %v), want set to 1: %v", m.model, m.version, v, found,
			m.partial())
	}
}

func (b *testbed) patchServer(t *testing.T, name, patch string) {
	t.Helper()
	_, err := b.dyn.Resource(localcluster.ServerResource).Namespace(ns).Patch(context.Background(), name,
		types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("patching Server %s: %v", name, err)
	}
}

// followModels polls the Models' status until every one has want replicas asked and available.
func (b *testbed) followModels(t *testing.T, models []string, want int64, timeout time.Duration,
) map[string][]modelObservation {
	t.Helper()
	ctx := context.Background()
	out := map[string][]modelObservation{}
	start := time.Now()
	for time.Since(start) < timeout {
		done := true
		for _, name := range models {
			obj, err := b.dyn.Resource(localcluster.ModelResource).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			out[name] = append(out[name], observeModel(t, obj, time.Since(start)))
			o := out[name][len(out[name])-1]
			done = done && o.spec == want && o.avail == want
		}
		if done {
			return out
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("the Models did not all reach %d available replicas within %s: %v", want, timeout, out)
	return out
}

// observeModel reads a Model's status as Seldon writes it, through the doctor's reader
// (doctor.ReadModel, seldon.ReadModelState): ScheduleFailed is the state in ModelReady's message;
// the Model is judged once the operator has answered its spec: ModelAvailable or ScheduleFailed,
// not ModelProgressing, with status.replicas the spec all or nothing and at most the spec when
// partially scheduled (there it is the replicas placed).
func observeModel(t *testing.T, obj *unstructured.Unstructured, at time.Duration) modelObservation {
	raw, err := obj.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	m, err := doctor.ReadModel(raw)
	if err != nil {
		t.Fatal(err)
	}
	o := modelObservation{at: at, spec: int64(m.SpecReplicas)}
	if m.AvailableReplicas != nil {
		o.avail = int64(*m.AvailableReplicas)
	}
	state := seldon.ReadModelState(m.Conditions)
	o.failed = state.State == seldon.StateScheduleFailed
	answered := state.State == seldon.StateAvailable || o.failed
	placed, partial := m.StatusReplicas, m.MinReplicas != nil
	o.judged = answered && (placed == m.SpecReplicas || partial && placed < m.SpecReplicas)
	return o
}

// outcome sums the observations; each interval counts as what its start saw.
func outcome(obs []modelObservation) schedulingOutcome {
	var o schedulingOutcome
	for i, s := range obs {
		if i > 0 {
			prev, d := obs[i-1], s.at-obs[i-1].at
			if prev.failed {
				o.failedFor += d
			} else if prev.judged && prev.avail < prev.spec {
				o.partialFor += d
			}
		}
		if o.availAt4 == 0 && s.avail == 4 {
			o.availAt4 = s.at
		}
	}
	return o
}

// compareSchedulingWithSimulator runs hpasim for the same step, with the HPAs the component
// declared for the Model (its scale-up window over the Server's is the Model lag it chose) and the
// mode's scheduling, over every phase of the scrape and HPA timers, and requires the real time to
// all 4 available, time ScheduleFailed and time partially scheduled within the simulated range,
// give or take one sync period.
func (b *testbed) compareSchedulingWithSimulator(t *testing.T, tm pipelineTiming, m schedulingMode,
	real schedulingOutcome,
) {
	t.Helper()
	lag := b.modelLag(t, m.model)
	in := policy.Input{
		MinReplicas: ptr(1), MaxReplicas: ptr(6), TargetRPS: ptr(pipelineTarget), ServerReadySeconds: ptr(tm.ServerReady),
		ScaleUpHeadroomPods: ptr(5), ScaleUp: &policy.Rules{StabilizationWindowSeconds: tm.ScaleUpWindow},
		ScaleDown: &policy.Rules{StabilizationWindowSeconds: tm.ScaleDownWindow},
		Timing: policy.Timing{
			ScrapeInterval: tm.Scrape, RelistInterval: tm.Relist, RateWindow: tm.RateWindow,
		},
		ModelScaleUpLagSeconds: ptr(0),
	}
	pol, _, err := policy.Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	const stepAt = 120
	trace := hpasim.Trace{{Seconds: 0, RPS: pipelineTarget}, {Seconds: stepAt - 1, RPS: pipelineTarget},
		{Seconds: stepAt, RPS: 4 * pipelineTarget}, {Seconds: stepAt + 180, RPS: 4 * pipelineTarget}}
	sync, scrape := int(hpaSyncPeriod.Seconds()), int(tm.Scrape.Seconds())
	availLo, availHi, failedLo, failedHi, partialLo, partialHi := 1<<30, -1, 1<<30, -1, 1<<30, -1
	for scrapeOffset := range scrape {
		for hpaOffset := range sync * sync {
			cfg := hpasim.WithModelLag(hpasim.Config{
				HPA: hpasim.SpecsFromPolicy(pol).Server, SaturationRPS: 100, ServerReadySeconds: tm.ServerReady,
				SyncPeriodSeconds: sync, ModelHPAOffsetSeconds: hpaOffset % sync, ServerHPAOffsetSeconds: hpaOffset / sync,
				Metric: hpasim.MetricPipeline{ScrapeIntervalSeconds: scrape, ScrapeOffsetSeconds: scrapeOffset,
					RateWindowSeconds: int(tm.RateWindow.Seconds())},
				InitialReplicas: 1, Scheduling: m.scheduling,
			}, lag)
			res, err := hpasim.Run(cfg, trace)
			if err != nil {
				t.Fatal(err)
			}
			avail, failed, partial := -1, 0, 0
			for _, s := range res.Timeline[stepAt:] {
				if avail < 0 && s.ModelServing == 4 {
					avail = s.Second - stepAt
				}
				if s.ScheduleFailed {
					failed++
				} else if s.ModelServing < s.ModelDesired {
					partial++
				}
			}
			availLo, availHi = min(availLo, avail), max(availHi, avail)
			failedLo, failedHi = min(failedLo, failed), max(failedHi, failed)
			partialLo, partialHi = min(partialLo, partial), max(partialHi, partial)
		}
	}
	t.Logf("%s: simulator (Model lag %d s) over all timer phases: all 4 available after %d..%d s, ScheduleFailed "+
		"for %d..%d s, partially scheduled for %d..%d s; real: %s, %s and %s", m.model, lag, availLo, availHi,
		failedLo, failedHi, partialLo, partialHi, real.availAt4.Round(time.Second), real.failedFor.Round(time.Second),
		real.partialFor.Round(time.Second))
	// One sync period either way for the timers the simulator steps in whole seconds, and 1.5 s more for
	// what it does not model: the stand-in sees a change within its 500 ms pass and loads what it placed
	// one pass later (real Seldon's agents took 0.25 to 1.2 s, recorded in S1 and S2), and this test's
	// polls, through a client limited to 5 requests a second, are about 600 ms apart.
	slack := time.Duration(sync)*time.Second + 1500*time.Millisecond
	within := func(real time.Duration, lo, hi int) bool {
		return real >= time.Duration(lo)*time.Second-slack && real <= time.Duration(hi)*time.Second+slack
	}
	if availLo < 0 || !within(real.availAt4, availLo, availHi) || !within(real.failedFor, failedLo, failedHi) ||
		!within(real.partialFor, partialLo, partialHi) {
		t.Errorf("%s: the real HPA controller with the Seldon stand-in and the simulator disagree by more than one "+
			"sync period and the stand-in's passes", m.model)
	}
}

// modelLag is how much longer the Model HPA's scale-up window is than the Server HPA's, as declared.
func (b *testbed) modelLag(t *testing.T, model string) int {
	t.Helper()
	window := func(name string) int {
		h, err := b.kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if b := h.Spec.Behavior; b != nil && b.ScaleUp != nil && b.ScaleUp.StabilizationWindowSeconds != nil {
			return int(*b.ScaleUp.StabilizationWindowSeconds)
		}
		return 0
	}
	return window(model+"-model-hpa") - window(model+"-server-hpa")
}
