package synth

import (
	"regexp"
	"strings"
)

const (
	srcSQSCreateQueue = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html"
	srcSQSSetAttrs    = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html"
	// The provider autonames queues to 80 characters and keeps a FIFO
	// queue's ".fifo" suffix (pulumi-aws provider/resources.go aws_sqs_queue).
	srcProviderSQSName = "pulumi-aws provider/resources.go aws_sqs_queue name AutoName (80, with .fifo suffix)"
)

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
		},
	},
	"aws:sqs/queuePolicy:QueuePolicy": {
		Checks: []Check{
			required(srcSQSSetAttrs, "queueUrl", "policy"),
			policyDocument(srcSQSSetAttrs, "policy", 20480),
		},
	},
}
