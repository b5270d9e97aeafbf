package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/testbed/stacks"
	sa "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
)

// TestExplicitProvider: a program that disables the default Kubernetes provider and gives the
// component an explicit one, while the default kubeconfig points nowhere, deploys every child
// through that provider; the component's check for existing objects reads the same cluster.
func TestExplicitProvider(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	kubeconfig, err := os.ReadFile(b.cluster.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	program := func(ctx *pulumi.Context) error {
		k8s, err := kubernetes.NewProvider(ctx, "explicit", &kubernetes.ProviderArgs{
			Kubeconfig: pulumi.ToSecret(pulumi.String(string(kubeconfig))).(pulumi.StringOutput),
		})
		if err != nil {
			return err
		}
		_, err = sa.NewSeldonAutoscaledModel(ctx, "irisa0", &sa.SeldonAutoscaledModelArgs{
			Model: &sa.ModelSpecArgs{
				Name: pulumi.String(modelName), StorageUri: pulumi.String("gs://seldon-models/testing/iris1"),
			},
			Server:      &sa.ServerSpecArgs{Dedicated: pulumi.BoolPtr(true), ServerConfig: pulumi.StringPtr("mlserver")},
			Autoscaling: &sa.AutoscalingSpecArgs{MaxReplicas: pulumi.IntPtr(3), TargetRpsPerReplica: pulumi.Float64Ptr(3)},
			Adapter: &sa.AdapterSpecArgs{
				Chart: &sa.ChartSpecArgs{Path: pulumi.StringPtr(b.chartPath)}, SkipAwait: pulumi.BoolPtr(true),
				CreateNamespace: pulumi.BoolPtr(true),
			},
		}, pulumi.Providers(k8s))
		return err
	}
	st := b.stackPointingNowhere(t, "explicit", program)
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })

	// A provider new in this stack cannot be read in a preview: the check runs at the update, before
	// the component creates anything.
	file := filepath.Join(t.TempDir(), "by-hand.yaml")
	if err := os.WriteFile(file, []byte(kubectlSeldonObjects), 0o600); err != nil {
		t.Fatal(err)
	}
	kubectl(t, b, "create", "-f", file)
	_, err = st.Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "Model seldon-mesh/irisa0 already exists") {
		t.Fatalf("the check did not see the Model in the explicit provider's cluster: %v", err)
	}
	b.assertNothingCreated(t)
	kubectl(t, b, "delete", "-f", file)

	b.deployThrough(t, st, "explicit")
}

// stackPointingNowhere is an inline stack whose default Kubernetes provider is disabled and whose
// KUBECONFIG names a file that does not exist: only an explicit provider reaches the cluster.
func (b *testbed) stackPointingNowhere(t *testing.T, name string, program pulumi.RunFunc) auto.Stack {
	t.Helper()
	ctx := context.Background()
	project := workspace.Project{
		Name:    tokens.PackageName("seldon-autoscaling-e2e-" + name),
		Runtime: workspace.NewProjectRuntimeInfo("go", nil),
	}
	st, err := auto.UpsertStackInlineSource(ctx, "e2e", project.Name.String(), program,
		b.optionsPointingNowhere(t, project)...)
	if err != nil {
		t.Fatalf("creating stack: %v", err)
	}
	err = st.SetConfigWithOptions(ctx, "pulumi:disable-default-providers[0]", auto.ConfigValue{Value: "kubernetes"},
		&auto.ConfigOptions{Path: true})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// optionsPointingNowhere is a workspace whose KUBECONFIG names a file that does not exist.
func (b *testbed) optionsPointingNowhere(t *testing.T, project workspace.Project) []auto.LocalWorkspaceOption {
	t.Helper()
	env := stacks.Env{Tools: b.tools, ProviderDir: b.providerDir,
		Kubeconfig: filepath.Join(t.TempDir(), "no-such-kubeconfig")}
	opts, err := env.Options(t.TempDir(), project)
	if err != nil {
		t.Fatal(err)
	}
	return opts
}

// TestExplicitProviderYAML: examples/yaml-explicit-provider, the default provider disabled and
// KUBECONFIG pointing nowhere, deploys every child through its explicit provider.
func TestExplicitProviderYAML(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	kubeconfig, err := os.ReadFile(b.cluster.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	st := b.yamlExample(t, "yaml-explicit-provider", b.optionsPointingNowhere,
		map[string]string{"adapterChartPath": b.chartPath, "adapterSkipAwait": "true"})
	if err := st.SetConfig(ctx, "kubeconfig", autoConfigSecret(string(kubeconfig))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	b.deployThrough(t, st, "cluster")
}

// deployThrough runs up, a no-op up and destroy, checking every child is on the named provider.
func (b *testbed) deployThrough(t *testing.T, st auto.Stack, provider string) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up through the explicit provider: %v", err)
	}
	b.assertDeployed(t)
	assertEveryChildOn(t, st, provider)
	assertNoChanges(t, st)
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	b.assertGone(t)
}

// assertEveryChildOn checks that every Kubernetes resource in the stack's state was created by
// the provider named provider, and that there is no default Kubernetes provider.
func assertEveryChildOn(t *testing.T, st auto.Stack, provider string) {
	t.Helper()
	kinds := map[string]bool{}
	for _, r := range exportedState(t, st).Resources {
		typ := string(r.Type)
		if strings.HasPrefix(typ, "pulumi:providers:kubernetes") && !strings.HasSuffix(string(r.URN), "::"+provider) {
			t.Errorf("a Kubernetes provider other than %s: %s", provider, r.URN)
		}
		if !strings.HasPrefix(typ, "kubernetes:") {
			continue
		}
		kinds[typ] = true
		if !strings.Contains(r.Provider, "pulumi:providers:kubernetes::"+provider+"::") {
			t.Errorf("%s was created by %s, not the explicit provider", r.URN, r.Provider)
		}
	}
	for _, want := range []string{"kubernetes:helm.sh/v3:Release", "kubernetes:core/v1:ConfigMap",
		"kubernetes:mlops.seldon.io/v1alpha1:Model", "kubernetes:mlops.seldon.io/v1alpha1:Server",
		"kubernetes:autoscaling/v2:HorizontalPodAutoscaler"} {
		if !kinds[want] {
			t.Errorf("no %s in the stack", want)
		}
	}
}
