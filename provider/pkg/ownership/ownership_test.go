package ownership

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/adapterrules"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

const me = "proj/dev/iris"

var (
	model = Object{Kind: "Model", Namespace: "seldon-mesh", Name: "iris", Role: Scaled, Field: "model.name"}
	hpa   = Object{Kind: "HorizontalPodAutoscaler", Namespace: "seldon-mesh", Name: "iris-model-hpa", Role: Owned,
		Field: "model.name"}
	rules = Object{Kind: "ConfigMap", Namespace: "mon", Name: "hpa-metrics-seldon-rules", Role: AdapterOwned,
		Field: "adapter.releaseName"}
	release = Object{Kind: "HelmRelease", Namespace: "mon", Name: "hpa-metrics", Role: Release,
		Field: "adapter.releaseName", OwnedWith: rules.Key()}
	api = Object{Kind: "APIService", Name: "v1beta1.custom.metrics.k8s.io", Role: APIService,
		Field: "adapter.mode", Service: "mon/hpa-metrics-prometheus-adapter", Release: "mon/hpa-metrics"}
	partial = Object{Kind: "Model", Namespace: "seldon-mesh", Name: "iris", Role: Scaled, Field: "model.name",
		Sets: map[string]int64{"minReplicas": 2}}
	hosting   = Object{Kind: "Server", Namespace: "seldon-mesh", Name: "mlserver", Role: Hosting, Field: "server.name"}
	adopted   = Object{Kind: "ConfigMap", Namespace: "mon", Name: "pa", Role: Adopted, Field: "adapter.configMapName"}
	four      = int64(4)
	byKubectl = Observed{Exists: true, Managers: []string{"kubectl-create"}, Replicas: &four}
)

// allObjects are the objects a component with its own adapter declares.
var allObjects = []Object{model, hpa, rules, release, api}

// decideCase is one cluster Decide meets: what it refuses, saying what, and the replicas it keeps.
type decideCase struct {
	name     string
	takeOver bool
	objects  []Object
	seen     map[string]Observed
	refused  []string // fields, in order
	say      []string // phrases the refusals must hold
	replicas map[string]int64
}

// decideCases are TestDecide's clusters.
var decideCases = []decideCase{
	{name: "an empty cluster", objects: allObjects},
	{name: "the component's own objects", objects: allObjects, seen: map[string]Observed{
		model.Key(): {Exists: true, Owner: me, Replicas: &four}, hpa.Key(): {Exists: true, Owner: me},
		rules.Key(): {Exists: true, Owner: me}, release.Key(): {Exists: true, Managers: []string{"helm"}},
		api.Key(): {Exists: true, Service: api.Service},
	}},
	{name: "a Model made with kubectl is refused, naming who and the way forward", objects: allObjects,
		seen: map[string]Observed{model.Key(): byKubectl}, refused: []string{"model.name"},
		say: []string{"Model seldon-mesh/iris already exists", "kubectl-create", "takeOverExisting: true",
			"keeping its 4 replicas"}},
	{name: "taken over on request, keeping its replicas", takeOver: true, objects: allObjects,
		seen:     map[string]Observed{model.Key(): byKubectl, hpa.Key(): {Exists: true}},
		replicas: map[string]int64{model.Key(): 4}},
	{name: "another component's Model is refused", objects: allObjects,
		seen:    map[string]Observed{model.Key(): {Exists: true, Owner: "proj/prod/iris"}},
		refused: []string{"model.name"}, say: []string{"proj/prod/iris"}},
	{name: "a Model that scales itself is not taken over", takeOver: true, objects: allObjects,
		seen: map[string]Observed{model.Key(): {Exists: true, Replicas: &four,
			SelfScaling: map[string]any{"minReplicas": int64(1), "maxReplicas": int64(3)}}},
		refused: []string{"model.name"}, say: []string{"spec.maxReplicas and spec.minReplicas", "kubectl patch"}},
	{name: "partial scheduling: a Model with the minReplicas the component sets is taken over", takeOver: true,
		objects: []Object{partial}, seen: map[string]Observed{partial.Key(): {Exists: true, Replicas: &four,
			SelfScaling: map[string]any{"minReplicas": int64(2)}}}, replicas: map[string]int64{partial.Key(): 4}},
	{name: "partial scheduling: another minReplicas, or a maxReplicas, is not", takeOver: true,
		objects: []Object{partial}, seen: map[string]Observed{partial.Key(): {Exists: true, Replicas: &four,
			SelfScaling: map[string]any{"minReplicas": int64(2), "maxReplicas": int64(5)}}},
		refused: []string{"model.name"}, say: []string{"has spec.maxReplicas,", `"path":"/spec/maxReplicas"`}},
	{name: "an existing Server that Seldon scales itself is reported, with the fix", objects: []Object{hosting},
		seen: map[string]Observed{hosting.Key(): {Exists: true, Owner: "someone",
			SelfScaling: map[string]any{"maxReplicas": int64(4), "minReplicas": int64(1)}}},
		refused: []string{"server.name"}, say: []string{"spec.maxReplicas and spec.minReplicas",
			"Server HPA would fight it", "kubectl patch server mlserver -n seldon-mesh", "server.dedicated: true"}},
	{name: "an existing Server without them, or none at all, is fine", objects: []Object{hosting},
		seen: map[string]Observed{hosting.Key(): {Exists: true, Replicas: &four}}},
	{name: "another stack's adapter: never taken over", takeOver: true, objects: allObjects,
		seen: map[string]Observed{rules.Key(): {Exists: true, Owner: "proj/other/iris"},
			release.Key(): {Exists: true, Managers: []string{"helm"}}, api.Key(): {Exists: true, Service: api.Service}},
		refused: []string{"adapter.releaseName", "adapter.releaseName"},
		say:     []string{"proj/other/iris", "Helm release hpa-metrics already exists", "adapter.mode to adopt"}},
	{name: "this adapter's APIService, pointed at another Service since", objects: allObjects,
		seen: map[string]Observed{api.Key(): {Exists: true, Service: "mon/shim", Release: "mon/hpa-metrics"}}},
	{name: "the component's release, left pending by an interrupted install", objects: allObjects,
		seen: map[string]Observed{rules.Key(): {Exists: true, Owner: me},
			release.Key(): {Exists: true, Pending: "sh.helm.release.v1.hpa-metrics.v1 pending-install"}},
		refused: []string{"adapter.releaseName"},
		say:     []string{"is pending-install", "kubectl delete secret -n mon sh.helm.release.v1.hpa-metrics.v1"}},
	{name: "another custom metrics provider", objects: allObjects,
		seen:    map[string]Observed{api.Key(): {Exists: true, Service: "kube-system/keda-metrics"}},
		refused: []string{"adapter.mode"}, say: []string{"Service kube-system/keda-metrics"}},
	{name: "nothing to adopt", objects: []Object{adopted}, refused: []string{"adapter.configMapName"},
		say: []string{"ConfigMap mon/pa does not exist"}},
	{name: "every problem at once", objects: allObjects, seen: map[string]Observed{model.Key(): byKubectl,
		hpa.Key():     {Exists: true, Managers: []string{"kubectl-edit"}},
		release.Key(): {Exists: true, Managers: []string{"helm"}}},
		refused: []string{"model.name", "model.name", "adapter.releaseName"}},
}

func TestDecide(t *testing.T) {
	for _, tc := range decideCases {
		t.Run(tc.name, func(t *testing.T) {
			req := Request{Owner: me, TakeOver: tc.takeOver, TakeOverField: "takeOverExisting"}
			d, err := Decide(req, tc.objects, tc.seen)
			var errs refusal.Errors
			errors.As(err, &errs)
			if got := strings.Join(errs.Fields(), ","); got != strings.Join(tc.refused, ",") {
				t.Fatalf("refused %q, want %q: %v", got, tc.refused, err)
			}
			for _, s := range tc.say {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("the refusal does not say %q:\n%v", s, err)
				}
			}
			for k, n := range tc.replicas {
				if d.Replicas[k] != n {
					t.Errorf("replicas of %s = %d, want %d", k, d.Replicas[k], n)
				}
			}
		})
	}
}

func TestAdoptRules(t *testing.T) {
	oneMinute := adapterrules.SeldonRule(adapterrules.RuleSpec{})
	twoMinutes := adapterrules.SeldonRule(adapterrules.RuleSpec{RateWindow: 2 * time.Minute})
	live, _, err := adapterrules.Merge("rules: []\n", oneMinute)
	if err != nil {
		t.Fatal(err)
	}
	key := RuleOwnerAnnotation("infer_rps")
	for _, tc := range []struct {
		name      string
		keeper    string
		rule      adapterrules.Rule
		wantClaim bool
		refused   bool
	}{
		{"no keeper yet: claimed", "", twoMinutes, true, false},
		{"kept by this component: changed and kept", me, twoMinutes, true, false},
		{"the same rule, kept by another: shared, not claimed", "proj/b/x", oneMinute, false, false},
		{"a different rule, kept by another: refused", "proj/b/x", twoMinutes, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obs := Observed{Exists: true, Config: live, Annotations: map[string]string{}}
			if tc.keeper != "" {
				obs.Annotations[key] = tc.keeper
			}
			got, err := AdoptRules(Request{Owner: me}, adopted, obs, tc.rule, "adapter.rateWindow")
			if (err != nil) != tc.refused {
				t.Fatalf("err = %v, want refused: %v", err, tc.refused)
			}
			if tc.refused {
				for _, s := range []string{"adapter.rateWindow", "proj/b/x", key} {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("the refusal does not say %q: %v", s, err)
					}
				}
				return
			}
			if (got.Claim == key) != tc.wantClaim || len(got.Hash) != 64 {
				t.Errorf("claim %q hash %q, want claimed: %v", got.Claim, got.Hash, tc.wantClaim)
			}
		})
	}
}

func TestRuleOwnerAnnotationIsAValidKey(t *testing.T) {
	for metric, want := range map[string]string{
		"infer_rps": "rules.seldon-autoscaling.pulumi.com/infer_rps",
		"_private":  "rules.seldon-autoscaling.pulumi.com/metric-",
	} {
		if got := RuleOwnerAnnotation(metric); !strings.HasPrefix(got, want) {
			t.Errorf("RuleOwnerAnnotation(%q) = %q", metric, got)
		}
	}
}
