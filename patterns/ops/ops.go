// Package ops is kumo's operations automation reference pattern (ARC401
// P4): scheduled tasks read from a DynamoDB task table and run by a
// dispatcher (one real task: EBS snapshots with expiry), every run recorded
// with a TTL and failures notified; an image workflow (upload → starter →
// Step Functions: metadata, then object detection and a thumbnail in
// parallel, then the results stored); and security group remediation from
// CloudTrail events, revoking rules that open forbidden ports to the
// internet. Every invocation goes through a function alias, every failure
// signal raises an alarm, and every trigger has a kill switch.
package ops

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/workflow"
	"github.com/kumo-iac/kumo/patterns"
)

// Where the pattern's handlers live in the kumo module.
const (
	kumoModule = "github.com/kumo-iac/kumo/patterns/ops/functions/"
)

// SnapshotTaskTag is the tag the ebs-snapshot task puts on its snapshots
// (snapshots.TaskTag, which a test keeps equal): the dispatcher may delete
// only snapshots carrying it. A copy, so that the IaC program does not link
// the EC2 SDK the handler needs.
const SnapshotTaskTag = "kumo:ops:task"

// Functions the pattern deploys, by name (each is functions/<name>).
var Functions = []string{"dispatcher", "remediate", "starter", "metadata", "detect", "thumbnail", "store"}

// Layout.
const (
	// Namespace is the CloudWatch namespace of the pattern's own metrics
	// (embedded metric format): runs, failures, remediations.
	Namespace = "kumo/ops"
)

// Ops is the composed pattern; its parts are exposed for escape hatches.
type Ops struct {
	pulumi.ResourceState

	// Alarms is the topic every alarm notifies; Notifications the topic of
	// task failures and remediations.
	Alarms, Notifications *constructs.Topic
	// Tasks holds the task definitions; Runs a record of every run; Images
	// the image workflow's results.
	Tasks, Runs, Images *constructs.Table
	// Dispatcher runs due tasks on Schedule.
	Dispatcher *constructs.Function
	Schedule   *constructs.Schedule
	// Uploads receives images; Output the thumbnails.
	Uploads, Output *constructs.Bucket
	// LogKey encrypts the workflow's log group.
	LogKey *constructs.Key
	// Starter starts Workflow for each upload; Metadata, Detect,
	// Thumbnail and Store are its steps.
	Starter, Metadata, Detect, Thumbnail, Store *constructs.Function
	Workflow                                    *workflow.StateMachine
	// Remediate checks security group changes SecurityRule delivers.
	Remediate    *constructs.Function
	SecurityRule *constructs.EventRule
}

type parts struct {
	a Args

	alarms, notifications constructs.TopicArgs
	tasks, runs, images   constructs.TableArgs
	uploads, output       constructs.BucketArgs
	accessLogs            constructs.BucketArgs
	schedule              constructs.ScheduleArgs
	fns                   map[string]*constructs.FunctionArgs
}

// Table keys the handlers expect.
const (
	taskKey     = "taskId"
	runKey      = "runId"
	runTTL      = "expiresAt"
	imageKey    = "imageKey"
	accessLogDs = 365
)

// timeouts are each function's timeout in seconds: the dispatcher runs
// tasks (snapshots of many volumes) within one invocation; the workflow's
// steps read one image.
var timeouts = map[string]int{
	"dispatcher": 300, "remediate": 30, "starter": 30,
	"metadata": 60, "detect": 60, "thumbnail": 120, "store": 30,
}

func (a Args) parts() parts {
	a = a.withDefaults()
	p := parts{a: a, fns: map[string]*constructs.FunctionArgs{}}
	p.alarms = constructs.TopicArgs{DisplayName: "kumo operations alarms", EmailSubscriptions: a.AlarmEmails}
	p.notifications = constructs.TopicArgs{DisplayName: "kumo operations notifications", EmailSubscriptions: a.NotificationEmails, Publishers: []string{}}
	p.tasks = constructs.TableArgs{PartitionKey: taskKey, DeletionProtection: a.DeletionProtection}
	p.runs = constructs.TableArgs{PartitionKey: taskKey, SortKey: runKey, TTLAttribute: runTTL, DeletionProtection: a.DeletionProtection}
	p.images = constructs.TableArgs{PartitionKey: imageKey, DeletionProtection: a.DeletionProtection}
	p.accessLogs = constructs.BucketArgs{ForAccessLogs: true, ForceDestroy: !a.DeletionProtection,
		LifecycleRules: []constructs.LifecycleRule{{ID: "expire-access-logs", ExpirationDays: accessLogDs, NoncurrentExpirationDays: 1}}}
	p.uploads = constructs.BucketArgs{ForceDestroy: !a.DeletionProtection}
	p.output = constructs.BucketArgs{ForceDestroy: !a.DeletionProtection}
	p.schedule = constructs.ScheduleArgs{Expression: a.DispatchSchedule, Input: "{}",
		Description: "Runs the kumo operations tasks that are due", Enabled: patterns.Enabled(!a.DisableSchedule)}
	for _, name := range Functions {
		memory := a.MemoryMB
		if name == "thumbnail" && memory < thumbnailMemoryMB {
			memory = thumbnailMemoryMB
		}
		p.fns[name] = &constructs.FunctionArgs{
			Root: a.Root, GoPackage: kumoModule + name, Description: descriptions[name],
			MemoryMB: memory, TimeoutSeconds: timeouts[name], LogRetentionDays: a.LogRetentionDays,
			Releases: a.Releases,
			// EventBridge and S3 invoke these asynchronously: what fails
			// every retry is kept.
			DeadLetterQueue: name == "dispatcher" || name == "remediate" || name == "starter",
		}
	}
	return p
}

// thumbnailMemoryMB is the least the thumbnail step gets: it decodes whole
// images in memory.
const thumbnailMemoryMB = 512

var descriptions = map[string]string{
	"dispatcher": "Task dispatcher of the kumo operations pattern: runs due tasks from the task table",
	"remediate":  "Security group remediation of the kumo operations pattern: revokes rules opening forbidden ports",
	"starter":    "Image workflow starter of the kumo operations pattern: one execution per upload",
	"metadata":   "Image workflow step of the kumo operations pattern: type, size and EXIF",
	"detect":     "Image workflow step of the kumo operations pattern: Rekognition labels",
	"thumbnail":  "Image workflow step of the kumo operations pattern: a thumbnail in the output bucket",
	"store":      "Image workflow step of the kumo operations pattern: stores the results in DynamoDB",
}

// roleArn is an IAM role ARN
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns).
var roleArn = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)

// validate reports every problem in the args, through the same checks the
// constructs run, before anything is registered.
func (p parts) validate(name string) error {
	var errs *multierror.Error
	add := func(err error) {
		if err != nil {
			errs = multierror.Append(errs, err)
		}
	}
	add(p.alarms.Validate(name + "-alarms"))
	add(p.notifications.Validate(name + "-notifications"))
	add(p.tasks.Validate(name + "-tasks"))
	add(p.runs.Validate(name + "-runs"))
	add(p.images.Validate(name + "-images"))
	add(p.accessLogs.Validate(name + "-access-logs"))
	add(p.uploads.Validate(name + "-uploads"))
	add(p.output.Validate(name + "-output"))
	schedule := p.schedule
	schedule.Function = &constructs.Function{} // exists only after validation
	add(schedule.Validate(name + "-dispatch"))
	for _, fn := range Functions {
		add(p.fns[fn].Validate(name + "-" + fn))
	}
	a := p.a
	if a.RunRetentionDays < 1 || a.RunRetentionDays > 3650 {
		add(fmt.Errorf("RunRetentionDays: %d is outside 1–3650", a.RunRetentionDays))
	}
	for _, port := range a.ForbiddenPorts {
		if port < 0 || port > 65535 {
			add(fmt.Errorf("ForbiddenPorts: %d is not a port (0–65535)", port))
		}
	}
	for _, arn := range a.CrossAccountRoleArns {
		if !roleArn.MatchString(arn) {
			add(fmt.Errorf("CrossAccountRoleArns: %q is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)", arn))
		}
	}
	if strings.HasPrefix(a.ImagePrefix, "/") || !strings.HasSuffix(a.ImagePrefix, "/") {
		add(fmt.Errorf("ImagePrefix: %q must end in '/' and not start with one, e.g. %q", a.ImagePrefix, DefaultImagePrefix))
	}
	return constructs.Invalid(fmt.Sprintf("operations automation %q", name), errs)
}

// Validate reports every problem New would report for these args, without
// registering anything.
func (a *Args) Validate(name string) error { return a.parts().validate(name) }

// New registers the pattern.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Ops, error) {
	if args == nil {
		args = &Args{}
	}
	p := args.parts()
	if err := p.validate(name); err != nil {
		return nil, err
	}
	o := &Ops{}
	if err := ctx.RegisterComponentResource("kumo:patterns:OperationsAutomation", name, o, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, p: p, o: o, parent: pulumi.Parent(o)}
	for _, step := range []func() error{b.storage, b.scheduled, b.workflow, b.security, b.failureAlarms} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(o, o.Outputs()); err != nil {
		return nil, err
	}
	return o, nil
}

type builder struct {
	ctx    *pulumi.Context
	name   string
	p      parts
	o      *Ops
	parent pulumi.ResourceOption
}

func (b *builder) child(part string) string { return b.name + "-" + part }

func (b *builder) function(fn string, env map[string]pulumi.StringInput) (*constructs.Function, error) {
	args := b.p.fns[fn]
	args.Environment = env
	if b.p.a.Releases != nil {
		args.AlarmTopic = b.o.Alarms
	}
	return constructs.NewFunction(b.ctx, b.child(fn), args, b.parent)
}

func (b *builder) storage() error {
	ctx, o, p := b.ctx, b.o, b.p
	var err error
	if o.Alarms, err = constructs.NewTopic(ctx, b.child("alarms"), &p.alarms, b.parent); err != nil {
		return err
	}
	if o.Notifications, err = constructs.NewTopic(ctx, b.child("notifications"), &p.notifications, b.parent); err != nil {
		return err
	}
	for _, t := range []struct {
		part string
		args *constructs.TableArgs
		into **constructs.Table
	}{{"tasks", &p.tasks, &o.Tasks}, {"runs", &p.runs, &o.Runs}, {"images", &p.images, &o.Images}} {
		if *t.into, err = constructs.NewTable(ctx, b.child(t.part), t.args, b.parent); err != nil {
			return err
		}
	}
	logs, err := constructs.NewBucket(ctx, b.child("access-logs"), &p.accessLogs, b.parent)
	if err != nil {
		return err
	}
	p.uploads.AccessLogBucket, p.output.AccessLogBucket = logs, logs
	if o.Uploads, err = constructs.NewBucket(ctx, b.child("uploads"), &p.uploads, b.parent); err != nil {
		return err
	}
	o.Output, err = constructs.NewBucket(ctx, b.child("output"), &p.output, b.parent)
	return err
}

// scheduled registers the dispatcher, its grants and its schedule.
func (b *builder) scheduled() error {
	ctx, o, a := b.ctx, b.o, b.p.a
	var err error
	if o.Dispatcher, err = b.function("dispatcher", map[string]pulumi.StringInput{
		"TASK_TABLE":        o.Tasks.Name,
		"RUNS_TABLE":        o.Runs.Name,
		"FAILURE_TOPIC_ARN": o.Notifications.Arn,
		"RUN_TTL_DAYS":      pulumi.String(fmt.Sprint(a.RunRetentionDays)),
	}); err != nil {
		return err
	}
	for _, g := range []func() error{
		func() error { return o.Tasks.GrantReadWrite(o.Dispatcher) },
		func() error { return o.Runs.GrantWrite(o.Dispatcher) },
		func() error { return o.Notifications.GrantPublish(o.Dispatcher) },
	} {
		if err := g(); err != nil {
			return err
		}
	}
	// The snapshot task: EC2's Describe actions have no resource-level
	// permissions; snapshots are created of any volume the task finds and
	// deleted only when they carry the task's tag.
	// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
	// The snapshot task (patterns/ops/snapshots): EC2's Describe actions
	// have no resource-level permissions; snapshots are created of the
	// volumes of instances a task selects at run time, tagged only as they
	// are created, and deleted only when they carry the task tag.
	// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
	if err := o.Dispatcher.Allow("ebs-snapshots",
		constructs.Statement{Sid: "DescribeForSnapshots", Actions: []string{"ec2:DescribeInstances", "ec2:DescribeSnapshots"},
			Resources: constructs.AnyResource, WildcardReason: "EC2's Describe actions support no resource-level permissions (EC2's service authorization reference)"},
		constructs.Statement{Sid: "CreateSnapshots", Actions: []string{"ec2:CreateSnapshot"},
			Resources:      []pulumi.StringInput{pulumi.String("arn:aws:ec2:*:*:volume/*"), pulumi.String("arn:aws:ec2:*::snapshot/*")},
			WildcardReason: "the volumes of the instances a task selects by tag at run time, and the snapshots EC2 creates of them"},
		constructs.Statement{Sid: "TagNewSnapshots", Actions: []string{"ec2:CreateTags"},
			Resources:      []pulumi.StringInput{pulumi.String("arn:aws:ec2:*::snapshot/*")},
			Conditions:     []constructs.Condition{{Test: "StringEquals", Variable: "ec2:CreateAction", Values: []pulumi.StringInput{pulumi.String("CreateSnapshot")}}},
			WildcardReason: "snapshots only as CreateSnapshot creates them (ec2:CreateAction), whose IDs EC2 assigns"},
		constructs.Statement{Sid: "DeleteTaskSnapshots", Actions: []string{"ec2:DeleteSnapshot"},
			Resources:      []pulumi.StringInput{pulumi.String("arn:aws:ec2:*::snapshot/*")},
			Conditions:     []constructs.Condition{{Test: "StringLike", Variable: "aws:ResourceTag/" + SnapshotTaskTag, Values: []pulumi.StringInput{pulumi.String("*")}}},
			WildcardReason: "only snapshots a kumo task created (tagged " + SnapshotTaskTag + "), whose IDs EC2 assigns"},
	); err != nil {
		return err
	}
	if len(a.CrossAccountRoleArns) > 0 {
		var roles []pulumi.StringInput
		for _, r := range a.CrossAccountRoleArns {
			roles = append(roles, pulumi.String(r))
		}
		if err := o.Dispatcher.Allow("assume-task-roles", constructs.Statement{Sid: "AssumeTaskRoles", Actions: []string{"sts:AssumeRole"}, Resources: roles}); err != nil {
			return err
		}
	}
	b.p.schedule.Function = o.Dispatcher
	o.Schedule, err = constructs.NewSchedule(ctx, b.child("dispatch"), &b.p.schedule, b.parent)
	return err
}

// workflow registers the image workflow: the starter on uploads, the
// state machine and its steps.
func (b *builder) workflow() error {
	ctx, o, a := b.ctx, b.o, b.p.a
	var err error
	steps := map[string]map[string]pulumi.StringInput{
		"metadata":  nil,
		"detect":    nil,
		"thumbnail": {"OUTPUT_BUCKET": o.Output.Name, "IMAGE_PREFIX": pulumi.String(a.ImagePrefix)},
		"store":     {"RESULTS_TABLE": o.Images.Name},
	}
	for _, s := range []struct {
		name string
		into **constructs.Function
	}{{"metadata", &o.Metadata}, {"detect", &o.Detect}, {"thumbnail", &o.Thumbnail}, {"store", &o.Store}} {
		if *s.into, err = b.function(s.name, steps[s.name]); err != nil {
			return err
		}
		if err := patterns.NoAsyncInvocations(ctx, *s.into, "invoked only synchronously, by the image workflow, whose Retry and Catch handle its failures"); err != nil {
			return err
		}
	}
	for _, g := range []func() error{
		func() error { return o.Uploads.GrantRead(o.Metadata) },
		// Rekognition reads the image with the caller's permissions.
		func() error { return o.Uploads.GrantRead(o.Detect) },
		func() error { return o.Uploads.GrantRead(o.Thumbnail) },
		func() error { return o.Output.GrantWrite(o.Thumbnail) },
		func() error { return o.Images.GrantWrite(o.Store) },
		func() error {
			return o.Detect.Allow("rekognition", constructs.Statement{Sid: "DetectLabels", Actions: []string{"rekognition:DetectLabels"},
				Resources: constructs.AnyResource, WildcardReason: "rekognition:DetectLabels supports no resource-level permissions (Rekognition's service authorization reference)"})
		},
	} {
		if err := g(); err != nil {
			return err
		}
	}
	if o.LogKey, err = constructs.NewKey(ctx, b.child("logs"), &constructs.KeyArgs{
		Description:       "kumo operations: the image workflow's execution logs",
		ServicePrincipals: []string{"logs." + region(ctx) + ".amazonaws.com"},
	}, b.parent); err != nil {
		return err
	}
	if o.Workflow, err = workflow.NewStateMachine(ctx, b.child("images"), &workflow.StateMachineArgs{
		Definition:       imageDefinition(o),
		LogRetentionDays: a.LogRetentionDays,
		LogKMSKey:        o.LogKey,
		TimeoutSeconds:   WorkflowTimeoutSeconds,
	}, b.parent); err != nil {
		return err
	}
	if o.Starter, err = b.function("starter", map[string]pulumi.StringInput{"STATE_MACHINE_ARN": o.Workflow.Arn, "IMAGE_PREFIX": pulumi.String(a.ImagePrefix)}); err != nil {
		return err
	}
	if err := o.Workflow.GrantStart(o.Starter); err != nil {
		return err
	}
	_, err = constructs.NewBucketTriggers(ctx, b.child("uploads"), &constructs.BucketTriggersArgs{
		Bucket: o.Uploads,
		Triggers: []constructs.BucketTrigger{{Function: o.Starter, Events: []string{"s3:ObjectCreated:*"},
			Prefix: a.ImagePrefix, Enabled: patterns.Enabled(!a.DisableImageEvents)}},
	}, b.parent)
	return err
}

// WorkflowTimeoutSeconds stops an image execution after 15 minutes, so a
// stuck one raises the timed-out alarm.
const WorkflowTimeoutSeconds = 15 * 60

// imageDefinition is the workflow over the starter's input
// {"bucket","key","versionId"}: Metadata (its result at $.metadata), then
// Detect and Thumbnail in parallel (their results, in branch order, at
// $.analysis), then Store with the whole state; any failure after the
// retries ends in Failed.
func imageDefinition(o *Ops) *workflow.Definition {
	toFailed := []workflow.Catch{{ErrorEquals: []string{workflow.ErrorAll}, Next: "Failed", ResultPath: "$.error"}}
	return &workflow.Definition{
		Comment: "kumo operations: metadata, labels and a thumbnail of each uploaded image",
		StartAt: "Metadata",
		States: map[string]workflow.State{
			// The invocation's result goes to $.metadata, keeping the image's
			// bucket and key; Unwrap then keeps only the function's payload.
			"Metadata": workflow.Task{Function: o.Metadata, ResultPath: "$.metadata", Catch: toFailed, Next: "Unwrap"},
			"Unwrap":   workflow.Pass{InputPath: "$.metadata.Payload", ResultPath: "$.metadata", Next: "Analyse"},
			"Analyse": workflow.Parallel{
				Branches: []workflow.Branch{
					{StartAt: "Detect", States: map[string]workflow.State{"Detect": workflow.Task{Function: o.Detect, End: true}}},
					{StartAt: "Thumbnail", States: map[string]workflow.State{"Thumbnail": workflow.Task{Function: o.Thumbnail, End: true}}},
				},
				ResultPath: "$.analysis", Catch: toFailed, Next: "Store",
			},
			"Store": workflow.Task{Function: o.Store, Catch: toFailed, End: true},
			"Failed": workflow.Fail{Error: "ImageWorkflowFailed",
				Cause: "a step of the image workflow failed after its retries; see the execution's events"},
		},
	}
}

// security registers the remediation function and the EventBridge rule on
// CloudTrail's security group calls.
func (b *builder) security() error {
	ctx, o, a := b.ctx, b.o, b.p.a
	ports := make([]string, len(a.ForbiddenPorts))
	for i, p := range a.ForbiddenPorts {
		ports[i] = fmt.Sprint(p)
	}
	var err error
	if o.Remediate, err = b.function("remediate", map[string]pulumi.StringInput{
		"ALERT_TOPIC_ARN": o.Notifications.Arn,
		"REPORT_ONLY":     pulumi.String(fmt.Sprint(a.ReportOnly)),
		"FORBIDDEN_PORTS": pulumi.String(strings.Join(ports, ",")),
	}); err != nil {
		return err
	}
	if err := o.Notifications.GrantPublish(o.Remediate); err != nil {
		return err
	}
	if err := o.Remediate.Allow("revoke-ingress",
		constructs.Statement{Sid: "RevokeForbiddenIngress", Actions: []string{"ec2:RevokeSecurityGroupIngress"},
			Resources:      []pulumi.StringInput{pulumi.String("arn:aws:ec2:*:*:security-group/*")},
			WildcardReason: "any security group of the account whose change CloudTrail reports, known only from the event"},
	); err != nil {
		return err
	}
	pattern, err := json.Marshal(map[string]any{
		"source":      []string{"aws.ec2"},
		"detail-type": []string{"AWS API Call via CloudTrail"},
		"detail": map[string]any{
			"eventSource": []string{"ec2.amazonaws.com"},
			"eventName":   []string{"AuthorizeSecurityGroupIngress", "ModifySecurityGroupRules"},
		},
	})
	if err != nil {
		return err
	}
	o.SecurityRule, err = constructs.NewEventRule(ctx, b.child("security-groups"), &constructs.EventRuleArgs{
		EventPattern: pulumi.String(string(pattern)),
		Function:     o.Remediate,
		Description:  "Security group ingress changes, from CloudTrail, to the kumo remediation",
		Enabled:      patterns.Enabled(!a.DisableSecurityRule),
	}, b.parent)
	return err
}

func region(ctx *pulumi.Context) string {
	r, _ := ctx.GetConfig("aws:region")
	return r
}

// failureAlarms registers an alarm on every failure signal beyond the
// functions' release alarms, all notifying the alarm topic.
func (b *builder) failureAlarms() error {
	ctx, o := b.ctx, b.o
	type alarm struct {
		part string
		args constructs.AlarmArgs
	}
	queueDepth := func(part, what string, queue pulumi.StringInput) alarm {
		return alarm{part, patterns.QueueDepthAlarm(queue, what)}
	}
	custom := func(part, metric, fn, what string) alarm {
		return alarm{part, constructs.AlarmArgs{
			Namespace: Namespace, MetricName: metric,
			Dimensions: map[string]pulumi.StringInput{"Pattern": pulumi.String("ops"), "Function": pulumi.String(fn)},
			Threshold:  1, PeriodSeconds: 300, Description: what,
		}}
	}
	states := func(part, metric, what string) alarm {
		return alarm{part, constructs.AlarmArgs{
			Namespace: "AWS/States", MetricName: metric,
			Dimensions: map[string]pulumi.StringInput{"StateMachineArn": o.Workflow.Arn},
			Threshold:  1, PeriodSeconds: 300, Description: what,
		}}
	}
	alarms := []alarm{
		custom("task-failures", "Failures", "dispatcher", "A scheduled task failed; its run record in the runs table says why"),
		states("images-failed", "ExecutionsFailed", "An image workflow execution failed; see its execution history"),
		states("images-timed-out", "ExecutionsTimedOut", "An image workflow execution timed out"),
		queueDepth("dispatch-dlq", "The dispatcher schedule's dead-letter queue", o.Schedule.DeadLetterQueueName),
		queueDepth("security-rule-dlq", "The security group rule's dead-letter queue", o.SecurityRule.DeadLetterQueueName),
		queueDepth("dispatcher-dlq", "The dispatcher's dead-letter queue", o.Dispatcher.DeadLetterQueue.Name),
		queueDepth("remediate-dlq", "The remediation function's dead-letter queue", o.Remediate.DeadLetterQueue.Name),
		queueDepth("starter-dlq", "The workflow starter's dead-letter queue", o.Starter.DeadLetterQueue.Name),
	}
	for _, a := range alarms {
		a.args.Topic = o.Alarms
		if _, err := constructs.NewAlarm(ctx, b.child(a.part), &a.args, b.parent); err != nil {
			return err
		}
	}
	return nil
}

// Outputs are the stack outputs of the pattern.
func (o *Ops) Outputs() pulumi.Map {
	return pulumi.Map{
		"opsTaskTable":         o.Tasks.Name,
		"opsRunsTable":         o.Runs.Name,
		"opsImagesTable":       o.Images.Name,
		"opsUploadsBucket":     o.Uploads.Name,
		"opsOutputBucket":      o.Output.Name,
		"opsImageWorkflow":     o.Workflow.Arn,
		"opsDispatcherAlias":   o.Dispatcher.AliasArn,
		"opsNotificationTopic": o.Notifications.Arn,
		"opsAlarmTopic":        o.Alarms.Arn,
	}
}
