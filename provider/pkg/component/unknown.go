package component

import (
	"context"
	"fmt"
	"sort"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	comProvider "github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/promauth"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

// deferUnknownInputs wraps Construct so inputs that are not known yet (outputs of resources a
// preview has not created) do not reach the guards as empty values, which would be refused with
// a misleading error. In a preview the guards still run on the known inputs, and report what no
// unknown value can change (knownRefusals); otherwise the component is registered alone, with a
// warning naming the unknown inputs, and the rest of the guards run in the update.
func deferUnknownInputs(construct constructFunc) constructFunc {
	return func(ctx context.Context, req p.ConstructRequest) (p.ConstructResponse, error) {
		typeName := req.Urn.Type().Name().String()
		if secret := misplacedSecrets("", property.New(req.Inputs)); len(secret) > 0 {
			return p.ConstructResponse{}, fmt.Errorf("%s inputs %s are Pulumi secrets, but only the Prometheus "+
				"credentials (%s) take secrets: the other inputs end up in plain Kubernetes objects and outputs; "+
				"pass them as plain values", typeName, strings.Join(secret, ", "), strings.Join(credentialInputs, ", "))
		}
		unknown := unknownPaths("", property.New(req.Inputs))
		if len(unknown) == 0 {
			return construct(ctx, req)
		}
		if !req.DryRun {
			return p.ConstructResponse{}, fmt.Errorf("inputs %s are still unknown during the update; "+
				"%s checks every input before it creates anything, so they must be known",
				strings.Join(unknown, ", "), typeName)
		}
		if err := knownRefusals(typeName, req.Inputs, unknown); err != nil {
			return p.ConstructResponse{}, err
		}
		return p.ProgramConstruct(ctx, req, func(pctx *pulumi.Context, typ, name string,
			_ comProvider.ConstructInputs, opts pulumi.ResourceOption) (*comProvider.ConstructResult, error) {
			comp := &deferredComponent{}
			if err := pctx.RegisterComponentResource(typ, name, comp, opts); err != nil {
				return nil, err
			}
			_ = pctx.Log.Warn(fmt.Sprintf("inputs %s are not known until the resources they come from exist: "+
				"the guards that read them and the child resources are evaluated during the update",
				strings.Join(unknown, ", ")),
				&pulumi.LogArgs{Resource: comp})
			if err := pctx.RegisterResourceOutputs(comp, pulumi.Map{}); err != nil {
				return nil, err
			}
			return &comProvider.ConstructResult{URN: comp.URN(), State: pulumi.Map{}}, nil
		})
	}
}

type constructFunc = func(context.Context, p.ConstructRequest) (p.ConstructResponse, error)

// deferredComponent stands for any of the package's components in a preview that cannot check
// its inputs yet: it has no outputs until the update.
type deferredComponent struct{ pulumi.ResourceState }

// credentialInputs may be Pulumi secrets, and may be unknown during a preview: they only ever
// reach the auth Secret, and the guards need only know whether they are set. Named as on
// SeldonAutoscaledModel; SeldonMetricsAdapter takes them without the `adapter.` prefix.
var credentialInputs = []string{
	resolve.ModelAdapterInputs.Prefix + "prometheus.bearerToken",
	resolve.ModelAdapterInputs.Prefix + promauth.FieldUsername, resolve.ModelAdapterInputs.Prefix + promauth.FieldPassword,
	resolve.ModelAdapterInputs.Prefix + promauth.FieldCACertificate,
	resolve.ModelAdapterInputs.Prefix + promauth.FieldClientCertificate,
	resolve.ModelAdapterInputs.Prefix + promauth.FieldClientKey,
}

// isCredential reports whether path is a credential input of either component.
func isCredential(path string) bool {
	for _, c := range credentialInputs {
		if path == c || path == strings.TrimPrefix(c, resolve.ModelAdapterInputs.Prefix) {
			return true
		}
	}
	return false
}

// misplacedSecrets lists the secret input paths other than the credentials.
func misplacedSecrets(path string, v property.Value) []string {
	if isCredential(path) {
		return nil
	}
	if v.Secret() {
		return []string{path}
	}
	var out []string
	switch {
	case v.IsMap():
		for k, e := range v.AsMap().All {
			out = append(out, misplacedSecrets(join(path, k), e)...)
		}
		sort.Strings(out)
	case v.IsArray():
		for i, e := range v.AsArray().All {
			out = append(out, misplacedSecrets(fmt.Sprintf("%s[%d]", path, i), e)...)
		}
	}
	return out
}

// unknownPaths lists the input paths whose values are computed, as users write them.
func unknownPaths(path string, v property.Value) []string {
	switch {
	case isCredential(path):
		return nil
	case v.IsComputed():
		return []string{path}
	case v.IsMap():
		var out []string
		for k, e := range v.AsMap().All {
			out = append(out, unknownPaths(join(path, k), e)...)
		}
		sort.Strings(out)
		return out
	case v.IsArray():
		var out []string
		for i, e := range v.AsArray().All {
			out = append(out, unknownPaths(fmt.Sprintf("%s[%d]", path, i), e)...)
		}
		return out
	default:
		return nil
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// knownRefusals runs the guards at preview on the inputs with the unknown ones removed, and keeps
// the refusals that no unknown value can change (resolve.KnownRefusals). SeldonMetricsAdapter's
// inputs are one block, so an unknown input there leaves nothing to report before the update.
func knownRefusals(typeName string, inputs property.Map, unknown []string) error {
	if typeName != resolve.ModelType {
		return nil
	}
	known, _ := knownValue("", property.New(inputs)).(map[string]any)
	return resolve.KnownRefusals(known, unknown)
}

// knownValue is v as plain JSON-shaped data with every unknown value left out, as if unset, but
// for the credentials: they may be unknown (secrets made by other resources) and Resolve reads
// only whether they are set, so an unknown credential stays set. Secrets are read through: only
// credentials may be secrets.
func knownValue(path string, v property.Value) any {
	switch {
	case v.IsComputed() && isCredential(path):
		return ""
	case v.IsMap():
		out := map[string]any{}
		for k, e := range v.AsMap().All {
			if !e.IsComputed() || isCredential(join(path, k)) {
				out[k] = knownValue(join(path, k), e)
			}
		}
		return out
	case v.IsArray():
		out := []any{}
		for i, e := range v.AsArray().All {
			if !e.IsComputed() {
				out = append(out, knownValue(fmt.Sprintf("%s[%d]", path, i), e))
			}
		}
		return out
	case v.IsString():
		return v.AsString()
	case v.IsNumber():
		return v.AsNumber()
	case v.IsBool():
		return v.AsBool()
	default:
		return nil // null, or kinds the inputs' schema has none of
	}
}
