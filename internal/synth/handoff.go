package synth

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Handing the process over to the program.
//
// A command that only reports a synth's result (kumo synth) has nothing to
// do while the program runs, yet its own pages, about 30 MB resident (what
// the Go runtime and the Pulumi SDK's package initializers touched), stayed
// beside the program's. With a handoff kumo executes a shell in its own
// place, which runs the program and then executes kumo again with the same
// arguments; that kumo finds the program's document through EnvResume and
// finishes as the first would have. The caller still waits for one process
// (the same process ID, whose exit code is kumo's), and only the shell,
// about 1 MB, waits beside the program.

// Handoff is how to run kumo again after the program: its executable and
// the arguments it was started with.
type Handoff struct {
	Self string
	Args []string
}

const (
	// EnvResume tells kumo, executed again after a handed-off program, where
	// the program's document is (a JSON resume).
	EnvResume = "KUMO_SYNTH_RESUME"
	// envStatus is the program's exit status, as the shell reports it.
	envStatus = "KUMO_SYNTH_STATUS"
	// envSignal names the signal (INT, TERM, HUP) that stopped the run,
	// if one did.
	envSignal = "KUMO_SYNTH_SIGNAL"
	// tokenFile holds the resume's token in its directory: a variable left
	// in an environment after its run (the directory is removed then)
	// resumes nothing.
	tokenFile = "token"
)

// handoffScript runs the program (in the project directory, its output on
// stderr, with no input and the variables RunProgram gives it) and executes
// kumo again with the program's exit status. A terminal's interrupt reaches
// the program and the shell alike: the program stops, and the shell, which
// traps it, passes it on in envSignal, as does a termination or a hangup of
// the shell alone, which the program does not see and runs to its end
// through. Its arguments: the project directory, the program, kumo, then
// kumo's arguments.
const handoffScript = `r=$1 p=$2 k=$3
shift 3
sig=
trap 'sig=INT' INT
trap 'sig=TERM' TERM
trap 'sig=HUP' HUP
(cd -- "$r" && unset KUMO_SYNTH_RESUME && exec "$p") </dev/null >&2
KUMO_SYNTH_STATUS=$? KUMO_SYNTH_SIGNAL=$sig
export KUMO_SYNTH_STATUS KUMO_SYNTH_SIGNAL
exec "$k" "$@"
`

// resume is what kumo, executed again, needs of the run it resumes.
type resume struct {
	Dir     string `json:"dir"`
	Token   string `json:"token"`
	Program string `json:"program"`
	Root    string `json:"root"`
	Stack   string `json:"stack"`
	// Status is the program's exit status (from envStatus), Signal the
	// signal that stopped the run (envSignal).
	Status, Signal string `json:"-"`
}

var (
	resumeOnce  sync.Once
	resumeTaken *resume
)

// protocolPrefix starts every variable of the synth protocol.
const protocolPrefix = "KUMO_SYNTH_"

// TakeResume reads, once per process, the variables of a handed-off synth
// this process resumes, and then removes every variable of the protocol, so
// that nothing kumo starts sees them. kumo's main calls it before anything
// else; SynthesizeProject calls it too.
func TakeResume() {
	resumeOnce.Do(func() {
		v, status, signal := os.Getenv(EnvResume), os.Getenv(envStatus), os.Getenv(envSignal)
		if v == "" {
			return
		}
		// The program's variables came along through the shell.
		for _, kv := range os.Environ() {
			if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, protocolPrefix) {
				os.Unsetenv(name)
			}
		}
		var r resume
		if json.Unmarshal([]byte(v), &r) != nil || r.Dir == "" || r.Token == "" {
			return
		}
		token, err := os.ReadFile(filepath.Join(r.Dir, tokenFile))
		if err != nil || string(token) != r.Token {
			return
		}
		r.Status, r.Signal = status, signal
		resumeTaken = &r
	})
}

// resumed returns the result of the handed-off run of req's program this
// process resumes, once, and false when it resumes none.
func resumed(root string, req Request) (*Result, bool, error) {
	TakeResume()
	r := resumeTaken
	if r == nil || r.Root != root || r.Stack != req.Stack {
		return nil, false, nil
	}
	resumeTaken = nil
	defer os.RemoveAll(r.Dir)
	if r.Signal != "" {
		// What a kumo running the program as its child reports when an
		// interrupt cancels its context.
		return nil, true, fmt.Errorf("synth stack %s: interrupted (SIG%s)", req.Stack, r.Signal)
	}
	var runErr error
	if r.Status != "0" {
		runErr = fmt.Errorf("exit status %s", r.Status)
	}
	res, err := programResult(r.Program, filepath.Join(r.Dir, "result.json"), req, runErr, "")
	return res, true, err
}

// handOff executes, in this process's place, the shell that runs the
// program exe for req and then kumo as h says. It returns only when that
// cannot be done, having changed nothing; the caller then runs the program
// itself.
func handOff(exe, root string, req Request, h Handoff) error {
	sh, err := handoffShell()
	if err != nil {
		return err
	}
	if h.Self == "" {
		return errors.New("synth: no executable to resume with")
	}
	dir, err := os.MkdirTemp("", "kumo-synth-")
	if err != nil {
		return err
	}
	token := make([]byte, 16)
	rand.Read(token)
	r := resume{Dir: dir, Token: hex.EncodeToString(token), Program: exe, Root: root, Stack: req.Stack}
	if err := os.WriteFile(filepath.Join(dir, tokenFile), []byte(r.Token), 0o600); err != nil {
		os.RemoveAll(dir)
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	// The shell and the program see the first of duplicate variables.
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, protocolPrefix) })
	env = append(env, programEnv(filepath.Join(dir, "result.json"), root, req)...)
	env = append(env, EnvResume+"="+string(b))
	args := append([]string{sh, "-c", handoffScript, "kumo-synth", root, exe, h.Self}, h.Args...)
	err = execProcess(sh, args, env)
	os.RemoveAll(dir)
	return err
}
