package fanout

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

const aliasARN = "arn:aws:lambda:eu-west-1:123456789012:function:stream-processor:live"

func discard() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func kinesisEvent(datas ...string) events.KinesisEvent {
	var ev events.KinesisEvent
	for i, d := range datas {
		seq := fmt.Sprintf("4959033827149025660855969253836157109592157598913658%04d", i)
		ev.Records = append(ev.Records, events.KinesisEventRecord{
			EventID: "shardId-000000000003:" + seq, EventName: "aws:kinesis:record", EventSource: "aws:kinesis",
			EventSourceArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/readings", EventVersion: "1.0", AwsRegion: "eu-west-1",
			Kinesis: events.KinesisRecord{Data: []byte(d), PartitionKey: fmt.Sprintf("d-%d", i%7), SequenceNumber: seq, KinesisSchemaVersion: "1.0",
				ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: time.Unix(1710000000, 0)}},
		})
	}
	return ev
}

func readings(n int, bad func(i int) bool) []string {
	var out []string
	for i := range n {
		if bad(i) {
			out = append(out, fmt.Sprintf(`{"deviceId":"d-%d","ts":1710000000}`, i%7)) // no temperature
			continue
		}
		out = append(out, fmt.Sprintf(`{"deviceId":"d-%d","ts":1710000000,"temperature":%d}`, i%7, i%30))
	}
	return out
}

// A large Kinesis batch is cut into sub-batches of BatchSize, each sent
// to the processor's alias, in parallel but never more than Concurrency
// at once; every record goes out exactly once, and the processor's
// failures come back as batch item failures by sequence number.
func TestDispatchKinesis(t *testing.T) {
	srv := newLambdaServer(t, aliasARN)
	srv.delay = 20 * time.Millisecond
	d := &Dispatcher{Lambda: srv.client(), ProcessorARN: aliasARN, BatchSize: 100, Concurrency: 4, Log: discard()}
	ev := kinesisEvent(readings(1000, func(i int) bool { return i%97 == 5 })...)
	resp, err := d.DispatchKinesis(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	batches, maxIn := srv.received()
	if len(batches) != 10 {
		t.Errorf("got %d invocations; want 10 sub-batches of 100", len(batches))
	}
	if maxIn > 4 || maxIn < 2 {
		t.Errorf("got at most %d invocations in flight; want parallel, at most 4", maxIn)
	}
	// Every record once: each sub-batch in order, the sub-batches in any.
	var seen []string
	for _, b := range batches {
		if len(b.Items) != 100 {
			t.Errorf("got a sub-batch of %d; want 100", len(b.Items))
		}
		for j, it := range b.Items {
			if j > 0 && it.ID <= b.Items[j-1].ID {
				t.Errorf("sub-batch out of order at %s", it.ID)
			}
			seen = append(seen, it.ID)
		}
	}
	slices.Sort(seen)
	var all []string
	for _, r := range ev.Records {
		all = append(all, r.Kinesis.SequenceNumber)
	}
	if !slices.Equal(seen, all) {
		t.Errorf("the sub-batches hold %d records; want each of the %d exactly once", len(seen), len(all))
	}
	var want []events.KinesisBatchItemFailure
	for i, r := range ev.Records {
		if i%97 == 5 {
			want = append(want, events.KinesisBatchItemFailure{ItemIdentifier: r.Kinesis.SequenceNumber})
		}
	}
	if !slices.Equal(resp.BatchItemFailures, want) {
		t.Errorf("got failures %v; want the malformed records' sequence numbers %v", resp.BatchItemFailures, want)
	}
	// The data goes through intact.
	if got := string(batches[0].Items[0].Data); !strings.HasPrefix(got, `{"deviceId":`) || batches[0].Items[0].PartitionKey == "" {
		t.Errorf("got item %+v; want the record's data and partition key", batches[0].Items[0])
	}
}

func TestWholeSubBatchFailures(t *testing.T) {
	srv := newLambdaServer(t, aliasARN)
	srv.crash = "CRASH"
	datas := readings(30, func(int) bool { return false })
	datas[12] = `{"deviceId":"d-1","ts":1710000000,"temperature":1,"note":"CRASH"}`
	ev := kinesisEvent(datas...)
	d := &Dispatcher{Lambda: srv.client(), ProcessorARN: aliasARN, BatchSize: 10, Concurrency: 3, Log: discard()}
	resp, err := d.DispatchKinesis(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	// The processor crashed on the second sub-batch: all ten fail.
	var got []string
	for _, f := range resp.BatchItemFailures {
		got = append(got, f.ItemIdentifier)
	}
	var want []string
	for _, r := range ev.Records[10:20] {
		want = append(want, r.Kinesis.SequenceNumber)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got failures %v; want the crashed sub-batch's ten records %v", got, want)
	}

	// Invoking the wrong function (here: a bare ARN Lambda does not
	// know) fails every record, with Lambda's error as the reason.
	d.ProcessorARN = "arn:aws:lambda:eu-west-1:123456789012:function:stream-processor:old"
	res, err := d.DispatchList(context.Background(), []json.RawMessage{json.RawMessage(`{"type":"heartbeat"}`), json.RawMessage(`{"type":"heartbeat"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 2 || !strings.Contains(res.Failure[0].Reason, "ResourceNotFoundException") {
		t.Errorf("got %+v; want both items failed with ResourceNotFoundException", res)
	}
}

// Sub-batches stay under the invocation payload limit whatever BatchSize
// says; a record too large to send alone fails.
func TestSubBatchesFitThePayloadLimit(t *testing.T) {
	srv := newLambdaServer(t, aliasARN)
	big := `{"deviceId":"d-1","ts":1710000000,"temperature":1,"pad":"` + strings.Repeat("p", 900_000) + `"}`
	datas := []string{big, big, big, big, big, big, big, big, big, big}
	d := &Dispatcher{Lambda: srv.client(), ProcessorARN: aliasARN, BatchSize: 100, Concurrency: 2, Log: discard()}
	resp, err := d.DispatchKinesis(context.Background(), kinesisEvent(datas...))
	if err != nil {
		t.Fatal(err)
	}
	batches, _ := srv.received()
	// 900 kB is 1.2 MB of base64: four to a sub-batch.
	var sizes []int
	for _, b := range batches {
		sizes = append(sizes, len(b.Items))
	}
	slices.Sort(sizes)
	if len(resp.BatchItemFailures) != 0 || fmt.Sprint(sizes) != "[2 4 4]" {
		t.Errorf("got sub-batches of %v and failures %v; want [2 4 4] and none", sizes, resp.BatchItemFailures)
	}

	d.MaxPayloadBytes = 1_000_000
	resp, err = d.DispatchKinesis(context.Background(), kinesisEvent(`{"type":"heartbeat"}`, big))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "49590338271490256608559692538361571095921575989136580001" {
		t.Errorf("got failures %v; want the record too large to send", resp.BatchItemFailures)
	}
}

// Handle takes the event as Lambda passes it: a Kinesis event, or a list.
func TestHandleShapes(t *testing.T) {
	srv := newLambdaServer(t, aliasARN)
	d := &Dispatcher{Lambda: srv.client(), ProcessorARN: aliasARN, BatchSize: 2, Concurrency: 2, Log: discard()}
	raw, _ := json.Marshal(kinesisEvent(`{"deviceId":"d-1","ts":1,"temperature":1}`, `oops`))
	out, err := d.Handle(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	if string(b) != `{"batchItemFailures":[{"itemIdentifier":"49590338271490256608559692538361571095921575989136580001"}]}` {
		t.Errorf("Kinesis event: got %s; want the malformed record's batch item failure", b)
	}
	out, err = d.Handle(context.Background(), json.RawMessage(`[{"deviceId":"d-1","ts":1,"temperature":1},{"type":"heartbeat"},42,{"deviceId":"d-2"}]`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(out)
	if want := `{"items":4,"batches":2,"failed":2,"failures":[{"id":"2","reason":"not a JSON object"},{"id":"3","reason":"no ts\nno temperature"}]}`; string(b) != want {
		t.Errorf("list: got %s; want %s", b, want)
	}
	for _, bad := range []string{`{"records":[]}`, `"x"`, `nope`} {
		if _, err := d.Handle(context.Background(), json.RawMessage(bad)); err == nil {
			t.Errorf("%s: got no error; want one", bad)
		}
	}
	out, err = d.Handle(context.Background(), json.RawMessage(`{"Records":[]}`))
	if b, _ := json.Marshal(out); err != nil || string(b) != `{"batchItemFailures":[]}` {
		t.Errorf("empty Kinesis event: got %s, %v; want no failures", b, err)
	}
}

func TestProcessor(t *testing.T) {
	p := &Processor{Log: discard()}
	res, err := p.Handle(context.Background(), Batch{Items: []Item{
		{ID: "a", Data: []byte(`{"deviceId":"d-1","ts":1,"temperature":1}`)},
		{ID: "b", Data: []byte(`{"deviceId":"d-2","ts":1,"temperature":2}`)},
		{ID: "c", Data: []byte(`{"deviceId":"d-1","ts":2,"temperature":3}`)},
		{ID: "d", Data: []byte(`{"type":"heartbeat"}`)},
		{ID: "e", Data: []byte(`{"deviceId":"d-1"}`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Processed != 4 || res.Readings != 3 || res.Skipped != 1 || res.Devices != 2 || len(res.Failures) != 1 || res.Failures[0].ID != "e" {
		t.Errorf("got %+v; want 4 processed (3 readings of 2 devices, 1 skipped), e failed", res)
	}
}

func TestDispatcherFromEnv(t *testing.T) {
	d, err := DispatcherFromEnv(nil, func(k string) string {
		return map[string]string{"PROCESSOR_FUNCTION": aliasARN, "BATCH_SIZE": "250"}[k]
	}, discard())
	if err != nil || d.ProcessorARN != aliasARN || d.BatchSize != 250 || d.Concurrency != DefaultConcurrency || d.ProcessorTimeout != time.Minute {
		t.Errorf("got %+v, %v; want the alias, 250, the default concurrency and timeout", d, err)
	}
	_, err = DispatcherFromEnv(nil, func(k string) string {
		return map[string]string{"PROCESSOR_FUNCTION": "arn:aws:lambda:eu-west-1:123456789012:function:stream-processor", "BATCH_SIZE": "0", "CONCURRENCY": "x", "PROCESSOR_TIMEOUT_SECONDS": "901"}[k]
	}, discard())
	for _, want := range []string{"PROCESSOR_FUNCTION is \"arn:aws:lambda:eu-west-1:123456789012:function:stream-processor\", the bare function", "BATCH_SIZE is \"0\"", "CONCURRENCY is \"x\"", "PROCESSOR_TIMEOUT_SECONDS is \"901\": set it to a whole number from 1 to 900"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v; want it to contain %q", err, want)
		}
	}
}

// A processor that does not answer within ProcessorTimeout fails its
// sub-batch, not the dispatcher.
func TestProcessorTimeout(t *testing.T) {
	srv := newLambdaServer(t, aliasARN)
	srv.delay = 300 * time.Millisecond
	d := &Dispatcher{Lambda: srv.client(), ProcessorARN: aliasARN, BatchSize: 10, Concurrency: 1, ProcessorTimeout: 50 * time.Millisecond, Log: discard()}
	resp, err := d.DispatchKinesis(context.Background(), kinesisEvent(readings(3, func(int) bool { return false })...))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 3 {
		t.Errorf("got failures %v; want all three records of the timed-out sub-batch", resp.BatchItemFailures)
	}
}
