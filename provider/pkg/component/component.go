// Package component is the SeldonAutoscaledModel component resource: its inputs and outputs, and
// a short Construct that declares the child resources Resolve decided on.
package component

import (
	"errors"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	apiextensions "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	k8sutil "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumix"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/existing"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/promauth"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

// ModelType names SeldonAutoscaledModel in its token and its refusals.
const ModelType = resolve.ModelType

// Token is the component's type token; set explicitly because infer would otherwise derive the
// module from the Go package path.
const Token = PackageName + ":index:" + ModelType

// SeldonAutoscaledModel is a Seldon Model, its Server and the two HPAs that scale them together on
// inference RPS, with prometheus-adapter configured to serve that metric.
type SeldonAutoscaledModel struct {
	pulumi.ResourceState

	ModelName         pulumi.StringOutput             `pulumi:"modelName"`
	Namespace         pulumi.StringOutput             `pulumi:"namespace"`
	ServerName        pulumi.StringOutput             `pulumi:"serverName"`
	ModelHpaName      pulumi.StringOutput             `pulumi:"modelHpaName"`
	ServerHpaName     pulumi.StringOutput             `pulumi:"serverHpaName"`
	Policy            pulumix.Output[EffectivePolicy] `pulumi:"policy"`
	Derivations       pulumi.StringArrayOutput        `pulumi:"derivations"`
	PromQL            pulumi.StringOutput             `pulumi:"promql"`
	CustomMetricsPath pulumi.StringOutput             `pulumi:"customMetricsPath"`
	// Adapter is what a user checks the adapter with, not its config.yaml: that is the adapter's
	// ConfigMap's (a child), and repeating it here would put it in the state once per model.
	Adapter pulumix.Output[ManagedAdapter] `pulumi:"adapter"`
}

func (c *SeldonAutoscaledModel) Annotate(an infer.Annotator) {
	an.SetToken("index", ModelType)
	an.Describe(c, "A Seldon Core 2 Model autoscaled on inference requests per second, as in Seldon's "+
		"\"HPA autoscaling in single-model serving\" guide: prometheus-adapter serving the `infer_rps` custom "+
		"metric, the Model (and optionally its dedicated Server), and one HPA each for the Model and the Server built "+
		"from one shared, guarded policy.")
	an.Describe(&c.ModelName, "Name of the Model CR.")
	an.Describe(&c.Namespace, "Namespace of the Model, the Server and both HPAs.")
	an.Describe(&c.ServerName, "Name of the Server the Model runs on and the Server HPA scales.")
	an.Describe(&c.ModelHpaName, "Name of the HPA scaling the Model.")
	an.Describe(&c.ServerHpaName, "Name of the HPA scaling the Server.")
	an.Describe(&c.Policy, "The effective policy both HPAs share, after defaults and derivations.")
	an.Describe(&c.Derivations, "Each value the component chose because it was not set, with the reason; then, prefixed "+
		"`warning:`, each load from the sizing inputs the effective policy cannot follow (also logged as warnings).")
	an.Describe(&c.PromQL, "The PromQL the adapter runs for this Model: paste it into Prometheus to check the "+
		"metric before trusting the HPAs.")
	an.Describe(&c.CustomMetricsPath, "The custom metrics API path of this Model's metric, for `kubectl get --raw`.")
	an.Describe(&c.Adapter, "The prometheus-adapter this component manages (adapter modes install and adopt): its "+
		"release, namespace, rules ConfigMap, Deployment and the hash of its rules. In mode none only the mode: the "+
		"adapter is another resource's, e.g. a SeldonMetricsAdapter's, whose outputs describe it.")
}

// ManagedAdapter names the adapter a SeldonAutoscaledModel manages. Its rules (config.yaml) are
// not repeated here: they are in the ConfigMap, and configHash says which rules the adapter runs.
type ManagedAdapter struct {
	Mode        string  `pulumi:"mode"`
	ReleaseName *string `pulumi:"releaseName,optional"`
	Namespace   *string `pulumi:"namespace,optional"`
	ConfigMap   *string `pulumi:"configMap,optional"`
	Deployment  *string `pulumi:"deployment,optional"`
	ConfigHash  *string `pulumi:"configHash,optional"`
}

func (m *ManagedAdapter) Annotate(an infer.Annotator) {
	an.SetToken("index", "ManagedAdapter")
	an.Describe(&m.Mode, "The adapter mode: `install`, `adopt` or `none` (no other field is set then).")
	an.Describe(&m.ReleaseName, "The prometheus-adapter Helm release name.")
	an.Describe(&m.Namespace, "The prometheus-adapter namespace.")
	an.Describe(&m.ConfigMap, "The ConfigMap holding the adapter's rules (config.yaml): read them with "+
		"`kubectl get configmap -n <namespace> <configMap> -o jsonpath='{.data.config\\.yaml}'`.")
	an.Describe(&m.Deployment, "The adapter's Deployment.")
	an.Describe(&m.ConfigHash, "SHA-256 of the rules config.yaml, as the Deployment's pod-template annotation "+
		"`"+resolve.ConfigHashAnnotation+"` holds it: when the running pods carry this value, they were started "+
		"with these rules.")
}

// EffectivePolicy is the policy applied to both HPAs.
type EffectivePolicy struct {
	MinReplicas         int               `pulumi:"minReplicas"`
	MaxReplicas         int               `pulumi:"maxReplicas"`
	TargetType          string            `pulumi:"targetType"`
	TargetAverageValue  string            `pulumi:"targetAverageValue"`
	MetricName          string            `pulumi:"metricName"`
	MetricSelector      map[string]string `pulumi:"metricSelector,optional"`
	ServerReadySeconds  int               `pulumi:"serverReadySeconds"`
	ScaleUpHeadroomPods int               `pulumi:"scaleUpHeadroomPods"`
	ScaleUp             ScalingRules      `pulumi:"scaleUp"`
	ScaleDown           ScalingRules      `pulumi:"scaleDown"`
	// ModelScaleUpLagSeconds is the one difference between the two HPAs.
	ModelScaleUpLagSeconds int `pulumi:"modelScaleUpLagSeconds"`
}

func (e *EffectivePolicy) Annotate(an infer.Annotator) {
	an.SetToken("index", "EffectivePolicy")
	an.Describe(&e.MinReplicas, "minReplicas of both HPAs.")
	an.Describe(&e.MaxReplicas, "maxReplicas of both HPAs.")
	an.Describe(&e.TargetType, "Always AverageValue.")
	an.Describe(&e.TargetAverageValue, "The per-replica RPS target, as the Kubernetes quantity the HPAs hold.")
	an.Describe(&e.MetricName, "The custom metric both HPAs read.")
	an.Describe(&e.MetricSelector, "Label matches narrowing the metric.")
	an.Describe(&e.ServerReadySeconds, "Seconds a new Server replica is assumed to need to become ready.")
	an.Describe(&e.ScaleUpHeadroomPods, "Server pods the cluster is assumed to start at once.")
	an.Describe(&e.ScaleUp, "Scale-up behavior of both HPAs; the Model HPA's window is longer by modelScaleUpLagSeconds.")
	an.Describe(&e.ScaleDown, "Scale-down behavior of both HPAs.")
	an.Describe(&e.ModelScaleUpLagSeconds, "Seconds the Model HPA's scale-up stabilization window is longer than the "+
		"Server HPA's (scaleUp.stabilizationWindowSeconds); 0 when both HPAs are identical.")
}

// NewSeldonAutoscaledModel validates args, then declares the adapter, the Server, the Model and
// the two HPAs. Nothing is registered when validation fails.
func NewSeldonAutoscaledModel(
	ctx *pulumi.Context,
	name string,
	args Args,
	opts ...pulumi.ResourceOption,
) (*SeldonAutoscaledModel, error) {
	d, err := resolve.Resolve(args.plain())
	if err != nil {
		return nil, err
	}
	d.Owner = ownerOf(ctx, ModelType, name)
	d.Adapter.Owner = d.Owner
	takeOver := args.TakeOverExisting != nil && *args.TakeOverExisting
	if d.Replicas, err = existing.Check(ctx, ModelType, d.Owner, takeOver, d.Objects(), &d.Adapter); err != nil {
		return nil, err
	}
	d.KeepReplicas()
	comp := &SeldonAutoscaledModel{}
	if err := ctx.RegisterComponentResource(Token, name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)

	adapter, err := declareAdapter(ctx, name, d.Adapter, credentialsOf(args.Adapter), parent)
	if err != nil {
		return nil, err
	}
	// Seldon objects wait for the adapter: if its install fails (say another custom metrics
	// provider owns the APIService), nothing else is created.
	modelDeps := adapter
	if d.Server != nil {
		server, err := declareSeldonObject(ctx, name+"-server", *d.Server, d.Owner, parent, pulumi.DependsOn(adapter))
		if err != nil {
			return nil, err
		}
		modelDeps = append(append([]pulumi.Resource{}, adapter...), server)
	}
	model, err := declareSeldonObject(ctx, name+"-model", d.Model, d.Owner, parent, pulumi.DependsOn(modelDeps))
	if err != nil {
		return nil, err
	}
	// The HPAs come after everything they read: the scale targets and the metric's adapter.
	hpaDeps := pulumi.DependsOn(append([]pulumi.Resource{model}, modelDeps...))
	_, err = declareHPA(ctx, name+"-model-hpa", d, d.ModelHPAName, "Model", d.Model.Name, parent, hpaDeps)
	if err != nil {
		return nil, err
	}
	_, err = declareHPA(ctx, name+"-server-hpa", d, d.ServerHPAName, "Server", d.ServerName, parent, hpaDeps)
	if err != nil {
		return nil, err
	}

	comp.setOutputs(ctx, d)
	return comp, nil
}

// ownerOf names a component in the OwnerAnnotation of the objects it creates.
func ownerOf(ctx *pulumi.Context, typ, name string) string {
	return ctx.Project() + "/" + ctx.Stack() + "/" + typ + "/" + name
}

// ownedMeta is the metadata of an object the component creates: marked as its own, and applied
// with force, since the cluster check proved it ours (or the user asked to take it over), so that
// `up --refresh` repairs an out-of-band edit instead of failing on a field-manager conflict.
func ownedMeta(name, namespace, owner string, labels, annotations map[string]string) *metav1.ObjectMetaArgs {
	notes := pulumi.StringMap{}
	for k, v := range annotations {
		notes[k] = pulumi.String(v)
	}
	notes[ownership.OwnerAnnotation] = pulumi.String(owner)
	notes["pulumi.com/patchForce"] = pulumi.String("true")
	meta := &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(namespace), Annotations: notes}
	// An empty map would read back as absent and show a diff on every update.
	if len(labels) > 0 {
		meta.Labels = pulumi.ToStringMap(labels)
	}
	return meta
}

// setOutputs reports what was declared and why; each planner warning is also logged.
func (comp *SeldonAutoscaledModel) setOutputs(ctx *pulumi.Context, d *resolve.Desired) {
	comp.ModelName = pulumi.String(d.Model.Name).ToStringOutput()
	comp.Namespace = pulumi.String(d.Model.Namespace).ToStringOutput()
	comp.ServerName = pulumi.String(d.ServerName).ToStringOutput()
	comp.ModelHpaName = pulumi.String(d.ModelHPAName).ToStringOutput()
	comp.ServerHpaName = pulumi.String(d.ServerHPAName).ToStringOutput()
	comp.Policy = pulumix.Val(effectivePolicy(d))
	derivations := make([]string, len(d.Derivations))
	for i, dv := range d.Derivations {
		derivations[i] = dv.String()
		if dv.Warning {
			_ = ctx.Log.Warn(dv.Reason, &pulumi.LogArgs{Resource: comp})
		}
	}
	comp.Derivations = pulumi.ToStringArray(derivations).ToStringArrayOutput()
	comp.PromQL = pulumi.String(d.PromQL).ToStringOutput()
	comp.CustomMetricsPath = pulumi.String(d.MetricPath).ToStringOutput()
	comp.Adapter = pulumix.Val(managedAdapter(d.Adapter))
}

// managedAdapter is the adapter output: names only when the component manages the adapter.
func managedAdapter(a resolve.DesiredAdapter) ManagedAdapter {
	if a.Mode == resolve.ModeNone {
		return ManagedAdapter{Mode: a.Mode}
	}
	return ManagedAdapter{
		Mode: a.Mode, ReleaseName: &a.ReleaseName, Namespace: &a.Namespace, ConfigMap: &a.ConfigMapName,
		Deployment: &a.DeploymentName, ConfigHash: &a.ConfigHash,
	}
}

// declareAdapter returns the resources the Seldon objects and HPAs must wait for (none in mode none).
func declareAdapter(
	ctx *pulumi.Context,
	name string,
	a resolve.DesiredAdapter,
	creds promCredentials,
	opts ...pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	switch a.Mode {
	case resolve.ModeInstall:
		return declareInstalledAdapter(ctx, name, a, creds, opts...)
	case resolve.ModeAdopt:
		return declareAdoptedAdapter(ctx, name, a, opts...)
	default:
		return nil, nil
	}
}

// declareInstalledAdapter: the namespace if asked for, the rules ConfigMap, the credentials
// Secret if any, then the Helm release that mounts them.
func declareInstalledAdapter(
	ctx *pulumi.Context,
	name string,
	a resolve.DesiredAdapter,
	creds promCredentials,
	opts ...pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	deps, err := declareAdapterNamespace(ctx, name, a, opts...)
	if err != nil {
		return nil, err
	}
	inNamespace := append(
		append([]pulumi.ResourceOption{}, opts...),
		pulumi.DependsOn(append([]pulumi.Resource{}, deps...)),
	)
	// The rules are the stack's own ConfigMap, forced over any out-of-band edit, so that
	// `pulumi up --refresh` repairs drift (Helm would not see it).
	cm, err := corev1.NewConfigMap(ctx, name+"-adapter-rules", &corev1.ConfigMapArgs{
		Metadata: ownedMeta(a.ConfigMapName, a.Namespace, a.Owner, nil, nil),
		Data:     pulumi.StringMap{"config.yaml": pulumi.String(a.ConfigYAML)},
	}, inNamespace...)
	if err != nil {
		return nil, err
	}
	deps = append(deps, cm)
	values := pulumi.ToMap(a.ValuesWithAuth("")).ToMapOutput()
	if a.Auth.Any() {
		secret, err := declareAuthSecret(ctx, name, a, creds, inNamespace...)
		if err != nil {
			return nil, err
		}
		deps = append(deps, secret)
		values = secret.Metadata.Name().ApplyT(func(n *string) (map[string]any, error) {
			if n == nil || *n == "" {
				return nil, errors.New("the Prometheus auth Secret has no name: the Kubernetes provider did not auto-name it")
			}
			return a.ValuesWithAuth(*n), nil
		}).(pulumi.MapOutput)
	}
	afterDeps := append(append([]pulumi.ResourceOption{}, opts...), pulumi.DependsOn(deps))
	rel, err := newHelmRelease(ctx, name+"-adapter", releaseArgs(a, values), afterDeps...)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{rel, cm}, nil
}

// releaseArgs is the adapter's Helm release. A failed install or upgrade must leave nothing the
// next up has to repair: atomic rolls it back (when Helm waits, see helmWait), cleanupOnFail
// deletes what a failed upgrade created, and maxHistory bounds the records that failed upgrades
// and their rollbacks add.
func releaseArgs(a resolve.DesiredAdapter, values pulumi.MapOutput) *helmReleaseArgs {
	args := &helmReleaseArgs{
		Name:          pulumi.String(a.ReleaseName),
		Namespace:     pulumi.String(a.Namespace),
		Chart:         pulumi.String(a.Chart),
		Values:        values,
		SkipAwait:     pulumi.Bool(a.SkipAwait),
		Atomic:        pulumi.Bool(a.Atomic),
		CleanupOnFail: pulumi.Bool(true),
		MaxHistory:    pulumi.Int(resolve.HelmMaxHistory),
	}
	// Left unset with skipAwait, as pulumi-kubernetes does: Helm waits for nothing then.
	if a.HelmTimeoutSeconds > 0 {
		args.Timeout = pulumi.Int(a.HelmTimeoutSeconds)
	}
	if a.ChartRepo != "" {
		args.RepositoryOpts = &helmRepositoryOptsArgs{Repo: pulumi.String(a.ChartRepo)}
		args.Version = pulumi.String(a.ChartVersion)
	}
	return args
}

// declareAdapterNamespace declares the adapter's namespace when asked to. Declared here, not left
// to Helm, because the rules ConfigMap and the auth Secret live in it and come before the
// release. Kept on destroy, as Helm keeps a namespace it created: deleting a namespace deletes
// everything others have put in it since.
func declareAdapterNamespace(
	ctx *pulumi.Context,
	name string,
	a resolve.DesiredAdapter,
	opts ...pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	if !a.CreateNamespace {
		return nil, nil
	}
	ns, err := corev1.NewNamespace(ctx, name+"-adapter-namespace", &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(a.Namespace)},
	}, append(append([]pulumi.ResourceOption{}, opts...), pulumi.RetainOnDelete(true))...)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{ns}, nil
}

// declareAdoptedAdapter patches an adapter someone else installed: its rules and a restart.
func declareAdoptedAdapter(
	ctx *pulumi.Context,
	name string,
	a resolve.DesiredAdapter,
	opts ...pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	// The adopted adapter stays as configured on destroy: deleting the patches would remove
	// config.yaml from its ConfigMap, and the adapter would fail at its next start.
	opts = append(append([]pulumi.ResourceOption{}, opts...), pulumi.RetainOnDelete(true))
	// The adopted ConfigMap is owned by whoever installed it: its config.yaml, with the Seldon rule
	// merged in (ownership.AdoptRules), is forced over theirs.
	notes := pulumi.StringMap{"pulumi.com/patchForce": pulumi.String("true")}
	if a.RuleClaim != "" {
		notes[a.RuleClaim] = pulumi.String(a.Owner)
	}
	cm, err := corev1.NewConfigMapPatch(ctx, name+"-adapter-config", &corev1.ConfigMapPatchArgs{
		Metadata: &metav1.ObjectMetaPatchArgs{
			Name: pulumi.String(a.ConfigMapName), Namespace: pulumi.String(a.Namespace), Annotations: notes,
		},
		Data: pulumi.StringMap{"config.yaml": pulumi.String(a.ConfigYAML)},
	}, opts...)
	if err != nil {
		return nil, err
	}
	// A pod-template annotation holding the config's hash restarts the adapter exactly when
	// the rules change, as the install mode's podAnnotations do.
	annotations := pulumi.StringMap{}
	if a.SkipAwait {
		annotations["pulumi.com/skipAwait"] = pulumi.String("true")
	}
	dep, err := appsv1.NewDeploymentPatch(ctx, name+"-adapter-restart", &appsv1.DeploymentPatchArgs{
		Metadata: &metav1.ObjectMetaPatchArgs{
			Name: pulumi.String(a.DeploymentName), Namespace: pulumi.String(a.Namespace), Annotations: annotations,
		},
		Spec: &appsv1.DeploymentSpecPatchArgs{Template: &corev1.PodTemplateSpecPatchArgs{
			Metadata: &metav1.ObjectMetaPatchArgs{
				Annotations: pulumi.StringMap{resolve.ConfigHashAnnotation: pulumi.String(a.ConfigHash)},
			},
		}},
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{cm}))...)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{cm, dep}, nil
}

// promCredentials are the credential inputs, each nil when unset. They stay Pulumi Inputs: they
// may be secrets, and secrets must not pass through plain values.
type promCredentials struct {
	token, username, password, caCertificate, clientCertificate, clientKey pulumi.StringInput
}

func credentialsOf(ad *AdapterSpec) promCredentials {
	var c promCredentials
	if ad == nil || ad.Prometheus == nil {
		return c
	}
	c.token = ad.Prometheus.BearerToken
	if b := ad.Prometheus.BasicAuth; b != nil {
		c.username, c.password = b.Username, b.Password
	}
	if t := ad.Prometheus.TLS; t != nil {
		c.caCertificate, c.clientCertificate, c.clientKey = t.CACertificate, t.ClientCertificate, t.ClientKey
	}
	return c
}

// declareAuthSecret stores the Prometheus credentials in the one Secret the adapter mounts. It
// is auto-named: credentials change → a new Secret (pulumi-kubernetes replaces Secrets on data
// changes) → a new name in the pod template → the adapter restarts and reads them.
func declareAuthSecret(
	ctx *pulumi.Context,
	name string,
	a resolve.DesiredAdapter,
	c promCredentials,
	opts ...pulumi.ResourceOption,
) (*corev1.Secret, error) {
	data := pulumi.StringMap{}
	if a.Auth.Token {
		data[resolve.AuthTokenKey] = pulumi.ToSecret(c.token.ToStringOutput()).(pulumi.StringOutput)
	}
	if a.Auth.Kubeconfig {
		str := func(in pulumi.StringInput) pulumi.StringOutput {
			if in == nil {
				return pulumi.String("").ToStringOutput()
			}
			return in.ToStringOutput()
		}
		// Checked and rendered once the values are known: a bad PEM fails here, before the
		// Secret, and therefore before the adapter and everything after it.
		credentials := []any{
			str(c.username), str(c.password), str(c.caCertificate), str(c.clientCertificate), str(c.clientKey),
		}
		kubeconfig := pulumi.All(credentials...).
			ApplyT(func(v []any) (string, error) {
				kubeconfig, err := promauth.Kubeconfig(promauth.Credentials{Server: a.PrometheusServer,
					Username: v[0].(string), Password: v[1].(string), CACertificate: v[2].(string),
					ClientCertificate: v[3].(string), ClientKey: v[4].(string)})
				return kubeconfig, a.Inputs.Refuse(err)
			}).(pulumi.StringOutput)
		data[resolve.AuthKubeconfigKey] = pulumi.ToSecret(kubeconfig).(pulumi.StringOutput)
	}
	return corev1.NewSecret(ctx, name+"-prometheus-auth", &corev1.SecretArgs{
		Metadata:   &metav1.ObjectMetaArgs{Namespace: pulumi.String(a.Namespace)},
		StringData: data,
	}, opts...)
}

// declareSeldonObject declares a Model or Server. The HPA owns spec.replicas once it exists, so
// later updates leave it out of the applied patch instead of resetting or conflicting with it.
// apiextensions.NewCustomResource, unlike the typed resources, does not add the SDK's plugin
// version: without PkgResourceDefaultOpts the engine would give the Model a default provider of
// whichever kubernetes plugin is newest, apart from its HPAs'.
func declareSeldonObject(
	ctx *pulumi.Context,
	name string,
	o resolve.SeldonResource,
	owner string,
	opts ...pulumi.ResourceOption,
) (*apiextensions.CustomResource, error) {
	meta := ownedMeta(o.Name, o.Namespace, owner, o.Labels, o.Annotations)
	return apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String(resolve.SeldonAPIVersion),
		Kind:        pulumi.String(o.Kind),
		Metadata:    meta,
		OtherFields: kubernetes.UntypedArgs{"spec": o.Spec},
	}, k8sutil.PkgResourceDefaultOpts(append(opts, pulumi.IgnoreChanges([]string{"spec.replicas"})))...)
}

// declareHPA declares one of the two HPAs. Both come from hpaSpec, so they differ only in the
// object they scale and the Model's lagged scale-up window.
func declareHPA(
	ctx *pulumi.Context,
	name string,
	d *resolve.Desired,
	hpaName, kind, target string,
	opts ...pulumi.ResourceOption,
) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	return autoscalingv2.NewHorizontalPodAutoscaler(ctx, name, &autoscalingv2.HorizontalPodAutoscalerArgs{
		Metadata: ownedMeta(hpaName, d.Model.Namespace, d.Owner, nil, nil),
		Spec:     hpaSpec(d, kind, target),
	}, opts...)
}

func hpaSpec(d *resolve.Desired, kind, target string) *autoscalingv2.HorizontalPodAutoscalerSpecArgs {
	p := d.Policy
	// The pair differs only in the Model HPA waiting modelScaleUpLagSeconds longer before scaling
	// up, so the Server HPA starts the pods its new replicas need first.
	hpas := p.HPAs()
	behavior := hpas.Server
	if kind == "Model" {
		behavior = hpas.Model
	}
	metric := &autoscalingv2.MetricIdentifierArgs{Name: pulumi.String(d.MetricName)}
	if len(d.Selector) > 0 {
		metric.Selector = &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(d.Selector)}
	}
	return &autoscalingv2.HorizontalPodAutoscalerSpecArgs{
		ScaleTargetRef: &autoscalingv2.CrossVersionObjectReferenceArgs{
			ApiVersion: pulumi.String(resolve.SeldonAPIVersion), Kind: pulumi.String(kind), Name: pulumi.String(target),
		},
		MinReplicas: pulumi.Int(p.MinReplicas),
		MaxReplicas: pulumi.Int(p.MaxReplicas),
		Metrics: autoscalingv2.MetricSpecArray{&autoscalingv2.MetricSpecArgs{
			Type: pulumi.String("Object"),
			Object: &autoscalingv2.ObjectMetricSourceArgs{
				// Both HPAs read the Model's metric: the Server's replicas follow the Model's load.
				DescribedObject: &autoscalingv2.CrossVersionObjectReferenceArgs{
					ApiVersion: pulumi.String(resolve.SeldonAPIVersion), Kind: pulumi.String("Model"),
					Name: pulumi.String(d.Model.Name),
				},
				Metric: metric,
				Target: &autoscalingv2.MetricTargetArgs{
					Type: pulumi.String(policy.TargetTypeAverageValue), AverageValue: pulumi.String(p.Target.String()),
				},
			},
		}},
		Behavior: &autoscalingv2.HorizontalPodAutoscalerBehaviorArgs{
			ScaleUp: scalingRules(behavior.ScaleUp), ScaleDown: scalingRules(behavior.ScaleDown),
		},
	}
}

func scalingRules(r policy.Rules) *autoscalingv2.HPAScalingRulesArgs {
	policies := autoscalingv2.HPAScalingPolicyArray{}
	for _, p := range r.Policies {
		policies = append(policies, &autoscalingv2.HPAScalingPolicyArgs{
			Type: pulumi.String(p.Type), Value: pulumi.Int(p.Value), PeriodSeconds: pulumi.Int(p.PeriodSeconds),
		})
	}
	return &autoscalingv2.HPAScalingRulesArgs{
		StabilizationWindowSeconds: pulumi.IntPtrFromPtr(r.StabilizationWindowSeconds),
		SelectPolicy:               pulumi.String(r.SelectPolicy),
		Policies:                   policies,
	}
}

func effectivePolicy(d *resolve.Desired) EffectivePolicy {
	p := d.Policy
	rules := func(r policy.Rules) ScalingRules {
		out := ScalingRules{StabilizationWindowSeconds: r.StabilizationWindowSeconds, SelectPolicy: &r.SelectPolicy}
		for _, pol := range r.Policies {
			out.Policies = append(
				out.Policies,
				ScalingPolicy{Type: pol.Type, Value: pol.Value, PeriodSeconds: pol.PeriodSeconds},
			)
		}
		return out
	}
	return EffectivePolicy{
		MinReplicas: p.MinReplicas, MaxReplicas: p.MaxReplicas,
		TargetType: policy.TargetTypeAverageValue, TargetAverageValue: p.Target.String(),
		MetricName: d.MetricName, MetricSelector: d.Selector,
		ServerReadySeconds: p.ServerReadySeconds, ScaleUpHeadroomPods: p.ScaleUpHeadroomPods,
		ScaleUp: rules(p.ScaleUp), ScaleDown: rules(p.ScaleDown), ModelScaleUpLagSeconds: p.ModelScaleUpLagSeconds,
	}
}
