package hpasim

import (
	"reflect"
	"slices"
	"testing"
)

// TestPolicySimulationRunsEveryCase: the simulation holds a run of every scenario for each policy of
// the main setup, of each sensitivity variant and of its planned policy without the Model lag, of
// each diagnostic and of each mode case, and Summary finds each run as recorded. The tests that
// range over what a simulation holds (TestPlannedLagIsBestPerMode) pass on one that stopped early.
func TestPolicySimulationRunsEveryCase(t *testing.T) {
	b, err := SimulatePolicies(DefaultSimulationSetup())
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Scenarios) == 0 || len(b.Sensitivity) == 0 || len(b.Diagnostics) == 0 || len(b.Modes) == 0 {
		t.Fatalf("%d scenarios, %d sensitivity variants, %d diagnostics, %d mode cases: want some of each",
			len(b.Scenarios), len(b.Sensitivity), len(b.Diagnostics), len(b.Modes))
	}
	want := map[string][]string{MainVariant: b.Policies}
	for _, v := range b.Sensitivity {
		nl := WithoutModelLag(v)
		want[v.Name], want[nl.Name] = b.Policies, nl.Policies
	}
	for _, v := range b.Diagnostics {
		want[v.Name] = v.PoliciesOr(DiagnosticPolicies())
	}
	for _, m := range b.Modes {
		want[m.Variant().Name] = append(want[m.Variant().Name], m.Policy)
	}
	runs := 0
	for variant, policies := range want {
		runs += len(policies) * len(b.Scenarios)
		for _, sc := range b.Scenarios {
			for _, p := range policies {
				if _, ok := b.Summary(variant, sc.Name, p); !ok {
					t.Errorf("no run of %s under %s in %q", sc.Name, p, variant)
				}
			}
		}
	}
	if len(b.Runs) != runs {
		t.Errorf("%d runs, want %d", len(b.Runs), runs)
	}
	for _, r := range b.Runs {
		if s, _ := b.Summary(r.Variant, r.Scenario, r.Policy); !reflect.DeepEqual(s, r.Summary) {
			t.Errorf("Summary(%q, %s, %s) is another run's", r.Variant, r.Scenario, r.Policy)
		}
	}
}

// TestVariantNames: the no-lag variant of the main setup is VariantNoModelLag itself, of another
// variant its name with it appended; a variant's own policy list wins over the default.
func TestVariantNames(t *testing.T) {
	if got := WithoutModelLag(Variant{Name: MainVariant}).Name; got != VariantNoModelLag {
		t.Errorf("main setup without lag is named %q, want %q", got, VariantNoModelLag)
	}
	if got := WithoutModelLag(Variant{Name: "slow pods"}).Name; got != "slow pods / "+VariantNoModelLag {
		t.Errorf("a variant without lag is named %q", got)
	}
	def := []string{PolicyDefault}
	if got := (Variant{}).PoliciesOr(def); !slices.Equal(got, def) {
		t.Errorf("no own policies: got %v, want the default", got)
	}
	if got := (Variant{Policies: []string{PolicyPlanned}}).PoliciesOr(def); !slices.Equal(got, []string{PolicyPlanned}) {
		t.Errorf("own policies: got %v", got)
	}
}
