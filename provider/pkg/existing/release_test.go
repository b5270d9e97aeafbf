package existing

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/existing/existingtest"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
)

// observeRelease decides from Helm's records alone whether a release exists and whether its last
// operation never finished; the refusal at preview (ownership.refusePending) names the record it
// picks, so it must pick the highest revision, whatever order the API server lists them in.
func TestObserveRelease(t *testing.T) {
	const ns, release = "seldon-monitoring", "hpa-metrics"
	rec := func(version, status string) *unstructured.Unstructured {
		return helmRecord(ns, release, version, status)
	}
	helm := []string{"helm"}
	for _, tc := range []struct {
		name    string
		records []*unstructured.Unstructured
		want    ownership.Observed
	}{
		{"no records: no release", nil, ownership.Observed{Managers: helm}},
		{"one deployed revision", []*unstructured.Unstructured{rec("1", "deployed")},
			ownership.Observed{Exists: true, Managers: helm}},
		{"an install that never finished", []*unstructured.Unstructured{rec("1", "pending-install")},
			ownership.Observed{Exists: true, Managers: helm, Pending: "sh.helm.release.v1.hpa-metrics.v1 pending-install"}},
		{"an upgrade that never finished, after a deployed revision", []*unstructured.Unstructured{
			rec("1", "superseded"), rec("2", "deployed"), rec("3", "pending-upgrade")},
			ownership.Observed{Exists: true, Managers: helm, Pending: "sh.helm.release.v1.hpa-metrics.v3 pending-upgrade"}},
		{"a rollback that never finished, after a failed upgrade", []*unstructured.Unstructured{
			rec("1", "superseded"), rec("2", "failed"), rec("3", "pending-rollback")},
			ownership.Observed{Exists: true, Managers: helm, Pending: "sh.helm.release.v1.hpa-metrics.v3 pending-rollback"}},
		// Only the last operation blocks Helm: an older pending record is history.
		{"a deployed revision after an earlier pending one", []*unstructured.Unstructured{
			rec("1", "pending-upgrade"), rec("2", "deployed")},
			ownership.Observed{Exists: true, Managers: helm}},
		// Only pending-* blocks Helm: it upgrades from a failed last revision (TestFailedHelmInstallRecovers).
		{"a failed last revision", []*unstructured.Unstructured{rec("1", "superseded"), rec("2", "failed")},
			ownership.Observed{Exists: true, Managers: helm}},
		// Revisions are numbers: compared as text, 9 would come after 10.
		{"revision 10 after revision 9", []*unstructured.Unstructured{
			rec("8", "superseded"), rec("9", "deployed"), rec("10", "pending-upgrade")},
			ownership.Observed{Exists: true, Managers: helm, Pending: "sh.helm.release.v1.hpa-metrics.v10 pending-upgrade"}},
		// Helm always writes a number; a record without one cannot be ordered, so it shows only that the
		// release exists, and is never the last operation.
		{"versions that do not parse are no revision", []*unstructured.Unstructured{
			rec("1", "deployed"), rec("two", "pending-upgrade"), rec("", "pending-install")},
			ownership.Observed{Exists: true, Managers: helm}},
		{"only versions that do not parse", []*unstructured.Unstructured{rec("-", "pending-install")},
			ownership.Observed{Exists: true, Managers: helm}},
		// The records are found by Helm's labels: another release's, and a Secret Helm did not write.
		{"records of another release, a Secret not Helm's", []*unstructured.Unstructured{
			helmRecord(ns, release+"-old", "1", "pending-install"), notHelms(rec("5", "pending-install"))},
			ownership.Observed{Managers: helm}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for order, records := range map[string][]*unstructured.Unstructured{
				"listed by name, as the API server does": sortedByName(tc.records),
				"listed in reverse":                      reversed(sortedByName(tc.records)),
			} {
				secrets := listingInOrder(records).Resource(ownership.Resources["HelmRelease"]).Namespace(ns)
				got, err := observeRelease(context.Background(), secrets, release)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("%s: observed %+v, want %+v", order, got, tc.want)
				}
			}
		})
	}
}

// helmRecord is the Secret Helm's storage driver writes for one revision of a release, with the
// labels observeRelease reads (Helm's pkg/storage/driver/secrets.go, newSecretsObject); an empty
// version leaves the version label out.
func helmRecord(ns, release, version, status string) *unstructured.Unstructured {
	r := existingtest.Object("v1", "Secret", ns, "sh.helm.release.v1."+release+".v"+version,
		map[string]any{"type": "helm.sh/release.v1"})
	labels := map[string]string{"owner": "helm", "name": release, "status": status}
	if version != "" {
		labels["version"] = version
	}
	r.SetLabels(labels)
	return r
}

// notHelms is r without the owner=helm label: a Secret someone else labelled with the release's name.
func notHelms(r *unstructured.Unstructured) *unstructured.Unstructured {
	labels := r.GetLabels()
	delete(labels, "owner")
	r.SetLabels(labels)
	return r
}

// listingInOrder is a cluster whose listings of Secrets return records in this order (the fake's
// own order is a map's), filtered by the listing's label selector as the API server does.
func listingInOrder(records []*unstructured.Unstructured) *dynamicfake.FakeDynamicClient {
	client := existingtest.FakeCluster()
	client.PrependReactor("list", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		list := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "SecretList"}}
		for _, r := range records {
			list.Items = append(list.Items, *r.DeepCopy())
		}
		return true, list, nil
	})
	return client
}

func sortedByName(records []*unstructured.Unstructured) []*unstructured.Unstructured {
	out := slices.Clone(records)
	slices.SortFunc(out, func(a, b *unstructured.Unstructured) int { return strings.Compare(a.GetName(), b.GetName()) })
	return out
}

func reversed(records []*unstructured.Unstructured) []*unstructured.Unstructured {
	out := slices.Clone(records)
	slices.Reverse(out)
	return out
}
