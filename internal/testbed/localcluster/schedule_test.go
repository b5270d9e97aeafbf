package localcluster

import (
	"strings"
	"testing"
	"time"
)

func TestScheduleModel(t *testing.T) {
	one, two, three := int64(1), int64(2), int64(3)
	for _, tc := range []struct {
		name                  string
		replicas              int64
		minReplicas           *int64
		serverReady, prev     int64
		wantAvail             int64
		wantReady             bool
		wantMessageContaining string
	}{
		{"all or nothing: fits", 3, nil, 3, 1, 3, true, ""},
		{"all or nothing: fits on a larger Server", 2, nil, 4, 2, 2, true, ""},
		{"all or nothing: one replica too many keeps the old ones", 4, nil, 3, 2, 2, false, "4 replicas"},
		{"all or nothing: nothing loaded yet", 1, nil, 0, 0, 0, false, "0 ready replicas"},
		{"all or nothing: the Server shrank under the old replicas", 4, nil, 1, 3, 1, false, "4 replicas"},
		{"partial: as many as the Server has ready", 4, &one, 2, 1, 2, true, ""},
		{"partial: all when they fit", 3, &one, 5, 1, 3, true, ""},
		{"partial: below minReplicas fails", 4, &three, 2, 1, 1, false, "minReplicas 3"},
		{"partial: minReplicas above replicas asks for replicas", 1, &two, 1, 0, 1, true, ""},
		{"partial: no ready replica fails", 2, &one, 0, 0, 0, false, "0 ready replicas"},
		{"minReplicas 0 is unset: all or nothing", 2, new(int64), 1, 1, 1, false, "2 replicas"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := scheduleModel("m", "s", tc.replicas, tc.minReplicas, tc.serverReady, tc.prev)
			if got.Available != tc.wantAvail || got.Ready != tc.wantReady ||
				!strings.Contains(got.Message, tc.wantMessageContaining) || (got.Ready != (got.Message == "")) {
				t.Errorf("got %+v, want available %d ready %v message containing %q", got, tc.wantAvail, tc.wantReady,
					tc.wantMessageContaining)
			}
			reason := "ModelAvailable"
			if !tc.wantReady {
				reason = "ScheduleFailed"
			}
			conds := got.conditions()
			if c := conds[0].(map[string]any); c["type"] != "ModelReady" || c["reason"] != reason || !ownConditions(conds) {
				t.Errorf("conditions %v, want ModelReady %s, marked as the stand-in's", conds, reason)
			}
		})
	}
}

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

func TestOwnConditions(t *testing.T) {
	hand := []any{map[string]any{"type": "ModelReady", "status": "False", "reason": "ScheduleFailed",
		"message": "no matching servers"}}
	for _, tc := range []struct {
		name  string
		conds []any
		want  bool
	}{
		{"none yet", nil, true},
		{"the stand-in's", modelSchedule{Ready: true}.conditions(), true},
		{"a test's, by hand", hand, false},
		{"mixed", append(modelSchedule{Ready: true}.conditions(), hand...), false},
	} {
		if got := ownConditions(tc.conds); got != tc.want {
			t.Errorf("%s: ownConditions = %v, want %v", tc.name, got, tc.want)
		}
	}
}
