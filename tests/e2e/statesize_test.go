package e2e

import (
	"context"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/bench/handwritten"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/stacks"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/component"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

// maxComponentStateBytes bounds what one SeldonAutoscaledModel records in the state beyond its
// children: its inputs and outputs, as compact JSON (issue 16: about 3 KiB per model before).
const maxComponentStateBytes = 2048

// maxChildFrames bounds the stack the engine records with each child: the component's own frames
// (onOwnGoroutine), not the ~24 of the plugin's gRPC dispatch it had before.
const maxChildFrames = 8

// TestComponentStateSize deploys the benchmark's component program for two models (the first
// installs the adapter, the second uses it with adapter mode none), exports the stack and checks
// that each component resource's inputs plus outputs stay within maxComponentStateBytes, and that
// its children record at most maxChildFrames stack frames each. Its children's inputs and outputs
// (the Kubernetes objects the component declares, which a hand-written program records too) are
// logged for reference.
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
	sizes, err := stacks.ComponentStateSizes(exported.Deployment, component.Token)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, mode string }{
		{handwritten.ModelName(0), resolve.ModeInstall},
		{handwritten.ModelName(1), resolve.ModeNone},
	} {
		s, ok := sizes[tc.name]
		if !ok {
			t.Fatalf("no %s %q in the state", component.Token, tc.name)
		}
		t.Logf("%s (adapter mode %s): component %d bytes (inputs %d, outputs %d: %v); its %d children %d bytes, "+
			"up to %d stack frames each", tc.name, tc.mode, s.Own(), s.Inputs, s.Outputs, s.OutputFields, s.Children,
			s.ChildBytes, s.ChildFrames)
		if s.Own() > maxComponentStateBytes {
			t.Errorf("%s (adapter mode %s) records %d bytes of inputs and outputs, want at most %d",
				tc.name, tc.mode, s.Own(), maxComponentStateBytes)
		}
		if s.ChildFrames > maxChildFrames {
			t.Errorf("%s (adapter mode %s): a child records %d stack frames, want at most %d", tc.name, tc.mode,
				s.ChildFrames, maxChildFrames)
		}
	}
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
}
