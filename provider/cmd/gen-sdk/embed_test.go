package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEmbedFillsRegionsAndRefusesMissingOnes(t *testing.T) {
	dir := t.TempDir()
	src := "package x\n\nfunc f() {\n\t// embed:begin call\n\tg(1,\n\t\t2)\n\t// embed:end call\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(dir, "doc.md")
	stale := "before\n<!-- embed:x.go#call -->\nold copy\n<!-- embed:end -->\nafter\n"
	if err := os.WriteFile(doc, []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeEmbeds(dir, doc); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(doc)
	want := "before\n<!-- embed:x.go#call -->\n```go\ng(1,\n\t2)\n```\n<!-- embed:end -->\nafter\n"
	if string(got) != want {
		t.Errorf("embedded:\n%s\nwant:\n%s", got, want)
	}
	missing := "<!-- embed:x.go#nothing -->\n<!-- embed:end -->\n"
	if err := os.WriteFile(doc, []byte(missing), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeEmbeds(dir, doc); err == nil || !strings.Contains(err.Error(), `no region "nothing"`) {
		t.Errorf("a missing region was not refused: %v", err)
	}
}
