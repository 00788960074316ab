package kumocli

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// builtCLI builds a one-file main package and sets the binary's time an
// hour back. It returns the module root, the binary, a writer of the
// module's files and that time.
func builtCLI(t *testing.T) (root, bin string, write func(name, content string), old time.Time) {
	t.Helper()
	root = t.TempDir()
	write = func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/cli\n\ngo 1.24\n")
	write("main.go", "package main\n\nfunc main() { println(\"one\") }\n")
	bin = filepath.Join(root, "cli")
	if err := build(root, ".", bin); err != nil {
		t.Fatal(err)
	}
	old = time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(bin, old, old); err != nil {
		t.Fatal(err)
	}
	return root, bin, write, old
}

// modTime is bin's modification time.
func modTime(t *testing.T, bin string) time.Time {
	t.Helper()
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime()
}

// TestUpToDateBinaryKeepsItsTime: go build touches a binary it finds up to
// date; build puts the time back, so go test's cache (which keys the results
// of tests that read the binary by its modification time) sees no change. A
// rebuilt binary keeps its new time.
func TestUpToDateBinaryKeepsItsTime(t *testing.T) {
	root, bin, write, old := builtCLI(t)
	if err := build(root, ".", bin); err != nil {
		t.Fatal(err)
	}
	if got := modTime(t, bin); !got.Equal(old) {
		t.Fatalf("unchanged sources: binary time %v; want it left at %v", got, old)
	}
	write("main.go", "package main\n\nfunc main() { println(\"two\") }\n")
	if err := build(root, ".", bin); err != nil {
		t.Fatal(err)
	}
	if modTime(t, bin).Equal(old) {
		t.Errorf("edited sources: binary time %v; want a new one", old)
	}
}

// TestBinaryWithoutBuildIDIsNotTrusted: a binary linked without a build ID
// (-buildid=) cannot be told apart from another of the same size by its
// head, so an edited one keeps the new time go build gave it.
func TestBinaryWithoutBuildIDIsNotTrusted(t *testing.T) {
	t.Setenv("GOFLAGS", "-ldflags=-buildid=")
	root, bin, write, old := builtCLI(t)
	write("main.go", "package main\n\nfunc main() { println(\"two\") }\n")
	if err := build(root, ".", bin); err != nil {
		t.Fatal(err)
	}
	if modTime(t, bin).Equal(old) {
		t.Errorf("edited, no build ID: binary time %v; want a new one", old)
	}
}
