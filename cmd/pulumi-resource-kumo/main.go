// Command pulumi-resource-kumo is kumo's Pulumi resource provider plugin,
// which the Pulumi engine starts to create, update, refresh and delete
// kumo:index:Release resources. Install it by putting it on PATH (see the
// README) or by naming its directory under plugins.providers in Pulumi.yaml.
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
