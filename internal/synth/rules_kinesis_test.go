package synth

import (
	"strings"
	"testing"
)

// Tests of the Kinesis Data Streams rules, and of what a Kinesis stream
// adds to the event source mapping and Firehose rules: each refused case is
// a value AWS or the provider refuses.

func kinesisInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{
		"retentionPeriod":   int64(24),
		"streamModeDetails": map[string]any{"streamMode": "ON_DEMAND"},
		"encryptionType":    "KMS", "kmsKeyId": "alias/aws/kinesis",
		"shardLevelMetrics": []any{"IncomingBytes", "IteratorAgeMilliseconds"},
	}, mods...)
}

func TestKinesisStreamRealityRules(t *testing.T) {
	stream := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) { f.add(tKinesisStream, "events", kinesisInputs(m...)) }}
	}
	runRealityCases(t, []string{tKinesisStream}, []realityCase{
		stream("accepted: on-demand, encrypted with the AWS managed key", nil),
		stream("accepted: provisioned with one shard, a year's retention", []mod{set("streamModeDetails.streamMode", "PROVISIONED"),
			set("shardCount", int64(1)), set("retentionPeriod", int64(8760))}),
		stream("accepted: encrypted with a key ARN", []mod{set("kmsKeyId", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")}),
		stream("name over 128 characters", []mod{set("name", strings.Repeat("s", 129))},
			want{tKinesisStream, "name", "at most 128", "API_CreateStream"}),
		stream("name with a slash", []mod{set("name", "sensors/raw")},
			want{tKinesisStream, "name", "does not match", "API_CreateStream"}),
		{name: "autonamed from a name with a space", build: func(f *fixture) { f.add(tKinesisStream, "raw events", kinesisInputs()) },
			want: []want{{tKinesisStream, "name", "does not match", "API_CreateStream"}}},
		stream("retention below a day", []mod{set("retentionPeriod", int64(23))},
			want{tKinesisStream, "retentionPeriod", "between 24 and 8760", "IntBetween(24, 8760)"}),
		stream("retention over a year", []mod{set("retentionPeriod", int64(8761))},
			want{tKinesisStream, "retentionPeriod", "between 24 and 8760", "API_IncreaseStreamRetentionPeriod"}),
		stream("unknown stream mode", []mod{set("streamModeDetails.streamMode", "SERVERLESS")},
			want{tKinesisStream, "streamModeDetails.streamMode", "must be one of", "API_CreateStream"}),
		stream("shards on an on-demand stream", []mod{set("shardCount", int64(2))},
			want{tKinesisStream, "shardCount", "ON_DEMAND stream takes no shardCount", "CustomizeDiff"}),
		stream("provisioned without shards", []mod{set("streamModeDetails.streamMode", "PROVISIONED")},
			want{tKinesisStream, "shardCount", "at least 1", "CustomizeDiff"}),
		stream("provisioned with zero shards", []mod{set("streamModeDetails.streamMode", "PROVISIONED"), set("shardCount", int64(0))},
			want{tKinesisStream, "shardCount", "at least 1", "CustomizeDiff"}),
		stream("no stream mode means provisioned, and needs shards", []mod{set("streamModeDetails", nil)},
			want{tKinesisStream, "shardCount", "default without streamModeDetails", "CustomizeDiff"}),
		stream("KMS without a key", []mod{set("kmsKeyId", nil)},
			want{tKinesisStream, "kmsKeyId", "needs kmsKeyId", "API_StartStreamEncryption"}),
		stream("encryption type spelled SSE", []mod{set("encryptionType", "SSE")},
			want{tKinesisStream, "encryptionType", "must be one of NONE, KMS", "API_StartStreamEncryption"}),
		stream("shard metric that does not exist", []mod{set("shardLevelMetrics", []any{"IncomingBytes", "GetRecords.Latency"})},
			want{tKinesisStream, "shardLevelMetrics[]", "must be one of", "API_EnableEnhancedMonitoring"}),
		{name: "two streams with one explicit name", build: func(f *fixture) {
			f.add(tKinesisStream, "a", kinesisInputs(set("name", "events")))
			f.add(tKinesisStream, "b", kinesisInputs(set("name", "events")))
		}, want: []want{{tKinesisStream, "name", "must be unique", "API_CreateStream"}, {tKinesisStream, "name", "must be unique", "API_CreateStream"}}},
	})
}

const (
	kinesisStreamArn  = "arn:aws:kinesis:eu-west-1:123456789012:stream/events-1234567"
	kinesisReadPolicy = `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Action":["kinesis:DescribeStream","kinesis:DescribeStreamSummary","kinesis:GetRecords","kinesis:GetShardIterator","kinesis:ListShards"],"Resource":["` + kinesisStreamArn + `"]},` +
		`{"Effect":"Allow","Action":["sqs:SendMessage"],"Resource":["` + failuresArn + `"]}]}`
)

// A Kinesis stream as event source: what the DynamoDB cases of
// TestEventSourceMappingRealityRules check, for Kinesis, and AT_TIMESTAMP.
func TestKinesisEventSourceMappingRealityRules(t *testing.T) {
	c := func(name string, policy string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, build: streamStack(policy, append([]mod{set("eventSourceArn", kinesisStreamArn)}, m...)...), want: ws}
	}
	at := []mod{set("startingPosition", "AT_TIMESTAMP"), set("startingPositionTimestamp", "2026-01-01T00:00:00Z")}
	runRealityCases(t, []string{tEventSourceMapping}, []realityCase{
		c("accepted: a Kinesis mapping", kinesisReadPolicy, nil),
		c("accepted: a 15-minute tumbling window", kinesisReadPolicy, []mod{set("tumblingWindowInSeconds", int64(900))}),
		c("accepted: from a point in time", kinesisReadPolicy, at),
		c("tumbling window over 15 minutes", kinesisReadPolicy, []mod{set("tumblingWindowInSeconds", int64(901))},
			want{tEventSourceMapping, "tumblingWindowInSeconds", "between 0 and 900", "API_CreateEventSourceMapping"}),
		c("AT_TIMESTAMP without the time", kinesisReadPolicy, []mod{set("startingPosition", "AT_TIMESTAMP")},
			want{tEventSourceMapping, "startingPositionTimestamp", "needs startingPositionTimestamp", "StartingPositionTimestamp"}),
		c("a time that is not RFC 3339", kinesisReadPolicy, append(at, set("startingPositionTimestamp", "2026-01-01 00:00")),
			want{tEventSourceMapping, "startingPositionTimestamp", "RFC 3339", "IsRFC3339Time"}),
		c("a time with LATEST", kinesisReadPolicy, []mod{set("startingPositionTimestamp", "2026-01-01T00:00:00Z")},
			want{tEventSourceMapping, "startingPositionTimestamp", "only AT_TIMESTAMP takes one", "StartingPositionTimestamp"}),
		c("role that may read a DynamoDB stream but not the Kinesis one", streamReadPolicy, nil,
			want{tEventSourceMapping, "eventSourceArn", "allow reading the event source", "Cannot access stream"}),
		{name: "Kinesis mapping before the role may read the stream", want: []want{
			{tEventSourceMapping, "eventSourceArn", "before the mapping is created", "Cannot access stream"},
			{tEventSourceMapping, "destinationConfig.onFailure.destinationArn", "before the mapping is created", "Cannot access stream"},
		}, build: func(f *fixture) {
			streamStack(kinesisReadPolicy, set("eventSourceArn", kinesisStreamArn))(f)
			f.setDeps(urnOf(tEventSourceMapping, "index"), urnOf(tRelease, "fn"))
		}},
	})
}

// A delivery stream reading from a Kinesis data stream.
func TestFirehoseKinesisSourceRealityRules(t *testing.T) {
	const ks = "kinesisSourceConfiguration"
	source := func(m ...mod) []mod {
		return append([]mod{set("serverSideEncryption", nil), set(ks, map[string]any{"kinesisStreamArn": kinesisStreamArn, "roleArn": ingestRoleArn})}, m...)
	}
	stream := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) { f.add(tFirehose, "ingest", firehoseInputs(m...)) }}
	}
	runRealityCases(t, []string{tFirehose}, []realityCase{
		stream("accepted: reading a Kinesis stream, without server-side encryption", source()),
		stream("no stream ARN", source(set(ks+".kinesisStreamArn", nil)),
			want{tFirehose, ks + ".kinesisStreamArn", "required", "API_KinesisStreamSourceConfiguration"}),
		stream("no role", source(set(ks+".roleArn", nil)),
			want{tFirehose, ks + ".roleArn", "required", "API_KinesisStreamSourceConfiguration"}),
		stream("a stream name for the stream ARN", source(set(ks+".kinesisStreamArn", "events-1234567")),
			want{tFirehose, ks + ".kinesisStreamArn", "Kinesis data stream ARN", "API_KinesisStreamSourceConfiguration"}),
		stream("a Firehose ARN for the stream ARN", source(set(ks+".kinesisStreamArn", "arn:aws:firehose:eu-west-1:123456789012:deliverystream/x")),
			want{tFirehose, ks + ".kinesisStreamArn", "Kinesis data stream ARN", "API_KinesisStreamSourceConfiguration"}),
		stream("server-side encryption with a Kinesis source", source(set("serverSideEncryption", map[string]any{"enabled": true, "keyType": "AWS_OWNED_CMK"})),
			want{tFirehose, "serverSideEncryption.enabled", "Kinesis data stream", "encryption.html"}),
		{name: "reading before the source role may read the stream", build: func(f *fixture) {
			f.add(tRolePolicy, "ingest-read", map[string]any{"role": "source-role", "policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kinesis:GetRecords","Resource":"*"}]}`})
			f.add(tFirehose, "ingest", firehoseInputs(source(set(ks+".roleArn", "arn:aws:iam::123456789012:role/source-role"))...))
		}, want: []want{{tFirehose, ks + ".roleArn", "after the inline policies", "3380"}}},
		{name: "accepted: reading after the source role's policy", build: func(f *fixture) {
			read := f.add(tRolePolicy, "ingest-read", map[string]any{"role": "source-role", "policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kinesis:GetRecords","Resource":"*"}]}`})
			f.add(tFirehose, "ingest", firehoseInputs(source(set(ks+".roleArn", "arn:aws:iam::123456789012:role/source-role"))...), read)
		}},
	})
}
