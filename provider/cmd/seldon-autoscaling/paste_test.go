package main

import (
	"go/ast"
	"go/parser"
	"os"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/search"
	sa "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
)

// pasteBlock is a recommendation as plan prints it.
func pasteBlock() field {
	c := search.Choice{Candidate: search.Candidate{ScaleUpWindow: 15, ScaleUpPods: 5, ScaleDownWindow: 120, ModelLag: 0}}
	return recommendedAutoscaling(hpasim.Figures{SaturationRPS: 3.75, SafetyMargin: 0.2, PeakRPS: 36, MinLoadRPS: 3,
		RampRPSPerSecond: 0.07, SpikeSeconds: 150, ServerReadySeconds: 90, ScaleUpHeadroomPods: 5}, c)
}

// sdkArgs are the Go SDK's Args types the Go snippet may name.
var sdkArgs = map[string]reflect.Type{
	"AutoscalingSpecArgs": reflect.TypeOf(sa.AutoscalingSpecArgs{}), "SizingSpecArgs": reflect.TypeOf(sa.SizingSpecArgs{}),
	"ScalingRulesArgs": reflect.TypeOf(sa.ScalingRulesArgs{}), "ScalingPolicyArgs": reflect.TypeOf(sa.ScalingPolicyArgs{}),
}

// TestGoSnippetMatchesTheSDK: the Go snippet parses, names only fields the Go SDK's Args types
// have, and wraps each scalar in the pulumi function the field's input type takes.
func TestGoSnippetMatchesTheSDK(t *testing.T) {
	src := "sa.SeldonAutoscaledModelArgs{\n" + pasteGo(pasteBlock()) + "\n}"
	expr, err := parser.ParseExpr(src)
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	checked := 0
	ast.Inspect(expr, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		sel, _ := lit.Type.(*ast.SelectorExpr)
		typ, known := sdkArgs[sel.Sel.Name]
		if !known {
			return true
		}
		for _, e := range lit.Elts {
			kv := e.(*ast.KeyValueExpr)
			name := kv.Key.(*ast.Ident).Name
			f, ok := typ.FieldByName(name)
			if !ok {
				t.Errorf("%s has no field %s", sel.Sel.Name, name)
				continue
			}
			checked++
			if call, ok := kv.Value.(*ast.CallExpr); ok {
				fn := call.Fun.(*ast.SelectorExpr).Sel.Name // pulumi.IntPtr → IntPtrInput
				if want := fn + "Input"; f.Type.Name() != want {
					t.Errorf("%s.%s is a %s, given by pulumi.%s", sel.Sel.Name, name, f.Type.Name(), fn)
				}
			}
		}
		return true
	})
	if checked < 12 {
		t.Errorf("checked %d fields; the snippet:\n%s", checked, src)
	}
}

// TestSnippetsNameTheSchemasProperties: the YAML and TypeScript keys are schema properties, the
// Python keywords the Python SDK's.
func TestSnippetsNameTheSchemasProperties(t *testing.T) {
	y, err := pasteYAML(pasteBlock())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(y), &doc); err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	auto := doc["autoscaling"].(map[string]any)
	policy0 := auto["scaleUp"].(map[string]any)["policies"].([]any)[0].(map[string]any)
	if auto["sizing"].(map[string]any)["peakRps"] != 36 || policy0["periodSeconds"] != 90 {
		t.Errorf("YAML:\n%s", y)
	}
	schema, err := os.ReadFile("../../../schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var py []byte
	for _, f := range []string{"_inputs.py", "seldon_autoscaled_model.py"} {
		b, err := os.ReadFile("../../../sdk/python/pulumi_seldon_autoscaling/" + f)
		if err != nil {
			t.Fatal(err)
		}
		py = append(py, b...)
	}
	var walk func(f field)
	walk = func(f field) {
		if !strings.Contains(string(schema), `"`+f.Key+`"`) {
			t.Errorf("schema.json has no property %q", f.Key)
		}
		if !strings.Contains(string(py), " "+snake(f.Key)+": ") {
			t.Errorf("the Python SDK has no argument %s", snake(f.Key))
		}
		for _, c := range f.Fields {
			walk(c)
		}
		for _, it := range f.Items {
			for _, c := range it {
				walk(c)
			}
		}
	}
	walk(pasteBlock())
	ts := pasteTypeScript(pasteBlock())
	if !strings.Contains(ts, "policies: [{\n") || !strings.Contains(ts, "peakRps: 36,") {
		t.Errorf("TypeScript:\n%s", ts)
	}
}
