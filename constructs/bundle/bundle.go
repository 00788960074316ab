// Package bundle turns a Go Lambda handler package into the zip kumo deploys
// on the provided.al2023 runtime: it cross-compiles the package for linux
// (arm64 by default) into a single `bootstrap` executable and zips it so that
// the same sources always give byte-identical bytes, and therefore the same
// Lambda code hash, keeping previews free of spurious code changes. Zips are
// cached under <Root>/.kumo/bundles by a hash of everything that decides the
// build, so `pulumi up` and `kumo synth` only compile handlers that changed;
// each zip has a record of its SHA-256 beside it, and a zip that no longer
// matches its record, or has none, is rebuilt rather than deployed.
package bundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Spec says what to build.
type Spec struct {
	// Root is the module root directory, the one holding go.mod. A relative
	// Root resolves against the working directory. Required.
	Root string
	// Package is the handler's Go main package: its directory relative to
	// Root, e.g. "./functions/items" (a path without the leading "./" means
	// the same directory), or its import path, e.g.
	// "github.com/kumo-iac/kumo/patterns/webapp/functions/items", which is
	// how a program builds handlers that live in a module it requires: the
	// go command resolves it through Root's go.mod, so go.mod and go.sum
	// pin the version built, wherever that module is (the module cache, a
	// replace directory, or Root itself). A path is an import path when its
	// first element has a dot, as a domain does. Required.
	Package string
	// Arch is the Lambda architecture, "arm64" or "x86_64" (GOARCH amd64).
	// Default: "arm64".
	Arch string
}

// Bundle is a built deployment package.
type Bundle struct {
	// Path is the absolute path of the zip.
	Path string
	// RelPath is Path relative to Root, slash-separated; it depends only on
	// the sources, so it is the same on every machine.
	RelPath string
	// CodeSHA256 is the base64 (standard encoding) SHA-256 of the zip bytes,
	// the format of Lambda's CodeSha256 and sourceCodeHash.
	CodeSHA256 string
	// SourceHash is the hex SHA-256 of everything that determines the build;
	// it is the cache key.
	SourceHash string
}

// Build validates spec, then returns the cached zip for the current sources
// or compiles and zips the handler. Concurrent calls for the same sources
// compile once; the others wait and get the cached zip. What the go command
// says about a package (go env, go list) is remembered for the life of the
// process and re-checked against the files it was read from on every call,
// so the functions after the first of a package cost file reads, not go
// commands; a cached zip is checked against its record every time.
func Build(ctx context.Context, spec Spec) (*Bundle, error) {
	return defaultBuilder.build(ctx, spec)
}

// buildFlags go to both go list and go build, so the packages hashed are the
// ones compiled and the flags are part of the cache key. -trimpath and an
// empty build ID keep machine-specific paths and IDs out of the binary;
// lambda.norpc drops aws-lambda-go's RPC mode, which provided.al2023 never uses.
var buildFlags = []string{
	"-trimpath",
	"-buildvcs=false",
	"-tags=lambda.norpc",
	"-ldflags=-s -w -buildid=",
}

// envOverrides returns the environment every go command runs with, on top of
// the caller's. GOFLAGS is set to a flag we pass anyway rather than to "":
// the go command treats an empty variable as unset and falls back to
// `go env -w` settings, which could add -race, -cover, -mod=mod and the
// like. GOARM64 and GOAMD64 are pinned to the baseline every Lambda host
// runs, so a developer's tuning for their own CPU can neither break the
// function nor change the bytes.
func envOverrides(goarch string) []string {
	return []string{
		"CGO_ENABLED=0",
		"GO111MODULE=on",
		"GOAMD64=v1",
		"GOARCH=" + goarch,
		"GOARM64=v8.0",
		"GOFLAGS=-trimpath",
		"GOOS=linux",
	}
}

// goRunner runs the go command at goBin in dir. Tests swap it to count or
// fail builds.
type goRunner func(ctx context.Context, goBin, dir string, env []string, args ...string) (stdout, stderr []byte, err error)

type builder struct {
	findGo func() (string, error)
	run    goRunner

	// locks holds one single-slot semaphore per zip path, so goroutines
	// building the same sources take turns and all but the first hit the cache.
	locks sync.Map

	// envs and lists remember what the go command answered (see decide).
	envs  memo[envKey, *envAnswer]
	lists memo[listKey, *decision]
	// kept remembers answers read from or written to disk (decideKept).
	kept memo[listKey, *keptAnswer]
}

var defaultBuilder = &builder{findGo: FindGo, run: RunGo}

func (b *builder) build(ctx context.Context, spec Spec) (*Bundle, error) {
	t, err := spec.validate()
	if err != nil {
		return nil, err
	}
	goBin, err := b.findGo()
	if err != nil {
		return nil, err
	}
	env := envOverrides(t.goarch)

	// Kept per project directory, package and architecture: one main
	// package may be built for both, and one .kumo may serve several
	// directories (linked, as kumo's own CLI tests do).
	kept := filepath.Join(t.root, ".kumo", "bundles", fmt.Sprintf("%s-%s.decision.json", t.name, hashLines(append([]string{t.root, t.pkg}, env...))[:8]))
	d, err := b.decideKept(ctx, goBin, t, env, buildFlags, kept)
	if err != nil {
		return nil, err
	}
	sum := d.sum

	zipPath := filepath.Join(t.root, ".kumo", "bundles", fmt.Sprintf("%s-%s.zip", t.name, sum[:16]))
	unlock, err := b.lock(ctx, zipPath)
	if err != nil {
		return nil, fmt.Errorf("bundle: waiting for another build of %s: %w", t.pkg, err)
	}
	defer unlock()

	codeSHA, ok := readCached(zipPath, sum)
	if !ok {
		if codeSHA, err = b.compile(ctx, goBin, t, env, zipPath, sum); err != nil {
			return nil, err
		}
	}
	rel, err := filepath.Rel(t.root, zipPath)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return &Bundle{
		Path:       zipPath,
		RelPath:    filepath.ToSlash(rel),
		CodeSHA256: codeSHA,
		SourceHash: sum,
	}, nil
}

func (b *builder) lock(ctx context.Context, key string) (unlock func(), err error) {
	v, _ := b.locks.LoadOrStore(key, make(chan struct{}, 1))
	sem := v.(chan struct{})
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// compile builds the handler into a temporary directory, zips it into
// zipPath and records the zip for sourceHash, returning its CodeSHA256.
func (b *builder) compile(ctx context.Context, goBin string, t *target, env []string, zipPath, sourceHash string) (string, error) {
	tmp, err := os.MkdirTemp("", "kumo-bundle-")
	if err != nil {
		return "", fmt.Errorf("bundle: %w", err)
	}
	defer os.RemoveAll(tmp)

	bin := filepath.Join(tmp, "bootstrap")
	args := append([]string{"build"}, buildFlags...)
	args = append(args, "-o", bin, t.pkg)
	if _, err := b.goCmd(ctx, goBin, t, env, "go build "+t.pkg, args...); err != nil {
		return "", err
	}
	codeSHA, size, err := writeZipAtomic(zipPath, bin)
	if err != nil {
		return "", err
	}
	rec := record{Format: cacheFormat, SourceHash: sourceHash, CodeSHA256: codeSHA, Size: size}
	// The zip just written is the one hashed: this run's synth need not
	// read it again. Its identity stays out of the record until a run
	// hashes and syncs it (readCached): the zip is not synced here, and a
	// file torn by a crash could keep the identity recorded for its whole
	// bytes.
	if info, err := os.Stat(zipPath); err == nil && info.Size() == size {
		verifiedZips.Store(zipPath, verifiedZip{info: info, id: fileIdentity(info), codeSHA: codeSHA})
	}
	if err := writeRecord(zipPath, rec); err != nil {
		return "", err
	}
	return codeSHA, nil
}

// goCmd runs the go command and turns a failure into an error that carries
// the go command's own explanation, which is what the user needs to fix it.
func (b *builder) goCmd(ctx context.Context, goBin string, t *target, env []string, what string, args ...string) ([]byte, error) {
	stdout, stderr, err := b.run(ctx, goBin, t.root, env, args...)
	if err == nil {
		return stdout, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("bundle: %s: %w", what, ctx.Err())
	}
	if msg := strings.TrimSpace(string(stderr)); msg != "" {
		return nil, fmt.Errorf("bundle: %s failed: %s", what, msg)
	}
	return nil, fmt.Errorf("bundle: %s failed: %w", what, err)
}

// RunGo runs the go command at goBin in dir with env on top of this
// process's environment, and returns what it printed.
func RunGo(ctx context.Context, goBin, dir string, env []string, args ...string) ([]byte, []byte, error) {
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	// Environ, called while Env is nil, sets PWD to Dir; later entries win.
	cmd.Env = append(goEnviron(cmd.Environ()), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// When ctx is cancelled only the go command is killed; without a bound,
	// Wait would block until the compilers it started finish writing to our
	// pipes.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return stdout.Bytes(), stderr.Bytes(), err
}

// synthProtocolPrefix starts the variables `kumo synth` hands the program
// it runs (internal/synth): a result file's path that differs every run,
// which the go command has no use for. They are kept from it, so answers
// keyed by the environment it sees (environHash) carry over between runs.
const synthProtocolPrefix = "KUMO_SYNTH_"

// goEnviron is environ without what the go command is not given.
func goEnviron(environ []string) []string {
	return slices.DeleteFunc(slices.Clone(environ), func(kv string) bool { return strings.HasPrefix(kv, synthProtocolPrefix) })
}

// FindGo returns the go command: on PATH, or else the toolchain that built
// this program (a program started by the pulumi CLI may not inherit PATH).
func FindGo() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	// A Pulumi program started by the pulumi CLI may not inherit the shell's
	// PATH; the toolchain that built this program is the next best choice.
	if root := runtime.GOROOT(); root != "" {
		exe := "go"
		if runtime.GOOS == "windows" {
			exe = "go.exe"
		}
		p := filepath.Join(root, "bin", exe)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("bundle: no go command found on PATH or in GOROOT; install Go from https://go.dev/dl or add its bin directory to PATH")
}
