package lake

import (
	"cmp"
	"fmt"
	"net"
	"regexp"
	"slices"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
	"github.com/kumo-iac/kumo/constructs"
)

// TrailArgs configure a Trail.
type TrailArgs struct {
	// DataEventBuckets are the buckets whose object-level reads and writes
	// (GetObject, PutObject, DeleteObject, …) the trail records: exactly
	// these buckets' objects. Required, at least one.
	DataEventBuckets []*constructs.Bucket
	// Bucket receives the log files. A bucket of your own must let this
	// trail deliver: create it with TrailLogsFor naming the trail. Default:
	// a new Bucket "<name>-logs" made for the trail.
	Bucket *constructs.Bucket
	// KMSKey encrypts the log files (SSE-KMS); it must list
	// "cloudtrail.amazonaws.com" in its ServicePrincipals. Readers of the
	// logs need GrantDecrypt on it. Default: a new Key "<name>-key" that
	// lets this account's trails use it.
	KMSKey *constructs.Key
	// CloudWatchLogs also delivers the events to a CloudWatch Logs group,
	// for metric filters and alarms. Default: true.
	CloudWatchLogs *bool
	// LogRetentionDays is that log group's retention. Default: 30.
	LogRetentionDays int
	// MultiRegion records data events of the buckets in every region, not
	// only the stack's. Default: false (the stack's buckets are in its
	// region).
	MultiRegion bool
	// ManagementEvents also records the account's management events
	// (control-plane calls). Default: false: the account's own trail
	// usually records them, and a second copy of them is billed.
	ManagementEvents bool
}

// Trail is a CloudTrail trail of S3 data events on the given buckets, with
// log file validation, log files encrypted with a KMS key, delivered to a
// bucket whose policy lets only this trail write, and optionally to
// CloudWatch Logs.
type Trail struct {
	pulumi.ResourceState

	// Trail is the underlying trail, an escape hatch.
	Trail *cloudtrail.Trail
	// Bucket receives the log files.
	Bucket *constructs.Bucket
	// Key encrypts the log files.
	Key *constructs.Key
	// LogGroup receives the events in CloudWatch Logs, or is nil.
	LogGroup *cloudwatch.LogGroup
	// LogsRole is the role CloudTrail assumes to write to LogGroup, or nil.
	LogsRole *iam.Role
	// Arn is the trail ARN.
	Arn pulumi.StringOutput
	// Name is the trail name, "<project>-<stack>-<name>".
	Name string
}

// CreateTrail's name rules: 3–128 ASCII letters, digits, '.', '_' or '-',
// starting and ending with a letter or digit, no two separators adjacent,
// not an IP address.
// https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html
var (
	trailName          = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$`)
	trailAdjacentSeps  = regexp.MustCompile(`[._-]{2}`)
	maxTrailDataValues = 250
)

func (a TrailArgs) withDefaults() TrailArgs {
	if a.CloudWatchLogs == nil {
		on := true
		a.CloudWatchLogs = &on
	}
	if *a.CloudWatchLogs {
		a.LogRetentionDays = cmp.Or(a.LogRetentionDays, constructs.DefaultLogRetentionDays)
	}
	a.DataEventBuckets = slices.Clone(a.DataEventBuckets)
	return a
}

func (a TrailArgs) validate(ctx *pulumi.Context, name string) *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	full := core.TrailName(ctx, name)
	if n := len(full); n < 3 || n > 128 || !trailName.MatchString(full) || trailAdjacentSeps.MatchString(full) || net.ParseIP(full) != nil {
		add("name: the trail would be named %q (<project>-<stack>-<name>), which CloudTrail refuses: a trail name is 3–128 letters, digits, '.', '_' or '-', starts and ends with a letter or digit, and has no two of '.', '_', '-' side by side", full)
	}
	if a.Bucket == nil && !core.BucketNameValid(name+"-logs") {
		add("name: %q cannot name the trail's log bucket %q: use 3–50 lower-case letters, digits or '-' (or pass Bucket)", name, name+"-logs")
	}
	if len(a.DataEventBuckets) == 0 {
		add("DataEventBuckets: none; name the buckets whose object reads and writes the trail records")
	}
	if n := len(a.DataEventBuckets); n > maxTrailDataValues {
		add("DataEventBuckets: %d buckets; CloudTrail records at most %d data resources per trail", n, maxTrailDataValues)
	}
	seen := map[*constructs.Bucket]int{}
	for i, b := range a.DataEventBuckets {
		switch j, dup := seen[b]; {
		case b == nil:
			add("DataEventBuckets[%d]: nil; pass a Bucket", i)
		case dup:
			add("DataEventBuckets[%d]: bucket %q is also DataEventBuckets[%d]", i, core.BucketName(b), j)
		case b == a.Bucket:
			add("DataEventBuckets[%d]: bucket %q is the trail's log bucket; recording its own deliveries would log without end", i, core.BucketName(b))
		}
		seen[b] = i
	}
	if a.Bucket != nil && !slices.Contains(core.BucketArgs(a.Bucket).TrailLogsFor, name) {
		add("Bucket: bucket %q does not let this trail deliver, and CloudTrail would refuse it; create it with TrailLogsFor: []string{%q}", core.BucketName(a.Bucket), name)
	}
	if a.KMSKey != nil && !core.KeyAllows(a.KMSKey, "cloudtrail.amazonaws.com") {
		add("KMSKey: key %q does not let cloudtrail.amazonaws.com use it, and CloudTrail would refuse it; add it to the key's ServicePrincipals", core.KeyName(a.KMSKey))
	}
	if *a.CloudWatchLogs {
		if err := core.ValidateLogRetention("LogRetentionDays", a.LogRetentionDays); err != nil {
			errs = multierror.Append(errs, err)
		}
	} else if a.LogRetentionDays != 0 {
		add("LogRetentionDays: %d is set while CloudWatchLogs is false; there is no log group to keep", a.LogRetentionDays)
	}
	return errs
}

// NewTrail registers a trail of S3 data events on DataEventBuckets, with
// its log bucket and key unless given, and its CloudWatch Logs delivery.
func NewTrail(ctx *pulumi.Context, name string, args *TrailArgs, opts ...pulumi.ResourceOption) (*Trail, error) {
	if args == nil {
		args = &TrailArgs{}
	}
	a := args.withDefaults()
	if err := constructs.Invalid(fmt.Sprintf("trail %q", name), a.validate(ctx, name)); err != nil {
		return nil, err
	}
	t := &Trail{Bucket: a.Bucket, Key: a.KMSKey, Name: core.TrailName(ctx, name)}
	if err := ctx.RegisterComponentResource("kumo:constructs:Trail", name, t, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(t)
	var err error
	if t.Key == nil {
		if t.Key, err = constructs.NewKey(ctx, name+"-key", &constructs.KeyArgs{
			Description:       fmt.Sprintf("Log file key of kumo trail %s.", t.Name),
			ServicePrincipals: []string{"cloudtrail.amazonaws.com"},
		}, parent); err != nil {
			return nil, err
		}
	}
	if t.Bucket == nil {
		if t.Bucket, err = constructs.NewBucket(ctx, name+"-logs", &constructs.BucketArgs{TrailLogsFor: []string{name}}, parent); err != nil {
			return nil, err
		}
		if err := check.Suppress(ctx, t.Bucket.Bucket, check.Suppression{Rule: "AwsSolutions-S1",
			Reason: "the trail's own log bucket, written only by CloudTrail for this trail; for S3 server access logs of it, pass a Bucket with AccessLogBucket and TrailLogsFor"}); err != nil {
			return nil, err
		}
	}
	// CreateTrail checks the bucket policy and the log role there and then.
	deps := []pulumi.Resource{t.Bucket.Policy}

	var values pulumi.StringArray
	for _, b := range a.DataEventBuckets {
		values = append(values, core.Suffix("/", b.Arn))
	}
	trailArgs := &cloudtrail.TrailArgs{
		Name:                    pulumi.String(t.Name),
		S3BucketName:            t.Bucket.Name,
		KmsKeyId:                t.Key.Arn,
		EnableLogFileValidation: pulumi.Bool(true),
		IsMultiRegionTrail:      pulumi.Bool(a.MultiRegion),
		EventSelectors: cloudtrail.TrailEventSelectorArray{&cloudtrail.TrailEventSelectorArgs{
			ReadWriteType:           pulumi.String("All"),
			IncludeManagementEvents: pulumi.Bool(a.ManagementEvents),
			DataResources: cloudtrail.TrailEventSelectorDataResourceArray{&cloudtrail.TrailEventSelectorDataResourceArgs{
				Type:   pulumi.String("AWS::S3::Object"),
				Values: values,
			}},
		}},
	}
	if *a.CloudWatchLogs {
		rolePolicy, err := t.logsTo(ctx, name, a.LogRetentionDays, parent)
		if err != nil {
			return nil, err
		}
		// CloudTrail writes to the group's streams: the ARN ends in ":*".
		trailArgs.CloudWatchLogsGroupArn = core.Suffix(":*", t.LogGroup.Arn)
		trailArgs.CloudWatchLogsRoleArn = t.LogsRole.Arn
		deps = append(deps, rolePolicy)
	}
	if t.Trail, err = cloudtrail.NewTrail(ctx, name, trailArgs, parent, pulumi.DependsOn(deps)); err != nil {
		return nil, err
	}
	t.Arn = t.Trail.Arn
	if err := ctx.RegisterResourceOutputs(t, pulumi.Map{"arn": t.Arn, "bucket": t.Bucket.Name}); err != nil {
		return nil, err
	}
	return t, nil
}

// logsTo creates the trail's log group and the role CloudTrail assumes to
// write to it, and returns the role's policy, which the trail must wait for.
func (t *Trail) logsTo(ctx *pulumi.Context, name string, retentionDays int, parent pulumi.ResourceOption) (pulumi.Resource, error) {
	var err error
	if t.LogGroup, err = cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.Sprintf("/aws/cloudtrail/%s-", t.Name),
		RetentionInDays: pulumi.Int(retentionDays),
	}, parent); err != nil {
		return nil, err
	}
	if t.LogsRole, err = iam.NewRole(ctx, name+"-logs", &iam.RoleArgs{
		Description:      pulumi.Sprintf("Role kumo trail %s assumes to write to its CloudWatch Logs group.", t.Name),
		AssumeRolePolicy: core.AssumeRolePolicy("cloudtrail.amazonaws.com"),
	}, parent); err != nil {
		return nil, err
	}
	statements := []constructs.Statement{{
		Sid:            "WriteTrailLogGroup",
		Actions:        []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resources:      []pulumi.StringInput{core.Suffix(":log-stream:*", t.LogGroup.Arn)},
		WildcardReason: "the log streams of the trail's own log group, which CloudTrail creates and names itself",
	}}
	policy, err := iam.NewRolePolicy(ctx, name+"-logs", &iam.RolePolicyArgs{
		Role:   t.LogsRole.ID(),
		Policy: core.PolicyJSON(statements...),
	}, parent)
	if err != nil {
		return nil, err
	}
	return policy, core.JustifyWildcards(ctx, policy, statements)
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a TrailArgs) Validate(ctx *pulumi.Context, name string) error {
	return constructs.Invalid(fmt.Sprintf("trail %q", name), a.withDefaults().validate(ctx, name))
}
