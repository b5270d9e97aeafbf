package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/pipeline"
	sa "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
)

// authVolume is the pod volume the component mounts the Prometheus credentials from.
const authVolume = "prometheus-auth"

// TestPrometheusTokenStaysSecret: a bearer token given as a Pulumi secret reaches the adapter
// through a Kubernetes Secret and appears in plain text nowhere in the stack's state or outputs.
func TestPrometheusTokenStaysSecret(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	const token = "e2e-bearer-Zq8v2LmX"
	b.ensureNamespace(t, adapterNS)
	program := func(ctx *pulumi.Context) error {
		m, err := sa.NewSeldonAutoscaledModel(ctx, "irisa0", &sa.SeldonAutoscaledModelArgs{
			Model: &sa.ModelSpecArgs{
				Name:       pulumi.String(modelName),
				StorageUri: pulumi.String("gs://seldon-models/testing/iris1"),
			},
			Server:      &sa.ServerSpecArgs{Dedicated: pulumi.BoolPtr(true), ServerConfig: pulumi.StringPtr("mlserver")},
			Autoscaling: &sa.AutoscalingSpecArgs{MaxReplicas: pulumi.IntPtr(3), TargetRpsPerReplica: pulumi.Float64Ptr(3)},
			Adapter: &sa.AdapterSpecArgs{
				Chart:      &sa.ChartSpecArgs{Path: pulumi.StringPtr(b.chartPath)},
				SkipAwait:  pulumi.BoolPtr(true),
				Prometheus: &sa.PrometheusSpecArgs{BearerToken: config.RequireSecret(ctx, "prometheusToken").ToStringPtrOutput()},
			},
		})
		if err != nil {
			return err
		}
		ctx.Export("adapter", m.Adapter)
		ctx.Export("policy", m.Policy)
		return nil
	}
	st := b.goStack(t, "secret", program, nil)
	if err := st.SetConfig(ctx, "prometheusToken", autoConfigSecret(token)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	res, err := st.Up(ctx)
	if err != nil {
		t.Fatalf("up: %v", err)
	}

	secret, args := b.authSecret(t)
	if string(secret.Data["token"]) != token {
		t.Fatalf("the auth Secret %s does not hold the token", secret.Name)
	}
	if !strings.Contains(args, "--prometheus-token-file=/var/run/prometheus-auth/token") {
		t.Errorf("the adapter is not told to read the token: %s", args)
	}
	assertNotInStack(t, st, res, token)

	// A new token is a new Secret, and so a new pod template: the adapter restarts to read it.
	before := b.adapterTemplate(t)
	if err := st.SetConfig(ctx, "prometheusToken", autoConfigSecret(token+"-rotated")); err != nil {
		t.Fatal(err)
	}
	if res, err = st.Up(ctx); err != nil {
		t.Fatalf("up with a rotated token: %v", err)
	}
	rotated, _ := b.authSecret(t)
	if rotated.Name == secret.Name || string(rotated.Data["token"]) != token+"-rotated" {
		t.Errorf("rotating the token left Secret %s (was %s) holding the old value", rotated.Name, secret.Name)
	}
	if after := b.adapterTemplate(t); after.generation != before.generation+1 {
		t.Errorf("rotating the token rolled the adapter %d times, want once", after.generation-before.generation)
	}
	if _, err := b.kube.CoreV1().Secrets(adapterNS).Get(ctx, secret.Name, metav1.GetOptions{}); !apierrors.IsNotFound(
		err,
	) {
		t.Errorf("the old token's Secret %s outlived the rotation (%v)", secret.Name, err)
	}
	assertNotInStack(t, st, res, token+"-rotated")

	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	b.assertNoAuthSecret(t)
}

// TestPrometheusCredentialsAuthenticate: basic auth and a client certificate, given as Pulumi
// secrets, really get the adapter into a Prometheus that serves only mutual TLS with basic auth;
// the custom metric flows through it, and the state holds neither credential in plain text.
func TestPrometheusCredentialsAuthenticate(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	adapterBin := b.requirePipelineTools(t)
	creds := readPromCredentials(t, b.root)

	prom, trusted, pool := b.startSecuredPrometheus(ctx, t, creds)
	assertPrometheusRefusesStrangers(ctx, t, prom, trusted, pool)

	st, res := b.upCredentialsStack(ctx, t, prom, creds)
	secret, args := b.authSecret(t)
	if !strings.Contains(args, "--prometheus-auth-config=/var/run/prometheus-auth/auth.kubeconfig") ||
		strings.Contains(args, "--prometheus-token-file") {
		t.Errorf("the adapter's auth flags: %s", args)
	}
	if !strings.Contains(string(secret.Data["auth.kubeconfig"]), "client-key-data") {
		t.Errorf("the auth Secret %s holds no client key", secret.Name)
	}
	b.assertAdapterReadsThrough(ctx, t, adapterBin, prom, res)

	assertNotInStack(t, st, res, promPassword)
	assertNotInStack(t, st, res, strings.Split(strings.TrimSpace(creds.clientKey), "\n")[1])
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	b.assertNoAuthSecret(t)
}

// The basic auth TestPrometheusCredentialsAuthenticate's Prometheus asks of its clients.
const promUser, promPassword = "adapter", "e2e-pass-7Hq2xVw9"

// promCredentials are the test PKI's files (provider/pkg/component/testdata/promtls) and the PEM
// the stack is given.
type promCredentials struct {
	dir                       string
	ca, clientCert, clientKey string
}

func readPromCredentials(t *testing.T, root string) promCredentials {
	t.Helper()
	c := promCredentials{dir: filepath.Join(root, "provider", "pkg", "component", "testdata", "promtls")}
	files := map[string]*string{"ca.crt": &c.ca, "adapter.crt": &c.clientCert, "adapter.key": &c.clientKey}
	for name, into := range files {
		raw, err := os.ReadFile(filepath.Join(c.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		*into = string(raw)
	}
	return c
}

// startSecuredPrometheus starts Prometheus behind mutual TLS and basic auth, scraping the agent
// stand-in at 3 RPS, and returns it with a client it trusts and the pool of its CA.
func (b *testbed) startSecuredPrometheus(ctx context.Context, t *testing.T,
	creds promCredentials) (*pipeline.Prometheus, *http.Client, *x509.CertPool) {
	agent, err := pipeline.StartAgent()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = agent.Stop() })
	series := pipeline.Series{Model: modelName, Server: serverName, MethodType: "rest"}
	agent.SetRate(series, 3)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(creds.ca))
	clientCert, err := tls.X509KeyPair([]byte(creds.clientCert), []byte(creds.clientKey))
	if err != nil {
		t.Fatal(err)
	}
	trusted := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: pool, Certificates: []tls.Certificate{clientCert}, MinVersion: tls.VersionTLS12}}}
	pki := creds.dir
	prom, err := pipeline.StartSecuredPrometheus(
		ctx,
		b.cluster,
		filepath.Join(t.TempDir(), "prometheus"),
		agent.Addr,
		ns,
		"mlserver-0",
		fast.Scrape,
		pipeline.WebSecurity{CertFile: filepath.Join(pki, "prometheus.crt"), KeyFile: filepath.Join(pki, "prometheus.key"),
			ClientCAFile: filepath.Join(pki, "ca.crt"), Username: promUser, Password: promPassword, Client: trusted},
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.cluster.Kill("prometheus") })
	return prom, trusted, pool
}

// assertPrometheusRefusesStrangers: the test would prove nothing if Prometheus let anyone in.
func assertPrometheusRefusesStrangers(ctx context.Context, t *testing.T, prom *pipeline.Prometheus,
	trusted *http.Client, pool *x509.CertPool) {
	anonymous := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}
	if resp, err := anonymous.Get(prom.URL + "api/v1/query?query=up"); err == nil {
		_ = resp.Body.Close()
		t.Fatalf("Prometheus answered a client without a certificate: %s", resp.Status)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, prom.URL+"api/v1/query?query=up", nil)
	req.SetBasicAuth(promUser, "wrong")
	if resp, err := trusted.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("Prometheus did not refuse a wrong password (%v, %v)", resp, err)
	}
}

// upCredentialsStack brings up a component whose adapter reads prom with the basic auth and the
// client certificate, the password and the key given as Pulumi secrets.
func (b *testbed) upCredentialsStack(ctx context.Context, t *testing.T, prom *pipeline.Prometheus,
	creds promCredentials) (auto.Stack, auto.UpResult) {
	port := prom.URL[strings.LastIndex(prom.URL, ":")+1 : len(prom.URL)-1]
	st := b.goStack(
		t,
		"credentials",
		b.credentialsProgram,
		map[string]string{"prometheusPort": port, "prometheusCA": creds.ca, "clientCertificate": creds.clientCert},
	)
	for k, v := range map[string]string{"prometheusPassword": promPassword, "clientKey": creds.clientKey} {
		if err := st.SetConfig(ctx, k, autoConfigSecret(v)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	res, err := st.Up(ctx)
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	return st, res
}

// credentialsProgram is upCredentialsStack's program: the Prometheus port and the PEM come from
// the stack's config, the password and the client key as secrets.
func (b *testbed) credentialsProgram(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	m, err := sa.NewSeldonAutoscaledModel(ctx, "irisa0", &sa.SeldonAutoscaledModelArgs{
		Model: &sa.ModelSpecArgs{
			Name:       pulumi.String(modelName),
			StorageUri: pulumi.String("gs://seldon-models/testing/iris1"),
		},
		Server:      &sa.ServerSpecArgs{Dedicated: pulumi.BoolPtr(true), ServerConfig: pulumi.StringPtr("mlserver")},
		Autoscaling: &sa.AutoscalingSpecArgs{MaxReplicas: pulumi.IntPtr(3), TargetRpsPerReplica: pulumi.Float64Ptr(3)},
		Adapter: &sa.AdapterSpecArgs{
			Chart: &sa.ChartSpecArgs{Path: pulumi.StringPtr(b.chartPath)},
			// The namespace is created by the component, before the Secret that lives in it.
			SkipAwait: pulumi.BoolPtr(true), CreateNamespace: pulumi.BoolPtr(true),
			RateWindow: pulumi.StringPtr(
				fast.RateWindow.String(),
			), PrometheusScrapeInterval: pulumi.StringPtr(fast.Scrape.String()),
			MetricsRelistInterval: pulumi.StringPtr(fast.Relist.String()),
			Prometheus: &sa.PrometheusSpecArgs{
				Url: pulumi.StringPtr("https://127.0.0.1"), Port: pulumi.IntPtr(cfg.RequireInt("prometheusPort")),
				BasicAuth: &sa.BasicAuthSpecArgs{
					Username: pulumi.String(promUser), Password: cfg.RequireSecret("prometheusPassword"),
				},
				Tls: &sa.PrometheusTLSSpecArgs{
					CaCertificate: pulumi.StringPtr(
						cfg.Require("prometheusCA"),
					), ClientCertificate: pulumi.StringPtr(cfg.Require("clientCertificate")),
					ClientKey: cfg.RequireSecret("clientKey").ToStringPtrOutput(),
				},
			},
		},
	})
	if err != nil {
		return err
	}
	ctx.Export("path", m.CustomMetricsPath)
	ctx.Export("adapter", m.Adapter)
	return nil
}

// assertAdapterReadsThrough: the adapter, run with exactly what the Deployment mounts, reads the
// metric through the secured Prometheus.
func (b *testbed) assertAdapterReadsThrough(ctx context.Context, t *testing.T, adapterBin string,
	prom *pipeline.Prometheus, res auto.UpResult) {
	adapter, err := pipeline.StartAdapter(
		ctx,
		b.cluster,
		b.kube,
		b.dyn,
		adapterBin,
		filepath.Join(t.TempDir(), "adapter"),
		b.cluster.Kubeconfig,
		pipeline.AdapterSource{Namespace: adapterNS, Deployment: adapterName},
		prom,
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.cluster.Kill("prometheus-adapter") })
	if len(adapter.AuthArgs) != 1 {
		t.Errorf("the local adapter got auth flags %v", adapter.AuthArgs)
	}
	path, _ := res.Outputs["path"].Value.(string)
	eventually(t, 90*time.Second, "infer_rps read through the authenticated Prometheus", func() (bool, string) {
		v, err := b.metric(ctx, path)
		return err == nil && math.Abs(v-3) <= 0.3, fmt.Sprintf("%v (%v)", v, err)
	})
}

// authSecret returns the Secret the adapter Deployment mounts its credentials from, and the
// adapter's arguments.
func (b *testbed) authSecret(t *testing.T) (*corev1.Secret, string) {
	t.Helper()
	ctx := context.Background()
	dep, err := b.kube.AppsV1().Deployments(adapterNS).Get(ctx, adapterName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	name := ""
	for _, v := range dep.Spec.Template.Spec.Volumes {
		if v.Name == authVolume && v.Secret != nil {
			name = v.Secret.SecretName
		}
	}
	if name == "" {
		t.Fatalf("the adapter mounts no %s volume", authVolume)
	}
	secret, err := b.kube.CoreV1().Secrets(adapterNS).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the mounted Secret %s: %v", name, err)
	}
	return secret, strings.Join(dep.Spec.Template.Spec.Containers[0].Args, " ")
}

// assertNoAuthSecret: destroy removed every credentials Secret.
func (b *testbed) assertNoAuthSecret(t *testing.T) {
	t.Helper()
	list, err := b.kube.CoreV1().Secrets(adapterNS).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list.Items {
		if strings.Contains(s.Name, "prometheus-auth") {
			t.Errorf("the credentials Secret %s outlived destroy", s.Name)
		}
	}
}

// assertNotInStack greps the exported state, the outputs and the update's log for a secret.
func assertNotInStack(t *testing.T, st auto.Stack, res auto.UpResult, secret string) {
	t.Helper()
	state, err := st.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(state)
	if strings.Contains(string(raw), secret) {
		t.Error("a credential appears in plain text in the exported stack state")
	}
	outputs, _ := json.Marshal(res.Outputs)
	if strings.Contains(string(outputs), secret) || strings.Contains(res.StdOut, secret) {
		t.Error("a credential appears in the outputs or the update's output")
	}
}

func (b *testbed) ensureNamespace(t *testing.T, name string) {
	t.Helper()
	_, err := b.kube.CoreV1().
		Namespaces().
		Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}
