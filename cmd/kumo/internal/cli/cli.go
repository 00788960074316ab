// Package cli holds what every kumo command shares: the IO streams and
// dependencies a command receives through the Factory (so tests can inject
// buffers and fake stack programs), the typed exit codes the binary returns,
// and the single code path that prints --json output.
package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/kumo-iac/kumo/internal/synth"
)

// IOStreams are the streams a command reads and writes; commands never touch
// os.Stdout directly so their output can be captured in tests.
type IOStreams struct {
	In          io.Reader
	Out, ErrOut io.Writer
	// OutClosed says the process started with stdout closed. The Go runtime
	// then opens /dev/null in its place, so writes to Out would succeed and
	// the output vanish; WriteOutput reports it instead.
	OutClosed bool
}

// System returns the process's standard streams.
func System() *IOStreams {
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, OutClosed: stdoutWasClosed()}
}

// WriteOutput writes a command's rendered output to stdout. Output that did
// not arrive is the command's failure: a script reading a closed or broken
// stdout must not see exit 0.
func (s *IOStreams) WriteOutput(b []byte) error {
	if s.OutClosed {
		return errors.New("write output: stdout was closed when kumo started; redirect it, or use --out FILE where the command has it")
	}
	if _, err := s.Out.Write(b); err != nil {
		// "write /dev/stdout: broken pipe" names the device, not the stream.
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err
		}
		return fmt.Errorf("write output: stdout: %w", err)
	}
	return nil
}

// Test returns streams backed by buffers, for command tests.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// Factory carries the dependencies commands need, built once by the root
// command for the real binary and by hand in tests.
type Factory struct {
	IO *IOStreams
	// Getwd returns the directory relative paths and project discovery start
	// from. Default: os.Getwd.
	Getwd func() (string, error)
	// Program, when set, is the stack program for the project at root, run
	// in this process (tests). Default: nil, and kumo synth builds and runs
	// the project's own program (Pulumi.yaml's main), which calls kumo.Run.
	Program func(root string) synth.Program
	// Handoff, when set, lets a command that only reports a synth (kumo
	// synth) hand its process over to the program and be executed again
	// with these arguments to finish (synth.Handoff). Default: nil, and the
	// program runs as kumo's child.
	Handoff *synth.Handoff
	// AWSConfig loads the AWS SDK config (credential chain, profile) for
	// region; an empty region leaves the choice to the SDK's environment.
	// Commands that call AWS treat nil as config.LoadDefaultConfig.
	AWSConfig func(ctx context.Context, region string) (aws.Config, error)
}

// ExitCode is the process exit status of kumo; scripts and CI branch on it.
type ExitCode int

const (
	// ExitOK means the command succeeded.
	ExitOK ExitCode = 0
	// ExitError means the command failed for any reason not listed below.
	ExitError ExitCode = 1
	// ExitUsage means the command line itself was wrong (flags, arguments).
	ExitUsage ExitCode = 2
	// ExitInvalidConfig means the stack config or construct args failed
	// validation: the user must fix input, retrying will not help.
	ExitInvalidConfig ExitCode = 3
	// ExitCheckFailed means kumo check found unsuppressed error findings
	// (kumo check, and kumo synth, which runs the same checks).
	ExitCheckFailed ExitCode = 4
	// ExitDiffGate means kumo diff found a change its --fail-on gate
	// refuses (data loss, replacement, IAM widening, …) and no --allow
	// exempted it.
	ExitDiffGate ExitCode = 5
)

// Error is an error that decides the process exit code.
type Error struct {
	Code ExitCode
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap lets errors.As see the cause, e.g. a constructs.ValidationError.
func (e *Error) Unwrap() error { return e.Err }

// UsageErrorf reports a bad command line; it exits with ExitUsage.
func UsageErrorf(format string, args ...any) error {
	return &Error{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// NoArgs rejects positional arguments as a usage error, which cobra's own
// validator does not mark as one.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return UsageErrorf("unexpected argument %q: %q takes no arguments", args[0], cmd.CommandPath())
	}
	return nil
}

// AddJSONFlag registers the --json flag with the same wording on every command.
func AddJSONFlag(cmd *cobra.Command, enabled *bool) {
	cmd.Flags().BoolVar(enabled, "json", false, "Output JSON instead of the human-readable summary")
}

// JSONExporter is a value that defines its own JSON contract, like
// synth.Result. WriteJSON prefers it over generic encoding.
type JSONExporter interface {
	JSON() ([]byte, error)
}

// WriteJSON is the one path --json output takes: a value's own contract when
// it has one, otherwise 2-space indented JSON without HTML escaping, always
// ending in a newline.
func WriteJSON(w io.Writer, v any) error {
	var b []byte
	if e, ok := v.(JSONExporter); ok {
		var err error
		if b, err = e.JSON(); err != nil {
			return err
		}
	} else {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("encode json: %w", err)
		}
		b = buf.Bytes()
	}
	if !bytes.HasSuffix(b, []byte("\n")) {
		b = append(b, '\n')
	}
	_, err := w.Write(b)
	return err
}

// Render produces a command's output, JSON through the one WriteJSON path or
// text, fully in memory, so a failure leaves no partial output behind.
func Render(asJSON bool, v any, text func(io.Writer) error) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if asJSON {
		err = WriteJSON(&buf, v)
	} else {
		err = text(&buf)
	}
	return buf.Bytes(), err
}
