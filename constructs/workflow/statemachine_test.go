package workflow_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/internal/synthtest"
	"github.com/kumo-iac/kumo/constructs/workflow"
	kumocheck "github.com/kumo-iac/kumo/internal/check"
	"github.com/kumo-iac/kumo/internal/synth"
)

const (
	typStateMachineComponent = "kumo:constructs:StateMachine"
	typStateMachine          = "aws:sfn/stateMachine:StateMachine"
)

// dlqFunction is a function that passes kumo check on its own.
func dlqFunction(ctx *pulumi.Context, p *synthtest.Project, name string) (*constructs.Function, error) {
	a := p.FnArgs()
	a.DeadLetterQueue = true
	return constructs.NewFunction(ctx, name, a)
}

// mapReduce is the data lake's serverless batch: a splitter cuts the input
// into chunks under chunks/, a distributed Map runs a mapper per chunk
// object, a reducer combines the partial results.
func mapReduce(p *synthtest.Project, override func(*workflow.StateMachineArgs)) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		l, err := synthtest.NewLake(ctx)
		if err != nil {
			return nil, err
		}
		fns := map[string]*constructs.Function{}
		for _, n := range []string{"split", "mapper", "reduce", "starter"} {
			if fns[n], err = dlqFunction(ctx, p, n); err != nil {
				return nil, err
			}
		}
		args := &workflow.StateMachineArgs{Definition: &workflow.Definition{
			Comment: "MapReduce over the raw zone",
			StartAt: "Split",
			States: map[string]workflow.State{
				"Split": workflow.Task{Function: fns["split"], Next: "Map"},
				"Map": workflow.Map{
					Mode:           workflow.MapDistributed,
					ItemReader:     &workflow.S3ItemReader{Bucket: l.Raw, Prefix: "chunks/"},
					MaxConcurrency: 100,
					Processor: workflow.Branch{StartAt: "Mapper", States: map[string]workflow.State{
						"Mapper": workflow.Task{Function: fns["mapper"], End: true},
					}},
					ResultPath: "$.mapped",
					Catch:      []workflow.Catch{{ErrorEquals: []string{workflow.ErrorAll}, Next: "Failed"}},
					Next:       "Reduce",
				},
				"Reduce": &workflow.Task{Function: fns["reduce"], End: true},
				"Failed": workflow.Fail{Error: "MapReduceFailed", Cause: "a map run failed"},
			},
		}}
		if override != nil {
			override(args)
		}
		sm, err := workflow.NewStateMachine(ctx, "etl", args)
		if err != nil {
			return nil, err
		}
		if err := sm.GrantStart(fns["starter"]); err != nil {
			return nil, err
		}
		out := pulumi.Map{"arn": sm.Arn, "name": sm.Name, "bucket": l.Raw.Name}
		for n, f := range fns {
			out[n] = f.AliasArn
		}
		return out, nil
	}
}

// definitionOf parses a state machine's definition input.
func definitionOf(t *testing.T, s *synthtest.Stack) map[string]any {
	t.Helper()
	raw, ok := s.Find(typStateMachine, "etl").Inputs["definition"].(string)
	if !ok {
		t.Fatalf("definition: got %#v; want a JSON string", s.Find(typStateMachine, "etl").Inputs["definition"])
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
	return synthtest.In(synth.Resource{Inputs: m}, path)
}

func TestStateMachineMapReduce(t *testing.T) {
	p := synthtest.NewProject(t)
	s := p.Synth(mapReduce(p, nil))
	comp := s.Find(typStateMachineComponent, "etl")
	want := []string{typLogGroup + " etl", typRole + " etl", typRolePolicy + " etl-distributed-map", typRolePolicy + " etl-invoke",
		typRolePolicy + " etl-items-raw", typRolePolicy + " etl-logs", typRolePolicy + " etl-xray", typStateMachine + " etl"}
	slices.Sort(want)
	if got := s.ChildSet(comp.URN); !reflect.DeepEqual(got, want) {
		t.Errorf("children:\n got %q\nwant %q", got, want)
	}
	sm := s.Find(typStateMachine, "etl")
	group := s.Find(typLogGroup, "etl")
	synthtest.WantInputs(t, sm,
		synthtest.Check{"type", "STANDARD"},
		synthtest.Check{"loggingConfiguration", map[string]any{"level": "ALL", "includeExecutionData": true, "logDestination": synthtest.StateString(t, group, "arn") + ":*"}},
		synthtest.Check{"tracingConfiguration", map[string]any{"enabled": true}},
		synthtest.Check{"encryptionConfiguration", map[string]any{"type": "AWS_OWNED_KEY"}},
		synthtest.Check{"roleArn", synthtest.StateString(t, s.Find(typRole, "etl"), "arn")},
	)
	if name := synthtest.StateString(t, group, "name"); !strings.HasPrefix(name, "/aws/vendedlogs/states/etl-") {
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
		{"States.Split.Parameters", map[string]any{"FunctionName": s.Output("split"), "Payload.$": "$"}},
		{"States.Split.OutputPath", "$.Payload"},
		{"States.Split.Retry", []any{lambdaRetry}},
		{"States.Split.Next", "Map"},
		{"States.Map.ItemReader", map[string]any{"Resource": "arn:aws:states:::s3:listObjectsV2",
			"Parameters": map[string]any{"Bucket": s.Output("bucket"), "Prefix": "chunks/"}}},
		{"States.Map.ItemProcessor.ProcessorConfig", map[string]any{"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}},
		{"States.Map.ItemProcessor.StartAt", "Mapper"},
		{"States.Map.ItemProcessor.States.Mapper.Parameters.FunctionName", s.Output("mapper")},
		{"States.Map.MaxConcurrency", float64(100)},
		{"States.Map.ResultPath", "$.mapped"},
		{"States.Map.Catch", []any{map[string]any{"ErrorEquals": []any{"States.ALL"}, "Next": "Failed"}}},
		{"States.Reduce.Parameters.FunctionName", s.Output("reduce")},
		{"States.Reduce.End", true},
		{"States.Failed", map[string]any{"Type": "Fail", "Error": "MapReduceFailed", "Cause": "a map run failed"}},
	} {
		if got := at(def, c.path); !reflect.DeepEqual(got, c.want) {
			t.Errorf("definition %s: got %#v; want %#v", c.path, got, c.want)
		}
	}

	// The role may invoke exactly the three aliases the tasks name.
	invoke := synthtest.PolicyInput(t, s.Find(typRolePolicy, "etl-invoke"), "policy").StatementBySid(t, "InvokeTaskFunctions")
	if got, want := synthtest.Sorted(invoke.Resource), synthtest.Sorted([]string{s.Output("split"), s.Output("mapper"), s.Output("reduce")}); !reflect.DeepEqual(got, want) ||
		!reflect.DeepEqual(invoke.Action, []string{"lambda:InvokeFunction"}) {
		t.Errorf("invoke grant: got %+v; want lambda:InvokeFunction on %q", invoke, want)
	}
	items := synthtest.PolicyInput(t, s.Find(typRolePolicy, "etl-items-raw"), "policy").StatementBySid(t, "ListMapItems")
	if !reflect.DeepEqual(items.Resource, []string{"arn:aws:s3:::" + s.Output("bucket")}) || !reflect.DeepEqual(items.Action, []string{"s3:ListBucket"}) {
		t.Errorf("item reader grant: got %+v; want s3:ListBucket on the bucket", items)
	}
	dm := synthtest.PolicyInput(t, s.Find(typRolePolicy, "etl-distributed-map"), "policy")
	if got := dm.StatementBySid(t, "StartMapRuns"); !reflect.DeepEqual(got.Resource, []string{s.Output("arn")}) {
		t.Errorf("distributed map start: got %+v; want states:StartExecution on the state machine itself", got)
	}
	execs := "arn:aws:states:" + synthtest.Region + ":" + synthtest.Account + ":execution:" + s.Output("name") + "/*"
	if got := dm.StatementBySid(t, "ManageMapRunExecutions"); !reflect.DeepEqual(got.Resource, []string{execs}) {
		t.Errorf("distributed map executions: got %+v; want %s", got, execs)
	}
	logs := synthtest.PolicyInput(t, s.Find(typRolePolicy, "etl-logs"), "policy").StatementBySid(t, "DeliverExecutionLogs")
	if !slices.Contains(logs.Action, "logs:CreateLogDelivery") || !reflect.DeepEqual(logs.Resource, []string{"*"}) {
		t.Errorf("log delivery grant: got %+v", logs)
	}
	// Step Functions checks log delivery at creation: the state machine
	// waits for the policies granted before it; the distributed map's
	// runtime grant names the state machine, so it comes after.
	for _, p := range []string{"etl-logs", "etl-xray", "etl-invoke", "etl-items-raw"} {
		if !synthtest.DependsOn(sm, s.Find(typRolePolicy, p)) {
			t.Errorf("state machine does not depend on role policy %s", p)
		}
	}
	trust := synthtest.PolicyInput(t, s.Find(typRole, "etl"), "assumeRolePolicy").Statement
	if len(trust) != 1 || !reflect.DeepEqual(trust[0].Principal, map[string]any{"Service": []any{"states.amazonaws.com"}}) ||
		trust[0].Condition["StringEquals"]["aws:SourceAccount"][0] != synthtest.Account {
		t.Errorf("trust policy: got %+v; want states.amazonaws.com for this account", trust)
	}
	start := synthtest.PolicyInput(t, s.Find(typRolePolicy, "starter-states-etl-start"), "policy").StatementBySid(t, "StateMachineStart")
	if !reflect.DeepEqual(start.Action, []string{"states:StartExecution"}) || !reflect.DeepEqual(start.Resource, []string{s.Output("arn")}) {
		t.Errorf("GrantStart: got %+v; want states:StartExecution on %s", start, s.Output("arn"))
	}
}

// Every kind of state renders as the ASL spells it; Express, error-only
// logging without execution data, no tracing and a timeout are honored.
func TestStateMachineStatesAndOptions(t *testing.T) {
	p := synthtest.NewProject(t)
	s := p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
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
		sm, err := workflow.NewStateMachine(ctx, "etl", &workflow.StateMachineArgs{
			Type: workflow.StateMachineExpress, LogLevel: workflow.LogError, ExcludeExecutionData: true, Tracing: &off, TimeoutSeconds: 300,
			Definition: &workflow.Definition{StartAt: "IsImage", States: map[string]workflow.State{
				"IsImage": workflow.Choice{
					Choices: []workflow.ChoiceRule{
						{And: []workflow.ChoiceRule{
							{Variable: "$.contentType", Op: workflow.StringMatches, Value: "image/*"},
							{Not: &workflow.ChoiceRule{Variable: "$.size", Op: workflow.NumericGreaterThan, Value: 10_000_000}},
						}, Next: "Process"},
						{Variable: "$.retryAt", Op: workflow.IsPresent, Value: true, Next: "Later"},
					},
					Default: "Skip",
				},
				"Later": workflow.Wait{SecondsPath: "$.delay", Next: "Process"},
				"Process": workflow.Parallel{
					Branches: []workflow.Branch{
						{StartAt: "Detect", States: map[string]workflow.State{"Detect": workflow.Task{Function: detect, NoDefaultRetry: true,
							Payload: map[string]any{"key.$": "$.key"}, ResultPath: "$.labels", End: true}}},
						{StartAt: "Thumb", States: map[string]workflow.State{"Thumb": workflow.Task{Function: thumb,
							Retry: []workflow.Retry{{ErrorEquals: []string{workflow.ErrorAll}, MaxAttempts: workflow.Attempts(0)}}, End: true}}},
					},
					ResultSelector: map[string]any{"labels.$": "$[0].labels"},
					Next:           "Store",
				},
				"Store": workflow.Task{Resource: "arn:aws:states:::dynamodb:putItem",
					Parameters: map[string]any{"TableName": table.Name, "Item": map[string]any{"id": map[string]any{"S.$": "$.key"}}},
					Next:       "Done"},
				"Skip": workflow.Pass{Result: map[string]any{"skipped": true}, End: true},
				"Done": workflow.Succeed{},
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
	synthtest.WantInputs(t, s.Find(typStateMachine, "etl"),
		synthtest.Check{"type", "EXPRESS"},
		synthtest.Check{"loggingConfiguration.level", "ERROR"},
		synthtest.Check{"loggingConfiguration.includeExecutionData", false},
		synthtest.Check{"tracingConfiguration", map[string]any{"enabled": false}},
	)
	if s.Has(typRolePolicy, "etl-xray") {
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
			"Parameters": map[string]any{"FunctionName": s.Output("detect"), "Payload": map[string]any{"key.$": "$.key"}},
			"ResultPath": "$.labels", "End": true}},
		{"States.Process.Branches.1.States.Thumb.Retry.1", map[string]any{"ErrorEquals": []any{"States.ALL"}, "MaxAttempts": float64(0)}},
		{"States.Process.ResultSelector", map[string]any{"labels.$": "$[0].labels"}},
		{"States.Store", map[string]any{"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Next": "Done",
			"Parameters": map[string]any{"TableName": s.Output("table"), "Item": map[string]any{"id": map[string]any{"S.$": "$.key"}}}}},
		{"States.Skip", map[string]any{"Type": "Pass", "Result": map[string]any{"skipped": true}, "End": true}},
		{"States.Done", map[string]any{"Type": "Succeed"}},
	} {
		if got := at(def, c.path); !reflect.DeepEqual(got, c.want) {
			t.Errorf("definition %s:\n got %#v\nwant %#v", c.path, got, c.want)
		}
	}
	// The state machine is a Grantee for its service integrations.
	write := synthtest.PolicyInput(t, s.Find(typRolePolicy, "etl-table-catalog-write"), "policy").StatementBySid(t, "TableWrite")
	if !slices.Contains(write.Resource, s.Output("tableArn")) {
		t.Errorf("table grant to the state machine: got %+v", write)
	}
	start := synthtest.PolicyInput(t, s.Find(typRolePolicy, "starter-states-etl-start"), "policy").StatementBySid(t, "StateMachineStart")
	if want := []string{"states:StartExecution", "states:StartSyncExecution"}; !reflect.DeepEqual(synthtest.Sorted(start.Action), want) {
		t.Errorf("GrantStart on an Express workflow: got %v; want %v", start.Action, want)
	}
}

// The MapReduce workflow's defaults pass kumo check: ALL events logged
// (SF1), X-Ray (SF2), and the only wildcards justified where AWS has no
// resource-level permission or they stay inside this state machine.
func TestStateMachinePassesKumoCheck(t *testing.T) {
	p := synthtest.NewProject(t)
	res, err := p.Run(mapReduce(p, nil))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := kumocheck.Run(res, p.Dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Level == kumocheck.Error {
			t.Errorf("error finding: %s on %s: %s", f.ID(), f.URN, f.Message)
		}
	}
	sm := (&synthtest.Stack{T: t, Result: res}).Find(typStateMachine, "etl")
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
	name := (&synthtest.Stack{T: t, Result: res}).Output("name")
	want := map[string][]string{
		"etl-logs":            {"Resource::*"},
		"etl-xray":            {"Resource::*"},
		"etl-distributed-map": {"Resource::arn:aws:states:" + synthtest.Region + ":" + synthtest.Account + ":execution:" + name + "/*"},
	}
	if !reflect.DeepEqual(justified, want) {
		t.Errorf("justified wildcards of the state machine's role:\n got %q\nwant %q", justified, want)
	}
}

func TestStateMachineBadInputs(t *testing.T) {
	type env struct{ fn *constructs.Function }
	setup := func(ctx *pulumi.Context, p *synthtest.Project) (env, error) {
		fn, err := constructs.NewFunction(ctx, "work", p.FnArgs())
		return env{fn: fn}, err
	}
	build := func(name string, args func(e env) workflow.StateMachineArgs) func(*pulumi.Context, *synthtest.Project, env) error {
		return func(ctx *pulumi.Context, _ *synthtest.Project, e env) error {
			a := args(e)
			_, err := workflow.NewStateMachine(ctx, name, &a)
			return err
		}
	}
	def := func(startAt string, states map[string]workflow.State) *workflow.Definition {
		return &workflow.Definition{StartAt: startAt, States: states}
	}
	with := func(d *workflow.Definition) func(env) workflow.StateMachineArgs {
		return func(env) workflow.StateMachineArgs { return workflow.StateMachineArgs{Definition: d} }
	}
	const scope = `state machine "etl"`
	long := strings.Repeat("s", 81)
	synthtest.RunBadInputs(t, setup, []synthtest.BadInput[env]{
		{Name: "no definition", Scope: scope, Build: build("etl", with(nil)),
			Problems: [][]string{{"Definition", "nil"}}},
		{Name: "settings", Scope: `state machine "etl.v2"`,
			Build: build("etl.v2", func(e env) workflow.StateMachineArgs {
				return workflow.StateMachineArgs{Type: "BATCH", LogLevel: "OFF", LogRetentionDays: 8, TimeoutSeconds: -1,
					Definition: def("Go", map[string]workflow.State{"Go": workflow.Succeed{}})}
			}),
			Problems: [][]string{{"name", `"etl.v2"`, "letters, digits, '-' or '_'"}, {"Type", `"BATCH"`, "STANDARD or EXPRESS"},
				{"LogLevel", `"OFF"`, "ALL, ERROR or FATAL"}, {"LogRetentionDays", "8"}, {"TimeoutSeconds", "-1", "0–31536000"}}},
		{Name: "express timeout over five minutes", Scope: scope,
			Build: build("etl", func(e env) workflow.StateMachineArgs {
				return workflow.StateMachineArgs{Type: workflow.StateMachineExpress, TimeoutSeconds: 301,
					Definition: def("Go", map[string]workflow.State{"Go": workflow.Succeed{}})}
			}),
			Problems: [][]string{{"TimeoutSeconds", "301", "0–300", "EXPRESS"}}},
		{Name: "transitions", Scope: scope,
			Build: build("etl", func(e env) workflow.StateMachineArgs {
				return workflow.StateMachineArgs{Definition: def("Start", map[string]workflow.State{
					"Start":  workflow.Task{Function: e.fn, Next: "Nope"},
					"Loose":  workflow.Pass{},
					"Orphan": workflow.Succeed{},
				})}
			}),
			Problems: [][]string{
				{"Definition.States.Loose", "neither Next nor End"},
				{"Definition.States.Start.Next", `"Nope" is not a state`, "Loose, Orphan, Start"},
				{"Definition.States.Loose", "not reachable"},
				{"Definition.States.Orphan", "not reachable"},
			}},
		{Name: "start state missing, no terminal state", Scope: scope,
			Build:    build("etl", with(def("Begin", map[string]workflow.State{"A": workflow.Pass{Next: "A"}}))),
			Problems: [][]string{{"Definition.StartAt", `"Begin" is not a state`}, {"Definition.States", "no terminal state"}}},
		{Name: "tasks", Scope: scope,
			Build: build("etl", func(e env) workflow.StateMachineArgs {
				return workflow.StateMachineArgs{Definition: def("A", map[string]workflow.State{
					"A": workflow.Task{Next: "B"},
					"B": workflow.Task{Function: e.fn, Resource: "arn:aws:states:::sns:publish", Next: "C"},
					"C": workflow.Task{Function: e.fn, Parameters: map[string]any{"x": 1}, TimeoutSeconds: -5, Next: "D"},
					"D": workflow.Task{Resource: "arn:aws:states:::sns:publish", Payload: map[string]any{"x": 1}, End: true},
					"E": nil,
				})}
			}),
			Problems: [][]string{
				{"Definition.States.A", "neither Function nor Resource"},
				{"Definition.States.B", "both Function and Resource"},
				{"Definition.States.C.Parameters", "Function task", "Payload"},
				{"Definition.States.D.Payload", "Resource task", "Parameters"},
				{"Definition.States.E", "nil"},
				{"Definition.States.C.TimeoutSeconds", "-5", "positive integer"},
			}},
		{Name: "retries and catches", Scope: scope,
			Build: build("etl", func(e env) workflow.StateMachineArgs {
				return workflow.StateMachineArgs{Definition: def("A", map[string]workflow.State{
					"A": workflow.Task{Function: e.fn, Next: "Done",
						Retry: []workflow.Retry{
							{ErrorEquals: []string{workflow.ErrorAll}},
							{ErrorEquals: nil, BackoffRate: 0.5, MaxAttempts: workflow.Attempts(-1), IntervalSeconds: -2},
						},
						Catch: []workflow.Catch{{ErrorEquals: []string{workflow.ErrorAll, "X"}, Next: "Done"}}},
					"Done": workflow.Succeed{},
				})}
			}),
			Problems: [][]string{
				// Retry[0] is LambdaServiceRetry, which a Function task retries first.
				{"Definition.States.A.Retry[1].ErrorEquals", "States.ALL must appear alone", "last Retrier"},
				{"Definition.States.A.Retry[2].ErrorEquals", "at least one error"},
				{"Definition.States.A.Retry[2].IntervalSeconds", "-2", "positive integer"},
				{"Definition.States.A.Retry[2].MaxAttempts", "-1", "non-negative"},
				{"Definition.States.A.Retry[2].BackoffRate", "0.5", "at least 1.0"},
				{"Definition.States.A.Catch[0].ErrorEquals", "States.ALL must appear alone"},
			}},
		{Name: "maps and nested scopes", Scope: scope,
			Build: build("etl", func(e env) workflow.StateMachineArgs {
				inner := workflow.Branch{StartAt: "A", States: map[string]workflow.State{
					"A": workflow.Task{Function: e.fn, End: true, Catch: []workflow.Catch{{ErrorEquals: []string{"X"}, Next: "Out"}}}}}
				return workflow.StateMachineArgs{Definition: def("Inline", map[string]workflow.State{
					"Inline": workflow.Map{Processor: inner, ItemReader: &workflow.S3ItemReader{}, ExecutionType: workflow.StateMachineExpress,
						ToleratedFailurePercentage: 5, Next: "Dist"},
					"Dist": workflow.Map{Mode: workflow.MapDistributed, ItemReader: &workflow.S3ItemReader{}, ToleratedFailurePercentage: 101,
						MaxConcurrency: -1, Processor: workflow.Branch{StartAt: "B", States: map[string]workflow.State{"B": workflow.Succeed{}}}, Next: "Odd"},
					"Odd": workflow.Map{Mode: "SERIAL", Processor: workflow.Branch{StartAt: "C", States: map[string]workflow.State{"C": workflow.Succeed{}}}, Next: "Out"},
					"Out": workflow.Fail{},
				})}
			}),
			Problems: [][]string{
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
		{Name: "choices", Scope: scope,
			Build: build("etl", with(def("C", map[string]workflow.State{
				"C": workflow.Choice{Choices: []workflow.ChoiceRule{
					{Variable: "size", Op: workflow.NumericGreaterThan, Value: "10", Next: "Big"},
					{Variable: "$.x", Op: "Equals", Value: 1, Next: "Big"},
					{Variable: "$.x", Op: workflow.StringEquals, Value: "a", Not: &workflow.ChoiceRule{Variable: "$.y", Op: workflow.IsNull, Value: true}, Next: "Big"},
					{Or: []workflow.ChoiceRule{{Variable: "$.a", Op: workflow.BooleanEquals, Value: true, Next: "Big"}}, Next: "Big"},
					{Variable: "$.z", Op: "StringEqualsPath", Value: "plain", Next: "Big"},
				}, Default: "Missing"},
				"Big": workflow.Succeed{},
			}))),
			Problems: [][]string{
				{"Definition.States.C.Choices[0].Variable", `"size"`, "JSONPath"},
				{"Definition.States.C.Choices[0].Value", `"10"`, "number"},
				{"Definition.States.C.Choices[1].Op", `"Equals"`, "not a comparison"},
				{"Definition.States.C.Choices[2]", "sets 2 of Op, And, Or and Not"},
				{"Definition.States.C.Choices[3].Or[0].Next", "nested rule"},
				{"Definition.States.C.Choices[4].Value", `"plain"`, "path"},
				{"Definition.States.C.Default", `"Missing" is not a state`},
			}},
		{Name: "state names", Scope: scope,
			Build: build("etl", with(def(long, map[string]workflow.State{
				long: workflow.Parallel{Branches: []workflow.Branch{{StartAt: long, States: map[string]workflow.State{long: workflow.Succeed{}}}}, End: true},
				"W":  workflow.Wait{Seconds: 5, Timestamp: "2026-01-01T00:00:00Z", End: true},
			}))),
			Problems: [][]string{
				{"Definition.States.W", "exactly one of Seconds"},
				{"Definition.States." + long, "81 characters", "1–80"},
				{"Definition.States." + long + ".Branches[0].States." + long, "also used at"},
				{"Definition.States." + long + ".Branches[0].States." + long, "81 characters"},
				{"Definition.States.W", "not reachable"},
			}},
		{Name: "every problem at once", Scope: `state machine "e t l"`,
			Build: build("e t l", func(e env) workflow.StateMachineArgs {
				return workflow.StateMachineArgs{Type: "FAST", Definition: def("A", map[string]workflow.State{"A": workflow.Task{}})}
			}),
			Problems: [][]string{{"name"}, {"Type", `"FAST"`}, {"Definition.States.A", "neither Function nor Resource"},
				{"Definition.States.A", "neither Next nor End"}, {"Definition.States", "no terminal state"}}},
	})
}
