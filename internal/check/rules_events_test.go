package check

import (
	"testing"
)

func TestEventBridgeRules(t *testing.T) {
	ruleCase(t, "AwsSolutions-EVB1",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-EVB1", g.add(typeEventsPermission, "org", map[string]any{
				"principal": "*", "statementId": "org", "condition": map[string]any{"key": "aws:PrincipalOrgID", "type": "StringEquals", "value": "o-1234567"},
			}))
			g.passes(t, "AwsSolutions-EVB1", g.add(typeEventsPermission, "account", map[string]any{"principal": "111122223333", "statementId": "acct"}))
			g.passes(t, "AwsSolutions-EVB1", g.add(typeEventsBusPolicy, "bus", map[string]any{"policy": `{"Version":"2012-10-17","Statement":[` +
				`{"Sid":"Org","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1234567"}}},` +
				`{"Sid":"Acct","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"events:PutEvents","Resource":"*"},` +
				`{"Sid":"DenyAll","Effect":"Deny","Principal":"*","Action":"events:PutEvents","Resource":"*"}]}`}))
			g.passes(t, "AwsSolutions-EVB1", g.add(typeEventsBusPolicy, "later", map[string]any{"policy": unknown}))
		},
		func(t *testing.T) {
			var g graph
			g.firesWith(t, "AwsSolutions-EVB1", g.add(typeEventsPermission, "open", map[string]any{"principal": "*", "statementId": "open"}),
				`principal is "*" and condition.key, condition.type, condition.value not set`)
			g.firesWith(t, "AwsSolutions-EVB1", g.add(typeEventsPermission, "half", map[string]any{"principal": "*", "condition": map[string]any{"key": "aws:PrincipalOrgID"}}),
				"condition.type, condition.value not set")
			g.firesWith(t, "AwsSolutions-EVB1", g.add(typeEventsBusPolicy, "bus", map[string]any{"policy": `{"Statement":[` +
				`{"Sid":"Org","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}},` +
				`{"Sid":"Open","Effect":"Allow","Principal":{"AWS":["*"]},"Action":"events:PutEvents","Resource":"*","Condition":{}}]}`}),
				`policy statement "Open" allows principal "*" without a Condition`)
		})

	ruleCase(t, "Serverless-EventBusDLQ",
		func(t *testing.T) {
			var g graph
			g.passes(t, "Serverless-EventBusDLQ", g.add(typeEventsTarget, "t", map[string]any{"rule": "nightly", "arn": "arn:aws:lambda:eu-west-1:123456789012:function:f",
				"deadLetterConfig": map[string]any{"arn": sqsARN("dlq")}}))
			g.passes(t, "Serverless-EventBusDLQ", g.add(typeEventsTarget, "later", map[string]any{"rule": "nightly", "deadLetterConfig": map[string]any{"arn": unknown}}))
		},
		func(t *testing.T) {
			var g graph
			g.firesWith(t, "Serverless-EventBusDLQ", g.add(typeEventsTarget, "t", map[string]any{"rule": "nightly", "arn": "arn:aws:lambda:eu-west-1:123456789012:function:f"}),
				`deadLetterConfig.arn is not set: events rule "nightly"`)
			g.fires(t, "Serverless-EventBusDLQ", g.add(typeEventsTarget, "empty", map[string]any{"rule": "nightly", "deadLetterConfig": map[string]any{}}))
		})
}

func TestEventBridgeOddInputs(t *testing.T) {
	oddInputs(t, typeEventsPermission, "principal", "condition", "condition.key")
	oddInputs(t, typeEventsBusPolicy, "policy")
	oddInputs(t, typeEventsTarget, "rule", "deadLetterConfig", "deadLetterConfig.arn")
	var g graph
	for i, p := range []string{`{"Statement":[1,"x",null,{"Effect":"Allow","Principal":"*","Condition":"odd"}]}`, `{"Statement":{}}`, `null`, `"*"`} {
		g.add(typeEventsBusPolicy, string(rune('a'+i)), map[string]any{"policy": p})
	}
	g.run(t)
}
