package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/search"
)

// addFiguresFlags registers the planner's inputs, defaulting to the policy simulation's example model.
func addFiguresFlags(fs *flag.FlagSet, in *hpasim.Figures) {
	def := hpasim.DefaultSimulationSetup().Figures
	fs.Float64Var(
		&in.SaturationRPS,
		"saturation-rps",
		def.SaturationRPS,
		"RPS one replica serves before breaching its SLA (from an open-loop load test)",
	)
	fs.Float64Var(&in.SafetyMargin, "safety-margin", def.SafetyMargin, "fraction kept below saturation, in [0, 1)")
	fs.Float64Var(&in.PeakRPS, "peak-rps", def.PeakRPS, "highest load to serve, margins included")
	fs.Float64Var(&in.MinLoadRPS, "min-load-rps", def.MinLoadRPS, "load in the quietest period")
	fs.IntVar(
		&in.ServerReadySeconds,
		"server-ready-seconds",
		def.ServerReadySeconds,
		"seconds from asking for a Server pod to it serving the model",
	)
	fs.IntVar(
		&in.ScaleUpHeadroomPods,
		"headroom-pods",
		def.ScaleUpHeadroomPods,
		"Server pods the cluster can start at once",
	)
	fs.Float64Var(
		&in.RampRPSPerSecond,
		"ramp-rps-per-second",
		def.RampRPSPerSecond,
		"steepest sustained load rise to follow (0: unknown)",
	)
	fs.IntVar(
		&in.SpikeSeconds,
		"spike-seconds",
		def.SpikeSeconds,
		"spikes shorter than this are absorbed within the margin",
	)
}

func runPlan(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plan", stderr)
	var in hpasim.Figures
	addFiguresFlags(fs, &in)
	partial := fs.Bool("partial-scheduling", false,
		"plan for Seldon 2.9+ partial scheduling (seldon.version 2.9 or later)")
	doSearch := fs.Bool("search", false, "choose the behavior by simulation (provider/pkg/search) instead of the formulas")
	budget := fs.Float64("budget", search.DefaultBudget, "with --search: replica-seconds allowed, × Kubernetes' default's")
	fromProm := fs.Bool("from-prometheus", false, "read the model's sizing inputs from its request rate history, "+
		"and choose the behavior by replaying it")
	var ho historyOptions
	addHistoryFlags(fs, &ho)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *partial {
		in.Scheduling = policy.Partial
	}
	if *fromProm {
		return runPlanFromPrometheus(ho, in, *budget, stdout)
	}
	if *doSearch {
		return runPlanSearch(in, *budget, stdout)
	}
	// PlannedPolicy is the component's own planner and guards (policy.Plan): what it prints is what
	// a SeldonAutoscaledModel with these autoscaling.sizing inputs deploys.
	p, err := hpasim.PlannedPolicy(in)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, formatPlan(p))
	return nil
}

// planSourceNote ends the formulas' plan: what the component deploys for the same inputs.
const planSourceNote = "\nThis is the component's own planner (policy.Plan): " +
	"a SeldonAutoscaledModel with these autoscaling.sizing inputs deploys exactly this.\n"

// formatPlan prints the planned policy as the HPA fields it sets, then why.
func formatPlan(p hpasim.Planned) string {
	var b strings.Builder
	if p.ModelScaleUpLagSeconds == 0 {
		b.WriteString("# Both HPAs (Model and Server) get the same spec:\n")
	} else {
		fmt.Fprintf(&b, "# The Server HPA gets this spec; "+
			"the Model HPA the same but for a scale-up window %d s longer (%d s):\n",
			p.ModelScaleUpLagSeconds, *p.HPAs().Model.ScaleUp.StabilizationWindowSeconds)
	}
	fmt.Fprintf(&b, "minReplicas: %d\nmaxReplicas: %d\n", p.MinReplicas, p.MaxReplicas)
	fmt.Fprintf(
		&b,
		"metrics:\n- type: Object\n  object:\n    target:\n      type: AverageValue\n      averageValue: %q\n",
		p.Target.String(),
	)
	b.WriteString("behavior:\n")
	writeRulesYAML(&b, "scaleUp", p.ScaleUp)
	writeRulesYAML(&b, "scaleDown", p.ScaleDown)
	b.WriteString("\nWhy:\n")
	for _, r := range p.Reasons {
		fmt.Fprintf(&b, "  - %s\n", r)
	}
	if len(p.Warnings) > 0 {
		b.WriteString("\nWarnings:\n")
		for _, w := range p.Warnings {
			fmt.Fprintf(&b, "  - %s\n", w)
		}
	}
	b.WriteString(planSourceNote)
	return b.String()
}

func writeRulesYAML(b *strings.Builder, name string, r policy.Rules) {
	fmt.Fprintf(b, "  %s:\n", name)
	if r.StabilizationWindowSeconds != nil {
		fmt.Fprintf(b, "    stabilizationWindowSeconds: %d\n", *r.StabilizationWindowSeconds)
	}
	if r.SelectPolicy != "" {
		fmt.Fprintf(b, "    selectPolicy: %s\n", r.SelectPolicy)
	}
	b.WriteString("    policies:\n")
	for _, p := range r.Policies {
		fmt.Fprintf(b, "    - type: %s\n      value: %d\n      periodSeconds: %d\n", p.Type, p.Value, p.PeriodSeconds)
	}
}

// runPlanSearch chooses the behavior by simulation on the figures' planning family, judges it on
// the held-out family, and prints the policy, the comparison and the inputs that deploy it.
func runPlanSearch(in hpasim.Figures, budget float64, stdout io.Writer) error {
	setup := hpasim.DefaultSimulationSetup()
	setup.Figures = in
	c, err := search.Choose(setup, search.Family(in, search.PlanningSeed, searchShapesPerKind), budget)
	if err != nil {
		return err
	}
	held, err := c.Judge(setup, search.Family(in, search.HeldOutSeed, searchShapesPerKind))
	if err != nil {
		return err
	}
	planned := hpasim.Planned{Policy: c.Policy, Reasons: c.Reasons}
	fmt.Fprint(stdout, strings.TrimSuffix(formatPlan(planned), planSourceNote))
	fmt.Fprintf(stdout, "\n%-22s %14s %14s %14s\n", "SLA breach seconds", "chosen", "k8s default", "formulas")
	for _, j := range []struct {
		name string
		j    search.Judgement
	}{{"planning family", c.Judgement()}, {"held-out family", held}} {
		fmt.Fprintf(stdout, "%-22s %14d %14d %14d\n", j.name, j.j.Chosen.Total.BreachSeconds,
			j.j.Default.Total.BreachSeconds, j.j.Guide.Total.BreachSeconds)
	}
	if len(c.Losses) > 0 {
		fmt.Fprintf(stdout, "\nNo candidate breached every shape no longer than Kubernetes' default; lost: %v\n", c.Losses)
	}
	k := c.Candidate
	fmt.Fprintf(stdout, "\nInputs that deploy it (SeldonAutoscaledModel, YAML):\n"+
		"autoscaling:\n  modelScaleUpLagSeconds: %d\n  scaleUp:\n    stabilizationWindowSeconds: %d\n"+
		"    policies:\n    - type: Pods\n      value: %d\n      periodSeconds: %d\n"+
		"  scaleDown:\n    stabilizationWindowSeconds: %d\n",
		k.ModelLag, k.ScaleUpWindow, k.ScaleUpPods, c.Policy.ServerReadySeconds, k.ScaleDownWindow)
	return nil
}

// addHistoryFlags registers where `plan --from-prometheus` reads the history, as the doctor reaches it.
func addHistoryFlags(fs *flag.FlagSet, o *historyOptions) {
	addClusterFlags(fs, &o.doctorOptions)
	fs.StringVar(&o.model, "model", "", "with --from-prometheus: the Model whose history to read")
	fs.StringVar(&o.output, "output", "table", "with --from-prometheus: table or json")
	fs.DurationVar(&o.lookback, "history", 7*24*time.Hour, "with --from-prometheus: how much history to read")
	fs.DurationVar(&o.step, "step", 30*time.Second, "with --from-prometheus: the history's resolution")
}
