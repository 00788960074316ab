package workflow

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sfn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/lazyregexp"
	"github.com/kumo-iac/kumo/internal/pipelinerules"
)

// StateMachineType is a Step Functions workflow type.
type StateMachineType string

// Workflow types: STANDARD runs up to a year, exactly once, with its
// history kept by Step Functions; EXPRESS runs up to five minutes, at least
// once, priced per request, with its history only in the logs.
const (
	StateMachineStandard StateMachineType = "STANDARD"
	StateMachineExpress  StateMachineType = "EXPRESS"
)

// LogLevel is which execution history events a StateMachine logs.
type LogLevel string

// Log levels kumo offers; logging is never off.
const (
	LogAll   LogLevel = "ALL"
	LogError LogLevel = "ERROR"
	LogFatal LogLevel = "FATAL"
)

// StateMachineArgs configure a StateMachine.
type StateMachineArgs struct {
	// Definition is the workflow, built with the typed states of this
	// package. Required.
	Definition *Definition
	// Type is STANDARD or EXPRESS; changing it replaces the state machine.
	// Default: STANDARD.
	Type StateMachineType
	// LogLevel is what is logged to the state machine's log group: ALL,
	// ERROR or FATAL. Default: ALL (cdk-nag AwsSolutions-SF1).
	LogLevel LogLevel
	// ExcludeExecutionData keeps states' input and output out of the logs
	// (for sensitive payloads). Default: false, they are logged.
	ExcludeExecutionData bool
	// Tracing turns on X-Ray tracing. Default: true (cdk-nag
	// AwsSolutions-SF2).
	Tracing *bool
	// LogRetentionDays is the retention of the state machine's log group.
	// Default: 30.
	LogRetentionDays int
	// TimeoutSeconds fails an execution that runs longer, at most a year
	// (STANDARD) or 300 (EXPRESS). Default: 0, only the type's own limit.
	TimeoutSeconds int
	// LogKMSKey encrypts the log group (execution history, with states'
	// input and output unless ExcludeExecutionData) with a customer managed
	// key. CloudWatch Logs itself uses the key, so its ServicePrincipals
	// must include "logs.<region>.amazonaws.com" for the stack's region.
	// Default: nil, CloudWatch Logs' own encryption at rest.
	LogKMSKey *constructs.Key
}

// StateMachine is a Step Functions state machine with its own role granted
// exactly the function aliases its tasks invoke, logging to a log group
// with retention, and traced with X-Ray. It is a Grantee: grants to it
// (table.GrantWrite(sm)) serve its service-integration tasks.
type StateMachine struct {
	pulumi.ResourceState
	// grantee is role, so grants to the state machine extend its role.
	grantee

	role *constructs.ServiceRole

	name string
	typ  StateMachineType

	// StateMachine is the underlying resource, an escape hatch.
	StateMachine *sfn.StateMachine
	// Arn is the state machine ARN GrantStart scopes to.
	Arn pulumi.StringOutput
	// Name is the physical state machine name.
	Name pulumi.StringOutput
	// Role is the role Step Functions assumes to run the workflow.
	Role *iam.Role
	// LogGroup receives the execution history.
	LogGroup *cloudwatch.LogGroup
}

// stateMachineName keeps room for the provider's 8-character suffix within
// CreateStateMachine's 80 characters, of the only ones it allows a state
// machine that logs to CloudWatch Logs: 0-9, A-Z, a-z, '-' and '_'
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html).
var stateMachineName = lazyregexp.New(`^[0-9A-Za-z_-]{1,72}$`)

func (a StateMachineArgs) withDefaults() StateMachineArgs {
	a.Type = cmp.Or(a.Type, StateMachineStandard)
	a.LogLevel = cmp.Or(a.LogLevel, LogAll)
	a.LogRetentionDays = cmp.Or(a.LogRetentionDays, constructs.DefaultLogRetentionDays)
	if a.Tracing == nil {
		on := true
		a.Tracing = &on
	}
	return a
}

// validate reports every problem with args (defaults applied) and returns
// the rendered definition. The definition's structure is checked with the
// ASL rules kumo synth applies too (internal/pipelinerules).
//
// region is the stack's aws:region, "" when not known (Validate): then a
// LogKMSKey must let CloudWatch Logs of some region use it.
func (a StateMachineArgs) validate(name, region string) (*aslRenderer, any, *multierror.Error) {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if !stateMachineName().MatchString(name) {
		add("name: %q must be 1–72 letters, digits, '-' or '_' (a state machine that logs has a name of at most 80 of those, and the provider appends 8)", name)
	}
	switch a.Type {
	case StateMachineStandard, StateMachineExpress:
	default:
		add("Type: %q is not a workflow type; use STANDARD or EXPRESS", a.Type)
	}
	switch a.LogLevel {
	case LogAll, LogError, LogFatal:
	default:
		add("LogLevel: %q is not a log level; use ALL, ERROR or FATAL (kumo always logs)", a.LogLevel)
	}
	if err := core.ValidateLogRetention("LogRetentionDays", a.LogRetentionDays); err != nil {
		errs = multierror.Append(errs, err)
	}
	if k := a.LogKMSKey; k != nil && !k.AllowsLogs(region) {
		// "CloudWatch Logs supports only symmetric KMS keys" and needs the
		// key policy to let logs.<region>.amazonaws.com use it, or
		// CreateLogGroup fails
		// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
		principal := "logs.<region>.amazonaws.com"
		if region != "" {
			principal = "logs." + region + ".amazonaws.com"
		}
		add("LogKMSKey: key %q does not let %s use it, so CloudWatch Logs could not encrypt the log group; add %q to the key's ServicePrincipals", core.KeyName(k), principal, principal)
	}
	// Quotas: a Standard execution runs at most one year, an Express one
	// five minutes
	// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
	maxTimeout := MaxStandardTimeoutSeconds
	if a.Type == StateMachineExpress {
		maxTimeout = MaxExpressTimeoutSeconds
	}
	if a.TimeoutSeconds < 0 || a.TimeoutSeconds > maxTimeout {
		add("TimeoutSeconds: %d is outside 0–%d, the longest a %s execution runs (0 for no timeout of its own)", a.TimeoutSeconds, maxTimeout, a.Type)
	}
	if a.Definition == nil {
		add("Definition: nil; build the workflow with Task, Map, Choice, … states")
		return nil, nil, errs
	}
	r := &aslRenderer{}
	tree := r.scope("", a.Definition.Comment, a.Definition.StartAt, a.Definition.States)
	if a.TimeoutSeconds > 0 {
		tree["TimeoutSeconds"] = a.TimeoutSeconds
	}
	for _, p := range r.problems {
		errs = multierror.Append(errs, p)
	}
	// The ASL rules read the definition as AWS will: its JSON, with
	// placeholders for ARNs not known yet.
	placeholders := make([]any, len(r.inputs))
	for i := range placeholders {
		placeholders[i] = "[output]"
	}
	b, err := json.Marshal(resolveOutputs(tree, placeholders))
	if err != nil {
		add("Definition: %v", err)
		return r, tree, errs
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		add("Definition: %v", err)
		return r, tree, errs
	}
	for _, p := range pipelinerules.ValidateDefinition(doc) {
		// The Go field for the ASL's ItemProcessor is Processor.
		path := strings.ReplaceAll(p.Path, "ItemProcessor", "Processor")
		if path == "TimeoutSeconds" {
			continue // reported above, against the type's limit
		}
		add("Definition.%s: %s", path, p.Msg)
	}
	return r, tree, errs
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a StateMachineArgs) Validate(name string) error {
	_, _, errs := a.withDefaults().validate(name, "")
	return constructs.Invalid(fmt.Sprintf("state machine %q", name), errs)
}

// NewStateMachine registers a state machine, its role and grants, and its
// log group.
func NewStateMachine(ctx *pulumi.Context, name string, args *StateMachineArgs, opts ...pulumi.ResourceOption) (*StateMachine, error) {
	if args == nil {
		args = &StateMachineArgs{}
	}
	a := args.withDefaults()
	r, tree, errs := a.validate(name, core.Region(ctx))
	if err := constructs.Invalid(fmt.Sprintf("state machine %q", name), errs); err != nil {
		return nil, err
	}
	sm := &StateMachine{name: name, typ: a.Type}
	if err := ctx.RegisterComponentResource("kumo:constructs:StateMachine", name, sm, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(sm)
	lgArgs := &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.Sprintf("%s%s-", StateMachineLogGroupPrefix, name),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}
	if a.LogKMSKey != nil {
		// The key's policy is part of the key resource, and the log group
		// reads the key's ARN, so it is created after the policy allows
		// CloudWatch Logs: no ordering to add.
		lgArgs.KmsKeyId = a.LogKMSKey.Arn
	}
	var err error
	if sm.LogGroup, err = cloudwatch.NewLogGroup(ctx, name, lgArgs, parent); err != nil {
		return nil, err
	}
	if sm.role, err = constructs.NewServiceRole(ctx, name, sm, "states.amazonaws.com",
		fmt.Sprintf("Execution role of kumo state machine %s; permissions come only from grants.", name)); err != nil {
		return nil, err
	}
	sm.grantee, sm.Role = sm.role, sm.role.Role()
	// "IAM policies for logging to CloudWatch Logs"
	// (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy).
	if err := core.AddToRolePolicy(sm.role, "logs", constructs.Statement{
		Sid: "DeliverExecutionLogs",
		Actions: []string{"logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
			"logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
			"logs:PutResourcePolicy", "logs:UpdateLogDelivery"},
		Resources:      []pulumi.StringInput{pulumi.String("*")},
		WildcardReason: "CloudWatch Logs' log delivery actions (CreateLogDelivery, DescribeLogGroups, …) support no resource-level permissions, so Step Functions' documented logging policy uses * (cw-logs.html#cloudwatch-iam-policy)",
	}); err != nil {
		return nil, err
	}
	if *a.Tracing {
		// https://docs.aws.amazon.com/step-functions/latest/dg/xray-iam.html
		if err := core.AddToRolePolicy(sm.role, "xray", constructs.Statement{
			Sid:            "SendTraces",
			Actions:        []string{"xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"},
			Resources:      []pulumi.StringInput{pulumi.String("*")},
			WildcardReason: "X-Ray's trace and sampling actions support no resource-level permissions (X-Ray's service authorization reference), so * is the narrowest scope AWS allows",
		}); err != nil {
			return nil, err
		}
	}
	if len(r.functions) > 0 {
		var aliases []pulumi.StringInput
		for _, f := range r.functions {
			aliases = append(aliases, f.AliasArn)
		}
		if err := core.AddToRolePolicy(sm.role, "invoke", constructs.Statement{
			Sid:       "InvokeTaskFunctions",
			Actions:   []string{"lambda:InvokeFunction"},
			Resources: aliases,
		}); err != nil {
			return nil, err
		}
	}
	for _, b := range r.readers {
		// A distributed Map's ItemReader lists the objects
		// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html).
		if err := core.AddToRolePolicy(sm.role, "items-"+core.BucketName(b), constructs.Statement{
			Sid:       "ListMapItems",
			Actions:   []string{"s3:ListBucket"},
			Resources: []pulumi.StringInput{b.Arn},
		}); err != nil {
			return nil, err
		}
	}

	var definition pulumi.StringOutput
	if len(r.inputs) == 0 {
		b, err := json.Marshal(tree)
		if err != nil {
			return nil, err
		}
		definition = pulumi.String(string(b)).ToStringOutput()
	} else {
		ins := make([]any, len(r.inputs))
		for i, in := range r.inputs {
			ins[i] = in
		}
		definition = pulumi.All(ins...).ApplyT(func(vals []any) (string, error) {
			b, err := json.Marshal(resolveOutputs(tree, vals))
			return string(b), err
		}).(pulumi.StringOutput)
	}
	// Step Functions checks at creation that the role may deliver logs
	// ("The state machine IAM Role is not authorized to access the Log
	// Destination"), so the state machine waits for the role's policies.
	sm.StateMachine, err = sfn.NewStateMachine(ctx, name, &sfn.StateMachineArgs{
		Type:       pulumi.String(string(a.Type)),
		RoleArn:    sm.Role.Arn,
		Definition: definition,
		LoggingConfiguration: &sfn.StateMachineLoggingConfigurationArgs{
			Level:                pulumi.String(string(a.LogLevel)),
			IncludeExecutionData: pulumi.Bool(!a.ExcludeExecutionData),
			LogDestination:       core.Suffix(":*", sm.LogGroup.Arn),
		},
		TracingConfiguration:    &sfn.StateMachineTracingConfigurationArgs{Enabled: pulumi.Bool(*a.Tracing)},
		EncryptionConfiguration: &sfn.StateMachineEncryptionConfigurationArgs{Type: pulumi.String("AWS_OWNED_KEY")},
	}, parent, pulumi.DependsOn(sm.role.Policies()))
	if err != nil {
		return nil, err
	}
	sm.Arn, sm.Name = sm.StateMachine.Arn, sm.StateMachine.Name
	if r.distributed {
		// A distributed Map starts its items as child executions of this
		// state machine, and describes and stops them
		// (https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html).
		// Runtime permissions only, so granted after the state machine
		// exists, whose ARN they name.
		executions := sm.Arn.ApplyT(func(arn string) string {
			return strings.Replace(arn, ":stateMachine:", ":execution:", 1) + "/*"
		}).(pulumi.StringOutput)
		if err := core.AddToRolePolicy(sm.role, "distributed-map", constructs.Statement{
			Sid:       "StartMapRuns",
			Actions:   []string{"states:StartExecution"},
			Resources: []pulumi.StringInput{sm.Arn},
		}, constructs.Statement{
			Sid:            "ManageMapRunExecutions",
			Actions:        []string{"states:DescribeExecution", "states:StopExecution"},
			Resources:      []pulumi.StringInput{executions},
			WildcardReason: "the child executions of this one state machine's Map runs, which Step Functions names <state machine>/<map run>:<id>",
		}); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(sm, pulumi.Map{
		"name":     sm.Name,
		"arn":      sm.Arn,
		"roleArn":  sm.Role.Arn,
		"logGroup": sm.LogGroup.Name,
	}); err != nil {
		return nil, err
	}
	return sm, nil
}

// GrantStart lets g start executions of the state machine (and, for an
// Express workflow, synchronous ones).
func (sm *StateMachine) GrantStart(g constructs.Grantee) error {
	actions := []string{"states:StartExecution"}
	if sm.typ == StateMachineExpress {
		actions = append(actions, "states:StartSyncExecution")
	}
	return core.AddToRolePolicy(g, "states-"+sm.name+"-start", constructs.Statement{
		Sid:       "StateMachineStart",
		Actions:   actions,
		Resources: []pulumi.StringInput{sm.Arn},
	})
}
