package existing

import (
	"context"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// The check's reads, coalesced. Every component of a stack checks its Model, Server and HPAs, so
// a stack of 50 models sends some 200 reads of three kinds in one namespace within a second or
// two, each a request the API server authenticates, authorizes and answers on its own. Past a few
// reads of one kind in one namespace, one LIST from the watch cache answers the others
// (BenchmarkExistingObjectCheck/components=50; `make bench` writes its figures to docs/micro-benchmarks.md).

// listingLifetime is how long one listing answers the reads that follow it. A read from the watch
// cache is as old as the cache in any case; a listing adds at most this to the window between a
// component's check and the engine's apply, which is seconds. It also bounds how long a listing can
// outlive the operation it was taken for.
const listingLifetime = 2 * time.Second

// readsBeforeListing is how many reads of one kind in one namespace go one by one, within
// listingLifetime, before a listing answers the rest: a stack of one or two components (each reads
// two HPAs) never lists, so a namespace full of other people's objects costs it nothing.
const readsBeforeListing = 5

// maxListed is the most objects a listing may hold and be taken again for its kind and namespace:
// past it, reading one object at a time is the cheaper way there.
const maxListed = 500

type listingKey struct {
	client    dynamic.Interface
	resource  schema.GroupVersionResource
	namespace string
}

// listing is one LIST's objects by name; done closes when they (or err) are in.
type listing struct {
	taken time.Time
	done  chan struct{}
	items map[string]*unstructured.Unstructured
	err   error
}

// readWindow counts the reads of one kind in one namespace since it began.
type readWindow struct {
	began time.Time
	reads int
}

// Reads reads the objects of the checks that share it (Observe), keeping its listings and read
// counts: the plugin's components share processReads for the life of the process.
type Reads struct {
	mu      sync.Mutex
	now     func() time.Time
	windows map[listingKey]*readWindow
	current map[listingKey]*listing
	// off are the kinds and namespaces read one object at a time from now on: their listing was
	// too large, or refused (a role that grants get but not list).
	off map[listingKey]bool
}

// NewReads returns Reads with no listings yet, as at a deployment's first check.
func NewReads() *Reads { return newReads(time.Now) }

func newReads(now func() time.Time) *Reads {
	return &Reads{now: now, windows: map[listingKey]*readWindow{}, current: map[listingKey]*listing{},
		off: map[listingKey]bool{}}
}

// processReads serves the checks of the plugin process (one deployment).
var processReads = NewReads()

// lookup returns the live object named name (nil when there is none) from a listing, or ok false
// when the caller is to read it itself.
func (r *Reads) lookup(
	ctx context.Context,
	ri dynamic.ResourceInterface,
	key listingKey,
	name string,
) (live *unstructured.Unstructured, ok bool) {
	ls, mine := r.listingFor(key)
	if ls == nil {
		return nil, false
	}
	if mine {
		r.fill(ctx, ri, key, ls)
	}
	select {
	case <-ls.done:
	case <-ctx.Done():
		return nil, false
	}
	if ls.err != nil {
		return nil, false
	}
	return ls.items[name], true
}

// listingFor counts a read and returns the listing that answers it, if any; mine when the caller
// is to take it.
func (r *Reads) listingFor(key listingKey) (ls *listing, mine bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.off[key] {
		return nil, false
	}
	now := r.now()
	if ls := r.current[key]; ls != nil && now.Sub(ls.taken) < listingLifetime {
		return ls, false
	}
	w := r.windows[key]
	if w == nil || now.Sub(w.began) >= listingLifetime {
		w = &readWindow{began: now}
		r.windows[key] = w
	}
	if w.reads++; w.reads <= readsBeforeListing {
		return nil, false
	}
	ls = &listing{taken: now, done: make(chan struct{})}
	r.current[key] = ls
	return ls, true
}

// fill takes the listing; a listing refused or too large turns listing off for its key.
func (r *Reads) fill(ctx context.Context, ri dynamic.ResourceInterface, key listingKey, ls *listing) {
	defer close(ls.done)
	list, err := ri.List(ctx, metav1.ListOptions{ResourceVersion: fromWatchCache})
	if err != nil {
		ls.err = err
		r.turnOff(key)
		return
	}
	ls.items = make(map[string]*unstructured.Unstructured, len(list.Items))
	for i := range list.Items {
		ls.items[list.Items[i].GetName()] = &list.Items[i]
	}
	if len(list.Items) > maxListed {
		r.turnOff(key)
	}
}

func (r *Reads) turnOff(key listingKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.off[key] = true
	delete(r.current, key)
}
