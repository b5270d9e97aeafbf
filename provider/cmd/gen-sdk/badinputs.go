package main

import (
	"os"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/badinputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

// writeBadInputs writes docs/bad-inputs.md: each case of the refused-input catalogue with the
// refusal users see (TestGuardsCreateNothing checks Construct reports exactly that).
func writeBadInputs(cataloguePath, out string) error {
	cat, err := badinputs.Load(cataloguePath)
	if err != nil {
		return err
	}
	doc := cat.Markdown(func(inputs map[string]any) string {
		if _, err := resolve.ResolveInputs(inputs); err != nil {
			return err.Error()
		}
		return "(accepted: the unit tests fail on this row)"
	})
	return os.WriteFile(out, []byte(doc), 0o644)
}
