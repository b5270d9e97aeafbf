package release

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerify: a release laid out as Build lays it out passes, and each way a release can break its
// promise fails, naming the archive and the fault: an archive missing, a Windows binary without
// .exe, a binary built for another platform or without the version, a stale checksum, SHA256SUMS
// missing an archive or listing a stranger, an older release's archive left in the directory.
func TestVerify(t *testing.T) {
	const version = "1.2.3-dev.4+gabcdef012345"
	targets := []Target{{"linux", "arm64"}, {"darwin", "amd64"}, {"windows", "arm64"}}
	cases := []struct {
		name  string
		spoil func(t *testing.T, dir string)
		want  []string // substrings of the error; none: Verify passes
	}{
		{"as built", func(*testing.T, string) {}, nil},
		{"archive missing", func(t *testing.T, dir string) {
			removeFile(t, filepath.Join(dir, archiveOf(0, version, targets[1])))
		}, []string{"seldon-autoscaling-v" + version + "-darwin-amd64.tar.gz: open", "no such file"}},
		{"no .exe on windows", func(t *testing.T, dir string) {
			packFake(t, dir, 1, version, targets[2], "seldon-autoscaling", fakeBinary(t, targets[2], version))
		}, []string{`holds ["seldon-autoscaling"], want the regular file "seldon-autoscaling.exe" alone`}},
		{"built for another platform", func(t *testing.T, dir string) {
			packFake(t, dir, 0, version, targets[1], Binaries[0].Name, fakeBinary(t, targets[0], version))
		}, []string{"darwin-amd64.tar.gz: pulumi-resource-seldon-autoscaling is built for linux-arm64, want darwin-amd64"}},
		{"no version injected", func(t *testing.T, dir string) {
			packFake(t, dir, 0, version, targets[0], Binaries[0].Name, fakeBinary(t, targets[0], "dev"))
		}, []string{"does not carry the version"}},
		{"checksum stale", func(t *testing.T, dir string) {
			packFake(t, dir, 1, version, targets[0], Binaries[1].Name, fakeBinary(t, targets[0], version+" rebuilt"))
		}, []string{"SHA256SUMS: seldon-autoscaling-v" + version + "-linux-arm64.tar.gz: listed"}},
		{"checksum list incomplete and padded", func(t *testing.T, dir string) {
			sums := strings.SplitAfter(readString(t, filepath.Join(dir, "SHA256SUMS")), "\n")
			sums[0] = strings.Repeat("0", 64) + "  extra-v" + version + "-linux-arm64.tar.gz\n"
			writeFile(t, filepath.Join(dir, "SHA256SUMS"), strings.Join(sums, ""))
		}, []string{"SHA256SUMS: does not list", "lists extra-v" + version}},
		{"an older release's archive left beside", func(t *testing.T, dir string) {
			packFake(t, dir, 0, "1.2.2", targets[0], Binaries[0].Name, fakeBinary(t, targets[0], "1.2.2"))
		}, []string{"pulumi-resource-seldon-autoscaling-v1.2.2-linux-arm64.tar.gz is no archive of this release"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			fakeRelease(t, dir, version, targets)
			c.spoil(t, dir)
			err := Verify(dir, version, targets)
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("a release as Build lays it out is refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Verify passed a broken release")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestPlatformOfTheTestBinary: the header reader agrees with the platform this test runs on.
func TestPlatformOfTheTestBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := platformOf(data); err != nil || got != Host() {
		t.Errorf("platformOf(the test binary) = %v, %v; want %s", got, err, Host())
	}
	if _, err := platformOf([]byte("#!/bin/sh\n")); err == nil {
		t.Error("a script passed for an executable")
	}
}

// fakeRelease writes what Build writes, with fake binaries standing in for compiled ones.
func fakeRelease(t *testing.T, dir, version string, targets []Target) {
	t.Helper()
	var names []string
	for _, tg := range targets {
		for i, b := range Binaries {
			names = append(names, packFake(t, dir, i, version, tg, executable(b.Name, tg), fakeBinary(t, tg, version)))
		}
	}
	if err := WriteChecksums(dir, names); err != nil {
		t.Fatal(err)
	}
}

// packFake writes the archive of Binaries[i] for tg holding data under the name member.
func packFake(t *testing.T, dir string, i int, version string, tg Target, member string, data []byte) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), member)
	writeFile(t, exe, string(data))
	name := archiveOf(i, version, tg)
	if err := writeArchive(filepath.Join(dir, name), exe); err != nil {
		t.Fatal(err)
	}
	return name
}

func archiveOf(i int, version string, tg Target) string { return ArchiveName(Binaries[i], version, tg) }

// fakeBinary is the smallest executable header for tg that Go's debug packages parse, followed by
// the version as -X main.Version would leave it in the data.
func fakeBinary(t *testing.T, tg Target, version string) []byte {
	t.Helper()
	var buf bytes.Buffer
	le := binary.LittleEndian
	var err error
	switch tg.OS {
	case "linux":
		machine := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[tg.Arch]
		hdr := elf.Header64{Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: 1, Ehsize: 64}
		copy(hdr.Ident[:], []byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), 1})
		err = binary.Write(&buf, le, hdr)
	case "darwin":
		cpu := map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}[tg.Arch]
		err = binary.Write(&buf, le, macho.FileHeader{Magic: macho.Magic64, Cpu: cpu, Type: macho.TypeExec})
		buf.Write(make([]byte, 4)) // the 64-bit header's reserved word
	case "windows":
		machine := map[string]uint16{"amd64": pe.IMAGE_FILE_MACHINE_AMD64, "arm64": pe.IMAGE_FILE_MACHINE_ARM64}
		dos := make([]byte, 0x40)
		copy(dos, "MZ")
		le.PutUint32(dos[0x3c:], 0x40) // where the PE signature starts
		buf.Write(dos)
		buf.WriteString("PE\x00\x00")
		err = binary.Write(&buf, le, pe.FileHeader{Machine: machine[tg.Arch]})
	}
	if err != nil {
		t.Fatal(err)
	}
	buf.WriteString(version)
	return buf.Bytes()
}

func removeFile(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
