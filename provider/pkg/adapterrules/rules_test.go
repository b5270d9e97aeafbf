package adapterrules

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// normalize parses config.yaml into generic data with whitespace-insensitive strings, so the test
// compares meaning, not layout: the guide's block scalars carry trailing newlines and indentation
// the adapter ignores.
func normalize(t *testing.T, doc string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("parsing config: %v", err)
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case string:
			return strings.Join(strings.Fields(x), " ")
		}
		return v
	}
	return walk(v)
}

func TestDefaultRuleIsTheGuides(t *testing.T) {
	raw, err := os.ReadFile("testdata/guide-configmap.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal(raw, &cm); err != nil {
		t.Fatal(err)
	}
	got, err := Config{Rules: []Rule{SeldonRule(RuleSpec{})}}.YAML()
	if err != nil {
		t.Fatal(err)
	}
	want := normalize(t, cm.Data["config.yaml"])
	if g := normalize(t, got); !reflect.DeepEqual(g, want) {
		t.Errorf("rendered rules differ from the guide's ConfigMap\n got: %#v\nwant: %#v", g, want)
	}
}

func TestRateWindow(t *testing.T) {
	for _, tc := range []struct {
		window time.Duration
		want   string
	}{
		{time.Minute, "[1m]"},
		{30 * time.Second, "[30s]"},
		{90 * time.Second, "[1m30s]"},
		{2 * time.Hour, "[2h]"},
		{1500 * time.Millisecond, "[1s500ms]"},
		{time.Millisecond, "[1ms]"}, // Prometheus' resolution: the smallest window written as itself
	} {
		q := SeldonRule(RuleSpec{RateWindow: tc.window}).MetricsQuery
		if !strings.Contains(q, tc.want) {
			t.Errorf("window %v: query %q lacks %s", tc.window, q, tc.want)
		}
	}
}

func TestExposedMetric(t *testing.T) {
	for _, tc := range []struct {
		name, matches, as string
		want              string
		ok                bool
	}{
		{"guide literal", "seldon_model_infer_total", "infer_rps", "infer_rps", true},
		{"regex group", "^seldon_model_(.*)_total", "${1}_rps", "infer_rps", true},
		{"empty as takes the group", "^seldon_model_(.*)_total$", "", "infer", true},
		{"empty as without group keeps the name", "seldon_model_infer_total", "", "seldon_model_infer_total", true},
		{"no match", "^seldon_pipeline_.*", "x", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Rule{Name: Naming{Matches: tc.matches, As: tc.as}}
			got, ok, err := r.ExposedMetric(SeldonSeries)
			if err != nil || ok != tc.ok || got != tc.want {
				t.Errorf("got (%q, %v, %v), want (%q, %v)", got, ok, err, tc.want, tc.ok)
			}
		})
	}
	if _, _, err := SeldonRule(RuleSpec{NameMatches: "("}).ExposedMetric(SeldonSeries); err == nil {
		t.Error("an invalid regular expression was accepted")
	}
}

func TestModelQueryIsTheGuidesExample(t *testing.T) {
	got := SeldonRule(RuleSpec{}).ModelQuery(SeldonSeries, "irisa0", "seldon-mesh", nil)
	want := "sum by (model) (\n  rate (\n    seldon_model_infer_total{model=\"irisa0\", " +
		"namespace=\"seldon-mesh\"}[1m]\n  )\n)\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	sel := SeldonRule(
		RuleSpec{},
	).ModelQuery(SeldonSeries, "irisa0", "seldon-mesh", map[string]string{"method_type": "rest"})
	if !strings.Contains(sel, `{model="irisa0", namespace="seldon-mesh", method_type="rest"}`) {
		t.Errorf("selector not in query: %s", sel)
	}
}

func TestModelMetricPath(t *testing.T) {
	for _, tc := range []struct {
		sel  map[string]string
		want string
	}{
		{nil, "/apis/custom.metrics.k8s.io/v1beta1/namespaces/seldon-mesh/models.mlops.seldon.io/irisa0/infer_rps"},
		{map[string]string{"method_type": "rest", "code": "200"},
			"/apis/custom.metrics.k8s.io/v1beta1/namespaces/seldon-mesh/models.mlops.seldon.io/irisa0/infer_rps" +
				"?metricLabelSelector=code%3D200%2Cmethod_type%3Drest"},
	} {
		if got := ModelMetricPath("seldon-mesh", "irisa0", "infer_rps", tc.sel); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
}

func TestHashFollowsConfig(t *testing.T) {
	h := func(w time.Duration) string {
		_, s, err := Config{Rules: []Rule{SeldonRule(RuleSpec{RateWindow: w})}}.Render()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if first, second := h(time.Minute), h(time.Minute); first != second {
		t.Error("hash is not stable")
	}
	if h(time.Minute) == h(2*time.Minute) {
		t.Error("hash did not change with the rate window")
	}
}
