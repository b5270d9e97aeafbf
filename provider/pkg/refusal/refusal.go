// Package refusal is the one type for refused input: each refusal names the field as its users
// write it, the problem and the fix, and every refusal of one resource is reported at once. It is
// pure (no Pulumi, no client-go): policy, promauth and the component all record into it.
//
// Packages record fields relative to the input block they check; the caller that knows the
// resource says where that block sits (Include's prefix) and which resource refuses (For).
package refusal

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError is one refused input: which field, what is wrong with it, and how to fix it.
type FieldError struct {
	Field   string // the input's path as users write it, e.g. "autoscaling.minReplicas"
	Problem string
	Fix     string
	// Reads are the top-level input blocks the check that found it read (Errors.Reading): a
	// refusal found at preview stands only when none of them holds an unknown input. Empty means
	// unknown: assume it read every block.
	Reads []string
}

func (e FieldError) Error() string {
	if e.Fix == "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Problem)
	}
	return fmt.Sprintf("%s: %s; fix: %s", e.Field, e.Problem, e.Fix)
}

// Errors collects every refused input so a user sees all of them in one preview.
type Errors []FieldError

// Add records a refused field. Add and Addf take field, fix, problem in that order.
func (es *Errors) Add(field, fix, problem string) {
	*es = append(*es, FieldError{Field: field, Problem: problem, Fix: fix})
}

// Addf records a refused field with a formatted problem.
func (es *Errors) Addf(field, fix, format string, args ...any) {
	es.Add(field, fix, fmt.Sprintf(format, args...))
}

// Reading runs check and records, on every refusal it adds, the input blocks it read.
func (es *Errors) Reading(blocks []string, check func()) {
	n := len(*es)
	check()
	for i := n; i < len(*es); i++ {
		(*es)[i].Reads = blocks
	}
}

// Include records the refusals in err under prefix (the path of the block they were checked in,
// such as "adapter."), and returns nil; an error that is no refusal is returned as it is.
func (es *Errors) Include(prefix string, err error) error {
	var sub Errors
	if !errors.As(err, &sub) {
		return err
	}
	for _, e := range sub {
		e.Field = prefix + e.Field
		*es = append(*es, e)
	}
	return nil
}

// Fields lists the refused fields, in the order they were found.
func (es Errors) Fields() []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Field
	}
	return out
}

func (es Errors) Error() string { return es.message("invalid input") }

// message is every refusal under a heading: one on the heading's line, more as a list.
func (es Errors) message(heading string) string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	if len(lines) == 1 {
		return heading + ": " + lines[0]
	}
	return fmt.Sprintf("%s (%d problems):\n  - %s", heading, len(lines), strings.Join(lines, "\n  - "))
}

// Err is nil when nothing was refused, for pure packages that know no resource.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// For is nil when nothing was refused, and otherwise the refusal of the named resource's input.
func (es Errors) For(resource string) error {
	if len(es) == 0 {
		return nil
	}
	return &Refusal{Resource: resource, Errors: es}
}

// Refusal is one resource's refused input, as its users see it in a preview.
type Refusal struct {
	Resource string // the resource type, e.g. SeldonAutoscaledModel
	Errors   Errors
}

func (r *Refusal) Error() string { return r.Errors.message("invalid " + r.Resource + " input") }

// Unwrap lets errors.As find the Errors behind a Refusal.
func (r *Refusal) Unwrap() error { return r.Errors }
