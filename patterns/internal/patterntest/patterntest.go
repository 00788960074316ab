// Package patterntest holds what the patterns' tests read a synthesized
// pattern with: its roles' statements, its state machines' tasks, a
// resource by its parent, kumo check's input, and a config section decoded
// and deployed as a stack does. Only tests import it.
package patterntest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/internal/synth"
	"github.com/kumo-iac/kumo/patterns"
)

// Statement is one statement of an IAM policy.
type Statement struct {
	Sid       string
	Effect    string
	Action    []string
	Resource  []string
	Condition map[string]map[string][]string
}

// Grants returns the statements of every inline policy of the role named
// roleName.
func Grants(t *testing.T, tpl *assertions.Template, roleName string) []Statement {
	t.Helper()
	r := tpl.Resource("aws:iam/role:Role", roleName)
	var out []Statement
	for _, p := range tpl.FindResources("aws:iam/rolePolicy:RolePolicy", assertions.M{"role": r.Attr("name")}) {
		var doc struct{ Statement []Statement }
		if err := json.Unmarshal([]byte(fmt.Sprint(p.Inputs["policy"])), &doc); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, doc.Statement...)
	}
	return out
}

// Allowed reports whether statements allow action on resource, exactly as
// written (no wildcard matching: kumo's grants name their resources).
func Allowed(stmts []Statement, action, resource string) bool {
	for _, s := range stmts {
		if s.Effect == "Allow" && slices.Contains(s.Action, action) && slices.Contains(s.Resource, resource) {
			return true
		}
	}
	return false
}

// ResourcesOf lists, sorted, every resource statements allow action on.
func ResourcesOf(stmts []Statement, action string) []string {
	var out []string
	for _, s := range stmts {
		if s.Effect == "Allow" && slices.Contains(s.Action, action) {
			out = append(out, s.Resource...)
		}
	}
	slices.Sort(out)
	return out
}

// Str is a reference's value as a string.
func Str(r assertions.Ref) string { return fmt.Sprint(r.Value()) }

// Under returns the one resource of type typ named name whose parent is a
// resource of type parent, for names two components share.
func Under(t *testing.T, tpl *assertions.Template, parent, typ, name string) *assertions.Resource {
	t.Helper()
	var found []*assertions.Resource
	for _, r := range tpl.FindResources(typ, nil) {
		if r.Name != name {
			continue
		}
		for _, p := range tpl.Resources() {
			if p.URN == r.Parent && p.Type == parent {
				found = append(found, r)
			}
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s %q under a %s: got %d; want 1", typ, name, parent, len(found))
	}
	return found[0]
}

// Tasks calls f with every Task state of a state machine definition, in
// Map and Parallel states too.
func Tasks(def map[string]any, f func(name string, s map[string]any)) {
	states, _ := def["States"].(map[string]any)
	for name, v := range states {
		s, _ := v.(map[string]any)
		if s["Type"] == "Task" {
			f(name, s)
		}
		if p, ok := s["ItemProcessor"].(map[string]any); ok {
			Tasks(p, f)
		}
		branches, _ := s["Branches"].([]any)
		for _, b := range branches {
			if b, ok := b.(map[string]any); ok {
				Tasks(b, f)
			}
		}
	}
}

// SynthResult synthesizes program as opts describe, for kumo check.
func SynthResult(t *testing.T, opts assertions.Options, program func(ctx *pulumi.Context) (pulumi.Map, error)) *synth.Result {
	t.Helper()
	res, err := synth.Run(context.Background(), synth.Request{Root: opts.Dir, Project: opts.Project, Stack: opts.Stack, Config: opts.Config},
		func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) { return program(ctx) })
	if err != nil {
		t.Fatalf("synth: %v", err)
	}
	return res
}

// Decode reads a pattern's section as the stack does, failing the test on a
// problem of the section's shape or types.
func Decode[C any](t *testing.T, p patterns.Pattern, section string) *C {
	t.Helper()
	cfg := p.NewConfig()
	var probs patterns.Problems
	patterns.Decode(p.Name(), section, cfg, &probs)
	if len(probs.Errs) > 0 {
		t.Fatalf("decoding %s: %v", section, probs.Errs)
	}
	return cfg.(*C)
}

// Deploy validates a decoded section and synthesizes the pattern from it,
// as the stack program deploys it.
func Deploy(t *testing.T, p patterns.Pattern, cfg any, env patterns.Env, opts assertions.Options) *assertions.Template {
	t.Helper()
	if errs := p.Validate(cfg, env); len(errs) > 0 {
		t.Fatalf("Validate: %v", errs)
	}
	return assertions.Synth(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
		return p.Deploy(ctx, cfg, env)
	}, opts)
}
