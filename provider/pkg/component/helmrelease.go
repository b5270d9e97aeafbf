package component

import (
	"errors"
	"reflect"

	k8sutil "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The adapter's Helm release is declared here rather than with pulumi-kubernetes'
// sdk/v4/go/kubernetes/helm/v3: that package imports kubernetes/yaml, which links every Kubernetes
// API group's SDK into the plugin (tens of MB and of init work at each start) for one resource type.
// What follows is the part of helm/v3's generated code that decides what the engine receives, for
// the fields the component sets. helmrelease_test.go checks that the engine receives the same
// request as from the real NewRelease; internal/architecture keeps helm/v3 and kubernetes/yaml out.

// helmReleaseType is helm/v3 Release's type token.
const helmReleaseType = "kubernetes:helm.sh/v3:Release"

// helmRelease is helm/v3's Release without its outputs: the component reads none of them, and the
// engine receives only the inputs.
type helmRelease struct {
	pulumi.CustomResourceState
}

// helmReleaseInputs is helm/v3's releaseArgs (the plain shape the SDK marshals the inputs by),
// reduced to the fields helmReleaseArgs sets, with the same names, types and tags.
type helmReleaseInputs struct {
	Atomic         *bool                  `pulumi:"atomic"`
	Chart          string                 `pulumi:"chart"`
	CleanupOnFail  *bool                  `pulumi:"cleanupOnFail"`
	Compat         *string                `pulumi:"compat"`
	MaxHistory     *int                   `pulumi:"maxHistory"`
	Name           *string                `pulumi:"name"`
	Namespace      *string                `pulumi:"namespace"`
	RepositoryOpts *helmRepositoryOpts    `pulumi:"repositoryOpts"`
	SkipAwait      *bool                  `pulumi:"skipAwait"`
	Timeout        *int                   `pulumi:"timeout"`
	Values         map[string]interface{} `pulumi:"values"`
	Version        *string                `pulumi:"version"`
}

// helmReleaseArgs is helm/v3's ReleaseArgs for those fields.
type helmReleaseArgs struct {
	Atomic         pulumi.BoolPtrInput
	Chart          pulumi.StringInput
	CleanupOnFail  pulumi.BoolPtrInput
	Compat         pulumi.StringPtrInput
	MaxHistory     pulumi.IntPtrInput
	Name           pulumi.StringPtrInput
	Namespace      pulumi.StringPtrInput
	RepositoryOpts *helmRepositoryOptsArgs
	SkipAwait      pulumi.BoolPtrInput
	Timeout        pulumi.IntPtrInput
	Values         pulumi.MapInput
	Version        pulumi.StringPtrInput
}

// ElementType is what makes helmReleaseArgs an Input the SDK marshals as helmReleaseInputs.
func (helmReleaseArgs) ElementType() reflect.Type {
	return reflect.TypeOf((*helmReleaseInputs)(nil)).Elem()
}

// helmRepositoryOpts is helm/v3's RepositoryOpts, reduced to the chart repository's URL.
type helmRepositoryOpts struct {
	Repo *string `pulumi:"repo"`
}

// helmRepositoryOptsArgs is helm/v3's RepositoryOptsArgs for that field.
type helmRepositoryOptsArgs struct {
	Repo pulumi.StringPtrInput
}

// ElementType is what makes helmRepositoryOptsArgs an Input the SDK marshals as helmRepositoryOpts.
func (helmRepositoryOptsArgs) ElementType() reflect.Type {
	return reflect.TypeOf((*helmRepositoryOpts)(nil)).Elem()
}

// newHelmRelease mirrors helm/v3's NewRelease: the chart is required, compat is the constant "true"
// the Release schema declares (every generated SDK sends it), and the options start with the
// Kubernetes SDK's package defaults (its version, so the engine picks the same plugin). NewRelease
// adds no aliases and no additional secret outputs.
func newHelmRelease(
	ctx *pulumi.Context,
	name string,
	args *helmReleaseArgs,
	opts ...pulumi.ResourceOption,
) (*helmRelease, error) {
	if args == nil {
		return nil, errors.New("missing one or more required arguments")
	}
	if args.Chart == nil {
		return nil, errors.New("invalid value for required argument 'Chart'")
	}
	args.Compat = pulumi.StringPtr("true")
	var res helmRelease
	err := ctx.RegisterResource(helmReleaseType, name, args, &res, k8sutil.PkgResourceDefaultOpts(opts)...)
	if err != nil {
		return nil, err
	}
	return &res, nil
}
