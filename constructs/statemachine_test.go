package constructs_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	kumocheck "github.com/kumo-iac/kumo/internal/check"
	"github.com/kumo-iac/kumo/internal/synth"
)

const (
	typStateMachineComponent = "kumo:constructs:StateMachine"
	typStateMachine          = "aws:sfn/stateMachine:StateMachine"
)

// dlqFunction is a function that passes kumo check on its own.
func dlqFunction(ctx *pulumi.Context, p *project, name string) (*constructs.Function, error) {
	a := p.fnArgs()
	a.DeadLetterQueue = true
	return constructs.NewFunction(ctx, name, a)
}

// mapReduce is the data lake's serverless batch: a splitter cuts the input
// into chunks under chunks/, a distributed Map runs a mapper per chunk
// object, a reducer combines the partial results.
func mapReduce(p *project, override func(*constructs.StateMachineArgs)) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		l, err := newLake(ctx)
		if err != nil {
			return nil, err
		}
		fns := map[string]*constructs.Function{}
		for _, n := range []string{"split", "mapper", "reduce", "starter"} {
			if fns[n], err = dlqFunction(ctx, p, n); err != nil {
				return nil, err
			}
		}
		args := &constructs.StateMachineArgs{Definition: &constructs.Definition{
			Comment: "MapReduce over the raw zone",
			StartAt: "Split",
			States: map[string]constructs.State{
				"Split": constructs.Task{Function: fns["split"], Next: "Map"},
				"Map": constructs.Map{
					Mode:           constructs.MapDistributed,
					ItemReader:     &constructs.S3ItemReader{Bucket: l.raw, Prefix: "chunks/"},
					MaxConcurrency: 100,
					Processor: constructs.Branch{StartAt: "Mapper", States: map[string]constructs.State{
						"Mapper": constructs.Task{Function: fns["mapper"], End: true},
					}},
					ResultPath: "$.mapped",
					Catch:      []constructs.Catch{{ErrorEquals: []string{constructs.ErrorAll}, Next: "Failed"}},
					Next:       "Reduce",
				},
				"Reduce": &constructs.Task{Function: fns["reduce"], End: true},
				"Failed": constructs.Fail{Error: "MapReduceFailed", Cause: "a map run failed"},
			},
		}}
		if override != nil {
			override(args)
		}
		sm, err := constructs.NewStateMachine(ctx, "etl", args)
		if err != nil {
			return nil, err
		}
		if err := sm.GrantStart(fns["starter"]); err != nil {
			return nil, err
		}
		out := pulumi.Map{"arn": sm.Arn, "name": sm.Name, "bucket": l.raw.Name}
		for n, f := range fns {
			out[n] = f.AliasArn
		}
		return out, nil
	}
}

// definitionOf parses a state machine's definition input.
func definitionOf(t *testing.T, s *stack) map[string]any {
	t.Helper()
	raw, ok := s.find(typStateMachine, "etl").Inputs["definition"].(string)
	if !ok {
		t.Fatalf("definition: got %#v; want a JSON string", s.find(typStateMachine, "etl").Inputs["definition"])
	}
	var def map[string]any
	if err := json.Unmarshal([]byte(raw), &def); err != nil {
		t.Fatalf("definition is not JSON: %v\n%s", err, raw)
	}
	return def
}

// at reads a dotted path of a decoded JSON value ("States.Split.Retry.0").
func at(v any, path string) any {
	m, _ := v.(map[string]any)
	return in(synth.Resource{Inputs: m}, path)
}

func TestStateMachineMapReduce(t *testing.T) {
	p := newProject(t)
	s := p.synth(mapReduce(p, nil))
	comp := s.find(typStateMachineComponent, "etl")
	want := []string{typLogGroup + " etl", typRole + " etl", typRolePolicy + " etl-distributed-map", typRolePolicy + " etl-invoke",
		typRolePolicy + " etl-items-raw", typRolePolicy + " etl-logs", typRolePolicy + " etl-xray", typStateMachine + " etl"}
	slices.Sort(want)
	if got := s.childSet(comp.URN); !reflect.DeepEqual(got, want) {
		t.Errorf("children:\n got %q\nwant %q", got, want)
	}
	sm := s.find(typStateMachine, "etl")
	group := s.find(typLogGroup, "etl")
	wantInputs(t, sm,
		check{"type", "STANDARD"},
		check{"loggingConfiguration", map[string]any{"level": "ALL", "includeExecutionData": true, "logDestination": stateString(t, group, "arn") + ":*"}},
		check{"tracingConfiguration", map[string]any{"enabled": true}},
		check{"encryptionConfiguration", map[string]any{"type": "AWS_OWNED_KEY"}},
		check{"roleArn", stateString(t, s.find(typRole, "etl"), "arn")},
	)
	if name := stateString(t, group, "name"); !strings.HasPrefix(name, "/aws/vendedlogs/states/etl-") {
		t.Errorf("log group: got %q; want it under /aws/vendedlogs/states/etl-", name)
	}

	def := definitionOf(t, s)
	lambdaRetry := map[string]any{"ErrorEquals": []any{"Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException",
		"Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"},
		"IntervalSeconds": float64(2), "MaxAttempts": float64(6), "BackoffRate": float64(2)}
	for _, c := range []struct {
		path string
		want any
	}{
		{"StartAt", "Split"},
		{"Comment", "MapReduce over the raw zone"},
		// Every task invokes its function's alias, never the bare function.
		{"States.Split.Resource", "arn:aws:states:::lambda:invoke"},
		{"States.Split.Parameters", map[string]any{"FunctionName": s.output("split"), "Payload.$": "$"}},
		{"States.Split.OutputPath", "$.Payload"},
		{"States.Split.Retry", []any{lambdaRetry}},
		{"States.Split.Next", "Map"},
		{"States.Map.ItemReader", map[string]any{"Resource": "arn:aws:states:::s3:listObjectsV2",
			"Parameters": map[string]any{"Bucket": s.output("bucket"), "Prefix": "chunks/"}}},
		{"States.Map.ItemProcessor.ProcessorConfig", map[string]any{"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}},
		{"States.Map.ItemProcessor.StartAt", "Mapper"},
		{"States.Map.ItemProcessor.States.Mapper.Parameters.FunctionName", s.output("mapper")},
		{"States.Map.MaxConcurrency", float64(100)},
		{"States.Map.ResultPath", "$.mapped"},
		{"States.Map.Catch", []any{map[string]any{"ErrorEquals": []any{"States.ALL"}, "Next": "Failed"}}},
		{"States.Reduce.Parameters.FunctionName", s.output("reduce")},
		{"States.Reduce.End", true},
		{"States.Failed", map[string]any{"Type": "Fail", "Error": "MapReduceFailed", "Cause": "a map run failed"}},
	} {
		if got := at(def, c.path); !reflect.DeepEqual(got, c.want) {
			t.Errorf("definition %s: got %#v; want %#v", c.path, got, c.want)
		}
	}

	// The role may invoke exactly the three aliases the tasks name.
	invoke := policyInput(t, s.find(typRolePolicy, "etl-invoke"), "policy").statementBySid(t, "InvokeTaskFunctions")
	if got, want := sorted(invoke.Resource), sorted([]string{s.output("split"), s.output("mapper"), s.output("reduce")}); !reflect.DeepEqual(got, want) ||
		!reflect.DeepEqual(invoke.Action, []string{"lambda:InvokeFunction"}) {
		t.Errorf("invoke grant: got %+v; want lambda:InvokeFunction on %q", invoke, want)
	}
	items := policyInput(t, s.find(typRolePolicy, "etl-items-raw"), "policy").statementBySid(t, "ListMapItems")
	if !reflect.DeepEqual(items.Resource, []string{"arn:aws:s3:::" + s.output("bucket")}) || !reflect.DeepEqual(items.Action, []string{"s3:ListBucket"}) {
		t.Errorf("item reader grant: got %+v; want s3:ListBucket on the bucket", items)
	}
	dm := policyInput(t, s.find(typRolePolicy, "etl-distributed-map"), "policy")
	if got := dm.statementBySid(t, "StartMapRuns"); !reflect.DeepEqual(got.Resource, []string{s.output("arn")}) {
		t.Errorf("distributed map start: got %+v; want states:StartExecution on the state machine itself", got)
	}
	execs := "arn:aws:states:" + testRegion + ":" + testAccount + ":execution:" + s.output("name") + "/*"
	if got := dm.statementBySid(t, "ManageMapRunExecutions"); !reflect.DeepEqual(got.Resource, []string{execs}) {
		t.Errorf("distributed map executions: got %+v; want %s", got, execs)
	}
	logs := policyInput(t, s.find(typRolePolicy, "etl-logs"), "policy").statementBySid(t, "DeliverExecutionLogs")
	if !slices.Contains(logs.Action, "logs:CreateLogDelivery") || !reflect.DeepEqual(logs.Resource, []string{"*"}) {
		t.Errorf("log delivery grant: got %+v", logs)
	}
	// Step Functions checks log delivery at creation: the state machine
	// waits for the policies granted before it; the distributed map's
	// runtime grant names the state machine, so it comes after.
	for _, p := range []string{"etl-logs", "etl-xray", "etl-invoke", "etl-items-raw"} {
		if !dependsOn(sm, s.find(typRolePolicy, p)) {
			t.Errorf("state machine does not depend on role policy %s", p)
		}
	}
	trust := policyInput(t, s.find(typRole, "etl"), "assumeRolePolicy").Statement
	if len(trust) != 1 || !reflect.DeepEqual(trust[0].Principal, map[string]any{"Service": []any{"states.amazonaws.com"}}) ||
		trust[0].Condition["StringEquals"]["aws:SourceAccount"][0] != testAccount {
		t.Errorf("trust policy: got %+v; want states.amazonaws.com for this account", trust)
	}
	start := policyInput(t, s.find(typRolePolicy, "starter-states-etl-start"), "policy").statementBySid(t, "StateMachineStart")
	if !reflect.DeepEqual(start.Action, []string{"states:StartExecution"}) || !reflect.DeepEqual(start.Resource, []string{s.output("arn")}) {
		t.Errorf("GrantStart: got %+v; want states:StartExecution on %s", start, s.output("arn"))
	}
}

// Every kind of state renders as the ASL spells it; Express, error-only
// logging without execution data, no tracing and a timeout are honored.
func TestStateMachineStatesAndOptions(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		table, err := constructs.NewTable(ctx, "catalog", nil)
		if err != nil {
			return nil, err
		}
		detect, err := dlqFunction(ctx, p, "detect")
		if err != nil {
			return nil, err
		}
		thumb, err := dlqFunction(ctx, p, "thumb")
		if err != nil {
			return nil, err
		}
		off := false
		sm, err := constructs.NewStateMachine(ctx, "etl", &constructs.StateMachineArgs{
			Type: constructs.StateMachineExpress, LogLevel: constructs.LogError, ExcludeExecutionData: true, Tracing: &off, TimeoutSeconds: 300,
			Definition: &constructs.Definition{StartAt: "IsImage", States: map[string]constructs.State{
				"IsImage": constructs.Choice{
					Choices: []constructs.ChoiceRule{
						{And: []constructs.ChoiceRule{
							{Variable: "$.contentType", Op: constructs.StringMatches, Value: "image/*"},
							{Not: &constructs.ChoiceRule{Variable: "$.size", Op: constructs.NumericGreaterThan, Value: 10_000_000}},
						}, Next: "Process"},
						{Variable: "$.retryAt", Op: constructs.IsPresent, Value: true, Next: "Later"},
					},
					Default: "Skip",
				},
				"Later": constructs.Wait{SecondsPath: "$.delay", Next: "Process"},
				"Process": constructs.Parallel{
					Branches: []constructs.Branch{
						{StartAt: "Detect", States: map[string]constructs.State{"Detect": constructs.Task{Function: detect, NoDefaultRetry: true,
							Payload: map[string]any{"key.$": "$.key"}, ResultPath: "$.labels", End: true}}},
						{StartAt: "Thumb", States: map[string]constructs.State{"Thumb": constructs.Task{Function: thumb,
							Retry: []constructs.Retry{{ErrorEquals: []string{constructs.ErrorAll}, MaxAttempts: constructs.Attempts(0)}}, End: true}}},
					},
					ResultSelector: map[string]any{"labels.$": "$[0].labels"},
					Next:           "Store",
				},
				"Store": constructs.Task{Resource: "arn:aws:states:::dynamodb:putItem",
					Parameters: map[string]any{"TableName": table.Name, "Item": map[string]any{"id": map[string]any{"S.$": "$.key"}}},
					Next:       "Done"},
				"Skip": constructs.Pass{Result: map[string]any{"skipped": true}, End: true},
				"Done": constructs.Succeed{},
			}},
		})
		if err != nil {
			return nil, err
		}
		if err := table.GrantWrite(sm); err != nil {
			return nil, err
		}
		starter, err := dlqFunction(ctx, p, "starter")
		if err != nil {
			return nil, err
		}
		if err := sm.GrantStart(starter); err != nil {
			return nil, err
		}
		return pulumi.Map{"table": table.Name, "detect": detect.AliasArn, "tableArn": table.Arn}, nil
	})
	wantInputs(t, s.find(typStateMachine, "etl"),
		check{"type", "EXPRESS"},
		check{"loggingConfiguration.level", "ERROR"},
		check{"loggingConfiguration.includeExecutionData", false},
		check{"tracingConfiguration", map[string]any{"enabled": false}},
	)
	if s.has(typRolePolicy, "etl-xray") {
		t.Errorf("an untraced state machine has an X-Ray grant")
	}
	def := definitionOf(t, s)
	for _, c := range []struct {
		path string
		want any
	}{
		{"TimeoutSeconds", float64(300)},
		{"States.IsImage", map[string]any{"Type": "Choice", "Default": "Skip", "Choices": []any{
			map[string]any{"Next": "Process", "And": []any{
				map[string]any{"Variable": "$.contentType", "StringMatches": "image/*"},
				map[string]any{"Not": map[string]any{"Variable": "$.size", "NumericGreaterThan": float64(10_000_000)}},
			}},
			map[string]any{"Next": "Later", "Variable": "$.retryAt", "IsPresent": true},
		}}},
		{"States.Later", map[string]any{"Type": "Wait", "SecondsPath": "$.delay", "Next": "Process"}},
		{"States.Process.Branches.0.States.Detect", map[string]any{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
			"Parameters": map[string]any{"FunctionName": s.output("detect"), "Payload": map[string]any{"key.$": "$.key"}},
			"ResultPath": "$.labels", "End": true}},
		{"States.Process.Branches.1.States.Thumb.Retry.1", map[string]any{"ErrorEquals": []any{"States.ALL"}, "MaxAttempts": float64(0)}},
		{"States.Process.ResultSelector", map[string]any{"labels.$": "$[0].labels"}},
		{"States.Store", map[string]any{"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Next": "Done",
			"Parameters": map[string]any{"TableName": s.output("table"), "Item": map[string]any{"id": map[string]any{"S.$": "$.key"}}}}},
		{"States.Skip", map[string]any{"Type": "Pass", "Result": map[string]any{"skipped": true}, "End": true}},
		{"States.Done", map[string]any{"Type": "Succeed"}},
	} {
		if got := at(def, c.path); !reflect.DeepEqual(got, c.want) {
			t.Errorf("definition %s:\n got %#v\nwant %#v", c.path, got, c.want)
		}
	}
	// The state machine is a Grantee for its service integrations.
	write := policyInput(t, s.find(typRolePolicy, "etl-table-catalog-write"), "policy").statementBySid(t, "TableWrite")
	if !slices.Contains(write.Resource, s.output("tableArn")) {
		t.Errorf("table grant to the state machine: got %+v", write)
	}
	start := policyInput(t, s.find(typRolePolicy, "starter-states-etl-start"), "policy").statementBySid(t, "StateMachineStart")
	if want := []string{"states:StartExecution", "states:StartSyncExecution"}; !reflect.DeepEqual(sorted(start.Action), want) {
		t.Errorf("GrantStart on an Express workflow: got %v; want %v", start.Action, want)
	}
}

// The MapReduce workflow's defaults pass kumo check: ALL events logged
// (SF1), X-Ray (SF2), and the only wildcards justified where AWS has no
// resource-level permission or they stay inside this state machine.
func TestStateMachinePassesKumoCheck(t *testing.T) {
	p := newProject(t)
	res, err := p.run(mapReduce(p, nil))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := kumocheck.Run(res, p.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Level == kumocheck.Error {
			t.Errorf("error finding: %s on %s: %s", f.ID(), f.URN, f.Message)
		}
	}
	sm := (&stack{t: t, Result: res}).find(typStateMachine, "etl")
	for _, f := range append(rep.Findings, rep.Suppressed...) {
		if f.URN == sm.URN {
			t.Errorf("finding on the state machine: %s: %s", f.ID(), f.Message)
		}
	}
	justified := map[string][]string{}
	for _, f := range rep.Suppressed {
		if f.Rule == "AwsSolutions-IAM5" && strings.Contains(f.URN, "::etl-") {
			name := f.URN[strings.LastIndex(f.URN, "::")+2:]
			justified[name] = append(justified[name], f.Detail)
		}
	}
	name := (&stack{t: t, Result: res}).output("name")
	want := map[string][]string{
		"etl-logs":            {"Resource::*"},
		"etl-xray":            {"Resource::*"},
		"etl-distributed-map": {"Resource::arn:aws:states:" + testRegion + ":" + testAccount + ":execution:" + name + "/*"},
	}
	if !reflect.DeepEqual(justified, want) {
		t.Errorf("justified wildcards of the state machine's role:\n got %q\nwant %q", justified, want)
	}
}

func TestStateMachineBadInputs(t *testing.T) {
	type env struct{ fn *constructs.Function }
	setup := func(ctx *pulumi.Context, p *project) (env, error) {
		fn, err := constructs.NewFunction(ctx, "work", p.fnArgs())
		return env{fn: fn}, err
	}
	build := func(name string, args func(e env) constructs.StateMachineArgs) func(*pulumi.Context, *project, env) error {
		return func(ctx *pulumi.Context, _ *project, e env) error {
			a := args(e)
			_, err := constructs.NewStateMachine(ctx, name, &a)
			return err
		}
	}
	def := func(startAt string, states map[string]constructs.State) *constructs.Definition {
		return &constructs.Definition{StartAt: startAt, States: states}
	}
	with := func(d *constructs.Definition) func(env) constructs.StateMachineArgs {
		return func(env) constructs.StateMachineArgs { return constructs.StateMachineArgs{Definition: d} }
	}
	const scope = `state machine "etl"`
	long := strings.Repeat("s", 81)
	runBadInputs(t, setup, []badInput[env]{
		{name: "no definition", scope: scope, build: build("etl", with(nil)),
			problems: [][]string{{"Definition", "nil"}}},
		{name: "settings", scope: `state machine "etl.v2"`,
			build: build("etl.v2", func(e env) constructs.StateMachineArgs {
				return constructs.StateMachineArgs{Type: "BATCH", LogLevel: "OFF", LogRetentionDays: 8, TimeoutSeconds: -1,
					Definition: def("Go", map[string]constructs.State{"Go": constructs.Succeed{}})}
			}),
			problems: [][]string{{"name", `"etl.v2"`, "letters, digits, '-' or '_'"}, {"Type", `"BATCH"`, "STANDARD or EXPRESS"},
				{"LogLevel", `"OFF"`, "ALL, ERROR or FATAL"}, {"LogRetentionDays", "8"}, {"TimeoutSeconds", "-1", "0–31536000"}}},
		{name: "express timeout over five minutes", scope: scope,
			build: build("etl", func(e env) constructs.StateMachineArgs {
				return constructs.StateMachineArgs{Type: constructs.StateMachineExpress, TimeoutSeconds: 301,
					Definition: def("Go", map[string]constructs.State{"Go": constructs.Succeed{}})}
			}),
			problems: [][]string{{"TimeoutSeconds", "301", "0–300", "EXPRESS"}}},
		{name: "transitions", scope: scope,
			build: build("etl", func(e env) constructs.StateMachineArgs {
				return constructs.StateMachineArgs{Definition: def("Start", map[string]constructs.State{
					"Start":  constructs.Task{Function: e.fn, Next: "Nope"},
					"Loose":  constructs.Pass{},
					"Orphan": constructs.Succeed{},
				})}
			}),
			problems: [][]string{
				{"Definition.States.Loose", "neither Next nor End"},
				{"Definition.States.Start.Next", `"Nope" is not a state`, "Loose, Orphan, Start"},
				{"Definition.States.Loose", "not reachable"},
				{"Definition.States.Orphan", "not reachable"},
			}},
		{name: "start state missing, no terminal state", scope: scope,
			build:    build("etl", with(def("Begin", map[string]constructs.State{"A": constructs.Pass{Next: "A"}}))),
			problems: [][]string{{"Definition.StartAt", `"Begin" is not a state`}, {"Definition.States", "no terminal state"}}},
		{name: "tasks", scope: scope,
			build: build("etl", func(e env) constructs.StateMachineArgs {
				return constructs.StateMachineArgs{Definition: def("A", map[string]constructs.State{
					"A": constructs.Task{Next: "B"},
					"B": constructs.Task{Function: e.fn, Resource: "arn:aws:states:::sns:publish", Next: "C"},
					"C": constructs.Task{Function: e.fn, Parameters: map[string]any{"x": 1}, TimeoutSeconds: -5, Next: "D"},
					"D": constructs.Task{Resource: "arn:aws:states:::sns:publish", Payload: map[string]any{"x": 1}, End: true},
					"E": nil,
				})}
			}),
			problems: [][]string{
				{"Definition.States.A", "neither Function nor Resource"},
				{"Definition.States.B", "both Function and Resource"},
				{"Definition.States.C.Parameters", "Function task", "Payload"},
				{"Definition.States.D.Payload", "Resource task", "Parameters"},
				{"Definition.States.E", "nil"},
				{"Definition.States.C.TimeoutSeconds", "-5", "positive integer"},
			}},
		{name: "retries and catches", scope: scope,
			build: build("etl", func(e env) constructs.StateMachineArgs {
				return constructs.StateMachineArgs{Definition: def("A", map[string]constructs.State{
					"A": constructs.Task{Function: e.fn, Next: "Done",
						Retry: []constructs.Retry{
							{ErrorEquals: []string{constructs.ErrorAll}},
							{ErrorEquals: nil, BackoffRate: 0.5, MaxAttempts: constructs.Attempts(-1), IntervalSeconds: -2},
						},
						Catch: []constructs.Catch{{ErrorEquals: []string{constructs.ErrorAll, "X"}, Next: "Done"}}},
					"Done": constructs.Succeed{},
				})}
			}),
			problems: [][]string{
				// Retry[0] is LambdaServiceRetry, which a Function task retries first.
				{"Definition.States.A.Retry[1].ErrorEquals", "States.ALL must appear alone", "last Retrier"},
				{"Definition.States.A.Retry[2].ErrorEquals", "at least one error"},
				{"Definition.States.A.Retry[2].IntervalSeconds", "-2", "positive integer"},
				{"Definition.States.A.Retry[2].MaxAttempts", "-1", "non-negative"},
				{"Definition.States.A.Retry[2].BackoffRate", "0.5", "at least 1.0"},
				{"Definition.States.A.Catch[0].ErrorEquals", "States.ALL must appear alone"},
			}},
		{name: "maps and nested scopes", scope: scope,
			build: build("etl", func(e env) constructs.StateMachineArgs {
				inner := constructs.Branch{StartAt: "A", States: map[string]constructs.State{
					"A": constructs.Task{Function: e.fn, End: true, Catch: []constructs.Catch{{ErrorEquals: []string{"X"}, Next: "Out"}}}}}
				return constructs.StateMachineArgs{Definition: def("Inline", map[string]constructs.State{
					"Inline": constructs.Map{Processor: inner, ItemReader: &constructs.S3ItemReader{}, ExecutionType: constructs.StateMachineExpress,
						ToleratedFailurePercentage: 5, Next: "Dist"},
					"Dist": constructs.Map{Mode: constructs.MapDistributed, ItemReader: &constructs.S3ItemReader{}, ToleratedFailurePercentage: 101,
						MaxConcurrency: -1, Processor: constructs.Branch{StartAt: "B", States: map[string]constructs.State{"B": constructs.Succeed{}}}, Next: "Odd"},
					"Odd": constructs.Map{Mode: "SERIAL", Processor: constructs.Branch{StartAt: "C", States: map[string]constructs.State{"C": constructs.Succeed{}}}, Next: "Out"},
					"Out": constructs.Fail{},
				})}
			}),
			problems: [][]string{
				{"Definition.States.Dist.ItemReader.Bucket", "nil"},
				{"Definition.States.Dist.ToleratedFailurePercentage", "101", "0–100"},
				{"Definition.States.Inline.ItemReader", "INLINE", "DISTRIBUTED"},
				{"Definition.States.Inline.ExecutionType", "INLINE"},
				{"Definition.States.Inline.ToleratedFailurePercentage", "INLINE"},
				{"Definition.States.Odd.Mode", `"SERIAL"`, "INLINE or DISTRIBUTED"},
				{"Definition.States.Dist.MaxConcurrency", "-1", "non-negative"},
				{"Definition.States.Inline.Processor.States.A.Catch[0].Next", `"Out" is not a state of this scope`},
				{"Definition.States.Odd.Processor.ProcessorConfig.Mode", `"SERIAL"`},
			}},
		{name: "choices", scope: scope,
			build: build("etl", with(def("C", map[string]constructs.State{
				"C": constructs.Choice{Choices: []constructs.ChoiceRule{
					{Variable: "size", Op: constructs.NumericGreaterThan, Value: "10", Next: "Big"},
					{Variable: "$.x", Op: "Equals", Value: 1, Next: "Big"},
					{Variable: "$.x", Op: constructs.StringEquals, Value: "a", Not: &constructs.ChoiceRule{Variable: "$.y", Op: constructs.IsNull, Value: true}, Next: "Big"},
					{Or: []constructs.ChoiceRule{{Variable: "$.a", Op: constructs.BooleanEquals, Value: true, Next: "Big"}}, Next: "Big"},
					{Variable: "$.z", Op: "StringEqualsPath", Value: "plain", Next: "Big"},
				}, Default: "Missing"},
				"Big": constructs.Succeed{},
			}))),
			problems: [][]string{
				{"Definition.States.C.Choices[0].Variable", `"size"`, "JSONPath"},
				{"Definition.States.C.Choices[0].Value", `"10"`, "number"},
				{"Definition.States.C.Choices[1].Op", `"Equals"`, "not a comparison"},
				{"Definition.States.C.Choices[2]", "sets 2 of Op, And, Or and Not"},
				{"Definition.States.C.Choices[3].Or[0].Next", "nested rule"},
				{"Definition.States.C.Choices[4].Value", `"plain"`, "path"},
				{"Definition.States.C.Default", `"Missing" is not a state`},
			}},
		{name: "state names", scope: scope,
			build: build("etl", with(def(long, map[string]constructs.State{
				long: constructs.Parallel{Branches: []constructs.Branch{{StartAt: long, States: map[string]constructs.State{long: constructs.Succeed{}}}}, End: true},
				"W":  constructs.Wait{Seconds: 5, Timestamp: "2026-01-01T00:00:00Z", End: true},
			}))),
			problems: [][]string{
				{"Definition.States.W", "exactly one of Seconds"},
				{"Definition.States." + long, "81 characters", "1–80"},
				{"Definition.States." + long + ".Branches[0].States." + long, "also used at"},
				{"Definition.States." + long + ".Branches[0].States." + long, "81 characters"},
				{"Definition.States.W", "not reachable"},
			}},
		{name: "every problem at once", scope: `state machine "e t l"`,
			build: build("e t l", func(e env) constructs.StateMachineArgs {
				return constructs.StateMachineArgs{Type: "FAST", Definition: def("A", map[string]constructs.State{"A": constructs.Task{}})}
			}),
			problems: [][]string{{"name"}, {"Type", `"FAST"`}, {"Definition.States.A", "neither Function nor Resource"},
				{"Definition.States.A", "neither Next nor End"}, {"Definition.States", "no terminal state"}}},
	})
}
