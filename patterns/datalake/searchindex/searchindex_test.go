package searchindex

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kumo-iac/kumo/patterns/datalake/catalog"
)

type env struct {
	t    *testing.T
	ctx  context.Context
	f    *fakeSearch
	ix   *Indexer
	logs *bytes.Buffer
	seq  int
}

func newEnv(t *testing.T, reportItems bool) *env {
	t.Helper()
	f := newFakeSearch()
	t.Cleanup(f.srv.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	cfg := aws.Config{Region: f.region, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return testCreds, nil })}
	c, err := NewClient(f.srv.URL, cfg, f.srv.Client().Transport)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, f: f, logs: &bytes.Buffer{}}
	e.ix = New(c, DefaultIndex, reportItems, slog.New(slog.NewJSONHandler(e.logs, nil)))
	return e
}

func entry(key string) catalog.Entry {
	loc := catalog.ParseKey(key)
	return catalog.Entry{
		ObjectKey: key, Bucket: "lake-raw", Size: 1234, ContentType: "application/json", Type: "application/json",
		Dataset: loc.Dataset, Partition: loc.Partition, Tags: map[string]string{"owner": "web"},
		ETag: "99914b932bd37a50b983c5e7c90ae93b", Sequencer: "0055AED6DCD90281E5", EventTime: "2024-03-09T10:11:12.345Z",
	}
}

// record is a stream record of the catalog table, its image made the way
// the catalog writes the item.
func (e *env) record(name string, en catalog.Entry) events.DynamoDBEventRecord {
	e.t.Helper()
	e.seq++
	item, err := attributevalue.MarshalMap(en)
	if err != nil {
		e.t.Fatal(err)
	}
	img := streamImage(item)
	rec := events.DynamoDBEventRecord{
		EventID:     fmt.Sprint(e.seq),
		EventName:   name,
		EventSource: "aws:dynamodb",
		Change: events.DynamoDBStreamRecord{
			Keys:           map[string]events.DynamoDBAttributeValue{catalog.KeyAttribute: events.NewStringAttribute(en.ObjectKey)},
			SequenceNumber: fmt.Sprintf("1110000000000%07d", e.seq),
			StreamViewType: "NEW_AND_OLD_IMAGES",
		},
	}
	switch name {
	case "REMOVE":
		rec.Change.OldImage = img
	default:
		rec.Change.NewImage = img
	}
	return rec
}

func streamImage(item map[string]ddbtypes.AttributeValue) map[string]events.DynamoDBAttributeValue {
	out := map[string]events.DynamoDBAttributeValue{}
	for k, v := range item {
		out[k] = streamValue(v)
	}
	return out
}

func streamValue(v ddbtypes.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *ddbtypes.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *ddbtypes.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *ddbtypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *ddbtypes.AttributeValueMemberM:
		return events.NewMapAttribute(streamImage(v.Value))
	case *ddbtypes.AttributeValueMemberNULL:
		return events.NewNullAttribute()
	default:
		panic(fmt.Sprintf("no stream form for %T", v))
	}
}

func (e *env) handle(recs ...events.DynamoDBEventRecord) (events.DynamoDBEventResponse, error) {
	return e.ix.Handle(e.ctx, events.DynamoDBEvent{Records: recs})
}

func (e *env) noProblems() {
	e.t.Helper()
	if _, _, problems := e.f.state(); len(problems) > 0 {
		e.t.Errorf("the server saw protocol violations:\n%s", strings.Join(problems, "\n"))
	}
}

func TestBatchIsOneBulkRequest(t *testing.T) {
	e := newEnv(t, true)
	a, b := entry("clicks/year=2024/month=03/day=09/a.json"), entry("clicks/year=2024/month=03/day=09/b.json")
	a2 := a
	a2.Size, a2.Tags = 99, map[string]string{"owner": "web", "pii": "true"}
	resp, err := e.handle(
		e.record("INSERT", a),
		e.record("INSERT", b),
		e.record("MODIFY", a2),
		e.record("REMOVE", b),
		e.record("REMOVE", entry("never/indexed.json")), // 404: already gone
	)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("got %+v, %v; want success", resp, err)
	}
	docs, requests, _ := e.f.state()
	e.noProblems()
	if want := []string{"HEAD /lake-catalog", "PUT /lake-catalog", "POST /lake-catalog/_bulk"}; !reflect.DeepEqual(requests, want) {
		t.Errorf("got requests %v; want %v", requests, want)
	}
	if len(docs) != 1 {
		t.Fatalf("got documents %v; want only a's", docs)
	}
	got := docs[a.ObjectKey]
	if got["size"] != json.Number("99") || got["dataset"] != "clicks" || got["partition"] != "year=2024/month=03/day=09" ||
		got["eventTime"] != "2024-03-09T10:11:12.345Z" || !reflect.DeepEqual(got["tags"], map[string]any{"owner": "web", "pii": "true"}) {
		t.Errorf("got document %v; want the modified entry's fields", got)
	}
	// The index was created with the explicit mapping.
	var created, want any
	_ = json.Unmarshal(e.f.indices[DefaultIndex], &created)
	_ = json.Unmarshal([]byte(Mapping), &want)
	if !reflect.DeepEqual(created, want) {
		t.Errorf("index created with %s; want Mapping", e.f.indices[DefaultIndex])
	}

	// A warm execution environment does not ask about the index again.
	if _, err := e.handle(e.record("INSERT", b)); err != nil {
		t.Fatal(err)
	}
	if _, requests, _ := e.f.state(); len(requests) != 4 || requests[3] != "POST /lake-catalog/_bulk" {
		t.Errorf("got requests %v; want one more bulk request only", requests)
	}
}

func TestMappingTypesTheCatalogFields(t *testing.T) {
	var m struct {
		Mappings struct {
			Properties map[string]struct {
				Type string `json:"type"`
			} `json:"properties"`
		} `json:"mappings"`
	}
	if err := json.Unmarshal([]byte(Mapping), &m); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]string{"dataset": "keyword", "partition": "keyword", "type": "keyword", "size": "long", "eventTime": "date", "objectKey": "keyword"} {
		if got := m.Mappings.Properties[field].Type; got != want {
			t.Errorf("%s: got type %q; want %q", field, got, want)
		}
	}
	// Every field of a catalog entry is mapped explicitly.
	b, _ := json.Marshal(catalog.Entry{})
	var fields map[string]any
	_ = json.Unmarshal(b, &fields)
	for f := range fields {
		if _, ok := m.Mappings.Properties[f]; !ok {
			t.Errorf("catalog field %s has no explicit mapping", f)
		}
	}
}

// Items OpenSearch refuses are reported by sequence number; the rest are
// applied. Lambda then retries from the lowest reported one.
func TestRefusedItemsAreReported(t *testing.T) {
	e := newEnv(t, true)
	a, b, c := entry("d/a.json"), entry("d/b.json"), entry("d/c.json")
	e.f.itemErrors[b.ObjectKey] = itemError{429, "es_rejected_execution_exception"}
	e.f.itemErrors[c.ObjectKey] = itemError{400, "mapper_parsing_exception"}
	ra, rb, rc := e.record("INSERT", a), e.record("INSERT", b), e.record("REMOVE", c)
	resp, err := e.handle(ra, rb, rc)
	if err != nil {
		t.Fatal(err)
	}
	want := []events.DynamoDBBatchItemFailure{{ItemIdentifier: rb.Change.SequenceNumber}, {ItemIdentifier: rc.Change.SequenceNumber}}
	if !reflect.DeepEqual(resp.BatchItemFailures, want) {
		t.Errorf("got failures %+v; want %+v", resp.BatchItemFailures, want)
	}
	if docs, _, _ := e.f.state(); docs[a.ObjectKey] == nil {
		t.Errorf("a was not indexed; want the items around a refusal applied")
	}
	if !strings.Contains(e.logs.String(), "es_rejected_execution_exception") {
		t.Errorf("logs %s; want the refusal's type logged", e.logs)
	}
	// The response is the JSON Lambda reads.
	if b, _ := json.Marshal(resp); string(b) != fmt.Sprintf(`{"batchItemFailures":[{"itemIdentifier":"%s"},{"itemIdentifier":"%s"}]}`, rb.Change.SequenceNumber, rc.Change.SequenceNumber) {
		t.Errorf("got %s", b)
	}
	e.noProblems()
}

// Without ReportBatchItemFailures on the mapping, a response listing
// failures would read as success, so the batch fails instead.
func TestRefusedItemsFailTheBatchWithoutItemReports(t *testing.T) {
	e := newEnv(t, false)
	b := entry("d/b.json")
	e.f.itemErrors[b.ObjectKey] = itemError{400, "mapper_parsing_exception"}
	rb := e.record("INSERT", b)
	resp, err := e.handle(e.record("INSERT", entry("d/a.json")), rb)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 records were refused by the index (first: sequence number "+rb.Change.SequenceNumber+")") || len(resp.BatchItemFailures) != 0 {
		t.Errorf("got %+v, %v; want an error naming the refused record", resp, err)
	}
}

func TestWholeRequestFailures(t *testing.T) {
	e := newEnv(t, true)
	if _, err := e.handle(e.record("INSERT", entry("d/a.json"))); err != nil {
		t.Fatal(err)
	}
	// Throttling and unavailability are retried with backoff.
	e.f.failStatus = []int{429, 503}
	if resp, err := e.handle(e.record("INSERT", entry("d/b.json"))); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Errorf("after 429 and 503: got %+v, %v; want success on the third attempt", resp, err)
	}
	// A request OpenSearch refuses as a whole fails the batch at once.
	e.f.failStatus = []int{400}
	_, before, _ := e.f.state()
	if _, err := e.handle(e.record("INSERT", entry("d/c.json"))); err == nil || !strings.Contains(err.Error(), "bulk request of 1 actions to lake-catalog") {
		t.Errorf("after 400: got %v; want the batch failed", err)
	}
	// Unavailability that lasts fails the batch after MaxRetries.
	e.f.failStatus = []int{503, 503, 503, 503, 503}
	if _, err := e.handle(e.record("INSERT", entry("d/c.json"))); err == nil {
		t.Errorf("after 503s: got nil; want the batch failed")
	}
	_, after, _ := e.f.state()
	if n := len(after) - len(before); n != 1+MaxRetries+1 {
		t.Errorf("got %d requests for a 400 and a lasting 503; want 1 and %d", n, MaxRetries+1)
	}
	e.f.failStatus = nil
	e.noProblems()
}

func TestIndexCreationFailureFailsTheBatch(t *testing.T) {
	e := newEnv(t, true)
	e.f.failStatus = []int{403}
	if _, err := e.handle(e.record("INSERT", entry("d/a.json"))); err == nil || !strings.Contains(err.Error(), "does index lake-catalog exist") {
		t.Errorf("got %v; want the failed index check named", err)
	}
	// The next batch asks again.
	if _, err := e.handle(e.record("INSERT", entry("d/a.json"))); err != nil {
		t.Fatal(err)
	}
	if _, requests, _ := e.f.state(); !reflect.DeepEqual(requests, []string{"HEAD /lake-catalog", "HEAD /lake-catalog", "PUT /lake-catalog", "POST /lake-catalog/_bulk"}) {
		t.Errorf("got %v", requests)
	}
}

// Two execution environments may both find no index and both create it;
// the second's "already exists" is no failure.
func TestIndexCreatedByAnother(t *testing.T) {
	e := newEnv(t, true)
	e.f.indices[DefaultIndex] = json.RawMessage(Mapping)
	e.f.docs[DefaultIndex] = map[string]map[string]any{}
	e.f.hideIndex = true
	if _, err := e.handle(e.record("INSERT", entry("d/a.json"))); err != nil {
		t.Fatalf("got %v; want resource_already_exists_exception taken as success", err)
	}
	e.noProblems()
}

func TestLongKeysGetHashedIDs(t *testing.T) {
	e := newEnv(t, true)
	long := "d/" + strings.Repeat("é", 300) + ".json" // 600 bytes, 306 characters
	if _, err := e.handle(e.record("INSERT", entry(long))); err != nil {
		t.Fatal(err)
	}
	docs, _, _ := e.f.state()
	id := DocumentID(long)
	if !strings.HasPrefix(id, "sha256:") || len(id) != len("sha256:")+64 || docs[id]["objectKey"] != long {
		t.Errorf("got id %q, documents %v; want a sha256 id whose document holds the key", id, docs)
	}
	if DocumentID("d/a.json") != "d/a.json" || DocumentID(strings.Repeat("a", 512)) != strings.Repeat("a", 512) {
		t.Errorf("keys up to 512 bytes must be their own id")
	}
	if _, err := e.handle(e.record("REMOVE", entry(long))); err != nil {
		t.Fatal(err)
	}
	if docs, _, _ := e.f.state(); len(docs) != 0 {
		t.Errorf("got %v; want the long key's document deleted by the same id", docs)
	}
	e.noProblems()
}

// A stream record the Indexer cannot read fails the batch, naming why.
func TestUnreadableRecords(t *testing.T) {
	e := newEnv(t, true)
	keysOnly := e.record("INSERT", entry("d/a.json"))
	keysOnly.Change.NewImage, keysOnly.Change.StreamViewType = nil, "KEYS_ONLY"
	noKey := e.record("MODIFY", entry("d/a.json"))
	delete(noKey.Change.NewImage, catalog.KeyAttribute)
	otherTable := e.record("REMOVE", entry("d/a.json"))
	otherTable.Change.Keys = map[string]events.DynamoDBAttributeValue{"id": events.NewStringAttribute("x")}
	noSeq := e.record("INSERT", entry("d/a.json"))
	noSeq.Change.SequenceNumber = ""
	odd := e.record("INSERT", entry("d/a.json"))
	odd.EventName = "TRUNCATE"
	for _, tc := range []struct {
		rec  events.DynamoDBEventRecord
		want string
	}{
		{keysOnly, "StreamViewType NEW_IMAGE or NEW_AND_OLD_IMAGES, not KEYS_ONLY"},
		{noKey, "new image has no string objectKey"},
		{otherTable, "have no string objectKey: is this the catalog table's stream?"},
		{noSeq, "no sequence number"},
		{odd, `event name "TRUNCATE" is none of INSERT, MODIFY, REMOVE`},
	} {
		if _, err := e.handle(tc.rec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v; want an error containing %q", err, tc.want)
		}
	}
	if _, requests, _ := e.f.state(); len(requests) != 0 {
		t.Errorf("got requests %v; want none for an unreadable batch", requests)
	}
}

// The event as the Lambda runtime decodes a DynamoDB stream batch
// (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html): numbers
// stay exact, nested maps and sets become JSON.
const streamEventJSON = `{"Records":[{
  "eventID":"c4ca4238a0b923820dcc509a6f75849b","eventName":"INSERT","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"eu-west-1",
  "dynamodb":{"ApproximateCreationDateTime":1710000000,
    "Keys":{"objectKey":{"S":"clicks/year=2024/month=03/day=09/a.json"}},
    "NewImage":{"objectKey":{"S":"clicks/year=2024/month=03/day=09/a.json"},"bucket":{"S":"lake-raw"},"size":{"N":"9007199254740993"},
      "dataset":{"S":"clicks"},"partition":{"S":"year=2024/month=03/day=09"},"type":{"S":"application/json"},"contentType":{"S":""},
      "tags":{"M":{"owner":{"S":"web"}}},"eventTime":{"S":"2024-03-09T10:11:12.345Z"},"extra":{"SS":["b","a"]},"flag":{"BOOL":true},"none":{"NULL":true}},
    "SequenceNumber":"111","SizeBytes":26,"StreamViewType":"NEW_AND_OLD_IMAGES"},
  "eventSourceARN":"arn:aws:dynamodb:eu-west-1:123456789012:table/lake-catalog/stream/2024-03-09T00:00:00.000"}]}`

func TestHandlesTheEventAsLambdaSendsIt(t *testing.T) {
	e := newEnv(t, true)
	var ev events.DynamoDBEvent
	if err := json.Unmarshal([]byte(streamEventJSON), &ev); err != nil {
		t.Fatal(err)
	}
	if resp, err := e.ix.Handle(e.ctx, ev); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("got %+v, %v", resp, err)
	}
	docs, _, _ := e.f.state()
	got := docs["clicks/year=2024/month=03/day=09/a.json"]
	want := map[string]any{
		"objectKey": "clicks/year=2024/month=03/day=09/a.json", "bucket": "lake-raw", "size": json.Number("9007199254740993"),
		"dataset": "clicks", "partition": "year=2024/month=03/day=09", "type": "application/json", "contentType": "",
		"tags": map[string]any{"owner": "web"}, "eventTime": "2024-03-09T10:11:12.345Z", "extra": []any{"b", "a"}, "flag": true, "none": nil,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got document\n%v\nwant\n%v", got, want)
	}
	e.noProblems()
}

func TestEmptyBatchSendsNothing(t *testing.T) {
	e := newEnv(t, true)
	if resp, err := e.handle(); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Errorf("got %+v, %v", resp, err)
	}
	if _, requests, _ := e.f.state(); len(requests) != 0 {
		t.Errorf("got requests %v; want none", requests)
	}
}

func TestNewClientRefuses(t *testing.T) {
	cfg := aws.Config{Region: "eu-west-1"}
	for _, tc := range []struct {
		endpoint string
		cfg      aws.Config
		want     string
	}{
		{"http://search-lake.eu-west-1.es.amazonaws.com", cfg, "want the domain's https:// URL"},
		{"search-lake.eu-west-1.es.amazonaws.com", cfg, "want the domain's https:// URL"},
		{"https://search-lake.eu-west-1.es.amazonaws.com/lake-catalog", cfg, "with no path"},
		{"https://user:pw@search-lake.eu-west-1.es.amazonaws.com", cfg, "https://"},
		{"https://search-lake.eu-west-1.es.amazonaws.com", aws.Config{}, "set AWS_REGION"},
	} {
		if _, err := NewClient(tc.endpoint, tc.cfg, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewClient(%q): got %v; want an error containing %q", tc.endpoint, err, tc.want)
		}
	}
	if _, err := NewClient("https://search-lake.eu-west-1.es.amazonaws.com/", cfg, nil); err != nil {
		t.Errorf("a trailing slash: got %v; want it accepted", err)
	}
}

func TestValidateIndexName(t *testing.T) {
	for _, ok := range []string{"lake-catalog", "a", "lake.catalog_2024"} {
		if err := ValidateIndexName(ok); err != nil {
			t.Errorf("ValidateIndexName(%q) = %v; want nil", ok, err)
		}
	}
	for _, tc := range []struct{ name, want string }{
		{"", "empty"},
		{"Lake", "upper-case"},
		{"_lake", `starts with "_"`},
		{"-lake", `starts with "-"`},
		{"lake catalog", `contains " "`},
		{"lake,catalog", `contains ","`},
		{"lake*", `contains "*"`},
		{"..", "not allowed"},
		{strings.Repeat("a", 256), "255"},
	} {
		if err := ValidateIndexName(tc.name); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ValidateIndexName(%q) = %v; want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestBackoffIsBounded(t *testing.T) {
	for attempt := 1; attempt <= 10; attempt++ {
		limit := min(100*time.Millisecond<<(attempt-1), 2*time.Second)
		for range 50 {
			if d := backoff(attempt); d <= 0 || d > limit {
				t.Fatalf("backoff(%d) = %s; want within (0, %s]", attempt, d, limit)
			}
		}
	}
}

// The fake verifies every signature by signing again (so every other test
// asserts that requests carry valid SigV4 for service "es"); here a wrong
// secret shows that verification is not vacuous.
func TestWronglySignedRequestsAreRefused(t *testing.T) {
	e := newEnv(t, true)
	bad := testCreds
	bad.SecretAccessKey = "not-the-secret"
	cfg := aws.Config{Region: e.f.region, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return bad, nil })}
	c, err := NewClient(e.f.srv.URL, cfg, e.f.srv.Client().Transport)
	if err != nil {
		t.Fatal(err)
	}
	ix := New(c, DefaultIndex, true, slog.New(slog.DiscardHandler))
	if _, err := ix.Handle(e.ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{e.record("INSERT", entry("d/a.json"))}}); err == nil {
		t.Errorf("got nil; want the batch failed by the server's 403")
	}
	_, _, problems := e.f.state()
	if len(problems) != 1 || !strings.Contains(problems[0], "signature does not verify") || !strings.Contains(problems[0], "/eu-west-1/es/aws4_request") {
		t.Errorf("got problems %v; want the signature (for es in eu-west-1) refused", problems)
	}
}
