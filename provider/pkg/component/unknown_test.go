package component

import (
	"encoding/json"
	"strings"
	"testing"

	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/internal/badinputs"
)

// withUnknown is the catalogue's base with patch applied and the inputs at paths (dotted, as
// users write them) made unknown, as outputs of resources a preview has not created are.
func withUnknown(t *testing.T, patch string, paths ...string) presource.PropertyMap {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal([]byte(patch), &p); err != nil {
		t.Fatal(err)
	}
	in := presource.NewPropertyMapFromMap(loadBadInputs(t).Inputs(badinputs.Case{Patch: p}))
	for _, path := range paths {
		keys := strings.Split(path, ".")
		obj := in
		for _, k := range keys[:len(keys)-1] {
			key := presource.PropertyKey(k)
			if !obj[key].IsObject() {
				obj[key] = presource.NewObjectProperty(presource.PropertyMap{})
			}
			obj = obj[key].ObjectValue()
		}
		obj[presource.PropertyKey(keys[len(keys)-1])] = presource.MakeComputed(presource.NewStringProperty(""))
	}
	return in
}

// TestPreviewGuardsTheKnownInputs: with some inputs unknown, a preview still refuses what the
// known inputs get wrong, and never what an unknown value could change (the block rule of
// knownRefusals); with nothing to refuse, it registers the component alone, as before.
func TestPreviewGuardsTheKnownInputs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		patch   string
		unknown []string
		want    []string // fields refused at preview; none: the component registers alone
		notWant []string
	}{
		{"unknown model name, bad target type", `{"autoscaling": {"targetType": "Utilization"},
			"server": {"dedicated": true, "serverConfig": "mlserver"}}`, []string{"model.name"},
			[]string{"autoscaling.targetType"}, []string{"model.name", "server.name"}},
		{"unknown namespace alone", `{}`, []string{"model.namespace"}, nil, nil},
		{"unknown model name, dedicated Server", `{"server": {"dedicated": true, "serverConfig": "mlserver"}}`,
			[]string{"model.name"}, nil, []string{"server.name"}},
		{"unknown target", `{}`, []string{"autoscaling.targetRpsPerReplica"}, nil, nil},
		{"unknown maxReplicas, bad target type in the same block", `{"autoscaling": {"targetType": "Value"}}`,
			[]string{"autoscaling.maxReplicas"}, nil, nil},
		{"unknown Prometheus URL, bad memory", `{"model": {"memory": "3 megabytes"}}`,
			[]string{"adapter.prometheus.url"}, []string{"model.memory"}, nil},
		{"unknown storageUri, bad Prometheus URL and selector", `{"adapter": {"prometheus": {"url": "http://prom:9090"}},
			"autoscaling": {"metricSelector": {"_x": "rest"}}}`, []string{"model.storageUri"},
			[]string{"adapter.prometheus.url", "autoscaling.metricSelector._x"}, []string{"model.storageUri"}},
		{"unknown rate window, metric name checked against the adapter", `{"autoscaling": {"metricName": "rps"}}`,
			[]string{"adapter.rateWindow"}, nil, nil},
		// Credentials are Pulumi Inputs: set ones count as set whether known or not.
		{"basic auth and TLS set, unknown namespace", `{"adapter": {"prometheus": {"url": "https://prom",
			"basicAuth": {"username": "u", "password": "p"}, "tls": {"caCertificate": "pem"}}}}`,
			[]string{"model.namespace"}, nil, nil},
		{"basic auth with an unknown password, unknown namespace", `{"adapter": {"prometheus":
			{"basicAuth": {"username": "u"}}}}`, []string{"model.namespace", "adapter.prometheus.basicAuth.password"},
			nil, nil},
		{"token and basic auth together, unknown namespace", `{"adapter": {"prometheus": {"bearerToken": "t",
			"basicAuth": {"username": "u", "password": "p"}}}}`, []string{"model.namespace"},
			[]string{"adapter.prometheus.basicAuth"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, _, err := constructPM(t, withUnknown(t, tc.patch, tc.unknown...), true)
			if regs := rec.custom(); len(regs) > 0 {
				t.Errorf("%d children registered from unknown inputs", len(regs))
			}
			if len(tc.want) == 0 {
				if err != nil {
					t.Errorf("preview refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("preview accepted; want refusals of %v", tc.want)
			}
			for _, f := range tc.want {
				if !strings.Contains(err.Error(), f+":") {
					t.Errorf("refusal does not name %s:\n%v", f, err)
				}
			}
			for _, f := range tc.notWant {
				if strings.Contains(err.Error(), f+":") {
					t.Errorf("refusal names %s, which an unknown input could change:\n%v", f, err)
				}
			}
		})
	}
}
