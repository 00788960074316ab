package streaming

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kinesis"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/lazyregexp"
)

// StreamMode is how a Kinesis data stream gets its capacity.
type StreamMode string

// Capacity modes of Kinesis data streams.
const (
	// StreamModeOnDemand lets Kinesis add and remove shards with the
	// traffic; billed per GB written and read.
	StreamModeOnDemand StreamMode = "ON_DEMAND"
	// StreamModeProvisioned keeps ShardCount shards (1 MB/s or 1,000
	// records/s in, 2 MB/s out each); billed per shard-hour.
	StreamModeProvisioned StreamMode = "PROVISIONED"
)

// StreamArgs configure a Stream.
type StreamArgs struct {
	// Mode is the capacity mode. Default: StreamModeOnDemand.
	Mode StreamMode
	// ShardCount is the number of shards of a provisioned stream, at
	// least 1; an on-demand stream takes none. Default: 0, required with
	// StreamModeProvisioned.
	ShardCount int
	// RetentionHours is how long records stay readable (and replayable),
	// 24–8760. Default: 24.
	RetentionHours int
	// KMSKey encrypts the records with a kumo Key; the stream's grants
	// then grant use of the key too (decrypt to read, generate data keys
	// to write). Default: nil, the AWS managed key alias/aws/kinesis.
	// Encryption is always on.
	KMSKey *constructs.Key
	// ShardLevelMetrics are the enhanced (per shard) CloudWatch metrics to
	// turn on: IncomingBytes, IncomingRecords, OutgoingBytes,
	// OutgoingRecords, WriteProvisionedThroughputExceeded,
	// ReadProvisionedThroughputExceeded, IteratorAgeMilliseconds. An empty,
	// non-nil slice turns none on. Default: DefaultStreamShardLevelMetrics
	// (IncomingBytes, IncomingRecords, IteratorAgeMilliseconds,
	// ReadProvisionedThroughputExceeded, WriteProvisionedThroughputExceeded).
	ShardLevelMetrics []string
}

// Stream is a Kinesis data stream, encrypted at rest with KMS always.
// Records of one partition key stay in order within their shard, and
// consumers can replay them for the stream's retention.
type Stream struct {
	pulumi.ResourceState

	name string
	key  *constructs.Key

	// Stream is the underlying resource, an escape hatch.
	Stream *kinesis.Stream
	// Arn is the stream ARN grants are scoped to.
	Arn pulumi.StringOutput
	// Name is the physical stream name: producers put records to it, and
	// the AWS/Kinesis metrics (GetRecords.IteratorAgeMilliseconds,
	// ReadProvisionedThroughputExceeded) carry it as dimension StreamName.
	Name pulumi.StringOutput
}

// streamLogicalName keeps room for the provider's 8-character suffix
// within CreateStream's 128-character StreamName of [a-zA-Z0-9_.-]
// (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html).
var streamLogicalName = lazyregexp.New(`^[a-zA-Z0-9_.-]{1,120}$`)

// streamShardMetrics are EnableEnhancedMonitoring's ShardLevelMetrics
// (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_EnableEnhancedMonitoring.html),
// without ALL: the provider asks for an explicit list, since ALL reads back
// as the list and shows a diff on every preview (pulumi-aws kinesis.Stream
// ShardLevelMetrics).
var streamShardMetrics = []string{"IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
	"WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds"}

func (a StreamArgs) withDefaults() StreamArgs {
	a.Mode = cmp.Or(a.Mode, DefaultStreamMode)
	a.RetentionHours = cmp.Or(a.RetentionHours, DefaultStreamRetentionHours)
	if a.ShardLevelMetrics == nil {
		a.ShardLevelMetrics = DefaultStreamShardLevelMetrics
	}
	// A copy, so defaults never write through to the caller's slice.
	a.ShardLevelMetrics = slices.Clone(a.ShardLevelMetrics)
	return a
}

// validate reports every problem (defaults applied). The mode and shard
// rules are the provider's ("shard_count must not be set when stream_mode
// is ON_DEMAND", "shard_count must be at least 1 when stream_mode is
// PROVISIONED", terraform-provider-aws internal/service/kinesis/stream.go),
// the retention range IncreaseStreamRetentionPeriod's.
func (a StreamArgs) validate(name string) *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if !streamLogicalName().MatchString(name) {
		add("name: %q must be 1–120 letters, digits, '_', '.' or '-' (a stream name is at most 128 characters and the provider appends 8)", name)
	}
	switch a.Mode {
	case StreamModeOnDemand:
		if a.ShardCount != 0 {
			add("ShardCount: %d is set on an on-demand stream, whose shards Kinesis manages; leave it 0, or use Mode StreamModeProvisioned", a.ShardCount)
		}
	case StreamModeProvisioned:
		if a.ShardCount < 1 {
			add("ShardCount: %d; a provisioned stream needs at least 1 shard (each takes 1 MB/s or 1,000 records/s)", a.ShardCount)
		}
	default:
		add("Mode: %q is not a capacity mode; use %q or %q", a.Mode, StreamModeOnDemand, StreamModeProvisioned)
	}
	if h := a.RetentionHours; h < MinStreamRetentionHours || h > MaxStreamRetentionHours {
		add("RetentionHours: %d is outside %d–%d (a day to a year)", h, MinStreamRetentionHours, MaxStreamRetentionHours)
	}
	for i, m := range a.ShardLevelMetrics {
		switch {
		case !slices.Contains(streamShardMetrics, m):
			add("ShardLevelMetrics[%d]: %q is not a shard-level metric; use %s", i, m, quotedValues(streamShardMetrics))
		case slices.Contains(a.ShardLevelMetrics[:i], m):
			add("ShardLevelMetrics[%d]: %q is listed twice", i, m)
		}
	}
	return errs
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a StreamArgs) Validate(name string) error {
	return constructs.Invalid(fmt.Sprintf("stream %q", name), a.withDefaults().validate(name))
}

// NewStream registers a Kinesis data stream, encrypted with KMS.
func NewStream(ctx *pulumi.Context, name string, args *StreamArgs, opts ...pulumi.ResourceOption) (*Stream, error) {
	if args == nil {
		args = &StreamArgs{}
	}
	a := args.withDefaults()
	if err := constructs.Invalid(fmt.Sprintf("stream %q", name), a.validate(name)); err != nil {
		return nil, err
	}
	s := &Stream{name: name, key: a.KMSKey}
	if err := ctx.RegisterComponentResource("kumo:constructs:Stream", name, s, opts...); err != nil {
		return nil, err
	}
	key := pulumi.String(DefaultStreamKMSKey).ToStringOutput()
	if a.KMSKey != nil {
		key = a.KMSKey.Arn
	}
	sArgs := &kinesis.StreamArgs{
		StreamModeDetails: &kinesis.StreamStreamModeDetailsArgs{StreamMode: pulumi.String(string(a.Mode))},
		RetentionPeriod:   pulumi.Int(a.RetentionHours),
		EncryptionType:    pulumi.String("KMS"),
		KmsKeyId:          key,
	}
	if a.Mode == StreamModeProvisioned {
		sArgs.ShardCount = pulumi.Int(a.ShardCount)
	}
	if len(a.ShardLevelMetrics) > 0 {
		sArgs.ShardLevelMetrics = pulumi.ToStringArray(a.ShardLevelMetrics)
	}
	var err error
	if s.Stream, err = kinesis.NewStream(ctx, name, sArgs, pulumi.Parent(s)); err != nil {
		return nil, err
	}
	s.Arn, s.Name = s.Stream.Arn, s.Stream.Name
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{"name": s.Name, "arn": s.Arn}); err != nil {
		return nil, err
	}
	return s, nil
}

// The actions of the stream's grants: a consumer's, as Lambda lists them
// for a Kinesis event source (kinesis:SubscribeToShard on the stream's
// consumers, for enhanced fan-out:
// https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-create.html),
// which also cover Firehose reading the stream
// (https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html);
// a producer's, PutRecord and PutRecords, with ListShards for producers
// that map shards themselves (the KPL), as CDK's Stream.grantWrite gives.
// With a customer managed key, consumers decrypt and producers generate
// data keys ("Permissions to use user-generated KMS keys",
// https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html);
// the AWS managed key needs no grant.
var (
	streamReadActions  = []string{"kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"}
	streamWriteActions = []string{"kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"}
	streamKeyRead      = []string{"kms:Decrypt"}
	streamKeyWrite     = []string{"kms:GenerateDataKey"}
)

// consumersReason justifies "<stream>/consumer/*" (IAM5).
const consumersReason = "the enhanced fan-out consumers of this one stream: consumer ARNs are the stream's ARN, /consumer/, the consumer's name and its creation time"

// readStatements let a role consume the stream.
func (s *Stream) readStatements() []constructs.Statement {
	statements := []constructs.Statement{{
		Sid:       "StreamRead",
		Actions:   streamReadActions,
		Resources: []pulumi.StringInput{s.Arn},
	}, {
		Sid:            "StreamSubscribe",
		Actions:        []string{"kinesis:SubscribeToShard"},
		Resources:      []pulumi.StringInput{core.Suffix("/consumer/*", s.Arn)},
		WildcardReason: consumersReason,
	}}
	if s.key != nil {
		statements = append(statements, constructs.Statement{Sid: "StreamKey", Actions: streamKeyRead, Resources: []pulumi.StringInput{s.key.Arn}})
	}
	return statements
}

// writeStatements let a role put the given actions' records.
func (s *Stream) writeStatements(actions []string) []constructs.Statement {
	statements := []constructs.Statement{{Sid: "StreamWrite", Actions: actions, Resources: []pulumi.StringInput{s.Arn}}}
	if s.key != nil {
		statements = append(statements, constructs.Statement{Sid: "StreamKey", Actions: streamKeyWrite, Resources: []pulumi.StringInput{s.key.Arn}})
	}
	return statements
}

// GrantRead lets g read the stream's records: describe it, list its
// shards, get shard iterators and records, and subscribe to shards through
// its enhanced fan-out consumers; with a KMSKey, decrypt with it.
func (s *Stream) GrantRead(g constructs.Grantee) error {
	return core.AddToRolePolicy(g, "kinesis-"+s.name+"-read", s.readStatements()...)
}

// GrantWrite lets g put records (PutRecord, PutRecords) and list the
// shards; with a KMSKey, generate data keys with it.
func (s *Stream) GrantWrite(g constructs.Grantee) error {
	return core.AddToRolePolicy(g, "kinesis-"+s.name+"-write", s.writeStatements(streamWriteActions)...)
}

// grantPutRecord lets g call PutRecord only: what an IoT rule's Kinesis
// action does ("kinesis:PutRecord",
// https://docs.aws.amazon.com/iot/latest/developerguide/kinesis-rule-action.html).
func (s *Stream) grantPutRecord(g constructs.Grantee) error {
	return core.AddToRolePolicy(g, "kinesis-"+s.name+"-putrecord", s.writeStatements([]string{"kinesis:PutRecord"})...)
}

// ConsumeWith makes fn consume the stream through an event source mapping
// that invokes fn's alias: one batch per shard at a time (more with
// ParallelizationFactor), in order within a shard, failed batches retried
// and then described on the source's failure queue.
func (s *Stream) ConsumeWith(name string, fn *constructs.Function, args *constructs.StreamSourceArgs, opts ...pulumi.ResourceOption) (*constructs.StreamSource, error) {
	return core.NewKinesisSource(name, s.Arn, s.readStatements(), fn, args, opts...)
}
