// Command go-example runs the Go example as an ordinary Pulumi program (`pulumi up` in this
// directory, with the Go language host and the seldon-autoscaling plugin installed).
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/examples/go/autoscaledmodel"
)

func main() { pulumi.Run(autoscaledmodel.Program) }
