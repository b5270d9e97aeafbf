// Command gen-sdk writes schema.json from the provider's Go types and generates SDKs from it with
// the pinned Pulumi codegen, in-process: `pulumi package gen-sdk` would need language plugins that
// cannot be installed everywhere this project builds.
//
//	gen-sdk schema OUT.json VERSION
//	gen-sdk go SCHEMA.json OUTDIR
//	gen-sdk nodejs SCHEMA.json OUTDIR
//	gen-sdk python SCHEMA.json OUTDIR
//	gen-sdk embed ROOT DOC.md
//	gen-sdk apidoc SCHEMA.json OUT.md
//	gen-sdk bad-inputs CATALOGUE.json OUT.md
//
// The Java and .NET generators live in other repositories that pin other versions of the Pulumi
// codegen; they are built from their own wrapper modules under hack/ (hack/gen-sdk-java,
// hack/gen-sdk-dotnet), so none of their dependencies reach this module.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/component"
)

const tool = "seldon-autoscaling-gen-sdk"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "gen-sdk: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 2 && args[0] == "inputs" {
		return writeInputs(args[1])
	}
	if len(args) != 3 {
		return fmt.Errorf(
			"usage: gen-sdk schema OUT.json VERSION | gen-sdk go|nodejs|python SCHEMA.json OUTDIR | gen-sdk apidoc " +
				"SCHEMA.json OUT.md | gen-sdk bad-inputs CATALOGUE.json OUT.md | gen-sdk embed ROOT DOC.md | gen-sdk inputs OUT.md",
		)
	}
	switch args[0] {
	case "schema":
		return writeSchema(args[1], args[2])
	case "go":
		return writeGo(args[1], args[2])
	case "nodejs":
		return writeNodejs(args[1], args[2])
	case "python":
		return writePython(args[1], args[2])
	case "embed":
		return writeEmbeds(args[1], args[2])
	case "apidoc":
		return writeAPIDoc(args[1], args[2])
	case "bad-inputs":
		return writeBadInputs(args[1], args[2])
	default:
		return fmt.Errorf("unknown target %q", args[0])
	}
}

func writeSchema(out, version string) error {
	prov, err := component.Provider()
	if err != nil {
		return err
	}
	v, err := semver.ParseTolerant(version)
	if err != nil {
		return fmt.Errorf("version %q: %w", version, err)
	}
	s, err := integration.NewServer(context.Background(), component.PackageName, v, integration.WithProvider(prov))
	if err != nil {
		return err
	}
	resp, err := s.GetSchema(p.GetSchemaRequest{})
	if err != nil {
		return fmt.Errorf("getting schema: %w", err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(resp.Schema), "", "  "); err != nil {
		return fmt.Errorf("formatting schema: %w", err)
	}
	buf.WriteByte('\n')
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

func loadSchema(path string) (*schema.Package, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	pkg, err := schema.ImportSpec(spec, nil, noPackages{}, schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("binding %s: %w", path, err)
	}
	return pkg, nil
}

func writeGo(schemaPath, outDir string) error {
	pkg, err := loadSchema(schemaPath)
	if err != nil {
		return err
	}
	files, err := gogen.GeneratePackage(tool, pkg, nil)
	if err != nil {
		return fmt.Errorf("generating Go SDK: %w", err)
	}
	return writeFiles(outDir, files)
}

// writeFiles replaces outDir with exactly the generated files, so stale files cannot linger.
func writeFiles(outDir string, files map[string][]byte) error {
	if err := os.RemoveAll(outDir); err != nil {
		return err
	}
	for name, data := range files {
		path := filepath.Join(outDir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// noPackages refuses every package reference: the schema is self-contained, and a reference to
// another package would be a mistake to surface, not a download to attempt.
type noPackages struct{}

func (noPackages) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("schema references package %q; it must be self-contained", pkg)
}

func (n noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return n.LoadPackage(d.Name, d.Version)
}

func (n noPackages) LoadPackageReference(pkg string, v *semver.Version) (schema.PackageReference, error) {
	_, err := n.LoadPackage(pkg, v)
	return nil, err
}

func (n noPackages) LoadPackageReferenceV2(
	_ context.Context,
	d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return n.LoadPackageReference(d.Name, d.Version)
}
