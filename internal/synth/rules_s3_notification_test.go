package synth

import (
	"strings"
	"testing"
)

const rawAlias = "arn:aws:lambda:eu-west-1:123456789012:function:fn-1234567:live"

func notificationInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{"bucket": "raw-zone", "lambdaFunctions": []any{
		map[string]any{"lambdaFunctionArn": rawAlias, "events": []any{"s3:ObjectCreated:*"}, "filterPrefix": "incoming/", "filterSuffix": ".json"},
	}}, mods...)
}

func s3PermInputs(mods ...mod) map[string]any {
	return permInputs(append([]mod{set("principal", "s3.amazonaws.com"), set("sourceArn", "arn:aws:s3:::raw-zone"),
		set("sourceAccount", "123456789012")}, mods...)...)
}

// notificationStack registers a bucket, a function with its alias, the
// permission letting S3 invoke the alias, and the notification after the
// bucket and the permission.
func notificationStack(perm []mod, mods ...mod) func(f *fixture) {
	return func(f *fixture) {
		b := f.add(tBucket, "raw", map[string]any{"bucket": "raw-zone"})
		fn := f.add(tFunction, "fn", fnInputs(set("name", "fn-1234567")))
		rel := f.add(tRelease, "fn", releaseInputs(), fn)
		p := f.add(tPermission, "raw-fn", s3PermInputs(perm...), rel)
		f.add(tBucketNotification, "raw", notificationInputs(mods...), b, p)
	}
}

func TestBucketNotificationRealityRules(t *testing.T) {
	c := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, build: notificationStack(nil, m...), want: ws}
	}
	second := func(events []any, prefix, suffix string) mod {
		return func(in map[string]any) {
			in["lambdaFunctions"] = append(in["lambdaFunctions"].([]any),
				map[string]any{"lambdaFunctionArn": rawAlias, "events": events, "filterPrefix": prefix, "filterSuffix": suffix})
		}
	}
	queue := func(events []any, prefix string) mod {
		return set("queues", []any{map[string]any{"queueArn": "arn:aws:sqs:eu-west-1:123456789012:q", "events": events, "filterPrefix": prefix}})
	}
	ambiguous := "Configuration is ambiguously defined"
	created := []any{"s3:ObjectCreated:*"}
	runRealityCases(t, []string{tBucketNotification}, []realityCase{
		c("accepted: one function after its permission", nil),
		c("accepted: an empty configuration (every trigger switched off)", []mod{set("lambdaFunctions", nil)}),
		c("unknown event type", []mod{set("lambdaFunctions[0].events", []any{"s3:ObjectCreated"})},
			want{tBucketNotification, "lambdaFunctions[].events[]", "must be one of", "API_LambdaFunctionConfiguration"}),
		c("no events", []mod{set("lambdaFunctions[0].events", []any{})},
			want{tBucketNotification, "lambdaFunctions[0].events", "ARN and at least one event", "API_LambdaFunctionConfiguration"}),
		c("prefix over 1024 characters", []mod{set("lambdaFunctions[0].filterPrefix", strings.Repeat("p", 1025))},
			want{tBucketNotification, "lambdaFunctions[].filterPrefix", "at most 1024", "API_FilterRule"}),
		c("no bucket", []mod{set("bucket", nil)}, want{tBucketNotification, "bucket", "required", "API_PutBucketNotificationConfiguration"}),

		// "Configuration is ambiguously defined"
		c("two functions, same prefix, overlapping suffixes", []mod{second(created, "incoming/", "json")},
			want{tBucketNotification, "lambdaFunctions[1]", ambiguous, "notification-how-to-filtering"}),
		c("a prefix-only and a suffix-only filter on the same events", []mod{set("lambdaFunctions[0].filterSuffix", ""), second([]any{"s3:ObjectCreated:Put"}, "", ".json")},
			want{tBucketNotification, "lambdaFunctions[1]", ambiguous, "notification-how-to-filtering"}),
		c("a function and a queue with overlapping prefixes", []mod{set("lambdaFunctions[0].filterSuffix", ""), queue(created, "incoming/2026/")},
			want{tBucketNotification, "queues[0]", ambiguous, "lambda-s3-event-configuration-error"}),
		c("accepted: same prefix, different suffixes", []mod{second(created, "incoming/", ".csv")}),
		c("accepted: overlapping filters, different events", []mod{second([]any{"s3:ObjectRemoved:*"}, "incoming/", ".json")}),

		// One configuration per bucket.
		{name: "two notifications for one bucket", want: []want{
			{tBucketNotification, "bucket", "one notification configuration", "bucketNotification.go"},
			{tBucketNotification, "bucket", "one notification configuration", "bucketNotification.go"},
		}, build: func(f *fixture) {
			notificationStack(nil)(f)
			f.add(tBucketNotification, "raw-2", notificationInputs(set("lambdaFunctions[0].filterPrefix", "other/")), urnOf(tBucket, "raw"), urnOf(tPermission, "raw-fn"))
		}},

		// Ordering: the bucket and the permissions first.
		{name: "notification before the permission", want: []want{{tBucketNotification, "lambdaFunctions[0].lambdaFunctionArn", "order the notification after the lambda permission", "Unable to validate"}},
			build: func(f *fixture) {
				notificationStack(nil)(f)
				f.setDeps(urnOf(tBucketNotification, "raw"), urnOf(tBucket, "raw"))
			}},
		{name: "permission for another bucket", want: []want{{tBucketNotification, "lambdaFunctions[0].lambdaFunctionArn", "order the notification after", "Unable to validate"}},
			build: notificationStack([]mod{set("sourceArn", "arn:aws:s3:::curated-zone")})},
		{name: "permission on another alias", want: []want{{tBucketNotification, "lambdaFunctions[0].lambdaFunctionArn", "order the notification after", "Unable to validate"}},
			build: notificationStack([]mod{set("qualifier", "7")})},
		{name: "permission for another service", want: []want{{tBucketNotification, "lambdaFunctions[0].lambdaFunctionArn", "order the notification after", "Unable to validate"}},
			build: notificationStack([]mod{set("principal", "sns.amazonaws.com")})},
		{name: "notification before its bucket", want: []want{{tBucketNotification, "bucket", "must exist first", "NoSuchBucket"}},
			build: func(f *fixture) {
				notificationStack(nil)(f)
				f.setDeps(urnOf(tBucketNotification, "raw"), urnOf(tPermission, "raw-fn"))
			}},
		{name: "accepted: a function of another stack", build: func(f *fixture) {
			b := f.add(tBucket, "raw", map[string]any{"bucket": "raw-zone"})
			f.add(tBucketNotification, "raw", notificationInputs(set("lambdaFunctions[0].lambdaFunctionArn", "arn:aws:lambda:eu-west-1:123456789012:function:elsewhere:live")), b)
		}},
	})
}

const (
	uploadsTopicArn = "arn:aws:sns:eu-west-1:123456789012:uploads-1234567"
	uploadsQueueArn = "arn:aws:sqs:eu-west-1:123456789012:uploads-q"
	uploadsQueueURL = "https://sqs.eu-west-1.amazonaws.com/123456789012/uploads-q"
)

// publishPolicy is a resource policy letting principal run action on
// resource.
func publishPolicy(principal, action, resource string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + principal + `"},"Action":"` + action + `","Resource":"` + resource + `"}]}`
}

// topicDestinationStack registers a bucket, a topic, the topic's policy
// letting principal publish, and a notification to the topic after the
// bucket and (when afterPolicy) the policy.
func topicDestinationStack(principal string, afterPolicy bool) func(f *fixture) {
	return func(f *fixture) {
		b := f.add(tBucket, "raw", map[string]any{"bucket": "raw-zone"})
		topic := f.add(tTopic, "uploads", map[string]any{"name": "uploads-1234567"})
		p := f.add(tTopicPolicy, "uploads", map[string]any{"arn": uploadsTopicArn, "policy": publishPolicy(principal, "sns:Publish", uploadsTopicArn)}, topic)
		deps := []string{b, topic}
		if afterPolicy {
			deps = append(deps, p)
		}
		f.add(tBucketNotification, "raw", map[string]any{"bucket": "raw-zone", "topics": []any{
			map[string]any{"topicArn": uploadsTopicArn, "events": []any{"s3:ObjectCreated:*"}, "filterPrefix": "images/"},
		}}, deps...)
	}
}

// queueDestinationStack is topicDestinationStack for a queue.
func queueDestinationStack(principal string, afterPolicy bool) func(f *fixture) {
	return func(f *fixture) {
		b := f.add(tBucket, "raw", map[string]any{"bucket": "raw-zone"})
		q := f.add(tQueue, "uploads", map[string]any{"name": "uploads-q"})
		p := f.add(tQueuePolicyType, "uploads", map[string]any{"queueUrl": uploadsQueueURL, "policy": publishPolicy(principal, "sqs:SendMessage", uploadsQueueArn)}, q)
		deps := []string{b, q}
		if afterPolicy {
			deps = append(deps, p)
		}
		f.add(tBucketNotification, "raw", map[string]any{"bucket": "raw-zone", "queues": []any{
			map[string]any{"queueArn": uploadsQueueArn, "events": []any{"s3:ObjectCreated:*"}},
		}}, deps...)
	}
}

func TestBucketNotificationDestinationRules(t *testing.T) {
	unable := "Unable to validate"
	runRealityCases(t, []string{tBucketNotification}, []realityCase{
		{"accepted: a topic after its policy lets S3 publish", topicDestinationStack("s3.amazonaws.com", true), nil},
		{"topic destination before the topic's policy", topicDestinationStack("s3.amazonaws.com", false),
			[]want{{tBucketNotification, "topics[0].topicArn", "policy of the topic letting s3.amazonaws.com sns:Publish", unable}}},
		{"topic whose policy lets only CloudWatch publish", topicDestinationStack("cloudwatch.amazonaws.com", true),
			[]want{{tBucketNotification, "topics[0].topicArn", "letting s3.amazonaws.com", "grant-destinations-permissions-to-s3"}}},
		{"topic of this stack without a policy", func(f *fixture) {
			b := f.add(tBucket, "raw", map[string]any{"bucket": "raw-zone"})
			topic := f.add(tTopic, "uploads", map[string]any{"name": "uploads-1234567"})
			f.add(tBucketNotification, "raw", map[string]any{"bucket": "raw-zone", "topics": []any{
				map[string]any{"topicArn": uploadsTopicArn, "events": []any{"s3:ObjectCreated:*"}}}}, b, topic)
		}, []want{{tBucketNotification, "topics[0].topicArn", "order the notification after a policy", unable}}},
		{"accepted: a topic of another stack", func(f *fixture) {
			b := f.add(tBucket, "raw", map[string]any{"bucket": "raw-zone"})
			f.add(tBucketNotification, "raw", map[string]any{"bucket": "raw-zone", "topics": []any{
				map[string]any{"topicArn": "arn:aws:sns:eu-west-1:123456789012:elsewhere", "events": []any{"s3:ObjectCreated:*"}}}}, b)
		}, nil},
		{"accepted: a queue after its policy lets S3 send", queueDestinationStack("s3.amazonaws.com", true), nil},
		{"queue destination before the queue's policy", queueDestinationStack("s3.amazonaws.com", false),
			[]want{{tBucketNotification, "queues[0].queueArn", "policy of the queue letting s3.amazonaws.com sqs:SendMessage", unable}}},
		// "Currently, Standard SNS is only allowed as an S3 event
		// notification destination, whereas SNS FIFO is not allowed."
		{"FIFO topic and FIFO queue destinations", func(f *fixture) {
			b := f.add(tBucket, "raw", map[string]any{"bucket": "raw-zone"})
			f.add(tBucketNotification, "raw", map[string]any{"bucket": "raw-zone",
				"topics": []any{map[string]any{"topicArn": "arn:aws:sns:eu-west-1:123456789012:elsewhere.fifo", "events": []any{"s3:ObjectCreated:*"}}},
				"queues": []any{map[string]any{"queueArn": "arn:aws:sqs:eu-west-1:123456789012:elsewhere.fifo", "events": []any{"s3:ObjectRemoved:*"}}},
			}, b)
		}, []want{
			{tBucketNotification, "topics[0].topicArn", "S3 refuses FIFO topics and FIFO queues", "notification-how-to-event-types-and-destinations"},
			{tBucketNotification, "queues[0].queueArn", "S3 refuses FIFO topics and FIFO queues", "notification-how-to-event-types-and-destinations"},
		}},
	})
}
