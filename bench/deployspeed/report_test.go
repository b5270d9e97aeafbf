package deployspeed

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// TestEveryMissIsExplained builds results where the component is slower than the other two
// programs in one step, and checks that exactly the targets it misses are missed, with the ratio
// as value, and that the report explains each of them.
func TestEveryMissIsExplained(t *testing.T) {
	for _, tc := range []struct {
		n      int
		step   Step
		factor float64  // the component's wall time over the other two programs'
		missed []string // target names
	}{
		{n: 10, step: StepPreview, factor: 1.2, missed: []string{
			"component / floor preview (empty stack)", "component / handwritten preview (empty stack)",
		}},
		{n: 10, step: StepChange, factor: 1.08, missed: []string{"component / floor up (every target changed)"}},
		// Against the hand-written program the target holds up to N=10 only.
		{n: 50, step: StepCreate, factor: 1.2, missed: []string{"component / floor up (create)"}},
		{n: 1, step: StepDestroy, factor: 1.04, missed: nil},
		{n: 1, step: StepNoop, factor: 1.0, missed: nil},
	} {
		name := fmt.Sprintf("N=%d %s ×%.2f", tc.n, tc.step, tc.factor)
		r := &Result{Config: Config{Ns: []int{tc.n}, Reps: 3}}
		for rep := 0; rep < 3; rep++ {
			var set []*Run
			for i, p := range Programs {
				run := &Run{Program: p.Name, N: tc.n, Steps: map[Step]Measure{}, StateBytes: 1000}
				for _, s := range Steps {
					wall := 2.0
					if s == tc.step && i == iComponent {
						wall *= tc.factor
					}
					run.Steps[s] = Measure{Wall: time.Duration(wall * float64(time.Second))}
				}
				set = append(set, run)
			}
			r.Sets = append(r.Sets, set)
		}
		var got []string
		for _, tg := range r.Targets() {
			if tg.N != tc.n {
				t.Errorf("%s: target at N=%d", name, tg.N)
			}
			if !tg.Met {
				got = append(got, tg.What)
				if math.Abs(tg.Value-tc.factor) > 1e-9 {
					t.Errorf("%s: %s = %v, want %v", name, tg.What, tg.Value, tc.factor)
				}
			}
		}
		if strings.Join(got, "; ") != strings.Join(tc.missed, "; ") {
			t.Errorf("%s: missed %q, want %q", name, got, tc.missed)
		}
		report := r.Markdown()
		// A Printf verb short of its arguments leaves "%!" in the report (it once broke the stack-size table).
		if i := strings.Index(report, "%!"); i >= 0 {
			t.Errorf("%s: a formatting error in the report: %q", name, report[i:min(len(report), i+60)])
		}
		for _, tg := range r.missedTargets() {
			want := fmt.Sprintf("N=%d %s, against the %s program (ratio %.2f)", tg.N, tg.Step, Programs[tg.Against].Name,
				tg.Value)
			if !strings.Contains(report, want) {
				t.Errorf("%s: the report does not explain %s at N=%d: no %q", name, tg.What, tg.N, want)
			}
		}
	}
}

// TestStateComparison checks that the explanation of a miss calls a larger state larger and a
// smaller one smaller (a smaller state once read "-14% larger"), and that a state with more
// property values is not said to explain nothing: it once did, for fewer bytes but more values.
func TestStateComparison(t *testing.T) {
	for _, tc := range []struct {
		a, b, va, vb float64
		want         string
	}{
		{a: 120 * 1024, b: 100 * 1024, va: 1000, vb: 1000, want: "20% larger (120 against 100 KiB"},
		{a: 86 * 1024, b: 100 * 1024, va: 1000, vb: 1000, want: "14% smaller (86 against 100 KiB"},
		{a: 100 * 1024, b: 100.2 * 1024, va: 1000, vb: 1000, want: "as large (100 against 100 KiB"},
		{a: 86 * 1024, b: 100 * 1024, va: 1000, vb: 1000, want: "does not explain the difference"},
		{a: 86 * 1024, b: 100 * 1024, va: 1200, vb: 1000, want: "but holds 20% more property values (1200 against 1000)"},
	} {
		got := render("stateComparison", stateComparisonOf(tc.a, tc.b, tc.va, tc.vb))
		if !strings.Contains(got, tc.want) {
			t.Errorf("stateComparisonOf(%v, %v, %v, %v) = %q, want it to contain %q", tc.a, tc.b, tc.va, tc.vb, got, tc.want)
		}
		if tc.va > tc.vb && strings.Contains(got, "does not explain") {
			t.Errorf("stateComparison with more values = %q: more values cost every checkpoint", got)
		}
	}
}

// TestPropertyValues counts every object, array and scalar.
func TestPropertyValues(t *testing.T) {
	v := map[string]any{"a": "x", "b": []any{1.0, map[string]any{"c": true}}, "d": nil}
	if got, want := propertyValues(v), 7; got != want {
		t.Errorf("propertyValues = %d, want %d (the map, a, b, 1, the inner map, c, d)", got, want)
	}
}

// TestSummarizeTop reads a real pprofTop text (the floor program's engine at N=10, up (create),
// from the run docs/deploy-speed.md records) and keeps its header and the first functions of
// each list, with their shares, their import paths and generic type arguments shortened.
func TestSummarizeTop(t *testing.T) {
	top, err := os.ReadFile("testdata/pprof-top-floor-n10-create.txt")
	if err != nil {
		t.Fatal(err)
	}
	s := SummarizeTop(string(top), profileTopN)
	if want := "Duration: 3.19s, Total samples = 1570ms (49.14%)"; s.Header != want {
		t.Errorf("header %q, want %q", s.Header, want)
	}
	if len(s.Flat) != profileTopN || len(s.Pulumi) != profileTopN {
		t.Fatalf("%d flat and %d Pulumi functions, want %d of each", len(s.Flat), len(s.Pulumi), profileTopN)
	}
	for _, tc := range []struct {
		got, want FuncShare
	}{
		{s.Flat[0], FuncShare{"linux.Syscall6", "10.83%"}},
		{s.Flat[3], FuncShare{"pbkdf2.Key[…]", "5.10%"}},
		{s.Pulumi[0], FuncShare{"backend.(*SnapshotManager).defaultServiceLoop", "48.41%"}},
		{s.Pulumi[5], FuncShare{"diy.compactJSONMarshaler.Marshal", "21.02%"}},
	} {
		if tc.got != tc.want {
			t.Errorf("got %+v, want %+v", tc.got, tc.want)
		}
	}
	// A profile with fewer Pulumi functions than flat ones still gives one row per flat function.
	short := SummarizeTop(strings.SplitN(string(top), "-- Pulumi functions", 2)[0], 3)
	if rows := short.Rows(); len(rows) != 3 || rows[2].Pulumi != (FuncShare{}) {
		t.Errorf("rows of a profile without Pulumi functions: %+v", rows)
	}
}

// TestProfilesAreSummarized: the report shows a profile's summary and where its raw text is, not
// the raw text itself.
func TestProfilesAreSummarized(t *testing.T) {
	top, err := os.ReadFile("testdata/pprof-top-floor-n10-create.txt")
	if err != nil {
		t.Fatal(err)
	}
	r := &Result{Config: Config{Ns: []int{10}, Reps: 1, ProfileDir: DefaultProfileDir}, Profiles: []Profile{
		{Program: "floor", N: 10, Step: StepCreate, Process: processEngine, Top: string(top),
			Sampled: 1570 * time.Millisecond},
	}}
	report := r.Markdown()
	for _, want := range []string{
		"### floor: N=10 up (create), engine (pulumi CLI)",
		"Raw: `.state/deploy-speed-profiles/floor-n10-up-create-engine.txt`.",
		"| 10.83% | `linux.Syscall6` | 48.41% | `backend.(*SnapshotManager).defaultServiceLoop` |",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(report, "Showing top") {
		t.Error("the report holds raw pprof output")
	}
}
