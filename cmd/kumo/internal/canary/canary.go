// Package canarycmd implements `kumo canary`: commands about the canary
// releases of a deployed stack's functions, starting with `kumo canary
// status`, which shows what each function's alias serves and how its recent
// CodeDeploy deployments went.
package canarycmd

import (
	"github.com/spf13/cobra"

	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
)

// NewCmdCanary returns the canary command group.
func NewCmdCanary(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "canary <command>",
		Short: "Inspect the canary releases of a deployed stack's functions",
		// Without this, cobra shows the help for a mistyped subcommand and
		// exits 0, which would hide the typo from scripts.
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cli.UsageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewCmdStatus(f, nil))
	return cmd
}
