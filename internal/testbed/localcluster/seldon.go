package localcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
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

// RunSeldonStatusStandIn stands in for the Seldon operator and scheduler until ctx ends. It sets
// status.replicas and status.selector the way Seldon does (a Server selects its pods by
// seldon-server-name; a Model gets server=<server>, which matches no pod), so the HPA controller
// can read /scale, and it schedules each Model onto its Server's ready replicas as Seldon's
// scheduler does (scheduleModel): ModelReady/Ready and status.availableReplicas follow. A Server's
// new replicas become ready after the delay its ServerReadyDelayAnnotation gives (none: at once).
// It is not Seldon: no pod runs and no model loads.
func RunSeldonStatusStandIn(ctx context.Context, dyn dynamic.Interface, logf func(string, ...any)) {
	servers := map[string]*serverReadiness{}
	for {
		if err := syncSeldon(ctx, dyn, servers, time.Now()); err != nil && ctx.Err() == nil && logf != nil {
			logf("seldon status stand-in: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// syncSeldon is one pass: the Servers' readiness first, then every Model scheduled against it.
func syncSeldon(ctx context.Context, dyn dynamic.Interface, ready map[string]*serverReadiness, now time.Time) error {
	list := func(gvr schema.GroupVersionResource) ([]unstructured.Unstructured, error) {
		l, err := dyn.Resource(gvr).Namespace(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
		if apierrors.IsNotFound(err) {
			return nil, nil // CRDs not installed yet
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", gvr.Resource, err)
		}
		return l.Items, nil
	}
	servers, err := list(ServerResource)
	if err != nil {
		return err
	}
	models, err := list(ModelResource)
	if err != nil {
		return err
	}
	loaded := map[string]int64{} // a Server's status must say how many Models it holds (loadedModels)
	for _, m := range models {
		server, _, _ := unstructured.NestedString(m.Object, "spec", "server")
		loaded[m.GetNamespace()+"/"+server]++
	}
	readyNow := map[string]int64{}
	for i := range servers {
		key := servers[i].GetNamespace() + "/" + servers[i].GetName()
		if ready[key] == nil {
			ready[key] = &serverReadiness{}
		}
		delay, _ := time.ParseDuration(servers[i].GetAnnotations()[ServerReadyDelayAnnotation])
		readyNow[key] = ready[key].advance(specReplicas(&servers[i]), now, delay)
		if err := syncServer(ctx, dyn, &servers[i], loaded[key]); err != nil {
			return err
		}
	}
	for key := range ready {
		if _, ok := readyNow[key]; !ok {
			delete(ready, key) // deleted: a Server of the same name starts afresh
		}
	}
	for i := range models {
		if err := syncModel(ctx, dyn, &models[i], readyNow); err != nil {
			return err
		}
	}
	return nil
}

func specReplicas(obj *unstructured.Unstructured) int64 {
	replicas, found, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas")
	if !found {
		return 1
	}
	return replicas
}

func syncServer(ctx context.Context, dyn dynamic.Interface, obj *unstructured.Unstructured, loaded int64) error {
	replicas, selector := specReplicas(obj), "seldon-server-name="+obj.GetName()
	curReplicas, _, _ := unstructured.NestedInt64(obj.Object, "status", "replicas")
	curSelector, _, _ := unstructured.NestedString(obj.Object, "status", "selector")
	curLoaded, _, _ := unstructured.NestedInt64(obj.Object, "status", "loadedModels")
	if curReplicas == replicas && curSelector == selector && curLoaded == loaded {
		return nil
	}
	_ = unstructured.SetNestedField(obj.Object, loaded, "status", "loadedModels")
	_ = unstructured.SetNestedField(obj.Object, replicas, "status", "replicas")
	_ = unstructured.SetNestedField(obj.Object, selector, "status", "selector")
	return updateStatus(ctx, dyn, ServerResource, obj)
}

// syncModel schedules one Model. A Model naming no Server fits anywhere (the stand-in has no
// Server capabilities to match); one naming a missing Server fits nowhere, as in Seldon.
func syncModel(ctx context.Context, dyn dynamic.Interface, obj *unstructured.Unstructured,
	serverReady map[string]int64,
) error {
	replicas := specReplicas(obj)
	server, _, _ := unstructured.NestedString(obj.Object, "spec", "server")
	var minReplicas *int64
	if v, found, _ := unstructured.NestedInt64(obj.Object, "spec", "minReplicas"); found {
		minReplicas = &v
	}
	ready, ok := serverReady[obj.GetNamespace()+"/"+server]
	if server == "" {
		ready, ok = replicas, true
	}
	prev, _, _ := unstructured.NestedInt64(obj.Object, "status", "availableReplicas")
	sched := scheduleModel(obj.GetName(), server, replicas, minReplicas, ready, prev)
	if !ok && !sched.Ready {
		sched.Message = fmt.Sprintf("failed to schedule model %s: no Server %s", obj.GetName(), server)
	}
	st := map[string]any{}
	if cur, found, _ := unstructured.NestedMap(obj.Object, "status"); found {
		st = cur
	}
	want := maps.Clone(st)
	want["replicas"], want["availableReplicas"], want["selector"] = replicas, sched.Available, "server="+server
	if conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions"); ownConditions(conds) {
		want["conditions"] = sched.conditions()
	}
	if equality.Semantic.DeepEqual(st, want) {
		return nil
	}
	obj.Object["status"] = want
	return updateStatus(ctx, dyn, ModelResource, obj)
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
