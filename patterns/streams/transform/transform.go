// Package transform is the stream processing pattern's Firehose data
// transformation: Firehose invokes it (through its alias) with buffered
// batches of sensor messages (see patterns/streams/reading) and delivers
// what it returns. Each reading becomes one newline-terminated JSON line
// with its epoch "ts" replaced by an ISO 8601 UTC "time" and, when a
// device table is configured, the device's "site" and "owner" added;
// messages that are not readings (heartbeats and other device messages
// with a "type" other than "reading") are dropped; malformed messages are
// failed, so that Firehose writes them to its processing-failed error
// prefix, from where they can be repaired and replayed. Every record ID
// Firehose sent is answered exactly once, as Firehose requires. The Lambda
// entry point is patterns/streams/functions/transform.
package transform

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kumo-iac/kumo/internal/envvar"
	"github.com/kumo-iac/kumo/patterns/streams/internal/ddbbatch"
	"github.com/kumo-iac/kumo/patterns/streams/reading"
)

// The device table's design: partition key deviceId (a string), with the
// device's site and owner as string attributes.
const (
	DeviceKeyAttribute = "deviceId"
	SiteAttribute      = "site"
	OwnerAttribute     = "owner"
)

// Fields the transform writes into each delivered reading. "time"
// replaces "ts"; a reading that already has a "time" is malformed rather
// than silently overwritten.
const (
	FieldTime  = "time"
	FieldSite  = SiteAttribute
	FieldOwner = OwnerAttribute
)

// MaxResponseBytes bounds the JSON response. Firehose invokes the function
// synchronously, and Lambda's synchronous response payload limit is 6 MB
// (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html,
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html);
// read as decimal megabytes it is below the 6 MiB Lambda enforces either
// way. Records whose transformed data would not fit are failed instead, so
// Firehose keeps them in its error output rather than failing the batch.
const MaxResponseBytes = 6_000_000

// DynamoDB is the part of the DynamoDB API the Transformer calls.
// *dynamodb.Client satisfies it.
type DynamoDB = ddbbatch.DynamoDB

// Transformer transforms Firehose batches.
type Transformer struct {
	// DB and DeviceTable enrich readings from the device table; with
	// DeviceTable "" readings are not enriched and DB may be nil.
	DB          DynamoDB
	DeviceTable string
	// MaxResponseBytes bounds the response; 0 means MaxResponseBytes.
	MaxResponseBytes int
	// UnprocessedRetries bounds the rounds of BatchGetItem's
	// UnprocessedKeys retried, with exponential backoff from
	// UnprocessedBackoff; 0 means 5 and 50 ms.
	UnprocessedRetries int
	UnprocessedBackoff time.Duration
	Log                *slog.Logger
}

// FromEnv configures a Transformer from DEVICE_TABLE (optional: the
// DynamoDB table to enrich readings from).
func FromEnv(db DynamoDB, getenv func(string) string, log *slog.Logger) (*Transformer, error) {
	e := envvar.New(getenv)
	t := &Transformer{
		DB:          db,
		DeviceTable: e.Table("DEVICE_TABLE", "the device table (partition key deviceId, a string; attributes site and owner) to enrich readings from, or leave it unset for no enrichment", false),
		Log:         log,
	}
	return t, e.Err()
}

// Device is what the device table says about a device.
type Device struct {
	Site, Owner string
}

// Result counts what one invocation did.
type Result struct {
	Ok, Dropped, Failed, OverLimit int
}

// item is one record on its way through Handle.
type item struct {
	rec    events.KinesisFirehoseEventRecord
	msg    reading.Message
	result string
	reason string
	data   []byte
	keys   map[string]string
}

// Handle transforms one Firehose batch. It returns an error, failing the
// whole invocation so that Firehose retries it, only when the device table
// cannot be read.
func (t *Transformer) Handle(ctx context.Context, ev events.KinesisFirehoseEvent) (events.KinesisFirehoseResponse, error) {
	resp, res, err := t.Transform(ctx, ev)
	if err != nil {
		return events.KinesisFirehoseResponse{}, err
	}
	t.Log.Info("firehose batch transformed", slog.String("invocationId", ev.InvocationID), slog.Int("records", len(ev.Records)),
		slog.Int("ok", res.Ok), slog.Int("dropped", res.Dropped), slog.Int("failed", res.Failed), slog.Int("overLimit", res.OverLimit))
	return resp, nil
}

// Transform is Handle, with counts.
func (t *Transformer) Transform(ctx context.Context, ev events.KinesisFirehoseEvent) (events.KinesisFirehoseResponse, Result, error) {
	items := make([]item, len(ev.Records))
	var ids []string
	for i, rec := range ev.Records {
		it := item{rec: rec, msg: reading.Parse(rec.Data)}
		switch it.msg.Kind {
		case reading.Other:
			it.result = events.KinesisFirehoseTransformedStateDropped
		case reading.Malformed:
			it.result, it.reason = events.KinesisFirehoseTransformedStateProcessingFailed, it.msg.Err.Error()
		case reading.Reading:
			if _, ok := it.msg.Fields[FieldTime]; ok {
				it.result, it.reason = events.KinesisFirehoseTransformedStateProcessingFailed, fmt.Sprintf("has a %q field, which the transform writes from %q", FieldTime, reading.FieldTS)
				break
			}
			it.result = events.KinesisFirehoseTransformedStateOk
			ids = append(ids, it.msg.DeviceID)
		}
		items[i] = it
	}
	devices := map[string]Device{}
	if t.DeviceTable != "" && len(ids) > 0 {
		var err error
		if devices, err = t.lookup(ctx, ids); err != nil {
			return events.KinesisFirehoseResponse{}, Result{}, err
		}
	}
	for i := range items {
		it := &items[i]
		if it.result != events.KinesisFirehoseTransformedStateOk {
			continue
		}
		data, err := render(it.msg, devices[it.msg.DeviceID])
		if err != nil { // not reached: the fields were parsed from JSON
			it.result, it.reason = events.KinesisFirehoseTransformedStateProcessingFailed, err.Error()
			continue
		}
		it.data = data
		tm := it.msg.Time
		it.keys = map[string]string{"year": tm.Format("2006"), "month": tm.Format("01"), "day": tm.Format("02")}
	}
	return t.respond(items)
}

// render writes a reading as delivered: its fields, with "ts" replaced by
// "time" and the device's site and owner added when known, keys sorted,
// newline-terminated.
func render(m reading.Message, d Device) ([]byte, error) {
	out := maps.Clone(m.Fields)
	delete(out, reading.FieldTS)
	str := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	out[FieldTime] = str(m.Time.Format(reading.TimeFormat))
	if d.Site != "" {
		out[FieldSite] = str(d.Site)
	}
	if d.Owner != "" {
		out[FieldOwner] = str(d.Owner)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// respond builds the response in record order within the size bound.
// Each record's place is reserved first at its smallest (no data), so a
// record that does not fit never takes the place of one after it: every
// record ID is answered, and the records that do not fit with their data
// are failed without it.
func (t *Transformer) respond(items []item) (events.KinesisFirehoseResponse, Result, error) {
	limit := t.MaxResponseBytes
	if limit == 0 {
		limit = MaxResponseBytes
	}
	recs := make([]events.KinesisFirehoseResponseRecord, len(items))
	minSize := make([]int, len(items))
	reserved := len(`{"records":[]}`) + max(len(items)-1, 0) // brackets and commas
	for i, it := range items {
		recs[i] = events.KinesisFirehoseResponseRecord{RecordID: it.rec.RecordID, Result: it.result, Data: []byte{}, Metadata: events.KinesisFirehoseResponseRecordMetadata{PartitionKeys: map[string]string{}}}
		failed := recs[i]
		failed.Result = events.KinesisFirehoseTransformedStateProcessingFailed
		minSize[i] = size(failed)
		reserved += minSize[i]
	}
	if reserved > limit {
		return events.KinesisFirehoseResponse{}, Result{}, fmt.Errorf("%d record IDs alone take %d bytes of the %d-byte response limit", len(items), reserved, limit)
	}
	var res Result
	for i, it := range items {
		r := &recs[i]
		switch it.result {
		case events.KinesisFirehoseTransformedStateOk:
			r.Data, r.Metadata.PartitionKeys = it.data, it.keys
		case events.KinesisFirehoseTransformedStateProcessingFailed:
			// Firehose writes its own copy of the record to the error
			// output; the original data goes back only for the log
			// reader's sake when it fits.
			r.Data = it.rec.Data
		}
		if grown := size(*r) - minSize[i]; reserved+grown <= limit {
			reserved += grown
		} else {
			// Over the limit: failed, with no data, so Firehose keeps
			// the record in its error output for a replay.
			r.Result, r.Data, r.Metadata.PartitionKeys = events.KinesisFirehoseTransformedStateProcessingFailed, []byte{}, map[string]string{}
			if it.result == events.KinesisFirehoseTransformedStateOk {
				res.OverLimit++
				it.reason = fmt.Sprintf("the transformed record does not fit Lambda's %d-byte response limit", limit)
			}
		}
		switch r.Result {
		case events.KinesisFirehoseTransformedStateOk:
			res.Ok++
		case events.KinesisFirehoseTransformedStateDropped:
			res.Dropped++
		default:
			res.Failed++
			if it.reason != "" {
				t.Log.Warn("firehose record failed", slog.String("recordId", it.rec.RecordID), slog.String("reason", it.reason))
			}
		}
	}
	return events.KinesisFirehoseResponse{Records: recs}, res, nil
}

func size(r events.KinesisFirehoseResponseRecord) int {
	b, _ := json.Marshal(r)
	return len(b)
}

// lookup reads the devices' items, each distinct ID once.
func (t *Transformer) lookup(ctx context.Context, ids []string) (map[string]Device, error) {
	g := &ddbbatch.Getter{
		DB: t.DB, Table: t.DeviceTable, Key: DeviceKeyAttribute, Attributes: []string{SiteAttribute, OwnerAttribute},
		Retries: t.UnprocessedRetries, Backoff: t.UnprocessedBackoff,
	}
	items, err := g.Get(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("enrich readings: %w", err)
	}
	devices := make(map[string]Device, len(items))
	for id, item := range items {
		devices[id] = Device{Site: ddbbatch.String(item, SiteAttribute), Owner: ddbbatch.String(item, OwnerAttribute)}
	}
	return devices, nil
}
