package check

import (
	"testing"
)

// glueConfig is a security configuration encrypting CloudWatch logs and
// job bookmarks as given.
func glueConfig(cloudwatch, bookmarks string) map[string]any {
	return map[string]any{"name": "secure", "encryptionConfiguration": map[string]any{
		"cloudwatchEncryption":   map[string]any{"cloudwatchEncryptionMode": cloudwatch},
		"jobBookmarksEncryption": map[string]any{"jobBookmarksEncryptionMode": bookmarks},
		"s3Encryption":           map[string]any{"s3EncryptionMode": "SSE-S3"},
	}}
}

func TestGlueRules(t *testing.T) {
	ruleCase(t, "AwsSolutions-GL1",
		func(t *testing.T) {
			var g graph
			g.add(typeGlueSecurityConfiguration, "secure", glueConfig("SSE-KMS", "CSE-KMS"))
			job := g.add(typeGlueJob, "etl", map[string]any{"securityConfiguration": "secure"})
			crawler := g.add(typeGlueCrawler, "crawl", map[string]any{"securityConfiguration": "secure"})
			g.passes(t, "AwsSolutions-GL1", job)
			g.passes(t, "AwsSolutions-GL1", crawler)
		},
		func(t *testing.T) {
			var g graph
			g.add(typeGlueSecurityConfiguration, "secure", glueConfig("DISABLED", "CSE-KMS"))
			g.fires(t, "AwsSolutions-GL1", g.add(typeGlueJob, "etl", map[string]any{"securityConfiguration": "secure"}))
			g.fires(t, "AwsSolutions-GL1", g.add(typeGlueCrawler, "bare", nil))
			g.fires(t, "AwsSolutions-GL1", g.add(typeGlueJob, "external", map[string]any{"securityConfiguration": "made-elsewhere"}))
			g.fires(t, "AwsSolutions-GL1", g.add(typeGlueJob, "unknown", map[string]any{"securityConfiguration": unknownValue}))
		})

	ruleCase(t, "AwsSolutions-GL3",
		func(t *testing.T) {
			var g graph
			g.add(typeGlueSecurityConfiguration, "secure", glueConfig("SSE-KMS", "CSE-KMS"))
			g.passes(t, "AwsSolutions-GL3", g.add(typeGlueJob, "etl", map[string]any{"securityConfiguration": "secure"}))
		},
		func(t *testing.T) {
			var g graph
			g.add(typeGlueSecurityConfiguration, "secure", glueConfig("SSE-KMS", "DISABLED"))
			g.fires(t, "AwsSolutions-GL3", g.add(typeGlueJob, "etl", map[string]any{"securityConfiguration": "secure"}))
			g.fires(t, "AwsSolutions-GL3", g.add(typeGlueJob, "bare", nil))
		})
}
