package mutants

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gremlinsOutput is gremlins v0.6.0's JSON for a package with one mutant of each status.
const gremlinsOutput = `{"go_module":"example.com/m","files":[{"file_name":"a.go","mutations":[
{"type":"CONDITIONALS_BOUNDARY","status":"LIVED","line":12,"column":7},
{"type":"ARITHMETIC_BASE","status":"KILLED","line":3,"column":1},
{"type":"ARITHMETIC_BASE","status":"KILLED","line":4,"column":1},
{"type":"INCREMENT_DECREMENT","status":"NOT COVERED","line":5,"column":2},
{"type":"CONDITIONALS_NEGATION","status":"TIMED OUT","line":6,"column":2},
{"type":"INVERT_NEGATIVES","status":"NOT VIABLE","line":7,"column":2},
{"type":"CONDITIONALS_NEGATION","status":"LIVED","line":9,"column":4}]}],
"elapsed_time":12.5}`

func TestBuild(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(gremlinsOutput), 0o644); err != nil {
		t.Fatal(err)
	}
	eq := Equivalents{key("p/a.go:12:7", "CONDITIONALS_BOUNDARY"): "both sides equal never matters",
		key("p/a.go:1:1", "ARITHMETIC_BASE"): "stale"}
	r, err := Build(dir, []string{"p", "q"}, []string{"p", "q"}, eq)
	if err != nil {
		t.Fatal(err)
	}
	want := Counts{Killed: 2, Lived: 2, NotCovered: 1, TimedOut: 1, NotViable: 1}
	if r.Total != want || r.Packages[0].Counts != want || r.Seconds != 12.5 {
		t.Errorf("counts %+v, package %+v, seconds %v; want %+v, 12.5", r.Total, r.Packages[0].Counts, r.Seconds, want)
	}
	got := []string{r.Total.Efficacy(), r.Total.Coverage(), r.Total.KilledOfAll()}
	if strings.Join(got, " ") != "50.0% 80.0% 42.9%" {
		t.Errorf("efficacy, coverage, killed of all = %v", got)
	}
	if len(r.NotRun) != 1 || r.NotRun[0] != "q" || r.Packages[1].Run || r.Checked[1].Run {
		t.Errorf("q has no JSON: want it not run, got %+v %+v", r.NotRun, r.Packages[1])
	}
	s := r.Checked[0].Survivors
	if len(s) != 2 || s[0].Position != "p/a.go:12:7" || s[0].Equivalent == "" || s[1].Equivalent != "" ||
		r.Checked[0].NeedTests != 1 {
		t.Errorf("survivors %+v, need tests %d; want a.go:12 equivalent, a.go:9 needing a test", s, r.Checked[0].NeedTests)
	}
	if len(r.Unmatched) != 1 || !strings.HasPrefix(r.Unmatched[0], "p/a.go:1:1 ") {
		t.Errorf("unmatched %v, want the stale line", r.Unmatched)
	}
	var b strings.Builder
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"| p | 7 | 2 | 2 | 1 | 1 | 1 | 50.0% |", "| q | not run |",
		"equivalent: both sides equal never matters", "| p/a.go:9:4 | CONDITIONALS_NEGATION | **needs a test** |",
		"`p/a.go:1:1 ARITHMETIC_BASE`"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, b.String())
		}
	}
}

func TestReadEquivalents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "eq.txt")
	text := "# comment\n\np/a.go:12:7 CONDITIONALS_BOUNDARY  a reason, in words\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	eq, err := ReadEquivalents(path)
	if err != nil || len(eq) != 1 || eq[key("p/a.go:12:7", "CONDITIONALS_BOUNDARY")] != "a reason, in words" {
		t.Errorf("ReadEquivalents = %v, %v", eq, err)
	}
	if err := os.WriteFile(path, []byte("p/a.go:12:7 CONDITIONALS_BOUNDARY\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadEquivalents(path); err == nil {
		t.Error("a line without a reason was accepted")
	}
}

// TestFailures: what fails a run of `make mutants-ci`: low efficacy, an unexplained survivor of a
// checked package, a stale equivalent of a package run; a package not run fails nothing.
func TestFailures(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(gremlinsOutput), 0o644); err != nil {
		t.Fatal(err)
	}
	eq := Equivalents{key("p/a.go:12:7", "CONDITIONALS_BOUNDARY"): "why", key("p/a.go:1:1", "ARITHMETIC_BASE"): "stale",
		key("q/b.go:1:1", "ARITHMETIC_BASE"): "q was not run"}
	r, err := Build(dir, []string{"p", "q"}, []string{"p", "q"}, eq)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(r.Failures(50), "\n")
	for _, want := range []string{"p/a.go:9:4 CONDITIONALS_NEGATION lived", "p/a.go:1:1 ARITHMETIC_BASE: recorded"} {
		if !strings.Contains(got, want) {
			t.Errorf("failures lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "efficacy") || strings.Contains(got, "q/") || len(r.Failures(50)) != 2 {
		t.Errorf("at 50%% efficacy, want exactly the survivor and the stale line:\n%s", got)
	}
	if f := strings.Join(r.Failures(50.1), "\n"); !strings.Contains(f, "p: efficacy 50.0%, below 50%") {
		t.Errorf("at 50.1%% want p's efficacy refused:\n%s", f)
	}
}
