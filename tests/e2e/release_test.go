package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/helmrecord"
)

// releaseSelector matches every object the prometheus-adapter chart renders: its labels helper
// puts the release name on each one, the APIService and the RBAC objects included.
const releaseSelector = "app.kubernetes.io/instance=" + helmRelease

// promisedKinds are the kinds of the chart's objects that destroy is promised to remove.
var promisedKinds = []string{
	"APIService", "ClusterRole", "ClusterRoleBinding", "RoleBinding", "Service", "ServiceAccount", "Deployment",
}

// objRef names one object in the API server.
type objRef struct{ kind, namespace, name string }

func (o objRef) String() string { return fmt.Sprintf("%s %s/%s", o.kind, o.namespace, o.name) }

// releaseObjects lists every object carrying the release's label, over
// every listable kind the API server serves: a kind a new chart version adds is swept without a
// list here to update.
func (b *testbed) releaseObjects(t *testing.T) []objRef {
	t.Helper()
	ctx := context.Background()
	cfg, err := clientcmd.BuildConfigFromFlags("", b.cluster.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.WarningHandler = rest.NoWarnings{} // listing every kind lists the deprecated ones too
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lists, err := b.kube.Discovery().ServerPreferredResources()
	// An APIService without a running backend (the adapter never runs here) fails its group's
	// discovery; that group serves metrics, not objects, and the others are still listed.
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		t.Fatalf("discovery: %v", err)
	}
	var out []objRef
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list.APIResources {
			if strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") {
				continue
			}
			items, err := dyn.Resource(gv.WithResource(r.Name)).
				List(ctx, metav1.ListOptions{LabelSelector: releaseSelector})
			if err != nil {
				t.Fatalf("listing %s: %v", r.Name, err)
			}
			for _, o := range items.Items {
				out = append(out, objRef{r.Kind, o.GetNamespace(), o.GetName()})
			}
		}
	}
	return out
}

// releaseManifest returns, as "Kind name", the objects of the deployed release as Helm rendered
// them: the manifest in its release record.
func (b *testbed) releaseManifest(t *testing.T) []string {
	t.Helper()
	deployed, err := helmrecord.History(context.Background(), b.kube, adapterNS, helmRelease, "status=deployed")
	if err != nil || len(deployed) != 1 {
		t.Fatalf("want one deployed record of %s, got %v (%v)", helmRelease, len(deployed), err)
	}
	var out []string
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(deployed[0].Manifest), 4096)
	for {
		var obj unstructured.Unstructured
		if err := dec.Decode(&obj.Object); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("release manifest: %v", err)
		}
		if len(obj.Object) > 0 {
			out = append(out, obj.GetKind()+" "+obj.GetName())
		}
	}
	slices.Sort(out)
	return out
}

// assertReleaseSweepSees runs while the release is deployed, so that the empty sweep assertGone
// expects after destroy means something: every object the chart rendered must be found by the
// sweep, and the rendered kinds must include each one destroy is promised to remove.
func (b *testbed) assertReleaseSweepSees(t *testing.T) {
	t.Helper()
	manifest, live := b.releaseManifest(t), b.releaseObjects(t)
	seen := map[string]bool{}
	for _, o := range live {
		seen[o.kind+" "+o.name] = true
	}
	for _, o := range manifest {
		if !seen[o] {
			t.Errorf("%s, rendered by the chart, is not found by the sweep (found: %v)", o, live)
		}
	}
	for _, kind := range promisedKinds {
		if !slices.ContainsFunc(manifest, func(o string) bool { return strings.HasPrefix(o, kind+" ") }) {
			t.Errorf("the chart rendered no %s: %v", kind, manifest)
		}
	}
}
