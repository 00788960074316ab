package rollout

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/kumo-iac/kumo/internal/ctxsleep"
)

// LambdaAPI is the part of *lambda.Client the release uses.
type LambdaAPI interface {
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
	PublishVersion(ctx context.Context, in *lambda.PublishVersionInput, optFns ...func(*lambda.Options)) (*lambda.PublishVersionOutput, error)
	GetAlias(ctx context.Context, in *lambda.GetAliasInput, optFns ...func(*lambda.Options)) (*lambda.GetAliasOutput, error)
	CreateAlias(ctx context.Context, in *lambda.CreateAliasInput, optFns ...func(*lambda.Options)) (*lambda.CreateAliasOutput, error)
	UpdateAlias(ctx context.Context, in *lambda.UpdateAliasInput, optFns ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error)
	DeleteAlias(ctx context.Context, in *lambda.DeleteAliasInput, optFns ...func(*lambda.Options)) (*lambda.DeleteAliasOutput, error)
}

// CodeDeployAPI is the part of *codedeploy.Client the release uses.
type CodeDeployAPI interface {
	CreateDeployment(ctx context.Context, in *codedeploy.CreateDeploymentInput, optFns ...func(*codedeploy.Options)) (*codedeploy.CreateDeploymentOutput, error)
	GetDeployment(ctx context.Context, in *codedeploy.GetDeploymentInput, optFns ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentOutput, error)
	ListDeployments(ctx context.Context, in *codedeploy.ListDeploymentsInput, optFns ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentsOutput, error)
}

var (
	_ LambdaAPI     = (*lambda.Client)(nil)
	_ CodeDeployAPI = (*codedeploy.Client)(nil)
)

// Clock is the engine's notion of time, injectable so tests never sleep.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx.Err() then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error { return ctxsleep.Sleep(ctx, d) }
