package e2e

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/examples/go/autoscaledmodel"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
)

// TestForeignCustomMetricsProvider: a cluster has one custom metrics provider. When another one
// already owns v1beta1.custom.metrics.k8s.io, install mode is refused before anything is created
// (the cluster check reads the APIService first), and the other provider is left alone.
func TestForeignCustomMetricsProvider(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	apiServices := b.dyn.Resource(ownership.Resources["APIService"])
	foreign := existingObject(ownership.Object{Kind: "APIService", Name: "v1beta1.custom.metrics.k8s.io"}, nil)
	if _, err := apiServices.Create(ctx, foreign, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = apiServices.Delete(ctx, "v1beta1.custom.metrics.k8s.io", metav1.DeleteOptions{}) })

	st := b.goStack(
		t,
		"conflict",
		autoscaledmodel.Program,
		map[string]string{"adapterChartPath": b.chartPath, "adapterSkipAwait": "true"},
	)
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	_, err := st.Up(ctx)
	if err == nil {
		t.Fatal("up installed a second custom metrics provider over another one")
	}
	if i := strings.Index(err.Error(), "v1beta1.custom.metrics.k8s.io"); i >= 0 {
		t.Logf("refused as expected: ...%.300s", err.Error()[max(0, i-150):])
	}
	if !strings.Contains(err.Error(), "v1beta1.custom.metrics.k8s.io") {
		t.Errorf("the error does not name the contested APIService:\n%v", err)
	}
	if !strings.Contains(err.Error(), "adapter.mode") {
		t.Errorf("the refusal does not name the input to change:\n%v", err)
	}
	b.assertModelGone(t)
	b.assertNothingCreated(t)
	got, err := apiServices.Get(ctx, "v1beta1.custom.metrics.k8s.io", metav1.GetOptions{})
	if err != nil || got.GetLabels()["app"] != "another-metrics-provider" {
		t.Errorf("the other provider's APIService was changed or removed (%v)", err)
	}
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy after the refused install: %v", err)
	}
	b.assertGone(t)
}
