package hpasim

import (
	"errors"
	"fmt"
	"math"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// The controller's limits when an HPA has no behavior field at all: at most max(2 × current, 4)
// replicas per sync (convertDesiredReplicasWithRules' scaleUpLimitFactor and scaleUpLimitMinimum).
// Every other Kubernetes fact the simulation uses (sync period, tolerance, default behavior,
// validation limits) is package policy's.
const (
	legacyScaleUpFactor  = 2.0
	legacyScaleUpMinimum = 4.0
)

// HPASpec is the part of an autoscaling/v2 HorizontalPodAutoscaler the simulation needs: one
// Object metric with an AverageValue target, the replica bounds and the behavior.
type HPASpec struct {
	MinReplicas int
	MaxReplicas int
	Target      policy.MilliQuantity // target.averageValue: RPS per replica
	// Behavior nil means the manifest has no behavior field. The controller then does not apply
	// the documented default rules but its older normalization (max(2×current, 4) per sync, scale
	// down to the highest recommendation of the last 5 minutes); see NoBehaviorPolicy.
	Behavior *Behavior
	// ScaleUpTolerance and ScaleDownTolerance bound the band around a usage ratio of 1 inside which
	// the HPA keeps the current count: behavior.scaleUp/scaleDown.tolerance (GA in Kubernetes
	// 1.37). Nil means the controller's --horizontal-pod-autoscaler-tolerance, 0.1.
	ScaleUpTolerance   *float64
	ScaleDownTolerance *float64
}

// tolerances is the band the replica calculator uses.
type tolerances struct{ scaleUp, scaleDown float64 }

func (t tolerances) isWithin(ratio float64) bool {
	return 1-t.scaleDown <= ratio && ratio <= 1+t.scaleUp
}

// Behavior mirrors autoscaling/v2 HorizontalPodAutoscalerBehavior. A nil rule, or a rule field left
// unset, takes the API server's default, exactly as Kubernetes fills them in.
type Behavior struct {
	ScaleUp   *policy.Rules
	ScaleDown *policy.Rules
}

// DefaultBehavior is the behavior Kubernetes documents for an HPA that sets none, as the API server
// and the controller fill it in (policy.DefaultScaleUpRules, policy.DefaultScaleDownRules): scale up
// by at most max(4 pods, 100%) per 15 s with no stabilization; scale down to the highest
// recommendation of the last 300 s, by up to 100% per 15 s. Written out so it can be shown and
// compared.
func DefaultBehavior() Behavior {
	up, down := policy.DefaultScaleUpRules(), policy.DefaultScaleDownRules()
	return Behavior{ScaleUp: &up, ScaleDown: &down}
}

// scalingRules is one direction's rules with every default filled in.
type scalingRules struct {
	windowSeconds int
	selectPolicy  string
	policies      []policy.ScalingPolicy
}

// effectiveRules fills unset fields the way the API server defaults a behavior field
// (copyHPAScalingRules over the default rules) and the controller fills a nil scale-down window
// (maybeInitScaleDownStabilizationWindow).
func effectiveRules(r *policy.Rules, def *policy.Rules) scalingRules {
	out := scalingRules{
		windowSeconds: *def.StabilizationWindowSeconds,
		selectPolicy:  def.SelectPolicy,
		policies:      def.Policies,
	}
	if r == nil {
		return out
	}
	if r.StabilizationWindowSeconds != nil {
		out.windowSeconds = *r.StabilizationWindowSeconds
	}
	if r.SelectPolicy != "" {
		out.selectPolicy = r.SelectPolicy
	}
	if len(r.Policies) > 0 {
		out.policies = r.Policies
	}
	return out
}

func (s HPASpec) tolerances() tolerances {
	t := tolerances{policy.HPATolerance, policy.HPATolerance}
	if s.ScaleUpTolerance != nil {
		t.scaleUp = *s.ScaleUpTolerance
	}
	if s.ScaleDownTolerance != nil {
		t.scaleDown = *s.ScaleDownTolerance
	}
	return t
}

// Validate refuses what the API server would refuse, and scale-to-zero, which the simulation does
// not model.
func (s HPASpec) Validate() error {
	var errs []error
	if s.MinReplicas < 1 {
		errs = append(errs, fmt.Errorf("minReplicas %d is below 1", s.MinReplicas))
	}
	if s.MaxReplicas < s.MinReplicas {
		errs = append(errs, fmt.Errorf("maxReplicas %d is below minReplicas %d", s.MaxReplicas, s.MinReplicas))
	}
	if s.Target <= 0 {
		errs = append(errs, fmt.Errorf("target averageValue %s is not above 0", s.Target))
	}
	for _, tol := range []struct {
		name string
		v    *float64
	}{{"scaleUp", s.ScaleUpTolerance}, {"scaleDown", s.ScaleDownTolerance}} {
		if tol.v != nil && (*tol.v < 0 || math.IsNaN(*tol.v) || math.IsInf(*tol.v, 0)) {
			errs = append(errs, fmt.Errorf("%s tolerance %v is not a finite number ≥ 0", tol.name, *tol.v))
		}
	}
	if b := s.Behavior; b != nil {
		for _, d := range []struct {
			name string
			r    *policy.Rules
		}{{"scaleUp", b.ScaleUp}, {"scaleDown", b.ScaleDown}} {
			if d.r != nil {
				for _, e := range policy.ValidateRules("behavior."+d.name, *d.r) {
					errs = append(errs, e)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// timedRecommendation is one unstabilized recommendation and when it was made.
type timedRecommendation struct {
	replicas int
	at       int
}

// scaleEvent is one rescale the controller made; outdated events are slots to reuse, as in the
// controller, which keeps counting them until they are overwritten.
type scaleEvent struct {
	change   int
	at       int
	outdated bool
}

// Controller is one HPA as the controller keeps it between syncs: its recommendation history and
// its scale-up and scale-down events. Times are whole seconds of simulated time.
type Controller struct {
	spec            HPASpec
	up, down        scalingRules
	legacy          bool
	recommendations []timedRecommendation
	scaleUpEvents   []scaleEvent
	scaleDownEvents []scaleEvent
}

// NewController starts an HPA with no history, as the controller does when it first sees one.
func NewController(spec HPASpec) (*Controller, error) {
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("invalid HPA spec: %w", err)
	}
	c := &Controller{spec: spec, legacy: spec.Behavior == nil}
	if !c.legacy {
		def := DefaultBehavior()
		c.up = effectiveRules(spec.Behavior.ScaleUp, def.ScaleUp)
		c.down = effectiveRules(spec.Behavior.ScaleDown, def.ScaleDown)
	}
	return c, nil
}

// Observation is what one sync reads: the target's /scale subresource and the metric.
type Observation struct {
	Now            int // seconds
	SpecReplicas   int // scale.spec.replicas: the current replicas for every rate rule
	StatusReplicas int // scale.status.replicas: what an AverageValue Object metric divides by
	Usage          policy.MilliQuantity
	// MetricMissing is a failed metric fetch (the rate window held fewer than two scrapes): the
	// controller then changes nothing.
	MetricMissing bool
}

// Decision is one sync's outcome, each stage kept so tests and timelines can show why.
type Decision struct {
	Proposed   int    // the replica calculator's answer, before stabilization
	Stabilized int    // after the stabilization windows
	Desired    int    // after the rate limits and min/max: what the HPA writes
	Rescale    bool   // Desired differs from the spec replicas
	Limit      string // the controller's ScalingLimited reason, when a rule changed the answer
}

// Reconcile runs one sync, following reconcileAutoscaler: out-of-bounds targets are brought back
// to min/max at once; otherwise the metric's proposal is stabilized and rate-limited.
func (c *Controller) Reconcile(o Observation) Decision {
	current := o.SpecReplicas
	if c.recommendations == nil {
		c.recommendations = []timedRecommendation{{current, o.Now}}
	}
	d := Decision{Proposed: current, Stabilized: current, Desired: current}
	switch {
	case current == 0:
		return d // Kubernetes: scaling is disabled while the target is scaled to zero
	case current > c.spec.MaxReplicas:
		d.Desired, d.Limit = c.spec.MaxReplicas, "TooManyReplicas"
	case current < c.spec.MinReplicas:
		d.Desired, d.Limit = c.spec.MinReplicas, "TooFewReplicas"
	case o.MetricMissing:
		d.Limit = "FailedGetObjectMetric"
		return d
	default:
		d.Proposed = objectAverageValueReplicas(o.StatusReplicas, int64(o.Usage), int64(c.spec.Target), c.spec.tolerances())
		if c.legacy {
			d.Stabilized = c.stabilizeRecommendationLegacy(o.Now, d.Proposed)
			d.Desired, d.Limit = c.clampLegacy(current, d.Stabilized)
		} else {
			d.Stabilized = c.stabilizeRecommendation(o.Now, current, d.Proposed)
			d.Desired, d.Limit = c.limitScaleRate(o.Now, current, d.Stabilized)
		}
	}
	d.Rescale = d.Desired != current
	if d.Rescale {
		c.storeScaleEvent(o.Now, current, d.Desired)
	}
	return d
}

// objectAverageValueReplicas is the replica calculator for an Object metric with an AverageValue
// target: the usage per current replica against the target decides whether to move at all (the
// tolerance band), and if so the answer is ⌈usage / target⌉ whatever the current count.
func objectAverageValueReplicas(statusReplicas int, usage, target int64, tol tolerances) int {
	ratio := float64(usage) / (float64(target) * float64(statusReplicas))
	if tol.isWithin(ratio) {
		return statusReplicas
	}
	return int(math.Ceil(float64(usage) / float64(target)))
}

// stabilizeRecommendation keeps the answer between the lowest recommendation of the scale-up
// window and the highest of the scale-down window, so a short spike or dip inside a window moves
// nothing; then it records the unstabilized recommendation, reusing a slot older than both windows.
func (c *Controller) stabilizeRecommendation(now, current, proposed int) int {
	upCutoff := now - c.up.windowSeconds
	downCutoff := now - c.down.windowSeconds
	upLimit, downLimit := proposed, proposed
	oldSlot := -1
	for i, r := range c.recommendations {
		if r.at > upCutoff {
			upLimit = min(upLimit, r.replicas)
		}
		if r.at > downCutoff {
			downLimit = max(downLimit, r.replicas)
		}
		if r.at < upCutoff && r.at < downCutoff {
			oldSlot = i
		}
	}
	stabilized := max(current, upLimit)
	stabilized = min(stabilized, downLimit)
	c.recordRecommendation(oldSlot, timedRecommendation{proposed, now})
	return stabilized
}

func (c *Controller) recordRecommendation(slot int, r timedRecommendation) {
	if slot >= 0 {
		c.recommendations[slot] = r
		return
	}
	c.recommendations = append(c.recommendations, r)
}

// limitScaleRate applies the scale-up or scale-down rules and min/max (the controller's
// convertDesiredReplicasWithBehaviorRate).
func (c *Controller) limitScaleRate(now, current, desired int) (int, string) {
	switch {
	case desired > current:
		limit := max(c.scaleUpLimit(now, current), current) // never below current until old events age out
		if c.spec.MaxReplicas <= limit {
			return min(desired, c.spec.MaxReplicas), limitReason(desired > c.spec.MaxReplicas, "TooManyReplicas")
		}
		return min(desired, limit), limitReason(desired > limit, "ScaleUpLimit")
	case desired < current:
		limit := min(c.scaleDownLimit(now, current), current)
		if c.spec.MinReplicas >= limit {
			return max(desired, c.spec.MinReplicas), limitReason(desired < c.spec.MinReplicas, "TooFewReplicas")
		}
		return max(desired, limit), limitReason(desired < limit, "ScaleDownLimit")
	}
	return desired, ""
}

func limitReason(limited bool, reason string) string {
	if limited {
		return reason
	}
	return ""
}

// periodStartReplicas is the replica count at the start of a policy's period, rebuilt from the
// scale events inside it: every policy limits the change over its period, not per sync.
func (c *Controller) periodStartReplicas(now, current, periodSeconds int) int {
	return current - replicasChangedSince(
		now-periodSeconds,
		c.scaleUpEvents,
	) + replicasChangedSince(
		now-periodSeconds,
		c.scaleDownEvents,
	)
}

// replicasChangedSince sums the events strictly after cutoff, like getReplicasChangePerPeriod: an
// event exactly one period old no longer counts.
func replicasChangedSince(cutoff int, events []scaleEvent) int {
	n := 0
	for _, e := range events {
		if e.at > cutoff {
			n += e.change
		}
	}
	return n
}

// scaleUpLimit is the most replicas the scale-up policies allow now: each policy proposes from its
// own period start, and selectPolicy picks the largest (Max) or smallest (Min) proposal.
func (c *Controller) scaleUpLimit(now, current int) int {
	if c.up.selectPolicy == policy.SelectDisabled {
		return current
	}
	pick, limit := larger, math.MinInt
	if c.up.selectPolicy == policy.SelectMin {
		pick, limit = smaller, math.MaxInt
	}
	for _, p := range c.up.policies {
		start := c.periodStartReplicas(now, current, p.PeriodSeconds)
		var proposed int
		switch p.Type {
		case policy.PolicyPods:
			proposed = start + p.Value
		case policy.PolicyPercent:
			// Rounded up, so a small count can still grow by at least one replica.
			proposed = int(math.Ceil(float64(start) * (1 + float64(p.Value)/100)))
		}
		limit = pick(limit, proposed)
	}
	return limit
}

// scaleDownLimit is the fewest replicas the scale-down policies allow now; Max selects the biggest
// change (the lowest count), Min the smallest.
func (c *Controller) scaleDownLimit(now, current int) int {
	if c.down.selectPolicy == policy.SelectDisabled {
		return current
	}
	pick, limit := smaller, math.MaxInt
	if c.down.selectPolicy == policy.SelectMin {
		pick, limit = larger, math.MinInt
	}
	for _, p := range c.down.policies {
		start := c.periodStartReplicas(now, current, p.PeriodSeconds)
		var proposed int
		switch p.Type {
		case policy.PolicyPods:
			proposed = start - p.Value
		case policy.PolicyPercent:
			proposed = int(float64(start) * (1 - float64(p.Value)/100)) // truncated, as the controller does
		}
		limit = pick(limit, proposed)
	}
	return limit
}

func larger(a, b int) int  { return max(a, b) }
func smaller(a, b int) int { return min(a, b) }

// storeScaleEvent records a rescale for the policies to count, reusing a slot older than the
// direction's longest policy period. Without a behavior field the controller keeps no events.
func (c *Controller) storeScaleEvent(now, from, to int) {
	if c.legacy {
		return
	}
	events, rules, change := &c.scaleUpEvents, c.up, to-from
	if to < from {
		events, rules, change = &c.scaleDownEvents, c.down, from-to
	}
	longest := 0
	for _, p := range rules.policies {
		longest = max(longest, p.PeriodSeconds)
	}
	slot := -1
	for i := range *events {
		if (*events)[i].at < now-longest {
			(*events)[i].outdated = true
		}
		if (*events)[i].outdated {
			slot = i
		}
	}
	e := scaleEvent{change: change, at: now}
	if slot >= 0 {
		(*events)[slot] = e
		return
	}
	*events = append(*events, e)
}

// stabilizeRecommendationLegacy is the controller's path for an HPA without a behavior field:
// scale down only to the highest recommendation of the last 5 minutes, scale up at once.
func (c *Controller) stabilizeRecommendationLegacy(now, proposed int) int {
	cutoff := now - policy.DefaultScaleDownWindow
	highest, oldSlot := proposed, -1
	for i, r := range c.recommendations {
		if r.at < cutoff {
			oldSlot = i
		} else if r.replicas > highest {
			highest = r.replicas
		}
	}
	c.recordRecommendation(oldSlot, timedRecommendation{proposed, now})
	return highest
}

// clampLegacy is convertDesiredReplicasWithRules: min/max, and at most max(2×current, 4) replicas
// per sync.
func (c *Controller) clampLegacy(current, desired int) (int, string) {
	limit := int(math.Max(legacyScaleUpFactor*float64(current), legacyScaleUpMinimum))
	upper, reason := c.spec.MaxReplicas, "TooManyReplicas"
	if upper > limit {
		upper, reason = limit, "ScaleUpLimit"
	}
	switch {
	case desired < c.spec.MinReplicas:
		return c.spec.MinReplicas, "TooFewReplicas"
	case desired > upper:
		return upper, reason
	}
	return desired, ""
}
