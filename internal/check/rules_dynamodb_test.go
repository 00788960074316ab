package check

import (
	"testing"
)

func TestDynamoDBRules(t *testing.T) {
	ruleCase(t, "AwsSolutions-DDB3",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-DDB3", g.add(typeDynamoTable, "items", map[string]any{"pointInTimeRecovery": map[string]any{"enabled": true}}))
		},
		func(t *testing.T) {
			var g graph
			g.firesWith(t, "AwsSolutions-DDB3", g.add(typeDynamoTable, "off", map[string]any{"pointInTimeRecovery": map[string]any{"enabled": false}}),
				"pointInTimeRecovery.enabled is false")
			g.firesWith(t, "AwsSolutions-DDB3", g.add(typeDynamoTable, "unset", map[string]any{}), "pointInTimeRecovery.enabled is not set")
		})

	ruleCase(t, "AwsSolutions-DDB4",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-DDB4", g.add(typeDynamoDAX, "cache", map[string]any{"serverSideEncryption": map[string]any{"enabled": true}}))
		},
		func(t *testing.T) {
			var g graph
			g.firesWith(t, "AwsSolutions-DDB4", g.add(typeDynamoDAX, "plain", map[string]any{}), "serverSideEncryption.enabled is not set")
			g.firesWith(t, "AwsSolutions-DDB4", g.add(typeDynamoDAX, "off", map[string]any{"serverSideEncryption": map[string]any{"enabled": false}}),
				"serverSideEncryption.enabled is false")
			g.firesWith(t, "AwsSolutions-DDB4", g.add(typeDynamoDAX, "unknown", map[string]any{"serverSideEncryption": map[string]any{"enabled": unknown}}),
				"not known until deploy")
		})
}

func TestDynamoDBOddInputs(t *testing.T) {
	oddInputs(t, typeDynamoTable, "pointInTimeRecovery", "pointInTimeRecovery.enabled")
	oddInputs(t, typeDynamoDAX, "serverSideEncryption", "serverSideEncryption.enabled")
}
