package resolve

import (
	"errors"
	"slices"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

// TestKnownRefusalsFollowWhatEachCheckRead: at preview, a refusal stands only when no block its
// check read holds an unknown input, and which blocks a check read comes from Resolve's steps.
// The inputs below carry three faults: a bad memory quantity (read: model), a config for an
// existing Server (read: server, model) and minReplicas 0 (read: autoscaling, seldon, adapter).
func TestKnownRefusalsFollowWhatEachCheckRead(t *testing.T) {
	known := map[string]any{
		"model":       map[string]any{"name": "irisa0", "storageUri": "gs://x", "memory": "lots"},
		"server":      map[string]any{"serverConfig": "mlserver"},
		"autoscaling": map[string]any{"minReplicas": 0, "maxReplicas": 3, "targetRpsPerReplica": 3},
	}
	all := []string{"model.memory", "server.serverConfig", "autoscaling.minReplicas"}
	for _, tc := range []struct {
		unknown []string
		want    []string
	}{
		{nil, all},
		{[]string{"model.labels"}, []string{"autoscaling.minReplicas"}},
		{[]string{"server.name"}, []string{"model.memory", "autoscaling.minReplicas"}},
		{[]string{"seldon.version"}, []string{"model.memory", "server.serverConfig"}},
		{[]string{"adapter.rateWindow"}, []string{"model.memory", "server.serverConfig"}},
		{[]string{"autoscaling.sizing.peakRps"}, []string{"model.memory", "server.serverConfig"}},
		{[]string{"takeOverExisting"}, all},
	} {
		var errs refusal.Errors
		if err := KnownRefusals(known, tc.unknown); err != nil && !errors.As(err, &errs) {
			t.Fatalf("unknown %v: %v", tc.unknown, err)
		}
		if got := errs.Fields(); !slices.Equal(got, tc.want) {
			t.Errorf("unknown %v: refusals of %v, want %v", tc.unknown, got, tc.want)
		}
	}
}

// TestEveryRefusalSaysWhatItRead: no refusal of Resolve leaves its blocks unrecorded, which
// KnownRefusals would read as "everything", silencing it at preview whatever was unknown.
func TestEveryRefusalSaysWhatItRead(t *testing.T) {
	zero := 0
	_, err := Resolve(Args{Model: ModelSpec{Name: "Bad_Name"}, Server: &ServerSpec{ServerConfig: new(string)},
		Autoscaling: AutoscalingSpec{MinReplicas: &zero, MetricName: new(string)},
		Adapter:     &AdapterSpec{Mode: new(string)}})
	var errs refusal.Errors
	if !errors.As(err, &errs) || len(errs) < 4 {
		t.Fatalf("want several refusals, got %v", err)
	}
	for _, e := range errs {
		if len(e.Reads) == 0 {
			t.Errorf("%s: records no input blocks", e.Field)
		}
	}
}
