package localcluster

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/observed"
)

// ReplayServer and ReplayModel are the Server and Model every recorded scenario runs (the
// recordings' README, "Objects applied").
const ReplayServer, ReplayModel = "mlserver", "iris"

// Replay does to a Model and a Server in one namespace what a recording of real Seldon did to
// its own, step by step, so that the stand-in's answer can be set beside Seldon's. An agent's
// connection is the stand-in's readiness delay, from the Server's rise to the next agent
// connecting in the recording; an agent stopping caps the connected agents (AgentsAtMostAnnotation)
// until it is back. The StatefulSet's readiness is no step of its own: the stand-in's pods are
// Ready when their agents connect.
type Replay struct {
	Steps     []observed.Step
	dyn       dynamic.Interface
	namespace string
	connected int64 // agents connected, as the recording's actions say
	uids      int
}

// NewReplay creates the Server, and the Model if one served at the recording's start.
func NewReplay(ctx context.Context, dyn dynamic.Interface, namespace string, recs []observed.Record,
) (*Replay, error) {
	steps, err := observed.Steps(recs)
	if err != nil {
		return nil, err
	}
	first, ok := observed.FirstSample(recs)
	if !ok {
		return nil, fmt.Errorf("the recording has no sample to start from")
	}
	r := &Replay{Steps: steps, dyn: dyn, namespace: namespace, connected: first.StatefulSet.Status.ReadyReplicas}
	if err := r.create(ctx, ServerResource, ReplayServer, map[string]any{"replicas": *first.Server.Spec.Replicas,
		"serverConfig": "mlserver"}); err != nil {
		return nil, err
	}
	if m := first.Model; !m.Absent {
		return r, r.createModel(ctx, m.Spec)
	}
	return r, nil
}

// Apply does step i.
func (r *Replay) Apply(ctx context.Context, i int) error {
	st := r.Steps[i]
	switch st.Kind {
	case observed.ApplyModel:
		return r.createModel(ctx, st.Spec)
	case observed.ScaleModel:
		return r.update(ctx, ModelResource, ReplayModel, func(o *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(o.Object, st.N, "spec", "replicas")
		})
	case observed.DeleteModel:
		return r.dyn.Resource(ModelResource).Namespace(r.namespace).Delete(ctx, ReplayModel, metav1.DeleteOptions{})
	case observed.ServerReplicas:
		return r.update(ctx, ServerResource, ReplayServer, func(o *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(o.Object, st.N, "spec", "replicas")
			isConnect := func(s observed.Step) bool { return s.Kind == observed.AgentConnected }
			if j := slices.IndexFunc(r.Steps[i:], isConnect); j >= 0 {
				delay := time.Duration((r.Steps[i+j].T - st.T) * float64(time.Second))
				setAnnotation(o, ServerReadyDelayAnnotation, delay.String())
			}
		})
	case observed.AgentStopped, observed.AgentConnected:
		r.connected += map[bool]int64{true: 1, false: -1}[st.Kind == observed.AgentConnected]
		return r.update(ctx, ServerResource, ReplayServer, func(o *unstructured.Unstructured) {
			if st.Kind == observed.AgentStopped || o.GetAnnotations()[AgentsAtMostAnnotation] != "" {
				setAnnotation(o, AgentsAtMostAnnotation, strconv.FormatInt(r.connected, 10))
			}
		})
	}
	return nil
}

func setAnnotation(o *unstructured.Unstructured, k, v string) {
	a := o.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[k] = v
	o.SetAnnotations(a)
}

func (r *Replay) createModel(ctx context.Context, spec observed.Spec) error {
	s := map[string]any{"replicas": *spec.Replicas, "server": ReplayServer, "storageUri": "/data/models/iris",
		"requirements": []any{"sklearn"}}
	if spec.MinReplicas != nil {
		s["minReplicas"] = *spec.MinReplicas
	}
	return r.create(ctx, ModelResource, ReplayModel, s)
}

func (r *Replay) create(ctx context.Context, gvr schema.GroupVersionResource, name string, spec map[string]any,
) error {
	r.uids++ // a fake API sets no UID; a real one replaces this
	kind := map[string]string{"models": "Model", "servers": "Server"}[gvr.Resource]
	obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "mlops.seldon.io/v1alpha1", "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": r.namespace, "uid": fmt.Sprint("replay-", r.uids)},
		"spec":     spec}}
	_, err := r.dyn.Resource(gvr).Namespace(r.namespace).Create(ctx, obj, metav1.CreateOptions{})
	return err
}

func (r *Replay) update(ctx context.Context, gvr schema.GroupVersionResource, name string,
	change func(*unstructured.Unstructured),
) error {
	res := r.dyn.Resource(gvr).Namespace(r.namespace)
	obj, err := res.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	change(obj)
	_, err = res.Update(ctx, obj, metav1.UpdateOptions{})
	return err
}

// ObservedStatus is an object's status in the recordings' form; nil when it has none yet.
func ObservedStatus(obj *unstructured.Unstructured) (*observed.Status, error) {
	st, ok := obj.Object["status"]
	if !ok || st == nil {
		return nil, nil
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	var out observed.Status
	return &out, json.Unmarshal(raw, &out)
}
