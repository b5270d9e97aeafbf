package deployspeed

import (
	"regexp"
	"strings"
)

// profileTopN is how many functions of each list the report keeps per profile.
const profileTopN = 8

// ProfileSummary is what the report keeps of one profile's `go tool pprof -top` text (pprofTop's
// output): its header, the functions with the most CPU of their own (flat share of the samples),
// and the Pulumi functions with the most CPU below them (cumulative share), which say what the
// time was spent for. The raw text is saved beside the measurements (Config.ProfileDir).
type ProfileSummary struct {
	Header string // "Duration: 1.20s, Total samples = 750ms (62.51%)"
	Flat   []FuncShare
	Pulumi []FuncShare
}

// FuncShare is one function and its share of the profile's samples.
type FuncShare struct{ Func, Share string }

// SummaryRow pairs the i-th function of each list for one table row; a list shorter than the
// other leaves its cells empty.
type SummaryRow struct{ Flat, Pulumi FuncShare }

// Rows pairs the two lists for a table.
func (s ProfileSummary) Rows() []SummaryRow {
	rows := make([]SummaryRow, max(len(s.Flat), len(s.Pulumi)))
	for i := range rows {
		if i < len(s.Flat) {
			rows[i].Flat = s.Flat[i]
		}
		if i < len(s.Pulumi) {
			rows[i].Pulumi = s.Pulumi[i]
		}
	}
	return rows
}

// pulumiSeparator divides pprofTop's flat list from its list of Pulumi functions.
const pulumiSeparator = "-- Pulumi functions by cumulative time --"

// topRow is a row of `pprof -top`: flat, flat%, sum%, cum, cum%, function.
var topRow = regexp.MustCompile(`^\s*(\S+)\s+(\S+%)\s+(\S+%)\s+(\S+)\s+(\S+%)\s+(.+)$`)

// SummarizeTop keeps the header and the first n functions of each list of a pprofTop text.
func SummarizeTop(top string, n int) ProfileSummary {
	flat, pulumi, _ := strings.Cut(top, pulumiSeparator)
	var s ProfileSummary
	for _, l := range strings.Split(flat, "\n") {
		if strings.HasPrefix(l, "Duration:") {
			s.Header = strings.Join(strings.Fields(l), " ")
			break
		}
	}
	s.Header = strings.ReplaceAll(s.Header, "( ", "(")
	s.Flat = topRows(flat, n, 2)
	s.Pulumi = topRows(pulumi, n, 5)
	return s
}

// topRows reads the first n rows of a `pprof -top` table, each function with the share in
// column share (2: flat%, 5: cum%).
func topRows(text string, n, share int) []FuncShare {
	var out []FuncShare
	for _, l := range strings.Split(text, "\n") {
		m := topRow.FindStringSubmatch(l)
		if m == nil || m[1] == "flat" || len(out) == n {
			continue
		}
		out = append(out, FuncShare{Func: shortFunc(m[6]), Share: m[share]})
	}
	return out
}

// generic matches a generic function's type arguments, which pprof spells out in full.
var generic = regexp.MustCompile(`\[go\.shape\..*\]`)

// shortFunc drops a function's import path up to its package and a generic's type arguments:
// github.com/pulumi/pulumi/pkg/v3/backend.(*SnapshotManager).saveSnapshot is
// backend.(*SnapshotManager).saveSnapshot.
func shortFunc(f string) string {
	f = generic.ReplaceAllString(strings.TrimSpace(f), "[…]")
	end := len(f)
	if i := strings.IndexAny(f, "(["); i >= 0 {
		end = i
	}
	if i := strings.LastIndex(f[:end], "/"); i >= 0 {
		f = f[i+1:]
	}
	return strings.ReplaceAll(f, "|", `\|`)
}
