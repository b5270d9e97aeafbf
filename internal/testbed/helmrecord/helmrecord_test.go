package helmrecord

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// record is what Helm's Secret driver stores for body: base64 of gzip, or of the bare JSON.
func record(t *testing.T, body string, zipped bool) []byte {
	t.Helper()
	raw := []byte(body)
	if zipped {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(raw); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		raw = buf.Bytes()
	}
	return []byte(base64.StdEncoding.EncodeToString(raw))
}

func TestDecode(t *testing.T) {
	const body = `{"name":"hpa-metrics","version":3,"info":{"status":"deployed","description":"Rollback to 1"},
		"config":{"replicas":1},"manifest":"kind: Service"}`
	for _, zipped := range []bool{true, false} {
		rev, err := Decode(record(t, body, zipped))
		if err != nil {
			t.Fatalf("zipped %v: %v", zipped, err)
		}
		if rev.Name != "hpa-metrics" || rev.Version != 3 || rev.Info.Status != "deployed" ||
			rev.Info.Description != "Rollback to 1" || rev.Config["replicas"] != 1.0 || rev.Manifest != "kind: Service" {
			t.Errorf("zipped %v: decoded %+v", zipped, rev)
		}
	}
	if _, err := Decode([]byte("not base64!")); err == nil {
		t.Error("a record that is not base64 was decoded")
	}
}

func TestHistoryIsOldestFirstAndFiltered(t *testing.T) {
	var objs []*corev1.Secret
	for _, r := range []struct {
		version int
		status  string
	}{{3, "deployed"}, {1, "superseded"}, {2, "failed"}} {
		v := strconv.Itoa(r.version)
		objs = append(objs, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{
				Name: "sh.helm.release.v1.rel.v" + v, Namespace: "ns",
				Labels: map[string]string{"owner": "helm", "name": "rel", "status": r.status, "version": v},
			},
			Data: map[string][]byte{"release": record(t, `{"version":`+v+`,"info":{"status":"`+r.status+`"}}`, true)},
		})
	}
	other := objs[0].DeepCopy()
	other.Name, other.Labels["name"] = "sh.helm.release.v1.other.v1", "other"
	kube := fake.NewClientset(objs[0], objs[1], objs[2], other)

	all, err := History(context.Background(), kube, "ns", "rel", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range all {
		got = append(got, strconv.Itoa(r.Version)+" "+r.Info.Status)
	}
	if want := "[1 superseded 2 failed 3 deployed]"; fmt.Sprint(got) != want {
		t.Errorf("history %v, want %s", got, want)
	}
	deployed, err := History(context.Background(), kube, "ns", "rel", "status=deployed")
	if err != nil || len(deployed) != 1 || deployed[0].Version != 3 {
		t.Errorf("deployed %+v (%v), want revision 3 alone", deployed, err)
	}
}
