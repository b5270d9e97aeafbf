// Package testbed is what the end-to-end tests, the demo and the benchmarks know about their
// surroundings, said once: where the fixtures are and whether the pinned tools are built. The
// processes live in its subpackages: localcluster (control plane, Seldon and kubelet stand-ins),
// stacks (Automation API workspaces) and pipeline (agent stand-in, Prometheus, prometheus-adapter).
package testbed

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/observed"
)

// FixturesEnv names another fixtures directory than ../shared/fixtures beside the repository root.
const FixturesEnv = "SELDON_AUTOSCALING_FIXTURES"

// Fixtures are the read-only files a test bed installs, from the shared folder's fixtures/.
type Fixtures struct {
	Dir        string   // the fixtures directory
	Chart      string   // the prometheus-adapter 5.3.0 chart, installed from this local path
	SeldonCRDs []string // the Model and Server CRDs of Seldon Core 2 v2.10.2
	// Observed holds the recordings of real Seldon Core 2.10.2 (package observed reads them).
	Observed string
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
		Dir:      dir,
		Observed: filepath.Join(dir, observed.Dir),
		Chart:    filepath.Join(dir, "charts", "prometheus-adapter-5.3.0"),
		SeldonCRDs: []string{
			filepath.Join(crds, "mlops.seldon.io_models.yaml"),
			filepath.Join(crds, "mlops.seldon.io_servers.yaml"),
		},
	}
}

// files are what must exist: the chart is a directory, so its Chart.yaml stands for it, and the
// recordings' README stands for their directory beside each scenario's JSON lines.
func (f Fixtures) files() []string {
	files := append([]string{filepath.Join(f.Chart, "Chart.yaml")}, f.SeldonCRDs...)
	files = append(files, filepath.Join(f.Observed, "README.md"))
	for _, s := range observed.Scenarios {
		files = append(files, filepath.Join(f.Observed, s+".jsonl"))
	}
	return files
}

// RepoFixtures finds the fixtures of the repository holding the working directory (the nearest
// parent with go.mod), for tests that run inside a package directory.
func RepoFixtures() (Fixtures, error) {
	dir, err := os.Getwd()
	if err != nil {
		return Fixtures{}, err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return FindFixtures(dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return Fixtures{}, errors.New("no go.mod above the working directory: run the tests from the repository")
		}
		dir = parent
	}
}
