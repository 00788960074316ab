package synth

import (
	"regexp"
	"time"
)

// Sources of the Kinesis Data Streams rules. The API shapes (names,
// lengths, patterns, enumerations) are the service model's, as the API
// reference pages print them.
const (
	srcKinesisCreateStream = "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html"
	// The provider validates retention_period with IntBetween(24, 8760) and
	// applies it with IncreaseStreamRetentionPeriod.
	srcKinesisRetention = "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_IncreaseStreamRetentionPeriod.html; terraform-provider-aws internal/service/kinesis/stream.go retention_period IntBetween(24, 8760)"
	// The provider starts encryption with StartStreamEncryption, whose
	// KeyId is required, and refuses KMS without kms_key_id ("KMS Key ID
	// required when setting encryption_type is not set as NONE").
	srcKinesisEncryption = "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_StartStreamEncryption.html; terraform-provider-aws internal/service/kinesis/stream.go resourceStreamCreate"
	srcKinesisMetrics    = "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_EnableEnhancedMonitoring.html"
	// The provider's CustomizeDiff: "shard_count must not be set when
	// stream_mode is ON_DEMAND", "shard_count must be at least 1 when
	// stream_mode is PROVISIONED"; a stream without stream_mode_details
	// is PROVISIONED.
	srcTFKinesisMode = "terraform-provider-aws internal/service/kinesis/stream.go CustomizeDiff; " + srcKinesisCreateStream
	// CreateEventSourceMapping: StartingPositionTimestamp is "With
	// StartingPosition set to AT_TIMESTAMP, the time from which to start
	// reading"; the provider validates starting_position_timestamp with
	// IsRFC3339Time.
	srcLambdaESMTimestamp = srcLambdaCreateESM + " (StartingPositionTimestamp); terraform-provider-aws internal/service/lambda/event_source_mapping.go starting_position_timestamp IsRFC3339Time"
)

const tKinesisStream = "aws:kinesis/stream:Stream"

// kinesisStreamName is CreateStream's StreamName: [a-zA-Z0-9_.-]+, 1–128.
var kinesisStreamName = StringRule{Pattern: regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`), Min: 1, Max: 128,
	Desc: "a stream name is 1–128 letters, digits, '_', '.' or '-'", Source: srcKinesisCreateStream}

// kinesisShardMetrics are EnableEnhancedMonitoring's ShardLevelMetrics.
var kinesisShardMetrics = []string{"IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
	"WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds", "ALL"}

var kinesisSpecs = map[string]Spec{
	tKinesisStream: {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming}, Rule: kinesisStreamName}},
		Checks: []Check{
			intRange(srcKinesisRetention, "retentionPeriod", 24, 8760),
			oneOf(srcKinesisCreateStream, "streamModeDetails.streamMode", "PROVISIONED", "ON_DEMAND"),
			{Rule: "an ON_DEMAND stream takes no shardCount; a PROVISIONED one (the default without streamModeDetails) needs a shardCount of at least 1",
				Source: srcTFKinesisMode,
				Find: func(r *Resource, _ *Stack) []Finding {
					mode, ok := r.String("streamModeDetails.streamMode")
					if _, set := r.Value("streamModeDetails.streamMode"); set && !ok {
						return nil // unknown until deploy
					}
					if !ok {
						mode = "PROVISIONED"
					}
					v, set := r.Value("shardCount")
					n, isInt := asInt(v)
					switch {
					case mode == "ON_DEMAND" && set && isInt && n > 0:
						return []Finding{{Property: "shardCount", Value: v}}
					case mode == "PROVISIONED" && !set:
						return []Finding{{Property: "shardCount"}}
					case mode == "PROVISIONED" && isInt && n < 1:
						return []Finding{{Property: "shardCount", Value: v}}
					}
					return nil
				}},
			oneOf(srcKinesisEncryption, "encryptionType", "NONE", "KMS"),
			{Rule: "encryptionType KMS needs kmsKeyId (a key ARN, key ID, alias name such as alias/aws/kinesis, or alias ARN)", Source: srcKinesisEncryption,
				Find: func(r *Resource, _ *Stack) []Finding {
					if t, _ := r.String("encryptionType"); t != "KMS" {
						return nil
					}
					if v, ok := r.Value("kmsKeyId"); !ok || v == "" {
						return []Finding{{Property: "kmsKeyId"}}
					}
					return nil
				}},
			matches("kmsKeyId", StringRule{Min: 1, Max: 2048, Desc: "kmsKeyId is 1–2048 characters", Source: srcKinesisEncryption}),
			oneOf(srcKinesisMetrics, "shardLevelMetrics[]", kinesisShardMetrics...),
		},
	},
}

// esmStartingPositionTimestamp: AT_TIMESTAMP reads from a time, which the
// mapping must name (an RFC 3339 timestamp), and only AT_TIMESTAMP takes one.
func esmStartingPositionTimestamp() Check {
	return Check{
		Rule:   "startingPosition AT_TIMESTAMP needs startingPositionTimestamp (RFC 3339), and only AT_TIMESTAMP takes one",
		Source: srcLambdaESMTimestamp,
		Find: func(r *Resource, _ *Stack) []Finding {
			pos, known := r.String("startingPosition")
			if _, set := r.Value("startingPosition"); set && !known {
				return nil // unknown until deploy
			}
			v, set := r.Value("startingPositionTimestamp")
			ts, known := r.String("startingPositionTimestamp")
			switch {
			case pos == "AT_TIMESTAMP" && esmSource(r) == "dynamodb":
				return nil // a DynamoDB stream takes no AT_TIMESTAMP at all (the startingPosition rule)
			case pos == "AT_TIMESTAMP" && !set:
				return []Finding{{Property: "startingPositionTimestamp"}}
			case pos != "AT_TIMESTAMP" && set:
				return []Finding{{Property: "startingPositionTimestamp", Value: v}}
			case known:
				if _, err := time.Parse(time.RFC3339, ts); err != nil {
					return []Finding{{Property: "startingPositionTimestamp", Value: ts}}
				}
			}
			return nil
		},
	}
}
