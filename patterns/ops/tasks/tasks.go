// Package tasks is the operations automation pattern's scheduled-job
// dispatcher: an EventBridge schedule invokes it (through its alias), it
// reads the task definitions from a DynamoDB table, runs each task that is
// due through the executor registered for its action (in another account
// when the task names a role to assume), records every run in a runs
// table, and publishes to SNS when a run fails. The Lambda entry point is
// patterns/ops/functions/dispatcher; the one executor shipped is
// patterns/ops/snapshots (action "ebs-snapshot").
//
// # Adding a task
//
// A task is one item of the task table (partition key taskId, a string):
//
//	{
//	  "taskId":        "nightly-web-snapshots",   // 1 to 64 of A-Z a-z 0-9 _ -
//	  "action":        "ebs-snapshot",            // a registered executor
//	  "target":        "Backup=nightly",          // the instances' tag, Key=Value
//	  "periodMinutes": 1440,                      // run at most this often, 1 to 525600
//	  "retentionDays": 7,                         // expire the task's snapshots after this; 0 keeps them
//	  "roleArn":       "arn:aws:iam::210987654321:role/kumo-ops-target", // optional: run in that account
//	  "dryRun":        false,                     // ask EC2 to check permissions only
//	  "enabled":       true
//	}
//
// for example
//
//	aws dynamodb put-item --table-name <TASK_TABLE> --item '{
//	  "taskId": {"S": "nightly-web-snapshots"}, "action": {"S": "ebs-snapshot"},
//	  "target": {"S": "Backup=nightly"}, "periodMinutes": {"N": "1440"},
//	  "retentionDays": {"N": "7"}, "dryRun": {"BOOL": false}, "enabled": {"BOOL": true}}'
//
// Set enabled to false to pause a task; disable the schedule rule to pause
// them all. The dispatcher keeps lastRun (the scheduled time of the task's
// last run, RFC 3339) up to date itself. A task is due when it has never
// run or when periodMinutes have passed since lastRun, measured in the
// schedule's own times, so a daily task on a 15-minute schedule runs once
// a day at the same tick. The dispatcher claims a due task with a
// conditional write of lastRun before it runs it, so that EventBridge's
// at-least-once delivery and overlapping invocations never run a task
// twice for one period. A role named by roleArn must trust the
// dispatcher's role (sts:AssumeRole) and allow what the executor does.
//
// # Runs
//
// Every run is an item of the runs table: partition key taskId, sort key
// runId (the scheduled time, RFC 3339), with action, start and end (RFC
// 3339 with milliseconds), outcome ("succeeded" or "failed"), error,
// dryRun, details (what the executor did) and expiresAt (epoch seconds,
// RUN_TTL_DAYS after the start; turn on the table's TTL on expiresAt).
package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kumo-iac/kumo/internal/envvar"
	"github.com/kumo-iac/kumo/patterns/ops/metrics"
)

// Task is one item of the task table.
type Task struct {
	TaskID        string `dynamodbav:"taskId" json:"taskId"`
	Action        string `dynamodbav:"action" json:"action"`
	Target        string `dynamodbav:"target" json:"target"`
	PeriodMinutes int    `dynamodbav:"periodMinutes" json:"periodMinutes"`
	RetentionDays int    `dynamodbav:"retentionDays" json:"retentionDays"`
	RoleARN       string `dynamodbav:"roleArn,omitempty" json:"roleArn,omitempty"`
	DryRun        bool   `dynamodbav:"dryRun" json:"dryRun"`
	Enabled       bool   `dynamodbav:"enabled" json:"enabled"`
	LastRun       string `dynamodbav:"lastRun,omitempty" json:"lastRun,omitempty"`
}

// Run is one item of the runs table.
type Run struct {
	TaskID    string         `dynamodbav:"taskId" json:"taskId"`
	RunID     string         `dynamodbav:"runId" json:"runId"`
	Action    string         `dynamodbav:"action" json:"action"`
	Start     string         `dynamodbav:"start" json:"start"`
	End       string         `dynamodbav:"end" json:"end"`
	Outcome   string         `dynamodbav:"outcome" json:"outcome"`
	Error     string         `dynamodbav:"error,omitempty" json:"error,omitempty"`
	DryRun    bool           `dynamodbav:"dryRun" json:"dryRun"`
	Details   map[string]any `dynamodbav:"details,omitempty" json:"details,omitempty"`
	ExpiresAt int64          `dynamodbav:"expiresAt" json:"expiresAt"`
}

// Outcomes of a run.
const (
	Succeeded = "succeeded"
	Failed    = "failed"
)

// Executor runs one task. creds are the assumed role's credentials when
// the task names a role, nil for the function's own. Details say what it
// did (they go to the run's record, also when it fails); they must
// marshal to DynamoDB (maps, slices, strings, numbers, bools).
type Executor interface {
	Execute(ctx context.Context, t Task, creds aws.CredentialsProvider) (details map[string]any, err error)
}

// DynamoDB is the part of the DynamoDB API the Dispatcher calls.
type DynamoDB interface {
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// STS is the part of the STS API the Dispatcher calls.
type STS interface {
	AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
}

// SNS is the part of the SNS API the Dispatcher calls.
type SNS interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

var (
	_ DynamoDB = (*dynamodb.Client)(nil)
	_ STS      = (*sts.Client)(nil)
	_ SNS      = (*sns.Client)(nil)
)

// DefaultRunTTLDays is how long run records are kept unless RUN_TTL_DAYS
// says otherwise.
const DefaultRunTTLDays = 30

// Dispatcher runs the due tasks.
type Dispatcher struct {
	DB              DynamoDB
	TaskTable       string
	RunsTable       string
	STS             STS
	SNS             SNS
	FailureTopicARN string
	RunTTLDays      int
	// Executors by action.
	Executors map[string]Executor
	Metrics   *metrics.Emitter
	Log       *slog.Logger
	// Now is the clock for the runs' start and end; nil means time.Now.
	Now func() time.Time
}

// FromEnv configures a Dispatcher from TASK_TABLE, RUNS_TABLE,
// FAILURE_TOPIC_ARN (required) and RUN_TTL_DAYS (default 30, 1 to 3650).
func FromEnv(db DynamoDB, stsc STS, snsc SNS, executors map[string]Executor, getenv func(string) string, m *metrics.Emitter, log *slog.Logger) (*Dispatcher, error) {
	e := envvar.New(getenv)
	d := &Dispatcher{
		DB:              db,
		TaskTable:       e.Table("TASK_TABLE", "the task table (partition key taskId, a string)", true),
		RunsTable:       e.Table("RUNS_TABLE", "the runs table (partition key taskId, sort key runId, strings)", true),
		STS:             stsc,
		SNS:             snsc,
		FailureTopicARN: e.TopicARN("FAILURE_TOPIC_ARN", "the SNS topic told of failed runs"),
		RunTTLDays:      e.Int("RUN_TTL_DAYS", DefaultRunTTLDays, 1, 3650),
		Executors:       executors,
		Metrics:         m,
		Log:             log,
	}
	return d, e.Err()
}

// Summary is what one invocation did; the handler returns it.
type Summary struct {
	ScheduledTime string `json:"scheduledTime"`
	Tasks         int    `json:"tasks"`
	Due           int    `json:"due"`
	Succeeded     int    `json:"succeeded"`
	Failed        int    `json:"failed"`
	// Invalid are the task IDs of items that are not valid tasks; they
	// never run and are logged each time.
	Invalid []string `json:"invalid,omitempty"`
	// Claimed are the due tasks another invocation ran first.
	Claimed int `json:"claimed"`
}

// Handle runs the tasks due at the scheduled event's time (now, for an
// event without one). Failed runs do not fail the invocation (they are
// recorded and published); a run that cannot be recorded or published,
// or a task table that cannot be read, does, after every due task ran.
func (d *Dispatcher) Handle(ctx context.Context, ev events.CloudWatchEvent) (Summary, error) {
	at := ev.Time
	if at.IsZero() {
		at = d.now()
	}
	s, err := d.RunDue(ctx, at.UTC().Truncate(time.Second))
	d.Log.Info("dispatch", slog.String("scheduledTime", s.ScheduledTime), slog.Int("tasks", s.Tasks), slog.Int("due", s.Due),
		slog.Int("succeeded", s.Succeeded), slog.Int("failed", s.Failed), slog.Int("claimed", s.Claimed), slog.Any("invalid", s.Invalid))
	if merr := d.Metrics.Emit(map[string]float64{metrics.Runs: float64(s.Succeeded + s.Failed), metrics.Failures: float64(s.Failed)}); merr != nil {
		d.Log.Warn("metrics", slog.String("error", merr.Error()))
	}
	return s, err
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Task IDs name STS sessions and SNS subjects: keep them to what both
// take (role session names are [\w+=,.@-]{2,64},
// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
var taskID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// An IAM role ARN (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns).
var roleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)

// Validate says everything wrong with t, or nil.
func (t Task) Validate(actions []string) error {
	var errs []error
	if !taskID.MatchString(t.TaskID) {
		errs = append(errs, fmt.Errorf("taskId %q: use 1 to 64 of A-Z a-z 0-9 _ -", t.TaskID))
	}
	if !slices.Contains(actions, t.Action) {
		errs = append(errs, fmt.Errorf("action %q: use one of %s", t.Action, strings.Join(actions, ", ")))
	}
	if t.PeriodMinutes < 1 || t.PeriodMinutes > 525600 {
		errs = append(errs, fmt.Errorf("periodMinutes %d: use 1 to 525600 (a year)", t.PeriodMinutes))
	}
	if t.RetentionDays < 0 || t.RetentionDays > 36500 {
		errs = append(errs, fmt.Errorf("retentionDays %d: use 0 (keep) to 36500", t.RetentionDays))
	}
	if t.RoleARN != "" && !roleARN.MatchString(t.RoleARN) {
		errs = append(errs, fmt.Errorf("roleArn %q: use an IAM role ARN, arn:aws:iam::<account>:role/<name>", t.RoleARN))
	}
	if t.LastRun != "" {
		if _, err := time.Parse(time.RFC3339, t.LastRun); err != nil {
			errs = append(errs, fmt.Errorf("lastRun %q: use RFC 3339, or remove it to run the task at the next tick", t.LastRun))
		}
	}
	return errors.Join(errs...)
}

// Due says whether t is due at the scheduled time at.
func (t Task) Due(at time.Time) bool {
	if !t.Enabled {
		return false
	}
	if t.LastRun == "" {
		return true
	}
	last, err := time.Parse(time.RFC3339, t.LastRun)
	if err != nil {
		return false
	}
	return !at.Before(last.Add(time.Duration(t.PeriodMinutes) * time.Minute))
}

// RunDue runs every task due at the scheduled time at, one after the
// other in task ID order.
func (d *Dispatcher) RunDue(ctx context.Context, at time.Time) (Summary, error) {
	s := Summary{ScheduledTime: at.Format(time.RFC3339)}
	all, err := d.scan(ctx)
	if err != nil {
		return s, err
	}
	s.Tasks = len(all)
	actions := slices.Sorted(maps.Keys(d.Executors))
	var errs []error
	for _, t := range all {
		if err := t.Validate(actions); err != nil {
			s.Invalid = append(s.Invalid, t.TaskID)
			d.Log.Error("invalid task", slog.String("taskId", t.TaskID), slog.String("error", err.Error()))
			continue
		}
		if !t.Due(at) {
			continue
		}
		s.Due++
		ok, err := d.claim(ctx, t, at)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			s.Claimed++
			continue
		}
		run := d.run(ctx, t, at)
		if run.Outcome == Succeeded {
			s.Succeeded++
		} else {
			s.Failed++
		}
		if err := d.record(ctx, run); err != nil {
			errs = append(errs, err)
		}
		if run.Outcome == Failed {
			if err := d.alert(ctx, run); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return s, errors.Join(errs...)
}

// scan reads every task, strongly consistent so that a lastRun just
// written is seen, sorted by task ID.
func (d *Dispatcher) scan(ctx context.Context) ([]Task, error) {
	var all []Task
	p := dynamodb.NewScanPaginator(d.DB, &dynamodb.ScanInput{TableName: aws.String(d.TaskTable), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan task table %s: %w", d.TaskTable, err)
		}
		for _, item := range page.Items {
			var t Task
			if err := attributevalue.UnmarshalMap(item, &t); err != nil {
				// A task that does not unmarshal still has an ID to log.
				_ = attributevalue.Unmarshal(item["taskId"], &t.TaskID)
				t.Action = "" // fails Validate with the ID
				t.PeriodMinutes = 0
			}
			all = append(all, t)
		}
	}
	slices.SortFunc(all, func(a, b Task) int { return strings.Compare(a.TaskID, b.TaskID) })
	return all, nil
}

// claim sets the task's lastRun to at if it is still what was read; false
// when another invocation changed it first.
func (d *Dispatcher) claim(ctx context.Context, t Task, at time.Time) (bool, error) {
	in := &dynamodb.UpdateItemInput{
		TableName:                 aws.String(d.TaskTable),
		Key:                       map[string]ddbtypes.AttributeValue{"taskId": &ddbtypes.AttributeValueMemberS{Value: t.TaskID}},
		UpdateExpression:          aws.String("SET lastRun = :at"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":at": &ddbtypes.AttributeValueMemberS{Value: at.Format(time.RFC3339)}},
	}
	if t.LastRun == "" {
		in.ConditionExpression = aws.String("attribute_not_exists(lastRun)")
	} else {
		in.ConditionExpression = aws.String("lastRun = :last")
		in.ExpressionAttributeValues[":last"] = &ddbtypes.AttributeValueMemberS{Value: t.LastRun}
	}
	_, err := d.DB.UpdateItem(ctx, in)
	var ccf *ddbtypes.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("claim task %s: %w", t.TaskID, err)
	}
	return true, nil
}

const stamp = "2006-01-02T15:04:05.000Z07:00"

// run runs t and says how it went; it never fails, a failure is the run's
// outcome.
func (d *Dispatcher) run(ctx context.Context, t Task, at time.Time) Run {
	start := d.now().UTC()
	r := Run{TaskID: t.TaskID, RunID: at.Format(time.RFC3339), Action: t.Action, Start: start.Format(stamp), DryRun: t.DryRun,
		ExpiresAt: start.Add(time.Duration(d.RunTTLDays) * 24 * time.Hour).Unix()}
	details, err := d.execute(ctx, t)
	r.End = d.now().UTC().Format(stamp)
	r.Details = details
	r.Outcome = Succeeded
	if err != nil {
		r.Outcome = Failed
		r.Error = err.Error()
	}
	d.Log.Info("run", slog.String("taskId", t.TaskID), slog.String("action", t.Action), slog.String("outcome", r.Outcome), slog.String("error", r.Error))
	return r
}

func (d *Dispatcher) execute(ctx context.Context, t Task) (map[string]any, error) {
	var creds aws.CredentialsProvider
	if t.RoleARN != "" {
		out, err := d.STS.AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn:         aws.String(t.RoleARN),
			RoleSessionName: aws.String("kumo-ops-" + t.TaskID[:min(len(t.TaskID), 55)]),
			DurationSeconds: aws.Int32(900), // the least STS allows; a run fits in the function's timeout
		})
		if err != nil {
			return nil, fmt.Errorf("assume role %s: %w", t.RoleARN, err)
		}
		c := out.Credentials
		if c == nil {
			return nil, fmt.Errorf("assume role %s: no credentials in the answer", t.RoleARN)
		}
		creds = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	}
	return d.Executors[t.Action].Execute(ctx, t, creds)
}

func (d *Dispatcher) record(ctx context.Context, r Run) error {
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return fmt.Errorf("record run %s/%s: %w", r.TaskID, r.RunID, err)
	}
	if _, err := d.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.RunsTable), Item: item}); err != nil {
		return fmt.Errorf("record run %s/%s: %w", r.TaskID, r.RunID, err)
	}
	return nil
}

// alert publishes the failed run's record as JSON. The subject is at most
// 100 printable ASCII characters
// (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html); task IDs
// are ASCII.
func (d *Dispatcher) alert(ctx context.Context, r Run) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	subject := "kumo ops: task " + r.TaskID + " failed"
	_, err = d.SNS.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(d.FailureTopicARN), Subject: aws.String(subject), Message: aws.String(string(b))})
	if err != nil {
		return fmt.Errorf("publish failure of %s/%s: %w", r.TaskID, r.RunID, err)
	}
	return nil
}
