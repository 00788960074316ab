package canarystatus

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
)

// TaggingAPI is the part of *resourcegroupstaggingapi.Client Status uses to
// find a stack's functions by their tags.
type TaggingAPI interface {
	GetResources(ctx context.Context, in *resourcegroupstaggingapi.GetResourcesInput, optFns ...func(*resourcegroupstaggingapi.Options)) (*resourcegroupstaggingapi.GetResourcesOutput, error)
}

// LambdaAPI is the part of *lambda.Client Status uses to read an alias.
type LambdaAPI interface {
	GetAlias(ctx context.Context, in *lambda.GetAliasInput, optFns ...func(*lambda.Options)) (*lambda.GetAliasOutput, error)
}

// CodeDeployAPI is the part of *codedeploy.Client Status uses to read a
// deployment group's recent deployments.
type CodeDeployAPI interface {
	ListDeployments(ctx context.Context, in *codedeploy.ListDeploymentsInput, optFns ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentsOutput, error)
	BatchGetDeployments(ctx context.Context, in *codedeploy.BatchGetDeploymentsInput, optFns ...func(*codedeploy.Options)) (*codedeploy.BatchGetDeploymentsOutput, error)
}

var (
	_ TaggingAPI    = (*resourcegroupstaggingapi.Client)(nil)
	_ LambdaAPI     = (*lambda.Client)(nil)
	_ CodeDeployAPI = (*codedeploy.Client)(nil)
)

// Clients are the AWS clients Status reads from, all for the stack's region.
type Clients struct {
	Tagging    TaggingAPI
	Lambda     LambdaAPI
	CodeDeploy CodeDeployAPI
}

// NewClients builds the real clients from an SDK config; cfg's region and
// credentials decide where and as whom Status reads. Bound cfg's calls with
// awsclient.Limits (Load, LoadOptions or Apply): the SDK's own defaults let
// a call to an endpoint that never answers wait for ever.
func NewClients(cfg aws.Config) Clients {
	return Clients{
		Tagging:    resourcegroupstaggingapi.NewFromConfig(cfg),
		Lambda:     lambda.NewFromConfig(cfg),
		CodeDeploy: codedeploy.NewFromConfig(cfg),
	}
}
