package pipeline

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Spawner starts a process whose lifetime the control plane owns (stopped by PID with it).
type Spawner interface {
	Spawn(name, bin string, args ...string) error
	LogPath(name string) string
}

// Prometheus is a running Prometheus server on loopback.
type Prometheus struct {
	URL string // http://127.0.0.1:port/
}

// StartPrometheus runs Debian's prometheus binary scraping the agent every scrape interval, with
// the namespace and pod target labels a PodMonitor would add.
func StartPrometheus(ctx context.Context, sp Spawner, dir, agentAddr, namespace, pod string, scrape time.Duration) (*Prometheus, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: %s
  evaluation_interval: %s
scrape_configs:
  - job_name: seldon-mesh/agent
    static_configs:
      - targets: [%q]
        labels: {namespace: %q, pod: %q, container: agent, endpoint: metrics}
`, scrape, scrape, agentAddr, namespace, pod)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if err := sp.Spawn("prometheus", "prometheus", "--config.file="+cfgPath, "--web.listen-address="+addr,
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--log.level=warn"); err != nil {
		return nil, err
	}
	p := &Prometheus{URL: "http://" + addr + "/"}
	if err := waitOK(ctx, p.URL+"-/ready", 60*time.Second); err != nil {
		return nil, fmt.Errorf("prometheus not ready (see %s): %w", sp.LogPath("prometheus"), err)
	}
	return p, nil
}

func waitOK(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
