package pipeline

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Spawner starts a process whose lifetime the control plane owns (stopped by PID with it).
type Spawner interface {
	Spawn(name, bin string, args ...string) error
	LogPath(name string) string
}

// Prometheus is a running Prometheus server on loopback.
type Prometheus struct {
	URL string // http(s)://127.0.0.1:port/
	// config renders prometheus.yml for a scrape interval; cfgPath is where it lives.
	config  func(scrape time.Duration) string
	cfgPath string
}

// SetScrapeInterval rewrites the scrape interval and reloads Prometheus (--web.enable-lifecycle),
// which keeps its data and its address. Unsecured Prometheus only.
func (p *Prometheus) SetScrapeInterval(ctx context.Context, scrape time.Duration) error {
	if err := os.WriteFile(p.cfgPath, []byte(p.config(scrape)), 0o644); err != nil {
		return err
	}
	return call(ctx, http.MethodPost, p.URL+"-/reload", http.StatusOK, "reloading prometheus")
}

// WebSecurity makes Prometheus serve TLS, demand a client certificate signed by ClientCAFile,
// and demand HTTP basic auth (Prometheus' --web.config.file).
type WebSecurity struct {
	CertFile, KeyFile, ClientCAFile string
	Username, Password              string
	// Client is trusted by and presents a certificate to the server, for readiness checks.
	Client *http.Client
}

// StartPrometheus runs Debian's prometheus binary scraping the agent every scrape interval, with
// the namespace and pod target labels a PodMonitor would add.
func StartPrometheus(
	ctx context.Context,
	sp Spawner,
	dir, agentAddr, namespace, pod string,
	scrape time.Duration,
) (*Prometheus, error) {
	return startPrometheus(ctx, sp, dir, agentAddr, namespace, pod, scrape, nil)
}

// StartSecuredPrometheus is StartPrometheus behind mutual TLS and basic auth.
func StartSecuredPrometheus(
	ctx context.Context,
	sp Spawner,
	dir, agentAddr, namespace, pod string,
	scrape time.Duration,
	web WebSecurity,
) (*Prometheus, error) {
	return startPrometheus(ctx, sp, dir, agentAddr, namespace, pod, scrape, &web)
}

func startPrometheus(
	ctx context.Context,
	sp Spawner,
	dir, agentAddr, namespace, pod string,
	scrape time.Duration,
	web *WebSecurity,
) (*Prometheus, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return nil, err
	}
	config := func(scrape time.Duration) string {
		return fmt.Sprintf(`global:
  scrape_interval: %s
  evaluation_interval: %s
scrape_configs:
  - job_name: seldon-mesh/agent
    static_configs:
      - targets: [%q]
        labels: {namespace: %q, pod: %q, container: agent, endpoint: metrics}
`, scrape, scrape, agentAddr, namespace, pod)
	}
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(config(scrape)), 0o644); err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := []string{"--config.file=" + cfgPath, "--web.listen-address=" + addr,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"), "--log.level=warn", "--web.enable-lifecycle"}
	p := &Prometheus{URL: "http://" + addr + "/", config: config, cfgPath: cfgPath}
	client := http.DefaultClient
	ready := func(req *http.Request) {}
	if web != nil {
		hash, err := bcrypt.GenerateFromPassword([]byte(web.Password), bcrypt.MinCost)
		if err != nil {
			return nil, err
		}
		webCfg := fmt.Sprintf(
			"tls_server_config:\n  cert_file: %s\n  key_file: %s\n  client_auth_type: RequireAndVerifyClientCert\n  "+
				"client_ca_file: %s\nbasic_auth_users:\n  %s: %s\n",
			web.CertFile,
			web.KeyFile,
			web.ClientCAFile,
			web.Username,
			hash,
		)
		webPath := filepath.Join(dir, "web.yml")
		if err := os.WriteFile(webPath, []byte(webCfg), 0o600); err != nil {
			return nil, err
		}
		args = append(args, "--web.config.file="+webPath)
		p.URL = "https://" + addr + "/"
		client = web.Client
		ready = func(req *http.Request) { req.SetBasicAuth(web.Username, web.Password) }
	}
	if err := sp.Spawn("prometheus", "prometheus", args...); err != nil {
		return nil, err
	}
	if err := waitOK(ctx, client, p.URL+"-/ready", ready, 60*time.Second); err != nil {
		return nil, fmt.Errorf("prometheus not ready (see %s): %w", sp.LogPath("prometheus"), err)
	}
	return p, nil
}

func waitOK(
	ctx context.Context,
	client *http.Client,
	url string,
	prepare func(*http.Request),
	timeout time.Duration,
) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		prepare(req)
		resp, err := client.Do(req)
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
