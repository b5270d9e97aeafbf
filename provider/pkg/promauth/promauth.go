// Package promauth renders the credentials prometheus-adapter uses to reach Prometheus.
//
// prometheus-adapter has no flags for basic auth, and it loads a client certificate only
// together with --prometheus-ca-file. Its --prometheus-auth-config flag, however, takes a
// kubeconfig file and builds the HTTP transport from it with client-go, which supports basic auth,
// a CA bundle and a client certificate at once. So every credential but the bearer token (which
// has its own --prometheus-token-file) is written into one kubeconfig, stored in a Kubernetes
// Secret and mounted into the adapter: no credential ever appears in a Helm value or a flag.
package promauth

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

// Field names relative to the adapter block (the caller says where that block sits), for errors.
const (
	FieldUsername          = "prometheus.basicAuth.username"
	FieldPassword          = "prometheus.basicAuth.password"
	FieldCACertificate     = "prometheus.tls.caCertificate"
	FieldClientCertificate = "prometheus.tls.clientCertificate"
	FieldClientKey         = "prometheus.tls.clientKey"
)

// Credentials are the values of the credential inputs; empty means unset.
type Credentials struct {
	Server            string // the Prometheus URL with port and path, for the kubeconfig's cluster entry
	Username          string
	Password          string
	CACertificate     string // PEM
	ClientCertificate string // PEM
	ClientKey         string // PEM
}

// Validate checks the credentials as the adapter will use them: PEM that parses, a key that
// matches its certificate. The refusals never quote the values: they are secrets.
func Validate(c Credentials) error {
	var errs refusal.Errors
	add := func(field, problem, fix string) { errs.Add(field, fix, problem) }
	if (c.Username == "") != (c.Password == "") {
		if c.Username == "" {
			add(
				FieldUsername,
				"is empty while a password is set",
				"set the user name Prometheus expects, or remove the password",
			)
		} else {
			add(FieldPassword, "is empty while a user name is set",
				"set the password (as a Pulumi secret), or remove the user name")
		}
	}
	if c.CACertificate != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(c.CACertificate)) {
			add(
				FieldCACertificate,
				"holds no PEM certificate",
				"give the PEM of the CA that signed Prometheus' serving certificate (-----BEGIN CERTIFICATE-----)",
			)
		}
	}
	if (c.ClientCertificate == "") != (c.ClientKey == "") {
		if c.ClientCertificate == "" {
			add(
				FieldClientCertificate,
				"is empty while a client key is set",
				"set the PEM client certificate that goes with the key",
			)
		} else {
			add(FieldClientKey, "is empty while a client certificate is set",
				"set the PEM private key of the client certificate (as a Pulumi secret)")
		}
	} else if c.ClientCertificate != "" {
		if block, _ := pem.Decode([]byte(c.ClientCertificate)); block == nil || block.Type != "CERTIFICATE" {
			add(FieldClientCertificate, "is not a PEM certificate",
				"give the client certificate as PEM (-----BEGIN CERTIFICATE-----)")
		} else if block, _ := pem.Decode([]byte(c.ClientKey)); block == nil || !strings.HasSuffix(block.Type, "PRIVATE KEY") {
			add(FieldClientKey, "is not a PEM private key", "give the client key as PEM (-----BEGIN ... PRIVATE KEY-----)")
		} else if _, err := tls.X509KeyPair([]byte(c.ClientCertificate), []byte(c.ClientKey)); err != nil {
			add(FieldClientKey, "does not match the client certificate", "give the private key of clientCertificate")
		}
	}
	return errs.Err()
}

// kubeconfig is the subset of client-go's kubeconfig format the adapter reads.
type kubeconfig struct {
	APIVersion     string         `yaml:"apiVersion"`
	Kind           string         `yaml:"kind"`
	Clusters       []namedCluster `yaml:"clusters"`
	Users          []namedUser    `yaml:"users"`
	Contexts       []namedContext `yaml:"contexts"`
	CurrentContext string         `yaml:"current-context"`
}

type namedCluster struct {
	Name    string  `yaml:"name"`
	Cluster cluster `yaml:"cluster"`
}

type cluster struct {
	Server                   string `yaml:"server"`
	CertificateAuthorityData string `yaml:"certificate-authority-data,omitempty"`
}

type namedUser struct {
	Name string `yaml:"name"`
	User user   `yaml:"user"`
}

type user struct {
	Username              string `yaml:"username,omitempty"`
	Password              string `yaml:"password,omitempty"`
	ClientCertificateData string `yaml:"client-certificate-data,omitempty"`
	ClientKeyData         string `yaml:"client-key-data,omitempty"`
}

type namedContext struct {
	Name    string     `yaml:"name"`
	Context contextRef `yaml:"context"`
}

type contextRef struct {
	Cluster string `yaml:"cluster"`
	User    string `yaml:"user"`
}

// Kubeconfig validates the credentials and renders the file for --prometheus-auth-config.
func Kubeconfig(c Credentials) (string, error) {
	if err := Validate(c); err != nil {
		return "", err
	}
	enc := func(s string) string {
		if s == "" {
			return ""
		}
		return base64.StdEncoding.EncodeToString([]byte(s))
	}
	const name = "prometheus"
	out, err := yaml.Marshal(kubeconfig{
		APIVersion: "v1", Kind: "Config",
		Clusters: []namedCluster{
			{Name: name, Cluster: cluster{Server: c.Server, CertificateAuthorityData: enc(c.CACertificate)}},
		},
		Users: []namedUser{
			{
				Name: name,
				User: user{
					Username:              c.Username,
					Password:              c.Password,
					ClientCertificateData: enc(c.ClientCertificate),
					ClientKeyData:         enc(c.ClientKey),
				},
			},
		},
		Contexts:       []namedContext{{Name: name, Context: contextRef{Cluster: name, User: name}}},
		CurrentContext: name,
	})
	if err != nil {
		return "", fmt.Errorf("rendering the Prometheus auth kubeconfig: %w", err)
	}
	return string(out), nil
}
