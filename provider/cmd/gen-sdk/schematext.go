package main

// The schema as documents show it: input sections in reading order, type names, sorted properties.
import (
	"sort"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
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
