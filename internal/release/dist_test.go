package release

import (
	"archive/tar"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestArchiveLayout: the archive holds the one executable at its root, as `pulumi plugin
// install` unpacks it, and SHA256SUMS lists it in sha256sum's format.
func TestArchiveLayout(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "bin", "pulumi-resource-seldon-autoscaling.exe")
	writeFile(t, exe, "binary")
	name := ArchiveName(Binaries[0], "1.2.3", Target{"windows", "arm64"})
	if name != "pulumi-resource-seldon-autoscaling-v1.2.3-windows-arm64.tar.gz" {
		t.Errorf("archive name %q", name)
	}
	if err := writeArchive(filepath.Join(dir, name), exe); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	hdr, err := tr.Next()
	if err != nil {
		t.Fatal(err)
	}
	if hdr.Name != "pulumi-resource-seldon-autoscaling.exe" || hdr.Mode&0o111 == 0 {
		t.Errorf("member %q mode %o: want the executable at the root", hdr.Name, hdr.Mode)
	}
	if _, err := tr.Next(); err == nil {
		t.Error("the archive holds more than the executable")
	}

	if err := WriteChecksums(dir, []string{name}); err != nil {
		t.Fatal(err)
	}
	sums, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(sums))
	if len(fields) != 2 || len(fields[0]) != 64 || fields[1] != name {
		t.Errorf("SHA256SUMS: %q", sums)
	}
}

// TestBinaryNamesAreTheirPackages: compile builds all binaries in one `go build -o DIR/`, which
// names each after its package's directory; an archive must find its binary under Binary.Name.
func TestBinaryNamesAreTheirPackages(t *testing.T) {
	for _, b := range Binaries {
		if got := filepath.Base(b.Package); got != b.Name {
			t.Errorf("%s is built from %s, which go build names %q", b.Name, b.Package, got)
		}
	}
}
