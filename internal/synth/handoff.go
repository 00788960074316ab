package synth

import (
	"context"
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
// kumo again with the program's exit status. The program runs in the
// background so that the shell can act on an interrupt, a termination or a
// hangup meanwhile, whether sent to the process or to its group: it stops
// the program (with a termination; the shell starts background programs
// with interrupts ignored) and passes the signal on in envSignal, as kumo
// stops a program it runs when interrupted. The traps are set before the
// program starts, so a signal in between stops it too; the shell waits again
// only while a signal interrupted its wait and the program lives; wait's
// own report of a program so stopped is not shown. Should kumo not execute (its executable
// removed while the program ran), the shell removes the resume's directory
// and exits 1 with a message, not with its own 126 or 127. Its arguments:
// the project directory, the program, kumo, the resume's directory, then
// kumo's arguments.
const handoffScript = `r=$1 p=$2 k=$3 d=$4
shift 4
pid= sig=
trap 'sig=INT; kill -TERM $pid 2>/dev/null' INT
trap 'sig=TERM; kill -TERM $pid 2>/dev/null' TERM
trap 'sig=HUP; kill -TERM $pid 2>/dev/null' HUP
(cd -- "$r" && unset KUMO_SYNTH_RESUME && exec "$p") </dev/null >&2 &
pid=$!
[ -z "$sig" ] || kill -TERM $pid 2>/dev/null
while :; do
	wait $pid 2>/dev/null
	status=$?
	[ -n "$sig" ] && [ $status -gt 128 ] && kill -0 $pid 2>/dev/null || break
done
trap 'sig=INT' INT
trap 'sig=TERM' TERM
trap 'sig=HUP' HUP
KUMO_SYNTH_STATUS=$status KUMO_SYNTH_SIGNAL=$sig
export KUMO_SYNTH_STATUS KUMO_SYNTH_SIGNAL
trap 'rm -rf -- "$d"; echo "kumo: cannot run $k again to finish the synth" >&2; exit 1' EXIT
exec "$k" "$@"
`

// resume is what kumo, executed again, needs of the run it resumes. Paths
// are bytes, which JSON carries as they are (a string of bytes that are not
// UTF-8 would not come back the same).
type resume struct {
	Dir     []byte `json:"dir"`
	Token   string `json:"token"`
	Program []byte `json:"program"`
	Root    []byte `json:"root"`
	Stack   string `json:"stack"`
	// Status is the program's exit status (from envStatus), Signal the
	// signal that stopped the run (envSignal).
	Status, Signal string `json:"-"`
}

var (
	resumeOnce sync.Once
	// resumeSeen is set in a process started with EnvResume, valid or
	// not: it never hands off again, so no resume can make kumo run the
	// program over and over.
	resumeSeen bool
	// resumeTaken is the valid resume not yet consumed.
	resumeTaken *resume
)

// protocolPrefix starts every variable of the synth protocol.
const protocolPrefix = "KUMO_SYNTH_"

// TakeResume reads, once per process, the variables of a handed-off synth
// this process resumes, and then removes every variable of the protocol, so
// that nothing kumo starts sees them. kumo's main calls it before anything
// else (and ReleaseResume when done); SynthesizeProject calls it too.
func TakeResume() {
	resumeOnce.Do(func() {
		v, status, signal := os.Getenv(EnvResume), os.Getenv(envStatus), os.Getenv(envSignal)
		if v == "" {
			return
		}
		resumeSeen = true
		// The program's variables came along through the shell.
		for _, kv := range os.Environ() {
			if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, protocolPrefix) {
				os.Unsetenv(name)
			}
		}
		var r resume
		if json.Unmarshal([]byte(v), &r) != nil || r.Token == "" || !ownResumeDir(string(r.Dir)) {
			return
		}
		token, err := os.ReadFile(filepath.Join(string(r.Dir), tokenFile))
		if err != nil || string(token) != r.Token {
			return
		}
		r.Status, r.Signal = status, signal
		resumeTaken = &r
	})
}

// ownResumeDir reports whether dir can be a resume's directory: one that
// handOff makes, directly in the temporary directory and not a link, so a
// forged variable cannot have kumo remove anything else.
func ownResumeDir(dir string) bool {
	if dir == "" || filepath.Dir(dir) != filepath.Clean(os.TempDir()) || !strings.HasPrefix(filepath.Base(dir), resumeDirPrefix) {
		return false
	}
	info, err := os.Lstat(dir)
	return err == nil && info.IsDir()
}

const resumeDirPrefix = "kumo-synth-"

// Resuming reports whether this process resumes a handed-off synth: the
// program has run, and what its command checks before a synth was checked
// by the kumo that handed off.
func Resuming() bool {
	TakeResume()
	return resumeTaken != nil
}

// ReleaseResume removes the directory of a resume this process took but did
// not consume (its command failed before the synth, on a changed --out for
// instance), so that no document is left behind. kumo's main defers it.
func ReleaseResume() {
	if r := resumeTaken; r != nil {
		resumeTaken = nil
		os.RemoveAll(string(r.Dir))
	}
}

// resumed returns the result of the handed-off run of req's program this
// process resumes, once, and false when it resumes none.
func resumed(root string, req Request) (*Result, bool, error) {
	TakeResume()
	r := resumeTaken
	if r == nil {
		return nil, false, nil
	}
	resumeTaken = nil // consumed, whatever the outcome
	defer os.RemoveAll(string(r.Dir))
	if string(r.Root) != root || r.Stack != req.Stack {
		// Not a run this command started: kumo was executed again with
		// other arguments than it handed off with.
		return nil, true, fmt.Errorf("synth stack %s: resumed a synth of stack %s in %s, not of this stack in %s", req.Stack, r.Stack, r.Root, root)
	}
	if r.Signal != "" {
		// What a kumo running the program as its child reports when an
		// interrupt cancels its context.
		return nil, true, fmt.Errorf("synth stack %s: interrupted (SIG%s)", req.Stack, r.Signal)
	}
	var runErr error
	if r.Status != "0" {
		runErr = fmt.Errorf("exit status %s", r.Status)
	}
	res, err := programResult(string(r.Program), filepath.Join(string(r.Dir), "result.json"), req, runErr, "")
	return res, true, err
}

// handOff executes, in this process's place, the shell that runs the
// program exe for req and then kumo as h says. It returns only when that
// cannot be done, having changed nothing; the caller then runs the program
// itself. A process that resumes a handoff never hands off again.
func handOff(ctx context.Context, exe, root string, req Request, h Handoff) error {
	if resumeSeen {
		return errors.New("synth: this kumo resumes a handoff")
	}
	sh, err := handoffShell()
	if err != nil {
		return err
	}
	if h.Self == "" {
		return errors.New("synth: no executable to resume with")
	}
	dir, err := os.MkdirTemp("", resumeDirPrefix)
	if err != nil {
		return err
	}
	token := make([]byte, 16)
	rand.Read(token)
	r := resume{Dir: []byte(dir), Token: hex.EncodeToString(token), Program: []byte(exe), Root: []byte(root), Stack: req.Stack}
	b, err := json.Marshal(r)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, tokenFile), []byte(r.Token), 0o600)
	}
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	// Go's own environment keeps the first of duplicate variables, a shell
	// the last: neither sees a duplicate.
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, protocolPrefix) })
	env = append(env, programEnv(filepath.Join(dir, "result.json"), root, req)...)
	env = append(env, EnvResume+"="+string(b))
	args := append([]string{sh, "-c", handoffScript, "kumo-synth", root, exe, h.Self, dir}, h.Args...)
	// An interrupt that came while the program was built or checked: do
	// not start it.
	if err = ctx.Err(); err == nil {
		err = execProcess(sh, args, env)
	}
	os.RemoveAll(dir)
	return err
}
