package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// The generated TypeScript, Python and Java SDKs, proven the way their users would use them: the
// SDK installed from sdk/<language> with the language's own package manager (npm, pip, Maven, from
// their public registries, cached under ~/.cache/pulumi-seldon-autoscaling), type-checked or
// compiled with the example, and, for TypeScript and Python, the example's program run through
// that language's Automation API against the local control plane: same objects as the Go run.
//
// Everything runs in a copy of the SDK and the example, so the work tree stays clean. A missing
// toolchain skips a test, except under CI=true, where it fails; a failing step always fails.

// TestTypeScriptSDK: the SDK built into the package npm receives (hack/build-npm.sh: compiled
// JavaScript and declarations), npm ci of examples/ts against it (package-lock.json), tsc on the
// example, and up / no-op up / destroy of examples/ts through the Node.js Automation API.
func TestTypeScriptSDK(t *testing.T) {
	b := requireBed(t)
	node, npm := requireTool(t, "node"), requireTool(t, "npm")
	work := b.copyForSDKTest(t, "sdk/nodejs", "examples/ts")
	ex := filepath.Join(work, "examples", "ts")
	npmCache := []string{"--cache", cacheDir(t, "npm"), "--prefer-offline"}

	runStep(t, work, nil, 10*time.Minute, "bash", append([]string{filepath.Join(b.root, "hack", "build-npm.sh"),
		filepath.Join(work, "sdk", "nodejs")}, npmCache...)...)
	runStep(t, ex, nil, 10*time.Minute, npm, append([]string{"ci", "--no-audit", "--no-fund", "--loglevel=warn"},
		npmCache...)...)
	sdk := filepath.Join(ex, "node_modules", "@seldon-autoscaling", "pulumi-seldon-autoscaling")
	for _, f := range []string{"index.js", "index.d.ts", "package.json"} {
		if _, err := os.Stat(filepath.Join(sdk, f)); err != nil {
			t.Errorf("the installed SDK lacks %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(sdk, "index.ts")); err == nil {
		t.Error("the installed SDK ships TypeScript sources: it must be the compiled package")
	}
	if fi, err := os.Lstat(sdk); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		t.Error("npm linked the SDK instead of installing a copy (examples/ts/.npmrc install-links)")
	}
	tsc := filepath.Join(ex, "node_modules", ".bin", "tsc")
	runStep(t, ex, nil, 5*time.Minute, tsc, "--noEmit", "-p", ".")
	runStep(t, ex, nil, 5*time.Minute, tsc, "-p", ".")
	copyFile(
		t,
		filepath.Join(b.root, "tests", "e2e", "testdata", "sdks", "automation.js"),
		filepath.Join(ex, "automation.js"),
	)

	b.sdkLifecycle(t, "nodejs", func(action, spec string) driverResult {
		return runDriver(t, ex, node, "automation.js", action, spec)
	})
}

// TestPythonSDK: a virtualenv with the SDK from sdk/python and pulumi from PyPI
// (examples/python/requirements.txt), mypy --strict on the example, and up / no-op up / destroy
// of examples/python through the Python Automation API.
func TestPythonSDK(t *testing.T) {
	b := requireBed(t)
	python := requireTool(t, "python3")
	work := b.copyForSDKTest(t, "sdk/python", "examples/python")
	ex := filepath.Join(work, "examples", "python")
	venv := filepath.Join(work, "venv")

	runStep(t, work, nil, 5*time.Minute, python, "-m", "venv", venv)
	pipEnv := []string{"PIP_CACHE_DIR=" + cacheDir(t, "pip"), "PIP_DISABLE_PIP_VERSION_CHECK=1"}
	runStep(t, ex, pipEnv, 10*time.Minute, filepath.Join(venv, "bin", "pip"), "install", "-r", "requirements-dev.txt")
	runStep(t, ex, nil, 5*time.Minute, filepath.Join(venv, "bin", "mypy"))
	copyFile(
		t,
		filepath.Join(b.root, "tests", "e2e", "testdata", "sdks", "automation.py"),
		filepath.Join(ex, "automation.py"),
	)

	b.sdkLifecycle(t, "python", func(action, spec string) driverResult {
		return runDriver(t, ex, filepath.Join(venv, "bin", "python"), "automation.py", action, spec)
	})
}

// TestJavaSDK: the SDK builds with Maven against com.pulumi:pulumi from Maven Central, its jar
// carries the resources the Java runtime reads, and the Java example compiles against it.
func TestJavaSDK(t *testing.T) {
	b := requireBed(t)
	requireTool(t, "javac")
	mvn := requireTool(t, "mvn")
	work := b.copyForSDKTest(t, "sdk/java", "examples/java")
	repo := "-Dmaven.repo.local=" + cacheDir(t, "m2")

	runStep(t, work, nil, 15*time.Minute, mvn, "-B", "-ntp", repo, "-f", "sdk/java/pom.xml", "install", "-DskipTests")
	// The checked-in SDK carries the development version (Makefile DEV_VERSION).
	jar := filepath.Join(work, "sdk", "java", "target", "seldon-autoscaling-0.0.0-dev.jar")
	zr, err := zip.OpenReader(jar)
	if err != nil {
		t.Fatalf("SDK jar: %v", err)
	}
	defer func() { _ = zr.Close() }()
	want := map[string]bool{
		"com/seldonautoscaling/seldon-autoscaling/version.txt":                            false,
		"com/seldonautoscaling/seldon-autoscaling/plugin.json":                            false,
		"com/seldonautoscaling/seldonautoscaling/SeldonAutoscaledModel.class":             false,
		"com/seldonautoscaling/seldonautoscaling/inputs/AutoscalingSpecArgs.class":        false,
		"com/seldonautoscaling/seldonautoscaling/outputs/EffectivePolicy.class":           false,
		"com/seldonautoscaling/seldonautoscaling/SeldonAutoscaledModelArgs$Builder.class": false,
	}
	for _, f := range zr.File {
		if _, ok := want[f.Name]; ok {
			want[f.Name] = true
		}
	}
	for name, found := range want {
		if !found {
			t.Errorf("SDK jar lacks %s", name)
		}
	}

	runStep(t, work, nil, 15*time.Minute, mvn, "-B", "-ntp", repo, "-f", "examples/java/pom.xml", "compile")
	class := filepath.Join(work, "examples", "java", "target", "classes", "example", "App.class")
	if _, err := os.Stat(class); err != nil {
		t.Fatalf("the Java example did not compile to App.class: %v", err)
	}
}

// driverResult is what the Automation API drivers print as their last line.
type driverResult struct {
	Outputs map[string]any `json:"outputs"`
	Changes map[string]int `json:"changes"`
}

// sdkLifecycle runs a language's driver through up, a no-op up and destroy of the example, and
// checks the API server after each as the Go example's test does.
func (b *testbed) sdkLifecycle(t *testing.T, runtime string, drive func(action, spec string) driverResult) {
	t.Helper()
	spec := b.writeDriverSpec(t, runtime, map[string]string{"adapterChartPath": b.chartPath, "adapterSkipAwait": "true"})
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			// Leave the shared control plane as the other tests expect it, whatever failed.
			drive("destroy", spec)
		}
	})

	up := drive("up", spec)
	want := "/apis/custom.metrics.k8s.io/v1beta1/namespaces/seldon-mesh/models.mlops.seldon.io/irisa0/infer_rps"
	if got := up.Outputs["customMetricsPath"]; got != want {
		t.Errorf("customMetricsPath output %v", got)
	}
	if policy, ok := up.Outputs["policy"].(map[string]any); !ok || policy["maxReplicas"] != float64(3) ||
		policy["targetAverageValue"] != "3" {
		t.Errorf("policy output %v", up.Outputs["policy"])
	}
	b.assertDeployed(t)

	again := drive("up", spec)
	for op, n := range again.Changes {
		if op != "same" && n > 0 {
			t.Errorf("a repeated up did %d %q operations: %v", n, op, again.Changes)
		}
	}

	drive("destroy", spec)
	destroyed = true
	b.assertGone(t)
}

// writeDriverSpec prepares a workspace directory whose Pulumi.yaml names the file backend and the
// local plugins (as stacks.Env does for the Go stacks), and the JSON spec a driver reads.
func (b *testbed) writeDriverSpec(t *testing.T, runtime string, config map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	name := "seldon-autoscaling-e2e-" + runtime
	project := workspace.Project{
		Name:    tokens.PackageName(name),
		Runtime: workspace.NewProjectRuntimeInfo(runtime, nil),
		Backend: &workspace.ProjectBackend{URL: "file://" + state},
		Plugins: &workspace.Plugins{Providers: []workspace.PluginOptions{
			{Name: "seldon-autoscaling", Path: b.providerDir},
			{Name: "kubernetes", Path: b.tools},
		}},
	}
	if err := project.Save(filepath.Join(dir, "Pulumi.yaml")); err != nil {
		t.Fatal(err)
	}
	spec := map[string]any{
		"stack":      "e2e",
		"project":    name,
		"workDir":    dir,
		"pulumiHome": filepath.Join(dir, "home"),
		"pulumiRoot": filepath.Dir(b.tools), // the CLI is <root>/bin/pulumi
		"env": map[string]string{
			"KUBECONFIG":               b.cluster.Kubeconfig,
			"PULUMI_CONFIG_PASSPHRASE": "local",
			"PULUMI_SKIP_UPDATE_CHECK": "1",
			// Fail at once instead of trying a download when a plugin is missing.
			"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
			"PATH": b.tools + string(os.PathListSeparator) + os.Getenv("PATH"),
		},
		"config": config,
	}
	raw, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "spec.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runDriver runs an Automation API driver and decodes its last line.
func runDriver(t *testing.T, dir, interpreter, script, action, spec string) driverResult {
	t.Helper()
	out := runStep(t, dir, nil, 10*time.Minute, interpreter, script, action, spec)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var res driverResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("%s %s: last line is not the result: %v\n%s", script, action, err, tail(out))
	}
	return res
}

// runStep runs one toolchain step in its own process group, which is killed when the step ends
// or times out, so no process outlives it. It fails the test (never skips) when the step fails,
// and returns the step's standard output.
func runStep(t *testing.T, dir string, env []string, timeout time.Duration, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var stdout, both bytes.Buffer
	cmd.Stdout = io.MultiWriter(&stdout, &both)
	cmd.Stderr = &both
	start := time.Now()
	err := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // anything the step left behind
	}
	step := filepath.Base(name) + " " + strings.Join(args, " ")
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (timed out after %s)", err, timeout)
		}
		t.Fatalf("%s (in %s): %v\n%s", step, dir, err, tail(both.String()))
	}
	t.Logf("%s: %s", step, time.Since(start).Round(100*time.Millisecond))
	return stdout.String()
}

func tail(s string) string {
	const limit = 12000
	if len(s) > limit {
		return "...\n" + s[len(s)-limit:]
	}
	return s
}

// requireTool finds a language toolchain's command. Without it the test is skipped, except under
// CI=true, where a missing toolchain is a failure.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found on PATH: CI must have the toolchain", name)
		}
		t.Skipf("%s not found on PATH", name)
	}
	return p
}

// cacheDir is a package manager's cache, kept across runs under ~/.cache/pulumi-seldon-autoscaling.
func cacheDir(t *testing.T, name string) string {
	t.Helper()
	base, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "pulumi-seldon-autoscaling", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// copyForSDKTest copies repository directories into a fresh directory, keeping their relative
// layout (examples/<language> refers to ../../sdk/<language>), without build outputs or installs.
func (b *testbed) copyForSDKTest(t *testing.T, dirs ...string) string {
	t.Helper()
	work := t.TempDir()
	skip := map[string]bool{"node_modules": true, "bin": true, "target": true, "venv": true, "build": true,
		"dist": true, "__pycache__": true, ".mypy_cache": true}
	for _, d := range dirs {
		src := filepath.Join(b.root, filepath.FromSlash(d))
		err := filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, path)
			if e.IsDir() && (skip[e.Name()] || strings.HasSuffix(e.Name(), ".egg-info")) && path != src {
				return filepath.SkipDir
			}
			dst := filepath.Join(work, filepath.FromSlash(d), rel)
			if e.IsDir() {
				return os.MkdirAll(dst, 0o755)
			}
			if !e.Type().IsRegular() {
				return errors.New("unexpected non-regular file " + path)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(dst, data, 0o644)
		})
		if err != nil {
			t.Fatalf("copying %s: %v", d, err)
		}
	}
	return work
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
