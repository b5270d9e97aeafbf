package component

import (
	"testing"

	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/existing"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
)

// BenchmarkConstruct is one whole Construct through pulumi-go-provider's in-process server with
// the engine mocked: what the component adds to a preview, per model. install is the model that
// installs the adapter; none is every other model of a stack sharing it (adapter mode none). The
// provider and its server are built once, as the plugin builds them once for a whole deployment:
// building them for each Construct (as the unit tests do) would count the provider's schema
// reflection as a cost per model.
func BenchmarkConstruct(b *testing.B) {
	for _, mode := range []string{resolve.ModeInstall, resolve.ModeNone} {
		b.Run(mode, func(b *testing.B) {
			in := guideInputs()
			in["adapter"] = map[string]any{"mode": mode}
			inputs := presource.NewPropertyMapFromMap(in)
			rec := &recorder{}
			server := testServer(b, rec)
			b.ReportAllocs()
			for b.Loop() {
				existing.ForgetDeclared()
				rec.reset()
				if _, err := constructOn(b, server, Token, "irisa0", inputs, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
