package resolve

import (
	"errors"
	"slices"
	"strings"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

// KnownRefusals is the preview's half of Resolve when some inputs are not known yet (outputs of
// resources the preview has not created): it resolves the known inputs, JSON-shaped with the
// unknown ones left out, and keeps only the refusals no unknown value can change. The rule is by
// block and comes from Resolve itself: a refusal stands when no block its check read
// (refusal.FieldError.Reads) holds an unknown input, so a refusal caused by a value missing only
// because it is unknown (model.name unknown: the derived Server name; targetRpsPerReplica
// unknown: "not set") is never reported.
func KnownRefusals(known map[string]any, unknown []string) error {
	_, err := ResolveInputs(known)
	var errs refusal.Errors
	if !errors.As(err, &errs) {
		return nil // accepted, or not decodable yet: the update decides
	}
	var kept refusal.Errors
	for _, e := range errs {
		if !readsUnknown(e.Reads, unknown) {
			kept = append(kept, e)
		}
	}
	return kept.For(ModelType)
}

// readsUnknown reports whether a check that read blocks may have read one of the unknown input
// paths; a refusal that records no blocks is assumed to have read them all.
func readsUnknown(blocks, unknown []string) bool {
	if len(blocks) == 0 {
		return len(unknown) > 0
	}
	for _, u := range unknown {
		if slices.Contains(blocks, topBlock(u)) {
			return true
		}
	}
	return false
}

// topBlock is the first segment of an input path: "autoscaling" for autoscaling.scaleUp.policies[0].
func topBlock(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}
