package release

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/blang/semver"
)

// TestVersionFromGit runs hack/version.sh in a scratch repository through a release's life: no
// tag, a tag, commits after it, a pre-release tag, uncommitted changes. Every answer must be
// valid semver (the engine refuses anything else) and order as the releases do.
func TestVersionFromGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on PATH")
	}
	repo := t.TempDir()
	script, err := os.ReadFile(filepath.Join("..", "..", "hack", "version.sh"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(repo, "hack", "version.sh"), string(script))
	git(t, repo, "init", "-q")
	commit := func() { git(t, repo, "commit", "-q", "--allow-empty", "-m", "c") }
	git(t, repo, "add", ".")
	commit()

	steps := []struct {
		do   func()
		want string // a regexp over the whole version
	}{
		{func() {}, `0\.0\.0-dev\+g[0-9a-f]{12}`},
		{func() { git(t, repo, "tag", "v0.2.0") }, `0\.2\.0`},
		{func() { commit(); commit() }, `0\.2\.1-dev\.2\+g[0-9a-f]{12}`},
		{func() { writeFile(t, filepath.Join(repo, "hack", "version.sh"), string(script)+"\n") },
			`0\.2\.1-dev\.2\+g[0-9a-f]{12}\.dirty`},
		{func() { git(t, repo, "commit", "-q", "-am", "c"); git(t, repo, "tag", "v0.3.0-rc.1") }, `0\.3\.0-rc\.1`},
		{commit, `0\.3\.0-rc\.1\.dev\.1\+g[0-9a-f]{12}`},
		{func() { git(t, repo, "tag", "v0.3.0") }, `0\.3\.0`},
	}
	var prev *semver.Version
	for i, s := range steps {
		s.do()
		out, err := exec.Command("bash", filepath.Join(repo, "hack", "version.sh")).CombinedOutput()
		if err != nil {
			t.Fatalf("step %d: %v\n%s", i, err, out)
		}
		got := strings.TrimSpace(string(out))
		if !regexp.MustCompile(`^` + s.want + `$`).MatchString(got) {
			t.Errorf("step %d: version %q, want %s", i, got, s.want)
		}
		v, err := semver.Parse(got)
		if err != nil {
			t.Errorf("step %d: %q is not semver: %v", i, got, err)
			continue
		}
		if prev != nil && v.LT(*prev) {
			t.Errorf("step %d: %s sorts before the earlier %s", i, v, prev)
		}
		prev = &v
	}
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o755); err != nil {
		t.Fatal(err)
	}
}
