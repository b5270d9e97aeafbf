package component

import (
	"errors"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

// TestArgsMirrorTheSchema: the resolver's plain inputs have exactly the schema's fields, by input
// name and kind, so Args.plain loses nothing; a credential (a Pulumi Input here) is a
// resolve.Credential there.
func TestArgsMirrorTheSchema(t *testing.T) {
	schema, plain := map[string]string{}, map[string]string{}
	shape(reflect.TypeFor[Args](), "", schema)
	shape(reflect.TypeFor[resolve.Args](), "", plain)
	if !maps.Equal(schema, plain) {
		for _, k := range slices.Sorted(maps.Keys(schema)) {
			if plain[k] != schema[k] {
				t.Errorf("%s: schema %s, resolver %q", k, schema[k], plain[k])
			}
		}
		for k := range plain {
			if _, ok := schema[k]; !ok {
				t.Errorf("%s: in the resolver's inputs only", k)
			}
		}
	}
	if len(schema) < 60 {
		t.Errorf("only %d input paths found: the walk is broken", len(schema))
	}
}

var (
	inputType      = reflect.TypeFor[pulumi.StringInput]()
	credentialType = reflect.TypeFor[resolve.Credential]()
)

// shape records each input path of t with its kind; it names fields by their pulumi tag, else
// their JSON tag.
func shape(t reflect.Type, path string, out map[string]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t == inputType || t == credentialType {
		out[path] = "credential"
		return
	}
	if t.Kind() != reflect.Struct {
		out[path] = t.Kind().String()
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("pulumi"), ",")
		if name == "" {
			name, _, _ = strings.Cut(f.Tag.Get("json"), ",")
		}
		if path != "" {
			name = path + "." + name
		}
		shape(f.Type, name, out)
	}
}

// TestRefusalsNameRegisteredInputs: every field a refusal of the catalogue names is an input of
// the registry (a list element's index read as [], an element as its list, a key under a map input
// such as model.labels as the map), so refusals speak of inputs users can find in the schema.
func TestRefusalsNameRegisteredInputs(t *testing.T) {
	cat := loadBadInputs(t)
	index := regexp.MustCompile(`\[\d+\]`)
	for _, tc := range cat.Cases {
		var errs refusal.Errors
		if _, err := resolve.ResolveInputs(cat.Inputs(tc)); !errors.As(err, &errs) {
			continue // refused in Construct, past the resolver: TestGuardsCreateNothing covers it
		}
		for _, e := range errs {
			if !isInput(strings.TrimSuffix(index.ReplaceAllString(e.Field, "[]"), "[]")) {
				t.Errorf("%s: the refusal names %q, which is no registered input", tc.Name, e.Field)
			}
		}
	}
}

// isInput reports whether path is in the registry, or is a key of a map input (labels,
// annotations, extraSpec, metricSelector, values) that is.
func isInput(path string) bool {
	if slices.ContainsFunc(inputs.Registry, func(in inputs.Input) bool { return slices.Contains(in.Paths, path) }) {
		return true
	}
	parent, _, ok := cutLast(path, ".")
	mapInput := slices.ContainsFunc([]string{"labels", "annotations", "extraSpec", "metricSelector", "values"},
		func(m string) bool { return strings.HasSuffix(parent, "."+m) })
	return ok && mapInput && isInput(parent)
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}
