package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const (
	inputsBegin = "<!-- inputs:begin (generated from schema.json by `make generate`; do not edit) -->"
	inputsEnd   = "<!-- inputs:end -->"
)

// inputSections lists the input types in reading order, with the path users write them at.
var inputSections = []struct{ token, path string }{
	{"ModelSpec", "model"}, {"ServerSpec", "server"}, {"AutoscalingSpec", "autoscaling"},
	{"SizingSpec", "autoscaling.sizing"}, {"ScalingRules", "autoscaling.scaleUp"},
	{"ScalingPolicy", "autoscaling.scaleUp.policies[]"}, {"AdapterSpec", "adapter"},
	{"ChartSpec", "adapter.chart"}, {"PrometheusSpec", "adapter.prometheus"},
	{"BasicAuthSpec", "adapter.prometheus.basicAuth"}, {"PrometheusTLSSpec", "adapter.prometheus.tls"},
	{"RuleSpec", "adapter.rule"}, {"SeriesFilter", "adapter.rule.seriesFilters[]"},
}

// writeReadme replaces the README's inputs table with one generated from the schema's
// descriptions, so the front door cannot drift from the code.
func writeReadme(schemaPath, readmePath string) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(inputsBegin + "\n\n| input | type | what it does |\n|---|---|---|\n")
	for _, sec := range inputSections {
		typ, ok := spec.Types[spec.Name+":index:"+sec.token]
		if !ok {
			return fmt.Errorf("schema has no type %s", sec.token)
		}
		for _, name := range sortedProps(typ.Properties) {
			p := typ.Properties[name]
			fmt.Fprintf(
				&b,
				"| `%s.%s` | %s | %s |\n",
				sec.path,
				name,
				typeName(p.TypeSpec),
				strings.ReplaceAll(p.Description, "|", `\|`),
			)
		}
	}
	b.WriteString("\n" + inputsEnd)

	readme, err := os.ReadFile(readmePath)
	if err != nil {
		return err
	}
	text := string(readme)
	i, j := strings.Index(text, inputsBegin), strings.Index(text, inputsEnd)
	if i < 0 || j < i {
		return fmt.Errorf("%s lacks the inputs markers", readmePath)
	}
	return os.WriteFile(readmePath, []byte(text[:i]+b.String()+text[j+len(inputsEnd):]), 0o644)
}

func typeName(t schema.TypeSpec) string {
	switch {
	case t.Ref != "":
		return t.Ref[strings.LastIndex(t.Ref, ":")+1:]
	case t.Type == "array" && t.Items != nil:
		return "list of " + typeName(*t.Items)
	case t.Type == "object" && t.AdditionalProperties != nil:
		return "map of " + typeName(*t.AdditionalProperties)
	default:
		return t.Type
	}
}

func sortedProps(m map[string]schema.PropertySpec) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
