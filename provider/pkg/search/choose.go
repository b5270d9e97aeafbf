package search

import (
	"errors"
	"fmt"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// Choice is the search's answer: the behavior chosen, what it was compared with, and why.
type Choice struct {
	Candidate Candidate
	Policy    policy.Policy
	Chosen    Evaluation
	Default   Evaluation // Kubernetes' default behavior, with BaselineLag
	Guide     Evaluation // policy.Plan's formulas on the figures alone
	Shapes    []Shape
	Budget    float64
	// Tried is how many candidates were listed, Refused how many of them the guards refused,
	// Eligible how many kept within the budget and breached no shape longer than the default.
	Tried, Refused, Eligible int
	// Losses are the shapes where the chosen behavior breaches longer than the default: none
	// unless no candidate was eligible.
	Losses []Loss
	// Reasons are the formulas' for what they derived and, for each field chosen, the simulated
	// figures that chose it.
	Reasons []policy.Derivation
}

// Loss is one shape the chosen behavior serves worse than Kubernetes' default.
type Loss struct {
	Shape                        string
	BreachSeconds, DefaultBreach int
}

// Choose simulates every candidate the guards allow on shapes and returns the eligible one
// (within budget × the default's replica-seconds, no shape breached longer than under the
// default) that breaches least. When none is eligible it returns the one within the budget (or
// failing that any) that breaches least beyond the default, and lists the shapes it loses: the
// guards or the budget cost them.
func Choose(setup hpasim.SimulationSetup, shapes []Shape, budget float64) (Choice, error) {
	if len(shapes) == 0 {
		return Choice{}, errors.New("search: no load shapes to plan on")
	}
	if budget < 1 {
		return Choice{}, fmt.Errorf("search: a replica-seconds budget of %v × the default's leaves no room; use 1 or more",
			budget)
	}
	def, guide, err := baselines(setup, shapes)
	if err != nil {
		return Choice{}, fmt.Errorf("search: %w", err)
	}
	cands := Candidates(setup.Figures)
	evals, refused, err := evaluateAll(setup, cands, shapes)
	if err != nil {
		return Choice{}, fmt.Errorf("search: %w", err)
	}
	c := Choice{Default: def, Guide: guide, Shapes: shapes, Budget: budget, Tried: len(cands), Refused: refused}
	best := -1
	bestRank := 0
	for i, e := range evals {
		if e == nil {
			continue
		}
		rank := c.rank(*e)
		if rank == 0 {
			c.Eligible++
		}
		if best < 0 || rank < bestRank || (rank == bestRank && c.better(*e, *evals[best]) < 0) {
			best, bestRank = i, rank
		}
	}
	if best < 0 {
		return Choice{}, fmt.Errorf("search: the guards refused all %d candidates", len(cands))
	}
	c.Candidate, c.Chosen = cands[best], *evals[best]
	// The formulas still derive what the candidate leaves them (target, replica bounds): their
	// reasons come first, then the search's for the fields it chose.
	pol, derived, err := policy.Plan(c.Candidate.input(setup.Figures))
	if err != nil {
		return Choice{}, fmt.Errorf("search: planning the chosen candidate: %w", err)
	}
	c.Policy, c.Losses = pol, c.Judgement().Losses()
	for _, d := range derived {
		if !d.Warning {
			c.Reasons = append(c.Reasons, d)
		}
	}
	c.Reasons = append(c.Reasons, c.reasons()...)
	return c, nil
}

// rank sorts candidates into tiers: 0 eligible, 1 within budget but breaching some shape longer
// than the default, 2 over budget.
func (c Choice) rank(e Evaluation) int {
	if float64(e.Total.ReplicaSeconds) > c.Budget*float64(c.Default.Total.ReplicaSeconds) {
		return 2
	}
	for i, s := range e.PerShape {
		if s.SLABreachSeconds > c.Default.PerShape[i].SLABreachSeconds {
			return 1
		}
	}
	return 0
}

// better orders candidates of one rank: among candidates that lose some shapes to the default,
// the least breach beyond the default's comes first, since never worse than the default is the
// aim; then the objective (better).
func (c Choice) better(a, b Evaluation) int {
	if ea, eb := c.excess(a), c.excess(b); ea != eb {
		return ea - eb
	}
	return better(a, b)
}

// excess is the breach seconds beyond the default's, summed over the shapes where e is worse.
func (c Choice) excess(e Evaluation) int { return excessOver(e, c.Default) }

func excessOver(e, def Evaluation) int {
	n := 0
	for i, s := range e.PerShape {
		n += max(0, s.SLABreachSeconds-def.PerShape[i].SLABreachSeconds)
	}
	return n
}

// CostRatio is the chosen behavior's replica-seconds against the default's.
func (c Choice) CostRatio() float64 {
	return float64(c.Chosen.Total.ReplicaSeconds) / float64(max(c.Default.Total.ReplicaSeconds, 1))
}

// reasons are the derivations of the chosen fields, each with the figures that chose it.
func (c Choice) reasons() []policy.Derivation {
	why := fmt.Sprintf("chosen by simulation over %d load shapes from %d candidates the guards allow (%d refused, %d "+
		"eligible): SLA breached %d s against %d s under Kubernetes' default and %d s under the guide's formulas, "+
		"at %.2f× the default's replica-seconds (budget %.2f×)", len(c.Shapes), c.Tried-c.Refused, c.Refused,
		c.Eligible, c.Chosen.Total.BreachSeconds, c.Default.Total.BreachSeconds, c.Guide.Total.BreachSeconds,
		c.CostRatio(), c.Budget)
	if len(c.Losses) > 0 {
		why += fmt.Sprintf("; no candidate was eligible: it breaches longer than the default on %d shapes", len(c.Losses))
	}
	k := c.Candidate
	return []policy.Derivation{
		{Field: inputs.PathScaleUp + ".stabilizationWindowSeconds", Value: fmt.Sprint(k.ScaleUpWindow), Reason: why},
		{Field: inputs.PathScaleUp + ".policies", Value: fmt.Sprintf("Pods %d per %ds", k.ScaleUpPods,
			c.Policy.ServerReadySeconds), Reason: why},
		{Field: inputs.PathScaleDown + ".stabilizationWindowSeconds", Value: fmt.Sprint(k.ScaleDownWindow), Reason: why},
		{Field: inputs.PathModelLag, Value: fmt.Sprint(k.ModelLag), Reason: why},
	}
}
