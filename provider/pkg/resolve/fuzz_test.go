package resolve

import (
	"encoding/json"
	"testing"
)

// FuzzResolve feeds arbitrary JSON-shaped inputs to the validation entry point: it must return a
// resolve.Desired or an error, never panic, and never both.
func FuzzResolve(f *testing.F) {
	for _, seed := range []string{
		`{"model":{"name":"irisa0","storageUri":"gs://x"},"autoscaling":{"maxReplicas":3,"targetRpsPerReplica":3}}`,
		`{"model":{"name":"irisa0","storageUri":"gs://x"},"autoscaling":{"sizing":{"peakRps":100,"saturationRps":10}}}`,
		`{"model":{"name":"a","storageUri":"s3://b","memory":"1Gi"},` +
			`"server":{"dedicated":true,"serverConfig":"mlserver"},` +
			`"autoscaling":{"maxReplicas":5,"targetRpsPerReplica":0.5,` +
			`"scaleUp":{"policies":[{"type":"Pods","value":2,"periodSeconds":120}]}},` +
			`"adapter":{"mode":"adopt","rateWindow":"2m"}}`,
		`{"model":{"name":"x","storageUri":"y"},"autoscaling":{"maxReplicas":1,"targetRpsPerReplica":1},` +
			`"adapter":{"rule":{"nameMatches":"^seldon_model_(.*)_total$","nameAs":"${1}_rps",` +
			`"seriesFilters":[{"isNot":"aggregate"}]}}}`,
		`{"model":{"name":"x","storageUri":"y"},` +
			`"autoscaling":{"minReplicas":-1,"maxReplicas":0,"targetRpsPerReplica":-3},` +
			`"adapter":{"mode":"nope","metricsRelistInterval":"1d"}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var args Args
		if err := json.Unmarshal([]byte(doc), &args); err != nil {
			return
		}
		d, err := Resolve(args)
		if (d == nil) == (err == nil) {
			t.Fatalf("Resolve returned desired=%v and err=%v", d != nil, err)
		}
		if err == nil && (d.Policy.MinReplicas < 1 || d.Policy.MaxReplicas < d.Policy.MinReplicas || d.Policy.Target <= 0) {
			t.Fatalf("accepted an unsafe policy: %+v", d.Policy)
		}
	})
}
