// Package fanout is the stream processing pattern's fan-out: a dispatcher
// function takes a large batch (a Kinesis event source mapping's, or a
// JSON list), cuts it into sub-batches and invokes a processor function
// (through its alias) on each, in parallel with bounded concurrency,
// synchronously, and collects what failed. The Lambda entry points are
// patterns/streams/functions/dispatcher and
// patterns/streams/functions/processor.
//
// Fanning out trades ordering for throughput: sub-batches run at the same
// time, so records of one shard (or one partition key) are processed in no
// particular order across sub-batches, though in order within one. Use it
// where records are independent; where order matters, scale with the
// event source mapping's parallelization factor instead, which keeps order
// per partition key.
//
// Failures are reported by record: for a Kinesis batch as batch item
// failures by sequence number (the event source mapping must have
// ReportBatchItemFailures), from which Lambda retries — the lowest failed
// sequence number and everything after it, so records after it that
// succeeded are processed again: processors must be idempotent.
package fanout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/kumo-iac/kumo/internal/envvar"
)

// Defaults of the dispatcher's settings.
const (
	DefaultBatchSize               = 100
	DefaultConcurrency             = 10
	DefaultProcessorTimeoutSeconds = 60
)

// MaxPayloadBytes bounds a sub-batch's JSON: a synchronous invocation's
// request payload is at most 6 MB
// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html),
// read here as decimal megabytes, within the limit either way.
const MaxPayloadBytes = 6_000_000

// Item is one record of a sub-batch.
type Item struct {
	// ID identifies the record in failures: a Kinesis record's sequence
	// number, or a list item's index.
	ID string `json:"id"`
	// PartitionKey is a Kinesis record's partition key.
	PartitionKey string `json:"partitionKey,omitempty"`
	// Data is the record's data (base64 in JSON): a Kinesis record's
	// bytes, or a list item's JSON.
	Data []byte `json:"data"`
}

// Batch is the processor's payload.
type Batch struct {
	Items []Item `json:"items"`
}

// Failure is one record that was not processed, and why.
type Failure struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// BatchResult is the processor's response.
type BatchResult struct {
	// Processed counts the records processed.
	Processed int `json:"processed"`
	// Failures are the records not processed; the dispatcher reports
	// them. An ID not in the batch fails the whole sub-batch.
	Failures []Failure `json:"failures"`
}

// Lambda is the part of the Lambda API the Dispatcher calls.
// *lambda.Client satisfies it.
type Lambda interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var _ Lambda = (*lambda.Client)(nil)

// Dispatcher fans batches out to the processor.
type Dispatcher struct {
	Lambda Lambda
	// ProcessorARN is the processor's alias ARN.
	ProcessorARN string
	// BatchSize is the most records a sub-batch holds.
	BatchSize int
	// Concurrency is the most invocations in flight.
	Concurrency int
	// ProcessorTimeout bounds one sub-batch's invocation, its retries
	// included; 0 means none beyond the dispatcher's own deadline.
	ProcessorTimeout time.Duration
	// MaxPayloadBytes bounds a sub-batch's JSON; 0 means MaxPayloadBytes.
	MaxPayloadBytes int
	Log             *slog.Logger
}

// DispatcherFromEnv configures a Dispatcher from PROCESSOR_FUNCTION
// (required: the processor's alias ARN), BATCH_SIZE (default
// DefaultBatchSize, 1 to 10000), CONCURRENCY (default
// DefaultConcurrency, 1 to 1000) and PROCESSOR_TIMEOUT_SECONDS (default
// DefaultProcessorTimeoutSeconds, 1 to 900: the processor's timeout, or a
// little more).
func DispatcherFromEnv(lc Lambda, getenv func(string) string, log *slog.Logger) (*Dispatcher, error) {
	e := envvar.New(getenv)
	d := &Dispatcher{
		Lambda:           lc,
		ProcessorARN:     e.AliasARN("PROCESSOR_FUNCTION", "the processor function"),
		BatchSize:        e.Int("BATCH_SIZE", DefaultBatchSize, 1, 10000),
		Concurrency:      e.Int("CONCURRENCY", DefaultConcurrency, 1, 1000),
		ProcessorTimeout: time.Duration(e.Int("PROCESSOR_TIMEOUT_SECONDS", DefaultProcessorTimeoutSeconds, 1, 900)) * time.Second,
		Log:              log,
	}
	return d, e.Err()
}

// ListResult is the dispatcher's response to a JSON list.
type ListResult struct {
	Items   int       `json:"items"`
	Batches int       `json:"batches"`
	Failed  int       `json:"failed"`
	Failure []Failure `json:"failures"`
}

// Handle takes a Kinesis event (an object with "Records") and answers
// with events.KinesisEventResponse, or a JSON list and answers with a
// ListResult. Anything else is an error.
func (d *Dispatcher) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe any
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("the event is not JSON: %w", err)
	}
	switch p := probe.(type) {
	case []any:
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
		return d.DispatchList(ctx, items)
	case map[string]any:
		if _, ok := p["Records"]; ok {
			var ev events.KinesisEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				return nil, fmt.Errorf("the event is not a Kinesis event: %w", err)
			}
			return d.DispatchKinesis(ctx, ev)
		}
	}
	return nil, errors.New(`the event is neither a Kinesis event (an object with "Records") nor a JSON list`)
}

// DispatchKinesis dispatches a Kinesis batch and reports the records that
// failed by sequence number.
func (d *Dispatcher) DispatchKinesis(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	items := make([]Item, len(ev.Records))
	for i, r := range ev.Records {
		items[i] = Item{ID: r.Kinesis.SequenceNumber, PartitionKey: r.Kinesis.PartitionKey, Data: r.Kinesis.Data}
	}
	failures, batches := d.dispatch(ctx, items)
	resp := events.KinesisEventResponse{BatchItemFailures: make([]events.KinesisBatchItemFailure, 0, len(failures))}
	for _, f := range failures {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: f.ID})
	}
	d.Log.Info("kinesis batch dispatched", slog.Int("records", len(items)), slog.Int("batches", batches), slog.Int("failed", len(failures)))
	return resp, nil
}

// DispatchList dispatches a JSON list, its items identified by index.
func (d *Dispatcher) DispatchList(ctx context.Context, list []json.RawMessage) (ListResult, error) {
	items := make([]Item, len(list))
	for i, v := range list {
		items[i] = Item{ID: strconv.Itoa(i), Data: v}
	}
	failures, batches := d.dispatch(ctx, items)
	d.Log.Info("list dispatched", slog.Int("items", len(items)), slog.Int("batches", batches), slog.Int("failed", len(failures)))
	return ListResult{Items: len(items), Batches: batches, Failed: len(failures), Failure: failures}, nil
}

// dispatch runs the sub-batches and returns the failures in input order.
func (d *Dispatcher) dispatch(ctx context.Context, items []Item) ([]Failure, int) {
	batches, failures := d.split(items)
	results := make([][]Failure, len(batches))
	sem := make(chan struct{}, max(d.Concurrency, 1))
	var wg sync.WaitGroup
	for i, b := range batches {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = d.invoke(ctx, b)
		}()
	}
	wg.Wait()
	failed := map[string]Failure{}
	for _, f := range failures {
		failed[f.ID] = f
	}
	for _, r := range results {
		for _, f := range r {
			failed[f.ID] = f
		}
	}
	out := make([]Failure, 0, len(failed))
	for _, it := range items {
		if f, ok := failed[it.ID]; ok {
			out = append(out, f)
			delete(failed, it.ID) // an ID twice in the input is reported once
		}
	}
	return out, len(batches)
}

// split cuts items into sub-batches of at most BatchSize items and
// MaxPayloadBytes of JSON, in order. An item too large to send alone is a
// failure.
func (d *Dispatcher) split(items []Item) ([]Batch, []Failure) {
	limit := d.MaxPayloadBytes
	if limit == 0 {
		limit = MaxPayloadBytes
	}
	size := max(d.BatchSize, 1)
	const overhead = len(`{"items":[]}`)
	var batches []Batch
	var failures []Failure
	var cur Batch
	bytes := overhead
	for _, it := range items {
		b, _ := json.Marshal(it)
		cost := len(b)
		if overhead+cost > limit {
			failures = append(failures, Failure{ID: it.ID, Reason: fmt.Sprintf("the record alone takes %d bytes, over the %d-byte invocation payload limit", overhead+cost, limit)})
			continue
		}
		if len(cur.Items) > 0 {
			cost++ // the comma
		}
		if len(cur.Items) == size || bytes+cost > limit {
			batches = append(batches, cur)
			cur, bytes, cost = Batch{}, overhead, len(b)
		}
		cur.Items = append(cur.Items, it)
		bytes += cost
	}
	if len(cur.Items) > 0 {
		batches = append(batches, cur)
	}
	return batches, failures
}

// invoke runs one sub-batch and returns its failures: the processor's,
// or every record's when the invocation itself failed.
func (d *Dispatcher) invoke(ctx context.Context, b Batch) []Failure {
	all := func(reason string) []Failure {
		d.Log.Error("sub-batch failed", slog.Int("records", len(b.Items)), slog.String("first", b.Items[0].ID), slog.String("reason", reason))
		fs := make([]Failure, len(b.Items))
		for i, it := range b.Items {
			fs[i] = Failure{ID: it.ID, Reason: reason}
		}
		return fs
	}
	payload, err := json.Marshal(b)
	if err != nil {
		return all(err.Error())
	}
	if d.ProcessorTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.ProcessorTimeout)
		defer cancel()
	}
	out, err := d.Lambda.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(d.ProcessorARN),
		InvocationType: lambdatypes.InvocationTypeRequestResponse,
		Payload:        payload,
	})
	if err != nil {
		return all(fmt.Sprintf("invoke %s: %v", d.ProcessorARN, err))
	}
	if out.FunctionError != nil {
		var fe struct {
			ErrorMessage string `json:"errorMessage"`
			ErrorType    string `json:"errorType"`
		}
		_ = json.Unmarshal(out.Payload, &fe)
		return all(fmt.Sprintf("the processor failed (%s): %s: %s", aws.ToString(out.FunctionError), fe.ErrorType, fe.ErrorMessage))
	}
	var res BatchResult
	if err := json.Unmarshal(out.Payload, &res); err != nil {
		return all(fmt.Sprintf("the processor's response is not a batch result: %v", err))
	}
	ids := make(map[string]bool, len(b.Items))
	for _, it := range b.Items {
		ids[it.ID] = true
	}
	for _, f := range res.Failures {
		if !ids[f.ID] {
			return all(fmt.Sprintf("the processor reported a failure of %q, which is not in its batch", f.ID))
		}
	}
	return res.Failures
}
