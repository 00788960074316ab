package constructs

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// releaser is the one seam between a function and how its alias moves to a
// new version. Everything that hands out the alias goes through it, so a
// canary mechanism can replace it without touching callers.
type releaser interface {
	release(ctx *pulumi.Context, f *Function) (*lambda.Alias, error)
}

// currentRelease is the strategy NewFunction uses.
var currentRelease releaser = publishedAlias{}

// publishedAlias points the alias straight at the newest published version:
// Lambda publishes one whenever the function's code changes.
type publishedAlias struct{}

func (publishedAlias) release(ctx *pulumi.Context, f *Function) (*lambda.Alias, error) {
	return lambda.NewAlias(ctx, f.name, &lambda.AliasArgs{
		Name:            pulumi.String(f.args.AliasName),
		Description:     pulumi.Sprintf("Traffic alias of kumo function %s.", f.name),
		FunctionName:    f.Lambda.Name,
		FunctionVersion: f.Lambda.Version,
	}, pulumi.Parent(f))
}
