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

const (
	topicArn     = "arn:aws:sns:eu-west-1:123456789012:alerts-1234567"
	alertsDLQArn = "arn:aws:sqs:eu-west-1:123456789012:alerts-dlq"
	queueArn     = "arn:aws:sqs:eu-west-1:123456789012:thumbs"
	fnAlias      = "arn:aws:lambda:eu-west-1:123456789012:function:resize-1234567:live"
)

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

		// Function and queue endpoints.
		{"accepted: a function's alias", sub(set("protocol", "lambda"), set("endpoint", fnAlias)), nil},
		{"lambda subscription to a layer", sub(set("protocol", "lambda"), set("endpoint", "arn:aws:lambda:eu-west-1:123456789012:layer:deps:3")),
			[]want{{tSubscription, "endpoint", "function ARN", "API_Subscribe"}}},
		{"lambda subscription to a function name", sub(set("protocol", "lambda"), set("endpoint", "resize")),
			[]want{{tSubscription, "endpoint", "function ARN", "API_Subscribe"}}},
		{"sqs subscription to an ARN without a queue name", sub(set("protocol", "sqs"), set("endpoint", "arn:aws:sqs:eu-west-1:123456789012")),
			[]want{{tSubscription, "endpoint", "queue ARN", "API_Subscribe"}}},
		{"accepted: raw delivery to a queue", sub(set("protocol", "sqs"), set("endpoint", queueArn), set("rawMessageDelivery", true)), nil},
		{"raw delivery to a function", sub(set("protocol", "lambda"), set("endpoint", fnAlias), set("rawMessageDelivery", true)),
			[]want{{tSubscription, "rawMessageDelivery", "sqs, http, https and firehose", "sns-large-payload-raw-message-delivery"}}},
		{"standard topic to a FIFO queue", sub(set("protocol", "sqs"), set("endpoint", queueArn+".fifo")),
			[]want{{tSubscription, "endpoint", "cannot deliver to a FIFO queue", "fifo-message-delivery"}}},
		{"FIFO topic to a function", sub(set("topic", topicArn+".fifo"), set("protocol", "lambda"), set("endpoint", fnAlias),
			set("redrivePolicy", `{"deadLetterTargetArn":"`+alertsDLQArn+`.fifo"}`)),
			[]want{{tSubscription, "protocol", "only to SQS queues", "fifo-message-delivery"}}},

		// Dead-letter queues: same account and region, the topic's kind.
		{"dead-letter queue in another region", sub(set("redrivePolicy", `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:alerts-dlq"}`)),
			[]want{{tSubscription, "redrivePolicy", "account and region", "same account and Region"}}},
		{"FIFO dead-letter queue for a standard topic", sub(set("redrivePolicy", `{"deadLetterTargetArn":"`+alertsDLQArn+`.fifo"}`)),
			[]want{{tSubscription, "redrivePolicy", "of the topic's kind", "FIFO topics use FIFO queues"}}},

		// Filter policies.
		{"accepted: a filter policy on attributes", sub(set("filterPolicy", `{"kind":["image"],"size":[{"numeric":[">",0]}]}`)), nil},
		{"accepted: a nested filter policy on the body", sub(set("filterPolicy", `{"detail":{"kind":["image"]}}`), set("filterPolicyScope", "MessageBody")), nil},
		{"filter policy that is not JSON", sub(set("filterPolicy", "kind = image")),
			[]want{{tSubscription, "filterPolicy", "JSON object", "subscription-filter-policy-constraints"}}},
		{"filter policy over 256 KB", sub(set("filterPolicy", `{"kind":["`+strings.Repeat("x", 256*1024)+`"]}`)),
			[]want{{tSubscription, "filterPolicy", "256 KB", "subscription-filter-policy-constraints"}}},
		{"filter policy with six keys", sub(set("filterPolicy", `{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}`)),
			[]want{{tSubscription, "filterPolicy", "at most 5 keys", "subscription-filter-policy-constraints"}}},
		{"nested filter policy on attributes", sub(set("filterPolicy", `{"detail":{"kind":["image"]}}`)),
			[]want{{tSubscription, "filterPolicy", "no nested objects", "subscription-filter-policy-constraints"}}},
		{"filter scope that is none", sub(set("filterPolicy", `{"kind":["image"]}`), set("filterPolicyScope", "Body")),
			[]want{{tSubscription, "filterPolicyScope", "must be one of", "API_SetSubscriptionAttributes"}}},
	})
}
