package check

import (
	"testing"
)

func TestLogsRules(t *testing.T) {
	ruleCase(t, "Serverless-CloudWatchLogGroupRetentionPeriod",
		func(t *testing.T) {
			var g graph
			g.passes(t, "Serverless-CloudWatchLogGroupRetentionPeriod", g.add(typeLogsLogGroup, "fn", map[string]any{"namePrefix": "/aws/lambda/fn-", "retentionInDays": int64(30)}))
			g.passes(t, "Serverless-CloudWatchLogGroupRetentionPeriod", g.add(typeLogsLogGroup, "later", map[string]any{"retentionInDays": "[unknown]"}))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "Serverless-CloudWatchLogGroupRetentionPeriod", g.add(typeLogsLogGroup, "unset", map[string]any{"name": "/aws/lambda/fn"}))
			// pulumi-aws takes 0 as "never expire".
			g.fires(t, "Serverless-CloudWatchLogGroupRetentionPeriod", g.add(typeLogsLogGroup, "never", map[string]any{"retentionInDays": int64(0)}))
		})
}
