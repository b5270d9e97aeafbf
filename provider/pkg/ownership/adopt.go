package ownership

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/adapterrules"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

// AdoptedRules is what adopt mode writes into an adapter someone else installed.
type AdoptedRules struct {
	// Config is the live config.yaml with the Seldon rule merged in; Hash is its SHA-256, for the
	// pod-template annotation that restarts the adapter exactly when it changes.
	Config, Hash string
	// Claim is the annotation naming this component as the keeper of the metric's rule; empty when
	// another component keeps the same rule and this one shares it.
	Claim string
}

var annotationName = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`)

// RuleOwnerAnnotation is the annotation, on an adopted ConfigMap, naming the component that keeps
// the rule exposing metric: each metric its own key, so two adopters of one adapter with rules for
// different metrics never write the same field.
func RuleOwnerAnnotation(metric string) string {
	const prefix = "rules.seldon-autoscaling.pulumi.com/"
	if annotationName.MatchString(metric) {
		return prefix + metric
	}
	sum := sha256.Sum256([]byte(metric))
	return prefix + "metric-" + hex.EncodeToString(sum[:6])
}

// AdoptRules merges rule into the adopted ConfigMap o (observed as obs), keeping the installer's
// other rules. It refuses when another component keeps a different rule for the same metric: the two
// would overwrite each other at every up. The same rule is shared, and left claimed by its keeper.
func AdoptRules(req Request, o Object, obs Observed, rule adapterrules.Rule, ruleField string) (AdoptedRules, error) {
	var errs refusal.Errors
	merged, previous, err := adapterrules.Merge(obs.Config, rule)
	if err != nil {
		errs.Add(o.Field, "repair it (prometheus-adapter cannot read it either), or name another ConfigMap",
			fmt.Sprintf("the config.yaml of the adopted %s cannot take the Seldon rule: %v", o, err))
		return AdoptedRules{}, errs.Err()
	}
	metric, _, _ := rule.ExposedMetric(adapterrules.SeldonSeries)
	key := RuleOwnerAnnotation(metric)
	keeper := obs.Annotations[key]
	out := AdoptedRules{Config: merged, Claim: key}
	sum := sha256.Sum256([]byte(merged))
	out.Hash = hex.EncodeToString(sum[:])
	if keeper == "" || keeper == req.Owner {
		return out, nil
	}
	if previous != nil && sameRule(*previous, rule) {
		out.Claim = ""
		return out, nil
	}
	errs.Addf(ruleField, fmt.Sprintf("give this component the same rule inputs as %s, or another metric name; "+
		"if that component is gone, remove the annotation %s from the ConfigMap", keeper, key),
		"the adopted %s already holds a different rule for metric %s, kept by another component (%s): each would "+
			"overwrite the other's at every up", o, metric, keeper)
	return AdoptedRules{}, errs.Err()
}

// sameRule compares two rules as the adapter reads them: rendered.
func sameRule(a, b adapterrules.Rule) bool {
	ya, errA := adapterrules.Config{Rules: []adapterrules.Rule{a}}.YAML()
	yb, errB := adapterrules.Config{Rules: []adapterrules.Rule{b}}.YAML()
	return errA == nil && errB == nil && ya == yb
}
