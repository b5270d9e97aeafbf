package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/bench/handwritten"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/component"
)

// maxComponentStateBytes bounds what one SeldonAutoscaledModel records in the state beyond its
// children: its inputs and outputs, as compact JSON (issue 16: 12.8 KiB per model before).
const maxComponentStateBytes = 2048

// TestComponentStateSize deploys the benchmark's component program for two models (the first
// installs the adapter, the second uses it with adapter mode none), exports the stack and checks
// that each component resource's inputs plus outputs stay within maxComponentStateBytes. Its
// children (the Kubernetes objects the component declares) are logged for reference: they are
// what a hand-written program records too.
func TestComponentStateSize(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	program := handwritten.ComponentProgram(handwritten.Params{
		N: 2, Namespace: ns, AdapterNamespace: adapterNS, ChartPath: b.chartPath,
	})
	st := b.goStack(t, "state-size", program, nil)
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	exported, err := st.Export(ctx)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	var dep apitype.DeploymentV3
	if err := json.Unmarshal(exported.Deployment, &dep); err != nil {
		t.Fatalf("decoding the state: %v", err)
	}
	sizes := componentStateSizes(t, dep)
	for name, mode := range map[string]string{handwritten.ModelName(0): "install", handwritten.ModelName(1): "none"} {
		s, ok := sizes[name]
		if !ok {
			t.Fatalf("no %s component %q in the state", component.Token, name)
		}
		t.Logf("%s (adapter mode %s): component %d bytes (inputs %d, outputs %d: %s); its %d children %d bytes",
			name, mode, s.inputs+s.outputs, s.inputs, s.outputs, s.fields, s.children, s.childBytes)
		if s.inputs+s.outputs > maxComponentStateBytes {
			t.Errorf("%s (adapter mode %s) records %d bytes of inputs and outputs, want at most %d",
				name, mode, s.inputs+s.outputs, maxComponentStateBytes)
		}
	}
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
}

// stateSize is what one component resource and its children record, in compact JSON bytes.
type stateSize struct {
	inputs, outputs int
	fields          string // each output's share
	children        int
	childBytes      int
}

// componentStateSizes measures every SeldonAutoscaledModel of dep, keyed by its Pulumi name.
func componentStateSizes(t *testing.T, dep apitype.DeploymentV3) map[string]stateSize {
	t.Helper()
	size := func(v any) int {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("encoding state: %v", err)
		}
		return len(raw)
	}
	out := map[string]stateSize{}
	byURN := map[resource.URN]string{}
	for _, r := range dep.Resources {
		if string(r.Type) != component.Token {
			continue
		}
		byURN[r.URN] = r.URN.Name()
		var fields []string
		for k, v := range r.Outputs {
			fields = append(fields, fmt.Sprintf("%s %d", k, size(v)))
		}
		sort.Strings(fields)
		out[r.URN.Name()] = stateSize{inputs: size(r.Inputs), outputs: size(r.Outputs), fields: strings.Join(fields, ", ")}
	}
	for _, r := range dep.Resources {
		if name, ok := byURN[r.Parent]; ok {
			s := out[name]
			s.children++
			s.childBytes += size(r.Inputs) + size(r.Outputs)
			out[name] = s
		}
	}
	return out
}
