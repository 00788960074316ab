package check

import (
	"github.com/kumo-iac/kumo/internal/synth"
)

// CloudWatch Logs rules.

const typeLogsLogGroup = "aws:cloudwatch/logGroup:LogGroup"

// logsRetentionProblem says what is wrong with a log group's retention:
// unset, or 0, which pulumi-aws takes as "never expire" (CloudFormation has
// no 0; a missing RetentionInDays is its never-expire). Unknown values
// count as set.
func logsRetentionProblem(lg *synth.Resource) string {
	if !set(lg, "retentionInDays") {
		return "retentionInDays is not set (logs never expire)"
	}
	if n, ok := number(lg, "retentionInDays"); ok && n == 0 {
		return "retentionInDays is 0 (logs never expire)"
	}
	return ""
}

func init() {
	register(
		Rule{
			// cdk-nag src/rules/cloudwatch/CloudWatchLogGroupRetentionPeriod.ts
			ID: "Serverless-CloudWatchLogGroupRetentionPeriod", Level: Warning, Types: []string{typeLogsLogGroup},
			What: "The CloudWatch Log Group does not have an explicit retention policy defined.",
			Why:  "By default, logs are kept indefinitely and never expire. You can adjust the retention policy for each log group, keeping the indefinite retention, or choosing a retention period between one day and 10 years. For Lambda functions, this applies to their automatically created CloudWatch Log Groups.",
			Fix: "Set retentionInDays to one of CloudWatch's periods (1, 3, 5, 7, 14, 30, … 3653 days). " +
				"kumo's Function and Api create their log groups with LogRetentionDays (default 30).",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if p := logsRetentionProblem(r); p != "" {
					return hit("log group %q: %s", r.Physical("name"), p)
				}
				return nil
			},
		},
	)
}
