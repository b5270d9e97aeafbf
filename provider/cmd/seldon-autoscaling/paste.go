package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/search"
)

// field is one input of SeldonAutoscaledModel to paste into a program: a scalar, an object of the
// schema type Type (its Fields), or a list of such objects (Items). Key is the schema's property
// name; each language names it its own way.
type field struct {
	Key    string
	Type   string // the schema type of an object or of a list's items: "AutoscalingSpec", "ScalingPolicy"
	Int    *int
	Float  *float64
	String *string
	Fields []field
	Items  [][]field
}

func intField(key string, v int) field          { return field{Key: key, Int: &v} }
func floatField(key string, v float64) field    { return field{Key: key, Float: &v} }
func stringField(key string, v string) field    { return field{Key: key, String: &v} }
func object(key, typ string, fs ...field) field { return field{Key: key, Type: typ, Fields: fs} }

// recommendedAutoscaling is the autoscaling block that deploys a plan: the sizing inputs read
// from history and given, and the behavior the search chose.
func recommendedAutoscaling(f hpasim.Figures, c search.Choice) field {
	k := c.Candidate
	return object("autoscaling", "AutoscalingSpec",
		object("sizing", "SizingSpec",
			floatField("saturationRps", f.SaturationRPS), floatField("safetyMargin", f.SafetyMargin),
			floatField("peakRps", f.PeakRPS), floatField("minLoadRps", f.MinLoadRPS),
			floatField("rampRpsPerSecond", f.RampRPSPerSecond), intField("spikeSeconds", f.SpikeSeconds)),
		intField("serverReadySeconds", f.ServerReadySeconds), intField("scaleUpHeadroomPods", f.ScaleUpHeadroomPods),
		intField("modelScaleUpLagSeconds", k.ModelLag),
		field{Key: "scaleUp", Type: "ScalingRules", Fields: []field{
			intField("stabilizationWindowSeconds", k.ScaleUpWindow),
			{Key: "policies", Type: "ScalingPolicy", Items: [][]field{{stringField("type", "Pods"),
				intField("value", k.ScaleUpPods), intField("periodSeconds", f.ServerReadySeconds)}}},
		}},
		object("scaleDown", "ScalingRules", intField("stabilizationWindowSeconds", k.ScaleDownWindow)),
	)
}

// pasteYAML is the block in a Pulumi YAML program's properties.
func pasteYAML(f field) (string, error) {
	out, err := yaml.Marshal(map[string]any{f.Key: yamlValue(f)})
	return string(out), err
}

func yamlValue(f field) any {
	switch {
	case f.Int != nil:
		return *f.Int
	case f.Float != nil:
		return *f.Float
	case f.String != nil:
		return *f.String
	case f.Items != nil:
		var out []any
		for _, it := range f.Items {
			out = append(out, yamlObject(it))
		}
		return out
	}
	return yamlObject(f.Fields)
}

// yamlObject keeps the fields' order, as a mapping node does.
func yamlObject(fs []field) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, f := range fs {
		var v yaml.Node
		_ = v.Encode(yamlValue(f))
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: f.Key}, &v)
	}
	return n
}

// pasteGo is the block as a field of sa.SeldonAutoscaledModelArgs (sa: the Go SDK).
func pasteGo(f field) string {
	return goName(f.Key) + ": " + goValue(f, "", true) + ","
}

func goValue(f field, indent string, ptr bool) string {
	switch {
	case f.Int != nil:
		return map[bool]string{true: "pulumi.IntPtr(", false: "pulumi.Int("}[ptr] + strconv.Itoa(*f.Int) + ")"
	case f.Float != nil:
		return "pulumi.Float64Ptr(" + goFloat(*f.Float) + ")"
	case f.String != nil:
		return map[bool]string{true: "pulumi.StringPtr(", false: "pulumi.String("}[ptr] + strconv.Quote(*f.String) + ")"
	case f.Items != nil:
		var b strings.Builder
		b.WriteString("sa." + f.Type + "Array{\n")
		for _, it := range f.Items {
			b.WriteString(indent + "\t" + goObject(f.Type, it, indent+"\t", false) + ",\n")
		}
		return b.String() + indent + "}"
	}
	return goObject(f.Type, f.Fields, indent, true)
}

// goObject is an Args struct literal; the list items' scalar fields are required (not pointers).
func goObject(typ string, fs []field, indent string, ptr bool) string {
	var b strings.Builder
	if ptr {
		b.WriteString("&")
	}
	b.WriteString("sa." + typ + "Args{\n")
	for _, f := range fs {
		b.WriteString(indent + "\t" + goName(f.Key) + ": " + goValue(f, indent+"\t", ptr) + ",\n")
	}
	return b.String() + indent + "}"
}

func goFloat(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// goName is the Go SDK's field name: the property name with its first letter upper-cased.
func goName(key string) string { return string(unicode.ToUpper(rune(key[0]))) + key[1:] }

// pasteTypeScript is the block as a property of SeldonAutoscaledModel's args object literal.
func pasteTypeScript(f field) string { return f.Key + ": " + tsValue(f, "") + "," }

func tsValue(f field, indent string) string {
	switch {
	case f.Int != nil:
		return strconv.Itoa(*f.Int)
	case f.Float != nil:
		return strconv.FormatFloat(*f.Float, 'f', -1, 64)
	case f.String != nil:
		return strconv.Quote(*f.String)
	case f.Items != nil:
		var parts []string
		for _, it := range f.Items {
			parts = append(parts, tsValue(field{Fields: it}, indent))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	var b strings.Builder
	b.WriteString("{\n")
	for _, c := range f.Fields {
		b.WriteString(indent + "    " + c.Key + ": " + tsValue(c, indent+"    ") + ",\n")
	}
	return b.String() + indent + "}"
}

// pastePython is the block as a keyword argument of sa.SeldonAutoscaledModel (sa: the Python SDK).
func pastePython(f field) string { return snake(f.Key) + "=" + pyValue(f, "") + "," }

func pyValue(f field, indent string) string {
	switch {
	case f.Int != nil:
		return strconv.Itoa(*f.Int)
	case f.Float != nil:
		return goFloat(*f.Float)
	case f.String != nil:
		return strconv.Quote(*f.String)
	case f.Items != nil:
		var parts []string
		for _, it := range f.Items {
			parts = append(parts, pyValue(field{Type: f.Type, Fields: it}, indent))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	var b strings.Builder
	b.WriteString("sa." + f.Type + "Args(\n")
	for _, c := range f.Fields {
		b.WriteString(indent + "    " + snake(c.Key) + "=" + pyValue(c, indent+"    ") + ",\n")
	}
	return b.String() + indent + ")"
}

// snake is the Python SDK's name for a property: camelCase to snake_case, acronyms kept whole
// (targetRpsPerReplica: target_rps_per_replica).
func snake(key string) string {
	var b strings.Builder
	for i, r := range key {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// pasteAll is the block in every language, each under a heading.
func pasteAll(f field) (string, error) {
	y, err := pasteYAML(f)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("YAML (properties of a SeldonAutoscaledModel resource):\n%s\n"+
		"Go (a field of sa.SeldonAutoscaledModelArgs):\n%s\n\n"+
		"TypeScript (a property of SeldonAutoscaledModel's args):\n%s\n\n"+
		"Python (a keyword argument of sa.SeldonAutoscaledModel):\n%s\n", y, pasteGo(f), pasteTypeScript(f),
		pastePython(f)), nil
}
