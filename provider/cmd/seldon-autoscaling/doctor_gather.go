package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/adapterrules"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/doctor"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

var (
	apiServices = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}
	models      = schema.GroupVersionResource{Group: adapterrules.SeldonGroup, Version: "v1alpha1", Resource: "models"}
	servers     = schema.GroupVersionResource{Group: adapterrules.SeldonGroup, Version: "v1alpha1", Resource: "servers"}
)

// gatherer reads, and only reads, what the checks need; every decision is provider/pkg/doctor's.
type gatherer struct {
	kube      kubernetes.Interface
	dyn       dynamic.Interface
	namespace string
	model     string       // one Model by name; empty: every Model the component autoscales
	rest      *rest.Config // for Prometheus through the API server's service proxy
	prom      *promAPI
}

// couldNotCheck is a read the doctor cannot do without (no cluster, no permission): exit code 2.
type couldNotCheck struct{ err error }

func (e couldNotCheck) Error() string { return "could not check: " + e.err.Error() }

// required wraps a failed read the checks cannot do without, saying which permission is missing.
func required(what string, err error) error {
	if apierrors.IsForbidden(err) {
		return couldNotCheck{fmt.Errorf("no permission to %s (docs/permissions.md lists what the doctor needs): %w",
			what, err)}
	}
	return couldNotCheck{fmt.Errorf("%s: %w", what, err)}
}

func (g *gatherer) snapshot(ctx context.Context) (doctor.Snapshot, error) {
	s := doctor.Snapshot{Namespace: g.namespace}
	var err error
	if s.APIService, err = g.apiService(ctx); err != nil {
		return s, err
	}
	adapterURL := ""
	if s.Adapter, adapterURL, err = g.adapter(ctx, s.APIService.Adapter); err != nil {
		return s, err
	}
	if g.prom == nil {
		p := proxyProm(g.rest, adapterURL)
		g.prom = &p
	}
	if s.Seldon, err = g.seldon(ctx); err != nil {
		return s, err
	}
	if s.Models, err = g.models(ctx); err != nil {
		return s, err
	}
	s.Prometheus = g.prometheus(ctx)
	for i := range s.Models {
		g.metric(ctx, &s, &s.Models[i])
	}
	return s, nil
}

func (g *gatherer) apiService(ctx context.Context) (doctor.APIService, error) {
	var a doctor.APIService
	obj, err := g.dyn.Resource(apiServices).Get(ctx, doctor.APIServiceName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return a, nil
	} else if err != nil {
		return a, required("get apiservices "+doctor.APIServiceName, err)
	}
	a.Found = true
	svcNS, _, _ := unstructured.NestedString(obj.Object, "spec", "service", "namespace")
	svcName, _, _ := unstructured.NestedString(obj.Object, "spec", "service", "name")
	a.Service = svcNS + "/" + svcName
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conditions(conds) {
		if c.Type == "Available" {
			a.Available, a.Reason, a.Message = c.Status == "True", c.Reason, c.Message
		}
	}
	if svcNS == "" {
		return a, nil
	}
	deps, err := g.kube.AppsV1().Deployments(svcNS).List(ctx, metav1.ListOptions{})
	if err != nil {
		return a, required("list deployments in "+svcNS, err)
	}
	for _, d := range deps.Items {
		if isAdapter(d) {
			a.Adapter = d.Namespace + "/" + d.Name
			break
		}
	}
	return a, nil
}

// isAdapter recognises prometheus-adapter by its image or its flags.
func isAdapter(d appsv1.Deployment) bool {
	for _, c := range d.Spec.Template.Spec.Containers {
		if strings.Contains(c.Image, "prometheus-adapter") {
			return true
		}
		for _, a := range c.Args {
			if strings.HasPrefix(a, "--metrics-relist-interval") || strings.HasPrefix(a, "--prometheus-url") {
				return true
			}
		}
	}
	return false
}

func conditions(raw []any) []doctor.Condition {
	var out []doctor.Condition
	for _, c := range raw {
		m, _ := c.(map[string]any)
		str := func(k string) string { s, _ := m[k].(string); return s }
		out = append(out, doctor.Condition{Type: str("type"), Status: str("status"), Reason: str("reason"),
			Message: str("message")})
	}
	return out
}

// adapter reads the adapter Deployment's flags and the config.yaml its --config names.
func (g *gatherer) adapter(ctx context.Context, name string) (doctor.ObservedAdapter, string, error) {
	a := doctor.ObservedAdapter{Relist: 10 * time.Minute} // prometheus-adapter's default --metrics-relist-interval
	ns, depName, ok := strings.Cut(name, "/")
	if !ok {
		return a, "", nil
	}
	dep, err := g.kube.AppsV1().Deployments(ns).Get(ctx, depName, metav1.GetOptions{})
	if err != nil {
		return a, "", required("get deployment "+name, err)
	}
	var configPath, promURL string
	for _, c := range dep.Spec.Template.Spec.Containers {
		for _, arg := range c.Args {
			if v, ok := strings.CutPrefix(arg, "--metrics-relist-interval="); ok {
				if d, err := time.ParseDuration(v); err == nil {
					a.Relist = d
				}
			}
			if v, ok := strings.CutPrefix(arg, "--config="); ok {
				configPath = v
			}
			if v, ok := strings.CutPrefix(arg, "--prometheus-url="); ok {
				promURL = v
			}
		}
		for _, m := range c.VolumeMounts {
			rest, ok := strings.CutPrefix(configPath, strings.TrimSuffix(m.MountPath, "/")+"/")
			if !ok {
				continue
			}
			for _, v := range dep.Spec.Template.Spec.Volumes {
				if v.Name == m.Name && v.ConfigMap != nil {
					cm, err := g.kube.CoreV1().ConfigMaps(ns).Get(ctx, v.ConfigMap.Name, metav1.GetOptions{})
					if err != nil {
						return a, promURL, required("get configmap "+ns+"/"+v.ConfigMap.Name, err)
					}
					a.Config, a.ConfigSource = cm.Data[rest], ns+"/"+cm.Name
				}
			}
		}
	}
	return a, promURL, nil
}

// models lists the Models of the namespace the component autoscales (its owner annotation names
// a SeldonAutoscaledModel: annotations cannot be selected server-side, so they are filtered here).
func (g *gatherer) models(ctx context.Context) ([]doctor.Model, error) {
	list, err := g.dyn.Resource(models).Namespace(g.namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, required("list models in "+g.namespace, err)
	}
	hpas, err := g.kube.AutoscalingV2().HorizontalPodAutoscalers(g.namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, required("list horizontalpodautoscalers in "+g.namespace, err)
	}
	onServer := map[string][]string{} // the Models naming each Server: more than one shares it
	for _, obj := range list.Items {
		server, _, _ := unstructured.NestedString(obj.Object, "spec", "server")
		onServer[server] = append(onServer[server], obj.GetName())
	}
	var out []doctor.Model
	for _, obj := range list.Items {
		owner := obj.GetAnnotations()[ownership.OwnerAnnotation]
		if !strings.Contains(owner, "/SeldonAutoscaledModel/") || (g.model != "" && obj.GetName() != g.model) {
			continue
		}
		m, err := g.seldonModel(ctx, obj, hpas.Items)
		if err != nil {
			return nil, err
		}
		if m.Server != nil {
			m.Server.Models = onServer[m.ServerName]
		}
		out = append(out, m)
	}
	if g.model != "" && len(out) == 0 {
		return nil, couldNotCheck{fmt.Errorf("no Model %s/%s autoscaled by SeldonAutoscaledModel", g.namespace, g.model)}
	}
	return out, nil
}

// seldonModel reads the Model and its Server as provider/pkg/doctor reads Seldon's objects
// (ReadModel, ReadServer: the same reading its tests replay on recordings of real Seldon), and
// the component's HPAs of the Model.
func (g *gatherer) seldonModel(
	ctx context.Context, obj unstructured.Unstructured, hpas []autoscalingv2.HorizontalPodAutoscaler,
) (doctor.Model, error) {
	m, err := readSeldon(obj, doctor.ReadModel)
	if err != nil {
		return m, couldNotCheck{fmt.Errorf("model %s: %w", obj.GetName(), err)}
	}
	srv, err := g.dyn.Resource(servers).Namespace(g.namespace).Get(ctx, m.ServerName, metav1.GetOptions{})
	switch {
	case err == nil:
		if m.Server, err = readSeldon(*srv, doctor.ReadServer); err != nil {
			return m, couldNotCheck{fmt.Errorf("server %s: %w", m.ServerName, err)}
		}
	case !apierrors.IsNotFound(err):
		return m, required("get servers "+m.ServerName, err)
	}
	for i := range hpas {
		h := &hpas[i]
		if h.Annotations[ownership.OwnerAnnotation] != m.Owner {
			continue
		}
		switch ref := h.Spec.ScaleTargetRef; {
		case ref.Kind == "Model" && ref.Name == m.Name:
			m.ModelHPA = observeHPA(h)
		case ref.Kind == "Server" && ref.Name == m.ServerName:
			m.ServerHPA = observeHPA(h)
		}
	}
	return m, nil
}

// readSeldon hands a Seldon object to the doctor's reader as the API server serves it: JSON.
func readSeldon[T any](obj unstructured.Unstructured, read func([]byte) (T, error)) (T, error) {
	raw, err := obj.MarshalJSON()
	if err != nil {
		var none T
		return none, err
	}
	return read(raw)
}

// schedulerName is the StatefulSet Seldon's operator runs the scheduler as, in the namespace of
// the SeldonRuntime, where the Models live.
const schedulerName = "seldon-scheduler"

// seldon reads the scheduler's image and flags; none in the namespace leaves the version unknown.
func (g *gatherer) seldon(ctx context.Context) (doctor.Seldon, error) {
	sts, err := g.kube.AppsV1().StatefulSets(g.namespace).Get(ctx, schedulerName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return doctor.Seldon{}, nil
	} else if err != nil {
		return doctor.Seldon{}, required("get statefulset "+g.namespace+"/"+schedulerName, err)
	}
	var c corev1.Container
	for i, cc := range sts.Spec.Template.Spec.Containers {
		if i == 0 || strings.Contains(cc.Image, "seldon-scheduler") {
			c = cc
		}
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	return doctor.SchedulerSeldon(g.namespace+"/"+schedulerName, c.Image, append(c.Command, c.Args...), env), nil
}

func observeHPA(h *autoscalingv2.HorizontalPodAutoscaler) *doctor.HPA {
	o := &doctor.HPA{Name: h.Name, TargetKind: h.Spec.ScaleTargetRef.Kind, TargetName: h.Spec.ScaleTargetRef.Name,
		Max: int(h.Spec.MaxReplicas), Current: int(h.Status.CurrentReplicas), Desired: int(h.Status.DesiredReplicas), Min: 1}
	if h.Spec.MinReplicas != nil {
		o.Min = int(*h.Spec.MinReplicas)
	}
	for _, ms := range h.Spec.Metrics {
		if ms.Type != autoscalingv2.ObjectMetricSourceType || ms.Object == nil {
			continue
		}
		o.DescribedKind, o.DescribedName = ms.Object.DescribedObject.Kind, ms.Object.DescribedObject.Name
		o.MetricName = ms.Object.Metric.Name
		if sel := ms.Object.Metric.Selector; sel != nil {
			o.Selector = sel.MatchLabels
		}
		if t := ms.Object.Target.AverageValue; t != nil {
			o.Target = t.AsApproximateFloat64()
		} else if t := ms.Object.Target.Value; t != nil {
			o.Target = t.AsApproximateFloat64()
		}
	}
	for _, cm := range h.Status.CurrentMetrics {
		if cm.Object == nil {
			continue
		}
		if v := cm.Object.Current.AverageValue; v != nil {
			f := v.AsApproximateFloat64()
			o.CurrentValue = &f
		} else if v := cm.Object.Current.Value; v != nil {
			f := v.AsApproximateFloat64() / float64(max(o.Current, 1))
			o.CurrentValue = &f
		}
	}
	if b := h.Spec.Behavior; b != nil {
		o.ScaleUp, o.ScaleDown = rules(b.ScaleUp), rules(b.ScaleDown)
	}
	for _, c := range h.Status.Conditions {
		o.Conditions = append(o.Conditions, doctor.Condition{Type: string(c.Type), Status: string(c.Status),
			Reason: c.Reason, Message: c.Message})
	}
	return o
}

func rules(r *autoscalingv2.HPAScalingRules) policy.Rules {
	var out policy.Rules
	if r == nil {
		return out
	}
	if w := r.StabilizationWindowSeconds; w != nil {
		n := int(*w)
		out.StabilizationWindowSeconds = &n
	}
	if r.SelectPolicy != nil {
		out.SelectPolicy = string(*r.SelectPolicy)
	}
	for _, p := range r.Policies {
		out.Policies = append(out.Policies, policy.ScalingPolicy{Type: string(p.Type), Value: int(p.Value),
			PeriodSeconds: int(p.PeriodSeconds)})
	}
	return out
}

var errNoRule = errors.New("no adapter rule for the HPAs' metric, so no PromQL to run")
