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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/kumo-iac/kumo/internal/testinputs"
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
	unlock, err := Lock(filepath.Join(dir, "kumo.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	bin := filepath.Join(dir, "kumo")
	if err := build(root, "./cmd/kumo", bin); err != nil {
		return "", err
	}
	// The tests that run the CLI do not import what it is made of: their
	// results are keyed by the module's sources this way instead (see
	// testinputs; their TestMain runs them with testinputs.RunTests).
	if _, err := testinputs.SourceDirs(root); err != nil {
		return "", err
	}
	return bin, nil
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

// buildStamp identifies a built binary: its size and Go build ID (which
// holds the hash of its contents), and its modification time.
type buildStamp struct {
	id  string
	mod time.Time
}

// stamp reads bin's build ID with go's own reader (go tool buildid); a
// binary without one gets an error and so never its time back.
func stamp(path string) (buildStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return buildStamp{}, err
	}
	out, err := exec.Command("go", "tool", "buildid", path).Output()
	id := strings.TrimSpace(string(out))
	if err != nil || id == "" {
		return buildStamp{}, fmt.Errorf("go tool buildid %s: %v", path, err)
	}
	return buildStamp{id: fmt.Sprintf("%d %s", fi.Size(), id), mod: fi.ModTime()}, nil
}
