// Package architecture holds the tests that keep the layout docs/development.md describes: the
// pure packages import neither Pulumi nor client-go, imports flow one way (tests → bench →
// internal → provider), never back, the plugin links no Kubernetes SDK it does not declare, and
// no function is over 80 lines (60 in provider/pkg's code).
package architecture

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/"

// deps lists every package pkg depends on (not its tests), as `go list -deps` reports them.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	var out []string
	for p := range importGraph(t, pkg) {
		out = append(out, p)
	}
	return out
}

// importGraph maps each package pkg depends on (not its tests) to its direct imports.
func importGraph(t *testing.T, pkg string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}",
		module+pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	graph := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		graph[f[0]] = f[1:]
	}
	return graph
}

func TestPurePackagesImportNoPulumiNorClientGo(t *testing.T) {
	for _, pkg := range []string{"provider/pkg/refusal", "provider/pkg/policy", "provider/pkg/hpasim",
		"provider/pkg/adapterrules", "provider/pkg/promauth", "provider/pkg/ownership", "provider/pkg/doctor",
		"provider/pkg/seldon", "provider/pkg/resolve", "provider/pkg/inputs"} {
		for _, d := range deps(t, pkg) {
			if strings.HasPrefix(d, "github.com/pulumi/") || strings.HasPrefix(d, "k8s.io/client-go") {
				t.Errorf("%s depends on %s: decide in pure packages, declare in provider/pkg/component", pkg, d)
			}
		}
	}
}

// TestImportsFlowOneWay: the provider's packages stand alone (test helpers and catalogues in
// internal/ serve their tests and generators, never their code), and nothing imports tests/.
func TestImportsFlowOneWay(t *testing.T) {
	for _, tc := range []struct {
		pkg       string
		withTests bool
		forbidden []string
	}{
		{"provider/pkg/...", false, []string{"internal/", "bench/", "tests/"}},
		{pluginPkg, false, []string{"internal/", "bench/", "tests/"}},
		{"internal/...", true, []string{"bench/", "tests/"}},
		{"bench/...", true, []string{"tests/"}},
	} {
		args := []string{"list", "-deps", "-f", "{{.ImportPath}}", module + tc.pkg}
		if tc.withTests {
			args = append(args[:2], append([]string{"-test"}, args[2:]...)...)
		}
		out, err := exec.Command("go", args...).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", tc.pkg, err)
		}
		for _, d := range strings.Fields(string(out)) {
			for _, f := range tc.forbidden {
				if strings.HasPrefix(d, module+f) {
					t.Errorf("%s depends on %s", tc.pkg, strings.TrimPrefix(d, module))
				}
			}
		}
	}
}
