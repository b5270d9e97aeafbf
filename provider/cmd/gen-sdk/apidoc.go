package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"text/template"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// apiDocTemplate arranges docs/api.md; apiDocOf computes what it shows.
//
//go:embed apidoc.md.tmpl
var apiDocTemplate string

// apiDoc is what docs/api.md shows: the components' inputs and outputs, row by row, each cell
// already in Markdown. The prose around them is apidoc.md.tmpl's.
type apiDoc struct {
	Token, Description, Package, Version string
	Inputs                               []inputRow
	InputSections                        []inputSection
	Outputs                              []outputRow
	ObjectOutputs                        []objectOutput
	Adapter                              adapterDoc
}

type inputRow struct{ Path, Type, Required, Default, Guard, What string }

type inputSection struct {
	Path, Token, Description string
	Rows                     []inputRow
}

type outputRow struct{ Name, Type, What string }

type objectOutput struct {
	Path, Token string
	Rows        []outputRow
}

type adapterDoc struct {
	Token, Description, InputList string
	Outputs                       []outputRow
}

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
	doc, err := apiDocOf(spec)
	if err != nil {
		return err
	}
	tmpl, err := template.New("apidoc").Parse(apiDocTemplate)
	if err != nil {
		return err
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, doc); err != nil {
		return err
	}
	return os.WriteFile(out, []byte(strings.TrimRight(b.String(), "\n")+"\n"), 0o644)
}

// apiDocOf reads the two components, their input sections and their object outputs from spec.
func apiDocOf(spec schema.PackageSpec) (apiDoc, error) {
	token := spec.Name + ":index:SeldonAutoscaledModel"
	res, ok := spec.Resources[token]
	if !ok {
		return apiDoc{}, fmt.Errorf("schema has no resource %s", token)
	}
	doc := apiDoc{Token: token, Description: res.Description, Package: spec.Name, Version: spec.Version,
		Inputs: inputRows("", res.InputProperties, res.RequiredInputs), Outputs: outputRows("", res.Properties)}
	for _, sec := range inputSections {
		typ, ok := spec.Types[spec.Name+":index:"+sec.token]
		if !ok {
			return apiDoc{}, fmt.Errorf("schema has no type %s", sec.token)
		}
		doc.InputSections = append(doc.InputSections, inputSection{Path: sec.path, Token: sec.token,
			Description: typ.Description, Rows: inputRows(sec.path+".", typ.Properties, typ.Required)})
	}
	// The object outputs, field by field.
	for _, out := range []struct{ path, token string }{{"policy", "EffectivePolicy"}, {"adapter", "ManagedAdapter"}} {
		typ, ok := spec.Types[spec.Name+":index:"+out.token]
		if !ok {
			return apiDoc{}, fmt.Errorf("schema has no type %s", out.token)
		}
		doc.ObjectOutputs = append(doc.ObjectOutputs, objectOutput{Path: out.path, Token: out.token,
			Rows: outputRows(out.path+".", typ.Properties)})
	}
	// The shared adapter: its inputs are the adapter block's, so they are listed once, above.
	atoken := spec.Name + ":index:SeldonMetricsAdapter"
	ares, ok := spec.Resources[atoken]
	if !ok {
		return apiDoc{}, fmt.Errorf("schema has no resource %s", atoken)
	}
	doc.Adapter = adapterDoc{Token: atoken, Description: ares.Description, InputList: inputList(ares.InputProperties),
		Outputs: outputRows("", ares.Properties)}
	return doc, nil
}

func outputRows(prefix string, props map[string]schema.PropertySpec) []outputRow {
	var rows []outputRow
	for _, name := range sortedProps(props) {
		p := props[name]
		rows = append(rows, outputRow{Name: prefix + name, Type: typeName(p.TypeSpec), What: cell(p.Description)})
	}
	return rows
}

func inputRows(prefix string, props map[string]schema.PropertySpec, requiredNames []string) []inputRow {
	required := setOf(requiredNames)
	var rows []inputRow
	for _, name := range sortedProps(props) {
		rows = append(rows, inputRowOf(prefix+name, props[name], required[name]))
	}
	return rows
}

func inputList(props map[string]schema.PropertySpec) string {
	names := sortedProps(props)
	for i, n := range names {
		names[i] = "`" + n + "`"
	}
	return strings.Join(names, ", ")
}

func inputRowOf(path string, p schema.PropertySpec, required bool) inputRow {
	d := splitDescription(p.Description)
	req := "no"
	if required {
		req = "**yes**"
	}
	return inputRow{Path: path, Type: typeName(p.TypeSpec), Required: req, Default: orDash(d.def),
		Guard: orDash(strings.Join(d.guards, " ")), What: orDash(strings.Join(d.what, " "))}
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
