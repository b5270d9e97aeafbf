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
		WithRepository("https://github.com/seldon-autoscaling/pulumi-seldon-autoscaling").
		WithLanguageMap(map[string]any{
			"go": map[string]any{
				"importBasePath":                 GoImportBase,
				"generateResourceContainerTypes": true,
				"respectSchemaVersion":           true,
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
