package workflow

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

// The typed Amazon States Language builder a StateMachine is defined with
// (https://states-language.net/spec.html). Values are rendered to the
// definition's JSON, with the ARNs of functions and buckets filled in once
// they are known; structure is validated before anything is registered.

// Definition is a state machine's workflow: the states and where it starts.
type Definition struct {
	// Comment describes the workflow. Default: none.
	Comment string
	// StartAt names the first state. Required.
	StartAt string
	// States are the workflow's states by name (at most 80 characters,
	// unique in the whole state machine, nested states included).
	// Required.
	States map[string]State
}

// Branch is a nested workflow: a Parallel branch or a Map's item processor.
// Its transitions stay inside it.
type Branch struct {
	// Comment describes the branch. Default: none.
	Comment string
	// StartAt names the branch's first state. Required.
	StartAt string
	// States are the branch's states by name. Required.
	States map[string]State
}

// State is one state of a workflow: a Task, Map, Parallel, Choice, Pass,
// Succeed, Fail or Wait (values or pointers).
type State interface {
	render(r *aslRenderer, path string) map[string]any
}

// Error names of the ASL and of Lambda tasks, for Retry and Catch.
const (
	ErrorAll              = "States.ALL"
	ErrorTaskFailed       = "States.TaskFailed"
	ErrorTimeout          = "States.Timeout"
	ErrorLambdaUnknown    = "Lambda.Unknown"
	ErrorLambdaThrottled  = "Lambda.TooManyRequestsException"
	ErrorLambdaService    = "Lambda.ServiceException"
	ErrorLambdaAWS        = "Lambda.AWSLambdaException"
	ErrorLambdaSdkClient  = "Lambda.SdkClientException"
	ErrorLambdaClientTime = "Lambda.ClientExecutionTimeoutException"
)

// Retry retries a failed Task, Map or Parallel state.
type Retry struct {
	// ErrorEquals are the error names retried (ErrorAll matches every
	// error and must be alone, in the last retrier). Required.
	ErrorEquals []string
	// IntervalSeconds is the wait before the first retry, at least 1.
	// Default: 1 (the ASL's).
	IntervalSeconds int
	// MaxAttempts is how many retries at most; 0 never retries these
	// errors. Default: nil, 3 (the ASL's).
	MaxAttempts *int
	// BackoffRate multiplies the wait after each retry, at least 1.
	// Default: 2 (the ASL's).
	BackoffRate float64
}

// Attempts returns n as a Retry's MaxAttempts.
func Attempts(n int) *int { return &n }

// LambdaServiceRetry is the retry AWS recommends on every Lambda task, of
// Lambda's transient service errors and throttling: 2 s, then doubling,
// six times
// (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
func LambdaServiceRetry() Retry {
	return Retry{
		ErrorEquals:     []string{ErrorLambdaClientTime, ErrorLambdaService, ErrorLambdaAWS, ErrorLambdaSdkClient, ErrorLambdaThrottled},
		IntervalSeconds: DefaultLambdaRetryIntervalSeconds, MaxAttempts: Attempts(DefaultLambdaRetryMaxAttempts),
		BackoffRate: DefaultLambdaRetryBackoffRate,
	}
}

// Catch moves a failed Task, Map or Parallel state on to a fallback state.
type Catch struct {
	// ErrorEquals are the error names caught. Required.
	ErrorEquals []string
	// Next is the fallback state, in the same workflow or branch. Required.
	Next string
	// ResultPath is where the error output goes in the state's input.
	// Default: "$", replacing the input.
	ResultPath string
}

// Task runs one unit of work: a Function through its alias, or another
// service integration given by Resource and Parameters.
type Task struct {
	// Comment describes the state. Default: none.
	Comment string
	// Function is invoked through its alias (arn:aws:states:::lambda:invoke
	// with FunctionName the alias ARN); the state machine's role is granted
	// exactly that alias. Required unless Resource is set.
	Function *constructs.Function
	// Payload is the event the Function receives; keys ending in ".$" are
	// JSONPaths. Default: the whole state input.
	Payload map[string]any
	// Resource is a service integration ARN such as
	// "arn:aws:states:::dynamodb:putItem"; grant the state machine what it
	// calls (it is a Grantee). Default: none (Function).
	Resource string
	// Parameters are the integration's parameters; values may be
	// pulumi.StringInput (a table name). Only with Resource. Default: none.
	Parameters map[string]any
	// InputPath selects the state's input. Default: "$".
	InputPath string
	// ResultSelector reshapes the raw result. Default: none.
	ResultSelector map[string]any
	// ResultPath is where the result goes in the state's input. Default:
	// "$", replacing it.
	ResultPath string
	// OutputPath selects the state's output. Default: "$.Payload" (the
	// function's own output) for a Function task without ResultPath or
	// ResultSelector, else "$".
	OutputPath string
	// TimeoutSeconds fails the state after this long. Default: none (a
	// Function's own timeout bounds it).
	TimeoutSeconds int
	// Retry retriers, tried after LambdaServiceRetry for a Function task.
	// Default: none besides that.
	Retry []Retry
	// NoDefaultRetry leaves LambdaServiceRetry out. Default: false.
	NoDefaultRetry bool
	// Catch catchers. Default: none, a failure fails the execution.
	Catch []Catch
	// Next is the following state; End ends the workflow or branch. One
	// is required.
	Next string
	End  bool
}

// MapMode is how a Map state runs its items.
type MapMode string

// Map modes: INLINE runs items as iterations of this execution (at most 40
// at a time); DISTRIBUTED runs each item as a child workflow (up to 10,000
// at a time), for large inputs such as the objects under an S3 prefix.
const (
	MapInline      MapMode = "INLINE"
	MapDistributed MapMode = "DISTRIBUTED"
)

// S3ItemReader has a distributed Map process the objects under a prefix of
// a bucket (one item per object: Key, Size, ETag, LastModified).
type S3ItemReader struct {
	// Bucket holds the objects; the state machine's role may list it.
	// Required.
	Bucket *constructs.Bucket
	// Prefix limits the items to keys under it. Default: the whole bucket.
	Prefix string
}

// Map runs its Processor for each item of its input, in parallel.
type Map struct {
	// Comment describes the state. Default: none.
	Comment string
	// Mode is INLINE or DISTRIBUTED. Default: INLINE.
	Mode MapMode
	// ItemReader reads the items from S3 instead of the input
	// (DISTRIBUTED only). Default: none.
	ItemReader *S3ItemReader
	// ItemsPath selects the input array. Default: "$".
	ItemsPath string
	// ItemSelector reshapes each item. Default: none.
	ItemSelector map[string]any
	// Processor is the workflow run for each item. Required.
	Processor Branch
	// ExecutionType is the type of a distributed Map's child workflows.
	// Default: EXPRESS (DefaultMapExecutionType).
	ExecutionType StateMachineType
	// MaxConcurrency caps the items run at once; 0 is no cap. Default: 0.
	MaxConcurrency int
	// ToleratedFailurePercentage lets a distributed Map succeed with up to
	// this share of failed items, 0–100. Default: 0.
	ToleratedFailurePercentage int
	// InputPath, ResultPath and OutputPath as for a Task. Default: "$".
	InputPath, ResultPath, OutputPath string
	// Retry and Catch as for a Task. Default: none.
	Retry []Retry
	Catch []Catch
	// Next or End, one required.
	Next string
	End  bool
}

// Parallel runs its branches at once and outputs their results as an array.
type Parallel struct {
	// Comment describes the state. Default: none.
	Comment string
	// Branches run in parallel. Required.
	Branches []Branch
	// InputPath, ResultPath and OutputPath as for a Task. Default: "$".
	InputPath, ResultPath, OutputPath string
	// ResultSelector reshapes the branches' results. Default: none.
	ResultSelector map[string]any
	// Retry and Catch as for a Task. Default: none.
	Retry []Retry
	Catch []Catch
	// Next or End, one required.
	Next string
	End  bool
}

// ChoiceOp is a Choice rule's comparison.
type ChoiceOp string

// Choice comparisons; each also has a "Path" form (StringEqualsPath, …)
// comparing with another field of the input, whose Value is a JSONPath.
const (
	StringEquals             ChoiceOp = "StringEquals"
	StringLessThan           ChoiceOp = "StringLessThan"
	StringGreaterThan        ChoiceOp = "StringGreaterThan"
	StringLessThanEquals     ChoiceOp = "StringLessThanEquals"
	StringGreaterThanEquals  ChoiceOp = "StringGreaterThanEquals"
	StringMatches            ChoiceOp = "StringMatches"
	NumericEquals            ChoiceOp = "NumericEquals"
	NumericLessThan          ChoiceOp = "NumericLessThan"
	NumericGreaterThan       ChoiceOp = "NumericGreaterThan"
	NumericLessThanEquals    ChoiceOp = "NumericLessThanEquals"
	NumericGreaterThanEquals ChoiceOp = "NumericGreaterThanEquals"
	BooleanEquals            ChoiceOp = "BooleanEquals"
	TimestampEquals          ChoiceOp = "TimestampEquals"
	TimestampLessThan        ChoiceOp = "TimestampLessThan"
	TimestampGreaterThan     ChoiceOp = "TimestampGreaterThan"
	IsPresent                ChoiceOp = "IsPresent"
	IsNull                   ChoiceOp = "IsNull"
	IsString                 ChoiceOp = "IsString"
	IsNumeric                ChoiceOp = "IsNumeric"
	IsBoolean                ChoiceOp = "IsBoolean"
	IsTimestamp              ChoiceOp = "IsTimestamp"
)

// ChoiceRule is one rule of a Choice state: a comparison of Variable with
// Value, or an And, Or or Not of rules.
type ChoiceRule struct {
	// Variable is the JSONPath compared, e.g. "$.size".
	Variable string
	// Op is the comparison.
	Op ChoiceOp
	// Value is what Variable is compared with: a string, number or bool as
	// Op takes (a JSONPath for a Path comparison).
	Value any
	// And, Or and Not combine rules instead of a comparison.
	And, Or []ChoiceRule
	Not     *ChoiceRule
	// Next is where a matching top-level rule goes. Required on top-level
	// rules, not on nested ones.
	Next string
}

// Choice branches on its input: the first matching rule's Next, else
// Default.
type Choice struct {
	// Comment describes the state. Default: none.
	Comment string
	// Choices are tried in order. Required.
	Choices []ChoiceRule
	// Default is where no match goes. Default: none, no match fails the
	// execution with States.NoChoiceMatched.
	Default string
	// InputPath and OutputPath. Default: "$".
	InputPath, OutputPath string
}

// Pass passes its input on, optionally with a fixed Result.
type Pass struct {
	// Comment describes the state. Default: none.
	Comment string
	// Result is output instead of the input. Default: none.
	Result any
	// Parameters shape the output from the input. Default: none.
	Parameters map[string]any
	// InputPath, ResultPath and OutputPath. Default: "$".
	InputPath, ResultPath, OutputPath string
	// Next or End, one required.
	Next string
	End  bool
}

// Succeed ends the workflow (or branch) successfully.
type Succeed struct {
	// Comment describes the state. Default: none.
	Comment string
	// InputPath and OutputPath. Default: "$".
	InputPath, OutputPath string
}

// Fail ends the execution as failed.
type Fail struct {
	// Comment describes the state. Default: none.
	Comment string
	// Error and Cause describe the failure. Default: none.
	Error, Cause string
}

// Wait delays for Seconds, until Timestamp, or as the input says (exactly
// one).
type Wait struct {
	// Comment describes the state. Default: none.
	Comment string
	// Seconds to wait. Default: 0.
	Seconds int
	// Timestamp (RFC 3339) to wait until. Default: none.
	Timestamp string
	// SecondsPath and TimestampPath read the wait from the input. Default:
	// none.
	SecondsPath, TimestampPath string
	// Next or End, one required.
	Next string
	End  bool
}

// aslRenderer turns states into the definition's JSON tree. Output values
// (ARNs, names) become outputRefs, resolved when the definition is
// rendered for AWS; it collects what the state machine's role needs.
type aslRenderer struct {
	inputs      []pulumi.StringInput
	functions   []*constructs.Function
	readers     []*constructs.Bucket
	distributed bool
	problems    []error
}

// outputRef stands for the i-th output input of the renderer.
type outputRef int

func (r *aslRenderer) ref(in pulumi.StringInput) outputRef {
	r.inputs = append(r.inputs, in)
	return outputRef(len(r.inputs) - 1)
}

func (r *aslRenderer) problem(path, format string, args ...any) {
	r.problems = append(r.problems, fmt.Errorf("Definition."+path+": "+format, args...))
}

// value renders a user-given value: pulumi inputs become outputRefs.
func (r *aslRenderer) value(v any) any {
	switch t := v.(type) {
	case pulumi.StringInput:
		return r.ref(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = r.value(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = r.value(e)
		}
		return out
	}
	return v
}

// scope renders a workflow or branch.
func (r *aslRenderer) scope(path, comment, startAt string, states map[string]State) map[string]any {
	out := map[string]any{"StartAt": startAt}
	if comment != "" {
		out["Comment"] = comment
	}
	rendered := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(states)) {
		sp := aslPath(path, "States."+name)
		if states[name] == nil {
			r.problem(sp, "nil; give a Task, Map, Parallel, Choice, Pass, Succeed, Fail or Wait")
			continue
		}
		rendered[name] = states[name].render(r, sp)
	}
	out["States"] = rendered
	return out
}

func aslPath(base, field string) string {
	if base == "" {
		return field
	}
	return base + "." + field
}

// aslFields sets the fields every state kind may have, skipping zero values.
func aslFields(m map[string]any, typ, comment string, fields ...any) map[string]any {
	m["Type"] = typ
	if comment != "" {
		m["Comment"] = comment
	}
	for i := 0; i+1 < len(fields); i += 2 {
		k := fields[i].(string)
		switch v := fields[i+1].(type) {
		case string:
			if v != "" {
				m[k] = v
			}
		case int:
			if v != 0 {
				m[k] = v
			}
		case bool:
			if v {
				m[k] = v
			}
		case map[string]any:
			if v != nil {
				m[k] = v
			}
		}
	}
	return m
}

func renderRetry(rs []Retry) []any {
	var out []any
	for _, rt := range rs {
		m := map[string]any{"ErrorEquals": rt.ErrorEquals}
		if rt.ErrorEquals == nil {
			m["ErrorEquals"] = []string{}
		}
		if rt.IntervalSeconds != 0 {
			m["IntervalSeconds"] = rt.IntervalSeconds
		}
		if rt.MaxAttempts != nil {
			m["MaxAttempts"] = *rt.MaxAttempts
		}
		if rt.BackoffRate != 0 {
			m["BackoffRate"] = rt.BackoffRate
		}
		out = append(out, m)
	}
	return out
}

func renderCatch(cs []Catch) []any {
	var out []any
	for _, c := range cs {
		m := map[string]any{"ErrorEquals": c.ErrorEquals, "Next": c.Next}
		if c.ErrorEquals == nil {
			m["ErrorEquals"] = []string{}
		}
		if c.ResultPath != "" {
			m["ResultPath"] = c.ResultPath
		}
		out = append(out, m)
	}
	return out
}

// errorHandling adds Retry and Catch.
func errorHandling(m map[string]any, retry []Retry, catch []Catch) {
	if rs := renderRetry(retry); len(rs) > 0 {
		m["Retry"] = rs
	}
	if cs := renderCatch(catch); len(cs) > 0 {
		m["Catch"] = cs
	}
}

// lambdaInvoke is the optimized Lambda integration.
const lambdaInvoke = "arn:aws:states:::lambda:invoke"

func (t Task) render(r *aslRenderer, path string) map[string]any {
	m := aslFields(map[string]any{}, "Task", t.Comment, "InputPath", t.InputPath, "ResultPath", t.ResultPath,
		"ResultSelector", r.valueMap(t.ResultSelector), "TimeoutSeconds", t.TimeoutSeconds, "Next", t.Next, "End", t.End)
	retry := t.Retry
	switch {
	case t.Function != nil && t.Resource != "":
		r.problem(path, "both Function and Resource are set; a Task runs one of them")
		m["Resource"] = t.Resource
	case t.Function != nil:
		if t.Parameters != nil {
			r.problem(path+".Parameters", "set on a Function task; give the function's event as Payload")
		}
		if !slices.Contains(r.functions, t.Function) {
			r.functions = append(r.functions, t.Function)
		}
		params := map[string]any{"FunctionName": r.ref(t.Function.AliasArn)}
		if t.Payload != nil {
			params["Payload"] = r.value(t.Payload)
		} else {
			params["Payload.$"] = "$"
		}
		m["Resource"] = lambdaInvoke
		m["Parameters"] = params
		if t.OutputPath == "" && t.ResultPath == "" && t.ResultSelector == nil {
			m["OutputPath"] = "$.Payload"
		} else if t.OutputPath != "" {
			m["OutputPath"] = t.OutputPath
		}
		if !t.NoDefaultRetry {
			retry = append([]Retry{LambdaServiceRetry()}, retry...)
		}
	case t.Resource != "":
		if t.Payload != nil {
			r.problem(path+".Payload", "set on a Resource task; give the integration's input as Parameters")
		}
		m["Resource"] = t.Resource
		if t.Parameters != nil {
			m["Parameters"] = r.value(t.Parameters)
		}
		if t.OutputPath != "" {
			m["OutputPath"] = t.OutputPath
		}
	default:
		r.problem(path, "neither Function nor Resource is set; a Task invokes a Function (through its alias) or a service integration")
		m["Resource"] = lambdaInvoke
	}
	errorHandling(m, retry, t.Catch)
	return m
}

// valueMap renders an optional map, keeping nil as nil.
func (r *aslRenderer) valueMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return r.value(m).(map[string]any)
}

func (mp Map) render(r *aslRenderer, path string) map[string]any {
	m := aslFields(map[string]any{}, "Map", mp.Comment, "InputPath", mp.InputPath, "ResultPath", mp.ResultPath,
		"OutputPath", mp.OutputPath, "ItemsPath", mp.ItemsPath, "ItemSelector", r.valueMap(mp.ItemSelector),
		"Next", mp.Next, "End", mp.End)
	mode := cmp.Or(mp.Mode, MapInline)
	proc := r.scope(path+".Processor", mp.Processor.Comment, mp.Processor.StartAt, mp.Processor.States)
	cfg := map[string]any{"Mode": string(mode)}
	switch mode {
	case MapInline:
		if mp.ItemReader != nil {
			r.problem(path+".ItemReader", "set on an INLINE Map; reading items from S3 needs Mode DISTRIBUTED")
		}
		if mp.ExecutionType != "" {
			r.problem(path+".ExecutionType", "%q is set on an INLINE Map; only DISTRIBUTED Maps run child workflows", mp.ExecutionType)
		}
		if mp.ToleratedFailurePercentage != 0 {
			r.problem(path+".ToleratedFailurePercentage", "%d is set on an INLINE Map; only a DISTRIBUTED Map tolerates failed items", mp.ToleratedFailurePercentage)
		}
	case MapDistributed:
		r.distributed = true
		et := cmp.Or(mp.ExecutionType, DefaultMapExecutionType)
		if et != StateMachineStandard && et != StateMachineExpress {
			r.problem(path+".ExecutionType", "%q is not a workflow type; use STANDARD or EXPRESS", et)
		}
		cfg["ExecutionType"] = string(et)
		if mp.ItemReader != nil {
			if mp.ItemReader.Bucket == nil {
				r.problem(path+".ItemReader.Bucket", "nil; set the bucket whose objects are the items")
			} else {
				if !slices.Contains(r.readers, mp.ItemReader.Bucket) {
					r.readers = append(r.readers, mp.ItemReader.Bucket)
				}
				params := map[string]any{"Bucket": r.ref(mp.ItemReader.Bucket.Name)}
				if mp.ItemReader.Prefix != "" {
					params["Prefix"] = mp.ItemReader.Prefix
				}
				m["ItemReader"] = map[string]any{"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": params}
			}
		}
		if p := mp.ToleratedFailurePercentage; p < 0 || p > 100 {
			r.problem(path+".ToleratedFailurePercentage", "%d is outside 0–100", p)
		} else if p > 0 {
			m["ToleratedFailurePercentage"] = p
		}
	default:
		r.problem(path+".Mode", "%q is not a Map mode; use INLINE or DISTRIBUTED", mp.Mode)
	}
	proc["ProcessorConfig"] = cfg
	m["ItemProcessor"] = proc
	if mp.MaxConcurrency != 0 {
		m["MaxConcurrency"] = mp.MaxConcurrency
	}
	errorHandling(m, mp.Retry, mp.Catch)
	return m
}

func (p Parallel) render(r *aslRenderer, path string) map[string]any {
	m := aslFields(map[string]any{}, "Parallel", p.Comment, "InputPath", p.InputPath, "ResultPath", p.ResultPath,
		"OutputPath", p.OutputPath, "ResultSelector", r.valueMap(p.ResultSelector), "Next", p.Next, "End", p.End)
	branches := []any{}
	for i, b := range p.Branches {
		branches = append(branches, r.scope(fmt.Sprintf("%s.Branches[%d]", path, i), b.Comment, b.StartAt, b.States))
	}
	m["Branches"] = branches
	errorHandling(m, p.Retry, p.Catch)
	return m
}

func (c Choice) render(r *aslRenderer, path string) map[string]any {
	m := aslFields(map[string]any{}, "Choice", c.Comment, "InputPath", c.InputPath, "OutputPath", c.OutputPath, "Default", c.Default)
	rules := []any{}
	for i, rule := range c.Choices {
		rm := r.choiceRule(fmt.Sprintf("%s.Choices[%d]", path, i), rule, true)
		rules = append(rules, rm)
	}
	m["Choices"] = rules
	return m
}

// choiceOps are the comparisons and the Go type of their Value.
var choiceOps = map[ChoiceOp]string{
	StringEquals: "string", StringLessThan: "string", StringGreaterThan: "string", StringLessThanEquals: "string",
	StringGreaterThanEquals: "string", StringMatches: "string",
	NumericEquals: "number", NumericLessThan: "number", NumericGreaterThan: "number", NumericLessThanEquals: "number",
	NumericGreaterThanEquals: "number",
	BooleanEquals:            "bool",
	TimestampEquals:          "string", TimestampLessThan: "string", TimestampGreaterThan: "string",
	IsPresent: "bool", IsNull: "bool", IsString: "bool", IsNumeric: "bool", IsBoolean: "bool", IsTimestamp: "bool",
}

// choiceRule renders one rule, checking what the ASL's Choice Rules say:
// a rule is one comparison of a Variable (a JSONPath) with a Value of the
// comparison's type, or one And, Or or Not; only top-level rules have Next.
func (r *aslRenderer) choiceRule(path string, rule ChoiceRule, top bool) map[string]any {
	m := map[string]any{}
	if top {
		m["Next"] = rule.Next
	} else if rule.Next != "" {
		r.problem(path+".Next", "%q is set on a nested rule; only top-level rules move on", rule.Next)
	}
	kinds := 0
	for _, set := range []bool{rule.Op != "", rule.And != nil, rule.Or != nil, rule.Not != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		r.problem(path, "sets %d of Op, And, Or and Not; a rule is exactly one comparison or combination", kinds)
		return m
	}
	switch {
	case rule.Op != "":
		base, isPath := strings.CutSuffix(string(rule.Op), "Path")
		typ, ok := choiceOps[ChoiceOp(base)]
		if isPath && strings.HasPrefix(base, "Is") {
			ok = false
		}
		if !ok {
			r.problem(path+".Op", "%q is not a comparison; use StringEquals, NumericGreaterThan, BooleanEquals, IsPresent, … or their Path forms", rule.Op)
			return m
		}
		if !strings.HasPrefix(rule.Variable, "$") {
			r.problem(path+".Variable", "%q is not a JSONPath; use one starting with \"$\", e.g. \"$.size\"", rule.Variable)
		}
		m["Variable"] = rule.Variable
		if isPath {
			typ = "path"
		}
		if !choiceValueOfType(rule.Value, typ) {
			r.problem(path+".Value", "%#v is not a %s, which %s compares with", rule.Value, typ, rule.Op)
		}
		m[string(rule.Op)] = rule.Value
	case rule.Not != nil:
		m["Not"] = r.choiceRule(path+".Not", *rule.Not, false)
	default:
		op, list := "And", rule.And
		if rule.Or != nil {
			op, list = "Or", rule.Or
		}
		if len(list) == 0 {
			r.problem(path+"."+op, "empty; combine at least one rule")
		}
		var subs []any
		for i, sub := range list {
			subs = append(subs, r.choiceRule(fmt.Sprintf("%s.%s[%d]", path, op, i), sub, false))
		}
		m[op] = subs
	}
	return m
}

func choiceValueOfType(v any, typ string) bool {
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "bool":
		_, ok := v.(bool)
		return ok
	case "path":
		s, ok := v.(string)
		return ok && strings.HasPrefix(s, "$")
	case "number":
		switch v.(type) {
		case int, int32, int64, float32, float64:
			return true
		}
	}
	return false
}

func (p Pass) render(r *aslRenderer, path string) map[string]any {
	m := aslFields(map[string]any{}, "Pass", p.Comment, "InputPath", p.InputPath, "ResultPath", p.ResultPath,
		"OutputPath", p.OutputPath, "Parameters", r.valueMap(p.Parameters), "Next", p.Next, "End", p.End)
	if p.Result != nil {
		m["Result"] = r.value(p.Result)
	}
	return m
}

func (s Succeed) render(_ *aslRenderer, _ string) map[string]any {
	return aslFields(map[string]any{}, "Succeed", s.Comment, "InputPath", s.InputPath, "OutputPath", s.OutputPath)
}

func (f Fail) render(_ *aslRenderer, _ string) map[string]any {
	return aslFields(map[string]any{}, "Fail", f.Comment, "Error", f.Error, "Cause", f.Cause)
}

func (w Wait) render(r *aslRenderer, path string) map[string]any {
	m := aslFields(map[string]any{}, "Wait", w.Comment, "Timestamp", w.Timestamp, "SecondsPath", w.SecondsPath,
		"TimestampPath", w.TimestampPath, "Next", w.Next, "End", w.End)
	if w.Seconds < 0 {
		r.problem(path+".Seconds", "%d is negative", w.Seconds)
	}
	if w.Seconds > 0 || (w.Timestamp == "" && w.SecondsPath == "" && w.TimestampPath == "") {
		m["Seconds"] = w.Seconds
	}
	return m
}

// resolveOutputs replaces the outputRefs of a rendered tree with their values.
func resolveOutputs(v any, vals []any) any {
	switch t := v.(type) {
	case outputRef:
		return vals[t]
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = resolveOutputs(e, vals)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = resolveOutputs(e, vals)
		}
		return out
	}
	return v
}
