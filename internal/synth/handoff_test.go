//go:build unix

package synth

import (
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
// in KUMO_TEST_PROGRAM and, executed again, prints what it resumed.
const envHelper = "KUMO_TEST_HANDOFF_HELPER"

func TestHandoffHelper(t *testing.T) {
	if os.Getenv(envHelper) == "" {
		t.Skip("run by the handoff tests")
	}
	root, stack := os.Getenv("KUMO_TEST_ROOT"), "dev"
	req := Request{Root: root, Stack: stack, JSONOnly: true}
	TakeResume()
	res, ok, err := resumed(root, req)
	if ok {
		var leaked []string
		for _, kv := range os.Environ() {
			if strings.HasPrefix(kv, protocolPrefix) {
				leaked = append(leaked, kv)
			}
		}
		out := map[string]any{"leaked": leaked}
		if err != nil {
			out["error"] = err.Error()
			var pe *ProgramError
			if errors.As(err, &pe) {
				out["kind"] = pe.Kind
			}
		} else {
			c, _ := res.JSON()
			out["result"] = string(c)
		}
		json.NewEncoder(os.Stdout).Encode(out)
		os.Exit(0)
	}
	args := []string{"-test.run=^TestHandoffHelper$"}
	err = handOff(os.Getenv("KUMO_TEST_PROGRAM"), root, req, Handoff{Self: os.Args[0], Args: args})
	fmt.Printf(`{"handoffFailed": %q}`+"\n", err)
	os.Exit(0)
}

type handoffRun struct {
	pid    int
	stderr string
	// What the resumed helper printed.
	Result, Error, Kind, HandoffFailed string
	Leaked                             []string
}

// runHandoff runs the helper with program and returns what it resumed.
func runHandoff(t *testing.T, root, program string) handoffRun {
	t.Helper()
	h := startHandoff(t, root, program, false)
	return h.wait(t)
}

type startedHandoff struct {
	cmd            *exec.Cmd
	stdout, stderr *strings.Builder
}

// startHandoff starts the helper, in a process group of its own if group.
func startHandoff(t *testing.T, root, program string, group bool) startedHandoff {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHandoffHelper$")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: group}
	cmd.Env = append(os.Environ(), envHelper+"=1", "KUMO_TEST_ROOT="+root, "KUMO_TEST_PROGRAM="+program)
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
// its run (its directory is gone), or one naming a directory without its
// token, resumes nothing, and the variables are removed all the same.
func TestStaleResumeIsIgnored(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, tokenFile), []byte("right"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]resume{
		"directory gone": {Dir: filepath.Join(dir, "gone"), Token: "right", Root: "/p", Stack: "dev"},
		"wrong token":    {Dir: dir, Token: "wrong", Root: "/p", Stack: "dev"},
	} {
		t.Run(name, func(t *testing.T) {
			b, _ := json.Marshal(r)
			t.Setenv(EnvResume, string(b))
			t.Setenv(envStatus, "0")
			t.Setenv(EnvResult, filepath.Join(dir, "result.json"))
			resumeOnce, resumeTaken = sync.Once{}, nil
			t.Cleanup(func() { resumeOnce, resumeTaken = sync.Once{}, nil })
			if _, ok, err := resumed("/p", Request{Root: "/p", Stack: "dev"}); ok {
				t.Errorf("resumed a stale run (%v); want none", err)
			}
			for _, v := range []string{EnvResume, envStatus, EnvResult} {
				if val, set := os.LookupEnv(v); set {
					t.Errorf("%s=%q still set; want it removed", v, val)
				}
			}
		})
	}
}

// TestHandoffInterrupted: an interrupt of the run's process group (a
// terminal's Ctrl-C) while the program runs stops the program, and kumo,
// executed again, reports the run interrupted, as a kumo running the
// program as its child does when an interrupt cancels its context.
func TestHandoffInterrupted(t *testing.T) {
	if _, err := handoffShell(); err != nil {
		t.Skip(err)
	}
	report := filepath.Join(t.TempDir(), "report")
	h := startHandoff(t, t.TempDir(), script(t, report, "exec sleep 60\n"), true)
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
	if err := syscall.Kill(-h.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// The program sleeps for a minute unless stopped: a run still going
	// long after the interrupt was not stopped (a bound against a hang, not
	// a timing).
	hung := time.AfterFunc(30*time.Second, func() { syscall.Kill(program, syscall.SIGKILL) })
	run := h.wait(t)
	if !hung.Stop() {
		t.Error("the program was still running 30 s after the interrupt")
	}
	if !strings.Contains(run.Error, "interrupted (SIGINT)") {
		t.Errorf("resumed after an interrupt: error %q, result %q; want the run reported interrupted", run.Error, run.Result)
	}
}
