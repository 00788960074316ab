package check

import (
	"testing"
)

func TestCodeBuildRules(t *testing.T) {
	ruleCase(t, "AwsSolutions-CB4",
		func(t *testing.T) {
			var g graph
			p := g.add(typeCodeBuildProject, "build", map[string]any{"encryptionKey": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"})
			later := g.add(typeCodeBuildProject, "later", map[string]any{"encryptionKey": unknownValue})
			g.passes(t, "AwsSolutions-CB4", p)
			g.passes(t, "AwsSolutions-CB4", later) // unknown counts as set
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "AwsSolutions-CB4", g.add(typeCodeBuildProject, "bare", nil))
			g.fires(t, "AwsSolutions-CB4", g.add(typeCodeBuildProject, "s3key", map[string]any{"encryptionKey": "alias/aws/s3"}))
			g.fires(t, "AwsSolutions-CB4", g.add(typeCodeBuildProject, "s3arn", map[string]any{"encryptionKey": "arn:aws:kms:us-east-1:123456789012:alias/aws/s3"}))
		})

	ruleCase(t, "AwsSolutions-CB5",
		func(t *testing.T) {
			var g graph
			p := g.add(typeCodeBuildProject, "build", map[string]any{"environment": map[string]any{
				"image": "aws/codebuild/amazonlinux2-x86_64-standard:5.0", "type": "LINUX_CONTAINER", "computeType": "BUILD_GENERAL1_SMALL"}})
			g.passes(t, "AwsSolutions-CB5", p)
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "AwsSolutions-CB5", g.add(typeCodeBuildProject, "custom", map[string]any{"environment": map[string]any{
				"image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/builder:1"}}))
			g.fires(t, "AwsSolutions-CB5", g.add(typeCodeBuildProject, "unknown", map[string]any{"environment": map[string]any{"image": unknownValue}}))
		})
}
