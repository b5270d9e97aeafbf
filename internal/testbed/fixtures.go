// Package testbed is what the end-to-end tests, the demo and the benchmarks know about their
// surroundings, said once: where the fixtures are and whether the pinned tools are built. The
// processes live in its subpackages: localcluster (control plane, Seldon and kubelet stand-ins),
// stacks (Automation API workspaces) and pipeline (agent stand-in, Prometheus, prometheus-adapter).
package testbed

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FixturesEnv names another fixtures directory than ../shared/fixtures beside the repository root.
const FixturesEnv = "SELDON_AUTOSCALING_FIXTURES"

// Fixtures are the read-only files a test bed installs, from the shared folder's fixtures/.
type Fixtures struct {
	Dir        string   // the fixtures directory
	Chart      string   // the prometheus-adapter 5.3.0 chart, installed from this local path
	SeldonCRDs []string // the Model and Server CRDs of Seldon Core 2 v2.10.2
}

// FindFixtures locates the fixtures for the repository at root: $SELDON_AUTOSCALING_FIXTURES if
// set (relative to root), else root/../shared/fixtures. All missing fixtures make one error, never
// a skip: the fixtures come with the checkout's surroundings, so CI must not pass without them.
func FindFixtures(root string) (Fixtures, error) {
	dir, hint := fixturesDir(root)
	f := fixturesIn(dir)
	var missing []string
	for _, p := range f.files() {
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return Fixtures{}, fmt.Errorf("fixture missing: %s (%s)", strings.Join(missing, ", "), hint)
	}
	return f, nil
}

// fixturesDir is where the fixtures should be, and what to tell someone who finds them missing.
func fixturesDir(root string) (dir, hint string) {
	dir = os.Getenv(FixturesEnv)
	if dir == "" {
		return filepath.Join(root, "..", "shared", "fixtures"), "looked in ../shared/fixtures beside the repository root: " +
			"put the project's shared folder there, or set " + FixturesEnv + " to its fixtures directory"
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	return dir, "looked in $" + FixturesEnv + ": point it at the fixtures directory of the project's shared folder, " +
		"or unset it to use ../shared/fixtures beside the repository root"
}

func fixturesIn(dir string) Fixtures {
	crds := filepath.Join(dir, "seldon-core-v2.10.2", "crds")
	return Fixtures{
		Dir:   dir,
		Chart: filepath.Join(dir, "charts", "prometheus-adapter-5.3.0"),
		SeldonCRDs: []string{
			filepath.Join(crds, "mlops.seldon.io_models.yaml"),
			filepath.Join(crds, "mlops.seldon.io_servers.yaml"),
		},
	}
}

// files are what must exist: the chart is a directory, so its Chart.yaml stands for it.
func (f Fixtures) files() []string {
	return append([]string{filepath.Join(f.Chart, "Chart.yaml")}, f.SeldonCRDs...)
}
