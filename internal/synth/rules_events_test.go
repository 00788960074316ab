package synth

import (
	"fmt"
	"strings"
	"testing"
)

const (
	fnAliasArn = "arn:aws:lambda:eu-west-1:123456789012:function:fn-1234567:live"
	dlqArn     = "arn:aws:sqs:eu-west-1:123456789012:nightly-dlq-1234567"
)

func ruleInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{"name": "nightly", "scheduleExpression": "cron(0 2 * * ? *)", "state": "ENABLED",
		"description": "Runs the nightly compaction."}, mods...)
}

func targetInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{"rule": "nightly", "arn": fnAliasArn,
		"deadLetterConfig": map[string]any{"arn": dlqArn},
		"retryPolicy":      map[string]any{"maximumEventAgeInSeconds": int64(3600), "maximumRetryAttempts": int64(185)}}, mods...)
}

// scheduleStack registers a scheduled rule and its target, ordered as AWS
// needs; the mods change the rule's and the target's inputs.
func scheduleStack(rule []mod, target []mod) func(f *fixture) {
	return func(f *fixture) {
		r := f.add(tEventRule, "nightly", ruleInputs(rule...))
		f.add(tEventTarget, "nightly", targetInputs(target...), r)
	}
}

func TestEventsRealityRules(t *testing.T) {
	rule := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, build: scheduleStack(m, nil), want: ws}
	}
	target := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, build: scheduleStack(nil, m), want: ws}
	}
	schedule := func(expr, why string) realityCase {
		return rule("schedule "+expr+" ("+why+")", []mod{set("scheduleExpression", expr)}, want{tEventRule, "scheduleExpression", "rate(value unit)", "eb-scheduled-rule-pattern"})
	}
	smArn := "arn:aws:states:eu-west-1:123456789012:stateMachine:etl"
	pattern := func(name, p string) realityCase {
		return rule("event pattern "+name, []mod{set("scheduleExpression", nil), set("eventPattern", p)},
			want{tEventRule, "eventPattern", "array of one or more values", "eb-create-pattern"})
	}
	runRealityCases(t, specTypes(eventsSpecs), []realityCase{
		rule("accepted: a scheduled rule and a function target", nil),
		rule("accepted: rate(1 hour)", []mod{set("scheduleExpression", "rate(1 hour)")}),
		rule("accepted: an event pattern and no schedule", []mod{set("scheduleExpression", nil), set("eventPattern", `{"source":["aws.s3"]}`)}),
		rule("accepted: disabled", []mod{set("state", "DISABLED")}),

		// Rule names
		rule("rule name with a slash", []mod{set("name", "etl/nightly")}, want{tEventRule, "name", "does not match", "API_PutRule"}),
		rule("rule name of 65 characters", []mod{set("name", strings.Repeat("r", 65))}, want{tEventRule, "name", "at most 64", "API_PutRule"}),
		{name: "rule autonamed from a resource name of 57 characters", want: []want{{tEventRule, "name", "shorten the resource name to at most 56", "AutoName(\"name\", 64"}},
			build: func(f *fixture) { f.add(tEventRule, strings.Repeat("r", 57), ruleInputs(set("name", nil))) }},
		{name: "accepted: rule autonamed from a resource name of 56 characters",
			build: func(f *fixture) { f.add(tEventRule, strings.Repeat("r", 56), ruleInputs(set("name", nil))) }},
		{name: "rule name prefix too long for the 26-digit suffix", want: []want{{tEventRule, "name", "at most 64", "API_PutRule"}},
			build: func(f *fixture) {
				f.add(tEventRule, "r", ruleInputs(set("name", nil), set("namePrefix", strings.Repeat("p", 39))))
			}},

		// Rule inputs
		rule("neither schedule nor pattern", []mod{set("scheduleExpression", nil)}, want{tEventRule, "scheduleExpression", "eventPattern or a scheduleExpression", "API_PutRule"}),
		schedule("rate(1 hours)", "plural unit for 1"),
		schedule("rate(5 hour)", "singular unit above 1"),
		schedule("rate(0 minutes)", "zero"),
		schedule("cron(0 2 * * *)", "five fields"),
		schedule("cron(0 2 * * * *)", "both days *"),
		schedule("cron(0 25 * * ? *)", "hour 25"),
		schedule("every day", "not an expression"),
		rule("state lower-case", []mod{set("state", "enabled")}, want{tEventRule, "state", "ENABLED, DISABLED", "API_PutRule"}),
		rule("CloudTrail state with a schedule", []mod{set("state", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")},
			want{tEventRule, "state", "cannot be used with a scheduleExpression", "eventRule.go"}),
		rule("schedule on a custom bus", []mod{set("eventBusName", "orders")}, want{tEventRule, "eventBusName", "default event bus", "eventRule.go"}),
		rule("accepted: schedule on the default bus by ARN", []mod{set("eventBusName", "arn:aws:events:eu-west-1:123456789012:event-bus/default")}),
		rule("description of 513 characters", []mod{set("description", strings.Repeat("d", 513))}, want{tEventRule, "description", "at most 512", "API_PutRule"}),
		rule("event pattern not JSON", []mod{set("eventPattern", "{source: aws.s3}")}, want{tEventRule, "eventPattern", "valid JSON", "API_PutRule"}),
		pattern("a string, not an object", `"aws.ec2"`),
		pattern("an empty object", `{}`),
		pattern("a value not in an array", `{"source":"aws.ec2"}`),
		pattern("a nested value not in an array", `{"source":["aws.ec2"],"detail":{"eventName":"AuthorizeSecurityGroupIngress"}}`),
		pattern("an empty array", `{"source":["aws.ec2"],"detail-type":[]}`),
		rule("accepted: a CloudTrail API call pattern with content filters", []mod{set("scheduleExpression", nil), set("eventPattern",
			`{"source":["aws.ec2"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["AuthorizeSecurityGroupIngress"],"requestParameters":{"ipPermissions":{"items":{"fromPort":[{"numeric":["<=",22]}]}}},"$or":[{"awsRegion":["eu-west-1"]},{"awsRegion":[{"prefix":"us-"}]}]}}`)}),

		// Targets
		target("target without arn", []mod{set("arn", nil)}, want{tEventTarget, "arn", "required", "API_PutTargets"}),
		target("target ID with a space", []mod{set("targetId", "run etl")}, want{tEventTarget, "targetId", "does not match", "API_Target"}),
		{name: "target ID autonamed from a resource name of 57 characters", want: []want{{tEventTarget, "targetId", "at most 64", "API_Target"}},
			build: func(f *fixture) {
				r := f.add(tEventRule, "nightly", ruleInputs())
				f.add(tEventTarget, strings.Repeat("t", 57), targetInputs(), r)
			}},
		target("input not JSON", []mod{set("input", "{run: true}")}, want{tEventTarget, "input", "valid JSON", "API_Target"}),
		target("input over 8192 characters", []mod{set("input", `"`+strings.Repeat("x", 8192)+`"`)}, want{tEventTarget, "input", "at most 8192", "API_Target"}),
		target("input and inputPath", []mod{set("input", `{}`), set("inputPath", "$.detail")}, want{tEventTarget, "inputPath", "at most one of input", "target.go"}),
		target("retry attempts above 185", []mod{set("retryPolicy.maximumRetryAttempts", int64(186))}, want{tEventTarget, "retryPolicy.maximumRetryAttempts", "between 0 and 185", "API_RetryPolicy"}),
		target("event age below 60 seconds", []mod{set("retryPolicy.maximumEventAgeInSeconds", int64(59))}, want{tEventTarget, "retryPolicy.maximumEventAgeInSeconds", "between 60 and 86400", "API_RetryPolicy"}),
		target("state machine without a role", []mod{set("arn", smArn)}, want{tEventTarget, "roleArn", "needs roleArn", "API_PutTargets"}),
		target("accepted: state machine with a role", []mod{set("arn", smArn), set("roleArn", "arn:aws:iam::123456789012:role/nightly-events")}),
		target("dead-letter queue that is a topic", []mod{set("deadLetterConfig.arn", "arn:aws:sns:eu-west-1:123456789012:alerts")},
			want{tEventTarget, "deadLetterConfig.arn", "SQS queue ARN", "API_DeadLetterConfig"}),
		{name: "target before its rule", want: []want{{tEventTarget, "rule", "must exist first", "ResourceNotFoundException"}},
			build: func(f *fixture) {
				f.add(tEventRule, "nightly", ruleInputs())
				f.add(tEventTarget, "nightly", targetInputs())
			}},
		{name: "six targets on one rule", want: sixTimes(want{tEventTarget, "rule", "at most 5 targets", "API_PutTargets"}),
			build: func(f *fixture) {
				r := f.add(tEventRule, "nightly", ruleInputs())
				for i := range 6 {
					f.add(tEventTarget, fmt.Sprintf("t%d", i), targetInputs(), r)
				}
			}},
		{name: "two targets with one ID on a rule", want: []want{{tEventTarget, "targetId", "unique within its rule", "API_PutTargets"}, {tEventTarget, "targetId", "unique within its rule", "API_PutTargets"}},
			build: func(f *fixture) {
				r := f.add(tEventRule, "nightly", ruleInputs())
				f.add(tEventTarget, "a", targetInputs(set("targetId", "run")), r)
				f.add(tEventTarget, "b", targetInputs(set("targetId", "run")), r)
			}},
		{name: "two rules with one name", want: []want{{tEventRule, "name", "unique on its event bus", "API_PutRule"}, {tEventRule, "name", "unique on its event bus", "API_PutRule"}},
			build: func(f *fixture) {
				f.add(tEventRule, "a", ruleInputs())
				f.add(tEventRule, "b", ruleInputs(set("scheduleExpression", "rate(1 hour)")))
			}},
		{name: "accepted: one rule name on two buses",
			build: func(f *fixture) {
				f.add(tEventRule, "a", ruleInputs())
				f.add(tEventRule, "b", ruleInputs(set("scheduleExpression", nil), set("eventPattern", `{"source":["kumo"]}`), set("eventBusName", "orders")))
			}},
		{name: "accepted: one target ID on two rules",
			build: func(f *fixture) {
				a := f.add(tEventRule, "a", ruleInputs(set("name", "a")))
				b := f.add(tEventRule, "b", ruleInputs(set("name", "b")))
				f.add(tEventTarget, "a", targetInputs(set("targetId", "run"), set("rule", "a")), a)
				f.add(tEventTarget, "b", targetInputs(set("targetId", "run"), set("rule", "b")), b)
			}},
	})
}

func sixTimes(w want) []want {
	out := make([]want, 6)
	for i := range out {
		out[i] = w
	}
	return out
}
