package search

import (
	"errors"
	"fmt"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

// Judgement is a choice run on shapes it may not have been chosen on, next to Kubernetes' default
// and the guide's formulas on the same shapes.
type Judgement struct {
	Shapes                 []Shape
	Chosen, Default, Guide Evaluation
}

// Judge runs the chosen behavior, the default and the guide's formulas on shapes: the held-out
// family, or the named scenarios.
func (c Choice) Judge(setup hpasim.SimulationSetup, shapes []Shape) (Judgement, error) {
	def, guide, err := baselines(setup, shapes)
	if err != nil {
		return Judgement{}, fmt.Errorf("judging the choice: %w", err)
	}
	chosen, err := evaluate(setup, c.Chosen.Name, c.Chosen.Server, c.Chosen.ModelLag, shapes)
	if err != nil {
		return Judgement{}, fmt.Errorf("judging the choice: %w", err)
	}
	return Judgement{Shapes: shapes, Chosen: chosen, Default: def, Guide: guide}, nil
}

// Losses are the shapes the chosen behavior breaches longer than the default.
func (j Judgement) Losses() []Loss {
	var out []Loss
	for i, s := range j.Chosen.PerShape {
		if d := j.Default.PerShape[i].SLABreachSeconds; s.SLABreachSeconds > d {
			out = append(out, Loss{Shape: j.Shapes[i].Name, BreachSeconds: s.SLABreachSeconds, DefaultBreach: d})
		}
	}
	return out
}

// Excess is the breach seconds beyond the default's, summed over the shapes lost.
func (j Judgement) Excess() int { return excessOver(j.Chosen, j.Default) }

// Judgement of the planning family itself, as Choose ran it.
func (c Choice) Judgement() Judgement {
	return Judgement{Shapes: c.Shapes, Chosen: c.Chosen, Default: c.Default, Guide: c.Guide}
}

// FromScenarios turns named scenarios into shapes of kind "scenario".
func FromScenarios(scs []hpasim.Scenario) []Shape {
	out := make([]Shape, len(scs))
	for i, sc := range scs {
		out[i] = Shape{Name: sc.Name, Kind: "scenario", Trace: sc.Trace}
	}
	return out
}

// DefaultRefusals are the guards that refuse Kubernetes' default scale-up rules for these
// figures: why the search may not simply deploy the default, and so what a loss to it costs.
func DefaultRefusals(f hpasim.Figures) []refusal.FieldError {
	in := f.Input()
	up := policy.DefaultScaleUpRules()
	in.ScaleUp = &up
	_, _, err := policy.Plan(in)
	var errs refusal.Errors
	if errors.As(err, &errs) {
		return errs
	}
	return nil
}
