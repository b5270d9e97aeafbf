package component

import (
	"reflect"
	"strings"
	"testing"

	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

// adapterBlock is an install-mode adapter with a few non-default settings.
func adapterBlock() map[string]any {
	return map[string]any{
		"namespace": "monitoring", "createNamespace": true, "skipAwait": true,
		"chart":      map[string]any{"path": "/charts/prometheus-adapter"},
		"rateWindow": "2m", "metricsRelistInterval": "1m",
		"values": map[string]any{"replicas": 2},
	}
}

// TestMetricsAdapterDeclaresWhatAModelWould: SeldonMetricsAdapter and a SeldonAutoscaledModel
// with the same adapter block declare the same adapter objects, input for input.
func TestMetricsAdapterDeclaresWhatAModelWould(t *testing.T) {
	shared, _, err := constructAs(t, AdapterToken, "metrics", presource.NewPropertyMapFromMap(adapterBlock()), false)
	if err != nil {
		t.Fatal(err)
	}
	in := guideInputs()
	in["adapter"] = adapterBlock()
	inline, _, err := construct(t, in)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, r := range shared.custom() {
		types[r.Type]++
	}
	want := map[string]int{
		"kubernetes:helm.sh/v3:Release": 1,
		"kubernetes:core/v1:ConfigMap":  1,
		"kubernetes:core/v1:Namespace":  1,
	}
	if !reflect.DeepEqual(types, want) {
		t.Errorf("SeldonMetricsAdapter declared %v, want %v", types, want)
	}
	for typ := range want {
		a, b := shared.byType(typ)[0].Inputs.Mappable(), inline.byType(typ)[0].Inputs.Mappable()
		// Each marks the objects as its own; that mark aside, they are the same.
		for _, m := range []map[string]any{a, b} {
			meta, _ := m["metadata"].(map[string]any)
			if notes, ok := meta["annotations"].(map[string]any); ok {
				delete(notes, ownership.OwnerAnnotation)
			}
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s differs:\n shared %v\n inline %v", typ, a, b)
		}
	}
}

func TestMetricsAdapterGuards(t *testing.T) {
	cases := []struct {
		name   string
		change func(map[string]any)
		field  string
	}{
		{"mode none", func(a map[string]any) { a["mode"] = "none" }, "mode:"},
		{"rate window below two scrapes", func(a map[string]any) { a["rateWindow"] = "30s" }, "rateWindow:"},
		{"relist below scrape", func(a map[string]any) { a["metricsRelistInterval"] = "10s" }, "metricsRelistInterval:"},
		{
			"managed Helm value",
			func(a map[string]any) { a["values"] = map[string]any{"rules": map[string]any{}} },
			"values.rules:",
		},
		{"rule that hides the Seldon series", func(a map[string]any) {
			a["rule"] = map[string]any{"nameMatches": "^nothing$"}
		}, "rule.nameMatches:"},
		{"basic auth without a password", func(a map[string]any) {
			a["prometheus"] = map[string]any{"basicAuth": map[string]any{"username": "u"}}
		}, "prometheus.basicAuth.password:"},
		{"TLS to an http Prometheus", func(a map[string]any) {
			a["prometheus"] = map[string]any{"tls": map[string]any{"caCertificate": "x"}}
		}, "prometheus.tls:"},
		{"Helm timeout with skipAwait", func(a map[string]any) { a["helmTimeoutSeconds"] = 600 }, "helmTimeoutSeconds:"},
		{"Helm timeout too short", func(a map[string]any) {
			a["skipAwait"], a["helmTimeoutSeconds"] = false, 30
		}, "helmTimeoutSeconds:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := adapterBlock()
			tc.change(in)
			rec, _, err := constructAs(t, AdapterToken, "metrics", presource.NewPropertyMapFromMap(in), false)
			if err == nil || !strings.Contains(err.Error(), "invalid SeldonMetricsAdapter input") ||
				!strings.Contains(err.Error(), tc.field) {
				t.Fatalf("want a SeldonMetricsAdapter error naming %s, got %v", tc.field, err)
			}
			// Problems and fixes name its inputs as its users write them: no `adapter.` block.
			if strings.Contains(err.Error(), "adapter.") {
				t.Errorf("the error names a field of SeldonAutoscaledModel's adapter block:\n%v", err)
			}
			if n := len(rec.custom()); n > 0 {
				t.Errorf("%d resources registered", n)
			}
		})
	}
}

// TestHelmReleaseRecoversFromFailure: the release Helm is given so that a failed install or
// upgrade leaves nothing blocking the next up. Atomic and the timeout only where Helm waits.
func TestHelmReleaseRecoversFromFailure(t *testing.T) {
	cases := []struct {
		name        string
		adapter     map[string]any
		atomic      bool
		timeout     any // nil: left to pulumi-kubernetes, which sets none without a wait
		derivedWait bool
	}{
		{"default: wait 300 s, roll back", map[string]any{}, true, float64(300), true},
		{"timeout set", map[string]any{"helmTimeoutSeconds": 900}, true, float64(900), false},
		{"lowest timeout", map[string]any{"helmTimeoutSeconds": inputs.MinHelmTimeoutSeconds}, true, float64(60), false},
		{"highest timeout", map[string]any{"helmTimeoutSeconds": inputs.MaxHelmTimeoutSeconds}, true, float64(1800), false},
		{"skipAwait: no wait, so no rollback", map[string]any{"skipAwait": true}, false, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := guideInputs()
			in["adapter"] = tc.adapter
			rec, _, err := construct(t, in)
			if err != nil {
				t.Fatal(err)
			}
			rel := rec.byType("kubernetes:helm.sh/v3:Release")[0].Inputs.Mappable()
			assertPath(t, rel, "atomic", tc.atomic)
			assertPath(t, rel, "cleanupOnFail", true)
			assertPath(t, rel, "maxHistory", float64(resolve.HelmMaxHistory))
			if rel["timeout"] != tc.timeout {
				t.Errorf("timeout %v, want %v", rel["timeout"], tc.timeout)
			}
			d, err := resolve.ResolveInputs(in)
			if err != nil {
				t.Fatal(err)
			}
			derived := false
			for _, dv := range d.Derivations {
				if dv.Field == "adapter.helmTimeoutSeconds" {
					derived = true
					if !strings.HasPrefix(dv.String(), "adapter.helmTimeoutSeconds = 300 (Helm's default") {
						t.Errorf("derivation %q", dv.String())
					}
				}
			}
			if derived != tc.derivedWait {
				t.Errorf("helmTimeoutSeconds derived: %v, want %v (%v)", derived, tc.derivedWait, d.Derivations)
			}
		})
	}
}
