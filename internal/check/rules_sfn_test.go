package check

import (
	"testing"
)

func TestStepFunctionsRules(t *testing.T) {
	ruleCase(t, "AwsSolutions-SF1",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-SF1", g.add(typeSfnStateMachine, "flow", map[string]any{
				"loggingConfiguration": map[string]any{"level": "ALL", "includeExecutionData": true, "logDestination": "arn:aws:logs:eu-west-1:123456789012:log-group:/flow:*"},
			}))
		},
		func(t *testing.T) {
			var g graph
			g.firesWith(t, "AwsSolutions-SF1", g.add(typeSfnStateMachine, "errors", map[string]any{"loggingConfiguration": map[string]any{"level": "ERROR"}}),
				`loggingConfiguration.level is "ERROR", not "ALL"`)
			g.firesWith(t, "AwsSolutions-SF1", g.add(typeSfnStateMachine, "unset", map[string]any{}), "loggingConfiguration.level is not set")
		})

	for _, id := range []string{"AwsSolutions-SF2", "Serverless-StepFunctionStateMachineXray"} {
		ruleCase(t, id,
			func(t *testing.T) {
				var g graph
				g.passes(t, id, g.add(typeSfnStateMachine, "flow", map[string]any{"tracingConfiguration": map[string]any{"enabled": true}}))
			},
			func(t *testing.T) {
				var g graph
				g.firesWith(t, id, g.add(typeSfnStateMachine, "off", map[string]any{"tracingConfiguration": map[string]any{"enabled": false}}),
					"tracingConfiguration.enabled is false")
				g.firesWith(t, id, g.add(typeSfnStateMachine, "unset", map[string]any{}), "tracingConfiguration.enabled is not set")
			})
	}
}

func TestStepFunctionsOddInputs(t *testing.T) {
	oddInputs(t, typeSfnStateMachine, "loggingConfiguration", "loggingConfiguration.level", "tracingConfiguration", "tracingConfiguration.enabled")
}
