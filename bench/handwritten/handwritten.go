// Package handwritten is the benchmark's baseline: the objects SeldonAutoscaledModel declares for
// N models, written out by hand with pulumi-kubernetes, next to the same N models declared with the
// component through its Go SDK.
//
// The hand-written program declares exactly what the component declares — the adapter namespace,
// the rules ConfigMap and one prometheus-adapter Helm release with the component's values, and per
// model a dedicated Server, the Model and the two HPAs, with the same names, specs, dependencies and
// options (ignoreChanges on spec.replicas) — so the two cost the same Kubernetes work and differ
// only in how they are declared. The floor program is the hand-written one with each model's
// objects under one local component, so it registers the component program's resources without its
// provider plugin. The equivalence test and every benchmark run check all three against the API
// server and the stack state.
package handwritten

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"

	apiextensions "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	k8sutil "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"k8s.io/apimachinery/pkg/api/resource"

	sa "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
)

// TargetKey is the stack config key both programs read the per-replica RPS target from (default
// DefaultTarget); the benchmark changes it to update every HPA.
const (
	TargetKey     = "targetRps"
	DefaultTarget = 3.0
)

// The policy and model every benchmark model shares (the guide's irisa0 on a dedicated mlserver).
const (
	seldonAPIVersion = "mlops.seldon.io/v1alpha1"
	storageURI       = "gs://seldon-models/testing/iris1"
	memory           = "3M"
	serverConfig     = "mlserver"
	minReplicas      = 1
	maxReplicas      = 3
	serverReady      = 90
	modelScaleUpLag  = serverReady + 15 // the component's default: serverReadySeconds + one HPA sync period
	headroomPods     = 5
	releaseName      = "hpa-metrics"
	rulesConfigMap   = releaseName + "-seldon-rules"
)

// Params says how many models to declare and where.
type Params struct {
	N                int    // models, at least 1
	Namespace        string // of the Models, Servers and HPAs; must exist
	AdapterNamespace string // of the prometheus-adapter release; created by Helm
	ChartPath        string // a local prometheus-adapter 5.3.0 chart
}

// ModelName is the name of model i (also the Pulumi name of its component).
func ModelName(i int) string { return fmt.Sprintf("model-%03d", i) }

// Resources is how many resources a program registers for n models, besides the stack and the
// default providers: the adapter namespace, rules ConfigMap and release, four objects per model,
// plus one component per model in the component and floor programs (wrapped).
func Resources(n int, wrapped bool) int {
	if wrapped {
		return 3 + 5*n
	}
	return 3 + 4*n
}

func target(ctx *pulumi.Context) float64 {
	if v, err := config.New(ctx, "").TryFloat64(TargetKey); err == nil {
		return v
	}
	return DefaultTarget
}

// ComponentProgram declares p.N SeldonAutoscaledModels: the first installs the adapter (local
// chart, skipAwait: no pods run in the test bed), the others use it (adapter mode none).
func ComponentProgram(p Params) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		tgt := target(ctx)
		for i := 0; i < p.N; i++ {
			name := ModelName(i)
			adapter := &sa.AdapterSpecArgs{Mode: pulumi.StringPtr("none")}
			if i == 0 {
				adapter = &sa.AdapterSpecArgs{
					Mode:            pulumi.StringPtr("install"),
					Namespace:       pulumi.StringPtr(p.AdapterNamespace),
					CreateNamespace: pulumi.BoolPtr(true),
					Chart:           &sa.ChartSpecArgs{Path: pulumi.StringPtr(p.ChartPath)},
					SkipAwait:       pulumi.BoolPtr(true),
				}
			}
			_, err := sa.NewSeldonAutoscaledModel(ctx, name, &sa.SeldonAutoscaledModelArgs{
				Model: &sa.ModelSpecArgs{
					Name:         pulumi.String(name),
					Namespace:    pulumi.StringPtr(p.Namespace),
					StorageUri:   pulumi.String(storageURI),
					Requirements: pulumi.StringArray{pulumi.String("sklearn")},
					Memory:       pulumi.StringPtr(memory),
				},
				Server: &sa.ServerSpecArgs{Dedicated: pulumi.BoolPtr(true), ServerConfig: pulumi.StringPtr(serverConfig)},
				Autoscaling: &sa.AutoscalingSpecArgs{
					MinReplicas:         pulumi.IntPtr(minReplicas),
					MaxReplicas:         pulumi.IntPtr(maxReplicas),
					TargetRpsPerReplica: pulumi.Float64Ptr(tgt),
					ServerReadySeconds:  pulumi.IntPtr(serverReady),
					ScaleUpHeadroomPods: pulumi.IntPtr(headroomPods),
				},
				Adapter: adapter,
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// Program declares by hand what ComponentProgram(p) declares. Resource names are the component's
// child names, so the two stacks can be compared resource by resource.
func Program(p Params) pulumi.RunFunc { return program(p, false) }

// FloorType is the type of the floor program's local components.
const FloorType = "seldon-autoscaling:bench:Floor"

// Floor is the floor program's component: registered in the program's own process, with no
// provider plugin, no inputs and no outputs.
type Floor struct{ pulumi.ResourceState }

// FloorProgram is Program with each model's objects parented by one local component (FloorType,
// named like the model's SeldonAutoscaledModel), as the component parents its children: the
// resources of ComponentProgram but its provider, registered the cheapest way a component can be.
// It is the floor any component can reach on this engine.
func FloorProgram(p Params) pulumi.RunFunc { return program(p, true) }

// program declares the objects of Program, each model's under a Floor when floor is set.
func program(p Params, floor bool) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		// The Kubernetes quantity the HPAs hold, e.g. "3" or "2500m".
		averageValue := resource.NewMilliQuantity(int64(math.Round(target(ctx)*1000)), resource.DecimalSI).String()
		for i := 0; i < p.N; i++ {
			name := ModelName(i)
			var opts []pulumi.ResourceOption
			var comp *Floor
			if floor {
				comp = &Floor{}
				if err := ctx.RegisterComponentResource(FloorType, name, comp); err != nil {
					return err
				}
				opts = append(opts, pulumi.Parent(comp))
			}
			// The model that installs the adapter waits for it; the others do not (as the
			// component in adapter mode none).
			var adapter []pulumi.Resource
			if i == 0 {
				var err error
				if adapter, err = declareAdapter(ctx, name, p, opts...); err != nil {
					return err
				}
			}
			if err := declareModel(ctx, name, p, averageValue, adapter, opts...); err != nil {
				return err
			}
			if comp != nil {
				// As every component does once its children are declared (pulumi-go-provider's
				// infer does it for each SeldonAutoscaledModel, with its outputs).
				if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{}); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// declareAdapter declares the adapter namespace (kept on destroy, as Helm would keep it), the
// rules ConfigMap the chart mounts (forced over out-of-band edits), then the release, restarted
// through a pod annotation when the rules change. It returns what the model's objects wait for.
func declareAdapter(
	ctx *pulumi.Context,
	name string,
	p Params,
	opts ...pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	with := func(o ...pulumi.ResourceOption) []pulumi.ResourceOption { return append(o, opts...) }
	ns, err := corev1.NewNamespace(ctx, name+"-adapter-namespace", &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(p.AdapterNamespace)},
	}, with(pulumi.RetainOnDelete(true))...)
	if err != nil {
		return nil, err
	}
	cm, err := corev1.NewConfigMap(ctx, name+"-adapter-rules", &corev1.ConfigMapArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(rulesConfigMap), Namespace: pulumi.String(p.AdapterNamespace),
			Annotations: pulumi.StringMap{"pulumi.com/patchForce": pulumi.String("true")},
		},
		Data: pulumi.StringMap{"config.yaml": pulumi.String(rulesYAML)},
	}, with(pulumi.DependsOn([]pulumi.Resource{ns}))...)
	if err != nil {
		return nil, err
	}
	rel, err := helmv3.NewRelease(ctx, name+"-adapter", &helmv3.ReleaseArgs{
		Name:      pulumi.String(releaseName),
		Namespace: pulumi.String(p.AdapterNamespace),
		Chart:     pulumi.String(p.ChartPath),
		Values:    adapterValues(),
		SkipAwait: pulumi.Bool(true),
		// As the component: a failed upgrade cleans up, and Helm keeps 10 revisions.
		CleanupOnFail: pulumi.Bool(true),
		MaxHistory:    pulumi.Int(10),
	}, with(pulumi.DependsOn([]pulumi.Resource{ns, cm}))...)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{rel, cm}, nil
}

// declareModel declares a model's dedicated Server, the Model and the two HPAs; adapter is what
// they wait for, so a failed adapter install creates nothing else.
func declareModel(
	ctx *pulumi.Context,
	name string,
	p Params,
	averageValue string,
	adapter []pulumi.Resource,
	opts ...pulumi.ResourceOption,
) error {
	// The HPA owns spec.replicas after the first up.
	with := func(o ...pulumi.ResourceOption) []pulumi.ResourceOption {
		o = append(append([]pulumi.ResourceOption{pulumi.IgnoreChanges([]string{"spec.replicas"})}, o...), opts...)
		return k8sutil.PkgResourceDefaultOpts(o)
	}
	server, err := apiextensions.NewCustomResource(ctx, name+"-server", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String(seldonAPIVersion),
		Kind:       pulumi.String("Server"),
		Metadata:   forced(name+"-server", p.Namespace),
		OtherFields: map[string]any{"spec": map[string]any{
			"serverConfig": serverConfig,
			"replicas":     minReplicas,
		}},
	}, with(pulumi.DependsOn(adapter))...)
	if err != nil {
		return err
	}
	model, err := apiextensions.NewCustomResource(ctx, name+"-model", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String(seldonAPIVersion),
		Kind:       pulumi.String("Model"),
		Metadata:   forced(name, p.Namespace),
		OtherFields: map[string]any{"spec": map[string]any{
			"storageUri":   storageURI,
			"replicas":     minReplicas,
			"server":       name + "-server",
			"requirements": []string{"sklearn"},
			"memory":       memory,
		}},
	}, with(pulumi.DependsOn(append([]pulumi.Resource{server}, adapter...)))...)
	if err != nil {
		return err
	}
	// The HPAs wait for their scale targets and, where this model installs it, the adapter.
	deps := append([]pulumi.Resource{model, server}, adapter...)
	for _, target := range []struct{ kind, name, hpa string }{
		{"Model", name, name + "-model-hpa"},
		{"Server", name + "-server", name + "-server-hpa"},
	} {
		_, err := autoscalingv2.NewHorizontalPodAutoscaler(ctx, target.hpa, &autoscalingv2.HorizontalPodAutoscalerArgs{
			Metadata: forced(target.hpa, p.Namespace),
			Spec:     hpaSpec(target.kind, target.name, name, averageValue),
		}, append([]pulumi.ResourceOption{pulumi.DependsOn(deps)}, opts...)...)
		if err != nil {
			return err
		}
	}
	return nil
}

// hpaSpec scales kind/name on the Model's infer_rps: Pods 5 per 90 s up after a 60 s window,
// Kubernetes' default scale-down. The Model HPA's scale-up window is longer by the lag the
// component derives (serverReady + one 15 s sync period), so its Server's pods start first.
func hpaSpec(kind, name, model, averageValue string) *autoscalingv2.HorizontalPodAutoscalerSpecArgs {
	scaleUpWindow := 60
	if kind == "Model" {
		scaleUpWindow += modelScaleUpLag
	}
	return &autoscalingv2.HorizontalPodAutoscalerSpecArgs{
		ScaleTargetRef: &autoscalingv2.CrossVersionObjectReferenceArgs{
			ApiVersion: pulumi.String(seldonAPIVersion), Kind: pulumi.String(kind), Name: pulumi.String(name),
		},
		MinReplicas: pulumi.Int(minReplicas),
		MaxReplicas: pulumi.Int(maxReplicas),
		Metrics: autoscalingv2.MetricSpecArray{&autoscalingv2.MetricSpecArgs{
			Type: pulumi.String("Object"),
			Object: &autoscalingv2.ObjectMetricSourceArgs{
				DescribedObject: &autoscalingv2.CrossVersionObjectReferenceArgs{
					ApiVersion: pulumi.String(seldonAPIVersion), Kind: pulumi.String("Model"), Name: pulumi.String(model),
				},
				Metric: &autoscalingv2.MetricIdentifierArgs{Name: pulumi.String("infer_rps")},
				Target: &autoscalingv2.MetricTargetArgs{
					Type:         pulumi.String("AverageValue"),
					AverageValue: pulumi.String(averageValue),
				},
			},
		}},
		Behavior: &autoscalingv2.HorizontalPodAutoscalerBehaviorArgs{
			ScaleUp: &autoscalingv2.HPAScalingRulesArgs{
				StabilizationWindowSeconds: pulumi.Int(scaleUpWindow),
				SelectPolicy:               pulumi.String("Max"),
				Policies: autoscalingv2.HPAScalingPolicyArray{&autoscalingv2.HPAScalingPolicyArgs{
					Type: pulumi.String("Pods"), Value: pulumi.Int(headroomPods), PeriodSeconds: pulumi.Int(serverReady),
				}},
			},
			ScaleDown: &autoscalingv2.HPAScalingRulesArgs{
				StabilizationWindowSeconds: pulumi.Int(300),
				SelectPolicy:               pulumi.String("Max"),
				Policies: autoscalingv2.HPAScalingPolicyArray{&autoscalingv2.HPAScalingPolicyArgs{
					Type: pulumi.String("Percent"), Value: pulumi.Int(100), PeriodSeconds: pulumi.Int(15),
				}},
			},
		},
	}
}

// adapterValues are the Helm values of prometheus-adapter: the rules from rulesConfigMap instead of
// the chart's, and their hash on the pod template so a rules change restarts the adapter.
func adapterValues() pulumi.Map {
	sum := sha256.Sum256([]byte(rulesYAML))
	return pulumi.Map{
		"rules":          pulumi.Map{"existing": pulumi.String(rulesConfigMap)},
		"podAnnotations": pulumi.Map{"seldon-autoscaling.pulumi.com/config-hash": pulumi.String(hex.EncodeToString(sum[:]))},
		"prometheus": pulumi.Map{
			"url":  pulumi.String("http://seldon-monitoring-prometheus"),
			"port": pulumi.Int(9090),
			"path": pulumi.String(""),
		},
		"metricsRelistInterval": pulumi.String("1m"),
	}
}

// rulesYAML is the adapter's config.yaml: Seldon's counter served as infer_rps, associated with
// the Model, the Server, the pod and the namespace, as a rate over a 1 minute window.
const rulesYAML = `rules:
  - seriesQuery: '{__name__="seldon_model_infer_total",namespace!=""}'
    resources:
      overrides:
        model:
          group: mlops.seldon.io
          resource: model
        namespace:
          resource: namespace
        pod:
          resource: pod
        server:
          group: mlops.seldon.io
          resource: server
    name:
      matches: seldon_model_infer_total
      as: infer_rps
    metricsQuery: |
      sum by (<<.GroupBy>>) (
        rate (
          <<.Series>>{<<.LabelMatchers>>}[1m]
        )
      )
`

// forced is an object's metadata applied with force, as the component applies its own, so that
// `up --refresh` repairs an out-of-band edit instead of failing on a field-manager conflict.
func forced(name, namespace string) *metav1.ObjectMetaArgs {
	return &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(namespace),
		Annotations: pulumi.StringMap{"pulumi.com/patchForce": pulumi.String("true")}}
}
