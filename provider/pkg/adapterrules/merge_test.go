package adapterrules

import (
	"os"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// installerConfig is what a prometheus-adapter installer typically leaves: a custom rule, resource
// metrics, and a comment. The e2e adopt test gives the same file to its adopted adapter.
var installerConfig = func() string {
	raw, err := os.ReadFile("testdata/installer-config.yaml")
	if err != nil {
		panic(err)
	}
	return string(raw)
}()

func TestMerge(t *testing.T) {
	oneMinute := SeldonRule(RuleSpec{})
	twoMinutes := SeldonRule(RuleSpec{RateWindow: 2 * time.Minute})
	otherMetric := SeldonRule(RuleSpec{NameAs: "infer_rps_b"})
	withOurs, _, err := Merge(installerConfig, oneMinute)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, live   string
		rule         Rule
		wantRules    []string // metricsQuery windows or names expected, in order, among `rules`
		wantPrevious bool
	}{
		{"empty live config: our rule alone", "", oneMinute, []string{"infer_rps"}, false},
		{"null rules: our rule alone", "rules:\n", oneMinute, []string{"infer_rps"}, false},
		{"no rules key: rules added after the other keys", "metricsRelistInterval: 1m\n", oneMinute,
			[]string{"infer_rps"}, false},
		{"installer rules kept, ours appended", installerConfig, oneMinute,
			[]string{"${1}_per_second", "infer_rps"}, false},
		{"a rules change replaces only our rule", withOurs, twoMinutes, []string{"${1}_per_second", "infer_rps"}, true},
		{"another metric's rule is kept", withOurs, otherMetric,
			[]string{"${1}_per_second", "infer_rps", "infer_rps_b"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			merged, previous, err := Merge(tc.live, tc.rule)
			if err != nil {
				t.Fatal(err)
			}
			if (previous != nil) != tc.wantPrevious {
				t.Errorf("previous = %v, want one: %v", previous, tc.wantPrevious)
			}
			var cfg struct {
				Rules         []Rule         `yaml:"rules"`
				ResourceRules map[string]any `yaml:"resourceRules"`
			}
			if err := yaml.Unmarshal([]byte(merged), &cfg); err != nil {
				t.Fatalf("merged config is not YAML: %v\n%s", err, merged)
			}
			var names []string
			for _, r := range cfg.Rules {
				names = append(names, r.Name.As)
			}
			if strings.Join(names, ",") != strings.Join(tc.wantRules, ",") {
				t.Errorf("rules %v, want %v\n%s", names, tc.wantRules, merged)
			}
			last := cfg.Rules[len(cfg.Rules)-1]
			if tc.rule.Name.As == last.Name.As && last.MetricsQuery != tc.rule.MetricsQuery {
				t.Errorf("our rule's query is %q, want %q", last.MetricsQuery, tc.rule.MetricsQuery)
			}
			if strings.Contains(tc.live, "resourceRules") &&
				(cfg.ResourceRules["window"] != "3m" || !strings.Contains(merged, "# kept by the installer")) {
				t.Errorf("the installer's resource rules or comment were lost:\n%s", merged)
			}
		})
	}
}

func TestMergeIsStable(t *testing.T) {
	rule := SeldonRule(RuleSpec{})
	once, _, err := Merge(installerConfig, rule)
	if err != nil {
		t.Fatal(err)
	}
	twice, previous, err := Merge(once, rule)
	if err != nil || twice != once || previous == nil {
		t.Errorf("merging the same rule again changed the config (%v):\n%s\n---\n%s", err, once, twice)
	}
}

func TestMergeRefusesWhatIsNotAConfig(t *testing.T) {
	for _, live := range []string{"rules: [", "- a\n- b\n", "rules: 3\n"} {
		if _, _, err := Merge(live, SeldonRule(RuleSpec{})); err == nil {
			t.Errorf("Merge(%q) accepted it", live)
		}
	}
}
