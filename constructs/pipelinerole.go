package constructs

import (
	"sync"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// pipelineRole is the role an AWS service assumes for a construct, behind
// ServiceRole (Firehose for a DeliveryStream, Step Functions for a
// StateMachine, AWS IoT for a TopicRule, Glue for a GlueCatalog's crawler,
// CodeBuild and CodePipeline). It is a Grantee: every grant is one inline
// policy named after it, and the construct orders its main resource after
// the policies granted before it is created, because those services check
// the role's access at creation.
type pipelineRole struct {
	ctx    *pulumi.Context
	name   string
	parent pulumi.Resource
	role   *iam.Role

	mu       sync.Mutex
	grants   map[string]bool
	policies []pulumi.Resource
}

// newPipelineRole creates the role service may assume, and only on behalf
// of this account: aws:SourceAccount keeps another account's use of the
// service from borrowing it (the confused deputy problem,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
func newPipelineRole(ctx *pulumi.Context, name string, parent pulumi.Resource, service, description string) (*pipelineRole, error) {
	account := aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, pulumi.Parent(parent)).AccountId()
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description: pulumi.String(description),
		AssumeRolePolicy: policyJSON(Statement{
			Principal:  map[string][]string{"Service": {service}},
			Actions:    []string{"sts:AssumeRole"},
			Conditions: []Condition{{Test: "StringEquals", Variable: "aws:SourceAccount", Values: []pulumi.StringInput{account}}},
		}),
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, err
	}
	return &pipelineRole{ctx: ctx, name: name, parent: parent, role: role, grants: map[string]bool{}}, nil
}

// addToRolePolicy implements Grantee.
func (r *pipelineRole) addToRolePolicy(grant string, statements ...Statement) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.grants[grant] {
		return nil
	}
	rp, err := iam.NewRolePolicy(r.ctx, r.name+"-"+grant, &iam.RolePolicyArgs{
		Role:   r.role.ID(),
		Policy: policyJSON(statements...),
	}, pulumi.Parent(r.parent))
	if err != nil {
		return err
	}
	r.grants[grant] = true
	r.policies = append(r.policies, rp)
	return justifyWildcards(r.ctx, rp, statements)
}

// granted returns the inline policies attached so far.
func (r *pipelineRole) granted() []pulumi.Resource {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]pulumi.Resource(nil), r.policies...)
}

// iamRole implements Grantee.
func (r *pipelineRole) iamRole() *iam.Role { return r.role }
