package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const testStateMachineArn = "arn:aws:states:eu-west-1:123456789012:stateMachine:compact-catalog"

func scheduleSetup(ctx *pulumi.Context, p *project) (*constructs.Function, error) {
	return sourceFunction(ctx, p, "compactor")
}

// synthSchedule registers the function and the schedule args(fn) configure.
func synthSchedule(t *testing.T, args func(fn *constructs.Function) *constructs.ScheduleArgs) *stack {
	t.Helper()
	p := newProject(t)
	return p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := scheduleSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		s, err := constructs.NewSchedule(ctx, "nightly", args(fn))
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"ruleName": s.RuleName, "ruleArn": s.RuleArn, "dlqName": s.DeadLetterQueueName, "dlqArn": s.DeadLetterQueueArn}, nil
	})
}

func TestScheduleFunctionTarget(t *testing.T) {
	s := synthSchedule(t, func(fn *constructs.Function) *constructs.ScheduleArgs {
		return &constructs.ScheduleArgs{Expression: "cron(0 2 * * ? *)", Function: fn}
	})
	comp := s.find(typSchedule, "nightly")
	if got, want := s.childSet(comp.URN), []string{
		typEventRule + " nightly", typEventTarget + " nightly", typPermission + " nightly",
		typQueue + " nightly-dlq", typQueuePolicy + " nightly-dlq",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	wantInputs(t, s.find(typEventRule, "nightly"),
		check{"scheduleExpression", "cron(0 2 * * ? *)"},
		check{"state", "ENABLED"},
		check{"description", nil},
	)
	ruleArn, dlqArn := s.output("ruleArn"), s.output("dlqArn")
	target := s.find(typEventTarget, "nightly")
	wantInputs(t, target,
		// EventBridge invokes the alias, never the bare function.
		check{"arn", s.aliasArn("compactor")},
		check{"rule", s.output("ruleName")},
		check{"roleArn", nil},
		check{"input", nil},
		check{"deadLetterConfig.arn", dlqArn},
		check{"retryPolicy", map[string]any{"maximumRetryAttempts": 185, "maximumEventAgeInSeconds": 3600}},
	)
	perm := s.find(typPermission, "nightly")
	wantInputs(t, perm,
		check{"action", "lambda:InvokeFunction"},
		check{"function", s.state(typLambda, "compactor", "name")},
		check{"qualifier", "live"},
		check{"principal", "events.amazonaws.com"},
		check{"sourceArn", ruleArn},
	)
	qp := s.find(typQueuePolicy, "nightly-dlq")
	doc := policyInput(t, qp, "policy")
	wantTLSOnly(t, "dead-letter queue policy", doc.statementBySid(t, "DenyInsecureTransport"), "sqs:*", dlqArn)
	allow := doc.statementBySid(t, "AllowRuleDeadLetters")
	if !reflect.DeepEqual(allow.Principal, map[string]any{"Service": []any{"events.amazonaws.com"}}) ||
		!reflect.DeepEqual(allow.Action, []string{"sqs:SendMessage"}) || !reflect.DeepEqual(allow.Resource, []string{dlqArn}) ||
		!reflect.DeepEqual(allow.Condition, map[string]map[string][]string{"ArnEquals": {"aws:SourceArn": {ruleArn}}}) {
		t.Errorf("AllowRuleDeadLetters: got %+v; want events.amazonaws.com may send this rule's events to the queue", allow)
	}
	wantInputs(t, s.find(typQueue, "nightly-dlq"), check{"sqsManagedSseEnabled", true}, check{"messageRetentionSeconds", 14 * 24 * 3600})
	// The first tick finds the permission and the queue policy in place.
	if !dependsOn(target, perm) || !dependsOn(target, qp) {
		t.Errorf("target depends on %q; want the permission and the dead-letter queue policy", target.Dependencies)
	}
}

func TestScheduleStateMachineTarget(t *testing.T) {
	s := synthSchedule(t, func(*constructs.Function) *constructs.ScheduleArgs {
		return &constructs.ScheduleArgs{Expression: "rate(1 day)", StateMachineArn: pulumi.String(testStateMachineArn)}
	})
	comp := s.find(typSchedule, "nightly")
	if got, want := s.childSet(comp.URN), []string{
		typEventRule + " nightly", typEventTarget + " nightly", typRole + " nightly", typRolePolicy + " nightly-start-execution",
		typQueue + " nightly-dlq", typQueuePolicy + " nightly-dlq",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	role := s.find(typRole, "nightly")
	trust := policyInput(t, role, "assumeRolePolicy")
	if len(trust.Statement) != 1 || !reflect.DeepEqual(trust.Statement[0].Principal, map[string]any{"Service": []any{"events.amazonaws.com"}}) ||
		!reflect.DeepEqual(trust.Statement[0].Action, []string{"sts:AssumeRole"}) {
		t.Errorf("trust policy: got %+v; want only events.amazonaws.com may assume the role", trust.Statement)
	}
	rp := s.find(typRolePolicy, "nightly-start-execution")
	if got, want := rp.Inputs["role"], s.state(typRole, "nightly", "name"); got != want {
		t.Errorf("start-execution policy role: got %#v; want %q", got, want)
	}
	doc := policyInput(t, rp, "policy")
	if len(doc.Statement) != 1 || doc.Statement[0].Effect != "Allow" ||
		!reflect.DeepEqual(doc.Statement[0].Action, []string{"states:StartExecution"}) ||
		!reflect.DeepEqual(doc.Statement[0].Resource, []string{testStateMachineArn}) {
		t.Errorf("start-execution policy: got %+v; want states:StartExecution on exactly the state machine", doc.Statement)
	}
	target := s.find(typEventTarget, "nightly")
	wantInputs(t, target,
		check{"arn", testStateMachineArn},
		check{"roleArn", s.state(typRole, "nightly", "arn")},
		check{"deadLetterConfig.arn", s.output("dlqArn")},
	)
	if !dependsOn(target, rp) {
		t.Errorf("target does not depend on the role's policy")
	}
	if s.has(typPermission, "nightly") {
		t.Errorf("a state machine target got a lambda permission")
	}
}

func TestScheduleOptions(t *testing.T) {
	off, retries := false, 3
	s := synthSchedule(t, func(fn *constructs.Function) *constructs.ScheduleArgs {
		return &constructs.ScheduleArgs{Expression: "rate(15 minutes)", Function: fn, Enabled: &off,
			Input: `{"task":"compact"}`, Description: "Compacts the catalog.", MaximumRetryAttempts: &retries, MaximumEventAgeSeconds: 600}
	})
	// The kill switch disables the rule and keeps everything else.
	wantInputs(t, s.find(typEventRule, "nightly"),
		check{"state", "DISABLED"},
		check{"scheduleExpression", "rate(15 minutes)"},
		check{"description", "Compacts the catalog."},
	)
	wantInputs(t, s.find(typEventTarget, "nightly"),
		check{"input", `{"task":"compact"}`},
		check{"retryPolicy", map[string]any{"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 600}},
		check{"arn", s.aliasArn("compactor")},
	)
	if !s.has(typPermission, "nightly") || !s.has(typQueue, "nightly-dlq") {
		t.Errorf("disabled schedule lost its permission or dead-letter queue:\n%s", s.list())
	}
}

func TestScheduleBadInputs(t *testing.T) {
	newSchedule := func(name string, args func(fn *constructs.Function) constructs.ScheduleArgs) func(*pulumi.Context, *project, *constructs.Function) error {
		return func(ctx *pulumi.Context, _ *project, fn *constructs.Function) error {
			a := args(fn)
			_, err := constructs.NewSchedule(ctx, name, &a)
			return err
		}
	}
	expr := func(e string) func(*constructs.Function) constructs.ScheduleArgs {
		return func(fn *constructs.Function) constructs.ScheduleArgs {
			return constructs.ScheduleArgs{Expression: e, Function: fn}
		}
	}
	n := func(v int) *int { return &v }
	const scope = `schedule "nightly"`
	runBadInputs(t, scheduleSetup, []badInput[*constructs.Function]{
		{
			name:     "no expression",
			build:    newSchedule("nightly", expr("")),
			scope:    scope,
			problems: [][]string{{"Expression", "empty", "rate(5 minutes)"}},
		},
		{
			// "If the value is equal to 1, then the unit must be singular."
			name:     "rate of 1 with a plural unit",
			build:    newSchedule("nightly", expr("rate(1 days)")),
			scope:    scope,
			problems: [][]string{{"Expression", `"rate(1 days)"`, "rate(1 day)"}},
		},
		{
			name:     "rate above 1 with a singular unit",
			build:    newSchedule("nightly", expr("rate(2 hour)")),
			scope:    scope,
			problems: [][]string{{"Expression", `"rate(2 hour)"`, "rate(2 hours)"}},
		},
		{
			name:     "five-field cron",
			build:    newSchedule("nightly", expr("cron(0 2 * * *)")),
			scope:    scope,
			problems: [][]string{{"Expression", "5 fields", "6"}},
		},
		{
			// "You can't use * in both the Day-of-month and Day-of-week fields."
			name:     "cron without ?",
			build:    newSchedule("nightly", expr("cron(0 2 * * * *)")),
			scope:    scope,
			problems: [][]string{{"Expression", "exactly one of day-of-month and day-of-week must be ?"}},
		},
		{
			name: "no target",
			build: newSchedule("nightly", func(*constructs.Function) constructs.ScheduleArgs {
				return constructs.ScheduleArgs{Expression: "rate(1 day)"}
			}),
			scope:    scope,
			problems: [][]string{{"Function, StateMachineArn", "neither", "exactly one"}},
		},
		{
			name: "two targets",
			build: newSchedule("nightly", func(fn *constructs.Function) constructs.ScheduleArgs {
				return constructs.ScheduleArgs{Expression: "rate(1 day)", Function: fn, StateMachineArn: pulumi.String(testStateMachineArn)}
			}),
			scope:    scope,
			problems: [][]string{{"Function, StateMachineArn", "both", "exactly one"}},
		},
		{
			// Target Input: "Valid JSON text", at most 8192 characters.
			name: "input not JSON",
			build: newSchedule("nightly", func(fn *constructs.Function) constructs.ScheduleArgs {
				return constructs.ScheduleArgs{Expression: "rate(1 day)", Function: fn, Input: "task=compact"}
			}),
			scope:    scope,
			problems: [][]string{{"Input", `"task=compact"`, "not JSON"}},
		},
		{
			name: "input and description too long",
			build: newSchedule("nightly", func(fn *constructs.Function) constructs.ScheduleArgs {
				return constructs.ScheduleArgs{Expression: "rate(1 day)", Function: fn,
					Input: `"` + strings.Repeat("x", 8192) + `"`, Description: strings.Repeat("d", 513)}
			}),
			scope:    scope,
			problems: [][]string{{"Input", "8194 characters", "at most 8192"}, {"Description", "513 characters", "at most 512"}},
		},
		{
			// RetryPolicy: MaximumRetryAttempts 0–185, MaximumEventAgeInSeconds 60–86400.
			name: "retry policy",
			build: newSchedule("nightly", func(fn *constructs.Function) constructs.ScheduleArgs {
				return constructs.ScheduleArgs{Expression: "rate(1 day)", Function: fn, MaximumRetryAttempts: n(186), MaximumEventAgeSeconds: 59}
			}),
			scope:    scope,
			problems: [][]string{{"MaximumRetryAttempts", "186", "0–185"}, {"MaximumEventAgeSeconds", "59", "60–86400"}},
		},
		{
			// PutRule Name and Target Id: 1–64 of [.\-_A-Za-z0-9], and the
			// provider appends 8 characters.
			name:     "name EventBridge cannot autoname from",
			build:    newSchedule("nightly/compact", expr("rate(1 day)")),
			scope:    `schedule "nightly/compact"`,
			problems: [][]string{{"name", `"nightly/compact"`, "1–56"}},
		},
		{
			name:     "name too long",
			build:    newSchedule(strings.Repeat("n", 57), expr("rate(1 day)")),
			scope:    `schedule "` + strings.Repeat("n", 57) + `"`,
			problems: [][]string{{"name", "1–56"}},
		},
		{
			name:     "every problem at once",
			build:    newSchedule("nightly", func(*constructs.Function) constructs.ScheduleArgs { return constructs.ScheduleArgs{Input: "{"} }),
			scope:    scope,
			problems: [][]string{{"Expression"}, {"Function, StateMachineArn"}, {"Input"}},
		},
	})
}

func TestSchedulePassesKumoCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		args func(fn *constructs.Function) *constructs.ScheduleArgs
	}{
		{"function target", func(fn *constructs.Function) *constructs.ScheduleArgs {
			return &constructs.ScheduleArgs{Expression: "rate(1 hour)", Function: fn}
		}},
		{"state machine target", func(*constructs.Function) *constructs.ScheduleArgs {
			return &constructs.ScheduleArgs{Expression: "rate(1 hour)", StateMachineArn: pulumi.String(testStateMachineArn)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs, _ := newCheckErrors(t, scheduleSetup, func(ctx *pulumi.Context, fn *constructs.Function) error {
				_, err := constructs.NewSchedule(ctx, "nightly", tc.args(fn))
				return err
			})
			wantNoNewFindings(t, errs)
		})
	}
}
