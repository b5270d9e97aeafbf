package architecture

import (
	"strings"
	"testing"
)

// pluginPkg is the plugin the engine launches for every preview, up and destroy.
const pluginPkg = "provider/cmd/pulumi-resource-seldon-autoscaling"

// TestPluginLinksNoUnusedKubernetesSDK: kubernetes/yaml imports every Kubernetes API group's SDK, and
// helm/v3 and kustomize import kubernetes/yaml; linked into the plugin they doubled its size and the
// init work of every launch, for resource types it never declares.
func TestPluginLinksNoUnusedKubernetesSDK(t *testing.T) {
	const k8s = "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/"
	graph := importGraph(t, pluginPkg)
	for _, tc := range []struct {
		forbidden string // an import path; the packages under it are forbidden too
		fix       string
	}{
		{k8s + "yaml", "import the API groups the component declares, not kubernetes/yaml"},
		{k8s + "helm", "declare the Helm release with provider/pkg/component's helmRelease (helmrelease.go)"},
		{k8s + "kustomize", "declare the resources kustomize would render one by one, from their API groups"},
	} {
		if chain := importChain(graph, module+pluginPkg, tc.forbidden); chain != nil {
			t.Errorf("the plugin links %s through %s, which imports it: %s (chain: %s)", chain[len(chain)-1],
				chain[len(chain)-2], tc.fix, strings.Join(chain, " -> "))
		}
	}
}

// importChain is the shortest chain of imports from root to target or a package under it, or nil
// when root depends on none.
func importChain(graph map[string][]string, root, target string) []string {
	matches := func(p string) bool { return p == target || strings.HasPrefix(p, target+"/") }
	parent := map[string]string{root: ""}
	for queue := []string{root}; len(queue) > 0; queue = queue[1:] {
		p := queue[0]
		if matches(p) {
			var chain []string
			for ; p != ""; p = parent[p] {
				chain = append([]string{p}, chain...)
			}
			return chain
		}
		for _, imp := range graph[p] {
			if _, seen := parent[imp]; !seen {
				parent[imp] = p
				queue = append(queue, imp)
			}
		}
	}
	return nil
}
