package e2e

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/helmrecord"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/localcluster"
	sa "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
)

// rejectedReplicas is a chart value Helm renders and sends, and the API server refuses
// (spec.replicas must be at least 0): a failure no guard can foresee, in the middle of Helm's
// work, after it has recorded the release.
const rejectedReplicas = "-1"

// TestFailedHelmInstallRecovers: an install that fails says why, creates nothing of the Model's
// and leaves no release record that blocks the next up; the corrected up converges with exactly
// one deployed revision.
func TestFailedHelmInstallRecovers(t *testing.T) {
	b := requireBed(t)
	b.runKubeletStandIn(t) // the adapter's pods become Ready, so Helm's wait succeeds when it may
	cases := []struct {
		name    string
		config  map[string]string // the failing up's; the corrected up drops adapterReplicas
		errWant string
		records func(map[string]int) string // what the failed install may leave; "" if right
	}{
		{
			"the chart cannot be read: nothing recorded",
			map[string]string{"adapterChartPath": b.chartPath + "-does-not-exist", "adapterSkipAwait": "true"},
			"does-not-exist", noRecords,
		},
		{
			"Helm waits, the API server refuses a manifest: uninstalled by atomic",
			map[string]string{"adapterReplicas": rejectedReplicas},
			"spec.replicas", noRecords,
		},
		{
			"skipAwait, the API server refuses a manifest: left failed, which Helm upgrades from",
			map[string]string{"adapterReplicas": rejectedReplicas, "adapterSkipAwait": "true"},
			"spec.replicas", func(r map[string]int) string {
				if r["failed"] != 1 || len(r) != 1 {
					return "want exactly one failed revision"
				}
				return ""
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			config := merge(map[string]string{"adapterChartPath": b.chartPath}, tc.config)
			st := b.goStack(t, "helm-install-fault", helmFaultProgram, config)
			t.Cleanup(func() { _, _ = st.Destroy(ctx) })

			_, err := st.Up(ctx)
			if err == nil {
				t.Fatal("the up that should fail succeeded")
			}
			t.Logf("the failed install: %.2000s\nrelease records after it: %v", err.Error(), b.releaseRecords(t))
			if !strings.Contains(err.Error(), tc.errWant) {
				t.Errorf("the error does not name %s:\n%.1500s", tc.errWant, err.Error())
			}
			// The rules ConfigMap comes first and may exist; it is the stack's and goes with destroy.
			b.assertModelGone(t)
			if why := tc.records(b.releaseRecords(t)); why != "" {
				t.Errorf("after the failed install: %s, got %v", why, b.releaseRecords(t))
			}

			b.setConfig(t, st, map[string]string{"adapterChartPath": b.chartPath})
			if err := st.RemoveConfig(ctx, "adapterReplicas"); err != nil {
				t.Fatal(err)
			}
			b.convergeThenDestroy(t, st)
		})
	}
}

// TestFailedHelmUpgradeRollsBack: an upgrade the API server refuses halfway fails naming the
// refused field, is rolled back to the deployed revision (the adapter keeps running as before),
// leaves no pending record, and the corrected up converges with exactly one deployed revision.
func TestFailedHelmUpgradeRollsBack(t *testing.T) {
	b := requireBed(t)
	b.runKubeletStandIn(t) // Helm waits (skipAwait false), as for users, and its wait succeeds
	ctx := context.Background()
	st := b.goStack(t, "helm-upgrade-fault", helmFaultProgram, map[string]string{"adapterChartPath": b.chartPath})
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	b.assertOneDeployedRevision(t)
	installed := b.releaseHistory(t)
	before := b.adapterTemplate(t)

	b.setConfig(t, st, map[string]string{"adapterReplicas": rejectedReplicas})
	_, err := st.Up(ctx)
	if err == nil {
		t.Fatal("the upgrade with replicas -1 succeeded")
	}
	t.Logf("the failed upgrade: %.2000s\nrelease records after it: %v", err.Error(), b.releaseRecords(t))
	for _, want := range []string{"spec.replicas", "rolled back"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%.1500s", want, err.Error())
		}
	}
	b.assertOneDeployedRevision(t)
	b.assertRolledBackTo(t, installed)
	if after := b.adapterTemplate(t); after.checksum != before.checksum {
		t.Errorf("the rolled-back adapter runs other rules: %q, was %q", after.checksum, before.checksum)
	}
	dep, err := b.kube.AppsV1().Deployments(adapterNS).Get(ctx, adapterName, metav1.GetOptions{})
	if err != nil || dep.Spec.Replicas == nil || *dep.Spec.Replicas != 1 {
		t.Errorf("the adapter Deployment was not rolled back to 1 replica (%v)", err)
	}

	if err := st.RemoveConfig(ctx, "adapterReplicas"); err != nil {
		t.Fatal(err)
	}
	b.convergeThenDestroy(t, st)
}

// convergeThenDestroy runs the corrected up: deployed with exactly one deployed revision, a
// no-op up, then destroy leaving nothing.
func (b *testbed) convergeThenDestroy(t *testing.T, st auto.Stack) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("the corrected up failed: %v", err)
	}
	b.assertDeployed(t)
	b.assertOneDeployedRevision(t)
	t.Logf("release records after the corrected up: %v", b.releaseRecords(t))
	assertNoChanges(t, st)
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	b.assertGone(t)
}

// releaseHistory is the adapter release's revisions, oldest first, from Helm's records.
func (b *testbed) releaseHistory(t *testing.T) []helmrecord.Revision {
	t.Helper()
	history, err := helmrecord.History(context.Background(), b.kube, adapterNS, helmRelease, "")
	if err != nil {
		t.Fatal(err)
	}
	return history
}

// assertRolledBackTo reads from Helm's records that the failed upgrade was rolled back, which its
// message alone does not prove: the installed revision 1 superseded, the upgrade's revision 2
// failed with the refused replicas, and revision 3 deployed as Helm's rollback to 1, with revision
// 1's values and manifest.
func (b *testbed) assertRolledBackTo(t *testing.T, installed []helmrecord.Revision) {
	t.Helper()
	if len(installed) != 1 || installed[0].Version != 1 || installed[0].Info.Status != "deployed" {
		t.Fatalf("before the upgrade: want revision 1 alone, deployed; got %s", revisions(installed))
	}
	history := b.releaseHistory(t)
	t.Logf("the release's history after the failed upgrade: %s", revisions(history))
	upgradeFailed := fmt.Sprintf("Upgrade %q failed: ", helmRelease)
	if len(history) != 3 ||
		history[0].Version != 1 || history[0].Info.Status != "superseded" ||
		history[1].Version != 2 || history[1].Info.Status != "failed" ||
		!strings.HasPrefix(history[1].Info.Description, upgradeFailed) ||
		!strings.Contains(history[1].Info.Description, "spec.replicas") ||
		history[2].Version != 3 || history[2].Info.Status != "deployed" ||
		history[2].Info.Description != "Rollback to 1" {
		t.Fatalf("want 1 superseded, 2 failed (%s... spec.replicas ...), 3 deployed (Rollback to 1); got %s",
			upgradeFailed, revisions(history))
	}
	if r := history[1].Config["replicas"]; r != float64(-1) {
		t.Errorf("the failed revision 2 has replicas %v, not the upgrade's -1", r)
	}
	if rollback := history[2]; !reflect.DeepEqual(rollback.Config, installed[0].Config) ||
		rollback.Manifest != installed[0].Manifest {
		t.Errorf("the deployed revision 3 is not revision 1 again: values %v, were %v; manifest the same: %v",
			rollback.Config, installed[0].Config, rollback.Manifest == installed[0].Manifest)
	}
}

// revisions shows a history as Helm's `helm history` would: revision, status, description.
func revisions(history []helmrecord.Revision) string {
	var out []string
	for _, r := range history {
		out = append(out, fmt.Sprintf("%d %s %q", r.Version, r.Info.Status, r.Info.Description))
	}
	return "[" + strings.Join(out, "; ") + "]"
}

// helmFaultProgram is the Go example's model (so assertDeployed applies) with the adapter's
// replicas as stack config: adapterChartPath, adapterSkipAwait, adapterReplicas (chart default
// when unset).
func helmFaultProgram(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	adapter := &sa.AdapterSpecArgs{
		Chart:           &sa.ChartSpecArgs{Path: pulumi.StringPtr(cfg.Require("adapterChartPath"))},
		SkipAwait:       pulumi.BoolPtr(cfg.GetBool("adapterSkipAwait")),
		CreateNamespace: pulumi.BoolPtr(true),
	}
	if n, err := cfg.TryInt("adapterReplicas"); err == nil {
		adapter.Values = pulumi.Map{"replicas": pulumi.Int(n)}
	}
	_, err := sa.NewSeldonAutoscaledModel(ctx, modelName, &sa.SeldonAutoscaledModelArgs{
		Model: &sa.ModelSpecArgs{
			Name: pulumi.String(modelName), StorageUri: pulumi.String("gs://seldon-models/testing/iris1"),
			Requirements: pulumi.StringArray{pulumi.String("sklearn")}, Memory: pulumi.StringPtr("3M"),
		},
		Server: &sa.ServerSpecArgs{Dedicated: pulumi.BoolPtr(true), ServerConfig: pulumi.StringPtr("mlserver")},
		Autoscaling: &sa.AutoscalingSpecArgs{
			MinReplicas: pulumi.IntPtr(1), MaxReplicas: pulumi.IntPtr(3), TargetRpsPerReplica: pulumi.Float64Ptr(3),
		},
		Adapter: adapter,
	})
	return err
}

// runKubeletStandIn makes the adapter's pods Ready for the rest of the test, and waits for them
// to be gone before it stops.
func (b *testbed) runKubeletStandIn(t *testing.T) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go localcluster.RunKubeletStandIn(ctx, b.kube, adapterNS, func(f string, a ...any) {
		fmt.Fprintf(os.Stderr, f+"\n", a...)
	})
	t.Cleanup(func() {
		eventually(t, 30*time.Second, "the adapter's pods to go", func() (bool, string) {
			pods, err := b.kube.CoreV1().Pods(adapterNS).List(context.Background(), metav1.ListOptions{})
			return err == nil && len(pods.Items) == 0, fmt.Sprintf("pods left (%v)", err)
		})
	})
}

// releaseRecords counts the adapter release's Helm records by status (deployed, failed,
// superseded, pending-install, ...).
func (b *testbed) releaseRecords(t *testing.T) map[string]int {
	t.Helper()
	secrets, err := b.kube.CoreV1().
		Secrets(adapterNS).
		List(context.Background(), metav1.ListOptions{LabelSelector: "owner=helm,name=" + helmRelease})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, s := range secrets.Items {
		out[s.Labels["status"]]++
	}
	return out
}

// assertOneDeployedRevision: exactly one deployed revision and none pending, which would make
// Helm refuse the next up ("another operation is in progress").
func (b *testbed) assertOneDeployedRevision(t *testing.T) {
	t.Helper()
	records := b.releaseRecords(t)
	if records["deployed"] != 1 {
		t.Errorf("want exactly one deployed release revision: %v", records)
	}
	for status := range records {
		if strings.HasPrefix(status, "pending") {
			t.Errorf("a release revision is %s, which blocks the next up: %v", status, records)
		}
	}
}

func noRecords(r map[string]int) string {
	if len(r) > 0 {
		return "want no release record"
	}
	return ""
}
