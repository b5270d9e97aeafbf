package resolve

import (
	"errors"
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/badinputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

// fieldsRefused resolves the catalogue's base with patch and returns the fields refused.
func fieldsRefused(t *testing.T, patch map[string]any) []string {
	t.Helper()
	_, err := ResolveInputs(loadBadInputs(t).Inputs(badinputs.Case{Patch: patch}))
	var errs refusal.Errors
	if err != nil && !errors.As(err, &errs) {
		t.Fatalf("not a refusal: %v", err)
	}
	return errs.Fields()
}

func adapterPatch(block map[string]any) map[string]any { return map[string]any{"adapter": block} }

// modeInputs are, per adapter mode, the inputs that do not apply to it: each is refused alone,
// and the mode with none of them is accepted.
var modeInputs = map[string]map[string]any{
	ModeInstall: {"configMapName": "cm", "deploymentName": "dep"},
	ModeAdopt: {"chart": map[string]any{"version": "5.3.0"}, "values": map[string]any{"replicas": 2},
		"prometheus": map[string]any{"port": 9090}, "createNamespace": true, "helmTimeoutSeconds": 300},
	ModeNone: {"chart": map[string]any{"version": "5.3.0"}, "values": map[string]any{"replicas": 2},
		"prometheus": map[string]any{"port": 9090}, "createNamespace": true, "configMapName": "cm",
		"deploymentName": "dep", "skipAwait": true, "helmTimeoutSeconds": 300},
}

// TestInputsThatDoNotApplyToTheMode: an adapter input that does nothing in the mode asked for is
// refused, naming it, and only it.
func TestInputsThatDoNotApplyToTheMode(t *testing.T) {
	for mode, inputs := range modeInputs {
		if got := fieldsRefused(t, adapterPatch(map[string]any{"mode": mode})); len(got) > 0 {
			t.Errorf("mode %s alone: refused %v", mode, got)
		}
		for name, value := range inputs {
			got := fieldsRefused(t, adapterPatch(map[string]any{"mode": mode, name: value}))
			if len(got) != 1 || got[0] != "adapter."+name {
				t.Errorf("mode %s with %s: refused %v, want exactly adapter.%s", mode, name, got, name)
			}
		}
	}
}

// adapterCases are adapter blocks at the edges of a guard, with the fields refused (none: accepted).
var adapterCases = []struct {
	name  string
	block map[string]any
	want  []string
}{
	{"release name of 53 characters", map[string]any{"releaseName": strings.Repeat("a", 53)}, nil},
	{"release name of 54 characters", map[string]any{"releaseName": strings.Repeat("a", 54)},
		[]string{"adapter.releaseName"}},
	{"port 1", map[string]any{"prometheus": map[string]any{"port": 1}}, nil},
	{"port 65535", map[string]any{"prometheus": map[string]any{"port": 65535}}, nil},
	{"port 0", map[string]any{"prometheus": map[string]any{"port": 0}}, []string{"adapter.prometheus.port"}},
	{"port 65536", map[string]any{"prometheus": map[string]any{"port": 65536}}, []string{"adapter.prometheus.port"}},
	{"a filter with is", filters(map[string]any{"is": "^seldon_"}), nil},
	{"a filter with isNot", filters(map[string]any{"isNot": "_seconds_total$"}), nil},
	{"a filter with both", filters(map[string]any{"is": "^seldon_", "isNot": "x"}),
		[]string{"adapter.rule.seriesFilters[0]"}},
	{"a filter with neither", filters(map[string]any{}), []string{"adapter.rule.seriesFilters[0]"}},
	{"a filter that is no expression", filters(map[string]any{"is": "("}), []string{"adapter.rule.seriesFilters[0]"}},
	{"a filter dropping the series", filters(map[string]any{"isNot": "infer"}),
		[]string{"adapter.rule.seriesFilters[0]"}},
	{"a filter keeping other series only", filters(map[string]any{"is": "^other_"}),
		[]string{"adapter.rule.seriesFilters[0]"}},
	{"a local chart", map[string]any{"chart": map[string]any{"path": "/charts/prometheus-adapter"}}, nil},
	{"a local chart with a name", map[string]any{"chart": map[string]any{"path": "/c", "name": "x"}},
		[]string{"adapter.chart.path"}},
	{"a local chart with a version", map[string]any{"chart": map[string]any{"path": "/c", "version": "1.0.0"}},
		[]string{"adapter.chart.path"}},
	{"a local chart with a repository", map[string]any{"chart": map[string]any{"path": "/c", "repo": "https://r"}},
		[]string{"adapter.chart.path"}},
	{"basic auth alone", map[string]any{"prometheus": map[string]any{
		"basicAuth": map[string]any{"username": "u", "password": "p"}}}, nil},
	{"basic auth and a token", map[string]any{"prometheus": map[string]any{"bearerToken": "t",
		"basicAuth": map[string]any{"username": "u", "password": "p"}}}, []string{"adapter.prometheus.basicAuth"}},
	{"a client certificate and its key", tlsBlock(map[string]any{"clientCertificate": "c", "clientKey": "k"}), nil},
	{"a client certificate alone", tlsBlock(map[string]any{"clientCertificate": "c"}),
		[]string{"adapter.prometheus.tls.clientKey"}},
	{"a rate window of 2m", map[string]any{"rateWindow": "2m"}, nil},
	{"a rate window of 0", map[string]any{"rateWindow": "0s"}, []string{"adapter.rateWindow"}},
	{"a rate window that is no duration", map[string]any{"rateWindow": "soon"}, []string{"adapter.rateWindow"}},
}

func filters(f map[string]any) map[string]any {
	return map[string]any{"rule": map[string]any{"seriesFilters": []any{f}}}
}

func tlsBlock(t map[string]any) map[string]any {
	return map[string]any{"prometheus": map[string]any{"url": "https://prom", "tls": t}}
}

// TestAdapterGuardsAtTheirEdges: each adapter guard accepts the last value it allows and refuses
// the first it does not, naming the input and nothing else.
func TestAdapterGuardsAtTheirEdges(t *testing.T) {
	for _, tc := range adapterCases {
		got := fieldsRefused(t, adapterPatch(tc.block))
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: refused %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestWhatTheResolverDecides: the values Construct declares, as the inputs shape them.
func TestWhatTheResolverDecides(t *testing.T) {
	cat := loadBadInputs(t)
	resolved := func(patch map[string]any) *Desired {
		t.Helper()
		d, err := ResolveInputs(cat.Inputs(badinputs.Case{Patch: patch}))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := resolved(adapterPatch(map[string]any{"mode": ModeNone})); d.Adapter.ConfigYAML != "" {
		t.Errorf("mode none renders a config: %q", d.Adapter.ConfigYAML)
	}
	if d := resolved(nil); d.Adapter.ConfigYAML == "" || d.Adapter.ConfigHash == "" {
		t.Error("install mode renders no config")
	}
	d := resolved(adapterPatch(map[string]any{"mode": ModeAdopt, "values": nil,
		"releaseName": "r"}))
	if d.Adapter.ConfigMapName != "r-prometheus-adapter" || d.Adapter.DeploymentName != "r-prometheus-adapter" {
		t.Errorf("adopt names %s and %s", d.Adapter.ConfigMapName, d.Adapter.DeploymentName)
	}
	d = resolved(adapterPatch(map[string]any{"values": map[string]any{"fullnameOverride": "custom"}}))
	if d.Adapter.DeploymentName != "custom" {
		t.Errorf("fullnameOverride: Deployment %s", d.Adapter.DeploymentName)
	}
	d = resolved(adapterPatch(map[string]any{"values": map[string]any{"fullnameOverride": ""}}))
	if d.Adapter.DeploymentName != "hpa-metrics-prometheus-adapter" {
		t.Errorf("empty fullnameOverride: Deployment %s", d.Adapter.DeploymentName)
	}
	model := func(m map[string]any) map[string]any { return map[string]any{"model": m} }
	if d := resolved(model(map[string]any{"requirements": []any{}})); d.Model.Spec["requirements"] != nil {
		t.Errorf("empty requirements declared: %v", d.Model.Spec["requirements"])
	}
	if d := resolved(model(map[string]any{"requirements": []any{"sklearn"}})); d.Model.Spec["requirements"] == nil {
		t.Error("requirements dropped")
	}
	if got := fieldsRefused(t, model(map[string]any{"labels": map[string]any{"app": "iris"},
		"annotations": map[string]any{"team": "ml"}})); len(got) > 0 {
		t.Errorf("valid labels refused: %v", got)
	}
}

// TestExtraSpecReplicaRangeSaysWhy: minReplicas/maxReplicas in extraSpec are refused with the
// reason (Seldon's own autoscaler), other managed fields with their own input.
func TestExtraSpecReplicaRangeSaysWhy(t *testing.T) {
	cat := loadBadInputs(t)
	for key, fix := range map[string]string{"minReplicas": "fights the HPA", "maxReplicas": "fights the HPA",
		"server": "use its own input"} {
		patch := map[string]any{"model": map[string]any{"extraSpec": map[string]any{key: 1}}}
		_, err := ResolveInputs(cat.Inputs(badinputs.Case{Patch: patch}))
		if err == nil || !strings.Contains(err.Error(), fix) {
			t.Errorf("extraSpec.%s: want a fix saying %q, got %v", key, fix, err)
		}
	}
}
