// Package badinputs reads the catalogue of inputs SeldonAutoscaledModel must refuse
// (provider/pkg/component/testdata/bad-inputs.json), shared by the unit tests, which check that
// nothing is registered, and the end-to-end tests, which check that nothing reaches a cluster.
package badinputs

import (
	"encoding/json"
	"fmt"
	"os"
)

// Case is one refused input: a JSON merge patch onto the base, and the field the refusal names.
type Case struct {
	Name  string         `json:"name"`
	Patch map[string]any `json:"patch"`
	Field string         `json:"field"`
}

// Catalogue is the guide's example as the base, and the cases.
type Catalogue struct {
	Base  map[string]any `json:"base"`
	Cases []Case         `json:"cases"`
}

// Load reads the catalogue at path.
func Load(path string) (*Catalogue, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Catalogue
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &c, nil
}

// BaseInputs is a fresh copy of the base.
func (c *Catalogue) BaseInputs() map[string]any { return deepCopy(c.Base) }

// Inputs is the base with the case's patch applied.
func (c *Catalogue) Inputs(tc Case) map[string]any {
	in := c.BaseInputs()
	mergePatch(in, tc.Patch)
	return in
}

func deepCopy(m map[string]any) map[string]any {
	raw, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// mergePatch applies a JSON merge patch (RFC 7386) to doc in place: null removes a key.
func mergePatch(doc, patch map[string]any) {
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(doc, k)
		case map[string]any:
			sub, ok := doc[k].(map[string]any)
			if !ok {
				sub = map[string]any{}
				doc[k] = sub
			}
			mergePatch(sub, pv)
		default:
			doc[k] = v
		}
	}
}
