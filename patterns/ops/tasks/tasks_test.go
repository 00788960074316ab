package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/kumo-iac/kumo/internal/localaws"
	"github.com/kumo-iac/kumo/patterns/ops/metrics"
)

// The dispatcher reads and writes dynalite, so the conditional claim, the
// scan and the items' shapes are a real DynamoDB protocol's answers. See
// internal/localaws for installing it.
func TestMain(m *testing.M) {
	code := m.Run()
	localaws.StopAll()
	os.Exit(code)
}

type fakeExecutor struct {
	calls []Task
	creds []aws.CredentialsProvider
	fail  map[string]error
}

func (f *fakeExecutor) Execute(_ context.Context, t Task, creds aws.CredentialsProvider) (map[string]any, error) {
	f.calls = append(f.calls, t)
	f.creds = append(f.creds, creds)
	return map[string]any{"volumes": []string{"vol-1"}, "target": t.Target}, f.fail[t.TaskID]
}

type fakeSTS struct{ in []*sts.AssumeRoleInput }

func (f *fakeSTS) AssumeRole(_ context.Context, in *sts.AssumeRoleInput, _ ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	f.in = append(f.in, in)
	return &sts.AssumeRoleOutput{Credentials: &ststypes.Credentials{AccessKeyId: aws.String("ASIAOTHER"), SecretAccessKey: aws.String("s"), SessionToken: aws.String("t")}}, nil
}

type fakeSNS struct{ in []*sns.PublishInput }

func (f *fakeSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.in = append(f.in, in)
	return &sns.PublishOutput{MessageId: aws.String("m")}, nil
}

type env struct {
	ctx     context.Context
	db      *dynamodb.Client
	d       *Dispatcher
	exec    *fakeExecutor
	sts     *fakeSTS
	sns     *fakeSNS
	metrics *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	db := localaws.Shared(t, localaws.Dynalite).DynamoDB()
	str := ddbtypes.ScalarAttributeTypeS
	tasks := localaws.NewTable(t, ctx, db, "tasks", dynamodb.CreateTableInput{
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("taskId"), AttributeType: str}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("taskId"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	runs := localaws.NewTable(t, ctx, db, "runs", dynamodb.CreateTableInput{
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("taskId"), AttributeType: str}, {AttributeName: aws.String("runId"), AttributeType: str}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("taskId"), KeyType: ddbtypes.KeyTypeHash}, {AttributeName: aws.String("runId"), KeyType: ddbtypes.KeyTypeRange}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	e := &env{ctx: ctx, db: db, exec: &fakeExecutor{fail: map[string]error{}}, sts: &fakeSTS{}, sns: &fakeSNS{}, metrics: &bytes.Buffer{}}
	getenv := map[string]string{"TASK_TABLE": tasks, "RUNS_TABLE": runs, "FAILURE_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:ops-failures", "RUN_TTL_DAYS": "10"}
	d, err := FromEnv(db, e.sts, e.sns, map[string]Executor{"ebs-snapshot": e.exec}, func(k string) string { return getenv[k] },
		metrics.New(e.metrics, "dispatcher"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2025, 6, 1, 12, 0, 5, 0, time.UTC)
	d.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	e.d = d
	return e
}

func (e *env) put(t *testing.T, item map[string]any) {
	t.Helper()
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.PutItem(e.ctx, &dynamodb.PutItemInput{TableName: aws.String(e.d.TaskTable), Item: av}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) task(t *testing.T, id string) Task {
	t.Helper()
	out, err := e.db.GetItem(e.ctx, &dynamodb.GetItemInput{TableName: aws.String(e.d.TaskTable), Key: map[string]ddbtypes.AttributeValue{"taskId": &ddbtypes.AttributeValueMemberS{Value: id}}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	var task Task
	if err := attributevalue.UnmarshalMap(out.Item, &task); err != nil {
		t.Fatal(err)
	}
	return task
}

func (e *env) runs(t *testing.T) []Run {
	t.Helper()
	out, err := e.db.Scan(e.ctx, &dynamodb.ScanInput{TableName: aws.String(e.d.RunsTable)})
	if err != nil {
		t.Fatal(err)
	}
	var runs []Run
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &runs); err != nil {
		t.Fatal(err)
	}
	return runs
}

func schedule(at time.Time) events.CloudWatchEvent {
	return events.CloudWatchEvent{DetailType: "Scheduled Event", Source: "aws.events", Time: at}
}

func TestDispatcherRunsDueTasksAndRecordsThem(t *testing.T) {
	e := newEnv(t)
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	e.put(t, map[string]any{"taskId": "never-ran", "action": "ebs-snapshot", "target": "Backup=nightly", "periodMinutes": 1440, "retentionDays": 7, "enabled": true})
	e.put(t, map[string]any{"taskId": "ran-long-ago", "action": "ebs-snapshot", "target": "Backup=hourly", "periodMinutes": 60, "retentionDays": 1, "enabled": true,
		"lastRun": "2025-06-01T11:00:00Z", "roleArn": "arn:aws:iam::210987654321:role/kumo-ops-target", "dryRun": true})
	e.put(t, map[string]any{"taskId": "ran-recently", "action": "ebs-snapshot", "target": "x=y", "periodMinutes": 60, "enabled": true, "lastRun": "2025-06-01T11:15:00Z"})
	e.put(t, map[string]any{"taskId": "disabled", "action": "ebs-snapshot", "target": "x=y", "periodMinutes": 1, "enabled": false})
	e.put(t, map[string]any{"taskId": "unknown-action", "action": "reboot", "target": "x=y", "periodMinutes": 1, "enabled": true})
	e.put(t, map[string]any{"taskId": "fails", "action": "ebs-snapshot", "target": "x=y", "periodMinutes": 5, "enabled": true})
	e.exec.fail["fails"] = errors.New("create snapshot of vol-1: UnauthorizedOperation")

	s, err := e.d.Handle(e.ctx, schedule(at))
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{ScheduledTime: "2025-06-01T12:00:00Z", Tasks: 6, Due: 3, Succeeded: 2, Failed: 1, Invalid: []string{"unknown-action"}}
	if got, _ := json.Marshal(s); string(got) != string(must(json.Marshal(want))) {
		t.Errorf("summary: got %s; want %s", got, must(json.Marshal(want)))
	}
	var ran []string
	for _, c := range e.exec.calls {
		ran = append(ran, c.TaskID)
	}
	if got := strings.Join(ran, ","); got != "fails,never-ran,ran-long-ago" {
		t.Errorf("ran %s; want fails,never-ran,ran-long-ago (task ID order)", got)
	}
	// Only the task with a role ran with assumed credentials.
	if len(e.sts.in) != 1 || aws.ToString(e.sts.in[0].RoleArn) != "arn:aws:iam::210987654321:role/kumo-ops-target" || aws.ToString(e.sts.in[0].RoleSessionName) != "kumo-ops-ran-long-ago" {
		t.Errorf("AssumeRole calls: %+v", e.sts.in)
	}
	if e.exec.creds[1] != nil || e.exec.creds[2] == nil {
		t.Errorf("credentials: got %v; want nil for never-ran and the assumed role's for ran-long-ago", e.exec.creds)
	} else if c, _ := e.exec.creds[2].Retrieve(e.ctx); c.AccessKeyID != "ASIAOTHER" {
		t.Errorf("executor got access key %s; want the assumed role's", c.AccessKeyID)
	}
	if !e.exec.calls[2].DryRun {
		t.Error("dryRun did not reach the executor")
	}
	// lastRun is the scheduled time for the tasks that ran, untouched for
	// the others.
	for id, want := range map[string]string{"never-ran": "2025-06-01T12:00:00Z", "ran-long-ago": "2025-06-01T12:00:00Z", "fails": "2025-06-01T12:00:00Z", "ran-recently": "2025-06-01T11:15:00Z", "disabled": ""} {
		if got := e.task(t, id).LastRun; got != want {
			t.Errorf("%s lastRun: got %q; want %q", id, got, want)
		}
	}
	runs := e.runs(t)
	if len(runs) != 3 {
		t.Fatalf("got %d runs; want 3: %+v", len(runs), runs)
	}
	for _, r := range runs {
		if r.RunID != "2025-06-01T12:00:00Z" || r.Action != "ebs-snapshot" || r.Start == "" || r.End < r.Start || r.Details["volumes"] == nil {
			t.Errorf("run %+v lacks its fields", r)
		}
		start, _ := time.Parse(stamp, r.Start)
		if got, want := r.ExpiresAt, start.Add(10*24*time.Hour).Unix(); got != want {
			t.Errorf("run %s expiresAt %d; want %d (RUN_TTL_DAYS after the start)", r.TaskID, got, want)
		}
		wantOutcome := Succeeded
		if r.TaskID == "fails" {
			wantOutcome = Failed
			if !strings.Contains(r.Error, "UnauthorizedOperation") {
				t.Errorf("failed run's error: %q", r.Error)
			}
		}
		if r.Outcome != wantOutcome {
			t.Errorf("run %s outcome %s; want %s", r.TaskID, r.Outcome, wantOutcome)
		}
	}
	if len(e.sns.in) != 1 {
		t.Fatalf("got %d publications; want 1 (the failed run)", len(e.sns.in))
	}
	p := e.sns.in[0]
	if aws.ToString(p.TopicArn) != "arn:aws:sns:eu-west-1:123456789012:ops-failures" || aws.ToString(p.Subject) != "kumo ops: task fails failed" || !strings.Contains(aws.ToString(p.Message), `"outcome": "failed"`) {
		t.Errorf("publication: %s %s %s", aws.ToString(p.TopicArn), aws.ToString(p.Subject), aws.ToString(p.Message))
	}
	if got := e.metrics.String(); !strings.Contains(got, `"Failures":1`) || !strings.Contains(got, `"Runs":3`) {
		t.Errorf("metrics: %s", got)
	}

	// The same tick again (EventBridge delivers at least once): nothing
	// is due any more, nothing runs twice.
	s, err = e.d.Handle(e.ctx, schedule(at))
	if err != nil || s.Due != 0 || len(e.exec.calls) != 3 {
		t.Errorf("repeat tick: %+v, %v, %d calls; want nothing due", s, err, len(e.exec.calls))
	}
	// Five minutes later only the 5-minute task is due.
	s, err = e.d.Handle(e.ctx, schedule(at.Add(5*time.Minute)))
	if err != nil || s.Due != 1 || e.exec.calls[len(e.exec.calls)-1].TaskID != "fails" {
		t.Errorf("5 minutes later: %+v, %v", s, err)
	}
}

// A task that another invocation claimed between the scan and the claim
// is not run again.
func TestClaimLosesToAnotherInvocation(t *testing.T) {
	e := newEnv(t)
	e.put(t, map[string]any{"taskId": "a", "action": "ebs-snapshot", "target": "x=y", "periodMinutes": 60, "enabled": true, "lastRun": "2025-06-01T10:00:00Z"})
	stale := e.task(t, "a")
	e.put(t, map[string]any{"taskId": "a", "action": "ebs-snapshot", "target": "x=y", "periodMinutes": 60, "enabled": true, "lastRun": "2025-06-01T12:00:00Z"})
	ok, err := e.d.claim(e.ctx, stale, time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	if err != nil || ok {
		t.Errorf("claim with a stale lastRun: got %t, %v; want false, nil", ok, err)
	}
	never := Task{TaskID: "a"}
	if ok, err := e.d.claim(e.ctx, never, time.Now()); err != nil || ok {
		t.Errorf("claim of a never-run task that has run: got %t, %v; want false, nil", ok, err)
	}
}

func TestValidateSaysEverything(t *testing.T) {
	err := Task{TaskID: "bad id!", Action: "x", PeriodMinutes: 0, RetentionDays: -1, RoleARN: "role/x", LastRun: "yesterday"}.Validate([]string{"ebs-snapshot"})
	for _, want := range []string{`taskId "bad id!"`, `action "x": use one of ebs-snapshot`, "periodMinutes 0", "retentionDays -1", `roleArn "role/x"`, `lastRun "yesterday"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestFromEnvReportsEveryProblem(t *testing.T) {
	env := map[string]string{"RUNS_TABLE": "arn:aws:dynamodb:eu-west-1:123456789012:table/runs", "FAILURE_TOPIC_ARN": "failures", "RUN_TTL_DAYS": "0"}
	_, err := FromEnv(nil, nil, nil, nil, func(k string) string { return env[k] }, nil, nil)
	for _, want := range []string{"TASK_TABLE is not set", `RUNS_TABLE is "arn:`, `FAILURE_TOPIC_ARN is "failures"`, `RUN_TTL_DAYS is "0"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
