package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/badinputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
)

// TestBadInputsCreateNothing replays the unit tests' catalogue of refused inputs through the
// real engine and plugin, twice per case. A preview must fail naming the field: that is where
// users meet the refusal. Then an up, which the Automation API runs with --skip-preview, so the
// engine's own preview cannot stop it first: only Construct's guards stand between the inputs and
// the API server, and "nothing was created" is checked where something could have been (a
// preview creates nothing whatever the guards do).
func TestBadInputsCreateNothing(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	cat := badinputs.ForTest(t, filepath.Join(b.root, "provider", "pkg", "component", "testdata", "bad-inputs.json"))

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
	// The base's adapter namespace exists, as it would for a user: without it the rules ConfigMap,
	// the first child an escaped case creates, could not be created, and the API server checks
	// below could not fail.
	b.ensureNamespace(t, adapterNS)
	st := b.goStack(t, "bad-inputs", program, nil)
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	var previews, ups time.Duration
	var replayed int
	for _, tc := range cat.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			inputs, replayed = cat.Inputs(tc), replayed+1
			start := time.Now()
			_, err := st.Preview(ctx)
			previews += time.Since(start)
			assertRefused(t, "preview", err, tc.Field)

			start = time.Now()
			_, err = st.Up(ctx)
			ups += time.Since(start)
			assertRefused(t, "up", err, tc.Field)
			// Under any name and in any namespace: a case may change the model's name or namespace.
			b.assertNoneListed(t, listing{localcluster.ModelResource, metav1.NamespaceAll, everyone},
				listing{localcluster.ServerResource, metav1.NamespaceAll, everyone})
			b.assertNothingCreated(t)
			assertNoChildInState(t, st)
			if t.Failed() {
				_, _ = st.Destroy(ctx) // so that the next case starts from nothing again
			}
		})
	}
	t.Logf("%d cases: previews %s, ups %s", replayed, previews.Round(time.Second), ups.Round(time.Second))
	// The whole sweep once more, the chart's objects of every kind included.
	b.assertGone(t)
}

// assertRefused: the operation failed, and its error names field the way a refusal does.
func assertRefused(t *testing.T, op string, err error, field string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s accepted it; want a refusal naming %s", op, field)
	} else if !strings.Contains(err.Error(), field+":") {
		t.Errorf("the %s's refusal does not name %s:\n%v", op, field, err)
	}
}

// assertNoChildInState: the stack's state holds the stack and providers alone; the component and
// its children were never registered.
func assertNoChildInState(t *testing.T, st auto.Stack) {
	t.Helper()
	for _, r := range exportedState(t, st).Resources {
		if typ := string(r.Type); typ != "pulumi:pulumi:Stack" && !strings.HasPrefix(typ, "pulumi:providers:") {
			t.Errorf("the refused up left %s in the stack's state", r.URN)
		}
	}
}

// exportedState is the stack's state as the engine recorded it.
func exportedState(t *testing.T, st auto.Stack) apitype.DeploymentV3 {
	t.Helper()
	dep, err := st.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var state apitype.DeploymentV3
	if err := json.Unmarshal(dep.Deployment, &state); err != nil {
		t.Fatal(err)
	}
	return state
}
