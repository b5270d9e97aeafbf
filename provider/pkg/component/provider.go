package component

import (
	"context"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/existing"
)

const (
	// PackageName is the Pulumi package name.
	PackageName = "seldon-autoscaling"
	// GoImportBase is where the generated Go SDK lives.
	GoImportBase = "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
	// Repository is the project's home; its releases hold the plugin archives `make dist` builds.
	Repository = "https://github.com/seldon-autoscaling/pulumi-seldon-autoscaling"
	// PluginDownloadURL is where the engine fetches the plugin when a program needs it: every SDK
	// passes it with each resource, and the engine asks the GitHub API for the release v<version>'s
	// asset pulumi-resource-seldon-autoscaling-v<version>-<os>-<arch>.tar.gz.
	PluginDownloadURL = "github://api.github.com/seldon-autoscaling/pulumi-seldon-autoscaling"
)

// Provider builds the plugin's provider: its two components, and the language settings the SDKs
// are generated with.
func Provider() (p.Provider, error) {
	prov, err := infer.NewProviderBuilder().
		WithDisplayName("Seldon Autoscaling").
		WithDescription("Autoscale Seldon Core 2 Models and Servers on inference RPS with HPA and prometheus-adapter, "+
			"in one guarded resource.").
		WithKeywords("seldon", "kubernetes", "autoscaling", "hpa", "prometheus-adapter", "category/cloud", "kind/component").
		WithLicense("Apache-2.0").
		WithPublisher("pulumi-seldon-autoscaling").
		WithRepository(Repository).
		WithHomepage(Repository).
		WithPluginDownloadURL(PluginDownloadURL).
		WithLanguageMap(map[string]any{
			// No respectSchemaVersion for Go: the checked-in Go SDK is what Go users fetch at a tag, so
			// it cannot carry the release version (docs/development.md, "Releasing"); its
			// pulumi-plugin.json names no version and the Go module's version stands for it.
			"go": map[string]any{
				"importBasePath":                 GoImportBase,
				"generateResourceContainerTypes": true,
			},
			"nodejs": map[string]any{
				"packageName":          "@seldon-autoscaling/pulumi-seldon-autoscaling",
				"respectSchemaVersion": true,
			},
			"python": map[string]any{
				"packageName":          "pulumi_seldon_autoscaling",
				"respectSchemaVersion": true,
				"pyproject":            map[string]any{"enabled": true},
			},
			"csharp": map[string]any{
				"rootNamespace":        "SeldonAutoscaling",
				"respectSchemaVersion": true,
			},
			"java": map[string]any{
				"basePackage": "com.seldonautoscaling",
				// Sources and version.txt only: hack/gen-sdk-java adds a Maven pom.xml (Gradle
				// cannot be installed where this project builds and tests).
				"buildFiles": "none",
				"dependencies": map[string]any{
					"com.pulumi:pulumi":               "1.36.1",
					"com.google.code.gson:gson":       "2.10",
					"com.google.code.findbugs:jsr305": "3.0.2",
				},
			},
		}).
		WithComponents(infer.ComponentF(onOwnGoroutine(NewSeldonAutoscaledModel)),
			infer.ComponentF(onOwnGoroutine(NewSeldonMetricsAdapter))).
		Build()
	if err != nil {
		return p.Provider{}, err
	}
	prov.Construct = deferUnknownInputs(withKubernetesProvider(prov.Construct))
	return prov, nil
}

// onOwnGoroutine runs a component's constructor on a goroutine of its own and waits for it. The
// engine keeps, with every resource, each frame of the stack that registered it (the Go SDK's
// Context.getStackTrace sends them all), and writes them into every checkpoint: from Construct's
// goroutine those are frames of gRPC, pulumi-go-provider and SDK dispatch, kilobytes for each
// child of each model (TestComponentStateSize, tests/e2e, bounds the state). From a fresh
// goroutine only this package's frames remain, which are the ones that say where a child was
// declared. A panic is raised again on the caller's goroutine.
func onOwnGoroutine[A any, R pulumi.ComponentResource](construct infer.ComponentFn[A, R]) infer.ComponentFn[A, R] {
	type result struct {
		value    R
		err      error
		panicked any
	}
	return func(ctx *pulumi.Context, name string, args A, opts ...pulumi.ResourceOption) (R, error) {
		done := make(chan result, 1)
		go func() {
			var r result
			defer func() {
				r.panicked = recover()
				done <- r
			}()
			r.value, r.err = construct(ctx, name, args, opts...)
		}()
		r := <-done
		if r.panicked != nil {
			panic(r.panicked)
		}
		return r.value, r.err
	}
}

// withKubernetesProvider passes the component's explicit Kubernetes provider, which only the
// Construct request names, down to the component's check for existing objects.
func withKubernetesProvider(construct constructFunc) constructFunc {
	return func(ctx context.Context, req p.ConstructRequest) (p.ConstructResponse, error) {
		if ref, ok := req.Providers["kubernetes"]; ok {
			ctx = existing.WithExplicitProvider(ctx, string(ref.Urn))
		}
		return construct(ctx, req)
	}
}
