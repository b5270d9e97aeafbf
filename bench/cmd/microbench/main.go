// Command microbench writes docs/micro-benchmarks.md from the output of `go test -bench` (as
// `make bench` saves it): for each benchmark and unit, the median and range over its runs. The
// figures are measurements, so the document is not checked for staleness; hand-written documents
// link to it instead of copying its figures.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"golang.org/x/perf/benchfmt"
)

func main() {
	in := flag.String("in", ".state/micro-benchmarks.txt", "the go test -bench output to read")
	out := flag.String("out", "docs/micro-benchmarks.md", "the document to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "microbench:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	rep, err := summarise(f, in)
	if err != nil {
		return err
	}
	doc, err := render(rep)
	if err != nil {
		return err
	}
	return os.WriteFile(out, []byte(doc), 0o644)
}

// results reads every benchmark result of r, in order, with the configuration lines (goos,
// goarch, cpu, pkg) in force for it.
func results(r io.Reader, name string) ([]*benchfmt.Result, error) {
	reader := benchfmt.NewReader(r, name)
	var out []*benchfmt.Result
	for reader.Scan() {
		switch rec := reader.Result().(type) {
		case *benchfmt.Result:
			out = append(out, rec.Clone())
		case *benchfmt.SyntaxError:
			return nil, rec
		}
	}
	return out, reader.Err()
}
