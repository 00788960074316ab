// Package analytics is the stream processing pattern's real-time
// analytics: per-device average temperatures over Lambda's tumbling
// windows on a Kinesis stream, compared at each window's end with the
// device's threshold from DynamoDB, with an SNS alert for each device over
// it. The Lambda entry point is patterns/streams/functions/analytics.
//
// Lambda carries the window's state between the invocations of one window
// and shard: each returns the state, and the next receives it as
// returned; the window's last invocation has isFinalInvokeForWindow set
// (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html).
// The state here is each device's running sum and count. Windows are
// Lambda's, by arrival time, per shard: partition the stream by device ID
// so that each device's readings meet in one shard's window.
//
// Malformed records (see patterns/streams/reading) go to the error stream
// with the reason, so that they can be repaired and replayed, and never
// hold the window up; heartbeats and other non-reading messages are
// skipped. A failure that needs a retry (the error stream or SNS not
// answering after the client's bounded retries) fails the invocation:
// Lambda then retries the batch with the state it passed before, so no
// reading is counted twice or lost, and a failed final invocation holds
// the shard until it succeeds. Batch item failures are not reported: what
// Lambda does with a partial batch response's state is not documented.
// Records may reach the error stream, and alerts the topic, more than once.
package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/kumo-iac/kumo/internal/envvar"
	"github.com/kumo-iac/kumo/patterns/streams/internal/ddbbatch"
	"github.com/kumo-iac/kumo/patterns/streams/reading"
)

// The threshold table's design: partition key deviceId (a string), the
// device's threshold a number attribute.
const (
	ThresholdKeyAttribute = "deviceId"
	ThresholdAttribute    = "threshold"
)

// DefaultThreshold is the threshold of a device without one in the table,
// unless DEFAULT_THRESHOLD says otherwise.
const DefaultThreshold = 30.0

// MaxStateBytes bounds the JSON of the state returned: Lambda keeps at
// most 1 MB of state per shard and ends the window early beyond it
// (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html).
// Read as decimal megabytes it is within the limit either way. Readings of
// devices the state has no room for go to the error stream instead.
const MaxStateBytes = 1_000_000

// Kinesis PutRecords limits: 500 records and 5 MiB (data and partition
// keys) a request, 1 MiB a record
// (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html).
const (
	maxPutRecords      = 500
	maxPutRequestBytes = 5 << 20
	maxRecordBytes     = 1 << 20
)

// SNS is the part of the SNS API the Analyzer calls. *sns.Client
// satisfies it.
type SNS interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Kinesis is the part of the Kinesis API the Analyzer calls.
// *kinesis.Client satisfies it.
type Kinesis interface {
	PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error)
}

// DynamoDB is the part of the DynamoDB API the Analyzer calls.
// *dynamodb.Client satisfies it.
type DynamoDB = ddbbatch.DynamoDB

var (
	_ SNS     = (*sns.Client)(nil)
	_ Kinesis = (*kinesis.Client)(nil)
)

// Analyzer handles the windowed invocations.
type Analyzer struct {
	DB               DynamoDB
	ThresholdTable   string
	DefaultThreshold float64
	SNS              SNS
	TopicARN         string
	Kinesis          Kinesis
	// ErrorStreamName or ErrorStreamARN names the error stream.
	ErrorStreamName, ErrorStreamARN string
	// MaxStateBytes bounds the state; 0 means MaxStateBytes.
	MaxStateBytes int
	// PutRetries bounds the rounds of PutRecords' failed records
	// retried, with exponential backoff from PutBackoff; 0 means 5 and
	// 100 ms. The same bound applies to BatchGetItem's unprocessed keys.
	PutRetries int
	PutBackoff time.Duration
	Log        *slog.Logger
}

// FromEnv configures an Analyzer from THRESHOLD_TABLE, ALERT_TOPIC_ARN,
// ERROR_STREAM (required; the stream's name or ARN) and DEFAULT_THRESHOLD
// (default DefaultThreshold).
func FromEnv(db DynamoDB, snsc SNS, kin Kinesis, getenv func(string) string, log *slog.Logger) (*Analyzer, error) {
	e := envvar.New(getenv)
	stream := e.Stream("ERROR_STREAM", "the Kinesis stream that receives malformed records")
	a := &Analyzer{
		DB:               db,
		ThresholdTable:   e.Table("THRESHOLD_TABLE", "the threshold table (partition key deviceId, a string; attribute threshold, a number)", true),
		DefaultThreshold: e.Float("DEFAULT_THRESHOLD", DefaultThreshold),
		SNS:              snsc,
		TopicARN:         e.TopicARN("ALERT_TOPIC_ARN", "the SNS topic for alerts"),
		Kinesis:          kin,
		ErrorStreamName:  stream.Name,
		ErrorStreamARN:   stream.ARN,
		Log:              log,
	}
	return a, e.Err()
}

// Alert is the message published for a device whose window average is
// over its threshold.
type Alert struct {
	DeviceID  string  `json:"deviceId"`
	Average   float64 `json:"average"`
	Threshold float64 `json:"threshold"`
	// Readings is how many readings the average is of.
	Readings int `json:"readings"`
	// WindowStart and WindowEnd are the window's bounds, RFC 3339 UTC.
	WindowStart string `json:"windowStart"`
	WindowEnd   string `json:"windowEnd"`
	ShardID     string `json:"shardId"`
	// Partial is true when Lambda ended the window early: the average is
	// of the readings before the end, and the rest of the window is
	// evaluated apart.
	Partial bool `json:"partial"`
}

// ErrorRecord is what the error stream receives for a record that could
// not be used: the original bytes and why, and where it came from.
type ErrorRecord struct {
	Reason string `json:"reason"`
	// Data is the original record's data (base64 in JSON). It is left
	// out, with DataTruncated set, when it would take the error record
	// over Kinesis's 1 MiB; the source stream still holds it under
	// SequenceNumber for its retention period.
	Data          []byte `json:"data,omitempty"`
	DataTruncated bool   `json:"dataTruncated,omitempty"`
	DataBytes     int    `json:"dataBytes"`
	PartitionKey  string `json:"partitionKey"`
	// SequenceNumber, ShardID and EventSourceARN locate the original.
	SequenceNumber string `json:"sequenceNumber"`
	ShardID        string `json:"shardId"`
	EventSourceARN string `json:"eventSourceArn"`
	// ArrivalTime is when Kinesis received it, RFC 3339 UTC.
	ArrivalTime string `json:"arrivalTime"`
	WindowStart string `json:"windowStart"`
	WindowEnd   string `json:"windowEnd"`
}

// Reasons for error records.
const (
	ReasonStateFull = "the window state is full"
)

// Result counts what one invocation did.
type Result struct {
	Readings, Skipped, Errors, StateFull int
	// Alerts are the alerts published, by device ID order.
	Alerts []Alert
}

// Handle handles one invocation of a window.
func (a *Analyzer) Handle(ctx context.Context, ev events.KinesisTimeWindowEvent) (events.KinesisTimeWindowEventResponse, error) {
	resp, res, err := a.Process(ctx, ev)
	if err != nil {
		return events.KinesisTimeWindowEventResponse{}, err
	}
	a.Log.Info("window invocation", slog.String("shardId", ev.ShardID), slog.String("windowStart", rfc3339(ev.Window.Start.Time)),
		slog.Int("records", len(ev.Records)), slog.Int("readings", res.Readings), slog.Int("skipped", res.Skipped),
		slog.Int("errors", res.Errors), slog.Int("stateFull", res.StateFull), slog.Int("devices", len(resp.State)),
		slog.Bool("final", ev.IsFinalInvokeForWindow), slog.Bool("terminatedEarly", ev.IsWindowTerminatedEarly), slog.Int("alerts", len(res.Alerts)))
	return resp, nil
}

// Process is Handle, with counts.
func (a *Analyzer) Process(ctx context.Context, ev events.KinesisTimeWindowEvent) (events.KinesisTimeWindowEventResponse, Result, error) {
	st := a.decodeState(ev.State)
	var res Result
	var errs []ErrorRecord
	for _, rec := range ev.Records {
		m := reading.Parse(rec.Kinesis.Data)
		switch m.Kind {
		case reading.Other:
			res.Skipped++
		case reading.Malformed:
			res.Errors++
			errs = append(errs, a.errorRecord(ev, rec, m.Err.Error()))
		case reading.Reading:
			switch st.add(m.DeviceID, m.Temperature) {
			case added:
				res.Readings++
			case full:
				res.StateFull++
				errs = append(errs, a.errorRecord(ev, rec, fmt.Sprintf("%s: it has room for %d devices in %d bytes (Lambda keeps at most 1 MB of window state per shard); this device is not among them", ReasonStateFull, len(st.devices), st.limit)))
			case overflow:
				res.Errors++
				errs = append(errs, a.errorRecord(ev, rec, fmt.Sprintf("temperature %g takes the device's window sum beyond a float64", m.Temperature)))
			}
		}
	}
	if err := a.putErrors(ctx, errs); err != nil {
		return events.KinesisTimeWindowEventResponse{}, Result{}, err
	}
	resp := events.KinesisTimeWindowEventResponse{BatchItemFailures: []events.KinesisBatchItemFailure{}}
	if !ev.IsFinalInvokeForWindow && !ev.IsWindowTerminatedEarly {
		resp.State = st.encode()
		return resp, res, nil
	}
	alerts, err := a.evaluate(ctx, ev, st)
	if err != nil {
		return events.KinesisTimeWindowEventResponse{}, Result{}, err
	}
	res.Alerts = alerts
	// A response without state is a failed invocation to Lambda: the
	// window ends with an empty one.
	resp.State = map[string]string{}
	return resp, res, nil
}

// evaluate publishes an alert for each device whose average is over its
// threshold.
func (a *Analyzer) evaluate(ctx context.Context, ev events.KinesisTimeWindowEvent, st *state) ([]Alert, error) {
	if len(st.devices) == 0 {
		return nil, nil
	}
	ids := slices.Sorted(maps.Keys(st.devices))
	thresholds, err := a.thresholds(ctx, ids)
	if err != nil {
		return nil, err
	}
	var alerts []Alert
	for _, id := range ids {
		agg := st.devices[id]
		avg := agg.sum / float64(agg.count)
		if avg <= thresholds[id] {
			continue
		}
		al := Alert{
			DeviceID: id, Average: avg, Threshold: thresholds[id], Readings: agg.count,
			WindowStart: rfc3339(ev.Window.Start.Time), WindowEnd: rfc3339(ev.Window.End.Time),
			ShardID: ev.ShardID, Partial: ev.IsWindowTerminatedEarly,
		}
		if err := a.publish(ctx, al); err != nil {
			return nil, err
		}
		alerts = append(alerts, al)
	}
	return alerts, nil
}

func (a *Analyzer) thresholds(ctx context.Context, ids []string) (map[string]float64, error) {
	g := &ddbbatch.Getter{DB: a.DB, Table: a.ThresholdTable, Key: ThresholdKeyAttribute, Attributes: []string{ThresholdAttribute}, Retries: a.PutRetries, Backoff: a.PutBackoff}
	items, err := g.Get(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read thresholds: %w", err)
	}
	out := make(map[string]float64, len(ids))
	for _, id := range ids {
		out[id] = a.DefaultThreshold
		item, ok := items[id]
		if !ok {
			continue
		}
		n, ok := ddbbatch.Number(item, ThresholdAttribute)
		f, err := strconv.ParseFloat(n, 64)
		if !ok || err != nil || math.IsInf(f, 0) {
			a.Log.Warn("threshold item without a numeric threshold: the default applies", slog.String("deviceId", id), slog.Float64("default", a.DefaultThreshold))
			continue
		}
		out[id] = f
	}
	return out, nil
}

// subjectMax is one less than SNS's limit: a subject "must be less than
// 100 characters long", ASCII, without line breaks or control characters
// (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). Device
// IDs are ASCII letters, digits, ':', '_' and '-'.
const subjectMax = 99

func (a *Analyzer) publish(ctx context.Context, al Alert) error {
	msg, err := json.Marshal(al)
	if err != nil {
		return err
	}
	subject := "Temperature alert: " + al.DeviceID
	if len(subject) > subjectMax {
		subject = subject[:subjectMax]
	}
	_, err = a.SNS.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(a.TopicARN),
		Message:  aws.String(string(msg)),
		Subject:  aws.String(subject),
		// Subscribers can filter on the device.
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"deviceId": {DataType: aws.String("String"), StringValue: aws.String(al.DeviceID)},
		},
	})
	if err != nil {
		return fmt.Errorf("publish alert for %s: %w", al.DeviceID, err)
	}
	return nil
}

func (a *Analyzer) errorRecord(ev events.KinesisTimeWindowEvent, rec events.KinesisEventRecord, reason string) ErrorRecord {
	shard, _, _ := strings.Cut(rec.EventID, ":")
	return ErrorRecord{
		Reason:         reason,
		Data:           rec.Kinesis.Data,
		DataBytes:      len(rec.Kinesis.Data),
		PartitionKey:   rec.Kinesis.PartitionKey,
		SequenceNumber: rec.Kinesis.SequenceNumber,
		ShardID:        shard,
		EventSourceARN: rec.EventSourceArn,
		ArrivalTime:    rfc3339(rec.Kinesis.ApproximateArrivalTimestamp.Time),
		WindowStart:    rfc3339(ev.Window.Start.Time),
		WindowEnd:      rfc3339(ev.Window.End.Time),
	}
}

// putErrors writes the error records to the error stream in order, within
// PutRecords' limits, retrying the records it fails.
func (a *Analyzer) putErrors(ctx context.Context, errs []ErrorRecord) error {
	var entries []kinesistypes.PutRecordsRequestEntry
	for _, er := range errs {
		data, err := json.Marshal(er)
		if err != nil {
			return err
		}
		// The original's partition key keeps a device's errors together;
		// Kinesis requires 1 to 256 characters, which the original had.
		pk := er.PartitionKey
		if pk == "" {
			pk = "error"
		}
		if len(data)+1+len(pk) > maxRecordBytes {
			er.Data, er.DataTruncated = nil, true
			if data, err = json.Marshal(er); err != nil {
				return err
			}
		}
		// Newline-terminated: Firehose concatenates the error stream's
		// records into its S3 objects, which are then JSON lines.
		data = append(data, '\n')
		entries = append(entries, kinesistypes.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(pk)})
	}
	for len(entries) > 0 {
		n, size := 0, 0
		for n < len(entries) && n < maxPutRecords {
			s := len(entries[n].Data) + len(aws.ToString(entries[n].PartitionKey))
			if n > 0 && size+s > maxPutRequestBytes {
				break
			}
			size += s
			n++
		}
		if err := a.put(ctx, entries[:n]); err != nil {
			return err
		}
		entries = entries[n:]
	}
	return nil
}

// put writes one request's records, retrying those PutRecords reports
// failed (throttled, or an internal failure) with exponential backoff.
func (a *Analyzer) put(ctx context.Context, entries []kinesistypes.PutRecordsRequestEntry) error {
	retries, backoff := a.PutRetries, a.PutBackoff
	if retries == 0 {
		retries = 5
	}
	if backoff == 0 {
		backoff = 100 * time.Millisecond
	}
	for round := 0; ; round++ {
		in := &kinesis.PutRecordsInput{Records: entries}
		if a.ErrorStreamARN != "" {
			in.StreamARN = aws.String(a.ErrorStreamARN)
		} else {
			in.StreamName = aws.String(a.ErrorStreamName)
		}
		out, err := a.Kinesis.PutRecords(ctx, in)
		if err != nil {
			return fmt.Errorf("put %d records to the error stream: %w", len(entries), err)
		}
		if aws.ToInt32(out.FailedRecordCount) == 0 {
			return nil
		}
		var failed []kinesistypes.PutRecordsRequestEntry
		var last string
		for i, r := range out.Records {
			if r.ErrorCode != nil {
				failed = append(failed, entries[i])
				last = aws.ToString(r.ErrorCode) + ": " + aws.ToString(r.ErrorMessage)
			}
		}
		if round == retries {
			return fmt.Errorf("put records to the error stream: %d still failed after %d retries (%s)", len(failed), retries, last)
		}
		entries = failed
		select {
		case <-ctx.Done():
			return fmt.Errorf("put records to the error stream: %w", ctx.Err())
		case <-time.After(backoff << round):
		}
	}
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// aggregate is a device's running total.
type aggregate struct {
	sum   float64
	count int
}

// state is the window's aggregates and the room left for them.
type state struct {
	devices map[string]aggregate
	used    int
	limit   int
}

// entryValueMax is the most an entry's value takes in JSON: the quotes,
// the shortest float64 that round-trips at its longest
// ("-2.2250738585072014e-308", 24 bytes), a space and a count of up to 19
// digits. An entry is charged this whatever its value now, so it never
// outgrows the room it was given.
const entryValueMax = 2 + 24 + 1 + 19

// entryCost is what a device's entry takes of the state's JSON: its key,
// the colon, the largest value and a comma.
func entryCost(id string) int {
	k, _ := json.Marshal(id)
	return len(k) + 1 + entryValueMax + 1
}

func (a *Analyzer) decodeState(in map[string]string) *state {
	st := &state{devices: make(map[string]aggregate, len(in)), used: 2, limit: a.MaxStateBytes}
	if st.limit == 0 {
		st.limit = MaxStateBytes
	}
	for _, id := range slices.Sorted(maps.Keys(in)) {
		agg, err := parseAggregate(in[id])
		if err != nil || !reading.ValidDeviceID(id) {
			// Only this function writes the state, so this is a state
			// from an incompatible version, deployed mid-window.
			a.Log.Error("window state entry unreadable: its device's readings so far are lost", slog.String("deviceId", id), slog.String("value", in[id]))
			continue
		}
		st.devices[id] = agg
		st.used += entryCost(id)
	}
	return st
}

type addResult int

const (
	added addResult = iota
	// full: the device is new and the state has no room for it.
	full
	// overflow: the sum would not be finite.
	overflow
)

// add adds a reading to its device's aggregate.
func (st *state) add(id string, temp float64) addResult {
	agg, ok := st.devices[id]
	if math.IsInf(agg.sum+temp, 0) {
		return overflow
	}
	if !ok {
		if st.used+entryCost(id) > st.limit {
			return full
		}
		st.used += entryCost(id)
	}
	agg.sum += temp
	agg.count++
	st.devices[id] = agg
	return added
}

func (st *state) encode() map[string]string {
	out := make(map[string]string, len(st.devices))
	for id, agg := range st.devices {
		out[id] = strconv.FormatFloat(agg.sum, 'g', -1, 64) + " " + strconv.Itoa(agg.count)
	}
	return out
}

func parseAggregate(v string) (aggregate, error) {
	s, c, ok := strings.Cut(v, " ")
	if !ok {
		return aggregate{}, errors.New("no count")
	}
	sum, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return aggregate{}, err
	}
	count, err := strconv.Atoi(c)
	if err != nil || count < 1 {
		return aggregate{}, fmt.Errorf("count %q", c)
	}
	return aggregate{sum: sum, count: count}, nil
}
