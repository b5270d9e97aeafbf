package policy

import (
	"fmt"
	"strings"
)

// FieldError is one refused input: which field, what is wrong with it, and how to fix it.
type FieldError struct {
	Field   string // the input's path as users write it, e.g. "autoscaling.minReplicas"
	Problem string
	Fix     string
}

func (e FieldError) Error() string {
	if e.Fix == "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Problem)
	}
	return fmt.Sprintf("%s: %s; fix: %s", e.Field, e.Problem, e.Fix)
}

// Errors collects every refused input so a user sees all of them in one preview.
type Errors []FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	if len(lines) == 1 {
		return "invalid SeldonAutoscaledModel input: " + lines[0]
	}
	return fmt.Sprintf("invalid SeldonAutoscaledModel input (%d problems):\n  - %s", len(lines), strings.Join(lines, "\n  - "))
}

// Add records a refused field.
func (es *Errors) Add(field, problem, fix string) {
	*es = append(*es, FieldError{Field: field, Problem: problem, Fix: fix})
}

// Addf records a refused field with a formatted problem.
func (es *Errors) Addf(field, fix, format string, args ...any) {
	es.Add(field, fmt.Sprintf(format, args...), fix)
}

// Err is nil when nothing was refused.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Fields lists the refused fields, in the order they were found.
func (es Errors) Fields() []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Field
	}
	return out
}
