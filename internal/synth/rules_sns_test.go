package synth

import (
	"strings"
	"testing"
)

const (
	tTopic        = "aws:sns/topic:Topic"
	tTopicPolicy  = "aws:sns/topicPolicy:TopicPolicy"
	tSubscription = "aws:sns/topicSubscription:TopicSubscription"
)

const topicArn = "arn:aws:sns:eu-west-1:123456789012:alerts-1234567"

func TestSNSRealityRules(t *testing.T) {
	topic := func(name string, in map[string]any) func(f *fixture) {
		return func(f *fixture) { f.add(tTopic, name, in) }
	}
	sub := func(mods ...mod) func(f *fixture) {
		return func(f *fixture) {
			f.add(tSubscription, "s", inputs(map[string]any{"topic": topicArn, "protocol": "email", "endpoint": "ops@example.com",
				"redrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:123456789012:alerts-dlq"}`}, mods...))
		}
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sns:*","Resource":"` + topicArn + `","Condition":{"Bool":{"aws:SecureTransport":["false"]}}}]}`
	runRealityCases(t, specTypes(snsSpecs), []realityCase{
		{"topic AWS accepts", topic("alerts", map[string]any{"kmsMasterKeyId": "arn:aws:kms:eu-west-1:123456789012:key/k"}), nil},
		{"FIFO topic autonamed with .fifo", topic("orders", map[string]any{"fifoTopic": true}), nil},
		{"FIFO topic named without .fifo", topic("orders", map[string]any{"fifoTopic": true, "name": "orders"}),
			[]want{{tTopic, "name", "ends in .fifo", "API_CreateTopic"}}},
		{"standard topic named .fifo", topic("orders", map[string]any{"name": "orders.fifo"}),
			[]want{{tTopic, "name", "ends in .fifo", "API_CreateTopic"}}},
		{"topic name with a period", topic("t", map[string]any{"name": "lake.alerts"}), []want{{tTopic, "name", "does not match", "API_CreateTopic"}}},
		{"topic name over 256 characters", topic("t", map[string]any{"name": strings.Repeat("t", 257)}), []want{{tTopic, "name", "at most 256", "API_CreateTopic"}}},
		{"topic autonamed from a resource name too long", topic(strings.Repeat("t", 73), map[string]any{}), []want{{tTopic, "name", "must fit in 80", "aws_sns_topic"}}},
		{"tracing mode", topic("t", map[string]any{"tracingConfig": "On"}), []want{{tTopic, "tracingConfig", "must be one of", "API_CreateTopic"}}},
		{"signature version 3", topic("t", map[string]any{"signatureVersion": int64(3)}), []want{{tTopic, "signatureVersion", "between 1 and 2", "API_CreateTopic"}}},
		{"active tracing on a FIFO topic", topic("t", map[string]any{"fifoTopic": true, "tracingConfig": "Active"}),
			[]want{{tTopic, "tracingConfig", "only for standard topics", "API_CreateTopic"}}},
		{"topic inline policy not JSON", topic("t", map[string]any{"policy": "{"}), []want{{tTopic, "policy", "JSON policy document", "API_SetTopicAttributes"}}},

		{"topic policy AWS accepts", func(f *fixture) { f.add(tTopicPolicy, "p", map[string]any{"arn": topicArn, "policy": policy}) }, nil},
		{"topic policy without statements", func(f *fixture) {
			f.add(tTopicPolicy, "p", map[string]any{"arn": topicArn, "policy": `{"Version":"2012-10-17","Statement":[]}`})
		}, []want{{tTopicPolicy, "policy", "JSON policy document", "API_SetTopicAttributes"}}},
		{"topic policy without a topic", func(f *fixture) { f.add(tTopicPolicy, "p", map[string]any{"policy": policy}) },
			[]want{{tTopicPolicy, "arn", "required", "API_SetTopicAttributes"}}},

		{"e-mail subscription AWS accepts", sub(), nil},
		{"e-mail subscription to no address", sub(set("endpoint", "ops at example")), []want{{tSubscription, "endpoint", "fits the protocol", "API_Subscribe"}}},
		{"https subscription to an http URL", sub(set("protocol", "https"), set("endpoint", "http://example.com/hook")),
			[]want{{tSubscription, "endpoint", "fits the protocol", "API_Subscribe"}}},
		{"sqs subscription to a queue URL", sub(set("protocol", "sqs"), set("endpoint", "https://sqs.eu-west-1.amazonaws.com/123456789012/q")),
			[]want{{tSubscription, "endpoint", "fits the protocol", "API_Subscribe"}}},
		{"unknown protocol", sub(set("protocol", "smtp")), []want{{tSubscription, "protocol", "must be one of", "topic_subscription.go"}}},
		{"subscription without an endpoint", sub(set("endpoint", nil)), []want{{tSubscription, "endpoint", "required", "API_Subscribe"}}},
		{"firehose subscription without a role", sub(set("protocol", "firehose"), set("endpoint", "arn:aws:firehose:eu-west-1:123456789012:deliverystream/s")),
			[]want{{tSubscription, "subscriptionRoleArn", "subscriptionRoleArn", "topic_subscription.go"}}},
		{"redrive policy naming no queue", sub(set("redrivePolicy", `{"deadLetterTargetArn":"alerts-dlq"}`)),
			[]want{{tSubscription, "redrivePolicy", "deadLetterTargetArn", "sns-dead-letter-queues"}}},
	})
}
