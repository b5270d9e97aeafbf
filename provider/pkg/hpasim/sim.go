package hpasim

import (
	"errors"
	"fmt"
	"math"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// Config is one simulated Model and Server pair and the two HPAs scaling them.
type Config struct {
	// HPA is the spec both HPAs share, as the guide asks; with ServerHPA set, the Model HPA's
	// (SeldonAutoscaledModel lags the Model's scale-up window: see WithModelLag).
	HPA HPASpec
	// ServerHPA, when set, gives the Server HPA a spec of its own, to try departures from the
	// guide's advice of keeping both in sync.
	ServerHPA *HPASpec
	// SaturationRPS is what one serving replica can serve; load above serving × saturation breaches
	// the SLA.
	SaturationRPS float64
	// ServerReadySeconds is how long a new Server pod takes, from the Server HPA asking for it to
	// holding a loaded Model replica: pod start, its agent connecting to Seldon's scheduler (which
	// places replicas then, before the pod is Ready) and the model load, together.
	ServerReadySeconds int
	// MaxStartingServerPods is how many Server pods the cluster can start at once (the room the
	// policy package calls scaleUpHeadroomPods); more stay Pending until one is ready. 0 means no
	// limit: every pod is ready ServerReadySeconds after it is asked for.
	MaxStartingServerPods int
	// SyncPeriodSeconds is the controller's sync period; 0 means policy.HPASyncPeriodSeconds, 15.
	SyncPeriodSeconds int
	// Each HPA syncs on its own timer, started when it was created: at offset, offset+sync, ...
	ModelHPAOffsetSeconds  int
	ServerHPAOffsetSeconds int
	Metric                 MetricPipeline
	// Scheduling is how Seldon places the Model's replicas: all or nothing (the zero value, Seldon
	// before 2.9 or a Model without spec.minReplicas) or partially (2.9+, spec.minReplicas set to
	// the Model HPA's minReplicas, as SeldonAutoscaledModel sets it).
	Scheduling policy.Scheduling
	// InitialReplicas is where both start, all ready; 0 means where the HPA would settle for the
	// trace's first load: ⌈load / target⌉ within [min, max].
	InitialReplicas int
}

// serverHPA is the Server HPA's spec: its own, or the one both share.
func (c Config) serverHPA() HPASpec {
	if c.ServerHPA != nil {
		return *c.ServerHPA
	}
	return c.HPA
}

func (c Config) withDefaults() Config {
	if c.SyncPeriodSeconds == 0 {
		c.SyncPeriodSeconds = policy.HPASyncPeriodSeconds
	}
	c.Metric = c.Metric.withDefaults()
	return c
}

func (c Config) validate() error {
	errs := []error{c.HPA.Validate(), c.Metric.validate()}
	if c.ServerHPA != nil {
		if err := c.ServerHPA.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("server HPA: %w", err))
		}
	}
	if math.IsNaN(c.SaturationRPS) || c.SaturationRPS <= 0 {
		errs = append(errs, fmt.Errorf("saturation %v RPS is not above 0", c.SaturationRPS))
	}
	if c.ServerReadySeconds < 0 {
		errs = append(errs, fmt.Errorf("server ready time %ds is negative", c.ServerReadySeconds))
	}
	if c.SyncPeriodSeconds < 1 {
		errs = append(errs, fmt.Errorf("sync period %ds is below 1s", c.SyncPeriodSeconds))
	}
	if c.ModelHPAOffsetSeconds < 0 || c.ServerHPAOffsetSeconds < 0 {
		errs = append(
			errs,
			fmt.Errorf("HPA timer offsets (%ds, %ds) must not be negative", c.ModelHPAOffsetSeconds, c.ServerHPAOffsetSeconds),
		)
	}
	if c.MaxStartingServerPods < 0 {
		errs = append(errs, fmt.Errorf("max starting server pods %d is negative", c.MaxStartingServerPods))
	}
	if c.InitialReplicas < 0 {
		errs = append(errs, fmt.Errorf("initial replicas %d is negative", c.InitialReplicas))
	}
	return errors.Join(errs...)
}

// Sample is the state during one second, after that second's syncs and scheduling.
type Sample struct {
	Second         int
	Load           float64 // offered RPS
	Capacity       float64 // serving replicas × saturation RPS
	Metric         float64 // the last RPS value an HPA read (a failed read keeps the previous one)
	ModelServing   int     // Model replicas loaded and serving
	ModelDesired   int     // Model spec.replicas
	ServerReady    int
	ServerDesired  int  // Server spec.replicas
	ScheduleFailed bool // the Model's ModelReady condition says ScheduleFailed
}

// Breach is whether the load exceeds what the serving replicas can do this second.
func (s Sample) Breach() bool { return s.Load > s.Capacity+1e-9 }

// Result is one run: its timeline and summary.
type Result struct {
	Timeline []Sample
	Summary  Summary
}

// Run simulates the trace second by second. Each second: Prometheus scrapes if due, each HPA
// syncs if its timer fires (reading the metric and its target's /scale), Seldon's scheduler reacts,
// then the second's load is served by the replicas then serving.
func Run(cfg Config, trace Trace) (Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return Result{}, fmt.Errorf("invalid simulation config: %w", err)
	}
	if err := trace.Validate(); err != nil {
		return Result{}, fmt.Errorf("invalid load trace: %w", err)
	}
	s, err := newSimulation(cfg, trace.Sample())
	if err != nil {
		return Result{}, err
	}
	timeline := make([]Sample, len(s.load))
	for t := range s.load {
		timeline[t] = s.second(t)
	}
	return Result{Timeline: timeline, Summary: summarize(timeline, cfg.ServerReadySeconds, trace.LastChange())}, nil
}

// simulation is a run in progress: the two HPAs, the cluster, the metric, and the request counter
// Prometheus scrapes.
type simulation struct {
	cfg                 Config
	load                []float64 // offered RPS, per second
	modelHPA, serverHPA *Controller
	cluster             *cluster
	metric              *metricSeries
	counter             float64 // seldon_model_infer_total
	lastSeen            float64 // the last RPS an HPA read
}

// newSimulation starts both HPAs with no history and the cluster at its initial replicas, all
// ready, with the metric as it would be after a while at the first second's load.
func newSimulation(cfg Config, load []float64) (*simulation, error) {
	modelHPA, err := NewController(cfg.HPA)
	if err != nil {
		return nil, fmt.Errorf("model HPA: %w", err)
	}
	serverSpec := cfg.serverHPA()
	serverHPA, err := NewController(serverSpec)
	if err != nil {
		return nil, fmt.Errorf("server HPA: %w", err)
	}
	initial := cfg.InitialReplicas
	if initial == 0 {
		initial = int(math.Ceil(load[0]/cfg.HPA.Target.Float() - 1e-9))
	}
	initial = min(max(initial, cfg.HPA.MinReplicas, serverSpec.MinReplicas), cfg.HPA.MaxReplicas, serverSpec.MaxReplicas)
	s := &simulation{cfg: cfg, load: load, modelHPA: modelHPA, serverHPA: serverHPA,
		cluster: newCluster(initial, cfg.ServerReadySeconds, cfg.MaxStartingServerPods, cfg.Scheduling,
			cfg.HPA.MinReplicas),
		metric: &metricSeries{pipeline: cfg.Metric}}
	s.prefillMetric(initial)
	return s, nil
}

// prefillMetric stores the scrapes a rate window needs before the run, at the first second's
// load, so the HPAs have a metric from the first sync.
func (s *simulation) prefillMetric(initial int) {
	perSecond := s.counted(s.load[0], float64(initial)*s.cfg.SaturationRPS)
	for t := -s.cfg.Metric.RateWindowSeconds - s.cfg.Metric.ScrapeIntervalSeconds; t < 0; t++ {
		if s.metric.isScrapeTime(t) {
			s.metric.scrape(t, float64(t)*perSecond)
		}
	}
	s.lastSeen = perSecond // what the HPAs read before the run
}

// counted is how much of a second's load the counter counts: all of it, or (ServedOnly) what the
// serving replicas complete.
func (s *simulation) counted(load, capacity float64) float64 {
	if s.cfg.Metric.ServedOnly {
		return min(load, capacity)
	}
	return load
}

// syncs says whether an HPA whose timer started at offset syncs at second t.
func (s *simulation) syncs(t, offset int) bool {
	return t >= offset && (t-offset)%s.cfg.SyncPeriodSeconds == 0
}

// second runs second t: the scrape, the HPAs' syncs, scheduling, then serving the load.
func (s *simulation) second(t int) Sample {
	cl := s.cluster
	cl.startPending(t)
	if s.metric.isScrapeTime(t) {
		s.metric.scrape(t, s.counter)
	}
	rps, ok := s.metric.rate(t)
	usage := milliQuantityFromRPS(rps)
	modelSyncs, serverSyncs := s.syncs(t, s.cfg.ModelHPAOffsetSeconds), s.syncs(t, s.cfg.ServerHPAOffsetSeconds)
	if ok && (modelSyncs || serverSyncs) {
		s.lastSeen = rps
	}
	// The tolerance band is judged per status replica, which each target's /scale reports as
	// recorded from Seldon 2.10.2: the Model's status.replicas is its spec.replicas all or
	// nothing, even while ScheduleFailed with fewer serving, and the replicas placed when partial;
	// the Server's is its StatefulSet's spec, pods that exist, not yet ready, once asked for.
	if modelSyncs {
		d := s.modelHPA.Reconcile(Observation{Now: t, SpecReplicas: cl.modelSpec(),
			StatusReplicas: cl.modelStatusReplicas(), Usage: usage, MetricMissing: !ok})
		cl.setModelReplicas(d.Desired)
	}
	if serverSyncs {
		d := s.serverHPA.Reconcile(Observation{Now: t, SpecReplicas: cl.serverSpec(),
			StatusReplicas: cl.serverSpec(), Usage: usage, MetricMissing: !ok})
		cl.setServerReplicas(t, d.Desired)
	}
	cl.schedule(t)

	capacity := float64(cl.modelServing()) * s.cfg.SaturationRPS
	s.counter += s.counted(s.load[t], capacity)
	return Sample{
		Second: t, Load: s.load[t], Capacity: capacity, Metric: s.lastSeen,
		ModelServing: cl.modelServing(), ModelDesired: cl.modelSpec(),
		ServerReady: cl.serverReady(t), ServerDesired: cl.serverSpec(),
		ScheduleFailed: cl.scheduleFailed(),
	}
}

// milliQuantityFromRPS is the adapter's conversion of a PromQL result to a custom-metrics value:
// milli-units, truncated.
func milliQuantityFromRPS(rps float64) policy.MilliQuantity {
	return policy.MilliQuantity(int64(rps * 1000))
}
