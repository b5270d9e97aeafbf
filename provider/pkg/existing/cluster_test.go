package existing

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
	"k8s.io/client-go/dynamic"
)

// kubeAPI is an API server that knows no object: it records the query of every request and
// answers 404, as a cluster without the component's objects does.
func kubeAPI(t *testing.T) (kubeconfig string, queries func() []string) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.String())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/secrets") { // the Helm release's records: a list
			_, _ = w.Write([]byte(`{"kind":"List","apiVersion":"v1","items":[]}`))
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`))
	}))
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := "apiVersion: v1\nkind: Config\ncurrent-context: a\n" +
		"clusters: [{name: a, cluster: {server: '" + srv.URL + "'}}, {name: b, cluster: {server: '" + srv.URL + "'}}]\n" +
		"users: [{name: u, user: {}}]\n" +
		"contexts: [{name: a, context: {cluster: a, user: u}}, {name: b, context: {cluster: b, user: u}}]\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }
}

// The components of a stack share one client per cluster, and it is not throttled: client-go's
// default 5 QPS would queue a large stack's checks.
func TestOneUnthrottledClientPerCluster(t *testing.T) {
	path, _ := kubeAPI(t)
	cache := clientCache{by: map[[3]string]dynamic.Interface{}}
	get := func(settings map[string]string) dynamic.Interface {
		t.Helper()
		c, err := cache.get(settings)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := get(map[string]string{"kubeconfig": path})
	if again := get(map[string]string{"kubeconfig": path}); again != a {
		t.Error("a second component checking the same cluster built a client of its own")
	}
	if b := get(map[string]string{"kubeconfig": path, "context": "b"}); b == a {
		t.Error("another context shares the first context's client")
	}
	cfg, err := restConfig(map[string]string{"kubeconfig": path})
	if err != nil {
		t.Fatal(err)
	}
	if got := unthrottled(cfg).QPS; got >= 0 {
		t.Errorf("QPS %v: client-go rate-limits a shared client at 5 QPS unless QPS is negative", got)
	}
}

// The check reads every object from the API server's watch cache (resourceVersion=0), not from
// etcd.
func TestObserveReadsFromWatchCache(t *testing.T) {
	path, queries := kubeAPI(t)
	client, err := (&clientCache{by: map[[3]string]dynamic.Interface{}}).get(map[string]string{"kubeconfig": path})
	if err != nil {
		t.Fatal(err)
	}
	// Installs the adapter: seven objects.
	target, maxReplicas := 3.0, 3
	d, err := resolve.Resolve(resolve.Args{
		Model:       resolve.ModelSpec{Name: "irisa0", StorageURI: "gs://seldon-models/testing/iris1"},
		Autoscaling: resolve.AutoscalingSpec{TargetRpsPerReplica: &target, MaxReplicas: &maxReplicas}})
	if err != nil {
		t.Fatal(err)
	}
	seen, err := NewReads().Observe(context.Background(), client, d.Objects())
	if err != nil {
		t.Fatal(err)
	}
	for key, o := range seen {
		if o.Exists {
			t.Errorf("%s: exists in a cluster that holds nothing", key)
		}
	}
	got := queries()
	if len(got) != len(d.Objects()) {
		t.Errorf("%d requests for %d objects: %v", len(got), len(d.Objects()), got)
	}
	for _, q := range got {
		if u, err := url.Parse(q); err != nil || u.Query().Get("resourceVersion") != "0" {
			t.Errorf("%s: not served from the watch cache (resourceVersion=0)", q)
		}
	}
}
