package check

import (
	"github.com/kumo-iac/kumo/internal/synth"
)

// Step Functions rules.

const typeSfnStateMachine = "aws:sfn/stateMachine:StateMachine"

func init() {
	register(
		// cdk-nag src/rules/stepfunctions/StepFunctionStateMachineAllLogsToCloudWatch.ts:
		// LoggingConfiguration.Level must be ALL; an absent configuration
		// fails. Destinations are not checked.
		Rule{
			ID: "AwsSolutions-SF1", Level: Error, Types: []string{typeSfnStateMachine},
			What: `The Step Function does not log "ALL" events to CloudWatch Logs.`,
			Why:  `Logging "ALL" events to CloudWatch logs help operators troubleshoot and audit systems.`,
			Fix:  `Set loggingConfiguration with level "ALL" and logDestination a log group's ARN followed by ":*" (and includeExecutionData true if inputs and outputs may be logged); the state machine's role needs the CloudWatch Logs delivery permissions.`,
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				v, problem := needString(r, "loggingConfiguration.level")
				if problem != "" {
					return hit("%s (Step Functions' default is \"OFF\")", problem)
				}
				if v != "ALL" {
					return hit(`loggingConfiguration.level is %q, not "ALL"`, v)
				}
				return nil
			},
		},
		sfnXray("AwsSolutions-SF2",
			"The Step Function does not have X-Ray tracing enabled.",
			"X-Ray provides an end-to-end view of how an application is performing. This helps operators to discover performance issues, detect permission problems, and track requests made to and from other AWS services."),
		// cdk-nag's explanation speaks of "API stages": its own copy-paste,
		// quoted as it is.
		sfnXray("Serverless-StepFunctionStateMachineXray",
			"The StepFunction state machine does not have X-Ray tracing configured.",
			"AWS StepFunctions provides active tracing support for AWS X-Ray. Enable active tracing on your API stages to sample incoming requests and send traces to X-Ray."),
	)
}

// sfnXray is cdk-nag src/rules/stepfunctions/StepFunctionStateMachineXray.ts,
// which both packs use under their own IDs and texts:
// TracingConfiguration.Enabled must be true; an absent configuration fails.
func sfnXray(id, what, why string) Rule {
	return Rule{
		ID: id, Level: Error, Types: []string{typeSfnStateMachine},
		What: what,
		Why:  why,
		Fix:  "Set tracingConfiguration.enabled to true; the state machine's role needs the X-Ray write actions (xray:PutTraceSegments, xray:PutTelemetryRecords, xray:GetSamplingRules, xray:GetSamplingTargets).",
		Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
			on, problem := needBool(r, "tracingConfiguration.enabled")
			if problem != "" {
				return hit("%s (tracing is off by default)", problem)
			}
			if !on {
				return hit("tracingConfiguration.enabled is false")
			}
			return nil
		},
	}
}
