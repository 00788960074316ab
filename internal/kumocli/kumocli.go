// Package kumocli builds the kumo CLI from a checkout for the tests that run
// it as users do (test/, and the pipeline's buildspec run tests, which
// scaffold an app with kumo init). It builds into the checkout's
// .kumo/test, where the binary stays between runs: go build leaves a binary
// that is up to date with its sources where it is (it compares build IDs),
// so an unchanged CLI is not linked again, which took seconds in every
// package that needs it, every run.
package kumocli

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Build returns the kumo CLI built from the module at root, building it if
// a source changed since the last build.
func Build(root string) (string, error) {
	dir := filepath.Join(root, ".kumo", "test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Two test runs or test packages in one checkout take turns: one may
	// be replacing the binary the other is about to run.
	unlock, err := lockFile(filepath.Join(dir, "kumo.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	bin := filepath.Join(dir, "kumo")
	if err := build(root, "./cmd/kumo", bin); err != nil {
		return "", err
	}
	if _, err := readSourceDirs(root); err != nil {
		return "", err
	}
	return bin, nil
}

// readSourceDirs reads the listing of every directory of the module at root
// that can hold what the CLI, or an app built from the module, is made of:
// all but those the go command ignores (testdata, names starting with . or
// _) and node_modules. go test records what a test reads and caches its
// result keyed by it; a listing carries each entry's size and modification
// time. The test binaries that run the CLI or build apps from the module do
// not import what those builds are made of, so without this an edit to the
// CLI would leave their cached results standing. It returns the directories
// read.
func readSourceDirs(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); path != root && (name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		dirs = append(dirs, path)
		return nil
	})
	return dirs, err
}

// build runs go build -o bin pkg in root, leaving an up-to-date bin as it
// was.
func build(root, pkg, bin string) error {
	before, beforeErr := stamp(bin)
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	// go build touches a binary it finds up to date. The tests that run it
	// read it, so go test keys their cached results by its modification
	// time: left touched, every package that builds the CLI would make the
	// others run again next time. An unchanged binary (the same size and
	// build ID, which holds the hash of its contents) gets its time back.
	if after, err := stamp(bin); beforeErr == nil && err == nil && after.id == before.id {
		return os.Chtimes(bin, before.mod, before.mod)
	}
	return nil
}

// buildStamp identifies a built binary: its size and head, where the go
// linker puts the build ID, and its modification time.
type buildStamp struct {
	id  string
	mod time.Time
}

// headBytes covers the go build ID (action and content hashes), which the
// linker writes near the start of the executable, where go's own buildid
// reader looks for it (the first 32 KiB).
const headBytes = 32 << 10

func stamp(path string) (buildStamp, error) {
	f, err := os.Open(path)
	if err != nil {
		return buildStamp{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return buildStamp{}, err
	}
	head := make([]byte, headBytes)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF {
		return buildStamp{}, err
	}
	return buildStamp{id: fmt.Sprintf("%d %x", fi.Size(), head[:n]), mod: fi.ModTime()}, nil
}
