package constructs

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
)

// FilterPolicyScope is what a subscription's FilterPolicy matches.
type FilterPolicyScope string

// Filter policy scopes
// (https://docs.aws.amazon.com/sns/latest/api/API_SetSubscriptionAttributes.html).
const (
	// FilterMessageAttributes matches the message's attributes.
	FilterMessageAttributes FilterPolicyScope = "MessageAttributes"
	// FilterMessageBody matches the message body, which must be JSON.
	FilterMessageBody FilterPolicyScope = "MessageBody"
)

// SubscriptionArgs configure a topic subscription. SNS delivers each
// message published to the topic (that FilterPolicy matches) to the
// endpoint, retries, and sends what it still cannot deliver to the
// subscription's own dead-letter queue. SNS keeps no messages: it neither
// orders them nor replays them.
type SubscriptionArgs struct {
	// FilterPolicy is an SNS filter policy (JSON object): only the messages
	// it matches reach the endpoint, the others are dropped for this
	// subscription. At most 256 KB; matching attributes, at most 5 keys and
	// no nested objects. Default: none, every message.
	FilterPolicy string
	// FilterPolicyScope is what FilterPolicy matches: MessageAttributes or
	// MessageBody. Needs FilterPolicy. Default: MessageAttributes.
	FilterPolicyScope FilterPolicyScope
	// RawMessageDelivery hands a queue the published message itself
	// instead of SNS's JSON envelope around it (with the topic ARN,
	// message ID and attributes). SubscribeQueue only: SNS has no raw
	// delivery to Lambda. Default: true for a queue.
	RawMessageDelivery *bool
	// Enabled is the subscription's kill switch. SNS has no disabled
	// subscription, so false leaves the subscription out (Unsubscribe) and
	// keeps everything else: the dead-letter queue and its messages, the
	// function's permission, the queue's policy. Messages published while
	// it is off are not delivered to this endpoint, ever: SNS keeps none.
	// Switching back on subscribes again, confirmed at once for a queue or
	// function of the same account
	// (https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html).
	// For a pause that loses nothing, subscribe a Queue and switch off its
	// consumer (QueueSourceArgs.Enabled) instead. Default: true.
	Enabled *bool
}

// Subscription is a function or queue subscribed to a topic, with a
// dead-letter queue for the messages SNS could not deliver.
type Subscription struct {
	pulumi.ResourceState

	// Subscription is the SNS subscription, nil while Enabled is false.
	Subscription *sns.TopicSubscription
	// Permission lets SNS invoke the function's alias for this topic only;
	// nil for a queue.
	Permission *lambda.Permission
	// DeadLetterQueue keeps, for 14 days, the messages SNS could not
	// deliver after its retries; its policy, DeadLetterQueuePolicy, lets
	// the topic send to it over TLS only.
	DeadLetterQueue       *sqs.Queue
	DeadLetterQueuePolicy *sqs.QueuePolicy
	// DeadLetterQueueArn and DeadLetterQueueName name it, e.g. for an alarm
	// on its depth.
	DeadLetterQueueArn  pulumi.StringOutput
	DeadLetterQueueName pulumi.StringOutput
}

// subscriptionLogicalName: the dead-letter queue is autonamed
// <name>-dlq-<7 random> within SQS's 80 characters.
var subscriptionLogicalName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,68}$`)

// SNS's filter policy limits
// (https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html).
const (
	maxFilterPolicyBytes = 256 * 1024
	maxFilterPolicyKeys  = 5
)

func (a SubscriptionArgs) withDefaults(rawDefault bool) SubscriptionArgs {
	if a.FilterPolicy != "" && a.FilterPolicyScope == "" {
		a.FilterPolicyScope = FilterMessageAttributes
	}
	a.RawMessageDelivery = orDefaultPtr(a.RawMessageDelivery, rawDefault)
	a.Enabled = orDefaultPtr(a.Enabled, true)
	return a
}

// validate reports every problem (defaults applied); toFunction says
// whether the endpoint is a function (else a queue).
func (a SubscriptionArgs) validate(name string, toFunction bool) *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if !subscriptionLogicalName.MatchString(name) {
		add("name: %q must be 1–68 letters, digits, '-' or '_' (the dead-letter queue is named <name>-dlq-<7 random>, at most 80 characters)", name)
	}
	if s := a.FilterPolicyScope; s != "" && s != FilterMessageAttributes && s != FilterMessageBody {
		add("FilterPolicyScope: %q is not a scope; use %q or %q", s, FilterMessageAttributes, FilterMessageBody)
	}
	if a.FilterPolicy == "" && a.FilterPolicyScope != "" {
		add("FilterPolicyScope: %q without a FilterPolicy; set one, or leave the scope empty", a.FilterPolicyScope)
	}
	if a.FilterPolicy != "" {
		for _, p := range filterPolicyProblems(a.FilterPolicy, a.FilterPolicyScope) {
			add("FilterPolicy: %s", p)
		}
	}
	if toFunction && *a.RawMessageDelivery {
		add("RawMessageDelivery: true for a function; SNS delivers raw messages only to queues, HTTP/S and Firehose endpoints (https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html), so leave it unset")
	}
	return errs
}

// filterPolicyProblems says what SNS would refuse in a filter policy.
func filterPolicyProblems(doc string, scope FilterPolicyScope) []string {
	var problems []string
	if n := len(doc); n > maxFilterPolicyBytes {
		problems = append(problems, fmt.Sprintf("%d bytes; SNS allows at most %d (256 KB)", n, maxFilterPolicyBytes))
	}
	var policy map[string]any
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		return append(problems, fmt.Sprintf("%q is not a JSON object; write a filter policy such as {\"kind\": [\"image\"]}", short(doc)))
	}
	if scope == FilterMessageAttributes {
		if n := len(policy); n > maxFilterPolicyKeys {
			problems = append(problems, fmt.Sprintf("%d keys; SNS allows at most %d", n, maxFilterPolicyKeys))
		}
		for _, k := range slices.Sorted(maps.Keys(policy)) {
			if _, nested := policy[k].(map[string]any); nested {
				problems = append(problems, fmt.Sprintf("key %q holds an object; SNS takes no nested policy when matching message attributes (use FilterPolicyScope MessageBody to match a JSON body)", k))
			}
		}
	}
	return problems
}

// short cuts a value for a message.
func short(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// Validate reports every problem with the args of a function subscription
// (toFunction true) or a queue subscription, defaults applied, as
// SubscribeFunction or SubscribeQueue would, without registering anything.
func (a SubscriptionArgs) Validate(name string, toFunction bool) error {
	return invalid(fmt.Sprintf("subscription %q", name), a.withDefaults(!toFunction).validate(name, toFunction))
}

// SubscribeFunction subscribes fn's alias to the topic: a permission lets
// SNS invoke the alias for this topic only, and a dead-letter queue keeps
// what SNS could not deliver. SNS invokes functions asynchronously, so the
// function's own retries (AsyncRetryAttempts) and DeadLetterQueue cover
// failures of the function itself; the subscription's dead-letter queue
// covers deliveries SNS could not make at all
// (https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html).
func (t *Topic) SubscribeFunction(name string, fn *Function, args *SubscriptionArgs, opts ...pulumi.ResourceOption) (*Subscription, error) {
	if args == nil {
		args = &SubscriptionArgs{}
	}
	a := args.withDefaults(false)
	errs := a.validate(name, true)
	if fn == nil {
		errs = multierror.Append(errs, fmt.Errorf("fn: not set; pass the *Function the topic's messages invoke"))
	}
	if err := invalid(fmt.Sprintf("subscription %q", name), errs); err != nil {
		return nil, err
	}
	s, parent, err := t.newSubscription(fn.ctx, name, a, opts...)
	if err != nil {
		return nil, err
	}
	if s.Permission, err = fn.allowInvoke(name, PrincipalSNS, t.Arn, parent); err != nil {
		return nil, err
	}
	return s, t.subscribeEndpoint(fn.ctx, s, name, a, "lambda", fn.AliasArn, parent, s.Permission)
}

// SubscribeQueue subscribes q to the topic. The queue must list the topic
// in its SourceTopics, so its one policy lets the topic send (and, under a
// customer managed key, its key lets SNS encrypt). By default the queue
// receives the published message itself (RawMessageDelivery).
func (t *Topic) SubscribeQueue(name string, q *Queue, args *SubscriptionArgs, opts ...pulumi.ResourceOption) (*Subscription, error) {
	if args == nil {
		args = &SubscriptionArgs{}
	}
	a := args.withDefaults(DefaultRawMessageDelivery)
	errs := a.validate(name, false)
	switch {
	case q == nil:
		errs = multierror.Append(errs, fmt.Errorf("q: not set; pass the *Queue that receives the topic's messages"))
	case !q.allowsTopic(t):
		errs = multierror.Append(errs, fmt.Errorf("q: queue %q does not list topic %q in its SourceTopics, so its policy would refuse the topic's messages; add the topic to QueueArgs.SourceTopics", q.name, t.name))
	}
	if err := invalid(fmt.Sprintf("subscription %q", name), errs); err != nil {
		return nil, err
	}
	s, parent, err := t.newSubscription(q.ctx, name, a, opts...)
	if err != nil {
		return nil, err
	}
	return s, t.subscribeEndpoint(q.ctx, s, name, a, "sqs", q.Arn, parent, q.Policy)
}

// newSubscription registers the component and its dead-letter queue.
func (t *Topic) newSubscription(ctx *pulumi.Context, name string, a SubscriptionArgs, opts ...pulumi.ResourceOption) (*Subscription, pulumi.ResourceOption, error) {
	s := &Subscription{}
	if err := ctx.RegisterComponentResource("kumo:constructs:Subscription", name, s, opts...); err != nil {
		return nil, nil, err
	}
	parent := pulumi.Parent(s)
	var err error
	// Standard topics use standard dead-letter queues; SQS managed
	// encryption involves no key policy for SNS to be refused by.
	if s.DeadLetterQueue, err = sqs.NewQueue(ctx, name+"-dlq", &sqs.QueueArgs{
		SqsManagedSseEnabled:    pulumi.Bool(true),
		MessageRetentionSeconds: pulumi.Int(DefaultDeadLetterRetentionSeconds),
	}, parent); err != nil {
		return nil, nil, err
	}
	if s.DeadLetterQueuePolicy, err = sqs.NewQueuePolicy(ctx, name+"-dlq", &sqs.QueuePolicyArgs{
		QueueUrl: s.DeadLetterQueue.Url,
		Policy: policyJSON(tlsOnlyStatement("sqs", s.DeadLetterQueue.Arn), Statement{
			Sid:        "TopicSendsUndeliverable",
			Principal:  map[string][]string{"Service": {PrincipalSNS}},
			Actions:    []string{"sqs:SendMessage"},
			Resources:  []pulumi.StringInput{s.DeadLetterQueue.Arn},
			Conditions: []Condition{{Test: "ArnEquals", Variable: "aws:SourceArn", Values: []pulumi.StringInput{t.Arn}}},
		}),
	}, parent); err != nil {
		return nil, nil, err
	}
	s.DeadLetterQueueArn, s.DeadLetterQueueName = s.DeadLetterQueue.Arn, s.DeadLetterQueue.Name
	if !*a.Enabled {
		// Kept while the subscription is off, so that the messages already
		// in it survive the kill switch.
		reason := fmt.Sprintf("dead-letter queue of subscription %s, which is switched off (Enabled false); kept so the messages it holds survive until the subscription is back", name)
		if err := check.Suppress(ctx, s.DeadLetterQueue,
			check.Suppression{Rule: "AwsSolutions-SQS3", Reason: reason},
			check.Suppression{Rule: "Serverless-SQSRedrivePolicy", Reason: reason}); err != nil {
			return nil, nil, err
		}
	}
	return s, parent, nil
}

// subscribeEndpoint registers the subscription itself, after what lets the
// endpoint receive (the permission or queue policy) and the dead-letter
// queue's policy, so the first message is neither refused nor lost.
func (t *Topic) subscribeEndpoint(ctx *pulumi.Context, s *Subscription, name string, a SubscriptionArgs, protocol string, endpoint pulumi.StringInput, parent pulumi.ResourceOption, receives pulumi.Resource) error {
	if *a.Enabled {
		subArgs := &sns.TopicSubscriptionArgs{
			Topic:         t.Arn,
			Protocol:      pulumi.String(protocol),
			Endpoint:      endpoint,
			RedrivePolicy: deadLetterTarget(s.DeadLetterQueue.Arn),
		}
		if a.FilterPolicy != "" {
			subArgs.FilterPolicy = pulumi.String(a.FilterPolicy)
			subArgs.FilterPolicyScope = pulumi.String(string(a.FilterPolicyScope))
		}
		if protocol == "sqs" {
			subArgs.RawMessageDelivery = pulumi.Bool(*a.RawMessageDelivery)
		}
		var err error
		if s.Subscription, err = sns.NewTopicSubscription(ctx, name, subArgs, parent,
			pulumi.DependsOn([]pulumi.Resource{receives, s.DeadLetterQueuePolicy, t.Policy})); err != nil {
			return err
		}
	}
	outputs := pulumi.Map{"deadLetterQueueName": s.DeadLetterQueueName}
	if s.Subscription != nil {
		outputs["subscriptionArn"] = s.Subscription.Arn
	}
	return ctx.RegisterResourceOutputs(s, outputs)
}

// deadLetterTarget renders an SNS subscription's redrive policy.
func deadLetterTarget(arn pulumi.StringOutput) pulumi.StringOutput {
	return arn.ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(map[string]string{"deadLetterTargetArn": arn})
		return string(b), err
	}).(pulumi.StringOutput)
}
