// Package policy decides the autoscaling policy of a Model's two HPAs: it fills defaults, sizes
// the target and replica bounds from load figures, derives scaling behavior that respects how fast
// Seldon Server replicas can become ready, and refuses the settings the Seldon guide warns about.
// It also holds Kubernetes' own HPA facts (kubernetes.go), which hpasim simulates with.
// It has no Pulumi imports: SeldonAutoscaledModel calls Plan (SeldonMetricsAdapter, PlanTiming)
// and only wires the result; the seldon-autoscaling command and hpasim call the same functions.
package policy

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

const (
	// TargetTypeAverageValue is the only target type that scales a Model and its Server together.
	TargetTypeAverageValue = "AverageValue"
	PolicyPods             = "Pods"
	PolicyPercent          = "Percent"
	SelectMax              = "Max"
	SelectMin              = "Min"
	SelectDisabled         = "Disabled"
)

// Input is what the user asked for; nil means "not set".
type Input struct {
	MinReplicas         *int
	MaxReplicas         *int
	TargetRPS           *float64
	TargetType          string
	Sizing              *Sizing
	ServerReadySeconds  *int
	ScaleUpHeadroomPods *int
	AllowPercentScaleUp bool
	ScaleUp             *Rules
	ScaleDown           *Rules
	Timing              Timing
	// ModelScaleUpLagSeconds lengthens the Model HPA's scale-up window beyond the shared one.
	ModelScaleUpLagSeconds *int
	// Seldon is the Seldon installation, which decides how the Model's replicas are scheduled.
	Seldon SeldonInput
	// TimingPrefix is where the timing inputs sit in the caller's schema ("adapter." on
	// SeldonAutoscaledModel, "" on SeldonMetricsAdapter): errors and derivations name them so.
	TimingPrefix string
}

// Sizing holds the load figures the guide sizes from.
type Sizing struct {
	PeakRPS       *float64
	SaturationRPS *float64
	SafetyMargin  *float64
	// MinLoadRPS is the quietest period's load: minReplicas = ⌈MinLoadRPS / target⌉.
	MinLoadRPS *float64
	// RampRPSPerSecond is the steepest sustained rise to follow; 0 means unknown.
	RampRPSPerSecond *float64
	// SpikeSeconds is how long a spike the scale-up window absorbs may be.
	SpikeSeconds *int
}

// Timing holds the metric pipeline's intervals; zero means the default.
type Timing struct {
	ScrapeInterval time.Duration
	RelistInterval time.Duration
	RateWindow     time.Duration
}

// Rules mirrors autoscaling/v2 HPAScalingRules.
type Rules struct {
	StabilizationWindowSeconds *int
	SelectPolicy               string
	Policies                   []ScalingPolicy
}

// ScalingPolicy mirrors autoscaling/v2 HPAScalingPolicy.
type ScalingPolicy struct {
	Type          string
	Value         int
	PeriodSeconds int
}

// Policy is the effective policy: every value set, every guard passed.
type Policy struct {
	MinReplicas         int
	MaxReplicas         int
	Target              MilliQuantity
	ServerReadySeconds  int
	ScaleUpHeadroomPods int
	ScaleUp             Rules
	ScaleDown           Rules
	Timing              Timing
	// ModelScaleUpLagSeconds is how much longer the Model HPA's scale-up window is than ScaleUp's;
	// everything else the two HPAs share.
	ModelScaleUpLagSeconds int
	// Scheduling is how Seldon schedules the Model: Partial when the Model gets spec.minReplicas.
	Scheduling Scheduling
}

// Derivation reports a value the planner chose because the user did not set it, or, when Warning
// is set, a load the effective policy cannot follow (Field names the input it concerns).
type Derivation struct {
	Field   string
	Value   string
	Reason  string
	Warning bool
}

func (d Derivation) String() string {
	if d.Warning {
		return "warning: " + d.Reason
	}
	return fmt.Sprintf("%s = %s (%s)", d.Field, d.Value, d.Reason)
}

// Warnings are the warnings among ds, as text.
func Warnings(ds []Derivation) []string {
	var out []string
	for _, d := range ds {
		if d.Warning {
			out = append(out, d.Reason)
		}
	}
	return out
}

// MilliQuantity is a Kubernetes quantity in thousandths, the resolution HPA targets have.
type MilliQuantity int64

// String is the canonical Kubernetes form, so the API server stores exactly what was sent.
func (q MilliQuantity) String() string {
	if q%1000 == 0 {
		return fmt.Sprintf("%d", int64(q)/1000)
	}
	return fmt.Sprintf("%dm", int64(q))
}

// Float is the quantity in whole units.
func (q MilliQuantity) Float() float64 { return float64(q) / 1000 }

// Plan turns the user's input into the effective policy, or refuses it with every problem found.
func Plan(in Input) (Policy, []Derivation, error) {
	p := &planner{in: in}
	sat, ramp := p.replicaBounds()
	p.seldonScheduling()
	p.timing()
	p.readiness()
	p.out.ScaleUp = p.scaleUp(ramp)
	p.out.ScaleDown = p.scaleDown()
	p.modelLag()
	p.planWarnings(sat, ramp)
	if err := p.errs.Err(); err != nil {
		return Policy{}, nil, err
	}
	return p.out, p.derived, nil
}

type planner struct {
	in      Input
	out     Policy
	derived []Derivation
	errs    refusal.Errors
}

func (p *planner) derive(field, value, reason string) {
	p.derived = append(p.derived, Derivation{Field: field, Value: value, Reason: reason})
}

func (p *planner) warn(field, reason string) {
	p.derived = append(p.derived, Derivation{Field: field, Reason: reason, Warning: true})
}

// loadFigures are the sizing inputs that passed their guards: nil (0 for ramp) when not given or
// refused.
type loadFigures struct {
	sat, peak, minLoad *float64
	margin, ramp       float64
}

// replicaBounds settles the target, minReplicas and maxReplicas, sizing from load figures as the
// guide does: target = saturation × (1 − margin), minReplicas = ⌈minimum load / target⌉,
// maxReplicas = ⌈peak / target⌉. It returns the saturation (nil if unknown or refused) and the
// ramp rate (0 if unknown or refused) for the scale-up policy and the warnings.
func (p *planner) replicaBounds() (*float64, float64) {
	in := p.in
	if in.TargetType != "" && in.TargetType != TargetTypeAverageValue {
		p.errs.Addf(inputs.PathTargetType, "remove it or set it to AverageValue",
			"%q is not supported: only AverageValue scales the Model and its Server to the same replica count "+
				"(Utilization needs resource metrics, Value ignores the replica count)", in.TargetType)
	}
	if in.MinReplicas != nil && *in.MinReplicas < 1 {
		p.errs.Addf(inputs.PathMinReplicas, "set it to 1 or more", "%d is below 1: a Model with no replicas cannot serve "+
			"the load its own metric needs to scale up", *in.MinReplicas)
	}
	p.atMostReplicasBound(inputs.PathMinReplicas, in.MinReplicas)
	p.atMostReplicasBound(inputs.PathMaxReplicas, in.MaxReplicas)
	l := p.loadFigures()
	q, ok := p.target(l)
	if !ok {
		return l.sat, l.ramp
	}
	p.out.Target = q
	p.minReplicas(l, q)
	p.maxReplicas(l, q)
	return l.sat, l.ramp
}

// loadFigures guards the sizing block.
func (p *planner) loadFigures() loadFigures {
	l := loadFigures{margin: inputs.DefaultSafetyMargin}
	s := p.in.Sizing
	if s == nil {
		return l
	}
	l.sat = p.positive(inputs.PathSaturationRPS, s.SaturationRPS)
	l.peak = p.positive(inputs.PathPeakRPS, s.PeakRPS)
	if s.SafetyMargin != nil {
		if m := *s.SafetyMargin; math.IsNaN(m) || m < 0 || m >= 1 {
			p.errs.Addf(inputs.PathSafetyMargin, "use a fraction such as 0.2 (20% below saturation)", "%v is outside [0, 1)", m)
		} else {
			l.margin = m
		}
	} else if l.sat != nil {
		p.derive(inputs.PathSafetyMargin, fmt.Sprint(inputs.DefaultSafetyMargin),
			"default: keep 20% of each replica's capacity for load that arrives while new replicas start")
	}
	if v := s.MinLoadRPS; v != nil {
		switch {
		case !finiteNonNegative(*v):
			p.errs.Addf(inputs.PathMinLoadRPS,
				"use the load of the quietest period in RPS (0 or more), or remove it for minReplicas 1",
				"%v is not a finite number ≥ 0", *v)
		case l.peak != nil && *v > *l.peak:
			p.errs.Addf(inputs.PathMinLoadRPS, "use the load of the quietest period, at most autoscaling.sizing.peakRps",
				"%v is above peakRps %v", *v, *l.peak)
		default:
			l.minLoad = v
		}
	}
	if v := s.RampRPSPerSecond; v != nil && !finiteNonNegative(*v) {
		p.errs.Addf(inputs.PathRampRate, "use the steepest sustained rise in RPS per second, or 0 if unknown",
			"%v is not a finite number ≥ 0", *v)
	} else if v != nil {
		l.ramp = *v
	}
	if v := s.SpikeSeconds; v != nil && (*v < 0 || *v > inputs.MaxWindowSeconds) {
		p.errs.Addf(inputs.PathSpikeSeconds, "use the length in seconds of the spikes to absorb (0 to react at once, at "+
			"most 3600, Kubernetes' limit for the scale-up window)", "%d is outside 0..%d", *v, inputs.MaxWindowSeconds)
	}
	return l
}

func finiteNonNegative(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && v >= 0 }

// target is the user's target, checked against saturation, or the guide's derived one, at the
// HPA's milli-unit resolution; ok is false when there is none.
func (p *planner) target(l loadFigures) (q MilliQuantity, ok bool) {
	var target float64
	switch {
	case p.in.TargetRPS != nil:
		t := p.positive(inputs.PathTarget, p.in.TargetRPS)
		if t == nil {
			return 0, false
		}
		target = *t
		if l.sat != nil && target >= *l.sat {
			p.errs.Addf(inputs.PathTarget, fmt.Sprintf("set it below the saturation RPS, e.g. %s (saturation × (1 − margin)), "+
				"or remove it to derive it", formatRPS(PlannedTarget(*l.sat, l.margin))),
				"%v is not below autoscaling.sizing.saturationRps (%v): replicas would saturate before the HPA adds more",
				target, *l.sat)
		}
	case l.sat != nil:
		target = PlannedTarget(*l.sat, l.margin)
		p.derive(inputs.PathTarget, formatRPS(target), fmt.Sprintf("saturationRps %v × (1 − safetyMargin %v): each replica "+
			"keeps %s RPS spare for load that arrives while new replicas start", *l.sat, l.margin, formatRPS(*l.sat-target)))
	default:
		if p.in.Sizing == nil || p.in.Sizing.SaturationRPS == nil {
			p.errs.Add(inputs.PathTarget, "set autoscaling.targetRpsPerReplica (the per-replica RPS the HPA keeps each "+
				"replica at), or autoscaling.sizing {saturationRps, peakRps}",
				"not set, and there is no autoscaling.sizing.saturationRps to derive it from")
		}
		return 0, false
	}
	if q = MilliQuantity(math.Round(target * 1000)); q < 1 {
		p.errs.Addf(inputs.PathTarget, "use at least 0.001", "%v rounds to zero at the HPA's milli-unit resolution", target)
		return 0, false
	}
	return q, true
}

// minReplicas is the user's, or serves the quietest period at the target, or the default.
func (p *planner) minReplicas(l loadFigures, q MilliQuantity) {
	switch {
	case p.in.MinReplicas != nil:
		p.out.MinReplicas = *p.in.MinReplicas
	case l.minLoad != nil:
		if !p.derivedWithinBound(inputs.PathMinLoadRPS, *l.minLoad, q, "minReplicas") {
			return
		}
		p.out.MinReplicas = PlannedMinReplicas(*l.minLoad, q)
		p.derive(inputs.PathMinReplicas, fmt.Sprint(p.out.MinReplicas),
			fmt.Sprintf("⌈minLoadRps %v / target %s⌉, at least 1: serves the quietest period at the target", *l.minLoad, q))
	default:
		p.out.MinReplicas = inputs.DefaultMinReplicas
		p.derive(inputs.PathMinReplicas, fmt.Sprint(inputs.DefaultMinReplicas),
			"default; set autoscaling.sizing.minLoadRps to size it from the quietest period's load")
	}
}

// maxReplicas is the user's, checked against the peak, or the fewest that serve the peak.
func (p *planner) maxReplicas(l loadFigures, q MilliQuantity) {
	target := q.Float()
	switch {
	case p.in.MaxReplicas != nil:
		m := *p.in.MaxReplicas
		p.out.MaxReplicas = m
		if m < p.out.MinReplicas {
			p.errs.Addf(inputs.PathMaxReplicas, "set maxReplicas at or above minReplicas",
				"%d is below autoscaling.minReplicas (%d)", m, p.out.MinReplicas)
		}
		if l.peak != nil && *l.peak > float64(m)*target*(1+1e-9) {
			p.errs.Addf(inputs.PathPeakRPS, fmt.Sprintf("raise autoscaling.maxReplicas to %d, or raise the target",
				PlannedMaxReplicas(*l.peak, q)), "peak load %v RPS exceeds maxReplicas %d × target %s RPS = %s RPS",
				*l.peak, m, q, formatRPS(float64(m)*target))
		}
	case l.peak != nil:
		if !p.derivedWithinBound(inputs.PathPeakRPS, *l.peak, q, "maxReplicas") {
			return
		}
		m := PlannedMaxReplicas(*l.peak, q)
		reason := fmt.Sprintf("⌈peakRps %v / target %s⌉: the fewest replicas that serve the peak at the target",
			*l.peak, q)
		if m < p.out.MinReplicas {
			m = p.out.MinReplicas
			reason += ", raised to minReplicas"
		}
		p.out.MaxReplicas = m
		p.derive(inputs.PathMaxReplicas, fmt.Sprint(m), reason)
	default:
		p.errs.Add(inputs.PathMaxReplicas,
			"set autoscaling.maxReplicas, or autoscaling.sizing.peakRps (maxReplicas = ⌈peak / target⌉)",
			"not set, and there is no autoscaling.sizing.peakRps to derive it from")
	}
}

// atMostReplicasBound refuses a replica count beyond inputs.MaxReplicasBound: past int32 the HPA fails
// only at `up`, after the Model and Server exist, and far below that the count is a typo.
func (p *planner) atMostReplicasBound(field string, v *int) {
	if v != nil && *v > inputs.MaxReplicasBound {
		p.errs.Addf(field, fmt.Sprintf("use at most %d (the bound this component sets for one Model's Server)",
			inputs.MaxReplicasBound), "%d is above %d", *v, inputs.MaxReplicasBound)
	}
}

// derivedWithinBound refuses a replica count derived as ⌈load / target⌉ beyond inputs.MaxReplicasBound,
// naming the load input it came from; it compares in float so a huge load cannot overflow int.
func (p *planner) derivedWithinBound(field string, load float64, q MilliQuantity, what string) bool {
	if load/q.Float() <= inputs.MaxReplicasBound {
		return true
	}
	p.errs.Addf(field, fmt.Sprintf("check the figure, or raise the target: %s = ⌈load / target⌉ must stay at most %d",
		what, inputs.MaxReplicasBound), "%v RPS / target %s RPS asks for more than %d replicas", load, q,
		inputs.MaxReplicasBound)
	return false
}

// positive returns v when it is a finite number above zero, and refuses it otherwise.
func (p *planner) positive(field string, v *float64) *float64 {
	if v == nil {
		return nil
	}
	if math.IsNaN(*v) || math.IsInf(*v, 0) || *v <= 0 {
		p.errs.Addf(field, "use a finite number above 0", "%v is not a positive number", *v)
		return nil
	}
	return v
}

// timing enforces the guide's metric-pipeline rules: relist no faster than scrapes arrive, and a
// rate window holding at least two scrapes.
func (p *planner) timing() {
	t := p.in.Timing
	scrape, relist, window := p.timingField(inputs.FieldScrapeInterval), p.timingField(inputs.FieldRelistInterval),
		p.timingField(inputs.FieldRateWindow)
	if t.ScrapeInterval == 0 {
		p.derive(scrape, duration(inputs.DefaultScrapeInterval), "assumed: kube-prometheus-stack's default; set yours")
	}
	t.ScrapeInterval = cmp.Or(t.ScrapeInterval, inputs.DefaultScrapeInterval)
	t.RelistInterval = cmp.Or(t.RelistInterval, inputs.DefaultRelistInterval)
	t.RateWindow = cmp.Or(t.RateWindow, inputs.DefaultRateWindow)
	p.out.Timing = t
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{scrape, t.ScrapeInterval}, {relist, t.RelistInterval}, {window, t.RateWindow}} {
		if d.v < time.Second || d.v%time.Second != 0 {
			p.errs.Addf(d.field, "use whole seconds, at least 1s (e.g. \"30s\", \"1m\")",
				"%s is not a whole number of seconds ≥ 1s", duration(d.v))
		}
	}
	if t.RelistInterval < t.ScrapeInterval {
		p.errs.Addf(relist, fmt.Sprintf("set it to %s or more", duration(t.ScrapeInterval)),
			"%s is shorter than the Prometheus scrape interval %s: custom metrics would intermittently be reported missing",
			duration(t.RelistInterval), duration(t.ScrapeInterval))
	}
	if t.RateWindow < 2*t.ScrapeInterval {
		p.errs.Addf(window, fmt.Sprintf("set it to %s or more", duration(2*t.ScrapeInterval)),
			"%s holds fewer than two scrapes at a %s scrape interval: rate() would return nothing between scrapes",
			duration(t.RateWindow), duration(t.ScrapeInterval))
	}
}

// timingField names a timing input as the caller's users write it.
func (p *planner) timingField(f string) string { return p.in.TimingPrefix + f }

func (p *planner) readiness() {
	p.out.ServerReadySeconds = inputs.DefaultServerReadySeconds
	if v := p.in.ServerReadySeconds; v != nil {
		p.out.ServerReadySeconds = *v
		if *v < 1 || *v > inputs.MaxPeriodSeconds {
			p.errs.Addf(
				inputs.PathServerReady,
				"measure how long a new Server pod takes to load the model and become ready, and set that (1 to 1800)",
				"%d is outside 1..%d seconds",
				*v,
				inputs.MaxPeriodSeconds,
			)
		}
	} else {
		p.derive(inputs.PathServerReady, fmt.Sprint(inputs.DefaultServerReadySeconds),
			"the guide's example; measure yours")
	}
	p.out.ScaleUpHeadroomPods = inputs.DefaultScaleUpHeadroomPods
	if v := p.in.ScaleUpHeadroomPods; v != nil {
		p.out.ScaleUpHeadroomPods = *v
		if *v < 1 || *v > inputs.MaxReplicasBound {
			p.errs.Addf(inputs.PathHeadroom, fmt.Sprintf("set how many Server pods the cluster can start at once (1 to %d)",
				inputs.MaxReplicasBound), "%d is outside 1..%d", *v, inputs.MaxReplicasBound)
		}
	} else {
		p.derive(inputs.PathHeadroom, fmt.Sprint(inputs.DefaultScaleUpHeadroomPods), "the guide's example")
	}
}

// scaleUp checks the user's scale-up rules, or derives them: never ask for more Server pods per
// period than the cluster can start, nor more than the ramp needs, nor sooner than a Server pod
// becomes ready; a window as long as the spikes to absorb.
func (p *planner) scaleUp(ramp float64) Rules {
	in := p.in.ScaleUp
	if in == nil {
		w := p.scaleUpWindow()
		return Rules{StabilizationWindowSeconds: w, SelectPolicy: SelectMax, Policies: p.scaleUpPolicies(ramp)}
	}
	out := p.rules(inputs.PathScaleUp, *in)
	if out.SelectPolicy == SelectDisabled {
		p.errs.Add(inputs.PathScaleUp+".selectPolicy",
			"use Max or Min; to pin the replica count set minReplicas equal to maxReplicas",
			"Disabled stops the HPA from ever adding replicas")
	}
	if out.StabilizationWindowSeconds == nil {
		out.StabilizationWindowSeconds = p.scaleUpWindow()
	}
	if len(in.Policies) == 0 {
		out.Policies = p.scaleUpPolicies(ramp)
	}
	p.guardScaleUpPolicies(in.Policies)
	return out
}

// scaleUpPolicies derives the scale-up policy: Pods per serverReadySeconds, as many as the
// cluster can start and the ramp needs.
func (p *planner) scaleUpPolicies(ramp float64) []ScalingPolicy {
	ready, headroom := p.out.ServerReadySeconds, p.out.ScaleUpHeadroomPods
	pods := headroom
	why := fmt.Sprintf("scaleUpHeadroomPods %d (no autoscaling.sizing.rampRpsPerSecond)", headroom)
	if ramp > 0 && p.out.Target > 0 {
		pods = PlannedScaleUpPods(headroom, ready, ramp, p.out.Target)
		why = fmt.Sprintf("min(scaleUpHeadroomPods %d, ⌈ramp %s RPS/s × %d s / target %s⌉ = %d)", headroom,
			formatRPS(ramp), ready, p.out.Target, RampReplicas(ramp, ready, p.out.Target))
	}
	p.derive(inputs.PathScaleUp+".policies", fmt.Sprintf("Pods %d per %ds", pods, ready), why+" per serverReadySeconds: "+
		"pods the cluster starts at once")
	return []ScalingPolicy{{Type: PolicyPods, Value: pods, PeriodSeconds: ready}}
}

// scaleUpWindow derives the scale-up stabilization window: the guide's, or the spikes to absorb.
func (p *planner) scaleUpWindow() *int {
	w := inputs.DefaultScaleUpWindow
	why := "the guide's window; autoscaling.sizing.spikeSeconds sizes it"
	if s := p.in.Sizing; s != nil && s.SpikeSeconds != nil &&
		*s.SpikeSeconds >= 0 && *s.SpikeSeconds <= inputs.MaxWindowSeconds {
		w = *s.SpikeSeconds
		why = fmt.Sprintf("spikeSeconds %d: shorter spikes (as scraped) are absorbed within the margin; a sustained "+
			"rise is answered this much later", w)
	}
	p.derive(inputs.PathScaleUp+".stabilizationWindowSeconds", fmt.Sprint(w), why)
	return &w
}

// guardScaleUpPolicies refuses the user's scale-up policies that outrun the Server: Percent steps
// (unless allowed), more pods per period than the cluster starts, periods shorter than a Server
// pod takes to become ready.
func (p *planner) guardScaleUpPolicies(policies []ScalingPolicy) {
	for i, pol := range policies {
		f := fmt.Sprintf("%s.policies[%d]", inputs.PathScaleUp, i)
		if pol.Type == PolicyPercent && !p.in.AllowPercentScaleUp {
			p.errs.Add(
				f+".type",
				fmt.Sprintf(
					"use a Pods policy (e.g. Pods %d per %ds), or set %s: true to accept the risk",
					p.out.ScaleUpHeadroomPods,
					p.out.ServerReadySeconds,
					inputs.PathAllowPercentUp,
				),
				"a Percent scale-up policy multiplies the replica count each period, faster than Server pods can become ready "+
					"(the guide advises against the default doubling)",
			)
		}
		if pol.Type == PolicyPercent && p.in.AllowPercentScaleUp {
			p.percentWithinHeadroom(f+".value", pol.Value)
		}
		if pol.Type == PolicyPods && pol.Value > p.out.ScaleUpHeadroomPods {
			p.errs.Addf(
				f+".value",
				fmt.Sprintf(
					"set it to %d or less, or raise %s if the cluster can start more pods at once",
					p.out.ScaleUpHeadroomPods,
					inputs.PathHeadroom,
				),
				"%d pods per period exceeds %s (%d): the Model would sit in ScheduleFailed while the extra Server pods start",
				pol.Value,
				inputs.PathHeadroom,
				p.out.ScaleUpHeadroomPods,
			)
		}
		if pol.PeriodSeconds > 0 && pol.PeriodSeconds < p.out.ServerReadySeconds {
			p.errs.Addf(
				f+".periodSeconds",
				fmt.Sprintf("set it to %d or more", p.out.ServerReadySeconds),
				"%ds is shorter than %s (%ds): the HPA would ask for more Server replicas before the last ones are ready",
				pol.PeriodSeconds,
				inputs.PathServerReady,
				p.out.ServerReadySeconds,
			)
		}
	}
}

// percentWithinHeadroom refuses a Percent scale-up policy that asks for more new Server pods per
// period than scaleUpHeadroomPods once the count is high: allowPercentScaleUp accepts the risk of
// the multiplication, not of exceeding the headroom the user declared. It checks at maxReplicas,
// where value% of the count is largest, with the HPA's own rounding up
// (calculateScaleUpLimitWithScalingRules: ⌈current × (1 + value/100)⌉).
func (p *planner) percentWithinHeadroom(field string, value int) {
	maxReplicas, headroom := p.out.MaxReplicas, p.out.ScaleUpHeadroomPods
	if maxReplicas < 1 || headroom < 1 || value < 1 || value > inputs.MaxPercentValue {
		return // refused elsewhere: no bound to check against
	}
	added := int(math.Ceil(float64(value*maxReplicas)/100 - 1e-9))
	if added <= headroom {
		return
	}
	fix := fmt.Sprintf("set it to %d or less (that percent of maxReplicas %d stays within %s %d)",
		headroom*100/maxReplicas, maxReplicas, inputs.PathHeadroom, headroom)
	if headroom*100/maxReplicas == 0 {
		fix = fmt.Sprintf("use a Pods policy of at most %d pods, or raise %s if the cluster can start more pods at once",
			headroom, inputs.PathHeadroom)
	}
	p.errs.Addf(field, fix, "%d%% of maxReplicas %d adds up to %d Server pods per period, more than %s (%d): the "+
		"Model would sit in ScheduleFailed while the extra Server pods start", value, maxReplicas, added, inputs.PathHeadroom,
		headroom)
}

// modelLag settles how much longer the Model HPA's scale-up window is than the Server HPA's. The
// guide notes that a Model scaled before its Server has the pods goes ScheduleFailed and keeps
// serving on its old replicas; lagging the Model by one serverReadySeconds and one sync period
// lets the Server HPA start the pods first, so the Model asks only for replicas that can load.
func (p *planner) modelLag() {
	var window int
	if w := p.out.ScaleUp.StabilizationWindowSeconds; w != nil {
		window = *w
	}
	v := p.in.ModelScaleUpLagSeconds
	if v == nil {
		p.deriveModelLag(window)
		return
	}
	p.out.ModelScaleUpLagSeconds = *v
	switch {
	case *v < 0:
		p.errs.Addf(inputs.PathModelLag, "use 0 (both HPAs identical) or more seconds", "%d is negative", *v)
	case window+*v > inputs.MaxWindowSeconds:
		p.errs.Addf(inputs.PathModelLag,
			fmt.Sprintf("set it to %d or less, or shorten autoscaling.scaleUp.stabilizationWindowSeconds",
				max(inputs.MaxWindowSeconds-window, 0)),
			"the Model HPA's scale-up window would be %d s (shared window %d s + lag %d s), "+
				"beyond Kubernetes' limit of %d s", window+*v, window, *v, inputs.MaxWindowSeconds)
	}
}

// deriveModelLag is one serverReadySeconds and one sync period, cut to what Kubernetes' window
// limit leaves beside the shared window.
func (p *planner) deriveModelLag(window int) {
	ready := p.out.ServerReadySeconds
	if p.out.Scheduling == Partial {
		p.out.ModelScaleUpLagSeconds = PlannedModelScaleUpLag(ready, Partial)
		p.derive(inputs.PathModelLag, "0", "partial scheduling (see seldon): a Model replica loads as soon as a Server pod "+
			"is ready for it, so a lag only holds replicas back (docs/policy-simulation.md)")
		return
	}
	lag := PlannedModelScaleUpLag(ready, AllOrNothing)
	why := fmt.Sprintf("serverReadySeconds %d + one HPA sync %d s: Server pods start before the Model asks "+
		"for them; 0 makes both HPAs identical", ready, HPASyncPeriodSeconds)
	if window+lag > inputs.MaxWindowSeconds {
		lag = max(inputs.MaxWindowSeconds-window, 0)
		why += fmt.Sprintf("; cut to %d s so the Model's window stays within Kubernetes' limit of %d s",
			lag, inputs.MaxWindowSeconds)
		p.warn(inputs.PathModelLag, fmt.Sprintf("the shared scale-up window of %d s leaves room for a Model lag of "+
			"only %d s (Kubernetes' limit is %d s): the Model may ask for replicas before their Server pods are "+
			"ready and go ScheduleFailed; shorten the window", window, lag, inputs.MaxWindowSeconds))
	}
	p.out.ModelScaleUpLagSeconds = lag
	p.derive(inputs.PathModelLag, fmt.Sprint(lag), why)
}

// scaleDown checks the user's scale-down rules, or uses Kubernetes' defaults explicitly so both
// HPAs show the same, visible behavior.
func (p *planner) scaleDown() Rules {
	def := DefaultScaleDownRules()
	window := *def.StabilizationWindowSeconds
	in := p.in.ScaleDown
	if in == nil {
		p.derive(inputs.PathScaleDown, fmt.Sprintf("window %ds, %s", window, describePolicies(def.Policies)),
			"Kubernetes' default")
		return def
	}
	out := p.rules(inputs.PathScaleDown, *in)
	if out.StabilizationWindowSeconds == nil {
		out.StabilizationWindowSeconds = def.StabilizationWindowSeconds
		p.derive(inputs.PathScaleDown+".stabilizationWindowSeconds", fmt.Sprint(window), "Kubernetes' default")
	}
	if len(out.Policies) == 0 {
		out.Policies = def.Policies
		p.derive(inputs.PathScaleDown+".policies", describePolicies(def.Policies), "Kubernetes' default")
	}
	return out
}

// rules refuses what Kubernetes itself would reject (ValidateRules), so the error comes at preview
// and names the field, and fills selectPolicy's default, Max.
func (p *planner) rules(field string, r Rules) Rules {
	p.errs = append(p.errs, ValidateRules(field, r)...)
	return Rules{StabilizationWindowSeconds: r.StabilizationWindowSeconds, SelectPolicy: cmp.Or(r.SelectPolicy, SelectMax),
		Policies: append([]ScalingPolicy(nil), r.Policies...)}
}

// describePolicies writes scaling policies as derivations show them: "Percent 100 per 15s".
func describePolicies(ps []ScalingPolicy) string {
	parts := make([]string, len(ps))
	for i, pol := range ps {
		parts[i] = fmt.Sprintf("%s %d per %ds", pol.Type, pol.Value, pol.PeriodSeconds)
	}
	return strings.Join(parts, ", ")
}

// formatRPS writes an RPS figure for people: rounded to the HPA's milli-unit resolution.
func formatRPS(v float64) string { return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64) }

// duration writes d as people write it in config: 1m rather than 1m0s.
func duration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
