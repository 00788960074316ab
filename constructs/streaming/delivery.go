package streaming

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kinesis"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/lazyregexp"
	"github.com/kumo-iac/kumo/internal/pipelinerules"
)

// Compression is how a DeliveryStream compresses the objects it writes.
type Compression string

// Compression formats Firehose writes to S3.
const (
	CompressionGZIP         Compression = "GZIP"
	CompressionUncompressed Compression = "UNCOMPRESSED"
	CompressionSnappy       Compression = "Snappy"
	CompressionZIP          Compression = "ZIP"
	CompressionHadoopSnappy Compression = "HADOOP_SNAPPY"
)

var compressions = []Compression{CompressionGZIP, CompressionUncompressed, CompressionSnappy, CompressionZIP, CompressionHadoopSnappy}

// DynamicPartitioning groups records by keys read from each record, so
// every object holds one partition (e.g. one dataset and day).
type DynamicPartitioning struct {
	// KeyQueries maps partition key names to JQ expressions over each JSON
	// record, e.g. {"dataset": ".dataset"}; the Prefix uses them as
	// !{partitionKeyFromQuery:dataset}. Default: none, and then the
	// Processor must return the keys (!{partitionKeyFromLambda:…}).
	KeyQueries map[string]string
}

// HivePrefix is the data lake's partition layout for a DeliveryStream with
// DynamicPartitioning: <dataset>/year=YYYY/month=MM/day=DD/, where the
// dataset comes from each record (the datasetKey of KeyQueries) and the
// date is the records' arrival time (UTC), which Athena reads as Hive
// partitions.
func HivePrefix(datasetKey string) string {
	return "!{partitionKeyFromQuery:" + datasetKey + "}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
}

// DeliveryStreamArgs configure a DeliveryStream.
type DeliveryStreamArgs struct {
	// Destination is the bucket records are delivered to. Required.
	Destination *constructs.Bucket
	// Prefix is the key prefix of delivered objects; it may hold Firehose
	// expressions (!{timestamp:yyyy}, !{firehose:random-string},
	// !{partitionKeyFromQuery:k}, !{partitionKeyFromLambda:k}). Default:
	// "", Firehose's YYYY/MM/dd/HH/ (UTC).
	Prefix string
	// ErrorOutputPrefix is where records that fail processing or
	// partitioning go, and must hold !{firehose:error-output-type}.
	// Default: DefaultDeliveryErrorOutputPrefix,
	// "errors/<error type>/year=…/month=…/day=…/".
	ErrorOutputPrefix string
	// Partitioning turns on dynamic partitioning. Firehose can turn it on
	// only when it creates a stream, so changing this replaces the stream.
	// Default: nil, no partitioning.
	Partitioning *DynamicPartitioning
	// BufferSizeMB is how much Firehose buffers before writing an object,
	// 1–128. Default: 5, or 64 with Partitioning (Firehose's minimum there).
	BufferSizeMB int
	// BufferIntervalSeconds is how long Firehose buffers at most, 1–900.
	// Default: 300. (Firehose's zero buffering is not offered: it writes
	// an object every few seconds, the small files a data lake avoids.)
	BufferIntervalSeconds int
	// Compression of the delivered objects. Default: GZIP (splittable
	// per object, read by Athena).
	Compression Compression
	// Processor transforms each batch of records before delivery; Firehose
	// invokes it through its alias. Default: nil, records are delivered
	// as sent.
	Processor *constructs.Function
	// ProcessorBufferSizeMB is the batch Firehose hands the Processor,
	// 1–3 MB (Lambda's 6 MB payload limit, base64). Default: 1.
	ProcessorBufferSizeMB int
	// ProcessorBufferIntervalSeconds is how long Firehose gathers a batch
	// for the Processor at most, 1–900. Default: 60.
	ProcessorBufferIntervalSeconds int
	// SourceBackup receives every record as it arrived, before the
	// Processor transformed it, so a faulty transform can be replayed.
	// Only with a Processor. Default: nil, no backup.
	SourceBackup *constructs.Bucket
	// SourceBackupPrefix is the key prefix of the backup objects (timestamp
	// and firehose expressions only). Default: "", Firehose's YYYY/MM/dd/HH/.
	SourceBackupPrefix string
	// KMSKeyArn encrypts records at rest in the stream with a customer
	// managed key. Not with Source. Default: an AWS owned key (always
	// encrypted), or with Source none: the source stream keeps the data.
	KMSKeyArn pulumi.StringInput
	// Source is a Kinesis data stream Firehose reads the records from,
	// with the stream's read grant to its role. Producers then write to
	// the stream (GrantPut is refused), and Firehose keeps no data at rest,
	// so the delivery stream has no server-side encryption of its own:
	// Firehose refuses it with a Kinesis source, and the Source stream is
	// encrypted instead. Default: nil, Direct PUT.
	Source *Stream
	// LogRetentionDays is the retention of the log group Firehose writes
	// delivery and processing errors to. Default: 30.
	LogRetentionDays int
}

// DeliveryStream is a Kinesis Data Firehose stream taking records by
// PutRecord/PutRecordBatch (Direct PUT), or reading them from a Kinesis
// data stream (Source), and delivering them, buffered and compressed, to an
// S3 bucket: encrypted at rest, logging its errors, with its own role
// granted exactly the bucket, log streams, source and transform it uses. It
// is a Grantee: grants to it extend that role.
type DeliveryStream struct {
	pulumi.ResourceState
	// grantee is role, so grants to the delivery stream extend its role.
	grantee

	role *constructs.ServiceRole

	name   string
	source *Stream

	// Stream is the underlying resource, an escape hatch.
	Stream *kinesis.FirehoseDeliveryStream
	// Arn is the stream ARN GrantPut scopes to.
	Arn pulumi.StringOutput
	// Name is the physical stream name producers put records to.
	Name pulumi.StringOutput
	// Role is the role Firehose assumes for delivery.
	Role *iam.Role
	// LogGroup receives delivery and processing errors (log streams
	// DestinationDelivery and BackupDelivery).
	LogGroup *cloudwatch.LogGroup
}

// deliveryStreamName keeps room for the provider's 8-character suffix
// within CreateDeliveryStream's 64-character name of [a-zA-Z0-9_.-].
var deliveryStreamName = lazyregexp.New(`^[a-zA-Z0-9_.-]{1,56}$`)

func (a DeliveryStreamArgs) withDefaults() DeliveryStreamArgs {
	if a.Partitioning != nil {
		a.BufferSizeMB = cmp.Or(a.BufferSizeMB, DefaultPartitionedBufferSizeMB)
	}
	a.BufferSizeMB = cmp.Or(a.BufferSizeMB, DefaultDeliveryBufferSizeMB)
	a.BufferIntervalSeconds = cmp.Or(a.BufferIntervalSeconds, DefaultDeliveryBufferIntervalSeconds)
	a.ErrorOutputPrefix = cmp.Or(a.ErrorOutputPrefix, DefaultDeliveryErrorOutputPrefix)
	a.Compression = cmp.Or(a.Compression, CompressionGZIP)
	a.LogRetentionDays = cmp.Or(a.LogRetentionDays, constructs.DefaultLogRetentionDays)
	if a.Processor != nil {
		a.ProcessorBufferSizeMB = cmp.Or(a.ProcessorBufferSizeMB, DefaultProcessorBufferSizeMB)
		a.ProcessorBufferIntervalSeconds = cmp.Or(a.ProcessorBufferIntervalSeconds, DefaultProcessorBufferIntervalSeconds)
	}
	return a
}

// partitionKey is a JQ object key Firehose accepts as a partition key name.
var partitionKey = lazyregexp.New(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// validate reports every problem with args (defaults already applied). The
// prefix rules are "Custom Prefixes for Amazon S3 Objects"
// (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html) and
// the dynamic partitioning ones
// https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html.
func (a DeliveryStreamArgs) validate(name string) *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if !deliveryStreamName().MatchString(name) {
		add("name: %q must be 1–56 letters, digits, '_', '.' or '-' (a delivery stream name is at most 64 characters and the provider appends 8)", name)
	}
	if a.Destination == nil {
		add("Destination: nil; set the Bucket records are delivered to")
	}
	// BufferingHints: SizeInMBs 1–128, IntervalInSeconds 0–900
	// (https://docs.aws.amazon.com/firehose/latest/APIReference/API_BufferingHints.html).
	if a.BufferSizeMB < 1 || a.BufferSizeMB > 128 {
		add("BufferSizeMB: %d is outside 1–128", a.BufferSizeMB)
	} else if a.Partitioning != nil && a.BufferSizeMB < DefaultPartitionedBufferSizeMB {
		add("BufferSizeMB: %d is below %d, Firehose's minimum with dynamic partitioning; use %d–128 or leave it 0 for %d",
			a.BufferSizeMB, DefaultPartitionedBufferSizeMB, DefaultPartitionedBufferSizeMB, DefaultPartitionedBufferSizeMB)
	}
	if a.BufferIntervalSeconds < 1 || a.BufferIntervalSeconds > 900 {
		add("BufferIntervalSeconds: %d is outside 1–900 (0 uses the default, %d)", a.BufferIntervalSeconds, DefaultDeliveryBufferIntervalSeconds)
	}
	if !slices.Contains(compressions, a.Compression) {
		add("Compression: %q is not a compression; use %s", a.Compression, quotedValues(compressions))
	}
	opt := pipelinerules.PrefixOptions{Partitioning: a.Partitioning != nil, Lambda: a.Processor != nil}
	if a.Partitioning != nil {
		opt.QueryKeys = slices.Sorted(maps.Keys(a.Partitioning.KeyQueries))
		if opt.QueryKeys == nil {
			opt.QueryKeys = []string{}
		}
		if len(a.Partitioning.KeyQueries) == 0 && a.Processor == nil {
			add("Partitioning: no KeyQueries and no Processor; Firehose needs the partition keys from a JQ query of each record or from a Lambda Processor")
		}
		for _, k := range opt.QueryKeys {
			if !partitionKey().MatchString(k) {
				add("Partitioning.KeyQueries: key %q must be 1–64 letters, digits or '_', not starting with a digit (a JQ object key)", k)
			}
			if strings.TrimSpace(a.Partitioning.KeyQueries[k]) == "" {
				add("Partitioning.KeyQueries[%q]: empty; give the JQ expression that reads the key from a record, e.g. \".%s\"", k, k)
			}
		}
	}
	for _, p := range pipelinerules.PrefixProblems(a.Prefix, a.ErrorOutputPrefix, opt) {
		value := a.Prefix
		if p.Path == "ErrorOutputPrefix" {
			value = a.ErrorOutputPrefix
		}
		add("%s: %q %s", p.Path, value, p.Msg)
	}
	if a.Processor == nil {
		for _, c := range []struct {
			field string
			set   bool
		}{{"ProcessorBufferSizeMB", a.ProcessorBufferSizeMB != 0}, {"ProcessorBufferIntervalSeconds", a.ProcessorBufferIntervalSeconds != 0},
			{"SourceBackup", a.SourceBackup != nil}} {
			if c.set {
				add("%s: set without Processor; source record backup and processor buffers apply to a Lambda transform only", c.field)
			}
		}
	} else {
		// Processor buffers: "The buffering size hint ranges between 0.2 MB
		// and 3MB … The Lambda buffering interval hint ranges between 0 and
		// 900 seconds"; "Firehose supports a Lambda invocation time of up
		// to 5 minutes"
		// (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html).
		if a.ProcessorBufferSizeMB < 1 || a.ProcessorBufferSizeMB > 3 {
			add("ProcessorBufferSizeMB: %d is outside 1–3", a.ProcessorBufferSizeMB)
		}
		if a.ProcessorBufferIntervalSeconds < 1 || a.ProcessorBufferIntervalSeconds > 900 {
			add("ProcessorBufferIntervalSeconds: %d is outside 1–900 (0 uses the default, %d)", a.ProcessorBufferIntervalSeconds, DefaultProcessorBufferIntervalSeconds)
		}
		if t := a.Processor.TimeoutSeconds(); t > MaxProcessorTimeoutSeconds {
			add("Processor: function %q times out after %d s; Firehose waits at most %d s for a transform, so set its TimeoutSeconds to %d or less",
				core.FunctionName(a.Processor), t, MaxProcessorTimeoutSeconds, MaxProcessorTimeoutSeconds)
		}
	}
	if a.SourceBackup == nil && a.SourceBackupPrefix != "" {
		add("SourceBackupPrefix: %q is set without SourceBackup", a.SourceBackupPrefix)
	}
	if a.SourceBackup != nil {
		// The backup holds raw records: no partition keys, and its errors go
		// to the destination's ErrorOutputPrefix.
		for _, p := range pipelinerules.PrefixProblems(a.SourceBackupPrefix, a.ErrorOutputPrefix, pipelinerules.PrefixOptions{}) {
			if p.Path == "Prefix" {
				add("SourceBackupPrefix: %q %s", a.SourceBackupPrefix, p.Msg)
			}
		}
	}
	if err := core.ValidateLogRetention("LogRetentionDays", a.LogRetentionDays); err != nil {
		errs = multierror.Append(errs, err)
	}
	// "Server-side encryption should not be enabled when a kinesis stream
	// is configured as the source" (pulumi-aws kinesis.FirehoseDeliveryStream
	// ServerSideEncryption); Firehose keeps no data at rest then
	// (https://docs.aws.amazon.com/firehose/latest/dev/encryption.html).
	if a.Source != nil && a.KMSKeyArn != nil {
		add("KMSKeyArn: set together with Source (stream %q); Firehose refuses server-side encryption when it reads a Kinesis stream and keeps no data at rest, so encrypt the Source stream instead (StreamArgs.KMSKey)", a.Source.name)
	}
	return errs
}

// quotedValues renders allowed values for a message.
func quotedValues[T ~string](vs []T) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(string(v))
	}
	return strings.Join(q, ", ")
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a DeliveryStreamArgs) Validate(name string) error {
	return constructs.Invalid(fmt.Sprintf("delivery stream %q", name), a.withDefaults().validate(name))
}

// deliveryLogStreams are the log streams Firehose writes destination and
// backup errors to, named as the Firehose console names them.
const (
	destinationLogStream = "DestinationDelivery"
	backupLogStream      = "BackupDelivery"
)

// NewDeliveryStream registers a delivery stream, its role and grants, and
// its error log group and streams.
func NewDeliveryStream(ctx *pulumi.Context, name string, args *DeliveryStreamArgs, opts ...pulumi.ResourceOption) (*DeliveryStream, error) {
	if args == nil {
		args = &DeliveryStreamArgs{}
	}
	a := args.withDefaults()
	if err := constructs.Invalid(fmt.Sprintf("delivery stream %q", name), a.validate(name)); err != nil {
		return nil, err
	}
	d := &DeliveryStream{name: name, source: a.Source}
	if err := ctx.RegisterComponentResource("kumo:constructs:DeliveryStream", name, d, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	var err error
	if d.LogGroup, err = cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.Sprintf("/aws/kinesisfirehose/%s-", name),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}, parent); err != nil {
		return nil, err
	}
	logStream := func(suffix, stream string) (*cloudwatch.LogStream, error) {
		return cloudwatch.NewLogStream(ctx, name+"-"+suffix, &cloudwatch.LogStreamArgs{
			LogGroupName: d.LogGroup.Name,
			Name:         pulumi.String(stream),
		}, parent)
	}
	destLogs, err := logStream("destination", destinationLogStream)
	if err != nil {
		return nil, err
	}
	logStreams := []pulumi.StringInput{destLogs.Arn}
	var backupLogs *cloudwatch.LogStream
	if a.SourceBackup != nil {
		if backupLogs, err = logStream("backup", backupLogStream); err != nil {
			return nil, err
		}
		logStreams = append(logStreams, backupLogs.Arn)
	}

	if d.role, err = constructs.NewServiceRole(ctx, name, d, "firehose.amazonaws.com",
		fmt.Sprintf("Delivery role of kumo delivery stream %s; permissions come only from grants.", name)); err != nil {
		return nil, err
	}
	d.grantee, d.Role = d.role, d.role.Role()
	// "Grant Firehose access to an Amazon S3 destination"
	// (https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html):
	// object writes (the bucket's write grant), the bucket-level reads
	// Firehose makes, the log streams, and the transform.
	for _, b := range []*constructs.Bucket{a.Destination, a.SourceBackup} {
		if b == nil {
			continue
		}
		if err := b.GrantWrite(d); err != nil {
			return nil, err
		}
		if err := core.AddToRolePolicy(d.role, "bucket-"+core.BucketName(b)+"-deliver", constructs.Statement{
			Sid:       "DeliveryBucket",
			Actions:   []string{"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"},
			Resources: []pulumi.StringInput{b.Arn},
		}); err != nil {
			return nil, err
		}
	}
	if err := core.AddToRolePolicy(d.role, "logs", constructs.Statement{
		Sid:       "WriteDeliveryErrors",
		Actions:   []string{"logs:PutLogEvents"},
		Resources: logStreams,
	}); err != nil {
		return nil, err
	}
	if a.Source != nil {
		// "Grant Firehose access to … a Kinesis data stream as source":
		// DescribeStream, GetShardIterator, GetRecords and ListShards on the
		// stream, and Decrypt with its key
		// (https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html).
		if err := a.Source.GrantRead(d); err != nil {
			return nil, err
		}
	}
	if a.Processor != nil {
		if err := core.AddToRolePolicy(d.role, "processor", constructs.Statement{
			Sid:       "InvokeProcessor",
			Actions:   []string{"lambda:GetFunctionConfiguration", "lambda:InvokeFunction"},
			Resources: []pulumi.StringInput{a.Processor.AliasArn},
		}); err != nil {
			return nil, err
		}
	}

	s3 := &kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationArgs{
		RoleArn:           d.Role.Arn,
		BucketArn:         a.Destination.Arn,
		BufferingSize:     pulumi.Int(a.BufferSizeMB),
		BufferingInterval: pulumi.Int(a.BufferIntervalSeconds),
		CompressionFormat: pulumi.String(string(a.Compression)),
		ErrorOutputPrefix: pulumi.String(a.ErrorOutputPrefix),
		CloudwatchLoggingOptions: &kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationCloudwatchLoggingOptionsArgs{
			Enabled:       pulumi.Bool(true),
			LogGroupName:  d.LogGroup.Name,
			LogStreamName: destLogs.Name,
		},
	}
	if a.Prefix != "" {
		s3.Prefix = pulumi.String(a.Prefix)
	}
	if procs := a.processors(); len(procs) > 0 {
		s3.ProcessingConfiguration = &kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationArgs{
			Enabled:    pulumi.Bool(true),
			Processors: procs,
		}
	}
	if a.Partitioning != nil {
		s3.DynamicPartitioningConfiguration = &kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationDynamicPartitioningConfigurationArgs{
			Enabled: pulumi.Bool(true),
		}
	}
	if a.SourceBackup != nil {
		backup := &kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationS3BackupConfigurationArgs{
			RoleArn:           d.Role.Arn,
			BucketArn:         a.SourceBackup.Arn,
			CompressionFormat: pulumi.String(string(CompressionGZIP)),
			ErrorOutputPrefix: pulumi.String(a.ErrorOutputPrefix),
			CloudwatchLoggingOptions: &kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationS3BackupConfigurationCloudwatchLoggingOptionsArgs{
				Enabled:       pulumi.Bool(true),
				LogGroupName:  d.LogGroup.Name,
				LogStreamName: backupLogs.Name,
			},
		}
		if a.SourceBackupPrefix != "" {
			backup.Prefix = pulumi.String(a.SourceBackupPrefix)
		}
		s3.S3BackupMode = pulumi.String("Enabled")
		s3.S3BackupConfiguration = backup
	}
	sse := &kinesis.FirehoseDeliveryStreamServerSideEncryptionArgs{Enabled: pulumi.Bool(true), KeyType: pulumi.String("AWS_OWNED_CMK")}
	if a.KMSKeyArn != nil {
		sse = &kinesis.FirehoseDeliveryStreamServerSideEncryptionArgs{Enabled: pulumi.Bool(true),
			KeyType: pulumi.String("CUSTOMER_MANAGED_CMK"), KeyArn: a.KMSKeyArn}
	}
	fArgs := &kinesis.FirehoseDeliveryStreamArgs{
		Destination:             pulumi.String("extended_s3"),
		ExtendedS3Configuration: s3,
		ServerSideEncryption:    sse,
	}
	if a.Source != nil {
		fArgs.ServerSideEncryption = nil
		fArgs.KinesisSourceConfiguration = &kinesis.FirehoseDeliveryStreamKinesisSourceConfigurationArgs{
			KinesisStreamArn: a.Source.Arn,
			RoleArn:          d.Role.Arn,
		}
	}
	// Firehose checks at creation that the role reaches the bucket (and
	// reads the source), so the stream waits for the role's policies (AWS
	// documents no such order; hashicorp/terraform-provider-aws#3380
	// records the failure without it).
	d.Stream, err = kinesis.NewFirehoseDeliveryStream(ctx, name, fArgs, parent, pulumi.DependsOn(d.role.Policies()))
	if err != nil {
		return nil, err
	}
	d.Arn, d.Name = d.Stream.Arn, d.Stream.Name
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{
		"name":     d.Name,
		"arn":      d.Arn,
		"roleArn":  d.Role.Arn,
		"logGroup": d.LogGroup.Name,
	}); err != nil {
		return nil, err
	}
	return d, nil
}

// processors are the stream's data processors: the Lambda transform, the
// JQ partition key query, and a newline after each record when partitioning
// (objects of one record per line, as Athena reads JSON).
func (a DeliveryStreamArgs) processors() kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorArray {
	type param = kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorParameterArgs
	type params = kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorParameterArray
	type proc = kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorArgs
	var out kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorArray
	if a.Processor != nil {
		ps := params{&param{ParameterName: pulumi.String("LambdaArn"), ParameterValue: a.Processor.AliasArn}}
		// The provider keeps parameters at Firehose's defaults out of its
		// state, so setting them would show a diff on every preview.
		if a.ProcessorBufferSizeMB != DefaultProcessorBufferSizeMB {
			ps = append(ps, &param{ParameterName: pulumi.String("BufferSizeInMBs"), ParameterValue: pulumi.String(strconv.Itoa(a.ProcessorBufferSizeMB))})
		}
		if a.ProcessorBufferIntervalSeconds != DefaultProcessorBufferIntervalSeconds {
			ps = append(ps, &param{ParameterName: pulumi.String("BufferIntervalInSeconds"), ParameterValue: pulumi.String(strconv.Itoa(a.ProcessorBufferIntervalSeconds))})
		}
		out = append(out, &proc{Type: pulumi.String("Lambda"), Parameters: ps})
	}
	if a.Partitioning != nil && len(a.Partitioning.KeyQueries) > 0 {
		var q []string
		for _, k := range slices.Sorted(maps.Keys(a.Partitioning.KeyQueries)) {
			q = append(q, k+":"+a.Partitioning.KeyQueries[k])
		}
		out = append(out, &proc{Type: pulumi.String("MetadataExtraction"), Parameters: params{
			&param{ParameterName: pulumi.String("MetadataExtractionQuery"), ParameterValue: pulumi.String("{" + strings.Join(q, ",") + "}")},
			&param{ParameterName: pulumi.String("JsonParsingEngine"), ParameterValue: pulumi.String("JQ-1.6")},
		}})
	}
	if a.Partitioning != nil {
		out = append(out, &proc{Type: pulumi.String("AppendDelimiterToRecord")})
	}
	return out
}

// GrantPut lets g put records into the stream. A stream reading from a
// Source takes no records directly: grant the Source's GrantWrite instead.
func (d *DeliveryStream) GrantPut(g constructs.Grantee) error {
	// "When you configure a Kinesis data stream as the source of a Firehose
	// stream, the Firehose PutRecord and PutRecordBatch operations are
	// disabled" (https://docs.aws.amazon.com/firehose/latest/dev/writing-with-kinesis-streams.html).
	if d.source != nil {
		return constructs.Invalid(fmt.Sprintf("delivery stream %q", d.name), multierror.Append(nil, fmt.Errorf(
			"GrantPut: the stream reads from Kinesis stream %q, and Firehose refuses PutRecord to a stream with a Kinesis source; grant the Source stream's GrantWrite instead", d.source.name)))
	}
	return core.AddToRolePolicy(g, "firehose-"+d.name+"-put", constructs.Statement{
		Sid:       "DeliveryStreamPut",
		Actions:   []string{"firehose:PutRecord", "firehose:PutRecordBatch"},
		Resources: []pulumi.StringInput{d.Arn},
	})
}
