package e2e

import (
	"context"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/component"
)

// BenchmarkExistingObjectCheck is what the check for existing objects adds to each component's
// preview and update: reading each object the guide's example would create (Model, Server, two
// HPAs, the rules ConfigMap, the Helm release records, the APIService) from the real API server of
// the test bed, through the client the components of a stack share. `make bench` reports it.
func BenchmarkExistingObjectCheck(b *testing.B) {
	if bed == nil || skipReason != "" {
		b.Skip(skipReason)
	}
	d, err := component.Resolve(guideArgs())
	if err != nil {
		b.Fatal(err)
	}
	objs := d.Objects()
	cpu0 := bed.cluster.CPUSeconds()
	for b.Loop() {
		client, err := component.ClusterClient(map[string]string{"kubeconfig": bed.cluster.Kubeconfig})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := component.Observe(context.Background(), client, objs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(objs)), "objects/op")
	// What the reads cost the API server and etcd, per component (their CPU includes their
	// background work during the benchmark).
	b.ReportMetric((bed.cluster.CPUSeconds()-cpu0)*1000/float64(b.N), "control-plane-ms/op")
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
