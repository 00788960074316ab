package synth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/kumo-iac/kumo/constructs/bundle"
)

// A program that calls kumo.Run is synthesized the way `cdk synth` runs an
// app: `kumo synth` builds it, starts it with these variables set, and reads
// the document it writes. Under `pulumi up` none is set and the program is a
// plain Pulumi program.
const (
	// EnvResult names the file the program writes its synth document to; its
	// presence means "synthesize, do not deploy".
	EnvResult = "KUMO_SYNTH_RESULT"
	// EnvRoot is the project directory (holding Pulumi.yaml).
	EnvRoot = "KUMO_SYNTH_ROOT"
	// EnvStack selects Pulumi.<stack>.yaml.
	EnvStack = "KUMO_SYNTH_STACK"
	// EnvCheckDetail, set to "1", asks for kumo check's report with every
	// suppressed finding (Request.CheckDetail).
	EnvCheckDetail = "KUMO_SYNTH_CHECK_DETAIL"
)

// Error kinds in a synth document; the CLI turns them into exit codes.
const (
	KindInvalidConfig = "invalid-config"
	KindError         = "error"
)

// document is what a synthesizing program writes for the CLI: one JSON
// object whose result, on success, comes last and is announced by its
// length, so the CLI can take the contract's bytes (megabytes for a large
// stack) without scanning them (readDocument). A CLI that does not know the
// framing reads the same file as plain JSON.
type document struct {
	// Project and Count are Result's project and number of resources.
	Project string `json:"project,omitempty"`
	Count   int    `json:"count,omitempty"`
	// ResultBytes is the length of Result as written.
	ResultBytes int           `json:"resultBytes,omitempty"`
	Notes       []string      `json:"notes,omitempty"`
	Error       *ProgramError `json:"error,omitempty"`
	// Check is kumo check's report of the result, as the program made it.
	Check json.RawMessage `json:"check,omitempty"`
	// Result is the synth JSON contract, on success.
	Result json.RawMessage `json:"result,omitempty"`
}

// ProgramError is a synth failure reported by a program run as a
// subprocess, with its kind, so the CLI can exit as it would in-process.
type ProgramError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func (e *ProgramError) Error() string { return e.Message }

// ChildRequest returns the synth request and document path a program was
// started with by `kumo synth`, and false under `pulumi up`.
func ChildRequest() (Request, string, bool) {
	path := os.Getenv(EnvResult)
	if path == "" {
		return Request{}, "", false
	}
	// The document holds the JSON contract only.
	return Request{Root: os.Getenv(EnvRoot), Stack: os.Getenv(EnvStack), JSONOnly: true, CheckDetail: os.Getenv(EnvCheckDetail) == "1"}, path, true
}

// WriteDocument writes what a synthesizing program reports: res on success,
// or err classified by kind.
func WriteDocument(path string, res *Result, err error, kind string) error {
	var doc document
	if err != nil {
		doc.Error = &ProgramError{Kind: kind, Message: err.Error()}
		b, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		return os.WriteFile(path, b, 0o600)
	}
	result, err := res.JSON()
	if err != nil {
		return err
	}
	// The result goes in as rendered, last: json.Marshal would compact a
	// copy of it only for the CLI to scan it again.
	doc.Project, doc.Count, doc.ResultBytes, doc.Notes, doc.Check = res.Project, len(res.Resources), len(result), res.Notes, res.Check
	head, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	head = append(head[:len(head)-1], `,"result":`...)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	for _, b := range [][]byte{head, result, []byte("}")} {
		if err == nil {
			_, err = f.Write(b)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readDocument reads a program's document: by its framing when the
// program announced the result's length, taking the result's bytes as they
// are, or else (a program built with an older kumo) as plain JSON; framed
// says which.
func readDocument(b []byte) (doc document, framed bool, err error) {
	if doc, ok := readFramed(b); ok {
		return doc, true, nil
	}
	doc = document{}
	if err := json.Unmarshal(b, &doc); err != nil {
		return doc, false, err
	}
	// The contract ends in a newline, which a JSON value read back loses.
	if len(doc.Result) > 0 {
		doc.Result = append(doc.Result, '\n')
	}
	return doc, false, nil
}

// readFramed reads the fields before "result" as JSON and takes the
// announced number of bytes after it as the result, which must be an
// object closing the document.
func readFramed(b []byte) (document, bool) {
	var doc document
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return doc, false
	}
	fields := map[string]any{"project": &doc.Project, "count": &doc.Count, "resultBytes": &doc.ResultBytes, "notes": &doc.Notes, "error": &doc.Error, "check": &doc.Check}
	for dec.More() {
		tok, err := dec.Token()
		key, ok := tok.(string)
		if err != nil || !ok {
			return doc, false
		}
		if key != "result" {
			field, ok := fields[key]
			if !ok || dec.Decode(field) != nil {
				return doc, false
			}
			continue
		}
		rest := bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n")
		if len(rest) == 0 || rest[0] != ':' {
			return doc, false
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		n := doc.ResultBytes
		if n < 2 || n > len(rest) {
			return doc, false
		}
		result := rest[:n]
		if result[0] != '{' || !bytes.HasSuffix(bytes.TrimRight(result, " \t\r\n"), []byte("}")) || string(bytes.TrimSpace(rest[n:])) != "}" {
			return doc, false
		}
		doc.Result = result
		return doc, true
	}
	return doc, false
}

// RunProgram runs a built program to synthesize req and returns its
// result. The program's own output goes to stderr, never into the result.
func RunProgram(ctx context.Context, exe string, req Request, stderr io.Writer) (*Result, error) {
	root, err := filepath.Abs(req.Root)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kumo-synth-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	docPath := filepath.Join(dir, "result.json")

	cmd := exec.CommandContext(ctx, exe)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), programEnv(docPath, root, req)...)
	var captured bytes.Buffer
	if stderr != nil {
		cmd.Stdout, cmd.Stderr = stderr, stderr
	} else {
		cmd.Stdout, cmd.Stderr = &captured, &captured
	}
	// kumo idles while the program runs, which for a large stack holds
	// hundreds of megabytes: hand back what building and checking the
	// program left behind, so the two together need less.
	debug.FreeOSMemory()
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("synth stack %s: %w", req.Stack, ctx.Err())
	}
	return programResult(exe, docPath, req, runErr, captured.String())
}

// programEnv is what a program synthesizing req is told, on top of the
// environment: where to write its document, the project and the stack.
func programEnv(docPath, root string, req Request) []string {
	env := []string{EnvResult + "=" + docPath, EnvRoot + "=" + root, EnvStack + "=" + req.Stack}
	if req.CheckDetail {
		env = append(env, EnvCheckDetail+"=1")
	}
	return env
}

// programResult reads the document the program exe left at docPath after
// it exited with runErr (nil: status 0), having printed captured when its
// output was not passed through.
func programResult(exe, docPath string, req Request, runErr error, captured string) (*Result, error) {
	b, readErr := os.ReadFile(docPath)
	switch {
	case errors.Is(readErr, os.ErrNotExist):
		// The program never reached kumo.Run's synth (it calls pulumi.Run,
		// or crashed): say so rather than "no such file".
		msg := strings.TrimSpace(captured)
		if msg != "" {
			msg = ":\n" + msg
		}
		return nil, fmt.Errorf("synth stack %s: the program %s exited (%v) without a synth result; does its main call kumo.Run?%s", req.Stack, exe, runErr, msg)
	case readErr != nil:
		return nil, fmt.Errorf("synth stack %s: %w", req.Stack, readErr)
	}
	doc, framed, err := readDocument(b)
	if err != nil {
		return nil, fmt.Errorf("synth stack %s: reading the program's result: %w", req.Stack, err)
	}
	if doc.Error != nil {
		return nil, doc.Error
	}
	if req.JSONOnly && framed {
		// The caller renders JSON only: the contract as the program wrote
		// it, and its count, are all it needs.
		return &Result{Project: doc.Project, Stack: req.Stack, Notes: doc.Notes, Check: doc.Check, contract: doc.Result, count: doc.Count}, nil
	}
	res, err := ParseResult(doc.Result)
	if err != nil {
		return nil, fmt.Errorf("synth stack %s: reading the program's result: %w", req.Stack, err)
	}
	res.Notes, res.Check, res.contract, res.count = doc.Notes, doc.Check, doc.Result, len(res.Resources)
	return res, nil
}

// ParseResult reads the synth JSON contract back into a Result. Numbers stay
// exactly as written.
func ParseResult(b []byte) (*Result, error) {
	// A resource's region is unexported (Resource.Region), so it is read
	// beside the resource and set after.
	type resourceDoc struct {
		Resource
		Region string `json:"region"`
	}
	var doc struct {
		Project   string         `json:"project"`
		Stack     string         `json:"stack"`
		Region    string         `json:"region"`
		Resources []resourceDoc  `json:"resources"`
		Outputs   map[string]any `json:"outputs"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	var resources []Resource
	if doc.Resources != nil {
		resources = make([]Resource, len(doc.Resources))
	}
	for i, r := range doc.Resources {
		resources[i] = r.Resource
		// The contract names a resource's region only where it differs
		// from the stack's.
		resources[i].region = doc.Region
		if r.Region != "" {
			resources[i].region = r.Region
		}
	}
	return &Result{Project: doc.Project, Stack: doc.Stack, Region: doc.Region, Resources: resources, Outputs: doc.Outputs}, nil
}

// SynthesizeProject synthesizes a stack of the Go project at req.Root the
// way `cdk synth` runs an app: it builds the program Pulumi.yaml's main
// names (only when its sources changed) and runs it to synthesize. The
// program's own output goes to stderr.
func SynthesizeProject(ctx context.Context, req Request, stderr io.Writer) (*Result, error) {
	return synthesizeProject(ctx, req, stderr, nil)
}

// SynthesizeProjectHandingOff is SynthesizeProject for a command that only
// reports the result (kumo synth): where the platform can replace a process
// and has a POSIX shell, it hands this process over to the program (see
// Handoff) and does not return; kumo, executed again with h's arguments,
// gets the result from its own call. Elsewhere, or when the handoff cannot
// start, it runs the program as SynthesizeProject does.
func SynthesizeProjectHandingOff(ctx context.Context, req Request, stderr io.Writer, h Handoff) (*Result, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	return synthesizeProject(ctx, req, stderr, &h)
}

func synthesizeProject(ctx context.Context, req Request, stderr io.Writer, h *Handoff) (*Result, error) {
	root, err := filepath.Abs(req.Root)
	if err != nil {
		return nil, err
	}
	if res, ok, err := resumed(root, req); ok {
		return res, err
	}
	project, err := workspace.LoadProject(filepath.Join(root, projectFile))
	if err != nil {
		return nil, &EngineConfigError{Stack: req.Stack, Err: err}
	}
	if rt := project.Runtime.Name(); rt != "go" {
		return nil, fmt.Errorf("synth: %s says runtime %q; kumo synthesizes Go programs (runtime: go) that call kumo.Run", projectFile, rt)
	}
	main := filepath.Join(root, filepath.FromSlash(project.Main))
	module, err := moduleRoot(main)
	if err != nil {
		return nil, err
	}
	pkg, err := filepath.Rel(module, main)
	if err != nil {
		return nil, err
	}
	prog, err := bundle.BuildProgram(ctx, bundle.ProgramSpec{Root: module, Package: "./" + filepath.ToSlash(pkg)})
	if err != nil {
		return nil, fmt.Errorf("synth: build the program %s: %w", project.Main, err)
	}
	run := Request{Root: root, Stack: req.Stack, JSONOnly: req.JSONOnly, CheckDetail: req.CheckDetail}
	if h != nil && ctx.Err() == nil {
		// Returns only if the handoff could not start; then the program
		// runs as this process's child.
		_ = handOff(ctx, prog.Path, root, run, *h)
	}
	return RunProgram(ctx, prog.Path, run, stderr)
}

// moduleRoot is the nearest directory at or above dir holding go.mod.
func moduleRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("synth: no go.mod in %s or above it; a kumo program is a Go module (go mod init)", dir)
		}
	}
}
