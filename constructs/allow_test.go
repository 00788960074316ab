package constructs_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

func TestFunctionAllow(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
		if err != nil {
			return nil, err
		}
		return nil, fn.Allow("detect", constructs.Statement{Sid: "DetectLabels", Actions: []string{"rekognition:DetectLabels"},
			Resources: constructs.AnyResource, WildcardReason: "rekognition:DetectLabels has no resource-level permissions"})
	})
	doc := policyInput(t, s.find(typRolePolicy, "fn-allow-detect"), "policy")
	st := doc.statementBySid(t, "DetectLabels")
	if len(st.Action) != 1 || st.Action[0] != "rekognition:DetectLabels" || len(st.Resource) != 1 || st.Resource[0] != "*" {
		t.Errorf("statement: got %+v; want rekognition:DetectLabels on *", st)
	}
	// The reason reaches kumo check as the IAM5 suppression.
	rep := checkReport(t, s)
	if got := suppressed(rep, "AwsSolutions-IAM5", "Resource::*", "aws:iam/rolePolicy:RolePolicy", "fn-allow-detect"); got != "rekognition:DetectLabels has no resource-level permissions" {
		t.Errorf("IAM5 suppression reason: got %q", got)
	}
}

func TestFunctionAllowBadInputs(t *testing.T) {
	setup := func(ctx *pulumi.Context, p *project) (*constructs.Function, error) {
		return constructs.NewFunction(ctx, "fn", p.fnArgs())
	}
	runBadInputs(t, setup, []badInput[*constructs.Function]{{
		name: "every mistake at once",
		build: func(_ *pulumi.Context, _ *project, fn *constructs.Function) error {
			return fn.Allow("ec2 admin", constructs.Statement{Actions: []string{"ec2:*"}},
				constructs.Statement{Principal: constructs.AnyPrincipal, Resources: constructs.AnyResource})
		},
		scope: `allow "ec2 admin" on function "fn"`,
		problems: [][]string{
			{"name", `"ec2 admin"`},
			{"statements[0].Actions", `"ec2:*"`, "whole service"},
			{"statements[0].Resources", "none"},
			{"statements[1].Actions", "none"},
			{"statements[1].Principal", "set"},
		},
	}})
}
