package policy

import (
	"reflect"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
)

// TestValidateRules: what the API server refuses, each named under the caller's field; what it
// accepts (its own defaults, an unset selectPolicy, the limits themselves) passes.
func TestValidateRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Rules
		want []string
	}{
		{"scale-up default", DefaultScaleUpRules(), nil},
		{"scale-down default", DefaultScaleDownRules(), nil},
		{"at the limits, select unset", Rules{StabilizationWindowSeconds: ptr(inputs.MaxWindowSeconds),
			Policies: []ScalingPolicy{{PolicyPods, 1, inputs.MaxPeriodSeconds}}}, nil},
		{"policy values and periods at their limits", Rules{Policies: []ScalingPolicy{
			{PolicyPods, inputs.MaxReplicasBound, 1}, {PolicyPercent, inputs.MaxPercentValue, inputs.MaxPeriodSeconds}}}, nil},
		{"window", Rules{StabilizationWindowSeconds: ptr(inputs.MaxWindowSeconds + 1)},
			[]string{"b.stabilizationWindowSeconds"}},
		{"negative window", Rules{StabilizationWindowSeconds: ptr(-1)}, []string{"b.stabilizationWindowSeconds"}},
		{"select", Rules{SelectPolicy: "Sometimes"}, []string{"b.selectPolicy"}},
		{"every policy field",
			Rules{Policies: []ScalingPolicy{{PolicyPods, 1, 15}, {"Nodes", 0, inputs.MaxPeriodSeconds + 1}}},
			[]string{"b.policies[1].type", "b.policies[1].value", "b.policies[1].periodSeconds"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := ValidateRules("b", tc.r)
			if got := errs.Fields(); !reflect.DeepEqual(got, tc.want) && len(got)+len(tc.want) > 0 {
				t.Errorf("refused %v, want %v (%v)", got, tc.want, errs)
			}
		})
	}
}

// TestDefaultRulesAreFresh: each call is a new value, so a caller's edit reaches no other caller.
func TestDefaultRulesAreFresh(t *testing.T) {
	for _, def := range []func() Rules{DefaultScaleUpRules, DefaultScaleDownRules} {
		a := def()
		*a.StabilizationWindowSeconds = 1234
		a.Policies[0].Value = 99
		if b := def(); *b.StabilizationWindowSeconds == 1234 || b.Policies[0].Value == 99 {
			t.Errorf("an edit reached the next default: %+v", b)
		}
	}
}
