package check

import (
	"testing"
)

// sqsURL and sqsARN are how references to queue name render.
func sqsURL(name string) string { return "https://sqs.eu-west-1.amazonaws.com/123456789012/" + name }
func sqsARN(name string) string { return "arn:aws:sqs:eu-west-1:123456789012:" + name }

// sqsTLSOnly is a queue policy as kumo's constructs write it: a list-valued
// condition, "sqs:*" denied to "*".
func sqsTLSOnly(arn string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":["sqs:*"],` +
		`"Resource":["` + arn + `"],"Condition":{"Bool":{"aws:SecureTransport":["false"]}}}]}`
}

// sqsRedrive is a redrive policy sending to the queue with ARN arn.
func sqsRedrive(arn string) string {
	return `{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":5}`
}

func TestSQSRules(t *testing.T) {
	ruleCase(t, "AwsSolutions-SQS2",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-SQS2", g.add(typeSqsQueue, "default", nil)) // SSE-SQS by default
			g.passes(t, "AwsSolutions-SQS2", g.add(typeSqsQueue, "managed", map[string]any{"sqsManagedSseEnabled": true}))
			g.passes(t, "AwsSolutions-SQS2", g.add(typeSqsQueue, "kms", map[string]any{"sqsManagedSseEnabled": false, "kmsMasterKeyId": unknown}))
		},
		func(t *testing.T) {
			var g graph
			g.firesWith(t, "AwsSolutions-SQS2", g.add(typeSqsQueue, "plain", map[string]any{"sqsManagedSseEnabled": false}),
				"sqsManagedSseEnabled is false and kmsMasterKeyId is not set")
		})

	ruleCase(t, "AwsSolutions-SQS3",
		func(t *testing.T) {
			var g graph
			dlq := g.add(typeSqsQueue, "dlq", nil)
			work := g.add(typeSqsQueue, "work", map[string]any{"redrivePolicy": sqsRedrive(sqsARN(g.physical(dlq, "name")))})
			g.passes(t, "AwsSolutions-SQS3", work)
			g.passes(t, "AwsSolutions-SQS3", dlq) // it is work's dead-letter queue

			// The redrive policy as a resource of its own.
			dlq2 := g.add(typeSqsQueue, "dlq2", nil)
			jobs := g.add(typeSqsQueue, "jobs", nil)
			g.add(typeSqsRedrivePolicy, "jobs", map[string]any{"queueUrl": sqsURL(g.physical(jobs, "name")), "redrivePolicy": sqsRedrive(sqsARN(g.physical(dlq2, "name")))})
			g.passes(t, "AwsSolutions-SQS3", jobs)
			g.passes(t, "AwsSolutions-SQS3", dlq2)

			// Dead-letter queues of a function, a subscription, an event
			// target and a Lambda on-failure destination.
			fnDLQ := g.add(typeSqsQueue, "fn-dlq", nil)
			g.add(typeSqsDLQFunction, "fn", map[string]any{"deadLetterConfig": map[string]any{"targetArn": sqsARN(g.physical(fnDLQ, "name"))}})
			subDLQ := g.add(typeSqsQueue, "sub-dlq", nil)
			g.add(typeSnsSubscription, "sub", map[string]any{"redrivePolicy": `{"deadLetterTargetArn":"` + sqsARN(g.physical(subDLQ, "name")) + `"}`})
			evDLQ := g.add(typeSqsQueue, "ev-dlq", nil)
			g.add(typeEventsTarget, "target", map[string]any{"rule": "nightly", "arn": "arn:aws:lambda:eu-west-1:123456789012:function:f", "deadLetterConfig": map[string]any{"arn": sqsARN(g.physical(evDLQ, "name"))}})
			asyncDLQ := g.add(typeSqsQueue, "async-dlq", nil)
			g.add(typeSqsDLQInvokeConfig, "fn", map[string]any{"destinationConfig": map[string]any{"onFailure": map[string]any{"destination": sqsARN(g.physical(asyncDLQ, "name"))}}})
			for _, q := range []string{fnDLQ, subDLQ, evDLQ, asyncDLQ} {
				g.passes(t, "AwsSolutions-SQS3", q)
			}
			// A redrive policy synth cannot read still is one.
			g.passes(t, "AwsSolutions-SQS3", g.add(typeSqsQueue, "later", map[string]any{"redrivePolicy": unknown}))
		},
		func(t *testing.T) {
			var g graph
			q := g.add(typeSqsQueue, "work", nil)
			g.firesWith(t, "AwsSolutions-SQS3", q, `queue "`+g.physical(q, "name")+`" has no redrivePolicy`)
			// Being an event target's target, not its dead-letter queue,
			// does not count.
			target := g.add(typeSqsQueue, "target", nil)
			g.add(typeEventsTarget, "t", map[string]any{"rule": "r", "arn": sqsARN(g.physical(target, "name"))})
			g.fires(t, "AwsSolutions-SQS3", target)
			self := g.add(typeSqsQueue, "self", map[string]any{"name": "self"})
			g.add(typeSqsDLQFunction, "f", map[string]any{"deadLetterConfig": map[string]any{"targetArn": "arn:aws:sns:eu-west-1:123456789012:self"}})
			g.fires(t, "AwsSolutions-SQS3", self) // an SNS ARN with the same name is no queue
		})

	ruleCase(t, "AwsSolutions-SQS4",
		func(t *testing.T) {
			var g graph
			q := g.add(typeSqsQueue, "work", nil)
			g.add(typeSqsQueuePolicy, "work", map[string]any{"queueUrl": sqsURL(g.physical(q, "name")), "policy": sqsTLSOnly(sqsARN(g.physical(q, "name")))})
			g.passes(t, "AwsSolutions-SQS4", q)
			fifo := g.add(typeSqsQueue, "orders", map[string]any{"fifoQueue": true})
			g.add(typeSqsQueuePolicy, "orders", map[string]any{"queueUrl": sqsURL(g.physical(fifo, "name")), "policy": sqsTLSOnly(sqsARN(g.physical(fifo, "name")))})
			g.passes(t, "AwsSolutions-SQS4", fifo)
			inline := g.add(typeSqsQueue, "inline", map[string]any{"policy": `{"Statement":{"Effect":"Deny","Principal":{"AWS":["*"]},"Action":"*",` +
				`"Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}}`})
			g.passes(t, "AwsSolutions-SQS4", inline)
		},
		func(t *testing.T) {
			var g graph
			q := g.add(typeSqsQueue, "bare", nil)
			g.firesWith(t, "AwsSolutions-SQS4", q, `no policy of queue "`+g.physical(q, "name")+`" denies "*" or "sqs:*"`)

			send := g.add(typeSqsQueue, "send", nil)
			g.add(typeSqsQueuePolicy, "send", map[string]any{"queueUrl": sqsURL(g.physical(send, "name")), "policy": `{"Statement":[{"Effect":"Deny","Principal":"*",` +
				`"Action":"sqs:SendMessage","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`})
			g.fires(t, "AwsSolutions-SQS4", send) // only one action denied

			later := g.add(typeSqsQueue, "later", nil)
			g.add(typeSqsQueuePolicy, "later", map[string]any{"queueUrl": sqsURL(g.physical(later, "name")), "policy": unknown})
			g.firesWith(t, "AwsSolutions-SQS4", later, "could not read aws:sqs/queuePolicy:QueuePolicy later")

			// A compliant policy of another queue does not count.
			other := g.add(typeSqsQueue, "other", nil)
			g.add(typeSqsQueuePolicy, "other", map[string]any{"queueUrl": sqsURL("someone-else"), "policy": sqsTLSOnly(sqsARN("someone-else"))})
			g.fires(t, "AwsSolutions-SQS4", other)
		})

	ruleCase(t, "Serverless-SQSRedrivePolicy",
		func(t *testing.T) {
			var g graph
			dlq := g.add(typeSqsQueue, "dlq", nil)
			work := g.add(typeSqsQueue, "work", map[string]any{"redrivePolicy": sqsRedrive(sqsARN(g.physical(dlq, "name")))})
			g.passes(t, "Serverless-SQSRedrivePolicy", work)
			g.passes(t, "Serverless-SQSRedrivePolicy", dlq) // deviation from cdk-nag: a DLQ needs no DLQ
		},
		func(t *testing.T) {
			var g graph
			q := g.add(typeSqsQueue, "work", nil)
			g.firesWith(t, "Serverless-SQSRedrivePolicy", q, `queue "`+g.physical(q, "name")+`" has no redrivePolicy`)
		})
}

func TestSQSOddInputs(t *testing.T) {
	oddInputs(t, typeSqsQueue, "name", "redrivePolicy", "policy", "kmsMasterKeyId", "sqsManagedSseEnabled")
	var g graph
	q := g.add(typeSqsQueue, "q", nil)
	name := g.physical(q, "name")
	// Odd related resources: policies and redrive policies of the wrong
	// shape, queue URLs ending in a slash.
	g.add(typeSqsQueuePolicy, "a", map[string]any{"queueUrl": sqsURL(name), "policy": `{"Statement":"nope"}`})
	g.add(typeSqsQueuePolicy, "b", map[string]any{"queueUrl": sqsURL(name), "policy": int64(3)})
	g.add(typeSqsQueuePolicy, "c", map[string]any{"queueUrl": "https://sqs/", "policy": `[]`})
	g.add(typeSqsRedrivePolicy, "d", map[string]any{"queueUrl": int64(1), "redrivePolicy": `{"deadLetterTargetArn":5}`})
	g.add(typeSqsQueue, "e", map[string]any{"redrivePolicy": map[string]any{"deadLetterTargetArn": sqsARN(name)}})
	g.add(typeSqsDLQFunction, "f", map[string]any{"deadLetterConfig": "x"})
	g.firesWith(t, "AwsSolutions-SQS4", q, "could not read")
	g.passes(t, "AwsSolutions-SQS3", q) // a rendered redrive object names it too
}
