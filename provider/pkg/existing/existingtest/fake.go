// Package existingtest serves the check for existing objects a cluster from memory, for unit tests:
// client-go's fake dynamic client, so the reads run as they do against an API server.
package existingtest

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
)

// FakeCluster is client-go's fake dynamic client holding objs, with the resources the check reads.
func FakeCluster(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	lists := map[schema.GroupVersionResource]string{}
	for kind, gvr := range ownership.Resources {
		lists[gvr] = kind + "List"
	}
	lists[ownership.Resources["HelmRelease"]] = "SecretList"
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), lists, objs...)
}

// Object is a live object of the given kind and name, with further top-level fields.
func Object(apiVersion, kind, namespace, name string, fields map[string]any) *unstructured.Unstructured {
	o := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": namespace}}}
	for k, v := range fields {
		o.Object[k] = v
	}
	return o
}
