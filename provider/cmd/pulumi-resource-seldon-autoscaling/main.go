// Command pulumi-resource-seldon-autoscaling is the Pulumi plugin serving SeldonAutoscaledModel.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/component"
)

// Version is what the plugin reports to the engine. `make dist` sets the release version from git
// (-ldflags "-X main.Version=...", hack/version.sh); a plain `go build` is a development build.
var Version = "0.0.0-dev"

func main() {
	prov, err := component.Provider()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building provider: %v\n", err)
		os.Exit(1)
	}
	if err := prov.Run(context.Background(), component.PackageName, Version); err != nil {
		fmt.Fprintf(os.Stderr, "%v\n", err)
		os.Exit(1)
	}
}
