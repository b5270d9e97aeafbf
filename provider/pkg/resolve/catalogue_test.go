package resolve

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/badinputs"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/refusal"
)

// catalogue is the refused-input catalogue, kept beside the component whose Construct the unit and
// e2e tests replay it through; here every case goes through the resolver alone.
const catalogue = "../component/testdata/bad-inputs.json"

func loadBadInputs(t *testing.T) *badinputs.Catalogue { return badinputs.ForTest(t, catalogue) }

// TestCatalogueRefusedByTheResolver: each case of the catalogue that the resolver can judge (all
// but the credentials' contents, which only Construct reads) is refused by ResolveInputs, naming
// its field, and the base is accepted.
func TestCatalogueRefusedByTheResolver(t *testing.T) {
	cat := loadBadInputs(t)
	if _, err := ResolveInputs(cat.BaseInputs()); err != nil {
		t.Fatalf("the catalogue's base is refused: %v", err)
	}
	judged := 0
	for _, tc := range cat.Cases {
		_, err := ResolveInputs(cat.Inputs(tc))
		var errs refusal.Errors
		switch {
		case err == nil && strings.HasPrefix(tc.Field, "adapter.prometheus."):
			continue // the credentials' contents: Construct's (TestGuardsCreateNothing)
		case !errors.As(err, &errs):
			t.Errorf("%s: want a refusal naming %s, got %v", tc.Name, tc.Field, err)
		case !strings.Contains(err.Error(), tc.Field+":"):
			t.Errorf("%s: the refusal does not name %s:\n%v", tc.Name, tc.Field, err)
		}
		judged++
	}
	if judged < len(cat.Cases)*3/4 {
		t.Errorf("the resolver judged only %d of %d cases", judged, len(cat.Cases))
	}
}

// TestGuardsAcceptLegitimateForms: the guards refuse only what breaks; the forms each one is
// next to stay accepted (custom rclone remotes, local paths, Helm constraints, templated URLs).
func TestGuardsAcceptLegitimateForms(t *testing.T) {
	cat := loadBadInputs(t)
	for _, tc := range []struct {
		name  string
		patch string
	}{
		{"storageUri on a custom remote", `{"model": {"storageUri": "minio://models/iris"}}`},
		{"storageUri in rclone's remote:path form", `{"model": {"storageUri": "s3:bucket/iris"}}`},
		{"storageUri on an on-the-fly remote", `{"model": {"storageUri": ":s3,provider=Minio:bucket/iris"}}`},
		{"storageUri as an absolute path", `{"model": {"storageUri": "/mnt/models/iris"}}`},
		{"storageUri with a space in the path", `{"model": {"storageUri": "gs://bucket/my model"}}`},
		{"chart version constraint", `{"adapter": {"chart": {"version": "~5.3"}}}`},
		{"chart version range", `{"adapter": {"chart": {"version": ">=5.0.0 <6.0.0"}}}`},
		{"chart version with a v", `{"adapter": {"chart": {"version": "v5.3.0"}}}`},
		{"https Prometheus with a path", `{"adapter": {"prometheus": {"url": "https://prom.monitoring.svc", ` +
			`"port": 443, "path": "/prometheus"}}}`},
		{"templated Prometheus URL", `{"adapter": {"prometheus": {"url": "http://prom.{{ .Release.Namespace }}.svc"}}}`},
		{"selector key", `{"autoscaling": {"metricSelector": {"method_type": "rest"}}}`},
		{"allowed Percent scale-up within the headroom", `{"autoscaling": {"maxReplicas": 20, ` +
			`"allowPercentScaleUp": true, "scaleUp": {"policies": [{"type": "Percent", "value": 25, "periodSeconds": 90}]}}}`},
		{"replica bound", `{"autoscaling": {"maxReplicas": 10000, "scaleUpHeadroomPods": 10000}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var patch map[string]any
			if err := json.Unmarshal([]byte(tc.patch), &patch); err != nil {
				t.Fatal(err)
			}
			if _, err := ResolveInputs(cat.Inputs(badinputs.Case{Patch: patch})); err != nil {
				t.Errorf("refused: %v", err)
			}
		})
	}
}

// TestSelectorKeysBothRulesAccept: a metricSelector key must be a Prometheus label name and a
// Kubernetes label key (the HPAs' selector is a LabelSelector). __name__ has no catalogue row:
// Pulumi's RPC marshalling drops keys starting with "__" as internal ones (MarshalProperties with
// SkipInternalKeys), so it never reaches Construct; it is checked here, on Resolve.
func TestSelectorKeysBothRulesAccept(t *testing.T) {
	cat := loadBadInputs(t)
	for _, key := range []string{"_x", "__name__", "method-type", "method.type"} {
		t.Run(key, func(t *testing.T) {
			patch := map[string]any{"autoscaling": map[string]any{"metricSelector": map[string]any{key: "rest"}}}
			_, err := ResolveInputs(cat.Inputs(badinputs.Case{Patch: patch}))
			if err == nil || !strings.Contains(err.Error(), "autoscaling.metricSelector."+key+":") {
				t.Errorf("want a refusal naming autoscaling.metricSelector.%s, got %v", key, err)
			}
		})
	}
}
