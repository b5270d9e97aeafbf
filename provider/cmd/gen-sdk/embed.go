package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Documents show the examples' own code, never a copy that can drift: a document marks where a
// region of an example goes,
//
//	<!-- embed:examples/go/autoscaledmodel/autoscaledmodel.go#component -->
//	<!-- embed:end -->
//
// and the example marks the region with `embed:begin component` and `embed:end component` in a
// comment. `gen-sdk embed ROOT DOC.md` fills every such block from the files under ROOT, and
// `make check-generated` fails when a document and its example differ.

var embedBlock = regexp.MustCompile(`(?s)<!-- embed:([^#\s]+)(?:#(\S+))? -->\n.*?<!-- embed:end -->`)

var fences = map[string]string{".go": "go", ".yaml": "yaml", ".ts": "typescript", ".py": "python", ".sh": "sh"}

func writeEmbeds(root, docPath string) error {
	doc, err := os.ReadFile(docPath)
	if err != nil {
		return err
	}
	var failed error
	out := embedBlock.ReplaceAllStringFunc(string(doc), func(block string) string {
		m := embedBlock.FindStringSubmatch(block)
		code, err := region(filepath.Join(root, m[1]), m[2])
		if err != nil {
			failed = fmt.Errorf("%s: %w", docPath, err)
			return block
		}
		return fmt.Sprintf("<!-- embed:%s -->\n```%s\n%s```\n<!-- embed:end -->",
			strings.TrimSuffix(m[1]+"#"+m[2], "#"), fences[filepath.Ext(m[1])], code)
	})
	if failed != nil {
		return failed
	}
	return os.WriteFile(docPath, []byte(out), 0o644)
}

// region is the named region of a file (the whole file without a name), its common indentation
// removed.
func region(path, name string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	lines := strings.SplitAfter(string(raw), "\n")
	if name != "" {
		begin, end := -1, -1
		for i, l := range lines {
			switch {
			case strings.Contains(l, "embed:begin "+name) && strings.TrimSpace(l) != "":
				begin = i + 1
			case strings.Contains(l, "embed:end "+name) && begin >= 0:
				end = i
			}
		}
		if begin < 0 || end < begin {
			return "", fmt.Errorf("%s has no region %q (embed:begin %s ... embed:end %s)", path, name, name, name)
		}
		lines = lines[begin:end]
	}
	return dedent(lines), nil
}

func dedent(lines []string) string {
	indent, first := "", true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if first {
			indent, first = l[:len(l)-len(strings.TrimLeft(l, " \t"))], false
		}
		for !strings.HasPrefix(l, indent) {
			indent = indent[:len(indent)-1]
		}
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.TrimPrefix(l, indent))
	}
	return b.String()
}
