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
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/kumo")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/kumo: %v\n%s", err, out)
	}
	return bin, nil
}
