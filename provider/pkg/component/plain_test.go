package component

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

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
