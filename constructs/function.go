package constructs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
	"github.com/kumo-iac/kumo/constructs/bundle"
)

// FunctionArgs configure a Function. The zero value of every optional field
// means "use the documented default".
type FunctionArgs struct {
	// GoPackage is the Go main package of the handler, relative to Root
	// (e.g. "./patterns/webapp/functions/items"). It is built for the
	// function's architecture and zipped reproducibly. Required unless Code is set.
	GoPackage string
	// Root is the Go module root GoPackage is resolved against. Default: ".".
	Root string
	// Code is a prebuilt deployment package, for handlers not written in Go.
	// CodeSHA256 must then be its base64 SHA-256. Default: none (GoPackage is built).
	Code pulumi.Archive
	// CodeSHA256 is the base64 SHA-256 of Code. Default: computed from the Go build.
	CodeSHA256 string
	// Description is shown in the Lambda console. Default: none.
	Description string
	// Runtime is the Lambda runtime. Default: "provided.al2023".
	Runtime string
	// Handler is the entry point. Default: "bootstrap".
	Handler string
	// Architecture is "arm64" or "x86_64". Default: "arm64" (cheaper per GB-s).
	Architecture Architecture
	// MemoryMB is the memory size, 128–10240. Default: 256.
	MemoryMB int
	// TimeoutSeconds is the invocation timeout, 1–900. Default: 10.
	TimeoutSeconds int
	// Environment variables. Default: none.
	Environment map[string]pulumi.StringInput
	// ReservedConcurrency caps concurrent executions (0 disables the
	// function, which is the kill switch). Default: nil, unreserved.
	ReservedConcurrency *int
	// LogRetentionDays is the retention of the function's own log group.
	// Default: 30.
	LogRetentionDays int
	// DeadLetterQueue creates an encrypted SQS queue that receives async
	// events that still fail after AsyncRetryAttempts. Default: false.
	DeadLetterQueue bool
	// VPC runs the function in subnets of a VPC, to reach what only the
	// VPC reaches (a VPC search domain, say). Default: nil, Lambda's own
	// network, with internet access and no VPC.
	VPC *FunctionVPC
	// AsyncRetryAttempts is how often Lambda retries a failed async
	// invocation, 0–2. Default: 2.
	AsyncRetryAttempts *int
	// AliasName is the alias every event source invokes. Default: "live".
	AliasName string

	// Releases rolls each new version out through CodeDeploy (the stack's
	// application), watched by alarms that roll it back. Default: nil, the
	// alias moves to each new version at once.
	Releases *Releases
	// DeploymentPreference overrides Releases' default for this function.
	// Default: the Releases default.
	DeploymentPreference DeploymentPreference
	// Alarms are names of extra CloudWatch alarms that roll a deployment
	// back, besides the errors and throttles alarms kumo creates. Default: none.
	Alarms []string
	// DurationP99AlarmMs adds an alarm on the alias's p99 duration above
	// this many milliseconds. Default: 0, no duration alarm.
	DurationP99AlarmMs int
	// PreTrafficHook runs before any traffic reaches a new version, and
	// PostTrafficHook after all of it has; either failing rolls back. Write
	// them with package constructs/hook. Default: none.
	PreTrafficHook  *Function
	PostTrafficHook *Function
	// ReleaseWaitTimeoutSeconds bounds the wait for another deployment of
	// the same group to finish before failing. Default: 900.
	ReleaseWaitTimeoutSeconds int
	// AlarmTopic is notified when the alias's errors, throttles (and p99
	// duration) alarms fire and recover; it must let
	// cloudwatch.amazonaws.com publish (its default). Needs Releases, which
	// creates those alarms. Default: none, the alarms only roll back.
	AlarmTopic *Topic
	// ExpectedErrors says the function returns errors as a normal outcome
	// (an authorizer refusing a token returns "Unauthorized"), which Lambda
	// counts in its Errors metric, so an alarm on Errors would roll back
	// every release and fire all day. The errors alarm is then replaced by a
	// failures alarm on what the function logs when it really fails. Needs
	// Releases. Default: nil, any error rolls a release back.
	ExpectedErrors *ExpectedErrors
}

// ExpectedErrors replaces the alarm on Lambda's Errors metric of a function
// whose errors are expected outcomes by an alarm on its logged failures.
type ExpectedErrors struct {
	// Reason says why the function's errors are expected, for reviewers
	// and for whoever reads the alarm; 10–512 characters. Required.
	Reason string
	// FailurePattern is a CloudWatch Logs filter pattern matching the log
	// events of the function's real failures, at most 1024 characters
	// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).
	// Default: DefaultFailurePattern: a JSON log line at level ERROR (which
	// log/slog's JSON handler writes for slog.Error), and Lambda's own
	// reports of a timeout, a runtime that exited or one out of memory.
	FailurePattern string
}

// DefaultFailurePattern matches the log events of a function's real
// failures in Lambda's JSON log format, which every kumo function uses
// (LoggingConfig LogFormat JSON):
//
//   - the function's lines at level ERROR, as log/slog's JSON handler
//     writes slog.Error;
//   - Lambda's report of an invocation, or an init, that timed out:
//     platform.report or platform.initReport with record.status "timeout"
//     (in the text format, "Task timed out after N seconds" and "Status:
//     timeout");
//   - Lambda's report of a runtime that exited or ran out of memory:
//     record.errorType Runtime.ExitError ("Runtime exited with error" in
//     the text format; a Go function killed for its memory reports it
//     too) or Runtime.OutOfMemory.
//
// The two error types are named, not matched as "Runtime.*": what Lambda
// writes as errorType for an error a Go handler returns (aws-lambda-go
// sends no Lambda-Runtime-Function-Error-Type header with it) is not
// documented, and a wildcard that caught it would count every refusal of
// an authorizer as a failure and roll each release back.
//
// The text-format lines cannot be matched as well: a filter pattern is
// either a JSON pattern or terms, and a JSON pattern skips events that are
// not JSON. Sources: the filter syntax, JSON patterns joined with ||
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html);
// the system log events (platform.initReport, platform.report) the JSON
// log format writes to the log group
// (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html)
// and their record, status (success, failure, error, timeout) and
// errorType (https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html).
const DefaultFailurePattern = `{ ($.level = "ERROR") || ($.record.status = "timeout") || ($.record.errorType = "Runtime.ExitError") || ($.record.errorType = "Runtime.OutOfMemory") }`

// Bounds of ExpectedErrors: a reason of a few words at least, and short
// enough for the alarm description (AlarmDescription is at most 1024
// characters, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html);
// PutMetricFilter's filterPattern is at most 1024
// (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html).
const (
	minExpectedErrorsReason = 10
	maxExpectedErrorsReason = 512
	maxFailurePatternLength = 1024
)

// withDefaults returns e with the default pattern filled in.
func (e ExpectedErrors) withDefaults() *ExpectedErrors {
	e.FailurePattern = orDefault(e.FailurePattern, DefaultFailurePattern)
	return &e
}

// validate reports every problem with e (defaults already applied).
func (e ExpectedErrors) validate() []error {
	var errs []error
	if n := len([]rune(strings.TrimSpace(e.Reason))); n < minExpectedErrorsReason || n > maxExpectedErrorsReason {
		errs = append(errs, fmt.Errorf("ExpectedErrors.Reason: %q is %d characters; say in %d–%d characters why the function's errors are expected outcomes", e.Reason, n, minExpectedErrorsReason, maxExpectedErrorsReason))
	}
	switch n := len([]rune(e.FailurePattern)); {
	case strings.TrimSpace(e.FailurePattern) == "":
		errs = append(errs, fmt.Errorf("ExpectedErrors.FailurePattern: %q is blank, which would match every log event; give a filter pattern matching only real failures, or leave it empty for %s", e.FailurePattern, DefaultFailurePattern))
	case n > maxFailurePatternLength:
		errs = append(errs, fmt.Errorf("ExpectedErrors.FailurePattern: %d characters; CloudWatch Logs allows at most %d", n, maxFailurePatternLength))
	}
	return errs
}

// Function is a Lambda function published as immutable versions and served
// through an alias. The alias is the only invocation target it hands out,
// so canary releases cover every caller.
type Function struct {
	pulumi.ResourceState

	// CodeDeployRole is the service role of the function's CodeDeploy
	// deployment group (nil without Releases).
	CodeDeployRole *iam.Role

	name string
	args FunctionArgs

	// Lambda is the underlying function, an escape hatch for settings kumo
	// does not model. Never point an event source at it: use the alias.
	Lambda *lambda.Function
	// Release owns the alias: a lambda.Alias, or with Releases the
	// kumo:index:Release resource that shifts it through CodeDeploy.
	Release pulumi.Resource
	// Role is the function's own execution role; grants extend it.
	Role *iam.Role
	// LogGroup receives the function's logs.
	LogGroup *cloudwatch.LogGroup
	// EventInvokeConfig sets the retries (and the dead-letter queue's
	// destination) of asynchronous invocations of the alias.
	EventInvokeConfig *lambda.FunctionEventInvokeConfig
	// DeadLetterQueue receives failed async events, or is nil.
	DeadLetterQueue *sqs.Queue

	// FunctionName is the physical name of the function.
	FunctionName pulumi.StringOutput
	// AliasArn is the ARN callers invoke.
	AliasArn pulumi.StringOutput
	// InvokeArn is the alias's API Gateway integration URI.
	InvokeArn pulumi.StringOutput

	ctx       *pulumi.Context
	codeSHA   string
	mu        sync.Mutex
	grants    map[string]bool
	policyRes []pulumi.Resource
}

// withDefaults merges the defaults under the caller's args.
func (a FunctionArgs) withDefaults() FunctionArgs {
	a.Root = orDefault(a.Root, ".")
	a.Runtime = orDefault(a.Runtime, DefaultRuntime)
	a.Handler = orDefault(a.Handler, DefaultHandler)
	a.Architecture = orDefault(a.Architecture, ArchARM64)
	a.MemoryMB = orDefault(a.MemoryMB, DefaultMemoryMB)
	a.TimeoutSeconds = orDefault(a.TimeoutSeconds, DefaultTimeoutSeconds)
	a.LogRetentionDays = orDefault(a.LogRetentionDays, DefaultLogRetentionDays)
	a.AliasName = orDefault(a.AliasName, DefaultAliasName)
	if a.AsyncRetryAttempts == nil {
		n := DefaultAsyncRetryAttempts
		a.AsyncRetryAttempts = &n
	}
	if a.ExpectedErrors != nil {
		a.ExpectedErrors = a.ExpectedErrors.withDefaults()
	}
	return a
}

// validate reports every problem with args (defaults already applied).
func (a FunctionArgs) validate() *multierror.Error {
	var errs *multierror.Error
	switch {
	case a.GoPackage == "" && a.Code == nil:
		errs = multierror.Append(errs, fmt.Errorf("GoPackage: empty; set the Go main package of the handler (or Code for a prebuilt package)"))
	case a.GoPackage != "" && a.Code != nil:
		errs = multierror.Append(errs, fmt.Errorf("GoPackage %q and Code are both set; set exactly one", a.GoPackage))
	case a.Code != nil && a.CodeSHA256 == "":
		errs = multierror.Append(errs, fmt.Errorf("CodeSHA256: empty; a prebuilt Code needs its base64 SHA-256 so code changes show in previews"))
	}
	// An unsupported architecture is reported once, below.
	if a.GoPackage != "" && (a.Architecture == ArchARM64 || a.Architecture == ArchX86_64) {
		if err := (bundle.Spec{Root: a.Root, Package: a.GoPackage, Arch: string(a.Architecture)}).Validate(); err != nil {
			if merr, ok := err.(*multierror.Error); ok {
				for _, e := range merr.Errors {
					errs = multierror.Append(errs, fmt.Errorf("GoPackage: %w", e))
				}
			} else {
				errs = multierror.Append(errs, fmt.Errorf("GoPackage: %w", err))
			}
		}
	}
	if a.Architecture != ArchARM64 && a.Architecture != ArchX86_64 {
		errs = multierror.Append(errs, fmt.Errorf("Architecture: %q is not supported; use %q or %q", a.Architecture, ArchARM64, ArchX86_64))
	}
	if a.MemoryMB < MinMemoryMB || a.MemoryMB > MaxMemoryMB {
		errs = multierror.Append(errs, fmt.Errorf("MemoryMB: %d is outside %d–%d", a.MemoryMB, MinMemoryMB, MaxMemoryMB))
	}
	if a.TimeoutSeconds < 1 || a.TimeoutSeconds > MaxTimeoutSeconds {
		errs = multierror.Append(errs, fmt.Errorf("TimeoutSeconds: %d is outside 1–%d", a.TimeoutSeconds, MaxTimeoutSeconds))
	}
	if err := validateLogRetention("LogRetentionDays", a.LogRetentionDays); err != nil {
		errs = multierror.Append(errs, err)
	}
	if a.ReservedConcurrency != nil && *a.ReservedConcurrency < 0 {
		errs = multierror.Append(errs, fmt.Errorf("ReservedConcurrency: %d is negative; use 0 to stop all invocations or nil for unreserved", *a.ReservedConcurrency))
	}
	if a.DeploymentPreference != "" {
		if err := a.DeploymentPreference.Validate(); err != nil {
			errs = multierror.Append(errs, fmt.Errorf("DeploymentPreference: %w", err))
		}
	}
	if a.Releases == nil {
		for _, c := range []struct {
			field string
			set   bool
		}{{"DeploymentPreference", a.DeploymentPreference != ""}, {"Alarms", len(a.Alarms) > 0},
			{"DurationP99AlarmMs", a.DurationP99AlarmMs != 0}, {"PreTrafficHook", a.PreTrafficHook != nil},
			{"PostTrafficHook", a.PostTrafficHook != nil}, {"ReleaseWaitTimeoutSeconds", a.ReleaseWaitTimeoutSeconds != 0},
			{"AlarmTopic", a.AlarmTopic != nil}} {
			if c.set {
				errs = multierror.Append(errs, fmt.Errorf("%s: set without Releases; canary settings need the stack's Releases (CodeDeploy)", c.field))
			}
		}
		if a.ExpectedErrors != nil {
			errs = multierror.Append(errs, fmt.Errorf("ExpectedErrors: set without Releases; it only changes which alarm rolls a release back, and without Releases there is no release to roll back: set Releases or remove ExpectedErrors"))
		}
	}
	if a.ExpectedErrors != nil {
		for _, err := range a.ExpectedErrors.validate() {
			errs = multierror.Append(errs, err)
		}
	}
	if a.AlarmTopic != nil && !a.AlarmTopic.allowsPublisher(cloudWatchPrincipal) {
		errs = multierror.Append(errs, fmt.Errorf("AlarmTopic: topic %q does not let %s publish, so alarm notifications would be refused; add it to the topic's Publishers", a.AlarmTopic.name, cloudWatchPrincipal))
	}
	if a.DurationP99AlarmMs < 0 {
		errs = multierror.Append(errs, fmt.Errorf("DurationP99AlarmMs: %d must not be negative", a.DurationP99AlarmMs))
	}
	if a.ReleaseWaitTimeoutSeconds < 0 || a.ReleaseWaitTimeoutSeconds > 86400 {
		errs = multierror.Append(errs, fmt.Errorf("ReleaseWaitTimeoutSeconds: %d is outside 0–86400", a.ReleaseWaitTimeoutSeconds))
	}
	for i, n := range a.Alarms {
		if n == "" || len(n) > 255 {
			errs = multierror.Append(errs, fmt.Errorf("Alarms[%d]: %q must be a CloudWatch alarm name of 1–255 characters", i, n))
		}
	}
	if n := *a.AsyncRetryAttempts; n < 0 || n > 2 {
		errs = multierror.Append(errs, fmt.Errorf("AsyncRetryAttempts: %d is outside 0–2", n))
	}
	if !validAliasName(a.AliasName) {
		errs = multierror.Append(errs, fmt.Errorf("AliasName: %q must be 1–128 letters, digits, '-' or '_' and not only digits", a.AliasName))
	}
	for _, k := range slices.Sorted(maps.Keys(a.Environment)) {
		if !validEnvName(k) {
			errs = multierror.Append(errs, fmt.Errorf("Environment: key %q must start with a letter and hold only letters, digits and '_'", k))
		} else if slices.Contains(reservedEnv, k) {
			errs = multierror.Append(errs, fmt.Errorf("Environment: key %q is reserved by the Lambda runtime; choose another name", k))
		}
	}
	if a.VPC != nil {
		for _, err := range a.VPC.validate() {
			errs = multierror.Append(errs, err)
		}
	}
	return errs
}

// FunctionVPC puts a Function in a VPC.
type FunctionVPC struct {
	// SubnetIds are the subnets the function's network interfaces go in,
	// 1–16, in two or more Availability Zones for availability. Required.
	SubnetIds []string
	// SecurityGroupIds are the interfaces' security groups, 1–5. Required:
	// Lambda names no default.
	SecurityGroupIds []string
}

// Lambda's VpcConfig limits: at most 16 subnets and 5 security groups
// (https://docs.aws.amazon.com/lambda/latest/api/API_VpcConfig.html), and
// EC2's ID formats.
var (
	subnetID        = lazyRegexp(`^subnet-[0-9a-f]{8}([0-9a-f]{9})?$`)
	securityGroupID = lazyRegexp(`^sg-[0-9a-f]{8}([0-9a-f]{9})?$`)
)

func (v FunctionVPC) validate() []error {
	var errs []error
	if n := len(v.SubnetIds); n < 1 || n > 16 {
		errs = append(errs, fmt.Errorf("VPC.SubnetIds: %d subnets; give 1–16 (two or more Availability Zones for availability)", n))
	}
	if n := len(v.SecurityGroupIds); n < 1 || n > 5 {
		errs = append(errs, fmt.Errorf("VPC.SecurityGroupIds: %d security groups; give 1–5", n))
	}
	for _, id := range v.SubnetIds {
		if !subnetID().MatchString(id) {
			errs = append(errs, fmt.Errorf("VPC.SubnetIds: %q is not a subnet ID (subnet-0123abcd…)", id))
		}
	}
	for _, id := range v.SecurityGroupIds {
		if !securityGroupID().MatchString(id) {
			errs = append(errs, fmt.Errorf("VPC.SecurityGroupIds: %q is not a security group ID (sg-0123abcd…)", id))
		}
	}
	return errs
}

// NewFunction registers a function, its role, log group, optional dead-letter
// queue, and the alias it is served through.
func NewFunction(ctx *pulumi.Context, name string, args *FunctionArgs, opts ...pulumi.ResourceOption) (*Function, error) {
	if args == nil {
		args = &FunctionArgs{}
	}
	a := args.withDefaults()
	if err := invalid(fmt.Sprintf("function %q", name), a.validate()); err != nil {
		return nil, err
	}
	code, codeSHA, err := a.code(ctx)
	if err != nil {
		return nil, fmt.Errorf("function %q: %w", name, err)
	}

	f := &Function{name: name, args: a, ctx: ctx, codeSHA: codeSHA, grants: map[string]bool{}}
	var rel releaser = publishedAlias{}
	if a.Releases != nil {
		rel = canaryRelease{}
	}
	if err := ctx.RegisterComponentResource("kumo:constructs:Function", name, f, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(f)

	f.LogGroup, err = cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.Sprintf("/aws/lambda/%s-", name),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}, parent)
	if err != nil {
		return nil, err
	}
	f.Role, err = iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.Sprintf("Execution role of kumo function %s; permissions come only from grants.", name),
		AssumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"),
	}, parent)
	if err != nil {
		return nil, err
	}
	if err := f.addToRolePolicy("logs", Statement{
		Sid:            "WriteOwnLogGroup",
		Actions:        []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resources:      []pulumi.StringInput{suffix(":*", f.LogGroup.Arn)},
		WildcardReason: "the log streams of the function's own log group, which Lambda creates and names per execution environment",
	}, Statement{
		// X-Ray offers no resource-level permissions for sending traces,
		// so "*" is the narrowest scope AWS allows here.
		Sid:            "SendTraces",
		Actions:        []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
		Resources:      []pulumi.StringInput{pulumi.String("*")},
		WildcardReason: "xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions (X-Ray's service authorization reference), so * is the narrowest scope AWS allows",
	}); err != nil {
		return nil, err
	}

	fnArgs := &lambda.FunctionArgs{
		Description:   pulumi.String(a.Description),
		Runtime:       pulumi.String(a.Runtime),
		Handler:       pulumi.String(a.Handler),
		Architectures: pulumi.StringArray{pulumi.String(string(a.Architecture))},
		Code:          code,
		// Lambda publishes on code changes only; with Releases, the release
		// resource publishes on every change, configuration included.
		Publish: pulumi.Bool(rel.publishes()),
		// Setting the hash makes code changes visible in previews and keeps
		// unchanged code from showing as a diff.
		SourceCodeHash: pulumi.String(codeSHA),
		MemorySize:     pulumi.Int(a.MemoryMB),
		Tags:           f.tags(ctx),
		Timeout:        pulumi.Int(a.TimeoutSeconds),
		Role:           f.Role.Arn,
		TracingConfig:  &lambda.FunctionTracingConfigArgs{Mode: pulumi.String("Active")},
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{
			LogFormat: pulumi.String("JSON"),
			LogGroup:  f.LogGroup.Name,
		},
	}
	if len(a.Environment) > 0 {
		fnArgs.Environment = &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap(a.Environment)}
	}
	if a.ReservedConcurrency != nil {
		fnArgs.ReservedConcurrentExecutions = pulumi.Int(*a.ReservedConcurrency)
	}
	if a.DeadLetterQueue {
		f.DeadLetterQueue, err = sqs.NewQueue(ctx, name+"-dlq", &sqs.QueueArgs{
			SqsManagedSseEnabled:    pulumi.Bool(true),
			MessageRetentionSeconds: pulumi.Int(DefaultDeadLetterRetentionSeconds),
		}, parent)
		if err != nil {
			return nil, err
		}
		if err := queueTLSOnly(ctx, name+"-dlq", f.DeadLetterQueue, parent); err != nil {
			return nil, err
		}
		if err := f.addToRolePolicy("dlq", Statement{
			Sid:       "SendToDeadLetterQueue",
			Actions:   []string{"sqs:SendMessage"},
			Resources: []pulumi.StringInput{f.DeadLetterQueue.Arn},
		}); err != nil {
			return nil, err
		}
		fnArgs.DeadLetterConfig = &lambda.FunctionDeadLetterConfigArgs{TargetArn: f.DeadLetterQueue.Arn}
	}
	if a.VPC != nil {
		// Lambda creates the function's network interfaces with its role,
		// and CreateFunction checks the role may: "The provided execution
		// role does not have permissions to call CreateNetworkInterface on
		// EC2" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html),
		// the actions of AWSLambdaVPCAccessExecutionRole.
		if err := f.addToRolePolicy("vpc", Statement{
			Sid: "ManageVpcInterfaces",
			Actions: []string{"ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
				"ec2:DescribeNetworkInterfaces", "ec2:UnassignPrivateIpAddresses"},
			Resources:      []pulumi.StringInput{pulumi.String("*")},
			WildcardReason: "the network interfaces Lambda creates for the function, whose IDs EC2 assigns; ec2:DescribeNetworkInterfaces supports no resource-level permissions",
		}); err != nil {
			return nil, err
		}
		fnArgs.VpcConfig = &lambda.FunctionVpcConfigArgs{
			SubnetIds:        pulumi.ToStringArray(a.VPC.SubnetIds),
			SecurityGroupIds: pulumi.ToStringArray(a.VPC.SecurityGroupIds),
		}
	}
	// The role's policies must exist before Lambda validates the role
	// (logs, DLQ access, VPC interfaces), so the function depends on them
	// explicitly.
	f.Lambda, err = lambda.NewFunction(ctx, name, fnArgs, parent, pulumi.DependsOn(f.policies()))
	if err != nil {
		return nil, err
	}
	f.FunctionName = f.Lambda.Name

	if f.AliasArn, f.Release, err = rel.release(ctx, f); err != nil {
		return nil, err
	}
	f.InvokeArn = aliasInvokeArn(f.AliasArn)

	if f.EventInvokeConfig, err = lambda.NewFunctionEventInvokeConfig(ctx, name, &lambda.FunctionEventInvokeConfigArgs{
		FunctionName:         f.FunctionName,
		Qualifier:            pulumi.String(a.AliasName),
		MaximumRetryAttempts: pulumi.Int(*a.AsyncRetryAttempts),
	}, parent, pulumi.DependsOn([]pulumi.Resource{f.Release})); err != nil {
		return nil, err
	}
	if f.DeadLetterQueue != nil {
		if err := check.Suppress(ctx, f.EventInvokeConfig, check.Suppression{Rule: "Serverless-LambdaAsyncFailureDestination",
			Reason: "failed asynchronous invocations go to the function's dead-letter queue (deadLetterConfig), which keeps them 14 days"}); err != nil {
			return nil, err
		}
	}

	if err := ctx.RegisterResourceOutputs(f, pulumi.Map{
		"functionName": f.FunctionName,
		"aliasArn":     f.AliasArn,
		"roleArn":      f.Role.Arn,
		"logGroup":     f.LogGroup.Name,
	}); err != nil {
		return nil, err
	}
	return f, nil
}

// TimeoutSeconds is the function's effective timeout, for constructs that
// front it and have limits of their own.
func (f *Function) TimeoutSeconds() int { return f.args.TimeoutSeconds }

// code returns the deployment package and its base64 SHA-256.
func (a FunctionArgs) code(ctx *pulumi.Context) (pulumi.Archive, string, error) {
	if a.Code != nil {
		return a.Code, a.CodeSHA256, nil
	}
	b, err := bundle.Build(ctx.Context(), bundle.Spec{Root: a.Root, Package: a.GoPackage, Arch: string(a.Architecture)})
	if err != nil {
		return nil, "", err
	}
	// Relative to Root, so the path recorded in state is the same on every
	// machine that deploys from the project directory.
	return pulumi.NewFileArchive(filepath.Join(a.Root, filepath.FromSlash(b.RelPath))), b.CodeSHA256, nil
}

// addToRolePolicy implements Grantee: one inline policy per grant, named
// after it, so each widening of the role is its own line in a preview.
func (f *Function) addToRolePolicy(grant string, statements ...Statement) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.grants[grant] {
		return nil
	}
	rp, err := iam.NewRolePolicy(f.ctx, f.name+"-"+grant, &iam.RolePolicyArgs{
		Role:   f.Role.ID(),
		Policy: policyJSON(statements...),
	}, pulumi.Parent(f))
	if err != nil {
		return err
	}
	f.grants[grant] = true
	f.policyRes = append(f.policyRes, rp)
	return justifyWildcards(f.ctx, rp, statements)
}

// tags are on every function (kumo canary status finds a stack's functions
// by them) and its deployment group.
func (f *Function) tags(ctx *pulumi.Context) pulumi.StringMap {
	return pulumi.StringMap{
		"kumo:project":  pulumi.String(ctx.Project()),
		"kumo:stack":    pulumi.String(ctx.Stack()),
		"kumo:function": pulumi.String(f.name),
		"kumo:alias":    pulumi.String(f.args.AliasName),
	}
}

// policies returns the inline policies attached so far.
func (f *Function) policies() []pulumi.Resource {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]pulumi.Resource(nil), f.policyRes...)
}

// allowInvoke lets an AWS service invoke the alias (never the bare function)
// from the given source ARN.
func (f *Function) allowInvoke(name, principal string, sourceArn pulumi.StringInput, opts ...pulumi.ResourceOption) (*lambda.Permission, error) {
	return lambda.NewPermission(f.ctx, statementName(name), &lambda.PermissionArgs{
		Action:    pulumi.String("lambda:InvokeFunction"),
		Function:  f.FunctionName,
		Qualifier: pulumi.String(f.args.AliasName),
		Principal: pulumi.String(principal),
		SourceArn: sourceArn,
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{f.Release}))...)
}

// maxStatementName leaves room in AddPermission's 100-character StatementId
// for the provider's autoname suffix ("-" and 7 random characters).
const maxStatementName = 100 - 8

var (
	statementUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)
	dashes          = regexp.MustCompile(`-{2,}`)
)

// statementName turns a resource name into one the AWS provider can
// autoname a Lambda permission's StatementId from: AddPermission accepts
// only [A-Za-z0-9_-]{1,100}, and the provider derives the ID from the
// resource name. Names that already fit are kept; others have each run of
// other characters replaced by "-" and get a hash of the original, so that
// routes such as /items/{id} and /items/id stay distinct.
// https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html
func statementName(name string) string {
	if !statementUnsafe.MatchString(name) && len(name) <= maxStatementName {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	tag := "-" + hex.EncodeToString(sum[:4])
	safe := strings.Trim(dashes.ReplaceAllString(statementUnsafe.ReplaceAllString(name, "-"), "-"), "-")
	if len(safe) > maxStatementName-len(tag) {
		safe = safe[:maxStatementName-len(tag)]
	}
	return safe + tag
}

func validAliasName(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	digits := true
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-', r == '_':
			digits = false
		default:
			return false
		}
	}
	return !digits
}

// reservedEnv are the variables Lambda sets itself and refuses in config.
var reservedEnv = []string{"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_LAMBDA_RUNTIME_API", "AWS_REGION", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"LAMBDA_RUNTIME_DIR", "LAMBDA_TASK_ROOT"}

func validEnvName(s string) bool {
	for i, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if i == 0 && !letter || !letter && r != '_' && !(r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a FunctionArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("function %q", name), a.withDefaults().validate())
}
