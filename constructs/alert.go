package constructs

import (
	"fmt"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// EventAlertArgs configure an EventAlert.
type EventAlertArgs struct {
	// EventPattern is the EventBridge event pattern (JSON) that raises the
	// alert, e.g. a Glue crawler's "Failed" state change. It may hold
	// outputs such as a resource's name. Required.
	EventPattern pulumi.StringInput
	// Topic receives each matching event. Its Publishers must include
	// PrincipalEvents. Required.
	Topic *Topic
	// Description says what the alert means. Default: none.
	Description string
	// Enabled is the alert's kill switch: false disables the rule.
	// Default: true.
	Enabled *bool
}

// EventAlert publishes the events matching a pattern to a Topic: how a
// pattern reports failures AWS signals only as events, not metrics (a failed
// Glue crawl, for one). The target retries for an hour and keeps what it
// could not deliver in its own dead-letter queue.
type EventAlert struct {
	pulumi.ResourceState

	// Rule, Target and DeadLetterQueue are the underlying resources.
	Rule            *cloudwatch.EventRule
	Target          *cloudwatch.EventTarget
	DeadLetterQueue *sqs.Queue
	// DeadLetterQueueName is the queue's name, to alarm on its depth.
	DeadLetterQueueName pulumi.StringOutput
}

// eventAlertDescriptionMax is PutRule's Description limit
// (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html).
const eventAlertDescriptionMax = 512

func (a EventAlertArgs) validate() *multierror.Error {
	var errs *multierror.Error
	if a.EventPattern == nil {
		errs = multierror.Append(errs, fmt.Errorf("EventPattern: not set; give the JSON event pattern that raises the alert"))
	}
	switch {
	case a.Topic == nil:
		errs = multierror.Append(errs, fmt.Errorf("Topic: not set; name the topic that receives the alert"))
	case !a.Topic.allowsPublisher(PrincipalEvents):
		errs = multierror.Append(errs, fmt.Errorf("Topic: topic %q does not let %s publish, so the alert would never arrive; add it to the topic's Publishers", a.Topic.name, PrincipalEvents))
	}
	if n := len(a.Description); n > eventAlertDescriptionMax {
		errs = multierror.Append(errs, fmt.Errorf("Description: %d characters; EventBridge allows at most %d", n, eventAlertDescriptionMax))
	}
	return errs
}

// Validate reports every problem NewEventAlert would report for these
// args, without registering anything.
func (a EventAlertArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("event alert %q", name), a.validate())
}

// NewEventAlert registers an EventBridge rule on the default bus, its
// target (the topic) and the target's dead-letter queue.
func NewEventAlert(ctx *pulumi.Context, name string, args *EventAlertArgs, opts ...pulumi.ResourceOption) (*EventAlert, error) {
	if args == nil {
		args = &EventAlertArgs{}
	}
	a := *args
	if err := a.Validate(name); err != nil {
		return nil, err
	}
	e := &EventAlert{}
	if err := ctx.RegisterComponentResource("kumo:constructs:EventAlert", name, e, opts...); err != nil {
		return nil, err
	}
	on := a.Enabled == nil || *a.Enabled
	rt, err := newRuleTarget(ctx, name, &cloudwatch.EventRuleArgs{EventPattern: a.EventPattern}, ruleTargetArgs{
		topic: a.Topic, description: a.Description, enabled: on,
		retryAttempts: DefaultScheduleRetryAttempts, eventAgeSeconds: DefaultScheduleEventAgeSeconds,
	}, pulumi.Parent(e))
	if err != nil {
		return nil, err
	}
	e.Rule, e.Target, e.DeadLetterQueue = rt.rule, rt.target, rt.queue
	e.DeadLetterQueueName = e.DeadLetterQueue.Name
	if err := ctx.RegisterResourceOutputs(e, pulumi.Map{"ruleArn": e.Rule.Arn}); err != nil {
		return nil, err
	}
	return e, nil
}
