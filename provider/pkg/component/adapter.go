package component

import (
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/existing"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

// MetricsAdapterType names SeldonMetricsAdapter in its token and its refusals.
const MetricsAdapterType = resolve.MetricsAdapterType

// AdapterToken is the type token of SeldonMetricsAdapter.
const AdapterToken = PackageName + ":index:" + MetricsAdapterType

// MetricsAdapterArgs are SeldonMetricsAdapter's inputs: the `adapter` block of
// SeldonAutoscaledModel, at the top level.
type MetricsAdapterArgs AdapterSpec

func (a *MetricsAdapterArgs) Annotate(an infer.Annotator) { (*AdapterSpec)(a).describe(an) }

// SeldonMetricsAdapter is prometheus-adapter serving Seldon's infer_rps on its own, for several
// SeldonAutoscaledModels (adapter mode `none`) to share: adding or removing a model never touches it.
type SeldonMetricsAdapter struct {
	pulumi.ResourceState

	ReleaseName pulumi.StringOutput      `pulumi:"releaseName"`
	Namespace   pulumi.StringOutput      `pulumi:"namespace"`
	ConfigMap   pulumi.StringOutput      `pulumi:"configMap"`
	Deployment  pulumi.StringOutput      `pulumi:"deployment"`
	Config      pulumi.StringOutput      `pulumi:"config"`
	MetricName  pulumi.StringOutput      `pulumi:"metricName"`
	Derivations pulumi.StringArrayOutput `pulumi:"derivations"`
}

func (c *SeldonMetricsAdapter) Annotate(an infer.Annotator) {
	an.SetToken("index", MetricsAdapterType)
	an.Describe(c, "prometheus-adapter configured to serve Seldon's `seldon_model_infer_total` as a custom metric "+
		"(`infer_rps`), declared once and shared by every SeldonAutoscaledModel that sets `adapter.mode: none`. "+
		"Removing any of those models leaves it serving the others. Its inputs are SeldonAutoscaledModel's `adapter` "+
		"block; mode is `install` or `adopt`.")
	an.Describe(&c.ReleaseName, "The prometheus-adapter Helm release name.")
	an.Describe(&c.Namespace, "The prometheus-adapter namespace.")
	an.Describe(&c.ConfigMap, "The ConfigMap holding the adapter's rules.")
	an.Describe(&c.Deployment, "The adapter's Deployment.")
	an.Describe(&c.Config, "The adapter's rules (config.yaml) as rendered.")
	an.Describe(&c.MetricName, "The custom metric the rule exposes: the models' autoscaling.metricName.")
	an.Describe(&c.Derivations, "Each value chosen because it was not set, with the reason.")
}

// NewSeldonMetricsAdapter declares the adapter exactly as SeldonAutoscaledModel does in the same
// mode; nothing is registered when validation fails.
func NewSeldonMetricsAdapter(
	ctx *pulumi.Context,
	name string,
	args MetricsAdapterArgs,
	opts ...pulumi.ResourceOption,
) (*SeldonMetricsAdapter, error) {
	a, metric, derived, err := resolve.ResolveMetricsAdapter(AdapterSpec(args).plain())
	if err != nil {
		return nil, err
	}
	a.Owner = ownerOf(ctx, MetricsAdapterType, name)
	if _, err := existing.Check(ctx, MetricsAdapterType, a.Owner, false, a.Objects(), &a); err != nil {
		return nil, err
	}
	comp := &SeldonMetricsAdapter{}
	if err := ctx.RegisterComponentResource(AdapterToken, name, comp, opts...); err != nil {
		return nil, err
	}
	spec := AdapterSpec(args)
	if _, err := declareAdapter(ctx, name, a, credentialsOf(&spec), pulumi.Parent(comp)); err != nil {
		return nil, err
	}
	comp.ReleaseName = pulumi.String(a.ReleaseName).ToStringOutput()
	comp.Namespace = pulumi.String(a.Namespace).ToStringOutput()
	comp.ConfigMap = pulumi.String(a.ConfigMapName).ToStringOutput()
	comp.Deployment = pulumi.String(a.DeploymentName).ToStringOutput()
	comp.Config = pulumi.String(a.ConfigYAML).ToStringOutput()
	comp.MetricName = pulumi.String(metric).ToStringOutput()
	out := make([]string, len(derived))
	for i, d := range derived {
		out[i] = d.String()
	}
	comp.Derivations = pulumi.ToStringArray(out).ToStringArrayOutput()
	return comp, nil
}
