package component

import (
	"encoding/json"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

// plain is args as the resolver takes them: the same shape, through their shared JSON names (the
// types mirror each other: TestArgsMirrorTheSchema), with each credential only set or not.
// Maps are handed over as they are, so extraSpec and Helm values keep their Go types.
func (a Args) plain() resolve.Args {
	var out resolve.Args
	convert(a, &out)
	out.Model.ExtraSpec = a.Model.ExtraSpec
	if a.Adapter != nil {
		a.Adapter.complete(out.Adapter)
	}
	return out
}

// plain is an adapter block as the resolver takes it.
func (a AdapterSpec) plain() resolve.AdapterSpec {
	var out resolve.AdapterSpec
	convert(a, &out)
	a.complete(&out)
	return out
}

// complete gives the converted block what JSON does not carry: the Helm values as they are, and
// which credentials are set (they are Pulumi Inputs, never marshalled).
func (a AdapterSpec) complete(out *resolve.AdapterSpec) {
	out.Values = a.Values
	p := a.Prometheus
	if p == nil {
		return
	}
	out.Prometheus.BearerToken = p.BearerToken != nil
	if b := p.BasicAuth; b != nil {
		out.Prometheus.BasicAuth = &resolve.BasicAuthSpec{Username: b.Username != nil, Password: b.Password != nil}
	}
	if t := p.TLS; t != nil {
		out.Prometheus.TLS = &resolve.PrometheusTLSSpec{CACertificate: t.CACertificate != nil,
			ClientCertificate: t.ClientCertificate != nil, ClientKey: t.ClientKey != nil}
	}
}

// convert copies from into to through their JSON form. Both are this package's plain data, so
// neither step can fail.
func convert(from, to any) {
	raw, err := json.Marshal(from)
	if err == nil {
		err = json.Unmarshal(raw, to)
	}
	if err != nil {
		panic("component: inputs do not fit the resolver's shape: " + err.Error())
	}
}
