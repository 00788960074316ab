package check

import (
	"fmt"
	"strings"

	"github.com/kumo-iac/kumo/internal/synth"
)

// EventBridge rules. CloudFormation's AWS::Events::EventBusPolicy comes in
// two forms, which pulumi-aws splits in two resources: the legacy
// principal/condition form is aws:cloudwatch/eventPermission, the
// statement form aws:cloudwatch/eventBusPolicy (a whole policy document).
// A rule's targets are aws:cloudwatch/eventTarget resources of their own.

const (
	typeEventsPermission = "aws:cloudwatch/eventPermission:EventPermission"
	typeEventsBusPolicy  = "aws:cloudwatch/eventBusPolicy:EventBusPolicy"
	typeEventsTarget     = "aws:cloudwatch/eventTarget:EventTarget"
)

func init() {
	register(
		// cdk-nag src/rules/eventbridge/EventBusOpenAccess.ts: Principal "*"
		// without a Condition holding Key, Type and Value fails; so does a
		// Statement with Effect Allow, Principal "*" or {"AWS": "*"} and no
		// or an empty Condition. CloudFormation's policy has one statement;
		// pulumi's document may have several, and each is checked.
		Rule{
			ID: "AwsSolutions-EVB1", Level: Error, Types: []string{typeEventsPermission, typeEventsBusPolicy},
			What: "The event bus policy allows for open access.",
			Why:  `An open policy ("*" principal without a condition) grants anonymous access to an event bus. Use a condition to limit the permission to accounts that fulfill a certain requirement, such as being a member of a certain AWS organization.`,
			Fix:  `Name the accounts allowed to put events instead of "*", or add a condition: on an aws:cloudwatch/eventPermission, condition {key: "aws:PrincipalOrgID", type: "StringEquals", value: <organization ID>}; in an aws:cloudwatch/eventBusPolicy statement, a Condition such as {"StringEquals": {"aws:PrincipalOrgID": <organization ID>}}.`,
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if r.Type == typeEventsPermission {
					if p, _ := r.String("principal"); p != "*" {
						return nil
					}
					var missing []string
					for _, f := range []string{"condition.key", "condition.type", "condition.value"} {
						if !set(r, f) {
							missing = append(missing, f)
						}
					}
					if len(missing) > 0 {
						return hit(`principal is "*" and %s not set: any AWS account can put events on the bus`, strings.Join(missing, ", "))
					}
					return nil
				}
				v, _ := r.Value("policy")
				sts, _ := policy(v) // an unknown policy shows nothing open, as in cdk-nag
				var hits []Hit
				for i, st := range sts {
					if st.Effect == "Allow" && principalIsAnyone(st.Principal) && len(st.Condition) == 0 {
						hits = append(hits, Hit{Message: fmt.Sprintf(`policy statement %s allows principal "*" without a Condition: any AWS account can use the bus`, stmtLabel(st, i))})
					}
				}
				return hits
			},
		},
		// cdk-nag src/rules/eventbridge/EventBusDLQ.ts: every target of an
		// AWS::Events::Rule needs a DeadLetterConfig. pulumi's targets are
		// resources of their own, so kumo reports each target without one,
		// not the rule (and a rule with no targets, on which cdk-nag's check
		// throws, is not flagged).
		Rule{
			ID: "Serverless-EventBusDLQ", Level: Error, Types: []string{typeEventsTarget},
			What: "The EventBridge Target does not have a DLQ configured.",
			Why:  "Configuring a Dead-Letter Queue (DLQ) for EventBridge rules helps manage failed event deliveries. When a rule's target fails to process an event, the DLQ captures these failed events, allowing for analysis, troubleshooting, and potential reprocessing. This improves the reliability and observability of your event-driven architectures by providing a safety net for handling delivery failures.",
			Fix:  "Set deadLetterConfig.arn on the aws:cloudwatch/eventTarget:EventTarget to an SQS queue's ARN; the queue's policy must let events.amazonaws.com send to it, for this rule.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if truthy(r, "deadLetterConfig.arn") {
					return nil
				}
				rule, ok := r.String("rule")
				if !ok {
					rule = "(unknown)"
				}
				return hit("deadLetterConfig.arn is not set: events rule %q drops the events this target fails to take after its retries", rule)
			},
		},
	)
}

// stmtLabel names policy statement i for a message.
func stmtLabel(st Statement, i int) string {
	if st.Sid != "" {
		return fmt.Sprintf("%q", st.Sid)
	}
	return fmt.Sprintf("%d", i)
}
