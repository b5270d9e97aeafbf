package hpasim

import (
	"reflect"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// TestWithModelLag: the Model HPA is the Server HPA's spec with a longer scale-up window, and a
// lag of 0 gives both the Server's spec, whatever the config had before.
func TestWithModelLag(t *testing.T) {
	b := Bounds{MinReplicas: 1, MaxReplicas: 10, Target: 3000}
	guide := GuidePolicy(b)
	lagged := func(spec HPASpec, window int, sel string, ps ...policy.ScalingPolicy) HPASpec {
		behavior := *spec.Behavior
		behavior.ScaleUp = rules(window, sel, ps...)
		spec.Behavior = &behavior
		return spec
	}
	withServer := func(c Config, server HPASpec) Config { c.ServerHPA = &server; return c }
	oldModel := Config{HPA: lagged(guide, 999, "", pods(5, 90))} // lagged before, on a Server spec of its own
	for _, tc := range []struct {
		name       string
		in         Config
		lag        int
		wantModel  HPASpec
		wantServer *HPASpec
	}{
		{"guide, 30 s", Config{HPA: guide}, 30, lagged(guide, 90, policy.SelectMax, pods(5, 90)), &guide},
		{"default behavior filled in first", Config{HPA: NoBehaviorPolicy(b)}, 30,
			HPASpec{MinReplicas: 1, MaxReplicas: 10, Target: 3000, Behavior: &Behavior{
				ScaleUp: rules(30, policy.SelectMax, pods(4, 15), percent(100, 15)), ScaleDown: DefaultBehavior().ScaleDown,
			}}, ptr(NoBehaviorPolicy(b))},
		{"capped at Kubernetes' limit", Config{HPA: guide}, 4000,
			lagged(guide, inputs.MaxWindowSeconds, policy.SelectMax, pods(5, 90)), &guide},
		{"set, not added: lags the Server's spec", withServer(oldModel, guide), 30,
			lagged(guide, 90, policy.SelectMax, pods(5, 90)), &guide},
		{"0 leaves a shared spec alone", Config{HPA: guide}, 0, guide, nil},
		{"0 gives both the Server's spec", withServer(oldModel, guide), 0, guide, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := WithModelLag(tc.in, tc.lag)
			if !reflect.DeepEqual(got.HPA, tc.wantModel) {
				t.Errorf("model %+v %+v, want %+v %+v", got.HPA, got.HPA.Behavior, tc.wantModel, tc.wantModel.Behavior)
			}
			if !reflect.DeepEqual(got.ServerHPA, tc.wantServer) {
				t.Errorf("server %+v, want %+v", got.ServerHPA, tc.wantServer)
			}
		})
	}
}
