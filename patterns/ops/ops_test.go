package ops_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/constructs"
	kcheck "github.com/kumo-iac/kumo/internal/check"
	"github.com/kumo-iac/kumo/internal/synth"
	"github.com/kumo-iac/kumo/patterns/internal/patterntest"
	"github.com/kumo-iac/kumo/patterns/ops"
	"github.com/kumo-iac/kumo/patterns/ops/metrics"
	"github.com/kumo-iac/kumo/patterns/ops/snapshots"
)

var root, _ = filepath.Abs(filepath.Join("..", ".."))

// Resource types the tests look at.
const (
	alias        = "aws:lambda/alias:Alias"
	function     = "aws:lambda/function:Function"
	permission   = "aws:lambda/permission:Permission"
	notification = "aws:s3/bucketNotification:BucketNotification"
	stateMachine = "aws:sfn/stateMachine:StateMachine"
	bucket       = "aws:s3/bucketV2:BucketV2"
	queue        = "aws:sqs/queue:Queue"
	table        = "aws:dynamodb/table:Table"
	role         = "aws:iam/role:Role"
	rolePolicy   = "aws:iam/rolePolicy:RolePolicy"
	metricAlarm  = "aws:cloudwatch/metricAlarm:MetricAlarm"
	eventRule    = "aws:cloudwatch/eventRule:EventRule"
	eventTarget  = "aws:cloudwatch/eventTarget:EventTarget"
	topic        = "aws:sns/topic:Topic"
	subscription = "aws:sns/topicSubscription:TopicSubscription"
	logGroup     = "aws:cloudwatch/logGroup:LogGroup"
	kmsKey       = "aws:kms/key:Key"
)

// dev synthesizes like the dev stack: project kumo, region eu-west-1.
var dev = assertions.Options{Project: "kumo", Stack: "dev", Dir: root, Config: map[string]string{"aws:region": "eu-west-1"}}

type statement = patterntest.Statement

// The shared readers of a synthesized pattern (patterns/internal/patterntest).
var (
	grants      = patterntest.Grants
	allowed     = patterntest.Allowed
	resourcesOf = patterntest.ResourcesOf
	str         = patterntest.Str
	under       = patterntest.Under
	tasks       = patterntest.Tasks
)

func synthResult(t *testing.T, program func(ctx *pulumi.Context) (pulumi.Map, error)) *synth.Result {
	t.Helper()
	return patterntest.SynthResult(t, dev, program)
}

// program registers the pattern named "ops" with args, after the stack's
// Releases when releases is set, and returns its outputs.
func program(args ops.Args, releases bool) func(ctx *pulumi.Context) (pulumi.Map, error) {
	args.Root = root
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		args := args
		if releases {
			rel, err := constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{})
			if err != nil {
				return nil, err
			}
			args.Releases = rel
		}
		o, err := ops.New(ctx, "ops", &args)
		if err != nil {
			return nil, err
		}
		return o.Outputs(), nil
	}
}

// prodLike are the args of the shipped prod stack's pattern (Pulumi.prod.yaml).
var prodLike = ops.Args{MemoryMB: 512, LogRetentionDays: 365, DeletionProtection: true}

// definition parses the image workflow's definition.
func definition(t *testing.T, tpl *assertions.Template) map[string]any {
	t.Helper()
	def, _ := tpl.Resource(stateMachine, "ops-images").Input("definition").(string)
	var doc map[string]any
	if err := json.Unmarshal([]byte(def), &doc); err != nil {
		t.Fatalf("definition: %v", err)
	}
	return doc
}

func TestOpsInvokesOnlyThroughAliases(t *testing.T) {
	tpl := assertions.Synth(t, program(ops.Args{}, false), dev)
	aliasOf := map[string]*assertions.Resource{}
	for _, fn := range ops.Functions {
		aliasOf[fn] = tpl.Resource(alias, "ops-"+fn)
	}
	tpl.ResourceCountIs(alias, len(ops.Functions))
	tpl.AllResourcesProperties(alias, assertions.M{"name": "live"})
	uploads := tpl.Resource(bucket, "ops-uploads")
	workflow := tpl.Resource(stateMachine, "ops-images")

	// EventBridge invokes the dispatcher's and the remediation's aliases,
	// and only their own rule may.
	for rule, fn := range map[string]string{"ops-dispatch": "dispatcher", "ops-security-groups": "remediate"} {
		r := tpl.Resource(eventRule, rule)
		tpl.Resource(eventTarget, rule).HasProperties(assertions.M{"rule": r.Attr("name"), "arn": aliasOf[fn].Attr("arn")})
		tpl.Resource(permission, rule).HasProperties(assertions.M{"action": "lambda:InvokeFunction",
			"function": aliasOf[fn].Input("functionName"), "qualifier": "live", "principal": "events.amazonaws.com", "sourceArn": r.Attr("arn")})
	}
	tpl.ResourceCountIs(eventTarget, 2)

	// S3 invokes the starter's alias for uploads under images/, and only
	// the uploads bucket may.
	tpl.Resource(notification, "ops-uploads").HasProperties(assertions.M{
		"bucket": uploads.Attr("bucket"),
		"lambdaFunctions": []any{assertions.Exact(assertions.M{"lambdaFunctionArn": aliasOf["starter"].Attr("arn"),
			"events": []string{"s3:ObjectCreated:*"}, "filterPrefix": "images/"})},
		"topics": assertions.Absent(), "queues": assertions.Absent(),
	})
	tpl.Resource(permission, "ops-uploads-ops-starter").HasProperties(assertions.M{"action": "lambda:InvokeFunction",
		"function": aliasOf["starter"].Input("functionName"), "qualifier": "live", "principal": "s3.amazonaws.com", "sourceArn": uploads.Attr("arn")})
	tpl.ResourceCountIs(permission, 3)

	// Every Task of the image workflow, in the Parallel's branches too,
	// invokes a step's alias.
	got := map[string]string{}
	tasks(definition(t, tpl), func(name string, s map[string]any) {
		params, _ := s["Parameters"].(map[string]any)
		got[name] = fmt.Sprint(s["Resource"], " ", params["FunctionName"])
	})
	want := map[string]string{}
	var stepAliases []string
	for state, fn := range map[string]string{"Metadata": "metadata", "Detect": "detect", "Thumbnail": "thumbnail", "Store": "store"} {
		arn := str(aliasOf[fn].Attr("arn"))
		want[state] = "arn:aws:states:::lambda:invoke " + arn
		stepAliases = append(stepAliases, arn)
	}
	slices.Sort(stepAliases)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Task states' Resource and FunctionName: got %v; want %v", got, want)
	}
	// The state machine's role may invoke exactly those aliases.
	if got := resourcesOf(grants(t, tpl, "ops-images"), "lambda:InvokeFunction"); !slices.Equal(got, stepAliases) {
		t.Errorf("state machine: got lambda:InvokeFunction on %v; want %v", got, stepAliases)
	}

	// The starter starts executions of the workflow, and nothing else
	// does; no function invokes another.
	tpl.Resource(function, "ops-starter").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.Exact(assertions.M{
		"STATE_MACHINE_ARN": workflow.Attr("arn"), "IMAGE_PREFIX": "images/"})}})
	for _, fn := range ops.Functions {
		g := grants(t, tpl, "ops-"+fn)
		got, want := resourcesOf(g, "states:StartExecution"), []string(nil)
		if fn == "starter" {
			want = []string{str(workflow.Attr("arn"))}
		}
		if !slices.Equal(got, want) {
			t.Errorf("ops-%s: got states:StartExecution on %v; want %v", fn, got, want)
		}
		if got := resourcesOf(g, "lambda:InvokeFunction"); len(got) > 0 {
			t.Errorf("ops-%s: got lambda:InvokeFunction on %v; want none", fn, got)
		}
	}

	// The outputs say where the pattern's parts are.
	tpl.HasOutput("opsTaskTable", tpl.Resource(table, "ops-tasks").Attr("name"))
	tpl.HasOutput("opsRunsTable", tpl.Resource(table, "ops-runs").Attr("name"))
	tpl.HasOutput("opsImagesTable", tpl.Resource(table, "ops-images").Attr("name"))
	tpl.HasOutput("opsUploadsBucket", uploads.Attr("bucket"))
	tpl.HasOutput("opsOutputBucket", tpl.Resource(bucket, "ops-output").Attr("bucket"))
	tpl.HasOutput("opsImageWorkflow", workflow.Attr("arn"))
	tpl.HasOutput("opsDispatcherAlias", aliasOf["dispatcher"].Attr("arn"))
	tpl.HasOutput("opsNotificationTopic", tpl.Resource(topic, "ops-notifications").Attr("arn"))
	tpl.HasOutput("opsAlarmTopic", tpl.Resource(topic, "ops-alarms").Attr("arn"))
}

// allowing returns the statements that allow action.
func allowing(stmts []statement, action string) []statement {
	var out []statement
	for _, s := range stmts {
		if s.Effect == "Allow" && slices.Contains(s.Action, action) {
			out = append(out, s)
		}
	}
	return out
}

// actionsOf lists every action of service ("ec2:") statements allow.
func actionsOf(stmts []statement, service string) []string {
	var out []string
	for _, s := range stmts {
		for _, a := range s.Action {
			if s.Effect == "Allow" && strings.HasPrefix(a, service) && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestOpsDefaults(t *testing.T) {
	tpl := assertions.Synth(t, program(ops.Args{}, false), dev)
	arn := func(typ, name string) string { return str(tpl.Resource(typ, name).Attr("arn")) }
	tasksTable, runs, images := tpl.Resource(table, "ops-tasks"), tpl.Resource(table, "ops-runs"), tpl.Resource(table, "ops-images")
	notifications := tpl.Resource(topic, "ops-notifications")

	t.Run("scheduled tasks", func(t *testing.T) {
		tpl := tpl.WithT(t)
		rule := tpl.Resource(eventRule, "ops-dispatch")
		rule.HasProperties(assertions.M{"scheduleExpression": "rate(15 minutes)", "state": "ENABLED"})
		tpl.Resource(eventTarget, "ops-dispatch").HasProperties(assertions.M{"input": "{}",
			"deadLetterConfig": assertions.M{"arn": tpl.Resource(queue, "ops-dispatch-dlq").Attr("arn")}})

		tasksTable.HasProperties(assertions.M{"hashKey": "taskId", "rangeKey": assertions.Absent(), "ttl": assertions.Absent(),
			"attributes": []any{assertions.Exact(assertions.M{"name": "taskId", "type": "S"})}, "deletionProtectionEnabled": false})
		runs.HasProperties(assertions.M{"hashKey": "taskId", "rangeKey": "runId",
			"ttl": assertions.Exact(assertions.M{"attributeName": "expiresAt", "enabled": true})})
		images.HasProperties(assertions.M{"hashKey": "imageKey", "rangeKey": assertions.Absent(), "ttl": assertions.Absent()})

		tpl.Resource(function, "ops-dispatcher").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.Exact(assertions.M{
			"TASK_TABLE": tasksTable.Attr("name"), "RUNS_TABLE": runs.Attr("name"),
			"FAILURE_TOPIC_ARN": notifications.Attr("arn"), "RUN_TTL_DAYS": "30"})}})

		g := grants(t, tpl, "ops-dispatcher")
		if !allowed(g, "dynamodb:PutItem", str(tasksTable.Attr("arn"))) || !allowed(g, "dynamodb:GetItem", str(tasksTable.Attr("arn"))) {
			t.Error("dispatcher: got no read-write on the task table; want it, to read tasks and record their last run")
		}
		if !allowed(g, "dynamodb:PutItem", str(runs.Attr("arn"))) {
			t.Error("dispatcher: got no dynamodb:PutItem on the runs table; want it")
		}
		if got, want := resourcesOf(g, "sns:Publish"), []string{str(notifications.Attr("arn"))}; !slices.Equal(got, want) {
			t.Errorf("dispatcher: got sns:Publish on %v; want only %v, the notification topic", got, want)
		}

		// EC2: Describe on * (no resource-level permissions), snapshots
		// created, tagged only as CreateSnapshot creates them, deleted
		// only when they carry the task tag; nothing else.
		if got, want := actionsOf(g, "ec2:"), []string{"ec2:CreateSnapshot", "ec2:CreateTags", "ec2:DeleteSnapshot",
			"ec2:DescribeInstances", "ec2:DescribeSnapshots"}; !slices.Equal(got, want) {
			t.Errorf("dispatcher: got EC2 actions %v; want %v", got, want)
		}
		for _, a := range []string{"ec2:DescribeInstances", "ec2:DescribeSnapshots"} {
			if got := resourcesOf(g, a); !slices.Equal(got, []string{"*"}) {
				t.Errorf("dispatcher: got %s on %v; want [*]", a, got)
			}
		}
		conditioned := map[string]map[string]map[string][]string{
			"ec2:CreateTags":     {"StringEquals": {"ec2:CreateAction": {"CreateSnapshot"}}},
			"ec2:DeleteSnapshot": {"StringLike": {"aws:ResourceTag/kumo:ops:task": {"*"}}},
		}
		for action, want := range conditioned {
			stmts := allowing(g, action)
			if len(stmts) == 0 {
				t.Errorf("dispatcher: got no %s; want it", action)
			}
			for _, s := range stmts {
				if fmt.Sprint(s.Condition) != fmt.Sprint(want) || !slices.Equal(s.Resource, []string{"arn:aws:ec2:*::snapshot/*"}) {
					t.Errorf("dispatcher: got %s on %v when %v; want on snapshots only when %v", action, s.Resource, s.Condition, want)
				}
			}
		}
		if got := resourcesOf(g, "sts:AssumeRole"); len(got) > 0 {
			t.Errorf("dispatcher: got sts:AssumeRole on %v without CrossAccountRoleArns; want none", got)
		}
	})

	t.Run("image workflow", func(t *testing.T) {
		tpl := tpl.WithT(t)
		sm := tpl.Resource(stateMachine, "ops-images")
		toFailed := []any{assertions.Exact(assertions.M{"ErrorEquals": []string{"States.ALL"}, "Next": "Failed", "ResultPath": "$.error"})}
		branch := func(state string) assertions.M {
			return assertions.M{"StartAt": state, "States": assertions.M{state: assertions.M{"Type": "Task", "End": true}}}
		}
		sm.HasProperties(assertions.M{
			"type": "STANDARD",
			"definition": assertions.SerializedJSON(assertions.M{
				"StartAt":        "Metadata",
				"TimeoutSeconds": 900,
				"States": assertions.M{
					"Metadata": assertions.M{"Type": "Task", "ResultPath": "$.metadata", "Next": "Unwrap", "Catch": toFailed},
					"Unwrap": assertions.Exact(assertions.M{"Type": "Pass", "InputPath": "$.metadata.Payload", "ResultPath": "$.metadata",
						"Next": "Analyse"}),
					"Analyse": assertions.M{"Type": "Parallel", "Branches": []any{branch("Detect"), branch("Thumbnail")},
						"ResultPath": "$.analysis", "Next": "Store", "Catch": toFailed},
					"Store":  assertions.M{"Type": "Task", "End": true, "Catch": toFailed},
					"Failed": assertions.M{"Type": "Fail", "Error": "ImageWorkflowFailed"},
				},
			}),
			"loggingConfiguration": assertions.M{"level": "ALL", "includeExecutionData": true,
				"logDestination": arn(logGroup, "ops-images") + ":*"},
			"tracingConfiguration": assertions.M{"enabled": true},
		})
		// Every top-level state that can fail catches into Failed (a
		// branch's states cannot name it: the Parallel's Catch covers
		// them).
		doc := definition(t, tpl)
		states, _ := doc["States"].(map[string]any)
		if got, want := slices.Sorted(maps.Keys(states)), []string{"Analyse", "Failed", "Metadata", "Store", "Unwrap"}; !slices.Equal(got, want) {
			t.Errorf("states: got %v; want %v", got, want)
		}
		var branchStates []string
		for _, b := range states["Analyse"].(map[string]any)["Branches"].([]any) {
			branchStates = append(branchStates, slices.Sorted(maps.Keys(b.(map[string]any)["States"].(map[string]any)))...)
		}
		if want := []string{"Detect", "Thumbnail"}; !slices.Equal(branchStates, want) {
			t.Errorf("Analyse's branches: got states %v; want %v, one each", branchStates, want)
		}
		for name, v := range states {
			s, _ := v.(map[string]any)
			if s["Type"] == "Task" || s["Type"] == "Parallel" || s["Type"] == "Map" {
				catch, _ := s["Catch"].([]any)
				if len(catch) != 1 || fmt.Sprint(catch[0].(map[string]any)["Next"]) != "Failed" {
					t.Errorf("state %s: got Catch %v; want one, to Failed", name, catch)
				}
			}
		}
		// The execution log is encrypted with the pattern's key, which
		// CloudWatch Logs of the stack's region may use.
		key := tpl.Resource(kmsKey, "ops-logs")
		tpl.Resource(logGroup, "ops-images").HasProperties(assertions.M{"kmsKeyId": key.Attr("arn"), "retentionInDays": 30})
		key.HasProperties(assertions.M{"enableKeyRotation": true, "policy": assertions.SerializedJSON(assertions.M{"Statement": assertions.ArrayWith(
			assertions.M{"Effect": "Allow", "Principal": assertions.M{"Service": []string{"logs.eu-west-1.amazonaws.com"}},
				"Action": assertions.ArrayWith("kms:GenerateDataKey*")})})})

		// The steps read the uploads; only the thumbnail writes, to the
		// output bucket; only the store writes the images table.
		uploads, output := arn(bucket, "ops-uploads"), arn(bucket, "ops-output")
		if !allowed(grants(t, tpl, "ops-store"), "dynamodb:PutItem", str(images.Attr("arn"))) {
			t.Error("ops-store: got no dynamodb:PutItem on the images table; want it")
		}
		for _, fn := range []string{"metadata", "detect", "thumbnail"} {
			if !allowed(grants(t, tpl, "ops-"+fn), "s3:GetObject", uploads+"/*") {
				t.Errorf("ops-%s: got no s3:GetObject on the uploads; want it", fn)
			}
		}
		for _, fn := range ops.Functions {
			g := grants(t, tpl, "ops-"+fn)
			got, want := resourcesOf(g, "s3:PutObject"), []string(nil)
			if fn == "thumbnail" {
				want = []string{output + "/*"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("ops-%s: got s3:PutObject on %v; want %v", fn, got, want)
			}
			// Only the store writes image results.
			if fn != "store" && allowed(g, "dynamodb:PutItem", str(images.Attr("arn"))) {
				t.Errorf("ops-%s: got dynamodb:PutItem on the images table; want only the store to write it", fn)
			}
		}
		if got := resourcesOf(grants(t, tpl, "ops-detect"), "rekognition:DetectLabels"); !slices.Equal(got, []string{"*"}) {
			t.Errorf("ops-detect: got rekognition:DetectLabels on %v; want [*]", got)
		}
	})

	t.Run("security groups", func(t *testing.T) {
		tpl := tpl.WithT(t)
		tpl.Resource(function, "ops-remediate").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.Exact(assertions.M{
			"ALERT_TOPIC_ARN": notifications.Attr("arn"), "REPORT_ONLY": "false", "FORBIDDEN_PORTS": "22,3389,3306,5432,1433,27017,6379"})}})
		g := grants(t, tpl, "ops-remediate")
		if got, want := actionsOf(g, "ec2:"), []string{"ec2:RevokeSecurityGroupIngress"}; !slices.Equal(got, want) {
			t.Errorf("remediation: got EC2 actions %v; want only %v", got, want)
		}
		if got, want := resourcesOf(g, "ec2:RevokeSecurityGroupIngress"), []string{"arn:aws:ec2:*:*:security-group/*"}; !slices.Equal(got, want) {
			t.Errorf("remediation: got ec2:RevokeSecurityGroupIngress on %v; want %v", got, want)
		}
		if got, want := resourcesOf(g, "sns:Publish"), []string{str(notifications.Attr("arn"))}; !slices.Equal(got, want) {
			t.Errorf("remediation: got sns:Publish on %v; want only %v", got, want)
		}
		tpl.Resource(eventRule, "ops-security-groups").HasProperties(assertions.M{"state": "ENABLED",
			"eventPattern": assertions.SerializedJSON(assertions.Exact(assertions.M{
				"source": []string{"aws.ec2"}, "detail-type": []string{"AWS API Call via CloudTrail"},
				"detail": assertions.M{"eventSource": []string{"ec2.amazonaws.com"},
					"eventName": []string{"AuthorizeSecurityGroupIngress", "ModifySecurityGroupRules"}},
			}))})
		tpl.Resource(eventTarget, "ops-security-groups").HasProperties(assertions.M{
			"deadLetterConfig": assertions.M{"arn": tpl.Resource(queue, "ops-security-groups-dlq").Attr("arn")}})
	})

	t.Run("functions", func(t *testing.T) {
		tpl := tpl.WithT(t)
		timeout := map[string]int{"dispatcher": 300, "remediate": 30, "starter": 30, "metadata": 60, "detect": 60, "thumbnail": 120, "store": 30}
		for _, fn := range ops.Functions {
			memory := 256
			if fn == "thumbnail" {
				memory = 512 // it decodes whole images
			}
			tpl.Resource(function, "ops-"+fn).HasProperties(assertions.M{"memorySize": memory, "timeout": timeout[fn],
				"tracingConfig": assertions.M{"mode": "Active"}})
			tpl.Resource(logGroup, "ops-"+fn).HasProperties(assertions.M{"retentionInDays": 30})
		}
		tpl.ResourceCountIs(function, len(ops.Functions))
		tpl.Resource(function, "ops-thumbnail").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.Exact(assertions.M{
			"OUTPUT_BUCKET": tpl.Resource(bucket, "ops-output").Attr("bucket"), "IMAGE_PREFIX": "images/"})}})
		tpl.Resource(function, "ops-store").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.Exact(assertions.M{
			"RESULTS_TABLE": images.Attr("name")})}})
		// EventBridge and S3 invoke these asynchronously: what fails every
		// retry goes to their own dead-letter queues; the workflow's steps
		// have none.
		for _, fn := range ops.Functions {
			var want any = assertions.Absent()
			if fn == "dispatcher" || fn == "remediate" || fn == "starter" {
				want = assertions.M{"targetArn": under(t, tpl, "kumo:constructs:Function", queue, "ops-"+fn+"-dlq").Attr("arn")}
			}
			tpl.Resource(function, "ops-"+fn).HasProperties(assertions.M{"deadLetterConfig": want})
		}
	})
}

// opsAlarms are the pattern's own alarms: child name, namespace, metric
// and the dimensions the failure signal is named by.
func opsAlarms(t *testing.T, tpl *assertions.Template) map[string]assertions.M {
	sqsDepth := func(q *assertions.Resource) assertions.M {
		return assertions.M{"namespace": "AWS/SQS", "metricName": "ApproximateNumberOfMessagesVisible",
			"dimensions": assertions.Exact(assertions.M{"QueueName": q.Attr("name")})}
	}
	workflow := assertions.Exact(assertions.M{"StateMachineArn": tpl.Resource(stateMachine, "ops-images").Attr("arn")})
	return map[string]assertions.M{
		// The dispatcher's embedded metric: namespace and dimensions as
		// patterns/ops/metrics writes them.
		"ops-task-failures": {"namespace": "kumo/ops", "metricName": metrics.Failures,
			"dimensions": assertions.Exact(assertions.M{"Pattern": metrics.Pattern, "Function": "dispatcher"})},
		"ops-images-failed":     {"namespace": "AWS/States", "metricName": "ExecutionsFailed", "dimensions": workflow},
		"ops-images-timed-out":  {"namespace": "AWS/States", "metricName": "ExecutionsTimedOut", "dimensions": workflow},
		"ops-dispatch-dlq":      sqsDepth(under(t, tpl, "kumo:constructs:Schedule", queue, "ops-dispatch-dlq")),
		"ops-security-rule-dlq": sqsDepth(under(t, tpl, "kumo:constructs:EventRule", queue, "ops-security-groups-dlq")),
		"ops-dispatcher-dlq":    sqsDepth(under(t, tpl, "kumo:constructs:Function", queue, "ops-dispatcher-dlq")),
		"ops-remediate-dlq":     sqsDepth(under(t, tpl, "kumo:constructs:Function", queue, "ops-remediate-dlq")),
		"ops-starter-dlq":       sqsDepth(under(t, tpl, "kumo:constructs:Function", queue, "ops-starter-dlq")),
	}
}

func TestOpsAlarmsNotifyTheTopic(t *testing.T) {
	t.Run("with Releases", func(t *testing.T) {
		tpl := assertions.Synth(t, program(ops.Args{}, true), dev)
		topicArn := tpl.Resource(topic, "ops-alarms").Attr("arn")
		want := opsAlarms(t, tpl)
		for name, props := range want {
			props["alarmActions"] = []any{topicArn}
			tpl.Resource(metricAlarm, name).HasProperties(props)
		}
		tpl.ResourceCountIs("kumo:constructs:Alarm", len(want))
		// The functions' release alarms notify the same topic.
		for _, fn := range ops.Functions {
			for _, a := range []string{"errors", "throttles"} {
				tpl.Resource(metricAlarm, "ops-"+fn+"-"+a).HasProperties(assertions.M{"alarmActions": []any{topicArn}, "okActions": []any{topicArn}})
			}
		}
		tpl.AllResourcesProperties(metricAlarm, assertions.M{"alarmActions": []any{topicArn}})
		// The timed-out alarm can fire: executions have a timeout.
		tpl.Resource(stateMachine, "ops-images").HasProperties(assertions.M{
			"definition": assertions.SerializedJSON(assertions.M{"TimeoutSeconds": ops.WorkflowTimeoutSeconds})})
	})

	// Without Releases there are no release alarms, and the pattern still
	// deploys (FunctionArgs refuses an AlarmTopic without Releases).
	t.Run("without Releases", func(t *testing.T) {
		tpl := assertions.Synth(t, program(ops.Args{}, false), dev)
		topicArn := tpl.Resource(topic, "ops-alarms").Attr("arn")
		want := opsAlarms(t, tpl)
		for name, props := range want {
			props["alarmActions"] = []any{topicArn}
			tpl.Resource(metricAlarm, name).HasProperties(props)
		}
		tpl.ResourceCountIs(metricAlarm, len(want))
	})
}

// triggers reads whether each of the pattern's triggers is on, by its
// kill switch's config key.
func triggers(tpl *assertions.Template) map[string]bool {
	return map[string]bool{
		"schedule":     tpl.Resource(eventRule, "ops-dispatch").Input("state") == "ENABLED",
		"imageEvents":  tpl.Resource(notification, "ops-uploads").Input("lambdaFunctions") != nil,
		"securityRule": tpl.Resource(eventRule, "ops-security-groups").Input("state") == "ENABLED",
	}
}

func TestOpsKillSwitches(t *testing.T) {
	for _, c := range []struct {
		off  string
		args ops.Args
	}{
		{"", ops.Args{}},
		{"schedule", ops.Args{DisableSchedule: true}},
		{"imageEvents", ops.Args{DisableImageEvents: true}},
		{"securityRule", ops.Args{DisableSecurityRule: true}},
	} {
		t.Run(c.off+" off", func(t *testing.T) {
			tpl := assertions.Synth(t, program(c.args, false), dev)
			want := map[string]bool{"schedule": true, "imageEvents": true, "securityRule": true}
			if c.off != "" {
				want[c.off] = false
			}
			if got := triggers(tpl); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("triggers on: got %v; want %v", got, want)
			}
			// What the switch turns off stays, so switching back on loses
			// nothing: the functions, their aliases, the rules' targets and
			// the permissions.
			for _, fn := range ops.Functions {
				tpl.Resource(alias, "ops-"+fn)
			}
			tpl.ResourceCountIs(eventTarget, 2)
			tpl.ResourceCountIs(permission, 3)
			// Remediation still revokes: only reportOnly stops that.
			tpl.Resource(function, "ops-remediate").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{
				"REPORT_ONLY": "false"}}})
		})
	}

	t.Run("report only", func(t *testing.T) {
		tpl := assertions.Synth(t, program(ops.Args{ReportOnly: true}, false), dev)
		tpl.Resource(function, "ops-remediate").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{
			"REPORT_ONLY": "true"}}})
		if got, want := triggers(tpl), map[string]bool{"schedule": true, "imageEvents": true, "securityRule": true}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("triggers on: got %v; want %v", got, want)
		}
	})
}

func TestOpsOptions(t *testing.T) {
	t.Run("cross-account roles", func(t *testing.T) {
		roles := []string{"arn:aws:iam::111122223333:role/kumo-snapshots", "arn:aws:iam::444455556666:role/ops/kumo-snapshots"}
		tpl := assertions.Synth(t, program(ops.Args{CrossAccountRoleArns: roles}, false), dev)
		if got := resourcesOf(grants(t, tpl, "ops-dispatcher"), "sts:AssumeRole"); !slices.Equal(got, roles) {
			t.Errorf("dispatcher: got sts:AssumeRole on %v; want exactly %v", got, roles)
		}
	})

	t.Run("schedule, retention, prefix and ports", func(t *testing.T) {
		tpl := assertions.Synth(t, program(ops.Args{DispatchSchedule: "cron(0 3 * * ? *)", RunRetentionDays: 90,
			ImagePrefix: "uploads/photos/", ForbiddenPorts: []int{22, 8080}}, false), dev)
		tpl.Resource(eventRule, "ops-dispatch").HasProperties(assertions.M{"scheduleExpression": "cron(0 3 * * ? *)"})
		tpl.Resource(function, "ops-dispatcher").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"RUN_TTL_DAYS": "90"}}})
		tpl.Resource(notification, "ops-uploads").HasProperties(assertions.M{"lambdaFunctions": []any{assertions.M{"filterPrefix": "uploads/photos/"}}})
		tpl.Resource(function, "ops-remediate").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"FORBIDDEN_PORTS": "22,8080"}}})
	})

	t.Run("memory and log retention", func(t *testing.T) {
		tpl := assertions.Synth(t, program(ops.Args{MemoryMB: 1024, LogRetentionDays: 90}, false), dev)
		for _, fn := range ops.Functions {
			tpl.Resource(function, "ops-"+fn).HasProperties(assertions.M{"memorySize": 1024})
			tpl.Resource(logGroup, "ops-"+fn).HasProperties(assertions.M{"retentionInDays": 90})
		}
		tpl.Resource(logGroup, "ops-images").HasProperties(assertions.M{"retentionInDays": 90})
		// Below the thumbnail's floor only the thumbnail is raised.
		tpl = assertions.Synth(t, program(ops.Args{MemoryMB: 128}, false), dev)
		tpl.Resource(function, "ops-thumbnail").HasProperties(assertions.M{"memorySize": 512})
		tpl.Resource(function, "ops-metadata").HasProperties(assertions.M{"memorySize": 128})
	})

	t.Run("e-mail subscriptions", func(t *testing.T) {
		tpl := assertions.Synth(t, program(ops.Args{AlarmEmails: []string{"oncall@example.com"}, NotificationEmails: []string{"ops@example.com"}}, false), dev)
		for topicName, address := range map[string]string{"ops-alarms": "oncall@example.com", "ops-notifications": "ops@example.com"} {
			if found := tpl.FindResources(subscription, assertions.M{"protocol": "email", "endpoint": address,
				"topic": tpl.Resource(topic, topicName).Attr("arn")}); len(found) != 1 {
				t.Errorf("%s: got %d e-mail subscriptions for %s; want 1", topicName, len(found), address)
			}
		}
		tpl.ResourceCountIs(subscription, 2)
	})

	for _, c := range []struct {
		protect bool
	}{{true}, {false}} {
		t.Run(fmt.Sprintf("DeletionProtection %v", c.protect), func(t *testing.T) {
			tpl := assertions.Synth(t, program(ops.Args{DeletionProtection: c.protect}, false), dev)
			for _, tb := range []string{"ops-tasks", "ops-runs", "ops-images"} {
				tpl.Resource(table, tb).HasProperties(assertions.M{"deletionProtectionEnabled": c.protect})
			}
			for _, b := range []string{"ops-access-logs", "ops-uploads", "ops-output"} {
				tpl.Resource(bucket, b).HasProperties(assertions.M{"forceDestroy": !c.protect})
			}
		})
	}
}

// TestOpsTwoInstances: every child's name derives from the pattern's, so
// two instances deploy side by side, and each one's alarms watch its own
// resources; the task failure metric is the handlers' (patterns/ops/metrics),
// whose dimensions do not name the instance.
func TestOpsTwoInstances(t *testing.T) {
	tpl := assertions.Synth(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
		for _, name := range []string{"ops", "ops-eu"} {
			if _, err := ops.New(ctx, name, &ops.Args{Root: root}); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}, dev)
	tpl.ResourceCountIs("kumo:patterns:OperationsAutomation", 2)
	tpl.ResourceCountIs(alias, 2*len(ops.Functions))
	tpl.Resource(metricAlarm, "ops-eu-images-failed").HasProperties(assertions.M{"dimensions": assertions.Exact(assertions.M{
		"StateMachineArn": tpl.Resource(stateMachine, "ops-eu-images").Attr("arn")})})
	tpl.Resource(metricAlarm, "ops-eu-task-failures").HasProperties(assertions.M{"namespace": metrics.Namespace,
		"metricName": metrics.Failures, "dimensions": assertions.Exact(assertions.M{"Pattern": metrics.Pattern, "Function": "dispatcher"})})
	tpl.Resource(eventTarget, "ops-eu-dispatch").HasProperties(assertions.M{"arn": tpl.Resource(alias, "ops-eu-dispatcher").Attr("arn")})
}

func TestOpsPassesKumoCheck(t *testing.T) {
	for _, c := range []struct {
		name     string
		args     ops.Args
		releases bool
	}{
		{"defaults", ops.Args{}, false},
		{"prod-like", prodLike, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep, err := kcheck.Run(synthResult(t, program(c.args, c.releases)), root, nil)
			if err != nil {
				t.Fatalf("kumo check: %v", err)
			}
			for _, f := range rep.Findings {
				if f.Level == kcheck.Error {
					t.Errorf("kumo check: %s on %s %s: %s", f.ID(), f.Type, f.Name, f.Message)
				}
			}
			if len(rep.Unused) > 0 {
				t.Errorf("kumo check: unused suppressions %+v", rep.Unused)
			}
			// The workflow's steps say why they need no dead-letter queue;
			// the functions EventBridge and S3 invoke asynchronously have
			// one.
			for _, fn := range []string{"metadata", "detect", "thumbnail", "store"} {
				if suppressed(rep, "Serverless-LambdaDLQ", function, "ops-"+fn, "") == "" {
					t.Errorf("ops-%s: Serverless-LambdaDLQ not suppressed with a reason; want it, only the workflow invokes it", fn)
				}
			}
			for _, fn := range []string{"dispatcher", "remediate", "starter"} {
				if suppressed(rep, "Serverless-LambdaDLQ", function, "ops-"+fn, "") != "" {
					t.Errorf("ops-%s: Serverless-LambdaDLQ suppressed; want it passed, it is invoked asynchronously", fn)
				}
			}
			// The dispatcher's Describe on * is accepted with its reason,
			// and so is every other wildcard of its EC2 policy.
			for _, detail := range []string{"Resource::*", "Resource::arn:aws:ec2:*::snapshot/*", "Resource::arn:aws:ec2:*:*:volume/*"} {
				if reason := suppressed(rep, "AwsSolutions-IAM5", rolePolicy, "ops-dispatcher-allow-ebs-snapshots", detail); reason == "" {
					t.Errorf("AwsSolutions-IAM5[%s] on the dispatcher's EC2 policy: got no suppression with a reason; want one", detail)
				}
			}
			if reason := suppressed(rep, "AwsSolutions-IAM5", rolePolicy, "ops-dispatcher-allow-ebs-snapshots", "Resource::*"); !strings.Contains(reason, "Describe") {
				t.Errorf("AwsSolutions-IAM5[Resource::*] on the dispatcher: suppressed with %q; want the Describe reason", reason)
			}
		})
	}
}

// suppressed returns the reason rule (with detail, for a granular rule)
// was suppressed on the resource of type typ named name, or "".
func suppressed(rep *kcheck.Report, rule, typ, name, detail string) string {
	for _, f := range rep.Suppressed {
		if f.Rule == rule && f.Type == typ && f.Name == name && f.Detail == detail && f.Suppression != nil {
			return f.Suppression.Reason
		}
	}
	return ""
}

// TestOpsBadArgsRegisterNothing: each bad input, alone and all at once,
// is refused by New before anything is registered, with one
// *constructs.ValidationError naming every problem; Args.Validate reports
// the same without a stack.
func TestOpsBadArgsRegisterNothing(t *testing.T) {
	all := ops.Args{MemoryMB: 64, LogRetentionDays: 8, RunRetentionDays: -1, DispatchSchedule: "every day",
		CrossAccountRoleArns: []string{"arn:aws:iam::12:role/x"}, ImagePrefix: "/images", ForbiddenPorts: []int{70000},
		NotificationEmails: []string{"nope"}, AlarmEmails: []string{"also-nope"}}
	cases := []struct {
		name string
		args ops.Args
		want []string
	}{
		{"memory", ops.Args{MemoryMB: 64}, []string{`function "ops-dispatcher": MemoryMB: 64 is outside 128–10240`, `function "ops-store": MemoryMB: 64`}},
		{"log retention", ops.Args{LogRetentionDays: 8}, []string{`function "ops-remediate": LogRetentionDays: 8 is not a CloudWatch Logs retention`}},
		{"schedule", ops.Args{DispatchSchedule: "every day"}, []string{`schedule "ops-dispatch": Expression: "every day"`}},
		{"run retention", ops.Args{RunRetentionDays: 3651}, []string{`RunRetentionDays: 3651 is outside 1–3650`}},
		{"negative run retention", ops.Args{RunRetentionDays: -1}, []string{`RunRetentionDays: -1 is outside 1–3650`}},
		{"port", ops.Args{ForbiddenPorts: []int{22, 70000}}, []string{`ForbiddenPorts: 70000 is not a port (0–65535)`}},
		{"role ARN", ops.Args{CrossAccountRoleArns: []string{"arn:aws:iam::12:role/x"}},
			[]string{`CrossAccountRoleArns: "arn:aws:iam::12:role/x" is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)`}},
		{"user ARN", ops.Args{CrossAccountRoleArns: []string{"arn:aws:iam::111122223333:user/x"}}, []string{`CrossAccountRoleArns: "arn:aws:iam::111122223333:user/x"`}},
		{"prefix", ops.Args{ImagePrefix: "/images/"}, []string{`ImagePrefix: "/images/" must end in '/' and not start with one`}},
		{"prefix without a slash", ops.Args{ImagePrefix: "photos"}, []string{`ImagePrefix: "photos" must end in '/'`}},
		{"notification e-mail", ops.Args{NotificationEmails: []string{"nope"}}, []string{`topic "ops-notifications": EmailSubscriptions[0]: "nope" is not an e-mail address`}},
		{"alarm e-mail", ops.Args{AlarmEmails: []string{"ops@example.com", "nope"}}, []string{`topic "ops-alarms": EmailSubscriptions[1]: "nope"`}},
		{"all at once", all, []string{`MemoryMB: 64`, `LogRetentionDays: 8`, `RunRetentionDays: -1`, `Expression: "every day"`,
			`"arn:aws:iam::12:role/x"`, `ImagePrefix: "/images"`, `ForbiddenPorts: 70000`, `"nope"`, `"also-nope"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, err := assertions.TrySynth(t, program(c.args, false), dev)
			var ve *constructs.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v; want a *constructs.ValidationError", err)
			}
			if !strings.Contains(err.Error(), `invalid operations automation "ops": `) {
				t.Errorf("error: got %q; want it to name the pattern", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			seen := map[string]bool{}
			for _, p := range ve.Problems {
				if seen[p.Error()] {
					t.Errorf("problem reported twice: %v", p)
				}
				seen[p.Error()] = true
			}
			if tpl == nil {
				t.Fatal("template: got nil; want the empty stack the program ran in")
			}
			tpl.ResourceCountIs("", 0)
			args := c.args
			args.Root = root
			if verr := args.Validate("ops"); verr == nil || !strings.HasSuffix(err.Error(), verr.Error()) {
				t.Errorf("Args.Validate: got\n%v\nwant New's\n%v", verr, err)
			}
		})
	}
}

// The pattern's copy of the snapshot tag is the executor's.
func TestSnapshotTaskTagIsTheExecutors(t *testing.T) {
	if ops.SnapshotTaskTag != snapshots.TaskTag {
		t.Errorf("ops.SnapshotTaskTag %q; the ebs-snapshot executor tags with %q", ops.SnapshotTaskTag, snapshots.TaskTag)
	}
}
