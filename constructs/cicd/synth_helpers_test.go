package cicd_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs/internal/synthtest"
	"github.com/kumo-iac/kumo/internal/synth"
)

// Test helpers: synthtest's, which every construct package's tests share,
// under the names these tests were written with. Every test synthesizes a
// program offline against internal/synth's mocks and reality rules, then
// inspects what would be deployed.

const testRegion = synthtest.Region

func synthProgram(t *testing.T, program func(ctx *pulumi.Context) error) (*synth.Result, string, error) {
	t.Helper()
	p := synthtest.NewProject(t)
	res, err := p.Run(func(ctx *pulumi.Context) (pulumi.Map, error) { return nil, program(ctx) })
	return res, p.Dir, err
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

func (s *stack) st() *synthtest.Stack { return &synthtest.Stack{T: s.t, Result: s.Result} }

func (s *stack) find(typ, name string) synth.Resource { s.t.Helper(); return s.st().Find(typ, name) }

func (s *stack) ofType(typ string) []synth.Resource { return s.st().OfType(typ) }

func (s *stack) childSet(parent string) []string { return s.st().ChildSet(parent) }

var (
	in            = synthtest.In
	dependsOn     = synthtest.DependsOn
	stateString   = synthtest.StateString
	checkProblems = synthtest.CheckValidationError
)

func str(r synth.Resource, path string) string { s, _ := in(r, path).(string); return s }

type statement = synthtest.Statement

func policyOf(t *testing.T, r synth.Resource, key string) []statement {
	t.Helper()
	return synthtest.PolicyInput(t, r, key).Statement
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
