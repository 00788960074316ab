package synth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigateway"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/codedeploy"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The rules through the public path: a stack program run by Run, named by
// the mocks as the provider names resources.

func realityProject(t *testing.T) string {
	return writeProject(t, map[string]string{
		"Pulumi.yaml":     "name: shop\nruntime: go\n",
		"Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n",
	})
}

// loggingSite registers a log bucket with ACLs enabled and a distribution
// logging to it; orderedAfterControls says whether the distribution waits
// for the ownership controls.
func loggingSite(ctx *pulumi.Context, orderedAfterControls bool) error {
	logs, err := s3.NewBucketV2(ctx, "logs", &s3.BucketV2Args{})
	if err != nil {
		return err
	}
	own, err := s3.NewBucketOwnershipControls(ctx, "logs", &s3.BucketOwnershipControlsArgs{
		Bucket: logs.Bucket,
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerPreferred")},
	})
	if err != nil {
		return err
	}
	var opts []pulumi.ResourceOption
	if orderedAfterControls {
		opts = append(opts, pulumi.DependsOn([]pulumi.Resource{own}))
	}
	_, err = cloudfront.NewDistribution(ctx, "site", &cloudfront.DistributionArgs{
		Enabled: pulumi.Bool(true),
		Origins: cloudfront.DistributionOriginArray{&cloudfront.DistributionOriginArgs{
			DomainName: pulumi.String("site.s3.eu-west-1.amazonaws.com"), OriginId: pulumi.String("site")}},
		DefaultCacheBehavior: &cloudfront.DistributionDefaultCacheBehaviorArgs{
			AllowedMethods: pulumi.ToStringArray([]string{"GET", "HEAD"}), CachedMethods: pulumi.ToStringArray([]string{"GET", "HEAD"}),
			TargetOriginId: pulumi.String("site"), ViewerProtocolPolicy: pulumi.String("redirect-to-https"),
			CachePolicyId: pulumi.String("658327ea-f89d-4fab-a63d-7e88639e58f6"),
		},
		LoggingConfig: &cloudfront.DistributionLoggingConfigArgs{Bucket: logs.BucketDomainName},
		Restrictions: &cloudfront.DistributionRestrictionsArgs{GeoRestriction: &cloudfront.DistributionRestrictionsGeoRestrictionArgs{
			RestrictionType: pulumi.String("none")}},
		ViewerCertificate: &cloudfront.DistributionViewerCertificateArgs{CloudfrontDefaultCertificate: pulumi.Bool(true)},
	}, opts...)
	return err
}

func TestRealityThroughRunAccepts(t *testing.T) {
	res, err := Run(context.Background(), Request{Root: realityProject(t), Stack: "dev"},
		func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
			cfg, err := codedeploy.NewDeploymentConfig(ctx, "canary", &codedeploy.DeploymentConfigArgs{
				ComputePlatform: pulumi.String("Lambda"),
				TrafficRoutingConfig: &codedeploy.DeploymentConfigTrafficRoutingConfigArgs{
					Type: pulumi.String("TimeBasedCanary"),
					TimeBasedCanary: &codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedCanaryArgs{
						Percentage: pulumi.Int(10), Interval: pulumi.Int(5)},
				},
			})
			if err != nil {
				return nil, err
			}
			if err := loggingSite(ctx, true); err != nil {
				return nil, err
			}
			return pulumi.Map{"config": cfg.DeploymentConfigName}, nil
		})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	// The provider autonames deployment configurations with "_".
	if got, _ := res.Outputs["config"].(string); !strings.HasPrefix(got, "canary_") || len(got) != len("canary_")+7 {
		t.Errorf("deploymentConfigName = %q; want canary_ and 7 random characters", got)
	}
}

func TestRealityThroughRunRefuses(t *testing.T) {
	_, err := Run(context.Background(), Request{Root: realityProject(t), Stack: "dev"},
		func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
			api, err := apigateway.NewRestApi(ctx, "api", &apigateway.RestApiArgs{})
			if err != nil {
				return nil, err
			}
			// No name: the provider's "body-<random>" is not alphanumeric.
			if _, err := apigateway.NewModel(ctx, "body", &apigateway.ModelArgs{
				RestApi: api.ID(), ContentType: pulumi.String("application/json"), Schema: pulumi.String(`{"type":"object"}`),
			}); err != nil {
				return nil, err
			}
			// The resource name leaves no room for the bucket's random suffix.
			if _, err := s3.NewBucketV2(ctx, strings.Repeat("b", 60), &s3.BucketV2Args{}); err != nil {
				return nil, err
			}
			// Fine for the provider's 255, too long for CloudFront's 64.
			if _, err := cloudfront.NewOriginAccessControl(ctx, strings.Repeat("o", 60), &cloudfront.OriginAccessControlArgs{
				OriginAccessControlOriginType: pulumi.String("s3"), SigningBehavior: pulumi.String("always"), SigningProtocol: pulumi.String("sigv4"),
			}); err != nil {
				return nil, err
			}
			return nil, loggingSite(ctx, false)
		})
	var rerr *RealityError
	if !errors.As(err, &rerr) {
		t.Fatalf("Run error = %v; want a *RealityError", err)
	}
	wants := []want{
		{tModel, "name", "must be alphanumeric", "API_CreateModel"},
		{tBucket, "bucket", "shorten the resource name to at most 55", "AutoNameTransform"},
		{tOAC, "name", "at most 64", "API_OriginAccessControlConfig"},
		{tDistribution, "loggingConfig.bucket", "does not enable ACL access", "standard-logging-legacy-s3"},
	}
	for _, w := range wants {
		found := false
		for _, v := range rerr.Violations {
			found = found || w.matches(v)
		}
		if !found {
			t.Errorf("no violation %s %s (%q); got:\n%s", w.typ, w.prop, w.rule, list(rerr.Violations))
		}
	}
	if got := len(rerr.Violations); got != len(wants) {
		t.Errorf("%d violations; want %d:\n%s", got, len(wants), list(rerr.Violations))
	}
}
