package constructs

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// A bucket that receives a Trail's log files names the trail in its policy
// (BucketArgs.TrailLogsFor) before the trail exists, so the trail's name
// and ARN are derived here, for both sides.

// trailNameOf is the trail's name: the bucket policy names the trail by ARN
// before the trail exists, so the name is fixed, and carries the project
// and stack so that stacks sharing an account do not collide.
func trailNameOf(ctx *pulumi.Context, name string) string {
	return fmt.Sprintf("%s-%s-%s", ctx.Project(), ctx.Stack(), name)
}

// trailArn is the ARN of the trail named by construct name.
func trailArn(ctx *pulumi.Context, name string) pulumi.StringOutput {
	return pulumi.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", regionName(ctx), accountID(ctx), trailNameOf(ctx, name))
}

// trailDelivery is the bucket policy AWS documents for CloudTrail log
// delivery, for the named trails only (aws:SourceArn): CreateTrail fails
// with InsufficientS3BucketPolicyException without it.
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
func trailDelivery(ctx *pulumi.Context, bucketArn pulumi.StringOutput, trails []string) []Statement {
	var arns []pulumi.StringInput
	for _, t := range trails {
		arns = append(arns, trailArn(ctx, t))
	}
	cloudTrail := map[string][]string{"Service": {"cloudtrail.amazonaws.com"}}
	return []Statement{{
		Sid:        "CloudTrailAclCheck",
		Principal:  cloudTrail,
		Actions:    []string{"s3:GetBucketAcl"},
		Resources:  []pulumi.StringInput{bucketArn},
		Conditions: []Condition{{Test: "StringEquals", Variable: "aws:SourceArn", Values: arns}},
	}, {
		Sid:       "CloudTrailWrite",
		Principal: cloudTrail,
		Actions:   []string{"s3:PutObject"},
		Resources: []pulumi.StringInput{pulumi.Sprintf("%s/AWSLogs/%s/*", bucketArn, accountID(ctx))},
		Conditions: []Condition{
			{Test: "StringEquals", Variable: "s3:x-amz-acl", Values: []pulumi.StringInput{pulumi.String("bucket-owner-full-control")}},
			{Test: "StringEquals", Variable: "aws:SourceArn", Values: arns},
		},
	}}
}
