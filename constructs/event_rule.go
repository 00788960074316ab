package constructs

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// EventRuleArgs configure an EventRule.
type EventRuleArgs struct {
	// EventPattern is the EventBridge event pattern (JSON) the rule matches
	// on the default bus, e.g. CloudTrail's record of an
	// AuthorizeSecurityGroupIngress call. It may hold outputs such as a
	// bucket's name; a pattern known at synth time is checked here: a JSON
	// object whose fields are non-empty arrays or objects, and a pattern on
	// "AWS API Call via CloudTrail" names its source. Required.
	EventPattern pulumi.StringInput
	// Function is invoked, through its alias, with each matching event. Set
	// exactly one of Function and StateMachineArn. Default: none.
	Function *Function
	// StateMachineArn is a Step Functions state machine started with each
	// matching event, by a role EventBridge assumes that may start exactly
	// this state machine. Set exactly one of Function and StateMachineArn.
	// Default: none.
	StateMachineArn pulumi.StringInput
	// Description is shown in the EventBridge console, at most 512
	// characters. Default: none.
	Description string
	// Enabled is the rule's kill switch: false sets the rule DISABLED, so
	// no event reaches the target, and changes nothing else. Default: true.
	Enabled *bool
	// MaximumRetryAttempts bounds EventBridge's retries of an event it could
	// not deliver, 0–185. Default: 185.
	MaximumRetryAttempts *int
	// MaximumEventAgeSeconds is how long EventBridge retries an event before
	// sending it to the dead-letter queue, 60–86400. Default: 3600.
	MaximumEventAgeSeconds int
}

// EventRule is an EventBridge rule on the default bus that invokes a
// function's alias or starts a state machine with every event matching its
// pattern: how an automation reacts to what happens in the account (a
// security group opened, an object uploaded). Events EventBridge cannot
// deliver after its retries go to an encrypted, TLS-only dead-letter queue
// kept 14 days.
type EventRule struct {
	pulumi.ResourceState

	// Rule is the event-pattern rule, an escape hatch.
	Rule *cloudwatch.EventRule
	// Target is the rule's one target.
	Target *cloudwatch.EventTarget
	// DeadLetterQueue receives the events the target could not take.
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

// cloudTrailAPICall is the detail-type of the events CloudTrail delivers
// for API calls
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html).
const cloudTrailAPICall = "AWS API Call via CloudTrail"

func (a EventRuleArgs) withDefaults() EventRuleArgs {
	a.Enabled = orDefaultPtr(a.Enabled, true)
	a.MaximumRetryAttempts = orDefaultPtr(a.MaximumRetryAttempts, DefaultEventRuleRetryAttempts)
	a.MaximumEventAgeSeconds = orDefault(a.MaximumEventAgeSeconds, DefaultEventRuleEventAgeSeconds)
	return a
}

func (a EventRuleArgs) validate(name string) *multierror.Error {
	return a.targetArgs(name).validate(name, func() []error {
		if a.EventPattern == nil {
			return []error{fmt.Errorf(`EventPattern: not set; give the JSON event pattern the rule matches, e.g. {"source": ["aws.ec2"], "detail-type": [%q]}`, cloudTrailAPICall)}
		}
		if p, known := a.EventPattern.(pulumi.String); known {
			return eventPatternProblems(string(p))
		}
		return nil
	})
}

// targetArgs are the args EventRule shares with Schedule (defaults
// applied).
func (a EventRuleArgs) targetArgs(name string) ruleTargetArgs {
	return ruleTargetArgs{
		kind: "an EventRule", function: a.Function, stateMachineArn: a.StateMachineArn, description: a.Description,
		enabled: *a.Enabled, retryAttempts: *a.MaximumRetryAttempts, eventAgeSeconds: a.MaximumEventAgeSeconds,
		roleDescription: fmt.Sprintf("Lets EventBridge rule %s start its state machine.", name),
		startSid:        "StartMatchedExecution",
	}
}

// eventPatternProblems checks a pattern known at synth time: the shape
// EventBridge accepts ("the value to match is in a JSON array",
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html),
// and that a pattern on CloudTrail's API calls names the service whose
// calls it wants. Without a source it matches every API call of every
// service in the account: AWS accepts that, but an automation meant for
// one service then runs (and is billed) for all of them, so kumo asks for
// the source AWS's own examples always give
// (e.g. https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-lambda.html).
func eventPatternProblems(pattern string) []error {
	var doc any
	if err := json.Unmarshal([]byte(pattern), &doc); err != nil {
		return []error{fmt.Errorf("EventPattern: %q is not JSON (%v); write a JSON object such as {\"source\": [\"aws.ec2\"]}", pattern, err)}
	}
	obj, ok := doc.(map[string]any)
	if !ok || len(obj) == 0 {
		return []error{fmt.Errorf("EventPattern: %q is not a non-empty JSON object; write the fields to match, e.g. {\"source\": [\"aws.ec2\"]}", pattern)}
	}
	var errs []error
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys) // one order of messages, run after run
			for _, k := range keys {
				walk(path+"."+k, v[k])
			}
		case []any:
			if len(v) == 0 {
				errs = append(errs, fmt.Errorf("EventPattern%s: an empty array matches nothing and EventBridge refuses it; list at least one value", path))
			}
		default:
			errs = append(errs, fmt.Errorf("EventPattern%s: %v is not an array; EventBridge matches values listed in an array, e.g. [%q]", path, v, fmt.Sprint(v)))
		}
	}
	walk("", obj)
	if types, _ := obj["detail-type"].([]any); slices.Contains(types, any(cloudTrailAPICall)) {
		if src, _ := obj["source"].([]any); len(src) == 0 {
			errs = append(errs, fmt.Errorf("EventPattern: matches %q without a source, so every API call of every service would run the target; name the service, e.g. \"source\": [\"aws.ec2\"]", cloudTrailAPICall))
		}
	}
	return errs
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a EventRuleArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("event rule %q", name), a.withDefaults().validate(name))
}

// NewEventRule registers an event-pattern rule on the default bus, its
// target (the function's alias or the state machine), the permission or
// role the target needs, and the target's dead-letter queue.
func NewEventRule(ctx *pulumi.Context, name string, args *EventRuleArgs, opts ...pulumi.ResourceOption) (*EventRule, error) {
	if args == nil {
		args = &EventRuleArgs{}
	}
	a := args.withDefaults()
	if err := invalid(fmt.Sprintf("event rule %q", name), a.validate(name)); err != nil {
		return nil, err
	}
	e := &EventRule{}
	if err := ctx.RegisterComponentResource("kumo:constructs:EventRule", name, e, opts...); err != nil {
		return nil, err
	}
	parts, err := newRuleTarget(ctx, name, &cloudwatch.EventRuleArgs{EventPattern: a.EventPattern}, a.targetArgs(name), pulumi.Parent(e))
	if err != nil {
		return nil, err
	}
	e.Rule, e.Target, e.DeadLetterQueue, e.Permission, e.Role = parts.rule, parts.target, parts.queue, parts.permission, parts.role
	e.RuleName, e.RuleArn = e.Rule.Name, e.Rule.Arn
	e.DeadLetterQueueName, e.DeadLetterQueueArn = e.DeadLetterQueue.Name, e.DeadLetterQueue.Arn
	if err := ctx.RegisterResourceOutputs(e, pulumi.Map{
		"ruleName":           e.RuleName,
		"ruleArn":            e.RuleArn,
		"deadLetterQueueArn": e.DeadLetterQueueArn,
	}); err != nil {
		return nil, err
	}
	return e, nil
}

// ruleTargetArgs is what Schedule and EventRule have in common: one target
// (a function's alias or a state machine), its retries and the rule's kill
// switch. Only what the rule matches (a schedule or a pattern) differs.
type ruleTargetArgs struct {
	// kind names the construct in messages ("a Schedule", "an EventRule").
	kind            string
	function        *Function
	stateMachineArn pulumi.StringInput
	// topic is an EventAlert's target, which validates its own args.
	topic           *Topic
	input           string
	description     string
	enabled         bool
	retryAttempts   int
	eventAgeSeconds int
	// roleDescription and startSid describe the role a state machine
	// target is started with.
	roleDescription string
	startSid        string
}

// validate reports every problem of the shared args and those match
// returns for what the rule matches (the expression or the pattern), in
// the order of the args' fields.
func (a ruleTargetArgs) validate(name string, match func() []error) *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if !scheduleName.MatchString(name) {
		add("name: %q must be 1–56 letters, digits, '.', '-' or '_' (EventBridge's rule and target names, with the 8 characters the provider appends)", name)
	}
	for _, err := range match() {
		errs = multierror.Append(errs, err)
	}
	switch {
	case a.function == nil && a.stateMachineArn == nil:
		add("Function, StateMachineArn: neither is set; set exactly one target")
	case a.function != nil && a.stateMachineArn != nil:
		add("Function, StateMachineArn: both are set; set exactly one target (make %s per target)", a.kind)
	}
	if a.input != "" {
		if !json.Valid([]byte(a.input)) {
			add("Input: %q is not JSON; set constant JSON such as {\"task\": \"compact\"}", a.input)
		} else if n := len([]rune(a.input)); n > maxScheduleInput {
			add("Input: %d characters; EventBridge allows at most %d", n, maxScheduleInput)
		}
	}
	if n := len([]rune(a.description)); n > maxScheduleDescription {
		add("Description: %d characters; EventBridge allows at most %d", n, maxScheduleDescription)
	}
	if n := a.retryAttempts; n < 0 || n > maxScheduleRetryAttempts {
		add("MaximumRetryAttempts: %d is outside 0–%d", n, maxScheduleRetryAttempts)
	}
	if n := a.eventAgeSeconds; n < minScheduleEventAge || n > maxScheduleEventAge {
		add("MaximumEventAgeSeconds: %d is outside %d–%d", n, minScheduleEventAge, maxScheduleEventAge)
	}
	return errs
}

// ruleTarget is what newRuleTarget registers.
type ruleTarget struct {
	rule       *cloudwatch.EventRule
	target     *cloudwatch.EventTarget
	queue      *sqs.Queue
	permission *lambda.Permission
	role       *iam.Role
}

// newRuleTarget registers a rule (ruleArgs says what it matches; state and
// description are set here), its dead-letter queue, the permission or role
// its target needs, and the target, which waits for all of them so the
// first event lands neither in the queue nor nowhere.
func newRuleTarget(ctx *pulumi.Context, name string, ruleArgs *cloudwatch.EventRuleArgs, a ruleTargetArgs, parent pulumi.ResourceOption) (*ruleTarget, error) {
	state := "ENABLED"
	if !a.enabled {
		state = "DISABLED"
	}
	ruleArgs.State = pulumi.String(state)
	if a.description != "" {
		ruleArgs.Description = pulumi.String(a.description)
	}
	out := &ruleTarget{}
	var err error
	if out.rule, err = cloudwatch.NewEventRule(ctx, name, ruleArgs, parent); err != nil {
		return nil, err
	}
	dlqPolicy, err := ruleDeadLetterQueue(ctx, name, out.rule.Arn, &out.queue, parent)
	if err != nil {
		return nil, err
	}
	targetArgs := &cloudwatch.EventTargetArgs{
		Rule: out.rule.Name,
		RetryPolicy: &cloudwatch.EventTargetRetryPolicyArgs{
			MaximumRetryAttempts:     pulumi.Int(a.retryAttempts),
			MaximumEventAgeInSeconds: pulumi.Int(a.eventAgeSeconds),
		},
		DeadLetterConfig: &cloudwatch.EventTargetDeadLetterConfigArgs{Arn: out.queue.Arn},
	}
	if a.input != "" {
		targetArgs.Input = pulumi.String(a.input)
	}
	deps := []pulumi.Resource{dlqPolicy}
	switch {
	case a.topic != nil:
		// The topic's policy lets EventBridge publish.
		targetArgs.Arn = a.topic.Arn
		deps = append(deps, a.topic.Policy)
	case a.function != nil:
		// The alias, never the bare function: canaries see every event.
		targetArgs.Arn = a.function.AliasArn
		if out.permission, err = a.function.allowInvoke(name, PrincipalEvents, out.rule.Arn, parent); err != nil {
			return nil, err
		}
		deps = append(deps, out.permission)
	default:
		targetArgs.Arn = a.stateMachineArn
		if out.role, err = iam.NewRole(ctx, name, &iam.RoleArgs{
			Description:      pulumi.String(a.roleDescription),
			AssumeRolePolicy: assumeRolePolicy(PrincipalEvents),
		}, parent); err != nil {
			return nil, err
		}
		start, err := iam.NewRolePolicy(ctx, name+"-start-execution", &iam.RolePolicyArgs{
			Role: out.role.ID(),
			Policy: policyJSON(Statement{
				Sid:       a.startSid,
				Actions:   []string{"states:StartExecution"},
				Resources: []pulumi.StringInput{a.stateMachineArn},
			}),
		}, parent)
		if err != nil {
			return nil, err
		}
		targetArgs.RoleArn = out.role.Arn
		deps = append(deps, start)
	}
	if out.target, err = cloudwatch.NewEventTarget(ctx, name, targetArgs, parent, pulumi.DependsOn(deps)); err != nil {
		return nil, err
	}
	return out, nil
}
