package check

import (
	"testing"

	"github.com/kumo-iac/kumo/internal/synth"
)

// snsDependent is a custom resource that depends on deps (URNs), as a
// resource referencing their outputs is recorded.
func snsDependent(typ, name string, inputs map[string]any, deps ...string) synth.Resource {
	return synth.NewResource(urn(typ, name), typ, name, true, "", inputs, deps)
}

// snsARN is how a reference to topic name renders.
func snsARN(name string) string { return "arn:aws:sns:eu-west-1:123456789012:" + name }

// snsDenyInsecure is a topic policy denying action to "*" without TLS.
func snsDenyInsecure(action, arn string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"` + arn + `"},` +
		`{"Effect":"Deny","Principal":{"AWS":"*"},"Action":["` + action + `"],"Resource":"` + arn + `","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
}

func TestSNSRules(t *testing.T) {
	ruleCase(t, "AwsSolutions-SNS3",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-SNS3", g.add(typeSnsTopic, "sse", map[string]any{"name": "sse", "kmsMasterKeyId": "alias/aws/sns"}))
			named := g.add(typeSnsTopic, "alerts", map[string]any{"name": "alerts"})
			g.add(typeSnsTopicPolicy, "alerts", map[string]any{"arn": snsARN("alerts"), "policy": snsDenyInsecure("sns:Publish", snsARN("alerts"))})
			g.passes(t, "AwsSolutions-SNS3", named)
			// Deviation: a pattern covering sns:Publish denies it too.
			wide := g.add(typeSnsTopic, "wide", map[string]any{"name": "wide"})
			g.add(typeSnsTopicPolicy, "wide", map[string]any{"arn": snsARN("wide"), "policy": snsDenyInsecure("sns:*", snsARN("wide"))})
			g.passes(t, "AwsSolutions-SNS3", wide)
			inline := g.add(typeSnsTopic, "inline", map[string]any{"name": "inline", "policy": snsDenyInsecure("SNS:Pub*", snsARN("inline"))})
			g.passes(t, "AwsSolutions-SNS3", inline)
			// A topic whose policy names it by an ARN synth cannot know: the
			// policy's reference to it is a dependency.
			auto := g.add(typeSnsTopic, "auto", nil)
			g.rs = append(g.rs, snsDependent(typeSnsTopicPolicy, "auto", map[string]any{"arn": unknown, "policy": snsDenyInsecure("sns:Publish", "*")}, auto))
			g.passes(t, "AwsSolutions-SNS3", auto)
		},
		func(t *testing.T) {
			var g graph
			g.firesWith(t, "AwsSolutions-SNS3", g.add(typeSnsTopic, "bare", map[string]any{"name": "bare"}),
				`topic "bare" has no kmsMasterKeyId, and no policy of it denies sns:Publish`)
			sub := g.add(typeSnsTopic, "subscribe", map[string]any{"name": "subscribe"})
			g.add(typeSnsTopicPolicy, "subscribe", map[string]any{"arn": snsARN("subscribe"), "policy": snsDenyInsecure("sns:Subscribe", snsARN("subscribe"))})
			g.fires(t, "AwsSolutions-SNS3", sub) // publishing is not denied
			other := g.add(typeSnsTopic, "other", map[string]any{"name": "other"})
			g.add(typeSnsTopicPolicy, "elsewhere", map[string]any{"arn": snsARN("elsewhere"), "policy": snsDenyInsecure("sns:Publish", snsARN("elsewhere"))})
			g.fires(t, "AwsSolutions-SNS3", other)
			later := g.add(typeSnsTopic, "later", map[string]any{"name": "later"})
			g.add(typeSnsTopicPolicy, "later", map[string]any{"arn": snsARN("later"), "policy": unknown})
			g.firesWith(t, "AwsSolutions-SNS3", later, "could not read aws:sns/topicPolicy:TopicPolicy later")
		})

	ruleCase(t, "Serverless-SNSRedrivePolicy",
		func(t *testing.T) {
			var g graph
			g.passes(t, "Serverless-SNSRedrivePolicy", g.add(typeSnsSubscription, "sub", map[string]any{
				"topic": snsARN("alerts"), "protocol": "sqs", "endpoint": sqsARN("q"), "redrivePolicy": `{"deadLetterTargetArn":"` + sqsARN("dlq") + `"}`,
			}))
			g.passes(t, "Serverless-SNSRedrivePolicy", g.add(typeSnsSubscription, "later", map[string]any{"redrivePolicy": unknown}))
		},
		func(t *testing.T) {
			var g graph
			g.firesWith(t, "Serverless-SNSRedrivePolicy", g.add(typeSnsSubscription, "sub", map[string]any{"topic": snsARN("alerts"), "protocol": "lambda"}),
				"redrivePolicy is not set")
		})
}

func TestSNSOddInputs(t *testing.T) {
	oddInputs(t, typeSnsTopic, "name", "kmsMasterKeyId", "policy")
	oddInputs(t, typeSnsSubscription, "redrivePolicy")
}

func TestActionCovers(t *testing.T) {
	for _, c := range []struct {
		pattern string
		want    bool
	}{
		{"sns:Publish", true}, {"SNS:publish", true}, {"sns:*", true}, {"*", true}, {"sns:Pub*", true}, {"sns:P?blish", true}, {"*:*", true},
		{"sns:Subscribe", false}, {"sqs:*", false}, {"sns:Publish2", false}, {"sns:Pub", false}, {"", false},
	} {
		if got := actionCovers(c.pattern, "sns:Publish"); got != c.want {
			t.Errorf("actionCovers(%q, sns:Publish) = %v; want %v", c.pattern, got, c.want)
		}
	}
}
