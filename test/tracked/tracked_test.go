// Package tracked checks what git tracks. It is a package of its own: its
// input is git's index, which changes with every git add, and which go test
// must see (it is stat'ed below) without the other tests of test/ running
// again each time.
package tracked

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumo-iac/kumo/internal/testinputs"
)

// maxTrackedBytes bounds a tracked file: the largest today is a golden
// synth document of about 1.2 MB.
const maxTrackedBytes = 4 << 20

// binaryMagic are the first bytes of executables a stray `go build` or
// `go test -c` leaves behind (ELF, Mach-O 64-bit both byte orders, PE).
var binaryMagic = [][]byte{{0x7f, 'E', 'L', 'F'}, {0xcf, 0xfa, 0xed, 0xfe}, {0xfe, 0xed, 0xfa, 0xcf}, []byte("MZ")}

// TestNoBuildOutputTracked: a `go build ./patterns/.../functions/x` in a
// package directory writes an executable named after it there, and twice
// one was committed (25 MB each, kept forever in history). Every tracked
// file is checked for executable magic and size.
func TestNoBuildOutputTracked(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout (%v): nothing to check", err)
	}
	// git ls-files reads the index, which go test cannot see: stat'ed, a
	// git add of a file already on disk makes the test run again instead
	// of leaving its cached pass standing.
	index, err := exec.Command("git", "-C", root, "rev-parse", "--path-format=absolute", "--git-path", "index").Output()
	if err != nil {
		t.Fatalf("git rev-parse --git-path index: %v", err)
	}
	if _, err := os.Stat(strings.TrimSpace(string(index))); err != nil {
		t.Fatal(err)
	}
	// In a linked worktree the index is outside the module, where go test
	// records nothing: a link inside it stands in.
	testinputs.Tool("git-index", strings.TrimSpace(string(index)))
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	if len(files) < 100 {
		t.Fatalf("git ls-files: got %d files; want the whole repository", len(files))
	}
	for _, f := range files {
		path := filepath.Join(root, f)
		info, err := os.Stat(path)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the work tree, or a symlink
		}
		if info.Size() > maxTrackedBytes {
			t.Errorf("%s: %d bytes tracked; want at most %d (build output? untrack it and add it to .gitignore)", f, info.Size(), maxTrackedBytes)
		}
		head := make([]byte, 4)
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := fh.Read(head)
		fh.Close()
		for _, m := range binaryMagic {
			if n >= len(m) && bytes.Equal(head[:len(m)], m) {
				t.Errorf("%s: an executable is tracked (starts with %q); untrack it and add it to .gitignore", f, head[:len(m)])
			}
		}
	}
}
