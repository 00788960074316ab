package check

import (
	"github.com/kumo-iac/kumo/internal/synth"
)

// Glue rules. A crawler or job names its security configuration by name
// (securityConfiguration); the configuration must be in this stack, as
// cdk-nag requires, so kumo can read what it encrypts.

const (
	typeGlueJob                   = "aws:glue/job:Job"
	typeGlueCrawler               = "aws:glue/crawler:Crawler"
	typeGlueSecurityConfiguration = "aws:glue/securityConfiguration:SecurityConfiguration"
)

func init() {
	register(
		// cdk-nag: src/rules/glue/GlueEncryptedCloudWatchLogs.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/glue/GlueEncryptedCloudWatchLogs.ts):
		// the crawler's or job's security configuration must be an
		// AWS::Glue::SecurityConfiguration of the stack whose
		// CloudWatchEncryptionMode is "SSE-KMS"; none, or one from outside
		// the stack, fails. The mode is read with resolveIfPrimitive, so an
		// unresolved one is a finding; so is a configuration synth cannot
		// name.
		Rule{
			ID: "AwsSolutions-GL1", Level: Warning, Types: []string{typeGlueCrawler, typeGlueJob},
			What: "The Glue crawler or job does not use a security configuration with CloudWatch Log encryption enabled.",
			Why:  "Enabling encryption at rest helps prevent unauthorized users from getting access to the logging data published to CloudWatch Logs.",
			Fix:  "Create an aws:glue/securityConfiguration:SecurityConfiguration with encryptionConfiguration.cloudwatchEncryption {cloudwatchEncryptionMode: \"SSE-KMS\", kmsKeyArn} and set the crawler's or job's securityConfiguration to its name.",
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				return glueConfigCheck(r, g, "encryptionConfiguration.cloudwatchEncryption.cloudwatchEncryptionMode", "SSE-KMS")
			},
		},
		// cdk-nag: src/rules/glue/GlueJobBookmarkEncrypted.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/glue/GlueJobBookmarkEncrypted.ts):
		// as GL1, for jobs only, with JobBookmarksEncryptionMode "CSE-KMS".
		Rule{
			ID: "AwsSolutions-GL3", Level: Warning, Types: []string{typeGlueJob},
			What: "The Glue job does not use a security configuration with job bookmark encryption enabled.",
			Why:  "Job bookmark encryption encrypts bookmark data before it is sent to Amazon S3 for storage.",
			Fix:  "Create an aws:glue/securityConfiguration:SecurityConfiguration with encryptionConfiguration.jobBookmarksEncryption {jobBookmarksEncryptionMode: \"CSE-KMS\", kmsKeyArn} and set the job's securityConfiguration to its name.",
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				return glueConfigCheck(r, g, "encryptionConfiguration.jobBookmarksEncryption.jobBookmarksEncryptionMode", "CSE-KMS")
			},
		},
	)
}

// glueConfigCheck checks that the security configuration crawler or job r
// names is in the stack and sets modePath to want.
func glueConfigCheck(r *synth.Resource, g *synth.Stack, modePath, want string) []Hit {
	v, ok := r.Value("securityConfiguration")
	switch {
	case !ok || v == "":
		return hit("securityConfiguration is not set")
	case synth.Unknown(v):
		return hit("securityConfiguration is not known until deploy, so kumo cannot read its %s", modePath)
	}
	name, _ := v.(string)
	configs := refLookup(g, typeGlueSecurityConfiguration, "name", name)
	if len(configs) == 0 {
		return hit("securityConfiguration %q names no aws:glue/securityConfiguration of this stack", name)
	}
	for _, c := range configs {
		if m, ok := c.String(modePath); ok && m == want {
			return nil
		}
	}
	return hit("security configuration %q has %s %s; want %q", name, modePath, shownInput(configs[0], modePath, "not set"), want)
}
