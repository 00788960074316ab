// Command kumo is the kumo infrastructure toolkit's command-line interface.
package main

import (
	"os"

	"github.com/kumo-iac/kumo/cmd/kumo/internal/root"
)

func main() { os.Exit(root.Main()) }
