// Package checkcmd implements `kumo check`: synthesize a stack offline and
// run kumo's rule pack over it (cdk-nag's AwsSolutions and Serverless rules
// for the services kumo emits, and kumo's own), as text, JSON or SARIF.
package checkcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
	"github.com/kumo-iac/kumo/internal/check"
	"github.com/kumo-iac/kumo/internal/synth"
)

// Options are the inputs of one `kumo check` run.
type Options struct {
	IO      *cli.IOStreams
	Getwd   func() (string, error)
	Program func(root string) synth.Program
	Context context.Context

	// Stack selects Pulumi.<Stack>.yaml. Default: dev.
	Stack string
	// Dir is the project directory. Default: found from the working
	// directory upwards.
	Dir string
	// Format is text, json or sarif. Default: text.
	Format string
	// List prints the rules instead of checking a stack.
	List bool
}

// NewCmdCheck returns the check command. runF replaces the run in tests of
// flag parsing; nil runs the check.
func NewCmdCheck(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Getwd: f.Getwd, Program: f.Program}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check a stack against kumo's security rules, offline",
		Long: `Synthesize the stack offline (as kumo synth does) and run kumo's rule pack over
every resource it would create: cdk-nag's AwsSolutions and Serverless rules for
the services kumo emits, under cdk-nag's IDs, and kumo's own (Kumo-*).

A finding is accepted only by a suppression naming its exact rule and resource
(and, for granular rules such as AwsSolutions-IAM5, the exact finding), with a
reason: check.Suppress in the program, or kumo:suppressions in the stack config.
Suppressions that match nothing are reported. kumo synth runs the same checks:
error findings fail it, warnings are printed.

Exit codes: 0 no unsuppressed errors, 4 unsuppressed errors, 3 a suppression
that cannot apply (or other invalid config), 1 any other failure.`,
		Example: `  kumo check --stack prod
  kumo check --format sarif > kumo.sarif
  kumo check --list`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(check.Formats, opts.Format) {
				return cli.UsageErrorf("--format %q: want one of %s", opts.Format, strings.Join(check.Formats, ", "))
			}
			if err := cli.CheckStack(opts.Stack); err != nil {
				return err
			}
			opts.Context = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			if opts.List {
				return listRules(opts)
			}
			return runCheck(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Stack, "stack", "s", "dev", "Stack whose Pulumi.<stack>.yaml config to use")
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "Project `directory` holding Pulumi.yaml (default: found from the working directory upwards)")
	cmd.Flags().StringVar(&opts.Format, "format", check.FormatText, "Output `format`: text, json or sarif (SARIF 2.1.0, for code-scanning UIs)")
	cmd.Flags().BoolVar(&opts.List, "list", false, "List the rules (ID, level, what, fix) instead of checking a stack")
	return cmd
}

func runCheck(opts *Options) error {
	root, res, err := Synthesize(opts.Context, opts.IO, opts.Getwd, opts.Dir, opts.Stack, opts.Program)
	if err != nil {
		return err
	}
	rep, err := check.ReportOf(res)
	if err != nil {
		return err
	}
	var out []byte
	switch opts.Format {
	case check.FormatJSON:
		out, err = check.JSON(rep)
	case check.FormatSARIF:
		out, err = check.SARIF(rep, root, opts.Stack)
	default:
		var b bytes.Buffer
		err = check.WriteText(&b, rep, opts.Stack)
		out = b.Bytes()
	}
	if err != nil {
		return err
	}
	if err := opts.IO.WriteOutput(out); err != nil {
		return err
	}
	return Failed(rep)
}

// Failed is the error kumo check and kumo synth return for a report with
// unsuppressed errors, nil for none.
func Failed(rep *check.Report) error {
	if n := rep.Errors(); n > 0 {
		return &cli.Error{Code: cli.ExitCheckFailed, Err: fmt.Errorf(
			"kumo check: %d unsuppressed error finding(s); fix each, or suppress it with a reason (check.Suppress in the program, or kumo:suppressions in the stack config)", n)}
	}
	return nil
}

// Synthesize synthesizes the stack for a check, with every suppressed
// finding in its report.
func Synthesize(ctx context.Context, io *cli.IOStreams, getwd func() (string, error), dir, stack string, program func(string) synth.Program) (string, *synth.Result, error) {
	cwd, err := getwd()
	if err != nil {
		return "", nil, fmt.Errorf("working directory: %w", err)
	}
	root, err := cli.ProjectRoot(cwd, dir)
	if err != nil {
		return "", nil, err
	}
	res, err := SynthesizeChecked(ctx, synth.Request{Root: root, Stack: stack, JSONOnly: true, CheckDetail: true}, program, io.ErrOut)
	return root, res, err
}

// SynthesizeChecked is the synth kumo synth and kumo check share: the
// project's program as a subprocess, whose check report rides in its
// document, or program in-process (tests), checked here the same way.
func SynthesizeChecked(ctx context.Context, req synth.Request, program func(string) synth.Program, stderr io.Writer) (*synth.Result, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if program == nil {
		return synth.SynthesizeProject(ctx, req, stderr)
	}
	res, err := synth.Run(ctx, req, program(req.Root))
	if err != nil {
		return nil, err
	}
	return res, check.Attach(res, req.Root, req.CheckDetail)
}

// ruleJSON is a rule as --list --format json prints it.
type ruleJSON struct {
	ID    string      `json:"id"`
	Level check.Level `json:"level"`
	Types []string    `json:"types"`
	What  string      `json:"what"`
	Why   string      `json:"why"`
	Fix   string      `json:"fix"`
}

func listRules(opts *Options) error {
	rules := check.Rules()
	var b bytes.Buffer
	switch opts.Format {
	case check.FormatJSON:
		var out []ruleJSON
		for _, r := range rules {
			out = append(out, ruleJSON{ID: r.ID, Level: r.Level, Types: r.Types, What: r.What, Why: r.Why, Fix: r.Fix})
		}
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	case check.FormatSARIF:
		return cli.UsageErrorf("--list prints text or json, not sarif")
	default:
		fmt.Fprintf(&b, "%d rules\n", len(rules))
		for _, r := range rules {
			fmt.Fprintf(&b, "%-7s %s\n        %s\n        fix: %s\n", r.Level, r.ID, r.What, r.Fix)
		}
	}
	return opts.IO.WriteOutput(b.Bytes())
}

// ReportForSynth is kumo synth's use of the checks: error findings are
// written to w (stderr) in full and fail the synth before any output is
// written; warnings and unused suppressions get a line each.
func ReportForSynth(w io.Writer, res *synth.Result) error {
	if len(res.Check) == 0 {
		// A program built with a kumo module older than kumo check still
		// synthesizes; only kumo check itself insists on a report.
		fmt.Fprintln(w, "kumo: note: kumo check did not run: the program's kumo module predates it; upgrade github.com/kumo-iac/kumo in go.mod")
		return nil
	}
	rep, err := check.ReportOf(res)
	if err != nil {
		return err
	}
	var errs []check.Finding
	for _, f := range rep.Findings {
		if f.Level == check.Error {
			errs = append(errs, f)
			continue
		}
		r, _ := check.RuleByID(f.Rule)
		fmt.Fprintf(w, "kumo check: warning %s %s %s: %s\n", f.ID(), f.Type, f.Name, r.What)
	}
	for _, s := range rep.Unused {
		fmt.Fprintf(w, "kumo check: %s\n", s.UnusedLine())
	}
	if err := check.WriteFindings(w, errs); err != nil {
		return err
	}
	return Failed(rep)
}
