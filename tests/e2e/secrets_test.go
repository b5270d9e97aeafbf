package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	sa "github.com/seldon-autoscaling/pulumi-seldon-autoscaling/sdk/go/seldonautoscaling"
)

// TestPrometheusTokenStaysSecret: a bearer token given as a Pulumi secret reaches the adapter
// through a Kubernetes Secret and appears in plain text nowhere in the stack's state or outputs.
func TestPrometheusTokenStaysSecret(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	const token = "e2e-bearer-Zq8v2LmX"
	if _, err := b.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: adapterNS}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	program := func(ctx *pulumi.Context) error {
		m, err := sa.NewSeldonAutoscaledModel(ctx, "irisa0", &sa.SeldonAutoscaledModelArgs{
			Model:       &sa.ModelSpecArgs{Name: pulumi.String(modelName), StorageUri: pulumi.String("gs://seldon-models/testing/iris1")},
			Server:      &sa.ServerSpecArgs{Dedicated: pulumi.BoolPtr(true), ServerConfig: pulumi.StringPtr("mlserver")},
			Autoscaling: &sa.AutoscalingSpecArgs{MaxReplicas: pulumi.IntPtr(3), TargetRpsPerReplica: pulumi.Float64Ptr(3)},
			Adapter: &sa.AdapterSpecArgs{
				Chart:      &sa.ChartSpecArgs{Path: pulumi.StringPtr(b.chartPath)},
				SkipAwait:  pulumi.BoolPtr(true),
				Prometheus: &sa.PrometheusSpecArgs{BearerToken: config.RequireSecret(ctx, "prometheusToken").ToStringPtrOutput()},
			},
		})
		if err != nil {
			return err
		}
		ctx.Export("adapterConfig", m.AdapterConfig)
		ctx.Export("policy", m.Policy)
		return nil
	}
	st := b.goStack(t, "secret", program, nil)
	if err := st.SetConfig(ctx, "prometheusToken", autoConfigSecret(token)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	res, err := st.Up(ctx)
	if err != nil {
		t.Fatalf("up: %v", err)
	}

	secret, err := b.kube.CoreV1().Secrets(adapterNS).Get(ctx, helmRelease+"-prometheus-auth", metav1.GetOptions{})
	if err != nil || string(secret.Data["token"]) != token {
		t.Fatalf("the token Secret is missing or wrong (%v)", err)
	}
	dep, err := b.kube.AppsV1().Deployments(adapterNS).Get(ctx, adapterName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Join(dep.Spec.Template.Spec.Containers[0].Args, " ")
	if !strings.Contains(args, "--prometheus-token-file=/var/run/prometheus-auth/token") {
		t.Errorf("the adapter is not told to read the token: %s", args)
	}

	state, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(state)
	if strings.Contains(string(raw), token) {
		t.Error("the token appears in plain text in the exported stack state")
	}
	outputs, _ := json.Marshal(res.Outputs)
	if strings.Contains(string(outputs), token) || strings.Contains(res.StdOut, token) {
		t.Error("the token appears in the outputs or the update's output")
	}
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if _, err := b.kube.CoreV1().Secrets(adapterNS).Get(ctx, helmRelease+"-prometheus-auth", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the token Secret outlived destroy (%v)", err)
	}
}
