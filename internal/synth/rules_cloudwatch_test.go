package synth

import (
	"strings"
	"testing"
)

func TestCloudWatchLogGroupKMSKey(t *testing.T) {
	group := func(name string, key any, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) {
			f.add(tLogGroup, "g", map[string]any{"namePrefix": "/aws/vendedlogs/states/images-", "retentionInDays": int64(30), "kmsKeyId": key})
		}}
	}
	refused := want{tLogGroup, "kmsKeyId", "KMS key ARN", "API_CreateLogGroup"}
	runRealityCases(t, []string{tLogGroup}, []realityCase{
		group("accepted: no key", nil),
		group("accepted: a key ARN", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
		group("accepted: a multi-Region key ARN", "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"),
		group("a key ID", "1234abcd-12ab-34cd-56ef-1234567890ab", refused),
		group("an alias name", "alias/aws/logs", refused),
		group("an alias ARN", "arn:aws:kms:eu-west-1:123456789012:alias/ops-logs", refused),
	})
}

const tLogMetricFilter = "aws:cloudwatch/logMetricFilter:LogMetricFilter"

// TestCloudWatchLogMetricFilter: each case is a filter PutMetricFilter or
// the provider would refuse, beside the one kumo emits for a function's
// expected errors.
func TestCloudWatchLogMetricFilter(t *testing.T) {
	const group = "/aws/lambda/authorizer-20260101000000000000000001"
	base := map[string]any{
		"logGroupName": group,
		"pattern":      `{ $.level = "ERROR" }`,
		"metricTransformation": map[string]any{
			"name": "authorizer-failures", "namespace": "kumo/webapp/dev", "value": "1", "defaultValue": "0",
		},
	}
	filter := func(name string, ordered bool, mods []mod, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) {
			g := f.add(tLogGroup, "authorizer", map[string]any{"name": group, "retentionInDays": int64(30)})
			var deps []string
			if ordered {
				deps = []string{g}
			}
			f.add(tLogMetricFilter, "authorizer-failures", inputs(base, mods...), deps...)
		}}
	}
	long := func(n int) string { return strings.Repeat("a", n) }
	runRealityCases(t, []string{tLogMetricFilter}, []realityCase{
		filter("accepted: kumo's filter after its log group", true, nil),
		filter("accepted: an empty pattern matches every event", true, []mod{set("pattern", "")}),
		filter("accepted: a 1024-character pattern", true, []mod{set("pattern", long(1024))}),
		filter("a 1025-character pattern", true, []mod{set("pattern", long(1025))},
			want{tLogMetricFilter, "pattern", "at most 1024", "API_PutMetricFilter"}),
		filter("a name with a colon", true, []mod{set("name", "authorizer:failures")},
			want{tLogMetricFilter, "name", "without ':' or '*'", "API_PutMetricFilter"}),
		filter("a 513-character name", true, []mod{set("name", long(513))},
			want{tLogMetricFilter, "name", "at most 512", "API_PutMetricFilter"}),
		filter("no log group name", true, []mod{set("logGroupName", nil)},
			want{tLogMetricFilter, "logGroupName", "required", "API_PutMetricFilter"}),
		filter("a log group name with a space", true, []mod{set("logGroupName", "/aws/lambda/my fn")},
			want{tLogMetricFilter, "logGroupName", "log group name", "API_PutMetricFilter"}),
		filter("a metric name with a dollar", true, []mod{set("metricTransformation.name", "$failures")},
			want{tLogMetricFilter, "metricTransformation.name", "without ':', '*' or '$'", "API_MetricTransformation"}),
		filter("a 256-character namespace", true, []mod{set("metricTransformation.namespace", long(256))},
			want{tLogMetricFilter, "metricTransformation.namespace", "at most 255", "API_MetricTransformation"}),
		filter("a namespace with an asterisk", true, []mod{set("metricTransformation.namespace", "kumo/*")},
			want{tLogMetricFilter, "metricTransformation.namespace", "without ':', '*' or '$'", "API_MetricTransformation"}),
		filter("no metric value", true, []mod{set("metricTransformation.value", nil)},
			want{tLogMetricFilter, "metricTransformation.value", "required", "API_PutMetricFilter"}),
		filter("a 101-character metric value", true, []mod{set("metricTransformation.value", long(101))},
			want{tLogMetricFilter, "metricTransformation.value", "at most 100", "API_MetricTransformation"}),
		filter("a default value that is not a number", true, []mod{set("metricTransformation.defaultValue", "none")},
			want{tLogMetricFilter, "metricTransformation.defaultValue", "a number", "API_MetricTransformation"}),
		filter("a default value with dimensions", true, []mod{set("metricTransformation.dimensions", map[string]any{"Level": "$.level"})},
			want{tLogMetricFilter, "metricTransformation.defaultValue", "conflict", "pulumi-aws"}),
		filter("accepted: dimensions without a default value", true, []mod{
			set("metricTransformation.dimensions", map[string]any{"Level": "$.level"}), set("metricTransformation.defaultValue", nil)}),
		filter("the filter before its log group exists", false, nil,
			want{tLogMetricFilter, "logGroupName", "must exist first", "ResourceNotFoundException"}),
		{name: "accepted: a log group made elsewhere", build: func(f *fixture) {
			f.add(tLogMetricFilter, "authorizer-failures", inputs(base))
		}},
		{name: "an autonamed filter of a resource name too long to autoname", want: []want{{tLogMetricFilter, "name", "", "SetAutonaming"}},
			build: func(f *fixture) {
				f.add(tLogMetricFilter, long(250), inputs(base))
			}},
	})
}
