package testbed

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sharedTree lays out a shared folder's fixtures under dir, leaving out the files in omit.
func sharedTree(t *testing.T, dir string, omit ...string) {
	t.Helper()
	for _, f := range fixturesIn(dir).files() {
		if slices.Contains(omit, filepath.Base(f)) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindFixturesBesideTheRepository(t *testing.T) {
	t.Setenv(FixturesEnv, "")
	parent := t.TempDir()
	root := filepath.Join(parent, "repo")
	sharedTree(t, filepath.Join(parent, "shared", "fixtures"))
	f, err := FindFixtures(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(parent, "shared", "fixtures", "charts", "prometheus-adapter-5.3.0"); f.Chart != want {
		t.Errorf("Chart = %s, want %s", f.Chart, want)
	}
	if len(f.SeldonCRDs) != 2 {
		t.Errorf("SeldonCRDs = %v, want the Model and Server CRDs", f.SeldonCRDs)
	}
}

func TestFindFixturesFromTheEnvironment(t *testing.T) {
	root := t.TempDir()
	sharedTree(t, filepath.Join(root, "elsewhere"))
	t.Setenv(FixturesEnv, "elsewhere") // relative to the repository root
	f, err := FindFixtures(root)
	if err != nil {
		t.Fatal(err)
	}
	if f.Dir != filepath.Join(root, "elsewhere") {
		t.Errorf("Dir = %s, want %s", f.Dir, filepath.Join(root, "elsewhere"))
	}
}

func TestFindFixturesNamesEveryMissingFixtureAndTheVariable(t *testing.T) {
	for _, env := range []string{"", "fixtures"} {
		root := t.TempDir()
		dir := filepath.Join(root, "..", "shared", "fixtures")
		if env != "" {
			dir = filepath.Join(root, env)
		}
		sharedTree(t, dir, "Chart.yaml", "mlops.seldon.io_servers.yaml")
		t.Setenv(FixturesEnv, env)
		_, err := FindFixtures(root)
		if err == nil {
			t.Fatalf("%s=%q: no error with two fixtures missing", FixturesEnv, env)
		}
		for _, want := range []string{"Chart.yaml", "mlops.seldon.io_servers.yaml", FixturesEnv} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s=%q: error lacks %q: %v", FixturesEnv, env, want, err)
			}
		}
		if strings.Contains(err.Error(), "mlops.seldon.io_models.yaml") {
			t.Errorf("error names a fixture that is there: %v", err)
		}
	}
}

func TestCheckToolsReportsEveryMissingTool(t *testing.T) {
	dir := t.TempDir()
	for _, tool := range append(BaseTools[1:], "etcd") {
		if err := os.WriteFile(filepath.Join(dir, tool), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir) // etcd is found on PATH
	err := CheckTools(dir, "pulumi-language-yaml")
	if !errors.Is(err, ErrToolsMissing) {
		t.Fatalf("err = %v, want ErrToolsMissing", err)
	}
	if !strings.Contains(err.Error(), "pulumi, pulumi-language-yaml not in") || strings.Contains(err.Error(), "etcd") {
		t.Errorf("error should name pulumi and the YAML host, not etcd: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pulumi"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CheckTools(dir); err != nil {
		t.Errorf("all tools there: %v", err)
	}
}
