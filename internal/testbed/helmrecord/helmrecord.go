// Package helmrecord reads a Helm release's history as Helm's Secret storage driver keeps it: one
// Secret per revision, labelled owner=helm, name=<release>, status and version, whose
// data.release is base64 of the gzipped release JSON (helm.sh/helm/v3/pkg/storage/driver
// secrets.go and util.go). The tests and the deploy-speed comparison read it here, once.
package helmrecord

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Revision is one revision of a release: the fields of Helm's release.Release the tests read.
type Revision struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
	Info    struct {
		Status      string `json:"status"`      // deployed, superseded, failed, pending-install, ...
		Description string `json:"description"` // "Install complete", "Rollback to 1", ...
	} `json:"info"`
	Config   map[string]any `json:"config"`   // the user-supplied values
	Manifest string         `json:"manifest"` // what Helm rendered from the chart
}

// Decode undoes Helm's storage encoding of one record's data.release. Helm gzips every record it
// writes; an uncompressed one is read too, as Helm's own decodeRelease does.
func Decode(data []byte) (*Revision, error) {
	raw, err := base64.StdEncoding.DecodeString(string(data))
	if err != nil {
		return nil, fmt.Errorf("reading the Helm release record: %w", err)
	}
	if len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("reading the Helm release record: %w", err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("reading the Helm release record: %w", err)
		}
	}
	var rev Revision
	if err := json.Unmarshal(raw, &rev); err != nil {
		return nil, fmt.Errorf("reading the Helm release record: %w", err)
	}
	return &rev, nil
}

// History is every recorded revision of release in namespace whose labels match extra (e.g.
// "status=deployed"; "" for all), oldest first.
func History(ctx context.Context, kube kubernetes.Interface, namespace, release, extra string) ([]Revision, error) {
	selector := "owner=helm,name=" + release
	if extra != "" {
		selector += "," + extra
	}
	secrets, err := kube.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, fmt.Errorf("listing the records of Helm release %s: %w", release, err)
	}
	out := make([]Revision, 0, len(secrets.Items))
	for _, s := range secrets.Items {
		rev, err := Decode(s.Data["release"])
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", namespace, s.Name, err)
		}
		out = append(out, *rev)
	}
	slices.SortFunc(out, func(a, b Revision) int { return a.Version - b.Version })
	return out, nil
}
