package resolve

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/adapterrules"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

var (
	modelManagedSpec = []string{"replicas", "minReplicas", "maxReplicas", "server", "storageUri", "requirements", "memory"}
	promLabelName    = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// The top-level input blocks, as refusals record what their checks read (refusal.Errors.Reading).
const (
	BlockModel       = "model"
	BlockServer      = "server"
	BlockAutoscaling = "autoscaling"
	BlockAdapter     = "adapter"
	BlockSeldon      = "seldon"
)

// Resolve validates args and decides every value, or refuses them naming each bad field. Each step
// says which input blocks it reads, and its refusals carry them (a dedicated Server is named after
// the Model; the planner reads the Seldon install and the adapter's timing; the metric name is
// checked against the adapter's rule): KnownRefusals derives the preview rule from them.
func Resolve(args Args) (*Desired, error) {
	var errs refusal.Errors
	ad := deref(args.Adapter, AdapterSpec{})
	errs.Reading([]string{BlockModel}, func() { resolveModel(&errs, args.Model) })
	var server resolvedServer
	errs.Reading([]string{BlockServer, BlockModel}, func() {
		server = resolveServer(&errs, args.Model.Name, deref(args.Server, ServerSpec{}))
	})
	var pol policy.Policy
	var derived []policy.Derivation
	var planErr error
	errs.Reading([]string{BlockAutoscaling, BlockSeldon, BlockAdapter}, func() {
		in := policyInput(&errs, args.Autoscaling, args.Seldon)
		in.Timing, in.TimingPrefix = parseTiming(&errs, ModelAdapterInputs.Prefix, ad), ModelAdapterInputs.Prefix
		var err error
		pol, derived, err = policy.Plan(in)
		planErr = errs.Include("", err)
	})
	if planErr != nil {
		return nil, planErr
	}
	var adapter DesiredAdapter
	errs.Reading([]string{BlockAdapter}, func() { adapter = resolveAdapter(&errs, ModelAdapterInputs, ad, pol.Timing) })
	metric := deref(args.Autoscaling.MetricName, adapterrules.DefaultMetricName)
	errs.Reading([]string{BlockAutoscaling, BlockAdapter}, func() { checkMetricName(&errs, adapter.Rule, metric) })
	if err := errs.For(ModelType); err != nil {
		return nil, err
	}
	d := layout(args.Model, server, pol, metric, args.Autoscaling.MetricSelector)
	d.Derivations, d.Adapter = slices.Concat(derived, adapter.Derived), adapter
	d.PromQL = adapter.Rule.ModelQuery(adapterrules.SeldonSeries, d.Model.Name, d.Model.Namespace, d.Selector)
	return d, nil
}

// ResolveInputs is Resolve for JSON-shaped inputs, as the refused-input catalogue holds them:
// docs/bad-inputs.md shows its refusals, and the unit tests check that Construct reports the same.
func ResolveInputs(inputs map[string]any) (*Desired, error) {
	raw, err := json.Marshal(inputs)
	if err != nil {
		return nil, err
	}
	var args Args
	if err := json.Unmarshal(raw, &args); err != nil {
		return nil, fmt.Errorf("inputs do not fit %s's schema: %w", ModelType, err)
	}
	return Resolve(args)
}

// resolveModel checks the Model's own inputs.
func resolveModel(errs *refusal.Errors, m ModelSpec) {
	checkLabel(errs, "model.name", m.Name)
	checkLabel(errs, "model.namespace", deref(m.Namespace, inputs.DefaultModelNamespace))
	checkStorageURI(errs, m.StorageURI)
	if m.Memory != nil {
		if _, err := resource.ParseQuantity(*m.Memory); err != nil {
			errs.Addf("model.memory", "use a Kubernetes quantity such as 3M or 1Gi", "%q is not a quantity", *m.Memory)
		}
	}
	checkMeta(errs, "model", m.Labels, m.Annotations)
	for _, k := range sortedKeys(m.ExtraSpec) {
		if !slices.Contains(modelManagedSpec, k) {
			continue
		}
		fix := fmt.Sprintf("remove model.extraSpec.%s and use its own input", k)
		if k == "minReplicas" || k == "maxReplicas" {
			fix = "remove it: the HPA owns the replica range (autoscaling.minReplicas/maxReplicas); on the Model it " +
				"turns on Seldon's own autoscaler, which fights the HPA"
		}
		errs.Add("model.extraSpec."+k, fix, "is managed by this component")
	}
}

// storageURIForms is the fix for a storageUri Seldon cannot load: the forms it can.
const storageURIForms = "use <remote>://<path> or <remote>:<path>, where the remote is an rclone backend or one a " +
	"storage secret configures, e.g. gs://seldon-models/testing/iris1 or s3:bucket/iris, or an absolute path " +
	"such as /mnt/models/iris"

// checkStorageURI refuses only what Seldon can never load. Seldon's agent hands storageUri to
// rclone as the copy source (RCloneClient.Copy); with a storage secret it first takes the remote
// name before the first ':' (getRemoteName, an error without one). rclone reads a source with no
// ':' before its first '/' as a local path, which only an absolute one (Seldon's /mnt/models/...
// examples) can name. Remote names are not checked: a storage secret may configure any.
func checkStorageURI(errs *refusal.Errors, uri string) {
	const field = "model.storageUri"
	switch colon := strings.Index(uri, ":"); {
	case strings.TrimSpace(uri) == "":
		errs.Add(field, "set the URI Seldon loads the artifact from, e.g. gs://seldon-models/testing/iris1", "is empty")
	case strings.TrimSpace(uri) != uri || strings.ContainsFunc(uri, unicode.IsControl):
		errs.Addf(field, "remove the surrounding spaces and line breaks", "%q has leading or trailing whitespace or "+
			"control characters, which rclone would read as part of the remote or the path", uri)
	case (colon < 0 || strings.Contains(uri[:colon], "/")) && !strings.HasPrefix(uri, "/"):
		errs.Addf(field, storageURIForms, "%q names no storage remote: rclone would read it as a path relative "+
			"to the Seldon agent's working directory", uri)
	}
}

// resolvedServer is where the Model runs: an existing Server by name, or a dedicated one.
type resolvedServer struct {
	Name string
	Spec ServerSpec
}

// Dedicated reports whether the component declares the Server.
func (s resolvedServer) Dedicated() bool { return deref(s.Spec.Dedicated, false) }

// resolveServer names the Server and checks that a dedicated Server's inputs come with it.
func resolveServer(errs *refusal.Errors, model string, srv ServerSpec) resolvedServer {
	out := resolvedServer{Name: inputs.DefaultExistingServer, Spec: srv}
	dedicated := out.Dedicated()
	if dedicated {
		out.Name = model + "-server"
	}
	out.Name = deref(srv.Name, out.Name)
	checkLabel(errs, "server.name", out.Name)
	switch {
	case dedicated && deref(srv.ServerConfig, "") == "":
		errs.Add("server.serverConfig", "set it to the ServerConfig to build the Server from, e.g. mlserver",
			"is required for a dedicated Server")
	case !dedicated && srv.ServerConfig != nil:
		errs.Add("server.serverConfig",
			"set server.dedicated: true, or remove server.serverConfig to use the existing Server "+out.Name,
			"only applies to a dedicated Server")
	case !dedicated && (len(srv.Labels) > 0 || len(srv.Annotations) > 0):
		errs.Add("server.labels", "set server.dedicated: true, or remove them",
			"labels and annotations only apply to a dedicated Server")
	}
	checkMeta(errs, "server", srv.Labels, srv.Annotations)
	return out
}

// policyInput turns the autoscaling block into the planner's input, checking the metric selector
// (the planner guards the rest).
func policyInput(errs *refusal.Errors, a AutoscalingSpec, sd *SeldonSpec) policy.Input {
	for _, k := range sortedKeys(a.MetricSelector) {
		field := "autoscaling.metricSelector." + k
		if !promLabelName.MatchString(k) {
			errs.Addf(field, "use a Prometheus label name such as method_type", "%q is not a valid Prometheus label name", k)
		} else if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			// The HPAs' metric.selector is a Kubernetes LabelSelector: its keys must also be
			// qualified names, which Prometheus names starting with '_' (such as __name__) are not.
			errs.Addf(field, "use a label name that starts with a letter, such as method_type",
				"%q is a Prometheus label name but not a Kubernetes label key, as the HPA's metric selector needs: %s",
				k, strings.Join(msgs, "; "))
		}
		if msgs := validation.IsValidLabelValue(a.MetricSelector[k]); len(msgs) > 0 {
			errs.Addf(field, "use a value Kubernetes label selectors accept", "%q: %s", a.MetricSelector[k],
				strings.Join(msgs, "; "))
		}
	}
	in := policy.Input{
		MinReplicas: a.MinReplicas, MaxReplicas: a.MaxReplicas, TargetRPS: a.TargetRpsPerReplica,
		TargetType: deref(a.TargetType, ""), ServerReadySeconds: a.ServerReadySeconds,
		ScaleUpHeadroomPods: a.ScaleUpHeadroomPods, AllowPercentScaleUp: deref(a.AllowPercentScaleUp, false),
		ScaleUp: toRules(a.ScaleUp), ScaleDown: toRules(a.ScaleDown), ModelScaleUpLagSeconds: a.ModelScaleUpLagSeconds,
	}
	if sd != nil {
		in.Seldon = policy.SeldonInput{Version: sd.Version, ModelAutoscaling: sd.ModelAutoscaling}
	}
	if s := a.Sizing; s != nil {
		in.Sizing = &policy.Sizing{PeakRPS: s.PeakRps, SaturationRPS: s.SaturationRps, SafetyMargin: s.SafetyMargin,
			MinLoadRPS: s.MinLoadRps, RampRPSPerSecond: s.RampRpsPerSecond, SpikeSeconds: s.SpikeSeconds}
	}
	return in
}

// checkMetricName refuses a metric the HPAs would read but the adapter's rule does not expose.
func checkMetricName(errs *refusal.Errors, rule adapterrules.Rule, metric string) {
	name, ok, err := rule.ExposedMetric(adapterrules.SeldonSeries)
	if err != nil || !ok || name == metric {
		return // a rule that exposes nothing is refused with the rule
	}
	errs.Addf(
		"autoscaling.metricName",
		fmt.Sprintf("set autoscaling.metricName to %q, or change adapter.rule.nameAs", name),
		"the HPAs would read %q but the adapter rule exposes seldon_model_infer_total as %q",
		metric,
		name,
	)
}

// layout names and shapes the objects, once every input is checked: the Model and a dedicated
// Server start at minReplicas, and the HPAs own the count from then on. With partial scheduling
// (policy.Partial) the Model also gets spec.minReplicas, the HPAs' minReplicas, which is what
// switches it on; never maxReplicas, and a Server never gets either (Seldon 2.9+ would scale a
// Server with them itself, fighting the Server HPA).
func layout(m ModelSpec, srv resolvedServer, pol policy.Policy, metric string, selector map[string]string) *Desired {
	ns := deref(m.Namespace, inputs.DefaultModelNamespace)
	spec := maps.Clone(m.ExtraSpec)
	if spec == nil {
		spec = map[string]any{}
	}
	spec["storageUri"], spec["replicas"], spec["server"] = m.StorageURI, pol.MinReplicas, srv.Name
	if pol.Scheduling == policy.Partial {
		spec["minReplicas"] = pol.MinReplicas
	}
	if len(m.Requirements) > 0 {
		spec["requirements"] = m.Requirements
	}
	if m.Memory != nil {
		spec["memory"] = *m.Memory
	}
	d := &Desired{
		Model: SeldonResource{
			Kind:        "Model",
			Name:        m.Name,
			Namespace:   ns,
			Labels:      m.Labels,
			Annotations: m.Annotations,
			Spec:        spec,
		},
		ServerName: srv.Name, ModelHPAName: m.Name + "-model-hpa", ServerHPAName: m.Name + "-server-hpa",
		Policy: pol, MetricName: metric, Selector: selector,
		MetricPath: adapterrules.ModelMetricPath(ns, m.Name, metric, selector),
	}
	if srv.Dedicated() {
		d.Server = &SeldonResource{Kind: "Server", Name: srv.Name, Namespace: ns, Labels: srv.Spec.Labels,
			Annotations: srv.Spec.Annotations,
			Spec:        map[string]any{"serverConfig": *srv.Spec.ServerConfig, "replicas": pol.MinReplicas}}
	}
	return d
}

func toRules(r *ScalingRules) *policy.Rules {
	if r == nil {
		return nil
	}
	out := &policy.Rules{StabilizationWindowSeconds: r.StabilizationWindowSeconds, SelectPolicy: deref(r.SelectPolicy, "")}
	for _, p := range r.Policies {
		out.Policies = append(
			out.Policies,
			policy.ScalingPolicy{Type: p.Type, Value: p.Value, PeriodSeconds: p.PeriodSeconds},
		)
	}
	return out
}

func checkLabel(errs *refusal.Errors, field, v string) {
	if msgs := validation.IsDNS1123Label(v); len(msgs) > 0 {
		errs.Addf(
			field,
			"use lower case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
			"%q is not a valid DNS-1123 label: %s",
			v,
			strings.Join(msgs, "; "),
		)
	}
}

func checkMeta(errs *refusal.Errors, prefix string, labels, annotations map[string]string) {
	for _, k := range sortedKeys(labels) {
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			errs.Addf(prefix+".labels", "use a valid label key", "key %q: %s", k, strings.Join(msgs, "; "))
		}
		if msgs := validation.IsValidLabelValue(labels[k]); len(msgs) > 0 {
			errs.Addf(prefix+".labels."+k, "use a valid label value", "%q: %s", labels[k], strings.Join(msgs, "; "))
		}
	}
	for _, k := range sortedKeys(annotations) {
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			errs.Addf(prefix+".annotations", "use a valid annotation key", "key %q: %s", k, strings.Join(msgs, "; "))
		}
	}
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// truncateLabel cuts s to the 63 characters of a DNS-1123 label, as the chart's helpers do.
func truncateLabel(s string) string {
	if len(s) > 63 {
		return s[:63]
	}
	return s
}
