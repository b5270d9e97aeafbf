// Package ownership decides, from what a cluster already holds, whether a component may declare
// the objects it would create: a cluster is never empty, and Pulumi's Kubernetes provider applies
// with server-side apply, which upserts, so an object someone else made would otherwise be taken
// over silently (and deleted by a later destroy). The check is ours because the provider has no
// create-only mode.
//
// The objects a component creates carry OwnerAnnotation, naming the component; an object without
// it, or naming another component, is someone else's. Refusals name the input that names the
// object, who manages it now, and the ways forward; all are reported at once.
//
// Pure: no Pulumi, no client-go. The component observes the cluster and feeds Decide.
package ownership

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// OwnerAnnotation marks an object this project's component created: `<project>/<stack>/<name>`.
const OwnerAnnotation = "seldon-autoscaling.pulumi.com/owner"

// Role says what an object is to the component, and so what may be done when it already exists.
type Role int

const (
	// Scaled is a Model or Server: taken over on request, keeping its live spec.replicas.
	Scaled Role = iota
	// Owned is another object the component creates (an HPA): taken over on request.
	Owned
	// AdapterOwned is an object of an installed adapter (the rules ConfigMap): never taken over,
	// since another stack's adapter mounts it; adopt mode is the way to share an adapter.
	AdapterOwned
	// Release is a Helm release: Helm installs a release name once per namespace.
	Release
	// APIService is the custom metrics APIService: one custom metrics provider per cluster.
	APIService
	// Adopted is an object of an adapter someone else installed: it must exist.
	Adopted
	// Hosting is an existing Server the Model runs on, which the component neither creates nor
	// manages: the Server HPA scales it, so Seldon must not scale it too.
	Hosting
)

// Object is one object the component would declare.
type Object struct {
	Kind, Namespace, Name string
	Role                  Role
	// Field is the input that names the object, for refusals.
	Field string
	// Service is, for an APIService, the Service (namespace/name) the component's adapter serves it from;
	// Release the Helm release (namespace/name) that installs it.
	Service, Release string
	// Sets are the self-scaling spec fields the component itself sets on a Model or Server, with their
	// values (a Model's minReplicas under partial scheduling): a live object holding exactly these
	// does not scale itself against the HPAs.
	Sets map[string]int64
	// OwnedWith is, for a Helm release (whose records carry no annotation of ours), the key of the
	// object installed with it whose owner it shares: the rules ConfigMap.
	OwnedWith string
}

// Key identifies the object in the cluster.
func (o Object) Key() string { return o.Kind + " " + o.Namespace + "/" + o.Name }

func (o Object) String() string {
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// Observed is what the cluster holds under an object's name.
type Observed struct {
	Exists bool
	// Owner is the object's OwnerAnnotation; empty when it has none.
	Owner string
	// Managers are the field managers of the live object (metadata.managedFields), for saying
	// who manages it now.
	Managers []string
	// Replicas is a Model's or Server's live spec.replicas, nil when unset.
	Replicas *int64
	// SelfScaling holds the live spec fields with which Seldon scales the object itself
	// (minReplicas, maxReplicas), with their values: they would fight the HPAs.
	SelfScaling map[string]any
	// Service is an APIService's backing Service, namespace/name; empty for a local APIService.
	Service string
	// Release is the Helm release (namespace/name) an object's meta.helm.sh annotations name.
	Release string
	// Pending is, for a Helm release, its last record when that is pending-install, pending-upgrade
	// or pending-rollback (Secret name and status): an operation that never finished.
	Pending string
	// Annotations and Config (data config.yaml) are an adopted ConfigMap's.
	Annotations map[string]string
	Config      string
}

// Request is what Decide needs to know about the component.
type Request struct {
	// Owner names the component, as OwnerAnnotation does.
	Owner string
	// TakeOver is the user's explicit opt-in to manage existing Models, Servers and HPAs.
	TakeOver bool
	// TakeOverField is the input that opts in, for the fix texts.
	TakeOverField string
}

// Decision is what the component declares differently because of what exists.
type Decision struct {
	// TakenOver lists the keys of the existing objects the component takes over.
	TakenOver []string
	// Replicas holds, by key, the live spec.replicas a taken-over Model or Server keeps.
	Replicas map[string]int64
}

// Decide checks every object against what the cluster holds, refusing (all at once) each one the
// component may not create.
func Decide(req Request, objects []Object, seen map[string]Observed) (Decision, error) {
	d := Decision{Replicas: map[string]int64{}}
	var errs refusal.Errors
	for _, o := range objects {
		obs := seen[o.Key()]
		if o.OwnedWith != "" {
			obs.Owner = seen[o.OwnedWith].Owner
		}
		switch {
		case o.Role == Adopted:
			checkAdopted(&errs, o, obs)
		case o.Role == APIService:
			checkAPIService(&errs, o, obs)
		case o.Role == Hosting:
			checkHosting(&errs, o, obs)
		case o.Role == Release && obs.Pending != "" && (obs.Owner == req.Owner || obs.Owner == ""):
			refusePending(&errs, o, obs)
		case !obs.Exists || obs.Owner == req.Owner:
			// Not there yet, or this component's own.
		case o.Role == Release:
			refuseRelease(&errs, o, obs)
		case o.Role == AdapterOwned:
			errs.Add(o.Field, "choose another adapter.releaseName or adapter.namespace, or set adapter.mode to "+
				"adopt (or none, with a SeldonMetricsAdapter) to share that adapter", exists(o, obs, req))
		case !req.TakeOver:
			refuseTakeover(&errs, o, obs, req)
		default:
			takeOver(&errs, &d, o, obs)
		}
	}
	return d, errs.Err()
}

// takeOver records an object the user asked to take over, keeping a Model's or Server's replicas.
func takeOver(errs *refusal.Errors, d *Decision, o Object, obs Observed) {
	if fields := selfScaling(o, obs); len(fields) > 0 {
		errs.Addf(o.Field, removeFields(o, fields)+", then take it over",
			"%s has spec.%s, with which Seldon scales it itself: taken over, it would fight the HPAs",
			o, strings.Join(fields, " and spec."))
		return
	}
	d.TakenOver = append(d.TakenOver, o.Key())
	if o.Role == Scaled && obs.Replicas != nil {
		d.Replicas[o.Key()] = *obs.Replicas
	}
}

// checkHosting refuses an existing Server the Server HPA would scale while Seldon scales it too:
// from Seldon 2.9 the scheduler scales a Server with minReplicas/maxReplicas itself (native server
// autoscaling, on by default), and the two fight over spec.replicas.
func checkHosting(errs *refusal.Errors, o Object, obs Observed) {
	if fields := selfScaling(o, obs); obs.Exists && len(fields) > 0 {
		errs.Addf(o.Field, removeFields(o, fields)+", or run the Model on a dedicated Server (server.dedicated: "+
			"true), which never gets them", "%s has spec.%s, with which Seldon (2.9 and later) scales it itself: "+
			"the Server HPA would fight it", o, strings.Join(fields, " and spec."))
	}
}

// selfScaling lists, sorted, the live self-scaling fields the component would not set itself.
func selfScaling(o Object, obs Observed) []string {
	var out []string
	for f, v := range obs.SelfScaling {
		if want, ok := o.Sets[f]; ok && isInt(v, want) {
			continue
		}
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// isInt reports whether a live spec value (as JSON decodes it: int64, or float64) is n.
func isInt(v any, n int64) bool {
	switch x := v.(type) {
	case int64:
		return x == n
	case float64:
		return x == float64(n)
	}
	return false
}

// removeFields is the command that removes the self-scaling fields from a live object.
func removeFields(o Object, fields []string) string {
	ops := make([]string, len(fields))
	for i, f := range fields {
		ops[i] = fmt.Sprintf(`{"op":"remove","path":"/spec/%s"}`, f)
	}
	return fmt.Sprintf("remove them first (kubectl patch %s %s -n %s --type=json -p '[%s]')",
		strings.ToLower(o.Kind), o.Name, o.Namespace, strings.Join(ops, ","))
}

func refuseTakeover(errs *refusal.Errors, o Object, obs Observed, req Request) {
	keep := ""
	if o.Role == Scaled && obs.Replicas != nil {
		keep = fmt.Sprintf(", keeping its %d replicas,", *obs.Replicas)
	}
	errs.Add(o.Field, fmt.Sprintf("set %s: true to manage it from this stack%s (destroy then deletes it); "+
		"or choose another name; or delete it first", req.TakeOverField, keep), exists(o, obs, req))
}

func refuseRelease(errs *refusal.Errors, o Object, obs Observed) {
	errs.Add(o.Field, "set adapter.mode to adopt to configure that adapter, or choose another adapter.releaseName "+
		"or adapter.namespace", fmt.Sprintf("Helm release %s already exists in namespace %s, installed by %s",
		o.Name, o.Namespace, manager(obs)))
}

// refusePending: Helm refuses every operation on a release whose last operation never finished
// ("another operation is in progress", or "cannot re-use a name" on an install), typically one
// whose Helm or API server was stopped mid-way. Said at preview, with the repair.
func refusePending(errs *refusal.Errors, o Object, obs Observed) {
	record, status, _ := strings.Cut(obs.Pending, " ")
	errs.Add(o.Field, fmt.Sprintf("if no Helm operation is running on it any more, delete that record "+
		"(kubectl delete secret -n %s %s) and run up again: Helm then continues from the last deployed "+
		"revision, or installs afresh", o.Namespace, record),
		fmt.Sprintf("Helm release %s in namespace %s is %s: its last operation (%s) never finished, and Helm "+
			"refuses to touch it until that record is gone", o.Name, o.Namespace, status, record))
}

func checkAdopted(errs *refusal.Errors, o Object, obs Observed) {
	if !obs.Exists {
		errs.Add(o.Field, "install the adapter first, name its objects with adapter.configMapName and "+
			"adapter.deploymentName, or use adapter.mode install",
			fmt.Sprintf("%s does not exist, so there is no adapter to adopt", o))
	}
}

// checkAPIService refuses an APIService another provider serves: a cluster has one custom
// metrics provider, and Helm would fail on it only after the rules ConfigMap exists. The
// APIService is this adapter's when its own Helm release installed it (whatever Service it was
// pointed at since), as Helm's checkOwnership (pkg/action/validate.go) decides.
func checkAPIService(errs *refusal.Errors, o Object, obs Observed) {
	if !obs.Exists || obs.Release == o.Release || obs.Service == o.Service {
		return
	}
	by := "the API server itself"
	if obs.Service != "" {
		by = "Service " + obs.Service
	}
	errs.Add(o.Field, "set adapter.mode to adopt if that is a prometheus-adapter, or to none and have its "+
		"installer serve the Seldon rule; one custom metrics provider serves a cluster",
		fmt.Sprintf("%s is already served by %s, not by this adapter's Service %s", o, by, o.Service))
}

// exists says that an object exists and who manages it now.
func exists(o Object, obs Observed, req Request) string {
	if obs.Owner != "" && obs.Owner != req.Owner {
		return fmt.Sprintf("%s already exists, created by another component (%s=%s)", o, OwnerAnnotation, obs.Owner)
	}
	return fmt.Sprintf("%s already exists and this component did not create it (managed by %s)", o, manager(obs))
}

func manager(obs Observed) string {
	if len(obs.Managers) == 0 {
		return "an unknown field manager"
	}
	m := slices.Clone(obs.Managers)
	slices.Sort(m)
	return strings.Join(slices.Compact(m), ", ")
}

// Resources maps the kinds an Object names to the API resources they are read from (a Helm
// release is its release Secret).
var Resources = map[string]schema.GroupVersionResource{
	"Model":                   {Group: "mlops.seldon.io", Version: "v1alpha1", Resource: "models"},
	"Server":                  {Group: "mlops.seldon.io", Version: "v1alpha1", Resource: "servers"},
	"HorizontalPodAutoscaler": {Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"},
	"ConfigMap":               {Version: "v1", Resource: "configmaps"},
	"Deployment":              {Group: "apps", Version: "v1", Resource: "deployments"},
	"APIService":              {Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"},
	"HelmRelease":             {Version: "v1", Resource: "secrets"},
}
