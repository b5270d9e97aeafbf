package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	sa "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
)

// The replicas test's own Model, so that nothing another test leaves behind can mask a reset.
const (
	replicasModel  = "irisr0"
	replicasServer = replicasModel + "-server"
	scaledTo       = 4 // what the autoscaler chose: inside [1, 6], so the HPAs themselves leave it alone
)

// replicasProgram is a Model on a dedicated Server whose every spec input comes from stack config.
// The adapter is left out (mode none): the HPAs still exist, read no metric, and so only enforce
// [minReplicas, maxReplicas], which holds scaledTo.
func replicasProgram(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	var extra map[string]any
	var labels map[string]string
	cfg.RequireObject("extraSpec", &extra)
	cfg.RequireObject("serverLabels", &labels)
	_, err := sa.NewSeldonAutoscaledModel(ctx, replicasModel, &sa.SeldonAutoscaledModelArgs{
		Model: &sa.ModelSpecArgs{
			Name:         pulumi.String(replicasModel),
			StorageUri:   pulumi.String(cfg.Require("storageUri")),
			Memory:       pulumi.StringPtr(cfg.Require("memory")),
			Requirements: pulumi.ToStringArray(strings.Split(cfg.Require("requirements"), ",")),
			ExtraSpec:    pulumi.ToMap(extra),
		},
		Server: &sa.ServerSpecArgs{
			Dedicated:    pulumi.BoolPtr(true),
			ServerConfig: pulumi.StringPtr(cfg.Require("serverConfig")),
			Labels:       pulumi.ToStringMap(labels),
		},
		Autoscaling: &sa.AutoscalingSpecArgs{
			MinReplicas: pulumi.IntPtr(1), MaxReplicas: pulumi.IntPtr(6), TargetRpsPerReplica: pulumi.Float64Ptr(3),
		},
		Adapter: &sa.AdapterSpecArgs{Mode: pulumi.StringPtr("none")},
	})
	return err
}

// TestReplicasSurviveSpecChanges: once the autoscaler has moved the Model and its Server to 4
// replicas, an up that changes the Model's storageUri, memory, requirements or extraSpec, or the
// Server's labels or serverConfig, applies the new spec and keeps both at 4. Each step changes
// both objects, so each up sends a patch to both.
func TestReplicasSurviveSpecChanges(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	cfg := map[string]string{
		"storageUri": "gs://seldon-models/testing/iris1", "memory": "3M", "requirements": "sklearn",
		"extraSpec": `{"artifactVersion":1}`, "serverLabels": `{"team":"a"}`, "serverConfig": "mlserver",
	}
	st := b.goStack(t, "replicas", replicasProgram, cfg)
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	b.assertSpecLive(t, cfg, 1)
	uids := map[string]string{}
	for _, kind := range []string{"model", "server"} {
		name := map[string]string{"model": replicasModel, "server": replicasServer}[kind]
		// The HPA controller and `kubectl scale` both write through /scale.
		kubectl(t, b, "scale", "-n", ns, kind+"s.mlops.seldon.io/"+name, fmt.Sprintf("--replicas=%d", scaledTo))
		uids[kind] = string(b.seldonObject(t, kind, name).GetUID())
	}

	for _, step := range []struct {
		name    string
		changes map[string]string
	}{
		{"storageUri, memory and the Server's labels", map[string]string{
			"storageUri": "gs://seldon-models/testing/iris2", "memory": "4M", "serverLabels": `{"team":"b"}`,
		}},
		{"requirements, extraSpec and serverConfig", map[string]string{
			"requirements": "sklearn,xgboost", "extraSpec": `{"artifactVersion":2}`, "serverConfig": "mlserver-custom",
		}},
	} {
		t.Run(step.name, func(t *testing.T) {
			cfg = merge(cfg, step.changes)
			b.setConfig(t, st, step.changes)
			res, err := st.Up(ctx)
			if err != nil {
				t.Fatalf("up: %v", err)
			}
			// Both objects were patched: otherwise keeping 4 would prove nothing.
			if n := (*res.Summary.ResourceChanges)["update"]; n < 2 {
				t.Errorf("the up updated %d resources, want the Model and the Server: %v", n, *res.Summary.ResourceChanges)
			}
			b.assertSpecLive(t, cfg, scaledTo)
			for kind, uid := range uids {
				name := map[string]string{"model": replicasModel, "server": replicasServer}[kind]
				if got := string(b.seldonObject(t, kind, name).GetUID()); got != uid {
					t.Errorf("the %s was replaced (UID %s -> %s), not updated in place", kind, uid, got)
				}
			}
		})
	}
	assertNoChanges(t, st)
	b.assertSpecLive(t, cfg, scaledTo)
}

// assertSpecLive checks the Model's and Server's spec in the API server against the stack config
// the program read, and both replica counts against replicas.
func (b *testbed) assertSpecLive(t *testing.T, cfg map[string]string, replicas int64) {
	t.Helper()
	model := b.seldonObject(t, "model", replicasModel)
	server := b.seldonObject(t, "server", replicasServer)
	for _, obj := range []*unstructured.Unstructured{model, server} {
		if r, _, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas"); r != replicas {
			t.Errorf("%s %s spec.replicas = %d, want %d", obj.GetKind(), obj.GetName(), r, replicas)
		}
	}
	var extra map[string]any
	var labels map[string]string
	if err := json.Unmarshal([]byte(cfg["extraSpec"]), &extra); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(cfg["serverLabels"]), &labels); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"storageUri": cfg["storageUri"], "memory": cfg["memory"], "requirements": cfg["requirements"],
	}
	got := map[string]any{}
	got["storageUri"], _, _ = unstructured.NestedString(model.Object, "spec", "storageUri")
	got["memory"], _, _ = unstructured.NestedString(model.Object, "spec", "memory")
	reqs, _, _ := unstructured.NestedStringSlice(model.Object, "spec", "requirements")
	got["requirements"] = strings.Join(reqs, ",")
	for k, v := range extra {
		want["extraSpec."+k] = fmt.Sprint(v)
		live, _, _ := unstructured.NestedFieldNoCopy(model.Object, "spec", k)
		got["extraSpec."+k] = fmt.Sprint(live)
	}
	want["serverConfig"] = cfg["serverConfig"]
	got["serverConfig"], _, _ = unstructured.NestedString(server.Object, "spec", "serverConfig")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("live spec %v, want %v", got, want)
	}
	if l := server.GetLabels(); !reflect.DeepEqual(l, labels) {
		t.Errorf("Server labels %v, want %v", l, labels)
	}
}
