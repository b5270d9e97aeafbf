// Package localcluster runs a real, minimal Kubernetes control plane on loopback for the end-to-end
// tests, the demo and the benchmarks: etcd, kube-apiserver (with the aggregation layer) and
// kube-controller-manager (with the HPA controller), each a process started, recorded and stopped by PID.
package localcluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Options says where the binaries are and where the cluster keeps its state.
type Options struct {
	Dir           string        // state: certificates, etcd data, logs, pid files, kubeconfig
	BinDir        string        // holds kube-apiserver and kube-controller-manager
	Etcd          string        // the etcd binary; default "etcd" on PATH
	HPASyncPeriod time.Duration // default 5s, so tests see scaling quickly
	Log           io.Writer     // progress messages; may be nil
	// TiedToParent kills the processes when the starting process dies (tests: a panicking test
	// must not leave a control plane behind). Off for `make cluster-up`, whose processes outlive it.
	TiedToParent bool
	// AuditUsers turns on the API server's audit log (Cluster.AuditLog, JSON lines) for the
	// requests of these users only, at Metadata level: who did what to which resource, allowed or
	// not, and which RBAC binding allowed it. Nobody else is logged, so the log stays small.
	AuditUsers []string
}

// Cluster is a running control plane.
type Cluster struct {
	Dir        string
	Kubeconfig string
	Server     string
	AuditLog   string // empty unless Options.AuditUsers is set
	pki        *pki
	tied       bool
	apiServer  []string // binary and flags, to restart it
}

// Controllers the tests need; 1.37 names end in -controller.
var controllers = []string{
	"horizontal-pod-autoscaler-controller", "deployment-controller", "replicaset-controller",
	"namespace-controller", "garbage-collector-controller", "serviceaccount-controller",
	"serviceaccount-token-controller",
}

// Start brings up etcd, kube-apiserver and kube-controller-manager and waits until the API server
// is ready. On failure everything already started is stopped.
func Start(ctx context.Context, o Options) (c *Cluster, err error) {
	if o.Etcd == "" {
		o.Etcd = "etcd"
	}
	if o.HPASyncPeriod == 0 {
		o.HPASyncPeriod = 5 * time.Second
	}
	for _, dir := range []string{"pki", "etcd", "logs", "pids"} {
		if err := os.MkdirAll(filepath.Join(o.Dir, dir), 0o755); err != nil {
			return nil, err
		}
	}
	c = &Cluster{Dir: o.Dir, Kubeconfig: filepath.Join(o.Dir, "kubeconfig"), tied: o.TiedToParent}
	defer func() {
		if err != nil {
			_ = c.Stop()
		}
	}()
	if c.pki, err = writePKI(filepath.Join(o.Dir, "pki")); err != nil {
		return c, fmt.Errorf("writing certificates: %w", err)
	}
	ports, err := freePorts(4)
	if err != nil {
		return c, err
	}
	etcdClient, etcdPeer, apiPort, kcmPort := ports[0], ports[1], ports[2], ports[3]
	c.Server = fmt.Sprintf("https://127.0.0.1:%d", apiPort)

	etcdURL, err := c.startEtcd(ctx, o, etcdClient, etcdPeer)
	if err != nil {
		return c, err
	}
	if err := c.startAPIServer(ctx, o, etcdURL, apiPort); err != nil {
		return c, err
	}
	if err := c.startControllerManager(ctx, o, kcmPort); err != nil {
		return c, err
	}
	return c, nil
}

// logf writes a progress message to o.Log, if any.
func (o Options) logf(format string, args ...any) {
	if o.Log != nil {
		_, _ = fmt.Fprintf(o.Log, "[localcluster] "+format+"\n", args...)
	}
}

// startEtcd starts etcd on the given ports and waits until it is healthy; it returns its client URL.
func (c *Cluster) startEtcd(ctx context.Context, o Options, clientPort, peerPort int) (string, error) {
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	if err := c.spawn("etcd", o.Etcd,
		"--name=local", "--data-dir="+filepath.Join(o.Dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=local="+peerURL, "--log-level=warn",
	); err != nil {
		return "", err
	}
	if err := waitHTTP(ctx, http.DefaultClient, etcdURL+"/health", 30*time.Second); err != nil {
		return "", fmt.Errorf("etcd did not become healthy (see %s): %w", c.logPath("etcd"), err)
	}
	o.logf("etcd ready on %s", etcdURL)
	return etcdURL, nil
}

// startAPIServer starts kube-apiserver on etcdURL, writes the admin kubeconfig and waits until the
// API server is ready. The command is kept in c.apiServer, for CrashAPIServer.
func (c *Cluster) startAPIServer(ctx context.Context, o Options, etcdURL string, apiPort int) error {
	p := c.pki
	c.apiServer = []string{filepath.Join(o.BinDir, "kube-apiserver"),
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + strconv.Itoa(apiPort),
		// Loopback addresses are refused by the endpoint reconciler; nothing routes to services here.
		"--endpoint-reconciler-type=none", "--service-cluster-ip-range=10.0.0.0/24",
		"--tls-cert-file=" + p.ServingCert, "--tls-private-key-file=" + p.ServingKey, "--client-ca-file=" + p.CA,
		"--service-account-key-file=" + p.SAPub, "--service-account-signing-key-file=" + p.SAKey,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--authorization-mode=RBAC",
		// The aggregation layer, so prometheus-adapter can serve custom.metrics.k8s.io.
		"--requestheader-client-ca-file=" + p.FrontProxyCA, "--requestheader-allowed-names=front-proxy-client",
		"--requestheader-username-headers=X-Remote-User", "--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + p.ProxyClientCert, "--proxy-client-key-file=" + p.ProxyClientKey,
	}
	if len(o.AuditUsers) > 0 {
		policy := filepath.Join(o.Dir, "audit-policy.yaml")
		if err := os.WriteFile(policy, auditPolicy(o.AuditUsers), 0o644); err != nil {
			return err
		}
		c.AuditLog = filepath.Join(o.Dir, "logs", "audit.log")
		c.apiServer = append(c.apiServer, "--audit-policy-file="+policy, "--audit-log-path="+c.AuditLog,
			// Blocking: an event is written before its response is sent, so the log is complete
			// as soon as the client has its answer.
			"--audit-log-format=json", "--audit-log-mode=blocking")
	}
	if err := c.spawn("kube-apiserver", c.apiServer[0], c.apiServer[1:]...); err != nil {
		return err
	}
	if err := c.writeKubeconfig(); err != nil {
		return err
	}
	client, err := c.adminHTTPClient()
	if err != nil {
		return err
	}
	if err := waitHTTP(ctx, client, c.Server+"/readyz", 90*time.Second); err != nil {
		return fmt.Errorf("kube-apiserver did not become ready (see %s): %w", c.logPath("kube-apiserver"), err)
	}
	o.logf("kube-apiserver ready on %s", c.Server)
	return nil
}

// startControllerManager starts kube-controller-manager with the controllers the tests need and
// waits until it is healthy.
func (c *Cluster) startControllerManager(ctx context.Context, o Options, kcmPort int) error {
	p := c.pki
	if err := c.spawn("kube-controller-manager", filepath.Join(o.BinDir, "kube-controller-manager"),
		"--kubeconfig="+c.Kubeconfig, "--authentication-kubeconfig="+c.Kubeconfig, "--authorization-kubeconfig="+c.Kubeconfig,
		// Per-controller service accounts: with the shared credentials RBAC refuses models/scale.
		"--use-service-account-credentials=true",
		"--service-account-private-key-file="+p.SAKey, "--root-ca-file="+p.CA,
		"--controllers="+strings.Join(controllers, ","),
		"--horizontal-pod-autoscaler-sync-period="+o.HPASyncPeriod.String(),
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(kcmPort), "--leader-elect=false",
	); err != nil {
		return err
	}
	healthz := fmt.Sprintf("https://127.0.0.1:%d/healthz", kcmPort)
	if err := waitHTTP(ctx, insecureClient(), healthz, 60*time.Second); err != nil {
		return fmt.Errorf(
			"kube-controller-manager did not become healthy (see %s): %w",
			c.logPath("kube-controller-manager"),
			err,
		)
	}
	o.logf("kube-controller-manager ready (HPA sync every %s)", o.HPASyncPeriod)
	return nil
}

// auditPolicy logs the given users' requests once each, when the response is complete (watches also
// when they start), at Metadata level, and nothing else.
func auditPolicy(users []string) []byte {
	var b strings.Builder
	b.WriteString(
		"apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n    users:\n",
	)
	for _, u := range users {
		fmt.Fprintf(&b, "      - %q\n", u)
	}
	b.WriteString("  - level: None\n")
	return []byte(b.String())
}

// Stop ends every process this cluster started, by PID.
func (c *Cluster) Stop() error {
	if c == nil {
		return nil
	}
	return StopDir(c.Dir)
}

// StopDir ends the processes recorded under dir, newest first, so a cluster started by another
// process (make cluster-up) can be stopped too.
func StopDir(dir string) error {
	entries, err := os.ReadDir(filepath.Join(dir, "pids"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	type rec struct {
		path string
		pid  int
		at   time.Time
	}
	var recs []rec
	for _, e := range entries {
		path := filepath.Join(dir, "pids", e.Name())
		raw, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil {
			continue
		}
		info, _ := e.Info()
		recs = append(recs, rec{path, pid, info.ModTime()})
	}
	// Newest first: the controller manager before the API server before etcd.
	for i := range recs {
		for j := i + 1; j < len(recs); j++ {
			if recs[j].at.After(recs[i].at) {
				recs[i], recs[j] = recs[j], recs[i]
			}
		}
	}
	var errs []error
	for _, r := range recs {
		if err := stopPID(r.pid); err != nil {
			errs = append(errs, fmt.Errorf("stopping %s (pid %d): %w", filepath.Base(r.path), r.pid, err))
		}
		_ = os.Remove(r.path)
	}
	return errors.Join(errs...)
}

// Spawn starts a further process that belongs to the cluster's lifetime (e.g. an adapter or a
// stand-in), recorded and stopped with it.
func (c *Cluster) Spawn(name, bin string, args ...string) error { return c.spawn(name, bin, args...) }

// CrashAPIServer kills kube-apiserver abruptly (SIGKILL: no draining, so requests in flight lose
// their connections and new ones are refused), keeps it down for the given time, and starts it
// again with the same flags, waiting until it is ready: a fault to recover from, not a
// reconfiguration. A SIGTERM would let it finish what it was serving first.
func (c *Cluster) CrashAPIServer(ctx context.Context, down time.Duration) error {
	if err := c.Crash("kube-apiserver"); err != nil {
		return fmt.Errorf("killing kube-apiserver: %w", err)
	}
	time.Sleep(down)
	if err := c.spawn("kube-apiserver", c.apiServer[0], c.apiServer[1:]...); err != nil {
		return err
	}
	client, err := c.adminHTTPClient()
	if err != nil {
		return err
	}
	return waitHTTP(ctx, client, c.Server+"/readyz", 90*time.Second)
}

// Kill stops one process started with Spawn, by the PID it recorded: SIGTERM, then SIGKILL if it
// has not exited within 10 s.
func (c *Cluster) Kill(name string) error {
	return c.endRecorded(name, stopPID)
}

// Crash kills one process started with Spawn at once, by the PID it recorded, with SIGKILL, and
// waits until it has exited, so its port is free when Crash returns.
func (c *Cluster) Crash(name string) error {
	return c.endRecorded(name, killPID)
}

// endRecorded ends the process recorded under name with end, then forgets its PID.
func (c *Cluster) endRecorded(name string, end func(pid int) error) error {
	path := filepath.Join(c.Dir, "pids", name+".pid")
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return err
	}
	if err := end(pid); err != nil {
		return err
	}
	return os.Remove(path)
}

// LogPath is where the named process writes its output.
func (c *Cluster) LogPath(name string) string { return c.logPath(name) }

func (c *Cluster) logPath(name string) string { return filepath.Join(c.Dir, "logs", name+".log") }

func (c *Cluster) spawn(name, bin string, args ...string) error {
	logFile, err := os.Create(c.logPath(name))
	if err != nil {
		return err
	}
	defer logFile.Close() //nolint:errcheck // the child holds its own descriptor
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so it outlives `make cluster-up` and is not hit by a terminal's ^C.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if c.tied {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	go func() { _ = cmd.Wait() }() // reap it when it exits
	return os.WriteFile(filepath.Join(c.Dir, "pids", name+".pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
}

func stopPID(pid int) error {
	proc, err := os.FindProcess(pid)
	if err != nil {
		return nil
	}
	if err := proc.Signal(syscall.SIGTERM); err != nil {
		return nil // already gone
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err := proc.Signal(syscall.Signal(0)); err != nil {
			return nil
		}
		if Exited(pid) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return proc.Signal(syscall.SIGKILL)
}

// killPID sends SIGKILL and waits, at most 10 s, for the process to exit.
func killPID(pid int) error {
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return nil // already gone
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if Exited(pid) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("pid %d still running 10 s after SIGKILL", pid)
}

// Exited reports a zombie (exited, not yet reaped by a parent that is gone or busy) as exited.
func Exited(pid int) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

func (c *Cluster) writeKubeconfig() error {
	ca, err := os.ReadFile(c.pki.CA)
	if err != nil {
		return err
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: c.Server, CertificateAuthorityData: ca}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificate: c.pki.AdminCert, ClientKey: c.pki.AdminKey}
	cfg.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "admin"}
	cfg.CurrentContext = "local"
	return clientcmd.WriteToFile(*cfg, c.Kubeconfig)
}

func (c *Cluster) adminHTTPClient() (*http.Client, error) {
	ca, err := os.ReadFile(c.pki.CA)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	cert, err := tls.LoadX509KeyPair(c.pki.AdminCert, c.pki.AdminKey)
	if err != nil {
		return nil, err
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	}}, nil
}

// insecureClient probes the controller manager's self-signed health endpoint on loopback.
func insecureClient() *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{
			InsecureSkipVerify: true,
			MinVersion:         tls.VersionTLS12,
		}, //nolint:gosec // loopback health probe
	}}
}

func waitHTTP(ctx context.Context, client *http.Client, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Errorf("%s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %w)", ctx.Err(), last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
