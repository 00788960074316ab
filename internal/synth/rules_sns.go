package synth

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Sources of the SNS rules.
const (
	srcSNSCreateTopic    = "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html"
	srcSNSSetTopicAttrs  = "https://docs.aws.amazon.com/sns/latest/api/API_SetTopicAttributes.html"
	srcSNSSubscribe      = "https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html"
	srcSNSDeadLetter     = "https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html"
	srcTFSNSSubscription = "terraform-provider-aws internal/service/sns/topic_subscription.go (protocol enum; subscription_role_arn required for firehose); " + srcSNSSubscribe
	srcSNSSetSubAttrs    = "https://docs.aws.amazon.com/sns/latest/api/API_SetSubscriptionAttributes.html"
	// "The maximum size of a filter policy is 256 KB"; "A filter policy can
	// have a maximum of five keys"; "Amazon SNS does not accept a nested
	// filter policy for attribute-based filtering".
	srcSNSFilterConstraints = "https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html"
	// Raw message delivery is for "Firehose delivery streams, Amazon SQS,
	// and HTTP/S endpoints"; for Lambda SNS answers InvalidParameter.
	srcSNSRawDelivery = "https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html; " + srcSNSSetSubAttrs
	// A FIFO topic delivers to SQS queues only; a standard topic cannot
	// subscribe a FIFO queue (getmoto/moto#8957 validates Subscribe against
	// AWS: "standard topic to a FIFO queue").
	srcSNSFIFODelivery = "https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html; getmoto/moto#8957 (AWS-validated Subscribe of a FIFO queue to a standard topic is refused)"
	// "The Amazon SNS subscription and Amazon SQS queue must be under the
	// same AWS account and Region"; "FIFO topic subscriptions use FIFO
	// queues, and standard topic subscriptions use standard queues".
	srcSNSDeadLetterQueue = srcSNSDeadLetter + " (Note: same account and Region; FIFO topics use FIFO queues)"
	// pulumi-aws autonames a topic AutoNameWithCustomOptions("name",
	// {Separator "-", Maxlen 80, Randlen 7}) and appends ".fifo" when
	// fifoTopic is true (PostTransform).
	srcProviderSNSName = "pulumi-aws provider resource overrides aws_sns_topic name AutoNameWithCustomOptions(Maxlen 80, Randlen 7, .fifo PostTransform)"
)

// snsProtocols are Subscribe's protocols.
var snsProtocols = []string{"http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"}

// snsLambdaEndpoint is a function ARN, qualified or not: SNS invokes it
// (arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]).
var snsLambdaEndpoint = regexp.MustCompile(`^arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?$`)

// snsRawProtocols are the protocols SNS delivers raw messages to.
var snsRawProtocols = []string{"sqs", "http", "https", "firehose"}

// arnRegionAccount is the region and account of an ARN, "" for anything
// else.
func arnRegionAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[3] + ":" + parts[4]
}

// snsEmail is the shape of an e-mail endpoint: SNS sends the confirmation
// to it, and refuses an endpoint that is no address (InvalidParameter).
var snsEmail = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

var snsSpecs = map[string]Spec{
	"aws:sns/topic:Topic": {
		Names: []Name{{Prop: "name", PrefixProp: "namePrefix",
			Auto: &Autoname{Max: 80, Sep: "-", Suffix: ".fifo", SuffixWhen: "fifoTopic", Source: srcProviderSNSName},
			// "Topic names must be made up of only uppercase and lowercase
			// ASCII letters, numbers, underscores, and hyphens, and must be
			// between 1 and 256 characters long. For a FIFO topic, the name
			// must end with the .fifo suffix."
			Rule: StringRule{Pattern: regexp.MustCompile(`^[a-zA-Z0-9_-]+(\.fifo)?$`), Min: 1, Max: 256,
				Desc: "a topic name is 1–256 letters, digits, '-' or '_' (FIFO topics end in .fifo)", Source: srcSNSCreateTopic}}},
		Checks: []Check{
			{Rule: "a FIFO topic's name ends in .fifo and only FIFO topics' do", Source: srcSNSCreateTopic,
				Find: func(r *Resource, _ *Stack) []Finding {
					fifo, _ := r.Value("fifoTopic")
					n := r.Physical("name")
					if n == "" || isPlaceholder(n) {
						return nil
					}
					if (fifo == true) != strings.HasSuffix(n, ".fifo") {
						return []Finding{{Property: "name", Value: n}}
					}
					return nil
				}},
			snsPolicyJSON(srcSNSSetTopicAttrs, "policy"),
			// TracingConfig "PassThrough" or "Active"; SignatureVersion 1
			// (SHA1) or 2 (SHA256).
			oneOf(srcSNSCreateTopic, "tracingConfig", "PassThrough", "Active"),
			intRange(srcSNSCreateTopic, "signatureVersion", 1, 2),
			// "This is only supported on standard topics."
			{Rule: "active tracing is only for standard topics", Source: srcSNSCreateTopic,
				Find: func(r *Resource, _ *Stack) []Finding {
					fifo, _ := r.Value("fifoTopic")
					if tc, _ := r.String("tracingConfig"); fifo == true && tc == "Active" {
						return []Finding{{Property: "tracingConfig", Value: tc}}
					}
					return nil
				}},
		},
	},

	"aws:sns/topicPolicy:TopicPolicy": {
		Checks: []Check{
			required(srcSNSSetTopicAttrs, "arn", "policy"),
			snsPolicyJSON(srcSNSSetTopicAttrs, "policy"),
		},
	},

	"aws:sns/topicSubscription:TopicSubscription": {
		Checks: []Check{
			required(srcSNSSubscribe, "topic", "protocol", "endpoint"),
			oneOf(srcTFSNSSubscription, "protocol", snsProtocols...),
			{Rule: "a firehose subscription needs subscriptionRoleArn, the role SNS assumes to put records", Source: srcTFSNSSubscription,
				Find: func(r *Resource, _ *Stack) []Finding {
					if p, _ := r.String("protocol"); p == "firehose" {
						if _, ok := r.Value("subscriptionRoleArn"); !ok {
							return []Finding{{Property: "subscriptionRoleArn"}}
						}
					}
					return nil
				}},
			// "For the email protocol, the endpoint is an email address";
			// "https … a URL beginning with https://"; sqs, lambda and
			// firehose take the ARN of the queue, function or stream.
			{Rule: "the endpoint fits the protocol: an e-mail address for email and email-json, a URL beginning http:// or https:// for http and https, a queue ARN (arn:…:sqs:<region>:<account>:<name>) for sqs, a function ARN (arn:…:lambda:<region>:<account>:function:<name>[:<alias or version>]) for lambda, a Firehose stream ARN for firehose", Source: srcSNSSubscribe,
				Find: func(r *Resource, _ *Stack) []Finding {
					p, _ := r.String("protocol")
					e, ok := r.String("endpoint")
					if !ok {
						return nil
					}
					good := true
					switch p {
					case "email", "email-json":
						good = snsEmail.MatchString(e)
					case "http", "https":
						good = strings.HasPrefix(e, p+"://")
					case "sqs":
						good = sqsArnName(e) != ""
					case "lambda":
						good = snsLambdaEndpoint.MatchString(e)
					case "firehose":
						good = strings.HasPrefix(e, "arn:") && strings.Contains(e, ":firehose:")
					}
					if !good {
						return []Finding{{Property: "endpoint", Value: e}}
					}
					return nil
				}},
			// The redrive policy names the dead-letter queue by ARN:
			// {"deadLetterTargetArn": "arn:aws:sqs:…"}.
			{Rule: `redrivePolicy is JSON {"deadLetterTargetArn": <SQS queue ARN>}`, Source: srcSNSDeadLetter,
				Find: func(r *Resource, _ *Stack) []Finding {
					doc, ok := r.String("redrivePolicy")
					if !ok {
						return nil
					}
					var rp struct {
						DeadLetterTargetArn string `json:"deadLetterTargetArn"`
					}
					if err := json.Unmarshal([]byte(doc), &rp); err != nil || !strings.HasPrefix(rp.DeadLetterTargetArn, "arn:") || !strings.Contains(rp.DeadLetterTargetArn, ":sqs:") {
						return []Finding{{Property: "redrivePolicy", Value: doc}}
					}
					return nil
				}},
			{Rule: "the dead-letter queue is in the subscription's account and region, and of the topic's kind (a FIFO queue for a FIFO topic, a standard queue for a standard one)",
				Source: srcSNSDeadLetterQueue,
				Find: func(r *Resource, _ *Stack) []Finding {
					doc, ok := r.String("redrivePolicy")
					topic, known := r.String("topic")
					if !ok || !known {
						return nil
					}
					var rp struct {
						DeadLetterTargetArn string `json:"deadLetterTargetArn"`
					}
					if json.Unmarshal([]byte(doc), &rp) != nil || sqsArnName(rp.DeadLetterTargetArn) == "" {
						return nil // the redrivePolicy rule reports it
					}
					dlq := rp.DeadLetterTargetArn
					if arnRegionAccount(dlq) != arnRegionAccount(topic) || strings.HasSuffix(dlq, ".fifo") != strings.HasSuffix(topic, ".fifo") {
						return []Finding{{Property: "redrivePolicy", Value: fmt.Sprintf("%s (topic %s)", dlq, topic)}}
					}
					return nil
				}},
			{Rule: "a FIFO topic delivers only to SQS queues, and a standard topic cannot deliver to a FIFO queue", Source: srcSNSFIFODelivery,
				Find: func(r *Resource, _ *Stack) []Finding {
					topic, ok := r.String("topic")
					p, _ := r.String("protocol")
					e, _ := r.String("endpoint")
					if !ok {
						return nil
					}
					fifoTopic := strings.HasSuffix(topic, ".fifo")
					switch {
					case fifoTopic && p != "sqs" && p != "":
						return []Finding{{Property: "protocol", Value: p + " (FIFO topic " + topic + ")"}}
					case !fifoTopic && p == "sqs" && strings.HasSuffix(sqsArnName(e), ".fifo"):
						return []Finding{{Property: "endpoint", Value: e + " (standard topic " + topic + ")"}}
					}
					return nil
				}},
			oneOf(srcSNSSetSubAttrs, "filterPolicyScope", "MessageAttributes", "MessageBody"),
			{Rule: "a filter policy is a JSON object of at most 256 KB; matching message attributes (the default scope), it has at most 5 keys and no nested objects",
				Source: srcSNSFilterConstraints,
				Find: func(r *Resource, _ *Stack) []Finding {
					doc, ok := r.String("filterPolicy")
					if !ok {
						return nil
					}
					var policy map[string]any
					if len(doc) > 256*1024 || json.Unmarshal([]byte(doc), &policy) != nil {
						return []Finding{{Property: "filterPolicy", Value: doc}}
					}
					if scope, _ := r.String("filterPolicyScope"); scope == "MessageBody" {
						return nil
					}
					if len(policy) > 5 {
						return []Finding{{Property: "filterPolicy", Value: fmt.Sprintf("%d keys: %s", len(policy), doc)}}
					}
					for _, v := range policy {
						if _, nested := v.(map[string]any); nested {
							return []Finding{{Property: "filterPolicy", Value: "nested: " + doc}}
						}
					}
					return nil
				}},
			{Rule: "rawMessageDelivery is for sqs, http, https and firehose subscriptions only", Source: srcSNSRawDelivery,
				Find: func(r *Resource, _ *Stack) []Finding {
					p, ok := r.String("protocol")
					if raw, _ := r.Value("rawMessageDelivery"); raw == true && ok && !slices.Contains(snsRawProtocols, p) {
						return []Finding{{Property: "rawMessageDelivery", Value: "true (protocol " + p + ")"}}
					}
					return nil
				}},
		},
	},
}

// snsPolicyJSON: an access policy SNS accepts is JSON with a Statement
// (SetTopicAttributes' Policy attribute; InvalidParameter otherwise).
func snsPolicyJSON(source, prop string) Check {
	return Check{
		Rule:   "the access policy is a JSON policy document with a Statement",
		Source: source,
		Find: func(r *Resource, _ *Stack) []Finding {
			doc, ok := r.String(prop)
			if !ok {
				return nil
			}
			if _, err := rpStatements(doc); err != nil {
				return []Finding{{Property: prop, Value: err.Error()}}
			}
			return nil
		},
	}
}
