package main

import (
	_ "embed"
	"regexp"

	"io"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"golang.org/x/perf/benchfmt"
)

//go:embed report.md.tmpl
var reportTemplate string

// report is docs/micro-benchmarks.md's data.
type report struct {
	Source string
	CPU    string
	Rows   []row
}

// row is one benchmark's figure in one unit over its runs.
type row struct {
	Package, Name, Unit string
	Runs                int
	Median, Min, Max    string
}

// summarise groups the results by package, benchmark and unit, in the order first met.
func summarise(r io.Reader, source string) (report, error) {
	res, err := results(r, source)
	if err != nil {
		return report{}, err
	}
	rep := report{Source: source}
	values := map[[3]string][]float64{}
	var order [][3]string
	for _, x := range res {
		rep.CPU = cmpOr(rep.CPU, x.GetConfig("cpu"))
		for _, v := range x.Values {
			name, unit, value := benchName(x), v.Unit, v.Value
			if unit == "sec/op" { // benchfmt's unit for ns/op: shown in ms, as the targets are
				unit, value = "ms/op", value*1000
			}
			key := [3]string{x.GetConfig("pkg"), name, unit}
			if _, ok := values[key]; !ok {
				order = append(order, key)
			}
			values[key] = append(values[key], value)
		}
	}
	for _, key := range order {
		vs := slices.Sorted(slices.Values(values[key]))
		rep.Rows = append(rep.Rows, row{Package: key[0], Name: key[1], Unit: key[2], Runs: len(vs),
			Median: figure(vs[len(vs)/2]), Min: figure(vs[0]), Max: figure(vs[len(vs)-1])})
	}
	return rep, nil
}

// figure is a value with three significant digits, in plain notation.
func figure(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// benchName is the benchmark's name without the Benchmark prefix and the GOMAXPROCS suffix.
func benchName(x *benchfmt.Result) string {
	return gomaxprocs.ReplaceAllString(string(x.Name.Full()), "")
}

var gomaxprocs = regexp.MustCompile(`-\d+$`)

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func render(rep report) (string, error) {
	tmpl, err := template.New("report").Funcs(template.FuncMap{
		"short": func(pkg string) string { return pkg[strings.LastIndex(pkg, "/")+1:] },
	}).Parse(reportTemplate)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = tmpl.Execute(&b, rep)
	return b.String(), err
}
