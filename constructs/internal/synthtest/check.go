package synthtest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	kumocheck "github.com/kumo-iac/kumo/internal/check"
)

// CheckReport runs kumo check over a synthesized stack.
func CheckReport(t *testing.T, s *Stack) *kumocheck.Report {
	t.Helper()
	rep, err := kumocheck.Run(s.Result, "", nil)
	if err != nil {
		t.Fatalf("kumo check: %v", err)
	}
	return rep
}

// WantNoCheckErrors fails on every Error-level finding of kumo check and
// on every suppression that matched nothing.
func WantNoCheckErrors(t *testing.T, s *Stack) *kumocheck.Report {
	t.Helper()
	rep := CheckReport(t, s)
	for _, f := range rep.Findings {
		if f.Level == kumocheck.Error {
			t.Errorf("kumo check: %s on %s %s: %s", f.ID(), f.Type, f.Name, f.Message)
		}
	}
	if len(rep.Unused) > 0 {
		t.Errorf("kumo check: unused suppressions %+v", rep.Unused)
	}
	return rep
}

// WantSuppressed asserts that rule was found on resource typ/name and
// suppressed by the program with a reason containing reason.
func WantSuppressed(t *testing.T, rep *kumocheck.Report, rule, typ, name, reason string) {
	t.Helper()
	for _, f := range rep.Suppressed {
		if f.Rule == rule && f.Type == typ && f.Name == name {
			if f.Suppression == nil || !strings.Contains(f.Suppression.Reason, reason) {
				t.Errorf("%s on %s %s: suppression %+v; want a reason containing %q", rule, typ, name, f.Suppression, reason)
			}
			return
		}
	}
	t.Errorf("no suppressed %s finding on %s %s; suppressed: %+v", rule, typ, name, rep.Suppressed)
}

// NewCheckErrors runs kumo check on the program setup registers, with and
// without what build adds, and returns the Error-level findings only the
// full program has (those of the construct under test) and the full report.
// setup's own findings (a plain function's missing dead-letter queue) are
// not the construct's to fix.
func NewCheckErrors[E any](t *testing.T, setup func(ctx *pulumi.Context, p *Project) (E, error), build func(ctx *pulumi.Context, env E) error) ([]kumocheck.Finding, *kumocheck.Report) {
	t.Helper()
	report := func(withConstruct bool) *kumocheck.Report {
		p := NewProject(t)
		s := p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
			env, err := setup(ctx, p)
			if err != nil || !withConstruct {
				return nil, err
			}
			return nil, build(ctx, env)
		})
		rep, err := kumocheck.Run(s.Result, p.Dir, nil)
		if err != nil {
			t.Fatalf("kumo check: %v", err)
		}
		return rep
	}
	before, after := report(false), report(true)
	seen := map[string]bool{}
	for _, f := range before.Findings {
		seen[f.ID()+" "+f.URN] = true
	}
	var added []kumocheck.Finding
	for _, f := range after.Findings {
		if f.Level == kumocheck.Error && !seen[f.ID()+" "+f.URN] {
			added = append(added, f)
		}
	}
	return added, after
}

// WantNoNewFindings fails with each finding.
func WantNoNewFindings(t *testing.T, fs []kumocheck.Finding) {
	t.Helper()
	for _, f := range fs {
		t.Errorf("kumo check: %s on %s %s: %s", f.ID(), f.Type, f.Name, f.Message)
	}
}

// Suppressed returns the reason a suppressed finding of rule (with detail)
// on resource typ name was accepted with, "" when there is none.
func Suppressed(rep *kumocheck.Report, rule, detail, typ, name string) string {
	for _, f := range rep.Suppressed {
		if f.Rule == rule && f.Detail == detail && f.Type == typ && f.Name == name && f.Suppression != nil {
			return f.Suppression.Reason
		}
	}
	return ""
}

// FindingList renders findings for a failure message.
func FindingList(fs []kumocheck.Finding) string {
	out := ""
	for _, f := range fs {
		out += fmt.Sprintf("\n  %s %s %s: %s", f.ID(), f.Type, f.Name, f.Message)
	}
	return out
}

// WantStatement is an expected Allow statement; resources are built from
// the synthesized ARNs, so they are functions of the stack. Unnamed, as
// Check is, so tables of them stay unkeyed.
type WantStatement = struct {
	Sid       string
	Actions   []string
	Resources func(s *Stack) []string
}

// CheckGrantPolicy checks that the role policy policyName on the role of
// function "fn" (whose FunctionOutputs the program exported) holds exactly
// the wanted statements and no "*" resource.
func CheckGrantPolicy(t *testing.T, s *Stack, policyName string, want []WantStatement) {
	t.Helper()
	rp := s.Find(TypeRolePolicy, policyName)
	if got, want := rp.Inputs["role"], s.Output("roleName"); got != want {
		t.Errorf("%s: role: got %#v; want the function's role %q", policyName, got, want)
	}
	if rp.Parent != s.Find(TypeFunction, "fn").URN {
		t.Errorf("%s: parent: got %q; want the function component", policyName, rp.Parent)
	}
	doc := PolicyInput(t, rp, "policy")
	if len(doc.Statement) != len(want) {
		t.Fatalf("%s: statements: got %q; want %d", policyName, doc.Sids(), len(want))
	}
	for i, w := range want {
		st := doc.Statement[i]
		if st.Sid != w.Sid {
			t.Errorf("%s statement %d: Sid: got %q; want %q", policyName, i, st.Sid, w.Sid)
		}
		if st.Effect != "Allow" || st.Principal != nil || st.Condition != nil {
			t.Errorf("%s %s: got Effect %q Principal %v Condition %v; want a plain Allow", policyName, w.Sid, st.Effect, st.Principal, st.Condition)
		}
		if !reflect.DeepEqual(st.Action, Sorted(w.Actions)) {
			t.Errorf("%s %s: Action: got %q; want %q", policyName, w.Sid, st.Action, Sorted(w.Actions))
		}
		if want := w.Resources(s); !reflect.DeepEqual(st.Resource, want) {
			t.Errorf("%s %s: Resource: got %q; want exactly %q", policyName, w.Sid, st.Resource, want)
		}
		for _, r := range st.Resource {
			if r == "*" {
				t.Errorf("%s %s: wildcard Resource \"*\"", policyName, w.Sid)
			}
		}
	}
}
