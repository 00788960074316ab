// Package cicd holds kumo's CI/CD constructs: CodeStar connections to a
// Git host, CodeBuild projects with their own roles and logs, and V2
// CodePipeline pipelines that start exactly the projects they name. It is
// a package of its own so that programs without a pipeline do not link the
// CodeBuild, CodePipeline and CodeStar SDK packages (issue 9).
package cicd

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/codestarconnections"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

// ProviderType is the Git host a Connection reaches.
type ProviderType string

// The hosted providers CreateConnection accepts that kumo pipelines use
// (https://docs.aws.amazon.com/codeconnections/latest/APIReference/API_CreateConnection.html).
const (
	GitHub    ProviderType = "GitHub"
	GitLab    ProviderType = "GitLab"
	Bitbucket ProviderType = "Bitbucket"
)

// ConnectionArgs configure a Connection.
type ConnectionArgs struct {
	// ProviderType is the Git host: GitHub, GitLab or Bitbucket. Required.
	ProviderType ProviderType
}

// Connection is an AWS CodeStar connection to a Git host. AWS creates it
// PENDING: someone with rights on the host completes the handshake once in
// the console (Developer Tools → Settings → Connections → Update pending
// connection); until then source actions and webhooks that use it fail.
// The handshake survives updates of the stack, not a replacement of the
// connection.
type Connection struct {
	pulumi.ResourceState

	name string
	// service is the IAM service prefix of the ARN: a codestar-connections
	// ARN needs codestar-connections: actions, a codeconnections ARN
	// codeconnections: actions
	// (https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html).
	service string

	// Connection is the underlying resource, nil for ConnectionFromArn.
	Connection *codestarconnections.Connection
	// Arn is the connection's ARN, what source actions and projects name.
	Arn pulumi.StringOutput
}

// connectionLogicalName: the provider autonames the connection
// <name>-<7 random>, and CreateConnection allows 32 characters.
var connectionLogicalName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,24}$`)

// connectionArn is the ARN of a connection under either service prefix
// (CreateConnection's response pattern).
var connectionArn = regexp.MustCompile(`^arn:aws(-[a-z]+)*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[0-9a-f-]+$`)

// NewConnection registers a connection to the Git host of args.ProviderType.
func NewConnection(ctx *pulumi.Context, name string, args *ConnectionArgs, opts ...pulumi.ResourceOption) (*Connection, error) {
	if args == nil {
		args = &ConnectionArgs{}
	}
	var errs *multierror.Error
	if !connectionLogicalName.MatchString(name) {
		errs = multierror.Append(errs, fmt.Errorf("name: %q must be 1–24 letters, digits, '-' or '_' (the connection is named <name>-<7 random>, and CreateConnection allows 32 characters)", name))
	}
	switch args.ProviderType {
	case GitHub, GitLab, Bitbucket:
	default:
		errs = multierror.Append(errs, fmt.Errorf("ProviderType: %q is not a provider kumo connects to; use GitHub, GitLab or Bitbucket", args.ProviderType))
	}
	if err := constructs.Invalid(fmt.Sprintf("connection %q", name), errs); err != nil {
		return nil, err
	}
	c := &Connection{name: name, service: "codestar-connections"}
	if err := ctx.RegisterComponentResource("kumo:cicd:Connection", name, c, opts...); err != nil {
		return nil, err
	}
	var err error
	if c.Connection, err = codestarconnections.NewConnection(ctx, name, &codestarconnections.ConnectionArgs{
		ProviderType: pulumi.String(string(args.ProviderType)),
	}, pulumi.Parent(c)); err != nil {
		return nil, err
	}
	c.Arn = c.Connection.Arn
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"arn": c.Arn}); err != nil {
		return nil, err
	}
	return c, nil
}

// ConnectionFromArn uses a connection made elsewhere (another stack, the
// console), whose handshake is done.
func ConnectionFromArn(arn string) (*Connection, error) {
	if !connectionArn.MatchString(arn) {
		return nil, constructs.Invalid("connection", multierror.Append(nil,
			fmt.Errorf("arn: %q is not a connection ARN; want arn:aws:codestar-connections:<region>:<account>:connection/<id> (or codeconnections)", arn)))
	}
	service := strings.Split(arn, ":")[2]
	id := arn[strings.LastIndex(arn, "/")+1:]
	return &Connection{name: id, service: service, Arn: pulumi.String(arn).ToStringOutput()}, nil
}

// useStatements let a role use the connection. UseConnection is what
// CodePipeline's CodeStarSourceConnection action and CodeBuild's
// CODECONNECTIONS source auth check; CodeBuild also calls GetConnection and
// GetConnectionToken for webhooks and clones
// (https://docs.aws.amazon.com/codebuild/latest/userguide/connections-github-app.html,
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodeconnections.html).
func (c *Connection) useStatements(actions ...string) constructs.Statement {
	full := make([]string, len(actions))
	for i, a := range actions {
		full[i] = c.service + ":" + a
	}
	return constructs.Statement{Sid: "UseConnection", Actions: full, Resources: []pulumi.StringInput{c.Arn}}
}
