package main

import (
	_ "embed"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/search"
)

// searchShapesPerKind is how many traces of each kind a family draws for the report.
const searchShapesPerKind = 2

// policySearchTemplate is the report's prose; policySearchOf computes what it shows.
//
//go:embed policysearch.md.tmpl
var policySearchTemplate string

func runSearchPolicies(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("search-policies", stderr)
	out := fs.String("out", "-", "write the report here (- for standard output)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	data, err := policySearchOf(hpasim.DefaultSimulationSetup(), searchShapesPerKind)
	if err != nil {
		return err
	}
	report, err := renderTemplate("policysearch", policySearchTemplate, data, policySearchFuncs)
	if err != nil {
		return err
	}
	return writeReport(*out, "policy search", report, stdout)
}

// policySearch is everything docs/policy-search.md shows.
type policySearch struct {
	Figures       hpasim.Figures
	PerKind       int
	PlanningSeed  int
	HeldOutSeed   int
	Kinds         []string
	Modes         []modeSearch
	DefaultBudget float64
}

// modeSearch is one Seldon mode's choice and how it fares on each family.
type modeSearch struct {
	Mode     policy.Scheduling
	Choice   search.Choice
	Families []familyResult
	Refusals []refusal.FieldError // the guards that refuse Kubernetes' default scale-up
}

// familyResult is a choice judged on one family of shapes.
type familyResult struct {
	Name   string
	J      search.Judgement
	Losses []search.Loss
	Lost   int // breach seconds beyond the default's, summed over the shapes lost
}

func policySearchOf(setup hpasim.SimulationSetup, perKind int) (policySearch, error) {
	d := policySearch{Figures: setup.Figures, PerKind: perKind, PlanningSeed: search.PlanningSeed,
		HeldOutSeed: search.HeldOutSeed, DefaultBudget: search.DefaultBudget}
	for _, sh := range search.Family(setup.Figures, search.PlanningSeed, 1) {
		d.Kinds = append(d.Kinds, sh.Kind)
	}
	for _, mode := range []policy.Scheduling{policy.AllOrNothing, policy.Partial} {
		m, err := modeSearchOf(setup, mode, perKind)
		if err != nil {
			return d, fmt.Errorf("%s: %w", mode, err)
		}
		d.Modes = append(d.Modes, m)
	}
	return d, nil
}

func modeSearchOf(setup hpasim.SimulationSetup, mode policy.Scheduling, perKind int) (modeSearch, error) {
	setup.Figures.Scheduling = mode
	c, err := search.Choose(setup, search.Family(setup.Figures, search.PlanningSeed, perKind), search.DefaultBudget)
	if err != nil {
		return modeSearch{}, err
	}
	m := modeSearch{Mode: mode, Choice: c, Refusals: search.DefaultRefusals(setup.Figures)}
	held, err := c.Judge(setup, search.Family(setup.Figures, search.HeldOutSeed, perKind))
	if err != nil {
		return modeSearch{}, err
	}
	named, err := c.Judge(setup, search.FromScenarios(hpasim.Scenarios()))
	if err != nil {
		return modeSearch{}, err
	}
	for _, f := range []struct {
		name string
		j    search.Judgement
	}{{"planning (chosen on)", c.Judgement()}, {"held out", held}, {"named scenarios", named}} {
		m.Families = append(m.Families, familyResult{Name: f.name, J: f.j, Losses: f.j.Losses(), Lost: f.j.Excess()})
	}
	return m, nil
}

// policySearchFuncs are the helpers policysearch.md.tmpl uses.
var policySearchFuncs = template.FuncMap{
	"ratio": func(a, b int) string { return fmt.Sprintf("%.3f", float64(a)/float64(max(b, 1))) },
	"join":  strings.Join,
}
