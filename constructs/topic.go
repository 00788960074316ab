package constructs

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TopicArgs configure a Topic.
type TopicArgs struct {
	// DisplayName is the sender name of e-mail and SMS notifications, at
	// most 100 characters. Default: none.
	DisplayName string
	// KMSKey encrypts the topic's messages. It must let each of
	// Publishers use it (list them in its ServicePrincipals): a topic under
	// the AWS managed key alias/aws/sns cannot receive CloudWatch alarms,
	// EventBridge events or S3 notifications, since that key's policy
	// cannot be changed
	// (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
	// Default: a new Key for this topic that lets Publishers use it.
	KMSKey *Key
	// Publishers are the AWS service principals that may publish to the
	// topic, each only on behalf of this account (aws:SourceAccount).
	// Default: ["cloudwatch.amazonaws.com"], for alarms.
	Publishers []string
	// EmailSubscriptions are addresses that receive every message; each
	// must confirm the subscription from the e-mail SNS sends. Messages SNS
	// cannot deliver go to the topic's dead-letter queue. Default: none.
	EmailSubscriptions []string
}

// Topic is an SNS topic encrypted with a customer managed key, reachable
// only over TLS, that the listed AWS services may publish to.
type Topic struct {
	pulumi.ResourceState

	name string
	args TopicArgs

	// Topic is the underlying topic, an escape hatch.
	Topic *sns.Topic
	// Policy is the topic's access policy.
	Policy *sns.TopicPolicy
	// Key encrypts the topic: KMSKey, or the Key made for the topic.
	Key *Key
	// Subscriptions are the e-mail subscriptions, in EmailSubscriptions'
	// order.
	Subscriptions []*sns.TopicSubscription
	// DeadLetterQueue receives messages SNS could not deliver to a
	// subscription; nil without subscriptions.
	DeadLetterQueue *sqs.Queue
	// Arn is the topic ARN grants and alarm actions use.
	Arn pulumi.StringOutput
	// Name is the physical topic name.
	Name pulumi.StringOutput
}

// topicLogicalName: the provider autonames a topic <name>-<7 random>
// within 80 characters, of the characters a topic name allows.
var topicLogicalName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,72}$`)

// emailAddress is the shape SNS accepts for an e-mail endpoint.
var emailAddress = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// maxDisplayName is SNS's limit on a topic's display name.
const maxDisplayName = 100

func (a TopicArgs) withDefaults() TopicArgs {
	if a.Publishers == nil {
		a.Publishers = []string{DefaultTopicPublisher}
	}
	a.Publishers = slices.Clone(a.Publishers)
	a.EmailSubscriptions = slices.Clone(a.EmailSubscriptions)
	return a
}

func (a TopicArgs) validate(name string) *multierror.Error {
	var errs *multierror.Error
	if !topicLogicalName.MatchString(name) {
		errs = multierror.Append(errs, fmt.Errorf("name: %q must be 1–72 letters, digits, '-' or '_' (the topic is named <name>-<7 random>, at most 80 characters)", name))
	}
	if n := len([]rune(a.DisplayName)); n > maxDisplayName {
		errs = multierror.Append(errs, fmt.Errorf("DisplayName: %d characters; SNS allows at most %d", n, maxDisplayName))
	}
	seen := map[string]bool{}
	for i, p := range a.Publishers {
		switch {
		case !servicePrincipal.MatchString(p):
			errs = multierror.Append(errs, fmt.Errorf("Publishers[%d]: %q is not an AWS service principal; use the service's <name>.amazonaws.com, e.g. %q", i, p, DefaultTopicPublisher))
		case seen[p]:
			errs = multierror.Append(errs, fmt.Errorf("Publishers[%d]: %q is listed twice", i, p))
		case a.KMSKey != nil && !a.KMSKey.allows(p):
			errs = multierror.Append(errs, fmt.Errorf("KMSKey: key %q does not let %s use it, so its messages could not be encrypted; add %q to the key's ServicePrincipals, or leave KMSKey nil for a key of the topic's own", a.KMSKey.name, p, p))
		}
		seen[p] = true
	}
	addresses := map[string]bool{}
	for i, e := range a.EmailSubscriptions {
		switch {
		case !emailAddress.MatchString(e):
			errs = multierror.Append(errs, fmt.Errorf("EmailSubscriptions[%d]: %q is not an e-mail address", i, e))
		case addresses[e]:
			errs = multierror.Append(errs, fmt.Errorf("EmailSubscriptions[%d]: %q is listed twice", i, e))
		}
		addresses[e] = true
	}
	return errs
}

// NewTopic registers an encrypted, TLS-only topic, its key unless one is
// given, its e-mail subscriptions and their dead-letter queue.
func NewTopic(ctx *pulumi.Context, name string, args *TopicArgs, opts ...pulumi.ResourceOption) (*Topic, error) {
	if args == nil {
		args = &TopicArgs{}
	}
	a := args.withDefaults()
	if err := invalid(fmt.Sprintf("topic %q", name), a.validate(name)); err != nil {
		return nil, err
	}
	t := &Topic{name: name, args: a, Key: a.KMSKey}
	if err := ctx.RegisterComponentResource("kumo:constructs:Topic", name, t, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(t)
	var err error
	if t.Key == nil {
		if t.Key, err = NewKey(ctx, name+"-key", &KeyArgs{
			Description:       fmt.Sprintf("Key of kumo topic %s of stack %s/%s.", name, ctx.Project(), ctx.Stack()),
			ServicePrincipals: a.Publishers,
		}, parent); err != nil {
			return nil, err
		}
	}
	topicArgs := &sns.TopicArgs{
		KmsMasterKeyId: t.Key.Arn,
		// Active tracing: SNS sends X-Ray segments for sampled messages.
		TracingConfig: pulumi.String("Active"),
		// Signature version 2 signs notifications with SHA256, not SHA1.
		SignatureVersion: pulumi.Int(2),
	}
	if a.DisplayName != "" {
		topicArgs.DisplayName = pulumi.String(a.DisplayName)
	}
	if t.Topic, err = sns.NewTopic(ctx, name, topicArgs, parent); err != nil {
		return nil, err
	}
	t.Arn, t.Name = t.Topic.Arn, t.Topic.Name

	account := accountID(ctx)
	statements := []Statement{tlsOnlyStatement("sns", t.Arn)}
	for _, p := range a.Publishers {
		statements = append(statements, Statement{
			Sid:        keySid(p) + "Publishes",
			Principal:  map[string][]string{"Service": {p}},
			Actions:    []string{"sns:Publish"},
			Resources:  []pulumi.StringInput{t.Arn},
			Conditions: []Condition{{Test: "StringEquals", Variable: "aws:SourceAccount", Values: []pulumi.StringInput{account}}},
		})
	}
	if t.Policy, err = sns.NewTopicPolicy(ctx, name, &sns.TopicPolicyArgs{
		Arn:    t.Arn,
		Policy: policyJSON(statements...),
	}, parent); err != nil {
		return nil, err
	}
	if err := t.subscribe(ctx, parent); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(t, pulumi.Map{"arn": t.Arn, "name": t.Name}); err != nil {
		return nil, err
	}
	return t, nil
}

// subscribe adds the e-mail subscriptions and the dead-letter queue they
// share.
func (t *Topic) subscribe(ctx *pulumi.Context, parent pulumi.ResourceOption) error {
	if len(t.args.EmailSubscriptions) == 0 {
		return nil
	}
	var err error
	if t.DeadLetterQueue, err = sqs.NewQueue(ctx, t.name+"-dlq", &sqs.QueueArgs{
		SqsManagedSseEnabled:    pulumi.Bool(true),
		MessageRetentionSeconds: pulumi.Int(DefaultDeadLetterRetentionSeconds),
	}, parent); err != nil {
		return err
	}
	queuePolicy, err := sqs.NewQueuePolicy(ctx, t.name+"-dlq", &sqs.QueuePolicyArgs{
		QueueUrl: t.DeadLetterQueue.Url,
		Policy: policyJSON(tlsOnlyStatement("sqs", t.DeadLetterQueue.Arn), Statement{
			Sid:        "TopicSendsUndeliverable",
			Principal:  map[string][]string{"Service": {"sns.amazonaws.com"}},
			Actions:    []string{"sqs:SendMessage"},
			Resources:  []pulumi.StringInput{t.DeadLetterQueue.Arn},
			Conditions: []Condition{{Test: "ArnEquals", Variable: "aws:SourceArn", Values: []pulumi.StringInput{t.Arn}}},
		}),
	}, parent)
	if err != nil {
		return err
	}
	redrive := t.DeadLetterQueue.Arn.ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(map[string]string{"deadLetterTargetArn": arn})
		return string(b), err
	}).(pulumi.StringOutput)
	for _, e := range t.args.EmailSubscriptions {
		sub, err := sns.NewTopicSubscription(ctx, t.name+"-"+e, &sns.TopicSubscriptionArgs{
			Topic:         t.Arn,
			Protocol:      pulumi.String("email"),
			Endpoint:      pulumi.String(e),
			RedrivePolicy: redrive,
		}, parent, pulumi.DependsOn([]pulumi.Resource{queuePolicy, t.Policy}))
		if err != nil {
			return err
		}
		t.Subscriptions = append(t.Subscriptions, sub)
	}
	return nil
}

// allowsPublisher reports whether service may publish to the topic.
func (t *Topic) allowsPublisher(service string) bool {
	return slices.Contains(t.args.Publishers, service)
}

// AllowsPublisher reports whether the topic's policy and key let service
// publish to it (it is one of TopicArgs.Publishers), for constructs outside
// this package that point a service at the topic.
func (t *Topic) AllowsPublisher(service string) bool { return t.allowsPublisher(service) }

// GrantPublish lets g publish to the topic, and use its key to do so
// (publishing to an encrypted topic needs kms:GenerateDataKey and
// kms:Decrypt).
func (t *Topic) GrantPublish(g Grantee) error {
	return g.addToRolePolicy("topic-"+t.name+"-publish", Statement{
		Sid:       "TopicPublish",
		Actions:   []string{"sns:Publish"},
		Resources: []pulumi.StringInput{t.Arn},
	}, Statement{
		Sid:       "TopicKey",
		Actions:   []string{"kms:Decrypt", "kms:GenerateDataKey"},
		Resources: []pulumi.StringInput{t.Key.Arn},
	})
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a TopicArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("topic %q", name), a.withDefaults().validate(name))
}
