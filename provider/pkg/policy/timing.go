package policy

// PlanTiming applies the metric-pipeline defaults and guards on their own, for an adapter
// declared apart from any model (SeldonMetricsAdapter): the same rules Plan applies.
func PlanTiming(t Timing) (Timing, []Derivation, error) {
	p := &planner{in: Input{Timing: t}}
	p.timing()
	if err := p.errs.Err(); err != nil {
		return Timing{}, nil, err
	}
	return p.out.Timing, p.derived, nil
}
