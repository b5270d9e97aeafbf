package component

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKubernetesChildrenRequestTestedPlugin: the Kubernetes plugin version the component's
// children ask the engine for (set by the pulumi-kubernetes Go SDK in go.mod) is the version the
// test bed builds and runs (K8S_PROVIDER_VERSION in hack/versions.env). Bumping one without the
// other would ship a component whose children need a plugin no test has run.
func TestKubernetesChildrenRequestTestedPlugin(t *testing.T) {
	want := versionsEnv(t)["K8S_PROVIDER_VERSION"]
	if want == "" {
		t.Fatal("hack/versions.env sets no K8S_PROVIDER_VERSION")
	}
	rec, _, err := construct(t, guideInputs())
	if err != nil {
		t.Fatal(err)
	}
	children := 0
	for _, r := range rec.custom() {
		if !strings.HasPrefix(r.Type, "kubernetes:") {
			continue
		}
		children++
		if r.Version != want {
			t.Errorf("%s %s asks for kubernetes plugin %q; the tests run %q (hack/versions.env): "+
				"require github.com/pulumi/pulumi-kubernetes/sdk/v4 v%s in go.mod", r.Type, r.Name, r.Version, want, want)
		}
	}
	if children == 0 {
		t.Fatal("the guide's example registered no Kubernetes children")
	}
}

// versionsEnv reads hack/versions.env's KEY=VALUE lines.
func versionsEnv(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "hack", "versions.env"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			vars[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vars
}
