package component

import (
	"os"
	"strings"
	"testing"

	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/existing"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/existing/existingtest"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

// The unit tests have no cluster: existing.Connect serves liveObjects from memory, through client-go's
// fake dynamic client, so observe runs as it does against an API server. The default cluster holds
// an adapter someone else installed (for adopt mode) and nothing else. The e2e suite runs the check
// against the real API server.
var liveObjects = someonesAdapter("")

func TestMain(m *testing.M) {
	existing.Connect = func(*pulumi.Context) (dynamic.Interface, error) {
		return existingtest.FakeCluster(liveObjects...), nil
	}
	os.Exit(m.Run())
}

// withCluster makes the cluster hold objs for one test.
func withCluster(t *testing.T, objs ...runtime.Object) {
	before := liveObjects
	liveObjects = objs
	t.Cleanup(func() { liveObjects = before })
}

// someonesAdapter is a prometheus-adapter someone else installed: its ConfigMap and Deployment.
func someonesAdapter(config string) []runtime.Object {
	const ns, name = inputs.DefaultAdapterNamespace, inputs.DefaultReleaseName + "-prometheus-adapter"
	return []runtime.Object{
		existingtest.Object("v1", "ConfigMap", ns, name, map[string]any{"data": map[string]any{"config.yaml": config}}),
		existingtest.Object("apps/v1", "Deployment", ns, name, nil),
	}
}

// kubectlModel is a Model created with kubectl at 4 replicas.
func kubectlModel(fields map[string]any) *unstructured.Unstructured {
	spec := map[string]any{"storageUri": "gs://seldon-models/testing/iris1", "replicas": int64(4)}
	for k, v := range fields {
		spec[k] = v
	}
	m := existingtest.Object(resolve.SeldonAPIVersion, "Model", inputs.DefaultModelNamespace, "irisa0",
		map[string]any{"spec": spec})
	m.SetManagedFields(nil)
	return m
}

func TestExistingModelIsRefusedUnlessTakenOver(t *testing.T) {
	withCluster(t, kubectlModel(nil))
	rec, _, err := construct(t, guideInputs())
	if err == nil || len(rec.custom()) > 0 {
		t.Fatalf("a Model someone else made was taken over silently (%d children): %v", len(rec.custom()), err)
	}
	for _, want := range []string{"model.name", "Model seldon-mesh/irisa0 already exists", "takeOverExisting: true",
		"keeping its 4 replicas"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q:\n%v", want, err)
		}
	}

	in := guideInputs()
	in["takeOverExisting"] = true
	rec, _, err = construct(t, in)
	if err != nil {
		t.Fatal(err)
	}
	model := rec.byType(modelType)[0].Inputs.Mappable()
	assertPath(t, model, "spec.replicas", float64(4))
	notes := model["metadata"].(map[string]any)["annotations"].(map[string]any)
	const owner = "test/test/SeldonAutoscaledModel/irisa0"
	if notes[ownership.OwnerAnnotation] != owner || notes["pulumi.com/patchForce"] != "true" {
		t.Errorf("the taken-over Model is not marked as the component's, applied with force: %v", notes)
	}
}

// TestSelfScalingObjects: a Model or Server Seldon scales itself is refused, naming the fields and
// the patch that removes them, except a Model whose only such field is the minReplicas the
// component sets itself for partial scheduling (Seldon 2.9+).
func TestSelfScalingObjects(t *testing.T) {
	ns, server := inputs.DefaultModelNamespace, inputs.DefaultExistingServer
	mlserver := existingtest.Object(resolve.SeldonAPIVersion, "Server", ns, server, map[string]any{
		"spec": map[string]any{"serverConfig": "mlserver", "replicas": int64(1), "minReplicas": int64(1),
			"maxReplicas": int64(4)}})
	for _, tc := range []struct {
		name   string
		live   runtime.Object
		seldon map[string]any
		say    []string // empty: accepted
	}{
		{name: "a Model with min and max replicas is not taken over",
			live: kubectlModel(map[string]any{"minReplicas": int64(1), "maxReplicas": int64(5)}),
			say:  []string{"model.name", "spec.maxReplicas and spec.minReplicas", "kubectl patch model irisa0"}},
		{name: "before 2.9 a Model's minReplicas is Seldon's autoscaler's, refused",
			live: kubectlModel(map[string]any{"minReplicas": int64(1)}), seldon: map[string]any{"version": "2.8"},
			say: []string{"model.name", "has spec.minReplicas,"}},
		{name: "partial scheduling: the minReplicas the component sets is taken over",
			live: kubectlModel(map[string]any{"minReplicas": int64(1)}), seldon: map[string]any{"version": "2.9.1"}},
		{name: "partial scheduling: another minReplicas is refused",
			live: kubectlModel(map[string]any{"minReplicas": int64(3)}), seldon: map[string]any{"version": "2.9.1"},
			say: []string{"model.name", "has spec.minReplicas,"}},
		{name: "the existing Server the Model runs on, scaled by Seldon itself, is reported", live: mlserver,
			say: []string{"server.name", "Server seldon-mesh/mlserver has spec.maxReplicas and spec.minReplicas",
				"the Server HPA would fight it", "kubectl patch server mlserver"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withCluster(t, tc.live)
			in := guideInputs()
			in["takeOverExisting"] = true
			if tc.seldon != nil {
				in["seldon"] = tc.seldon
			}
			rec, _, err := construct(t, in)
			if len(tc.say) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				assertPath(t, rec.byType(modelType)[0].Inputs.Mappable(), "spec.minReplicas", float64(1))
				return
			}
			if err == nil || len(rec.custom()) > 0 {
				t.Fatalf("accepted (%d children declared), want a refusal", len(rec.custom()))
			}
			for _, want := range tc.say {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the refusal does not say %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestAdoptModeKeepsTheInstallersRules(t *testing.T) {
	const installer = "rules:\n- seriesQuery: 'http_requests_total'\n  name: {as: http_rps}\n" +
		"resourceRules:\n  window: 3m\n"
	withCluster(t, someonesAdapter(installer)...)
	in := guideInputs()
	in["adapter"] = map[string]any{"mode": "adopt"}
	rec, _, err := construct(t, in)
	if err != nil {
		t.Fatal(err)
	}
	cm := rec.byType("kubernetes:core/v1:ConfigMapPatch")[0].Inputs.Mappable()
	config := cm["data"].(map[string]any)["config.yaml"].(string)
	for _, want := range []string{"http_requests_total", "window: 3m", "seldon_model_infer_total"} {
		if !strings.Contains(config, want) {
			t.Errorf("the adopted config lacks %q:\n%s", want, config)
		}
	}
	notes := cm["metadata"].(map[string]any)["annotations"].(map[string]any)
	if notes[ownership.RuleOwnerAnnotation("infer_rps")] != "test/test/SeldonAutoscaledModel/irisa0" {
		t.Errorf("the adopted ConfigMap does not name the rule's keeper: %v", notes)
	}
}

func TestNothingToAdopt(t *testing.T) {
	withCluster(t)
	in := guideInputs()
	in["adapter"] = map[string]any{"mode": "adopt"}
	rec, _, err := construct(t, in)
	if err == nil || !strings.Contains(err.Error(), "adapter.configMapName") || len(rec.custom()) > 0 {
		t.Fatalf("want a refusal naming adapter.configMapName and nothing declared, got %v", err)
	}
}

func TestTwoComponentsOfOneStackNamingOneAdapter(t *testing.T) {
	existing.ForgetDeclared()
	s := testServer(t, &recorder{})
	if _, err := constructOn(t, s, Token, "first", presource.NewPropertyMapFromMap(guideInputs()), true); err != nil {
		t.Fatal(err)
	}
	in := guideInputs()
	in["model"].(map[string]any)["name"] = "other"
	_, err := constructOn(t, s, Token, "second", presource.NewPropertyMapFromMap(in), true)
	if err == nil || !strings.Contains(err.Error(), "declared by another component of this stack too") {
		t.Fatalf("two components installing one adapter were both accepted: %v", err)
	}
}
