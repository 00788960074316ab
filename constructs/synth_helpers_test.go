package constructs_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/synth"
)

// Shared test fixtures: every construct test synthesizes a program offline
// against internal/synth's mocks, then inspects what would be deployed.
const (
	testRegion  = "eu-west-1"
	testAccount = "123456789012"
	// testCodeSHA is the CodeSHA256 handed in with the prebuilt test archive;
	// the construct must pass it through unchanged as sourceCodeHash.
	testCodeSHA = "dGVzdC1jb2RlLXNoYTI1Ng=="
	// testCertArn is a well-formed ACM certificate ARN in us-east-1.
	testCertArn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
	// handlerPkg is the Go main package project.withHandler writes.
	handlerPkg = "./handler"
)

// project is a throwaway Pulumi project directory (stack "test" in
// eu-west-1) that a test synthesizes programs in.
type project struct {
	t   *testing.T
	dir string
}

func newProject(t *testing.T) *project {
	t.Helper()
	p := &project{t: t, dir: t.TempDir()}
	p.write("Pulumi.yaml", "name: kumo\nruntime: go\n")
	p.write("Pulumi.test.yaml", "config:\n  aws:region: "+testRegion+"\n")
	p.write("code.zip", "prebuilt deployment package")
	return p
}

// write creates a file under the project directory and returns its path.
func (p *project) write(name, content string) string {
	p.t.Helper()
	path := filepath.Join(p.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
	return path
}

func (p *project) path(name string) string { return filepath.Join(p.dir, filepath.FromSlash(name)) }

// withHandler turns the project directory into a tiny Go module holding a
// standard-library-only main package at handlerPkg, for GoPackage builds.
func (p *project) withHandler() *project {
	p.write("go.mod", "module example.com/h\n\ngo 1.24\n")
	p.write("handler/main.go", "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"ok\\n\") }\n")
	return p
}

// fnArgs returns FunctionArgs using the prebuilt archive, so tests that are
// not about the Go build do not run the go command.
func (p *project) fnArgs() *constructs.FunctionArgs {
	return &constructs.FunctionArgs{Code: pulumi.NewFileArchive(p.path("code.zip")), CodeSHA256: testCodeSHA}
}

// run synthesizes program in the project.
func (p *project) run(program func(ctx *pulumi.Context) (pulumi.Map, error)) (*synth.Result, error) {
	p.t.Helper()
	return synth.Run(context.Background(), synth.Request{Root: p.dir, Stack: "test"},
		func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) { return program(ctx) })
}

// synth synthesizes program and fails the test if it errors.
func (p *project) synth(program func(ctx *pulumi.Context) (pulumi.Map, error)) *stack {
	p.t.Helper()
	res, err := p.run(program)
	if err != nil {
		p.t.Fatalf("synth: %v", err)
	}
	return &stack{t: p.t, Result: res}
}

// stack is a synth result with lookups.
type stack struct {
	t *testing.T
	*synth.Result
}

// find returns the one resource of typ named name.
func (s *stack) find(typ, name string) synth.Resource {
	s.t.Helper()
	var found []synth.Resource
	for _, r := range s.Resources {
		if r.Type == typ && r.Name == name {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		s.t.Fatalf("resources of type %s named %q: got %d; want 1\nregistered:\n%s", typ, name, len(found), s.list())
	}
	return found[0]
}

// has reports whether a resource of typ named name was registered.
func (s *stack) has(typ, name string) bool {
	for _, r := range s.Resources {
		if r.Type == typ && r.Name == name {
			return true
		}
	}
	return false
}

// ofType returns every resource of typ, sorted by URN.
func (s *stack) ofType(typ string) []synth.Resource {
	var out []synth.Resource
	for _, r := range s.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// children returns the resources whose parent is parentURN.
func (s *stack) children(parentURN string) []synth.Resource {
	var out []synth.Resource
	for _, r := range s.Resources {
		if r.Parent == parentURN {
			out = append(out, r)
		}
	}
	return out
}

// childSet renders the children of parentURN as sorted "type name" lines.
func (s *stack) childSet(parentURN string) []string {
	var out []string
	for _, r := range s.children(parentURN) {
		out = append(out, r.Type+" "+r.Name)
	}
	sort.Strings(out)
	return out
}

// output returns a string stack output.
func (s *stack) output(key string) string {
	s.t.Helper()
	v, ok := s.Outputs[key].(string)
	if !ok || v == "" {
		s.t.Fatalf("output %s: got %#v; want a non-empty string", key, s.Outputs[key])
	}
	return v
}

func (s *stack) list() string {
	var b strings.Builder
	for _, r := range s.Resources {
		b.WriteString("  " + r.Type + " " + r.Name + "\n")
	}
	return b.String()
}

// in returns the input at a dotted path ("tracingConfig.mode"); numeric
// segments index arrays. Missing values are nil.
func in(r synth.Resource, path string) any {
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

// check is one expected input of a resource.
type check struct {
	path string
	want any
}

// wantInputs compares inputs of r; numbers are rendered as int64 by synth,
// so ints in want are normalized before comparing.
func wantInputs(t *testing.T, r synth.Resource, checks ...check) {
	t.Helper()
	for _, c := range checks {
		if got, want := in(r, c.path), normalize(c.want); !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s: input %s: got %#v; want %#v", r.Type, r.Name, c.path, got, want)
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

// dependsOn reports whether r lists dep among its dependencies.
func dependsOn(r synth.Resource, dep synth.Resource) bool {
	for _, d := range r.Dependencies {
		if d == dep.URN {
			return true
		}
	}
	return false
}

// policy is an IAM policy document as kumo renders it.
type policy struct {
	Version   string
	Statement []statement
}

type statement struct {
	Sid       string
	Effect    string
	Principal any
	Action    []string
	Resource  []string
	Condition map[string]map[string][]string
}

// policyInput parses the JSON policy document in input key of r.
func policyInput(t *testing.T, r synth.Resource, key string) policy {
	t.Helper()
	s, ok := r.Inputs[key].(string)
	if !ok {
		t.Fatalf("%s %s: input %s: got %#v; want a JSON policy string", r.Type, r.Name, key, r.Inputs[key])
	}
	var p policy
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatalf("%s %s: input %s is not a policy document: %v\n%s", r.Type, r.Name, key, err, s)
	}
	if p.Version != "2012-10-17" {
		t.Errorf("%s %s: policy Version: got %q; want 2012-10-17", r.Type, r.Name, p.Version)
	}
	return p
}

// statementBySid returns the statement with sid.
func (p policy) statementBySid(t *testing.T, sid string) statement {
	t.Helper()
	for _, s := range p.Statement {
		if s.Sid == sid {
			return s
		}
	}
	t.Fatalf("policy has no statement %q: %+v", sid, p.Statement)
	return statement{}
}

func (p policy) sids() []string {
	var out []string
	for _, s := range p.Statement {
		out = append(out, s.Sid)
	}
	return out
}

// sorted returns a sorted copy.
func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// badInput is one table case of invalid construct args. E is what the
// table's setup registers for every case (functions an Api routes to).
type badInput[E any] struct {
	name string
	// build registers the construct under test with the bad args.
	build func(ctx *pulumi.Context, p *project, env E) error
	// scope is the ValidationError's Scope.
	scope string
	// problems holds, per expected problem, substrings that must all occur
	// in that one problem (field, bad value, allowed range). The problems are
	// matched in order.
	problems [][]string
}

// runBadInputs checks that each case fails with a *constructs.ValidationError
// listing exactly the expected problems, and that the failing constructor
// registered nothing: the stack holds only what setup registered.
func runBadInputs[E any](t *testing.T, setup func(ctx *pulumi.Context, p *project) (E, error), cases []badInput[E]) {
	t.Helper()
	if setup == nil {
		setup = func(*pulumi.Context, *project) (E, error) { var zero E; return zero, nil }
	}
	bp := newProject(t)
	baseline := bp.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := setup(ctx, bp)
		return nil, err
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t)
			var buildErr error
			res, err := p.run(func(ctx *pulumi.Context) (pulumi.Map, error) {
				env, err := setup(ctx, p)
				if err != nil {
					return nil, err
				}
				// The error is captured rather than returned so the synth
				// result shows what, if anything, was registered before it.
				buildErr = tc.build(ctx, p, env)
				return nil, nil
			})
			if err != nil {
				t.Fatalf("synth: %v", err)
			}
			checkValidationError(t, buildErr, tc.scope, tc.problems)
			if got, want := urns(res.Resources), urns(baseline.Resources); !reflect.DeepEqual(got, want) {
				s := &stack{t: t, Result: res}
				t.Errorf("resources registered despite invalid args: got %d; want %d (setup only)\n%s", len(got), len(want), s.list())
			}
		})
	}
}

func urns(rs []synth.Resource) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.URN)
	}
	sort.Strings(out)
	return out
}

func checkValidationError(t *testing.T, err error, scope string, problems [][]string) {
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
