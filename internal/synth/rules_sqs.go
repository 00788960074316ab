package synth

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

const (
	srcSQSCreateQueue = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html"
	srcSQSSetAttrs    = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html"
	// The provider autonames queues to 80 characters and keeps a FIFO
	// queue's ".fifo" suffix (pulumi-aws provider/resources.go aws_sqs_queue).
	srcProviderSQSName = "pulumi-aws provider/resources.go aws_sqs_queue name AutoName (80, with .fifo suffix)"
	// "The dead-letter queue of a FIFO queue must also be a FIFO queue.
	// Similarly, the dead-letter queue of a standard queue must also be a
	// standard queue" (pulumi-aws sqs RedrivePolicy, from the SQS guide);
	// the console takes a maximum receives of 1 to 1,000.
	srcSQSDeadLetter = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html; https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html; pulumi-aws sdk sqs/redrivePolicy (RedrivePolicy.maxReceiveCount note)"
	// terraform-provider-aws internal/service/sqs/queue.go: kms_master_key_id
	// ConflictsWith sqs_managed_sse_enabled; kms_data_key_reuse_period_seconds
	// IntBetween(60, 86_400); CustomizeDiff "content-based deduplication can
	// only be set for FIFO queue".
	srcTFSQSQueue = "terraform-provider-aws internal/service/sqs/queue.go (schema ConflictsWith, IntBetween; resourceQueueCustomizeDiff); " + srcSQSCreateQueue
	// A queue has one Policy attribute: a second writer replaces the
	// first on every deploy, and the provider prefers the separate
	// resource to the inline policy ("It is preferred to use the
	// sqs.QueuePolicy resource instead").
	srcSQSOnePolicy = srcSQSSetAttrs + " (Policy, one attribute per queue); pulumi-aws sdk sqs/queue.go (Policy: \"It is preferred to use the sqs.QueuePolicy resource instead\")"
	// Lambda's SQS event source: "Your function's timeout must be less than
	// or equal to the queue's visibility timeout. Lambda validates this
	// requirement when you create or update an event source mapping".
	srcLambdaSQSConfigure = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html"
	// "For standard queues, the maximum is 10,000. For FIFO queues, the
	// maximum is 10"; "Batching window is not supported for FIFO queues".
	srcLambdaSQSParameters = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html"
	// ScalingConfig: "(Amazon SQS only) … MaximumConcurrency … Minimum: 2
	// Maximum: 1000".
	srcLambdaScalingConfig = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-eventsourcemapping-scalingconfig.html; " + srcLambdaCreateESM
	// CreateEventSourceMapping refuses a role that cannot delete the
	// queue's messages: "The provided execution role does not have
	// permissions to call DeleteMessage on SQS"
	// (functionalone/serverless-iam-roles-per-function#21; ReceiveMessage:
	// aws/aws-cdk#6770).
	srcLambdaSQSRole = srcLambdaCreateESM + " (InvalidParameterValueException: The provided execution role does not have permissions to call DeleteMessage on SQS; functionalone/serverless-iam-roles-per-function#21, aws/aws-cdk#6770)"
)

// sqsQueueArn is the shape of a queue ARN: arn:<partition>:sqs:<region>:<account>:<name>.
var sqsQueueArn = regexp.MustCompile(`^arn:[a-z-]+:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$`)

// sqsArnName is the queue name of a queue ARN, "" for anything else.
func sqsArnName(arn string) string {
	if !sqsQueueArn.MatchString(arn) {
		return ""
	}
	return arn[strings.LastIndex(arn, ":")+1:]
}

// queueURLName is the queue name at the end of a queue URL.
func queueURLName(url string) string { return url[strings.LastIndex(url, "/")+1:] }

var sqsSpecs = map[string]Spec{
	"aws:sqs/queue:Queue": {
		Names: []Name{{Prop: "name", PrefixProp: "namePrefix",
			Auto: &Autoname{Max: 80, Sep: "-", Suffix: ".fifo", SuffixWhen: "fifoQueue", Source: srcProviderSQSName},
			Rule: StringRule{Pattern: regexp.MustCompile(`^[a-zA-Z0-9_-]+(\.fifo)?$`), Min: 1, Max: 80,
				Desc: "a queue name is 1–80 letters, digits, '-' or '_' (FIFO queues end in .fifo)", Source: srcSQSCreateQueue}}},
		Checks: []Check{
			intRange(srcSQSCreateQueue, "delaySeconds", 0, 900),
			intRange(srcSQSCreateQueue, "maxMessageSize", 1024, 262144),
			intRange(srcSQSCreateQueue, "messageRetentionSeconds", 60, 1209600),
			intRange(srcSQSCreateQueue, "receiveWaitTimeSeconds", 0, 20),
			intRange(srcSQSCreateQueue, "visibilityTimeoutSeconds", 0, 43200),
			{Rule: "a FIFO queue's name ends in .fifo and only FIFO queues' do", Source: srcSQSCreateQueue,
				Find: func(r *Resource, _ *Stack) []Finding {
					fifo, _ := r.Value("fifoQueue")
					n := r.Physical("name")
					if n == "" {
						return nil
					}
					if (fifo == true) != strings.HasSuffix(n, ".fifo") {
						return []Finding{{Property: "name", Value: n}}
					}
					return nil
				}},
			{Rule: "redrivePolicy is JSON {\"deadLetterTargetArn\": <SQS queue ARN>, \"maxReceiveCount\": 1–1000}, and the dead-letter queue is of the queue's kind: FIFO for a FIFO queue, standard for a standard one",
				Source: srcSQSDeadLetter,
				Find: func(r *Resource, _ *Stack) []Finding {
					doc, ok := r.String("redrivePolicy")
					if !ok {
						return nil
					}
					var rp struct {
						DeadLetterTargetArn string          `json:"deadLetterTargetArn"`
						MaxReceiveCount     json.RawMessage `json:"maxReceiveCount"`
					}
					var n int
					target := ""
					if json.Unmarshal([]byte(doc), &rp) == nil && json.Unmarshal(rp.MaxReceiveCount, &n) == nil {
						target = sqsArnName(rp.DeadLetterTargetArn)
					}
					if target == "" || n < 1 || n > 1000 {
						return []Finding{{Property: "redrivePolicy", Value: doc}}
					}
					if fifo, _ := r.Value("fifoQueue"); (fifo == true) != strings.HasSuffix(target, ".fifo") {
						return []Finding{{Property: "redrivePolicy", Value: fmt.Sprintf("%s (fifoQueue %v)", rp.DeadLetterTargetArn, fifo == true)}}
					}
					return nil
				}},
			{Rule: "contentBasedDeduplication is for FIFO queues only", Source: srcTFSQSQueue,
				Find: func(r *Resource, _ *Stack) []Finding {
					fifo, _ := r.Value("fifoQueue")
					if cbd, _ := r.Value("contentBasedDeduplication"); cbd == true && fifo != true {
						return []Finding{{Property: "contentBasedDeduplication", Value: cbd}}
					}
					return nil
				}},
			{Rule: "kmsMasterKeyId (SSE-KMS) and sqsManagedSseEnabled true (SSE-SQS) conflict: a queue has one kind of encryption", Source: srcTFSQSQueue,
				Find: func(r *Resource, _ *Stack) []Finding {
					_, kms := r.Value("kmsMasterKeyId")
					if sse, _ := r.Value("sqsManagedSseEnabled"); kms && sse == true {
						return []Finding{{Property: "sqsManagedSseEnabled", Value: sse}}
					}
					return nil
				}},
			intRange(srcTFSQSQueue, "kmsDataKeyReusePeriodSeconds", 60, 86400),
		},
	},
	"aws:sqs/queuePolicy:QueuePolicy": {
		Checks: []Check{
			required(srcSQSSetAttrs, "queueUrl", "policy"),
			policyDocument(srcSQSSetAttrs, "policy", 20480),
			{Rule: "a queue has one policy: a second aws:sqs/queuePolicy for the queue, or one next to the queue's inline policy, replaces the other on every deploy; put every statement in one",
				Source: srcSQSOnePolicy,
				Find: func(r *Resource, s *Stack) []Finding {
					url, ok := r.String("queueUrl")
					if !ok {
						return nil
					}
					same := s.index("queueUrl", tQueuePolicy, func(x *Resource) (string, bool) { return x.String("queueUrl") })[url]
					if len(same) > 1 {
						return []Finding{{Property: "queueUrl", Value: fmt.Sprintf("%s (also %s)", url, other(same, r).URN)}}
					}
					for _, q := range s.named(tSQSQueue, "name", queueURLName(url)) {
						if _, inline := q.Value("policy"); inline {
							return []Finding{{Property: "queueUrl", Value: fmt.Sprintf("%s (also the inline policy of %s)", url, q.URN)}}
						}
					}
					return nil
				}},
		},
	},
}

const (
	tSQSQueue    = "aws:sqs/queue:Queue"
	tQueuePolicy = "aws:sqs/queuePolicy:QueuePolicy"
)

// sqsEventSourceChecks are the rules of a Lambda event source mapping that
// reads a queue, added to the mapping's type.
var sqsEventSourceChecks = map[string][]Check{
	tEventSourceMapping: {
		{Rule: "the function's timeout must not exceed the queue's visibility timeout (Lambda validates it when the mapping is created; AWS recommends six times the timeout)",
			Source: srcLambdaSQSConfigure,
			Find: func(r *Resource, s *Stack) []Finding {
				src, _ := r.String("eventSourceArn")
				fn, ok := r.String("functionName")
				name := sqsArnName(src)
				if !ok || name == "" {
					return nil
				}
				timeout := int64(3) // Lambda's default
				fns := s.named("aws:lambda/function:Function", "name", lambdaFunctionName(fn))
				if len(fns) == 0 {
					return nil
				}
				if v, set := fns[0].Value("timeout"); set {
					timeout, _ = asInt(v)
				}
				for _, q := range s.named(tSQSQueue, "name", name) {
					visibility := int64(30) // SQS's default
					if v, set := q.Value("visibilityTimeoutSeconds"); set {
						visibility, _ = asInt(v)
					}
					if timeout > visibility {
						return []Finding{{Property: "functionName", Value: fmt.Sprintf("%s (timeout %d s, queue %s visibility timeout %d s)", fn, timeout, name, visibility)}}
					}
				}
				return nil
			}},
		{Rule: "a FIFO queue source takes at most 10 messages a batch and no batching window", Source: srcLambdaSQSParameters,
			Find: func(r *Resource, _ *Stack) []Finding {
				src, _ := r.String("eventSourceArn")
				if !strings.HasSuffix(sqsArnName(src), ".fifo") {
					return nil
				}
				var fs []Finding
				if b, _ := r.Value("batchSize"); b != nil {
					if n, _ := asInt(b); n > 10 {
						fs = append(fs, Finding{Property: "batchSize", Value: b})
					}
				}
				if w, _ := r.Value("maximumBatchingWindowInSeconds"); w != nil {
					if n, _ := asInt(w); n > 0 {
						fs = append(fs, Finding{Property: "maximumBatchingWindowInSeconds", Value: w})
					}
				}
				return fs
			}},
		intRange(srcLambdaScalingConfig, "scalingConfig.maximumConcurrency", 2, 1000),
		{Rule: "scalingConfig (maximum concurrency) is for Amazon SQS sources only", Source: srcLambdaScalingConfig,
			Find: func(r *Resource, _ *Stack) []Finding {
				if _, set := r.Value("scalingConfig"); set && esmSource(r) != "sqs" && esmSource(r) != "" {
					return []Finding{{Property: "scalingConfig", Value: "(set for a " + esmSource(r) + " source)"}}
				}
				return nil
			}},
		{Rule: "the function's execution role must allow sqs:DeleteMessage on the queue before the mapping is created: depend on the role policy that grants it",
			Source: srcLambdaSQSRole,
			Find: func(r *Resource, s *Stack) []Finding {
				if esmSource(r) != "sqs" {
					return nil
				}
				fn, ok := r.String("functionName")
				if !ok {
					return nil
				}
				for _, f := range s.named("aws:lambda/function:Function", "name", lambdaFunctionName(fn)) {
					arn, ok := f.String("role")
					if ok && !roleAllowsBefore(r, s, roleName(arn), "sqs:DeleteMessage") {
						src, _ := r.String("eventSourceArn")
						return []Finding{{Property: "eventSourceArn", Value: fmt.Sprintf("%s (no sqs:DeleteMessage for role %s before the mapping)", src, roleName(arn))}}
					}
				}
				return nil
			}},
	},
}
