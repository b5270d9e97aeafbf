package component

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/badinputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/existing"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

const (
	modelType  = "kubernetes:mlops.seldon.io/v1alpha1:Model"
	serverType = "kubernetes:mlops.seldon.io/v1alpha1:Server"
)

// registered is one child resource the component asked the engine to create.
type registered struct {
	Type, Name string
	Inputs     presource.PropertyMap
	Version    string   // the provider plugin version the registration asks the engine for
	Ignore     []string // the ignoreChanges option: fields the engine leaves as the cluster has them
}

type recorder struct {
	mu   sync.Mutex
	regs []registered
}

// reset forgets what was registered, for a server that constructs again.
func (r *recorder) reset() {
	r.mu.Lock()
	r.regs = nil
	r.mu.Unlock()
}

func (r *recorder) byType(typ string) []registered {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []registered
	for _, reg := range r.regs {
		if reg.Type == typ {
			out = append(out, reg)
		}
	}
	return out
}

func (r *recorder) custom() []registered {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []registered
	for _, reg := range r.regs {
		if reg.Type != Token && reg.Type != AdapterToken {
			out = append(out, reg)
		}
	}
	return out
}

// construct runs the component through pulumi-go-provider's in-process server, with the engine
// mocked: children are recorded, not created.
func construct(t testing.TB, inputs map[string]any) (*recorder, p.ConstructResponse, error) {
	t.Helper()
	return constructPM(t, presource.NewPropertyMapFromMap(inputs), false)
}

func constructPM(t testing.TB, inputs presource.PropertyMap, dryRun bool) (*recorder, p.ConstructResponse, error) {
	t.Helper()
	return constructAs(t, Token, "irisa0", inputs, dryRun)
}

// constructAs constructs the component of type token.
func constructAs(
	t testing.TB,
	token, name string,
	inputs presource.PropertyMap,
	dryRun bool,
) (*recorder, p.ConstructResponse, error) {
	t.Helper()
	existing.ForgetDeclared()
	rec := &recorder{}
	resp, err := constructOn(t, testServer(t, rec), token, name, inputs, dryRun)
	return rec, resp, err
}

// testServer is the provider served in-process with the engine mocked; rec records the children.
func testServer(t testing.TB, rec *recorder) integration.Server {
	t.Helper()
	prov, err := Provider()
	if err != nil {
		t.Fatal(err)
	}
	s, err := integration.NewServer(t.Context(), PackageName, semver.MustParse("0.0.0-dev"),
		integration.WithProvider(prov),
		integration.WithMocks(&integration.MockResourceMonitor{
			NewResourceF: func(args integration.MockResourceArgs) (string, property.Map, error) {
				rec.mu.Lock()
				rec.regs = append(rec.regs, registered{
					Type: string(args.TypeToken), Name: args.Name, Inputs: presource.ToResourcePropertyMap(args.Inputs),
					Version: args.RegisterRPC.GetVersion(), Ignore: args.RegisterRPC.GetIgnoreChanges(),
				})
				rec.mu.Unlock()
				return args.Name + "-id", autoname(args), nil
			},
		}))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func constructOn(
	t testing.TB,
	s integration.Server,
	token, name string,
	inputs presource.PropertyMap,
	dryRun bool,
) (p.ConstructResponse, error) {
	t.Helper()
	return s.Construct(p.ConstructRequest{
		Urn:    presource.URN("urn:pulumi:test::test::" + token + "::" + name),
		Inputs: presource.FromResourcePropertyMap(inputs),
		DryRun: dryRun,
	})
}

// autoname gives an object without metadata.name a name with a random-looking suffix, as the
// Kubernetes provider does.
func autoname(args integration.MockResourceArgs) property.Map {
	if !strings.HasPrefix(string(args.TypeToken), "kubernetes:") {
		return args.Inputs
	}
	meta := args.Inputs.Get("metadata")
	if !meta.IsMap() || meta.AsMap().Get("name").IsString() {
		return args.Inputs
	}
	named := meta.AsMap().Set("name", property.New(args.Name+"-5f3a9c1e"))
	return args.Inputs.Set("metadata", property.New(named))
}

// guideInputs is the guide's worked example (the catalogue's base): irisa0 on mlserver, target
// 3 RPS, 1 to 3 replicas. Each call returns a fresh copy.
func guideInputs() map[string]any {
	c, err := badinputs.Load(catalogue)
	if err != nil {
		panic(err)
	}
	return c.BaseInputs()
}

// TestGuideExampleResourceGraph: the guide's example declares the adapter (release and rules), the
// Model and the two HPAs, each as the guide writes it, and reports them in the outputs.
func TestGuideExampleResourceGraph(t *testing.T) {
	rec, resp, err := construct(t, guideInputs())
	if err != nil {
		t.Fatal(err)
	}
	checkGuideTypes(t, rec)
	checkGuideModel(t, rec)
	hash := checkGuideAdapter(t, rec)
	checkGuideHPAs(t, rec)
	checkGuideOutputs(t, presource.ToResourcePropertyMap(resp.State).Mappable(), hash)
}

// checkGuideTypes: one release, the rules ConfigMap, the Model (the Server exists already) and two HPAs.
func checkGuideTypes(t *testing.T, rec *recorder) {
	t.Helper()
	types := map[string]int{}
	for _, r := range rec.custom() {
		types[r.Type]++
	}
	want := map[string]int{
		"kubernetes:helm.sh/v3:Release": 1,
		"kubernetes:core/v1:ConfigMap":  1, // the rules, owned by the stack so drift is repaired
		modelType:                       1, // the Server exists already
		"kubernetes:autoscaling/v2:HorizontalPodAutoscaler": 2,
	}
	for typ, n := range want {
		if types[typ] != n {
			t.Errorf("%s: %d registered, want %d (all: %v)", typ, types[typ], n, types)
		}
	}
	if len(types) != len(want) {
		t.Errorf("unexpected resource types: %v", types)
	}

}

// checkGuideModel: spec.replicas set, no min/max, scheduled on mlserver.
func checkGuideModel(t *testing.T, rec *recorder) {
	t.Helper()
	model := rec.byType(modelType)[0]
	m := model.Inputs.Mappable()
	assertPath(t, m, "apiVersion", "mlops.seldon.io/v1alpha1")
	assertPath(t, m, "kind", "Model")
	assertPath(t, m, "metadata.name", "irisa0")
	assertPath(t, m, "metadata.namespace", "seldon-mesh")
	assertPath(t, m, "spec.replicas", float64(1))
	assertPath(t, m, "spec.server", "mlserver")
	assertPath(t, m, "spec.storageUri", "gs://seldon-models/testing/iris1")
	assertPath(t, m, "spec.memory", "3M")
	spec := m["spec"].(map[string]any)
	for _, k := range []string{"minReplicas", "maxReplicas"} {
		if _, ok := spec[k]; ok {
			t.Errorf("Model spec carries %s", k)
		}
	}

}

// checkGuideAdapter: the guide's chart and rule, Prometheus where the guide puts it; it returns the
// config hash the adapter's pod template carries.
func checkGuideAdapter(t *testing.T, rec *recorder) any {
	t.Helper()
	rel := rec.byType("kubernetes:helm.sh/v3:Release")[0].Inputs.Mappable()
	assertPath(t, rel, "name", "hpa-metrics")
	assertPath(t, rel, "namespace", "seldon-monitoring")
	assertPath(t, rel, "chart", "prometheus-adapter")
	assertPath(t, rel, "version", "5.3.0")
	assertPath(t, rel, "repositoryOpts.repo", inputs.DefaultChartRepo)
	assertPath(t, rel, "values.rules.existing", "hpa-metrics-seldon-rules")
	assertPath(t, rel, "values.prometheus.url", "http://seldon-monitoring-prometheus")
	assertPath(t, rel, "values.prometheus.port", float64(9090))
	assertPath(t, rel, "values.metricsRelistInterval", "1m")

	// The rules ConfigMap the chart mounts: exactly the Seldon rule, forced over edits; its hash
	// in the pod template restarts the adapter when (and only when) it changes.
	cm := rec.byType("kubernetes:core/v1:ConfigMap")[0].Inputs.Mappable()
	assertPath(t, cm, "metadata.name", "hpa-metrics-seldon-rules")
	assertPath(t, cm, "metadata.namespace", "seldon-monitoring")
	assertPath(t, cm, "metadata.annotations.pulumi\\.com/patchForce", "true")
	var rules struct {
		Rules []struct {
			SeriesQuery string              `yaml:"seriesQuery"`
			Name        struct{ As string } `yaml:"name"`
			Resources   struct {
				Overrides map[string]struct{ Group, Resource string } `yaml:"overrides"`
			} `yaml:"resources"`
		} `yaml:"rules"`
	}
	if err := yaml.Unmarshal([]byte(get(t, cm, "data.config\\.yaml").(string)), &rules); err != nil {
		t.Fatal(err)
	}
	if len(rules.Rules) != 1 || rules.Rules[0].Name.As != "infer_rps" ||
		rules.Rules[0].Resources.Overrides["model"].Group != "mlops.seldon.io" {
		t.Errorf("want exactly the Seldon rule, got %+v", rules.Rules)
	}
	hash := get(t, rel, "values.podAnnotations").(map[string]any)[resolve.ConfigHashAnnotation]
	if h, _ := hash.(string); len(h) < 16 {
		t.Errorf("the pod template carries no config hash: %v", hash)
	}

	return hash
}

// checkGuideHPAs: one definition, differing only in what they scale and in the Model's scale-up
// window, longer by the derived lag (serverReadySeconds 90 + one sync period).
func checkGuideHPAs(t *testing.T, rec *recorder) {
	t.Helper()
	hpas := rec.byType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
	byName := map[string]map[string]any{}
	for _, h := range hpas {
		byName[get(t, h.Inputs.Mappable(), "metadata.name").(string)] = h.Inputs.Mappable()
	}
	mh, sh := byName["irisa0-model-hpa"], byName["irisa0-server-hpa"]
	if mh == nil || sh == nil {
		t.Fatalf("HPAs named %v", byName)
	}
	assertPath(t, mh, "spec.scaleTargetRef.kind", "Model")
	assertPath(t, mh, "spec.scaleTargetRef.name", "irisa0")
	assertPath(t, sh, "spec.scaleTargetRef.kind", "Server")
	assertPath(t, sh, "spec.scaleTargetRef.name", "mlserver")
	for _, h := range []map[string]any{mh, sh} {
		assertPath(t, h, "metadata.namespace", "seldon-mesh")
		assertPath(t, h, "spec.minReplicas", float64(1))
		assertPath(t, h, "spec.maxReplicas", float64(3))
		metric := get(t, h, "spec.metrics").([]any)[0].(map[string]any)
		assertPath(t, metric, "type", "Object")
		assertPath(t, metric, "object.metric.name", "infer_rps")
		assertPath(t, metric, "object.describedObject.kind", "Model")
		assertPath(t, metric, "object.describedObject.name", "irisa0")
		assertPath(t, metric, "object.target.type", "AverageValue")
		assertPath(t, metric, "object.target.averageValue", "3")
		up := get(t, h, "spec.behavior.scaleUp.policies").([]any)
		if len(up) != 1 || up[0].(map[string]any)["type"] != "Pods" || up[0].(map[string]any)["value"] != float64(5) ||
			up[0].(map[string]any)["periodSeconds"] != float64(90) {
			t.Errorf("scale-up policies %v", up)
		}
	}
	assertPath(t, sh, "spec.behavior.scaleUp.stabilizationWindowSeconds", float64(60))
	assertPath(t, mh, "spec.behavior.scaleUp.stabilizationWindowSeconds", float64(60+105))
	delete(mh["spec"].(map[string]any), "scaleTargetRef")
	delete(sh["spec"].(map[string]any), "scaleTargetRef")
	delete(get(t, mh, "spec.behavior.scaleUp").(map[string]any), "stabilizationWindowSeconds")
	delete(get(t, sh, "spec.behavior.scaleUp").(map[string]any), "stabilizationWindowSeconds")
	if a, b := presource.NewPropertyValue(mh["spec"]), presource.NewPropertyValue(sh["spec"]); !a.DeepEquals(b) {
		t.Errorf("the two HPA specs differ beyond scaleTargetRef and the scale-up window:\n%v\n%v", mh["spec"], sh["spec"])
	}

}

// checkGuideOutputs: the outputs a user checks the pipeline with.
func checkGuideOutputs(t *testing.T, state map[string]any, hash any) {
	t.Helper()
	assertPath(
		t,
		state,
		"customMetricsPath",
		"/apis/custom.metrics.k8s.io/v1beta1/namespaces/seldon-mesh/models.mlops.seldon.io/irisa0/infer_rps",
	)
	assertPath(
		t,
		state,
		"promql",
		"sum by (model) (\n  rate (\n    seldon_model_infer_total{model=\"irisa0\", namespace=\"seldon-mesh\"}[1m]\n  )\n)\n",
	)
	assertPath(t, state, "policy.targetAverageValue", "3")
	assertPath(t, state, "policy.maxReplicas", float64(3))
	assertPath(t, state, "policy.modelScaleUpLagSeconds", float64(105))
	assertPath(t, state, "policy.scaleUp.stabilizationWindowSeconds", float64(60))
	assertPath(t, state, "adapter.configMap", "hpa-metrics-seldon-rules")
	assertPath(t, state, "adapter.deployment", "hpa-metrics-prometheus-adapter")
	// The hash the pod template carries, so a user can tell which rules the running adapter has.
	assertPath(t, state, "adapter.configHash", hash)
	assertPath(t, state, "serverHpaName", "irisa0-server-hpa")
	if d := get(t, state, "derivations").([]any); len(d) == 0 {
		t.Error("no derivations reported")
	}
}

// TestReplicasAreLeftToTheHPAs: the Model and the Server are declared with ignoreChanges on
// spec.replicas, so an up never resets the count the HPAs set (the e2e TestReplicasSurviveSpecChanges
// shows the conflict without it); nothing else the component declares ignores a change.
func TestReplicasAreLeftToTheHPAs(t *testing.T) {
	in := guideInputs()
	in["server"] = map[string]any{"dedicated": true, "serverConfig": "mlserver"}
	rec, _, err := construct(t, in)
	if err != nil {
		t.Fatal(err)
	}
	scaled := 0
	for _, r := range rec.custom() {
		want := []string(nil)
		if r.Type == modelType || r.Type == serverType {
			want, scaled = []string{"spec.replicas"}, scaled+1
		}
		if !slices.Equal(r.Ignore, want) {
			t.Errorf("%s %s ignores changes to %v, want %v", r.Type, r.Name, r.Ignore, want)
		}
	}
	if scaled != 2 {
		t.Errorf("%d Seldon objects declared, want the Model and the Server", scaled)
	}
}

func TestDedicatedServerAndAdoptedAdapter(t *testing.T) {
	in := guideInputs()
	in["server"] = map[string]any{"dedicated": true, "serverConfig": "mlserver"}
	in["adapter"] = map[string]any{"mode": "adopt", "skipAwait": true}
	in["autoscaling"].(map[string]any)["metricSelector"] = map[string]any{"method_type": "rest"}
	rec, resp, err := construct(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rec.byType("kubernetes:helm.sh/v3:Release")); n != 0 {
		t.Errorf("adopt mode installed %d releases", n)
	}
	if n, s := len(rec.byType(modelType)), len(rec.byType(serverType)); n != 1 || s != 1 {
		t.Fatalf("want one Model and one Server, got %d and %d", n, s)
	}
	server := rec.byType(serverType)[0].Inputs.Mappable()
	assertPath(t, server, "metadata.name", "irisa0-server")
	assertPath(t, server, "spec.serverConfig", "mlserver")
	assertPath(t, server, "spec.replicas", float64(1))

	cm := rec.byType("kubernetes:core/v1:ConfigMapPatch")
	dep := rec.byType("kubernetes:apps/v1:DeploymentPatch")
	if len(cm) != 1 || len(dep) != 1 {
		t.Fatalf("want one ConfigMapPatch and one DeploymentPatch, got %d and %d", len(cm), len(dep))
	}
	cmi := cm[0].Inputs.Mappable()
	assertPath(t, cmi, "metadata.name", "hpa-metrics-prometheus-adapter")
	if y := get(t, cmi, `data.config\.yaml`).(string); !strings.Contains(y, "seldon_model_infer_total") {
		t.Errorf("adopted ConfigMap lacks the Seldon rule:\n%s", y)
	}
	di := dep[0].Inputs.Mappable()
	hash := get(t, di, "spec.template.metadata.annotations."+strings.ReplaceAll(resolve.ConfigHashAnnotation, ".", `\.`))
	if len(hash.(string)) != 64 {
		t.Errorf("config hash annotation %v", hash)
	}
	state := presource.ToResourcePropertyMap(resp.State).Mappable()
	assertPath(t, state, "adapter.mode", "adopt")
	assertPath(t, state, "adapter.configHash", hash)
	assertPath(t, state, "adapter.deployment", "hpa-metrics-prometheus-adapter")
	for _, h := range rec.byType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler") {
		metric := get(t, h.Inputs.Mappable(), "spec.metrics").([]any)[0].(map[string]any)
		assertPath(t, metric, "object.metric.selector.matchLabels.method_type", "rest")
	}
}

func TestNoneModeDeclaresNoAdapter(t *testing.T) {
	in := guideInputs()
	in["adapter"] = map[string]any{"mode": "none"}
	rec, resp, err := construct(t, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rec.custom() {
		if r.Type != modelType && !strings.Contains(r.Type, "HorizontalPodAutoscaler") {
			t.Errorf("none mode declared %s", r.Type)
		}
	}
	// The adapter is another resource's: its names are that resource's outputs, not this one's.
	state := presource.ToResourcePropertyMap(resp.State).Mappable()
	if a := get(t, state, "adapter"); !reflect.DeepEqual(a, map[string]any{"mode": "none"}) {
		t.Errorf("adapter output %v, want only the mode", a)
	}
}

const catalogue = "testdata/bad-inputs.json"

func loadBadInputs(t *testing.T) *badinputs.Catalogue { return badinputs.ForTest(t, catalogue) }

// TestGuardsCreateNothing: every input of the catalogue fails Construct with the refusal
// docs/bad-inputs.md shows (made from resolve.ResolveInputs by `make generate`), naming its field, and no
// child resource is registered.
func TestGuardsCreateNothing(t *testing.T) {
	cat := loadBadInputs(t)
	if len(cat.Cases) < 30 {
		t.Fatalf("the catalogue has %d cases, want at least 30", len(cat.Cases))
	}
	// docs/reliability.md gives the count: it must be the catalogue's.
	if doc, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "reliability.md")); err != nil ||
		!strings.Contains(string(doc), fmt.Sprintf("`TestGuardsCreateNothing` (%d cases", len(cat.Cases))) {
		t.Errorf("docs/reliability.md does not count the catalogue's %d cases (%v)", len(cat.Cases), err)
	}
	for _, tc := range cat.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			rec, _, err := construct(t, cat.Inputs(tc))
			if err == nil {
				t.Fatalf("accepted; want an error naming %s", tc.Field)
			}
			if !strings.Contains(err.Error(), tc.Field+":") {
				t.Errorf("error does not name %s:\n%v", tc.Field, err)
			}
			if _, shown := resolve.ResolveInputs(cat.Inputs(tc)); shown == nil || !strings.Contains(err.Error(), shown.Error()) {
				t.Errorf("Construct's refusal is not the one docs/bad-inputs.md shows:\n%v\nshown: %v", err, shown)
			}
			if regs := rec.custom(); len(regs) > 0 {
				t.Errorf("%d resources registered despite the refusal", len(regs))
			}
		})
	}
}

// TestBearerTokenStaysSecret: the token reaches the adapter only through a Secret the engine
// keeps secret; no Helm value carries it.
func TestBearerTokenStaysSecret(t *testing.T) {
	in := presource.NewPropertyMapFromMap(guideInputs())
	in["adapter"] = presource.NewObjectProperty(presource.PropertyMap{
		"prometheus": presource.NewObjectProperty(presource.PropertyMap{
			"bearerToken": presource.MakeSecret(presource.NewStringProperty("s3cr3t-token")),
		}),
	})
	rec, _, err := constructPM(t, in, false)
	if err != nil {
		t.Fatal(err)
	}
	secrets := rec.byType("kubernetes:core/v1:Secret")
	if len(secrets) != 1 {
		t.Fatalf("%d Secrets registered, want 1", len(secrets))
	}
	if v := secrets[0].Inputs["stringData"]; !v.ContainsSecrets() {
		t.Errorf("the token is not marked secret: %v", v)
	}
	rel := rec.byType("kubernetes:helm.sh/v3:Release")[0]
	values := fmt.Sprint(rel.Inputs.Mappable())
	if strings.Contains(values, "s3cr3t-token") {
		t.Error("the token leaked into the Helm release's inputs")
	}
	if !strings.Contains(values, "--prometheus-token-file="+resolve.TokenPath) {
		t.Errorf("the adapter is not told where the token is: %s", values)
	}
}

// withCredentials is the guide's example with every Prometheus credential, each a secret.
func withCredentials(t *testing.T, clientKeyFile string) presource.PropertyMap {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", "promtls", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	secret := func(v string) presource.PropertyValue { return presource.MakeSecret(presource.NewStringProperty(v)) }
	in := presource.NewPropertyMapFromMap(guideInputs())
	in["adapter"] = presource.NewObjectProperty(presource.PropertyMap{
		"prometheus": presource.NewObjectProperty(presource.PropertyMap{
			"url": presource.NewStringProperty("https://prometheus.monitoring.svc"),
			"basicAuth": presource.NewObjectProperty(presource.PropertyMap{
				"username": presource.NewStringProperty("adapter"), "password": secret("s3cr3t-password"),
			}),
			"tls": presource.NewObjectProperty(presource.PropertyMap{
				"caCertificate":     presource.NewStringProperty(read("ca.crt")),
				"clientCertificate": presource.NewStringProperty(read("adapter.crt")),
				"clientKey":         secret(read(clientKeyFile)),
			}),
		}),
	})
	return in
}

// TestPrometheusCredentialsStaySecret: basic auth and mutual-TLS material reach the adapter only
// through the auth Secret (as a kubeconfig for --prometheus-auth-config); the Release's values
// carry the Secret's generated name and the flags, never a credential.
func TestPrometheusCredentialsStaySecret(t *testing.T) {
	rec, _, err := constructPM(t, withCredentials(t, "adapter.key"), false)
	if err != nil {
		t.Fatal(err)
	}
	secrets := rec.byType("kubernetes:core/v1:Secret")
	if len(secrets) != 1 {
		t.Fatalf("%d Secrets registered, want 1", len(secrets))
	}
	data := secrets[0].Inputs["stringData"]
	if !data.ContainsSecrets() {
		t.Errorf("the credentials are not marked secret")
	}
	plain := fmt.Sprint(data.Mappable())
	for _, want := range []string{
		resolve.AuthKubeconfigKey, "s3cr3t-password", "server: https://prometheus.monitoring.svc:9090", "client-key-data",
	} {
		if !strings.Contains(plain, want) {
			t.Errorf("the auth Secret lacks %q", want)
		}
	}
	if _, named := secrets[0].Inputs["metadata"].ObjectValue()["name"]; named {
		t.Error("the auth Secret has a fixed name: new credentials would not restart the adapter")
	}
	values := fmt.Sprint(rec.byType("kubernetes:helm.sh/v3:Release")[0].Inputs.Mappable())
	for _, leak := range []string{"s3cr3t-password", "PRIVATE KEY"} {
		if strings.Contains(values, leak) {
			t.Errorf("%q leaked into the Helm release's inputs", leak)
		}
	}
	if strings.Contains(values, "--prometheus-token-file") {
		t.Error("no token was given, yet the adapter is told to read one")
	}
	for _, want := range []string{"--prometheus-auth-config=" + resolve.AuthConfigPath,
		"secretName:" + secrets[0].Name + "-5f3a9c1e"} {
		if !strings.Contains(values, want) {
			t.Errorf("the Release's values lack %q: %s", want, values)
		}
	}
}

// TestPrometheusCredentialGuards: credentials that cannot work are refused with the field named
// and nothing registered; a key that does not match its certificate is refused without quoting it.
func TestPrometheusCredentialGuards(t *testing.T) {
	del := func(path ...string) func(presource.PropertyMap) {
		return func(in presource.PropertyMap) {
			m := in
			for _, k := range path[:len(path)-1] {
				m = m[presource.PropertyKey(k)].ObjectValue()
			}
			delete(m, presource.PropertyKey(path[len(path)-1]))
		}
	}
	cases := []struct {
		name   string
		key    string
		change func(presource.PropertyMap)
		field  string
	}{
		{"tls over http", "adapter.key", func(in presource.PropertyMap) {
			in["adapter"].ObjectValue()["prometheus"].ObjectValue()["url"] = presource.NewStringProperty("http://prometheus")
		}, "adapter.prometheus.tls"},
		{
			"password missing",
			"adapter.key",
			del("adapter", "prometheus", "basicAuth", "password"),
			"adapter.prometheus.basicAuth.password",
		},
		{
			"client key missing",
			"adapter.key",
			del("adapter", "prometheus", "tls", "clientKey"),
			"adapter.prometheus.tls.clientKey",
		},
		{"key of another certificate", "prometheus.key", func(presource.PropertyMap) {}, "adapter.prometheus.tls.clientKey"},
		{"token and basic auth", "adapter.key", func(in presource.PropertyMap) {
			in["adapter"].ObjectValue()["prometheus"].ObjectValue()["bearerToken"] = presource.MakeSecret(
				presource.NewStringProperty("s3cr3t-token"),
			)
		}, "adapter.prometheus.basicAuth"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := withCredentials(t, tc.key)
			tc.change(in)
			rec, _, err := constructPM(t, in, false)
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("want an error naming %s, got %v", tc.field, err)
			}
			if strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("the error quotes a credential: %v", err)
			}
			for _, r := range rec.regs {
				if r.Type == "kubernetes:helm.sh/v3:Release" || r.Type == "kubernetes:core/v1:Secret" ||
					strings.Contains(r.Type, "HorizontalPodAutoscaler") {
					t.Errorf("%s %s was registered", r.Type, r.Name)
				}
			}
		})
	}
}

func TestSecretsOnlyWhereAccepted(t *testing.T) {
	in := presource.NewPropertyMapFromMap(guideInputs())
	in["model"].ObjectValue()["storageUri"] = presource.MakeSecret(presource.NewStringProperty("gs://private"))
	_, _, err := constructPM(t, in, false)
	if err == nil || !strings.Contains(err.Error(), "model.storageUri") {
		t.Errorf("a secret storageUri must be refused naming it, got %v", err)
	}
}

// TestUnknownInputsWaitForTheUpdate: an input that is an unknown output during preview is not
// mistaken for an empty one; the preview registers the component alone and no child.
func TestUnknownInputsWaitForTheUpdate(t *testing.T) {
	in := presource.NewPropertyMapFromMap(guideInputs())
	in["model"].ObjectValue()["namespace"] = presource.MakeComputed(presource.NewStringProperty(""))
	rec, _, err := constructPM(t, in, true)
	if err != nil {
		t.Fatalf("preview with an unknown namespace failed: %v", err)
	}
	if _, _, err := constructPM(t, in, false); err == nil || !strings.Contains(err.Error(), "model.namespace") {
		t.Errorf("an update with an unknown input must fail naming it, got %v", err)
	}
	if regs := rec.custom(); len(regs) > 0 {
		t.Errorf("%d children registered from unknown inputs", len(regs))
	}
	if got := unknownPaths("", property.New(presource.FromResourcePropertyMap(in))); len(got) != 1 ||
		got[0] != "model.namespace" {
		t.Errorf("unknown paths %v", got)
	}
}

// TestModelLagZeroMakesIdenticalHPAs: with autoscaling.modelScaleUpLagSeconds: 0 the two HPA
// specs are equal but for the object they scale, as in the guide's manifests.
func TestModelLagZeroMakesIdenticalHPAs(t *testing.T) {
	in := guideInputs()
	in["autoscaling"].(map[string]any)["modelScaleUpLagSeconds"] = 0
	rec, resp, err := construct(t, in)
	if err != nil {
		t.Fatal(err)
	}
	specs := map[string]map[string]any{}
	for _, h := range rec.byType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler") {
		m := h.Inputs.Mappable()
		spec := m["spec"].(map[string]any)
		delete(spec, "scaleTargetRef")
		specs[get(t, m, "metadata.name").(string)] = spec
	}
	model, server := specs["irisa0-model-hpa"], specs["irisa0-server-hpa"]
	if !presource.NewPropertyValue(model).DeepEquals(presource.NewPropertyValue(server)) {
		t.Errorf("lag 0: the two HPA specs differ beyond scaleTargetRef:\n%v\n%v", model, server)
	}
	state := presource.ToResourcePropertyMap(resp.State).Mappable()
	assertPath(t, state, "policy.modelScaleUpLagSeconds", float64(0))
	for _, d := range get(t, state, "derivations").([]any) {
		if strings.HasPrefix(d.(string), "autoscaling.modelScaleUpLagSeconds") {
			t.Errorf("a set lag reported as derived: %s", d)
		}
	}
}

// get walks a dotted path; a `\.` in the path is a literal dot in a key.
func get(t *testing.T, m map[string]any, path string) any {
	t.Helper()
	var cur any = m
	for _, key := range splitPath(path) {
		mm, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: %v is not an object", path, cur)
		}
		cur, ok = mm[key]
		if !ok {
			t.Fatalf("%s: no key %q in %v", path, key, mm)
		}
	}
	return cur
}

func splitPath(path string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(path); i++ {
		switch {
		case path[i] == '\\' && i+1 < len(path) && path[i+1] == '.':
			cur.WriteByte('.')
			i++
		case path[i] == '.':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(path[i])
		}
	}
	return append(out, cur.String())
}

func assertPath(t *testing.T, m map[string]any, path string, want any) {
	t.Helper()
	if got := get(t, m, path); got != want {
		t.Errorf("%s = %#v, want %#v", path, got, want)
	}
}

// TestOnOwnGoroutine checks that a constructor wrapped by onOwnGoroutine returns what it returns,
// raises its panic on the caller's goroutine, and runs on a stack of a few frames whatever the
// depth of the caller's (the engine records every frame with each child).
func TestOnOwnGoroutine(t *testing.T) {
	var frames int
	want := &SeldonAutoscaledModel{}
	construct := onOwnGoroutine(func(_ *pulumi.Context, name string, _ Args,
		_ ...pulumi.ResourceOption,
	) (*SeldonAutoscaledModel, error) {
		frames = runtime.Callers(0, make([]uintptr, 64))
		switch name {
		case "fails":
			return nil, errors.New("refused")
		case "panics":
			panic("boom")
		}
		return want, nil
	})
	var deep func(int) (*SeldonAutoscaledModel, error)
	deep = func(depth int) (*SeldonAutoscaledModel, error) {
		if depth > 0 {
			return deep(depth - 1)
		}
		return construct(nil, "ok", Args{})
	}
	if got, err := deep(30); err != nil || got != want {
		t.Errorf("got %p, %v; want %p", got, err, want)
	}
	if frames > 4 {
		t.Errorf("the constructor ran under %d frames, want at most 4 (itself, the wrapper, runtime)", frames)
	}
	if _, err := construct(nil, "fails", Args{}); err == nil || err.Error() != "refused" {
		t.Errorf("err = %v, want refused", err)
	}
	defer func() {
		if p := recover(); p != "boom" {
			t.Errorf("recovered %v, want boom", p)
		}
	}()
	_, _ = construct(nil, "panics", Args{})
	t.Error("the panic was not raised again")
}
