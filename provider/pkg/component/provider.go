package component

import (
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
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
		WithComponents(infer.ComponentF(NewSeldonAutoscaledModel), infer.ComponentF(NewSeldonMetricsAdapter)).
		Build()
	if err != nil {
		return p.Provider{}, err
	}
	prov.Construct = deferUnknownInputs(withKubernetesProvider(prov.Construct))
	return prov, nil
}
