package resolve

import (
	"reflect"
	"strings"
	"testing"
)

func TestResolveDerivesFromSizing(t *testing.T) {
	peak, sat := 100.0, 10.0
	d, err := Resolve(Args{
		Model:       ModelSpec{Name: "irisa0", StorageURI: "gs://x"},
		Autoscaling: AutoscalingSpec{Sizing: &SizingSpec{PeakRps: &peak, SaturationRps: &sat}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.Policy.Target.String() != "8" || d.Policy.MaxReplicas != 13 {
		t.Errorf("target %s max %d, want 8 and 13", d.Policy.Target, d.Policy.MaxReplicas)
	}
}

// TestResolveSizingInputs: the planner's inputs reach it through Resolve, and its warnings reach
// the derivations output with a "warning:" prefix.
func TestResolveSizingInputs(t *testing.T) {
	peak, sat, minLoad, ramp, spike := 36.0, 3.75, 6.0, 0.25, 45
	d, err := Resolve(Args{
		Model: ModelSpec{Name: "irisa0", StorageURI: "gs://x"},
		Autoscaling: AutoscalingSpec{Sizing: &SizingSpec{PeakRps: &peak, SaturationRps: &sat, MinLoadRps: &minLoad,
			RampRpsPerSecond: &ramp, SpikeSeconds: &spike}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := d.Policy
	if p.Target.String() != "3" || p.MinReplicas != 2 || p.MaxReplicas != 12 ||
		*p.ScaleUp.StabilizationWindowSeconds != 45 ||
		p.ScaleUp.Policies[0].Value != 5 ||
		p.ModelScaleUpLagSeconds != 105 ||
		*p.HPAs().Model.ScaleUp.StabilizationWindowSeconds != 150 {
		t.Errorf("policy %+v", p)
	}
	var warnings []string
	for _, dv := range d.Derivations {
		if strings.HasPrefix(dv.String(), "warning: ") {
			warnings = append(warnings, dv.String())
		}
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "needs 8 new replicas every 90 s") {
		t.Errorf("warnings %q", warnings)
	}
}

// TestSeldonModesShapeTheModel: only Seldon 2.9+ with its model autoscaler off gives the Model
// spec.minReplicas (the HPAs' minReplicas, never maxReplicas) and no Model lag; a dedicated Server
// never gets either; the derivations say which mode and why.
func TestSeldonModesShapeTheModel(t *testing.T) {
	on, v28, v291, v210 := true, "2.8.3", "2.9.1", "2.10.2"
	for _, tc := range []struct {
		name    string
		seldon  *SeldonSpec
		wantMin any
		wantLag int
	}{
		{"unset: as before 2.9", nil, nil, 105},
		{"2.8", &SeldonSpec{Version: &v28}, nil, 105},
		{"2.9, model autoscaling on", &SeldonSpec{Version: &v291, ModelAutoscaling: &on}, nil, 105},
		{"2.10: partial scheduling", &SeldonSpec{Version: &v210}, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			minReplicas, maxReplicas, target, dedicated, config := 2, 6, 3.0, true, "mlserver"
			d, err := Resolve(Args{
				Model:  ModelSpec{Name: "irisa0", StorageURI: "gs://x"},
				Server: &ServerSpec{Dedicated: &dedicated, ServerConfig: &config},
				Autoscaling: AutoscalingSpec{MinReplicas: &minReplicas, MaxReplicas: &maxReplicas,
					TargetRpsPerReplica: &target},
				Seldon: tc.seldon,
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Model.Spec["minReplicas"]; got != tc.wantMin || d.Model.Spec["maxReplicas"] != nil {
				t.Errorf("Model minReplicas %v maxReplicas %v, want %v and none", got, d.Model.Spec["maxReplicas"],
					tc.wantMin)
			}
			if d.Server.Spec["minReplicas"] != nil || d.Server.Spec["maxReplicas"] != nil {
				t.Errorf("the dedicated Server got min/max replicas: %v", d.Server.Spec)
			}
			if d.Policy.ModelScaleUpLagSeconds != tc.wantLag {
				t.Errorf("Model lag %d, want %d", d.Policy.ModelScaleUpLagSeconds, tc.wantLag)
			}
			var said bool
			for _, x := range d.Derivations {
				said = said || x.Field == "seldon" && x.Value == d.Policy.Scheduling.String() && x.Reason != ""
			}
			if !said {
				t.Errorf("no derivation says the Seldon mode: %v", d.Derivations)
			}
		})
	}
}

// BenchmarkResolve is the planning path every preview runs: defaults, guards, rule rendering.
func BenchmarkResolve(b *testing.B) {
	peak, sat := 100.0, 10.0
	args := Args{
		Model: ModelSpec{
			Name:         "irisa0",
			StorageURI:   "gs://seldon-models/testing/iris1",
			Requirements: []string{"sklearn"},
		},
		Autoscaling: AutoscalingSpec{Sizing: &SizingSpec{PeakRps: &peak, SaturationRps: &sat}},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Resolve(args); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMetricsAdapterDerivationsNameItsInputs: the values SeldonMetricsAdapter chose are reported
// under its own input names, which have no `adapter.` block.
func TestMetricsAdapterDerivationsNameItsInputs(t *testing.T) {
	_, _, derived, err := ResolveMetricsAdapter(AdapterSpec{})
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, d := range derived {
		fields = append(fields, d.Field)
	}
	if !reflect.DeepEqual(fields, []string{"prometheusScrapeInterval", "helmTimeoutSeconds"}) {
		t.Errorf("derived %v, want exactly the assumed prometheusScrapeInterval and helmTimeoutSeconds", fields)
	}
	target, maxReplicas := 3.0, 3
	d, err := Resolve(Args{Model: ModelSpec{Name: "m", StorageURI: "gs://m"},
		Autoscaling: AutoscalingSpec{TargetRpsPerReplica: &target, MaxReplicas: &maxReplicas}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"adapter.prometheusScrapeInterval", "adapter.helmTimeoutSeconds"} {
		found := false
		for _, dv := range d.Derivations {
			found = found || dv.Field == want
		}
		if !found {
			t.Errorf("SeldonAutoscaledModel did not report %s: %v", want, d.Derivations)
		}
	}
}
