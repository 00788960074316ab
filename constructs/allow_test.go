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

func TestFunctionVPC(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		args := p.fnArgs()
		args.VPC = &constructs.FunctionVPC{SubnetIds: []string{"subnet-0a1b2c3d", "subnet-4e5f6a7b"}, SecurityGroupIds: []string{"sg-0123abcd"}}
		_, err := constructs.NewFunction(ctx, "fn", args)
		return nil, err
	})
	fn := s.find(typLambda, "fn")
	wantInputs(t, fn, check{"vpcConfig", map[string]any{
		"subnetIds": []any{"subnet-0a1b2c3d", "subnet-4e5f6a7b"}, "securityGroupIds": []any{"sg-0123abcd"}}})
	// CreateFunction checks the role may create the interfaces: the
	// function waits for that policy.
	vpc := s.find(typRolePolicy, "fn-vpc")
	if !dependsOn(fn, vpc) {
		t.Error("the function does not wait for its VPC interface policy")
	}
	st := policyInput(t, vpc, "policy").statementBySid(t, "ManageVpcInterfaces")
	if len(st.Action) != 5 || st.Resource[0] != "*" {
		t.Errorf("ManageVpcInterfaces: got %+v", st)
	}
	// Without VPC, none of it.
	q := newProject(t)
	s = q.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := constructs.NewFunction(ctx, "fn", q.fnArgs())
		return nil, err
	})
	wantInputs(t, s.find(typLambda, "fn"), check{"vpcConfig", nil})
	if s.has(typRolePolicy, "fn-vpc") {
		t.Error("a function outside a VPC got the VPC interface policy")
	}
}

func TestFunctionVPCBadInputs(t *testing.T) {
	runBadInputs(t, func(*pulumi.Context, *project) (struct{}, error) { return struct{}{}, nil }, []badInput[struct{}]{{
		name: "no security group, a bad subnet",
		build: func(ctx *pulumi.Context, p *project, _ struct{}) error {
			args := p.fnArgs()
			args.VPC = &constructs.FunctionVPC{SubnetIds: []string{"subnet-xyz"}}
			_, err := constructs.NewFunction(ctx, "fn", args)
			return err
		},
		scope: `function "fn"`,
		problems: [][]string{
			{"VPC.SecurityGroupIds", "0 security groups"},
			{"VPC.SubnetIds", `"subnet-xyz"`},
		},
	}})
}
