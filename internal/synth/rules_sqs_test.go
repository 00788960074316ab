package synth

import (
	"strings"
	"testing"
)

// Tests of the SQS rules and of the rules of a Lambda mapping that reads a
// queue: each refused case is a value AWS or the provider refuses.

const (
	tQueuePolicyType = "aws:sqs/queuePolicy:QueuePolicy"
	jobsArn          = "arn:aws:sqs:eu-west-1:123456789012:jobs"
	jobsURL          = "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs"
	jobsDLQArn       = "arn:aws:sqs:eu-west-1:123456789012:jobs-dlq"
)

func queueInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{"name": "jobs", "sqsManagedSseEnabled": true, "visibilityTimeoutSeconds": int64(30),
		"redrivePolicy": `{"deadLetterTargetArn":"` + jobsDLQArn + `","maxReceiveCount":5}`}, mods...)
}

func TestSQSRealityRules(t *testing.T) {
	queue := func(mods ...mod) func(f *fixture) {
		return func(f *fixture) { f.add(tQueue, "jobs", queueInputs(mods...)) }
	}
	redrive := func(doc string) mod { return set("redrivePolicy", doc) }
	tlsPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"` + jobsArn + `","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	policy := func(name string, deps ...string) func(f *fixture) string {
		return func(f *fixture) string {
			return f.add(tQueuePolicyType, name, map[string]any{"queueUrl": jobsURL, "policy": tlsPolicy}, deps...)
		}
	}
	runRealityCases(t, specTypes(sqsSpecs), []realityCase{
		{"queue AWS accepts, with a dead-letter queue", queue(), nil},

		// Redrive policies SQS refuses.
		{"redrive policy that is not JSON", queue(redrive("dlq=jobs-dlq")), []want{{tQueue, "redrivePolicy", "maxReceiveCount", "sqs-dead-letter-queues"}}},
		{"dead-letter target that is no queue ARN", queue(redrive(`{"deadLetterTargetArn":"jobs-dlq","maxReceiveCount":5}`)),
			[]want{{tQueue, "redrivePolicy", "<SQS queue ARN>", "sqs-dead-letter-queues"}}},
		{"maxReceiveCount 0", queue(redrive(`{"deadLetterTargetArn":"` + jobsDLQArn + `","maxReceiveCount":0}`)),
			[]want{{tQueue, "redrivePolicy", "1–1000", "sqs-configure-dead-letter-queue"}}},
		{"maxReceiveCount 1001", queue(redrive(`{"deadLetterTargetArn":"` + jobsDLQArn + `","maxReceiveCount":1001}`)),
			[]want{{tQueue, "redrivePolicy", "1–1000", "sqs-configure-dead-letter-queue"}}},
		// pulumi-aws: "you must specify it as an integer (5), and not a string ("5")".
		{"maxReceiveCount as a string", queue(redrive(`{"deadLetterTargetArn":"` + jobsDLQArn + `","maxReceiveCount":"5"}`)),
			[]want{{tQueue, "redrivePolicy", "maxReceiveCount", "redrivePolicy"}}},
		{"FIFO queue with a standard dead-letter queue", queue(set("fifoQueue", true), set("name", "jobs.fifo")),
			[]want{{tQueue, "redrivePolicy", "FIFO for a FIFO queue", "sqs-dead-letter-queues"}}},
		{"standard queue with a FIFO dead-letter queue", queue(redrive(`{"deadLetterTargetArn":"` + jobsDLQArn + `.fifo","maxReceiveCount":5}`)),
			[]want{{tQueue, "redrivePolicy", "standard for a standard one", "sqs-dead-letter-queues"}}},
		{"accepted: FIFO queue with a FIFO dead-letter queue", queue(set("fifoQueue", true), set("name", "jobs.fifo"),
			redrive(`{"deadLetterTargetArn":"`+jobsDLQArn+`.fifo","maxReceiveCount":3}`), set("contentBasedDeduplication", true)), nil},

		// Settings that conflict.
		{"content-based deduplication on a standard queue", queue(set("contentBasedDeduplication", true)),
			[]want{{tQueue, "contentBasedDeduplication", "FIFO queues only", "queue.go"}}},
		{"a customer managed key and SQS managed encryption", queue(set("kmsMasterKeyId", "arn:aws:kms:eu-west-1:123456789012:key/k")),
			[]want{{tQueue, "sqsManagedSseEnabled", "one kind of encryption", "queue.go"}}},
		{"data key reused for 59 s", queue(set("sqsManagedSseEnabled", nil), set("kmsMasterKeyId", "alias/aws/sqs"), set("kmsDataKeyReusePeriodSeconds", int64(59))),
			[]want{{tQueue, "kmsDataKeyReusePeriodSeconds", "between 60 and 86400", "queue.go"}}},

		// One policy per queue.
		{"accepted: one queue policy", func(f *fixture) { q := f.add(tQueue, "jobs", queueInputs()); policy("jobs", q)(f) }, nil},
		{"two policies for one queue", func(f *fixture) {
			q := f.add(tQueue, "jobs", queueInputs())
			policy("jobs", q)(f)
			policy("jobs-topics", q)(f)
		}, []want{{tQueuePolicyType, "queueUrl", "one policy", "API_SetQueueAttributes"}, {tQueuePolicyType, "queueUrl", "one policy", "API_SetQueueAttributes"}}},
		{"a policy next to the queue's inline policy", func(f *fixture) {
			q := f.add(tQueue, "jobs", queueInputs(set("policy", tlsPolicy)))
			policy("jobs", q)(f)
		}, []want{{tQueuePolicyType, "queueUrl", "inline policy", "sqs.QueuePolicy resource instead"}}},
	})
}

// queueStack registers what a queue source needs, ordered as AWS needs
// (as streamStack does for a stream): the queue, the function (changed by
// fn), its role and the role policy consuming the queue, the alias, and
// the mapping after both.
func queueStack(policy string, queue, fn []mod, m ...mod) func(f *fixture) {
	sqsSource := []mod{set("eventSourceArn", jobsArn), set("batchSize", int64(10)), set("startingPosition", nil), set("bisectBatchOnFunctionError", nil),
		set("maximumRetryAttempts", nil), set("maximumRecordAgeInSeconds", nil), set("parallelizationFactor", nil), set("destinationConfig", nil),
		set("functionResponseTypes", []any{"ReportBatchItemFailures"})}
	return func(f *fixture) {
		f.add(tQueue, "jobs", queueInputs(queue...))
		role := f.add(tRole, "fn", map[string]any{"name": "fn-role", "assumeRolePolicy": trust})
		fnURN := f.add(tFunction, "fn", fnInputs(append([]mod{set("name", "fn-1234567"), set("role", "arn:aws:iam::123456789012:role/fn-role")}, fn...)...), role)
		rel := f.add(tRelease, "fn", releaseInputs(), fnURN)
		rp := f.add(tRolePolicy, "fn-queue", map[string]any{"role": "fn-role", "policy": policy}, role)
		f.add(tEventSourceMapping, "index", esmInputs(append(sqsSource, m...)...), rel, rp)
	}
}

func TestQueueEventSourceRealityRules(t *testing.T) {
	consume := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:ChangeMessageVisibility","sqs:DeleteMessage","sqs:GetQueueAttributes","sqs:ReceiveMessage"],"Resource":"` + jobsArn + `"}]}`
	c := func(name string, queue []mod, m []mod, ws ...want) realityCase {
		return realityCase{name: name, build: queueStack(consume, queue, nil, m...), want: ws}
	}
	fifo := []mod{set("fifoQueue", true), set("name", "jobs.fifo"), set("redrivePolicy", `{"deadLetterTargetArn":"`+jobsDLQArn+`.fifo","maxReceiveCount":5}`)}
	fifoSource := set("eventSourceArn", jobsArn+".fifo")
	runRealityCases(t, []string{tEventSourceMapping}, []realityCase{
		c("accepted: a 10 s function on a 30 s queue", nil, nil),
		c("accepted: the limits", nil, []mod{set("batchSize", int64(10000)), set("maximumBatchingWindowInSeconds", int64(300)),
			set("scalingConfig", map[string]any{"maximumConcurrency": int64(1000)})}),

		// "Your function's timeout must be less than or equal to the queue's
		// visibility timeout."
		c("function timeout over the visibility timeout", []mod{set("visibilityTimeoutSeconds", int64(9))}, nil,
			want{tEventSourceMapping, "functionName", "visibility timeout", "services-sqs-configure"}),
		{name: "function timeout over SQS's default visibility timeout", build: queueStack(consume, []mod{set("visibilityTimeoutSeconds", nil)}, []mod{set("timeout", int64(31))}),
			want: []want{{tEventSourceMapping, "functionName", "visibility timeout", "services-sqs-configure"}}},
		{name: "accepted: Lambda's default timeout on SQS's default visibility timeout",
			build: queueStack(consume, []mod{set("visibilityTimeoutSeconds", nil)}, []mod{set("timeout", nil)})},

		// FIFO sources.
		c("FIFO queue with a batch of 11 and a batching window", fifo, []mod{fifoSource, set("batchSize", int64(11)), set("maximumBatchingWindowInSeconds", int64(1))},
			want{tEventSourceMapping, "batchSize", "FIFO queue", "services-sqs-parameters"},
			want{tEventSourceMapping, "maximumBatchingWindowInSeconds", "FIFO queue", "services-sqs-parameters"}),
		c("accepted: FIFO queue with a batch of 10", fifo, []mod{fifoSource}),

		// ScalingConfig: "Minimum: 2 Maximum: 1000", "(Amazon SQS only)".
		c("maximum concurrency 1", nil, []mod{set("scalingConfig", map[string]any{"maximumConcurrency": int64(1)})},
			want{tEventSourceMapping, "scalingConfig.maximumConcurrency", "between 2 and 1000", "scalingconfig"}),
		c("maximum concurrency 1001", nil, []mod{set("scalingConfig", map[string]any{"maximumConcurrency": int64(1001)})},
			want{tEventSourceMapping, "scalingConfig.maximumConcurrency", "between 2 and 1000", "scalingconfig"}),
		{name: "maximum concurrency on a stream", build: streamStack(streamReadPolicy, set("scalingConfig", map[string]any{"maximumConcurrency": int64(5)})),
			want: []want{{tEventSourceMapping, "scalingConfig", "Amazon SQS sources only", "scalingconfig"}}},

		// The role must be able to delete what it received.
		{name: "role that may receive but not delete", build: queueStack(strings.ReplaceAll(consume, `"sqs:DeleteMessage",`, ""), nil, nil),
			want: []want{{tEventSourceMapping, "eventSourceArn", "sqs:DeleteMessage", "DeleteMessage on SQS"}}},
		{name: "mapping before the consume policy", build: func(f *fixture) {
			queueStack(consume, nil, nil)(f)
			f.setDeps(urnOf(tEventSourceMapping, "index"), urnOf(tRelease, "fn"))
		}, want: []want{
			{tEventSourceMapping, "eventSourceArn", "sqs:DeleteMessage", "DeleteMessage on SQS"},
			{tEventSourceMapping, "eventSourceArn", "allow reading the event source", "Cannot access stream"},
		}},
	})
}
