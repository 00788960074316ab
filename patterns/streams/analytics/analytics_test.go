package analytics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/kumo-iac/kumo/internal/localaws"
)

// Thresholds come from dynalite, malformed records go to kinesalite, and
// alerts to a strict SNS Publish server (sns_test.go). See
// internal/localaws for installing the first two.
func TestMain(m *testing.M) {
	code := m.Run()
	localaws.StopAll()
	os.Exit(code)
}

const (
	topicARN  = "arn:aws:sns:eu-west-1:123456789012:stream-alerts"
	sourceARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/readings"
	shardID   = "shardId-000000000000"
)

type env struct {
	t       *testing.T
	ctx     context.Context
	kin     *kinesis.Client
	stream  string
	db      *dynamodb.Client
	table   string
	sns     *snsServer
	a       *Analyzer
	logs    *bytes.Buffer
	seq     int
	arrival time.Time
}

func newEnv(t *testing.T, thresholds map[string]float64) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	t.Cleanup(cancel)
	e := &env{t: t, ctx: ctx, logs: &bytes.Buffer{}, arrival: time.Date(2024, 3, 9, 16, 0, 0, 0, time.UTC)}
	e.kin = localaws.Shared(t, localaws.Kinesalite).Kinesis()
	e.stream = localaws.NewStream(t, ctx, e.kin, "errors", 1)
	e.db = localaws.Shared(t, localaws.Dynalite).DynamoDB()
	e.table = localaws.NewTable(t, ctx, e.db, "thresholds", dynamodb.CreateTableInput{
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String(ThresholdKeyAttribute), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String(ThresholdKeyAttribute), KeyType: ddbtypes.KeyTypeHash}},
	})
	for id, th := range thresholds {
		item := map[string]ddbtypes.AttributeValue{
			ThresholdKeyAttribute: &ddbtypes.AttributeValueMemberS{Value: id},
			ThresholdAttribute:    &ddbtypes.AttributeValueMemberN{Value: fmt.Sprint(th)},
		}
		if _, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	e.sns = newSNSServer(t, topicARN)
	e.a = &Analyzer{
		DB: e.db, ThresholdTable: e.table, DefaultThreshold: 25,
		SNS: e.sns.client(), TopicARN: topicARN,
		Kinesis: e.kin, ErrorStreamName: e.stream,
		PutBackoff: time.Millisecond,
		Log:        slog.New(slog.NewJSONHandler(e.logs, nil)),
	}
	return e
}

// record is a Kinesis record as the event source mapping delivers it.
func (e *env) record(data, partitionKey string) events.KinesisEventRecord {
	e.seq++
	e.arrival = e.arrival.Add(10 * time.Millisecond)
	seq := fmt.Sprintf("4959033827149025660855969253836157109592157598913658%04d", e.seq)
	return events.KinesisEventRecord{
		AwsRegion: "eu-west-1", EventID: shardID + ":" + seq, EventName: "aws:kinesis:record", EventSource: "aws:kinesis",
		EventSourceArn: sourceARN, EventVersion: "1.0", InvokeIdentityArn: "arn:aws:iam::123456789012:role/analytics",
		Kinesis: events.KinesisRecord{
			ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: e.arrival},
			Data:                        []byte(data), PartitionKey: partitionKey, SequenceNumber: seq, KinesisSchemaVersion: "1.0",
		},
	}
}

// lambda plays the event source mapping: it sends each invocation as the
// JSON Lambda sends, with the state exactly as the previous invocation of
// the window returned it (read back from the response's JSON), and checks
// what Lambda checks of the response.
type lambda struct {
	e     *env
	state json.RawMessage // the last response's "state", as returned
	// maxState is the largest state returned, in bytes of JSON.
	maxState int
}

func (l *lambda) invoke(start time.Time, recs []events.KinesisEventRecord, final, early bool) (Result, error) {
	l.e.t.Helper()
	state := l.state
	if state == nil {
		state = json.RawMessage(`{}`)
	}
	if recs == nil {
		recs = []events.KinesisEventRecord{}
	}
	records, _ := json.Marshal(recs)
	raw := fmt.Sprintf(`{"Records":%s,"window":{"start":%q,"end":%q},"state":%s,"shardId":%q,"eventSourceARN":%q,"isFinalInvokeForWindow":%t,"isWindowTerminatedEarly":%t}`,
		records, start.Format(time.RFC3339), start.Add(time.Minute).Format(time.RFC3339), state, shardID, sourceARN, final, early)
	var ev events.KinesisTimeWindowEvent
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		l.e.t.Fatal(err)
	}
	resp, res, err := l.e.a.Process(l.e.ctx, ev)
	if err != nil {
		return res, err // Lambda keeps the state it passed for the retry
	}
	b, _ := json.Marshal(resp)
	var back struct {
		State             json.RawMessage   `json:"state"`
		BatchItemFailures []json.RawMessage `json:"batchItemFailures"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		l.e.t.Fatal(err)
	}
	if len(back.State) == 0 || string(back.State) == "null" {
		l.e.t.Fatalf("response %s has no state: Lambda treats that as a failed invocation", b)
	}
	if back.BatchItemFailures == nil || len(back.BatchItemFailures) != 0 {
		l.e.t.Errorf("got batchItemFailures %s; want []", b)
	}
	l.maxState = max(l.maxState, len(back.State))
	l.state = back.State
	if final || early {
		l.state = nil // the next window starts afresh
	}
	return res, nil
}

func (e *env) errorRecords() []ErrorRecord {
	e.t.Helper()
	var out []ErrorRecord
	for _, r := range localaws.StreamRecords(e.t, e.ctx, e.kin, e.stream) {
		var er ErrorRecord
		// One JSON line each, so Firehose's concatenated objects are JSON lines.
		if !bytes.HasSuffix(r.Data, []byte("\n")) || bytes.Count(r.Data, []byte("\n")) != 1 {
			e.t.Errorf("error record %q: want exactly one JSON line", r.Data)
		}
		if err := json.Unmarshal(r.Data, &er); err != nil {
			e.t.Fatalf("error record %q: %v", r.Data, err)
		}
		if aws.ToString(r.PartitionKey) != er.PartitionKey {
			e.t.Errorf("error record for %s: partition key %q; want the original's", er.SequenceNumber, aws.ToString(r.PartitionKey))
		}
		out = append(out, er)
	}
	return out
}

func (e *env) alerts() []Alert {
	e.t.Helper()
	var out []Alert
	for _, p := range e.sns.messages() {
		var al Alert
		if err := json.Unmarshal([]byte(p.Message), &al); err != nil {
			e.t.Fatalf("alert %q: %v", p.Message, err)
		}
		if p.Subject != "Temperature alert: "+al.DeviceID || p.Attributes["deviceId"] != "String:"+al.DeviceID {
			e.t.Errorf("alert for %s: subject %q, attributes %v; want the device in both", al.DeviceID, p.Subject, p.Attributes)
		}
		out = append(out, al)
	}
	return out
}

// Generated readings over several windows, each delivered in several
// batches, give the alerts a direct computation over the same readings
// gives; malformed records reach the error stream as they arrived.
func TestWindowsAgainstDirectComputation(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	devices := []string{"d-00", "d-01", "d-02", "d-03", "d-04", "d-05", "d-06", "d-07", "d-08", "sensor:hall_1"}
	thresholds := map[string]float64{"d-00": 20, "d-01": 22.5, "d-02": 30, "d-03": 18, "sensor:hall_1": 21}
	e := newEnv(t, thresholds) // the others: DefaultThreshold 25
	l := &lambda{e: e}

	var wantAlerts []Alert
	var wantErrors []string // data of malformed records, in order
	start := time.Date(2024, 3, 9, 16, 0, 0, 0, time.UTC)
	for w := range 3 {
		windowStart := start.Add(time.Duration(w) * time.Minute)
		type agg struct {
			sum   float64
			count int
		}
		direct := map[string]*agg{}
		var recs []events.KinesisEventRecord
		for range 400 {
			id := devices[rng.IntN(len(devices))]
			switch n := rng.IntN(40); {
			case n == 0:
				data := fmt.Sprintf(`{"deviceId":%q,"ts":"soon","temperature":20}`, id)
				recs = append(recs, e.record(data, id))
				wantErrors = append(wantErrors, data)
			case n == 1:
				recs = append(recs, e.record(fmt.Sprintf(`{"deviceId":%q,"type":"heartbeat"}`, id), id))
			default:
				temp := 15 + rng.Float64()*15 + float64(rng.IntN(3))/7
				recs = append(recs, e.record(fmt.Sprintf(`{"deviceId":%q,"ts":%d,"temperature":%v}`, id, windowStart.Unix(), temp), id))
				if direct[id] == nil {
					direct[id] = &agg{}
				}
				direct[id].sum += temp
				direct[id].count++
			}
		}
		// Lambda delivers the window in batches of its choosing, then a
		// final invocation without records.
		for len(recs) > 0 {
			n := min(1+rng.IntN(60), len(recs))
			if _, err := l.invoke(windowStart, recs[:n], false, false); err != nil {
				t.Fatal(err)
			}
			recs = recs[n:]
		}
		if _, err := l.invoke(windowStart, nil, true, false); err != nil {
			t.Fatal(err)
		}
		for _, id := range slices.Sorted(maps.Keys(direct)) {
			th, ok := thresholds[id]
			if !ok {
				th = 25
			}
			if avg := direct[id].sum / float64(direct[id].count); avg > th {
				wantAlerts = append(wantAlerts, Alert{
					DeviceID: id, Average: avg, Threshold: th, Readings: direct[id].count,
					WindowStart: windowStart.Format("2006-01-02T15:04:05.000Z"), WindowEnd: windowStart.Add(time.Minute).Format("2006-01-02T15:04:05.000Z"),
					ShardID: shardID,
				})
			}
		}
	}
	got := e.alerts()
	if len(wantAlerts) < 5 || len(wantAlerts) > 25 {
		t.Fatalf("the generated data gives %d alerts; want a mix of alerts and quiet devices", len(wantAlerts))
	}
	if len(got) != len(wantAlerts) {
		t.Fatalf("got %d alerts; want %d:\n%+v\n%+v", len(got), len(wantAlerts), got, wantAlerts)
	}
	for i := range got {
		// The sums are carried exactly (shortest round-trip formatting),
		// so the averages are equal, not merely close.
		if got[i] != wantAlerts[i] {
			t.Errorf("alert %d: got %+v; want %+v", i, got[i], wantAlerts[i])
		}
	}
	errs := e.errorRecords()
	if len(errs) != len(wantErrors) || len(errs) == 0 {
		t.Fatalf("got %d error records; want %d", len(errs), len(wantErrors))
	}
	for i, er := range errs {
		if string(er.Data) != wantErrors[i] || !strings.Contains(er.Reason, `ts is "soon"`) || er.ShardID != shardID || er.EventSourceARN != sourceARN || er.SequenceNumber == "" || er.DataBytes != len(wantErrors[i]) {
			t.Errorf("error record %d: got %+v; want the original %q with its reason and origin", i, er, wantErrors[i])
		}
	}
}

func TestFinalInvocationWithRecordsCountsThem(t *testing.T) {
	e := newEnv(t, map[string]float64{"d-1": 20})
	l := &lambda{e: e}
	start := time.Date(2024, 3, 9, 16, 0, 0, 0, time.UTC)
	if _, err := l.invoke(start, []events.KinesisEventRecord{e.record(`{"deviceId":"d-1","ts":1,"temperature":19}`, "d-1")}, false, false); err != nil {
		t.Fatal(err)
	}
	if string(l.state) != `{"d-1":"19 1"}` {
		t.Errorf("got state %s; want d-1's sum and count", l.state)
	}
	res, err := l.invoke(start, []events.KinesisEventRecord{e.record(`{"deviceId":"d-1","ts":1,"temperature":22}`, "d-1")}, true, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Alerts) != 1 || res.Alerts[0].Average != 20.5 || res.Alerts[0].Readings != 2 {
		t.Errorf("got alerts %+v; want d-1 at 20.5 over 2 readings", res.Alerts)
	}
}

// A window Lambda ends early is evaluated as far as it went, marked
// partial; the rest of the window starts from a fresh state.
func TestWindowTerminatedEarly(t *testing.T) {
	e := newEnv(t, nil)
	l := &lambda{e: e}
	start := time.Date(2024, 3, 9, 16, 0, 0, 0, time.UTC)
	hot := func(temp int) []events.KinesisEventRecord {
		return []events.KinesisEventRecord{e.record(fmt.Sprintf(`{"deviceId":"d-1","ts":1,"temperature":%d}`, temp), "d-1")}
	}
	if _, err := l.invoke(start, hot(40), false, false); err != nil {
		t.Fatal(err)
	}
	if _, err := l.invoke(start, nil, false, true); err != nil {
		t.Fatal(err)
	}
	if _, err := l.invoke(start, hot(10), false, false); err != nil {
		t.Fatal(err)
	}
	if _, err := l.invoke(start, nil, true, false); err != nil {
		t.Fatal(err)
	}
	got := e.alerts()
	if len(got) != 1 || !got[0].Partial || got[0].Average != 40 {
		t.Errorf("got alerts %+v; want one partial alert at 40 (and none for the rest, at 10)", got)
	}
}

// The state never exceeds its bound: readings of devices it has no room
// for go to the error stream, and the devices it holds are averaged right.
func TestStateLimit(t *testing.T) {
	e := newEnv(t, map[string]float64{"d-0": 0, "d-1": 0, "d-2": 0, "d-3": 0})
	e.a.MaxStateBytes = 2 + 3*entryCost("d-0")
	l := &lambda{e: e}
	start := time.Date(2024, 3, 9, 16, 0, 0, 0, time.UTC)
	var recs []events.KinesisEventRecord
	for i := range 8 {
		id := fmt.Sprintf("d-%d", i%4)
		recs = append(recs, e.record(fmt.Sprintf(`{"deviceId":%q,"ts":1,"temperature":%d}`, id, i), id))
	}
	res, err := l.invoke(start, recs[:5], false, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Readings != 4 || res.StateFull != 1 {
		t.Errorf("first batch: got %+v; want 4 readings counted, 1 over the state's room", res)
	}
	if _, err := l.invoke(start, recs[5:], false, false); err != nil {
		t.Fatal(err)
	}
	if l.maxState > e.a.MaxStateBytes {
		t.Errorf("got a %d-byte state; want at most %d", l.maxState, e.a.MaxStateBytes)
	}
	if _, err := l.invoke(start, nil, true, false); err != nil {
		t.Fatal(err)
	}
	var avgs []string
	for _, al := range e.alerts() {
		avgs = append(avgs, fmt.Sprintf("%s=%g", al.DeviceID, al.Average))
	}
	if strings.Join(avgs, " ") != "d-0=2 d-1=3 d-2=4" {
		t.Errorf("got averages %v; want d-0=2 d-1=3 d-2=4 (d-3 had no room)", avgs)
	}
	errs := e.errorRecords()
	if len(errs) != 2 || !strings.HasPrefix(errs[0].Reason, ReasonStateFull) || string(errs[1].Data) != `{"deviceId":"d-3","ts":1,"temperature":7}` {
		t.Errorf("got error records %+v; want d-3's two readings, state full", errs)
	}
}

// At the real limit, with the longest device IDs, the state stays within
// Lambda's 1 MB.
func TestStateLimitAtScale(t *testing.T) {
	e := newEnv(t, nil)
	l := &lambda{e: e}
	start := time.Date(2024, 3, 9, 16, 0, 0, 0, time.UTC)
	var recs []events.KinesisEventRecord
	for i := range 7000 {
		id := fmt.Sprintf("%0128d", i)
		// The longest sums there are: 17 significant digits, a
		// three-digit exponent.
		recs = append(recs, e.record(fmt.Sprintf(`{"deviceId":%q,"ts":1,"temperature":-2.2250738585072014e-308}`, id), id))
	}
	var counted, full int
	for c := range slices.Chunk(recs, 1000) {
		res, err := l.invoke(start, c, false, false)
		if err != nil {
			t.Fatal(err)
		}
		counted, full = counted+res.Readings, full+res.StateFull
	}
	if l.maxState > MaxStateBytes {
		t.Errorf("got a %d-byte state; want at most %d", l.maxState, MaxStateBytes)
	}
	if want := (MaxStateBytes - 2) / entryCost(fmt.Sprintf("%0128d", 0)); counted != want || full != 7000-want {
		t.Errorf("got %d counted, %d over; want %d counted (as many as fit), the rest over", counted, full, want)
	}
	if got := len(e.errorRecords()); got != full {
		t.Errorf("got %d error records; want one per reading over the limit, %d", got, full)
	}
}

// A failure that needs a retry fails the invocation; retried with the
// state Lambda passed before, nothing is lost or counted twice.
func TestFailuresFailTheInvocation(t *testing.T) {
	e := newEnv(t, map[string]float64{"d-1": 10})
	l := &lambda{e: e}
	start := time.Date(2024, 3, 9, 16, 0, 0, 0, time.UTC)
	batch := []events.KinesisEventRecord{e.record(`{"deviceId":"d-1","ts":1,"temperature":20}`, "d-1"), e.record(`bad`, "d-1")}
	if _, err := l.invoke(start, batch, false, false); err != nil {
		t.Fatal(err)
	}

	// The error stream is gone: the invocation fails, the state stays.
	e.a.ErrorStreamName = "no-such-stream"
	before := string(l.state)
	if _, err := l.invoke(start, []events.KinesisEventRecord{e.record(`{"deviceId":"d-1","ts":1,"temperature":30}`, "d-1"), e.record(`worse`, "d-1")}, false, false); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("got %v; want the error stream's ResourceNotFoundException", err)
	}
	if string(l.state) != before {
		t.Errorf("state after a failed invocation: got %s; want %s", l.state, before)
	}
	e.a.ErrorStreamName = e.stream

	// SNS fails every attempt of the final invocation: it fails, and its
	// retry publishes.
	e.sns.fail(2)
	if _, err := l.invoke(start, nil, true, false); err == nil || !strings.Contains(err.Error(), "InternalError") {
		t.Errorf("got %v; want SNS's InternalError", err)
	}
	if len(e.alerts()) != 0 {
		t.Fatalf("got alerts %+v before the retry; want none", e.alerts())
	}
	if _, err := l.invoke(start, nil, true, false); err != nil {
		t.Fatal(err)
	}
	if got := e.alerts(); len(got) != 1 || got[0].Average != 20 || got[0].Readings != 1 {
		t.Errorf("got alerts %+v; want d-1 at 20 over its one reading", got)
	}

	e.a.ThresholdTable = "no-such-table"
	l.state = json.RawMessage(`{"d-1":"50 1"}`)
	if _, err := l.invoke(start, nil, true, false); err == nil || !strings.Contains(err.Error(), "read thresholds") {
		t.Errorf("got %v; want the threshold table's error", err)
	}
}

func TestUnusableInputs(t *testing.T) {
	e := newEnv(t, nil)
	l := &lambda{e: e}
	start := time.Date(2024, 3, 9, 16, 0, 0, 0, time.UTC)
	// A sum beyond float64 is an error record, not an infinite average.
	recs := []events.KinesisEventRecord{
		e.record(`{"deviceId":"d-1","ts":1,"temperature":1.7e308}`, "d-1"),
		e.record(`{"deviceId":"d-1","ts":1,"temperature":1.7e308}`, "d-1"),
		// A record whose error record would pass Kinesis's 1 MiB goes
		// without its data; the source stream keeps it.
		e.record(strings.Repeat("x", 900_000), "d-2"),
	}
	res, err := l.invoke(start, recs, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Readings != 1 || res.Errors != 2 {
		t.Errorf("got %+v; want 1 reading, 2 errors", res)
	}
	errs := e.errorRecords()
	if len(errs) != 2 || !strings.Contains(errs[0].Reason, "beyond a float64") || !errs[1].DataTruncated || errs[1].Data != nil || errs[1].DataBytes != 900_000 {
		t.Errorf("got error records %+v; want the overflow, then the big record without its data", errs)
	}
	// An unreadable state entry (a state from another version) is
	// dropped with a log line, not fatal.
	l.state = json.RawMessage(`{"d-1":"1.7e308 1","d-2":"nonsense","bad id":"1 1"}`)
	if _, err := l.invoke(start, nil, false, false); err != nil {
		t.Fatal(err)
	}
	if string(l.state) != `{"d-1":"1.7e+308 1"}` || !strings.Contains(e.logs.String(), "window state entry unreadable") {
		t.Errorf("got state %s; want only d-1's entry kept, and a log line for the others", l.state)
	}
}

func TestFromEnv(t *testing.T) {
	vars := map[string]string{
		"THRESHOLD_TABLE":   "stream-thresholds",
		"ALERT_TOPIC_ARN":   topicARN,
		"ERROR_STREAM":      "arn:aws:kinesis:eu-west-1:123456789012:stream/stream-errors",
		"DEFAULT_THRESHOLD": "27.5",
	}
	a, err := FromEnv(nil, nil, nil, func(k string) string { return vars[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.ThresholdTable != "stream-thresholds" || a.TopicARN != topicARN || a.ErrorStreamARN != vars["ERROR_STREAM"] || a.ErrorStreamName != "" || a.DefaultThreshold != 27.5 {
		t.Errorf("got %+v; want the variables' values", a)
	}
	a, err = FromEnv(nil, nil, nil, func(string) string { return "" }, nil)
	if err == nil || a.DefaultThreshold != DefaultThreshold {
		t.Fatalf("nothing set: got %v, default threshold %g; want an error, default %g", err, a.DefaultThreshold, DefaultThreshold)
	}
	for _, want := range []string{"THRESHOLD_TABLE is not set", "ALERT_TOPIC_ARN is not set", "ERROR_STREAM is not set"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q; want it to contain %q", err, want)
		}
	}
}
