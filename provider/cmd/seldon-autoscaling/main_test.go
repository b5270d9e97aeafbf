package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/search"
)

// runCmd runs the command in-process and returns its exit code and output.
func runCmd(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestUsage(t *testing.T) {
	if code, _, stderr := runCmd(); code != 2 || !strings.Contains(stderr, "commands:") {
		t.Errorf("no command: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCmd("deploy"); code != 2 || !strings.Contains(stderr, `unknown command "deploy"`) {
		t.Errorf("unknown command: exit %d, %q", code, stderr)
	}
	if code, stdout, _ := runCmd("help"); code != 0 || !strings.Contains(stdout, "simulate") {
		t.Errorf("help: exit %d, %q", code, stdout)
	}
	if code, _, _ := runCmd("plan", "-h"); code != 0 {
		t.Errorf("plan -h: exit %d", code)
	}
	if code, _, stderr := runCmd("plan", "stray"); code != 1 || !strings.Contains(stderr, "unexpected arguments") {
		t.Errorf("stray argument: exit %d, %q", code, stderr)
	}
}

func TestPlanCommandGuideExample(t *testing.T) {
	code, stdout, stderr := runCmd(
		"plan",
		"--saturation-rps",
		"3.75",
		"--safety-margin",
		"0.2",
		"--peak-rps",
		"9",
		"--min-load-rps",
		"1",
		"--server-ready-seconds",
		"90",
		"--headroom-pods",
		"5",
		"--ramp-rps-per-second",
		"0.2",
		"--spike-seconds",
		"60",
	)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"minReplicas: 1\nmaxReplicas: 3\n", `averageValue: "3"`,
		"  scaleUp:\n    stabilizationWindowSeconds: 60\n    selectPolicy: Max\n    policies:\n    - type: Pods\n      " +
			"value: 5\n      periodSeconds: 90\n",
		"autoscaling.scaleUp.policies = Pods 5 per 90s", "Warnings:", "deploys exactly this",
		"the Model HPA the same but for a scale-up window 105 s longer (165 s)", "autoscaling.modelScaleUpLagSeconds = 105",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestPlanCommandRefusesBadInput(t *testing.T) {
	code, _, stderr := runCmd("plan", "--safety-margin", "1.5", "--headroom-pods", "0")
	if code != 1 || !strings.Contains(stderr, inputs.PathSafetyMargin) ||
		!strings.Contains(stderr, inputs.PathHeadroom) {
		t.Errorf("exit %d, %q", code, stderr)
	}
}

func TestSimulateWritesSummaryPlotAndTimeline(t *testing.T) {
	dir := t.TempDir()
	svgPath, csvPath := filepath.Join(dir, "run.svg"), filepath.Join(dir, "run.csv")
	code, stdout, stderr := runCmd(
		"simulate",
		"--scenario",
		"sustained-step",
		"--policy",
		"guide",
		"--svg",
		svgPath,
		"--timeline",
		csvPath,
	)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want, err := hpasim.SimulatePolicies(hpasim.DefaultSimulationSetup())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := want.Summary(hpasim.MainVariant, "sustained-step", hpasim.PolicyGuide)
	for _, line := range []string{
		"sustained-step under policy guide",
		"SLA breach (load > capacity)            " + strconv.Itoa(s.SLABreachSeconds) + " s",
		"replica-seconds (ready Server pods)     " + strconv.Itoa(s.ReplicaSeconds),
	} {
		if !strings.Contains(stdout, line) {
			t.Errorf("output lacks %q (the policy simulation's figure):\n%s", line, stdout)
		}
	}

	svg, err := os.ReadFile(svgPath)
	if err != nil {
		t.Fatal(err)
	}
	elements := countSVGElements(t, svg)
	if elements["polyline"] != 7 {
		t.Errorf("%d polylines, want 7 series", elements["polyline"])
	}
	// One ScheduleFailed episode, shaded in both panels, plus the background and the legend swatch.
	if elements["rect"] < 2+2+1 {
		t.Errorf("%d rects: ScheduleFailed spans missing", elements["rect"])
	}

	tl, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(tl)), "\n")
	if len(lines) != 1+1500 || !strings.HasPrefix(lines[0], "second,load_rps") ||
		!strings.HasPrefix(lines[301], "300,6,") {
		t.Errorf("timeline: %d lines, header %q, line 301 %q", len(lines), lines[0], lines[301])
	}
}

// countSVGElements parses the SVG as XML, failing on malformed output, and counts elements.
func countSVGElements(t *testing.T, svg []byte) map[string]int {
	t.Helper()
	counts := map[string]int{}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return counts
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			counts[se.Name.Local]++
		}
	}
}

func TestSimulateTraceFileAndOverrides(t *testing.T) {
	trace := filepath.Join(t.TempDir(), "trace.csv")
	if err := os.WriteFile(trace, []byte("seconds,rps\n0,6\n100,6\n101,12\n600,12\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(
		"simulate",
		"--trace",
		trace,
		"--policy",
		"default",
		"--scale-up-policies",
		"Pods:1:60",
		"--scale-up-window",
		"0",
		"--model-scale-up-lag",
		"105",
		"--max-starting-pods",
		"1",
	)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "under policy default (overridden), Model HPA lagging 105 s") {
		t.Errorf("output: %s", stdout)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"simulate"}, "exactly one of --scenario and --trace"},
		{[]string{"simulate", "--scenario", "guide-ramp", "--trace", trace}, "exactly one of --scenario and --trace"},
		{[]string{"simulate", "--trace", filepath.Join(t.TempDir(), "missing.csv")}, "opening the load trace"},
		{[]string{"simulate", "--scenario", "guide-ramp", "--policy", "aggressive"}, `unknown policy "aggressive"`},
		{[]string{"simulate", "--scenario", "guide-ramp", "--scale-up-policies", "Pods:5"}, "--scale-up-policies"},
		{[]string{"simulate", "--scenario", "guide-ramp", "--scale-down-select", "Sometimes"},
			`behavior.scaleDown.selectPolicy: "Sometimes" is not a select policy`},
		{[]string{"simulate", "--scenario", "guide-ramp", "--rate-window", "30"}, "fewer than two"},
	} {
		if code, _, stderr := runCmd(tc.args...); code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestParseScalingPolicies(t *testing.T) {
	got, err := parseScalingPolicies("Pods:4:15, Percent:100:15")
	if err != nil {
		t.Fatal(err)
	}
	want := []policy.ScalingPolicy{
		{Type: "Pods", Value: 4, PeriodSeconds: 15},
		{Type: "Percent", Value: 100, PeriodSeconds: 15},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	for _, bad := range []string{"Pods", "Pods:x:15", "Pods:4:y"} {
		if _, err := parseScalingPolicies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPlotScales(t *testing.T) {
	for _, tc := range []struct {
		max  float64
		step float64
	}{{40, 10}, {13, 5}, {7.5, 2}, {0.9, 0.2}} {
		if got := niceStep(tc.max, 5); got != tc.step {
			t.Errorf("niceStep(%v) = %v, want %v", tc.max, got, tc.step)
		}
	}
	for _, tc := range []struct{ seconds, tick int }{{120, 15}, {900, 120}, {1500, 300}, {7200, 900}} {
		if got := timeTick(tc.seconds); got != tc.tick {
			t.Errorf("timeTick(%d) = %d, want %d", tc.seconds, got, tc.tick)
		}
	}
	if err := writeSVG(io.Discard, "empty", nil); err == nil {
		t.Error("empty timeline plotted")
	}
}

// TestPolicySimulationReportSections: the report docs/policy-simulation.md holds has every section
// (`make check-generated` keeps the file itself current).
func TestPolicySimulationReportSections(t *testing.T) {
	b, err := hpasim.SimulatePolicies(hpasim.DefaultSimulationSetup())
	if err != nil {
		t.Fatal(err)
	}
	report, err := renderPolicySimulation(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{
		"## Setup", "## Results", "### guide-ramp", "## Target on guide-ramp", "## Sensitivity", "## Diagnostics",
		"## Seldon modes", "### Is the deployed policy the best in its mode?",
	} {
		if !strings.Contains(report, section) {
			t.Errorf("report lacks %q", section)
		}
	}
}

func TestSimulatePoliciesWritesFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.md")
	code, stdout, stderr := runCmd("simulate-policies", "--out", out)
	if code != 0 || !strings.Contains(stdout, out) {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if b, err := os.ReadFile(out); err != nil || !bytes.HasPrefix(b, []byte("# Policy simulation")) {
		t.Errorf("report %q, %v", b[:min(len(b), 40)], err)
	}
}

// TestVersion: `version` prints what make dist injected into main.Version, and nothing else, so
// scripts and bug reports can rely on it.
func TestVersion(t *testing.T) {
	defer func(v string) { Version = v }(Version)
	Version = "1.2.3-dev.4+gabc"
	var out, errOut bytes.Buffer
	if code := run([]string{"version"}, &out, &errOut); code != 0 || out.String() != "1.2.3-dev.4+gabc\n" {
		t.Errorf("version: exit %d, printed %q (stderr %q)", code, out.String(), errOut.String())
	}
}

// TestPlanCommandSearches: `plan --search` prints the behavior search.Choose chose on the same
// figures, as HPA fields and as the component's inputs, with both families' comparison.
func TestPlanCommandSearches(t *testing.T) {
	code, stdout, stderr := runCmd("plan", "--search", "--partial-scheduling")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	setup := hpasim.DefaultSimulationSetup()
	setup.Figures.Scheduling = policy.Partial
	c, err := search.Choose(setup, search.Family(setup.Figures, search.PlanningSeed, searchShapesPerKind),
		search.DefaultBudget)
	if err != nil {
		t.Fatal(err)
	}
	k := c.Candidate
	for _, want := range []string{
		fmt.Sprintf("  scaleUp:\n    stabilizationWindowSeconds: %d\n    selectPolicy: Max\n    policies:\n"+
			"    - type: Pods\n      value: %d\n", k.ScaleUpWindow, k.ScaleUpPods),
		fmt.Sprintf("autoscaling:\n  modelScaleUpLagSeconds: %d\n", k.ModelLag),
		fmt.Sprintf("  scaleDown:\n    stabilizationWindowSeconds: %d\n", k.ScaleDownWindow),
		fmt.Sprintf("planning family %21d %14d %14d", c.Chosen.Total.BreachSeconds, c.Default.Total.BreachSeconds,
			c.Guide.Total.BreachSeconds),
		"held-out family", "chosen by simulation over 18 load shapes", "autoscaling.maxReplicas = 12",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "deploys exactly this") {
		t.Error("the searched plan claims the component deploys it")
	}
}

// TestPolicySearchNamesWhyATargetIsMissed: docs/policy-search.md may show a mode whose choice
// breaches a planning shape longer than Kubernetes' default only with the guards that keep the
// default out of reach named; a mode with an eligible choice loses no planning shape.
func TestPolicySearchNamesWhyATargetIsMissed(t *testing.T) {
	d, err := policySearchOf(hpasim.DefaultSimulationSetup(), searchShapesPerKind)
	if err != nil {
		t.Fatal(err)
	}
	report, err := renderTemplate("policysearch", policySearchTemplate, d, policySearchFuncs)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range d.Modes {
		planning := m.Families[0]
		if planning.Name != "planning (chosen on)" {
			t.Fatalf("the first family is %q, not the planning family", planning.Name)
		}
		if m.Choice.Eligible > 0 && len(planning.Losses) > 0 {
			t.Errorf("%s: %d eligible, yet the choice loses %v", m.Mode, m.Choice.Eligible, planning.Losses)
		}
		if len(planning.Losses) == 0 {
			continue
		}
		if len(m.Refusals) == 0 {
			t.Errorf("%s: the choice loses %v and no guard is named", m.Mode, planning.Losses)
		}
		for _, r := range m.Refusals {
			if !strings.Contains(report, "`"+r.Field+"`: "+r.Problem) {
				t.Errorf("%s: the report does not name the guard %s", m.Mode, r.Field)
			}
		}
	}
}
