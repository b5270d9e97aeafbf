package inputs

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
)

// schemaProperty is what the walk reads of a property of schema.json.
type schemaProperty struct {
	Ref         string          `json:"$ref"`
	Type        string          `json:"type"`
	Items       *schemaProperty `json:"items"`
	Description string          `json:"description"`
}

type schemaDoc struct {
	Resources map[string]struct {
		InputProperties map[string]schemaProperty `json:"inputProperties"`
	} `json:"resources"`
	Types map[string]struct {
		Properties map[string]schemaProperty `json:"properties"`
	} `json:"types"`
}

// schemaInputs walks the components' inputs in schema.json (the file `make schema` writes and
// `make check-generated` keeps fresh) and returns each input path with its description, as the
// registry writes paths: SeldonMetricsAdapter's inputs under adapter., list elements as [].
func schemaInputs(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile("../../../schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc schemaDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(prefix string, props map[string]schemaProperty)
	walk = func(prefix string, props map[string]schemaProperty) {
		for name, p := range props {
			path := prefix + name
			out[path] = p.Description
			elem := p
			if p.Items != nil {
				elem, path = *p.Items, path+"[]"
			}
			if ref, ok := strings.CutPrefix(elem.Ref, "#/types/"); ok {
				walk(path+".", doc.Types[ref].Properties)
			}
		}
	}
	walk("", doc.Resources["seldon-autoscaling:index:SeldonAutoscaledModel"].InputProperties)
	adapter := map[string]string{}
	for k, v := range out {
		adapter[k] = v
	}
	walk(AdapterPrefix, doc.Resources["seldon-autoscaling:index:SeldonMetricsAdapter"].InputProperties)
	for k, v := range out {
		if old, ok := adapter[k]; ok && old != v {
			t.Errorf("%s: SeldonMetricsAdapter describes it otherwise than SeldonAutoscaledModel", k)
		}
	}
	return out
}

// TestRegistryMatchesTheSchema: every schema input is registered, every registered path is a
// schema input, and each input's description is the registry's.
func TestRegistryMatchesTheSchema(t *testing.T) {
	schema := schemaInputs(t)
	registered := map[string]bool{}
	for _, in := range Registry {
		for _, p := range in.Paths {
			if registered[p] {
				t.Errorf("%s: registered twice", p)
			}
			registered[p] = true
			if _, ok := schema[p]; !ok {
				t.Errorf("%s: registered, but no such input in schema.json", p)
			}
		}
	}
	for _, p := range slices.Sorted(maps.Keys(schema)) {
		switch {
		case !registered[p]:
			t.Errorf("%s: an input of schema.json that the registry lacks", p)
		case schema[p] != Describe(p):
			t.Errorf("%s: schema.json says %q, the registry %q (run make schema)", p, schema[p], Describe(p))
		}
	}
	if len(schema) < 80 {
		t.Errorf("only %d inputs found in schema.json: the walk is broken", len(schema))
	}
}

// TestPathsAreRegistered: the input paths code names in refusals and derivations are inputs.
func TestPathsAreRegistered(t *testing.T) {
	for _, p := range []string{PathMinReplicas, PathMaxReplicas, PathTarget, PathTargetType, PathPeakRPS,
		PathSaturationRPS, PathSafetyMargin, PathMinLoadRPS, PathRampRate, PathSpikeSeconds, PathModelLag,
		PathServerReady, PathHeadroom, PathScaleUp, PathScaleDown, PathAllowPercentUp,
		AdapterPrefix + FieldScrapeInterval, AdapterPrefix + FieldRelistInterval, AdapterPrefix + FieldRateWindow} {
		Lookup(p) // panics when unregistered
	}
}
