// Command gen-sdk-dotnet generates the C# SDK from schema.json with pulumi-dotnet's code
// generator. It is its own module because pulumi-dotnet pins a different
// github.com/pulumi/pulumi/pkg/v3 than the provider; none of its dependencies reach the root go.mod.
//
//	go run . SCHEMA.json OUTDIR
//
// The output is generated only: no .NET SDK can be installed where this project builds, so nothing
// here compiles it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	dotnetgen "github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3/codegen"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "seldon-autoscaling-gen-sdk"

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gen-sdk-dotnet SCHEMA.json OUTDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "gen-sdk-dotnet: %v\n", err)
		os.Exit(1)
	}
}

func run(schemaPath, outDir string) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("parsing %s: %w", schemaPath, err)
	}
	pkg, err := schema.ImportSpec(spec, nil, noPackages{}, schema.ValidationOptions{})
	if err != nil {
		return fmt.Errorf("binding %s: %w", schemaPath, err)
	}
	// The generator fetches the NuGet package icon over HTTP; generation must not depend on the
	// network, so every request it makes is answered with this package's own icon instead.
	icon, err := packageIcon()
	if err != nil {
		return err
	}
	http.DefaultTransport = iconTransport(icon)
	files, err := dotnetgen.GeneratePackage(tool, pkg, nil, nil)
	if err != nil {
		return fmt.Errorf("generating the C# SDK: %w", err)
	}
	return writeFiles(outDir, files)
}

type iconTransport []byte

func (t iconTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": []string{"image/png"}},
		Body:    io.NopCloser(bytes.NewReader(t)),
		Request: req, ContentLength: int64(len(t)),
	}, nil
}

// packageIcon draws a 64x64 icon (a rising bar chart: scaling up), encoded without compression
// so the bytes are the same with every Go release.
func packageIcon() ([]byte, error) {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	bg := color.NRGBA{R: 0x1b, G: 0x2a, B: 0x49, A: 0xff}
	bar := color.NRGBA{R: 0x4f, G: 0xc3, B: 0xf7, A: 0xff}
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, bg)
		}
	}
	for i, height := range []int{16, 28, 40, 52} {
		x0 := 6 + i*14
		for y := 58 - height; y < 58; y++ {
			for x := x0; x < x0+10; x++ {
				img.Set(x, y, bar)
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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

// noPackages refuses every package reference: the schema is self-contained.
type noPackages struct{}

func (noPackages) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("schema references package %q; it must be self-contained", pkg)
}

func (n noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return n.LoadPackage(d.Name, d.Version)
}
