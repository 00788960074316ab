package kumocli

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestUpToDateBinaryKeepsItsTime: go build touches a binary it finds up to
// date; build puts the time back, so go test's cache (which keys the results
// of tests that read the binary by its modification time) sees no change. A
// rebuilt binary keeps its new time.
func TestUpToDateBinaryKeepsItsTime(t *testing.T) {
	root := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/cli\n\ngo 1.24\n")
	write("main.go", "package main\n\nfunc main() { println(\"one\") }\n")
	bin := filepath.Join(root, "cli")
	if err := build(root, ".", bin); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(bin, old, old); err != nil {
		t.Fatal(err)
	}
	if err := build(root, ".", bin); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(bin); err != nil || !fi.ModTime().Equal(old) {
		t.Fatalf("unchanged sources: binary time %v (%v); want it left at %v", fi.ModTime(), err, old)
	}
	write("main.go", "package main\n\nfunc main() { println(\"two\") }\n")
	if err := build(root, ".", bin); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(bin); err != nil || fi.ModTime().Equal(old) {
		t.Errorf("edited sources: binary time %v (%v); want a new one", fi.ModTime(), err)
	}
}

// TestSourceDirsAreRead: every directory an edit to the CLI or an app's
// sources can land in is read, so go test keys the cached results of the
// tests that build them by it; what the go command ignores is not, so
// build caches and test scratch space do not make those tests run again.
func TestSourceDirsAreRead(t *testing.T) {
	root := t.TempDir()
	for _, dir := range []string{"cmd/kumo/internal/synth", "patterns/webapp/site", "test/testdata/golden", "test/localaws/node_modules/dynalite", ".kumo/bundles", ".git/objects", "_scratch"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dirs, err := readSourceDirs(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range dirs {
		rel, _ := filepath.Rel(root, d)
		got = append(got, filepath.ToSlash(rel))
	}
	want := []string{".", "cmd", "cmd/kumo", "cmd/kumo/internal", "cmd/kumo/internal/synth", "patterns", "patterns/webapp", "patterns/webapp/site", "test", "test/localaws"}
	if !slices.Equal(got, want) {
		t.Errorf("directories read: %v; want %v", got, want)
	}
}
