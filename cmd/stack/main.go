// Command stack is the Pulumi program Pulumi.yaml points at: `pulumi up`
// builds and runs it from the project directory.
package main

import (
	"github.com/kumo-iac/kumo"
	"github.com/kumo-iac/kumo/stacks"
)

func main() { kumo.Run(stacks.Run) }
