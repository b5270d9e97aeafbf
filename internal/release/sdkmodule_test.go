package release

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// consumerProgram uses the Go SDK as a user's program would: it must compile against the SDK
// module alone.
const consumerProgram = `package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		_, err := seldonautoscaling.NewSeldonAutoscaledModel(ctx, "m", &seldonautoscaling.SeldonAutoscaledModelArgs{})
		return err
	})
}
`

// TestGoSDKModuleStandsAlone: a program in a module outside the repository, whose go.mod points
// at sdk/ (as a user's would at the tag sdk/v<version>), builds, and its build list holds neither
// the provider's module nor what only the provider needs (client-go, pulumi's pkg, the
// Kubernetes SDK). And sdk/go.mod is tidy: it requires what the generated code imports, no more.
func TestGoSDKModuleStandsAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module against the Pulumi SDK")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	goCmd(t, filepath.Join(root, "sdk"), "mod", "tidy", "-diff")

	dir := t.TempDir()
	const sdkModule = "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk"
	gomod := "module example.com/consumer\n\ngo 1.24.0\n\nrequire " + sdkModule + " v0.0.0\n\n" +
		"replace " + sdkModule + " => " + filepath.Join(root, "sdk") + "\n"
	writeFile(t, filepath.Join(dir, "go.mod"), gomod)
	writeFile(t, filepath.Join(dir, "main.go"), consumerProgram)
	goCmd(t, dir, "mod", "tidy")
	goCmd(t, dir, "build", "-o", os.DevNull, ".")
	// Tidy raises the go line to the highest any dependency needs: users on Go 1.24 keep theirs.
	tidied, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil || !strings.Contains(string(tidied), "\ngo 1.24.0\n") {
		t.Errorf("the SDK raised its users' go directive above 1.24.0 (%v):\n%s", err, tidied)
	}

	// Neither in the consumer's go.mod nor among the modules whose packages it builds.
	built := goCmd(t, dir, "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", ".")
	mod := string(tidied)
	forbidden := []string{
		"github.com/seldon-autoscaling/pulumi-seldon-autoscaling", // the provider
		"k8s.io/client-go",
		"github.com/pulumi/pulumi/pkg/v3",
		"github.com/pulumi/pulumi-kubernetes/sdk/v4",
		"github.com/pulumi/pulumi-go-provider",
	}
	for _, m := range forbidden {
		if strings.Contains(mod, "\t"+m+" ") || strings.Contains(mod, "require "+m+" ") {
			t.Errorf("the consumer's go.mod requires %s", m)
		}
		for _, b := range strings.Fields(built) {
			if b == m {
				t.Errorf("a program using the Go SDK builds packages of %s", m)
			}
		}
	}
}

// goCmd runs the go command in dir, outside any workspace, and returns its standard output.
func goCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go %s (in %s): %v\n%s%s", strings.Join(args, " "), dir, err, out, stderr)
	}
	return string(out)
}
