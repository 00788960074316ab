// Package root assembles the kumo command tree and turns the outcome of a
// command into a message on stderr and a typed exit code.
package root

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	canarycmd "github.com/kumo-iac/kumo/cmd/kumo/internal/canary"
	"github.com/kumo-iac/kumo/cmd/kumo/internal/checkcmd"
	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
	"github.com/kumo-iac/kumo/cmd/kumo/internal/costcmd"
	"github.com/kumo-iac/kumo/cmd/kumo/internal/diffcmd"
	"github.com/kumo-iac/kumo/cmd/kumo/internal/initcmd"
	synthcmd "github.com/kumo-iac/kumo/cmd/kumo/internal/synth"
	"github.com/kumo-iac/kumo/internal/check"
	"github.com/kumo-iac/kumo/internal/synth"
	"github.com/kumo-iac/kumo/internal/validation"
)

// NewCmdRoot returns the kumo command with all subcommands.
func NewCmdRoot(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kumo <command> [flags]",
		Short: "kumo builds AWS infrastructure from typed Go constructs on Pulumi",
		// Main prints errors itself, once, with the exit code it chose;
		// cobra would print them again followed by the full usage.
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &cli.Error{Code: cli.ExitUsage, Err: err}
	})
	cmd.SetIn(f.IO.In)
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.AddCommand(initcmd.NewCmdInit(f, nil))
	cmd.AddCommand(synthcmd.NewCmdSynth(f, nil))
	cmd.AddCommand(checkcmd.NewCmdCheck(f, nil))
	cmd.AddCommand(diffcmd.NewCmdDiff(f, nil))
	cmd.AddCommand(costcmd.NewCmdCost(f, nil))
	cmd.AddCommand(canarycmd.NewCmdCanary(f))
	return cmd
}

// Main runs kumo with the process's arguments and returns its exit code.
func Main() int {
	// A kumo executed again after a program it handed its process to
	// takes the protocol's variables first, so nothing it starts sees them.
	synth.TakeResume()
	defer synth.ReleaseResume()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// A Go program writing to a broken pipe on stdout or stderr dies of
	// SIGPIPE, silently, unless SIGPIPE is being notified; then the write
	// fails with EPIPE and kumo reports it (exit 1). Notify rather than
	// Ignore, so the go commands kumo starts keep the default disposition.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	return int(run(ctx, newFactory(), os.Args[1:]))
}

// newFactory wires the real dependencies: the process's streams, and no
// in-process Program, so kumo synth builds and runs the project's own
// program (Pulumi.yaml's main) the way pulumi up would.
func newFactory() *cli.Factory {
	f := &cli.Factory{
		IO:    cli.System(),
		Getwd: os.Getwd,
	}
	// kumo synth hands its process over to the program and is executed
	// again, as this executable with these arguments, to finish.
	if self, err := os.Executable(); err == nil {
		f.Handoff = &synth.Handoff{Self: self, Args: os.Args[1:]}
	}
	return f
}

func run(ctx context.Context, f *cli.Factory, args []string) cli.ExitCode {
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	c, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return cli.ExitOK
	}
	code := exitCode(err)
	fmt.Fprintf(f.IO.ErrOut, "kumo: %s\n", err)
	if code == cli.ExitUsage && c != nil {
		fmt.Fprintf(f.IO.ErrOut, "Run '%s --help' for usage.\n", c.CommandPath())
	}
	return code
}

// exitCode maps an error to the exit code scripts rely on.
func exitCode(err error) cli.ExitCode {
	var exitErr *cli.Error
	var invalid *validation.Error
	var engine *synth.EngineConfigError
	var file *synth.ConfigFileError
	var program *synth.ProgramError
	var supp *check.SuppressionError
	switch {
	case errors.As(err, &exitErr):
		return exitErr.Code
	case errors.As(err, &program) && program.Kind == synth.KindInvalidConfig:
		return cli.ExitInvalidConfig
	case errors.As(err, &invalid), errors.As(err, &engine), errors.As(err, &file), errors.As(err, &supp):
		return cli.ExitInvalidConfig
	case strings.HasPrefix(err.Error(), "unknown command "):
		// cobra reports unknown subcommands as plain errors.
		return cli.ExitUsage
	}
	return cli.ExitError
}
