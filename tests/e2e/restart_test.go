package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/examples/go/autoscaledmodel"
)

// TestAPIServerRestartDuringUp kills the API server (SIGKILL, no draining) while an up is creating
// the adapter, starts it again, and requires that a request of that up was disturbed, as the
// engine's log or the up's error shows, and that the next up converges with nothing duplicated or
// orphaned.
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
	// The crash must land while the up still has requests to make; with the adapter's await
	// skipped, Helm's install can finish within the moment it takes to see its first record, and
	// then nothing is disturbed. Such an attempt proves nothing either way: undo it and try again.
	for attempt := 1; !b.upInterruptedByCrash(t, st); attempt++ {
		if attempt == crashAttempts {
			t.Fatalf("in %d attempts, no request of the interrupted up to %s failed or was retried, by its error "+
				"or its engine's log: the crash disturbed nothing, so the next up proves nothing about recovering",
				crashAttempts, b.cluster.Server)
		}
		if _, err := st.Destroy(ctx); err != nil {
			t.Fatalf("destroy after an undisturbed attempt: %v", err)
		}
		b.assertGone(t)
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
	b.assertOneDeployedRevision(t)
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	b.assertGone(t)
}

// crashAttempts bounds how often TestAPIServerRestartDuringUp tries to land the crash inside the up.
const crashAttempts = 3

// upInterruptedByCrash runs an up and kills the API server as soon as Helm has started writing
// the release, and reports whether that mattered: a request of the up failed on the lost
// connection, in the up's error or in its engine's log. The up itself may fail, or may ride the
// outage out when every disturbed request was retried: both are correct, and either way the next
// up must converge and change nothing. An up that failed with no request disturbed failed for
// another reason, and fails the test.
func (b *testbed) upInterruptedByCrash(t *testing.T, st auto.Stack) bool {
	t.Helper()
	ctx := context.Background()
	engine := newEngineLog()
	done := make(chan error, 1)
	go func() { _, err := st.Up(ctx, engine.options()...); done <- err }()
	b.awaitReleaseRecord(t, done)
	if err := b.cluster.CrashAPIServer(ctx, 3*time.Second); err != nil {
		t.Fatalf("restarting the API server: %v", err)
	}
	firstErr := <-done
	var errLines []string
	if firstErr != nil {
		t.Logf("the interrupted up failed: %.400s", firstErr)
		errLines = strings.Split(firstErr.Error(), "\n")
	} else {
		t.Log("the interrupted up rode out the API server's crash")
	}
	inLog, inErr := disturbedRequests(b.cluster.Server, engine.wait(t)), disturbedRequests(b.cluster.Server, errLines)
	if len(inLog)+len(inErr) == 0 {
		if firstErr != nil {
			t.Fatalf("the interrupted up failed, but no request of it to %s was disturbed: %v", b.cluster.Server, firstErr)
		}
		t.Log("the crash disturbed no request of this up")
		return false
	}
	t.Logf("lines that show a disturbed request: %d in the engine's log, %d in the error; the first: %.300s",
		len(inLog), len(inErr), append(inLog, inErr...)[0])
	return true
}

// awaitReleaseRecord returns as soon as Helm has written the release's first record, polling
// often: an install whose await is skipped is over within a fraction of a second.
func (b *testbed) awaitReleaseRecord(t *testing.T, done <-chan error) {
	t.Helper()
	list := metav1.ListOptions{LabelSelector: "owner=helm,name=" + helmRelease}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("the up ended (error: %v) before the API server stopped: there was nothing to interrupt", err)
		default:
		}
		s, err := b.kube.CoreV1().Secrets(adapterNS).List(context.Background(), list)
		if err == nil && len(s.Items) > 0 {
			return
		}
	}
	t.Fatal("the Helm release to start: no release record within 60 s")
}

// lostConnection is how Go's HTTP client, and client-go and Helm after it, report a request
// whose connection to the API server was refused (the server down), reset or cut short (killed
// with the request in flight).
var lostConnection = regexp.MustCompile(`connection refused|connection reset by peer|\bEOF\b|broken pipe|` +
	`http2: client connection lost|use of closed network connection`)

// disturbedRequests are the lines that report a request to server (an https:// URL) lost on its
// connection.
func disturbedRequests(server string, lines []string) []string {
	address := strings.TrimPrefix(server, "https://")
	var out []string
	for _, l := range lines {
		if strings.Contains(l, address) && lostConnection.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

// engineLog gathers an operation's engine events as lines: every diagnostic, the debug ones
// included, which carry what the Kubernetes plugin writes to its stderr (client-go's and Helm's
// errors and retries).
type engineLog struct {
	events chan events.EngineEvent
	done   chan []string
}

func newEngineLog() *engineLog {
	l := &engineLog{events: make(chan events.EngineEvent), done: make(chan []string, 1)}
	go func() {
		var lines []string
		for e := range l.events {
			if d := e.DiagnosticEvent; d != nil {
				lines = append(lines, strings.Split(d.Message, "\n")...)
			}
			if f := e.ErrorEvent; f != nil {
				lines = append(lines, strings.Split(f.Error, "\n")...)
			}
		}
		l.done <- lines
	}()
	return l
}

// options are the up's options that feed the log.
func (l *engineLog) options() []optup.Option {
	return []optup.Option{optup.EventStreams(l.events)}
}

// wait returns the lines once the operation has ended and the Automation API closed the stream.
func (l *engineLog) wait(t *testing.T) []string {
	t.Helper()
	select {
	case lines := <-l.done:
		return lines
	case <-time.After(30 * time.Second):
		t.Fatal("the engine's event stream was not closed 30 s after the up ended")
		return nil
	}
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
