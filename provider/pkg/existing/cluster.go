package existing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
)

// The cluster read before the first create: which cluster it is, and what it holds under the names
// the component would use. Thin on purpose: ownership decides.

// explicitProviderKey carries, from Construct's request to the component, the URN of the explicit
// Kubernetes provider the component was given, if any.
type explicitProviderKey struct{}

// WithExplicitProvider records the URN of the component's explicit Kubernetes provider, which only
// the Construct request names, for the check to read that provider's cluster.
func WithExplicitProvider(ctx context.Context, urn string) context.Context {
	return context.WithValue(ctx, explicitProviderKey{}, urn)
}

// Connect returns a client for the cluster the component's children deploy to, or nil
// when that is not known yet (an explicit provider whose kubeconfig is an unknown output in a
// preview). A variable so that unit tests, which have no cluster, can serve one from memory.
var Connect = func(ctx *pulumi.Context) (dynamic.Interface, error) {
	settings, known, err := clusterSettings(ctx)
	if err != nil || !known {
		return nil, err
	}
	return ClusterClient(settings)
}

// ClusterClient is the client the check for existing objects reads the cluster with, given the
// Kubernetes provider's `kubeconfig`, `context` and `cluster` settings: one per cluster for the
// life of the process.
func ClusterClient(settings map[string]string) (dynamic.Interface, error) {
	return clients.get(settings)
}

// clients holds one client per cluster for the life of this plugin process (one deployment):
// every component of a stack checks the same cluster, and loading the kubeconfig and building a
// client for each was a share of each Construct's cost.
var clients = clientCache{by: map[[3]string]dynamic.Interface{}}

type clientCache struct {
	sync.Mutex
	by map[[3]string]dynamic.Interface
}

func (c *clientCache) get(settings map[string]string) (dynamic.Interface, error) {
	key := [3]string{settings["kubeconfig"], settings["context"], settings["cluster"]}
	c.Lock()
	defer c.Unlock()
	if client, ok := c.by[key]; ok {
		return client, nil
	}
	cfg, err := restConfig(settings)
	if err != nil {
		return nil, err
	}
	client, err := dynamic.NewForConfig(unthrottled(cfg))
	if err != nil {
		return nil, err
	}
	c.by[key] = client
	return client, nil
}

// unthrottled turns client-go's client-side rate limit off: the components of a stack share one
// client, and its default (5 QPS, burst 10) would queue a large stack's reads for seconds
// (BenchmarkExistingObjectCheck, tests/e2e, measures the check). The per-component clients this cache
// replaced were never throttled either; the API server's priority and fairness bounds every client.
func unthrottled(cfg *rest.Config) *rest.Config {
	cfg.QPS = -1
	return cfg
}

// clusterSettings are the Kubernetes provider's `kubeconfig`, `context` and `cluster`: for the
// default provider from the stack's kubernetes:* config, for an explicit provider from that
// provider's own inputs. Not known when those are outputs a preview has not computed yet.
func clusterSettings(ctx *pulumi.Context) (map[string]string, bool, error) {
	if urn, ok := ctx.Context().Value(explicitProviderKey{}).(string); ok {
		return providerSettings(ctx, urn)
	}
	settings := map[string]string{}
	for _, k := range []string{"kubeconfig", "context", "cluster"} {
		if v, ok := ctx.GetConfig("kubernetes:" + k); ok {
			settings[k] = v
		}
	}
	return settings, true, nil
}

// restConfig resolves the cluster as pulumi-kubernetes' provider Configure does: its `kubeconfig`
// (a path or the file's contents), else $KUBECONFIG or ~/.kube/config, else the in-cluster
// config; then its `context` and `cluster`.
func restConfig(settings map[string]string) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	var loader clientcmd.ClientConfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: settings["context"]}
	overrides.Context.Cluster = settings["cluster"]
	switch kc := settings["kubeconfig"]; {
	case kc == "":
		loader = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	case isFile(kc):
		rules.ExplicitPath = expandHome(kc)
		loader = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	default:
		raw, err := clientcmd.Load([]byte(kc))
		if err != nil {
			return nil, fmt.Errorf("reading the Kubernetes provider's kubeconfig: %w", err)
		}
		loader = clientcmd.NewNonInteractiveClientConfig(*raw, overrides.CurrentContext, overrides, nil)
	}
	cfg, err := loader.ClientConfig()
	if err != nil && settings["kubeconfig"] == "" {
		// As the Kubernetes provider: with no kubeconfig at all, the pod's service account.
		if in, inErr := rest.InClusterConfig(); inErr == nil {
			return in, nil
		}
	}
	return cfg, err
}

// providerSettings reads an explicit Kubernetes provider's kubeconfig, context and cluster from
// its state, through the engine's getResource invoke (how SDKs rehydrate resource references). Not
// known when the provider's inputs are outputs a preview has not computed yet.
func providerSettings(ctx *pulumi.Context, urn string) (map[string]string, bool, error) {
	// The output form: the kubeconfig is a secret, which the plain Invoke refuses to return.
	out := ctx.InvokeOutput("pulumi:pulumi:getResource", map[string]any{"urn": urn}, pulumi.MapOutput{},
		pulumi.InvokeOutputOptions{})
	res, err := internals.UnsafeAwaitOutput(ctx.Context(), out)
	if err != nil {
		return nil, false, fmt.Errorf("reading the explicit Kubernetes provider %s: %w", urn, err)
	}
	if !res.Known {
		return nil, false, nil
	}
	state, _ := res.Value.(map[string]any)["state"].(map[string]any)
	settings := map[string]string{}
	for _, k := range []string{"kubeconfig", "context", "cluster"} {
		if v, ok := state[k].(string); ok {
			settings[k] = v
		}
	}
	return settings, true, nil
}

func isFile(path string) bool {
	if strings.ContainsAny(path, "\n{") {
		return false
	}
	st, err := os.Stat(expandHome(path))
	return err == nil && !st.IsDir()
}

func expandHome(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return path
}

// Observe reads what the cluster holds under each object's name, all at once, through r's listings
// where they answer: the reads are the whole cost the check adds to a preview
// (BenchmarkExistingObjectCheck).
func (r *Reads) Observe(
	ctx context.Context,
	c dynamic.Interface,
	objects []ownership.Object,
) (map[string]ownership.Observed, error) {
	seen := make([]ownership.Observed, len(objects))
	errs := make([]error, len(objects))
	var wg sync.WaitGroup
	for i, o := range objects {
		wg.Go(func() {
			seen[i], errs[i] = r.observeOne(ctx, c, o)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("reading %s to check who owns it: %w", o, errs[i])
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make(map[string]ownership.Observed, len(objects))
	for i, o := range objects {
		out[o.Key()] = seen[i]
	}
	return out, nil
}

// fromWatchCache asks the API server for any recent version of an object: ResourceVersion "0" is
// served from its watch cache, not read from etcd. With the shared client it halved what a check
// costs the API server and etcd (BenchmarkExistingObjectCheck's control-plane-ms/op); the cache
// trails etcd by milliseconds, while the engine applies seconds after this check in any case.
const fromWatchCache = "0"

func (r *Reads) observeOne(ctx context.Context, c dynamic.Interface, o ownership.Object) (ownership.Observed, error) {
	ri := c.Resource(ownership.Resources[o.Kind])
	if o.Kind == "HelmRelease" {
		return observeRelease(ctx, ri.Namespace(o.Namespace), o.Name)
	}
	// A cluster-scoped object (the APIService, one per cluster) is read alone: listing them would
	// need a verb deploy/rbac.yaml does not grant, for no saving.
	var in dynamic.ResourceInterface = ri
	if o.Namespace != "" {
		in = ri.Namespace(o.Namespace)
		key := listingKey{client: c, resource: ownership.Resources[o.Kind], namespace: o.Namespace}
		if live, ok := r.lookup(ctx, in, key, o.Name); ok {
			if live == nil {
				return ownership.Observed{}, nil
			}
			return observed(live), nil
		}
	}
	live, err := in.Get(ctx, o.Name, metav1.GetOptions{ResourceVersion: fromWatchCache})
	if apierrors.IsNotFound(err) {
		return ownership.Observed{}, nil
	}
	if err != nil {
		return ownership.Observed{}, err
	}
	return observed(live), nil
}

// observeRelease reads a Helm release's records (Secrets labelled with its name, one per
// revision, at most maxHistory): whether it exists, and its last record when that is pending.
func observeRelease(ctx context.Context, secrets dynamic.ResourceInterface, name string) (ownership.Observed, error) {
	list, err := secrets.List(ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=" + name,
		ResourceVersion: fromWatchCache})
	if err != nil {
		return ownership.Observed{}, err
	}
	obs := ownership.Observed{Exists: len(list.Items) > 0, Managers: []string{"helm"}}
	last, lastVersion := "", -1
	for _, r := range list.Items {
		if v, err := strconv.Atoi(r.GetLabels()["version"]); err == nil && v > lastVersion {
			last, lastVersion = r.GetName()+" "+r.GetLabels()["status"], v
		}
	}
	if _, status, _ := strings.Cut(last, " "); strings.HasPrefix(status, "pending-") {
		obs.Pending = last
	}
	return obs, nil
}

// selfScaling are the spec fields with which Seldon scales a Model or Server itself.
var selfScaling = map[string][]string{"Model": {"minReplicas", "maxReplicas"}, "Server": {"minReplicas", "maxReplicas"}}

// observed keeps what ownership needs of a live object.
func observed(live *unstructured.Unstructured) ownership.Observed {
	obs := ownership.Observed{Exists: true, Owner: live.GetAnnotations()[ownership.OwnerAnnotation],
		Annotations: live.GetAnnotations()}
	for _, m := range live.GetManagedFields() {
		obs.Managers = append(obs.Managers, m.Manager)
	}
	if n, ok, _ := unstructured.NestedInt64(live.Object, "spec", "replicas"); ok {
		obs.Replicas = &n
	}
	for _, f := range selfScaling[live.GetKind()] {
		if v, ok, _ := unstructured.NestedFieldNoCopy(live.Object, "spec", f); ok {
			if obs.SelfScaling == nil {
				obs.SelfScaling = map[string]any{}
			}
			obs.SelfScaling[f] = v
		}
	}
	ns, _, _ := unstructured.NestedString(live.Object, "spec", "service", "namespace")
	name, _, _ := unstructured.NestedString(live.Object, "spec", "service", "name")
	if name != "" {
		obs.Service = ns + "/" + name
	}
	if notes := live.GetAnnotations(); notes["meta.helm.sh/release-name"] != "" {
		obs.Release = notes["meta.helm.sh/release-namespace"] + "/" + notes["meta.helm.sh/release-name"]
	}
	obs.Config, _, _ = unstructured.NestedString(live.Object, "data", "config.yaml")
	return obs
}
