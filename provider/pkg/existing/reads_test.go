package existing

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/existing/existingtest"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

// The check answers a large stack's reads of one kind in one namespace from one listing, and
// observes exactly what reading each object would.
func TestCoalescedReads(t *testing.T) {
	const checks = 12 // one Model each: m0..m11; the cluster holds the even ones, m6 with min/max replicas
	var live []runtime.Object
	for i := 0; i < checks; i += 2 {
		spec := map[string]any{"replicas": int64(i)}
		if i == 6 {
			spec["minReplicas"], spec["maxReplicas"] = int64(1), int64(3)
		}
		m := existingtest.Object(resolve.SeldonAPIVersion, "Model", "seldon", fmt.Sprintf("m%d", i),
			map[string]any{"spec": spec})
		m.SetAnnotations(map[string]string{ownership.OwnerAnnotation: fmt.Sprintf("p/s/%d", i)})
		live = append(live, m)
	}
	large := make([]runtime.Object, 0, maxListed+1)
	for i := range maxListed + 1 {
		large = append(large, existingtest.Object(resolve.SeldonAPIVersion, "Model", "seldon", fmt.Sprintf("x%d", i), nil))
	}
	refused := func(c *dynamicfake.FakeDynamicClient) {
		c.PrependReactor("list", "models", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(ownership.Resources["Model"].GroupResource(), "", nil)
		})
	}
	for _, tc := range []struct {
		name    string
		objects []runtime.Object
		setup   func(*dynamicfake.FakeDynamicClient)
		pause   time.Duration // between checks
		// The requests of the twelve checks, then of twelve more.
		wantGets, wantLists, thenGets, thenLists int
	}{
		{name: "one listing answers the reads past the first five", objects: live,
			wantGets: readsBeforeListing, wantLists: 1, thenGets: 0, thenLists: 0},
		{name: "a listing answers for its lifetime, then reads begin again", objects: live,
			pause: listingLifetime / 8, wantGets: readsBeforeListing, wantLists: 1,
			thenGets: readsBeforeListing, thenLists: 1},
		{name: "a refused listing: reads one by one from then on", objects: live, setup: refused,
			wantGets: checks, wantLists: 1, thenGets: checks, thenLists: 0},
		{name: "a large listing answers its readers, and is not taken again", objects: large,
			wantGets: checks - 1, wantLists: 1, thenGets: checks, thenLists: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := existingtest.FakeCluster(tc.objects...)
			if tc.setup != nil {
				tc.setup(client)
			}
			clock := time.Unix(0, 0)
			reads := newReads(func() time.Time { return clock })
			check := func(i int) ownership.Observed {
				o := ownership.Object{Kind: "Model", Namespace: "seldon", Name: fmt.Sprintf("m%d", i%checks)}
				seen, err := reads.Observe(context.Background(), client, []ownership.Object{o})
				if err != nil {
					t.Fatal(err)
				}
				clock = clock.Add(tc.pause)
				return seen[o.Key()]
			}
			for i := range checks {
				if got, want := check(i), readAlone(t, tc.objects, i); !reflect.DeepEqual(got, want) {
					t.Errorf("m%d: observed %+v, reading it alone %+v", i, got, want)
				}
			}
			countRequests(t, client, tc.wantGets, tc.wantLists)
			client.ClearActions()
			for i := range checks {
				check(checks + i)
			}
			countRequests(t, client, tc.thenGets, tc.thenLists)
		})
	}
}

// Reads of another kind, or of another namespace, count on their own.
func TestReadsCountByKindAndNamespace(t *testing.T) {
	client := existingtest.FakeCluster()
	reads := newReads(func() time.Time { return time.Unix(0, 0) })
	var objs []ownership.Object
	for i := range readsBeforeListing {
		for _, ns := range []string{"a", "b"} {
			for _, kind := range []string{"Model", "HorizontalPodAutoscaler"} {
				objs = append(objs, ownership.Object{Kind: kind, Namespace: ns, Name: fmt.Sprint(i)})
			}
		}
	}
	if _, err := reads.Observe(context.Background(), client, objs); err != nil {
		t.Fatal(err)
	}
	countRequests(t, client, len(objs), 0)
}

// readAlone is what a check of model i observes in a cluster holding objs, when it is the only read.
func readAlone(t *testing.T, objs []runtime.Object, i int) ownership.Observed {
	t.Helper()
	o := ownership.Object{Kind: "Model", Namespace: "seldon", Name: fmt.Sprintf("m%d", i)}
	seen, err := NewReads().Observe(context.Background(), existingtest.FakeCluster(objs...), []ownership.Object{o})
	if err != nil {
		t.Fatal(err)
	}
	return seen[o.Key()]
}

func countRequests(t *testing.T, client *dynamicfake.FakeDynamicClient, gets, lists int) {
	t.Helper()
	count := map[string]int{}
	for _, a := range client.Actions() {
		count[a.GetVerb()]++
	}
	if count["get"] != gets || count["list"] != lists {
		t.Errorf("%d gets and %d lists, want %d and %d", count["get"], count["list"], gets, lists)
	}
}
