// Command pulumi-resource-kumo is kumo's Pulumi resource provider plugin,
// which the Pulumi engine starts to create, update, refresh and delete
// kumo:index:Release resources. Nobody installs it by hand: a kumo program
// builds it from its own module into the directory Pulumi.yaml's
// plugins.providers names (see package internal/plugin).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/kumo-iac/kumo/internal/provider"
)

func main() {
	if err := provider.Run(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-kumo: %v\n", err)
		os.Exit(1)
	}
}
