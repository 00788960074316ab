package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const typEventRuleComponent = "kumo:constructs:EventRule"

// securityGroupChanges is the P4 security automation's pattern: CloudTrail's
// record of an ingress rule added to a security group.
const securityGroupChanges = `{"source":["aws.ec2"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventSource":["ec2.amazonaws.com"],"eventName":["AuthorizeSecurityGroupIngress"]}}`

func eventRuleSetup(ctx *pulumi.Context, p *project) (*constructs.Function, error) {
	return sourceFunction(ctx, p, "enforcer")
}

// synthEventRule registers the function and the rule args(fn) configure.
func synthEventRule(t *testing.T, args func(fn *constructs.Function) *constructs.EventRuleArgs) *stack {
	t.Helper()
	p := newProject(t)
	return p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := eventRuleSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		r, err := constructs.NewEventRule(ctx, "sg-changes", args(fn))
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"ruleName": r.RuleName, "ruleArn": r.RuleArn, "dlqName": r.DeadLetterQueueName, "dlqArn": r.DeadLetterQueueArn}, nil
	})
}

func TestEventRuleFunctionTarget(t *testing.T) {
	s := synthEventRule(t, func(fn *constructs.Function) *constructs.EventRuleArgs {
		return &constructs.EventRuleArgs{EventPattern: pulumi.String(securityGroupChanges), Function: fn}
	})
	comp := s.find(typEventRuleComponent, "sg-changes")
	if got, want := s.childSet(comp.URN), []string{
		typEventRule + " sg-changes", typEventTarget + " sg-changes", typPermission + " sg-changes",
		typQueue + " sg-changes-dlq", typQueuePolicy + " sg-changes-dlq",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	wantInputs(t, s.find(typEventRule, "sg-changes"),
		check{"eventPattern", securityGroupChanges},
		check{"scheduleExpression", nil},
		check{"eventBusName", nil}, // the default bus, where AWS services' events arrive
		check{"state", "ENABLED"},
		check{"description", nil},
	)
	ruleArn, dlqArn := s.output("ruleArn"), s.output("dlqArn")
	target := s.find(typEventTarget, "sg-changes")
	wantInputs(t, target,
		// EventBridge invokes the alias, never the bare function.
		check{"arn", s.aliasArn("enforcer")},
		check{"rule", s.output("ruleName")},
		check{"roleArn", nil},
		check{"input", nil}, // the matched event itself
		check{"deadLetterConfig.arn", dlqArn},
		check{"retryPolicy", map[string]any{"maximumRetryAttempts": 185, "maximumEventAgeInSeconds": 3600}},
	)
	perm := s.find(typPermission, "sg-changes")
	wantInputs(t, perm,
		check{"action", "lambda:InvokeFunction"},
		check{"function", s.state(typLambda, "enforcer", "name")},
		check{"qualifier", "live"},
		check{"principal", "events.amazonaws.com"},
		check{"sourceArn", ruleArn},
	)
	qp := s.find(typQueuePolicy, "sg-changes-dlq")
	doc := policyInput(t, qp, "policy")
	wantTLSOnly(t, "dead-letter queue policy", doc.statementBySid(t, "DenyInsecureTransport"), "sqs:*", dlqArn)
	allow := doc.statementBySid(t, "AllowRuleDeadLetters")
	if !reflect.DeepEqual(allow.Condition, map[string]map[string][]string{"ArnEquals": {"aws:SourceArn": {ruleArn}}}) {
		t.Errorf("AllowRuleDeadLetters condition: got %v; want only this rule's events", allow.Condition)
	}
	wantInputs(t, s.find(typQueue, "sg-changes-dlq"), check{"sqsManagedSseEnabled", true}, check{"messageRetentionSeconds", 14 * 24 * 3600})
	if !dependsOn(target, perm) || !dependsOn(target, qp) {
		t.Errorf("target depends on %q; want the permission and the dead-letter queue policy", target.Dependencies)
	}
}

func TestEventRuleStateMachineTarget(t *testing.T) {
	s := synthEventRule(t, func(*constructs.Function) *constructs.EventRuleArgs {
		return &constructs.EventRuleArgs{EventPattern: pulumi.String(securityGroupChanges), StateMachineArn: pulumi.String(testStateMachineArn)}
	})
	comp := s.find(typEventRuleComponent, "sg-changes")
	if got, want := s.childSet(comp.URN), []string{
		typEventRule + " sg-changes", typEventTarget + " sg-changes", typRole + " sg-changes", typRolePolicy + " sg-changes-start-execution",
		typQueue + " sg-changes-dlq", typQueuePolicy + " sg-changes-dlq",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	trust := policyInput(t, s.find(typRole, "sg-changes"), "assumeRolePolicy")
	if len(trust.Statement) != 1 || !reflect.DeepEqual(trust.Statement[0].Principal, map[string]any{"Service": []any{"events.amazonaws.com"}}) {
		t.Errorf("trust policy: got %+v; want only events.amazonaws.com may assume the role", trust.Statement)
	}
	rp := s.find(typRolePolicy, "sg-changes-start-execution")
	doc := policyInput(t, rp, "policy")
	if len(doc.Statement) != 1 || doc.Statement[0].Sid != "StartMatchedExecution" ||
		!reflect.DeepEqual(doc.Statement[0].Action, []string{"states:StartExecution"}) ||
		!reflect.DeepEqual(doc.Statement[0].Resource, []string{testStateMachineArn}) {
		t.Errorf("start-execution policy: got %+v; want states:StartExecution on exactly the state machine", doc.Statement)
	}
	target := s.find(typEventTarget, "sg-changes")
	wantInputs(t, target,
		check{"arn", testStateMachineArn},
		check{"roleArn", s.state(typRole, "sg-changes", "arn")},
	)
	if !dependsOn(target, rp) {
		t.Errorf("target does not depend on the role's policy")
	}
	if s.has(typPermission, "sg-changes") {
		t.Errorf("a state machine target got a lambda permission")
	}
}

// The kill switch disables the rule and keeps everything else; a pattern
// holding an output (a bucket's name) is passed through unchecked.
func TestEventRuleOptions(t *testing.T) {
	off, retries := false, 2
	pattern := pulumi.Sprintf(`{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":[%q]}}}`, pulumi.String("uploads"))
	s := synthEventRule(t, func(fn *constructs.Function) *constructs.EventRuleArgs {
		return &constructs.EventRuleArgs{EventPattern: pattern, Function: fn, Enabled: &off,
			Description: "Revokes forbidden ingress.", MaximumRetryAttempts: &retries, MaximumEventAgeSeconds: 300}
	})
	wantInputs(t, s.find(typEventRule, "sg-changes"),
		check{"state", "DISABLED"},
		check{"eventPattern", `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["uploads"]}}}`},
		check{"description", "Revokes forbidden ingress."},
	)
	wantInputs(t, s.find(typEventTarget, "sg-changes"),
		check{"retryPolicy", map[string]any{"maximumRetryAttempts": 2, "maximumEventAgeInSeconds": 300}},
		check{"arn", s.aliasArn("enforcer")},
	)
	if !s.has(typPermission, "sg-changes") || !s.has(typQueue, "sg-changes-dlq") {
		t.Errorf("disabled rule lost its permission or dead-letter queue:\n%s", s.list())
	}
}

func TestEventRuleBadInputs(t *testing.T) {
	newRule := func(name string, args func(fn *constructs.Function) constructs.EventRuleArgs) func(*pulumi.Context, *project, *constructs.Function) error {
		return func(ctx *pulumi.Context, _ *project, fn *constructs.Function) error {
			a := args(fn)
			_, err := constructs.NewEventRule(ctx, name, &a)
			return err
		}
	}
	pattern := func(p string) func(*constructs.Function) constructs.EventRuleArgs {
		return func(fn *constructs.Function) constructs.EventRuleArgs {
			return constructs.EventRuleArgs{EventPattern: pulumi.String(p), Function: fn}
		}
	}
	n := func(v int) *int { return &v }
	const scope = `event rule "sg-changes"`
	runBadInputs(t, eventRuleSetup, []badInput[*constructs.Function]{
		{
			name: "no pattern",
			build: newRule("sg-changes", func(fn *constructs.Function) constructs.EventRuleArgs {
				return constructs.EventRuleArgs{Function: fn}
			}),
			scope:    scope,
			problems: [][]string{{"EventPattern", "not set", `"source": ["aws.ec2"]`}},
		},
		{
			name:     "pattern not JSON",
			build:    newRule("sg-changes", pattern("{source: aws.ec2}")),
			scope:    scope,
			problems: [][]string{{"EventPattern", `"{source: aws.ec2}"`, "not JSON"}},
		},
		{
			name:     "pattern an array",
			build:    newRule("sg-changes", pattern(`["aws.ec2"]`)),
			scope:    scope,
			problems: [][]string{{"EventPattern", "not a non-empty JSON object"}},
		},
		{
			// "The value of each field in an event pattern is an array
			// containing one or more values."
			name:  "values not in arrays",
			build: newRule("sg-changes", pattern(`{"source":"aws.ec2","detail":{"eventName":[]}}`)),
			scope: scope,
			problems: [][]string{
				{"EventPattern.detail.eventName", "empty array", "at least one value"},
				{"EventPattern.source", "aws.ec2 is not an array", `["aws.ec2"]`},
			},
		},
		{
			name:     "CloudTrail API calls of every service",
			build:    newRule("sg-changes", pattern(`{"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["AuthorizeSecurityGroupIngress"]}}`)),
			scope:    scope,
			problems: [][]string{{"EventPattern", "AWS API Call via CloudTrail", "without a source", `"source": ["aws.ec2"]`}},
		},
		{
			name: "no target",
			build: newRule("sg-changes", func(*constructs.Function) constructs.EventRuleArgs {
				return constructs.EventRuleArgs{EventPattern: pulumi.String(securityGroupChanges)}
			}),
			scope:    scope,
			problems: [][]string{{"Function, StateMachineArn", "neither", "exactly one"}},
		},
		{
			name: "two targets",
			build: newRule("sg-changes", func(fn *constructs.Function) constructs.EventRuleArgs {
				return constructs.EventRuleArgs{EventPattern: pulumi.String(securityGroupChanges), Function: fn, StateMachineArn: pulumi.String(testStateMachineArn)}
			}),
			scope:    scope,
			problems: [][]string{{"Function, StateMachineArn", "both", "make an EventRule per target"}},
		},
		{
			// PutRule Description ≤ 512; RetryPolicy: MaximumRetryAttempts
			// 0–185, MaximumEventAgeInSeconds 60–86400.
			name: "description and retry policy",
			build: newRule("sg-changes", func(fn *constructs.Function) constructs.EventRuleArgs {
				return constructs.EventRuleArgs{EventPattern: pulumi.String(securityGroupChanges), Function: fn,
					Description: strings.Repeat("d", 513), MaximumRetryAttempts: n(-1), MaximumEventAgeSeconds: 86401}
			}),
			scope: scope,
			problems: [][]string{{"Description", "513 characters", "at most 512"},
				{"MaximumRetryAttempts", "-1", "0–185"}, {"MaximumEventAgeSeconds", "86401", "60–86400"}},
		},
		{
			name:     "name EventBridge cannot autoname from",
			build:    newRule("sg/changes", pattern(securityGroupChanges)),
			scope:    `event rule "sg/changes"`,
			problems: [][]string{{"name", `"sg/changes"`, "1–56"}},
		},
		{
			name: "every problem at once",
			build: newRule("sg-changes", func(*constructs.Function) constructs.EventRuleArgs {
				return constructs.EventRuleArgs{Description: strings.Repeat("d", 600)}
			}),
			scope:    scope,
			problems: [][]string{{"EventPattern"}, {"Function, StateMachineArn"}, {"Description"}},
		},
	})
}

func TestEventRulePassesKumoCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		args func(fn *constructs.Function) *constructs.EventRuleArgs
	}{
		{"function target", func(fn *constructs.Function) *constructs.EventRuleArgs {
			return &constructs.EventRuleArgs{EventPattern: pulumi.String(securityGroupChanges), Function: fn}
		}},
		{"state machine target", func(*constructs.Function) *constructs.EventRuleArgs {
			return &constructs.EventRuleArgs{EventPattern: pulumi.String(securityGroupChanges), StateMachineArn: pulumi.String(testStateMachineArn)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs, _ := newCheckErrors(t, eventRuleSetup, func(ctx *pulumi.Context, fn *constructs.Function) error {
				_, err := constructs.NewEventRule(ctx, "sg-changes", tc.args(fn))
				return err
			})
			wantNoNewFindings(t, errs)
		})
	}
}
