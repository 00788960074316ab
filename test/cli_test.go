package test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kumo-iac/kumo/internal/kumocli"
	"github.com/kumo-iac/kumo/internal/testinputs"
)

// kumoBin is the real CLI, built once per test binary (see kumocli).
var kumoBin = sync.OnceValues(func() (string, error) { return kumocli.Build(root) })

// buildKumo returns the real CLI, built once per test binary. Tests that
// only run the CLI, each in a process and a project directory of its own,
// call t.Parallel: go test starts them once the in-process synth tests
// (which share the process's state) are done, and the kumo processes of two
// of them at a time keep both cores busy. Tests that change the
// environment (t.Setenv) cannot, and run before them.
func buildKumo(t *testing.T) string {
	t.Helper()
	bin, err := kumoBin()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// sourceProject makes a project directory with the module's sources (linked,
// not copied) but its own Pulumi files: pulumiYAML, or the repository's
// Pulumi.yaml when empty. kumo synth builds the project's program there; the
// linked .kumo shares its build cache with the repository's, so an
// unchanged program is built once for all such tests. The directory is the
// same every run (.kumo/test/projects/<test>), so what kumo keeps there for
// it is found again next run instead of piling up under a new temporary
// path each time, and rewriting files other test packages read, which kept
// go test from caching their results.
func sourceProject(t *testing.T, pulumiYAML string) string {
	t.Helper()
	dir := filepath.Join(root, ".kumo", "test", "projects", projectDirName.ReplaceAllString(t.Name(), "_"))
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	// Another test run in this checkout may be using the directory.
	unlock, err := kumocli.Lock(dir + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unlock)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// Listed without go test recording the listing, whose .git entry
	// changes with every git command (see testinputs).
	names, err := testinputs.Names(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if strings.HasPrefix(name, "Pulumi.") || name == ".git" {
			continue
		}
		if err := os.Symlink(filepath.Join(root, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if pulumiYAML == "" {
		b, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		pulumiYAML = string(b)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(pulumiYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

var projectDirName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func runKumo(t *testing.T, bin, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run kumo: %v", err)
	}
	return out.String(), errOut.String(), code
}

func TestCLISynthDevJSON(t *testing.T) {
	t.Parallel()
	bin := buildKumo(t)
	out := filepath.Join(t.TempDir(), "dev.json")
	_, stderr, code := runKumo(t, bin, root, "synth", "--stack", "dev", "--json", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Project   string            `json:"project"`
		Stack     string            `json:"stack"`
		Resources []json.RawMessage `json:"resources"`
		Outputs   map[string]any    `json:"outputs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("output is not the JSON contract: %v", err)
	}
	if doc.Project != "kumo" || doc.Stack != "dev" || len(doc.Resources) == 0 {
		t.Errorf("got project %q stack %q with %d resources; want kumo, dev and resources", doc.Project, doc.Stack, len(doc.Resources))
	}
	if url, _ := doc.Outputs["apiUrl"].(string); !strings.HasPrefix(url, "https://") || !strings.Contains(url, ".execute-api.eu-west-1.amazonaws.com/") {
		t.Errorf("apiUrl %q; want an execute-api URL in eu-west-1", url)
	}
	if !strings.Contains(stderr, "wrote "+out) {
		t.Errorf("stderr %q; want a 'wrote' line", stderr)
	}
}

// TestCLIBadConfig: one aggregated error, exit code 3, and no output file.
func TestCLIBadConfig(t *testing.T) {
	t.Parallel()
	bin := buildKumo(t)
	dir := sourceProject(t, "")
	stackFile := "config:\n  aws:region: eu-west-1\n  kumo:apiGatewayLogRoleStack: shared\n  kumo:authorizer: magic\n  kumo:webapp:\n    memoryMB: 64\n    timeoutSeconds: 60\n    mfa: SMS\n"
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.bad.yaml"), []byte(stackFile), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.json")
	stdout, stderr, code := runKumo(t, bin, dir, "synth", "--stack", "bad", "--json", "--out", out)
	if code != 3 {
		t.Errorf("exit %d; want 3 (invalid config)", code)
	}
	for _, want := range []string{"4 problems", "kumo:webapp.memoryMB: 64 is outside 128–10240 MB", "kumo:webapp.timeoutSeconds: 60 is outside 1–29 s",
		`kumo:webapp.mfa: "SMS" is not an MFA setting`, "kumo:authorizer: unknown config key"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if stdout != "" {
		t.Errorf("stdout %q; want nothing", stdout)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("output file exists after a failed synth (stat: %v)", err)
	}
}

// TestCLIEngineRefusedConfig: a stack the Pulumi engine would refuse
// before running the program (a declared key without a default and no
// value) is invalid config to kumo too: exit 3, the engine's message, no
// output file.
func TestCLIEngineRefusedConfig(t *testing.T) {
	t.Parallel()
	bin := buildKumo(t)
	dir := sourceProject(t, "name: kumo\nruntime: go\nmain: cmd/stack/\nconfig:\n  certificateArn:\n    type: string\n  domainNames:\n    type: array\n    items:\n      type: string\n")
	// A stack the program itself accepts (the apigateway-account pattern
	// needs no sources), so only the engine's check can refuse it.
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.prod.yaml"), []byte("config:\n  aws:region: eu-west-1\n  kumo:patterns: [apigateway-account]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.json")
	stdout, stderr, code := runKumo(t, bin, dir, "synth", "--stack", "prod", "--json", "--out", out)
	if code != 3 {
		t.Errorf("exit %d; want 3 (invalid config)", code)
	}
	if want := "Stack 'prod' is missing configuration values 'certificateArn' and 'domainNames'"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout %q; want nothing", stdout)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("output file exists after a failed synth (stat: %v)", err)
	}
}

// TestCLIOutRefusesStackConfig: --out onto a stack config file (here a copy
// of the project's own, outside the repository so a regression cannot
// damage it) is refused with exit 2 before anything is written.
func TestCLIOutRefusesStackConfig(t *testing.T) {
	t.Parallel()
	bin := buildKumo(t)
	config, err := os.ReadFile(filepath.Join(root, "Pulumi.dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "Pulumi.dev.yaml")
	if err := os.WriteFile(out, config, 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runKumo(t, bin, root, "synth", "--json", "--out", out)
	if code != 2 {
		t.Errorf("exit %d; want 2 (usage)", code)
	}
	for _, want := range []string{"refusing to write --out " + out, "--force"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if stdout != "" {
		t.Errorf("stdout %q; want nothing", stdout)
	}
	if b, _ := os.ReadFile(out); !bytes.Equal(b, config) {
		t.Errorf("stack config changed to %.80q...", b)
	}
}

// startKumo runs kumo synth --json on the project with the given stdout
// (nil: closed) and returns its exit code and stderr. It uses os.StartProcess
// because os/exec cannot start a process with a closed descriptor.
func startKumo(t *testing.T, bin string, stdout *os.File) (code int, stderr string) {
	t.Helper()
	stdin, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	errFile, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	p, err := os.StartProcess(bin, []string{bin, "synth", "--json"}, &os.ProcAttr{
		Dir:   root,
		Files: []*os.File{stdin, stdout, errFile},
	})
	if err != nil {
		t.Fatal(err)
	}
	state, err := p.Wait()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(errFile.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !state.Exited() {
		t.Errorf("kumo did not exit but was killed: %v", state)
	}
	return state.ExitCode(), string(b)
}

// TestCLIBrokenPipe: output into a pipe nobody reads any more fails with
// exit 1 and says so, instead of kumo dying of SIGPIPE.
func TestCLIBrokenPipe(t *testing.T) {
	t.Parallel()
	bin := buildKumo(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	code, stderr := startKumo(t, bin, w)
	w.Close()
	if code != 1 {
		t.Errorf("exit %d; want 1", code)
	}
	if want := "kumo: write output: stdout: broken pipe\n"; stderr != want {
		t.Errorf("stderr %q; want %q", stderr, want)
	}
}

// TestCLIClosedStdout: started with stdout closed, kumo says its output
// could not be written and exits 1, instead of printing into the /dev/null
// the Go runtime opens in its place and exiting 0. Output sent to /dev/null
// on purpose (a shell's >/dev/null) is still a success.
func TestCLIClosedStdout(t *testing.T) {
	t.Parallel()
	bin := buildKumo(t)
	code, stderr := startKumo(t, bin, nil)
	if code != 1 {
		t.Errorf("closed stdout: exit %d; want 1", code)
	}
	if want := "kumo: write output: stdout was closed when kumo started"; !strings.HasPrefix(stderr, want) {
		t.Errorf("closed stdout: stderr %q; want it to start with %q", stderr, want)
	}

	null, err := os.OpenFile(os.DevNull, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if code, stderr := startKumo(t, bin, null); code != 0 || stderr != "" {
		t.Errorf(">/dev/null: exit %d, stderr %q; want 0 and nothing", code, stderr)
	}
}

// TestCLISynthHandsOffItsProcess: kumo synth is not resident while the
// program runs: the program's parent is the process the caller started,
// running a shell in kumo's place, and kumo comes back in it to finish (the
// output written, exit 0); nothing is left in the temporary directory. A
// program that fails is reported with kumo's exit code all the same.
func TestCLISynthHandsOffItsProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the program's parent is read from /proc")
	}
	t.Parallel()
	bin := buildKumo(t)
	dir := sourceProject(t, "name: kumo\nruntime: go\nmain: probe/\n")
	probe := `package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo"
)

func main() {
	parent, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", os.Getppid()))
	os.WriteFile(os.Getenv("KUMO_TEST_PARENT"), []byte(fmt.Sprintf("%d %s", os.Getppid(), parent)), 0o644)
	if os.Getenv("KUMO_TEST_FAIL") != "" {
		os.Exit(7)
	}
	kumo.Run(func(ctx *pulumi.Context) error {
		ctx.Export("probe", pulumi.String("ok"))
		return nil
	})
}
`
	if err := os.MkdirAll(filepath.Join(dir, "probe"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "probe", "main.go"), []byte(probe), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte("config: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	synth := func(env ...string) (pid int, stderr string, code int, parent string) {
		t.Helper()
		// Paths the same every run: they are part of the environment
		// kumo keeps the go command's answers by.
		tmp := filepath.Join(dir, "tmp")
		if err := os.MkdirAll(tmp, 0o755); err != nil {
			t.Fatal(err)
		}
		report := filepath.Join(dir, "parent")
		os.Remove(report)
		cmd := exec.Command(bin, "synth", "--stack", "dev", "--json", "--out", filepath.Join(dir, "out.json"), "--force")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), append([]string{"TMPDIR=" + tmp, "KUMO_TEST_PARENT=" + report}, env...)...)
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("left in the temporary directory: %v", left)
		}
		b, _ := os.ReadFile(report)
		return cmd.Process.Pid, errOut.String(), cmd.ProcessState.ExitCode(), string(b)
	}

	pid, stderr, code, parent := synth()
	if code != 0 {
		t.Fatalf("kumo synth: exit %d: %s", code, stderr)
	}
	ppid, exe, _ := strings.Cut(parent, " ")
	if ppid != strconv.Itoa(pid) || exe == "" || exe == bin {
		t.Errorf("program's parent: %q; want process %d (the one started) running a shell, not kumo (%s)", parent, pid, bin)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out.json")); err != nil || !strings.Contains(string(b), `"probe": "ok"`) {
		t.Errorf("output: %s, %v; want the program's contract", b, err)
	}

	_, stderr, code, _ = synth("KUMO_TEST_FAIL=1")
	if code != 1 || !strings.Contains(stderr, "exited (exit status 7) without a synth result") {
		t.Errorf("failing program: exit %d, stderr %q; want exit 1 and the program's status", code, stderr)
	}
}
