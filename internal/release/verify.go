package release

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Verify reads back a release directory as a user (or the engine) receives it and reports every
// way it breaks Build's promise, all at once: for each target and binary, the archive is there,
// holds one executable at its root under the name `pulumi plugin install` expects (`.exe` on
// Windows), built for that target (its ELF, Mach-O or PE header names the platform: a build that
// lost GOOS or GOARCH is caught), carrying the version; SHA256SUMS lists exactly the archives,
// each with its sum; and no other archive lies beside them, which `upload dist/*.tar.gz` would ship.
func Verify(dir, version string, targets []Target) error {
	var errs []error
	var want []string
	for _, t := range targets {
		for _, b := range Binaries {
			name := ArchiveName(b, version, t)
			want = append(want, name)
			if err := verifyArchive(filepath.Join(dir, name), executable(b.Name, t), version, t); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	if err := verifyChecksums(dir, want); err != nil {
		errs = append(errs, fmt.Errorf("SHA256SUMS: %w", err))
	}
	strays, err := filepath.Glob(filepath.Join(dir, "*.tar.gz"))
	if err != nil {
		return err
	}
	for _, path := range strays {
		if !slices.Contains(want, filepath.Base(path)) {
			errs = append(errs, fmt.Errorf("%s is no archive of this release", filepath.Base(path)))
		}
	}
	return errors.Join(errs...)
}

// verifyArchive checks one archive holds exactly the executable exe, for t, with the version in it.
func verifyArchive(path, exe, version string, t Target) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	var names []string
	var data []byte
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		names = append(names, hdr.Name)
		if hdr.Name != exe || hdr.Typeflag != tar.TypeReg {
			continue
		}
		if hdr.Mode&0o111 == 0 {
			return fmt.Errorf("%s is not executable (mode %o)", exe, hdr.Mode)
		}
		if data, err = io.ReadAll(tr); err != nil {
			return err
		}
	}
	if len(names) != 1 || data == nil {
		return fmt.Errorf("holds %q, want the regular file %q alone", names, exe)
	}
	got, err := platformOf(data)
	if err != nil {
		return fmt.Errorf("%s: %w", exe, err)
	}
	if got != t {
		return fmt.Errorf("%s is built for %s, want %s", exe, got, t)
	}
	// The version is injected with -X main.Version; its bytes are in the binary's data. A
	// necessary sign, not proof, that the flag reached the link: it catches a dropped flag.
	if !bytes.Contains(data, []byte(version)) {
		return fmt.Errorf("%s does not carry the version %q", exe, version)
	}
	return nil
}

// platformOf reads the target of an executable from its header: ELF for Linux, Mach-O for macOS,
// PE for Windows, and the machine each names.
func platformOf(data []byte) (Target, error) {
	r := bytes.NewReader(data)
	if f, err := elf.NewFile(r); err == nil {
		arch := map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64"}[f.Machine]
		return Target{"linux", arch}, nil
	}
	if f, err := macho.NewFile(r); err == nil {
		arch := map[macho.Cpu]string{macho.CpuAmd64: "amd64", macho.CpuArm64: "arm64"}[f.Cpu]
		return Target{"darwin", arch}, nil
	}
	if f, err := pe.NewFile(r); err == nil {
		arch := map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "amd64", pe.IMAGE_FILE_MACHINE_ARM64: "arm64"}
		return Target{"windows", arch[f.Machine]}, nil
	}
	return Target{}, errors.New("neither ELF, Mach-O nor PE")
}

// verifyChecksums checks dir/SHA256SUMS lists exactly the archives named in want, each with the
// SHA-256 of the file beside it, as `sha256sum -c` would.
func verifyChecksums(dir string, want []string) error {
	raw, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		return err
	}
	listed := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			return fmt.Errorf("line %q: want \"<sha256>  <name>\"", sc.Text())
		}
		listed[name] = sum
	}
	var errs []error
	for _, name := range want {
		sum, ok := listed[name]
		delete(listed, name)
		if !ok {
			errs = append(errs, fmt.Errorf("does not list %s", name))
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue // reported with the archive
		}
		if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != sum {
			errs = append(errs, fmt.Errorf("%s: listed %s, the file's is %x", name, sum, got))
		}
	}
	extra := make([]string, 0, len(listed))
	for name := range listed {
		extra = append(extra, name)
	}
	sort.Strings(extra)
	for _, name := range extra {
		errs = append(errs, fmt.Errorf("lists %s, which is no archive of this release", name))
	}
	return errors.Join(errs...)
}
