package hpasim

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestScenarioFiles keeps testdata/<name>.csv equal to the generated scenarios. Regenerate with
// UPDATE_SCENARIOS=1 go test ./provider/pkg/hpasim -run TestScenarioFiles
func TestScenarioFiles(t *testing.T) {
	update := os.Getenv("UPDATE_SCENARIOS") == "1"
	for _, sc := range Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			if err := sc.Trace.Validate(); err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := sc.Trace.WriteCSV(&want); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", sc.Name+".csv")
			if update {
				if err := os.WriteFile(path, want.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (regenerate with UPDATE_SCENARIOS=1)", err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("%s differs from the generated scenario; regenerate with UPDATE_SCENARIOS=1", path)
			}
			parsed, err := ParseTraceCSV(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			if len(parsed) != len(sc.Trace) {
				t.Errorf("parsed %d points, generated %d", len(parsed), len(sc.Trace))
			}
		})
	}
}

func TestScenarioShapes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		peak       float64
		seconds    int
		lastChange int
	}{
		{"guide-ramp", 36, 1500, 420},
		{"short-spike", 7.2, 900, 346},
		{"sustained-step", 24, 1500, 301},
		{"daily-wave", 33, 7200, 7200},
		{"blue-green-drain", 30, 1800, 900},
	} {
		sc, err := ScenarioByName(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Trace.Peak() != tc.peak || sc.Trace.Duration() != tc.seconds || sc.Trace.LastChange() != tc.lastChange {
			t.Errorf(
				"%s: peak %v, %d s, last change %d; want %v, %d, %d",
				tc.name,
				sc.Trace.Peak(),
				sc.Trace.Duration(),
				sc.Trace.LastChange(),
				tc.peak,
				tc.seconds,
				tc.lastChange,
			)
		}
	}
	if _, err := ScenarioByName("nope"); err == nil {
		t.Error("unknown scenario accepted")
	}
	// The guide's ramp takes the model from 2 to 12 replicas at the policy simulation's 3 RPS target.
	load := Scenarios()[0].Trace.Sample()
	if load[0] != 6 || load[len(load)-1] != 36 {
		t.Errorf("guide ramp from %v to %v RPS, want 6 to 36", load[0], load[len(load)-1])
	}
}
