// Command stack is the Pulumi program Pulumi.yaml points at: `pulumi up`
// builds and runs it from the project directory.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/stacks"
)

func main() { pulumi.Run(stacks.Run) }
