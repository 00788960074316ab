package patterns

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
	"github.com/kumo-iac/kumo/constructs"
)

// What every pattern builds the same way.

// NoAsyncInvocations records, for kumo check, why fn needs no dead-letter
// queue or on-failure destination: nothing invokes it asynchronously (an
// API, a stream or queue mapping, a state machine or another function waits
// for its answer), so nothing would ever reach them.
func NoAsyncInvocations(ctx *pulumi.Context, fn *constructs.Function, reason string) error {
	if err := check.Suppress(ctx, fn.Lambda, check.Suppression{Rule: "Serverless-LambdaDLQ", Reason: reason}); err != nil {
		return err
	}
	return check.Suppress(ctx, fn.EventInvokeConfig, check.Suppression{Rule: "Serverless-LambdaAsyncFailureDestination", Reason: reason})
}

// QueueDepthAlarm is the alarm on a queue that should stay empty (a
// dead-letter or on-failure queue): it fires as soon as one message waits,
// checked every 5 minutes. what names the queue in the alarm's description.
func QueueDepthAlarm(queueName pulumi.StringInput, what string) constructs.AlarmArgs {
	return constructs.AlarmArgs{
		Namespace: "AWS/SQS", MetricName: "ApproximateNumberOfMessagesVisible",
		Dimensions: map[string]pulumi.StringInput{"QueueName": queueName},
		Statistic:  constructs.StatisticMaximum, Threshold: 1, PeriodSeconds: 300,
		Description: what + " holds messages: they failed every retry; inspect and redrive them",
	}
}

// Enabled is a kill switch's *bool: on unless the pattern's Disable field
// is set.
func Enabled(on bool) *bool { return &on }
