package synth

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Tests of the AWS IoT topic rule rules: each refused case is a value AWS
// or the provider refuses.

const iotRoleArnValue = "arn:aws:iam::123456789012:role/sensors-1234567"

// topicRuleInputs is the TopicRule construct's rule: a named rule putting
// selected messages into a stream, failures into an error stream.
func topicRuleInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{
		"name": "kumo_dev_sensors", "enabled": true, "sqlVersion": "2016-03-23",
		"sql":     "SELECT * FROM 'sensors/+/telemetry' WHERE type = 'temperature'",
		"kineses": []any{map[string]any{"streamName": "readings-1234567", "partitionKey": "${newuuid()}", "roleArn": iotRoleArnValue}},
		"errorAction": map[string]any{"kinesis": map[string]any{
			"streamName": "errors-1234567", "partitionKey": "${newuuid()}", "roleArn": iotRoleArnValue}},
	}, mods...)
}

func TestIoTTopicRuleRealityRules(t *testing.T) {
	rule := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) { f.add(tIoTTopicRule, "sensors", topicRuleInputs(m...)) }}
	}
	s3Error := map[string]any{"s3": map[string]any{"bucketName": "errors-1234567", "key": "iot-errors/${newuuid()}", "roleArn": iotRoleArnValue}}
	runRealityCases(t, []string{tIoTTopicRule}, []realityCase{
		rule("accepted: the construct's rule", nil),
		rule("accepted: errors to S3", []mod{set("errorAction", s3Error)}),
		rule("accepted: beta SQL without FROM (Basic Ingest only)", []mod{set("sqlVersion", "beta"), set("sql", "SELECT *")}),
		{name: "accepted: autonamed from a name without '-'", build: func(f *fixture) {
			f.add(tIoTTopicRule, "sensors_ingest", topicRuleInputs(set("name", nil)))
		}},
		// pulumi-aws autonames topic rules from the resource name with "_",
		// and keeps the resource name's '-', which CreateTopicRule refuses.
		{name: "autonamed from a resource name with '-'", build: func(f *fixture) {
			f.add(tIoTTopicRule, "sensors-ingest", topicRuleInputs(set("name", nil)))
		}, want: []want{{tIoTTopicRule, "name", "does not match ^[a-zA-Z0-9_]+$", "API_CreateTopicRule"}}},
		{name: "autonamed from a resource name too long for 128 characters", build: func(f *fixture) {
			f.add(tIoTTopicRule, strings.Repeat("r", 121), topicRuleInputs(set("name", nil)))
		}, want: []want{{tIoTTopicRule, "name", "must fit in 128 characters", "AutoNameWithCustomOptions"}}},
		rule("name with a '.'", []mod{set("name", "kumo.dev.sensors")},
			want{tIoTTopicRule, "name", "does not match", "API_CreateTopicRule"}),
		rule("name over 128 characters", []mod{set("name", strings.Repeat("r", 129))},
			want{tIoTTopicRule, "name", "at most 128", "API_CreateTopicRule"}),
		rule("no SQL", []mod{set("sql", nil)}, want{tIoTTopicRule, "sql", "required", "topic_rule.go"}),
		rule("no SQL version", []mod{set("sqlVersion", nil)}, want{tIoTTopicRule, "sqlVersion", "required", "topic_rule.go"}),
		rule("no enabled", []mod{set("enabled", nil)}, want{tIoTTopicRule, "enabled", "required", "topic_rule.go"}),
		rule("SQL version of another date", []mod{set("sqlVersion", "2016-03-24")},
			want{tIoTTopicRule, "sqlVersion", "must be one of 2015-10-08, 2016-03-23, beta", "iot-rule-sql-version"}),
		rule("SQL that does not select", []mod{set("sql", "DELETE FROM 'sensors/#'")},
			want{tIoTTopicRule, "sql", "SELECT <fields>", "iot-sql-reference"}),
		rule("topic filter without quotes", []mod{set("sql", "SELECT * FROM sensors/+/telemetry")},
			want{tIoTTopicRule, "sql", "SELECT <fields>", "iot-sql-from"}),
		rule("'#' before the last level", []mod{set("sql", "SELECT * FROM 'sensors/#/telemetry'")},
			want{tIoTTopicRule, "sql", "valid MQTT topic filter", "topicfilters"}),
		rule("'+' inside a level", []mod{set("sql", "SELECT * FROM 'sensors/room+/telemetry'")},
			want{tIoTTopicRule, "sql", "valid MQTT topic filter", "topicfilters"}),
		rule("eleven actions", []mod{set("kineses", func() []any {
			var as []any
			for i := 0; i < 11; i++ {
				as = append(as, map[string]any{"streamName": fmt.Sprintf("s%d", i), "roleArn": iotRoleArnValue})
			}
			return as
		}())}, want{tIoTTopicRule, "(actions)", "at most 10", "API_TopicRulePayload"}),
		rule("two error actions", []mod{set("errorAction.s3", s3Error["s3"])},
			want{tIoTTopicRule, "errorAction", "exactly one action", "topic_rule.go"}),
		rule("empty error action", []mod{set("errorAction", map[string]any{})},
			want{tIoTTopicRule, "errorAction", "exactly one action", "topic_rule.go"}),
		rule("Kinesis action without a stream", []mod{set("kineses", []any{map[string]any{"roleArn": iotRoleArnValue}})},
			want{tIoTTopicRule, "kineses[].streamName", "required", "API_KinesisAction"}),
		rule("S3 error action without a key", []mod{set("errorAction", map[string]any{"s3": map[string]any{"bucketName": "b", "roleArn": iotRoleArnValue}})},
			want{tIoTTopicRule, "errorAction.s3.key", "required", "API_S3Action"}),
		rule("Kinesis stream name with a slash", []mod{set("kineses", []any{map[string]any{"streamName": "a/b", "roleArn": iotRoleArnValue}})},
			want{tIoTTopicRule, "kineses[].streamName", "stream name", "API_CreateStream"}),
		rule("a user ARN for the role", []mod{set("errorAction.kinesis.roleArn", "arn:aws:iam::123456789012:user/deployer")},
			want{tIoTTopicRule, "errorAction.kinesis.roleArn", "IAM role ARN", "API_KinesisAction"}),
		{name: "two rules with one name", build: func(f *fixture) {
			f.add(tIoTTopicRule, "a", topicRuleInputs())
			f.add(tIoTTopicRule, "b", topicRuleInputs())
		}, want: []want{{tIoTTopicRule, "name", "must be unique", "API_CreateTopicRule"}, {tIoTTopicRule, "name", "must be unique", "API_CreateTopicRule"}}},

		// Ordering: the role's policies first.
		{name: "rule before its role's policy", build: func(f *fixture) {
			f.add(tRolePolicy, "sensors-put", map[string]any{"role": "sensors-1234567", "policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kinesis:PutRecord","Resource":"*"}]}`})
			f.add(tIoTTopicRule, "sensors", topicRuleInputs())
		}, want: []want{{tIoTTopicRule, "kineses[].roleArn", "after the inline policies", "topic_rule.go"}}},
		{name: "accepted: rule after its role's policy", build: func(f *fixture) {
			p := f.add(tRolePolicy, "sensors-put", map[string]any{"role": "sensors-1234567", "policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kinesis:PutRecord","Resource":"*"}]}`})
			f.add(tIoTTopicRule, "sensors", topicRuleInputs(), p)
		}},
	})
}

// The mocks answer for streams and rules as AWS and the provider do: a
// stream's ID is its ARN, a rule's its name.
func TestKinesisAndIoTMockOutputs(t *testing.T) {
	for _, tc := range []struct {
		typ, name string
		want      map[string]string
	}{
		{tKinesisStream, "events", map[string]string{
			"id": `arn:aws:kinesis:eu-west-1:123456789012:stream/events-[0-9a-f]{7}`, "name": `events-[0-9a-f]{7}`,
			"arn": `arn:aws:kinesis:eu-west-1:123456789012:stream/events-[0-9a-f]{7}`}},
		{tIoTTopicRule, "sensors", map[string]string{
			"id": `sensors_[0-9a-f]{7}`, "name": `sensors_[0-9a-f]{7}`, "arn": `arn:aws:iot:eu-west-1:123456789012:rule/sensors_[0-9a-f]{7}`}},
	} {
		m := newMonitor("shop", "dev", "eu-west-1", t.TempDir())
		id, state, err := m.NewResource(pulumi.MockResourceArgs{TypeToken: tc.typ, Name: tc.name, Custom: true,
			Inputs: resource.PropertyMap{}, RegisterRPC: &pulumirpc.RegisterResourceRequest{Type: tc.typ, Name: tc.name, Custom: true}})
		if err != nil {
			t.Fatal(err)
		}
		for k, pattern := range tc.want {
			got := id
			if k != "id" {
				got = state[resource.PropertyKey(k)].StringValue()
			}
			if !regexp.MustCompile(`^` + pattern + `$`).MatchString(got) {
				t.Errorf("%s %s = %q; want match for %s", tc.typ, k, got, pattern)
			}
		}
	}
}
