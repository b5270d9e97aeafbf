// Command pulumi-resource-seldon-autoscaling is the Pulumi plugin serving SeldonAutoscaledModel.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/component"
)

// Version is set at build time (-ldflags "-X main.Version=...").
var Version = "0.1.0"

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
