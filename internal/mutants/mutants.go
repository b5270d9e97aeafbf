// Package mutants turns gremlins' JSON output (one file per package of provider/pkg, written by
// `make mutants`) into the figures of docs/mutation-score.md: per package and in total, what
// gremlins found of each status, and the mutants that survived in the packages whose survivors are
// each either killed by a test or recorded as equivalent (hack/mutants-equivalent.txt).
package mutants

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Gremlins' statuses, as its JSON output spells them.
const (
	killed     = "KILLED"
	lived      = "LIVED"
	notCovered = "NOT COVERED"
	timedOut   = "TIMED OUT"
	notViable  = "NOT VIABLE"
	skipped    = "SKIPPED"
)

// output is the part of gremlins' JSON output (`unleash --output`) the report reads.
type output struct {
	Files []struct {
		FileName  string     `json:"file_name"`
		Mutations []mutation `json:"mutations"`
	} `json:"files"`
	ElapsedSeconds float64 `json:"elapsed_time"`
}

// mutation is one mutant: its mutator, the status gremlins gave it and where it is.
type mutation struct {
	Type   string `json:"type"`
	Status string `json:"status"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// Counts are the mutants of one package (or of all of them) by status.
type Counts struct {
	Killed, Lived, NotCovered, TimedOut, NotViable, Skipped int
}

// add counts one mutant of the given status.
func (c *Counts) add(status string) error {
	switch status {
	case killed:
		c.Killed++
	case lived:
		c.Lived++
	case notCovered:
		c.NotCovered++
	case timedOut:
		c.TimedOut++
	case notViable:
		c.NotViable++
	case skipped:
		c.Skipped++
	default:
		return fmt.Errorf("unknown gremlins status %q", status)
	}
	return nil
}

// plus is the sum of c and o.
func (c Counts) plus(o Counts) Counts {
	return Counts{Killed: c.Killed + o.Killed, Lived: c.Lived + o.Lived, NotCovered: c.NotCovered + o.NotCovered,
		TimedOut: c.TimedOut + o.TimedOut, NotViable: c.NotViable + o.NotViable, Skipped: c.Skipped + o.Skipped}
}

// Total is every mutant gremlins found.
func (c Counts) Total() int {
	return c.Killed + c.Lived + c.NotCovered + c.TimedOut + c.NotViable + c.Skipped
}

// Efficacy is gremlins' test efficacy: the killed share of the mutants a test ran (killed and lived).
func (c Counts) Efficacy() string { return percent(c.Killed, c.Killed+c.Lived) }

// Coverage is gremlins' mutant coverage: the share of mutants some test runs (killed and lived, of
// those and the not covered).
func (c Counts) Coverage() string {
	return percent(c.Killed+c.Lived, c.Killed+c.Lived+c.NotCovered)
}

// KilledOfAll is the killed (or timed out) share of every mutant, not covered ones included.
func (c Counts) KilledOfAll() string { return percent(c.Killed+c.TimedOut, c.Total()) }

func percent(n, of int) string {
	if of == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}

// Package is one package's result: Run is false when no JSON was found for it.
type Package struct {
	Name    string
	Run     bool
	Seconds float64
	Counts
}

// Survivor is one mutant that lived, with the reason it is equivalent when the list records one.
type Survivor struct {
	Position   string // package/file:line:column, as the list of equivalents names it
	Mutator    string
	Equivalent string // the recorded reason; empty: a test should kill it
}

// read reads the JSON gremlins wrote for pkg in dir, and the lived mutants among it.
func read(dir, pkg string) (Package, []Survivor, error) {
	p := Package{Name: pkg}
	data, err := os.ReadFile(filepath.Join(dir, pkg+".json"))
	if os.IsNotExist(err) {
		return p, nil, nil
	}
	if err != nil {
		return p, nil, err
	}
	var out output
	if err := json.Unmarshal(data, &out); err != nil {
		return p, nil, fmt.Errorf("%s.json: %w", pkg, err)
	}
	p.Run, p.Seconds = true, out.ElapsedSeconds
	var survivors []Survivor
	for _, f := range out.Files {
		for _, m := range f.Mutations {
			if err := p.add(m.Status); err != nil {
				return p, nil, fmt.Errorf("%s.json: %w", pkg, err)
			}
			if m.Status == lived {
				survivors = append(survivors, Survivor{Mutator: m.Type,
					Position: fmt.Sprintf("%s/%s:%d:%d", pkg, f.FileName, m.Line, m.Column)})
			}
		}
	}
	sort.SliceStable(survivors, func(i, j int) bool { return survivors[i].Position < survivors[j].Position })
	return p, survivors, nil
}

// Equivalents maps "position mutator" to the reason the mutant is equivalent.
type Equivalents map[string]string

// key is how Equivalents names a mutant.
func key(position, mutator string) string { return position + " " + mutator }

// ReadEquivalents reads the list of equivalent mutants: one a line, "position MUTATOR reason",
// position as Survivor.Position; blank lines and lines starting with # are skipped.
func ReadEquivalents(path string) (Equivalents, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	eq := Equivalents{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s:%d: want \"position MUTATOR reason\", got %q", path, i+1, line)
		}
		eq[key(fields[0], fields[1])] = strings.Join(fields[2:], " ")
	}
	return eq, nil
}
