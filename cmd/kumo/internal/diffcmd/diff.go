// Package diffcmd implements `kumo diff`: review what a change does to a
// stack — from two `kumo synth --json` documents (offline, no credentials,
// so fork pull requests get it too) or from `pulumi preview --json` — as
// text, JSON or a GitHub pull-request comment, and gate CI on what matters.
package diffcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
	"github.com/kumo-iac/kumo/internal/cost"
	"github.com/kumo-iac/kumo/internal/diff"
	"github.com/kumo-iac/kumo/internal/prcomment"
)

// Output formats.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
	FormatJSON     = "json"
)

// minMaxChars is the smallest --max-chars: room for the marker, the
// summary and a few dangers, below which a comment would say nothing.
const minMaxChars = 4096

// Options are the inputs of one `kumo diff` run.
type Options struct {
	IO      *cli.IOStreams
	Context context.Context
	Getenv  func(string) string
	// Getwd is where relative paths and the project directory's search
	// start. Default: os.Getwd.
	Getwd func() (string, error)
	// ReadFile reads the CI's event file (GitHub Actions). Default: os.ReadFile.
	ReadFile func(string) ([]byte, error)
	// Post tunes the GitHub client (tests point its Transport at a local
	// server). Default: the zero value, kumo's timeouts and retries.
	Post prcomment.Options

	// Base and Head are synth documents, or directories of them.
	Base, Head string
	// Previews are `pulumi preview --json` outputs, one per stack.
	Previews []string
	// Format is text, markdown or json. Default: text.
	Format string
	// Color is auto, always or never. Default: auto (colour when stdout
	// is a terminal and NO_COLOR is unset).
	Color string
	// FailOn are the gate's categories; Allow exempts resources from it.
	FailOn, Allow []string
	// Comment is "github" to post the Markdown as the PR's kumo comment.
	Comment string
	// Repo ("owner/name") and PR override what the CI environment says.
	Repo string
	PR   int
	// MaxChars bounds the Markdown. Default: GitHub's comment limit.
	MaxChars int
	// Usage is the usage file both sides of a synth diff are priced at.
	// Default: the stack's Pulumi.<stack>.usage.yaml in the project
	// directory when it exists, else kumo's defaults.
	Usage string
	// Dir is the project directory whose usage files price the change.
	// Default: found from the working directory upwards.
	Dir string
	// MaxCostIncrease is the monthly increase in USD that --fail-on cost
	// lets through, as given. Default: "" ($0).
	MaxCostIncrease string
	maxCost         *big.Rat
}

// NewCmdDiff returns the diff command. runF replaces the run in tests of
// flag parsing; nil runs the diff.
func NewCmdDiff(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Getenv: os.Getenv, ReadFile: os.ReadFile, Getwd: f.Getwd}
	if opts.Getwd == nil {
		opts.Getwd = os.Getwd
	}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff [BASE HEAD | --preview FILE...]",
		Short: "Review what a change does to a stack: data loss, IAM widening, public exposure, canary plan",
		Long: `Compare two kumo synth --json documents (BASE and HEAD: files, or directories
of them paired by stack) — offline, with no credentials — or read the JSON of
pulumi preview --json (--preview, repeatable, one per stack), and say what the
change does, in the order a reviewer needs it: a summary per stack, the
dangerous changes (replacement or deletion of anything holding data, IAM
statements added or broadened, public exposure), the canary plan (each
function that publishes a version, why, and how traffic shifts), then the
rest by component. Unchanged resources are left out; secrets show as
[secret] and values only known after deploy say so.

With synth documents, the review also prices both sides as kumo cost does
and shows the monthly cost before and after, the change, and the resources
behind it. Both sides are priced at one usage profile: --usage FILE, else
the stack's Pulumi.<stack>.usage.yaml in the project directory (--dir, or
found from the working directory upwards) when it exists, else kumo's
defaults. A preview, or a document written before the synth contract had
regions, gets no price: the review says why.

--format markdown renders a GitHub pull-request comment that stays under
GitHub's size limit (detail is trimmed first, the summary and the dangers
never); --comment github posts it, editing kumo's one comment in place.

--fail-on sets a non-zero exit (5) for CI when the change has any of:
data-loss, replace, delete, iam-widening, public, cost, any. cost fails when
a stack's monthly cost grows by more than --max-cost-increase (default $0),
when the change adds a cost kumo has no price for, or when the cost change
is unavailable. --allow exempts resources from the gate by URN, name, type,
or a glob of them (from cost: their part of the increase).

Exit codes: 0 reviewed (and the gate passed), 5 the gate failed, 2 bad
usage (a --usage file that does not exist included), 3 a usage file kumo
refuses, 1 any other failure (unreadable input, a comment that could not be
posted).`,
		Example: `  kumo synth --stack dev --json --out head.json   # and base.json from the base branch
  kumo diff base.json head.json
  kumo diff base/ head/ --format markdown --comment github --fail-on data-loss,iam-widening
  pulumi preview --json --stack prod > prod.json && kumo diff --preview prod.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				if cmd.Flags().Changed("format") && opts.Format != FormatJSON {
					return cli.UsageErrorf("--json and --format %s: choose one", opts.Format)
				}
				opts.Format = FormatJSON
			}
			if err := opts.validate(args); err != nil {
				return err
			}
			opts.Context = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Previews, "preview", nil, "A `file` of pulumi preview --json output (repeat for more stacks); excludes BASE HEAD")
	fl.StringVar(&opts.Format, "format", FormatText, "Output `format`: text, markdown (a GitHub comment) or json")
	fl.BoolVar(&asJSON, "json", false, "Shorthand for --format json")
	fl.StringVar(&opts.Color, "color", "auto", "Colour the text view: auto (when stdout is a terminal and NO_COLOR is unset), always or never")
	fl.StringSliceVar(&opts.FailOn, "fail-on", nil, "Exit 5 when the change has any of these `categories`: data-loss, replace, delete, iam-widening, public, cost, any")
	fl.StringVar(&opts.MaxCostIncrease, "max-cost-increase", "", "The monthly increase in `USD` per stack that --fail-on cost lets through (default 0)")
	fl.StringVar(&opts.Usage, "usage", "", "Usage `FILE` (YAML) both sides are priced at (default: Pulumi.<stack>.usage.yaml in the project directory when it exists, else kumo's defaults)")
	fl.StringVar(&opts.Dir, "dir", "", "Project `directory` whose usage files price the change (default: found from the working directory upwards)")
	fl.StringArrayVar(&opts.Allow, "allow", nil, "Exempt from --fail-on the resources matching this `pattern` (URN, name, type, or a glob of them; repeatable)")
	fl.StringVar(&opts.Comment, "comment", "", "Post the Markdown review as the pull request's kumo comment: github")
	fl.StringVar(&opts.Repo, "repo", "", "The `owner/name` of the repository to comment on (default: from GitHub Actions or CodeBuild)")
	fl.IntVar(&opts.PR, "pr", 0, "The pull request `number` to comment on (default: from GitHub Actions or CodeBuild)")
	fl.IntVar(&opts.MaxChars, "max-chars", diff.DefaultMaxChars, "Bound the Markdown to this many `characters`")
	return cmd
}

func (o *Options) validate(args []string) error {
	switch {
	case len(o.Previews) > 0 && len(args) > 0:
		return cli.UsageErrorf("give either BASE HEAD (two synth documents) or --preview FILE, not both")
	case len(o.Previews) == 0 && len(args) != 2:
		return cli.UsageErrorf("want BASE HEAD (two kumo synth --json documents or directories of them) or --preview FILE; got %d argument(s)", len(args))
	case len(args) == 2:
		o.Base, o.Head = args[0], args[1]
	}
	if !slices.Contains([]string{FormatText, FormatMarkdown, FormatJSON}, o.Format) {
		return cli.UsageErrorf("--format %q: want text, markdown or json", o.Format)
	}
	if !slices.Contains([]string{"auto", "always", "never"}, o.Color) {
		return cli.UsageErrorf("--color %q: want auto, always or never", o.Color)
	}
	if o.Comment != "" && o.Comment != "github" {
		return cli.UsageErrorf("--comment %q: want github", o.Comment)
	}
	if o.Comment == "" && (o.Repo != "" || o.PR != 0) {
		return cli.UsageErrorf("--repo and --pr say where --comment github posts; add --comment github")
	}
	if o.MaxChars < minMaxChars || o.MaxChars > diff.DefaultMaxChars {
		return cli.UsageErrorf("--max-chars %d: want %d–%d (GitHub's limit)", o.MaxChars, minMaxChars, diff.DefaultMaxChars)
	}
	// The gate's categories are checked before any input is read, so a
	// typo in CI fails at once rather than after a passing diff.
	if _, err := diff.Gate(diff.Report{}, o.FailOn, o.Allow); err != nil {
		return &cli.Error{Code: cli.ExitUsage, Err: fmt.Errorf("--fail-on: %w", err)}
	}
	gatesCost := slices.ContainsFunc(o.FailOn, func(c string) bool { return strings.TrimSpace(c) == diff.GateCost })
	if o.MaxCostIncrease != "" {
		if !gatesCost {
			return cli.UsageErrorf("--max-cost-increase sets the limit of --fail-on %s; add %s to --fail-on", diff.GateCost, diff.GateCost)
		}
		r, ok := new(big.Rat).SetString(o.MaxCostIncrease)
		if !ok || r.Sign() < 0 || !plainDecimal(o.MaxCostIncrease) {
			return cli.UsageErrorf("--max-cost-increase %q: want an amount of US dollars ≥ 0 a month, such as 25 or 12.50", o.MaxCostIncrease)
		}
		o.maxCost = r
	}
	if len(o.Previews) > 0 {
		// A preview carries no synth documents to price (see
		// diff.Price): these flags could only mislead.
		switch {
		case o.Usage != "":
			return cli.UsageErrorf("--usage prices two synth documents (BASE HEAD); a pulumi preview has no cost to price")
		case o.Dir != "":
			return cli.UsageErrorf("--dir finds the usage files that price two synth documents (BASE HEAD); a pulumi preview has no cost to price")
		case gatesCost:
			return cli.UsageErrorf("--fail-on %s needs two synth documents (BASE HEAD): a pulumi preview lists only the resources it changes, not what the stack costs", diff.GateCost)
		}
	}
	return nil
}

// plainDecimal is digits with at most one decimal point: what an amount
// of dollars is written as (big.Rat would also take "1/3" and "1e3").
func plainDecimal(s string) bool {
	dot := false
	digits := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

func run(o *Options) error {
	table, err := cost.LoadTable()
	if err != nil {
		return err
	}
	pricing := diff.Pricing{Table: table}
	var diffs []diff.StackDiff
	if len(o.Previews) > 0 {
		for _, p := range o.Previews {
			data, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("--preview: %w", err)
			}
			d, err := diff.ReadPreview(data)
			if err != nil {
				return fmt.Errorf("--preview %s: %w", p, err)
			}
			diffs = append(diffs, d...)
		}
	} else {
		// The usage profile is found and read before the inputs: a
		// mistake in it fails at once, with nothing on stdout.
		if pricing.Profile, err = o.profiles(); err != nil {
			return err
		}
		if diffs, err = diff.Load(o.Base, o.Head); err != nil {
			return err
		}
	}
	if err := diff.Price(diffs, pricing); err != nil {
		var ue *cost.UsageError
		if errors.As(err, &ue) {
			return &cli.Error{Code: cli.ExitInvalidConfig, Err: err}
		}
		return err
	}
	rep := diff.Analyze(diffs)

	var markdown string
	if o.Format == FormatMarkdown || o.Comment != "" {
		markdown = diff.RenderMarkdown(rep, diff.MarkdownOptions{MaxChars: o.MaxChars})
	}
	var out bytes.Buffer
	switch o.Format {
	case FormatJSON:
		if err := diff.RenderJSON(&out, rep); err != nil {
			return err
		}
	case FormatMarkdown:
		out.WriteString(markdown)
	default:
		if err := diff.RenderText(&out, rep, diff.TextOptions{Color: o.color()}); err != nil {
			return err
		}
	}
	if err := o.IO.WriteOutput(out.Bytes()); err != nil {
		return err
	}
	if o.Comment != "" {
		if err := o.post(rep, markdown); err != nil {
			return err
		}
	}
	violations, err := diff.GateWith(rep, o.FailOn, o.Allow, diff.GateLimits{MaxCostIncrease: o.maxCost})
	if err != nil {
		return err
	}
	if len(violations) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "%d change(s) fail --fail-on %s:", len(violations), strings.Join(o.FailOn, ","))
		for _, v := range violations {
			fmt.Fprintf(&b, "\n  %s", v)
		}
		b.WriteString("\nreview them; to accept one, add --allow with its URN, name or type")
		return &cli.Error{Code: cli.ExitDiffGate, Err: fmt.Errorf("%s", b.String())}
	}
	return nil
}

// color decides whether the text view is coloured.
func (o *Options) color() bool {
	switch o.Color {
	case "always":
		return true
	case "never":
		return false
	}
	if o.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := o.IO.Out.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// post creates or edits the pull request's kumo comment; prcomment bounds
// the whole exchange with GitHub, retries included.
func (o *Options) post(rep diff.Report, markdown string) error {
	res, err := prcomment.Post(o.Context, o.Repo, o.PR, o.Getenv, o.ReadFile, diff.CommentMarker(rep, ""), markdown, o.Post)
	if err != nil {
		return fmt.Errorf("--comment github: %w", err)
	}
	fmt.Fprintf(o.IO.ErrOut, "kumo diff: pull request comment %s: %s\n", res.Action, res.URL)
	return nil
}

// profiles returns how each stack's change is priced: at --usage, or at
// the stack's usage file in the project directory (read when asked, as a
// directory diff names its stacks only once read). A --usage file that
// does not exist is bad usage and one kumo refuses bad input, as in kumo
// cost; so is a --dir that holds no project.
func (o *Options) profiles() (func(project, stack string) (diff.UsageProfile, error), error) {
	cwd, err := o.Getwd()
	if err != nil {
		return nil, fmt.Errorf("working directory: %w", err)
	}
	if o.Usage != "" {
		path := o.Usage
		if !filepath.IsAbs(path) {
			path = filepath.Join(cwd, path)
		}
		u, err := cost.LoadUsage(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, cli.UsageErrorf("--usage %s: no such file", o.Usage)
		}
		if err != nil {
			return nil, badInput(err)
		}
		p := diff.UsageProfile{Usage: u, Source: o.Usage + " (--usage)"}
		return func(string, string) (diff.UsageProfile, error) { return p, nil }, nil
	}
	root, rootErr := cli.ProjectRoot(cwd, o.Dir)
	if rootErr != nil && o.Dir != "" {
		return nil, &cli.Error{Code: cli.ExitUsage, Err: fmt.Errorf("--dir: %w", rootErr)}
	}
	if rootErr != nil {
		return func(_, stack string) (diff.UsageProfile, error) {
			return diff.UsageProfile{Unavailable: fmt.Sprintf("kumo cannot tell whether stack %s has a usage profile (%v): run kumo diff in the project directory, or pass --dir or --usage", stack, rootErr)}, nil
		}, nil
	}
	// A usage file there that kumo refuses comes back from diff.Price,
	// which run reports as bad input.
	return diff.ProjectProfiles(root), nil
}

// badInput makes a usage file kumo refuses exit with the bad-input code.
func badInput(err error) error {
	var ue *cost.UsageError
	if errors.As(err, &ue) {
		return &cli.Error{Code: cli.ExitInvalidConfig, Err: err}
	}
	return err
}
