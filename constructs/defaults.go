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

// Pipeline defaults (DeliveryStream, StateMachine): ARC401's stream
// processing reference values, and what Firehose and Step Functions
// document as their own defaults or recommend.
const (
	// DefaultDeliveryBufferSizeMB and DefaultDeliveryBufferIntervalSeconds
	// are the 5 MB / 300 s reference (and Firehose's own defaults): files
	// large enough for Athena, at most five minutes late.
	DefaultDeliveryBufferSizeMB          = 5
	DefaultDeliveryBufferIntervalSeconds = 300
	// DefaultPartitionedBufferSizeMB is the buffer with dynamic
	// partitioning, where Firehose requires at least 64 MB.
	DefaultPartitionedBufferSizeMB = 64
	// DefaultDeliveryErrorOutputPrefix keeps failed records apart by
	// failure type and day, so they can be repaired and replayed.
	DefaultDeliveryErrorOutputPrefix = "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
	// DefaultProcessorBufferSizeMB and DefaultProcessorBufferIntervalSeconds
	// are Firehose's own batch for a Lambda transform, made explicit.
	DefaultProcessorBufferSizeMB          = 1
	DefaultProcessorBufferIntervalSeconds = 60
	// MaxProcessorTimeoutSeconds: Firehose waits at most 5 minutes for a
	// transform to return.
	MaxProcessorTimeoutSeconds = 300

	// StateMachineLogGroupPrefix is where state machine logs go: Step
	// Functions adds every log group it delivers to to the account's
	// CloudWatch Logs resource policy (5,120 characters), except those
	// under /aws/vendedlogs/, which need no entry.
	StateMachineLogGroupPrefix = "/aws/vendedlogs/states/"
	// DefaultLambdaRetryIntervalSeconds, DefaultLambdaRetryMaxAttempts and
	// DefaultLambdaRetryBackoffRate are the retry AWS recommends for
	// Lambda's transient service errors in a Task.
	DefaultLambdaRetryIntervalSeconds = 2
	DefaultLambdaRetryMaxAttempts     = 6
	DefaultLambdaRetryBackoffRate     = 2.0
	// DefaultMapExecutionType runs a distributed Map's child workflows as
	// Express workflows: per-item work is short, and Express costs per
	// request instead of per state transition.
	DefaultMapExecutionType = "EXPRESS"
	// MaxStandardTimeoutSeconds and MaxExpressTimeoutSeconds are the
	// longest executions Step Functions runs: a year, five minutes.
	MaxStandardTimeoutSeconds = 365 * 24 * 60 * 60
	MaxExpressTimeoutSeconds  = 5 * 60
)

// Search and query defaults (SearchDomain, GlueCatalog, Workgroup).
const (
	// DefaultSearchEngineVersion is a current OpenSearch 2.x release. The
	// provider takes any "OpenSearch_X.Y" (pulumi-aws v6.83 opensearch.DomainArgs
	// EngineVersion: "Either Elasticsearch_X.Y or OpenSearch_X.Y"); 2.17 is
	// among the versions AWS lists features for
	// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/features-by-version.html).
	DefaultSearchEngineVersion = "OpenSearch_2.17"
	// DefaultSearchInstanceType is the smallest general purpose data node
	// that supports encryption at rest; production raises it.
	DefaultSearchInstanceType = "t3.small.search"
	// DefaultSearchInstanceCount is one data node: a dev-sized domain.
	DefaultSearchInstanceCount = 1
	// DefaultSearchVolumeGB is the smallest gp3 volume OpenSearch allows.
	DefaultSearchVolumeGB = 10
	// DefaultSearchTLSPolicy is TLS 1.2 and 1.3 with forward secrecy only
	// (https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_DomainEndpointOptions.html).
	DefaultSearchTLSPolicy = "Policy-Min-TLS-1-2-PFS-2023-10"
	// DefaultAthenaResultsPrefix is where a Workgroup writes query results
	// in its results bucket.
	DefaultAthenaResultsPrefix = "athena/"
	// DefaultBytesScannedCutoffPerQuery cancels a query after it has scanned
	// 10 GiB: an unpartitioned full scan fails instead of arriving on the bill.
	DefaultBytesScannedCutoffPerQuery int64 = 10 << 30
	// MinBytesScannedCutoffPerQuery is the smallest cutoff the provider
	// accepts (pulumi-aws athena.WorkgroupConfigurationArgs: "Must be at least
	// 10485760"), 10 MiB.
	MinBytesScannedCutoffPerQuery int64 = 10 << 20
	// DefaultAthenaEngineVersion lets Athena choose and upgrade the engine.
	DefaultAthenaEngineVersion = "AUTO"
)

// Defaults of the security and operations constructs (Key, Topic, Alarm,
// Trail).
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

// Streams and IoT ingest (Stream, TopicRule, Stream.ConsumeWith): ARC401's
// stream processing reference, and what Kinesis and AWS IoT document as
// their own defaults or recommend.
const (
	// DefaultStreamMode is on-demand: Kinesis scales the shards with the
	// traffic, so no shard count has to be planned (or paid for idle).
	DefaultStreamMode = StreamModeOnDemand
	// DefaultStreamRetentionHours is Kinesis's own default and minimum, a
	// day to replay from; MinStreamRetentionHours and
	// MaxStreamRetentionHours are its limits (a year at most).
	DefaultStreamRetentionHours = 24
	MinStreamRetentionHours     = 24
	MaxStreamRetentionHours     = 8760
	// DefaultStreamKMSKey encrypts every stream with the key Kinesis owns,
	// at no extra cost, when no Key is given: encryption is never off.
	DefaultStreamKMSKey = "alias/aws/kinesis"
	// DefaultTopicRuleSQLVersion is the rules engine version AWS
	// recommends.
	DefaultTopicRuleSQLVersion = SQLVersion20160323
	// DefaultTopicRulePartitionKey spreads a rule's messages evenly over
	// the shards; it gives up ordering between them.
	DefaultTopicRulePartitionKey = "${newuuid()}"
	// DefaultTopicRuleErrorPrefix is the key prefix, before the rule name,
	// of the failures a rule writes to an error bucket.
	DefaultTopicRuleErrorPrefix = "iot-errors/"
)

// DefaultStreamShardLevelMetrics are the shard-level metrics a Stream
// turns on: what a hot shard or a consumer falling behind shows in
// (enhanced monitoring is billed per shard and metric).
var DefaultStreamShardLevelMetrics = []string{"IncomingBytes", "IncomingRecords", "IteratorAgeMilliseconds",
	"ReadProvisionedThroughputExceeded", "WriteProvisionedThroughputExceeded"}

// Operations automation (EventRule, StateMachine.LogKMSKey): ARC401's
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
