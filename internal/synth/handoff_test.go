//go:build unix

package synth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The test binary plays kumo in these tests: run with envHelper set, it
// runs TestHandoffHelper only, which hands its process over to the program
// in KUMO_TEST_PROGRAM and, executed again, prints what it resumed. Its
// second run synthesizes KUMO_TEST_RESUME_ROOT's stack where that is set
// (as kumo executed again with other arguments would), and it executes
// KUMO_TEST_SELF again where that is set.
const envHelper = "KUMO_TEST_HANDOFF_HELPER"

func TestHandoffHelper(t *testing.T) {
	if os.Getenv(envHelper) == "" {
		t.Skip("run by the handoff tests")
	}
	root := os.Getenv("KUMO_TEST_ROOT")
	TakeResume()
	if r := os.Getenv("KUMO_TEST_RESUME_ROOT"); r != "" && resumeSeen {
		root = r
	}
	req := Request{Root: root, Stack: "dev", JSONOnly: true}
	res, ok, err := resumed(root, req)
	if ok || resumeSeen {
		var leaked []string
		for _, kv := range os.Environ() {
			if strings.HasPrefix(kv, protocolPrefix) {
				leaked = append(leaked, kv)
			}
		}
		out := map[string]any{"leaked": leaked, "resumed": ok}
		if err != nil {
			out["error"] = err.Error()
			var pe *ProgramError
			if errors.As(err, &pe) {
				out["kind"] = pe.Kind
			}
		} else if res != nil {
			c, _ := res.JSON()
			out["result"] = string(c)
		}
		if !ok {
			// Resuming nothing, a kumo started with a resume variable
			// must run the program itself.
			if err := handOff(context.Background(), os.Getenv("KUMO_TEST_PROGRAM"), root, req, Handoff{Self: os.Args[0]}); err != nil {
				out["handoffAgain"] = err.Error()
			}
		}
		json.NewEncoder(os.Stdout).Encode(out)
		os.Exit(0)
	}
	self := os.Args[0]
	if s := os.Getenv("KUMO_TEST_SELF"); s != "" {
		self = s
	}
	err = handOff(context.Background(), os.Getenv("KUMO_TEST_PROGRAM"), root, req, Handoff{Self: self, Args: []string{"-test.run=^TestHandoffHelper$"}})
	fmt.Printf(`{"handoffFailed": %q}`+"\n", err)
	os.Exit(0)
}

type handoffRun struct {
	pid    int
	stderr string
	// What the resumed helper printed.
	Resumed                                          bool
	Result, Error, Kind, HandoffFailed, HandoffAgain string
	Leaked                                           []string
}

// runHandoff runs the helper with program and returns what it resumed.
// Each run has a temporary directory of its own, which must be empty
// afterwards: the resume's directory is always removed.
func runHandoff(t *testing.T, root, program string, env ...string) handoffRun {
	t.Helper()
	tmp := t.TempDir()
	h := startHandoff(t, root, program, false, append(env, "TMPDIR="+tmp)...)
	run := h.wait(t)
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}
	return run
}

type startedHandoff struct {
	cmd            *exec.Cmd
	stdout, stderr *strings.Builder
}

// startHandoff starts the helper, in a process group of its own if group,
// with a temporary directory of its own (tmp) and env.
func startHandoff(t *testing.T, root, program string, group bool, env ...string) startedHandoff {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHandoffHelper$")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: group}
	cmd.Env = append(os.Environ(), envHelper+"=1", "KUMO_TEST_ROOT="+root, "KUMO_TEST_PROGRAM="+program)
	cmd.Env = append(cmd.Env, env...)
	h := startedHandoff{cmd: cmd, stdout: new(strings.Builder), stderr: new(strings.Builder)}
	cmd.Stdout, cmd.Stderr = h.stdout, h.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h startedHandoff) wait(t *testing.T) handoffRun {
	t.Helper()
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("helper: %v\n%s%s", err, h.stdout.String(), h.stderr.String())
	}
	return h.read(t)
}

func (h startedHandoff) read(t *testing.T) handoffRun {
	t.Helper()
	run := handoffRun{pid: h.cmd.Process.Pid, stderr: h.stderr.String()}
	// go test prints PASS after the helper's line when it returns; the
	// helper exits before.
	line, _, _ := strings.Cut(h.stdout.String(), "\n")
	if err := json.Unmarshal([]byte(line), &run); err != nil {
		t.Fatalf("helper printed %q: %v", h.stdout.String(), err)
	}
	if run.HandoffFailed != "" {
		t.Fatalf("handoff did not start: %s", run.HandoffFailed)
	}
	return run
}

// script is a program that records where it runs (its parent process, its
// parent's executable, its directory, the protocol's variables it sees and
// its own process)
// in report, prints to stdout, and then runs body.
func script(t *testing.T, report, body string) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "program")
	src := "#!/bin/sh\n" +
		"{ echo \"$PPID\"; readlink /proc/$PPID/exe; pwd; env | grep '^" + protocolPrefix + "' | sed 's/=.*//' | sort | tr '\\n' ' '; echo; echo \"$$\"; } > '" + report + ".tmp' && mv '" + report + ".tmp' '" + report + "'\n" +
		"echo 'printed by the program'\n" + body
	if err := os.WriteFile(exe, []byte(src), 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}

// TestHandoff: kumo's process becomes the program's (the program's parent
// is the process kumo was, now a shell, not kumo), the program runs in the
// project directory with the variables RunProgram gives it and its output
// on stderr, and kumo, executed again, reads the program's document and
// leaves none of the protocol's variables in its environment.
func TestHandoff(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the program's parent is read from /proc")
	}
	if _, err := handoffShell(); err != nil {
		t.Skip(err)
	}
	want := documentResult()
	doc := filepath.Join(t.TempDir(), "doc.json")
	if err := WriteDocument(doc, want, nil, ""); err != nil {
		t.Fatal(err)
	}
	root, report := t.TempDir(), filepath.Join(t.TempDir(), "report")
	run := runHandoff(t, root, script(t, report, "cat '"+doc+"' > \"$"+EnvResult+"\"\n"))

	wantJSON, err := want.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if run.Error != "" || run.Result != string(wantJSON) {
		t.Errorf("resumed result %q, error %q; want the program's contract", run.Result, run.Error)
	}
	if len(run.Leaked) > 0 {
		t.Errorf("resumed kumo still has %v; want no protocol variable left", run.Leaked)
	}
	if !strings.Contains(run.stderr, "printed by the program") {
		t.Errorf("stderr %q; want the program's stdout there", run.stderr)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		t.Fatalf("program report %q", b)
	}
	self, _ := os.Executable()
	if ppid, _ := strconv.Atoi(lines[0]); ppid != run.pid || lines[1] == self || lines[1] == "" {
		t.Errorf("program's parent: pid %s, executable %q; want pid %d (kumo's) running a shell, not %s", lines[0], lines[1], run.pid, self)
	}
	if lines[2] != root {
		t.Errorf("program ran in %s; want the project directory %s", lines[2], root)
	}
	if got, want := strings.TrimSpace(lines[3]), EnvResult+" "+EnvRoot+" "+EnvStack; got != want {
		t.Errorf("program saw %q; want exactly %q", got, want)
	}
}

// TestHandoffProgramFailures: a program that exits without a document, or
// reports an error in it, is reported by the resumed kumo as by RunProgram.
func TestHandoffProgramFailures(t *testing.T) {
	if _, err := handoffShell(); err != nil {
		t.Skip(err)
	}
	report := filepath.Join(t.TempDir(), "report")
	run := runHandoff(t, t.TempDir(), script(t, report, "exit 3\n"))
	if !strings.Contains(run.Error, "exited (exit status 3) without a synth result") {
		t.Errorf("program exiting 3 without a document: error %q; want it reported with its status", run.Error)
	}

	doc := filepath.Join(t.TempDir(), "doc.json")
	if err := WriteDocument(doc, nil, errors.New("Stack 'dev' is missing configuration values"), KindInvalidConfig); err != nil {
		t.Fatal(err)
	}
	run = runHandoff(t, t.TempDir(), script(t, report, "cat '"+doc+"' > \"$"+EnvResult+"\"\nexit 1\n"))
	if run.Kind != KindInvalidConfig || !strings.Contains(run.Error, "missing configuration values") {
		t.Errorf("program reporting invalid config: error %q, kind %q; want the program's error and kind", run.Error, run.Kind)
	}
}

// TestStaleResumeIsIgnored: a resume variable left in an environment after
// its run (its directory is gone), one naming a directory without its
// token, or one naming a directory kumo did not make (which it would
// remove), resumes nothing; the variables are removed all the same, and the
// process never hands off, so no variable can make kumo run the program
// over and over.
func TestStaleResumeIsIgnored(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir := filepath.Join(tmp, resumeDirPrefix+"1")
	other := t.TempDir()
	for _, d := range []string{dir, other} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, tokenFile), []byte("right"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(tmp, resumeDirPrefix+"link")
	if err := os.Symlink(other, link); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]resume{
		"directory gone":                 {Dir: []byte(filepath.Join(tmp, resumeDirPrefix+"gone")), Token: "right"},
		"wrong token":                    {Dir: []byte(dir), Token: "wrong"},
		"not in the temporary directory": {Dir: []byte(other), Token: "right"},
		"a link":                         {Dir: []byte(link), Token: "right"},
		"not JSON":                       {},
	} {
		t.Run(name, func(t *testing.T) {
			r.Root, r.Stack = []byte("/p"), "dev"
			b, _ := json.Marshal(r)
			if name == "not JSON" {
				b = []byte("{")
			}
			t.Setenv(EnvResume, string(b))
			t.Setenv(envStatus, "0")
			t.Setenv(EnvResult, filepath.Join(dir, "result.json"))
			resetResume(t)
			if _, ok, err := resumed("/p", Request{Root: "/p", Stack: "dev"}); ok {
				t.Errorf("resumed a stale run (%v); want none", err)
			}
			for _, v := range []string{EnvResume, envStatus, EnvResult} {
				if val, set := os.LookupEnv(v); set {
					t.Errorf("%s=%q still set; want it removed", v, val)
				}
			}
			if err := handOff(context.Background(), "/bin/true", "/p", Request{Root: "/p", Stack: "dev"}, Handoff{Self: "/bin/true"}); err == nil || !strings.Contains(err.Error(), "resumes a handoff") {
				t.Errorf("handOff in a process started with a resume variable: %v; want it refused", err)
			}
		})
	}
	for _, d := range []string{dir, other} {
		if _, err := os.Stat(filepath.Join(d, tokenFile)); err != nil {
			t.Errorf("%s: %v; want a directory a stale resume names left alone", d, err)
		}
	}
}

// TestReleaseResume: a resume taken by a command that fails before its synth
// (a refused --out, say) has its directory removed when kumo exits.
func TestReleaseResume(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir := filepath.Join(tmp, resumeDirPrefix+"1")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, tokenFile), []byte("t"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(resume{Dir: []byte(dir), Token: "t", Root: []byte("/p"), Stack: "dev"})
	t.Setenv(EnvResume, string(b))
	resetResume(t)
	TakeResume()
	if resumeTaken == nil {
		t.Fatal("a valid resume was not taken")
	}
	ReleaseResume()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("resume directory after ReleaseResume: %v; want it removed", err)
	}
}

func resetResume(t *testing.T) {
	resumeOnce, resumeSeen, resumeTaken = sync.Once{}, false, nil
	t.Cleanup(func() { resumeOnce, resumeSeen, resumeTaken = sync.Once{}, false, nil })
}

// TestHandoffResumedElsewhere: kumo executed again with other arguments
// than it handed off with (another project) reports that, removes the
// document and does not run the program again.
func TestHandoffResumedElsewhere(t *testing.T) {
	if _, err := handoffShell(); err != nil {
		t.Skip(err)
	}
	report := filepath.Join(t.TempDir(), "report")
	root, elsewhere := t.TempDir(), t.TempDir()
	run := runHandoff(t, root, script(t, report, "exit 0\n"), "KUMO_TEST_RESUME_ROOT="+elsewhere)
	if !run.Resumed || !strings.Contains(run.Error, "resumed a synth of stack dev in "+root+", not of this stack in "+elsewhere) {
		t.Errorf("resumed elsewhere: resumed %v, error %q; want the mismatch reported", run.Resumed, run.Error)
	}
}

// TestHandoffKumoGone: when kumo cannot be executed again (its executable
// removed while the program ran), the run exits 1 with a message, not with
// the shell's own 126 or 127, and leaves no document behind.
func TestHandoffKumoGone(t *testing.T) {
	if _, err := handoffShell(); err != nil {
		t.Skip(err)
	}
	tmp := t.TempDir()
	report := filepath.Join(t.TempDir(), "report")
	h := startHandoff(t, t.TempDir(), script(t, report, "exit 0\n"), false, "TMPDIR="+tmp, "KUMO_TEST_SELF="+filepath.Join(t.TempDir(), "kumo"))
	err := h.cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(h.stderr.String(), "cannot run") {
		t.Errorf("kumo gone: %v, stderr %q; want exit 1 and a message", err, h.stderr.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}
}

// TestHandoffInterrupted: an interrupt of the run's process group (a
// terminal's Ctrl-C), or a termination of its process alone (a supervisor
// stopping it), while the program runs stops the program, and kumo,
// executed again, reports the run interrupted, as a kumo running the
// program as its child does when an interrupt cancels its context.
func TestHandoffInterrupted(t *testing.T) {
	if _, err := handoffShell(); err != nil {
		t.Skip(err)
	}
	for _, c := range []struct {
		name  string
		sig   syscall.Signal
		group bool
	}{
		{"INT", syscall.SIGINT, true},
		{"TERM", syscall.SIGTERM, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tmp := t.TempDir()
			report := filepath.Join(t.TempDir(), "report")
			h := startHandoff(t, t.TempDir(), script(t, report, "exec sleep 60\n"), true, "TMPDIR="+tmp)
			var lines []string
			for deadline := time.Now().Add(10 * time.Second); len(lines) < 5; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					syscall.Kill(-h.cmd.Process.Pid, syscall.SIGKILL)
					t.Fatal("the program did not start")
				}
				b, _ := os.ReadFile(report)
				lines = strings.Split(string(b), "\n")
			}
			program, _ := strconv.Atoi(lines[4])
			target := h.cmd.Process.Pid
			if c.group {
				target = -target
			}
			if err := syscall.Kill(target, c.sig); err != nil {
				t.Fatal(err)
			}
			// The program sleeps for a minute unless stopped: a run
			// still going long after the signal was not stopped (a bound
			// against a hang, not a timing).
			hung := time.AfterFunc(30*time.Second, func() { syscall.Kill(program, syscall.SIGKILL) })
			run := h.wait(t)
			if !hung.Stop() {
				t.Error("the program was still running 30 s after the signal")
			}
			if !strings.Contains(run.Error, "interrupted (SIG"+c.name+")") {
				t.Errorf("resumed after SIG%s: error %q, result %q; want the run reported interrupted", c.name, run.Error, run.Result)
			}
			if strings.Contains(run.stderr, "Terminated") {
				t.Errorf("stderr %q; want no report of the shell's", run.stderr)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("left in the temporary directory: %v", left)
			}
		})
	}
}
