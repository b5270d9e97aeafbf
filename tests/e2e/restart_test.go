package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/examples/go/autoscaledmodel"
)

// TestAPIServerRestartDuringUp stops the API server while an up is creating the adapter, starts
// it again, and requires the next up to converge with nothing duplicated or orphaned.
func TestAPIServerRestartDuringUp(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	st := b.goStack(
		t,
		"restart",
		autoscaledmodel.Program,
		map[string]string{"adapterChartPath": b.chartPath, "adapterSkipAwait": "true"},
	)
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })

	done := make(chan error, 1)
	go func() { _, err := st.Up(ctx); done <- err }()
	// Wait until Helm has started writing the release, then take the API server away.
	eventually(t, 60*time.Second, "the Helm release to start", func() (bool, string) {
		s, err := b.kube.CoreV1().
			Secrets(adapterNS).
			List(ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=" + helmRelease})
		return err == nil && len(s.Items) > 0, "no release record yet"
	})
	select {
	case err := <-done:
		t.Fatalf("the up ended (error: %v) before the API server stopped: there was nothing to interrupt", err)
	default:
	}
	if err := b.cluster.RestartAPIServer(ctx, 3*time.Second); err != nil {
		t.Fatalf("restarting the API server: %v", err)
	}
	// Had the up ridden out the restart, the next up would prove nothing about recovering.
	// The up was still running when the API server went away (checked above). Either it failed, or
	// every request it had in flight was retried after the restart and it rode the outage out:
	// both are correct, and either way the next up must converge and change nothing.
	if firstErr := <-done; firstErr != nil {
		t.Logf("the interrupted up failed: %.400s", firstErr)
	} else {
		t.Log("the interrupted up rode out the API server's restart")
	}

	// Give the controller manager a moment to reconnect, then converge.
	eventually(t, 60*time.Second, "the API server to answer", func() (bool, string) {
		_, err := b.kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return err == nil, ""
	})
	if _, err := st.Up(ctx); err != nil {
		// When the API server went away inside Helm's own install, Helm could not record how it
		// ended: the release stays pending and Helm refuses it. The component says so at preview,
		// with the repair; the test applies that repair, as a user would, and then converges.
		record := pendingRecord(t, b, err)
		t.Logf("the interruption left the release pending; refused, as expected: %.600s", err)
		if err := b.kube.CoreV1().Secrets(adapterNS).Delete(ctx, record, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Up(ctx); err != nil {
			t.Fatalf("the up after the repair did not converge: %v", err)
		}
	}
	b.assertDeployed(t)
	assertNoChanges(t, st)
	releases, err := b.kube.CoreV1().
		Secrets(adapterNS).
		List(ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=" + helmRelease})
	var deployed, all []string
	for _, r := range releases.Items {
		all = append(all, r.Name+"="+r.Labels["status"])
		if r.Labels["status"] == "deployed" {
			deployed = append(deployed, r.Name)
		}
	}
	if err != nil || len(deployed) != 1 {
		t.Errorf("want exactly one deployed release revision, got %d of %v (%v)", len(deployed), all, err)
	}
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	b.assertGone(t)
}

// pendingRecord is the Helm record the refusal of a pending release names, after checking the
// refusal says what the component promises: the release is pending and the record to delete.
func pendingRecord(t *testing.T, b *testbed, err error) string {
	t.Helper()
	msg := err.Error()
	i := strings.Index(msg, "kubectl delete secret -n "+adapterNS+" ")
	if !strings.Contains(msg, "is pending-") || i < 0 {
		t.Fatalf("the up after the restart did not converge, and not because the release was left pending: %v", err)
	}
	record := strings.Fields(msg[i+len("kubectl delete secret -n "+adapterNS+" "):])[0]
	record = strings.TrimRight(record, ")")
	s, getErr := b.kube.CoreV1().Secrets(adapterNS).Get(context.Background(), record, metav1.GetOptions{})
	if getErr != nil || !strings.HasPrefix(s.Labels["status"], "pending-") {
		t.Fatalf("the refusal names record %s, which is not a pending record (%v)", record, getErr)
	}
	return record
}
