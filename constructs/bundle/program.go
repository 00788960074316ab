package bundle

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"time"
)

// ProgramSpec is a Go main package to build for this machine, such as a
// user's Pulumi program that `kumo synth` runs.
type ProgramSpec struct {
	// Root is the module root, the directory holding go.mod.
	Root string
	// Package is the main package, relative to Root ("." or "./cmd/app").
	Package string
}

// Program is a built executable.
type Program struct {
	// Path is the executable, under Root's .kumo/programs.
	Path string
	// SourceHash keys the cache, as for bundles.
	SourceHash string
	// Built is false when the cached executable was current.
	Built bool
}

// BuildProgram returns an executable of spec for this machine, building it
// only when its sources (every file of its in-module packages, go.mod,
// go.sum, the toolchain and the build settings: the same key as bundles)
// changed since the last build, so an unchanged program starts at once.
// Compiler errors come back as the compiler printed them.
func BuildProgram(ctx context.Context, spec ProgramSpec) (*Program, error) {
	return defaultBuilder.buildProgram(ctx, spec)
}

func (b *builder) buildProgram(ctx context.Context, spec ProgramSpec) (*Program, error) {
	t, err := Spec{Root: spec.Root, Package: spec.Package, Arch: hostArch()}.validate()
	if err != nil {
		return nil, err
	}
	goBin, err := b.findGo()
	if err != nil {
		return nil, err
	}
	// The host's own platform and the go command's default flags: the
	// executable is run here, never shipped, so it needs no reproducible
	// bytes, and default flags share the build cache with go build and go
	// test of the same module (a -trimpath build of pulumi-aws from a cold
	// cache takes minutes).
	env := []string{"GO111MODULE=on", "GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH}
	// Named by the project directory and the package too: two main packages
	// of one module may share a directory name, and one .kumo may serve
	// several directories.
	kept := filepath.Join(t.root, ".kumo", "programs", fmt.Sprintf("%s-%s.decision.json", t.name, hashLines([]string{t.root, t.pkg})[:8]))
	d, err := b.decideKept(ctx, goBin, t, env, programFlags, kept)
	if err != nil {
		return nil, err
	}
	sum := d.sum
	exe := filepath.Join(t.root, ".kumo", "programs", fmt.Sprintf("%s-%s", t.name, sum[:16]))
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	unlock, err := b.lock(ctx, exe)
	if err != nil {
		return nil, fmt.Errorf("bundle: waiting for another build of %s: %w", t.pkg, err)
	}
	defer unlock()
	if fi, err := os.Stat(exe); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		// Marked as used, so pruning keeps it while it is in use.
		now := time.Now()
		_ = os.Chtimes(exe, now, now)
		return &Program{Path: exe, SourceHash: sum}, nil
	}
	if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	// Built beside its final name and renamed, so a concurrent kumo never
	// runs a half-written executable.
	tmp := fmt.Sprintf("%s.tmp-%d-%d", exe, os.Getpid(), time.Now().UnixNano())
	args := append([]string{"build"}, programFlags...)
	args = append(args, "-o", tmp, t.pkg)
	if _, err := b.goCmd(ctx, goBin, t, env, "go build "+t.pkg, args...); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, exe); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("bundle: %w", err)
	}
	prunePrograms(filepath.Dir(exe), t.name, exe, time.Now())
	return &Program{Path: exe, SourceHash: sum, Built: true}, nil
}

// Every edit of a program builds a new executable of tens of megabytes;
// pruning keeps the newest keptPrograms of a name besides the current one
// (switching branches back and forth reuses them) and removes older ones
// unused for pruneAfter, so a concurrent kumo never loses the executable it
// is about to start.
const (
	keptPrograms = 2
	pruneAfter   = 10 * time.Minute
)

// programName matches the executables buildProgram names for a program
// name: the name, a dash and 16 hex digits of the source hash.
var programName = regexp.MustCompile(`^(.+)-[0-9a-f]{16}(\.exe)?$`)

// prunePrograms removes name's old executables from dir, except current.
// It is best effort: a file it cannot remove stays for next time.
func prunePrograms(dir, name, current string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type old struct {
		path string
		mod  time.Time
	}
	var olds []old
	for _, e := range entries {
		m := programName.FindStringSubmatch(e.Name())
		path := filepath.Join(dir, e.Name())
		if m == nil || m[1] != name || path == current || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil {
			olds = append(olds, old{path, fi.ModTime()})
		}
	}
	slices.SortFunc(olds, func(a, b old) int { return b.mod.Compare(a.mod) })
	for i, o := range olds {
		if i >= keptPrograms && now.Sub(o.mod) > pruneAfter {
			os.Remove(o.path)
		}
	}
}

// programFlags leave out the symbol table and DWARF, which only a debugger
// reads: linking the program is most of an edit-loop rebuild, and this cuts
// it by about a third (2.6 s against 3.7 s for kumo's own program on a
// 2-core machine). Compiled packages still come from the shared cache.
var programFlags = []string{"-ldflags=-s -w"}

// hostArch names this machine's architecture the way Spec.Arch does, so
// validation accepts it; other architectures are checked by go build itself.
func hostArch() string {
	for name, goarch := range goarchByArch {
		if goarch == runtime.GOARCH {
			return name
		}
	}
	return defaultArch
}
