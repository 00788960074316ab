package bundle

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestHandlerDecisionIsKeptBetweenRuns: a new synth (a fresh builder) of an
// unchanged handler asks the go command nothing and ships the cached zip; an
// edited source, or a new file in the package, asks go list again. Each
// architecture keeps its own answer.
func TestHandlerDecisionIsKeptBetweenRuns(t *testing.T) {
	t.Parallel()
	root := newModule(t)
	arm := Spec{Root: root, Package: handlerPkg}
	x86 := Spec{Root: root, Package: handlerPkg, Arch: "x86_64"}
	var calls []string
	first := mustBuild(t, countingRunner(&calls), arm)
	firstX86 := mustBuild(t, countingRunner(&calls), x86)

	kept, _ := filepath.Glob(filepath.Join(root, ".kumo", "bundles", "handler-*.decision.json"))
	if len(kept) != 2 {
		t.Fatalf("kept decisions: %v; want one per architecture", kept)
	}
	calls = nil
	b := countingRunner(&calls)
	if again := mustBuild(t, b, arm); len(calls) != 0 || *again != *first {
		t.Errorf("unchanged, in a new process: go commands %v, bundle %+v; want none and %+v", calls, again, first)
	}
	if again := mustBuild(t, b, x86); len(calls) != 0 || *again != *firstX86 {
		t.Errorf("unchanged x86_64, in a new process: go commands %v, bundle %+v; want none and %+v", calls, again, firstX86)
	}

	writeFile(t, root, "internal/greet/greet.go", "package greet\n\nfunc Hello() string { return \"hi\" }\n")
	calls = nil
	changed := mustBuild(t, countingRunner(&calls), arm)
	if changed.SourceHash == first.SourceHash || !slices.Contains(calls, "list") || !slices.Contains(calls, "build") {
		t.Errorf("after an edit: go commands %v, source hash %s; want go list, go build and a new hash", calls, changed.SourceHash)
	}

	writeFile(t, root, "internal/greet/extra.go", "package greet\n\nfunc Bye() string { return \"bye\" }\n")
	calls = nil
	mustBuild(t, countingRunner(&calls), arm)
	if !slices.Contains(calls, "list") {
		t.Errorf("after a new file in a package: go commands %v; want go list asked again", calls)
	}
}

// TestKeptDecisionPerEnvironment: synths under two environments (a terminal
// and an editor, or go test with and without a wrapper on PATH) each keep
// their answer, so alternating between them asks the go command nothing and
// rewrites no file; a stream of one-off environments is pruned to the newest
// keptDecisions, and the one file per package of earlier versions goes.
func TestKeptDecisionPerEnvironment(t *testing.T) {
	root := newModule(t)
	spec := Spec{Root: root, Package: handlerPkg}
	glob := func() []string {
		kept, _ := filepath.Glob(filepath.Join(root, ".kumo", "bundles", "handler-*.decision.json"))
		return kept
	}
	var calls []string
	t.Setenv("KUMO_TEST_SHELL", "terminal")
	mustBuild(t, countingRunner(&calls), spec)
	legacy := regexp.MustCompile(`-[0-9a-f]{8}\.decision\.json$`).ReplaceAllString(glob()[0], ".decision.json")
	if err := os.WriteFile(legacy, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUMO_TEST_SHELL", "editor")
	mustBuild(t, countingRunner(&calls), spec)
	if _, err := os.Stat(legacy); !os.IsNotExist(err) {
		t.Errorf("the per-package file of earlier versions: %v; want it removed", err)
	}
	before := map[string]time.Time{}
	for _, f := range glob() {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		before[f] = fi.ModTime()
	}
	if len(before) != 2 {
		t.Fatalf("kept decisions %v; want one per environment", glob())
	}
	for _, shell := range []string{"terminal", "editor", "terminal"} {
		t.Setenv("KUMO_TEST_SHELL", shell)
		calls = nil
		mustBuild(t, countingRunner(&calls), spec)
		if len(calls) != 0 {
			t.Errorf("back in the %s environment: go commands %v; want none", shell, calls)
		}
	}
	for f, mod := range before {
		if fi, err := os.Stat(f); err != nil || !fi.ModTime().Equal(mod) {
			t.Errorf("%s rewritten by runs that found their answer kept", f)
		}
	}
	for i := range 6 {
		t.Setenv("KUMO_TEST_SHELL", fmt.Sprintf("one-off-%d", i))
		mustBuild(t, countingRunner(&calls), spec)
	}
	if kept := glob(); len(kept) != keptDecisions {
		t.Errorf("after eight environments, kept decisions %v; want the newest %d", kept, keptDecisions)
	}
	calls = nil
	mustBuild(t, countingRunner(&calls), spec)
	if len(calls) != 0 {
		t.Errorf("the newest environment again: go commands %v; want its answer kept", calls)
	}
}

// TestKeptDecisionPerProjectDirectory: project directories that share one
// .kumo (linked, as kumo's CLI tests make them) keep their answers apart, so
// more of them than keptDecisions do not evict each other's.
func TestKeptDecisionPerProjectDirectory(t *testing.T) {
	t.Parallel()
	first := newModule(t)
	if err := os.Mkdir(filepath.Join(first, ".kumo"), 0o755); err != nil {
		t.Fatal(err)
	}
	roots := []string{first}
	for range keptDecisions {
		dir := t.TempDir()
		entries, err := os.ReadDir(first)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if err := os.Symlink(filepath.Join(first, e.Name()), filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
		roots = append(roots, dir)
	}
	var calls []string
	for _, root := range roots {
		mustBuild(t, countingRunner(&calls), Spec{Root: root, Package: handlerPkg})
	}
	for _, root := range roots {
		calls = nil
		mustBuild(t, countingRunner(&calls), Spec{Root: root, Package: handlerPkg})
		if len(calls) != 0 {
			t.Errorf("%s again, unchanged: go commands %v; want its answer kept", root, calls)
		}
	}

	// Temporary directories sharing the .kumo, one per run, do not pile up.
	for range keptPerName {
		dir := t.TempDir()
		for _, name := range []string{"go.mod", "cmd", "internal", ".kumo"} {
			if err := os.Symlink(filepath.Join(first, name), filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
		mustBuild(t, countingRunner(&calls), Spec{Root: dir, Package: handlerPkg})
	}
	if kept, _ := filepath.Glob(filepath.Join(first, ".kumo", "bundles", "handler-*.decision.json")); len(kept) != keptPerName {
		t.Errorf("after %d project directories, %d kept decisions; want the newest %d", 2*keptPerName, len(kept), keptPerName)
	}

	// A project directory that is gone loses its answers at the next
	// write, before any live one does.
	linked := func() string {
		dir := filepath.Join(t.TempDir(), "project")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"go.mod", "cmd", "internal", ".kumo"} {
			if err := os.Symlink(filepath.Join(first, name), filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	gone := linked()
	mustBuild(t, countingRunner(&calls), Spec{Root: gone, Package: handlerPkg})
	if err := os.RemoveAll(gone); err != nil {
		t.Fatal(err)
	}
	kept, _ := filepath.Glob(filepath.Join(first, ".kumo", "bundles", "handler-*.decision.json"))
	var goneFile, oldest string
	var newestMod, oldestMod time.Time
	for _, f := range kept {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if goneFile == "" || fi.ModTime().After(newestMod) {
			goneFile, newestMod = f, fi.ModTime()
		}
		if oldest == "" || fi.ModTime().Before(oldestMod) {
			oldest, oldestMod = f, fi.ModTime()
		}
	}
	mustBuild(t, countingRunner(&calls), Spec{Root: linked(), Package: handlerPkg})
	if _, err := os.Stat(goneFile); !os.IsNotExist(err) {
		t.Errorf("the gone directory's answer %s: %v; want it removed", goneFile, err)
	}
	if _, err := os.Stat(oldest); err != nil {
		t.Errorf("the oldest live directory's answer %s: %v; want it kept while a gone one could go", oldest, err)
	}
}

// TestKeptDecisionForAnotherQuestionIsIgnored: a kept file is used only for
// the exact question it answers; one copied from another package, or one
// that is not a decision at all, makes the go command answer afresh.
func TestKeptDecisionForAnotherQuestionIsIgnored(t *testing.T) {
	t.Parallel()
	root := newModule(t)
	writeFile(t, root, "cmd/second/main.go", "package main\n\nfunc main() {}\n")
	var calls []string
	mustBuild(t, countingRunner(&calls), Spec{Root: root, Package: handlerPkg})
	mustBuild(t, countingRunner(&calls), Spec{Root: root, Package: "./cmd/second"})
	first, _ := filepath.Glob(filepath.Join(root, ".kumo", "bundles", "handler-*.decision.json"))
	second, _ := filepath.Glob(filepath.Join(root, ".kumo", "bundles", "second-*.decision.json"))
	if len(first) != 1 || len(second) != 1 {
		t.Fatalf("kept decisions: %v and %v; want one each", first, second)
	}
	raw, err := os.ReadFile(second[0])
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{"another package's": raw, "a broken": []byte("{")} {
		if err := os.WriteFile(first[0], content, 0o644); err != nil {
			t.Fatal(err)
		}
		calls = nil
		b := countingRunner(&calls)
		got, err := b.build(context.Background(), Spec{Root: root, Package: handlerPkg})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(calls, "list") || filepath.Base(got.Path)[:len("handler-")] != "handler-" {
			t.Errorf("with %s decision kept: go commands %v, zip %s; want go list asked and the handler's zip", name, calls, got.Path)
		}
	}
}

// TestSynthProtocolVariablesDoNotKeyAnswers: the result path kumo synth
// hands each run differs every time; it must not key the go command's
// answers (or every synth would ask afresh), while what the go command does
// read still does.
func TestSynthProtocolVariablesDoNotKeyAnswers(t *testing.T) {
	t.Setenv("KUMO_SYNTH_RESULT", "/tmp/run-1.json")
	first := environHash()
	t.Setenv("KUMO_SYNTH_RESULT", "/tmp/run-2.json")
	if environHash() != first {
		t.Error("a new synth result path changed the environment's key")
	}
	for _, kv := range [][2]string{{"PWD", "/somewhere/else"}, {"OLDPWD", "/before"}, {"SHLVL", "3"}, {"_", "/usr/bin/env"}, {"IFS", ":"}, {"OPTIND", "2"}, {"PPID", "1"}} {
		t.Setenv(kv[0], kv[1])
		if environHash() != first {
			t.Errorf("the shell's %s changed the environment's key; the go command reads none of them", kv[0])
		}
	}
	// What a shell does not pass on (kumo synth's program runs through one,
	// kumo check's does not), and the engine's per-deployment variables.
	for _, kv := range [][2]string{{"BASH_FUNC_f%%", "() { :; }"}, {"A-B", "1"}, {"PULUMI_MONITOR", "127.0.0.1:41231"}, {"PULUMI_CONFIG", `{"p:k":"v"}`}} {
		t.Setenv(kv[0], kv[1])
		if environHash() != first {
			t.Errorf("%s changed the environment's key; the go command does not read it", kv[0])
		}
	}
	t.Setenv("GOFLAGS", "-mod=mod")
	if environHash() == first {
		t.Error("GOFLAGS changed and the environment's key did not")
	}
	if slices.ContainsFunc(goEnviron([]string{"KUMO_SYNTH_RESULT=/x", "HOME=/root"}), func(kv string) bool { return kv != "HOME=/root" }) {
		t.Error("goEnviron passed a synth protocol variable to the go command")
	}
}

// TestMainPackageCheckIsRememberedForARun: within a run that promises its
// sources do not change, whether a handler directory is a main package is
// read once (a thousand functions sharing it would read it two thousand
// times); outside such a run every validation reads it again.
func TestMainPackageCheckIsRememberedForARun(t *testing.T) {
	root := newModule(t)
	spec := Spec{Root: root, Package: handlerPkg}
	TrustSourcesForThisRun()
	defer trustRun.Store(false)
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, root, "cmd/handler/main.go", "package lib\n")
	if err := spec.Validate(); err != nil {
		t.Errorf("within a trusted run the package was read again: %v; want the remembered answer", err)
	}
	trustRun.Store(false)
	if err := spec.Validate(); err == nil || !strings.Contains(err.Error(), "is package lib, not main") {
		t.Errorf("after the run: got %v; want the edit seen (package lib, not main)", err)
	}
}

// TestPrunePrograms: old executables of a program are removed, except the
// current one, the newest two others and any used in the last minutes; other
// programs' executables and other files stay.
func TestPrunePrograms(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	files := map[string]time.Duration{ // name -> age
		"stack-aaaaaaaaaaaaaaaa":         0,             // current
		"stack-bbbbbbbbbbbbbbbb":         2 * time.Hour, // the newest two others: kept
		"stack-cccccccccccccccc":         3 * time.Hour,
		"stack-dddddddddddddddd":         4 * time.Hour, // older: removed
		"stack-eeeeeeeeeeeeeeee":         5 * time.Hour,
		"app-2222222222222222":           9 * time.Hour, // another program
		"stack-a20bbdf9.decision.json":   9 * time.Hour,
		"stack-3333333333333333.tmp-1-2": 9 * time.Hour,
		"stack-xyz":                      9 * time.Hour,
	}
	for name, age := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, nil, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	prunePrograms(dir, "stack", filepath.Join(dir, "stack-aaaaaaaaaaaaaaaa"), now)
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	removed := []string{"stack-dddddddddddddddd", "stack-eeeeeeeeeeeeeeee"}
	for _, r := range removed {
		if slices.Contains(left, r) {
			t.Errorf("%s (old, beyond the newest two) was kept", r)
		}
	}
	for name := range files {
		if !slices.Contains(removed, name) && !slices.Contains(left, name) {
			t.Errorf("%s was removed; only %v should be", name, removed)
		}
	}
}

// TestPruneProgramsKeepsRecentlyUsed: executables used in the last minutes
// stay however many there are, since a concurrent kumo may be starting one.
func TestPruneProgramsKeepsRecentlyUsed(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	names := []string{"stack-0000000000000000", "stack-1111111111111111", "stack-2222222222222222", "stack-3333333333333333"}
	for i, name := range names {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, nil, 0o755); err != nil {
			t.Fatal(err)
		}
		age := time.Duration(i+1) * time.Minute
		if err := os.Chtimes(path, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	prunePrograms(dir, "stack", filepath.Join(dir, names[0]), now)
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(names) {
		t.Errorf("%d of %d recently used executables left", len(entries), len(names))
	}
}

// TestKeptDecisionHoldsWhatItsCheckReads: the kept answer leaves out the
// standard library and all but one package per pinned module version, and
// its check hashes to the same source hash and tree fingerprint as go list's
// whole answer did, so trimming it changes no key. A package whose files
// are hashed is kept in full.
func TestKeptDecisionHoldsWhatItsCheckReads(t *testing.T) {
	t.Parallel()
	root := newModule(t)
	mustBuild(t, countingRunner(new([]string)), Spec{Root: root, Package: handlerPkg})
	files, _ := filepath.Glob(filepath.Join(root, ".kumo", "bundles", "handler-*.decision.json"))
	if len(files) != 1 {
		t.Fatalf("kept decisions: %v; want one", files)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var kd keptDecision
	if err := json.Unmarshal(raw, &kd); err != nil {
		t.Fatal(err)
	}
	for _, p := range kd.Packages {
		if p.Standard {
			t.Errorf("kept %s, a standard library package", p.ImportPath)
		}
	}
	if len(kd.Packages) == 0 || !slices.ContainsFunc(kd.Packages, func(p listedPackage) bool { return len(p.GoFiles) > 0 && !p.DepOnly }) {
		t.Errorf("kept packages %+v; want the handler package with its files", kd.Packages)
	}

	// go list's whole answer, with module-cache packages of two versions of
	// one module and a replaced one, as a handler importing them lists them.
	b := &builder{findGo: FindGo, run: RunGo}
	goBin, err := FindGo()
	if err != nil {
		t.Fatal(err)
	}
	tg := &target{root: root, pkg: handlerPkg}
	full, err := b.list(context.Background(), goBin, tg, nil, buildFlags)
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	for i, v := range []string{"v1.2.0", "v1.2.0", "v1.3.0"} {
		full = append(full, listedPackage{ImportPath: fmt.Sprintf("example.com/dep/p%d", i), Name: "p", Dir: filepath.Join(cache, "dep@"+v, fmt.Sprintf("p%d", i)),
			DepOnly: true, GoFiles: []string{"p.go"}, Module: &listedModule{Path: "example.com/dep", Version: v, Dir: filepath.Join(cache, "dep@"+v), GoMod: filepath.Join(cache, "dep@"+v, "go.mod")}})
	}
	full = append(full, listedPackage{ImportPath: "example.com/old/q", Name: "q", Dir: filepath.Join(cache, "new@v2.0.0", "q"), DepOnly: true, GoFiles: []string{"q.go"},
		Module: &listedModule{Path: "example.com/old", Version: "v1.0.0", Replace: &listedModule{Path: "example.com/new", Version: "v2.0.0", Dir: filepath.Join(cache, "new@v2.0.0")}}})
	kept := keptPackages(full, root)
	if n := len(kept); n >= len(full)-3 {
		t.Errorf("kept %d of %d packages; want the standard library and the repeated module version left out", n, len(full))
	}
	goEnv := map[string]string{"GOVERSION": "go1.0"}
	for _, c := range []struct {
		name      string
		full, got string
	}{
		{"source hash", mustSourceHash(t, tg, goEnv, full), mustSourceHash(t, tg, goEnv, kept)},
		{"tree fingerprint", treeFingerprint(root, full), treeFingerprint(root, kept)},
	} {
		if c.full != c.got {
			t.Errorf("%s of the kept packages %s; want %s, as of go list's whole answer", c.name, c.got, c.full)
		}
	}
	if h := mustSourceHash(t, tg, goEnv, full[:len(full)-1]); h == mustSourceHash(t, tg, goEnv, kept) {
		t.Error("the source hash does not change without the replaced module: the check above cannot fail")
	}
}

func mustSourceHash(t *testing.T, tg *target, goEnv map[string]string, pkgs []listedPackage) string {
	t.Helper()
	sum, err := sourceHash(tg, tg.pkg, goEnv, nil, buildFlags, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}
