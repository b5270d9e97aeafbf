package e2e

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/examples/go/autoscaledmodel"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/release"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/stacks"
)

// TestPluginInstalledFromRelease: a user's first `pulumi up` with the Go SDK and no plugin
// installed. The release archives (`make dist`, this machine's platform) are published as a
// GitHub release of this repository on a loopback stand-in for api.github.com. The engine runs
// with an empty PULUMI_HOME, a PATH holding nothing, PULUMI_IGNORE_AMBIENT_PLUGINS, and no install
// step: during `up` it must find the plugin missing, ask the release server the SDK names (its
// pluginDownloadURL option, from the schema) for the latest release, and fetch this platform's
// archive from it. The one redirection is the engine's own PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES,
// which swaps api.github.com for the stand-in's address and keeps the owner and repository the
// SDK asked for. A plugin planted on the host PATH must not be run.
func TestPluginInstalledFromRelease(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	version := strings.TrimSpace(runStep(t, b.root, nil, time.Minute, "bash", "hack/version.sh"))
	dist := t.TempDir()
	start := time.Now()
	if _, err := release.Build(b.root, dist, version, []release.Target{release.Host()}, testLog{t}); err != nil {
		t.Fatal(err)
	}
	t.Logf("dist for %s: %s", release.Host(), time.Since(start).Round(time.Second))
	gh := serveGitHubRelease(t, thisRepository(t), version, dist)
	planted := plantAmbientPlugin(t)

	dir := t.TempDir()
	st := b.installedPluginStack(t, dir)
	if err := st.Workspace().SetEnvVars(engineEnv(t, gh)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	_, upErr := st.Up(ctx)
	if _, err := os.Stat(planted); err == nil {
		t.Error("the engine ran the plugin planted on the host PATH")
	}
	if upErr != nil {
		t.Fatalf("up with the plugin to be fetched from the release: %v", upErr)
	}
	gh.close() // destroy must run on what up installed

	archive := release.ArchiveName(release.Binaries[0], version, release.Host())
	want := []string{gh.latest(), gh.tag(version), gh.asset(archive)}
	if got := gh.requested(); !slices.Equal(got, want) {
		t.Errorf("the engine asked the release server for\n  %v\nwant\n  %v", got, want)
	}
	installed := filepath.Join(stacks.Home(dir), "plugins", "resource-seldon-autoscaling-v"+version,
		"pulumi-resource-seldon-autoscaling")
	if _, err := os.Stat(installed); err != nil {
		t.Errorf("the plugin is not where the engine installs it: %v", err)
	}
	b.assertDeployed(t)
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy on the installed plugin: %v", err)
	}
	b.assertGone(t)
}

// engineEnv is the environment of a user with nothing installed, whose only way to the plugin is
// the download URL the SDK carries.
func engineEnv(t *testing.T, gh *githubStandIn) map[string]string {
	t.Helper()
	return map[string]string{
		// Nothing on PATH: the CLI runs an inline program (no language host, no `go`) and finds the
		// Kubernetes plugin through the project (installedPluginStack); nothing else may be found.
		"PATH":                          t.TempDir(),
		"PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
		// stacks.Env turns acquisition off for every other test, which must never download.
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "false",
		"PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES":        `^github://api\.github\.com/(.+)$=github://` + gh.host + `/$1`,
		// The engine trusts the stand-in's certificate as it trusts GitHub's.
		"SSL_CERT_FILE": gh.caFile,
		// A token in the host's environment would be sent; a new user's engine sends none.
		"GITHUB_TOKEN": "",
	}
}

// installedPluginStack is the Go example's stack in dir with an empty PULUMI_HOME. The project
// names a path for the Kubernetes plugin only: Pulumi's download site is out of reach here, so that
// plugin alone comes from the locally built tools; seldon-autoscaling has no path, so the engine
// must acquire it.
func (b *testbed) installedPluginStack(t *testing.T, dir string) auto.Stack {
	t.Helper()
	project := workspace.Project{
		Name:    tokens.PackageName("seldon-autoscaling-e2e-installed"),
		Runtime: workspace.NewProjectRuntimeInfo("go", nil),
	}
	env := stacks.Env{Tools: b.tools, Kubeconfig: b.cluster.Kubeconfig}
	opts, err := env.Options(dir, project)
	if err != nil {
		t.Fatal(err)
	}
	st, err := auto.UpsertStackInlineSource(context.Background(), "e2e", project.Name.String(),
		autoscaledmodel.Program, opts...)
	if err != nil {
		t.Fatalf("creating stack: %v", err)
	}
	b.setConfig(t, st, map[string]string{"adapterChartPath": b.chartPath, "adapterSkipAwait": "true"})
	return st
}

// plantAmbientPlugin puts a pulumi-resource-seldon-autoscaling on the host PATH that leaves a mark
// and fails when run; it returns the mark's path. An engine that looked on the host PATH would run it.
func plantAmbientPlugin(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	mark := filepath.Join(dir, "ran")
	script := "#!/bin/sh\ntouch '" + mark + "'\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "pulumi-resource-seldon-autoscaling"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return mark
}

// thisRepository is owner/name of the GitHub repository this module lives in, from its module
// path: where its releases are published, independently of what the schema says.
func thisRepository(t *testing.T) string {
	t.Helper()
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build information in the test binary")
	}
	repo, ok := strings.CutPrefix(info.Main.Path, "github.com/")
	if !ok {
		t.Fatalf("module %q is not on github.com", info.Main.Path)
	}
	return repo
}

// githubStandIn answers, over TLS on loopback, the part of GitHub's releases API the engine uses
// (workspace's githubSource): the latest release, a release by tag with its assets, an asset. It
// serves one release of one repository and records every path asked for.
type githubStandIn struct {
	host   string // 127.0.0.1:port
	caFile string // its certificate, PEM
	repo   string
	close  func()
	mu     sync.Mutex
	paths  []string
}

func (g *githubStandIn) latest() string { return "/repos/" + g.repo + "/releases/latest" }
func (g *githubStandIn) tag(version string) string {
	return "/repos/" + g.repo + "/releases/tags/v" + version
}
func (g *githubStandIn) asset(name string) string {
	return "/repos/" + g.repo + "/releases/assets/" + name
}

func (g *githubStandIn) requested() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.paths...)
}

// serveGitHubRelease publishes release v<version> of repo, holding the files of dir. Its asset
// list names every archive of a release, all platforms; only those in dir can be fetched, and the
// engine must ask for its own platform's alone.
func serveGitHubRelease(t *testing.T, repo, version, dir string) *githubStandIn {
	t.Helper()
	g := &githubStandIn{repo: repo}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.paths = append(g.paths, r.URL.Path)
		g.mu.Unlock()
		switch {
		case r.URL.Path == g.latest():
			writeJSON(w, map[string]string{"tag_name": "v" + version})
		case r.URL.Path == g.tag(version):
			writeJSON(w, map[string]any{"tag_name": "v" + version, "assets": g.assets(version)})
		case strings.HasPrefix(r.URL.Path, g.asset("")):
			http.ServeFile(w, r, filepath.Join(dir, filepath.Base(r.URL.Path)))
		default:
			http.NotFound(w, r)
		}
	})
	srv.StartTLS()
	var once sync.Once
	g.close = func() { once.Do(srv.Close) }
	t.Cleanup(g.close)
	g.host = srv.Listener.Addr().String()
	g.caFile = filepath.Join(t.TempDir(), "ca.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(g.caFile, cert, 0o644); err != nil {
		t.Fatal(err)
	}
	return g
}

// assets is the release's asset list as GitHub gives it: each name with the API URL to fetch it.
func (g *githubStandIn) assets(version string) []map[string]string {
	var out []map[string]string
	for _, tg := range release.Targets {
		for _, b := range release.Binaries {
			name := release.ArchiveName(b, version, tg)
			out = append(out, map[string]string{"name": name, "url": "https://" + g.host + g.asset(name)})
		}
	}
	return append(out, map[string]string{"name": "SHA256SUMS", "url": "https://" + g.host + g.asset("SHA256SUMS")})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// testLog writes release.Build's progress to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
