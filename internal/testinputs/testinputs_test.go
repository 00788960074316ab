package testinputs

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func makeDirs(t *testing.T, root string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func write(t *testing.T, root, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSourceDirs: every directory an edit to the CLI or an app's sources
// can land in is listed; what the go command ignores, and the root's
// volatile entries, are not.
func TestSourceDirs(t *testing.T) {
	root := t.TempDir()
	makeDirs(t, root, "cmd/kumo/internal/synth", "patterns/webapp/site", "test/testdata/golden", "test/localaws/node_modules/dynalite", ".kumo/bundles", ".git/objects", "_scratch")
	write(t, root, "go.mod", "module example.com/m\n")
	dirs, err := SourceDirs(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range dirs {
		rel, _ := filepath.Rel(root, d)
		got = append(got, filepath.ToSlash(rel))
	}
	want := []string{"cmd", "cmd/kumo", "cmd/kumo/internal", "cmd/kumo/internal/synth", "patterns", "patterns/webapp", "patterns/webapp/site", "test", "test/localaws"}
	if !slices.Equal(got, want) {
		t.Errorf("directories listed: %v; want %v", got, want)
	}
}

// TestGlob matches names in one directory like filepath.Glob; Names lists
// them all.
func TestGlob(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "README.md"} {
		write(t, root, n, "x")
	}
	if names, err := Names(root); err != nil || !slices.Equal(names, []string{"Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.yaml", "README.md"}) {
		t.Errorf("Names: %v, %v; want the four files, sorted, without . and ..", names, err)
	}
	got, err := Glob(root, "Pulumi.*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	if !slices.Equal(got, want) || len(got) != 2 {
		t.Errorf("Glob: %v; want %v", got, want)
	}
}

// TestListingIsNotRecorded runs this test binary again with go test's input
// log on: Names, Glob and SourceDirs must record the root's stat, not its
// listing (which would make .git's time an input), while the directories
// below are listed as before.
func TestListingIsNotRecorded(t *testing.T) {
	if dir := os.Getenv("TESTINPUTS_HELPER_DIR"); dir != "" {
		if _, err := Names(dir); err != nil {
			t.Fatal(err)
		}
		if _, err := Glob(dir, "*.yaml"); err != nil {
			t.Fatal(err)
		}
		if _, err := SourceDirs(dir); err != nil {
			t.Fatal(err)
		}
		return
	}
	root := t.TempDir()
	makeDirs(t, root, ".git", "cmd/kumo")
	write(t, root, "Pulumi.dev.yaml", "x")
	log := filepath.Join(t.TempDir(), "inputs.log")
	cmd := exec.Command(os.Args[0], "-test.run=^TestListingIsNotRecorded$", "-test.testlogfile="+log)
	cmd.Env = append(os.Environ(), "TESTINPUTS_HELPER_DIR="+root)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	// SourceDirs also records what RunTests cannot (go test logs nothing
	// before or after m.Run): the anchor and the subprocesses' variables.
	for _, want := range []string{"stat " + root, "open " + filepath.Join(root, "cmd"), "open " + filepath.Join(root, "cmd", "kumo"), "open " + anchorPath(root), "getenv GOPROXY"} {
		if !slices.Contains(lines, want) {
			t.Errorf("input log lacks %q:\n%s", want, raw)
		}
	}
	for _, unwanted := range []string{"open " + root, "open " + filepath.Join(root, ".git")} {
		if slices.Contains(lines, unwanted) {
			t.Errorf("input log has %q: the listing would make .git's time an input", unwanted)
		}
	}
}

// TestRunTestsMarksResultsOfChangedSources: SourceDirs opens the anchor
// file (at its old time); a source edited while the tests run moves the
// anchor's time into the future, where go test will not cache a result
// keyed by it, and the next run's SourceDirs sets it back.
func TestRunTestsMarksResultsOfChangedSources(t *testing.T) {
	root := t.TempDir()
	makeDirs(t, root, "cmd/kumo")
	write(t, root, "cmd/kumo/main.go", "package main\n")
	anchor := anchorPath(root)
	read := func() int {
		if _, err := SourceDirs(root); err != nil {
			t.Fatal(err)
		}
		return 0
	}
	if code := RunTests(root, read); code != 0 {
		t.Fatalf("exit %d; want run's 0", code)
	}
	if fi, err := os.Stat(anchor); err != nil || !fi.ModTime().Equal(anchorOld) {
		t.Fatalf("unchanged sources: anchor %v, %v; want it at %v", fi, err, anchorOld)
	}
	code := RunTests(root, func() int {
		read()
		write(t, root, "cmd/kumo/main.go", "package main\n\nfunc main() {}\n")
		return 3
	})
	if code != 3 {
		t.Errorf("exit %d; want run's 3", code)
	}
	if fi, err := os.Stat(anchor); err != nil || !fi.ModTime().After(time.Now().Add(time.Second)) {
		t.Errorf("edited while running: anchor %v, %v; want its time in the future", fi, err)
	}
	read()
	if fi, err := os.Stat(anchor); err != nil || !fi.ModTime().Equal(anchorOld) {
		t.Errorf("the next run: anchor %v, %v; want it back at %v", fi, err, anchorOld)
	}
}

// TestToolLink: a tool outside the module becomes a link in .kumo/test/tools,
// made even when the tool is missing (so its arrival counts), left alone
// while the tool's path stays (go test records the link too) and moved when
// it changes.
func TestToolLink(t *testing.T) {
	root := t.TempDir()
	write(t, root, "go.mod", "module example.com/m\n")
	makeDirs(t, root, "pkg")
	t.Chdir(filepath.Join(root, "pkg"))
	link := filepath.Join(root, ".kumo", "test", "tools", "pulumi")
	Tool("pulumi", "/nowhere/pulumi")
	if got, err := os.Readlink(link); err != nil || got != "/nowhere/pulumi" {
		t.Fatalf("link to a missing tool: %q, %v; want /nowhere/pulumi", got, err)
	}
	before, err := os.Lstat(link)
	if err != nil {
		t.Fatal(err)
	}
	Tool("pulumi", "/nowhere/pulumi")
	if after, err := os.Lstat(link); err != nil || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("same tool again: the link was remade; want it left alone")
	}
	tool := filepath.Join(t.TempDir(), "pulumi")
	write(t, filepath.Dir(tool), "pulumi", "#!/bin/sh\n")
	Tool("pulumi", tool)
	if got, err := os.Readlink(link); err != nil || got != tool {
		t.Errorf("another tool: link %q, %v; want %s", got, err, tool)
	}
}
