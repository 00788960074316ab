package synth

import (
	"encoding/json"
	"regexp"
	"strings"
)

// Sources of the SNS rules.
const (
	srcSNSCreateTopic    = "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html"
	srcSNSSetTopicAttrs  = "https://docs.aws.amazon.com/sns/latest/api/API_SetTopicAttributes.html"
	srcSNSSubscribe      = "https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html"
	srcSNSDeadLetter     = "https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html"
	srcTFSNSSubscription = "terraform-provider-aws internal/service/sns/topic_subscription.go (protocol enum; subscription_role_arn required for firehose); " + srcSNSSubscribe
	// pulumi-aws autonames a topic AutoNameWithCustomOptions("name",
	// {Separator "-", Maxlen 80, Randlen 7}) and appends ".fifo" when
	// fifoTopic is true (PostTransform).
	srcProviderSNSName = "pulumi-aws provider resource overrides aws_sns_topic name AutoNameWithCustomOptions(Maxlen 80, Randlen 7, .fifo PostTransform)"
)

// snsProtocols are Subscribe's protocols.
var snsProtocols = []string{"http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"}

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
			{Rule: "the endpoint fits the protocol: an e-mail address for email and email-json, a URL beginning http:// or https:// for http and https, an ARN of an SQS queue, a Lambda function or a Firehose stream for sqs, lambda and firehose", Source: srcSNSSubscribe,
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
						good = strings.HasPrefix(e, "arn:") && strings.Contains(e, ":sqs:")
					case "lambda":
						good = strings.HasPrefix(e, "arn:") && strings.Contains(e, ":lambda:")
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
