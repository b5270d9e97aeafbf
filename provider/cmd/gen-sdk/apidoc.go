package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// writeAPIDoc writes the API reference (docs/api.md) from the schema's descriptions: every input
// with its type, whether it is required, its default and the guard that checks it, then every
// output. The descriptions are the single source; this only arranges them.
func writeAPIDoc(schemaPath, out string) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return err
	}
	token := spec.Name + ":index:SeldonAutoscaledModel"
	res, ok := spec.Resources[token]
	if !ok {
		return fmt.Errorf("schema has no resource %s", token)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "<!-- generated from schema.json by `make generate` (gen-sdk apidoc); do not edit -->\n\n")
	fmt.Fprintf(&b, "# API reference: `%s`\n\n", token)
	fmt.Fprintf(&b, "%s\n\n", res.Description)
	fmt.Fprintf(&b, "Package `%s` %s. Input names are given as in the schema (camelCase), as Go, "+
		"TypeScript, YAML, C# (PascalCase) and Java spell them; Python uses snake_case "+
		"(`targetRpsPerReplica` is `target_rps_per_replica`). Every guard runs during `pulumi preview`, "+
		"before anything is created, and all problems are reported at once; see the README's "+
		"\"How the guarded policies decide\" for the rules that relate several inputs. Beyond the guards "+
		"listed here, every Kubernetes name is checked as a DNS-1123 label, and quantities, durations, "+
		"label keys and values, URLs and ports are parsed; adapter settings that do not apply to the "+
		"chosen `adapter.mode` are refused.\n\n", spec.Name, spec.Version)

	b.WriteString("## Inputs\n\n")
	required := setOf(res.RequiredInputs)
	b.WriteString("| input | type | required | default | guard | what it does |\n|---|---|---|---|---|---|\n")
	for _, name := range sortedProps(res.InputProperties) {
		writeInputRow(&b, name, res.InputProperties[name], required[name])
	}
	b.WriteString("\n")

	for _, sec := range inputSections {
		typ, ok := spec.Types[spec.Name+":index:"+sec.token]
		if !ok {
			return fmt.Errorf("schema has no type %s", sec.token)
		}
		fmt.Fprintf(&b, "### `%s` (%s)\n\n", sec.path, sec.token)
		if typ.Description != "" {
			fmt.Fprintf(&b, "%s\n\n", typ.Description)
		}
		required := setOf(typ.Required)
		b.WriteString("| input | type | required | default | guard | what it does |\n|---|---|---|---|---|---|\n")
		for _, name := range sortedProps(typ.Properties) {
			writeInputRow(&b, sec.path+"."+name, typ.Properties[name], required[name])
		}
		b.WriteString("\n")
	}

	b.WriteString("## Outputs\n\n| output | type | what it holds |\n|---|---|---|\n")
	for _, name := range sortedProps(res.Properties) {
		p := res.Properties[name]
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", name, typeName(p.TypeSpec), cell(p.Description))
	}
	b.WriteString("\n")
	// The object outputs, field by field.
	for _, out := range []struct{ path, token string }{{"policy", "EffectivePolicy"}, {"adapter", "ManagedAdapter"}} {
		typ, ok := spec.Types[spec.Name+":index:"+out.token]
		if !ok {
			return fmt.Errorf("schema has no type %s", out.token)
		}
		fmt.Fprintf(&b, "### `%s` (%s)\n\n| field | type | what it holds |\n|---|---|---|\n", out.path, out.token)
		for _, name := range sortedProps(typ.Properties) {
			p := typ.Properties[name]
			fmt.Fprintf(&b, "| `%s.%s` | %s | %s |\n", out.path, name, typeName(p.TypeSpec), cell(p.Description))
		}
		b.WriteString("\n")
	}

	// The shared adapter: its inputs are the adapter block's, so they are listed once, above.
	atoken := spec.Name + ":index:SeldonMetricsAdapter"
	ares, ok := spec.Resources[atoken]
	if !ok {
		return fmt.Errorf("schema has no resource %s", atoken)
	}
	fmt.Fprintf(&b, "# API reference: `%s`\n\n%s\n\n", atoken, ares.Description)
	fmt.Fprintf(&b, "## Inputs\n\nThe inputs of `adapter` above (`%s`), at the top level: %s. The same defaults and "+
		"guards apply; errors name them without the `adapter.` prefix.\n\n", "AdapterSpec", inputList(ares.InputProperties))
	b.WriteString("## Outputs\n\n| output | type | what it holds |\n|---|---|---|\n")
	for _, name := range sortedProps(ares.Properties) {
		p := ares.Properties[name]
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", name, typeName(p.TypeSpec), cell(p.Description))
	}
	return os.WriteFile(out, []byte(strings.TrimRight(b.String(), "\n")+"\n"), 0o644)
}

func inputList(props map[string]schema.PropertySpec) string {
	names := sortedProps(props)
	for i, n := range names {
		names[i] = "`" + n + "`"
	}
	return strings.Join(names, ", ")
}

func writeInputRow(b *strings.Builder, path string, p schema.PropertySpec, required bool) {
	d := splitDescription(p.Description)
	req := "no"
	if required {
		req = "**yes**"
	}
	fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s | %s |\n", path, typeName(p.TypeSpec), req,
		orDash(d.def), orDash(strings.Join(d.guards, " ")), orDash(strings.Join(d.what, " ")))
}

type described struct {
	what, guards []string
	def          string
}

var (
	// guardWords mark a sentence of a description as a check the component enforces.
	guardWords = regexp.MustCompile(
		`(?i)\b(must|refused|at least|at most|required|not allowed|accepted)\b|≥|≤|\d+ to \d+|in \[`,
	)
	// strongGuardWords mark a definition (a description's first sentence) that also states a bound.
	strongGuardWords = regexp.MustCompile(
		`(?i)\b(refused|at least|at most|not allowed|must keep)\b|≥|≤|\d+ to \d+|in \[`,
	)
)

// splitDescription sorts a description's sentences into its default ("Default: ..."), the
// guards that apply and what the input does. The first sentence, the definition, always says
// what the input does, and is also listed as a guard when it states a bound.
func splitDescription(desc string) described {
	var d described
	for i, s := range sentences(desc) {
		switch {
		case strings.HasPrefix(s, "Default: "):
			d.def = strings.TrimSuffix(strings.TrimPrefix(s, "Default: "), ".")
		case i == 0:
			d.what = append(d.what, s)
			if strongGuardWords.MatchString(s) {
				d.guards = append(d.guards, s)
			}
		case guardWords.MatchString(s):
			d.guards = append(d.guards, s)
		default:
			d.what = append(d.what, s)
		}
	}
	return d
}

// sentences splits text at ". " (leaving "e.g. " and "i.e. " alone).
func sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i+2 < len(text); i++ {
		if text[i] != '.' || text[i+1] != ' ' {
			continue
		}
		if strings.HasSuffix(text[:i], "e.g") || strings.HasSuffix(text[:i], "i.e") {
			continue
		}
		out = append(out, strings.TrimSpace(text[start:i+1]))
		start = i + 2
	}
	if rest := strings.TrimSpace(text[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return cell(s)
}

func setOf(names []string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}
