package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
)

// TestDeployScript runs examples/pipeline/deploy.sh, the pipeline docs/installation-configuration.md
// shows, on the YAML example as the deployer's service account (deploy/rbac.yaml): with a Model
// someone made by hand in the way, the preview gate fails and nothing is created; without it the
// script deploys, and runs again changing nothing.
func TestDeployScript(t *testing.T) {
	b := requireBed(t)
	rbac := filepath.Join(b.root, "deploy", "rbac.yaml")
	if err := localcluster.ApplyRBAC(context.Background(), b.kube, rbac); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(b.root, "examples", "yaml", "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// As a user's project would, but with the plugins built here instead of downloaded.
	project := string(src) + "plugins:\n  providers:\n" +
		"    - {name: seldon-autoscaling, path: " + b.providerDir + "}\n" +
		"    - {name: kubernetes, path: " + b.tools + "}\n"
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(project), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state")
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PULUMI_BACKEND_URL=file://"+state, "PULUMI_CONFIG_PASSPHRASE=local",
		"PULUMI_HOME="+filepath.Join(t.TempDir(), "home"), "PULUMI_SKIP_UPDATE_CHECK=1",
		"KUBECONFIG="+b.deployerKubeconfig(t), "PATH="+b.tools+string(os.PathListSeparator)+os.Getenv("PATH"))
	deploy := func() (string, error) {
		cmd := exec.Command("bash", filepath.Join(b.root, "examples", "pipeline", "deploy.sh"), dir, "ci")
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	pulumi := func(args ...string) {
		cmd := exec.Command(filepath.Join(b.tools, "pulumi"), append(args, "--stack", "ci", "--non-interactive")...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pulumi %v: %v\n%s", args, err, tail(string(out)))
		}
	}
	t.Cleanup(func() {
		cmd := exec.Command(filepath.Join(b.tools, "pulumi"), "destroy", "--yes", "--stack", "ci", "--non-interactive")
		cmd.Dir, cmd.Env = dir, env
		_ = cmd.Run()
	})

	pulumi("stack", "init")
	pulumi("config", "set", "adapterChartPath", b.chartPath)
	pulumi("config", "set", "adapterSkipAwait", "true")
	byHand := filepath.Join(t.TempDir(), "by-hand.yaml")
	if err := os.WriteFile(byHand, []byte(kubectlSeldonObjects), 0o600); err != nil {
		t.Fatal(err)
	}
	kubectl(t, b, "create", "-f", byHand)
	out, err := deploy()
	if err == nil || !strings.Contains(out, "already exists") || strings.Contains(out, "Updating (ci)") {
		t.Fatalf("the preview gate did not stop the pipeline before up (%v):\n%s", err, tail(out))
	}
	b.assertNothingCreated(t)
	kubectl(t, b, "delete", "-f", byHand)

	if out, err := deploy(); err != nil {
		t.Fatalf("deploy.sh: %v\n%s", err, tail(out))
	}
	b.assertDeployed(t)
	if out, err := deploy(); err != nil || !strings.Contains(out, "unchanged") {
		t.Fatalf("a second run of deploy.sh changed something or failed (%v):\n%s", err, tail(out))
	}
	pulumi("destroy", "--yes")
	b.assertGone(t)
}
