package policy

// PlanTiming applies the metric-pipeline defaults and guards on their own, for an adapter
// declared apart from any model (SeldonMetricsAdapter): the same rules Plan applies. prefix is
// where the timing inputs sit in the caller's schema.
func PlanTiming(t Timing, prefix string) (Timing, []Derivation, error) {
	p := &planner{in: Input{Timing: t, TimingPrefix: prefix}}
	p.timing()
	if err := p.errs.Err(); err != nil {
		return Timing{}, nil, err
	}
	return p.out.Timing, p.derived, nil
}
