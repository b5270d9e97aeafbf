package testbed

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ToolsEnv names another directory for the pinned tools than hack/tools.sh's cache.
const ToolsEnv = "SELDON_AUTOSCALING_TOOLS"

// ErrToolsMissing is what CheckTools wraps: callers skip on it outside CI and fail in CI.
var ErrToolsMissing = errors.New("test-bed tools missing (run `make tools`)")

// BaseTools are what every test bed runs from the tools directory: the Pulumi CLI and the
// Kubernetes plugin for the stacks, kube-apiserver and kube-controller-manager for the cluster.
var BaseTools = []string{"pulumi", "pulumi-resource-kubernetes", "kube-apiserver", "kube-controller-manager"}

// ToolsDir is where hack/tools.sh caches the pinned tools, unless $SELDON_AUTOSCALING_TOOLS says otherwise.
func ToolsDir() string {
	if d := os.Getenv(ToolsEnv); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "pulumi-seldon-autoscaling", "bin")
}

// CheckTools reports, all at once, which of BaseTools and extra are not in dir and whether etcd
// (Debian's etcd-server, not built by hack/tools.sh) is not on PATH.
func CheckTools(dir string, extra ...string) error {
	var missing []string
	for _, tool := range append(append([]string{}, BaseTools...), extra...) {
		if _, err := os.Stat(filepath.Join(dir, tool)); err != nil {
			missing = append(missing, tool)
		}
	}
	var problems []string
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("%s not in %s", strings.Join(missing, ", "), dir))
	}
	if _, err := exec.LookPath("etcd"); err != nil {
		problems = append(problems, "etcd not on PATH")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrToolsMissing, strings.Join(problems, "; "))
	}
	return nil
}
