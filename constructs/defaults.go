package constructs

import (
	"fmt"
	"slices"
	"strings"
)

// The secure defaults every construct applies, in one place so a reviewer can
// audit them at a glance. Each construct merges them in a fixed order:
// these defaults, then the caller's args, then what the construct enforces
// regardless of args (encryption, public access blocks, TLS-only policies).
const (
	// DefaultRuntime runs Go handlers compiled to a `bootstrap` binary.
	DefaultRuntime = "provided.al2023"
	// DefaultHandler is the executable name provided.al2023 expects.
	DefaultHandler = "bootstrap"
	// DefaultMemoryMB is explicit rather than Lambda's 128 MB: more memory
	// also buys proportionally more CPU, and Go handlers cold-start faster.
	DefaultMemoryMB = 256
	// DefaultTimeoutSeconds is short on purpose: a stuck invocation should
	// fail fast instead of holding concurrency.
	DefaultTimeoutSeconds = 10
	// DefaultLogRetentionDays keeps a month of logs; prod stacks raise it.
	DefaultLogRetentionDays = 30
	// DefaultAliasName is the alias every event source invokes.
	DefaultAliasName = "live"
	// DefaultAsyncRetryAttempts is Lambda's own default, made explicit.
	DefaultAsyncRetryAttempts = 2
	// DefaultDeadLetterRetentionSeconds keeps failed events for the SQS
	// maximum (14 days) so there is time to inspect and replay them.
	DefaultDeadLetterRetentionSeconds = 14 * 24 * 60 * 60
	// DefaultPartitionKey is the partition key of every table unless set.
	DefaultPartitionKey = "id"

	// MinMemoryMB and MaxMemoryMB are Lambda's limits.
	MinMemoryMB = 128
	MaxMemoryMB = 10240
	// MaxTimeoutSeconds is Lambda's limit.
	MaxTimeoutSeconds = 900
	// MaxAPITimeoutSeconds is API Gateway's default integration timeout
	// limit: a function fronted by an API that runs longer is cut off anyway.
	MaxAPITimeoutSeconds = 29
)

// ValidLogRetentionDays are the only values CloudWatch Logs accepts.
var ValidLogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
	1096, 1827, 2192, 2557, 2922, 3288, 3653}

// Architecture is the instruction set a function runs on.
type Architecture string

// Architectures Lambda supports.
const (
	ArchARM64  Architecture = "arm64"
	ArchX86_64 Architecture = "x86_64"
)

// validateLogRetention reports a retention CloudWatch would reject.
func validateLogRetention(field string, days int) error {
	if slices.Contains(ValidLogRetentionDays, days) {
		return nil
	}
	return fmt.Errorf("%s: %d is not a CloudWatch Logs retention; use one of %s", field, days,
		joinInts(ValidLogRetentionDays))
}

func joinInts(vs []int) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}

// orDefault returns v, or def when v is the zero value.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Defaults of the security and operations constructs (Key, Topic, Alarm).
const (
	// DefaultKeyDeletionWindowDays is the longest wait KMS allows before it
	// deletes a key: a month to notice and cancel a deletion that would
	// make everything encrypted under the key unreadable.
	DefaultKeyDeletionWindowDays = 30
	// MinKeyDeletionWindowDays and MaxKeyDeletionWindowDays are KMS's
	// limits (ScheduleKeyDeletion's PendingWindowInDays).
	MinKeyDeletionWindowDays = 7
	MaxKeyDeletionWindowDays = 30
	// DefaultTopicPublisher is the service a Topic lets publish unless told
	// otherwise: CloudWatch, for alarm notifications.
	DefaultTopicPublisher = "cloudwatch.amazonaws.com"
	// DefaultAlarmPeriodSeconds evaluates a metric every minute, the
	// finest period of standard-resolution metrics.
	DefaultAlarmPeriodSeconds = 60
	// DefaultAlarmEvaluationPeriods alarms on the first breaching period.
	DefaultAlarmEvaluationPeriods = 1
)

// Event sources: bucket triggers, stream sources and schedules. Each
// invokes a function's alias and has an Enabled kill switch, on by default.
const (
	// DefaultBucketTriggerEvent is what a bucket trigger reacts to unless
	// Events is set: every way an object is created.
	DefaultBucketTriggerEvent = "s3:ObjectCreated:*"
	// DefaultStreamBatchSize is Lambda's own default for streams, made
	// explicit.
	DefaultStreamBatchSize = 100
	// DefaultStreamStartingPosition reads records written after the
	// mapping exists; TRIM_HORIZON would replay the last 24 hours.
	DefaultStreamStartingPosition = StartLatest
	// DefaultStreamBisectBatchOnError splits a failing batch in two and
	// retries each half, so one bad record does not fail its neighbours.
	DefaultStreamBisectBatchOnError = true
	// DefaultStreamReportBatchItemFailures lets a handler retry only the
	// records it names as failed (the data lake's indexer does).
	DefaultStreamReportBatchItemFailures = true
	// DefaultStreamRetryAttempts bounds retries of a failing batch, where
	// Lambda's default retries until the record expires and blocks the
	// shard meanwhile.
	DefaultStreamRetryAttempts = 3
	// DefaultStreamRecordAgeSeconds skips records older than an hour to
	// the failure queue instead of processing them ever later.
	DefaultStreamRecordAgeSeconds = 3600
	// DefaultStreamParallelizationFactor keeps one batch per shard at a
	// time, so records of one key stay in order.
	DefaultStreamParallelizationFactor = 1
	// DefaultScheduleRetryAttempts is EventBridge's own maximum, made
	// explicit: MaximumEventAgeSeconds is what bounds the retries.
	DefaultScheduleRetryAttempts = 185
	// DefaultScheduleEventAgeSeconds gives up on a tick after an hour (to
	// the dead-letter queue): a run that late is better replayed by hand
	// than started next to the following tick.
	DefaultScheduleEventAgeSeconds = 3600
)

// Fan-out defaults (Queue, QueueSource, Subscription, bucket topic
// triggers, Function.GrantInvoke): queues that keep what their consumers
// fail on, and subscriptions that keep what SNS cannot deliver.
const (
	// DefaultQueueVisibilityTimeoutSeconds is six times the default
	// function timeout: a queue a function consumes needs at least six
	// times the function's timeout (ConsumeWith checks it), so a default
	// queue and a default function work together. SQS's own default, 30 s,
	// would not.
	DefaultQueueVisibilityTimeoutSeconds = QueueVisibilityTimeoutFactor * DefaultTimeoutSeconds
	// DefaultQueueRetentionSeconds is SQS's own default, four days.
	DefaultQueueRetentionSeconds = 4 * 24 * 60 * 60
	// DefaultQueueMaxReceiveCount moves a message to the dead-letter queue
	// after five failed receives: AWS recommends at least 5 for a queue a
	// function consumes, so throttled batches are not set aside
	// (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
	DefaultQueueMaxReceiveCount = 5
	// QueueVisibilityTimeoutFactor is how many function timeouts a consumed
	// queue's visibility timeout must span: AWS's recommendation, so Lambda
	// can retry a batch throttled while an earlier one still runs
	// (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
	QueueVisibilityTimeoutFactor = 6
	// DefaultQueueBatchSize is Lambda's own default for queues, made
	// explicit.
	DefaultQueueBatchSize = 10
	// DefaultQueueReportBatchItemFailures lets a handler return only the
	// messages that failed (events.SQSEventResponse), so the rest of the
	// batch is not received again.
	DefaultQueueReportBatchItemFailures = true
	// DefaultRawMessageDelivery hands a subscribed queue the published
	// message itself rather than SNS's JSON envelope around it.
	DefaultRawMessageDelivery = true
)

// Operations automation (EventRule): ARC401's
// operations reference. An event rule retries like a Schedule: a
// security automation that gives up on an event early leaves a forbidden
// change in place.
const (
	// DefaultEventRuleRetryAttempts is EventBridge's own maximum, made
	// explicit.
	DefaultEventRuleRetryAttempts = DefaultScheduleRetryAttempts
	// DefaultEventRuleEventAgeSeconds gives up on an event after an hour,
	// to the dead-letter queue, where it can be replayed.
	DefaultEventRuleEventAgeSeconds = DefaultScheduleEventAgeSeconds
)
