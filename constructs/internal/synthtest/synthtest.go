// Package synthtest holds what the tests of kumo's construct packages
// (constructs and the packages beside it) read a synthesized program with:
// a throwaway project to synthesize in, offline against internal/synth's
// mocks and reality rules, lookups of what would be deployed, the table
// runner for bad inputs, and kumo check's report. Only tests import it.
package synthtest

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/synth"
)

// The stack every test synthesizes: stack "test" of project "kumo".
const (
	Region  = "eu-west-1"
	Account = "123456789012"
	// CodeSHA is the CodeSHA256 handed in with the prebuilt test archive;
	// a construct must pass it through unchanged as sourceCodeHash.
	CodeSHA = "dGVzdC1jb2RlLXNoYTI1Ng=="
	// HandlerPkg is the Go main package Project.WithHandler writes.
	HandlerPkg = "./handler"
)

// Type tokens of resources the tests of several packages look up.
const (
	TypeFunction   = "kumo:constructs:Function"
	TypeAlias      = "aws:lambda/alias:Alias"
	TypeRolePolicy = "aws:iam/rolePolicy:RolePolicy"
)

// Project is a throwaway Pulumi project directory (stack "test" in
// Region) that a test synthesizes programs in.
type Project struct {
	T   *testing.T
	Dir string
}

// NewProject makes a project in a temporary directory, with a prebuilt
// deployment package code.zip for FnArgs.
func NewProject(t *testing.T) *Project {
	t.Helper()
	p := &Project{T: t, Dir: t.TempDir()}
	p.Write("Pulumi.yaml", "name: kumo\nruntime: go\n")
	p.Write("Pulumi.test.yaml", "config:\n  aws:region: "+Region+"\n")
	p.Write("code.zip", "prebuilt deployment package")
	return p
}

// Write creates a file under the project directory and returns its path.
func (p *Project) Write(name, content string) string {
	p.T.Helper()
	path := p.Path(name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.T.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		p.T.Fatal(err)
	}
	return path
}

// Path is the path of name under the project directory.
func (p *Project) Path(name string) string { return filepath.Join(p.Dir, filepath.FromSlash(name)) }

// WithHandler turns the project directory into a tiny Go module holding a
// standard-library-only main package at HandlerPkg, for GoPackage builds.
func (p *Project) WithHandler() *Project {
	p.Write("go.mod", "module example.com/h\n\ngo 1.24\n")
	p.Write("handler/main.go", "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"ok\\n\") }\n")
	return p
}

// FnArgs returns FunctionArgs using the prebuilt archive, so tests that are
// not about the Go build do not run the go command.
func (p *Project) FnArgs() *constructs.FunctionArgs {
	return &constructs.FunctionArgs{Code: pulumi.NewFileArchive(p.Path("code.zip")), CodeSHA256: CodeSHA}
}

// CheckedFnArgs are FnArgs with a dead-letter queue, so the function itself
// passes kumo check and a test's findings are the construct's own.
func (p *Project) CheckedFnArgs() *constructs.FunctionArgs {
	a := p.FnArgs()
	a.DeadLetterQueue = true
	return a
}

// SourceFunction registers the function an event source invokes.
func (p *Project) SourceFunction(ctx *pulumi.Context, name string) (*constructs.Function, error) {
	return constructs.NewFunction(ctx, name, p.FnArgs())
}

// Run synthesizes program in the project.
func (p *Project) Run(program func(ctx *pulumi.Context) (pulumi.Map, error)) (*synth.Result, error) {
	p.T.Helper()
	return synth.Run(context.Background(), synth.Request{Root: p.Dir, Stack: "test"},
		func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) { return program(ctx) })
}

// Synth synthesizes program and fails the test if it errors.
func (p *Project) Synth(program func(ctx *pulumi.Context) (pulumi.Map, error)) *Stack {
	p.T.Helper()
	res, err := p.Run(program)
	if err != nil {
		p.T.Fatalf("synth: %v", err)
	}
	return &Stack{T: p.T, Result: res}
}

// Stack is a synth result with lookups.
type Stack struct {
	T *testing.T
	*synth.Result
}

// Find returns the one resource of typ named name.
func (s *Stack) Find(typ, name string) synth.Resource {
	s.T.Helper()
	var found []synth.Resource
	for _, r := range s.Resources {
		if r.Type == typ && r.Name == name {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		s.T.Fatalf("resources of type %s named %q: got %d; want 1\nregistered:\n%s", typ, name, len(found), s.List())
	}
	return found[0]
}

// Has reports whether a resource of typ named name was registered.
func (s *Stack) Has(typ, name string) bool {
	for _, r := range s.Resources {
		if r.Type == typ && r.Name == name {
			return true
		}
	}
	return false
}

// OfType returns every resource of typ, sorted by URN.
func (s *Stack) OfType(typ string) []synth.Resource {
	var out []synth.Resource
	for _, r := range s.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Children returns the resources whose parent is parentURN.
func (s *Stack) Children(parentURN string) []synth.Resource {
	var out []synth.Resource
	for _, r := range s.Resources {
		if r.Parent == parentURN {
			out = append(out, r)
		}
	}
	return out
}

// ChildSet renders the children of parentURN as sorted "type name" lines.
func (s *Stack) ChildSet(parentURN string) []string {
	var out []string
	for _, r := range s.Children(parentURN) {
		out = append(out, r.Type+" "+r.Name)
	}
	sort.Strings(out)
	return out
}

// Output returns a string stack output.
func (s *Stack) Output(key string) string {
	s.T.Helper()
	v, ok := s.Outputs[key].(string)
	if !ok || v == "" {
		s.T.Fatalf("output %s: got %#v; want a non-empty string", key, s.Outputs[key])
	}
	return v
}

// List renders every resource as a "type name" line, for failure messages.
func (s *Stack) List() string {
	var b strings.Builder
	for _, r := range s.Resources {
		b.WriteString("  " + r.Type + " " + r.Name + "\n")
	}
	return b.String()
}

// State returns a string the mocks computed for resource typ name.
func (s *Stack) State(typ, name, key string) string {
	s.T.Helper()
	v, _ := s.Find(typ, name).State[key].(string)
	if v == "" {
		s.T.Fatalf("%s %s: state %s is empty", typ, name, key)
	}
	return v
}

// AliasArn is the ARN of function name's alias, as the mocks made it.
func (s *Stack) AliasArn(name string) string {
	s.T.Helper()
	arn, _ := s.Find(TypeAlias, name).State["arn"].(string)
	if arn == "" {
		s.T.Fatalf("alias of %s has no arn", name)
	}
	return arn
}

// In returns the input at a dotted path ("tracingConfig.mode"); numeric
// segments index arrays. Missing values are nil.
func In(r synth.Resource, path string) any {
	var v any = r.Inputs
	for _, seg := range strings.Split(path, ".") {
		switch t := v.(type) {
		case map[string]any:
			v = t[seg]
		case []any:
			i := 0
			for _, c := range seg {
				if c < '0' || c > '9' {
					return nil
				}
				i = i*10 + int(c-'0')
			}
			if i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}

// Check is one expected input of a resource. It is an unnamed struct type,
// so tables of checks stay unkeyed ({"type", "STANDARD"}) in every package
// without go vet's composites warning, which only concerns named types.
type Check = struct {
	Path string
	Want any
}

// WantInputs compares inputs of r; numbers are rendered as int64 by synth,
// so ints in want are normalized before comparing.
func WantInputs(t *testing.T, r synth.Resource, checks ...Check) {
	t.Helper()
	for _, c := range checks {
		if got, want := In(r, c.Path), normalize(c.Want); !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s: input %s: got %#v; want %#v", r.Type, r.Name, c.Path, got, want)
		}
	}
}

func normalize(v any) any {
	switch t := v.(type) {
	case int:
		return int64(t)
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = normalize(e)
		}
		return out
	}
	return v
}

// DependsOn reports whether r lists dep among its dependencies.
func DependsOn(r synth.Resource, dep synth.Resource) bool {
	for _, d := range r.Dependencies {
		if d == dep.URN {
			return true
		}
	}
	return false
}

// Policy is an IAM policy document as kumo renders it.
type Policy struct {
	Version   string
	Statement []Statement
}

// Statement is one statement of a Policy.
type Statement struct {
	Sid       string
	Effect    string
	Principal any
	Action    []string
	Resource  []string
	Condition map[string]map[string][]string
}

// PolicyInput parses the JSON policy document in input key of r.
func PolicyInput(t *testing.T, r synth.Resource, key string) Policy {
	t.Helper()
	s, ok := r.Inputs[key].(string)
	if !ok {
		t.Fatalf("%s %s: input %s: got %#v; want a JSON policy string", r.Type, r.Name, key, r.Inputs[key])
	}
	var p Policy
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatalf("%s %s: input %s is not a policy document: %v\n%s", r.Type, r.Name, key, err, s)
	}
	if p.Version != "2012-10-17" {
		t.Errorf("%s %s: policy Version: got %q; want 2012-10-17", r.Type, r.Name, p.Version)
	}
	return p
}

// StatementBySid returns the statement with sid.
func (p Policy) StatementBySid(t *testing.T, sid string) Statement {
	t.Helper()
	for _, s := range p.Statement {
		if s.Sid == sid {
			return s
		}
	}
	t.Fatalf("policy has no statement %q: %+v", sid, p.Statement)
	return Statement{}
}

// Sids lists the statements' Sids in order.
func (p Policy) Sids() []string {
	var out []string
	for _, s := range p.Statement {
		out = append(out, s.Sid)
	}
	return out
}

// Sorted returns a sorted copy.
func Sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// FirstDiff shows the first differing line of two outputs.
func FirstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + strconv.Itoa(i+1) + ":\n- " + al[i] + "\n+ " + bl[i]
		}
	}
	return "lengths differ: " + strconv.Itoa(len(al)) + " vs " + strconv.Itoa(len(bl)) + " lines"
}

// BadInput is one table case of invalid construct args. E is what the
// table's setup registers for every case (functions an Api routes to).
type BadInput[E any] struct {
	Name string
	// Build registers the construct under test with the bad args.
	Build func(ctx *pulumi.Context, p *Project, env E) error
	// Scope is the ValidationError's Scope.
	Scope string
	// Problems holds, per expected problem, substrings that must all occur
	// in that one problem (field, bad value, allowed range). The problems
	// are matched in order.
	Problems [][]string
}

// RunBadInputs checks that each case fails with a *constructs.ValidationError
// listing exactly the expected problems, and that the failing constructor
// registered nothing: the stack holds only what setup registered.
func RunBadInputs[E any](t *testing.T, setup func(ctx *pulumi.Context, p *Project) (E, error), cases []BadInput[E]) {
	t.Helper()
	if setup == nil {
		setup = func(*pulumi.Context, *Project) (E, error) { var zero E; return zero, nil }
	}
	bp := NewProject(t)
	baseline := bp.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := setup(ctx, bp)
		return nil, err
	})
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			p := NewProject(t)
			var buildErr error
			res, err := p.Run(func(ctx *pulumi.Context) (pulumi.Map, error) {
				env, err := setup(ctx, p)
				if err != nil {
					return nil, err
				}
				// The error is captured rather than returned so the synth
				// result shows what, if anything, was registered before it.
				buildErr = tc.Build(ctx, p, env)
				return nil, nil
			})
			if err != nil {
				t.Fatalf("synth: %v", err)
			}
			CheckValidationError(t, buildErr, tc.Scope, tc.Problems)
			if got, want := URNs(res.Resources), URNs(baseline.Resources); !reflect.DeepEqual(got, want) {
				s := &Stack{T: t, Result: res}
				t.Errorf("resources registered despite invalid args: got %d; want %d (setup only)\n%s", len(got), len(want), s.List())
			}
		})
	}
}

// URNs lists the resources' URNs, sorted.
func URNs(rs []synth.Resource) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.URN)
	}
	sort.Strings(out)
	return out
}

// CheckValidationError checks err is a *constructs.ValidationError of scope
// listing exactly problems, each given by substrings that must all occur
// in it.
func CheckValidationError(t *testing.T, err error, scope string, problems [][]string) {
	t.Helper()
	var verr *constructs.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("error: got %v (%T); want a *constructs.ValidationError", err, err)
	}
	if verr.Scope != scope {
		t.Errorf("Scope: got %q; want %q", verr.Scope, scope)
	}
	if len(verr.Problems) != len(problems) {
		t.Errorf("problems: got %d; want %d:\n%v", len(verr.Problems), len(problems), err)
	}
	for i, want := range problems {
		if i >= len(verr.Problems) {
			t.Errorf("problem %d missing; want one containing %q", i, want)
			continue
		}
		got := verr.Problems[i].Error()
		for _, sub := range want {
			if !strings.Contains(got, sub) {
				t.Errorf("problem %d: got %q; want it to contain %q", i, got, sub)
			}
		}
	}
}

// StateString returns a value the mocks computed (or an input) of a
// registered resource, failing unless it is a non-empty string.
func StateString(t *testing.T, r synth.Resource, key string) string {
	t.Helper()
	s, ok := r.State[key].(string)
	if !ok || s == "" {
		t.Fatalf("%s %s: state %s: got %#v; want a string", r.Type, r.Name, key, r.State[key])
	}
	return s
}

// Lake is what the data constructs' tests deliver to and read from: a log
// bucket for access logs, and raw and backup zones logging to it (cdk-nag
// S1).
type Lake struct {
	Logs, Raw, Backup *constructs.Bucket
}

// NewLake registers the lake's buckets "logs", "raw" and "backup".
func NewLake(ctx *pulumi.Context) (Lake, error) {
	logs, err := constructs.NewBucket(ctx, "logs", &constructs.BucketArgs{ForAccessLogs: true})
	if err != nil {
		return Lake{}, err
	}
	raw, err := constructs.NewBucket(ctx, "raw", &constructs.BucketArgs{AccessLogBucket: logs})
	if err != nil {
		return Lake{}, err
	}
	backup, err := constructs.NewBucket(ctx, "backup", &constructs.BucketArgs{AccessLogBucket: logs})
	return Lake{Logs: logs, Raw: raw, Backup: backup}, err
}
