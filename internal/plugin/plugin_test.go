package plugin

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// module writes a Go module holding main package ./cmd/p that prints msg,
// and returns its directory.
func module(t *testing.T, msg string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), "module example.com/m\n\ngo 1.24\n")
	write(t, filepath.Join(dir, "cmd", "p", "main.go"), "package main\n\nfunc main() { println(\""+msg+"\") }\n")
	return dir
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// countingBuilder builds example.com/m/cmd/p with the real go command and
// counts the go builds it runs.
func countingBuilder(t *testing.T) (*builder, *atomic.Int32) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	var builds atomic.Int32
	return &builder{pkg: "example.com/m/cmd/p", findGo: findGo,
		run: func(ctx context.Context, goBin, dir string, env []string, args ...string) ([]byte, []byte, error) {
			if args[0] == "build" {
				builds.Add(1)
			}
			return runGo(ctx, goBin, dir, env, args...)
		}}, &builds
}

func run(t *testing.T, exe string) string {
	t.Helper()
	out, err := exec.Command(exe).CombinedOutput()
	if err != nil {
		t.Fatalf("run %s: %v\n%s", exe, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestEnsureBuildsOnlyWhenSourcesChange(t *testing.T) {
	mod := module(t, "one")
	b, builds := countingBuilder(t)
	dir := filepath.Join(t.TempDir(), "bin")
	ctx := context.Background()

	steps := []struct {
		name      string
		change    func()
		wantBuilt bool
		wantOut   string
	}{
		{"first run", func() {}, true, "one"},
		{"unchanged", func() {}, false, "one"},
		{"source edited", func() {
			write(t, filepath.Join(mod, "cmd", "p", "main.go"), "package main\n\nfunc main() { println(\"two\") }\n")
		}, true, "two"},
		{"binary replaced by hand", func() {
			write(t, filepath.Join(dir, Binary()), "#!/bin/sh\necho stale\n")
			os.Chmod(filepath.Join(dir, Binary()), 0o755)
		}, true, "two"},
		{"stamp deleted", func() { os.Remove(filepath.Join(dir, Binary()+".stamp")) }, true, "two"},
		{"unchanged again", func() {}, false, "two"},
	}
	want := int32(0)
	for _, s := range steps {
		s.change()
		res, err := b.ensure(ctx, mod, dir)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if s.wantBuilt {
			want++
		}
		if res.Built != s.wantBuilt || builds.Load() != want {
			t.Errorf("%s: Built = %v after %d builds; want %v after %d", s.name, res.Built, builds.Load(), s.wantBuilt, want)
		}
		if got := run(t, res.Path); got != s.wantOut {
			t.Errorf("%s: plugin prints %q; want %q", s.name, got, s.wantOut)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestEnsureConcurrentProgramsLeaveAWorkingPlugin(t *testing.T) {
	mod := module(t, "one")
	dir := filepath.Join(t.TempDir(), "bin")
	// Separate builders share no lock, as separate programs do not.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		b, _ := countingBuilder(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = b.ensure(context.Background(), mod, dir)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := run(t, filepath.Join(dir, Binary())); got != "one" {
		t.Errorf("plugin prints %q; want one", got)
	}
	b, builds := countingBuilder(t)
	if res, err := b.ensure(context.Background(), mod, dir); err != nil || res.Built || builds.Load() != 0 {
		t.Errorf("after concurrent builds: %+v, %v, %d builds; want the plugin current", res, err, builds.Load())
	}
}

func TestEnsureReportsCompilerOutput(t *testing.T) {
	mod := module(t, "one")
	write(t, filepath.Join(mod, "cmd", "p", "main.go"), "package main\n\nfunc main() { undefinedThing() }\n")
	b, _ := countingBuilder(t)
	_, err := b.ensure(context.Background(), mod, t.TempDir())
	if err == nil {
		t.Fatal("ensure of a package that does not compile succeeded")
	}
	for _, want := range []string{"go build example.com/m/cmd/p", "undefined: undefinedThing", "go mod tidy"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestEnsureWithoutGo(t *testing.T) {
	b := &builder{pkg: Package, findGo: func() (string, error) { return "", errNoGo }}
	_, err := b.ensure(context.Background(), t.TempDir(), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "install Go from https://go.dev/dl") {
		t.Errorf("ensure without go = %v; want the install hint", err)
	}
}

func TestPluginDir(t *testing.T) {
	abs := t.TempDir()
	tests := []struct {
		name, plugins, want string
	}{
		{"relative path", "plugins:\n  providers:\n    - name: kumo\n      path: ./bin\n", "bin"},
		{"absolute path", "plugins:\n  providers:\n    - name: kumo\n      path: " + abs + "\n", abs},
		{"other providers only", "plugins:\n  providers:\n    - name: aws\n      path: ./aws\n", ""},
		{"no plugins", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			write(t, filepath.Join(root, "Pulumi.yaml"), "name: p\nruntime: go\n"+tt.plugins)
			got, err := pluginDir(root)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want != "" && !filepath.IsAbs(want) {
				want = filepath.Join(root, want)
			}
			if got != want {
				t.Errorf("pluginDir = %q; want %q", got, want)
			}
		})
	}
}

type mocks struct{}

func (mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	return args.Name, args.Inputs, nil
}

func (mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) { return args.Args, nil }

// Under mocks (kumo synth, unit tests) Ensure must not even look for go,
// though the project names a plugin directory.
func TestEnsureBuildsNothingUnderMocks(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "Pulumi.yaml"), "name: p\nruntime: go\nplugins:\n  providers:\n    - name: kumo\n      path: ./bin\n")
	saved := defaultBuilder
	defer func() { defaultBuilder = saved }()
	defaultBuilder = &builder{pkg: Package, findGo: func() (string, error) {
		t.Error("Ensure looked for the go command under mocks")
		return "", errNoGo
	}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		res, err := Ensure(WithProjectDir(ctx, root))
		if err != nil {
			return err
		}
		if res.Built || res.Skipped != "running with mocks" {
			t.Errorf("Ensure under mocks = %+v; want it skipped", res)
		}
		return nil
	}, pulumi.WithMocks("p", "s", mocks{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "bin")); !os.IsNotExist(err) {
		t.Errorf("Ensure under mocks touched %s/bin (%v)", root, err)
	}
}
