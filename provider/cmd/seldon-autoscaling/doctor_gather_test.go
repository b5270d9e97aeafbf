package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/observed"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/adapterrules"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/doctor"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/seldon"
)

const (
	gatherNS = "seldon-mesh"
	owner    = "proj/dev/SeldonAutoscaledModel/iris"
	// proxied is the service proxy path of the adapter's --prometheus-url in gatherCluster.
	proxied = "/api/v1/namespaces/monitoring/services/http:prom:9090/proxy"
)

// kubeREST is client-go's fake clientset whose CoreV1().RESTClient() (nil in the fake) reaches srv:
// the aggregated custom metrics API the gatherer reads through it.
type kubeREST struct {
	*fake.Clientset
	rest rest.Interface
}

type coreREST struct {
	corev1client.CoreV1Interface
	rest rest.Interface
}

func (k kubeREST) CoreV1() corev1client.CoreV1Interface {
	return coreREST{k.Clientset.CoreV1(), k.rest}
}
func (c coreREST) RESTClient() rest.Interface { return c.rest }

// fakeProm answers the Prometheus API calls the gatherer makes, and the custom metrics path.
type fakeProm struct {
	jobs, scrape, value, apiValue string // empty: no result
	status                        int    // 0: 200
}

func (f fakeProm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.status != 0 {
		http.Error(w, "unavailable", f.status)
		return
	}
	if r.Method != http.MethodGet { // as the API server answers the doctor's read-only role
		http.Error(w, "forbidden: services/proxy create", http.StatusForbidden)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, proxied) // the API server's service proxy passes the rest on
	switch q := r.URL.Query().Get("query"); {
	case strings.HasPrefix(path, "/apis/custom.metrics.k8s.io/"):
		items := "[]"
		if f.apiValue != "" {
			items = fmt.Sprintf(`[{"value":%q}]`, f.apiValue)
		}
		_, _ = fmt.Fprintf(w, `{"items":%s}`, items)
	case path == "/api/v1/targets":
		_, _ = fmt.Fprintf(w, `{"status":"success","data":{"activeTargets":[`+
			`{"labels":{"job":"other"},"scrapeInterval":"1m"},{"labels":{"job":%q},"scrapeInterval":%q}]}}`,
			f.jobs, f.scrape)
	case strings.HasPrefix(q, "count by (job)") && f.jobs != "":
		_, _ = fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":%q},`+
			`"value":[1,"1"]}]}}`, f.jobs)
	case strings.Contains(q, `model="iris"`) && f.value != "":
		_, _ = fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,%q]}]}}`,
			f.value)
	default:
		_, _ = fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
	}
}

func seldonObject(kind, name string, spec map[string]any, annotations map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "mlops.seldon.io/v1alpha1", "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": gatherNS, "annotations": annotations},
		"spec":     spec,
	}}
}

func gatherHPA(name, kind, target, ann string) *autoscalingv2.HorizontalPodAutoscaler {
	avg := resource.MustParse("3")
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: gatherNS,
			Annotations: map[string]string{ownership.OwnerAnnotation: ann}},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: kind, Name: target},
			MaxReplicas:    6,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ObjectMetricSourceType,
				Object: &autoscalingv2.ObjectMetricSource{
					DescribedObject: autoscalingv2.CrossVersionObjectReference{Kind: "Model", Name: "iris"},
					Metric:          autoscalingv2.MetricIdentifier{Name: "infer_rps"},
					Target:          autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &avg},
				}}},
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{CurrentReplicas: 2, DesiredReplicas: 2},
	}
}

// gatherCluster is a cluster the component deployed iris into, beside one Model it did not.
func gatherCluster(t *testing.T, srvURL string) (*fake.Clientset, *dynamicfake.FakeDynamicClient, rest.Interface) {
	t.Helper()
	config, err := adapterrules.Config{Rules: []adapterrules.Rule{adapterrules.SeldonRule(adapterrules.RuleSpec{})}}.YAML()
	if err != nil {
		t.Fatal(err)
	}
	adapter := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "prometheus-adapter", Namespace: "seldon-monitoring"},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "adapter", Image: "registry.k8s.io/prometheus-adapter/prometheus-adapter",
				Args: []string{"--prometheus-url=http://prom.monitoring.svc:9090/", "--metrics-relist-interval=30s",
					"--config=/etc/adapter/config.yaml"},
				VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/adapter/"}}}},
			Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "rules"}}}}},
		}}},
	}
	kube := fake.NewClientset(adapter,
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "rules", Namespace: "seldon-monitoring"},
			Data: map[string]string{"config.yaml": config}},
		gatherHPA("iris-model-hpa", "Model", "iris", owner), gatherHPA("iris-server-hpa", "Server", "iris-server", owner),
		gatherHPA("stray-hpa", "Server", "iris-server", "someone/else/SeldonAutoscaledModel/x"))
	apiSvc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
		"metadata": map[string]any{"name": doctor.APIServiceName},
		"spec":     map[string]any{"service": map[string]any{"namespace": "seldon-monitoring", "name": "prometheus-adapter"}},
		"status": map[string]any{"conditions": []any{
			map[string]any{"type": "Available", "status": "False", "reason": "FailedDiscoveryCheck", "message": "no"}}},
	}}
	ann := map[string]any{ownership.OwnerAnnotation: owner}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{models: "ModelList", servers: "ServerList", apiServices: "APIServiceList"},
		apiSvc,
		seldonObject("Model", "iris", map[string]any{"server": "iris-server", "replicas": int64(2)}, ann),
		seldonObject("Model", "unmanaged", map[string]any{"server": "iris-server"}, nil),
		seldonObject("Server", "iris-server", map[string]any{"replicas": int64(2)}, ann))
	base, err := url.Parse(srvURL)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rest.NewRESTClient(base, "", rest.ClientContentConfig{}, nil, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	return kube, dyn, rc
}

func TestGatherSnapshot(t *testing.T) {
	up := fakeProm{jobs: "seldon-mesh/agent", scrape: "15s", value: "6", apiValue: "6100m"}
	for _, tc := range []struct {
		name    string
		prom    fakeProm
		promURL bool   // give --prometheus-url; otherwise the service proxy path
		model   string // --model
		check   func(t *testing.T, s doctor.Snapshot)
		err     string // a could-not-check error containing this
	}{
		{name: "every model the component autoscales, Prometheus by URL", prom: up, promURL: true,
			check: func(t *testing.T, s doctor.Snapshot) { wantHealthy(t, s, "http://") }},
		{name: "Prometheus through the API server's service proxy", prom: up,
			check: func(t *testing.T, s doctor.Snapshot) { wantHealthy(t, s, "API server proxy "+proxied) }},
		{name: "one model by name", prom: up, promURL: true, model: "iris",
			check: func(t *testing.T, s doctor.Snapshot) { wantHealthy(t, s, "http://") }},
		{name: "a model the component does not autoscale", prom: up, promURL: true, model: "unmanaged",
			err: "no Model seldon-mesh/unmanaged autoscaled by SeldonAutoscaledModel"},
		{name: "no job scrapes the counter", prom: fakeProm{apiValue: "1"}, promURL: true,
			check: func(t *testing.T, s doctor.Snapshot) {
				if p := s.Prometheus; p.Job != "" || p.Scrape != 0 || p.Err != "" || s.Models[0].PromValue != nil {
					t.Errorf("want no job, no scrape interval, no error and no value: %+v %+v", p, s.Models[0])
				}
			}},
		{name: "Prometheus unavailable", prom: fakeProm{status: http.StatusServiceUnavailable}, promURL: true,
			check: func(t *testing.T, s doctor.Snapshot) {
				m := s.Models[0]
				if !strings.Contains(s.Prometheus.Err, "503") || m.PromValue != nil || m.APIErr == "" || m.Query == "" {
					t.Errorf("want the 503 reported, no values, the query still shown: %+v %+v", s.Prometheus, m)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.prom)
			defer srv.Close()
			kube, dyn, rc := gatherCluster(t, srv.URL)
			g := &gatherer{kube: kubeREST{kube, rc}, dyn: dyn, namespace: gatherNS, model: tc.model,
				rest: &rest.Config{Host: srv.URL}}
			if tc.promURL {
				p := urlProm(srv.URL + "/")
				g.prom = &p
			}
			s, err := g.snapshot(context.Background())
			var cnc couldNotCheck
			switch {
			case tc.err != "":
				if !errors.As(err, &cnc) || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("got %v, want a could-not-check containing %q", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			default:
				tc.check(t, s)
			}
		})
	}
}

// wantHealthy checks what the gatherer read from gatherCluster under load, Prometheus found at where.
func wantHealthy(t *testing.T, s doctor.Snapshot, where string) {
	t.Helper()
	a := s.APIService
	if !a.Found || a.Available || a.Reason != "FailedDiscoveryCheck" ||
		a.Adapter != "seldon-monitoring/prometheus-adapter" {
		t.Errorf("APIService read as %+v", a)
	}
	if ad := s.Adapter; ad.Relist != 30*time.Second || ad.ConfigSource != "seldon-monitoring/rules" ||
		!strings.Contains(ad.Config, "seldon_model_infer_total") {
		t.Errorf("adapter read as %+v", ad)
	}
	if p := s.Prometheus; p.Job != "seldon-mesh/agent" || p.Scrape != 15*time.Second || !strings.HasPrefix(p.URL, where) {
		t.Errorf("Prometheus read as %+v, want job seldon-mesh/agent every 15s at %s", p, where)
	}
	if len(s.Models) != 1 {
		t.Fatalf("want only the Model the component autoscales, got %+v", s.Models)
	}
	m := s.Models[0]
	if m.Name != "iris" || m.SpecReplicas != 2 || m.Server == nil || m.Server.SpecReplicas != 2 {
		t.Errorf("Model read as %+v (Server %+v)", m, m.Server)
	}
	if m.ModelHPA == nil || m.ModelHPA.Name != "iris-model-hpa" || m.ServerHPA == nil ||
		m.ServerHPA.Name != "iris-server-hpa" || m.ServerHPA.Target != 3 {
		t.Errorf("HPAs read as %+v and %+v; the stray HPA of another owner must be ignored", m.ModelHPA, m.ServerHPA)
	}
	if m.PromValue == nil || *m.PromValue != 6 || m.APIValue == nil || math.Abs(*m.APIValue-6.1) > 1e-9 ||
		!strings.Contains(m.Query, `model="iris"`) {
		t.Errorf("metric read as query %q, Prometheus %v (%s), API %v (%s)", m.Query, deref(m.PromValue), m.PromErr,
			deref(m.APIValue), m.APIErr)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestGatherReadsRecordedSeldon: the gatherer reads the Models and Servers real Seldon Core 2.10.2
// wrote as the recordings hold them. Each distinct Model status of S1, S2 and S4 (with the Server's
// beside it) is put in the fake cluster, and the Snapshot must say what the recording says: the
// scheduler's state from ModelReady's message and its text from the reason, status.replicas, the
// availableReplicas Seldon omits when 0, the Server's loadedModels, and the Models naming it.
func TestGatherReadsRecordedSeldon(t *testing.T) {
	fx, err := testbed.RepoFixtures()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, scenario := range []string{"S1", "S2", "S4"} {
		records, err := observed.Load(fx.Observed, scenario)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range observed.ModelStates(records) {
			if st.Model.Status != nil && st.Server.Status != nil {
				seen++
				gatherRecorded(t, fmt.Sprintf("%s t=%.3f", scenario, st.T), st.Model, st.Server)
			}
		}
	}
	if seen == 0 {
		t.Fatal("the recordings hold no Model status to gather")
	}
	t.Logf("gathered %d recorded Model statuses", seen)
}

// gatherRecorded gathers the recorded Model and Server as iris and iris-server of gatherCluster.
func gatherRecorded(t *testing.T, at string, model, server observed.Object) {
	t.Helper()
	kube, dyn, _ := gatherCluster(t, "http://127.0.0.1:1")
	putRecorded(t, dyn, models, "Model", "iris", model)
	putRecorded(t, dyn, servers, "Server", "iris-server", server)
	g := &gatherer{kube: kube, dyn: dyn, namespace: gatherNS}
	got, err := g.models(context.Background())
	if err != nil || len(got) != 1 || got[0].Server == nil {
		t.Fatalf("%s: gathered %+v, %v", at, got, err)
	}
	m, st := got[0], model.Status
	var ready observed.Condition
	for _, c := range st.Conditions {
		if c.Type == seldon.ConditionModelReady {
			ready = c
		}
	}
	state := seldon.ReadModelState(m.Conditions)
	if state.State != ready.Message || state.Reason != ready.Reason || state.Ready != (ready.Status == "True") {
		t.Errorf("%s: read the state as %+v, the recording's ModelReady is %+v", at, state, ready)
	}
	available := "none" // nil: read as if Seldon had written no status
	if m.AvailableReplicas != nil {
		available = fmt.Sprint(*m.AvailableReplicas)
	}
	if m.StatusReplicas != int(st.Replicas) || available != fmt.Sprint(st.AvailableReplicas) ||
		m.SpecReplicas != int(*model.Spec.Replicas) {
		t.Errorf("%s: read replicas spec %d, status %d, available %s; the recording has %d, %d and %d", at,
			m.SpecReplicas, m.StatusReplicas, available, *model.Spec.Replicas, st.Replicas, st.AvailableReplicas)
	}
	s := m.Server
	if s.LoadedModels != int(*server.Status.LoadedModels) || s.SpecReplicas != int(*server.Spec.Replicas) ||
		!slices.Equal(s.Models, []string{"iris", "unmanaged"}) {
		t.Errorf("%s: read the Server as %+v; the recording has loadedModels %d, spec.replicas %d", at, s,
			*server.Status.LoadedModels, *server.Spec.Replicas)
	}
}

// putRecorded replaces gatherCluster's object of that name with the recorded one, keeping its
// name, owner and (for a Model) the Server it names: the recordings' slim objects keep no metadata.
func putRecorded(t *testing.T, dyn *dynamicfake.FakeDynamicClient, gvr schema.GroupVersionResource, kind,
	name string, rec observed.Object,
) {
	t.Helper()
	ctx := context.Background()
	cur, err := dyn.Resource(gvr).Namespace(gatherNS).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&rec)
	if err != nil {
		t.Fatal(err)
	}
	// Seldon's status counts are omitempty: a 0 is absent on a cluster (S4), as it must be here.
	for _, f := range []string{"replicas", "availableReplicas", "readyReplicas"} {
		if v, ok, _ := unstructured.NestedInt64(content, "status", f); ok && v == 0 {
			unstructured.RemoveNestedField(content, "status", f)
		}
	}
	obj := &unstructured.Unstructured{Object: content}
	obj.SetAPIVersion(cur.GetAPIVersion())
	obj.SetKind(kind)
	obj.SetName(name)
	obj.SetNamespace(gatherNS)
	obj.SetAnnotations(cur.GetAnnotations())
	if server, ok, _ := unstructured.NestedString(cur.Object, "spec", "server"); ok {
		if err := unstructured.SetNestedField(obj.Object, server, "spec", "server"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := dyn.Resource(gvr).Namespace(gatherNS).Update(ctx, obj, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
