package cicd_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/synth"
)

// Test helpers (per package, as constructs' own are): every test
// synthesizes a program offline against internal/synth's mocks and reality
// rules, then inspects what would be deployed.

const (
	testRegion  = "eu-west-1"
	testAccount = "123456789012"
)

func synthProgram(t *testing.T, program func(ctx *pulumi.Context) error) (*synth.Result, string, error) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"Pulumi.yaml":      "name: kumo\nruntime: go\n",
		"Pulumi.test.yaml": "config:\n  aws:region: " + testRegion + "\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := synth.Run(context.Background(), synth.Request{Root: dir, Stack: "test"},
		func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) { return nil, program(ctx) })
	return res, dir, err
}

type stack struct {
	t   *testing.T
	dir string
	*synth.Result
}

func mustSynth(t *testing.T, program func(ctx *pulumi.Context) error) *stack {
	t.Helper()
	res, dir, err := synthProgram(t, program)
	if err != nil {
		t.Fatalf("synth: %v", err)
	}
	return &stack{t: t, dir: dir, Result: res}
}

func (s *stack) find(typ, name string) synth.Resource {
	s.t.Helper()
	var found []synth.Resource
	for _, r := range s.Resources {
		if r.Type == typ && r.Name == name {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		var b strings.Builder
		for _, r := range s.Resources {
			b.WriteString("  " + r.Type + " " + r.Name + "\n")
		}
		s.t.Fatalf("resources of type %s named %q: got %d; want 1\nregistered:\n%s", typ, name, len(found), b.String())
	}
	return found[0]
}

func (s *stack) ofType(typ string) []synth.Resource {
	var out []synth.Resource
	for _, r := range s.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// childSet renders the children of parent as sorted "type name" lines.
func (s *stack) childSet(parent string) []string {
	var out []string
	for _, r := range s.Resources {
		if r.Parent == parent {
			out = append(out, r.Type+" "+r.Name)
		}
	}
	sort.Strings(out)
	return out
}

// in returns the input at a dotted path; numeric segments index arrays.
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

func str(r synth.Resource, path string) string { s, _ := in(r, path).(string); return s }

func dependsOn(r, dep synth.Resource) bool {
	for _, d := range r.Dependencies {
		if d == dep.URN {
			return true
		}
	}
	return false
}

type statement struct {
	Sid       string
	Effect    string
	Principal any
	Action    []string
	Resource  []string
	Condition map[string]map[string][]string
}

func policyOf(t *testing.T, r synth.Resource, key string) []statement {
	t.Helper()
	var p struct{ Statement []statement }
	if err := json.Unmarshal([]byte(str(r, key)), &p); err != nil {
		t.Fatalf("%s %s: %s is not a policy document: %v", r.Type, r.Name, key, err)
	}
	return p.Statement
}

// rolePolicies returns the inline policies on the role named role, by name.
func (s *stack) rolePolicies(role string) map[string][]statement {
	out := map[string][]statement{}
	for _, rp := range s.ofType("aws:iam/rolePolicy:RolePolicy") {
		if str(rp, "role") == role {
			out[rp.Name] = policyOf(s.t, rp, "policy")
		}
	}
	return out
}

// checkProblems checks err is a ValidationError of scope listing exactly
// problems, each given by substrings that must all occur in it.
func checkProblems(t *testing.T, err error, scope string, problems [][]string) {
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
			break
		}
		got := verr.Problems[i].Error()
		for _, sub := range want {
			if !strings.Contains(got, sub) {
				t.Errorf("problem %d: got %q; want it to contain %q", i, got, sub)
			}
		}
	}
}
