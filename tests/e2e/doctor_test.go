package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/pipeline"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/doctor"
)

const doctorRole = "seldon-autoscaling-doctor" // the ClusterRole in deploy/rbac-doctor.yaml

// doctorRun runs the built `seldon-autoscaling doctor` as the doctor's least-privileged user.
type doctorRun struct {
	bin, kubeconfig, promURL string
}

func (d doctorRun) run(t *testing.T, extra ...string) (doctor.Report, int, string) {
	t.Helper()
	args := append([]string{"doctor", "--kubeconfig", d.kubeconfig, "-n", ns, "--prometheus-url", d.promURL,
		"--output", "json"}, extra...)
	cmd := exec.Command(d.bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("doctor: %v", err)
	}
	var rep doctor.Report
	if code != 2 {
		if err := json.Unmarshal(out, &rep); err != nil {
			t.Fatalf("doctor printed no report (exit %d): %v\n%s\n%s", code, err, out, stderr.String())
		}
	}
	return rep, code, stderr.String()
}

// table is the people's output of one run, for docs/doctor.md.
func (d doctorRun) table(t *testing.T) string {
	t.Helper()
	out, _ := exec.Command(d.bin, "doctor", "--kubeconfig", d.kubeconfig, "-n", ns,
		"--prometheus-url", d.promURL).Output()
	return string(out)
}

// doctorKubeconfig is the admin kubeconfig impersonating a user bound to deploy/rbac-doctor.yaml
// alone, after checking that role reads only.
func (b *testbed) doctorKubeconfig(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	roles, err := localcluster.ReadClusterRoles(filepath.Join(b.root, "deploy", "rbac-doctor.yaml"))
	if err != nil || len(roles) != 1 || roles[0].Name != doctorRole {
		t.Fatalf("deploy/rbac-doctor.yaml: %v %v", roles, err)
	}
	for _, r := range roles[0].Rules {
		for _, v := range r.Verbs {
			if v != "get" && v != "list" {
				t.Errorf("the doctor's role grants %s on %v: it must only read", v, r.Resources)
			}
		}
	}
	const user = "doctor-e2e"
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: doctorRole},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	}
	if _, err := b.kube.RbacV1().ClusterRoles().Create(ctx, &roles[0], metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.kube.RbacV1().ClusterRoles().Delete(ctx, doctorRole, metav1.DeleteOptions{}) })
	if _, err := b.kube.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.kube.RbacV1().ClusterRoleBindings().Delete(ctx, user, metav1.DeleteOptions{}) })
	cfg, err := clientcmd.LoadFromFile(b.cluster.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, ai := range cfg.AuthInfos {
		ai.Impersonate = user
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func buildDoctor(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "seldon-autoscaling")
	cmd := exec.Command("go", "build", "-o", bin, "./provider/cmd/seldon-autoscaling")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the CLI: %v\n%s", err, out)
	}
	return bin
}

// doctorFault is one fault of issue 14: brk introduces it, undo removes it; check must fail with a
// fix containing fix.
type doctorFault struct {
	name      string
	check     int
	fix       string
	brk, undo func(t *testing.T)
}

// TestDoctor runs `seldon-autoscaling doctor` on the real metrics pipeline: a healthy deployment
// under load passes every check; each fault, one at a time, fails the right check with the right
// fix, and the doctor's --wait sees it recover when undone. Every run uses only the read
// permissions of deploy/rbac-doctor.yaml.
func TestDoctor(t *testing.T) {
	b := requireBed(t)
	series := pipeline.Series{Model: "irisa0", Server: "irisa0-server", MethodType: "rest"}
	run := b.startPipeline(t, fast, []string{"irisa0"}, map[pipeline.Series]float64{series: 2 * pipelineTarget})
	d := doctorRun{bin: buildDoctor(t, b.root), kubeconfig: b.doctorKubeconfig(t), promURL: run.prom.URL}
	b.seldonScheduler(t, schedulerArgs)
	docs := os.Getenv("SELDON_DOCTOR_OUTPUT") // a file to write real runs' tables to, for docs/doctor.md

	healthy := func(t *testing.T, what string) {
		t.Helper()
		rep, code, progress := d.run(t, "--wait", "150s")
		if code != 0 || !doctor.AllOK(rep.Results) {
			t.Fatalf("%s: exit %d, not every check ok: %+v\nprogress:\n%s", what, code, rep.Results, progress)
		}
	}
	t.Run("healthy under load", func(t *testing.T) {
		healthy(t, "healthy")
		rep, _, _ := d.run(t)
		if len(rep.Results) != 6 {
			t.Errorf("want the 6 checks of one Model, got %d", len(rep.Results))
		}
		// --model narrows the checks to one Model by name, and a name the component does not
		// autoscale is a could-not-check (exit 2) naming it.
		if one, code, _ := d.run(t, "--model", "irisa0"); code != 0 || len(one.Results) != 6 {
			t.Errorf("--model irisa0: exit %d, %d results, want 0 and 6", code, len(one.Results))
		}
		_, code, stderr := d.run(t, "--model", "irisz9")
		if code != 2 || !strings.Contains(stderr, "no Model "+ns+"/irisz9") {
			t.Errorf("--model irisz9: exit %d, stderr %q, want 2 naming the Model", code, stderr)
		}
		const install = "Seldon 2.10.2 (scheduler " + ns + "/seldon-scheduler): native model autoscaling off, " +
			"native server autoscaling on"
		if i := slices.IndexFunc(rep.Results, func(r doctor.Result) bool { return r.Check == doctor.CheckSeldon }); i < 0 ||
			!slices.Contains(rep.Results[i].Evidence, install) {
			t.Errorf("check 5 does not report the Seldon install %q: %+v", install, rep.Results)
		}
		if docs != "" {
			writeDoc(t, docs, "healthy, 6 RPS on a 3 RPS target", d.table(t))
		}
	})
	for _, f := range b.doctorFaults(run, series, d) {
		t.Run(f.name, func(t *testing.T) {
			f.brk(t)
			eventually(t, 120*time.Second, "check "+doctor.CheckNames[f.check]+" fails", func() (bool, string) {
				rep, code, _ := d.run(t)
				i := slices.IndexFunc(rep.Results, func(r doctor.Result) bool {
					return r.Check == f.check && r.Verdict == doctor.Failure
				})
				return code == 1 && i >= 0 && strings.Contains(rep.Results[i].Fix, f.fix), fmt.Sprintf("exit %d %+v",
					code, rep.Results)
			})
			if docs != "" {
				writeDoc(t, docs, f.name, d.table(t))
			}
			f.undo(t)
			healthy(t, "after undoing "+f.name)
		})
	}
}

func writeDoc(t *testing.T, path, title, table string) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = fh.Close() }()
	fmt.Fprintf(fh, "### %s (%s)\n\n```\n%s```\n\n", title, time.Now().UTC().Format(time.RFC3339), table)
}

func (b *testbed) patch(t *testing.T, kind, name, patch string) {
	t.Helper()
	ctx := context.Background()
	var err error
	switch kind {
	case "model":
		_, err = b.dyn.Resource(localcluster.ModelResource).Namespace(ns).Patch(ctx, name, types.MergePatchType,
			[]byte(patch), metav1.PatchOptions{})
	case "server":
		_, err = b.dyn.Resource(localcluster.ServerResource).Namespace(ns).Patch(ctx, name, types.MergePatchType,
			[]byte(patch), metav1.PatchOptions{})
	case "hpa":
		_, err = b.kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Patch(ctx, name, types.MergePatchType,
			[]byte(patch), metav1.PatchOptions{})
	}
	if err != nil {
		t.Fatalf("patching %s %s: %v", kind, name, err)
	}
}

func (b *testbed) doctorFaults(run *pipelineRun, series pipeline.Series, d doctorRun) []doctorFault {
	ctx := context.Background()
	models := b.dyn.Resource(localcluster.ModelResource).Namespace(ns)
	return []doctorFault{
		{"the adapter process stopped", doctor.CheckAPIService, "start prometheus-adapter",
			func(t *testing.T) {
				if err := b.cluster.Kill("prometheus-adapter"); err != nil {
					t.Fatal(err)
				}
			},
			func(t *testing.T) {
				if _, err := run.startAdapter(); err != nil {
					t.Fatal(err)
				}
			}},
		{"the agent exporting nothing", doctor.CheckMetricData, "scrape the Seldon agent",
			func(*testing.T) { run.agent.Silence(true) }, func(*testing.T) { run.agent.Silence(false) }},
		{"minReplicas on the Model under native model autoscaling", doctor.CheckSeldon, "autoscalingModelEnabled=false",
			func(t *testing.T) { b.minReplicasThenNativeModelAutoscaling(t, d) },
			func(t *testing.T) {
				b.patch(t, "model", "irisa0", `{"spec":{"minReplicas":null}}`)
				b.seldonScheduler(t, schedulerArgs)
			}},
		{"a Server with min/maxReplicas under the Server HPA", doctor.CheckSeldon, "from the Server spec",
			func(t *testing.T) {
				b.patch(t, "server", "irisa0-server", `{"spec":{"minReplicas":1,"maxReplicas":6}}`)
			},
			func(t *testing.T) {
				b.patch(t, "server", "irisa0-server", `{"spec":{"minReplicas":null,"maxReplicas":null}}`)
			}},
		{"one HPA edited out of step", doctor.CheckHPAs, "pulumi up --refresh",
			func(t *testing.T) { b.patch(t, "hpa", "irisa0-server-hpa", `{"spec":{"maxReplicas":10}}`) },
			func(t *testing.T) { b.patch(t, "hpa", "irisa0-server-hpa", `{"spec":{"maxReplicas":6}}`) }},
		// The Server's agents all stop, as the recording S4 stopped its one: the stand-in writes the
		// ScheduleFailed real Seldon wrote, and places the Model again when they are back.
		{"the Model ScheduleFailed", doctor.CheckSeldon, "give the Server room",
			func(t *testing.T) {
				b.patch(t, "server", "irisa0-server", fmt.Sprintf(`{"metadata":{"annotations":{%q:"0"}}}`,
					localcluster.AgentsAtMostAnnotation))
			},
			func(t *testing.T) {
				b.patch(t, "server", "irisa0-server", fmt.Sprintf(`{"metadata":{"annotations":{%q:null}}}`,
					localcluster.AgentsAtMostAnnotation))
			}},
		{"a second Model naming the Server", doctor.CheckSeldon, "dedicated Server",
			func(t *testing.T) { createIntruder(ctx, t, models) },
			func(t *testing.T) {
				if err := models.Delete(ctx, "intruder", metav1.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
			}},
		{"Prometheus scraping less often than the adapter relists", doctor.CheckAdapterRule,
			"metricsRelistInterval to at least 20s",
			func(t *testing.T) { b.setScrape(t, run, 20*time.Second) },
			func(t *testing.T) { b.setScrape(t, run, fast.Scrape) }},
		{"a metric selector that matches no series", doctor.CheckMetricData, "metricSelector",
			func(t *testing.T) { b.selectMetric(t, map[string]string{"method_type": "rst"}) },
			func(t *testing.T) { b.selectMetric(t, nil) }},
		{"load above maxReplicas × target", doctor.CheckCapacity, "maxReplicas to at least 8",
			func(*testing.T) { run.agent.SetRate(series, 8*pipelineTarget) },
			func(*testing.T) { run.agent.SetRate(series, 2*pipelineTarget) }},
	}
}

// minReplicasThenNativeModelAutoscaling: on Seldon 2.10 with native model autoscaling off,
// minReplicas at the HPAs' minimum is the partial scheduling the component chooses: no failure.
// Then the scheduler turns it on.
func (b *testbed) minReplicasThenNativeModelAutoscaling(t *testing.T, d doctorRun) {
	b.patch(t, "model", "irisa0", `{"spec":{"minReplicas":1}}`)
	rep, _, _ := d.run(t)
	for _, r := range rep.Results {
		if r.Check == doctor.CheckSeldon && r.Verdict == doctor.Failure {
			t.Errorf("minReplicas=1 as partial scheduling on Seldon 2.10.2 failed: %v", r.Evidence)
		}
	}
	b.seldonScheduler(t, []string{"--enable-model-autoscaling=$(MODEL_AUTOSCALING)"})
}

// createIntruder creates a second Model naming irisa0's Server.
func createIntruder(ctx context.Context, t *testing.T, models dynamic.ResourceInterface) {
	intruder := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Model", "metadata": map[string]any{"name": "intruder"},
		"spec": map[string]any{"storageUri": "gs://x", "server": "irisa0-server", "replicas": int64(1)},
	}}
	if _, err := models.Create(ctx, intruder, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func (b *testbed) setScrape(t *testing.T, run *pipelineRun, scrape time.Duration) {
	t.Helper()
	if err := run.prom.SetScrapeInterval(context.Background(), scrape); err != nil {
		t.Fatal(err)
	}
}

// selectMetric edits both HPAs' metric selector alike, out of band, as a wrong
// autoscaling.metricSelector would set it.
func (b *testbed) selectMetric(t *testing.T, selector map[string]string) {
	t.Helper()
	metric := map[string]any{"name": "infer_rps"}
	if selector != nil {
		metric["selector"] = map[string]any{"matchLabels": selector}
	}
	patch, err := json.Marshal(map[string]any{"spec": map[string]any{"metrics": []any{map[string]any{
		"type": "Object", "object": map[string]any{
			"describedObject": map[string]any{"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Model", "name": "irisa0"},
			"metric":          metric,
			"target":          map[string]any{"type": "AverageValue", "averageValue": "3"},
		}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, hpa := range []string{"irisa0-model-hpa", "irisa0-server-hpa"} {
		b.patch(t, "hpa", hpa, string(patch))
	}
}

// schedulerArgs are the Seldon scheduler's flags in the healthy cluster: native server autoscaling
// on, as by default.
var schedulerArgs = []string{"--enable-server-autoscaling=true"}

// seldonScheduler creates or replaces the StatefulSet Seldon's operator runs the scheduler as, with
// args (MODEL_AUTOSCALING=true in its environment); no pod runs (zero replicas). The doctor reads
// the Seldon version from its image tag and the native autoscaling switches from its flags.
func (b *testbed) seldonScheduler(t *testing.T, args []string) {
	t.Helper()
	ctx := context.Background()
	labels := map[string]string{"app.kubernetes.io/name": "seldon-scheduler"}
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "seldon-scheduler", Namespace: ns},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr(int32(0)), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "scheduler", Image: "docker.io/seldonio/seldon-scheduler:2.10.2", Args: args,
					Env: []corev1.EnvVar{{Name: "MODEL_AUTOSCALING", Value: "true"}},
				}}},
			},
		},
	}
	statefulSets := b.kube.AppsV1().StatefulSets(ns)
	cur, err := statefulSets.Get(ctx, sts.Name, metav1.GetOptions{})
	if err == nil {
		sts.ResourceVersion = cur.ResourceVersion
		_, err = statefulSets.Update(ctx, sts, metav1.UpdateOptions{})
	} else {
		_, err = statefulSets.Create(ctx, sts, metav1.CreateOptions{})
		t.Cleanup(func() { _ = statefulSets.Delete(ctx, sts.Name, metav1.DeleteOptions{}) })
	}
	if err != nil {
		t.Fatalf("the Seldon scheduler StatefulSet: %v", err)
	}
}
