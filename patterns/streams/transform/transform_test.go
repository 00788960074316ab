package transform

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kumo-iac/kumo/internal/localaws"
)

// Enrichment runs against dynalite, so BatchGetItem's request shape
// (projection, reserved words, 100-key limit) is a real server's concern.
// See internal/localaws for installing it.
func TestMain(m *testing.M) {
	code := m.Run()
	localaws.StopAll()
	os.Exit(code)
}

func quiet() *slog.Logger { return slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil)) }

// firehoseEvent is a batch exactly as Firehose sends it to a transform
// function, from a Kinesis stream source: record data base64-encoded,
// arrival times in epoch milliseconds.
func firehoseEvent(t *testing.T, datas ...string) events.KinesisFirehoseEvent {
	t.Helper()
	var recs []string
	for i, d := range datas {
		recs = append(recs, fmt.Sprintf(`{
      "recordId": "49546986683135544286507457936321625675700192471156785154%04d",
      "approximateArrivalTimestamp": 1710000000123,
      "data": %q,
      "kinesisRecordMetadata": {
        "shardId": "shardId-000000000000",
        "partitionKey": "d-1",
        "approximateArrivalTimestamp": 1710000000123,
        "sequenceNumber": "4954698668313554428650745793632162567570019247115678515%d",
        "subsequenceNumber": 0
      }
    }`, i, base64.StdEncoding.EncodeToString([]byte(d)), i))
	}
	raw := `{
  "invocationId": "4f6ed3c8-1d6f-4b7a-9a39-6f1a2b3c4d5e",
  "deliveryStreamArn": "arn:aws:firehose:eu-west-1:123456789012:deliverystream/readings",
  "sourceKinesisStreamArn": "arn:aws:kinesis:eu-west-1:123456789012:stream/readings",
  "region": "eu-west-1",
  "records": [` + strings.Join(recs, ",") + `]
}`
	var ev events.KinesisFirehoseEvent
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// wireRecord is a response record as Firehose reads it off the wire.
type wireRecord struct {
	RecordID string `json:"recordId"`
	Result   string `json:"result"`
	Data     string `json:"data"`
	Metadata struct {
		PartitionKeys map[string]string `json:"partitionKeys"`
	} `json:"metadata"`
}

// wire marshals resp as the Lambda runtime does and reads it back as
// Firehose would, checking that every record ID of ev is answered exactly
// once, in order, with a result Firehose knows.
func wire(t *testing.T, ev events.KinesisFirehoseEvent, resp events.KinesisFirehoseResponse) ([]wireRecord, int) {
	t.Helper()
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Records []wireRecord `json:"records"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Records) != len(ev.Records) {
		t.Fatalf("got %d response records; want one per input record, %d", len(got.Records), len(ev.Records))
	}
	for i, r := range got.Records {
		if r.RecordID != ev.Records[i].RecordID {
			t.Errorf("record %d: got recordId %q; want %q (every ID once, in order)", i, r.RecordID, ev.Records[i].RecordID)
		}
		switch r.Result {
		case "Ok", "Dropped", "ProcessingFailed":
		default:
			t.Errorf("record %d: got result %q; want Ok, Dropped or ProcessingFailed", i, r.Result)
		}
	}
	return got.Records, len(b)
}

func decode(t *testing.T, r wireRecord) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		t.Fatalf("record %s: data is not base64: %v", r.RecordID, err)
	}
	return string(b)
}

func TestReadingsBecomeTimedJSONLines(t *testing.T) {
	tr := &Transformer{Log: quiet()}
	ev := firehoseEvent(t,
		`{"deviceId":"d-1","ts":1710000000,"temperature":21.5}`,
		`{"deviceId":"d-2","ts":1710000000123,"temperature":-3,"humidity":40,"type":"reading"}`,
		`{"deviceId":"d-3","ts":1710000000.25,"temperature":1e1}`,
		`{"deviceId":"d-1","ts":1710000001,"type":"heartbeat"}`,
		`{"deviceId":"d-1","ts":"1710000000","temperature":20}`,
		`not json`,
		`[1,2]`,
		`{"deviceId":"d 1","ts":1710000000,"temperature":20}`,
		`{"deviceId":"d-1","temperature":20}`,
		`{"deviceId":"d-1","ts":1710000000,"temperature":20,"time":"yesterday"}`,
		`{"deviceId":"d-1","ts":-5,"temperature":20}`,
		`{"deviceId":"d-1","ts":1710000000,"temperature":"hot"}`,
	)
	resp, err := tr.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := wire(t, ev, resp)
	want := []struct{ result, data string }{
		{"Ok", `{"deviceId":"d-1","temperature":21.5,"time":"2024-03-09T16:00:00.000Z"}` + "\n"},
		{"Ok", `{"deviceId":"d-2","humidity":40,"temperature":-3,"time":"2024-03-09T16:00:00.123Z","type":"reading"}` + "\n"},
		{"Ok", `{"deviceId":"d-3","temperature":1e1,"time":"2024-03-09T16:00:00.250Z"}` + "\n"},
		{"Dropped", ""},
	}
	for i, w := range want {
		if got[i].Result != w.result || decode(t, got[i]) != w.data {
			t.Errorf("record %d: got %s %q; want %s %q", i, got[i].Result, decode(t, got[i]), w.result, w.data)
		}
	}
	if keys := got[0].Metadata.PartitionKeys; keys["year"] != "2024" || keys["month"] != "03" || keys["day"] != "09" {
		t.Errorf("partition keys: got %v; want the reading's year 2024, month 03, day 09", keys)
	}
	// Malformed records are failed with their original data, so Firehose
	// puts them under its processing-failed prefix for repair and replay.
	for i := len(want); i < len(got); i++ {
		if got[i].Result != "ProcessingFailed" || decode(t, got[i]) != string(ev.Records[i].Data) {
			t.Errorf("record %d (%s): got %s %q; want ProcessingFailed with the original data", i, ev.Records[i].Data, got[i].Result, decode(t, got[i]))
		}
	}
}

func TestEmptyBatch(t *testing.T) {
	tr := &Transformer{Log: quiet(), DeviceTable: "devices"} // no reads: nothing to enrich
	ev := firehoseEvent(t)
	resp, err := tr.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(resp); string(b) != `{"records":[]}` {
		t.Errorf("got %s; want an empty records list", b)
	}
}

type deviceEnv struct {
	db    *dynamodb.Client
	table string
	spy   *spyDB
}

func newDeviceTable(t *testing.T, ctx context.Context, devices map[string]Device) *deviceEnv {
	t.Helper()
	srv := localaws.Shared(t, localaws.Dynalite)
	db := srv.DynamoDB()
	table := localaws.NewTable(t, ctx, db, "devices", dynamodb.CreateTableInput{
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String(DeviceKeyAttribute), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String(DeviceKeyAttribute), KeyType: ddbtypes.KeyTypeHash}},
	})
	for id, d := range devices {
		item := map[string]ddbtypes.AttributeValue{DeviceKeyAttribute: &ddbtypes.AttributeValueMemberS{Value: id}}
		if d.Site != "" {
			item[SiteAttribute] = &ddbtypes.AttributeValueMemberS{Value: d.Site}
		}
		if d.Owner != "" {
			item[OwnerAttribute] = &ddbtypes.AttributeValueMemberS{Value: d.Owner}
		}
		item["firmware"] = &ddbtypes.AttributeValueMemberS{Value: "not projected"}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	return &deviceEnv{db: db, table: table, spy: &spyDB{DynamoDB: db}}
}

// spyDB records the keys of each BatchGetItem call.
type spyDB struct {
	DynamoDB
	mu    sync.Mutex
	calls [][]string
}

func (s *spyDB) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	var keys []string
	for _, ka := range in.RequestItems {
		for _, k := range ka.Keys {
			keys = append(keys, k[DeviceKeyAttribute].(*ddbtypes.AttributeValueMemberS).Value)
		}
	}
	s.mu.Lock()
	s.calls = append(s.calls, keys)
	s.mu.Unlock()
	return s.DynamoDB.BatchGetItem(ctx, in, o...)
}

func TestEnrichmentFromTheDeviceTable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	env := newDeviceTable(t, ctx, map[string]Device{
		"d-1": {Site: "Dublin 2", Owner: "facilities"},
		"d-2": {Site: "Cork"},
	})
	tr := &Transformer{DB: env.spy, DeviceTable: env.table, Log: quiet()}
	ev := firehoseEvent(t,
		`{"deviceId":"d-1","ts":1710000000,"temperature":21.5}`,
		`{"deviceId":"d-2","ts":1710000000,"temperature":19}`,
		`{"deviceId":"d-9","ts":1710000000,"temperature":18}`,
		`{"deviceId":"d-1","ts":1710000060,"temperature":22}`,
		`{"deviceId":"d-4","ts":1710000060,"type":"heartbeat"}`,
	)
	resp, err := tr.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := wire(t, ev, resp)
	want := []string{
		`{"deviceId":"d-1","owner":"facilities","site":"Dublin 2","temperature":21.5,"time":"2024-03-09T16:00:00.000Z"}` + "\n",
		`{"deviceId":"d-2","site":"Cork","temperature":19,"time":"2024-03-09T16:00:00.000Z"}` + "\n",
		`{"deviceId":"d-9","temperature":18,"time":"2024-03-09T16:00:00.000Z"}` + "\n", // unknown device: not enriched
		`{"deviceId":"d-1","owner":"facilities","site":"Dublin 2","temperature":22,"time":"2024-03-09T16:01:00.000Z"}` + "\n",
	}
	for i, w := range want {
		if d := decode(t, got[i]); got[i].Result != "Ok" || d != w {
			t.Errorf("record %d: got %s %q; want Ok %q", i, got[i].Result, d, w)
		}
	}
	// The batch's devices are read once, each distinct ID once; the
	// heartbeat's device is not read at all.
	if len(env.spy.calls) != 1 || strings.Join(env.spy.calls[0], ",") != "d-1,d-2,d-9" {
		t.Errorf("got BatchGetItem calls %v; want one for d-1,d-2,d-9", env.spy.calls)
	}
}

func TestEnrichmentReadsAHundredKeysPerCall(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	env := newDeviceTable(t, ctx, map[string]Device{"d-007": {Site: "Galway", Owner: "ops"}})
	tr := &Transformer{DB: env.spy, DeviceTable: env.table, Log: quiet()}
	var datas []string
	for i := range 250 {
		for range 2 { // every device twice: read once
			datas = append(datas, fmt.Sprintf(`{"deviceId":"d-%03d","ts":1710000000,"temperature":%d}`, i, i))
		}
	}
	ev := firehoseEvent(t, datas...)
	resp, err := tr.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := wire(t, ev, resp)
	var sizes []int
	for _, c := range env.spy.calls {
		sizes = append(sizes, len(c))
	}
	if fmt.Sprint(sizes) != "[100 100 50]" {
		t.Errorf("got BatchGetItem calls of %v keys; want [100 100 50]", sizes)
	}
	if d := decode(t, got[14]); !strings.Contains(d, `"site":"Galway"`) {
		t.Errorf("d-007's reading: got %q; want it enriched with its site", d)
	}
}

// unprocessedDB answers like a throttled table: the first rounds' keys
// come back unprocessed.
type unprocessedDB struct {
	DynamoDB
	rounds int
	calls  int
}

func (u *unprocessedDB) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	u.calls++
	if u.calls <= u.rounds {
		return &dynamodb.BatchGetItemOutput{UnprocessedKeys: in.RequestItems}, nil
	}
	return u.DynamoDB.BatchGetItem(ctx, in, o...)
}

func TestUnprocessedKeysAreRetriedThenFailTheBatch(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	env := newDeviceTable(t, ctx, map[string]Device{"d-1": {Site: "Cork"}})
	ev := firehoseEvent(t, `{"deviceId":"d-1","ts":1710000000,"temperature":20}`)

	db := &unprocessedDB{DynamoDB: env.db, rounds: 2}
	tr := &Transformer{DB: db, DeviceTable: env.table, UnprocessedBackoff: time.Millisecond, Log: quiet()}
	resp, err := tr.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := wire(t, ev, resp); !strings.Contains(decode(t, got[0]), "Cork") || db.calls != 3 {
		t.Errorf("got %q after %d calls; want the enriched reading after 3", decode(t, got[0]), db.calls)
	}

	// Still unprocessed after the retries: the invocation fails, and
	// Firehose retries it (then fails the batch into its error output).
	db = &unprocessedDB{DynamoDB: env.db, rounds: 100}
	tr = &Transformer{DB: db, DeviceTable: env.table, UnprocessedRetries: 3, UnprocessedBackoff: time.Millisecond, Log: quiet()}
	if _, err := tr.Handle(ctx, ev); err == nil || !strings.Contains(err.Error(), "1 keys still unprocessed after 3 retries") || db.calls != 4 {
		t.Errorf("got %v after %d calls; want an unprocessed-keys error after 4", err, db.calls)
	}

	tr = &Transformer{DB: env.db, DeviceTable: "no-such-table", Log: quiet()}
	var rnf *ddbtypes.ResourceNotFoundException
	if _, err := tr.Handle(ctx, ev); !errors.As(err, &rnf) {
		t.Errorf("missing table: got %v; want DynamoDB's ResourceNotFoundException", err)
	}
}

// Records whose transformed data would take the response over Lambda's
// limit are failed instead; every record ID is still answered.
func TestResponseStaysWithinTheLimit(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	// Twenty devices with 200 kB sites (a DynamoDB item may be 400 KB):
	// forty small readings grow to about 10 MB of base64.
	devices := map[string]Device{}
	for i := range 20 {
		devices[fmt.Sprintf("d-%02d", i)] = Device{Site: strings.Repeat(string(rune('a'+i)), 200_000)}
	}
	env := newDeviceTable(t, ctx, devices)
	var datas []string
	for i := range 40 {
		datas = append(datas, fmt.Sprintf(`{"deviceId":"d-%02d","ts":1710000000,"temperature":%d}`, i%20, i))
	}
	datas = append(datas, `{"deviceId":"d-00","type":"heartbeat"}`, `broken`)
	ev := firehoseEvent(t, datas...)
	tr := &Transformer{DB: env.db, DeviceTable: env.table, Log: quiet()}
	resp, res, err := tr.Transform(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	got, n := wire(t, ev, resp)
	if n > MaxResponseBytes {
		t.Fatalf("got a %d-byte response; want at most %d", n, MaxResponseBytes)
	}
	// Each enriched reading is about 267 kB of base64: 22 fit.
	if res.Ok != 22 || res.OverLimit != 18 || res.Dropped != 1 || res.Failed != 19 {
		t.Errorf("got %+v; want 22 ok, 18 over the limit (failed), 1 dropped, 19 failed", res)
	}
	for i, r := range got[:40] {
		wantOk := i < 22
		if (r.Result == "Ok") != wantOk || (!wantOk && (r.Result != "ProcessingFailed" || r.Data != "")) {
			t.Errorf("record %d: got %s with %d bytes of data; want Ok: %v, else ProcessingFailed without data", i, r.Result, len(r.Data), wantOk)
		}
	}
	if got[40].Result != "Dropped" || got[41].Result != "ProcessingFailed" || decode(t, got[41]) != "broken" {
		t.Errorf("the heartbeat and the broken record: got %s and %s %q; want Dropped and ProcessingFailed with its data", got[40].Result, got[41].Result, decode(t, got[41]))
	}
}

func TestResponseLimitIsExact(t *testing.T) {
	ev := firehoseEvent(t,
		`{"deviceId":"d-1","ts":1710000000,"temperature":1}`,
		`{"deviceId":"d-2","ts":1710000000,"temperature":2}`,
		`{"deviceId":"d-3","ts":1710000000,"temperature":3}`,
	)
	full, _ := wire(t, ev, must((&Transformer{Log: quiet()}).Handle(context.Background(), ev)))
	b, _ := json.Marshal(struct {
		Records []wireRecord `json:"records"`
	}{full})
	exact := len(b)
	for _, tc := range []struct {
		limit  int
		wantOk int
	}{{exact, 3}, {exact - 1, 2}, {exact - 200, 1}} {
		tr := &Transformer{MaxResponseBytes: tc.limit, Log: quiet()}
		resp, res, err := tr.Transform(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		if _, n := wire(t, ev, resp); n > tc.limit || res.Ok != tc.wantOk {
			t.Errorf("limit %d: got %d bytes and %d ok; want at most %d bytes and %d ok", tc.limit, n, res.Ok, tc.limit, tc.wantOk)
		}
	}
	tr := &Transformer{MaxResponseBytes: 100, Log: quiet()}
	if _, err := tr.Handle(context.Background(), ev); err == nil || !strings.Contains(err.Error(), "record IDs alone") {
		t.Errorf("a limit below the IDs themselves: got %v; want an error", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestFromEnv(t *testing.T) {
	for _, tc := range []struct {
		table, want, wantErr string
	}{
		{"", "", ""},
		{"stream-devices-3f2a", "stream-devices-3f2a", ""},
		{"arn:aws:dynamodb:eu-west-1:123456789012:table/devices", "", `DEVICE_TABLE is "arn:aws:dynamodb:eu-west-1:123456789012:table/devices": set it to the name of the device table`},
	} {
		tr, err := FromEnv(nil, func(k string) string {
			if k == "DEVICE_TABLE" {
				return tc.table
			}
			return ""
		}, quiet())
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) || (err == nil && tr.DeviceTable != tc.want) {
			t.Errorf("DEVICE_TABLE=%q: got %+v, %v; want table %q, error containing %q", tc.table, tr, err, tc.want, tc.wantErr)
		}
	}
}
