package constructs

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StartingPosition is where a new stream mapping starts reading.
type StartingPosition string

// Starting positions of stream mappings.
const (
	// StartLatest reads the records written after the mapping exists.
	StartLatest StartingPosition = "LATEST"
	// StartTrimHorizon reads every record the stream still holds (24 hours
	// of them for a DynamoDB stream).
	StartTrimHorizon StartingPosition = "TRIM_HORIZON"
	// StartAtTimestamp reads the records written from
	// StartingPositionTimestamp on; Kinesis streams only.
	StartAtTimestamp StartingPosition = "AT_TIMESTAMP"
)

// StreamSourceArgs configure how a function consumes a stream. Lambda runs
// one batch per shard at a time (ParallelizationFactor more), retries a
// failing batch, and sends what still fails to the source's failure queue.
type StreamSourceArgs struct {
	// BatchSize is the most records per invocation, 1–10000. Default: 100.
	BatchSize int
	// MaximumBatchingWindowSeconds is how long Lambda gathers records
	// before invoking, 0–300. Default: 0 (invoke as soon as records arrive).
	MaximumBatchingWindowSeconds int
	// StartingPosition is where a new mapping starts: LATEST,
	// TRIM_HORIZON or (Kinesis only) AT_TIMESTAMP. Default: LATEST.
	StartingPosition StartingPosition
	// StartingPositionTimestamp is the RFC 3339 time an AT_TIMESTAMP
	// mapping starts reading from, e.g. "2026-01-01T00:00:00Z"; it is read
	// when the mapping is created only. Default: none; required with
	// AT_TIMESTAMP and refused otherwise.
	StartingPositionTimestamp string
	// BisectBatchOnError splits a failing batch in two and retries each
	// half, isolating a bad record. Default: true.
	BisectBatchOnError *bool
	// MaximumRetryAttempts bounds the retries of a failing batch, -1
	// (until the records expire) to 10000. Default: 3.
	MaximumRetryAttempts *int
	// MaximumRecordAgeSeconds sends records older than this to the
	// failure queue unprocessed: -1 (never) or 60–604800. Default: 3600.
	MaximumRecordAgeSeconds *int
	// ParallelizationFactor is how many batches of one shard run at once,
	// 1–10; above 1, records of one key may be processed out of order.
	// Default: 1.
	ParallelizationFactor int
	// ReportBatchItemFailures lets the handler name the records that
	// failed (BatchItemFailures in events.DynamoDBEventResponse or
	// events.KinesisEventResponse): Lambda then retries from the first of
	// them instead of the whole batch. A handler that returns no response
	// is unaffected. Default: true.
	ReportBatchItemFailures *bool
	// TumblingWindowSeconds groups each shard's records into windows of
	// this many seconds, 0–900: Lambda passes the state the handler
	// returned for the window to its next invocation in the window, and
	// marks the window's last one (isFinalInvokeForWindow), so a handler
	// can aggregate, e.g. per-device sums and counts over a minute. The
	// handler must then return its state with every response
	// (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html,
	// services-ddb-windows.html). Default: 0, no windows.
	TumblingWindowSeconds int
	// FilterPatterns are Lambda event filter patterns (JSON, at most 4096
	// characters each, at most 5): only matching records invoke the
	// function, the rest are dropped. Default: none, every record.
	FilterPatterns []string
	// Enabled is the mapping's kill switch: false stops Lambda polling the
	// stream and changes nothing else. Records wait in the stream only for
	// its retention (24 hours for DynamoDB), so switch it back on before
	// that or start again from LATEST. Default: true.
	Enabled *bool
}

// StreamSource is a function consuming a stream through an event source
// mapping that invokes the function's alias, with an on-failure queue.
type StreamSource struct {
	pulumi.ResourceState

	// Mapping is the event source mapping, an escape hatch.
	Mapping *lambda.EventSourceMapping
	// FailureQueue receives a description of each batch that still failed
	// after its retries (not the records: read them from the stream by the
	// shard and sequence numbers it gives). Encrypted, TLS-only, keeps
	// messages 14 days.
	FailureQueue *sqs.Queue
	// FailureQueueName and FailureQueueArn name the failure queue, e.g.
	// for an alarm on its depth.
	FailureQueueName pulumi.StringOutput
	FailureQueueArn  pulumi.StringOutput
}

// Lambda's limits for stream mappings (CreateEventSourceMapping,
// https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html),
// and its default quota of filters per mapping
// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
const (
	maxStreamBatchSize       = 10000
	maxBatchingWindowSeconds = 300
	maxStreamRetryAttempts   = 10000
	minRecordAgeSeconds      = 60
	maxRecordAgeSeconds      = 604800
	maxParallelization       = 10
	maxFilterPatterns        = 5
	maxFilterPatternLength   = 4096
	maxTumblingWindowSeconds = 900
)

// eventStream is a stream a StreamSource reads: a table's DynamoDB stream
// here, a Kinesis stream for a construct that has one. What differs between
// sources is all in it.
type eventStream struct {
	// source is the kind of stream, for the settings only one kind takes.
	source streamKind
	// arn is the stream's ARN, the mapping's event source.
	arn pulumi.StringInput
	// read are the statements that let the function's role read the
	// stream; CreateEventSourceMapping checks them.
	read []Statement
	// problems are what is wrong with the source itself.
	problems []error
}

// streamKind is the kind of stream an eventStream is.
type streamKind string

const (
	sourceDynamoDB streamKind = "dynamodb"
	sourceKinesis  streamKind = "kinesis"
)

// StreamTo makes fn consume the table's DynamoDB stream, through fn's
// alias. The table needs a stream (TableArgs.Stream).
func (t *Table) StreamTo(name string, fn *Function, args *StreamSourceArgs, opts ...pulumi.ResourceOption) (*StreamSource, error) {
	src := eventStream{
		source: sourceDynamoDB,
		arn:    t.StreamArn,
		read: []Statement{{
			Sid:       "ReadTableStream",
			Actions:   []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
			Resources: []pulumi.StringInput{t.StreamArn},
		}, {
			Sid:            "ListTableStreams",
			Actions:        []string{"dynamodb:ListStreams"},
			Resources:      []pulumi.StringInput{pulumi.String("*")},
			WildcardReason: "dynamodb:ListStreams supports no resource-level permissions (DynamoDB's service authorization reference), so * is the narrowest scope AWS allows; Lambda calls it to find the table's stream",
		}},
	}
	if t.keyArn != nil {
		// A table encrypted with a customer managed key encrypts its
		// stream records with it too, and the mapping reads them with the
		// function's role (as CDK's grantStreamRead grants, aws-cdk#22796).
		src.read = append(src.read, Statement{Sid: "DecryptTableStream", Actions: []string{"kms:Decrypt"}, Resources: []pulumi.StringInput{t.keyArn}})
	}
	if t.stream == StreamOff {
		src.problems = append(src.problems, fmt.Errorf("Stream: table %q has none; create it with TableArgs.Stream set to KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES", t.name))
	}
	return newStreamSource(name, src, fn, args, opts...)
}

func (a StreamSourceArgs) withDefaults() StreamSourceArgs {
	a.BatchSize = orDefault(a.BatchSize, DefaultStreamBatchSize)
	a.StartingPosition = orDefault(a.StartingPosition, DefaultStreamStartingPosition)
	a.ParallelizationFactor = orDefault(a.ParallelizationFactor, DefaultStreamParallelizationFactor)
	a.BisectBatchOnError = orDefaultPtr(a.BisectBatchOnError, DefaultStreamBisectBatchOnError)
	a.MaximumRetryAttempts = orDefaultPtr(a.MaximumRetryAttempts, DefaultStreamRetryAttempts)
	a.MaximumRecordAgeSeconds = orDefaultPtr(a.MaximumRecordAgeSeconds, DefaultStreamRecordAgeSeconds)
	a.ReportBatchItemFailures = orDefaultPtr(a.ReportBatchItemFailures, DefaultStreamReportBatchItemFailures)
	a.Enabled = orDefaultPtr(a.Enabled, true)
	return a
}

// orDefaultPtr returns p, or a pointer to def when p is nil.
func orDefaultPtr[T any](p *T, def T) *T {
	if p == nil {
		return &def
	}
	return p
}

// validate reports every problem (defaults applied) for a source of the
// given kind, "" when it is not known.
func (a StreamSourceArgs) validate(source streamKind) *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if a.BatchSize < 1 || a.BatchSize > maxStreamBatchSize {
		add("BatchSize: %d is outside 1–%d", a.BatchSize, maxStreamBatchSize)
	}
	if w := a.MaximumBatchingWindowSeconds; w < 0 || w > maxBatchingWindowSeconds {
		add("MaximumBatchingWindowSeconds: %d is outside 0–%d", w, maxBatchingWindowSeconds)
	}
	// "AT_TIMESTAMP is supported only for Amazon Kinesis streams, Amazon
	// DocumentDB, Amazon MSK, and self-managed Apache Kafka"
	// (CreateEventSourceMapping, StartingPosition).
	switch p, ts := a.StartingPosition, a.StartingPositionTimestamp; {
	case p == StartLatest || p == StartTrimHorizon:
		if ts != "" {
			add("StartingPositionTimestamp: %q is set with StartingPosition %s; only AT_TIMESTAMP reads from a time, so drop it or use AT_TIMESTAMP", ts, p)
		}
	case p == StartAtTimestamp && source == sourceDynamoDB:
		add("StartingPosition: %q is not a starting position of a DynamoDB stream; use LATEST or TRIM_HORIZON", p)
	case p == StartAtTimestamp && ts == "":
		add("StartingPositionTimestamp: empty; AT_TIMESTAMP needs the RFC 3339 time to read from, e.g. \"2026-01-01T00:00:00Z\"")
	case p == StartAtTimestamp:
		if _, err := time.Parse(time.RFC3339, ts); err != nil {
			add("StartingPositionTimestamp: %q is not an RFC 3339 time such as \"2026-01-01T00:00:00Z\"", ts)
		}
	case source == sourceDynamoDB:
		add("StartingPosition: %q is not a starting position; use LATEST or TRIM_HORIZON", p)
	default:
		add("StartingPosition: %q is not a starting position; use LATEST, TRIM_HORIZON or AT_TIMESTAMP", p)
	}
	if w := a.TumblingWindowSeconds; w < 0 || w > maxTumblingWindowSeconds {
		add("TumblingWindowSeconds: %d is outside 0–%d (0 for no windows)", w, maxTumblingWindowSeconds)
	}
	if n := *a.MaximumRetryAttempts; n < -1 || n > maxStreamRetryAttempts {
		add("MaximumRetryAttempts: %d is outside -1–%d (-1 retries until the records expire)", n, maxStreamRetryAttempts)
	}
	if n := *a.MaximumRecordAgeSeconds; n != -1 && (n < minRecordAgeSeconds || n > maxRecordAgeSeconds) {
		add("MaximumRecordAgeSeconds: %d is neither -1 (no limit) nor within %d–%d", n, minRecordAgeSeconds, maxRecordAgeSeconds)
	}
	if p := a.ParallelizationFactor; p < 1 || p > maxParallelization {
		add("ParallelizationFactor: %d is outside 1–%d", p, maxParallelization)
	}
	if n := len(a.FilterPatterns); n > maxFilterPatterns {
		add("FilterPatterns: %d patterns; Lambda's quota is %d per event source mapping (combine them: a pattern's lists match any of their values)", n, maxFilterPatterns)
	}
	for i, p := range a.FilterPatterns {
		switch {
		case !json.Valid([]byte(p)):
			add("FilterPatterns[%d]: %q is not JSON; write a Lambda filter pattern such as {\"eventName\": [\"INSERT\"]}", i, p)
		case len([]rune(p)) > maxFilterPatternLength:
			add("FilterPatterns[%d]: %d characters; a pattern is at most %d", i, len([]rune(p)), maxFilterPatternLength)
		}
	}
	return errs
}

// Validate reports every problem with the args, defaults applied, as
// StreamTo and ConsumeWith would, without registering anything; what only
// one kind of stream refuses (AT_TIMESTAMP on a DynamoDB stream) is theirs
// to report.
func (a StreamSourceArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("stream source %q", name), a.withDefaults().validate(""))
}

// newStreamSource registers a stream source reading src: the failure
// queue, the function's permission to read the stream and send to the
// queue, and the mapping, after both and the alias.
func newStreamSource(name string, src eventStream, fn *Function, args *StreamSourceArgs, opts ...pulumi.ResourceOption) (*StreamSource, error) {
	if args == nil {
		args = &StreamSourceArgs{}
	}
	a := args.withDefaults()
	errs := multierror.Append(&multierror.Error{}, src.problems...)
	if fn == nil {
		errs = multierror.Append(errs, fmt.Errorf("fn: not set; pass the *Function that processes the records"))
	}
	if verrs := a.validate(src.source); verrs != nil {
		errs = multierror.Append(errs, verrs.Errors...)
	}
	if err := invalid(fmt.Sprintf("stream source %q", name), errs); err != nil {
		return nil, err
	}

	ctx := fn.ctx
	ss := &StreamSource{}
	if err := ctx.RegisterComponentResource("kumo:constructs:StreamSource", name, ss, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(ss)
	var err error
	if ss.FailureQueue, err = sqs.NewQueue(ctx, name+"-failures", &sqs.QueueArgs{
		SqsManagedSseEnabled:    pulumi.Bool(true),
		MessageRetentionSeconds: pulumi.Int(DefaultDeadLetterRetentionSeconds),
	}, parent); err != nil {
		return nil, err
	}
	if err := queueTLSOnly(ctx, name+"-failures", ss.FailureQueue, parent); err != nil {
		return nil, err
	}
	ss.FailureQueueName, ss.FailureQueueArn = ss.FailureQueue.Name, ss.FailureQueue.Arn

	statements := append(append([]Statement(nil), src.read...), Statement{
		Sid:       "SendFailedBatches",
		Actions:   []string{"sqs:SendMessage"},
		Resources: []pulumi.StringInput{ss.FailureQueue.Arn},
	})
	if err := fn.addToRolePolicy("stream-"+name, statements...); err != nil {
		return nil, err
	}

	mArgs := &lambda.EventSourceMappingArgs{
		EventSourceArn: src.arn,
		// The alias, never the bare function: canaries see every batch.
		FunctionName:                   fn.AliasArn,
		StartingPosition:               pulumi.String(string(a.StartingPosition)),
		BatchSize:                      pulumi.Int(a.BatchSize),
		MaximumBatchingWindowInSeconds: pulumi.Int(a.MaximumBatchingWindowSeconds),
		BisectBatchOnFunctionError:     pulumi.Bool(*a.BisectBatchOnError),
		MaximumRetryAttempts:           pulumi.Int(*a.MaximumRetryAttempts),
		MaximumRecordAgeInSeconds:      pulumi.Int(*a.MaximumRecordAgeSeconds),
		ParallelizationFactor:          pulumi.Int(a.ParallelizationFactor),
		Enabled:                        pulumi.Bool(*a.Enabled),
		DestinationConfig: &lambda.EventSourceMappingDestinationConfigArgs{
			OnFailure: &lambda.EventSourceMappingDestinationConfigOnFailureArgs{DestinationArn: ss.FailureQueue.Arn},
		},
	}
	if a.StartingPosition == StartAtTimestamp {
		mArgs.StartingPositionTimestamp = pulumi.String(a.StartingPositionTimestamp)
	}
	if a.TumblingWindowSeconds > 0 {
		mArgs.TumblingWindowInSeconds = pulumi.Int(a.TumblingWindowSeconds)
	}
	if *a.ReportBatchItemFailures {
		mArgs.FunctionResponseTypes = pulumi.StringArray{pulumi.String("ReportBatchItemFailures")}
	}
	if len(a.FilterPatterns) > 0 {
		var filters lambda.EventSourceMappingFilterCriteriaFilterArray
		for _, p := range a.FilterPatterns {
			filters = append(filters, &lambda.EventSourceMappingFilterCriteriaFilterArgs{Pattern: pulumi.String(p)})
		}
		mArgs.FilterCriteria = &lambda.EventSourceMappingFilterCriteriaArgs{Filters: filters}
	}
	// CreateEventSourceMapping checks that the role may read the stream
	// and send to the queue, and that the alias exists: all of them first.
	deps := append(fn.policies(), fn.Release)
	if ss.Mapping, err = lambda.NewEventSourceMapping(ctx, name, mArgs, parent, pulumi.DependsOn(deps)); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(ss, pulumi.Map{
		"mappingUuid":      ss.Mapping.Uuid,
		"failureQueueName": ss.FailureQueueName,
		"failureQueueArn":  ss.FailureQueueArn,
	}); err != nil {
		return nil, err
	}
	return ss, nil
}
