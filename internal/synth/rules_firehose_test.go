package synth

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	tFirehose  = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
	tLogStream = "aws:cloudwatch/logStream:LogStream"
)

const ingestRoleArn = "arn:aws:iam::123456789012:role/ingest-role-1234567"

// firehoseInputs is the DeliveryStream construct's stream: GZIP to a
// bucket, error prefix, logging, AWS-owned-key encryption.
func firehoseInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{
		"destination":          "extended_s3",
		"serverSideEncryption": map[string]any{"enabled": true, "keyType": "AWS_OWNED_CMK"},
		"extendedS3Configuration": map[string]any{
			"roleArn": ingestRoleArn, "bucketArn": "arn:aws:s3:::raw-1234567",
			"bufferingSize": int64(5), "bufferingInterval": int64(300), "compressionFormat": "GZIP",
			"errorOutputPrefix":        "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/",
			"cloudwatchLoggingOptions": map[string]any{"enabled": true, "logGroupName": "/aws/kinesisfirehose/ingest-1", "logStreamName": "DestinationDelivery"},
		},
	}, mods...)
}

// partitioned turns the stream into a dynamically partitioned one by the
// "dataset" key of each record.
func partitioned() []mod {
	return []mod{
		set("extendedS3Configuration.bufferingSize", int64(64)),
		set("extendedS3Configuration.dynamicPartitioningConfiguration", map[string]any{"enabled": true}),
		set("extendedS3Configuration.prefix", "!{partitionKeyFromQuery:dataset}/year=!{timestamp:yyyy}/"),
		set("extendedS3Configuration.processingConfiguration", map[string]any{"enabled": true, "processors": []any{
			map[string]any{"type": "MetadataExtraction", "parameters": []any{
				map[string]any{"parameterName": "MetadataExtractionQuery", "parameterValue": "{dataset:.dataset}"},
				map[string]any{"parameterName": "JsonParsingEngine", "parameterValue": "JQ-1.6"}}},
		}}),
	}
}

func lambdaProcessor(size string) mod {
	return set("extendedS3Configuration.processingConfiguration", map[string]any{"enabled": true, "processors": []any{
		map[string]any{"type": "Lambda", "parameters": []any{
			map[string]any{"parameterName": "LambdaArn", "parameterValue": "arn:aws:lambda:eu-west-1:123456789012:function:t-1:live"},
			map[string]any{"parameterName": "BufferSizeInMBs", "parameterValue": size}}},
	}})
}

func TestFirehoseRealityRules(t *testing.T) {
	stream := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) { f.add(tFirehose, "ingest", firehoseInputs(m...)) }}
	}
	s3 := "extendedS3Configuration"
	cases := []realityCase{
		stream("accepted: the construct's stream", nil),
		stream("accepted: dynamic partitioning by query", partitioned()),
		stream("accepted: a Lambda transform", []mod{lambdaProcessor("3")}),
		stream("name over 64 characters", []mod{set("name", strings.Repeat("s", 65))},
			want{tFirehose, "name", "at most 64", "API_CreateDeliveryStream"}),
		stream("name with a slash", []mod{set("name", "raw/ingest")},
			want{tFirehose, "name", "does not match", "API_CreateDeliveryStream"}),
		{name: "autonamed from a resource name over 56 characters", want: []want{{tFirehose, "name", "at most 64", "API_CreateDeliveryStream"}},
			build: func(f *fixture) { f.add(tFirehose, strings.Repeat("i", 57), firehoseInputs()) }},
		stream("unknown destination", []mod{set("destination", "s3")},
			want{tFirehose, "destination", "must be one of", "delivery_stream.go"}),
		stream("destination without its block", []mod{set("destination", "redshift")},
			want{tFirehose, "redshiftConfiguration", "configuration block", "delivery_stream.go"}),
		stream("no role", []mod{set(s3+".roleArn", nil)},
			want{tFirehose, s3 + ".roleArn", "required", "API_CreateDeliveryStream"}),
		stream("bucket ARN of an object", []mod{set(s3+".bucketArn", "arn:aws:s3:::raw/objects")},
			want{tFirehose, s3 + ".bucketArn", "S3 bucket ARN", "API_CreateDeliveryStream"}),
		stream("buffer of 129 MB", []mod{set(s3+".bufferingSize", int64(129))},
			want{tFirehose, s3 + ".bufferingSize", "between 1 and 128", "API_BufferingHints"}),
		stream("buffer interval of 901 s", []mod{set(s3+".bufferingInterval", int64(901))},
			want{tFirehose, s3 + ".bufferingInterval", "between 0 and 900", "API_BufferingHints"}),
		stream("compression spelled SNAPPY", []mod{set(s3+".compressionFormat", "SNAPPY")},
			want{tFirehose, s3 + ".compressionFormat", "must be one of", "API_CreateDeliveryStream"}),
		stream("prefix expression without an error prefix", []mod{set(s3+".prefix", "raw/!{timestamp:yyyy}/"), set(s3+".errorOutputPrefix", nil)},
			want{tFirehose, s3 + ".errorOutputPrefix", "Firehose's expression rules", "s3-prefixes"}),
		stream("error-output-type in the prefix", []mod{set(s3+".prefix", "raw/!{firehose:error-output-type}/")},
			want{tFirehose, s3 + ".prefix", "expression rules", "s3-prefixes"}),
		stream("partition key of a query that does not define it", append(partitioned(), set(s3+".prefix", "!{partitionKeyFromQuery:tenant}/")),
			want{tFirehose, s3 + ".prefix", "expression rules", "dynamic-partitioning"}),
		stream("dynamic partitioning with a 5 MB buffer", append(partitioned(), set(s3+".bufferingSize", int64(5))),
			want{tFirehose, s3 + ".bufferingSize", "at least 64 MB", "buffering.html"}),
		stream("dynamic partitioning with zero buffering", append(partitioned(), set(s3+".bufferingInterval", int64(0))),
			want{tFirehose, s3 + ".bufferingInterval", "not 0", "buffering.html"}),
		stream("backup enabled without its configuration", []mod{set(s3+".s3BackupMode", "Enabled")},
			want{tFirehose, s3 + ".s3BackupConfiguration.bucketArn", "s3BackupConfiguration", "API_CreateDeliveryStream"},
			want{tFirehose, s3 + ".s3BackupConfiguration.roleArn", "s3BackupConfiguration", "API_CreateDeliveryStream"}),
		stream("unknown processor type", []mod{set(s3+".processingConfiguration", map[string]any{"processors": []any{map[string]any{"type": "Transform"}}})},
			want{tFirehose, s3 + ".processingConfiguration.processors[].type", "must be one of", "API_Processor"}),
		stream("Lambda buffer of 5 MB", []mod{lambdaProcessor("5")},
			want{tFirehose, s3 + ".processingConfiguration.processors[].parameters[BufferSizeInMBs]", "0.2–3", "data-transformation"}),
		stream("logging without a stream", []mod{set(s3+".cloudwatchLoggingOptions.logStreamName", nil)},
			want{tFirehose, s3 + ".cloudwatchLoggingOptions.logStreamName", "names a log group", "API_CloudWatchLoggingOptions"}),
		stream("log stream name with a colon", []mod{set(s3+".cloudwatchLoggingOptions.logStreamName", "a:b")},
			want{tFirehose, s3 + ".cloudwatchLoggingOptions.logStreamName", "no ':' or '*'", "API_CloudWatchLoggingOptions"}),
		stream("customer managed key without its ARN", []mod{set("serverSideEncryption.keyType", "CUSTOMER_MANAGED_CMK")},
			want{tFirehose, "serverSideEncryption.keyArn", "needs keyArn", "API_DeliveryStreamEncryptionConfigurationInput"}),
		stream("key type spelled AWS_OWNED_KEY", []mod{set("serverSideEncryption.keyType", "AWS_OWNED_KEY")},
			want{tFirehose, "serverSideEncryption.keyType", "must be one of", "API_DeliveryStreamEncryptionConfigurationInput"}),
		stream("encryption on a stream reading from Kinesis", []mod{set("kinesisSourceConfiguration", map[string]any{
			"kinesisStreamArn": "arn:aws:kinesis:eu-west-1:123456789012:stream/s", "roleArn": ingestRoleArn})},
			want{tFirehose, "serverSideEncryption.enabled", "Kinesis data stream", "encryption.html"}),
		{name: "stream before its role's policy", want: []want{{tFirehose, s3 + ".roleArn", "after the inline policies", "terraform-provider-aws/issues/3380"}},
			build: func(f *fixture) {
				f.add(tRolePolicy, "ingest-bucket-write", map[string]any{"role": "ingest-role-1234567", "policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`})
				f.add(tFirehose, "ingest", firehoseInputs())
			}},
		{name: "accepted: stream after its role's policy", build: func(f *fixture) {
			p := f.add(tRolePolicy, "ingest-bucket-write", map[string]any{"role": "ingest-role-1234567", "policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`})
			f.add(tFirehose, "ingest", firehoseInputs(), p)
		}},
		{name: "accepted: log stream", build: func(f *fixture) {
			f.add(tLogStream, "delivery", map[string]any{"name": "DestinationDelivery", "logGroupName": "/aws/kinesisfirehose/ingest"})
		}},
		{name: "log stream without a group", want: []want{{tLogStream, "logGroupName", "required", "API_CreateLogStream"}},
			build: func(f *fixture) { f.add(tLogStream, "delivery", map[string]any{"name": "DestinationDelivery"}) }},
		{name: "log stream name with a star", want: []want{{tLogStream, "name", "does not match", "API_CreateLogStream"}},
			build: func(f *fixture) {
				f.add(tLogStream, "delivery", map[string]any{"name": "Delivery*", "logGroupName": "/aws/kinesisfirehose/ingest"})
			}},
	}
	runRealityCases(t, specTypes(firehoseSpecs), cases)
}

// The mocks answer with what AWS and the provider return for the new
// types: ARNs built from the provider's names, IDs as the provider's.
func TestFirehoseAndStateMachineMockOutputs(t *testing.T) {
	for _, tc := range []struct {
		typ, name string
		inputs    map[string]any
		want      map[string]string
	}{
		{tFirehose, "ingest", nil, map[string]string{
			"id":   `arn:aws:firehose:eu-west-1:123456789012:deliverystream/ingest-[0-9a-f]{7}`,
			"arn":  `arn:aws:firehose:eu-west-1:123456789012:deliverystream/ingest-[0-9a-f]{7}`,
			"name": `ingest-[0-9a-f]{7}`}},
		{tStateMachine, "etl", map[string]any{"namePrefix": "etl-"}, map[string]string{
			"id":     `arn:aws:states:eu-west-1:123456789012:stateMachine:etl-[0-9]{26}`,
			"arn":    `arn:aws:states:eu-west-1:123456789012:stateMachine:etl-[0-9]{26}`,
			"status": `ACTIVE`}},
		{tLogStream, "delivery", map[string]any{"name": "DestinationDelivery", "logGroupName": "/aws/kinesisfirehose/ingest"}, map[string]string{
			"id":  `DestinationDelivery`,
			"arn": `arn:aws:logs:eu-west-1:123456789012:log-group:/aws/kinesisfirehose/ingest:log-stream:DestinationDelivery`}},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			m := newMonitor("shop", "dev", "eu-west-1", t.TempDir())
			id, state, err := m.NewResource(pulumi.MockResourceArgs{
				TypeToken: tc.typ, Name: tc.name, Inputs: resource.NewPropertyMapFromMap(tc.inputs), Custom: true,
				RegisterRPC: &pulumirpc.RegisterResourceRequest{Type: tc.typ, Name: tc.name, Custom: true},
			})
			if err != nil {
				t.Fatal(err)
			}
			for k, pattern := range tc.want {
				got := id
				if k != "id" {
					got = state[resource.PropertyKey(k)].StringValue()
				}
				if !regexp.MustCompile(`^` + pattern + `$`).MatchString(got) {
					t.Errorf("%s: got %q; want a match for %s", k, got, pattern)
				}
			}
		})
	}
}
