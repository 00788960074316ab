// Package costcmd implements `kumo cost`: synthesize a stack offline, as
// kumo synth does, and estimate what it costs a month at the traffic of its
// usage profile, per pattern and per resource, with the assumptions, the
// prices the table lacks and the free tiers.
package costcmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kumo-iac/kumo/cmd/kumo/internal/checkcmd"
	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
	"github.com/kumo-iac/kumo/internal/cost"
	"github.com/kumo-iac/kumo/internal/synth"
)

// Options are the inputs of one `kumo cost` run.
type Options struct {
	IO      *cli.IOStreams
	Getwd   func() (string, error)
	Program func(root string) synth.Program
	Context context.Context

	// Stack selects Pulumi.<Stack>.yaml. Default: dev.
	Stack string
	// Usage is the usage file. Default: Pulumi.<Stack>.usage.yaml next to
	// the stack file when it exists, else the documented defaults.
	Usage string
	// JSON prints the report's JSON contract (kumo-cost/v1).
	JSON bool
	// Dir is the project directory. Default: found from the working
	// directory upwards.
	Dir string
}

// NewCmdCost returns the cost command. runF replaces the run in tests of
// flag parsing; nil runs the estimate.
func NewCmdCost(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Getwd: f.Getwd, Program: f.Program}
	cmd := &cobra.Command{
		Use:   "cost",
		Short: "Estimate what a stack costs a month at your traffic, offline",
		Long: `Synthesize the stack offline (as kumo synth does) and estimate its monthly
cost in USD: per pattern and per resource, always-on (fixed) costs apart from
what the traffic adds, each line with its formula and the prices it used.

The traffic comes from the usage file, Pulumi.<stack>.usage.yaml next to the
stack file (--usage names another), or from documented defaults per pattern;
every number used is listed with where it came from. kumo derives what the
stack itself says: a schedule's runs, a stream's shards, a function's memory
and architecture, log retention, lifecycle rules, what each upload or route
invokes. Prices come from kumo's embedded price table, each with its source
and the date it was read; a price the table lacks is listed under "No price"
and left out of the total, never counted as 0. Free tiers are listed with what
they would save, not subtracted.

Exit codes: 0 success, 1 failure, 2 bad usage (a --usage file that does not
exist), 3 a usage file or stack config kumo refuses, 4 kumo check errors
(as kumo synth).`,
		Example: `  kumo cost --stack prod
  kumo cost --stack prod --usage traffic.yaml --json`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cli.CheckStack(opts.Stack); err != nil {
				return err
			}
			opts.Context = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return runCost(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Stack, "stack", "s", "dev", "Stack whose Pulumi.<stack>.yaml config to use")
	cmd.Flags().StringVar(&opts.Usage, "usage", "", "Usage `FILE` (YAML) with the traffic to price (default: Pulumi.<stack>.usage.yaml when it exists, else kumo's defaults)")
	cli.AddJSONFlag(cmd, &opts.JSON)
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "Project `directory` holding Pulumi.yaml (default: found from the working directory upwards)")
	return cmd
}

func runCost(opts *Options) error {
	cwd, err := opts.Getwd()
	if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	root, err := cli.ProjectRoot(cwd, opts.Dir)
	if err != nil {
		return err
	}
	// The usage file is read before the synth, which can take seconds: a
	// file that is not a YAML mapping fails at once. A mapping kumo
	// refuses still names functions and routes, which only the stack can
	// check: the synth goes ahead with the file's usable part, and the
	// estimate reports every problem of the file at once. Nothing is
	// printed on stdout either way.
	usage, err := loadUsage(cwd, root, opts)
	var refused error
	var ue *cost.UsageError
	if err != nil && (usage == nil || !errors.As(err, &ue)) {
		return err
	} else if err != nil {
		refused = err
	}
	table, err := cost.LoadTable()
	if err != nil {
		return err
	}
	res, err := checkcmd.SynthesizeChecked(opts.Context, synth.Request{Root: root, Stack: opts.Stack}, opts.Program, opts.IO.ErrOut)
	if err != nil {
		return cmp.Or(refused, err)
	}
	if err := checkcmd.ReportForSynth(opts.IO.ErrOut, res); err != nil {
		return cmp.Or(refused, err)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(opts.IO.ErrOut, "kumo: note: %s\n", n)
	}
	region := res.Region
	if region == "" {
		// A program built with a kumo older than the contract's region
		// field: the stack file says where it runs.
		region = stackRegion(root, opts.Stack)
	}
	rep, err := cost.Estimate(res.Project, res.Stack, region, Resources(res), usage, table)
	if err != nil {
		return badInput(err)
	}
	out, err := cli.Render(opts.JSON, rep, rep.WriteText)
	if err != nil {
		return err
	}
	return opts.IO.WriteOutput(out)
}

// loadUsage reads --usage, or the stack's usage file when it exists.
func loadUsage(cwd, root string, opts *Options) (*cost.Usage, error) {
	if opts.Usage == "" {
		u, err := cost.LoadStackUsage(root, opts.Stack)
		return u, badInput(err)
	}
	path := opts.Usage
	if !filepath.IsAbs(path) {
		path = filepath.Join(cwd, path)
	}
	u, err := cost.LoadUsage(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, cli.UsageErrorf("--usage %s: no such file", opts.Usage)
	}
	return u, badInput(err)
}

// badInput makes a usage file kumo refuses exit with the bad-input code.
func badInput(err error) error {
	var ue *cost.UsageError
	if errors.As(err, &ue) {
		return &cli.Error{Code: cli.ExitInvalidConfig, Err: err}
	}
	return err
}

// stackRegion is the stack file's aws:region, or the us-east-1 synth's
// mocks assume without one.
func stackRegion(root, stack string) string {
	sc, err := synth.LoadStackConfig(root, stack)
	if err == nil && sc.Raw["aws:region"] != "" {
		return sc.Raw["aws:region"]
	}
	return "us-east-1"
}

// Resources turns a synth result into the estimator's input: each
// resource with the region its provider deploys it to.
func Resources(res *synth.Result) []cost.Resource {
	out := make([]cost.Resource, 0, len(res.Resources))
	for i := range res.Resources {
		r := &res.Resources[i]
		out = append(out, cost.Resource{URN: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent, Region: r.Region(),
			Component: !r.Custom, Inputs: r.Inputs})
	}
	return out
}
