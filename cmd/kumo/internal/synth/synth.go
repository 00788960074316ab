// Package synthcmd implements `kumo synth`: run the stack program offline
// against mocks and print, or save, what it would deploy — a tree for people,
// JSON for CI diffs.
package synthcmd

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kumo-iac/kumo/cmd/kumo/internal/checkcmd"
	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
	"github.com/kumo-iac/kumo/internal/synth"
)

// Options are the inputs of one `kumo synth` run.
type Options struct {
	IO      *cli.IOStreams
	Getwd   func() (string, error)
	Program func(root string) synth.Program
	// Handoff, with no Program, hands the process over to the project's
	// program while it runs (cli.Factory.Handoff).
	Handoff *synth.Handoff
	// Context cancels the run; it is the command's context.
	Context context.Context

	// Stack selects Pulumi.<Stack>.yaml. Default: dev.
	Stack string
	// JSON prints the synth JSON contract instead of the tree.
	JSON bool
	// OutFile receives the output instead of stdout. It must not name a
	// project input, and an existing file is replaced only if it is empty or
	// a previous synth output. Default: stdout.
	OutFile string
	// Force lets OutFile replace or create any file. Default: false.
	Force bool
	// Dir is the project directory. Default: the nearest directory at or
	// above the working directory that holds Pulumi.yaml.
	Dir string
}

// NewCmdSynth returns the synth command. runF replaces the run in tests that
// only check flag parsing; nil runs the synth.
func NewCmdSynth(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Getwd: f.Getwd, Program: f.Program, Handoff: f.Handoff}
	cmd := &cobra.Command{
		Use:   "synth",
		Short: "Show what a stack would deploy, without touching AWS",
		Long: `Run the stack program fully offline, with Pulumi mocks standing in for the
engine and the AWS provider, and show every resource it would create.

Computed values (ARNs, URLs, names) are realistic but derived only from each
resource's URN, so two runs of the same program and config give byte-identical
output. Encrypted config values are shown as [secret]. No network access, AWS
credentials or pulumi CLI are needed.

--out writes the output atomically. So that a mistyped path cannot cost work,
it refuses, before the synth runs, to write a project input (Pulumi.yaml,
Pulumi.<stack>.yaml, go.mod, go.sum, go.work, *.go) or to replace an existing
file that is neither empty nor a previous kumo synth output (JSON or tree),
wherever it is. --force lifts both checks. A symbolic link is written through:
its target is replaced, atomically and keeping its permissions, and the link
stays; a link whose target does not exist is refused.`,
		Example: `  kumo synth
  kumo synth --stack prod --json
  kumo synth --json --out synth.json`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cli.CheckStack(opts.Stack); err != nil {
				return err
			}
			opts.Context = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return runSynth(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Stack, "stack", "s", "dev", "Stack whose Pulumi.<stack>.yaml config to use")
	cli.AddJSONFlag(cmd, &opts.JSON)
	cmd.Flags().StringVarP(&opts.OutFile, "out", "o", "", "Write the output to `FILE` (atomically) instead of stdout; an existing FILE must be empty or a previous synth output")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "Let --out replace any file, even a project input or a file synth did not write")
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "Project `directory` holding Pulumi.yaml (default: found from the working directory upwards)")
	return cmd
}

func runSynth(opts *Options) error {
	cwd, err := opts.Getwd()
	if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	root, err := cli.ProjectRoot(cwd, opts.Dir)
	if err != nil {
		return err
	}
	// --out is checked before the synth, which can take seconds, so a
	// refused path costs nothing, and again before writing, in case the
	// file changed meanwhile. (A kumo resuming a synth it handed off has
	// checked it before the program ran.)
	if opts.OutFile != "" && !synth.Resuming() {
		if _, err := checkOut(opts.OutFile, resolve(cwd, opts.OutFile), opts.Force); err != nil {
			return err
		}
	}
	// JSON output is the contract as the program wrote it; only the tree
	// needs the resources read back.
	req := synth.Request{Root: root, Stack: opts.Stack, JSONOnly: opts.JSON}
	var res *synth.Result
	if opts.Program == nil && opts.Handoff != nil {
		// kumo's pages need not stay resident beside the program's: this
		// process becomes the program's and comes back as kumo to go on
		// here.
		res, err = synth.SynthesizeProjectHandingOff(opts.Context, req, opts.IO.ErrOut, *opts.Handoff)
	} else {
		res, err = checkcmd.SynthesizeChecked(opts.Context, req, opts.Program, opts.IO.ErrOut)
	}
	if err != nil {
		return err
	}
	// kumo check's rules ran with the synth: error findings fail it before
	// any output is written, warnings are printed.
	if err := checkcmd.ReportForSynth(opts.IO.ErrOut, res); err != nil {
		return err
	}
	// What synth could not check (encrypted values it could not decrypt)
	// goes to stderr, so it is seen but never mixed into the output.
	for _, n := range res.Notes {
		fmt.Fprintf(opts.IO.ErrOut, "kumo: note: %s\n", n)
	}

	out, err := cli.Render(opts.JSON, res, res.WriteTree)
	if err != nil {
		return err
	}

	if opts.OutFile == "" {
		return opts.IO.WriteOutput(out)
	}
	target, err := checkOut(opts.OutFile, resolve(cwd, opts.OutFile), opts.Force)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(target, out); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "wrote %s (%d resources)\n", opts.OutFile, res.ResourceCount())
	return nil
}

func resolve(cwd, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(cwd, p)
}

// writeFileAtomic replaces path with data via a temporary file in the same
// directory and a rename, so readers (and a failed run) never see a partial
// file. An existing file keeps its permissions. path must not be a symbolic
// link, which the rename would replace: checkOut resolves --out to the file
// the link leads to.
func writeFileAtomic(path string, data []byte) (err error) {
	mode := fs.FileMode(0o644)
	if info, statErr := os.Stat(path); statErr == nil {
		if !info.Mode().IsRegular() {
			return fmt.Errorf("write %s: not a regular file", path)
		}
		mode = info.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
