package check

import (
	"slices"
	"strings"
	"testing"

	"github.com/kumo-iac/kumo/internal/synth"
)

// graph builds a synth graph by hand, as the mock monitor records one
// (rendered inputs, the provider's physical names), so every rule can be
// tested on exact stacks: one case that passes and one that AWS best
// practice (and cdk-nag) would flag.
type graph struct {
	rs []synth.Resource
}

// urn is the URN graph gives a resource of the test stack.
func urn(typ, name string) string { return "urn:pulumi:test::app::" + typ + "::" + name }

// add registers a custom resource and returns its URN.
func (g *graph) add(typ, name string, inputs map[string]any) string {
	u := urn(typ, name)
	g.rs = append(g.rs, synth.NewResource(u, typ, name, true, "", inputs, nil))
	return u
}

// component registers a component holding children (URNs).
func (g *graph) component(typ, name string, children ...string) string {
	u := urn(typ, name)
	g.rs = append(g.rs, synth.NewResource(u, typ, name, false, "", nil, nil))
	for i := range g.rs {
		if slices.Contains(children, g.rs[i].URN) {
			g.rs[i].Parent = u
		}
	}
	return u
}

// get returns the resource registered as u.
func (g *graph) get(u string) *synth.Resource {
	for i := range g.rs {
		if g.rs[i].URN == u {
			return &g.rs[i]
		}
	}
	panic("no resource " + u)
}

// physical is the physical name property prop of u (what references to it
// render as).
func (g *graph) physical(u, prop string) string { return g.get(u).Physical(prop) }

// run checks the graph with no suppressions.
func (g *graph) run(t *testing.T) *Report {
	t.Helper()
	rs := slices.Clone(g.rs)
	slices.SortFunc(rs, func(a, b synth.Resource) int { return strings.Compare(a.URN, b.URN) })
	rep, err := Run(&synth.Result{Project: "app", Stack: "test", Resources: rs}, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// findings returns rule's findings on resource u (every resource for "").
func (g *graph) findings(t *testing.T, rule, u string) []Finding {
	t.Helper()
	var out []Finding
	for _, f := range g.run(t).Findings {
		if f.Rule == rule && (u == "" || f.URN == u) {
			out = append(out, f)
		}
	}
	return out
}

// fires asserts rule reports u (with details, for a granular rule).
func (g *graph) fires(t *testing.T, rule, u string, details ...string) {
	t.Helper()
	fs := g.findings(t, rule, u)
	if len(fs) == 0 {
		t.Errorf("%s did not fire on %s", rule, u)
		return
	}
	for _, d := range details {
		if !slices.ContainsFunc(fs, func(f Finding) bool { return f.Detail == d }) {
			t.Errorf("%s on %s: findings %v; want one with detail %q", rule, u, fs, d)
		}
	}
}

// passes asserts rule reports nothing on u.
func (g *graph) passes(t *testing.T, rule, u string) {
	t.Helper()
	if fs := g.findings(t, rule, u); len(fs) > 0 {
		t.Errorf("%s fired on %s: %v", rule, u, fs)
	}
}

// tested records which rules have a passing and a failing case, for
// TestEveryRuleIsTested.
var tested = map[string]bool{}

// ruleCase runs one rule's cases: pass must leave the rule quiet on what it
// returns, fail must make it fire.
func ruleCase(t *testing.T, rule string, pass, fail func(t *testing.T)) {
	t.Helper()
	if _, ok := RuleByID(rule); !ok {
		t.Fatalf("no rule %s", rule)
	}
	tested[rule] = true
	t.Run(rule+"/passes", pass)
	t.Run(rule+"/fails", fail)
}
