package streaming_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/internal/synthtest"
	"github.com/kumo-iac/kumo/constructs/streaming"
	kumocheck "github.com/kumo-iac/kumo/internal/check"
)

const (
	typDeliveryComponent = "kumo:constructs:DeliveryStream"
	typFirehose          = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
	typLogStream         = "aws:cloudwatch/logStream:LogStream"
)

func TestDeliveryStreamDefaults(t *testing.T) {
	s := synthtest.NewProject(t).Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		l, err := synthtest.NewLake(ctx)
		if err != nil {
			return nil, err
		}
		ds, err := streaming.NewDeliveryStream(ctx, "ingest", &streaming.DeliveryStreamArgs{Destination: l.Raw})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"arn": ds.Arn, "name": ds.Name}, nil
	})
	comp := s.Find(typDeliveryComponent, "ingest")
	wantChildren := []string{
		typLogGroup + " ingest",
		typLogStream + " ingest-destination",
		typRole + " ingest",
		typRolePolicy + " ingest-bucket-raw-deliver",
		typRolePolicy + " ingest-bucket-raw-write",
		typRolePolicy + " ingest-logs",
		typFirehose + " ingest",
	}
	slices.Sort(wantChildren)
	if got := s.ChildSet(comp.URN); !reflect.DeepEqual(got, wantChildren) {
		t.Errorf("children:\n got %q\nwant %q", got, wantChildren)
	}

	stream := s.Find(typFirehose, "ingest")
	raw := s.Find("aws:s3/bucketV2:BucketV2", "raw")
	role := s.Find(typRole, "ingest")
	group := s.Find(typLogGroup, "ingest")
	synthtest.WantInputs(t, stream,
		synthtest.Check{"destination", "extended_s3"},
		synthtest.Check{"serverSideEncryption", map[string]any{"enabled": true, "keyType": "AWS_OWNED_CMK"}},
		synthtest.Check{"extendedS3Configuration.bucketArn", synthtest.StateString(t, raw, "arn")},
		synthtest.Check{"extendedS3Configuration.roleArn", synthtest.StateString(t, role, "arn")},
		synthtest.Check{"extendedS3Configuration.bufferingSize", 5},
		synthtest.Check{"extendedS3Configuration.bufferingInterval", 300},
		synthtest.Check{"extendedS3Configuration.compressionFormat", "GZIP"},
		synthtest.Check{"extendedS3Configuration.prefix", nil},
		synthtest.Check{"extendedS3Configuration.errorOutputPrefix", streaming.DefaultDeliveryErrorOutputPrefix},
		synthtest.Check{"extendedS3Configuration.cloudwatchLoggingOptions", map[string]any{
			"enabled": true, "logGroupName": synthtest.StateString(t, group, "name"), "logStreamName": "DestinationDelivery"}},
		synthtest.Check{"extendedS3Configuration.processingConfiguration", nil},
		synthtest.Check{"extendedS3Configuration.dynamicPartitioningConfiguration", nil},
		synthtest.Check{"extendedS3Configuration.s3BackupMode", nil},
	)
	if name := synthtest.StateString(t, group, "name"); !strings.HasPrefix(name, "/aws/kinesisfirehose/ingest-") {
		t.Errorf("log group name: got %q; want it under /aws/kinesisfirehose/ingest-", name)
	}
	synthtest.WantInputs(t, group, synthtest.Check{"retentionInDays", 30})

	// Firehose checks the role at creation: the stream waits for every policy.
	for _, p := range []string{"ingest-bucket-raw-deliver", "ingest-bucket-raw-write", "ingest-logs"} {
		if !synthtest.DependsOn(stream, s.Find(typRolePolicy, p)) {
			t.Errorf("stream does not depend on role policy %s", p)
		}
	}

	trust := synthtest.PolicyInput(t, role, "assumeRolePolicy").Statement
	if len(trust) != 1 || !reflect.DeepEqual(trust[0].Principal, map[string]any{"Service": []any{"firehose.amazonaws.com"}}) ||
		!reflect.DeepEqual(trust[0].Condition, map[string]map[string][]string{"StringEquals": {"aws:SourceAccount": {synthtest.Account}}}) {
		t.Errorf("trust policy: got %+v; want firehose.amazonaws.com for account %s only", trust, synthtest.Account)
	}
	rawArn := synthtest.StateString(t, raw, "arn")
	write := synthtest.PolicyInput(t, s.Find(typRolePolicy, "ingest-bucket-raw-write"), "policy").StatementBySid(t, "BucketWrite")
	if !reflect.DeepEqual(write.Resource, []string{rawArn + "/*"}) || !slices.Contains(write.Action, "s3:PutObject") {
		t.Errorf("bucket write: got %+v; want s3:PutObject on %s/*", write, rawArn)
	}
	deliver := synthtest.PolicyInput(t, s.Find(typRolePolicy, "ingest-bucket-raw-deliver"), "policy").StatementBySid(t, "DeliveryBucket")
	if !reflect.DeepEqual(deliver.Resource, []string{rawArn}) {
		t.Errorf("bucket-level access: got %+v; want it on %s only", deliver, rawArn)
	}
	logs := synthtest.PolicyInput(t, s.Find(typRolePolicy, "ingest-logs"), "policy").StatementBySid(t, "WriteDeliveryErrors")
	if want := []string{synthtest.StateString(t, s.Find(typLogStream, "ingest-destination"), "arn")}; !reflect.DeepEqual(logs.Resource, want) ||
		!reflect.DeepEqual(logs.Action, []string{"logs:PutLogEvents"}) {
		t.Errorf("log permission: got %+v; want logs:PutLogEvents on %q", logs, want)
	}
	if got, want := s.Output("arn"), "arn:aws:firehose:"+synthtest.Region+":"+synthtest.Account+":deliverystream/"+s.Output("name"); got != want {
		t.Errorf("Arn: got %q; want %q", got, want)
	}
}

// processedLake delivers through a Lambda transform, partitioned by
// dataset, backing the source records up.
func processedLake(p *synthtest.Project, override func(*streaming.DeliveryStreamArgs)) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		l, err := synthtest.NewLake(ctx)
		if err != nil {
			return nil, err
		}
		fa := p.FnArgs()
		fa.DeadLetterQueue = true
		fn, err := constructs.NewFunction(ctx, "transform", fa)
		if err != nil {
			return nil, err
		}
		args := &streaming.DeliveryStreamArgs{
			Destination:           l.Raw,
			Prefix:                streaming.HivePrefix("dataset"),
			Partitioning:          &streaming.DynamicPartitioning{KeyQueries: map[string]string{"dataset": ".dataset"}},
			Processor:             fn,
			ProcessorBufferSizeMB: 3,
			SourceBackup:          l.Backup,
		}
		if override != nil {
			override(args)
		}
		ds, err := streaming.NewDeliveryStream(ctx, "ingest", args)
		if err != nil {
			return nil, err
		}
		pa := p.FnArgs()
		pa.DeadLetterQueue = true
		producer, err := constructs.NewFunction(ctx, "producer", pa)
		if err != nil {
			return nil, err
		}
		if err := ds.GrantPut(producer); err != nil {
			return nil, err
		}
		return pulumi.Map{"alias": fn.AliasArn, "arn": ds.Arn}, nil
	}
}

func TestDeliveryStreamProcessorPartitioningAndBackup(t *testing.T) {
	p := synthtest.NewProject(t)
	s := p.Synth(processedLake(p, nil))
	stream := s.Find(typFirehose, "ingest")
	alias := s.Output("alias")
	if !strings.HasSuffix(alias, ":live") {
		t.Fatalf("alias output: got %q; want the function's live alias ARN", alias)
	}
	synthtest.WantInputs(t, stream,
		synthtest.Check{"extendedS3Configuration.prefix", "!{partitionKeyFromQuery:dataset}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"},
		synthtest.Check{"extendedS3Configuration.bufferingSize", 64},
		synthtest.Check{"extendedS3Configuration.dynamicPartitioningConfiguration", map[string]any{"enabled": true}},
		synthtest.Check{"extendedS3Configuration.processingConfiguration", map[string]any{"enabled": true, "processors": []any{
			// The transform is invoked through the alias, never the bare
			// function; Firehose's default interval (60 s) is left out.
			map[string]any{"type": "Lambda", "parameters": []any{
				map[string]any{"parameterName": "LambdaArn", "parameterValue": alias},
				map[string]any{"parameterName": "BufferSizeInMBs", "parameterValue": "3"}}},
			map[string]any{"type": "MetadataExtraction", "parameters": []any{
				map[string]any{"parameterName": "MetadataExtractionQuery", "parameterValue": "{dataset:.dataset}"},
				map[string]any{"parameterName": "JsonParsingEngine", "parameterValue": "JQ-1.6"}}},
			map[string]any{"type": "AppendDelimiterToRecord"},
		}}},
		synthtest.Check{"extendedS3Configuration.s3BackupMode", "Enabled"},
		synthtest.Check{"extendedS3Configuration.s3BackupConfiguration.bucketArn", synthtest.StateString(t, s.Find("aws:s3/bucketV2:BucketV2", "backup"), "arn")},
		synthtest.Check{"extendedS3Configuration.s3BackupConfiguration.compressionFormat", "GZIP"},
		synthtest.Check{"extendedS3Configuration.s3BackupConfiguration.cloudwatchLoggingOptions.logStreamName", "BackupDelivery"},
	)
	invoke := synthtest.PolicyInput(t, s.Find(typRolePolicy, "ingest-processor"), "policy").StatementBySid(t, "InvokeProcessor")
	if !reflect.DeepEqual(invoke.Resource, []string{alias}) {
		t.Errorf("processor permission: got %+v; want it on the alias %s only", invoke, alias)
	}
	for _, p := range []string{"ingest-bucket-backup-write", "ingest-bucket-backup-deliver", "ingest-processor"} {
		if !synthtest.DependsOn(stream, s.Find(typRolePolicy, p)) {
			t.Errorf("stream does not depend on role policy %s", p)
		}
	}
	logs := synthtest.PolicyInput(t, s.Find(typRolePolicy, "ingest-logs"), "policy").StatementBySid(t, "WriteDeliveryErrors")
	if len(logs.Resource) != 2 {
		t.Errorf("log permission: got %v; want the destination and backup log streams", logs.Resource)
	}
	put := synthtest.PolicyInput(t, s.Find(typRolePolicy, "producer-firehose-ingest-put"), "policy").StatementBySid(t, "DeliveryStreamPut")
	if !reflect.DeepEqual(put.Resource, []string{s.Output("arn")}) || !reflect.DeepEqual(synthtest.Sorted(put.Action), []string{"firehose:PutRecord", "firehose:PutRecordBatch"}) {
		t.Errorf("GrantPut: got %+v; want PutRecord and PutRecordBatch on %s", put, s.Output("arn"))
	}
}

func TestDeliveryStreamOptions(t *testing.T) {
	const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	p := synthtest.NewProject(t)
	s := p.Synth(processedLake(p, func(a *streaming.DeliveryStreamArgs) {
		a.KMSKeyArn = pulumi.String(keyArn)
		a.Compression = streaming.CompressionSnappy
		a.BufferSizeMB = 128
		a.BufferIntervalSeconds = 60
		a.ProcessorBufferSizeMB = 0
		a.ProcessorBufferIntervalSeconds = 120
		a.SourceBackupPrefix = "source/!{timestamp:yyyy}/"
		a.Partitioning = &streaming.DynamicPartitioning{}
		a.Prefix = "!{partitionKeyFromLambda:tenant}/"
		a.LogRetentionDays = 90
	}))
	synthtest.WantInputs(t, s.Find(typFirehose, "ingest"),
		synthtest.Check{"serverSideEncryption", map[string]any{"enabled": true, "keyType": "CUSTOMER_MANAGED_CMK", "keyArn": keyArn}},
		synthtest.Check{"extendedS3Configuration.compressionFormat", "Snappy"},
		synthtest.Check{"extendedS3Configuration.bufferingSize", 128},
		synthtest.Check{"extendedS3Configuration.bufferingInterval", 60},
		synthtest.Check{"extendedS3Configuration.s3BackupConfiguration.prefix", "source/!{timestamp:yyyy}/"},
		// Lambda partitioning: no JQ query, the processor returns the keys.
		synthtest.Check{"extendedS3Configuration.processingConfiguration.processors", []any{
			map[string]any{"type": "Lambda", "parameters": []any{
				map[string]any{"parameterName": "LambdaArn", "parameterValue": s.Output("alias")},
				map[string]any{"parameterName": "BufferIntervalInSeconds", "parameterValue": "120"}}},
			map[string]any{"type": "AppendDelimiterToRecord"},
		}},
	)
	synthtest.WantInputs(t, s.Find(typLogGroup, "ingest"), synthtest.Check{"retentionInDays", 90})
}

// The defaults pass kumo check: encryption (KDF1), least-privilege grants
// whose only wildcards are a bucket's objects, justified.
func TestDeliveryStreamPassesKumoCheck(t *testing.T) {
	p := synthtest.NewProject(t)
	res, err := p.Run(processedLake(p, nil))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := kumocheck.Run(res, p.Dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Level == kumocheck.Error {
			t.Errorf("error finding: %s on %s: %s", f.ID(), f.URN, f.Message)
		}
	}
	stream := (&synthtest.Stack{T: t, Result: res}).Find(typFirehose, "ingest")
	if !kdf1Passes(rep, stream.URN) {
		t.Errorf("AwsSolutions-KDF1 reported on the stream")
	}
	var justified []string
	for _, f := range rep.Suppressed {
		if f.Rule == "AwsSolutions-IAM5" && strings.Contains(f.URN, "ingest-bucket-") {
			justified = append(justified, f.Detail)
		}
	}
	slices.Sort(justified)
	raw := synthtest.StateString(t, (&synthtest.Stack{T: t, Result: res}).Find("aws:s3/bucketV2:BucketV2", "raw"), "arn")
	backup := synthtest.StateString(t, (&synthtest.Stack{T: t, Result: res}).Find("aws:s3/bucketV2:BucketV2", "backup"), "arn")
	want := []string{"Resource::" + backup + "/*", "Resource::" + raw + "/*"}
	slices.Sort(want)
	if !reflect.DeepEqual(justified, want) {
		t.Errorf("justified wildcards of the stream's role: got %q; want the objects of its two buckets %q", justified, want)
	}
}

func kdf1Passes(rep *kumocheck.Report, urn string) bool {
	for _, f := range append(rep.Findings, rep.Suppressed...) {
		if f.Rule == "AwsSolutions-KDF1" && f.URN == urn {
			return false
		}
	}
	return true
}

func TestDeliveryStreamBadInputs(t *testing.T) {
	type env struct {
		l    synthtest.Lake
		fn   *constructs.Function
		slow *constructs.Function
	}
	setup := func(ctx *pulumi.Context, p *synthtest.Project) (env, error) {
		l, err := synthtest.NewLake(ctx)
		if err != nil {
			return env{}, err
		}
		fn, err := constructs.NewFunction(ctx, "transform", p.FnArgs())
		if err != nil {
			return env{}, err
		}
		sa := p.FnArgs()
		sa.TimeoutSeconds = 600
		slow, err := constructs.NewFunction(ctx, "slow", sa)
		return env{l: l, fn: fn, slow: slow}, err
	}
	build := func(name string, args func(e env) streaming.DeliveryStreamArgs) func(*pulumi.Context, *synthtest.Project, env) error {
		return func(ctx *pulumi.Context, _ *synthtest.Project, e env) error {
			a := args(e)
			_, err := streaming.NewDeliveryStream(ctx, name, &a)
			return err
		}
	}
	const scope = `delivery stream "ingest"`
	part := &streaming.DynamicPartitioning{KeyQueries: map[string]string{"dataset": ".dataset"}}
	synthtest.RunBadInputs(t, setup, []synthtest.BadInput[env]{
		{Name: "no destination", Scope: scope,
			Build:    build("ingest", func(env) streaming.DeliveryStreamArgs { return streaming.DeliveryStreamArgs{} }),
			Problems: [][]string{{"Destination", "nil"}}},
		{Name: "name too long for the provider's suffix", Scope: `delivery stream "` + strings.Repeat("i", 57) + `"`,
			Build: build(strings.Repeat("i", 57), func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw}
			}),
			Problems: [][]string{{"name", "1–56", "64 characters"}}},
		{Name: "buffers", Scope: scope,
			Build: build("ingest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw, BufferSizeMB: 129, BufferIntervalSeconds: 901, Compression: "BZIP2"}
			}),
			Problems: [][]string{{"BufferSizeMB", "129", "1–128"}, {"BufferIntervalSeconds", "901", "1–900"},
				{"Compression", `"BZIP2"`, `"GZIP"`, `"HADOOP_SNAPPY"`}}},
		{Name: "negative interval", Scope: scope,
			Build: build("ingest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw, BufferIntervalSeconds: -1}
			}),
			Problems: [][]string{{"BufferIntervalSeconds", "-1", "0 uses the default"}}},
		{Name: "partitioned buffer below 64 MB", Scope: scope,
			Build: build("ingest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw, Partitioning: part, Prefix: streaming.HivePrefix("dataset"), BufferSizeMB: 32}
			}),
			Problems: [][]string{{"BufferSizeMB", "32", "below 64", "dynamic partitioning"}}},
		{Name: "prefix expressions", Scope: scope,
			Build: build("ingest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw, Prefix: "raw/!{firehose:error-output-type}/!{date:yyyy}/",
					ErrorOutputPrefix: "errors/!{timestamp:yyyy}/"}
			}),
			Problems: [][]string{
				{"Prefix", `"raw/!{firehose:error-output-type}/!{date:yyyy}/"`, `namespace "date"`, "timestamp, firehose"},
				{"Prefix", "may only appear in ErrorOutputPrefix"},
				{"ErrorOutputPrefix", `"errors/!{timestamp:yyyy}/"`, "!{firehose:error-output-type}"}}},
		{Name: "prefix over 1024 characters", Scope: scope,
			Build: build("ingest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw, Prefix: strings.Repeat("p", 1025)}
			}),
			Problems: [][]string{{"Prefix", "1025 characters", "at most 1024"}}},
		{Name: "partition keys the query does not define", Scope: scope,
			Build: build("ingest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw, Partitioning: part, Prefix: "!{partitionKeyFromQuery:tenant}/!{partitionKeyFromLambda:x}/"}
			}),
			Problems: [][]string{{"Prefix", "tenant", "defined: dataset"}, {"Prefix", "partitionKeyFromLambda:x", "Lambda processor"}}},
		{Name: "partition key without partitioning", Scope: scope,
			Build: build("ingest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw, Prefix: streaming.HivePrefix("dataset")}
			}),
			Problems: [][]string{{"Prefix", "needs dynamic partitioning"}}},
		{Name: "partitioning without keys", Scope: scope,
			Build: build("ingest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw, Partitioning: &streaming.DynamicPartitioning{}, Prefix: "raw/"}
			}),
			Problems: [][]string{{"Partitioning", "no KeyQueries and no Processor"}, {"Prefix", `"raw/"`, "must use the partition keys"}}},
		{Name: "partition key names and queries", Scope: scope,
			Build: build("ingest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw, Prefix: "!{partitionKeyFromQuery:ok}/",
					Partitioning: &streaming.DynamicPartitioning{KeyQueries: map[string]string{"1st": ".a", "ok": " "}}}
			}),
			Problems: [][]string{{"Partitioning.KeyQueries", `"1st"`, "JQ object key"}, {`Partitioning.KeyQueries["ok"]`, "empty"}}},
		{Name: "processor settings without a processor", Scope: scope,
			Build: build("ingest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw, ProcessorBufferSizeMB: 2, ProcessorBufferIntervalSeconds: 30,
					SourceBackup: e.l.Backup, SourceBackupPrefix: "src/"}
			}),
			Problems: [][]string{{"ProcessorBufferSizeMB", "without Processor"}, {"ProcessorBufferIntervalSeconds", "without Processor"},
				{"SourceBackup", "without Processor"}}},
		{Name: "processor buffers and timeout", Scope: scope,
			Build: build("ingest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw, Processor: e.slow, ProcessorBufferSizeMB: 4, ProcessorBufferIntervalSeconds: 901}
			}),
			Problems: [][]string{{"ProcessorBufferSizeMB", "4", "1–3"}, {"ProcessorBufferIntervalSeconds", "901", "1–900"},
				{"Processor", `"slow"`, "600 s", "at most 300"}}},
		{Name: "backup prefix with a partition key, prefix without backup", Scope: scope,
			Build: build("ingest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw, Processor: e.fn, SourceBackup: e.l.Backup,
					SourceBackupPrefix: "src/!{partitionKeyFromQuery:dataset}/"}
			}),
			Problems: [][]string{{"SourceBackupPrefix", "needs dynamic partitioning"}}},
		{Name: "backup prefix without backup", Scope: scope,
			Build: build("ingest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw, Processor: e.fn, SourceBackupPrefix: "src/"}
			}),
			Problems: [][]string{{"SourceBackupPrefix", `"src/"`, "without SourceBackup"}}},
		{Name: "log retention", Scope: scope,
			Build: build("ingest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{Destination: e.l.Raw, LogRetentionDays: 8}
			}),
			Problems: [][]string{{"LogRetentionDays", "8", "3653"}}},
		{Name: "every problem at once", Scope: `delivery stream "in gest"`,
			Build: build("in gest", func(e env) streaming.DeliveryStreamArgs {
				return streaming.DeliveryStreamArgs{BufferSizeMB: 200, Compression: "LZ4", SourceBackup: e.l.Backup}
			}),
			Problems: [][]string{{"name", `"in gest"`}, {"Destination"}, {"BufferSizeMB", "200"}, {"Compression", "LZ4"}, {"SourceBackup", "without Processor"}}},
	})
}

func TestHivePrefix(t *testing.T) {
	if got, want := streaming.HivePrefix("dataset"), "!{partitionKeyFromQuery:dataset}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"; got != want {
		t.Errorf("HivePrefix: got %q; want %q", got, want)
	}
	args := streaming.DeliveryStreamArgs{Destination: &constructs.Bucket{}, Prefix: streaming.HivePrefix("dataset"),
		Partitioning: &streaming.DynamicPartitioning{KeyQueries: map[string]string{"dataset": ".dataset"}}}
	if err := args.Validate("ingest"); err != nil {
		t.Errorf("Validate of a Hive-partitioned stream: %v", err)
	}
}
