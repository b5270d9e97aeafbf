package component

import (
	"fmt"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

// customMetricsAPIService is the APIService a prometheus-adapter install registers.
const customMetricsAPIService = "v1beta1.custom.metrics.k8s.io"

// takeOverField is the input that opts in to taking over existing Models, Servers and HPAs.
const takeOverField = "takeOverExisting"

// Objects lists what the component would create (or, in adopt mode, patch), each with the input
// that names it.
func (d *Desired) Objects() []ownership.Object {
	ns := d.Model.Namespace
	var sets map[string]int64
	if n, ok := d.Model.Spec["minReplicas"].(int); ok {
		sets = map[string]int64{"minReplicas": int64(n)} // partial scheduling: the component's own
	}
	objs := []ownership.Object{
		{Kind: "Model", Namespace: ns, Name: d.Model.Name, Role: ownership.Scaled, Field: "model.name", Sets: sets},
		{Kind: "HorizontalPodAutoscaler", Namespace: ns, Name: d.ModelHPAName, Role: ownership.Owned, Field: "model.name"},
		{Kind: "HorizontalPodAutoscaler", Namespace: ns, Name: d.ServerHPAName, Role: ownership.Owned,
			Field: "model.name"},
	}
	if d.Server != nil {
		objs = append(objs, ownership.Object{Kind: "Server", Namespace: ns, Name: d.Server.Name,
			Role: ownership.Scaled, Field: "server.name"})
	} else {
		objs = append(objs, ownership.Object{Kind: "Server", Namespace: ns, Name: d.ServerName,
			Role: ownership.Hosting, Field: "server.name"})
	}
	return append(objs, d.Adapter.objects()...)
}

// objects lists the adapter's objects: those an install creates, or those adopt mode patches.
func (a Adapter) objects() []ownership.Object {
	field := a.Inputs.Prefix
	switch a.Mode {
	case ModeInstall:
		rules := ownership.Object{Kind: "ConfigMap", Namespace: a.Namespace, Name: a.ConfigMapName,
			Role: ownership.AdapterOwned, Field: field + "releaseName"}
		return []ownership.Object{rules,
			{Kind: "HelmRelease", Namespace: a.Namespace, Name: a.ReleaseName, Role: ownership.Release,
				Field: field + "releaseName", OwnedWith: rules.Key()},
			{Kind: "APIService", Name: customMetricsAPIService, Role: ownership.APIService, Field: field + "mode",
				Service: a.Namespace + "/" + a.DeploymentName, Release: a.Namespace + "/" + a.ReleaseName},
		}
	case ModeAdopt:
		return []ownership.Object{
			{Kind: "ConfigMap", Namespace: a.Namespace, Name: a.ConfigMapName, Role: ownership.Adopted,
				Field: field + "configMapName"},
			{Kind: "Deployment", Namespace: a.Namespace, Name: a.DeploymentName, Role: ownership.Adopted,
				Field: field + "deploymentName"},
		}
	}
	return nil
}

// checkExisting reads the cluster before anything is declared and refuses the objects the
// component may not create (ownership.Decide); in adopt mode it merges the Seldon rule into the
// adopted config (ownership.AdoptRules), into a. It returns, by kind, the live spec.replicas a
// taken-over Model or Server keeps.
func checkExisting(ctx *pulumi.Context, resource, owner string, takeOver bool, objs []ownership.Object,
	a *Adapter,
) (map[string]int64, error) {
	client, err := connectCluster(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s reads the cluster before creating anything, to refuse objects it does not "+
			"own, and cannot: %w", resource, err)
	}
	if client == nil {
		_ = ctx.Log.Warn("the check for existing objects waits for the update: the explicit Kubernetes "+
			"provider is new in this preview, so its kubeconfig cannot be read yet", nil)
		return nil, nil
	}
	seen, err := processReads.Observe(ctx.Context(), client, objs)
	if err != nil {
		return nil, err
	}
	var errs refusal.Errors
	_ = errs.Include("", claimInProcess(ctx, owner, objs))
	req := ownership.Request{Owner: owner, TakeOver: takeOver, TakeOverField: takeOverField}
	dec, err := ownership.Decide(req, objs, seen)
	_ = errs.Include("", err)
	if a.Mode == ModeAdopt && seen[a.objects()[0].Key()].Exists {
		cm := a.objects()[0]
		adopted, err := ownership.AdoptRules(req, cm, seen[cm.Key()], a.Rule, a.Inputs.Prefix+"rule")
		_ = errs.Include("", err)
		a.ConfigYAML, a.ConfigHash, a.RuleClaim = adopted.Config, adopted.Hash, adopted.Claim
	}
	if err := errs.For(resource); err != nil {
		return nil, err
	}
	replicas := map[string]int64{}
	for _, o := range objs {
		if n, ok := dec.Replicas[o.Key()]; ok {
			replicas[o.Kind] = n
		}
	}
	return replicas, nil
}

// declared remembers, for the life of this plugin process (one deployment), which component
// declared each object: two components of one stack naming the same object both pass the cluster
// check in a preview, where neither exists yet.
var declared = struct {
	sync.Mutex
	by map[string]string
}{by: map[string]string{}}

func claimInProcess(ctx *pulumi.Context, owner string, objs []ownership.Object) error {
	cluster, _ := ctx.Context().Value(explicitProviderKey{}).(string)
	declared.Lock()
	defer declared.Unlock()
	var errs refusal.Errors
	for _, o := range objs {
		if o.Role == ownership.Adopted || o.Role == ownership.APIService || o.Role == ownership.Hosting {
			continue // shared on purpose: see ownership.AdoptRules
		}
		key := cluster + " " + o.Key()
		if other, ok := declared.by[key]; ok && other != owner {
			errs.Addf(o.Field, "give one of them another name", "%s is declared by another component of this "+
				"stack too (%s)", o, other)
			continue
		}
		declared.by[key] = owner
	}
	return errs.Err()
}
