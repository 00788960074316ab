package check

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kumo-iac/kumo/internal/synth"
)

// SQS rules. pulumi-aws keeps a queue's policy and, optionally, its redrive
// policy in resources of their own that name the queue by its URL
// (https://sqs.<region>.amazonaws.com/<account>/<name>); everything that
// sends to a queue names it by its ARN (arn:aws:sqs:<region>:<account>:<name>).
// Both end in the queue's name, which is what the rules match on, as
// cdk-nag matches a reference or a string ending in the queue's name.

const (
	typeSqsQueue         = "aws:sqs/queue:Queue"
	typeSqsQueuePolicy   = "aws:sqs/queuePolicy:QueuePolicy"
	typeSqsRedrivePolicy = "aws:sqs/redrivePolicy:RedrivePolicy"
	// Resources that can name a queue as their dead-letter or on-failure
	// target (with typeSqsQueue, typeSqsRedrivePolicy, typeSnsSubscription
	// and typeEventsTarget).
	typeSqsDLQFunction     = "aws:lambda/function:Function"
	typeSqsDLQInvokeConfig = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
	typeSqsDLQEventSource  = "aws:lambda/eventSourceMapping:EventSourceMapping"
)

// sqsDeadLetterUses are the inputs that make a queue some resource's
// dead-letter target: each holds the queue's ARN, inside a redrive policy
// document ({"deadLetterTargetArn": ...}) when redrive is set.
var sqsDeadLetterUses = []struct {
	typ, path string
	redrive   bool
}{
	{typeSqsQueue, "redrivePolicy", true},
	{typeSqsRedrivePolicy, "redrivePolicy", true},
	{typeSqsDLQFunction, "deadLetterConfig.targetArn", false},
	{typeSnsSubscription, "redrivePolicy", true},
	{typeEventsTarget, "deadLetterConfig.arn", false},
	{typeSqsDLQInvokeConfig, "destinationConfig.onFailure.destination", false},
	{typeSqsDLQEventSource, "destinationConfig.onFailure.destinationArn", false},
}

func init() {
	register(
		// cdk-nag src/rules/sqs/SQSQueueSSE.ts: fails only when KmsMasterKeyId
		// is unset and SqsManagedSseEnabled is explicitly false; queues get
		// SSE-SQS by default.
		Rule{
			ID: "AwsSolutions-SQS2", Level: Error, Types: []string{typeSqsQueue},
			What: "The SQS Queue does not have server-side encryption enabled.",
			Why:  "Server side encryption adds additional protection of sensitive data delivered as messages to subscribers.",
			Fix:  "Leave sqsManagedSseEnabled unset or true (SSE-SQS, the AWS default), or set kmsMasterKeyId; kumo's Function dead-letter queues set sqsManagedSseEnabled.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if truthy(r, "kmsMasterKeyId") || !boolIs(r, "sqsManagedSseEnabled", false) {
					return nil
				}
				return hit("sqsManagedSseEnabled is false and kmsMasterKeyId is not set: queue %q stores messages unencrypted", sqsLabel(r))
			},
		},
		// cdk-nag src/rules/sqs/SQSQueueDLQ.ts: a queue without a
		// RedrivePolicy passes only when it is itself a dead-letter queue,
		// named by another queue's RedrivePolicy or a Lambda function's
		// DeadLetterConfig. Deviation: kumo also counts the other places a
		// queue serves as a dead-letter target (an SNS subscription's or
		// EventBridge target's, a Lambda on-failure destination), where
		// cdk-nag flags such a queue although it is exactly what the rule
		// asks for.
		Rule{
			ID: "AwsSolutions-SQS3", Level: Error, Types: []string{typeSqsQueue},
			What: "The SQS queue is not used as a dead-letter queue (DLQ) and does not have a DLQ enabled.",
			Why:  "Using a DLQ helps maintain the queue flow and avoid losing data by detecting and mitigating failures and service disruptions on time.",
			Fix:  `Give the queue a dead-letter queue: redrivePolicy {"deadLetterTargetArn": <DLQ ARN>, "maxReceiveCount": 5} (or an aws:sqs/redrivePolicy:RedrivePolicy). A queue that is itself a dead-letter target (kumo's Function DeadLetterQueue) passes.`,
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				if sqsHasRedrive(r, g) || sqsDeadLetterUser(r, g) != nil {
					return nil
				}
				return hit("queue %q has no redrivePolicy (inline or aws:sqs/redrivePolicy:RedrivePolicy), and no queue, function, subscription or event target of the stack uses it as a dead-letter queue", sqsLabel(r))
			},
		},
		// cdk-nag src/rules/sqs/SQSQueueSSLRequestsOnly.ts: an
		// AWS::SQS::QueuePolicy naming the queue needs a statement with
		// Effect Deny, Action "*" or "sqs:*", Principal "*" or {"AWS": "*"}
		// and Condition.Bool["aws:SecureTransport"] false. Its Resource is
		// not checked. kumo also reads the queue's inline policy, and a
		// condition value given as a list (["false"], as IAM allows and
		// kumo's constructs write it).
		Rule{
			ID: "AwsSolutions-SQS4", Level: Error, Types: []string{typeSqsQueue},
			What: "The SQS queue does not require requests to use SSL.",
			Why:  "Without HTTPS (TLS), a network-based attacker can eavesdrop on network traffic or manipulate it, using an attack such as man-in-the-middle. Allow only encrypted connections over HTTPS (TLS) using the aws:SecureTransport condition in the queue policy to force requests to use SSL.",
			Fix:  `Attach an aws:sqs/queuePolicy:QueuePolicy with a statement denying "sqs:*" to principal "*" when aws:SecureTransport is "false" (kumo's Function dead-letter queues carry one).`,
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				var docs []policyDoc
				for _, p := range sqsParts(g, typeSqsQueuePolicy, r) {
					v, _ := p.Value("policy")
					docs = append(docs, policyDoc{"aws:sqs/queuePolicy:QueuePolicy " + p.Name, v})
				}
				if v, ok := r.Value("policy"); ok {
					docs = append(docs, policyDoc{"the queue's inline policy", v})
				}
				return requireTLSDeny(docs, func(a string) bool { return a == "*" || strings.EqualFold(a, "sqs:*") },
					fmt.Sprintf(`no policy of queue %q denies "*" or "sqs:*" to principal "*" when aws:SecureTransport is false`, sqsLabel(r)))
			},
		},
		// cdk-nag src/rules/sqs/SQSRedrivePolicy.ts: RedrivePolicy must be
		// defined. Deviation: kumo does not flag a queue that is itself
		// some resource's dead-letter target (see SQS3). cdk-nag flags
		// every dead-letter queue, since a DLQ rarely has a DLQ of its own,
		// so following it would mean a suppression on every DLQ.
		Rule{
			ID: "Serverless-SQSRedrivePolicy", Level: Error, Types: []string{typeSqsQueue},
			What: "The SQS queue does not have a redrive policy configured.",
			Why:  "Configuring a redrive policy on an SQS queue allows you to define how many times SQS will make messages available for consumers before sending them to a dead-letter queue. This helps in managing message processing failures and provides a mechanism for handling problematic messages.",
			Fix:  `Set redrivePolicy {"deadLetterTargetArn": <DLQ ARN>, "maxReceiveCount": 5} on the queue (or add an aws:sqs/redrivePolicy:RedrivePolicy); dead-letter queues themselves need none.`,
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				if sqsHasRedrive(r, g) || sqsDeadLetterUser(r, g) != nil {
					return nil
				}
				return hit("queue %q has no redrivePolicy (inline or aws:sqs/redrivePolicy:RedrivePolicy) and is no resource's dead-letter queue", sqsLabel(r))
			},
		},
	)
}

// sqsName is the queue's physical name, "" when synth cannot tell it.
func sqsName(q *synth.Resource) string {
	if n := q.Physical("name"); n != "" {
		return n
	}
	n, _ := q.String("name")
	return n
}

// sqsLabel names a queue in a message.
func sqsLabel(q *synth.Resource) string {
	if n := sqsName(q); n != "" {
		return n
	}
	return q.Name
}

// sqsParts returns the resources of type typ (a queue policy or redrive
// policy) whose queueUrl names queue q.
func sqsParts(g *synth.Stack, typ string, q *synth.Resource) []*synth.Resource {
	name := sqsName(q)
	if name == "" {
		return nil
	}
	idx := g.Index("sqs queueUrl name", typ, func(r *synth.Resource) (string, bool) {
		u, ok := r.String("queueUrl")
		if !ok {
			return "", false
		}
		i := strings.LastIndexByte(u, '/')
		return u[i+1:], i >= 0 && i < len(u)-1
	})
	return idx[name]
}

// sqsHasRedrive reports whether queue q has a redrive policy, inline or as
// an aws:sqs/redrivePolicy resource; an unknown one counts.
func sqsHasRedrive(q *synth.Resource, g *synth.Stack) bool {
	return truthy(q, "redrivePolicy") || len(sqsParts(g, typeSqsRedrivePolicy, q)) > 0
}

// sqsDeadLetterUser returns a resource of the stack, other than q, that
// names q as its dead-letter or on-failure target, nil when none does.
func sqsDeadLetterUser(q *synth.Resource, g *synth.Stack) *synth.Resource {
	name := sqsName(q)
	if name == "" {
		return nil
	}
	for _, use := range sqsDeadLetterUses {
		idx := g.Index("sqs dead-letter target "+use.path, use.typ, func(r *synth.Resource) (string, bool) {
			v, ok := r.Value(use.path)
			if !ok {
				return "", false
			}
			if use.redrive {
				v = redriveTarget(v)
			}
			arn, _ := v.(string)
			return sqsARNName(arn)
		})
		for _, u := range idx[name] {
			if u != q {
				return u
			}
		}
	}
	return nil
}

// redriveTarget returns the deadLetterTargetArn of a redrive policy, given
// as a JSON string (as pulumi-aws takes it) or a rendered object; nil when
// it is unknown or not a redrive policy.
func redriveTarget(v any) any {
	if s, ok := v.(string); ok {
		var m map[string]any
		if synth.Unknown(s) || json.Unmarshal([]byte(s), &m) != nil {
			return nil
		}
		v = m
	}
	t, _ := field(v, "deadLetterTargetArn")
	return t
}

// sqsARNName returns the queue name of an SQS queue ARN
// (arn:<partition>:sqs:<region>:<account>:<name>).
func sqsARNName(arn string) (string, bool) {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "sqs" || p[5] == "" {
		return "", false
	}
	return p[5], true
}

// policyDoc is a resource policy a rule reads, with where it comes from
// for the message.
type policyDoc struct {
	where string
	value any
}

// requireTLSDeny passes when one of docs has a statement denying, to any
// principal, actions that actionOK accepts whenever aws:SecureTransport is
// false; otherwise it says which documents it could not read, or missing.
func requireTLSDeny(docs []policyDoc, actionOK func(string) bool, missing string) []Hit {
	var unread []string
	for _, d := range docs {
		if d.value == nil || synth.Unknown(d.value) {
			unread = append(unread, d.where)
			continue
		}
		sts, ok := policy(d.value)
		if !ok {
			unread = append(unread, d.where)
			continue
		}
		if slices.ContainsFunc(sts, func(st Statement) bool {
			return st.Effect == "Deny" && principalIsAnyone(st.Principal) &&
				slices.ContainsFunc(st.Action, actionOK) && conditionDeniesInsecure(st.Condition)
		}) {
			return nil
		}
	}
	if len(unread) > 0 {
		return hit("%s; kumo check could not read %s (not known until deploy, or not a policy document)", missing, strings.Join(unread, ", "))
	}
	return hit("%s", missing)
}

// principalIsAnyone reports whether a policy principal is "*" or
// {"AWS": "*"} (or a list holding "*"), as cdk-nag's checkMatchingPrincipal.
func principalIsAnyone(p any) bool {
	if p == "*" {
		return true
	}
	m, ok := p.(map[string]any)
	return ok && slices.Contains(strings1(m["AWS"]), "*")
}

// conditionDeniesInsecure reports whether a statement condition matches
// requests without TLS: Bool aws:SecureTransport false, "false", or a list
// holding "false" (IAM ORs a list's values).
func conditionDeniesInsecure(cond map[string]any) bool {
	b, _ := cond["Bool"].(map[string]any)
	switch v := b["aws:SecureTransport"].(type) {
	case bool:
		return !v
	case string:
		return v == "false"
	case []any:
		return slices.ContainsFunc(v, func(e any) bool { return e == "false" || e == false })
	}
	return false
}
