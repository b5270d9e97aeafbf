package localcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"strconv"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/seldon"
)

var (
	// CRDResource is apiextensions.k8s.io/v1 CustomResourceDefinitions.
	CRDResource = schema.GroupVersionResource{
		Group:    "apiextensions.k8s.io",
		Version:  "v1",
		Resource: "customresourcedefinitions",
	}
	// ModelResource and ServerResource are Seldon's kinds.
	ModelResource  = schema.GroupVersionResource{Group: "mlops.seldon.io", Version: "v1alpha1", Resource: "models"}
	ServerResource = schema.GroupVersionResource{Group: "mlops.seldon.io", Version: "v1alpha1", Resource: "servers"}
)

// ApplyManifests creates (or replaces) every object in the YAML files, and waits for CRDs among
// them to be established.
func ApplyManifests(ctx context.Context, dyn dynamic.Interface, files ...string) error {
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
		for {
			var obj unstructured.Unstructured
			if err := dec.Decode(&obj.Object); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			if len(obj.Object) == 0 {
				continue
			}
			if obj.GetKind() != "CustomResourceDefinition" {
				return fmt.Errorf("%s: only CRDs are applied here, found %s", f, obj.GetKind())
			}
			if err := createOrReplace(ctx, dyn.Resource(CRDResource), &obj); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			if err := waitEstablished(ctx, dyn, obj.GetName()); err != nil {
				return err
			}
		}
	}
	return nil
}

func createOrReplace(ctx context.Context, r dynamic.ResourceInterface, obj *unstructured.Unstructured) error {
	_, err := r.Create(ctx, obj, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		cur, gerr := r.Get(ctx, obj.GetName(), metav1.GetOptions{})
		if gerr != nil {
			return gerr
		}
		obj.SetResourceVersion(cur.GetResourceVersion())
		_, err = r.Update(ctx, obj, metav1.UpdateOptions{})
	}
	return err
}

func waitEstablished(ctx context.Context, dyn dynamic.Interface, name string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		crd, err := dyn.Resource(CRDResource).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
			for _, c := range conds {
				m, _ := c.(map[string]any)
				if m["type"] == "Established" && m["status"] == "True" {
					return nil
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("CRD %s not established within 30s", name)
}

// RunSeldonStatusStandIn stands in for Seldon's operator, scheduler and agents until ctx ends:
// every 500 ms it schedules each Model onto its Server's connected agents and writes both objects'
// status as real Seldon Core 2.10.2 does (package seldon, replayed against the recordings): the
// scheduler's state in a condition's message, status.replicas as the HPA reads it through /scale,
// availableReplicas, selectors and loadedModels. A Server's new replicas connect after the delay
// its ServerReadyDelayAnnotation gives (none: at once); a placed replica loads one pass later; an
// unloaded one leaves loadedModels after Seldon's grace period. It is not Seldon: no pod runs, no
// model loads, and a deleted Model goes at once (Seldon's finalizer holds it ModelTerminating).
func RunSeldonStatusStandIn(ctx context.Context, dyn dynamic.Interface, logf func(string, ...any)) {
	s := &seldonStandIn{agents: map[string]*serverReadiness{}, servers: map[string]*seldon.Server{},
		models: map[types.UID]*seldon.Model{}}
	for {
		if err := s.sync(ctx, dyn, time.Now()); err != nil && ctx.Err() == nil && logf != nil {
			logf("seldon status stand-in: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// StandInClient is a client for RunSeldonStatusStandIn alone, without client-go's client-side rate
// limit: Seldon's operator has a client of its own, and one shared with a test polling the objects
// (5 requests a second by default) spaced the stand-in's passes by seconds, not 500 ms.
func StandInClient(cfg *rest.Config) (dynamic.Interface, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	return dynamic.NewForConfig(cfg)
}

// seldonStandIn is what Seldon keeps between events: each Server's agents connecting, the
// operator's view of each Server, and where the scheduler placed each Model (by UID, so a Model
// deleted and created again starts afresh).
type seldonStandIn struct {
	agents  map[string]*serverReadiness
	servers map[string]*seldon.Server
	models  map[types.UID]*seldon.Model
}

// sync is one pass: the Servers' agents first, then every Model scheduled on them, then the
// Servers' status with what their agents hold.
func (s *seldonStandIn) sync(ctx context.Context, dyn dynamic.Interface, now time.Time) error {
	servers, err := listAll(ctx, dyn, ServerResource)
	if err != nil {
		return err
	}
	models, err := listAll(ctx, dyn, ModelResource)
	if err != nil {
		return err
	}
	connected := s.connectAgents(servers, now)
	serving, loadedNow := map[string]int{}, map[string]bool{}
	seen := map[types.UID]bool{}
	for i := range models {
		obj := &models[i]
		key := obj.GetNamespace() + "/" + stringAt(obj, "spec", "server")
		m := s.model(obj)
		seen[obj.GetUID()] = true
		if m.Loading() { // placed last pass: the agents have loaded it since
			m.Load()
			loadedNow[key] = true
		}
		agents, ok := connected[key]
		if m.Server == "" {
			agents, ok = m.Spec, true // naming no Server, it fits anywhere: capabilities are not modelled
		}
		if m.Schedule(agents) > 0 && ok && m.Server != "" {
			s.servers[key].Unloading(now)
		}
		serving[key] += m.Serving()
		if err := writeModelStatus(ctx, dyn, obj, m.Status()); err != nil {
			return err
		}
	}
	for uid := range s.models {
		if !seen[uid] {
			delete(s.models, uid)
		}
	}
	return s.writeServers(ctx, dyn, servers, serving, loadedNow, now)
}

// connectAgents advances each Server's agents to now and forgets Servers that are gone.
func (s *seldonStandIn) connectAgents(servers []unstructured.Unstructured, now time.Time) map[string]int {
	connected := map[string]int{}
	for i := range servers {
		obj := &servers[i]
		key := obj.GetNamespace() + "/" + obj.GetName()
		if s.agents[key] == nil {
			s.agents[key], s.servers[key] = &serverReadiness{}, &seldon.Server{Name: obj.GetName()}
		}
		delay, _ := time.ParseDuration(obj.GetAnnotations()[ServerReadyDelayAnnotation])
		ready := int(s.agents[key].advance(specReplicas(obj), now, delay))
		connected[key] = ready
		if most, err := strconv.Atoi(obj.GetAnnotations()[AgentsAtMostAnnotation]); err == nil {
			connected[key] = min(ready, max(most, 0)) // the pods stay Ready (S4: the agent restarted alone)
		}
		s.servers[key].Spec, s.servers[key].ReadyReplicas = int(specReplicas(obj)), ready
	}
	for key := range s.agents {
		if _, ok := connected[key]; !ok {
			delete(s.agents, key) // deleted: a Server of the same name starts afresh
			delete(s.servers, key)
		}
	}
	return connected
}

// model is the scheduler's record of a Model, with its spec as it is now.
func (s *seldonStandIn) model(obj *unstructured.Unstructured) *seldon.Model {
	m := s.models[obj.GetUID()]
	if m == nil {
		m = &seldon.Model{}
		s.models[obj.GetUID()] = m
	}
	m.Spec, m.Server = int(specReplicas(obj)), stringAt(obj, "spec", "server")
	min, _, _ := unstructured.NestedInt64(obj.Object, "spec", "minReplicas")
	m.MinReplicas, m.Deleting = int(min), obj.GetDeletionTimestamp() != nil
	return m
}

func (s *seldonStandIn) writeServers(ctx context.Context, dyn dynamic.Interface, servers []unstructured.Unstructured,
	serving map[string]int, loadedNow map[string]bool, now time.Time,
) error {
	for i := range servers {
		obj := &servers[i]
		key := obj.GetNamespace() + "/" + obj.GetName()
		srv := s.servers[key]
		if loadedNow[key] {
			srv.Loaded(serving[key])
		}
		st := srv.Status(now, serving[key])
		want := map[string]any{"replicas": int64(st.Replicas), "loadedModels": int64(st.LoadedModels),
			"selector": st.Selector, "conditions": conditionsJSON(st.Conditions)}
		if err := writeStatus(ctx, dyn, ServerResource, obj, want); err != nil {
			return err
		}
	}
	return nil
}

func writeModelStatus(ctx context.Context, dyn dynamic.Interface, obj *unstructured.Unstructured,
	st seldon.ModelStatus,
) error {
	want := map[string]any{"selector": st.Selector, "conditions": conditionsJSON(st.Conditions)}
	if st.Replicas > 0 { // the operator leaves zeros out (S4: scaled to 0)
		want["replicas"] = int64(st.Replicas)
	}
	if st.AvailableReplicas > 0 {
		want["availableReplicas"] = int64(st.AvailableReplicas)
	}
	return writeStatus(ctx, dyn, ModelResource, obj, want)
}

// conditionsJSON writes conditions as the operator stores them: empty reason and message left out,
// and a transition time (the CRDs' schema asks for one; nothing here reads it).
func conditionsJSON(conds []seldon.Condition) []any {
	out := make([]any, 0, len(conds))
	for _, c := range conds {
		m := map[string]any{"type": c.Type, "status": c.Status}
		if c.Reason != "" {
			m["reason"] = c.Reason
		}
		if c.Message != "" {
			m["message"] = c.Message
		}
		out = append(out, m)
	}
	return out
}

// writeStatus replaces the fields the stand-in owns in obj's status, keeping the rest, and writes
// only when something changed. Conditions keep the transition time they had while unchanged.
func writeStatus(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource,
	obj *unstructured.Unstructured, want map[string]any,
) error {
	cur, _, _ := unstructured.NestedMap(obj.Object, "status")
	next := maps.Clone(cur)
	if next == nil {
		next = map[string]any{}
	}
	for _, k := range []string{"replicas", "availableReplicas", "loadedModels"} {
		delete(next, k)
	}
	maps.Copy(next, want)
	stampConditions(next, cur)
	if equality.Semantic.DeepEqual(cur, next) {
		return nil
	}
	obj.Object["status"] = next
	return updateStatus(ctx, dyn, gvr, obj)
}

// stampConditions gives each condition of next a lastTransitionTime: the one it had in cur when
// its status did not change, now otherwise.
func stampConditions(next, cur map[string]any) {
	before := map[string]map[string]any{}
	if conds, ok := cur["conditions"].([]any); ok {
		for _, c := range conds {
			if m, ok := c.(map[string]any); ok {
				before[fmt.Sprint(m["type"])] = m
			}
		}
	}
	conds, _ := next["conditions"].([]any)
	for _, c := range conds {
		m := c.(map[string]any)
		if old := before[fmt.Sprint(m["type"])]; old != nil && old["status"] == m["status"] &&
			old["lastTransitionTime"] != nil {
			m["lastTransitionTime"] = old["lastTransitionTime"]
			continue
		}
		m["lastTransitionTime"] = metav1.Now().UTC().Format(time.RFC3339)
	}
}

func listAll(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource,
) ([]unstructured.Unstructured, error) {
	l, err := dyn.Resource(gvr).Namespace(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil // CRDs not installed yet
	} else if err != nil {
		return nil, fmt.Errorf("%s: %w", gvr.Resource, err)
	}
	return l.Items, nil
}

func stringAt(obj *unstructured.Unstructured, fields ...string) string {
	v, _, _ := unstructured.NestedString(obj.Object, fields...)
	return v
}

func specReplicas(obj *unstructured.Unstructured) int64 {
	replicas, found, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas")
	if !found {
		return 1
	}
	return replicas
}

func updateStatus(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource,
	obj *unstructured.Unstructured,
) error {
	_, err := dyn.Resource(gvr).Namespace(obj.GetNamespace()).UpdateStatus(ctx, obj, metav1.UpdateOptions{})
	if err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
		return fmt.Errorf("%s %s/%s: %w", gvr.Resource, obj.GetNamespace(), obj.GetName(), err)
	}
	return nil
}

// ApplyRBAC creates the ClusterRoles in a YAML file (deploy/rbac.yaml).
func ApplyRBAC(ctx context.Context, kube kubernetes.Interface, file string) error {
	roles, err := ReadClusterRoles(file)
	if err != nil {
		return err
	}
	for i := range roles {
		if _, err := kube.RbacV1().ClusterRoles().Create(ctx, &roles[i], metav1.CreateOptions{}); err != nil &&
			!apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("%s: %w", roles[i].Name, err)
		}
	}
	return nil
}

// ReadClusterRoles parses the named ClusterRoles of a multi-document YAML file.
func ReadClusterRoles(file string) ([]rbacv1.ClusterRole, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var roles []rbacv1.ClusterRole
	for {
		var role rbacv1.ClusterRole
		if err := dec.Decode(&role); errors.Is(err, io.EOF) {
			return roles, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if role.Name != "" {
			roles = append(roles, role)
		}
	}
}

// AwaitGarbageCollector waits until the controller manager's garbage collector handles Seldon's
// kinds. It notices new CRDs only on its periodic rediscovery (about 30 s), and until then an
// object deleted with foreground propagation, as Pulumi deletes, waits for it: the first Model
// deletion after start-up would take up to half a minute, and a benchmark would charge that to
// whichever program happened to delete first. It returns how long the wait took.
func AwaitGarbageCollector(ctx context.Context, dyn dynamic.Interface, namespace string) (time.Duration, error) {
	start := time.Now()
	models := dyn.Resource(ModelResource).Namespace(namespace)
	probe := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Model",
		"metadata": map[string]any{"name": "gc-probe"},
		"spec":     map[string]any{"storageUri": "gs://probe", "replicas": int64(1)},
	}}
	foreground := metav1.DeletePropagationForeground
	for time.Since(start) < 90*time.Second {
		if _, err := models.Create(ctx, probe, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return 0, fmt.Errorf("creating the garbage-collector probe: %w", err)
		}
		if err := models.Delete(ctx, "gc-probe", metav1.DeleteOptions{PropagationPolicy: &foreground}); err != nil &&
			!apierrors.IsNotFound(err) {
			return 0, fmt.Errorf("deleting the garbage-collector probe: %w", err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := models.Get(ctx, "gc-probe", metav1.GetOptions{}); apierrors.IsNotFound(err) {
				return time.Since(start), nil
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return 0, errors.New("the garbage collector did not handle Models within 90s")
}

// SpecReplicas is a Seldon object's spec.replicas, what its HPA last asked for; -1 when it cannot
// be read.
func SpecReplicas(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns, name string) int64 {
	obj, err := dyn.Resource(gvr).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return -1
	}
	r, _, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas")
	return r
}
