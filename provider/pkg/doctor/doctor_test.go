package doctor

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/adapterrules"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/seldon"
)

func ptr[T any](v T) *T { return &v }

func rulesYAML(t *testing.T, r adapterrules.Rule) string {
	t.Helper()
	y, err := adapterrules.Config{Rules: []adapterrules.Rule{r}}.YAML()
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// mustRulesYAML is rulesYAML for the package-level tables, which have no t: it panics on an error.
func mustRulesYAML(r adapterrules.Rule) string {
	y, err := adapterrules.Config{Rules: []adapterrules.Rule{r}}.YAML()
	if err != nil {
		panic(err)
	}
	return y
}

func hpa(name, kind, target string, upWindow int) *HPA {
	return &HPA{
		Name: name, TargetKind: kind, TargetName: target, DescribedKind: "Model", DescribedName: "iris",
		MetricName: "infer_rps", Target: 3, Min: 1, Max: 6, Current: 2, Desired: 2, CurrentValue: ptr(3.0),
		ScaleUp: policy.Rules{StabilizationWindowSeconds: ptr(upWindow), SelectPolicy: "Max",
			Policies: []policy.ScalingPolicy{{Type: "Pods", Value: 5, PeriodSeconds: 15}}},
		ScaleDown: policy.Rules{StabilizationWindowSeconds: ptr(300), SelectPolicy: "Max",
			Policies: []policy.ScalingPolicy{{Type: "Percent", Value: 100, PeriodSeconds: 15}}},
		Conditions: []Condition{{Type: "AbleToScale", Status: "True", Reason: "ReadyForNewScale"},
			{Type: "ScalingActive", Status: "True", Reason: "ValidMetricFound"}},
	}
}

// available and the others are a Model's conditions in the shape Seldon's operator writes them:
// the scheduler's state in the message, its explanation in the reason; Ready=True has no message.
var (
	available = []Condition{{Type: "ModelReady", Status: "True", Message: seldon.StateAvailable},
		{Type: "Ready", Status: "True"}}
	tooFew = []Condition{
		{Type: "ModelReady", Status: "False", Reason: seldon.ReasonTooFewReplicas, Message: seldon.StateScheduleFailed},
		{Type: "Ready", Status: "False", Reason: seldon.ReasonTooFewReplicas, Message: seldon.StateScheduleFailed}}
)

// notReady are the conditions of a Model Seldon reports in state, False, with reason.
func notReady(state, reason string) []Condition {
	return []Condition{{Type: "ModelReady", Status: "False", Reason: reason, Message: state},
		{Type: "Ready", Status: "False", Reason: reason, Message: state}}
}

// healthy is a cluster where every check passes: two replicas serving 6 RPS at a 3 RPS target.
func healthy(t *testing.T) Snapshot {
	return Snapshot{
		Namespace: "seldon-mesh",
		APIService: APIService{Found: true, Available: true, Reason: "Passed",
			Service: "seldon-monitoring/prometheus-adapter", Adapter: "seldon-monitoring/prometheus-adapter"},
		Adapter: ObservedAdapter{Config: rulesYAML(t, adapterrules.SeldonRule(adapterrules.RuleSpec{})),
			ConfigSource: "seldon-monitoring/seldon-adapter-rules", Relist: time.Minute},
		Prometheus: Prometheus{URL: "http://prom/", Scrape: 30 * time.Second, Job: "seldon-mesh/agent"},
		Seldon:     Seldon{Scheduler: "seldon-mesh/seldon-scheduler", Version: "2.10.2", ServerAutoscaling: true},
		Models: []Model{{
			Name: "iris", SpecReplicas: 2, StatusReplicas: 2, AvailableReplicas: ptr(2), ServerName: "iris-server",
			Conditions: available,
			// loadedModels counts Model replicas: this Model's two.
			Server:    &Server{Name: "iris-server", SpecReplicas: 2, LoadedModels: 2, Models: []string{"iris"}},
			ModelHPA:  hpa("iris-model-hpa", "Model", "iris", 75),
			ServerHPA: hpa("iris-server-hpa", "Server", "iris-server", 60),
			Query:     "sum by (model) (rate(seldon_model_infer_total{model=\"iris\"}[1m]))", PromValue: ptr(6.0),
			Path: "/apis/custom.metrics.k8s.io/v1beta1/...", APIValue: ptr(6.1),
		}},
	}
}

// diagnoseCase is one way a cluster breaks, and what the doctor must say of it.
type diagnoseCase struct {
	name   string
	break_ func(*Snapshot)
	check  int     // the check that must fail (0: none)
	fix    string  // a fragment of its fix
	want   Verdict // its verdict (Failure unless said)
}

// diagnoseCases break the healthy cluster one way each.
var diagnoseCases = []diagnoseCase{
	{name: "healthy"},
	{"no APIService", func(s *Snapshot) { s.APIService = APIService{} }, CheckAPIService,
		"install prometheus-adapter", ""},
	{"adapter stopped", func(s *Snapshot) {
		s.APIService.Available, s.APIService.Reason = false, "FailedDiscoveryCheck"
		m := &s.Models[0]
		m.APIValue, m.APIErr = nil, "the server is currently unable to handle the request"
	}, CheckAPIService, "start prometheus-adapter", ""},
	{"another metrics provider", func(s *Snapshot) { s.APIService.Adapter = "" }, CheckAPIService,
		"point the APIService", ""},
	{"no Seldon rule", func(s *Snapshot) {
		s.Adapter.Config = mustRulesYAML(adapterrules.SeldonRule(adapterrules.RuleSpec{NameAs: "other"}))
	}, CheckAdapterRule, "add the Seldon rule", ""},
	{"relist shorter than scrape", func(s *Snapshot) { s.Prometheus.Scrape = 2 * time.Minute },
		CheckAdapterRule, "metricsRelistInterval to at least 2m", ""},
	{"no job scrapes the counter", func(s *Snapshot) { s.Prometheus.Scrape = 0 }, CheckAdapterRule,
		"scrape the Seldon agent", Warning},
	{"Prometheus unreachable", func(s *Snapshot) {
		s.Prometheus.Scrape, s.Prometheus.Err = 0, "dial tcp: connection refused"
		s.Models[0].PromValue = nil
	}, CheckMetricData, "--prometheus-url", ""},
	{"agent exports nothing", func(s *Snapshot) { s.Models[0].PromValue, s.Models[0].APIValue = nil, nil },
		CheckMetricData, "scrape the Seldon agent", ""},
	{"selector matches nothing", func(s *Snapshot) {
		m := &s.Models[0]
		m.ModelHPA.Selector = map[string]string{"method_type": "rst"}
		m.ServerHPA.Selector = m.ModelHPA.Selector
		m.PromValue, m.PromUnfiltered, m.APIValue = nil, ptr(6.0), nil
	}, CheckMetricData, "metricSelector", ""},
	{"API far from Prometheus", func(s *Snapshot) { s.Models[0].APIValue = ptr(1.0) }, CheckMetricData,
		"--prometheus-url", Warning},
	{"Server HPA missing", func(s *Snapshot) { s.Models[0].ServerHPA = nil }, CheckHPAs, "pulumi up --refresh", ""},
	{"HPAs out of step", func(s *Snapshot) { s.Models[0].ServerHPA.Max = 10 }, CheckHPAs, "pulumi up --refresh", ""},
	{"Model window shorter", func(s *Snapshot) { s.Models[0].ModelHPA.ScaleUp.StabilizationWindowSeconds = ptr(0) },
		CheckHPAs, "pulumi up --refresh", ""},
	{"metric unavailable", func(s *Snapshot) {
		s.Models[0].ModelHPA.Conditions[1] = Condition{Type: "ScalingActive", Status: "False",
			Reason: "FailedGetObjectMetric", Message: "unable to get metric infer_rps"}
	}, CheckHPAs, "FailedGetObjectMetric", ""},
	{"ScheduleFailed, the Server's pods short of its replicas", func(s *Snapshot) {
		s.Models[0].Conditions, s.Models[0].AvailableReplicas = tooFew, ptr(1)
	}, CheckSeldon, "give the Server room for the Model's replicas: Server iris-server asks for 2", ""},
	{"ScheduleFailed, the Server short of the Model", func(s *Snapshot) {
		m := &s.Models[0]
		m.Conditions, m.SpecReplicas, m.StatusReplicas = tooFew, 3, 3
	}, CheckSeldon, "raise Server iris-server to at least 3 replicas", ""},
	{"ScheduleFailed, no agent connected", func(s *Snapshot) {
		m := &s.Models[0]
		m.Conditions, m.AvailableReplicas = notReady(seldon.StateScheduleFailed, seldon.ReasonNoServers), ptr(0)
	}, CheckSeldon, "start Server iris-server's pods", ""},
	{"loading", func(s *Snapshot) {
		s.Models[0].Conditions, s.Models[0].AvailableReplicas = notReady(seldon.StateProgressing, ""), ptr(1)
	}, CheckSeldon, "none while its replicas load", Warning},
	{"scaled to 0", func(s *Snapshot) {
		m := &s.Models[0]
		m.Conditions, m.SpecReplicas, m.StatusReplicas = notReady(seldon.StateScaledDown, ""), 0, 0
		m.AvailableReplicas = ptr(0)
	}, CheckSeldon, "kubectl scale model iris --replicas=1", Warning},
	{"being deleted", func(s *Snapshot) { s.Models[0].Conditions = notReady(seldon.StateTerminating, "") },
		CheckSeldon, "deleted on purpose", Warning},
	{"no status yet", func(s *Snapshot) {
		s.Models[0].Conditions, s.Models[0].StatusReplicas, s.Models[0].AvailableReplicas = nil, 0, nil
	}, CheckSeldon, "wait for Seldon's operator", Warning},
	{"a state Seldon does not document", func(s *Snapshot) {
		s.Models[0].Conditions = notReady("ModelFailed", "load error")
	}, CheckSeldon, "kubectl describe model", ""},
	{"minReplicas in the Model spec", func(s *Snapshot) { s.Models[0].MinReplicas = ptr(2) }, CheckSeldon,
		"remove minReplicas", ""},
	{"minReplicas as partial scheduling (the HPAs' minimum, Seldon 2.10)",
		func(s *Snapshot) { s.Models[0].MinReplicas = ptr(1) }, 0, "", ""},
	{"minReplicas under native model autoscaling", func(s *Snapshot) {
		s.Models[0].MinReplicas, s.Seldon.ModelAutoscaling = ptr(1), true
	}, CheckSeldon, "autoscalingModelEnabled=false", ""},
	{"minReplicas on Seldon 2.8", func(s *Snapshot) { s.Models[0].MinReplicas, s.Seldon.Version = ptr(1), "2.8.5" },
		CheckSeldon, "remove minReplicas", ""},
	{"minReplicas, no scheduler found", func(s *Snapshot) { s.Models[0].MinReplicas, s.Seldon = ptr(1), Seldon{} },
		CheckSeldon, "remove minReplicas", ""},
	{"maxReplicas too on Seldon 2.10", func(s *Snapshot) {
		s.Models[0].MinReplicas, s.Models[0].MaxReplicas = ptr(1), ptr(6)
	}, CheckSeldon, "remove minReplicas", ""},
	{"partially scheduled", func(s *Snapshot) {
		m := &s.Models[0]
		m.MinReplicas, m.StatusReplicas, m.AvailableReplicas = ptr(1), 1, ptr(1)
	}, CheckSeldon, "none while Server iris-server's new replicas start", Warning},
	{"partially scheduled, the Server short of the Model", func(s *Snapshot) {
		m := &s.Models[0]
		m.MinReplicas, m.StatusReplicas, m.AvailableReplicas, m.Server.SpecReplicas = ptr(1), 1, ptr(1), 1
	}, CheckSeldon, "at least as many replicas as the Model", ""},
	{"Ready before the scheduler's word, all or nothing", func(s *Snapshot) { s.Models[0].StatusReplicas = 1 },
		CheckSeldon, "none while the scheduler places them", Warning},
	{"placed, one replica loading", func(s *Snapshot) { s.Models[0].AvailableReplicas = ptr(1) }, CheckSeldon,
		"none while they load", Warning},
	{"scaled down, the Server's agents not yet unloading (loadedModels lags)",
		func(s *Snapshot) { s.Models[0].Server.LoadedModels = 3 }, 0, "", ""},
	{"Server min/max under the Server HPA", func(s *Snapshot) {
		s.Models[0].Server.MinReplicas, s.Models[0].Server.MaxReplicas = ptr(1), ptr(6)
	}, CheckSeldon, "from the Server spec", ""},
	{"Server min/max, native server autoscaling off", func(s *Snapshot) {
		s.Models[0].Server.MaxReplicas, s.Seldon.ServerAutoscaling = ptr(6), false
	}, CheckSeldon, "from the Server spec", Warning},
	{"shared Server", func(s *Snapshot) {
		s.Models[0].Server.Models, s.Models[0].Server.LoadedModels = []string{"iris", "intruder"}, 3
	}, CheckSeldon, "dedicated Server", ""},
	{"Model ahead of Server", func(s *Snapshot) { s.Models[0].SpecReplicas = 3 }, CheckSeldon, "at least as many", ""},
	{"Model lags by design", func(s *Snapshot) { s.Models[0].Server.SpecReplicas = 3 }, CheckSeldon,
		"modelScaleUpLagSeconds",
		Warning},
	{"no Server", func(s *Snapshot) { s.Models[0].Server = nil }, CheckSeldon, "create the Server", ""},
	{"load above max × target", func(s *Snapshot) {
		for _, h := range []*HPA{s.Models[0].ModelHPA, s.Models[0].ServerHPA} {
			h.Current, h.CurrentValue = 6, ptr(5.0)
		}
	}, CheckCapacity, "maxReplicas to at least 10", ""},
}

func TestDiagnose(t *testing.T) {
	for _, tc := range diagnoseCases {
		t.Run(tc.name, func(t *testing.T) {
			s := healthy(t)
			if tc.break_ != nil {
				tc.break_(&s)
			}
			want := tc.want
			if want == "" {
				want = Failure
			}
			results := Diagnose(s)
			for c := CheckAPIService; c <= CheckCapacity; c++ { // every check answers, failing or not
				if !slices.ContainsFunc(results, func(r Result) bool { return r.Check == c }) {
					t.Errorf("no result for check %d", c)
				}
			}
			for _, r := range results {
				if r.Check != tc.check {
					if r.Verdict == Failure {
						// A failure cascades only from the check named (the metric check reads the adapter).
						if r.Check != CheckMetricData || (tc.check != CheckAPIService && tc.check != CheckMetricData) {
							t.Errorf("check %d (%s) failed too: %v; fix %q", r.Check, r.Name, r.Evidence, r.Fix)
						}
					}
					if tc.check == 0 && r.Verdict != OK {
						t.Errorf("healthy: check %d %s %s: %v", r.Check, r.Name, r.Verdict, r.Evidence)
					}
					continue
				}
				if r.Verdict != want || !strings.Contains(r.Fix, tc.fix) {
					t.Errorf("check %d: %s with fix %q, want %s with %q; evidence %v", r.Check, r.Verdict, r.Fix, want,
						tc.fix, r.Evidence)
				}
			}
		})
	}
}

func TestReport(t *testing.T) {
	s := healthy(t)
	s.Models[0].MinReplicas = ptr(2)
	rep := NewReport(s.Namespace, Diagnose(s))
	if rep.ExitCode != 1 || rep.Failures != 1 || rep.OK != 5 {
		t.Errorf("report %+v", rep)
	}
	var b bytes.Buffer
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"5 Model and Server", "FAILURE", "fix: remove minReplicas",
		"5 ok, 0 warnings, 1 failures"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if ExitCode(Diagnose(healthy(t))) != 0 || !AllOK(Diagnose(healthy(t))) {
		t.Error("a healthy cluster does not pass")
	}
}

func TestSchedulerSeldon(t *testing.T) {
	const sched = "seldon-mesh/seldon-scheduler"
	for _, tc := range []struct {
		name, image string
		args        []string
		env         map[string]string
		want        Seldon
		wantPartial bool
	}{
		{"2.10.2, defaults", "docker.io/seldonio/seldon-scheduler:2.10.2", nil, nil,
			Seldon{sched, "2.10.2", false, true}, true},
		{"model autoscaling on", "seldonio/seldon-scheduler:2.9.0", []string{"--enable-model-autoscaling"}, nil,
			Seldon{sched, "2.9.0", true, true}, false},
		{"both switched by value", "seldonio/seldon-scheduler:v2.10.1",
			[]string{"--enable-model-autoscaling=false", "-enable-server-autoscaling=false"}, nil,
			Seldon{sched, "2.10.1", false, false}, true},
		{"a switch from the environment", "registry:5000/seldonio/seldon-scheduler:2.9.1",
			[]string{"--enable-model-autoscaling=$(MODEL_AUTOSCALING)"}, map[string]string{"MODEL_AUTOSCALING": "true"},
			Seldon{sched, "2.9.1", true, true}, false},
		{"before 2.9: no native server autoscaling", "seldonio/seldon-scheduler:2.8.4", nil, nil,
			Seldon{sched, "2.8.4", false, false}, false},
		{"no tag: version unknown", "registry:5000/seldonio/seldon-scheduler", nil, nil,
			Seldon{sched, "", false, true}, false},
		{"a digest is no version", "seldonio/seldon-scheduler@sha256:abc", nil, nil, Seldon{sched, "", false, true}, false},
		{"not Seldon Core 2", "seldonio/seldon-scheduler:3.0.0", nil, nil, Seldon{sched, "3.0.0", false, false}, false},
		{"a pre-release", "seldonio/seldon-scheduler:2.9-rc1", nil, nil, Seldon{sched, "2.9-rc1", false, true}, true},
		{"2.10 is after 2.9", "seldonio/seldon-scheduler:2.10", nil, nil, Seldon{sched, "2.10", false, true}, true},
	} {
		got := SchedulerSeldon(sched, tc.image, tc.args, tc.env)
		if got != tc.want || got.PartialScheduling() != tc.wantPartial {
			t.Errorf("%s: got %+v partial %v, want %+v partial %v", tc.name, got, got.PartialScheduling(), tc.want,
				tc.wantPartial)
		}
	}
}
