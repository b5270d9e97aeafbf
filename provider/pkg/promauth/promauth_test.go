package promauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

// pki is a CA with one server and one client certificate, PEM encoded.
type pki struct {
	caPEM, serverCert, serverKey, clientCert, clientKey, otherKey string
	pool                                                          *x509.CertPool
}

func newPKI(t *testing.T) pki {
	t.Helper()
	key := func() (*ecdsa.PrivateKey, string) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return k, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	}
	caKey, _ := key()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, usage x509.ExtKeyUsage) (string, string) {
		k, kPEM := key()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), kPEM
	}
	p := pki{caPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})), pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.serverCert, p.serverKey = issue(2, x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = issue(3, x509.ExtKeyUsageClientAuth)
	_, p.otherKey = key()
	return p
}

func TestValidate(t *testing.T) {
	p := newPKI(t)
	cases := []struct {
		name  string
		creds Credentials
		field string // "" when valid
	}{
		{"nothing", Credentials{}, ""},
		{"basic auth", Credentials{Username: "u", Password: "p"}, ""},
		{"password without user", Credentials{Password: "p"}, FieldUsername},
		{"user without password", Credentials{Username: "u"}, FieldPassword},
		{"CA only", Credentials{CACertificate: p.caPEM}, ""},
		{"CA not PEM", Credentials{CACertificate: "not pem"}, FieldCACertificate},
		{"client pair", Credentials{CACertificate: p.caPEM, ClientCertificate: p.clientCert, ClientKey: p.clientKey}, ""},
		{"key without cert", Credentials{ClientKey: p.clientKey}, FieldClientCertificate},
		{"cert without key", Credentials{ClientCertificate: p.clientCert}, FieldClientKey},
		{"cert not PEM", Credentials{ClientCertificate: "x", ClientKey: p.clientKey}, FieldClientCertificate},
		{"key not PEM", Credentials{ClientCertificate: p.clientCert, ClientKey: "x"}, FieldClientKey},
		{"key of another cert", Credentials{ClientCertificate: p.clientCert, ClientKey: p.otherKey}, FieldClientKey},
		{
			"key given as the cert",
			Credentials{ClientCertificate: p.clientKey, ClientKey: p.clientKey},
			FieldClientCertificate,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.creds)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var errs refusal.Errors
			if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Field != tc.field {
				t.Fatalf("want an error naming %s, got %v", tc.field, err)
			}
			for _, secret := range []string{tc.creds.Password, tc.creds.ClientKey} {
				if secret != "" && len(secret) > 1 && strings.Contains(err.Error(), secret) {
					t.Errorf("the error quotes a secret: %v", err)
				}
			}
		})
	}
}

// TestKubeconfigAuthenticates loads the rendered file exactly as prometheus-adapter v0.12 does
// (clientcmd, then rest.TransportFor) and calls a TLS server that demands both the client
// certificate and the basic-auth credentials.
func TestKubeconfigAuthenticates(t *testing.T) {
	p := newPKI(t)
	srvCert, err := tls.X509KeyPair([]byte(p.serverCert), []byte(p.serverKey))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, pw, ok := r.BasicAuth(); !ok || u != "adapter" || pw != "pa:ss w0rd" {
			http.Error(w, "basic auth", http.StatusUnauthorized)
			return
		}
		if len(r.TLS.PeerCertificates) == 0 {
			http.Error(w, "client cert", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{srvCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.pool,
		MinVersion:   tls.VersionTLS12,
	}
	srv.StartTLS()
	defer srv.Close()

	get := func(c Credentials) int {
		t.Helper()
		cfgText, err := Kubeconfig(c)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "auth.kubeconfig")
		if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
			t.Fatal(err)
		}
		loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
			&clientcmd.ClientConfigLoadingRules{ExplicitPath: path},
			&clientcmd.ConfigOverrides{},
		)
		restCfg, err := loader.ClientConfig()
		if err != nil {
			t.Fatalf("the adapter could not load the file: %v\n%s", err, cfgText)
		}
		tr, err := rest.TransportFor(restCfg)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get(srv.URL + "/api/v1/query?query=up")
		if err != nil {
			return 0
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	full := Credentials{
		Server:            srv.URL,
		Username:          "adapter",
		Password:          "pa:ss w0rd",
		CACertificate:     p.caPEM,
		ClientCertificate: p.clientCert,
		ClientKey:         p.clientKey,
	}
	if code := get(full); code != http.StatusOK {
		t.Fatalf("with every credential: status %d, want 200", code)
	}
	noBasic := full
	noBasic.Username, noBasic.Password = "", ""
	if code := get(noBasic); code != http.StatusUnauthorized {
		t.Errorf("without basic auth: status %d, want 401 (the test server would accept anything)", code)
	}
	noClient := full
	noClient.ClientCertificate, noClient.ClientKey = "", ""
	if code := get(noClient); code != 0 {
		t.Errorf("without a client certificate the TLS handshake must fail, got status %d", code)
	}
}
