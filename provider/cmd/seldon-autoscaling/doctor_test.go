package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProxyPath(t *testing.T) {
	for in, want := range map[string]string{
		"http://prometheus.monitoring.svc:9090/":  "/api/v1/namespaces/monitoring/services/http:prometheus:9090/proxy",
		"https://prom.obs.svc.cluster.local/prom": "/api/v1/namespaces/obs/services/https:prom:443/proxy/prom",
		"http://kps-prometheus.m.svc":             "/api/v1/namespaces/m/services/http:kps-prometheus:80/proxy",
	} {
		if got, err := proxyPath(in); err != nil || got != want {
			t.Errorf("proxyPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := proxyPath("http://localhost:9090"); err == nil {
		t.Error("a URL naming no Service gave a proxy path")
	}
}

// TestDoctorCouldNotCheck: no cluster behind the kubeconfig is exit code 2, saying so.
func TestDoctorCouldNotCheck(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n" +
		"users: [{name: u, user: {token: x}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n" +
		"current-context: c\n"
	if err := os.WriteFile(kc, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"doctor", "--kubeconfig", kc}, &out, &errOut); code != 2 {
		t.Errorf("exit %d, want 2; stderr %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "could not check") {
		t.Errorf("stderr does not say it could not check: %s", errOut.String())
	}
}
