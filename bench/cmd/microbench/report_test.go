package main

import (
	"os"
	"strings"
	"testing"
)

// TestSummariseMedianAndRange: each benchmark and unit gets the median and range of its runs, in
// the order met, with the package and CPU the output names; custom units (ms/component) too.
func TestSummariseMedianAndRange(t *testing.T) {
	f, err := os.Open("testdata/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	rep, err := summarise(f, "sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve", "Resolve", "ms/op", 3,
			"0.11", "0.1", "0.13"},
		{"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve", "Resolve", "B/op", 3,
			"52000", "51000", "53000"},
	}
	for i, w := range want {
		if rep.Rows[i] != w {
			t.Errorf("row %d: %+v, want %+v", i, rep.Rows[i], w)
		}
	}
	var custom bool
	for _, r := range rep.Rows {
		custom = custom || r.Name == "ExistingObjectCheck/components=1" && r.Unit == "ms/component" && r.Runs == 2
	}
	if !custom || rep.CPU != "Test CPU @ 2.00GHz" {
		t.Errorf("rows %+v, cpu %q", rep.Rows, rep.CPU)
	}
	doc, err := render(rep)
	if err != nil || !strings.Contains(doc, "| resolve | `Resolve` | ms/op | 0.11 | 0.1–0.13 | 3 |") {
		t.Errorf("rendered (%v):\n%s", err, doc)
	}
}
