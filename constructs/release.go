package constructs

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/codedeploy"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/awsclient"
	"github.com/kumo-iac/kumo/internal/rollout"
)

// ReleaseType is the token of the resource kumo's provider plugin
// (cmd/pulumi-resource-kumo) implements: it publishes versions and moves the
// alias, through CodeDeploy, inside `pulumi up`.
const ReleaseType = "kumo:index:Release"

// releaser is the one seam between a function and how its alias moves to a
// new version. Everything that hands out the alias goes through it.
type releaser interface {
	// release returns the alias ARN callers invoke and the resource that
	// owns the alias, which anything qualified by the alias must wait for.
	release(ctx *pulumi.Context, f *Function) (aliasArn pulumi.StringOutput, owner pulumi.Resource, err error)
	// publishes reports whether Lambda should publish versions itself.
	publishes() bool
}

// publishedAlias points the alias straight at the newest version Lambda
// publishes: used when a function has no Releases (no CodeDeploy).
type publishedAlias struct{}

func (publishedAlias) publishes() bool { return true }

func (publishedAlias) release(ctx *pulumi.Context, f *Function) (pulumi.StringOutput, pulumi.Resource, error) {
	alias, err := lambda.NewAlias(ctx, f.name, &lambda.AliasArgs{
		Name:            pulumi.String(f.args.AliasName),
		Description:     pulumi.Sprintf("Traffic alias of kumo function %s.", f.name),
		FunctionName:    f.Lambda.Name,
		FunctionVersion: f.Lambda.Version,
	}, pulumi.Parent(f))
	if err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	return alias.Arn, alias, nil
}

// canaryRelease hands versions and the alias to a kumo:index:Release
// resource that deploys each new version through CodeDeploy, with alarms
// on the alias that roll a bad version back.
type canaryRelease struct{}

func (canaryRelease) publishes() bool { return false }

// releaseResource is the Go view of kumo:index:Release's outputs.
type releaseResource struct {
	pulumi.CustomResourceState

	Version          pulumi.StringOutput `pulumi:"version"`
	PublishedVersion pulumi.StringOutput `pulumi:"publishedVersion"`
	AliasArn         pulumi.StringOutput `pulumi:"aliasArn"`
}

func (canaryRelease) release(ctx *pulumi.Context, f *Function) (pulumi.StringOutput, pulumi.Resource, error) {
	a, r := f.args, f.args.Releases
	parent := pulumi.Parent(f)
	preference := orDefault(a.DeploymentPreference, r.args.DefaultPreference)
	configName, err := r.configName(preference)
	if err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	alarms, err := f.alarms(ctx)
	if err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	alarmNames := pulumi.StringArray{}
	for _, al := range alarms {
		alarmNames = append(alarmNames, al.Name)
	}
	for _, n := range a.Alarms {
		alarmNames = append(alarmNames, pulumi.String(n))
	}
	// Each deployment group has a CodeDeploy service role of its own: a role
	// shared by every function of a stack would hold one inline policy per
	// function, and IAM caps a role's inline policies at 10,240 characters
	// together (about 19 functions).
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
	f.CodeDeployRole, err = iam.NewRole(ctx, f.name+"-codedeploy", &iam.RoleArgs{
		Description:      pulumi.Sprintf("CodeDeploy service role of kumo function %s's deployment group; it may shift only this function's alias.", f.name),
		AssumeRolePolicy: assumeRolePolicy("codedeploy.amazonaws.com"),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	group, err := codedeploy.NewDeploymentGroup(ctx, f.name, &codedeploy.DeploymentGroupArgs{
		AppName:              r.Application.Name,
		DeploymentGroupName:  pulumi.String(f.name),
		ServiceRoleArn:       f.CodeDeployRole.Arn,
		DeploymentConfigName: configName,
		DeploymentStyle: &codedeploy.DeploymentGroupDeploymentStyleArgs{
			DeploymentType:   pulumi.String("BLUE_GREEN"),
			DeploymentOption: pulumi.String("WITH_TRAFFIC_CONTROL"),
		},
		AutoRollbackConfiguration: &codedeploy.DeploymentGroupAutoRollbackConfigurationArgs{
			Enabled: pulumi.Bool(true),
			Events:  pulumi.ToStringArray([]string{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"}),
		},
		AlarmConfiguration: &codedeploy.DeploymentGroupAlarmConfigurationArgs{Enabled: pulumi.Bool(true), Alarms: alarmNames},
		Tags:               f.tags(ctx),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, nil, err
	}

	// CodeDeploy may shift only this function's alias, read its alarms and
	// invoke its hooks' aliases; nothing else.
	functionArn := f.Lambda.Arn
	codeDeployStatements := []Statement{{
		Sid:            "ShiftAlias",
		Actions:        []string{"lambda:GetAlias", "lambda:GetProvisionedConcurrencyConfig", "lambda:UpdateAlias"},
		Resources:      []pulumi.StringInput{functionArn, suffix(":*", functionArn)},
		WildcardReason: "the versions and aliases of this one function: CodeDeploy points the alias at each new version",
	}, {
		Sid:            "ReadAlarms",
		Actions:        []string{"cloudwatch:DescribeAlarms"},
		Resources:      alarmArns(r.region(), alarmNames),
		WildcardReason: "the function's own rollback alarms, each named exactly; only the account is *, as the role is defined before the account is known, and alarm names carry the project and stack",
	}}
	var hooks []pulumi.StringInput
	for _, h := range []*Function{a.PreTrafficHook, a.PostTrafficHook} {
		if h != nil {
			hooks = append(hooks, h.AliasArn)
		}
	}
	if len(hooks) > 0 {
		codeDeployStatements = append(codeDeployStatements, Statement{Sid: "InvokeHooks", Actions: []string{"lambda:InvokeFunction"}, Resources: hooks})
	}
	policy, err := iam.NewRolePolicy(ctx, f.name+"-codedeploy", &iam.RolePolicyArgs{
		Role:   f.CodeDeployRole.ID(),
		Policy: policyJSON(codeDeployStatements...),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	if err := justifyWildcards(ctx, policy, codeDeployStatements); err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	for _, h := range []*Function{a.PreTrafficHook, a.PostTrafficHook} {
		if h == nil {
			continue
		}
		if err := grantHook(h, f, group, r); err != nil {
			return pulumi.StringOutput{}, nil, err
		}
	}

	inputs := pulumi.Map{
		"functionName":         f.Lambda.Name,
		"aliasName":            pulumi.String(a.AliasName),
		"fingerprint":          f.fingerprint(),
		"deploymentConfigName": configName,
		"applicationName":      r.Application.Name,
		"deploymentGroupName":  group.DeploymentGroupName,
		"region":               pulumi.String(r.region()),
	}
	if a.PreTrafficHook != nil {
		inputs["preTrafficHook"] = a.PreTrafficHook.AliasArn
	}
	if a.PostTrafficHook != nil {
		inputs["postTrafficHook"] = a.PostTrafficHook.AliasArn
	}
	if a.ReleaseWaitTimeoutSeconds > 0 {
		inputs["waitTimeoutSeconds"] = pulumi.Int(a.ReleaseWaitTimeoutSeconds)
	}
	if r.aws != nil {
		inputs["aws"] = r.aws
	}
	// A hook's grants (the policy grantHook just added, and any other it
	// has) must exist before CodeDeploy calls it, or the first deployment
	// with a new hook fails with AccessDenied and rolls back.
	deps := []pulumi.Resource{group, policy}
	for _, h := range []*Function{a.PreTrafficHook, a.PostTrafficHook} {
		if h != nil {
			deps = append(deps, h.policies()...)
		}
	}
	var rel releaseResource
	if err := ctx.RegisterResource(ReleaseType, f.name, inputs, &rel, parent, pulumi.DependsOn(deps)); err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	return rel.AliasArn, &rel, nil
}

// alarms creates the alarms every canary watches on the alias: any error,
// any throttle, and optionally a p99 duration threshold, over 1 minute.
// With ExpectedErrors, a failures alarm on the function's logged failures
// takes the errors alarm's place.
func (f *Function) alarms(ctx *pulumi.Context) ([]*cloudwatch.MetricAlarm, error) {
	type spec struct {
		suffix, metric, stat, extended string
		threshold                      float64
		desc                           string
		// namespace and dimensions are the metric's, AWS/Lambda on the
		// alias unless set.
		namespace  pulumi.StringInput
		dimensions pulumi.StringMapInput
		deps       []pulumi.Resource
	}
	var specs []spec
	if e := f.args.ExpectedErrors; e != nil {
		filter, err := f.failureMetric(ctx)
		if err != nil {
			return nil, err
		}
		specs = append(specs, spec{suffix: "failures", metric: failureMetricName(f.name), stat: "Sum",
			desc:      "Any logged failure of the function rolls a deployment back. Its Errors metric is not watched: " + strings.TrimSpace(e.Reason),
			namespace: pulumi.String(failureNamespace(ctx)), deps: []pulumi.Resource{filter}})
	} else {
		specs = append(specs, spec{suffix: "errors", metric: "Errors", stat: "Sum", desc: "Any invocation error on the live alias rolls a deployment back."})
	}
	specs = append(specs, spec{suffix: "throttles", metric: "Throttles", stat: "Sum", desc: "Any throttled invocation on the live alias rolls a deployment back."})
	if ms := f.args.DurationP99AlarmMs; ms > 0 {
		specs = append(specs, spec{suffix: "duration-p99", metric: "Duration", extended: "p99", threshold: float64(ms),
			desc: fmt.Sprintf("p99 duration above %d ms on the live alias rolls a deployment back.", ms)})
	}
	var out []*cloudwatch.MetricAlarm
	for _, s := range specs {
		namespace, dimensions := s.namespace, s.dimensions
		if namespace == nil {
			namespace = pulumi.String("AWS/Lambda")
			dimensions = pulumi.StringMap{"FunctionName": f.Lambda.Name, "Resource": pulumi.Sprintf("%s:%s", f.Lambda.Name, f.args.AliasName)}
		}
		args := &cloudwatch.MetricAlarmArgs{
			Name:               pulumi.Sprintf("%s-%s-%s-%s", ctx.Project(), ctx.Stack(), f.name, s.suffix),
			AlarmDescription:   pulumi.String(s.desc),
			Namespace:          namespace,
			MetricName:         pulumi.String(s.metric),
			Dimensions:         dimensions,
			Period:             pulumi.Int(60),
			EvaluationPeriods:  pulumi.Int(1),
			Threshold:          pulumi.Float64(s.threshold),
			ComparisonOperator: pulumi.String("GreaterThanThreshold"),
			TreatMissingData:   pulumi.String("notBreaching"),
		}
		if s.extended != "" {
			args.ExtendedStatistic = pulumi.String(s.extended)
		} else {
			args.Statistic = pulumi.String(s.stat)
		}
		opts := []pulumi.ResourceOption{pulumi.Parent(f)}
		deps := s.deps
		if t := f.args.AlarmTopic; t != nil {
			args.AlarmActions = pulumi.Array{t.Arn}
			args.OkActions = pulumi.Array{t.Arn}
			// CloudWatch must be allowed to publish before an alarm fires.
			deps = append(slices.Clip(deps), t.Policy)
		}
		if len(deps) > 0 {
			opts = append(opts, pulumi.DependsOn(deps))
		}
		al, err := cloudwatch.NewMetricAlarm(ctx, f.name+"-"+s.suffix, args, opts...)
		if err != nil {
			return nil, err
		}
		out = append(out, al)
	}
	return out, nil
}

// failureMetric counts the function's logged failures (log events matching
// ExpectedErrors.FailurePattern) in a custom metric. The filter reads the
// whole log group, so a failure of the old version during a canary counts
// too: Lambda's JSON log lines do not carry the version, and a dimension
// would rule out the default value below.
func (f *Function) failureMetric(ctx *pulumi.Context) (*cloudwatch.LogMetricFilter, error) {
	return cloudwatch.NewLogMetricFilter(ctx, f.name+"-failures", &cloudwatch.LogMetricFilterArgs{
		LogGroupName: f.LogGroup.Name,
		Pattern:      pulumi.String(f.args.ExpectedErrors.FailurePattern),
		MetricTransformation: &cloudwatch.LogMetricFilterMetricTransformationArgs{
			Name:      pulumi.String(failureMetricName(f.name)),
			Namespace: pulumi.String(failureNamespace(ctx)),
			Value:     pulumi.String("1"),
			// 0 for every log event that is no failure, so the metric
			// exists, and reads 0 rather than missing, while the function
			// runs without failing.
			DefaultValue: pulumi.String("0"),
		},
	}, pulumi.Parent(f))
}

// failureNamespace is the CloudWatch namespace of a stack's failure
// metrics; failureMetricName a function's metric in it.
func failureNamespace(ctx *pulumi.Context) string {
	return fmt.Sprintf("kumo/%s/%s", ctx.Project(), ctx.Stack())
}

func failureMetricName(fn string) string { return fn + "-failures" }

// grantHook lets a hook read the deployment it is called for, report its
// result, and invoke the versions of the function under test.
func grantHook(hook, target *Function, group *codedeploy.DeploymentGroup, r *Releases) error {
	return hook.addToRolePolicy("hook-"+target.name, Statement{
		Sid:       "ReadDeployment",
		Actions:   []string{"codedeploy:GetDeployment", "codedeploy:PutLifecycleEventHookExecutionStatus"},
		Resources: []pulumi.StringInput{group.Arn},
	}, Statement{
		Sid:       "ReadRevision",
		Actions:   []string{"codedeploy:GetApplicationRevision"},
		Resources: []pulumi.StringInput{r.Application.Arn},
	}, Statement{
		Sid:            "InvokeVersionUnderTest",
		Actions:        []string{"lambda:InvokeFunction"},
		Resources:      []pulumi.StringInput{suffix(":*", target.Lambda.Arn)},
		WildcardReason: "the versions of the one function under test: each deployment publishes a new version the hook must invoke",
	})
}

// fingerprint hashes the code and every setting that is part of a Lambda
// version, so a configuration-only change publishes a new version too.
func (f *Function) fingerprint() pulumi.StringOutput {
	a := f.args
	var dlq pulumi.StringInput = pulumi.String("")
	if f.DeadLetterQueue != nil {
		dlq = f.DeadLetterQueue.Arn
	}
	env := pulumi.StringMap(a.Environment)
	return pulumi.All(f.codeSHA, f.Role.Arn, f.LogGroup.Name, env, dlq).ApplyT(func(v []any) (string, error) {
		envJSON, err := json.Marshal(v[3]) // map keys are sorted
		if err != nil {
			return "", err
		}
		parts := map[string]string{
			"code": v[0].(string), "role": v[1].(string), "logGroup": v[2].(string), "environment": string(envJSON),
			"deadLetterTarget": v[4].(string), "runtime": a.Runtime, "handler": a.Handler,
			"architectures": string(a.Architecture), "memorySize": fmt.Sprint(a.MemoryMB),
			"timeout": fmt.Sprint(a.TimeoutSeconds), "tracing": "Active", "logFormat": "JSON",
			"description": a.Description,
		}
		// The VPC is part of a version's configuration too. It is added only
		// when set, so the fingerprints of functions outside a VPC stay
		// what they were and upgrading kumo republishes nothing. Lambda
		// treats subnets and security groups as sets: sorted, so reordering
		// them is no change.
		if a.VPC != nil {
			vpc, err := json.Marshal(map[string][]string{"subnetIds": sortedCopy(a.VPC.SubnetIds), "securityGroupIds": sortedCopy(a.VPC.SecurityGroupIds)})
			if err != nil {
				return "", err
			}
			parts["vpc"] = string(vpc)
		}
		return rollout.Fingerprint(parts), nil
	}).(pulumi.StringOutput)
}

// alarmArns turns alarm names into ARNs in the releases' region and any
// account.
func alarmArns(region string, names pulumi.StringArray) []pulumi.StringInput {
	out := make([]pulumi.StringInput, len(names))
	for i, n := range names {
		out[i] = pulumi.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", region, accountOf(nil), n)
	}
	return out
}

// region is the stack's AWS region (aws:region).
func region(ctx *pulumi.Context) string {
	r, _ := ctx.GetConfig("aws:region")
	return r
}

// stackAWSSettings reads the stack's AWS provider settings that decide where
// and as whom a release calls AWS — aws:profile, aws:assumeRole,
// aws:endpoints, the static keys and the rest awsclient.FromStackConfig
// lists, in pulumi-aws v6's shapes — and renders them as the Release's aws
// input, so the release acts in the account the stack's resources are in.
// They travel as an input because the engine configures a provider plugin
// only with its own namespace's config (kumo:), never aws: (Target.
// GetPackageConfig in pulumi/pkg/v3 resource/deploy/target.go skips every
// key of another namespace). Credentials, and
// whatever comes from a secret config key, are secret inputs, so they are
// encrypted in the state and shown as [secret]. It returns nil when the
// stack sets no such key, so the Release's inputs stay as they were.
func stackAWSSettings(ctx *pulumi.Context) (pulumi.Input, error) {
	settings, secrets, errs := awsclient.FromStackConfig(ctx.GetConfig, ctx.IsConfigSecret)
	var merr *multierror.Error
	for _, err := range errs {
		merr = multierror.Append(merr, err)
	}
	for _, p := range settings.Validate() {
		top, _, _ := strings.Cut(p.Path, ".")
		top, _, _ = strings.Cut(top, "[")
		// A secret key's value is not known offline (kumo synth sees a
		// placeholder); the provider's Check validates it at deploy time.
		if ctx.IsConfigSecret("aws:" + top) {
			continue
		}
		merr = multierror.Append(merr, fmt.Errorf("aws:%s: %s", p.Path, p.Message()))
	}
	if err := merr.ErrorOrNil(); err != nil {
		return nil, err
	}
	props := settings.Properties()
	if len(props) == 0 {
		return nil, nil
	}
	in := pulumi.Map{}
	for k, v := range props {
		in[k] = toInput(v)
		if slices.Contains(secrets, k) {
			in[k] = pulumi.ToSecret(in[k])
		}
	}
	return in, nil
}

// toInput turns a value of Settings.Properties into a Pulumi input.
func toInput(v any) pulumi.Input {
	switch v := v.(type) {
	case string:
		return pulumi.String(v)
	case bool:
		return pulumi.Bool(v)
	case []string:
		return pulumi.ToStringArray(v)
	case map[string]string:
		return pulumi.ToStringMap(v)
	case map[string]any:
		m := pulumi.Map{}
		for k, e := range v {
			m[k] = toInput(e)
		}
		return m
	}
	panic(fmt.Sprintf("constructs: no Pulumi input for a setting of type %T", v))
}

// accountOf is "*": the account is not known before deployment and alarm
// names already carry project and stack, so the region and name scope the
// statement.
func accountOf(*pulumi.Context) string { return "*" }

// aliasInvokeArn is API Gateway's integration URI for an alias ARN.
func aliasInvokeArn(aliasArn pulumi.StringOutput) pulumi.StringOutput {
	return aliasArn.ApplyT(func(arn string) string {
		parts := strings.SplitN(arn, ":", 5) // arn:aws:lambda:<region>:...
		r := ""
		if len(parts) == 5 {
			r = parts[3]
		}
		return fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", r, arn)
	}).(pulumi.StringOutput)
}

// sortedCopy returns s sorted, leaving s as the caller gave it.
func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
