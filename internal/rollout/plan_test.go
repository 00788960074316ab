package rollout

import (
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	old := released("fp1", "6")
	drifted := old
	drifted.Version = "5"
	tests := []struct {
		name                 string
		old                  State
		modify               func(*Inputs)
		wantFields           []string
		wantChanged, wantRep bool
	}{
		{"nothing", old, func(*Inputs) {}, nil, false, false},
		{"defaults spelled out", old, func(in *Inputs) {
			in.AliasName, in.WaitTimeoutSeconds = "live", 900
			in.DeploymentConfigName = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
		}, nil, false, false},
		{"fingerprint", old, func(in *Inputs) { in.Fingerprint = "fp2" }, []string{"Fingerprint"}, true, false},
		{"preference", old, func(in *Inputs) { in.DeploymentConfigName = "AllAtOnce" }, []string{"DeploymentConfigName"}, true, false},
		{"hooks", old, func(in *Inputs) { in.PreTrafficHook = "items-pre" }, []string{"PreTrafficHook"}, true, false},
		{"alias name", old, func(in *Inputs) { in.AliasName = "prod" }, []string{"AliasName"}, true, true},
		{"function name", old, func(in *Inputs) { in.FunctionName = "orders" }, []string{"FunctionName"}, true, true},
		{"drift found by refresh", drifted, func(*Inputs) {}, []string{"Version"}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := testInputs("fp1")
			tc.modify(&in)
			if got := ChangedFields(tc.old, in); !reflect.DeepEqual(got, tc.wantFields) {
				t.Errorf("ChangedFields = %v; want %v", got, tc.wantFields)
			}
			changed, replace := (&Engine{}).Diff(tc.old, in)
			if changed != tc.wantChanged || replace != tc.wantRep {
				t.Errorf("Diff = (%v, %v); want (%v, %v)", changed, replace, tc.wantChanged, tc.wantRep)
			}
		})
	}
}

func TestPlanIsPure(t *testing.T) {
	withHooks := testInputs("fp2")
	withHooks.PreTrafficHook, withHooks.PostTrafficHook = "items-pre", "items-post"
	settingsOnly := testInputs("fp1")
	settingsOnly.DeploymentConfigName = ""
	drifted := released("fp1", "6")
	drifted.Version, drifted.AdditionalVersionWeights = "5", map[string]float64{"6": 0.1}
	renamed := testInputs("fp1")
	renamed.AliasName = "prod"
	old := released("fp1", "6")

	tests := []struct {
		name     string
		old      *State
		in       Inputs
		want     PlanAction
		from, to string
		line     string
	}{
		{"create", nil, testInputs("fp1"), ActionCreate, "", "",
			"create: alias live of function items on a newly published version (new release)"},
		{"new fingerprint", &old, withHooks, ActionPublishAndShift, "6", "7",
			"publish-and-shift: alias live of function items, version 6 → 7 with CodeDeployDefault.LambdaCanary10Percent5Minutes, pre-traffic hook items-pre, post-traffic hook items-post (fingerprint changed)"},
		{"no change", &old, testInputs("fp1"), ActionNoop, "6", "",
			"noop: alias live of function items stays on version 6 (no change)"},
		{"settings only", &old, settingsOnly, ActionNoop, "6", "",
			"noop: alias live of function items stays on version 6 (fingerprint unchanged; new deployment settings apply to the next release)"},
		{"drift", &drifted, testInputs("fp1"), ActionPublishAndShift, "5", "6",
			"publish-and-shift: alias live of function items, version 5 → 6 with CodeDeployDefault.LambdaCanary10Percent5Minutes (alias serves version 5 (90%) and version 6 (10%) but the release published version 6)"},
		{"replace", &old, renamed, ActionCreate, "", "",
			"create: alias prod of function items on a newly published version (replaces the release of alias live of function items)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, newFakeLambda(t).withAlias(6, "6", nil))
			p := h.engine.Plan(tc.old, tc.in)
			if p.Action != tc.want || p.From != tc.from || p.To != tc.to {
				t.Errorf("plan %s %q → %q; want %s %q → %q", p.Action, p.From, p.To, tc.want, tc.from, tc.to)
			}
			if got := p.String(); got != tc.line {
				t.Errorf("plan line:\n got: %s\nwant: %s", got, tc.line)
			}
			assertCalls(t, "lambda", h.lambda.calls, nil)
			assertCalls(t, "codedeploy", h.cd.calls, nil)
			if h.clock.slept != 0 || len(h.logs) != 0 {
				t.Errorf("plan slept %s and logged %q; want neither", h.clock.slept, h.logs)
			}
		})
	}
}
