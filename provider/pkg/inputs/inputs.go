// Package inputs is the one registry of the components' inputs: for each its path as users write
// it, what it does, its default and bounds and the reason for them. The schema's descriptions
// (component.Args' Annotate), the refusals' field names, the defaults the planner and the resolver
// use and docs/inputs.md are all made from it, so a default or a bound is written once.
// TestRegistryMatchesTheSchema (component) checks that every registered path is a schema input
// and every schema input is registered.
//
// Pure: no Pulumi, no client-go.
package inputs

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Input is one input of the components.
type Input struct {
	// Paths are where the input sits on SeldonAutoscaledModel, as users write it
	// ("autoscaling.serverReadySeconds"; "[]" for any element of a list). More than one when its
	// type is shared (ScalingRules under scaleUp and scaleDown).
	Paths []string
	// Doc says what the input is and does.
	Doc string
	// Bounds are the values accepted, when they are bounded ("1 to 10000").
	Bounds string
	// Default is what an unset input means, as users would write it; empty when nothing is assumed.
	Default string
	// Reason says why the default, and the bounds, are what they are.
	Reason string
}

// Path is where the input sits on SeldonAutoscaledModel (the first of its paths).
func (in Input) Path() string { return in.Paths[0] }

// Description is the schema's description of the input: what it does, the values accepted and
// its default, with the reason.
func (in Input) Description() string {
	var b strings.Builder
	b.WriteString(in.Doc)
	if in.Bounds != "" {
		fmt.Fprintf(&b, " Accepted: %s.", in.Bounds)
	}
	if in.Default != "" {
		fmt.Fprintf(&b, " Default: %s", in.Default)
		if in.Reason != "" {
			fmt.Fprintf(&b, " (%s)", in.Reason)
		}
		b.WriteString(".")
	}
	return b.String()
}

// Lookup is the input registered at path; it panics on an unregistered path, a programming error
// TestRegistryMatchesTheSchema reports first.
func Lookup(path string) Input {
	for _, in := range Registry {
		for _, p := range in.Paths {
			if p == path {
				return in
			}
		}
	}
	panic("inputs: no input registered at " + path)
}

// Describe is the schema description of the input at path.
func Describe(path string) string { return Lookup(path).Description() }

func paths(p ...string) []string { return p }

func itoa(n int) string { return strconv.Itoa(n) }

// code marks a value as users write it in a program.
func code(s string) string { return "`" + s + "`" }

// dur is a duration as the adapter's inputs take it: `30s`, `1m`.
func dur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	return code(s)
}

// span is a closed range of whole numbers.
func span(lo, hi int) string { return itoa(lo) + " to " + itoa(hi) }
