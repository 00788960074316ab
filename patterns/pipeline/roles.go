package pipeline

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/cicd"
	"github.com/kumo-iac/kumo/constructs/param"
	"github.com/kumo-iac/kumo/internal/diff"
)

// regexpQuote quotes a branch name for a CodeBuild webhook filter pattern.
func regexpQuote(s string) string { return regexp.QuoteMeta(s) }

// moduleServices maps each pulumi-aws module kumo emits resources of to the
// IAM service prefixes deploying them needs (Service Authorization
// Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
// TestDeployRoleCoversKumo fails when kumo emits a module missing here.
var moduleServices = map[string][]string{
	"acm":                   {"acm"},
	"apigateway":            {"apigateway"},
	"athena":                {"athena"},
	"cloudfront":            {"cloudfront"},
	"cloudtrail":            {"cloudtrail"},
	"cloudwatch":            {"cloudwatch", "events", "logs"},
	"codebuild":             {"codebuild"},
	"codedeploy":            {"codedeploy"},
	"codepipeline":          {"codepipeline"},
	"codestarconnections":   {"codeconnections", "codestar-connections"},
	"codestarnotifications": {"codestar-notifications"},
	"cognito":               {"cognito-idp"},
	"dynamodb":              {"dynamodb"},
	"glue":                  {"glue"},
	"iot":                   {"iot"},
	"kinesis":               {"firehose", "kinesis"},
	"kms":                   {"kms"},
	"lambda":                {"lambda"},
	"opensearch":            {"es"},
	"route53":               {"route53"},
	"s3":                    {"s3"},
	"sfn":                   {"states"},
	"sns":                   {"sns"},
	"sqs":                   {"sqs"},
}

// scopedModules are the pulumi-aws modules whose resources kumo names
// under one prefix: instead of the whole service, the deploy role gets the
// actions the provider calls for them, on that prefix only. A whole-service
// grant of ssm would include running commands on instances (SendCommand,
// StartSession) and reading every parameter of the account.
// TestDeployRoleCoversKumo counts a module here as covered.
var scopedModules = map[string][]constructs.Statement{
	// kumo's parameters are all under /kumo/ (the web app's key snapshot:
	// /kumo/<project>/<stack>/…). terraform-provider-aws's aws_ssm_parameter
	// (internal/service/ssm/parameter.go, which pulumi-aws wraps) calls
	// PutParameter to create and update, GetParameter and
	// DescribeParameters to read, DeleteParameter to delete, and
	// AddTagsToResource, RemoveTagsFromResource and ListTagsForResource for
	// its tags. The parameter ARN is arn:aws:ssm:REGION:ACCOUNT:parameter/
	// followed by the name without its leading slash; DescribeParameters
	// takes no resource-level permission (Service Authorization Reference,
	// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html).
	"ssm": {{
		Sid: "KumoParameters",
		Actions: []string{"ssm:AddTagsToResource", "ssm:DeleteParameter", "ssm:GetParameter", "ssm:ListTagsForResource",
			"ssm:PutParameter", "ssm:RemoveTagsFromResource"},
		Resources:      []pulumi.StringInput{pulumi.String("arn:aws:ssm:*:*:parameter" + param.Prefix + "*")},
		WildcardReason: "the parameters kumo deploys, all named under /kumo/, in any region and account the stage deploys to",
	}, {
		Sid:            "DescribeParameters",
		Actions:        []string{"ssm:DescribeParameters"},
		Resources:      []pulumi.StringInput{pulumi.String("*")},
		WildcardReason: "ssm:DescribeParameters supports no resource-level permissions; the provider reads a parameter's tier and description with it",
	}},
}

// deployServices are the IAM service prefixes of every resource type kumo
// emits, sorted: a kumo-made deploy role may manage those services and no
// others (IAM itself is granted separately, scoped to roles, and the
// scopedModules' services are granted scoped too).
func deployServices() []string {
	seen := map[string]bool{}
	for _, typ := range diff.KnownTypes() {
		mod, ok := moduleOf(typ)
		if _, scoped := scopedModules[mod]; !ok || mod == "iam" || scoped {
			continue
		}
		for _, s := range moduleServices[mod] {
			seen[s] = true
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// moduleOf is the pulumi-aws module of an aws type token:
// "aws:lambda/function:Function" → "lambda".
func moduleOf(typ string) (string, bool) {
	rest, ok := strings.CutPrefix(typ, "aws:")
	if !ok {
		return "", false
	}
	mod, _, ok := strings.Cut(rest, "/")
	return mod, ok
}

// deployRole is a role kumo makes for a stage without a configured one: the
// stage's builds assume it (through the stack's aws:assumeRole) to change
// the stage's resources. It may manage the services kumo deploys and IAM
// roles, and nothing else: not an administrator (no account settings,
// billing, organizations, networks or users).
type deployRole struct {
	role *constructs.ServiceRole
}

// passedTo are the services kumo's resources hand a role to
// (iam:PassedToService values, Service Authorization Reference for IAM).
// TestDeployRolePassesEveryServiceRole keeps it in step with the trust
// policies of every role the shipped stacks create.
var passedTo = []string{
	"apigateway.amazonaws.com", "cloudtrail.amazonaws.com", "codebuild.amazonaws.com", "codedeploy.amazonaws.com",
	"codepipeline.amazonaws.com", "events.amazonaws.com", "firehose.amazonaws.com", "glue.amazonaws.com",
	"iot.amazonaws.com", "lambda.amazonaws.com", "states.amazonaws.com",
}

// deployReason is why the deploy role's actions and resources are wildcards.
const deployReason = "a stage's deploy role creates, updates and deletes every resource of the services kumo deploys, which are named only once created; listing each action of each service would change with every kumo feature. It is limited to those services, and the pipeline's build is the only principal that may assume it."

// deployRole gives the builds of stage ("" for the pipeline's own stack)
// a kumo-made deploy role that trusts exactly them.
func (b *builder) deployRole(stage string, builds ...*cicd.BuildProject) error {
	key := stage
	if key == "" {
		key = "self"
	}
	trusted := make([]pulumi.StringInput, len(builds))
	for i, p := range builds {
		trusted[i] = p.Role.Role().Arn
	}
	role, err := constructs.NewAssumableRole(b.ctx, b.child("deploy-"+key), b.pl, trusted,
		fmt.Sprintf("Deploys stack %s for kumo pipeline %s: the services kumo deploys and their roles, nothing else.", stageOrSelf(stage, b.ctx.Stack()), b.name))
	if err != nil {
		return err
	}
	dr := &deployRole{role: role}
	b.pl.DeployRoles[stage] = dr
	if err := b.deployPermissions(dr); err != nil {
		return err
	}
	for _, p := range builds {
		if err := p.Allow(assumeStatement(dr.role.Role().Arn)); err != nil {
			return err
		}
	}
	return nil
}

func stageOrSelf(stage, self string) string {
	if stage == "" {
		return self + " (the pipeline itself)"
	}
	return stage
}

// scopedStatements are the scopedModules' statements of the modules kumo
// emits, in the modules' order.
func scopedStatements() []constructs.Statement {
	used := map[string]bool{}
	for _, typ := range diff.KnownTypes() {
		if mod, ok := moduleOf(typ); ok {
			used[mod] = true
		}
	}
	var out []constructs.Statement
	for _, mod := range slices.Sorted(maps.Keys(scopedModules)) {
		if used[mod] {
			out = append(out, scopedModules[mod]...)
		}
	}
	return out
}

// deployPermissions are the deploy role's policy: the services kumo emits
// resources of (a few scoped to what kumo names), IAM roles and their
// inline policies, and passing roles to those services only.
func (b *builder) deployPermissions(dr *deployRole) error {
	if err := dr.role.AllowServices("services", deployServices(), deployReason); err != nil {
		return err
	}
	star := []pulumi.StringInput{pulumi.String("*")}
	roles := []pulumi.StringInput{pulumi.String("arn:aws:iam::*:role/*")}
	passed := make([]pulumi.StringInput, len(passedTo))
	for i, s := range passedTo {
		passed[i] = pulumi.String(s)
	}
	statements := []constructs.Statement{
		{Sid: "Roles", Actions: []string{
			"iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
			"iam:ListRolePolicies", "iam:ListRoleTags", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole",
			"iam:UpdateRoleDescription", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:CreateServiceLinkedRole",
		}, Resources: roles, WildcardReason: "the roles of every resource kumo deploys, which IAM names only once created: " + deployReason},
		{Sid: "PassRolesToKumoServices", Actions: []string{"iam:PassRole"}, Resources: roles,
			WildcardReason: "a role is passed only to the services kumo deploys (iam:PassedToService)",
			Conditions:     []constructs.Condition{{Test: "StringEquals", Variable: "iam:PassedToService", Values: passed}}},
		{Sid: "Describe", Actions: []string{"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "sts:GetCallerIdentity", "tag:GetResources"},
			Resources: star, WildcardReason: "identity and read-only lookups (a function's VPC, kumo canary status's tags) that support no resource-level permissions"},
	}
	return dr.role.Allow(append(statements, scopedStatements()...)...)
}

// roleChanges are the IAM actions that change what a role may do or who may
// assume it.
var roleChanges = []string{
	"iam:AttachRolePolicy", "iam:DeleteRole", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy",
	"iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole",
	"iam:UpdateAssumeRolePolicy", "iam:UpdateRole",
}

// protect denies every stage's kumo-made deploy role any change to the
// pipeline's own roles (the builds', the pipeline's, the deploy roles
// themselves): a stage's deploy may create and change its stack's roles,
// but not widen itself, another stage's role, or what a pull request build
// may do. Only the pipeline's own deploy role (the self-update) changes
// them, by deploying this stack.
func (b *builder) protect() error {
	var arns []pulumi.StringInput
	for _, key := range slices.Sorted(maps.Keys(b.pl.Projects)) {
		arns = append(arns, b.pl.Projects[key].Role.Role().Arn)
	}
	arns = append(arns, b.pl.Pipeline.Role.Role().Arn)
	stages := slices.Sorted(maps.Keys(b.pl.DeployRoles))
	for _, s := range stages {
		arns = append(arns, b.pl.DeployRoles[s].role.Role().Arn)
	}
	for _, s := range stages {
		if s == "" {
			continue
		}
		if err := b.pl.DeployRoles[s].role.AllowAs("protect-pipeline-roles", constructs.Statement{
			Sid: "KeepThePipelinesRoles", Effect: "Deny", Actions: roleChanges, Resources: arns,
		}); err != nil {
			return err
		}
	}
	return nil
}
