// Command bareplugin is the start-up floor of a Go component plugin, for the benchmark's start-up
// table: a plugin on the bare Pulumi Go SDK (provider.Main serving the ResourceProvider service,
// Construct through the SDK's provider.Construct) that links the pulumi-kubernetes Go SDK packages
// the component declares its children with, but neither pulumi-go-provider nor client-go. Its
// Construct registers an empty component, so the SDK's program runtime is linked as in a real
// plugin. No program of the benchmark uses it: it is only launched and timed.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"

	// The packages provider/pkg/component declares children with: their init runs at start-up.
	_ "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	_ "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	_ "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	_ "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	_ "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	_ "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
)

const name = "seldon-autoscaling-bare"

type server struct {
	pulumirpc.UnimplementedResourceProviderServer
	host *provider.HostClient
}

func (s *server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: "0.0.0-dev"}, nil
}

func (s *server) Construct(ctx context.Context, req *pulumirpc.ConstructRequest) (*pulumirpc.ConstructResponse, error) {
	return provider.Construct(ctx, req, s.host.EngineConn(), func(ctx *pulumi.Context, typ, name string,
		_ provider.ConstructInputs, opts pulumi.ResourceOption,
	) (*provider.ConstructResult, error) {
		var c struct{ pulumi.ResourceState }
		if err := ctx.RegisterComponentResource(typ, name, &c, opts); err != nil {
			return nil, err
		}
		return provider.NewConstructResult(&c)
	})
}

func main() {
	err := provider.Main(name, func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &server{host: host}, nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
