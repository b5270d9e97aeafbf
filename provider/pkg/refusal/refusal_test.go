package refusal

import (
	"errors"
	"fmt"
	"testing"
)

func TestMessages(t *testing.T) {
	var one Errors
	one.Addf("autoscaling.minReplicas", "set it to 1 or more", "%d is below 1", 0)
	var two Errors
	two.Add("model.storageUri", "set the URI", "is empty")
	two.Add("adapter.rule", "", "cannot render")
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"one", one.For("SeldonAutoscaledModel"),
			"invalid SeldonAutoscaledModel input: autoscaling.minReplicas: 0 is below 1; fix: set it to 1 or more"},
		{"two", two.For("SeldonMetricsAdapter"), "invalid SeldonMetricsAdapter input (2 problems):\n" +
			"  - model.storageUri: is empty; fix: set the URI\n  - adapter.rule: cannot render"},
		{"no resource", one.Err(), "invalid input: autoscaling.minReplicas: 0 is below 1; fix: set it to 1 or more"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	if Errors(nil).For("X") != nil || Errors(nil).Err() != nil {
		t.Error("no refusal must be a nil error")
	}
}

func TestIncludeNamesFieldsUnderThePrefix(t *testing.T) {
	var inner Errors
	inner.Add("metricsRelistInterval", "set it to 30s or more", "is too short")
	var outer Errors
	outer.Add("model.name", "fix it", "is bad")
	if err := outer.Include("adapter.", fmt.Errorf("wrapped: %w", inner.For("SeldonMetricsAdapter"))); err != nil {
		t.Fatalf("a refusal was not taken in: %v", err)
	}
	if got := fmt.Sprint(outer.Fields()); got != "[model.name adapter.metricsRelistInterval]" {
		t.Errorf("fields %s", got)
	}
	other := errors.New("disk full")
	if err := outer.Include("adapter.", other); !errors.Is(err, other) {
		t.Errorf("an error that is no refusal must come back as it is, got %v", err)
	}
	if err := outer.Include("adapter.", nil); err != nil || len(outer) != 2 {
		t.Errorf("nil must add nothing: %v, %d", err, len(outer))
	}
	var got Errors
	if !errors.As(outer.For("R"), &got) || len(got) != 2 {
		t.Errorf("errors.As must find the Errors behind a Refusal")
	}
}
