package e2e

import (
	"context"
	"testing"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/component"
)

// BenchmarkExistingObjectCheck is what the check for existing objects adds to each component's
// preview and update: loading the kubeconfig, and reading each object the guide's example would
// create (Model, Server, two HPAs, the rules ConfigMap, the Helm release records, the APIService)
// from the real API server of the test bed. `make bench` reports it.
func BenchmarkExistingObjectCheck(b *testing.B) {
	if bed == nil || skipReason != "" {
		b.Skip(skipReason)
	}
	d, err := component.Resolve(guideArgs())
	if err != nil {
		b.Fatal(err)
	}
	objs := d.Objects()
	for b.Loop() {
		cfg, err := clientcmd.BuildConfigFromFlags("", bed.cluster.Kubeconfig)
		if err != nil {
			b.Fatal(err)
		}
		client, err := dynamic.NewForConfig(cfg)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := component.Observe(context.Background(), client, objs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(objs)), "objects/op")
}

// guideArgs is the Go example's component: irisa0 on a dedicated Server, adapter installed.
func guideArgs() component.Args {
	dedicated, config, maxReplicas, target := true, "mlserver", 3, 3.0
	return component.Args{
		Model:       component.ModelSpec{Name: modelName, StorageURI: "gs://seldon-models/testing/iris1"},
		Server:      &component.ServerSpec{Dedicated: &dedicated, ServerConfig: &config},
		Autoscaling: component.AutoscalingSpec{MaxReplicas: &maxReplicas, TargetRpsPerReplica: &target},
	}
}
