// Package release builds the release archives: for each target platform, the plugin and the CLI
// each in a tar.gz named and laid out as `pulumi plugin install` expects (the binary at the
// archive's root, `.exe` on Windows), and a SHA256SUMS file over them.
package release

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Target is one platform, in Go's names, which are also the names the Pulumi engine puts in the
// archive it downloads (workspace.PluginSpec's os and arch).
type Target struct{ OS, Arch string }

func (t Target) String() string { return t.OS + "-" + t.Arch }

// Targets are the platforms every release ships.
var Targets = []Target{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// Host is the platform this process runs on.
func Host() Target { return Target{runtime.GOOS, runtime.GOARCH} }

// Sample is what CI builds on its turn n: the host's platform and the n-th of the others, so that
// successive turns cover every platform once every len(Targets)-1 turns at the cost of two builds.
func Sample(n int) []Target {
	var others []Target
	for _, t := range Targets {
		if t != Host() {
			others = append(others, t)
		}
	}
	return []Target{Host(), others[n%len(others)]}
}

// Binary is one command shipped in its own archives.
type Binary struct {
	Name    string // the executable's name, without .exe: go build names it after Package's last element
	Package string // its Go package, relative to the repository root
}

// Binaries are what a release ships: the plugin the engine installs, and the CLI beside it.
var Binaries = []Binary{
	{"pulumi-resource-seldon-autoscaling", "./provider/cmd/pulumi-resource-seldon-autoscaling"},
	{"seldon-autoscaling", "./provider/cmd/seldon-autoscaling"},
}

// ArchiveName is the file name the engine downloads for a plugin (workspace's httpSource:
// pulumi-<kind>-<name>-v<version>-<os>-<arch>.tar.gz); the CLI's archives follow the same pattern.
func ArchiveName(b Binary, version string, t Target) string {
	return fmt.Sprintf("%s-v%s-%s.tar.gz", b.Name, version, t)
}

// Build cross-compiles every binary for every target from the repository at root, with the
// version injected, and writes the archives and SHA256SUMS into out. It returns the archives'
// names.
func Build(root, out, version string, targets []Target, log io.Writer) ([]string, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "seldon-autoscaling-dist-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(work) }()
	var archives []string
	for _, t := range targets {
		start := time.Now()
		dir := filepath.Join(work, t.String())
		if err := compile(root, dir, version, t); err != nil {
			return nil, err
		}
		for _, b := range Binaries {
			name := ArchiveName(b, version, t)
			if err := writeArchive(filepath.Join(out, name), filepath.Join(dir, executable(b.Name, t))); err != nil {
				return nil, err
			}
			archives = append(archives, name)
		}
		fmt.Fprintf(log, "%s: %d archives (%s)\n", t, len(Binaries), time.Since(start).Round(time.Second))
	}
	return archives, WriteChecksums(out, archives)
}

func executable(name string, t Target) string {
	if t.OS == "windows" {
		return name + ".exe"
	}
	return name
}

// compile builds every binary for t into dir, statically (CGO off: the archives run on any libc)
// and without local paths (-trimpath), so the same commit gives the same binaries wherever it is
// built. One `go build` for all of them: a binary's packages compile while another links, instead
// of one core idling through each link. Each binary is named after its package's directory, which
// is Binary.Name.
func compile(root, dir, version string, t Target) error {
	args := []string{"build", "-trimpath", "-o", dir + string(filepath.Separator),
		"-ldflags", "-s -w -X main.Version=" + version}
	for _, b := range Binaries {
		args = append(args, b.Package)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+t.OS, "GOARCH="+t.Arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building for %s: %w\n%s", t, err, out)
	}
	return nil
}

// writeArchive writes a gzipped tar holding exe alone, at its root, executable.
func writeArchive(path, exe string) (err error) {
	data, err := os.ReadFile(exe)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	hdr := &tar.Header{Name: filepath.Base(exe), Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := tw.Write(data); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// WriteChecksums writes dir/SHA256SUMS in sha256sum's format ("<hex>  <name>"), sorted by name,
// so `sha256sum -c SHA256SUMS` verifies a download.
func WriteChecksums(dir string, names []string) error {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	var b strings.Builder
	for _, name := range sorted {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), name)
	}
	return os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(b.String()), 0o644)
}
