package constructs_test

import (
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

// A ServiceRole made outside this package's constructs receives grants like
// a function's role: one inline policy per grant, scoped to the resource,
// and Allow policies in call order.
func TestServiceRoleGrantsAndAllow(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		role, err := constructs.NewServiceRole(ctx, "builder", nil, "codebuild.amazonaws.com", "Role of a build.")
		if err != nil {
			return nil, err
		}
		bucket, err := constructs.NewBucket(ctx, "artifacts", &constructs.BucketArgs{})
		if err != nil {
			return nil, err
		}
		if err := bucket.GrantReadWrite(role); err != nil {
			return nil, err
		}
		if err := role.Allow(constructs.Statement{Sid: "Ec2", Actions: []string{"ec2:DescribeVpcs"}, Resources: constructs.AnyResource, WildcardReason: "no resource"}); err != nil {
			return nil, err
		}
		if err := role.Allow(constructs.Statement{Sid: "Sts", Actions: []string{"sts:GetCallerIdentity"}, Resources: constructs.AnyResource, WildcardReason: "no resource"}); err != nil {
			return nil, err
		}
		if got, want := len(role.Policies()), 3; got != want {
			t.Errorf("Policies(): got %d; want %d (the bucket grant and two Allow calls)", got, want)
		}
		return pulumi.Map{"roleName": role.Role().Name, "bucketArn": bucket.Arn}, nil
	})
	trust := policyInput(t, s.find(typRole, "builder"), "assumeRolePolicy")
	if got := trust.Statement[0]; !reflect.DeepEqual(got.Principal, map[string]any{"Service": []any{"codebuild.amazonaws.com"}}) ||
		!reflect.DeepEqual(got.Condition["StringEquals"]["aws:SourceAccount"], []string{testAccount}) {
		t.Errorf("trust policy: got principal %v condition %v; want codebuild.amazonaws.com for account %s only", got.Principal, got.Condition, testAccount)
	}
	grant := policyInput(t, s.find(typRolePolicy, "builder-bucket-artifacts-readwrite"), "policy")
	for _, st := range grant.Statement {
		for _, r := range st.Resource {
			if r != s.output("bucketArn") && r != s.output("bucketArn")+"/*" {
				t.Errorf("bucket grant %s: Resource %q; want only the bucket's ARN and objects", st.Sid, r)
			}
		}
	}
	for name, sid := range map[string]string{"builder-allow": "Ec2", "builder-allow-2": "Sts"} {
		if got := policyInput(t, s.find(typRolePolicy, name), "policy").Statement[0].Sid; got != sid {
			t.Errorf("%s: statement: got %q; want %q", name, got, sid)
		}
	}
}

func TestServiceRoleBadInputs(t *testing.T) {
	runBadInputs(t, nil, []badInput[struct{}]{
		{name: "not a service principal", scope: `service role "r"`,
			build: func(ctx *pulumi.Context, _ *project, _ struct{}) error {
				_, err := constructs.NewServiceRole(ctx, "r", nil, "codebuild", "")
				return err
			},
			problems: [][]string{{"service", `"codebuild"`, ".amazonaws.com"}}},
	})
	// The role exists before the bad Allow, which must add nothing to it.
	role := func(ctx *pulumi.Context, _ *project) (*constructs.ServiceRole, error) {
		return constructs.NewServiceRole(ctx, "r", nil, "codebuild.amazonaws.com", "")
	}
	runBadInputs(t, role, []badInput[*constructs.ServiceRole]{
		{name: "allow of a whole service and no resources", scope: `allow on service role "r"`,
			build: func(_ *pulumi.Context, _ *project, r *constructs.ServiceRole) error {
				return r.Allow(constructs.Statement{Actions: []string{"s3:*"}, Principal: constructs.AnyPrincipal})
			},
			problems: [][]string{{"statements[0].Actions", `"s3:*"`, "whole service"}, {"statements[0].Resources", "none"}, {"statements[0].Principal", "no principal"}}},
		{name: "allow of nothing", scope: `allow on service role "r"`,
			build:    func(_ *pulumi.Context, _ *project, r *constructs.ServiceRole) error { return r.Allow() },
			problems: [][]string{{"statements", "none"}}},
	})
}
