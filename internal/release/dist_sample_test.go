package release

import "testing"

// TestSampleCoversEveryTarget: CI's turns, one after the other, build every platform, each turn
// the host's and one other.
func TestSampleCoversEveryTarget(t *testing.T) {
	seen := map[Target]bool{}
	for n := range len(Targets) - 1 {
		s := Sample(n)
		if len(s) != 2 || s[0] != Host() || s[1] == Host() {
			t.Fatalf("turn %d builds %v, want the host and one other", n, s)
		}
		seen[s[0]], seen[s[1]] = true, true
	}
	for _, tg := range Targets {
		if !seen[tg] {
			t.Errorf("%s never built in %d turns", tg, len(Targets)-1)
		}
	}
}
