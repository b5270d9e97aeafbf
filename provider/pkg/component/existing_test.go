package component

import (
	"os"
	"strings"
	"testing"

	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
)

// The unit tests have no cluster: connectCluster serves liveObjects from memory, through client-go's
// fake dynamic client, so observe runs as it does against an API server. The default cluster holds
// an adapter someone else installed (for adopt mode) and nothing else. The e2e suite runs the check
// against the real API server.
var liveObjects = someonesAdapter("")

func TestMain(m *testing.M) {
	connectCluster = func(*pulumi.Context) (dynamic.Interface, error) {
		lists := map[schema.GroupVersionResource]string{}
		for kind, gvr := range resources {
			lists[gvr] = kind + "List"
		}
		lists[resources["HelmRelease"]] = "SecretList"
		return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), lists, liveObjects...), nil
	}
	os.Exit(m.Run())
}

// withCluster makes the cluster hold objs for one test.
func withCluster(t *testing.T, objs ...runtime.Object) {
	before := liveObjects
	liveObjects = objs
	t.Cleanup(func() { liveObjects = before })
}

func object(apiVersion, kind, namespace, name string, fields map[string]any) *unstructured.Unstructured {
	o := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": namespace}}}
	for k, v := range fields {
		o.Object[k] = v
	}
	return o
}

// someonesAdapter is a prometheus-adapter someone else installed: its ConfigMap and Deployment.
func someonesAdapter(config string) []runtime.Object {
	const ns, name = DefaultAdapterNamespace, DefaultReleaseName + "-prometheus-adapter"
	return []runtime.Object{
		object("v1", "ConfigMap", ns, name, map[string]any{"data": map[string]any{"config.yaml": config}}),
		object("apps/v1", "Deployment", ns, name, nil),
	}
}

// kubectlModel is a Model created with kubectl at 4 replicas.
func kubectlModel(fields map[string]any) *unstructured.Unstructured {
	spec := map[string]any{"storageUri": "gs://seldon-models/testing/iris1", "replicas": int64(4)}
	for k, v := range fields {
		spec[k] = v
	}
	m := object(SeldonAPIVersion, "Model", DefaultModelNamespace, "irisa0", map[string]any{"spec": spec})
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
	owner := notes[ownership.OwnerAnnotation]
	if owner != "test/test/SeldonAutoscaledModel/irisa0" || notes["pulumi.com/patchForce"] != "true" {
		t.Errorf("the taken-over Model is not marked as the component's, applied with force: %v", notes)
	}
}

func TestModelThatScalesItselfIsNotTakenOver(t *testing.T) {
	withCluster(t, kubectlModel(map[string]any{"minReplicas": int64(1), "maxReplicas": int64(5)}))
	in := guideInputs()
	in["takeOverExisting"] = true
	rec, _, err := construct(t, in)
	if err == nil || !strings.Contains(err.Error(), "spec.minReplicas and spec.maxReplicas") || len(rec.custom()) > 0 {
		t.Fatalf("want a refusal naming the Model's own min/max replicas and nothing declared, got %v", err)
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
	forgetDeclared()
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
