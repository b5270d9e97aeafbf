package mutants

import (
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/template"
)

//go:embed report.md.tmpl
var reportTemplate string

// Report is what docs/mutation-score.md shows, computed apart from its prose (report.md.tmpl).
type Report struct {
	Command   string // the command that measured it
	Version   string // gremlins' version
	Packages  []Package
	Total     Counts
	Seconds   float64 // gremlins' time over all packages run
	NotRun    []string
	Checked   []CheckedPackage // the packages whose survivors are each killed or recorded as equivalent
	Unmatched []string         // equivalents in the list that match no survivor (stale: line moved or killed)
}

// CheckedPackage is one package whose survivors are listed, each equivalent or needing a test.
type CheckedPackage struct {
	Name      string
	Run       bool
	Survivors []Survivor
	NeedTests int
}

// Build reads the JSON of every package in dir (dir/<package>.json) and computes the report;
// checked names the packages whose survivors are listed.
func Build(dir string, packages, checked []string, eq Equivalents) (Report, error) {
	r := Report{}
	lived := map[string][]Survivor{}
	for _, name := range packages {
		p, s, err := read(dir, name)
		if err != nil {
			return r, err
		}
		r.Packages = append(r.Packages, p)
		if !p.Run {
			r.NotRun = append(r.NotRun, name)
			continue
		}
		r.Total = r.Total.plus(p.Counts)
		r.Seconds += p.Seconds
		lived[name] = s
	}
	used := map[string]bool{}
	for _, name := range checked {
		_, run := lived[name]
		c := CheckedPackage{Name: name, Run: run}
		for _, s := range lived[name] {
			s.Equivalent = eq[key(s.Position, s.Mutator)]
			if s.Equivalent == "" {
				c.NeedTests++
			} else {
				used[key(s.Position, s.Mutator)] = true
			}
			c.Survivors = append(c.Survivors, s)
		}
		r.Checked = append(r.Checked, c)
	}
	for _, k := range sortedKeys(eq) {
		if !used[k] {
			r.Unmatched = append(r.Unmatched, k)
		}
	}
	return r, nil
}

func sortedKeys(eq Equivalents) []string {
	keys := make([]string, 0, len(eq))
	for k := range eq {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Write renders r as Markdown.
func (r Report) Write(w io.Writer) error {
	tmpl, err := template.New("mutation-score").Parse(reportTemplate)
	if err != nil {
		return err
	}
	return tmpl.Execute(w, r)
}

// Failures is what a run must not show: a package run whose efficacy is below minEfficacy (in
// percent), a survivor of a checked package neither killed nor recorded as equivalent, and a
// recorded equivalent of a package run that no survivor matches (its line moved, or a test now
// kills it: the list must say what is true).
func (r Report) Failures(minEfficacy float64) []string {
	var out []string
	run := map[string]bool{}
	for _, p := range r.Packages {
		run[p.Name] = p.Run
		if !p.Run || p.Killed+p.Lived == 0 {
			continue
		}
		if e := 100 * float64(p.Killed) / float64(p.Killed+p.Lived); e < minEfficacy {
			out = append(out, fmt.Sprintf("%s: efficacy %.1f%%, below %.0f%%", p.Name, e, minEfficacy))
		}
	}
	for _, c := range r.Checked {
		for _, s := range c.Survivors {
			if s.Equivalent == "" {
				out = append(out, fmt.Sprintf("%s %s lived: kill it with a test, or record why it is equivalent "+
					"in hack/mutants-equivalent.txt", s.Position, s.Mutator))
			}
		}
	}
	for _, k := range r.Unmatched {
		if pkg, _, _ := strings.Cut(k, "/"); run[pkg] {
			out = append(out, fmt.Sprintf("%s: recorded as equivalent but no such mutant lived: update "+
				"hack/mutants-equivalent.txt", k))
		}
	}
	return out
}
