// Package plugin puts kumo's resource provider plugin (pulumi-resource-kumo)
// where the Pulumi engine looks for it, built from the Pulumi program's own
// Go module, so the plugin is always the kumo version the project's go.mod
// pins and nobody builds or installs it by hand. The engine starts provider
// plugins lazily, when the program registers the first resource of their
// package, so a program that calls Ensure before its first kumo resource
// runs the plugin it just built.
package plugin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs/bundle"
)

const (
	// Name is the provider's package name, as Pulumi.yaml's
	// plugins.providers entry names it.
	Name = "kumo"
	// Package is the plugin's main package, built from the program's module.
	Package = "github.com/kumo-iac/kumo/cmd/pulumi-resource-kumo"
	// stampFormat changes whenever the stamp or its hash recipe changes.
	stampFormat = "kumo-plugin/1"
)

// Binary is the plugin's file name in its directory, as the engine looks
// for it (workspace.getPluginPath: pulumi-resource-<name> plus the
// platform's executable extension).
func Binary() string {
	if runtime.GOOS == "windows" {
		return "pulumi-resource-" + Name + ".exe"
	}
	return "pulumi-resource-" + Name
}

// projectDirKey carries the project directory of programs the engine did
// not tell it to (inline Automation API programs).
type projectDirKey struct{}

// WithProjectDir returns ctx naming dir as the project directory, the one
// holding Pulumi.yaml. Only inline Automation API programs need it: the
// Automation API does not pass the project root to them, and without it
// Ensure cannot read the plugins entry and builds nothing.
func WithProjectDir(ctx *pulumi.Context, dir string) *pulumi.Context {
	return ctx.WithValue(projectDirKey{}, dir)
}

// Result says what Ensure did.
type Result struct {
	// Path is the plugin binary, or "" when Ensure had nothing to do.
	Path string
	// Built is true when Ensure built the plugin; false when the binary was
	// current (or there was nothing to do).
	Built bool
	// Skipped says why Ensure did nothing, or "".
	Skipped string
}

// Ensure makes the plugin the engine will start for this program current:
// when Pulumi.yaml names a directory for the kumo provider under
// plugins.providers, Ensure builds Package with the go command from the Go
// module of the program's working directory (the program directory the
// language host runs it in) into that directory, unless the binary there
// was built from the same sources (every file of editable packages, the
// version of every pinned module, the toolchain and build settings). A
// build is logged on the stack so `pulumi up` shows why it took longer.
//
// Ensure does nothing when the program runs against mocks (kumo synth and
// unit tests are offline and must not build), when the project directory
// is unknown (see WithProjectDir), or when Pulumi.yaml has no kumo entry
// (the engine then finds the plugin on PATH or in the plugin cache, as the
// user arranged).
func Ensure(ctx *pulumi.Context) (*Result, error) {
	if ctx.RunningWithMocks() {
		return &Result{Skipped: "running with mocks"}, nil
	}
	root := ctx.RootDirectory()
	if dir, ok := ctx.Value(projectDirKey{}).(string); ok && dir != "" {
		root = dir
	}
	if root == "" {
		return &Result{Skipped: "the project directory is unknown"}, nil
	}
	dir, err := pluginDir(root)
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return &Result{Skipped: "Pulumi.yaml has no plugins.providers entry named " + Name}, nil
	}
	module, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("kumo provider plugin: %w", err)
	}
	start := time.Now()
	res, err := defaultBuilder.ensure(ctx.Context(), module, dir)
	if err != nil {
		return nil, err
	}
	if res.Built {
		rel := res.Path
		if r, err := filepath.Rel(root, res.Path); err == nil && !strings.HasPrefix(r, "..") {
			rel = r
		}
		msg := fmt.Sprintf("built the kumo provider plugin %s from %s in %s", rel, Package, time.Since(start).Round(100*time.Millisecond))
		if err := ctx.Log.Info(msg, nil); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// pluginDir returns the absolute directory Pulumi.yaml's plugins.providers
// entry for kumo names, or "" when there is none.
func pluginDir(root string) (string, error) {
	path, err := workspace.DetectProjectPathFrom(root)
	if err != nil {
		return "", fmt.Errorf("kumo provider plugin: find Pulumi.yaml in %s: %w", root, err)
	}
	if path == "" {
		return "", fmt.Errorf("kumo provider plugin: no Pulumi.yaml in %s or above", root)
	}
	project, err := workspace.LoadProject(path)
	if err != nil {
		return "", fmt.Errorf("kumo provider plugin: %w", err)
	}
	if project.Plugins == nil {
		return "", nil
	}
	for _, p := range project.Plugins.Providers {
		if p.Name != Name || p.Path == "" {
			continue
		}
		// The engine resolves the path against the project directory.
		if filepath.IsAbs(p.Path) {
			return filepath.Clean(p.Path), nil
		}
		return filepath.Join(filepath.Dir(path), p.Path), nil
	}
	return "", nil
}

// builder runs the go command; tests replace run to count or fail builds.
type builder struct {
	pkg    string // the main package to build: Package
	findGo func() (string, error)
	run    func(ctx context.Context, goBin, dir string, env []string, args ...string) (stdout, stderr []byte, err error)

	// locks serializes Ensure calls for the same directory within this
	// process; separate processes are kept apart by renames alone.
	locks sync.Map
}

var defaultBuilder = &builder{pkg: Package, findGo: findGo, run: runGo}

// stamp is written beside the binary after it: what it was built from and
// its bytes' hash, so a binary put there by anything else (a hand-run go
// build, an interrupted write) is rebuilt rather than trusted.
type stamp struct {
	Format     string `json:"format"`
	SourceHash string `json:"sourceHash"`
	SHA256     string `json:"sha256"`
	Size       int64  `json:"size"`
}

func (b *builder) ensure(ctx context.Context, module, dir string) (*Result, error) {
	v, _ := b.locks.LoadOrStore(dir, &sync.Mutex{})
	mu := v.(*sync.Mutex)
	mu.Lock()
	defer mu.Unlock()

	goBin, err := b.findGo()
	if err != nil {
		return nil, err
	}
	// The plugin runs on this machine beside the program, whatever GOOS or
	// GOARCH the shell sets for cross-compiling functions.
	env := []string{"GO111MODULE=on", "GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH}
	sum, err := b.sourceHash(ctx, goBin, module, env)
	if err != nil {
		return nil, err
	}
	exe := filepath.Join(dir, Binary())
	stampPath := exe + ".stamp"
	if current(exe, stampPath, sum) {
		return &Result{Path: exe}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("kumo provider plugin: %w", err)
	}
	// Built beside its final name and renamed over it: the engine (of this
	// or a concurrent `pulumi up`) only ever starts a complete binary, and
	// one already running keeps its old file.
	tmp, err := os.CreateTemp(dir, "."+Binary()+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("kumo provider plugin: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if _, err := b.goCmd(ctx, goBin, module, env, "go build "+b.pkg, "build", "-trimpath", "-o", tmp.Name(), b.pkg); err != nil {
		return nil, err
	}
	sha, size, err := fileSHA256(tmp.Name())
	if err != nil {
		return nil, fmt.Errorf("kumo provider plugin: %w", err)
	}
	if err := os.Rename(tmp.Name(), exe); err != nil {
		return nil, fmt.Errorf("kumo provider plugin: %w", err)
	}
	if err := writeStamp(stampPath, stamp{Format: stampFormat, SourceHash: sum, SHA256: sha, Size: size}); err != nil {
		return nil, err
	}
	return &Result{Path: exe, Built: true}, nil
}

// current reports whether exe is the binary its stamp says was built from
// sourceHash.
func current(exe, stampPath, sourceHash string) bool {
	data, err := os.ReadFile(stampPath)
	if err != nil {
		return false
	}
	var s stamp
	if err := json.Unmarshal(data, &s); err != nil || s.Format != stampFormat || s.SourceHash != sourceHash {
		return false
	}
	fi, err := os.Stat(exe)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != s.Size || (runtime.GOOS != "windows" && fi.Mode()&0o111 == 0) {
		return false
	}
	sha, _, err := fileSHA256(exe)
	return err == nil && sha == s.SHA256
}

func writeStamp(path string, s stamp) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("kumo provider plugin: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("kumo provider plugin: %w", err)
	}
	defer os.Remove(f.Name())
	_, werr := f.Write(append(data, '\n'))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		return fmt.Errorf("kumo provider plugin: %w", werr)
	}
	return nil
}

// hashedEnv lists the go env settings that change the binary; GOVERSION
// reflects any toolchain switch go.mod asks for.
var hashedEnv = []string{"CGO_ENABLED", "GOAMD64", "GOARCH", "GOARM64", "GOEXPERIMENT", "GOFIPS140", "GOFLAGS", "GOOS", "GOVERSION"}

// listedPackage is the part of `go list -json` output the hash needs.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	Module     *struct {
		Path, Version string
		Main          bool
		Replace       *struct{ Path, Version string }
	}
	GoFiles, CgoFiles, CFiles, CXXFiles, HFiles, SFiles, SysoFiles, EmbedFiles []string
}

// sourceHash hashes what decides the plugin's bytes: the go env settings,
// the version of every module whose source is a read-only module-cache copy
// that go.sum pins, and every file of packages someone can edit in place
// (the main module, workspace modules, local replace directories). That is
// the kumo version (and its dependencies' versions) the program's go.mod
// selects, or kumo's source when developing kumo itself.
func (b *builder) sourceHash(ctx context.Context, goBin, module string, env []string) (string, error) {
	out, err := b.goCmd(ctx, goBin, module, env, "go env", append([]string{"env", "-json"}, hashedEnv...)...)
	if err != nil {
		return "", err
	}
	goEnv := map[string]string{}
	if err := json.Unmarshal(out, &goEnv); err != nil {
		return "", fmt.Errorf("kumo provider plugin: reading go env output: %w", err)
	}
	lines := []string{"format " + stampFormat, "package " + b.pkg}
	for _, k := range hashedEnv {
		lines = append(lines, fmt.Sprintf("goenv %s=%q", k, goEnv[k]))
	}
	out, err = b.goCmd(ctx, goBin, module, env, "go list "+b.pkg, "list", "-deps",
		"-json=ImportPath,Dir,Standard,Module,GoFiles,CgoFiles,CFiles,CXXFiles,HFiles,SFiles,SysoFiles,EmbedFiles", b.pkg)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", fmt.Errorf("kumo provider plugin: reading go list output: %w", err)
		}
		if p.Standard {
			continue // GOVERSION covers the standard library
		}
		if m := p.Module; m != nil && !m.Main && m.Version != "" && (m.Replace == nil || m.Replace.Version != "") {
			id := m.Path + " " + m.Version
			if m.Replace != nil {
				id += " => " + m.Replace.Path + " " + m.Replace.Version
			}
			lines = append(lines, "module "+id)
			continue
		}
		files := slices.Concat(p.GoFiles, p.CgoFiles, p.CFiles, p.CXXFiles, p.HFiles, p.SFiles, p.SysoFiles, p.EmbedFiles)
		for _, f := range files {
			sum, _, err := fileSHA256(filepath.Join(p.Dir, f))
			if err != nil {
				return "", fmt.Errorf("kumo provider plugin: hashing sources of %s: %w", p.ImportPath, err)
			}
			lines = append(lines, fmt.Sprintf("file %s/%s %s", p.ImportPath, f, sum))
		}
	}
	slices.Sort(lines)
	lines = slices.Compact(lines)
	h := sha256.New()
	for _, l := range lines {
		io.WriteString(h, l+"\n")
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// goCmd runs the go command in dir; a failure carries the go command's own
// output (the compiler's errors), which is what the user needs to fix it.
func (b *builder) goCmd(ctx context.Context, goBin, dir string, env []string, what string, args ...string) ([]byte, error) {
	stdout, stderr, err := b.run(ctx, goBin, dir, env, args...)
	if err == nil {
		return stdout, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("kumo provider plugin: %s: %w", what, ctx.Err())
	}
	msg := strings.TrimSpace(string(stderr))
	if msg == "" {
		msg = err.Error()
	}
	hint := ""
	if args[0] != "env" {
		hint = fmt.Sprintf(" (the plugin is built from the program's Go module, which must require %s and list its dependencies in go.sum: run `go mod tidy` there)", b.pkg)
	}
	return nil, fmt.Errorf("kumo provider plugin: %s in %s failed%s:\n%s", what, dir, hint, msg)
}

// runGo and findGo are the bundler's: the plugin is built with the same go
// command, found the same way.
var runGo = bundle.RunGo

func findGo() (string, error) {
	p, err := bundle.FindGo()
	if err != nil {
		return "", errNoGo
	}
	return p, nil
}

var errNoGo = errors.New("kumo provider plugin: no go command on PATH or in GOROOT, and kumo builds its provider plugin with it; install Go from https://go.dev/dl or add its bin directory to PATH")

func fileSHA256(name string) (string, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
