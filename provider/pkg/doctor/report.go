package doctor

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Report is the doctor's output for pipelines (--output json).
type Report struct {
	Namespace string   `json:"namespace"`
	Results   []Result `json:"results"`
	// Counts of each verdict, and the exit code they give.
	OK       int `json:"ok"`
	Warnings int `json:"warnings"`
	Failures int `json:"failures"`
	ExitCode int `json:"exitCode"`
}

// NewReport counts the verdicts of results.
func NewReport(namespace string, results []Result) Report {
	r := Report{Namespace: namespace, Results: results, ExitCode: ExitCode(results)}
	for _, res := range results {
		switch res.Verdict {
		case OK:
			r.OK++
		case Warning:
			r.Warnings++
		case Failure:
			r.Failures++
		}
	}
	return r
}

// WriteTable prints the report for people: one row per check and subject, its evidence indented
// below, and the fix of each check that did not pass.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tSUBJECT\tVERDICT\tEVIDENCE")
	for _, res := range r.Results {
		first, rest := "", []string(nil)
		if len(res.Evidence) > 0 {
			first, rest = res.Evidence[0], res.Evidence[1:]
		}
		fmt.Fprintf(tw, "%d %s\t%s\t%s\t%s\n", res.Check, res.Name, res.Subject, strings.ToUpper(string(res.Verdict)), first)
		for _, e := range rest {
			fmt.Fprintf(tw, "\t\t\t%s\n", e)
		}
		if res.Fix != "" {
			fmt.Fprintf(tw, "\t\t\tfix: %s\n", res.Fix)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d ok, %d warnings, %d failures (namespace %s)\n",
		r.OK, r.Warnings, r.Failures, r.Namespace)
	return err
}
