package adapterrules

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// FuzzRender: whatever a user puts into the customisable parts of the rule, the rendered config
// is valid YAML that reads back to the same rule (no quoting or indentation can break it).
func FuzzRender(f *testing.F) {
	f.Add(DefaultSeriesQuery, "seldon_model_infer_total", "infer_rps", "", int64(time.Minute))
	f.Add(
		`{__name__=~"^seldon_model.*_total",namespace!=""}`,
		"^seldon_model_(.*)_total",
		"${1}_rps",
		"^seldon_.*_seconds_total",
		int64(90*time.Second),
	)
	f.Add("a: b\n- c", "'\"", "#x", "\t", int64(1))
	f.Fuzz(func(t *testing.T, query, matches, as, isNot string, window int64) {
		spec := RuleSpec{SeriesQuery: query, NameMatches: matches, NameAs: as, RateWindow: time.Duration(window)}
		if isNot != "" {
			spec.SeriesFilters = []SeriesFilter{{IsNot: isNot}}
		}
		rule := SeldonRule(spec)
		out, err := Config{Rules: []Rule{rule}}.YAML()
		if err != nil {
			t.Fatal(err)
		}
		var back Config
		if err := yaml.Unmarshal([]byte(out), &back); err != nil {
			t.Fatalf("rendered config is not YAML: %v\n%s", err, out)
		}
		if len(back.Rules) != 1 || back.Rules[0].SeriesQuery != rule.SeriesQuery || back.Rules[0].Name != rule.Name ||
			back.Rules[0].MetricsQuery != rule.MetricsQuery {
			t.Fatalf("round trip changed the rule:\n%+v\n%+v", rule, back.Rules)
		}
		_, _, _ = rule.ExposedMetric(SeldonSeries) // must not panic on any regular expression
		if d := PromDuration(time.Duration(window)); d == "" || strings.ContainsAny(d, " -") {
			t.Fatalf("duration %d rendered as %q", window, d)
		}
	})
}
