package synth

import (
	"strings"
	"testing"
)

const tStateMachine = "aws:sfn/stateMachine:StateMachine"

const (
	sfnRoleArn = "arn:aws:iam::123456789012:role/etl-role-1234567"
	sfnLogsArn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/etl-1:*"
	// sfnDefinition invokes a function's alias and retries Lambda's
	// transient errors, as the StateMachine construct renders a Task.
	sfnDefinition = `{"StartAt":"Split","States":{"Split":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",` +
		`"Parameters":{"FunctionName":"arn:aws:lambda:eu-west-1:123456789012:function:split-1:live","Payload.$":"$"},"OutputPath":"$.Payload",` +
		`"Retry":[{"ErrorEquals":["Lambda.ServiceException"],"IntervalSeconds":2,"MaxAttempts":6,"BackoffRate":2}],"End":true}}}`
	logsPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogDelivery","logs:GetLogDelivery"],"Resource":["*"]}]}`
)

// sfnInputs is the StateMachine construct's state machine.
func sfnInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{
		"roleArn": sfnRoleArn, "definition": sfnDefinition, "type": "STANDARD",
		"loggingConfiguration":    map[string]any{"level": "ALL", "includeExecutionData": true, "logDestination": sfnLogsArn},
		"tracingConfiguration":    map[string]any{"enabled": true},
		"encryptionConfiguration": map[string]any{"type": "AWS_OWNED_KEY"},
	}, mods...)
}

func TestStepFunctionsRealityRules(t *testing.T) {
	machine := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) { f.add(tStateMachine, "etl", sfnInputs(m...)) }}
	}
	cases := []realityCase{
		machine("accepted: the construct's state machine", nil),
		machine("name over 80 characters", []mod{set("name", strings.Repeat("m", 81))},
			want{tStateMachine, "name", "at most 80", "API_CreateStateMachine"}),
		machine("name with a space", []mod{set("name", "etl job")},
			want{tStateMachine, "name", "does not match", "API_CreateStateMachine"}),
		{name: "autonamed from a resource name over 72 characters", want: []want{{tStateMachine, "name", "at most 80", "API_CreateStateMachine"}},
			build: func(f *fixture) { f.add(tStateMachine, strings.Repeat("e", 73), sfnInputs()) }},
		machine("a logged name with a dot", []mod{set("name", "etl.v2")},
			want{tStateMachine, "name", "only 0-9, A-Z, a-z", "API_CreateStateMachine"}),
		machine("accepted: an unlogged name with a dot", []mod{set("name", "etl.v2"), set("loggingConfiguration", nil)}),
		machine("no role", []mod{set("roleArn", nil)},
			want{tStateMachine, "roleArn", "required", "API_CreateStateMachine"}),
		machine("type spelled Standard", []mod{set("type", "Standard")},
			want{tStateMachine, "type", "must be one of", "API_CreateStateMachine"}),
		machine("definition not JSON", []mod{set("definition", "{")},
			want{tStateMachine, "definition", "States Language", "states-language.net"}),
		machine("definition over 1 MiB", []mod{set("definition", `{"Comment":"`+strings.Repeat("c", maxDefinitionLength)+`"}`)},
			want{tStateMachine, "definition", "1,048,576", "API_CreateStateMachine"}),
		machine("definition with an unreachable state", []mod{set("definition", `{"StartAt":"A","States":{"A":{"Type":"Succeed"},"B":{"Type":"Succeed"}}}`)},
			want{tStateMachine, "definition", "States Language", "MISSING_TRANSITION_TARGET"}),
		machine("definition retrying with a backoff of 0.5", []mod{set("definition", strings.Replace(sfnDefinition, `"BackoffRate":2`, `"BackoffRate":0.5`, 1))},
			want{tStateMachine, "definition", "States Language", "states-language.net"}),
		machine("log level spelled DEBUG", []mod{set("loggingConfiguration.level", "DEBUG")},
			want{tStateMachine, "loggingConfiguration.level", "must be one of", "API_LoggingConfiguration"}),
		machine("logging without a destination", []mod{set("loggingConfiguration.logDestination", nil)},
			want{tStateMachine, "loggingConfiguration.logDestination", "needs a log destination", "API_LoggingConfiguration"}),
		machine("log destination without :*", []mod{set("loggingConfiguration.logDestination", strings.TrimSuffix(sfnLogsArn, ":*"))},
			want{tStateMachine, "loggingConfiguration.logDestination", `ending in ":*"`, "API_CloudWatchLogsLogGroup"}),
		machine("customer managed key without its ID", []mod{set("encryptionConfiguration.type", "CUSTOMER_MANAGED_KMS_KEY")},
			want{tStateMachine, "encryptionConfiguration.kmsKeyId", "needs kmsKeyId", "API_EncryptionConfiguration"}),
		machine("data key reused 30 s", []mod{set("encryptionConfiguration.kmsDataKeyReusePeriodSeconds", int64(30))},
			want{tStateMachine, "encryptionConfiguration.kmsDataKeyReusePeriodSeconds", "between 60 and 900", "API_EncryptionConfiguration"}),
		{name: "logging state machine before its role's log delivery policy", want: []want{{tStateMachine, "roleArn", "logs:CreateLogDelivery", "cloudwatch-iam-policy"}},
			build: func(f *fixture) {
				f.add(tRole, "etl", map[string]any{"name": "etl-role-1234567", "assumeRolePolicy": trust})
				f.add(tRolePolicy, "etl-logs", map[string]any{"role": "etl-role-1234567", "policy": logsPolicy})
				f.add(tStateMachine, "etl", sfnInputs())
			}},
		{name: "logging state machine whose role may not deliver logs", want: []want{{tStateMachine, "roleArn", "logs:CreateLogDelivery", "cloudwatch-iam-policy"}},
			build: func(f *fixture) {
				role := f.add(tRole, "etl", map[string]any{"name": "etl-role-1234567", "assumeRolePolicy": trust})
				f.add(tStateMachine, "etl", sfnInputs(), role)
			}},
		{name: "accepted: after its role's log delivery policy", build: func(f *fixture) {
			f.add(tRole, "etl", map[string]any{"name": "etl-role-1234567", "assumeRolePolicy": trust})
			p := f.add(tRolePolicy, "etl-logs", map[string]any{"role": "etl-role-1234567", "policy": logsPolicy})
			f.add(tStateMachine, "etl", sfnInputs(), p)
		}},
	}
	runRealityCases(t, specTypes(sfnSpecs), cases)
}
