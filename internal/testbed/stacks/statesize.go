package stacks

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// StateSize is what one component resource records in a stack's state, in bytes of compact JSON
// (the engine's own encoding of each property map, without the export's indentation): its inputs
// and outputs, each output's share, and what its direct children record beside it.
type StateSize struct {
	Inputs, Outputs int
	OutputFields    map[string]int // output name → bytes of its value
	Children        int
	ChildBytes      int // the children's inputs and outputs
	// ChildFrames is the most stack frames any child records: the engine keeps the stack that
	// registered each resource, every frame of it, in every checkpoint.
	ChildFrames int
}

// Own is what the component itself adds to the state: its inputs and outputs.
func (s StateSize) Own() int { return s.Inputs + s.Outputs }

// ComponentStateSizes measures every resource of type token in an exported deployment
// (auto.Stack.Export's Deployment), keyed by its Pulumi name.
func ComponentStateSizes(deployment json.RawMessage, token string) (map[string]StateSize, error) {
	var dep apitype.DeploymentV3
	if err := json.Unmarshal(deployment, &dep); err != nil {
		return nil, fmt.Errorf("decoding the state: %w", err)
	}
	size := func(v any) int {
		raw, _ := json.Marshal(v) // decoded from JSON just above: always encodable
		return len(raw)
	}
	out := map[string]StateSize{}
	byURN := map[resource.URN]string{}
	for _, r := range dep.Resources {
		if string(r.Type) != token {
			continue
		}
		byURN[r.URN] = r.URN.Name()
		s := StateSize{Inputs: size(r.Inputs), Outputs: size(r.Outputs), OutputFields: map[string]int{}}
		for k, v := range r.Outputs {
			s.OutputFields[k] = size(v)
		}
		out[r.URN.Name()] = s
	}
	for _, r := range dep.Resources {
		if name, ok := byURN[r.Parent]; ok {
			s := out[name]
			s.Children++
			s.ChildBytes += size(r.Inputs) + size(r.Outputs)
			s.ChildFrames = max(s.ChildFrames, len(r.StackTrace))
			out[name] = s
		}
	}
	return out, nil
}
