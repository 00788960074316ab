package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kumo-iac/kumo/internal/synth"
)

// SNS rules. A topic's policy is an aws:sns/topicPolicy:TopicPolicy naming
// the topic by its ARN (arn:aws:sns:<region>:<account>:<name>), or the
// topic's inline policy.

const (
	typeSnsTopic        = "aws:sns/topic:Topic"
	typeSnsTopicPolicy  = "aws:sns/topicPolicy:TopicPolicy"
	typeSnsSubscription = "aws:sns/topicSubscription:TopicSubscription"
)

func init() {
	register(
		// cdk-nag src/rules/sns/SNSTopicSSLPublishOnly.ts: a topic with a
		// KmsMasterKeyId passes; otherwise an AWS::SNS::TopicPolicy naming it
		// needs a statement with Effect Deny, Principal "*" or {"AWS": "*"},
		// Condition.Bool["aws:SecureTransport"] false and an Action equal to
		// sns:Publish. Deviation: kumo accepts any action pattern that covers
		// sns:Publish ("sns:*", "*", "sns:Pub*"), which denies insecure
		// publishing just the same; cdk-nag wants the literal action. kumo
		// also reads the topic's inline policy and list-valued conditions.
		Rule{
			ID: "AwsSolutions-SNS3", Level: Error, Types: []string{typeSnsTopic},
			What: "The SNS Topic does not require publishers to use SSL.",
			Why:  "Without HTTPS (TLS), a network-based attacker can eavesdrop on network traffic or manipulate it, using an attack such as man-in-the-middle. Allow only encrypted connections over HTTPS (TLS) using the aws:SecureTransport condition and the 'sns: Publish' action in the topic policy to force publishers to use SSL. If SSE is already enabled then this control is auto enforced.",
			Fix:  `Set kmsMasterKeyId (SSE), or attach an aws:sns/topicPolicy:TopicPolicy with a statement denying "sns:Publish" to principal "*" when aws:SecureTransport is "false".`,
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				if truthy(r, "kmsMasterKeyId") {
					return nil
				}
				var docs []policyDoc
				for _, p := range snsTopicPolicies(r, g) {
					v, _ := p.Value("policy")
					docs = append(docs, policyDoc{"aws:sns/topicPolicy:TopicPolicy " + p.Name, v})
				}
				if v, ok := r.Value("policy"); ok {
					docs = append(docs, policyDoc{"the topic's inline policy", v})
				}
				return requireTLSDeny(docs, func(a string) bool { return actionCovers(a, "sns:Publish") },
					fmt.Sprintf(`topic %q has no kmsMasterKeyId, and no policy of it denies sns:Publish to principal "*" when aws:SecureTransport is false`, snsLabel(r)))
			},
		},
		// cdk-nag src/rules/sns/SNSRedrivePolicy.ts: an AWS::SNS::Subscription
		// needs RedrivePolicy (an unknown value counts as set).
		Rule{
			ID: "Serverless-SNSRedrivePolicy", Level: Error, Types: []string{typeSnsSubscription},
			What: "The SNS subscription does not have a redrive policy configured.",
			Why:  "Configuring a redrive policy helps manage message delivery failures by sending undeliverable messages to a dead-letter queue.",
			Fix:  `Set redrivePolicy on the subscription to {"deadLetterTargetArn": <SQS queue ARN>}; the queue's policy must let sns.amazonaws.com send to it, for this topic.`,
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if truthy(r, "redrivePolicy") {
					return nil
				}
				return hit("redrivePolicy is not set: messages SNS cannot deliver to the endpoint are dropped after its retries")
			},
		},
	)
}

// snsTopicName is the topic's physical name, "" when synth cannot tell it
// (an autonamed topic type without a reality Spec).
func snsTopicName(t *synth.Resource) string {
	if n := t.Physical("name"); n != "" {
		return n
	}
	n, _ := t.String("name")
	return n
}

// snsLabel names a topic in a message.
func snsLabel(t *synth.Resource) string {
	if n := snsTopicName(t); n != "" {
		return n
	}
	return t.Name
}

// snsTopicPolicies returns the topic policies of topic t: those whose arn
// ends in its name and, where either name or arn cannot be read, those
// that depend on the topic (a reference to its ARN records the dependency).
func snsTopicPolicies(t *synth.Resource, g *synth.Stack) []*synth.Resource {
	var out []*synth.Resource
	name := snsTopicName(t)
	if name != "" {
		byName := g.Index("sns topic policy arn name", typeSnsTopicPolicy, func(p *synth.Resource) (string, bool) {
			arn, ok := p.String("arn")
			if !ok {
				return "", false
			}
			parts := strings.Split(arn, ":")
			return parts[len(parts)-1], len(parts) == 6 && parts[2] == "sns"
		})
		out = append(out, byName[name]...)
	}
	byDep := g.Index("sns topic policy topic dependency", typeSnsTopicPolicy, func(p *synth.Resource) (string, bool) {
		for _, d := range p.Dependencies {
			if dr := g.Resource(d); dr != nil && dr.Type == typeSnsTopic {
				return d, true
			}
		}
		return "", false
	})
	for _, p := range byDep[t.URN] {
		if _, known := p.String("arn"); (name == "" || !known) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// actionCovers reports whether the IAM action pattern (case-insensitive,
// with * and ? wildcards) matches action.
func actionCovers(pattern, action string) bool {
	p, s := strings.ToLower(pattern), strings.ToLower(action)
	// Iterative glob match: on a mismatch, retry from the last * with one
	// more character consumed by it.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
