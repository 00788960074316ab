package synth

import (
	"strings"
	"testing"
)

// Tests of the event source mapping rules and the permission checks event
// sources rely on: each refused case is a value AWS or the provider refuses.

const (
	tRolePolicyAttachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	streamArn             = "arn:aws:dynamodb:eu-west-1:123456789012:table/catalog-1234567/stream/2026-01-01T00:00:00.000"
	failuresArn           = "arn:aws:sqs:eu-west-1:123456789012:index-failures-1234567"
	streamReadPolicy      = `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Action":["dynamodb:DescribeStream","dynamodb:GetRecords","dynamodb:GetShardIterator"],"Resource":["` + streamArn + `"]},` +
		`{"Effect":"Allow","Action":["dynamodb:ListStreams"],"Resource":["*"]},` +
		`{"Effect":"Allow","Action":["sqs:SendMessage"],"Resource":["` + failuresArn + `"]}]}`
)

func esmInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{
		"functionName": "arn:aws:lambda:eu-west-1:123456789012:function:fn-1234567:live", "eventSourceArn": streamArn,
		"startingPosition": "LATEST", "batchSize": int64(100), "maximumBatchingWindowInSeconds": int64(0),
		"bisectBatchOnFunctionError": true, "maximumRetryAttempts": int64(3), "maximumRecordAgeInSeconds": int64(3600),
		"parallelizationFactor": int64(1), "enabled": true,
		"destinationConfig": map[string]any{"onFailure": map[string]any{"destinationArn": failuresArn}},
	}, mods...)
}

// streamStack registers what a stream source needs, ordered as AWS needs:
// the function, its role and the role policy reading the stream, the alias
// (a release), and the mapping after both.
func streamStack(policy string, m ...mod) func(f *fixture) {
	return func(f *fixture) {
		role := f.add(tRole, "fn", map[string]any{"name": "fn-role", "assumeRolePolicy": trust})
		fn := f.add(tFunction, "fn", fnInputs(set("name", "fn-1234567"), set("role", "arn:aws:iam::123456789012:role/fn-role")), role)
		rel := f.add(tRelease, "fn", releaseInputs(), fn)
		rp := f.add(tRolePolicy, "fn-stream", map[string]any{"role": "fn-role", "policy": policy}, role)
		f.add(tEventSourceMapping, "index", esmInputs(m...), rel, rp)
	}
}

func TestEventSourceMappingRealityRules(t *testing.T) {
	c := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, build: streamStack(streamReadPolicy, m...), want: ws}
	}
	sqsArn := "arn:aws:sqs:eu-west-1:123456789012:jobs"
	sqsSource := []mod{set("eventSourceArn", sqsArn), set("batchSize", int64(10)), set("startingPosition", nil), set("bisectBatchOnFunctionError", nil),
		set("maximumRetryAttempts", nil), set("maximumRecordAgeInSeconds", nil), set("parallelizationFactor", nil), set("destinationConfig", nil)}
	sqsPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"` + sqsArn + `"}]}`
	runRealityCases(t, []string{tEventSourceMapping}, []realityCase{
		c("accepted: a DynamoDB stream mapping with an on-failure queue", nil),
		c("accepted: retries and record age unbounded", []mod{set("maximumRetryAttempts", int64(-1)), set("maximumRecordAgeInSeconds", int64(-1))}),
		c("accepted: the limits", []mod{set("batchSize", int64(10000)), set("maximumBatchingWindowInSeconds", int64(300)),
			set("maximumRetryAttempts", int64(10000)), set("maximumRecordAgeInSeconds", int64(604800)), set("parallelizationFactor", int64(10))}),
		c("no function", []mod{set("functionName", nil)}, want{tEventSourceMapping, "functionName", "required", "API_CreateEventSourceMapping"}),
		c("batch size 0", []mod{set("batchSize", int64(0))}, want{tEventSourceMapping, "batchSize", "between 1 and 10000", "API_CreateEventSourceMapping"}),
		c("batch size 10001", []mod{set("batchSize", int64(10001))}, want{tEventSourceMapping, "batchSize", "between 1 and 10000", "API_CreateEventSourceMapping"}),
		c("batching window 301 s", []mod{set("maximumBatchingWindowInSeconds", int64(301))}, want{tEventSourceMapping, "maximumBatchingWindowInSeconds", "between 0 and 300", "API_CreateEventSourceMapping"}),
		c("retries -2", []mod{set("maximumRetryAttempts", int64(-2))}, want{tEventSourceMapping, "maximumRetryAttempts", "between -1 and 10000", "event_source_mapping.go"}),
		c("retries 10001", []mod{set("maximumRetryAttempts", int64(10001))}, want{tEventSourceMapping, "maximumRetryAttempts", "between -1 and 10000", "event_source_mapping.go"}),
		c("record age 59 s", []mod{set("maximumRecordAgeInSeconds", int64(59))}, want{tEventSourceMapping, "maximumRecordAgeInSeconds", "-1 (until the record expires) or 60–604800", "event_source_mapping.go"}),
		c("record age 0", []mod{set("maximumRecordAgeInSeconds", int64(0))}, want{tEventSourceMapping, "maximumRecordAgeInSeconds", "60–604800", "event_source_mapping.go"}),
		c("record age over 7 days", []mod{set("maximumRecordAgeInSeconds", int64(604801))}, want{tEventSourceMapping, "maximumRecordAgeInSeconds", "60–604800", "event_source_mapping.go"}),
		c("parallelization 11", []mod{set("parallelizationFactor", int64(11))}, want{tEventSourceMapping, "parallelizationFactor", "between 1 and 10", "API_CreateEventSourceMapping"}),
		c("parallelization 0", []mod{set("parallelizationFactor", int64(0))}, want{tEventSourceMapping, "parallelizationFactor", "between 1 and 10", "API_CreateEventSourceMapping"}),
		c("unknown starting position", []mod{set("startingPosition", "EARLIEST")}, want{tEventSourceMapping, "startingPosition", "TRIM_HORIZON, LATEST", "API_CreateEventSourceMapping"}),
		c("stream without starting position", []mod{set("startingPosition", nil)}, want{tEventSourceMapping, "startingPosition", "needs startingPosition", "API_CreateEventSourceMapping"}),
		c("DynamoDB stream at a timestamp", []mod{set("startingPosition", "AT_TIMESTAMP")}, want{tEventSourceMapping, "startingPosition", "TRIM_HORIZON or LATEST only", "API_CreateEventSourceMapping"}),
		c("filter pattern not JSON", []mod{set("filterCriteria", map[string]any{"filters": []any{map[string]any{"pattern": "eventName = INSERT"}}})},
			want{tEventSourceMapping, "filterCriteria.filters[].pattern", "JSON text", "API_Filter"}),
		c("accepted: batch item failures", []mod{set("functionResponseTypes", []any{"ReportBatchItemFailures"})}),
		c("unknown function response type", []mod{set("functionResponseTypes", []any{"ReportItemFailures"})},
			want{tEventSourceMapping, "functionResponseTypes[]", "ReportBatchItemFailures", "API_CreateEventSourceMapping"}),
		c("accepted: a filter pattern", []mod{set("filterCriteria", map[string]any{"filters": []any{map[string]any{"pattern": `{"eventName":["INSERT"]}`}}})}),

		// Stream-only settings on an SQS source.
		{name: "bisect, retries, record age, parallelization, destination and starting position on an SQS source",
			build: streamStack(sqsPolicy, set("eventSourceArn", sqsArn), set("batchSize", int64(10)), set("destinationConfig.onFailure.destinationArn", sqsArn+"-dlq")),
			want: []want{
				{tEventSourceMapping, "bisectBatchOnFunctionError", "Kinesis and DynamoDB streams only", "API_CreateEventSourceMapping"},
				{tEventSourceMapping, "parallelizationFactor", "Kinesis and DynamoDB streams only", "API_CreateEventSourceMapping"},
				{tEventSourceMapping, "destinationConfig", "streams and Kafka only", "API_CreateEventSourceMapping"},
				{tEventSourceMapping, "maximumRetryAttempts", "streams and Kafka only", "API_CreateEventSourceMapping"},
				{tEventSourceMapping, "maximumRecordAgeInSeconds", "streams and Kafka only", "API_CreateEventSourceMapping"},
				{tEventSourceMapping, "startingPosition", "not for SQS", "API_CreateEventSourceMapping"},
			}},
		{name: "accepted: an SQS source", build: streamStack(sqsPolicy, sqsSource...)},
		{name: "SQS batch over 10 without a batching window", build: streamStack(sqsPolicy, append(sqsSource, set("batchSize", int64(11)))...),
			want: []want{{tEventSourceMapping, "maximumBatchingWindowInSeconds", "at least 1", "API_CreateEventSourceMapping"}}},

		// Ordering: the alias and the role's permissions first.
		{name: "mapping before the alias exists", want: []want{{tEventSourceMapping, "functionName", "alias the mapping invokes must exist first", "API_CreateEventSourceMapping"}},
			build: func(f *fixture) {
				streamStack(streamReadPolicy)(f)
				f.setDeps(urnOf(tEventSourceMapping, "index"), urnOf(tRolePolicy, "fn-stream"))
			}},
		{name: "mapping before the role may read the stream (and send failures)", want: []want{
			{tEventSourceMapping, "eventSourceArn", "before the mapping is created", "Cannot access stream"},
			{tEventSourceMapping, "destinationConfig.onFailure.destinationArn", "before the mapping is created", "Cannot access stream"},
		},
			build: func(f *fixture) {
				streamStack(streamReadPolicy)(f)
				f.setDeps(urnOf(tEventSourceMapping, "index"), urnOf(tRelease, "fn"))
			}},
		{name: "role policy that does not allow reading the stream", want: []want{{tEventSourceMapping, "eventSourceArn", "allow reading the event source", "Cannot access stream"}},
			build: streamStack(strings.ReplaceAll(streamReadPolicy, `"dynamodb:GetRecords",`, ""))},
		{name: "accepted: a wildcard action", build: streamStack(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["dynamodb:Get*","dynamodb:Describe*","sqs:Send*"],"Resource":"*"}}`)},
		{name: "accepted: after a managed policy attachment", build: func(f *fixture) {
			streamStack(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}`)(f)
			a := f.add(tRolePolicyAttachment, "fn-ddb", map[string]any{"role": "fn-role", "policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole"})
			f.setDeps(urnOf(tEventSourceMapping, "index"), urnOf(tRelease, "fn"), a)
		}},
		{name: "accepted: a function of another stack", build: func(f *fixture) {
			f.add(tEventSourceMapping, "index", esmInputs(set("functionName", "arn:aws:lambda:eu-west-1:123456789012:function:elsewhere")))
		}},
	})
}

// The permission checks S3 and EventBridge invoke permissions rely on.
func TestPermissionPrincipalRules(t *testing.T) {
	perm := func(mods ...mod) func(f *fixture) {
		return func(f *fixture) {
			f.add(tPermission, "p", permInputs(append([]mod{set("qualifier", "7")}, mods...)...))
		}
	}
	runRealityCases(t, []string{tPermission}, []realityCase{
		{"accepted: S3 with the bucket and account", perm(set("principal", "s3.amazonaws.com"), set("sourceArn", "arn:aws:s3:::raw-zone-1234567"), set("sourceAccount", "123456789012")), nil},
		{"accepted: EventBridge with the rule", perm(set("principal", "events.amazonaws.com"), set("sourceArn", "arn:aws:events:eu-west-1:123456789012:rule/nightly")), nil},
		{"principal with a space", perm(set("principal", "s3 amazonaws com")), []want{{tPermission, "principal", "without white space", "API_AddPermission"}}},
		{"source account of 11 digits", perm(set("principal", "s3.amazonaws.com"), set("sourceAccount", "12345678901")), []want{{tPermission, "sourceAccount", "12-digit", "API_AddPermission"}}},
		{"source ARN that is a bucket name", perm(set("principal", "s3.amazonaws.com"), set("sourceArn", "raw-zone")), []want{{tPermission, "sourceArn", "sourceArn is an ARN", "API_AddPermission"}}},
	})
}
