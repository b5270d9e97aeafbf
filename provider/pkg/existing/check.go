package existing

import (
	"fmt"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

// Check reads the cluster before anything is declared and refuses the objects the
// component may not create (ownership.Decide); in adopt mode it merges the Seldon rule into the
// adopted config (ownership.AdoptRules), into a. It returns, by kind, the live spec.replicas a
// taken-over Model or Server keeps.
func Check(ctx *pulumi.Context, resource, owner string, takeOver bool, objs []ownership.Object,
	a *resolve.DesiredAdapter,
) (map[string]int64, error) {
	client, err := Connect(ctx)
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
	req := ownership.Request{Owner: owner, TakeOver: takeOver, TakeOverField: resolve.TakeOverField}
	dec, err := ownership.Decide(req, objs, seen)
	_ = errs.Include("", err)
	if a.Mode == resolve.ModeAdopt && seen[a.Objects()[0].Key()].Exists {
		cm := a.Objects()[0]
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

// ForgetDeclared starts a new deployment's memory of declared objects, as a new plugin process
// would: for tests that run several deployments in one process.
func ForgetDeclared() {
	declared.Lock()
	declared.by = map[string]string{}
	declared.Unlock()
}
