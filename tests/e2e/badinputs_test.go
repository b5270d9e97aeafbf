package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/badinputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
)

// TestBadInputsCreateNothing replays the unit tests' catalogue of refused inputs through the
// real engine and plugin: each preview fails naming the field, and no object appears in the API
// server.
func TestBadInputsCreateNothing(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	cat, err := badinputs.Load(filepath.Join(b.root, "provider", "pkg", "component", "testdata", "bad-inputs.json"))
	if err != nil {
		t.Fatal(err)
	}

	// The program registers the component from raw inputs, so a case can carry what a typed SDK
	// would not let through.
	var inputs map[string]any
	program := func(ctx *pulumi.Context) error {
		var res pulumi.ResourceState
		return ctx.RegisterRemoteComponentResource(
			"seldon-autoscaling:index:SeldonAutoscaledModel",
			"bad",
			pulumi.ToMap(inputs),
			&res,
		)
	}
	st := b.goStack(t, "bad-inputs", program, nil)
	for _, tc := range cat.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			inputs = cat.Inputs(tc)
			_, err := st.Preview(ctx)
			if err == nil {
				t.Fatalf("preview accepted it; want a refusal naming %s", tc.Field)
			}
			if !strings.Contains(err.Error(), tc.Field+":") {
				t.Errorf("the refusal does not name %s:\n%v", tc.Field, err)
			}
		})
	}
	// Nothing of any case reached the cluster.
	b.assertGone(t)
	for _, gvr := range []struct {
		what string
		list func() (int, error)
	}{
		{"Models", func() (int, error) {
			l, err := b.dyn.Resource(localcluster.ModelResource).Namespace(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
			if err != nil {
				return 0, err
			}
			return len(l.Items), nil
		}},
		{"HPAs", func() (int, error) {
			l, err := b.kube.AutoscalingV2().HorizontalPodAutoscalers(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
			if err != nil {
				return 0, err
			}
			return len(l.Items), nil
		}},
	} {
		if n, err := gvr.list(); err != nil || n != 0 {
			t.Errorf("%d %s in the cluster after the refused previews (%v)", n, gvr.what, err)
		}
	}
}
