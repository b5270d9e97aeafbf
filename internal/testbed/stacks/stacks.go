// Package stacks runs Pulumi programs with the Automation API against the local toolchain: a
// file backend, the freshly built provider and the locally built Kubernetes plugin, so nothing
// is ever downloaded. The e2e tests, the demo and the benchmarks share it.
package stacks

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// Env locates the tools and the cluster a stack runs against.
type Env struct {
	Tools       string // holds pulumi, pulumi-language-yaml, pulumi-resource-kubernetes (testbed.ToolsDir)
	ProviderDir string // holds pulumi-resource-seldon-autoscaling; empty: installed in PULUMI_HOME
	Kubeconfig  string
	// CLIRoot holds the bin/pulumi the Automation API runs: BuildReaper's, so that the CLI and its
	// plugins die with the caller. Empty: the CLI in Tools itself.
	CLIRoot string
}

// Home is the PULUMI_HOME of a workspace Options places under dir: a test that installs plugins
// the way a user would (`pulumi plugin install`) installs them there first.
func Home(dir string) string { return filepath.Join(dir, "home") }

// BuildProvider builds the plugin from the repository at root into dir, with the flags `make
// dist` uses (internal/release: -trimpath, CGO off), so that the test bed's build and the
// release archives' share one build cache instead of compiling every dependency twice.
func BuildProvider(root, dir string) error {
	cmd := exec.Command(
		"go",
		"build",
		"-trimpath",
		"-o",
		filepath.Join(dir, "pulumi-resource-seldon-autoscaling"),
		"./provider/cmd/pulumi-resource-seldon-autoscaling",
	)
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the provider: %w", err)
	}
	return nil
}

// BuildReaper builds cmd/pulumi-reaper as dir/bin/pulumi, in front of the CLI in tools: an
// Env.CLIRoot whose CLI and plugins do not outlive the process that runs them.
func BuildReaper(root, dir, tools string) error {
	cmd := exec.Command(
		"go",
		"build",
		"-ldflags", "-X main.cli="+filepath.Join(tools, "pulumi"),
		"-o",
		filepath.Join(dir, "bin", "pulumi"),
		"./internal/testbed/cmd/pulumi-reaper",
	)
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the pulumi reaper: %w", err)
	}
	return nil
}

// Options configure a workspace whose state, PULUMI_HOME and backend live under dir.
func (e Env) Options(dir string, project workspace.Project) ([]auto.LocalWorkspaceOption, error) {
	state := filepath.Join(dir, "state")
	if err := os.MkdirAll(state, 0o755); err != nil {
		return nil, err
	}
	project.Backend = &workspace.ProjectBackend{URL: "file://" + state}
	// The Kubernetes plugin is always the locally built one: Pulumi's download site is out of reach.
	providers := []workspace.PluginOptions{{Name: "kubernetes", Path: e.Tools}}
	if e.ProviderDir != "" {
		providers = append(providers, workspace.PluginOptions{Name: "seldon-autoscaling", Path: e.ProviderDir})
	}
	project.Plugins = &workspace.Plugins{Providers: providers}
	root := filepath.Dir(e.Tools)
	if e.CLIRoot != "" {
		root = e.CLIRoot
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		return nil, fmt.Errorf("pulumi CLI in %s: %w", root, err)
	}
	return []auto.LocalWorkspaceOption{
		auto.Project(project),
		auto.PulumiHome(Home(dir)),
		auto.Pulumi(cmd),
		auto.SecretsProvider("passphrase"),
		auto.EnvVars(map[string]string{
			"KUBECONFIG":               e.Kubeconfig,
			"PULUMI_CONFIG_PASSPHRASE": "local",
			"PULUMI_SKIP_UPDATE_CHECK": "1",
			// Fail at once instead of trying a download when a plugin is missing.
			"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
			// The YAML language host is found next to the CLI or on PATH.
			"PATH": e.Tools + string(os.PathListSeparator) + os.Getenv("PATH"),
		}),
	}, nil
}
