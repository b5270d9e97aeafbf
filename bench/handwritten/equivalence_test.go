package handwritten_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/bench/deployspeed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed"
)

// TestHandwrittenMatchesComponent runs the three programs (component, hand-written, floor) for
// three models (the first installs the adapter, the others use it) through their whole lifecycle
// against a local control plane, and checks that after `up` the API server holds the same objects
// — names, kinds, labels, annotations and specs of the Models, Servers and HPAs, the adapter's
// config.yaml, the Helm values and rendered manifest — that the stacks hold the same custom
// resources with the same inputs, dependencies, providers and ignoreChanges, and that the floor's
// stack holds as many resources as the component's less its provider. Namespaces differ by design
// and are compared as placeholders.
func TestHandwrittenMatchesComponent(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane")
	}
	ctx := context.Background()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bed, err := deployspeed.Start(ctx, deployspeed.Options{Root: root, Log: os.Stderr})
	if errors.Is(err, testbed.ErrToolsMissing) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := bed.Stop(); err != nil {
			t.Errorf("stopping the test bed: %v", err)
		}
	})
	const n = 3
	var runs []*deployspeed.Run
	for _, p := range deployspeed.Programs {
		if err := bed.EnsureNamespace(ctx, p.Namespace); err != nil {
			t.Fatal(err)
		}
		run, err := bed.RunLifecycle(ctx, p, n, "equivalence", deployspeed.RunOptions{Snapshot: true})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run)
	}
	comp, hand, floor := runs[0], runs[1], runs[2]
	for kind, want := range map[string]int{"Model": n, "Server": n, "HorizontalPodAutoscaler": 2 * n} {
		if got := comp.Objects.Count(kind); got != want {
			t.Errorf("component left %d %s objects, want %d", got, kind, want)
		}
	}
	if !strings.Contains(comp.Objects.AdapterConfig, "infer_rps") {
		t.Errorf("adapter config.yaml lacks the Seldon rule:\n%s", comp.Objects.AdapterConfig)
	}
	// The adapter's namespace, rules ConfigMap and Helm release; each model's Server, Model and two HPAs.
	if got, want := len(comp.State), 3+4*n; got != want {
		t.Errorf("component state has %d custom resources, want %d", got, want)
	}
	// The stack, the Kubernetes and seldon-autoscaling providers, one component per model, and the above.
	if got, want := comp.StateResources, 1+2+n+3+4*n; got != want {
		t.Errorf("component state has %d resources, want %d", got, want)
	}
	if got, want := hand.StateResources, floor.StateResources-n; got != want {
		t.Errorf("hand-written state has %d resources, want the floor's %d less one component per model", got,
			floor.StateResources)
	}
	for _, d := range deployspeed.Equivalent(runs) {
		t.Error(d)
	}
}
