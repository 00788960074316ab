package constructs_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/internal/synthtest"
	"github.com/kumo-iac/kumo/internal/synth"
)

// Shared test fixtures: every construct test synthesizes a program offline
// against internal/synth's mocks, then inspects what would be deployed. The
// helpers are synthtest's, which the packages beside constructs share, under
// the names this package's tests were written with.
const (
	testRegion  = synthtest.Region
	testAccount = synthtest.Account
	testCodeSHA = synthtest.CodeSHA
	// testCertArn is a well-formed ACM certificate ARN in us-east-1.
	testCertArn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
	handlerPkg  = synthtest.HandlerPkg
)

// project is a synthtest.Project.
type project struct {
	t   *testing.T
	dir string
}

func newProject(t *testing.T) *project {
	t.Helper()
	return &project{t: t, dir: synthtest.NewProject(t).Dir}
}

func (p *project) st() *synthtest.Project { return &synthtest.Project{T: p.t, Dir: p.dir} }

func (p *project) write(name, content string) string {
	p.t.Helper()
	return p.st().Write(name, content)
}

func (p *project) path(name string) string { return p.st().Path(name) }

func (p *project) withHandler() *project { p.st().WithHandler(); return p }

func (p *project) fnArgs() *constructs.FunctionArgs { return p.st().FnArgs() }

func (p *project) checkedFnArgs() *constructs.FunctionArgs { return p.st().CheckedFnArgs() }

func (p *project) run(program func(ctx *pulumi.Context) (pulumi.Map, error)) (*synth.Result, error) {
	p.t.Helper()
	return p.st().Run(program)
}

func (p *project) synth(program func(ctx *pulumi.Context) (pulumi.Map, error)) *stack {
	p.t.Helper()
	return &stack{t: p.t, Result: p.st().Synth(program).Result}
}

// stack is a synthtest.Stack.
type stack struct {
	t *testing.T
	*synth.Result
}

func (s *stack) st() *synthtest.Stack { return &synthtest.Stack{T: s.t, Result: s.Result} }

func (s *stack) find(typ, name string) synth.Resource { s.t.Helper(); return s.st().Find(typ, name) }

func (s *stack) has(typ, name string) bool { return s.st().Has(typ, name) }

func (s *stack) ofType(typ string) []synth.Resource { return s.st().OfType(typ) }

func (s *stack) children(parentURN string) []synth.Resource { return s.st().Children(parentURN) }

func (s *stack) childSet(parentURN string) []string { return s.st().ChildSet(parentURN) }

func (s *stack) output(key string) string { s.t.Helper(); return s.st().Output(key) }

func (s *stack) list() string { return s.st().List() }

func (s *stack) state(typ, name, key string) string {
	s.t.Helper()
	return s.st().State(typ, name, key)
}

func (s *stack) aliasArn(name string) string { s.t.Helper(); return s.st().AliasArn(name) }

var (
	in          = synthtest.In
	dependsOn   = synthtest.DependsOn
	sorted      = synthtest.Sorted
	firstDiff   = synthtest.FirstDiff
	stateString = synthtest.StateString
	urns        = synthtest.URNs
)

// check is one expected input of a resource.
type check = synthtest.Check

func wantInputs(t *testing.T, r synth.Resource, checks ...check) {
	t.Helper()
	synthtest.WantInputs(t, r, checks...)
}

// policy is an IAM policy document as kumo renders it.
type policy struct{ synthtest.Policy }

type statement = synthtest.Statement

func policyInput(t *testing.T, r synth.Resource, key string) policy {
	t.Helper()
	return policy{synthtest.PolicyInput(t, r, key)}
}

func (p policy) statementBySid(t *testing.T, sid string) statement {
	t.Helper()
	return p.StatementBySid(t, sid)
}

func (p policy) sids() []string { return p.Sids() }

// badInput is one table case of invalid construct args; see
// synthtest.BadInput.
type badInput[E any] struct {
	name     string
	build    func(ctx *pulumi.Context, p *project, env E) error
	scope    string
	problems [][]string
}

func runBadInputs[E any](t *testing.T, setup func(ctx *pulumi.Context, p *project) (E, error), cases []badInput[E]) {
	t.Helper()
	wrap := func(p *synthtest.Project) *project { return &project{t: p.T, dir: p.Dir} }
	var s func(ctx *pulumi.Context, p *synthtest.Project) (E, error)
	if setup != nil {
		s = func(ctx *pulumi.Context, p *synthtest.Project) (E, error) { return setup(ctx, wrap(p)) }
	}
	out := make([]synthtest.BadInput[E], len(cases))
	for i, tc := range cases {
		out[i] = synthtest.BadInput[E]{Name: tc.name, Scope: tc.scope, Problems: tc.problems,
			Build: func(ctx *pulumi.Context, p *synthtest.Project, env E) error { return tc.build(ctx, wrap(p), env) }}
	}
	synthtest.RunBadInputs(t, s, out)
}

func checkValidationError(t *testing.T, err error, scope string, problems [][]string) {
	t.Helper()
	synthtest.CheckValidationError(t, err, scope, problems)
}
