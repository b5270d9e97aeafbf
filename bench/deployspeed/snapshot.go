package deployspeed

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/helmrecord"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/stacks"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
)

const (
	releaseName  = "hpa-metrics"
	adapterRules = "hpa-metrics-seldon-rules" // the rules ConfigMap both programs declare
	// Placeholders for the namespaces, which differ between the two programs by design.
	nsPlaceholder        = "<namespace>"
	adapterNSPlaceholder = "<adapter-namespace>"
)

var configChecksum = regexp.MustCompile(`checksum/config: [0-9a-f]+`)

var hpaResource = schema.GroupVersionResource{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"}

// Objects is what a program left in the API server, made comparable: keyed by kind and name,
// namespaces replaced by placeholders, and only what a program declares kept (labels,
// annotations, spec); status and server-set metadata are dropped.
type Objects struct {
	Items         map[string]any // "Kind/name" -> {labels, annotations, spec}
	AdapterConfig string         // config.yaml of the adapter's ConfigMap
	HelmValues    map[string]any // the release's user-supplied values
	HelmManifest  string         // what Helm rendered from the chart
	HelmDeployed  int            // deployed revisions of the release (1 expected)
}

// Snapshot reads the Models, Servers and HPAs in ns and the adapter release in adapterNS.
func (b *Bed) Snapshot(ctx context.Context, ns, adapterNS string) (*Objects, error) {
	o := &Objects{Items: map[string]any{}}
	gvrs := []schema.GroupVersionResource{localcluster.ModelResource, localcluster.ServerResource, hpaResource}
	for _, gvr := range gvrs {
		list, err := b.Dyn.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", gvr.Resource, err)
		}
		for _, item := range list.Items {
			annotations := item.GetAnnotations()
			delete(annotations, "kubectl.kubernetes.io/last-applied-configuration")
			// The component's mark of its own objects: a hand-written program has no use for it.
			delete(annotations, ownership.OwnerAnnotation)
			o.Items[item.GetKind()+"/"+item.GetName()] = normalize(map[string]any{
				"labels": item.GetLabels(), "annotations": annotations, "spec": item.Object["spec"],
			}, ns, adapterNS)
		}
	}
	cm, err := b.Kube.CoreV1().ConfigMaps(adapterNS).Get(ctx, adapterRules, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("adapter rules ConfigMap: %w", err)
	}
	o.AdapterConfig = cm.Data["config.yaml"]
	deployed, err := helmrecord.History(ctx, b.Kube, adapterNS, releaseName, "status=deployed")
	if err != nil {
		return nil, err
	}
	o.HelmDeployed = len(deployed)
	if len(deployed) > 0 {
		rel := deployed[0]
		o.HelmValues, _ = normalize(rel.Config, ns, adapterNS).(map[string]any)
		manifest := strings.NewReplacer(adapterNS, adapterNSPlaceholder, ns, nsPlaceholder).Replace(rel.Manifest)
		// The chart's checksum/config hashes the rendered ConfigMap, namespace included; the
		// ConfigMap's content is compared on its own.
		o.HelmManifest = configChecksum.ReplaceAllString(manifest, "checksum/config: <hash>")
	}
	return o, nil
}

// Count is how many objects of kind the snapshot holds.
func (o *Objects) Count(kind string) int {
	n := 0
	for k := range o.Items {
		if strings.HasPrefix(k, kind+"/") {
			n++
		}
	}
	return n
}

// Diff lists every difference between two snapshots; none means the API server holds the same
// objects for both programs.
func (o *Objects) Diff(other *Objects) []string {
	var out []string
	out = append(out, diffMaps("object", o.Items, other.Items)...)
	if o.AdapterConfig != other.AdapterConfig {
		out = append(out, fmt.Sprintf("adapter config.yaml differs:\n%s\n---\n%s", o.AdapterConfig, other.AdapterConfig))
	}
	if a, b := jsonOf(o.HelmValues), jsonOf(other.HelmValues); a != b {
		out = append(out, fmt.Sprintf("Helm values differ:\n%s\n---\n%s", a, b))
	}
	if o.HelmManifest != other.HelmManifest {
		out = append(out, "Helm manifests differ: "+firstDifference(o.HelmManifest, other.HelmManifest))
	}
	if o.HelmDeployed != 1 || other.HelmDeployed != 1 {
		out = append(out, fmt.Sprintf("deployed Helm revisions %d and %d, want 1 each", o.HelmDeployed, other.HelmDeployed))
	}
	return out
}

// firstDifference shows the first line where a and b differ.
func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d: %q vs %q", i+1, x, y)
		}
	}
	return "no line differs"
}

// StateResource is one custom resource of a stack's state, made comparable.
type StateResource struct {
	Inputs        any
	IgnoreChanges []string
	Dependencies  []string
	Provider      string
}

// StateSize is how large an exported state is.
type StateSize struct {
	Bytes     int // the whole deployment
	Resources int // every resource: the stack, providers, components and custom resources
	// ComponentOwn is what the component resources (SeldonAutoscaledModel, or the floor's local
	// ones) record themselves, inputs and outputs, beside their children: stacks.StateSize.Own.
	ComponentOwn int
	// Values counts the property values of every resource's inputs and outputs (each object, array
	// and scalar one): the engine's serialization of a checkpoint visits each of them
	// (pkg/resource/stack.SerializeProperties), where bytes count less.
	Values int
}

// propertyValues counts v and every value nested in it.
func propertyValues(v any) int {
	n := 1
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			n += propertyValues(e)
		}
	case []any:
		for _, e := range v {
			n += propertyValues(e)
		}
	}
	return n
}

// State reads the stack's custom resources (not providers, components or the stack), keyed by
// type and name, with dependencies and providers as type::name and namespaces as placeholders;
// and the size of the whole exported state.
func State(ctx context.Context, st auto.Stack, ns, adapterNS string) (map[string]any, StateSize, error) {
	exported, err := st.Export(ctx)
	if err != nil {
		return nil, StateSize{}, fmt.Errorf("exporting state: %w", err)
	}
	var dep apitype.DeploymentV3
	if err := json.Unmarshal(exported.Deployment, &dep); err != nil {
		return nil, StateSize{}, fmt.Errorf("decoding state: %w", err)
	}
	key := func(urn resource.URN) string {
		if !urn.IsValid() {
			return string(urn)
		}
		return string(urn.Type()) + "::" + urn.Name()
	}
	own, err := componentOwnBytes(exported.Deployment, dep)
	if err != nil {
		return nil, StateSize{}, err
	}
	out, values := map[string]any{}, 0
	for _, r := range dep.Resources {
		values += propertyValues(r.Inputs) + propertyValues(r.Outputs)
		if !r.Custom || strings.HasPrefix(string(r.Type), "pulumi:providers:") {
			continue
		}
		inputs := r.Inputs
		if meta, ok := inputs["metadata"].(map[string]any); ok {
			if notes, ok := meta["annotations"].(map[string]any); ok {
				// The component's mark of its own objects: a hand-written program has no use for it.
				delete(notes, ownership.OwnerAnnotation)
			}
		}
		sr := StateResource{Inputs: normalize(inputs, ns, adapterNS), IgnoreChanges: append([]string{}, r.IgnoreChanges...)}
		sort.Strings(sr.IgnoreChanges)
		for _, d := range r.Dependencies {
			sr.Dependencies = append(sr.Dependencies, key(d))
		}
		sort.Strings(sr.Dependencies)
		if ref, err := parseProviderRef(r.Provider); err == nil {
			sr.Provider = ref
		}
		out[key(r.URN)] = sr
	}
	size := StateSize{Bytes: len(exported.Deployment), Resources: len(dep.Resources), ComponentOwn: own, Values: values}
	return out, size, nil
}

// componentOwnBytes sums stacks.StateSize.Own over every component resource but the stack.
func componentOwnBytes(deployment json.RawMessage, dep apitype.DeploymentV3) (int, error) {
	types := map[string]bool{}
	for _, r := range dep.Resources {
		if !r.Custom && r.Type != resource.RootStackType {
			types[string(r.Type)] = true
		}
	}
	total := 0
	for token := range types {
		sizes, err := stacks.ComponentStateSizes(deployment, token)
		if err != nil {
			return 0, err
		}
		for _, s := range sizes {
			total += s.Own()
		}
	}
	return total, nil
}

// parseProviderRef turns "<provider urn>::<id>" into the provider's type::name.
func parseProviderRef(ref string) (string, error) {
	i := strings.LastIndex(ref, "::")
	if i < 0 {
		return "", fmt.Errorf("bad provider reference %q", ref)
	}
	urn := resource.URN(ref[:i])
	if !urn.IsValid() {
		return "", fmt.Errorf("bad provider reference %q", ref)
	}
	return string(urn.Type()) + "::" + urn.Name(), nil
}

// DiffState lists every difference between two states from State.
func DiffState(a, b map[string]any) []string { return diffMaps("resource", a, b) }

func diffMaps(what string, a, b map[string]any) []string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []string
	for _, k := range sorted {
		av, inA := a[k]
		bv, inB := b[k]
		switch {
		case !inA:
			out = append(out, fmt.Sprintf("%s %s only in the second", what, k))
		case !inB:
			out = append(out, fmt.Sprintf("%s %s only in the first", what, k))
		default:
			if ja, jb := jsonOf(av), jsonOf(bv); ja != jb {
				out = append(out, fmt.Sprintf("%s %s differs:\n  %s\n  %s", what, k, ja, jb))
			}
		}
	}
	return out
}

// normalize round-trips v through JSON (so typed and untyped values compare alike) and replaces
// string values equal to a namespace by its placeholder.
func normalize(v any, ns, adapterNS string) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("unencodable: %v", err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Sprintf("undecodable: %v", err)
	}
	var walk func(any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				t[k] = walk(e)
			}
		case []any:
			for i, e := range t {
				t[i] = walk(e)
			}
		case string:
			switch t {
			case ns:
				return nsPlaceholder
			case adapterNS:
				return adapterNSPlaceholder
			}
		}
		return v
	}
	return walk(out)
}

// jsonOf is a canonical encoding (encoding/json sorts map keys).
func jsonOf(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("unencodable: %v", err)
	}
	return string(raw)
}
