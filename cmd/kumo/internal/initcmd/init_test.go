package initcmd

import (
	"context"
	"errors"
	"go/format"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
)

// checkout is a stand-in kumo checkout for --replace.
func checkout(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module github.com/kumo-iac/kumo\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func buildInfo(version string) func() (*debug.BuildInfo, bool) {
	return func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Path: kumoModule, Version: version}}, true
	}
}

// run runs kumo init in cwd with a tidy that only writes go.sum, and
// returns its stdout and error.
func run(t *testing.T, cwd string, version string, args ...string) (string, error) {
	t.Helper()
	ios, _, out, _ := cli.Test()
	f := &cli.Factory{IO: ios, Getwd: func() (string, error) { return cwd, nil }}
	cmd := NewCmdInit(f, func(o *Options) error {
		o.BuildInfo = buildInfo(version)
		o.Tidy = func(_ context.Context, dir string, _ io.Writer) error {
			return os.WriteFile(filepath.Join(dir, "go.sum"), nil, 0o644)
		}
		return runInit(o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	return out.String(), err
}

func exitCode(err error) cli.ExitCode {
	var e *cli.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return cli.ExitError
	}
	return cli.ExitOK
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestInitWritesTheApp(t *testing.T) {
	cwd := t.TempDir()
	out, err := run(t, cwd, "v1.2.3", "My App", "--module", "github.com/me/myapp", "--region", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cwd, "My App")
	for _, f := range append([]string{"go.sum"}, func() (ps []string) {
		for _, f := range files {
			ps = append(ps, f.path)
		}
		return ps
	}()...) {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("app directory: got %v, %v; want mode 0755", fi.Mode(), err)
	}
	gomod := read(t, filepath.Join(dir, "go.mod"))
	for _, want := range []string{"module github.com/me/myapp\n", "require github.com/kumo-iac/kumo v1.2.3\n"} {
		if !strings.Contains(gomod, want) {
			t.Errorf("go.mod lacks %q:\n%s", want, gomod)
		}
	}
	if strings.Contains(gomod, "replace") {
		t.Errorf("go.mod has a replace directive without --replace:\n%s", gomod)
	}
	if got := read(t, filepath.Join(dir, "Pulumi.yaml")); !strings.HasPrefix(got, "name: my-app\n") || !strings.Contains(got, "path: ./bin") {
		t.Errorf("Pulumi.yaml: want project my-app and the plugin path:\n%s", got)
	}
	if got := read(t, filepath.Join(dir, "Pulumi.dev.yaml")); !strings.Contains(got, "aws:region: us-east-1\n") {
		t.Errorf("Pulumi.dev.yaml: want region us-east-1:\n%s", got)
	}
	for _, f := range []string{"main.go", "main_test.go", "functions/hello/main.go", "functions/hello/main_test.go"} {
		src := read(t, filepath.Join(dir, filepath.FromSlash(f)))
		if formatted, err := format.Source([]byte(src)); err != nil || string(formatted) != src {
			t.Errorf("%s is not gofmt-clean Go (%v)", f, err)
		}
	}
	for _, want := range []string{"in My App.", "cd My App\n", "go test ./...", "kumo synth"} {
		if !strings.Contains(out, want) {
			t.Errorf("next steps lack %q:\n%s", want, out)
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(cwd, ".*kumo-init-*")); len(leftovers) > 0 {
		t.Errorf("staging directories left behind: %v", leftovers)
	}
}

func TestInitVersionAndFlags(t *testing.T) {
	kumo := checkout(t)
	tests := []struct {
		name    string
		version string // of the running binary
		args    []string
		want    string // in go.mod, or in the error (" | " separates several)
		code    cli.ExitCode
	}{
		{"released binary", "v0.4.0", nil, "require github.com/kumo-iac/kumo v0.4.0\n", cli.ExitOK},
		{"flag wins", "v0.4.0", []string{"--kumo-version", "v0.5.0-rc.1"}, "require github.com/kumo-iac/kumo v0.5.0-rc.1\n", cli.ExitOK},
		{"checkout build and replace", "(devel)", []string{"--replace", kumo}, "replace github.com/kumo-iac/kumo => " + filepath.ToSlash(kumo) + "\n", cli.ExitOK},
		{"checkout build alone", "(devel)", nil, "pass --kumo-version", cli.ExitUsage},
		{"dirty VCS build", "v0.4.1-0.20250101000000-abcdefabcdef+dirty", nil, "pass --kumo-version", cli.ExitUsage},
		{"bad flags, all reported", "v0.4.0", []string{"--kumo-version", "latest", "--module", "a b", "--region", "Europe", "--replace", t.TempDir()},
			`--module "a b" is not a Go module path | --region "Europe" is not an AWS region | --replace | --kumo-version "latest" is not a module version`, cli.ExitUsage},
		{"replace that is not kumo", "v0.4.0", []string{"--replace", filepath.Dir(kumo)}, "no go.mod there", cli.ExitUsage},
		{"two directories", "v0.4.0", []string{"extra"}, "too many arguments", cli.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd := t.TempDir()
			_, err := run(t, cwd, tt.version, append([]string{"app"}, tt.args...)...)
			if got := exitCode(err); got != tt.code {
				t.Fatalf("exit code: got %d (%v); want %d", got, err, tt.code)
			}
			if err != nil {
				for _, want := range strings.Split(tt.want, " | ") {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q lacks %q", err, want)
					}
				}
				if _, statErr := os.Stat(filepath.Join(cwd, "app")); !errors.Is(statErr, os.ErrNotExist) {
					t.Errorf("app directory exists after a refused init (%v)", statErr)
				}
				return
			}
			if gomod := read(t, filepath.Join(cwd, "app", "go.mod")); !strings.Contains(gomod, tt.want) {
				t.Errorf("go.mod lacks %q:\n%s", tt.want, gomod)
			}
		})
	}
}

// listDir returns the names under dir, recursively, slash-separated.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if rel, _ := filepath.Rel(dir, p); rel != "." {
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(names)
	return names
}

func TestInitNeverOverwrites(t *testing.T) {
	tests := []struct {
		name     string
		existing []string
		force    bool
		want     string
	}{
		{"non-empty", []string{"README.md", "notes/todo.txt"}, false, "it is not empty (it holds README.md, notes); choose a new or empty directory, or pass --force"},
		{"many entries", []string{"a", "b", "c", "d", "e", "f", "g"}, false, "it holds a, b, c, d, e and 2 more"},
		{"force onto the app's files", []string{"README.md", "go.mod", "functions/x.go"}, true, "it already holds functions, go.mod, which the app would replace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd := t.TempDir()
			dir := filepath.Join(cwd, "app")
			for _, f := range tt.existing {
				p := filepath.Join(dir, filepath.FromSlash(f))
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte("mine\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			before := listDir(t, cwd)
			args := []string{"app"}
			if tt.force {
				args = append(args, "--force")
			}
			_, err := run(t, cwd, "v0.4.0", args...)
			if got := exitCode(err); got != cli.ExitError || !strings.Contains(errText(err), tt.want) {
				t.Errorf("got exit %d, %v; want exit 1 and %q", got, err, tt.want)
			}
			if after := listDir(t, cwd); !slices.Equal(after, before) {
				t.Errorf("files changed: got %v; want %v", after, before)
			}
			for _, f := range tt.existing {
				if got := read(t, filepath.Join(dir, filepath.FromSlash(f))); got != "mine\n" {
					t.Errorf("%s changed to %q", f, got)
				}
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestInitForceAddsBesideOtherFiles(t *testing.T) {
	cwd := t.TempDir()
	if err := os.WriteFile(filepath.Join(cwd, "README.md"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// In the working directory itself, as after git clone && cd.
	out, err := run(t, cwd, "v0.4.0", "--force")
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(cwd, "README.md")); got != "mine\n" {
		t.Errorf("README.md changed to %q", got)
	}
	if _, err := os.Stat(filepath.Join(cwd, "functions", "hello", "main.go")); err != nil {
		t.Error(err)
	}
	if strings.Contains(out, "cd ") {
		t.Errorf("next steps say cd for the working directory:\n%s", out)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(cwd), ".*kumo-init-*")); len(leftovers) > 0 {
		t.Errorf("staging directories left behind: %v", leftovers)
	}
}

func TestInitTidyFailureWritesNothing(t *testing.T) {
	cwd := t.TempDir()
	ios, _, out, _ := cli.Test()
	opts := &Options{IO: ios, Getwd: func() (string, error) { return cwd, nil }, Dir: "app", BuildInfo: buildInfo("v0.4.0"),
		Tidy: func(context.Context, string, io.Writer) error {
			return errors.New("exit status 1: go: module lookup disabled")
		}}
	err := runInit(opts)
	if err == nil || !strings.Contains(err.Error(), "go mod tidy in the new app: exit status 1: go: module lookup disabled; nothing was written") {
		t.Errorf("got %v; want tidy's failure and that nothing was written", err)
	}
	if got := listDir(t, cwd); len(got) > 0 {
		t.Errorf("left behind: %v", got)
	}
	if out.Len() > 0 {
		t.Errorf("stdout: got %q; want nothing", out)
	}
}
