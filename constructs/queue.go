package constructs

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PrincipalSNS is the service that delivers a topic's messages: to the
// queues whose policy lets it, under keys that list it.
const PrincipalSNS = "sns.amazonaws.com"

// QueueArgs configure a Queue.
type QueueArgs struct {
	// VisibilityTimeoutSeconds is how long a received message stays hidden
	// from other consumers, 0–43200. A queue a function consumes needs at
	// least six times the function's TimeoutSeconds (ConsumeWith checks
	// it). Default: 60, six times the default function timeout.
	VisibilityTimeoutSeconds int
	// RetentionSeconds is how long the queue keeps a message nobody
	// deleted, 60–1209600 (14 days). Default: 345600 (4 days).
	RetentionSeconds int
	// FIFO makes a first-in-first-out queue: ordered within a message
	// group, each message delivered once. A standard queue orders on a
	// best-effort basis and may deliver a message twice. SNS topics cannot
	// deliver to a FIFO queue (kumo's Topics are standard), and a FIFO
	// queue's consumer takes at most 10 messages a batch and no batching
	// window. Default: false.
	FIFO bool
	// ContentBasedDeduplication lets a FIFO queue deduplicate messages by a
	// SHA-256 of their body, so producers need no deduplication ID. FIFO
	// only. Default: false.
	ContentBasedDeduplication bool
	// KMSKey encrypts the messages (and the dead-letter queue's) with a
	// customer managed key. With SourceTopics it must let
	// "sns.amazonaws.com" use it (list it in the key's ServicePrincipals),
	// or SNS cannot deliver. Default: nil, SQS managed encryption (SSE-SQS),
	// which needs no key policy.
	KMSKey *Key
	// MaxReceiveCount is how often a message may be received without being
	// deleted before SQS moves it to the dead-letter queue, 1–1000.
	// Default: 5.
	MaxReceiveCount int
	// DisableDeadLetterQueue makes a queue without a dead-letter queue, for
	// a queue that is itself one. kumo check then reports
	// AwsSolutions-SQS3 and Serverless-SQSRedrivePolicy unless another
	// resource of the stack uses the queue as its dead-letter target.
	// Default: false, a dead-letter queue keeping messages 14 days.
	DisableDeadLetterQueue bool
	// SourceTopics are the topics that may send to the queue, each only for
	// itself (aws:SourceArn), in the queue's one policy next to its
	// TLS-only statement; subscribe the queue with Topic.SubscribeQueue.
	// Default: none.
	SourceTopics []*Topic
}

// Queue is an encrypted, TLS-only SQS queue with a dead-letter queue for
// the messages its consumers keep failing on.
type Queue struct {
	pulumi.ResourceState

	name string
	args QueueArgs
	ctx  *pulumi.Context

	// Queue is the underlying queue, an escape hatch.
	Queue *sqs.Queue
	// Policy is the queue's one access policy: TLS only, and the
	// SourceTopics' sends.
	Policy *sqs.QueuePolicy
	// Key encrypts the queue: KMSKey, or nil for SSE-SQS.
	Key *Key
	// DeadLetterQueue receives the messages received MaxReceiveCount times
	// without being deleted; its policy, DeadLetterQueuePolicy, is TLS
	// only. Both nil with DisableDeadLetterQueue.
	DeadLetterQueue       *sqs.Queue
	DeadLetterQueuePolicy *sqs.QueuePolicy
	// Arn, Url and Name are the queue's.
	Arn  pulumi.StringOutput
	Url  pulumi.StringOutput
	Name pulumi.StringOutput
	// DeadLetterQueueArn and DeadLetterQueueName name the dead-letter
	// queue, e.g. for an alarm on its depth; unset with
	// DisableDeadLetterQueue.
	DeadLetterQueueArn  pulumi.StringOutput
	DeadLetterQueueName pulumi.StringOutput
}

// queueLogicalName: a queue's physical name is <name>-<7 random> (the
// dead-letter queue's <name>-dlq-<7 random>), plus ".fifo" for a FIFO
// queue, within SQS's 80 characters of letters, digits, '-' and '_'.
var queueLogicalName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// SQS's limits (CreateQueue,
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html),
// and the console's for maxReceiveCount
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html).
const (
	maxQueueName                = 80
	maxVisibilityTimeoutSeconds = 43200
	minQueueRetentionSeconds    = 60
	maxQueueRetentionSeconds    = 1209600
	maxMaxReceiveCount          = 1000
)

// maxQueueLogicalName is the longest name whose queues still autoname
// within 80 characters.
func (a QueueArgs) maxQueueLogicalName() int {
	n := maxQueueName - len("-") - autonameRandom
	if !a.DisableDeadLetterQueue {
		n -= len("-dlq")
	}
	if a.FIFO {
		n -= len(".fifo")
	}
	return n
}

// autonameRandom is the length of the random part the provider appends to
// an autonamed resource.
const autonameRandom = 7

func (a QueueArgs) withDefaults() QueueArgs {
	a.VisibilityTimeoutSeconds = orDefault(a.VisibilityTimeoutSeconds, DefaultQueueVisibilityTimeoutSeconds)
	a.RetentionSeconds = orDefault(a.RetentionSeconds, DefaultQueueRetentionSeconds)
	a.MaxReceiveCount = orDefault(a.MaxReceiveCount, DefaultQueueMaxReceiveCount)
	a.SourceTopics = slices.Clone(a.SourceTopics)
	return a
}

// validate reports every problem (defaults applied).
func (a QueueArgs) validate(name string) *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if max := a.maxQueueLogicalName(); !queueLogicalName.MatchString(name) || len(name) > max {
		add("name: %q must be 1–%d letters, digits, '-' or '_' (the queues are named %s, at most %d characters)", name, max, a.physicalPattern(), maxQueueName)
	}
	if v := a.VisibilityTimeoutSeconds; v < 0 || v > maxVisibilityTimeoutSeconds {
		add("VisibilityTimeoutSeconds: %d is outside 0–%d", v, maxVisibilityTimeoutSeconds)
	}
	if r := a.RetentionSeconds; r < minQueueRetentionSeconds || r > maxQueueRetentionSeconds {
		add("RetentionSeconds: %d is outside %d–%d (14 days)", r, minQueueRetentionSeconds, maxQueueRetentionSeconds)
	}
	if a.ContentBasedDeduplication && !a.FIFO {
		add("ContentBasedDeduplication: set on a standard queue; SQS deduplicates only FIFO queues, so set FIFO too or drop it")
	}
	switch n := a.MaxReceiveCount; {
	case a.DisableDeadLetterQueue && n != DefaultQueueMaxReceiveCount:
		add("MaxReceiveCount: %d without a dead-letter queue (DisableDeadLetterQueue); it is the receives before a message moves there", n)
	case n < 1 || n > maxMaxReceiveCount:
		add("MaxReceiveCount: %d is outside 1–%d", n, maxMaxReceiveCount)
	}
	if a.FIFO && len(a.SourceTopics) > 0 {
		add("SourceTopics: a FIFO queue cannot subscribe to a standard SNS topic (SNS refuses it, and kumo's Topics are standard); make the queue standard")
	}
	for i, t := range a.SourceTopics {
		switch {
		case t == nil:
			add("SourceTopics[%d]: nil; pass the *Topic that sends to the queue", i)
		case slices.Index(a.SourceTopics, t) < i:
			add("SourceTopics[%d]: topic %q is listed twice", i, t.name)
		}
	}
	if a.KMSKey != nil && len(a.SourceTopics) > 0 && !a.KMSKey.allows(PrincipalSNS) {
		add("KMSKey: key %q does not let %s use it, so the SourceTopics could not deliver to the queue; add %q to the key's ServicePrincipals, or leave KMSKey nil for SQS managed encryption", a.KMSKey.name, PrincipalSNS, PrincipalSNS)
	}
	return errs
}

// physicalPattern describes the queues' physical names for a message.
func (a QueueArgs) physicalPattern() string {
	fifo := ""
	if a.FIFO {
		fifo = ".fifo"
	}
	if a.DisableDeadLetterQueue {
		return "<name>-<7 random>" + fifo
	}
	return "<name>-<7 random>" + fifo + " and <name>-dlq-<7 random>" + fifo
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a QueueArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("queue %q", name), a.withDefaults().validate(name))
}

// NewQueue registers an encrypted, TLS-only queue, its dead-letter queue
// unless disabled, and their policies.
func NewQueue(ctx *pulumi.Context, name string, args *QueueArgs, opts ...pulumi.ResourceOption) (*Queue, error) {
	if args == nil {
		args = &QueueArgs{}
	}
	a := args.withDefaults()
	if err := invalid(fmt.Sprintf("queue %q", name), a.validate(name)); err != nil {
		return nil, err
	}
	q := &Queue{name: name, args: a, ctx: ctx, Key: a.KMSKey}
	if err := ctx.RegisterComponentResource("kumo:constructs:Queue", name, q, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(q)
	encrypt := func(qa *sqs.QueueArgs) *sqs.QueueArgs {
		if q.Key != nil {
			qa.KmsMasterKeyId = q.Key.Arn
		} else {
			qa.SqsManagedSseEnabled = pulumi.Bool(true)
		}
		if a.FIFO {
			qa.FifoQueue = pulumi.Bool(true)
		}
		return qa
	}

	queueArgs := encrypt(&sqs.QueueArgs{
		VisibilityTimeoutSeconds: pulumi.Int(a.VisibilityTimeoutSeconds),
		MessageRetentionSeconds:  pulumi.Int(a.RetentionSeconds),
	})
	if a.ContentBasedDeduplication {
		queueArgs.ContentBasedDeduplication = pulumi.Bool(true)
	}
	var err error
	if !a.DisableDeadLetterQueue {
		// The dead-letter queue keeps messages the SQS maximum, longer than
		// any source queue, so a message keeps its original enqueue time
		// there without expiring at once
		// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html).
		if q.DeadLetterQueue, err = sqs.NewQueue(ctx, name+"-dlq", encrypt(&sqs.QueueArgs{
			MessageRetentionSeconds: pulumi.Int(DefaultDeadLetterRetentionSeconds),
		}), parent); err != nil {
			return nil, err
		}
		if q.DeadLetterQueuePolicy, err = sqs.NewQueuePolicy(ctx, name+"-dlq", &sqs.QueuePolicyArgs{
			QueueUrl: q.DeadLetterQueue.Url,
			Policy:   policyJSON(tlsOnlyStatement("sqs", q.DeadLetterQueue.Arn)),
		}, parent); err != nil {
			return nil, err
		}
		q.DeadLetterQueueArn, q.DeadLetterQueueName = q.DeadLetterQueue.Arn, q.DeadLetterQueue.Name
		queueArgs.RedrivePolicy = redrivePolicy(q.DeadLetterQueue.Arn, a.MaxReceiveCount)
	}
	if q.Queue, err = sqs.NewQueue(ctx, name, queueArgs, parent); err != nil {
		return nil, err
	}
	q.Arn, q.Url, q.Name = q.Queue.Arn, q.Queue.Url, q.Queue.Name

	// One policy per queue: SQS keeps a single Policy attribute, so every
	// statement the queue needs is in this one resource.
	statements := []Statement{tlsOnlyStatement("sqs", q.Arn)}
	if len(a.SourceTopics) > 0 {
		var topics []pulumi.StringInput
		for _, t := range a.SourceTopics {
			topics = append(topics, t.Arn)
		}
		statements = append(statements, Statement{
			Sid:        "TopicsSend",
			Principal:  map[string][]string{"Service": {PrincipalSNS}},
			Actions:    []string{"sqs:SendMessage"},
			Resources:  []pulumi.StringInput{q.Arn},
			Conditions: []Condition{{Test: "ArnEquals", Variable: "aws:SourceArn", Values: topics}},
		})
	}
	if q.Policy, err = sqs.NewQueuePolicy(ctx, name, &sqs.QueuePolicyArgs{
		QueueUrl: q.Url,
		Policy:   policyJSON(statements...),
	}, parent); err != nil {
		return nil, err
	}
	outputs := pulumi.Map{"arn": q.Arn, "url": q.Url, "name": q.Name}
	if q.DeadLetterQueue != nil {
		outputs["deadLetterQueueName"] = q.DeadLetterQueueName
	}
	if err := ctx.RegisterResourceOutputs(q, outputs); err != nil {
		return nil, err
	}
	return q, nil
}

// redrivePolicy renders a queue's redrive policy: maxReceiveCount must be
// a number, not a string (pulumi-aws sqs.QueueArgs RedrivePolicy).
func redrivePolicy(deadLetterArn pulumi.StringOutput, maxReceiveCount int) pulumi.StringOutput {
	return deadLetterArn.ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(struct {
			DeadLetterTargetArn string `json:"deadLetterTargetArn"`
			MaxReceiveCount     int    `json:"maxReceiveCount"`
		}{arn, maxReceiveCount})
		return string(b), err
	}).(pulumi.StringOutput)
}

// allowsTopic reports whether t may send to the queue.
func (q *Queue) allowsTopic(t *Topic) bool { return slices.Contains(q.args.SourceTopics, t) }

var (
	queueSendActions    = []string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}
	queueConsumeActions = []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
		"sqs:GetQueueUrl", "sqs:ReceiveMessage"}
)

// GrantSend lets g send messages to the queue, and use its key to do so
// (a producer of a queue under a customer managed key needs
// kms:GenerateDataKey and kms:Decrypt).
func (q *Queue) GrantSend(g Grantee) error {
	statements := []Statement{{Sid: "QueueSend", Actions: queueSendActions, Resources: []pulumi.StringInput{q.Arn}}}
	if q.Key != nil {
		statements = append(statements, Statement{Sid: "QueueKey", Actions: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resources: []pulumi.StringInput{q.Key.Arn}})
	}
	return g.addToRolePolicy("queue-"+q.name+"-send", statements...)
}

// GrantConsume lets g receive, delete and return messages of the queue,
// and decrypt them under its key: what a consumer, a Lambda event source
// mapping included, needs.
func (q *Queue) GrantConsume(g Grantee) error {
	statements := []Statement{{Sid: "QueueConsume", Actions: queueConsumeActions, Resources: []pulumi.StringInput{q.Arn}}}
	if q.Key != nil {
		statements = append(statements, Statement{Sid: "QueueKey", Actions: []string{"kms:Decrypt"}, Resources: []pulumi.StringInput{q.Key.Arn}})
	}
	return g.addToRolePolicy("queue-"+q.name+"-consume", statements...)
}

// QueueSourceArgs configure how a function consumes a queue. Lambda polls
// the queue, invokes the function's alias with batches, deletes what the
// function processed and leaves the rest to be received again, until the
// queue's MaxReceiveCount moves it to the dead-letter queue.
type QueueSourceArgs struct {
	// BatchSize is the most messages per invocation, 1–10000 (1–10 for a
	// FIFO queue); above 10 needs MaximumBatchingWindowSeconds of at least
	// 1. Default: 10.
	BatchSize int
	// MaximumBatchingWindowSeconds is how long Lambda gathers messages
	// before invoking, 0–300; a FIFO queue takes none. Default: 0 (invoke
	// as soon as messages arrive).
	MaximumBatchingWindowSeconds int
	// MaximumConcurrency caps the concurrent invocations this queue causes,
	// 2–1000, without reserving concurrency for the function. Default: 0,
	// no cap but the function's.
	MaximumConcurrency int
	// ReportBatchItemFailures lets the handler name the messages that failed
	// (BatchItemFailures in events.SQSEventResponse): only they are received
	// again. A handler that returns no response fails or succeeds the batch
	// as a whole. Default: true.
	ReportBatchItemFailures *bool
	// Enabled is the mapping's kill switch: false stops Lambda polling the
	// queue and changes nothing else. Messages wait in the queue for its
	// RetentionSeconds, so nothing is lost if it is switched back on in
	// time. Default: true.
	Enabled *bool
}

// QueueSource is a function consuming a queue through an event source
// mapping that invokes the function's alias.
type QueueSource struct {
	pulumi.ResourceState

	// Mapping is the event source mapping, an escape hatch.
	Mapping *lambda.EventSourceMapping
}

// Lambda's limits for queue mappings
// (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html;
// ScalingConfig: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-eventsourcemapping-scalingconfig.html).
const (
	maxQueueBatchSize     = 10000
	maxFIFOBatchSize      = 10
	maxUnbatchedBatchSize = 10
	minQueueConcurrency   = 2
	maxQueueConcurrency   = 1000
)

func (a QueueSourceArgs) withDefaults() QueueSourceArgs {
	a.BatchSize = orDefault(a.BatchSize, DefaultQueueBatchSize)
	a.ReportBatchItemFailures = orDefaultPtr(a.ReportBatchItemFailures, DefaultQueueReportBatchItemFailures)
	a.Enabled = orDefaultPtr(a.Enabled, true)
	return a
}

// validate reports every problem with the args for queue q (defaults
// applied).
func (a QueueSourceArgs) validate(q QueueArgs) *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	switch b := a.BatchSize; {
	case b < 1 || b > maxQueueBatchSize:
		add("BatchSize: %d is outside 1–%d", b, maxQueueBatchSize)
	case q.FIFO && b > maxFIFOBatchSize:
		add("BatchSize: %d is above %d, the most Lambda takes from a FIFO queue", b, maxFIFOBatchSize)
	case b > maxUnbatchedBatchSize && a.MaximumBatchingWindowSeconds < 1:
		add("BatchSize: %d needs MaximumBatchingWindowSeconds of at least 1 (Lambda's rule above %d messages); set one, or a BatchSize of at most %d", b, maxUnbatchedBatchSize, maxUnbatchedBatchSize)
	}
	switch w := a.MaximumBatchingWindowSeconds; {
	case w < 0 || w > maxBatchingWindowSeconds:
		add("MaximumBatchingWindowSeconds: %d is outside 0–%d", w, maxBatchingWindowSeconds)
	case q.FIFO && w != 0:
		add("MaximumBatchingWindowSeconds: %d; Lambda takes no batching window for a FIFO queue, leave it 0", w)
	}
	if c := a.MaximumConcurrency; c != 0 && (c < minQueueConcurrency || c > maxQueueConcurrency) {
		add("MaximumConcurrency: %d is outside %d–%d (0 for no cap)", c, minQueueConcurrency, maxQueueConcurrency)
	}
	return errs
}

// Validate reports every problem with the args, defaults applied, for a
// standard queue, without registering anything; ConsumeWith also checks
// them against the queue and the function.
func (a QueueSourceArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("queue source %q", name), a.withDefaults().validate(QueueArgs{}))
}

// ConsumeWith makes fn consume the queue through fn's alias: fn's role may
// receive, delete and return the queue's messages (GrantConsume), and the
// mapping is created after that grant and the alias. The queue's
// VisibilityTimeoutSeconds must be at least six times fn's TimeoutSeconds:
// Lambda refuses a mapping whose function may run longer than the
// visibility timeout, and AWS recommends six times so throttled batches can
// be retried
// (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
func (q *Queue) ConsumeWith(name string, fn *Function, args *QueueSourceArgs, opts ...pulumi.ResourceOption) (*QueueSource, error) {
	if args == nil {
		args = &QueueSourceArgs{}
	}
	a := args.withDefaults()
	errs := a.validate(q.args)
	if fn == nil {
		errs = multierror.Append(errs, fmt.Errorf("fn: not set; pass the *Function that processes the messages"))
	} else if need := QueueVisibilityTimeoutFactor * fn.TimeoutSeconds(); q.args.VisibilityTimeoutSeconds < need {
		errs = multierror.Append(errs, fmt.Errorf("VisibilityTimeoutSeconds: queue %q has %d s; a queue function %q (TimeoutSeconds %d) consumes needs at least %d s (%d × its timeout, AWS's recommendation; Lambda refuses less than 1 ×): raise the queue's VisibilityTimeoutSeconds or lower the function's TimeoutSeconds",
			q.name, q.args.VisibilityTimeoutSeconds, fn.name, fn.TimeoutSeconds(), need, QueueVisibilityTimeoutFactor))
	}
	if err := invalid(fmt.Sprintf("queue source %q", name), errs); err != nil {
		return nil, err
	}

	ctx := fn.ctx
	qs := &QueueSource{}
	if err := ctx.RegisterComponentResource("kumo:constructs:QueueSource", name, qs, opts...); err != nil {
		return nil, err
	}
	if err := q.GrantConsume(fn); err != nil {
		return nil, err
	}
	mArgs := &lambda.EventSourceMappingArgs{
		EventSourceArn: q.Arn,
		// The alias, never the bare function: canaries see every batch.
		FunctionName:                   fn.AliasArn,
		BatchSize:                      pulumi.Int(a.BatchSize),
		MaximumBatchingWindowInSeconds: pulumi.Int(a.MaximumBatchingWindowSeconds),
		Enabled:                        pulumi.Bool(*a.Enabled),
	}
	if *a.ReportBatchItemFailures {
		mArgs.FunctionResponseTypes = pulumi.StringArray{pulumi.String("ReportBatchItemFailures")}
	}
	if a.MaximumConcurrency != 0 {
		mArgs.ScalingConfig = &lambda.EventSourceMappingScalingConfigArgs{MaximumConcurrency: pulumi.Int(a.MaximumConcurrency)}
	}
	// CreateEventSourceMapping checks that the role may receive and delete
	// the queue's messages, and that the alias exists: both first.
	deps := append(fn.policies(), fn.Release)
	var err error
	if qs.Mapping, err = lambda.NewEventSourceMapping(ctx, name, mArgs, pulumi.Parent(qs), pulumi.DependsOn(deps)); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(qs, pulumi.Map{"mappingUuid": qs.Mapping.Uuid}); err != nil {
		return nil, err
	}
	return qs, nil
}

// queueTLSOnly attaches the TLS-only resource policy every kumo queue carries.
func queueTLSOnly(ctx *pulumi.Context, name string, q *sqs.Queue, opts ...pulumi.ResourceOption) error {
	_, err := sqs.NewQueuePolicy(ctx, name, &sqs.QueuePolicyArgs{
		QueueUrl: q.Url,
		Policy:   policyJSON(tlsOnlyStatement("sqs", q.Arn)),
	}, opts...)
	return err
}
