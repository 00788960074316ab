package constructs

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigateway"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
)

// API Gateway writes access and execution logs only once its region-wide
// account setting names a CloudWatch Logs role. That setting is one value
// per account and region: two stacks that both manage it overwrite each
// other, and destroying either silently turns logging off for all. So kumo
// manages it in exactly one place, the ApiGatewayAccount construct (the
// apigateway-account pattern deploys it in a stack of its own), and an Api
// with logs takes an AccountLogRole: proof, by reference, that the setting
// exists before its stage is created.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html

// Stack outputs of a stack holding an ApiGatewayAccount, read back through a
// StackReference by AccountLogRoleFromStack.
const (
	OutputAPIGatewayRoleArn = "apiGatewayCloudWatchRoleArn"
	OutputRegion            = "region"
)

// AccountLogRole is the region-wide API Gateway CloudWatch Logs role an Api
// needs for its logs, and the resource the stage must be created after.
type AccountLogRole struct {
	// RoleArn is the role API Gateway writes logs with.
	RoleArn pulumi.StringOutput
	// After is the resource that sets it: the aws:apigateway/account:Account
	// in this program, or the StackReference to the stack that manages it.
	After pulumi.Resource
}

// ApiGatewayAccountArgs configure an ApiGatewayAccount. There is nothing to
// set today; the struct keeps the constructor shape.
type ApiGatewayAccountArgs struct{}

// ApiGatewayAccount sets API Gateway's region-wide CloudWatch Logs role.
// Deploy exactly one per account and region.
type ApiGatewayAccount struct {
	pulumi.ResourceState

	// Role is the role API Gateway assumes to write logs.
	Role *iam.Role
	// Account is the region-wide setting.
	Account *apigateway.Account
}

// NewApiGatewayAccount registers the role and the account setting.
func NewApiGatewayAccount(ctx *pulumi.Context, name string, args *ApiGatewayAccountArgs, opts ...pulumi.ResourceOption) (*ApiGatewayAccount, error) {
	a := &ApiGatewayAccount{}
	if err := ctx.RegisterComponentResource("kumo:constructs:ApiGatewayAccount", name, a, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(a)
	var err error
	if a.Role, err = iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.String("Lets API Gateway write access and execution logs (region-wide account setting)."),
		AssumeRolePolicy: assumeRolePolicy("apigateway.amazonaws.com"),
		// AWS's managed policy: API Gateway creates execution log groups
		// named after API IDs, so no narrower ARN can be known up front.
		ManagedPolicyArns: pulumi.ToStringArray([]string{apiGatewayCloudWatchPolicy}),
	}, parent); err != nil {
		return nil, err
	}
	if err := check.Suppress(ctx, a.Role, check.Suppression{
		Rule: "AwsSolutions-IAM4", Finding: "Policy::" + apiGatewayCloudWatchPolicy,
		Reason: "AWS's policy for exactly this role: API Gateway creates execution log groups named after API IDs, so no narrower customer policy can name them up front",
	}); err != nil {
		return nil, err
	}
	if a.Account, err = apigateway.NewAccount(ctx, name, &apigateway.AccountArgs{CloudwatchRoleArn: a.Role.Arn}, parent); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(a, pulumi.Map{"roleArn": a.Role.Arn}); err != nil {
		return nil, err
	}
	return a, nil
}

// LogRole is the AccountLogRole for Apis of the same program.
func (a *ApiGatewayAccount) LogRole() *AccountLogRole {
	return &AccountLogRole{RoleArn: a.Role.Arn, After: a.Account}
}

// AccountLogRoleFromStack reads the role from the stack that manages it
// (one running the apigateway-account pattern). stack is a stack name of
// this project, or a fully qualified org/project/stack. When the deployment
// runs, the referenced stack must exist, export the role, and be in region;
// otherwise the program fails naming the stack and what to deploy.
func AccountLogRoleFromStack(ctx *pulumi.Context, name, stack, region string, opts ...pulumi.ResourceOption) (*AccountLogRole, error) {
	full := stack
	if !strings.Contains(stack, "/") {
		org := ctx.Organization()
		if org == "" {
			org = "organization"
		}
		full = org + "/" + ctx.Project() + "/" + stack
	}
	ref, err := pulumi.NewStackReference(ctx, name, &pulumi.StackReferenceArgs{Name: pulumi.String(full)}, opts...)
	if err != nil {
		return nil, err
	}
	arn := pulumi.All(ref.Outputs).ApplyT(func(vs []any) (string, error) {
		outs, _ := vs[0].(map[string]any)
		roleArn, _ := outs[OutputAPIGatewayRoleArn].(string)
		got, _ := outs[OutputRegion].(string)
		switch {
		case roleArn == "":
			return "", fmt.Errorf("stack %s exports no %s: deploy the apigateway-account pattern there (kumo:patterns: [apigateway-account]) before this stack; API Gateway cannot write logs without it", full, OutputAPIGatewayRoleArn)
		case got != region:
			return "", fmt.Errorf("stack %s manages API Gateway's log role in region %q, but this stack deploys to %q; the setting is per region, so reference a stack in %s", full, got, region, region)
		}
		return roleArn, nil
	}).(pulumi.StringOutput)
	return &AccountLogRole{RoleArn: arn, After: ref}, nil
}
