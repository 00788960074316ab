package constructs

import (
	"fmt"
	"regexp"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/schedexpr"
)

// ScheduleArgs configure a Schedule.
type ScheduleArgs struct {
	// Expression says when the schedule fires, in UTC: "rate(5 minutes)",
	// "rate(1 hour)" (singular for 1, plural above) or a six-field
	// "cron(0 2 * * ? *)" with ? in exactly one of day-of-month and
	// day-of-week. Required.
	Expression string
	// Function is invoked, through its alias, at every tick. Set exactly
	// one of Function and StateMachineArn. Default: none.
	Function *Function
	// StateMachineArn is a Step Functions state machine started at every
	// tick, by a role EventBridge assumes that may start exactly this
	// state machine. Set exactly one of Function and StateMachineArn.
	// Default: none.
	StateMachineArn pulumi.StringInput
	// Input is constant JSON sent instead of EventBridge's scheduled event,
	// at most 8192 characters. Default: none (the scheduled event).
	Input string
	// Description is shown in the EventBridge console, at most 512
	// characters. Default: none.
	Description string
	// Enabled is the schedule's kill switch: false sets the rule DISABLED,
	// so no tick fires, and changes nothing else. Default: true.
	Enabled *bool
	// MaximumRetryAttempts bounds EventBridge's retries of a tick it could
	// not deliver, 0–185. Default: 185.
	MaximumRetryAttempts *int
	// MaximumEventAgeSeconds is how long EventBridge retries a tick before
	// sending it to the dead-letter queue, 60–86400. Default: 3600.
	MaximumEventAgeSeconds int
}

// Schedule is an EventBridge rule that invokes a function's alias or starts
// a state machine on a schedule. Ticks EventBridge cannot deliver after its
// retries go to an encrypted, TLS-only dead-letter queue kept 14 days.
type Schedule struct {
	pulumi.ResourceState

	// Rule is the scheduled rule, an escape hatch.
	Rule *cloudwatch.EventRule
	// Target is the rule's one target.
	Target *cloudwatch.EventTarget
	// DeadLetterQueue receives the ticks the target could not take.
	DeadLetterQueue *sqs.Queue
	// Permission lets EventBridge invoke the function's alias from this
	// rule; nil for a state machine target.
	Permission *lambda.Permission
	// Role is what EventBridge starts the state machine with; nil for a
	// function target.
	Role *iam.Role

	// RuleName and RuleArn name the rule.
	RuleName pulumi.StringOutput
	RuleArn  pulumi.StringOutput
	// DeadLetterQueueName and DeadLetterQueueArn name the dead-letter
	// queue, e.g. for an alarm on its depth.
	DeadLetterQueueName pulumi.StringOutput
	DeadLetterQueueArn  pulumi.StringOutput
}

// scheduleName: the rule and the target ID are autonamed from the name plus
// "-" and 7 characters, and EventBridge allows 1–64 letters, digits, '.',
// '-' and '_' for both (PutRule Name, Target Id).
var scheduleName = regexp.MustCompile(`^[.\-_A-Za-z0-9]{1,56}$`)

// EventBridge's limits (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html,
// API_RetryPolicy.html, API_PutRule.html).
const (
	maxScheduleInput         = 8192
	maxScheduleDescription   = 512
	maxScheduleRetryAttempts = 185
	minScheduleEventAge      = 60
	maxScheduleEventAge      = 86400
)

func (a ScheduleArgs) withDefaults() ScheduleArgs {
	a.Enabled = orDefaultPtr(a.Enabled, true)
	a.MaximumRetryAttempts = orDefaultPtr(a.MaximumRetryAttempts, DefaultScheduleRetryAttempts)
	a.MaximumEventAgeSeconds = orDefault(a.MaximumEventAgeSeconds, DefaultScheduleEventAgeSeconds)
	return a
}

func (a ScheduleArgs) validate(name string) *multierror.Error {
	return a.targetArgs(name).validate(name, func() []error {
		if a.Expression == "" {
			return []error{fmt.Errorf("Expression: empty; set when the schedule fires, e.g. rate(5 minutes) or cron(0 2 * * ? *)")}
		}
		if err := schedexpr.Check(a.Expression); err != nil {
			return []error{fmt.Errorf("Expression: %w", err)}
		}
		return nil
	})
}

// targetArgs are the args Schedule shares with EventRule (defaults
// applied).
func (a ScheduleArgs) targetArgs(name string) ruleTargetArgs {
	return ruleTargetArgs{
		kind: "a Schedule", function: a.Function, stateMachineArn: a.StateMachineArn, input: a.Input,
		description: a.Description, enabled: *a.Enabled,
		retryAttempts: *a.MaximumRetryAttempts, eventAgeSeconds: a.MaximumEventAgeSeconds,
		roleDescription: fmt.Sprintf("Lets EventBridge schedule %s start its state machine.", name),
		startSid:        "StartScheduledExecution",
	}
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a ScheduleArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("schedule %q", name), a.withDefaults().validate(name))
}

// NewSchedule registers a scheduled EventBridge rule, its target (the
// function's alias or the state machine), the permission or role the
// target needs, and the target's dead-letter queue.
func NewSchedule(ctx *pulumi.Context, name string, args *ScheduleArgs, opts ...pulumi.ResourceOption) (*Schedule, error) {
	if args == nil {
		args = &ScheduleArgs{}
	}
	a := args.withDefaults()
	if err := invalid(fmt.Sprintf("schedule %q", name), a.validate(name)); err != nil {
		return nil, err
	}
	s := &Schedule{}
	if err := ctx.RegisterComponentResource("kumo:constructs:Schedule", name, s, opts...); err != nil {
		return nil, err
	}
	parts, err := newRuleTarget(ctx, name, &cloudwatch.EventRuleArgs{ScheduleExpression: pulumi.String(a.Expression)},
		a.targetArgs(name), pulumi.Parent(s))
	if err != nil {
		return nil, err
	}
	s.Rule, s.Target, s.DeadLetterQueue, s.Permission, s.Role = parts.rule, parts.target, parts.queue, parts.permission, parts.role
	s.RuleName, s.RuleArn = s.Rule.Name, s.Rule.Arn
	s.DeadLetterQueueName, s.DeadLetterQueueArn = s.DeadLetterQueue.Name, s.DeadLetterQueue.Arn
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{
		"ruleName":           s.RuleName,
		"ruleArn":            s.RuleArn,
		"deadLetterQueueArn": s.DeadLetterQueueArn,
	}); err != nil {
		return nil, err
	}
	return s, nil
}

// ruleDeadLetterQueue registers the dead-letter queue of one EventBridge
// rule's target: encrypted, kept 14 days, and a policy that is TLS-only and
// lets EventBridge send this rule's undeliverable events
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
// The target must wait for the returned policy.
func ruleDeadLetterQueue(ctx *pulumi.Context, name string, ruleArn pulumi.StringInput, queue **sqs.Queue, parent pulumi.ResourceOption) (*sqs.QueuePolicy, error) {
	q, err := sqs.NewQueue(ctx, name+"-dlq", &sqs.QueueArgs{
		SqsManagedSseEnabled:    pulumi.Bool(true),
		MessageRetentionSeconds: pulumi.Int(DefaultDeadLetterRetentionSeconds),
	}, parent)
	if err != nil {
		return nil, err
	}
	*queue = q
	return sqs.NewQueuePolicy(ctx, name+"-dlq", &sqs.QueuePolicyArgs{
		QueueUrl: q.Url,
		Policy: policyJSON(tlsOnlyStatement("sqs", q.Arn), Statement{
			Sid:        "AllowRuleDeadLetters",
			Principal:  map[string][]string{"Service": {PrincipalEvents}},
			Actions:    []string{"sqs:SendMessage"},
			Resources:  []pulumi.StringInput{q.Arn},
			Conditions: []Condition{{Test: "ArnEquals", Variable: "aws:SourceArn", Values: []pulumi.StringInput{ruleArn}}},
		}),
	}, parent)
}
