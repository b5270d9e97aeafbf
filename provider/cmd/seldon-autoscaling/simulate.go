package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// simulateOptions are the simulate command's flags.
type simulateOptions struct {
	scenario, tracePath, policyName string
	svgPath, timelinePath           string
	figures                         hpasim.Figures
	setup                           hpasim.SimulationSetup
	maxStartingPods                 int
	initialReplicas                 int
	partial                         bool

	// Overrides of the chosen policy; only flags given on the command line apply.
	minReplicas, maxReplicas             int
	target                               float64
	upWindow, downWindow                 int
	upSelect, downSelect                 string
	upPolicies, downPolicies             string
	upTolerance, downTolerance           float64
	modelLagSeconds                      int
	set                                  map[string]bool
	scrapeInterval, scrapeOffset, window int
}

func runSimulate(args []string, stdout, stderr io.Writer) error {
	o, err := parseSimulateFlags(args, stderr)
	if err != nil {
		return err
	}
	name, trace, err := o.loadTrace()
	if err != nil {
		return err
	}
	cfg, desc, err := o.config()
	if err != nil {
		return err
	}
	res, err := hpasim.Run(cfg, trace)
	if err != nil {
		return fmt.Errorf("simulating %s: %w", name, err)
	}
	title := fmt.Sprintf("%s under %s", name, desc)
	fmt.Fprintf(stdout, "%s\n\n", title)
	if err := writeSummaryTable(stdout, res.Summary, cfg.ServerReadySeconds); err != nil {
		return err
	}
	if o.svgPath != "" {
		if err := writeFileWith(o.svgPath, func(w io.Writer) error { return writeSVG(w, title, res.Timeline) }); err != nil {
			return fmt.Errorf("writing the plot: %w", err)
		}
		fmt.Fprintf(stdout, "\nplot written to %s\n", o.svgPath)
	}
	if o.timelinePath != "" {
		writeTimeline := func(w io.Writer) error { return writeTimelineCSV(w, res.Timeline) }
		if err := writeFileWith(o.timelinePath, writeTimeline); err != nil {
			return fmt.Errorf("writing the timeline: %w", err)
		}
		fmt.Fprintf(stdout, "timeline written to %s\n", o.timelinePath)
	}
	return nil
}

func parseSimulateFlags(args []string, stderr io.Writer) (*simulateOptions, error) {
	fs := newFlagSet("simulate", stderr)
	o := &simulateOptions{setup: hpasim.DefaultSimulationSetup()}
	var scenarios []string
	for _, s := range hpasim.Scenarios() {
		scenarios = append(scenarios, s.Name)
	}
	fs.StringVar(&o.scenario, "scenario", "", "a named scenario: "+strings.Join(scenarios, ", "))
	fs.StringVar(&o.tracePath, "trace", "", "a load trace CSV of seconds,rps (linear between points)")
	fs.StringVar(
		&o.policyName,
		"policy",
		hpasim.PolicyPlanned,
		"base policy: "+strings.Join(hpasim.NamedPolicies(), ", ")+"; the flags below override parts of it",
	)
	fs.StringVar(&o.svgPath, "svg", "", "write a plot of the run to this SVG file")
	fs.StringVar(&o.timelinePath, "timeline", "", "write the per-second timeline to this CSV file")
	addFiguresFlags(fs, &o.figures)

	addPolicyOverrideFlags(fs, o)
	addSimulationSetupFlags(fs, o)
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	o.setup.Figures = o.figures
	o.setup.Metric.ScrapeIntervalSeconds = o.scrapeInterval
	o.setup.Metric.ScrapeOffsetSeconds = o.scrapeOffset
	o.setup.Metric.RateWindowSeconds = o.window
	return o, nil
}

// addPolicyOverrideFlags registers the flags that override parts of the base policy.
func addPolicyOverrideFlags(fs *flag.FlagSet, o *simulateOptions) {
	fs.IntVar(&o.minReplicas, "min-replicas", 0, "override minReplicas")
	fs.IntVar(&o.maxReplicas, "max-replicas", 0, "override maxReplicas")
	fs.Float64Var(&o.target, "target", 0, "override target.averageValue (RPS per replica)")
	fs.IntVar(&o.upWindow, "scale-up-window", 0, "override behavior.scaleUp.stabilizationWindowSeconds")
	fs.StringVar(&o.upSelect, "scale-up-select", "", "override behavior.scaleUp.selectPolicy (Max, Min, Disabled)")
	fs.StringVar(
		&o.upPolicies,
		"scale-up-policies",
		"",
		"override behavior.scaleUp.policies, e.g. Pods:5:90,Percent:100:15",
	)
	fs.Float64Var(&o.upTolerance, "scale-up-tolerance", 0, "override behavior.scaleUp.tolerance (default 0.1)")
	fs.IntVar(&o.downWindow, "scale-down-window", 0, "override behavior.scaleDown.stabilizationWindowSeconds")
	fs.StringVar(&o.downSelect, "scale-down-select", "", "override behavior.scaleDown.selectPolicy")
	fs.StringVar(&o.downPolicies, "scale-down-policies", "", "override behavior.scaleDown.policies, e.g. Percent:100:15")
	fs.Float64Var(&o.downTolerance, "scale-down-tolerance", 0, "override behavior.scaleDown.tolerance (default 0.1)")
	fs.IntVar(
		&o.modelLagSeconds,
		"model-scale-up-lag",
		0,
		"give the Model HPA a scale-up window this much longer than the Server HPA's "+
			"(default: the policy's own; planned: serverReadySeconds + 15)",
	)
}

// addSimulationSetupFlags registers the flags that change the simulated cluster, metric and
// Seldon, rather than the policy.
func addSimulationSetupFlags(fs *flag.FlagSet, o *simulateOptions) {
	fs.IntVar(&o.setup.SyncPeriodSeconds, "sync-period", o.setup.SyncPeriodSeconds, "HPA sync period in seconds")
	fs.IntVar(
		&o.setup.ModelHPAOffsetSeconds,
		"model-hpa-offset",
		o.setup.ModelHPAOffsetSeconds,
		"second of the Model HPA's first sync",
	)
	fs.IntVar(
		&o.setup.ServerHPAOffsetSeconds,
		"server-hpa-offset",
		o.setup.ServerHPAOffsetSeconds,
		"second of the Server HPA's first sync",
	)
	fs.IntVar(
		&o.scrapeInterval,
		"scrape-interval",
		o.setup.Metric.ScrapeIntervalSeconds,
		"Prometheus scrape interval in seconds",
	)
	fs.IntVar(&o.scrapeOffset, "scrape-offset", 0, "second of the first scrape")
	fs.IntVar(
		&o.window,
		"rate-window",
		o.setup.Metric.RateWindowSeconds,
		"rate() window of the adapter's query in seconds",
	)
	fs.BoolVar(
		&o.setup.Metric.ServedOnly,
		"served-only",
		false,
		"count only served requests in the metric (a saturated Model then under-reports demand)",
	)
	fs.IntVar(&o.maxStartingPods, "max-starting-pods", 0, "Server pods the cluster can start at once (0: no limit)")
	fs.IntVar(&o.initialReplicas, "initial-replicas", 0, "replicas at the start (0: what the first load needs)")
	fs.BoolVar(&o.partial, "partial-scheduling", false, "Seldon 2.9+ partial scheduling (the Model's minReplicas set): "+
		"the planned policy is planned for it, and the Model serves on as many replicas as there are ready Server pods")
}

// loadTrace reads the trace file or finds the scenario: exactly one of them.
func (o *simulateOptions) loadTrace() (string, hpasim.Trace, error) {
	switch {
	case (o.scenario == "") == (o.tracePath == ""):
		return "", nil, errors.New("give exactly one of --scenario and --trace")
	case o.scenario != "":
		sc, err := hpasim.ScenarioByName(o.scenario)
		if err != nil {
			return "", nil, err
		}
		return sc.Name, sc.Trace, nil
	}
	f, err := os.Open(o.tracePath)
	if err != nil {
		return "", nil, fmt.Errorf("opening the load trace: %w", err)
	}
	defer f.Close() //nolint:errcheck // read-only file
	tr, err := hpasim.ParseTraceCSV(f)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", o.tracePath, err)
	}
	return o.tracePath, tr, nil
}

// config builds the simulation: the named policy with the planner's bounds, then the overrides.
func (o *simulateOptions) config() (hpasim.Config, string, error) {
	if o.partial {
		o.figures.Scheduling = policy.Partial
	}
	planned, err := hpasim.PlannedPolicy(o.figures)
	if err != nil {
		return hpasim.Config{}, "", err
	}
	spec, lag, err := hpasim.NamedPolicy(o.policyName, planned)
	if err != nil {
		return hpasim.Config{}, "", err
	}
	desc := "policy " + o.policyName
	if spec, err = o.override(spec); err != nil {
		return hpasim.Config{}, "", err
	}
	if o.overridden() {
		desc += " (overridden)"
	}
	cfg := o.setup.Config(spec)
	cfg.MaxStartingServerPods, cfg.InitialReplicas = o.maxStartingPods, o.initialReplicas
	cfg.Scheduling = planned.Scheduling
	// The Model HPA lags as the policy deploys it (planned: its own lag), unless the flag says.
	if o.set["model-scale-up-lag"] {
		lag = o.modelLagSeconds
	}
	cfg = hpasim.WithModelLag(cfg, lag)
	if lag > 0 {
		desc += fmt.Sprintf(", Model HPA lagging %d s", lag)
	}
	return cfg, desc + ", " + cfg.Scheduling.String(), nil
}

// behaviorFlags and overrideFlags name the flags that change the chosen policy.
func behaviorFlags() []string {
	return []string{
		"scale-up-window",
		"scale-up-select",
		"scale-up-policies",
		"scale-down-window",
		"scale-down-select",
		"scale-down-policies",
	}
}

func overrideFlags() []string {
	return append(
		[]string{"min-replicas", "max-replicas", "target", "scale-up-tolerance", "scale-down-tolerance"},
		behaviorFlags()...)
}

func (o *simulateOptions) overridden() bool {
	for _, f := range overrideFlags() {
		if o.set[f] {
			return true
		}
	}
	return false
}

// override applies the policy flags given on the command line to spec.
func (o *simulateOptions) override(spec hpasim.HPASpec) (hpasim.HPASpec, error) {
	if o.set["min-replicas"] {
		spec.MinReplicas = o.minReplicas
	}
	if o.set["max-replicas"] {
		spec.MaxReplicas = o.maxReplicas
	}
	if o.set["target"] {
		spec.Target = policy.MilliQuantity(o.target*1000 + 0.5)
	}
	if o.set["scale-up-tolerance"] {
		spec.ScaleUpTolerance = &o.upTolerance
	}
	if o.set["scale-down-tolerance"] {
		spec.ScaleDownTolerance = &o.downTolerance
	}
	touchesBehavior := false
	for _, f := range behaviorFlags() {
		touchesBehavior = touchesBehavior || o.set[f]
	}
	if !touchesBehavior {
		return spec, spec.Validate()
	}
	var b hpasim.Behavior
	if spec.Behavior != nil {
		b = *spec.Behavior
	}
	var err error
	if b.ScaleUp, err = o.overrideRules(b.ScaleUp, "scale-up", o.upWindow, o.upSelect, o.upPolicies); err != nil {
		return spec, err
	}
	b.ScaleDown, err = o.overrideRules(b.ScaleDown, "scale-down", o.downWindow, o.downSelect, o.downPolicies)
	if err != nil {
		return spec, err
	}
	spec.Behavior = &b
	if err := spec.Validate(); err != nil {
		return spec, fmt.Errorf("the overridden policy: %w", err)
	}
	return spec, nil
}

func (o *simulateOptions) overrideRules(
	r *policy.Rules,
	prefix string,
	window int,
	sel, policies string,
) (*policy.Rules, error) {
	out := policy.Rules{}
	if r != nil {
		out = *r
	}
	if o.set[prefix+"-window"] {
		out.StabilizationWindowSeconds = &window
	}
	if o.set[prefix+"-select"] {
		out.SelectPolicy = sel
	}
	if o.set[prefix+"-policies"] {
		ps, err := parseScalingPolicies(policies)
		if err != nil {
			return nil, fmt.Errorf("--%s-policies: %w", prefix, err)
		}
		out.Policies = ps
	}
	return &out, nil
}

// parseScalingPolicies reads "Type:value:periodSeconds" items separated by commas.
func parseScalingPolicies(s string) ([]policy.ScalingPolicy, error) {
	var out []policy.ScalingPolicy
	for _, item := range strings.Split(s, ",") {
		parts := strings.Split(strings.TrimSpace(item), ":")
		if len(parts) != 3 {
			return nil, fmt.Errorf("%q is not Type:value:periodSeconds (e.g. Pods:5:90)", item)
		}
		value, err := strconv.Atoi(parts[1])
		if err != nil {
			return nil, fmt.Errorf("%q: value: %w", item, err)
		}
		period, err := strconv.Atoi(parts[2])
		if err != nil {
			return nil, fmt.Errorf("%q: periodSeconds: %w", item, err)
		}
		out = append(out, policy.ScalingPolicy{Type: parts[0], Value: value, PeriodSeconds: period})
	}
	return out, nil
}

func writeSummaryTable(w io.Writer, s hpasim.Summary, serverReadySeconds int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	rows := [][2]string{
		{"simulated", fmt.Sprintf("%d s", s.Seconds)},
		{"SLA breach (load > capacity)", fmt.Sprintf("%d s", s.SLABreachSeconds)},
		{"requests over capacity", fmt.Sprintf("%.0f", s.BreachedRequests)},
		{
			"ScheduleFailed",
			fmt.Sprintf(
				"%d s in %d episodes, longest %d s",
				s.ScheduleFailedSeconds,
				s.ScheduleFailedEpisodes,
				s.LongestScheduleFailed,
			),
		},
		{
			fmt.Sprintf("ScheduleFailed beyond %d s per episode", serverReadySeconds),
			fmt.Sprintf("%d s", s.ScheduleFailedExcessSeconds),
		},
		{"replica-seconds (ready Server pods)", fmt.Sprint(s.ReplicaSeconds)},
		{"peak Server replicas requested", fmt.Sprint(s.PeakReplicas)},
		{"steady state", steadyText(s)},
		{
			"final Model / Server replicas",
			fmt.Sprintf("%d / %d%s", s.FinalModelDesired, s.FinalServerDesired, failedText(s.FinalScheduleFailed)),
		},
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", r[0], r[1])
	}
	return tw.Flush()
}

func steadyText(s hpasim.Summary) string {
	if !s.Settled {
		return "not reached"
	}
	return fmt.Sprintf("%d s after the load's last change", s.SettleSeconds)
}

func failedText(failed bool) string {
	if failed {
		return " (ScheduleFailed)"
	}
	return ""
}

func writeTimelineCSV(w io.Writer, tl []hpasim.Sample) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(
		bw,
		"second,load_rps,capacity_rps,metric_rps,model_serving,model_desired,server_ready,server_desired,schedule_failed",
	)
	for _, s := range tl {
		fmt.Fprintf(bw, "%d,%s,%s,%s,%d,%d,%d,%d,%t\n", s.Second, num(s.Load), num(s.Capacity), num(s.Metric),
			s.ModelServing, s.ModelDesired, s.ServerReady, s.ServerDesired, s.ScheduleFailed)
	}
	return bw.Flush()
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// writeFileWith writes a file through w and reports the first error, the close's included.
func writeFileWith(path string, write func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return write(f)
}
