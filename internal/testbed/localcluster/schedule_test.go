package localcluster

import (
	"testing"
	"time"
)

func TestServerReadiness(t *testing.T) {
	t0 := time.Unix(1000, 0)
	type step struct {
		at        int // seconds after t0
		spec      int64
		wantReady int64
	}
	for _, tc := range []struct {
		name  string
		delay time.Duration
		steps []step
	}{
		{"no delay: ready at once", 0, []step{{0, 1, 1}, {1, 4, 4}, {2, 2, 2}}},
		{"a new Server's first replica waits too", 10 * time.Second, []step{{0, 1, 0}, {9, 1, 0}, {10, 1, 1}}},
		{"a rise is ready after the delay", 10 * time.Second, []step{{0, 1, 0}, {10, 1, 1}, {20, 4, 1}, {29, 4, 1},
			{30, 4, 4}}},
		{"two rises, each after its own delay", 10 * time.Second, []step{{0, 1, 0}, {10, 2, 1}, {15, 4, 1}, {20, 4, 2},
			{25, 4, 4}}},
		{"a fall is at once, and clips what is pending", 10 * time.Second, []step{{0, 2, 0}, {10, 2, 2}, {11, 6, 2},
			{12, 3, 2}, {21, 3, 3}, {22, 1, 1}}},
		{"a fall below the ready drops what is pending", 10 * time.Second, []step{{0, 3, 0}, {10, 3, 3}, {11, 5, 3},
			{12, 2, 2}, {30, 2, 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s serverReadiness
			for _, st := range tc.steps {
				if got := s.advance(st.spec, t0.Add(time.Duration(st.at)*time.Second), tc.delay); got != st.wantReady {
					t.Fatalf("at %ds, spec %d: ready %d, want %d", st.at, st.spec, got, st.wantReady)
				}
			}
		})
	}
}
