package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
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

// TestPluginInstalledFromRelease: a user's path to the plugin. The release archives (`make dist`,
// this machine's platform only) are served on loopback as the project's releases would be; into
// an empty PULUMI_HOME, the engine's own acquisition (`pulumi plugin install`) fetches the plugin
// from the download URL the SDK carries, redirected to that server by the engine's
// PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES; then, with the server gone and no path to the plugin in
// the project, the Go example goes up and is destroyed on the installed plugin.
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

	srv := serveReleases(t, dist)
	server := sdkPluginServer(t, b.root)
	dir := t.TempDir()
	home := stacks.Home(dir)
	env := []string{
		"PULUMI_HOME=" + home,
		"PULUMI_SKIP_UPDATE_CHECK=1",
		"PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES=^" + regexp.QuoteMeta(server) + "$=" + srv.url,
	}
	runStep(t, dir, env, 5*time.Minute, filepath.Join(b.tools, "pulumi"),
		"plugin", "install", "resource", "seldon-autoscaling", version, "--server", server)
	srv.close()

	archive := release.ArchiveName(release.Binaries[0], version, release.Host())
	if got := srv.requested(); len(got) != 1 || got[0] != "/"+archive {
		t.Errorf("the engine fetched %v, want /%s", got, archive)
	}
	installed := filepath.Join(home, "plugins", "resource-seldon-autoscaling-v"+version,
		"pulumi-resource-seldon-autoscaling")
	if _, err := os.Stat(installed); err != nil {
		t.Fatalf("the plugin is not where the engine installs it: %v", err)
	}

	st := b.installedPluginStack(t, dir)
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up on the installed plugin: %v", err)
	}
	b.assertDeployed(t)
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy on the installed plugin: %v", err)
	}
	b.assertGone(t)
}

// installedPluginStack is the Go example's stack in dir, whose PULUMI_HOME holds the installed
// plugin: the project names no path for seldon-autoscaling (only for the Kubernetes plugin, which
// cannot be downloaded here), and nothing on PATH provides it.
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

// sdkPluginServer is the plugin download URL the Go SDK tells the engine (its pulumi-plugin.json,
// generated from the schema's pluginDownloadURL).
func sdkPluginServer(t *testing.T, root string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "sdk", "go", "seldonautoscaling", "pulumi-plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	var plugin struct {
		Server string `json:"server"`
	}
	if err := json.Unmarshal(raw, &plugin); err != nil {
		t.Fatal(err)
	}
	if plugin.Server == "" {
		t.Fatal("the Go SDK's pulumi-plugin.json names no download server")
	}
	return plugin.Server
}

// releaseServer serves a directory on loopback and records the paths asked for.
type releaseServer struct {
	url   string
	close func()
	mu    sync.Mutex
	paths []string
}

func (s *releaseServer) requested() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

func serveReleases(t *testing.T, dir string) *releaseServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &releaseServer{url: fmt.Sprintf("http://%s/", ln.Addr())}
	files := http.FileServer(http.Dir(dir))
	hs := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			s.paths = append(s.paths, r.URL.Path)
			s.mu.Unlock()
			files.ServeHTTP(w, r)
		})}
	go func() { _ = hs.Serve(ln) }()
	var once sync.Once
	s.close = func() { once.Do(func() { _ = hs.Close() }) }
	t.Cleanup(s.close)
	return s
}

// testLog writes release.Build's progress to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
