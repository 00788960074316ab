package streaming

// Pipeline defaults (DeliveryStream): ARC401's stream processing reference
// values, and what Firehose documents as its own defaults or recommends.
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
