// Package policy decides the autoscaling policy both HPAs share: it fills defaults, sizes the
// target and replica bounds from load figures, derives scaling behavior that respects how fast
// Seldon Server replicas can become ready, and refuses the settings the Seldon guide warns about.
// It has no Pulumi imports: the component calls Plan and only wires its result.
package policy

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Defaults, each one the Seldon guide's own example value or the Kubernetes default.
const (
	DefaultMinReplicas         = 1
	DefaultSafetyMargin        = 0.2
	DefaultServerReadySeconds  = 90 // the guide's example: 5 pods ready within 90 s
	DefaultScaleUpHeadroomPods = 5
	DefaultScaleUpWindow       = 60               // the guide's example scale-up stabilization window
	DefaultScaleDownWindow     = 300              // Kubernetes' default scale-down stabilization window
	DefaultScrapeInterval      = 30 * time.Second // kube-prometheus-stack's; the guide's 1m window needs ≤ 30 s
	DefaultRelistInterval      = time.Minute
	DefaultRateWindow          = time.Minute

	// TargetTypeAverageValue is the only target type that scales a Model and its Server together.
	TargetTypeAverageValue = "AverageValue"
	PolicyPods             = "Pods"
	PolicyPercent          = "Percent"
	SelectMax              = "Max"
	SelectMin              = "Min"
	SelectDisabled         = "Disabled"

	maxWindowSeconds = 3600 // Kubernetes' validation limit for stabilization windows
	maxPeriodSeconds = 1800 // Kubernetes' validation limit for policy periods
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
}

// Sizing holds the load figures the guide sizes from.
type Sizing struct {
	PeakRPS       *float64
	SaturationRPS *float64
	SafetyMargin  *float64
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
}

// Derivation reports a value the planner chose because the user did not set it.
type Derivation struct {
	Field  string
	Value  string
	Reason string
}

func (d Derivation) String() string { return fmt.Sprintf("%s = %s (%s)", d.Field, d.Value, d.Reason) }

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

// Field paths as users write them; errors and derivations name these.
const (
	FieldMinReplicas    = "autoscaling.minReplicas"
	FieldMaxReplicas    = "autoscaling.maxReplicas"
	FieldTarget         = "autoscaling.targetRpsPerReplica"
	FieldTargetType     = "autoscaling.targetType"
	FieldPeakRPS        = "autoscaling.sizing.peakRps"
	FieldSaturationRPS  = "autoscaling.sizing.saturationRps"
	FieldSafetyMargin   = "autoscaling.sizing.safetyMargin"
	FieldServerReady    = "autoscaling.serverReadySeconds"
	FieldHeadroom       = "autoscaling.scaleUpHeadroomPods"
	FieldScaleUp        = "autoscaling.scaleUp"
	FieldScaleDown      = "autoscaling.scaleDown"
	FieldScrapeInterval = "adapter.prometheusScrapeInterval"
	FieldRelistInterval = "adapter.metricsRelistInterval"
	FieldRateWindow     = "adapter.rateWindow"
	FieldAllowPercentUp = "autoscaling.allowPercentScaleUp"
)

// Plan turns the user's input into the effective policy, or refuses it with every problem found.
func Plan(in Input) (Policy, []Derivation, error) {
	p := &planner{in: in}
	p.replicaBounds()
	p.timing()
	p.readiness()
	p.out.ScaleUp = p.scaleUp()
	p.out.ScaleDown = p.scaleDown()
	if err := p.errs.Err(); err != nil {
		return Policy{}, nil, err
	}
	return p.out, p.derived, nil
}

type planner struct {
	in      Input
	out     Policy
	derived []Derivation
	errs    Errors
}

func (p *planner) derive(field, value, reason string) {
	p.derived = append(p.derived, Derivation{Field: field, Value: value, Reason: reason})
}

// replicaBounds settles minReplicas, the target and maxReplicas, sizing from load figures as the
// guide does: target = saturation × (1 − margin), maxReplicas = ⌈peak / target⌉.
func (p *planner) replicaBounds() {
	in := p.in
	if in.TargetType != "" && in.TargetType != TargetTypeAverageValue {
		p.errs.Addf(FieldTargetType, "remove it or set it to AverageValue",
			"%q is not supported: only AverageValue scales the Model and its Server to the same replica count "+
				"(Utilization needs resource metrics, Value ignores the replica count)", in.TargetType)
	}

	p.out.MinReplicas = DefaultMinReplicas
	if in.MinReplicas != nil {
		p.out.MinReplicas = *in.MinReplicas
		if *in.MinReplicas < 1 {
			p.errs.Addf(FieldMinReplicas, "set it to 1 or more", "%d is below 1: a Model with no replicas cannot serve the load its own metric needs to scale up", *in.MinReplicas)
		}
	} else {
		p.derive(FieldMinReplicas, fmt.Sprint(DefaultMinReplicas), "default")
	}

	var sat, peak *float64
	margin := DefaultSafetyMargin
	if s := in.Sizing; s != nil {
		sat = p.positive(FieldSaturationRPS, s.SaturationRPS)
		peak = p.positive(FieldPeakRPS, s.PeakRPS)
		if s.SafetyMargin != nil {
			margin = *s.SafetyMargin
			if math.IsNaN(margin) || margin < 0 || margin >= 1 {
				p.errs.Addf(FieldSafetyMargin, "use a fraction such as 0.2 (20% below saturation)",
					"%v is outside [0, 1)", margin)
				margin = DefaultSafetyMargin
			}
		} else if sat != nil {
			p.derive(FieldSafetyMargin, fmt.Sprint(DefaultSafetyMargin), "default: keep 20% of each replica's capacity for load that arrives while new replicas start")
		}
	}

	var target float64
	switch {
	case in.TargetRPS != nil:
		t := p.positive(FieldTarget, in.TargetRPS)
		if t == nil {
			return
		}
		target = *t
		if sat != nil && target >= *sat {
			p.errs.Addf(FieldTarget, fmt.Sprintf("set it below the saturation RPS, e.g. %s (saturation × (1 − margin)), or remove it to derive it", formatRPS(*sat*(1-margin))),
				"%v is not below autoscaling.sizing.saturationRps (%v): replicas would saturate before the HPA adds more", target, *sat)
		}
	case sat != nil:
		target = *sat * (1 - margin)
		p.derive(FieldTarget, formatRPS(target), fmt.Sprintf("saturationRps %v × (1 − safetyMargin %v)", *sat, margin))
	default:
		if in.Sizing == nil || in.Sizing.SaturationRPS == nil {
			p.errs.Add(FieldTarget, "not set, and there is no autoscaling.sizing.saturationRps to derive it from",
				"set autoscaling.targetRpsPerReplica (the per-replica RPS the HPA keeps each replica at), or autoscaling.sizing {saturationRps, peakRps}")
		}
		return
	}
	q := MilliQuantity(math.Round(target * 1000))
	if q < 1 {
		p.errs.Addf(FieldTarget, "use at least 0.001", "%v rounds to zero at the HPA's milli-unit resolution", target)
		return
	}
	p.out.Target = q
	target = q.Float()

	switch {
	case in.MaxReplicas != nil:
		p.out.MaxReplicas = *in.MaxReplicas
		if *in.MaxReplicas < p.out.MinReplicas {
			p.errs.Addf(FieldMaxReplicas, "set maxReplicas at or above minReplicas",
				"%d is below autoscaling.minReplicas (%d)", *in.MaxReplicas, p.out.MinReplicas)
		}
		if peak != nil && *peak > float64(*in.MaxReplicas)*target*(1+1e-9) {
			need := int(math.Ceil(*peak / target))
			p.errs.Addf(FieldPeakRPS, fmt.Sprintf("raise autoscaling.maxReplicas to %d, or raise the target", need),
				"peak load %v RPS exceeds maxReplicas %d × target %s RPS = %s RPS", *peak, *in.MaxReplicas, q, formatRPS(float64(*in.MaxReplicas)*target))
		}
	case peak != nil:
		m := int(math.Ceil(*peak/target - 1e-9))
		reason := fmt.Sprintf("⌈peakRps %v / target %s⌉", *peak, q)
		if m < p.out.MinReplicas {
			m = p.out.MinReplicas
			reason += ", raised to minReplicas"
		}
		p.out.MaxReplicas = m
		p.derive(FieldMaxReplicas, fmt.Sprint(m), reason)
	default:
		p.errs.Add(FieldMaxReplicas, "not set, and there is no autoscaling.sizing.peakRps to derive it from",
			"set autoscaling.maxReplicas, or autoscaling.sizing.peakRps (maxReplicas = ⌈peak / target⌉)")
	}
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
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if t.ScrapeInterval == 0 {
		p.derive(FieldScrapeInterval, duration(DefaultScrapeInterval), "assumed (kube-prometheus-stack's default); set your Prometheus' real scrape interval so the guards check against it")
	}
	def(&t.ScrapeInterval, DefaultScrapeInterval)
	def(&t.RelistInterval, DefaultRelistInterval)
	def(&t.RateWindow, DefaultRateWindow)
	p.out.Timing = t
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{FieldScrapeInterval, t.ScrapeInterval}, {FieldRelistInterval, t.RelistInterval}, {FieldRateWindow, t.RateWindow}} {
		if d.v < time.Second || d.v%time.Second != 0 {
			p.errs.Addf(d.field, "use whole seconds, at least 1s (e.g. \"30s\", \"1m\")", "%s is not a whole number of seconds ≥ 1s", duration(d.v))
		}
	}
	if t.RelistInterval < t.ScrapeInterval {
		p.errs.Addf(FieldRelistInterval, fmt.Sprintf("set it to %s or more", duration(t.ScrapeInterval)),
			"%s is shorter than the Prometheus scrape interval %s: custom metrics would intermittently be reported missing", duration(t.RelistInterval), duration(t.ScrapeInterval))
	}
	if t.RateWindow < 2*t.ScrapeInterval {
		p.errs.Addf(FieldRateWindow, fmt.Sprintf("set it to %s or more", duration(2*t.ScrapeInterval)),
			"%s holds fewer than two scrapes at a %s scrape interval: rate() would return nothing between scrapes", duration(t.RateWindow), duration(t.ScrapeInterval))
	}
}

func (p *planner) readiness() {
	p.out.ServerReadySeconds = DefaultServerReadySeconds
	if v := p.in.ServerReadySeconds; v != nil {
		p.out.ServerReadySeconds = *v
		if *v < 1 || *v > maxPeriodSeconds {
			p.errs.Addf(FieldServerReady, "measure how long a new Server pod takes to load the model and become ready, and set that (1 to 1800)",
				"%d is outside 1..%d seconds", *v, maxPeriodSeconds)
		}
	} else {
		p.derive(FieldServerReady, fmt.Sprint(DefaultServerReadySeconds), "default: the guide's example; measure yours and set it")
	}
	p.out.ScaleUpHeadroomPods = DefaultScaleUpHeadroomPods
	if v := p.in.ScaleUpHeadroomPods; v != nil {
		p.out.ScaleUpHeadroomPods = *v
		if *v < 1 {
			p.errs.Addf(FieldHeadroom, "set how many Server pods the cluster can start at once (1 or more)", "%d is below 1", *v)
		}
	} else {
		p.derive(FieldHeadroom, fmt.Sprint(DefaultScaleUpHeadroomPods), "default: the guide's example")
	}
}

// scaleUp checks the user's scale-up rules, or derives them: never ask for more Server pods per
// period than the cluster can start, nor sooner than a Server pod becomes ready.
func (p *planner) scaleUp() Rules {
	derived := []ScalingPolicy{{Type: PolicyPods, Value: p.out.ScaleUpHeadroomPods, PeriodSeconds: p.out.ServerReadySeconds}}
	in := p.in.ScaleUp
	if in == nil {
		w := DefaultScaleUpWindow
		p.derive(FieldScaleUp, fmt.Sprintf("window %ds, Pods %d per %ds", w, derived[0].Value, derived[0].PeriodSeconds),
			"no more Server pods per period than the cluster can start (scaleUpHeadroomPods), no sooner than one becomes ready (serverReadySeconds); the guide's 60 s window absorbs spikes of about 4 HPA samples")
		return Rules{StabilizationWindowSeconds: &w, SelectPolicy: SelectMax, Policies: derived}
	}
	out := p.rules(FieldScaleUp, *in)
	if out.SelectPolicy == SelectDisabled {
		p.errs.Add(FieldScaleUp+".selectPolicy", "Disabled stops the HPA from ever adding replicas",
			"use Max or Min; to pin the replica count set minReplicas equal to maxReplicas")
	}
	if out.StabilizationWindowSeconds == nil {
		w := DefaultScaleUpWindow
		out.StabilizationWindowSeconds = &w
		p.derive(FieldScaleUp+".stabilizationWindowSeconds", fmt.Sprint(w), "the guide's example window")
	}
	if len(in.Policies) == 0 {
		out.Policies = derived
		p.derive(FieldScaleUp+".policies", fmt.Sprintf("Pods %d per %ds", derived[0].Value, derived[0].PeriodSeconds),
			"scaleUpHeadroomPods per serverReadySeconds")
	}
	for i, pol := range in.Policies {
		f := fmt.Sprintf("%s.policies[%d]", FieldScaleUp, i)
		if pol.Type == PolicyPercent && !p.in.AllowPercentScaleUp {
			p.errs.Add(f+".type", "a Percent scale-up policy multiplies the replica count each period, faster than Server pods can become ready (the guide advises against the default doubling)",
				fmt.Sprintf("use a Pods policy (e.g. Pods %d per %ds), or set %s: true to accept the risk", p.out.ScaleUpHeadroomPods, p.out.ServerReadySeconds, FieldAllowPercentUp))
		}
		if pol.Type == PolicyPods && pol.Value > p.out.ScaleUpHeadroomPods {
			p.errs.Addf(f+".value", fmt.Sprintf("set it to %d or less, or raise %s if the cluster can start more pods at once", p.out.ScaleUpHeadroomPods, FieldHeadroom),
				"%d pods per period exceeds %s (%d): the Model would sit in ScheduleFailed while the extra Server pods start", pol.Value, FieldHeadroom, p.out.ScaleUpHeadroomPods)
		}
		if pol.PeriodSeconds > 0 && pol.PeriodSeconds < p.out.ServerReadySeconds {
			p.errs.Addf(f+".periodSeconds", fmt.Sprintf("set it to %d or more", p.out.ServerReadySeconds),
				"%ds is shorter than %s (%ds): the HPA would ask for more Server replicas before the last ones are ready", pol.PeriodSeconds, FieldServerReady, p.out.ServerReadySeconds)
		}
	}
	return out
}

// scaleDown checks the user's scale-down rules, or uses Kubernetes' defaults explicitly so both
// HPAs show the same, visible behavior.
func (p *planner) scaleDown() Rules {
	in := p.in.ScaleDown
	if in == nil {
		w := DefaultScaleDownWindow
		p.derive(FieldScaleDown, fmt.Sprintf("window %ds, Percent 100 per 15s", w), "Kubernetes' default: scale down to the highest recommendation of the last 5 minutes")
		return Rules{StabilizationWindowSeconds: &w, SelectPolicy: SelectMax, Policies: []ScalingPolicy{{Type: PolicyPercent, Value: 100, PeriodSeconds: 15}}}
	}
	out := p.rules(FieldScaleDown, *in)
	if out.StabilizationWindowSeconds == nil {
		w := DefaultScaleDownWindow
		out.StabilizationWindowSeconds = &w
		p.derive(FieldScaleDown+".stabilizationWindowSeconds", fmt.Sprint(w), "Kubernetes' default")
	}
	if len(out.Policies) == 0 {
		out.Policies = []ScalingPolicy{{Type: PolicyPercent, Value: 100, PeriodSeconds: 15}}
		p.derive(FieldScaleDown+".policies", "Percent 100 per 15s", "Kubernetes' default")
	}
	return out
}

// rules validates what Kubernetes itself would reject, so the error comes at preview and names
// the field.
func (p *planner) rules(field string, r Rules) Rules {
	out := Rules{StabilizationWindowSeconds: r.StabilizationWindowSeconds, SelectPolicy: r.SelectPolicy,
		Policies: append([]ScalingPolicy(nil), r.Policies...)}
	if w := r.StabilizationWindowSeconds; w != nil && (*w < 0 || *w > maxWindowSeconds) {
		p.errs.Addf(field+".stabilizationWindowSeconds", "use 0 to 3600 seconds", "%d is outside 0..%d", *w, maxWindowSeconds)
	}
	switch r.SelectPolicy {
	case "":
		out.SelectPolicy = SelectMax
	case SelectMax, SelectMin, SelectDisabled:
	default:
		p.errs.Addf(field+".selectPolicy", "use Max, Min or Disabled", "%q is not a select policy", r.SelectPolicy)
	}
	for i, pol := range r.Policies {
		f := fmt.Sprintf("%s.policies[%d]", field, i)
		if pol.Type != PolicyPods && pol.Type != PolicyPercent {
			p.errs.Addf(f+".type", "use Pods or Percent", "%q is not a scaling policy type", pol.Type)
		}
		if pol.Value < 1 {
			p.errs.Addf(f+".value", "use 1 or more", "%d is below 1", pol.Value)
		}
		if pol.PeriodSeconds < 1 || pol.PeriodSeconds > maxPeriodSeconds {
			p.errs.Addf(f+".periodSeconds", "use 1 to 1800 seconds", "%d is outside 1..%d", pol.PeriodSeconds, maxPeriodSeconds)
		}
	}
	return out
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
