package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/kumo-iac/kumo/internal/localaws"
)

// The Writer runs against s3rver and dynalite, so HeadObject's 404 for a
// deleted key, GetObjectTagging and the sequencer conditions are a real
// server's answers. See internal/localaws for installing them.
func TestMain(m *testing.M) {
	code := m.Run()
	localaws.StopAll()
	os.Exit(code)
}

type env struct {
	t      *testing.T
	ctx    context.Context
	s3     *s3.Client
	db     *dynamodb.Client
	bucket string
	table  string
	spy    *spyS3
	w      *Writer
	logs   *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	s3srv := localaws.Shared(t, localaws.S3rver)
	ddbsrv := localaws.Shared(t, localaws.Dynalite)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	e := &env{t: t, ctx: ctx, s3: s3srv.S3(), db: ddbsrv.DynamoDB(), logs: &bytes.Buffer{}}
	e.bucket = localaws.NewBucket(t, ctx, e.s3, "raw")
	e.table = localaws.NewTable(t, ctx, e.db, "catalog", dynamodb.CreateTableInput{
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String(KeyAttribute), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String(KeyAttribute), KeyType: ddbtypes.KeyTypeHash}},
	})
	e.spy = &spyS3{S3: e.s3, errs: map[string]error{}}
	e.w = NewWriter(e.spy, e.db, e.table, slog.New(slog.NewJSONHandler(e.logs, nil)))
	return e
}

// spyS3 passes calls to s3rver, or fails the ones named in errs: the
// answers a healthy server never gives.
type spyS3 struct {
	S3
	errs map[string]error // by key
}

func (s *spyS3) HeadObject(ctx context.Context, in *s3.HeadObjectInput, o ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if err := s.errs[aws.ToString(in.Key)]; err != nil {
		return nil, err
	}
	return s.S3.HeadObject(ctx, in, o...)
}

// record is an S3 event record as S3 sends it: the key URL-encoded.
func (e *env) record(name, key, sequencer string) events.S3EventRecord {
	return events.S3EventRecord{
		EventVersion: "2.1",
		EventSource:  "aws:s3",
		EventTime:    time.Date(2024, 3, 9, 10, 11, 12, 345_000_000, time.UTC),
		EventName:    name,
		S3: events.S3Entity{
			Bucket: events.S3Bucket{Name: e.bucket, Arn: "arn:aws:s3:::" + e.bucket},
			Object: events.S3Object{Key: url.QueryEscape(key), Sequencer: sequencer},
		},
	}
}

func (e *env) handle(recs ...events.S3EventRecord) error {
	e.t.Helper()
	return e.w.Handle(e.ctx, events.S3Event{Records: recs})
}

func (e *env) outcome(rec events.S3EventRecord) Outcome {
	e.t.Helper()
	o, err := e.w.Record(e.ctx, rec)
	if err != nil {
		e.t.Fatalf("%s %s: %v", rec.EventName, rec.S3.Object.Key, err)
	}
	return o
}

func (e *env) entry(key string) (Entry, bool) {
	e.t.Helper()
	out, err := e.db.GetItem(e.ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(e.table),
		Key:            map[string]ddbtypes.AttributeValue{KeyAttribute: &ddbtypes.AttributeValueMemberS{Value: key}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if out.Item == nil {
		return Entry{}, false
	}
	var got Entry
	if err := attributevalue.UnmarshalMap(out.Item, &got); err != nil {
		e.t.Fatal(err)
	}
	return got, true
}

func (e *env) put(key, contentType, body string, tags map[string]string) *s3.PutObjectOutput {
	e.t.Helper()
	return localaws.PutObject(e.t, e.ctx, e.s3, e.bucket, key, contentType, []byte(body), tags)
}

func (e *env) deleteObject(key string) {
	e.t.Helper()
	if _, err := e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(e.bucket), Key: aws.String(key)}); err != nil {
		e.t.Fatal(err)
	}
}

func TestCreatedEventWritesWhatS3Holds(t *testing.T) {
	e := newEnv(t)
	// Spaces and '=' arrive encoded ("part+1", "year%3D2024").
	key := "clicks/year=2024/month=03/day=09/part 1.json"
	put := e.put(key, "application/json", `{"a":1}`+"\n", map[string]string{"owner": "web", "pii": "false"})
	if err := e.handle(e.record("ObjectCreated:Put", key, "0055AED6DCD90281E5")); err != nil {
		t.Fatal(err)
	}
	got, ok := e.entry(key)
	if !ok {
		t.Fatalf("no entry for %q", key)
	}
	want := Entry{
		ObjectKey:   key,
		Bucket:      e.bucket,
		Size:        8,
		ContentType: "application/json",
		Type:        "application/json",
		Dataset:     "clicks",
		Partition:   "year=2024/month=03/day=09",
		Tags:        map[string]string{"owner": "web", "pii": "false"},
		ETag:        strings.Trim(aws.ToString(put.ETag), `"`),
		Sequencer:   mustOrder(t, "0055AED6DCD90281E5"),
		EventTime:   "2024-03-09T10:11:12.345Z",
	}
	if !maps.Equal(got.Tags, want.Tags) {
		t.Errorf("got tags %v; want %v", got.Tags, want.Tags)
	}
	got.Tags, want.Tags = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got entry\n%+v\nwant\n%+v", got, want)
	}
	if len(want.ETag) != 32 {
		t.Errorf("got ETag %q; want the MD5 hex S3 returns, without quotes", want.ETag)
	}
}

// An object outside the layout, with no content type and no tags, still
// gets an entry: empty dataset and partition, type from the extension.
func TestUnpartitionedObject(t *testing.T) {
	e := newEnv(t)
	e.put("readme.csv", "", "a,b\n", nil)
	if err := e.handle(e.record("ObjectCreated:Put", "readme.csv", "01")); err != nil {
		t.Fatal(err)
	}
	got, ok := e.entry("readme.csv")
	if !ok {
		t.Fatal("no entry")
	}
	if got.Dataset != "" || got.Partition != "" || got.Type != "text/csv" || len(got.Tags) != 0 {
		t.Errorf("got %+v; want no dataset or partition, type text/csv, no tags", got)
	}
}

// S3 delivers at least once and in any order; whatever the order, the
// table ends up holding the newest event's view, and stale events change
// nothing.
func TestOutOfOrderEventsKeepTheNewest(t *testing.T) {
	e := newEnv(t)
	key := "orders/year=2024/month=01/day=02/f.json"
	// The key's history: created (9F), deleted (A00), created again
	// (0B00) with new content. As raw strings "9F" would sort last.
	e.put(key, "application/json", `{"v":2}`, map[string]string{"v": "2"})
	created1 := e.record("ObjectCreated:Put", key, "9F")
	deleted := e.record("ObjectRemoved:Delete", key, "A00")
	created2 := e.record("ObjectCreated:Put", key, "0B00")

	if got := e.outcome(created2); got != Written {
		t.Fatalf("newest create: got %s; want written", got)
	}
	// The delete arrives late while the key holds the newer object: it
	// must not remove the entry.
	if got := e.outcome(deleted); got != Stale {
		t.Errorf("late delete: got %s; want stale", got)
	}
	if got := e.outcome(created1); got != Stale {
		t.Errorf("late first create: got %s; want stale", got)
	}
	// A duplicate of the newest rewrites the same entry.
	if got := e.outcome(created2); got != Written {
		t.Errorf("duplicate: got %s; want written", got)
	}
	got, ok := e.entry(key)
	if !ok || got.Sequencer != mustOrder(t, "0B00") || got.Tags["v"] != "2" || got.Size != 7 {
		t.Errorf("got %+v (found %v); want the second object's entry from event 0B00", got, ok)
	}
}

// The object is deleted after its entry was written: a delete older than
// the entry leaves it, the newest delete removes it, and a create
// redelivered afterwards cannot bring it back, since S3 no longer holds
// the object.
func TestDeletesAreOrderedToo(t *testing.T) {
	e := newEnv(t)
	key := "orders/year=2024/month=01/day=03/g.json"
	e.put(key, "application/json", `{}`, nil)
	if got := e.outcome(e.record("ObjectCreated:Put", key, "0300")); got != Written {
		t.Fatalf("create: got %s; want written", got)
	}
	e.deleteObject(key)
	if got := e.outcome(e.record("ObjectRemoved:Delete", key, "0200")); got != Stale {
		t.Errorf("delete older than the entry: got %s; want stale", got)
	}
	if _, ok := e.entry(key); !ok {
		t.Errorf("the entry from event 0300 was removed by the older delete 0200")
	}
	if got := e.outcome(e.record("ObjectRemoved:Delete", key, "0400")); got != Deleted {
		t.Errorf("newest delete: got %s; want deleted", got)
	}
	if _, ok := e.entry(key); ok {
		t.Errorf("entry still there after the newest delete")
	}
	if got := e.outcome(e.record("ObjectCreated:Put", key, "0300")); got != Deleted {
		t.Errorf("redelivered create of a deleted object: got %s; want deleted (nothing to write)", got)
	}
	if _, ok := e.entry(key); ok {
		t.Errorf("a redelivered create resurrected the entry of a deleted object")
	}
}

// Failed records are named in the error, so that the invocation fails
// and Lambda retries; the others are handled regardless. A 403 from
// HeadObject (as S3 answers for a missing key without s3:ListBucket) is a
// failure, never taken for a deletion.
func TestFailedRecordsAreReported(t *testing.T) {
	e := newEnv(t)
	e.put("a/x.json", "", "{}", nil)
	e.put("a/denied.json", "", "{}", nil)
	e.put("a/z.json", "", "{}", nil)
	if _, ok := e.entry("a/denied.json"); ok {
		t.Fatal("entry before any event")
	}
	e.spy.errs["a/denied.json"] = &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusForbidden}}, Err: errors.New("Forbidden")},
	}
	err := e.handle(
		e.record("ObjectCreated:Put", "a/x.json", "01"),
		e.record("ObjectCreated:Put", "a/denied.json", "01"),
		e.record("ObjectCreated:Put", "a/z.json", "01"),
		e.record("ObjectCreated:Put", "a/nosequencer.json", ""),
	)
	var be *BatchError
	if !errors.As(err, &be) {
		t.Fatalf("got %v; want a *BatchError", err)
	}
	var keys []string
	for _, f := range be.Failed {
		keys = append(keys, f.Key)
	}
	if be.Total != 4 || strings.Join(keys, ",") != "a/denied.json,a/nosequencer.json" {
		t.Errorf("got %d failed of %d: %v; want a/denied.json and a/nosequencer.json of 4", len(be.Failed), be.Total, keys)
	}
	for _, want := range []string{"2 of 4 records failed", "s3://" + e.bucket + "/a/denied.json (ObjectCreated:Put): head object:", "sequencer is empty"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q; want it to contain %q", err, want)
		}
	}
	for _, k := range []string{"a/x.json", "a/z.json"} {
		if _, ok := e.entry(k); !ok {
			t.Errorf("%s: no entry; want the records around a failure handled", k)
		}
	}
	if _, ok := e.entry("a/denied.json"); ok {
		t.Errorf("a/denied.json: entry written despite the failure")
	}
	if !strings.Contains(e.logs.String(), `"catalog record failed"`) {
		t.Errorf("logs %s; want the failure logged", e.logs)
	}
}

// Only object-created and object-removed events touch the table.
func TestOtherEventsAreIgnored(t *testing.T) {
	e := newEnv(t)
	e.put("a/t.json", "", "{}", nil)
	for _, name := range []string{"ObjectTagging:Put", "ObjectRestore:Completed", "s3:TestEvent"} {
		if got := e.outcome(e.record(name, "a/t.json", "")); got != Ignored {
			t.Errorf("%s: got %s; want ignored", name, got)
		}
	}
	if _, ok := e.entry("a/t.json"); ok {
		t.Errorf("an ignored event wrote an entry")
	}
}

func TestBadRecords(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		rec  events.S3EventRecord
		want string
	}{
		{events.S3EventRecord{EventName: "ObjectCreated:Put", S3: events.S3Entity{Bucket: events.S3Bucket{Name: e.bucket}, Object: events.S3Object{Key: "bad%zzkey", Sequencer: "01"}}}, `object key "bad%zzkey" is not URL-encoded`},
		{events.S3EventRecord{EventName: "ObjectCreated:Put", S3: events.S3Entity{Object: events.S3Object{Key: "k", Sequencer: "01"}}}, "names no bucket"},
		{e.record("ObjectRemoved:Delete", "a/b", "xyz"), `sequencer "xyz" is not hexadecimal`},
	} {
		_, err := e.w.Record(e.ctx, tc.rec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v; want an error containing %q", err, tc.want)
		}
	}
}

// The event as the Lambda runtime decodes S3's JSON (version 2.1, as
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
// shows it): the key form-encoded, the sequencer a hex string.
const s3EventJSON = `{"Records":[{
  "eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"eu-west-1",
  "eventTime":"2024-03-09T10:11:12.345Z","eventName":"ObjectCreated:Put",
  "userIdentity":{"principalId":"AWS:AIDAEXAMPLE"},
  "requestParameters":{"sourceIPAddress":"203.0.113.9"},
  "responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
  "s3":{"s3SchemaVersion":"1.0","configurationId":"catalog",
    "bucket":{"name":"BUCKET","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::BUCKET"},
    "object":{"key":"clicks/year%3D2024/month%3D03/day%3D09/caf%C3%A9+menu.json","size":2,"eTag":"99914b932bd37a50b983c5e7c90ae93b","sequencer":"0055AED6DCD90281E5"}}}]}`

func TestHandlesTheEventAsS3SendsIt(t *testing.T) {
	e := newEnv(t)
	key := "clicks/year=2024/month=03/day=09/café menu.json"
	e.put(key, "application/json", "{}", nil)
	var ev events.S3Event
	if err := json.Unmarshal([]byte(strings.ReplaceAll(s3EventJSON, "BUCKET", e.bucket)), &ev); err != nil {
		t.Fatal(err)
	}
	if err := e.w.Handle(e.ctx, ev); err != nil {
		t.Fatal(err)
	}
	got, ok := e.entry(key)
	if !ok {
		t.Fatalf("no entry for the decoded key %q", key)
	}
	if got.Sequencer != mustOrder(t, "0055AED6DCD90281E5") || got.EventTime != "2024-03-09T10:11:12.345Z" || got.Partition != "year=2024/month=03/day=09" {
		t.Errorf("got %+v; want sequencer, event time and partition from the event", got)
	}
}
