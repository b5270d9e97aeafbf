package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/examples/go/autoscaledmodel"
)

// TestFailedHelmInstallRecovers: an adapter chart that cannot be read fails the update with an
// error that says so and creates nothing of the Model's; the corrected update converges.
func TestFailedHelmInstallRecovers(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	missing := b.chartPath + "-does-not-exist"
	st := b.goStack(
		t,
		"helm-fault",
		autoscaledmodel.Program,
		map[string]string{"adapterChartPath": missing, "adapterSkipAwait": "true"},
	)
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })

	_, err := st.Up(ctx)
	if err == nil {
		t.Fatal("up succeeded with a chart path that does not exist")
	}
	if !strings.Contains(err.Error(), "does-not-exist") {
		t.Errorf("the error does not point at the chart:\n%.600s", err.Error())
	}
	// The rules ConfigMap comes first and may exist; it is the stack's and goes with destroy.
	b.assertModelGone(t)

	b.setConfig(t, st, map[string]string{"adapterChartPath": b.chartPath})
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("the corrected up failed: %v", err)
	}
	b.assertDeployed(t)
	assertNoChanges(t, st)
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	b.assertGone(t)
}
