package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumo-iac/kumo/internal/kumocli"
)

// TestCLIUnchangedSynthRunsNoGoCommand: once a project has been synthesized,
// synthesizing it again unchanged asks the go command nothing, neither for
// the program, nor for the handlers it bundles, nor for where a required
// module's files are (go list -m, for the web app's site): the answers kept
// in .kumo are checked against the sources instead. The go command on PATH
// is a wrapper that logs every call before running the real one.
func TestCLIUnchangedSynthRunsNoGoCommand(t *testing.T) {
	bin := buildKumo(t)
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	// The wrapper's directory is the same every run, as the project's is
	// (see sourceProject), so this test's answers are kept under the same
	// environment each run rather than a new one. Rewriting the wrapper
	// gives the go command on PATH a new modification time, so the first
	// synth asks go env again, through the wrapper.
	wrap := filepath.Join(root, ".kumo", "test", "gowrap")
	if err := os.MkdirAll(wrap, 0o755); err != nil {
		t.Fatal(err)
	}
	unlock, err := kumocli.Lock(wrap + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	log := filepath.Join(wrap, "calls.log")
	script := "#!/bin/sh\necho \"go $*\" >> '" + log + "'\nexec '" + realGo + "' \"$@\"\n"
	os.Remove(filepath.Join(wrap, "go"))
	if err := os.WriteFile(filepath.Join(wrap, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", wrap+string(os.PathListSeparator)+os.Getenv("PATH"))

	dir := sourceProject(t, "")
	for _, stack := range []string{"dev", "shared-eu-west-1"} { // dev references shared-eu-west-1
		name := "Pulumi." + stack + ".yaml"
		if err := os.Symlink(filepath.Join(root, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "dev.json")
	synth := func() string {
		t.Helper()
		os.Remove(log)
		if _, stderr, code := runKumo(t, bin, dir, "synth", "--stack", "dev", "--json", "--out", out, "--force"); code != 0 {
			t.Fatalf("kumo synth: exit %d: %s", code, stderr)
		}
		calls, _ := os.ReadFile(log)
		return string(calls)
	}
	// The first synth under this environment may ask (the wrapper is a new
	// go command); it must ask through the wrapper, or the check below
	// proves nothing.
	if first := synth(); !strings.Contains(first, "go list") {
		t.Fatalf("first synth: go commands %q; want go list through the wrapper", first)
	}
	if calls := strings.TrimSpace(synth()); calls != "" {
		t.Errorf("unchanged synth ran go commands:\n%s", calls)
	}
}
