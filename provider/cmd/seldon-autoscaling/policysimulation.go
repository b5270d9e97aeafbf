package main

import (
	_ "embed"
	"fmt"
	"io"
	"os"
	"strings"
	"text/template"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/seldon"
)

// simulationTargetScenario is the scenario the issue sets its bar on.
const simulationTargetScenario = "guide-ramp"

// policySimulationTemplate is the report's prose; policySimulationOf computes what it shows.
//
//go:embed policysimulation.md.tmpl
var policySimulationTemplate string

func runSimulatePolicies(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("simulate-policies", stderr)
	out := fs.String("out", "-", "write the report here (- for standard output)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	b, err := hpasim.SimulatePolicies(hpasim.DefaultSimulationSetup())
	if err != nil {
		return err
	}
	report, err := renderPolicySimulation(b)
	if err != nil {
		return err
	}
	return writeReport(*out, "policy simulation", report, stdout)
}

// writeReport writes a generated report to path, or to stdout when path is "-".
func writeReport(path, what, report string, stdout io.Writer) error {
	if path == "-" {
		_, err := io.WriteString(stdout, report)
		return err
	}
	if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	fmt.Fprintf(stdout, "%s report written to %s\n", what, path)
	return nil
}

// policySimulation is everything docs/policy-simulation.md shows, computed from the runs and
// apart from the prose of policysimulation.md.tmpl.
type policySimulation struct {
	Ready          int // serverReadySeconds
	TargetScenario string
	Setup          []setupRow
	Policies       []policyRow
	Reasons        []policy.Derivation
	Warnings       []string
	Scenarios      []hpasim.Scenario
	Results        []scenarioResults
	Target         targetTable
	LagCost        lagCost
	Modes          modesSection
	Sensitivity    []variantTable
	Diagnostics    []diagnostic
	UnloadGrace    float64 // seconds
}

type setupRow struct{ Parameter, Value string }

type policyRow struct {
	Name, Behavior string
	Lag, Window    int // the Model HPA's scale-up lag and its scale-up window; no lag when 0
}

type scenarioResults struct {
	Scenario hpasim.Scenario
	Rows     []policyResult
}

type policyResult struct {
	Policy string
	S      hpasim.Summary
	Steady string
}

type targetTable struct {
	C                 hpasim.TargetCheck
	Ready             int // serverReadySeconds
	Candidate, Base   hpasim.Summary
	BreachLimitPct    float64
	ReplicaLimitRatio float64
}

type variantTable struct {
	Variant  hpasim.Variant
	Policies []string
	Rows     []variantRow
}

type variantRow struct {
	Scenario string
	Cells    []hpasim.Summary
}

type diagnostic struct {
	Table     variantTable
	Candidate string
	Target    targetTable
}

// renderPolicySimulation writes the report. Everything in it comes from b, so regenerating it is
// the only way to change it.
func renderPolicySimulation(b hpasim.PolicySimulation) (string, error) {
	data, err := policySimulationOf(b)
	if err != nil {
		return "", err
	}
	return renderTemplate("policysimulation", policySimulationTemplate, data, template.FuncMap{
		"num":     num,
		"yesNo":   yesNo,
		"pct":     func(f float64) float64 { return f * 100 },
		"failed":  failedText,
		"join":    strings.Join,
		"repeat":  strings.Repeat,
		"counted": countedText,
	})
}

// renderTemplate executes a report's template with its helpers.
func renderTemplate(name, text string, data any, funcs template.FuncMap) (string, error) {
	tmpl, err := template.New(name).Funcs(funcs).Parse(text)
	if err != nil {
		return "", err
	}
	var w strings.Builder
	if err := tmpl.Execute(&w, data); err != nil {
		return "", err
	}
	return w.String(), nil
}

// policySimulationOf computes the report's figures and rows from b.
func policySimulationOf(b hpasim.PolicySimulation) (policySimulation, error) {
	d := policySimulation{
		Ready:          b.Setup.Figures.ServerReadySeconds,
		TargetScenario: simulationTargetScenario,
		Setup:          setupRows(b),
		Reasons:        b.Planned.Reasons,
		Warnings:       b.Planned.Warnings,
		Scenarios:      b.Scenarios,
		UnloadGrace:    seldon.UnloadGracePeriod.Seconds(),
	}
	for _, name := range b.Policies {
		row := policyRow{Name: name, Behavior: hpasim.DescribeBehavior(b.Specs[name].Behavior), Lag: b.ModelLags[name]}
		if row.Lag > 0 {
			row.Window = *b.Config(name).HPA.Behavior.ScaleUp.StabilizationWindowSeconds
		}
		d.Policies = append(d.Policies, row)
	}
	var err error
	if d.Results, err = resultsOf(b); err != nil {
		return d, err
	}
	main := hpasim.RunKey{Variant: hpasim.MainVariant, Policy: hpasim.PolicyDefault}
	planned := hpasim.RunKey{Variant: hpasim.MainVariant, Policy: hpasim.PolicyPlanned}
	if d.Target, err = targetOf(b, planned, main); err != nil {
		return d, err
	}
	if d.LagCost, err = lagCostOf(b); err != nil {
		return d, err
	}
	if d.Modes, err = modesOf(b); err != nil {
		return d, err
	}
	for _, v := range b.Sensitivity {
		t, err := variantTableOf(b, v, b.Policies)
		if err != nil {
			return d, err
		}
		d.Sensitivity = append(d.Sensitivity, t)
	}
	for _, v := range b.Diagnostics {
		policies := v.PoliciesOr(hpasim.DiagnosticPolicies())
		t, err := variantTableOf(b, v, policies)
		if err != nil {
			return d, err
		}
		candidate := policies[len(policies)-1]
		target, err := targetOf(b, hpasim.RunKey{Variant: v.Name, Policy: candidate}, main)
		if err != nil {
			return d, err
		}
		d.Diagnostics = append(d.Diagnostics, diagnostic{Table: t, Candidate: candidate, Target: target})
	}
	return d, nil
}

// setupRows are the parameters every run shares, each value with its unit.
func setupRows(b hpasim.PolicySimulation) []setupRow {
	setup, planned, f := b.Setup, b.Planned, b.Setup.Figures
	return []setupRow{
		{"saturation per serving replica", fmt.Sprintf("%s RPS", num(f.SaturationRPS))},
		{"safety margin", num(f.SafetyMargin)},
		{"target `averageValue` (all policies)", fmt.Sprintf("%s RPS per replica", planned.Target)},
		{"minReplicas / maxReplicas (all policies)", fmt.Sprintf("%d / %d", planned.MinReplicas, planned.MaxReplicas)},
		{"planner inputs: peak, minimum load", fmt.Sprintf("%s RPS, %s RPS", num(f.PeakRPS), num(f.MinLoadRPS))},
		{"planner inputs: ramp, spike length, headroom", fmt.Sprintf("%s RPS/s, %d s, %d pods",
			num(f.RampRPSPerSecond), f.SpikeSeconds, f.ScaleUpHeadroomPods)},
		{"Server pod ready after", fmt.Sprintf("%d s (no limit on pods starting at once, except in a sensitivity run)",
			f.ServerReadySeconds)},
		{"HPA sync period; Model / Server HPA first sync", fmt.Sprintf("%d s; %d s / %d s",
			setup.SyncPeriodSeconds, setup.ModelHPAOffsetSeconds, setup.ServerHPAOffsetSeconds)},
		{"tolerance", fmt.Sprintf("%s (the controller's default)", num(policy.HPATolerance))},
		{"Prometheus scrape interval; `rate()` window", fmt.Sprintf("%d s; %d s",
			setup.Metric.ScrapeIntervalSeconds, setup.Metric.RateWindowSeconds)},
		{"requests counted by the metric", countedText(setup.Metric.ServedOnly)},
	}
}

// resultsOf is every policy's run of every scenario as set up.
func resultsOf(b hpasim.PolicySimulation) ([]scenarioResults, error) {
	var out []scenarioResults
	for _, sc := range b.Scenarios {
		res := scenarioResults{Scenario: sc}
		for _, name := range b.Policies {
			s, ok := b.Summary(hpasim.MainVariant, sc.Name, name)
			if !ok {
				return nil, fmt.Errorf("no run of %s under %s", sc.Name, name)
			}
			res.Rows = append(res.Rows, policyResult{Policy: name, S: s, Steady: steadyText(s)})
		}
		out = append(out, res)
	}
	return out, nil
}

// lagCost compares the planned policy with and without its Model lag on every scenario, as set
// up and under each sensitivity assumption, and names each run and measure where the lag makes
// it worse: the price of the lag, stated from the runs rather than chosen.
type lagCost struct {
	Rows  []lagRow
	Worse []lagRow // the rows where the lag makes at least one measure worse
}

type lagRow struct {
	Assumption, Scenario string
	With, Without        hpasim.Summary
	// What the lag makes worse, each 0 when it does not.
	MoreBreach, MoreReplicaSeconds, MoreScheduleFailed int
	MoreRequests                                       float64
}

func lagCostOf(b hpasim.PolicySimulation) (lagCost, error) {
	var c lagCost
	variants := append([]hpasim.Variant{{Name: hpasim.MainVariant}}, b.Sensitivity...)
	for _, v := range variants {
		name := v.Name
		if name == hpasim.MainVariant {
			name = "as set up"
		}
		for _, sc := range b.Scenarios {
			with, ok1 := b.Summary(v.Name, sc.Name, hpasim.PolicyPlanned)
			without, ok2 := b.Summary(hpasim.WithoutModelLag(v).Name, sc.Name, hpasim.PolicyPlanned)
			if !ok1 || !ok2 {
				return c, fmt.Errorf("no lagged and unlagged planned runs of %s under %q", sc.Name, v.Name)
			}
			row := lagRow{Assumption: name, Scenario: sc.Name, With: with, Without: without,
				MoreBreach:         max(with.SLABreachSeconds-without.SLABreachSeconds, 0),
				MoreReplicaSeconds: max(with.ReplicaSeconds-without.ReplicaSeconds, 0),
				MoreScheduleFailed: max(with.ScheduleFailedExcessSeconds-without.ScheduleFailedExcessSeconds, 0),
			}
			if with.BreachedRequests > without.BreachedRequests+0.5 {
				row.MoreRequests = with.BreachedRequests - without.BreachedRequests
			}
			c.Rows = append(c.Rows, row)
			if row.MoreBreach > 0 || row.MoreRequests > 0 || row.MoreReplicaSeconds > 0 || row.MoreScheduleFailed > 0 {
				c.Worse = append(c.Worse, row)
			}
		}
	}
	return c, nil
}

func countedText(servedOnly bool) string {
	if servedOnly {
		return "only requests served (a saturated Model reports at most its capacity)"
	}
	return "every offered request (the guide's account: " +
		"the HPAs keep seeing the load rise while the old replicas saturate)"
}

func targetOf(b hpasim.PolicySimulation, candidate, baseline hpasim.RunKey) (targetTable, error) {
	c, err := b.CheckTarget(simulationTargetScenario, candidate, baseline)
	if err != nil {
		return targetTable{}, err
	}
	cand, _ := b.Summary(candidate.Variant, simulationTargetScenario, candidate.Policy)
	base, _ := b.Summary(baseline.Variant, simulationTargetScenario, baseline.Policy)
	return targetTable{C: c, Ready: b.Setup.Figures.ServerReadySeconds, Candidate: cand, Base: base,
		BreachLimitPct: hpasim.TargetBreachRatio * 100, ReplicaLimitRatio: hpasim.TargetReplicaSecondRatio}, nil
}

func variantTableOf(b hpasim.PolicySimulation, v hpasim.Variant, policies []string) (variantTable, error) {
	t := variantTable{Variant: v, Policies: policies}
	for _, sc := range b.Scenarios {
		row := variantRow{Scenario: sc.Name}
		for _, p := range policies {
			s, ok := b.Summary(v.Name, sc.Name, p)
			if !ok {
				return t, fmt.Errorf("no run of %s under %s with %q", sc.Name, p, v.Name)
			}
			row.Cells = append(row.Cells, s)
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}
