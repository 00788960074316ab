// Package initcmd implements `kumo init`: scaffold a new kumo app that
// builds, tests and synthesizes at once — a Go module requiring kumo, a
// Pulumi project and dev stack, a program composing a pattern, a construct
// with a handler of its own and a plain AWS resource, and tests of both.
package initcmd

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
)

// kumoModule is the module the scaffold requires.
const kumoModule = "github.com/kumo-iac/kumo"

//go:embed scaffold/*.tmpl
var scaffoldFS embed.FS

// files maps each template to the path it is written to, in writing order.
var files = []struct{ tmpl, path string }{
	{"go.mod.tmpl", "go.mod"},
	{"Pulumi.yaml.tmpl", "Pulumi.yaml"},
	{"Pulumi.dev.yaml.tmpl", "Pulumi.dev.yaml"},
	{"gitignore.tmpl", ".gitignore"},
	{"bin-gitignore.tmpl", "bin/.gitignore"},
	{"main.go.tmpl", "main.go"},
	{"main_test.go.tmpl", "main_test.go"},
	{"hello-main.go.tmpl", "functions/hello/main.go"},
	{"hello-main_test.go.tmpl", "functions/hello/main_test.go"},
}

// Options are the inputs of one `kumo init` run.
type Options struct {
	IO      *cli.IOStreams
	Getwd   func() (string, error)
	Context context.Context
	// Tidy runs `go mod tidy` in dir, reporting progress to stderr.
	// Default: the go command, with GOFLAGS=-mod=mod and GOWORK=off.
	Tidy func(ctx context.Context, dir string, stderr io.Writer) error
	// BuildInfo reports how this kumo binary was built. Default:
	// debug.ReadBuildInfo.
	BuildInfo func() (*debug.BuildInfo, bool)

	// Dir is the directory to create the app in. Default: ".".
	Dir string
	// Module is the new Go module's path. Default: the directory's name.
	Module string
	// KumoVersion is the kumo version go.mod requires. Default: this
	// binary's kumo version, when it was built from a released module.
	KumoVersion string
	// Replace is a local kumo checkout go.mod replaces kumo with.
	// Default: none.
	Replace string
	// Region is the dev stack's aws:region. Default: eu-west-1.
	Region string
	// Force writes into a non-empty directory, still never replacing a
	// file or directory of the scaffold's names. Default: false.
	Force bool
}

// NewCmdInit returns the init command. runF replaces the run in tests that
// only check flag parsing; nil runs it.
func NewCmdInit(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Getwd: f.Getwd}
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create a new kumo app that builds, tests and synthesizes at once",
		Long: `Create a kumo app in DIR (default: the working directory), which must be
new or empty: a Go module requiring kumo, a Pulumi project (Pulumi.yaml,
Pulumi.dev.yaml), and a program (main.go) composing kumo's web app pattern,
a function with a handler of its own (functions/hello) and a plain AWS
queue, with tests of the handler and of the stack.

go.mod requires the kumo version this binary was built from; a kumo built
from a checkout has none, so pass --kumo-version, or --replace with the
checkout's directory. init then runs go mod tidy, so go.sum pins every
dependency, and writes nothing at all if that fails.

--force writes into a non-empty directory, such as a fresh clone, but never
replaces anything: it refuses if any of the scaffold's files or directories
(go.mod, main.go, functions, ...) is already there.`,
		Example: `  kumo init myapp
  kumo init myapp --module github.com/me/myapp --region us-east-1
  kumo init --replace ~/src/kumo myapp`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cli.UsageErrorf("too many arguments: %q takes at most one directory", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			opts.Context = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return runInit(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Module, "module", "", "Go module `path` of the new app (default: the directory's name)")
	cmd.Flags().StringVar(&opts.KumoVersion, "kumo-version", "", "kumo `version` go.mod requires (default: this kumo's own version)")
	cmd.Flags().StringVar(&opts.Replace, "replace", "", "Use the kumo checkout in `DIR` (a replace directive in go.mod)")
	cmd.Flags().StringVar(&opts.Region, "region", "eu-west-1", "AWS `region` of the dev stack")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "Write into a non-empty directory (never replacing any of the scaffold's files)")
	return cmd
}

// data fills the templates.
type data struct {
	Module, Project, KumoVersion, Replace, Region string
}

var (
	versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	moduleRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]*(/[A-Za-z0-9._~-]+)*$`)
	unsafeRE  = regexp.MustCompile(`[^a-z0-9._-]+`)
)

func runInit(opts *Options) error {
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	cwd, err := opts.Getwd()
	if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	target := filepath.Clean(dir)
	if !filepath.IsAbs(target) {
		target = filepath.Join(cwd, target)
	}
	d, err := opts.data(cwd, target)
	if err != nil {
		return err
	}
	rendered, err := render(d)
	if err != nil {
		return err
	}
	exists, err := checkTarget(dir, target, opts.Force)
	if err != nil {
		return err
	}
	tidy := opts.Tidy
	if tidy == nil {
		tidy = goModTidy
	}
	if err := write(ctx, target, exists, rendered, tidy, opts.IO.ErrOut); err != nil {
		return err
	}
	return nextSteps(opts.IO, dir, d)
}

// data works out the template values, reporting every bad flag at once.
func (opts *Options) data(cwd, target string) (data, error) {
	var problems []string
	base := strings.ToLower(filepath.Base(target))
	name := strings.Trim(unsafeRE.ReplaceAllString(base, "-"), "-._")
	if name == "" {
		name = "app"
	}
	d := data{Module: opts.Module, Project: name, Region: opts.Region, KumoVersion: opts.KumoVersion}
	if d.Module == "" {
		d.Module = name
	} else if !moduleRE.MatchString(d.Module) || strings.Contains(d.Module, "..") {
		problems = append(problems, fmt.Sprintf("--module %q is not a Go module path; use letters, digits and . _ ~ - in /-separated elements, e.g. github.com/me/myapp", d.Module))
	}
	if d.Region == "" {
		d.Region = "eu-west-1"
	} else if !regionRE.MatchString(d.Region) {
		problems = append(problems, fmt.Sprintf("--region %q is not an AWS region; use a code such as eu-west-1 or us-east-1", d.Region))
	}
	if opts.Replace != "" {
		r := opts.Replace
		if !filepath.IsAbs(r) {
			r = filepath.Join(cwd, r)
		}
		r = filepath.Clean(r)
		if err := checkCheckout(r); err != nil {
			problems = append(problems, fmt.Sprintf("--replace %q: %v", opts.Replace, err))
		}
		d.Replace = filepath.ToSlash(r)
	}
	switch {
	case d.KumoVersion != "":
		if !versionRE.MatchString(d.KumoVersion) {
			problems = append(problems, fmt.Sprintf("--kumo-version %q is not a module version; use a tag such as v0.4.0", d.KumoVersion))
		}
	case opts.buildVersion() != "":
		d.KumoVersion = opts.buildVersion()
	case d.Replace != "":
		// Any version does under a replace directive; v0.0.0 says none.
		d.KumoVersion = "v0.0.0"
	default:
		problems = append(problems, "no kumo version to require: this kumo was built from a checkout, not a released module; pass --kumo-version (e.g. v0.4.0), or --replace with the checkout's directory")
	}
	if len(problems) > 0 {
		return d, cli.UsageErrorf("%s", strings.Join(problems, "; "))
	}
	return d, nil
}

// buildVersion is the kumo module version this binary was built from, or
// "" for a build from a checkout ("(devel)", or a VCS-stamped version of
// local, possibly unpublished, commits).
func (opts *Options) buildVersion() string {
	read := opts.BuildInfo
	if read == nil {
		read = debug.ReadBuildInfo
	}
	bi, ok := read()
	if !ok || bi.Main.Path != kumoModule {
		return ""
	}
	v := bi.Main.Version
	if !versionRE.MatchString(v) || strings.Contains(v, "+") {
		return ""
	}
	return v
}

// checkCheckout checks that dir is a kumo module.
func checkCheckout(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return errors.New("no go.mod there; give the directory of a kumo checkout")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			if strings.Trim(f[1], `"`) != kumoModule {
				return fmt.Errorf("its go.mod is module %s, not %s", f[1], kumoModule)
			}
			return nil
		}
	}
	return errors.New("its go.mod names no module")
}

type file struct {
	path string
	data []byte
}

func render(d data) ([]file, error) {
	var out []file
	for _, f := range files {
		t, err := template.ParseFS(scaffoldFS, "scaffold/"+f.tmpl)
		if err != nil {
			return nil, fmt.Errorf("scaffold %s: %w", f.tmpl, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, d); err != nil {
			return nil, fmt.Errorf("scaffold %s: %w", f.tmpl, err)
		}
		out = append(out, file{f.path, b.Bytes()})
	}
	return out, nil
}

// topLevel returns the names the scaffold puts directly in the app's
// directory, which --force must not find there.
func topLevel() []string {
	var names []string
	for _, f := range append(files, struct{ tmpl, path string }{path: "go.sum"}) {
		first, _, _ := strings.Cut(f.path, "/")
		if !slices.Contains(names, first) {
			names = append(names, first)
		}
	}
	slices.Sort(names)
	return names
}

// checkTarget reports whether target exists, and refuses a target kumo
// init must not write into.
func checkTarget(given, target string, force bool) (exists bool, err error) {
	fi, err := os.Stat(target)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case !fi.IsDir():
		return false, fmt.Errorf("refusing to create an app in %s: it is a file, not a directory", given)
	}
	entries, err := os.ReadDir(target)
	if err != nil {
		return false, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !force {
		if len(names) > 0 {
			return true, fmt.Errorf("refusing to create an app in %s: it is not empty (it holds %s); choose a new or empty directory, or pass --force to add the app's files beside these", given, list(names))
		}
		return true, nil
	}
	var clash []string
	for _, n := range topLevel() {
		if slices.Contains(names, n) {
			clash = append(clash, n)
		}
	}
	if len(clash) > 0 {
		return true, fmt.Errorf("refusing to create an app in %s: it already holds %s, which the app would replace; move them away or choose another directory", given, list(clash))
	}
	return true, nil
}

// list names up to five entries, and how many more there are.
func list(names []string) string {
	const max = 5
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}

// write puts the app into target all at once: it is written and tidied in
// a staging directory beside target, then moved in, so a failure at any
// step leaves target as it was.
func write(ctx context.Context, target string, exists bool, rendered []file, tidy func(context.Context, string, io.Writer) error, stderr io.Writer) (err error) {
	parent := filepath.Dir(target)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	stage, err := os.MkdirTemp(parent, "."+filepath.Base(target)+".kumo-init-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(stage)
		}
	}()
	for _, f := range rendered {
		p := filepath.Join(stage, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return err
		}
	}
	if err := tidy(ctx, stage, stderr); err != nil {
		return fmt.Errorf("go mod tidy in the new app: %w; nothing was written", err)
	}
	if !exists {
		if err := os.Chmod(stage, 0o755); err != nil {
			return err
		}
		return os.Rename(stage, target)
	}
	var moved []string
	for _, n := range topLevel() {
		if err := os.Rename(filepath.Join(stage, n), filepath.Join(target, n)); err != nil {
			for _, m := range moved {
				os.Rename(filepath.Join(target, m), filepath.Join(stage, m))
			}
			return fmt.Errorf("move the app into %s: %w; nothing was written", target, err)
		}
		moved = append(moved, n)
	}
	return os.Remove(stage)
}

// goModTidy pins every dependency in go.sum. -mod=mod lets it edit go.mod;
// GOWORK=off keeps a go.work above the app out of it.
func goModTidy(ctx context.Context, dir string, _ io.Writer) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return errors.New("kumo init needs the go command on PATH; install Go from https://go.dev/dl")
	}
	cmd := exec.CommandContext(ctx, goBin, "mod", "tidy")
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	// Its output is only news when it fails, and then it is in the error.
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(out.String()); msg != "" {
			return fmt.Errorf("%w: %s", err, msg)
		}
		return err
	}
	return nil
}

func nextSteps(ios *cli.IOStreams, dir string, d data) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Created the kumo app %s (module %s, kumo %s) in %s.\n\nNext:\n", d.Project, d.Module, d.KumoVersion, dir)
	if dir != "." {
		fmt.Fprintf(&b, "  cd %s\n", dir)
	}
	b.WriteString(`  go test ./...    # the handler's and the stack's tests, offline
  kumo synth       # what the dev stack would deploy, offline
  pulumi stack init dev && pulumi up    # deploy it, with AWS credentials
`)
	return ios.WriteOutput(b.Bytes())
}
