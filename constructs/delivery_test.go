package constructs_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	kumocheck "github.com/kumo-iac/kumo/internal/check"
	"github.com/kumo-iac/kumo/internal/synth"
)

const (
	typDeliveryComponent = "kumo:constructs:DeliveryStream"
	typFirehose          = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
	typLogStream         = "aws:cloudwatch/logStream:LogStream"
)

// lake is what the delivery stream tests deliver to: a log bucket for
// access logs, and raw and backup zones logging to it (cdk-nag S1).
type lake struct {
	logs, raw, backup *constructs.Bucket
}

func newLake(ctx *pulumi.Context) (lake, error) {
	logs, err := constructs.NewBucket(ctx, "logs", &constructs.BucketArgs{ForAccessLogs: true})
	if err != nil {
		return lake{}, err
	}
	raw, err := constructs.NewBucket(ctx, "raw", &constructs.BucketArgs{AccessLogBucket: logs})
	if err != nil {
		return lake{}, err
	}
	backup, err := constructs.NewBucket(ctx, "backup", &constructs.BucketArgs{AccessLogBucket: logs})
	return lake{logs: logs, raw: raw, backup: backup}, err
}

// stateString returns a computed or input value of a registered resource.
func stateString(t *testing.T, r synth.Resource, key string) string {
	t.Helper()
	s, ok := r.State[key].(string)
	if !ok || s == "" {
		t.Fatalf("%s %s: state %s: got %#v; want a string", r.Type, r.Name, key, r.State[key])
	}
	return s
}

func TestDeliveryStreamDefaults(t *testing.T) {
	s := newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		l, err := newLake(ctx)
		if err != nil {
			return nil, err
		}
		ds, err := constructs.NewDeliveryStream(ctx, "ingest", &constructs.DeliveryStreamArgs{Destination: l.raw})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"arn": ds.Arn, "name": ds.Name}, nil
	})
	comp := s.find(typDeliveryComponent, "ingest")
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
	if got := s.childSet(comp.URN); !reflect.DeepEqual(got, wantChildren) {
		t.Errorf("children:\n got %q\nwant %q", got, wantChildren)
	}

	stream := s.find(typFirehose, "ingest")
	raw := s.find("aws:s3/bucketV2:BucketV2", "raw")
	role := s.find(typRole, "ingest")
	group := s.find(typLogGroup, "ingest")
	wantInputs(t, stream,
		check{"destination", "extended_s3"},
		check{"serverSideEncryption", map[string]any{"enabled": true, "keyType": "AWS_OWNED_CMK"}},
		check{"extendedS3Configuration.bucketArn", stateString(t, raw, "arn")},
		check{"extendedS3Configuration.roleArn", stateString(t, role, "arn")},
		check{"extendedS3Configuration.bufferingSize", 5},
		check{"extendedS3Configuration.bufferingInterval", 300},
		check{"extendedS3Configuration.compressionFormat", "GZIP"},
		check{"extendedS3Configuration.prefix", nil},
		check{"extendedS3Configuration.errorOutputPrefix", constructs.DefaultDeliveryErrorOutputPrefix},
		check{"extendedS3Configuration.cloudwatchLoggingOptions", map[string]any{
			"enabled": true, "logGroupName": stateString(t, group, "name"), "logStreamName": "DestinationDelivery"}},
		check{"extendedS3Configuration.processingConfiguration", nil},
		check{"extendedS3Configuration.dynamicPartitioningConfiguration", nil},
		check{"extendedS3Configuration.s3BackupMode", nil},
	)
	if name := stateString(t, group, "name"); !strings.HasPrefix(name, "/aws/kinesisfirehose/ingest-") {
		t.Errorf("log group name: got %q; want it under /aws/kinesisfirehose/ingest-", name)
	}
	wantInputs(t, group, check{"retentionInDays", 30})

	// Firehose checks the role at creation: the stream waits for every policy.
	for _, p := range []string{"ingest-bucket-raw-deliver", "ingest-bucket-raw-write", "ingest-logs"} {
		if !dependsOn(stream, s.find(typRolePolicy, p)) {
			t.Errorf("stream does not depend on role policy %s", p)
		}
	}

	trust := policyInput(t, role, "assumeRolePolicy").Statement
	if len(trust) != 1 || !reflect.DeepEqual(trust[0].Principal, map[string]any{"Service": []any{"firehose.amazonaws.com"}}) ||
		!reflect.DeepEqual(trust[0].Condition, map[string]map[string][]string{"StringEquals": {"aws:SourceAccount": {testAccount}}}) {
		t.Errorf("trust policy: got %+v; want firehose.amazonaws.com for account %s only", trust, testAccount)
	}
	rawArn := stateString(t, raw, "arn")
	write := policyInput(t, s.find(typRolePolicy, "ingest-bucket-raw-write"), "policy").statementBySid(t, "BucketWrite")
	if !reflect.DeepEqual(write.Resource, []string{rawArn + "/*"}) || !slices.Contains(write.Action, "s3:PutObject") {
		t.Errorf("bucket write: got %+v; want s3:PutObject on %s/*", write, rawArn)
	}
	deliver := policyInput(t, s.find(typRolePolicy, "ingest-bucket-raw-deliver"), "policy").statementBySid(t, "DeliveryBucket")
	if !reflect.DeepEqual(deliver.Resource, []string{rawArn}) {
		t.Errorf("bucket-level access: got %+v; want it on %s only", deliver, rawArn)
	}
	logs := policyInput(t, s.find(typRolePolicy, "ingest-logs"), "policy").statementBySid(t, "WriteDeliveryErrors")
	if want := []string{stateString(t, s.find(typLogStream, "ingest-destination"), "arn")}; !reflect.DeepEqual(logs.Resource, want) ||
		!reflect.DeepEqual(logs.Action, []string{"logs:PutLogEvents"}) {
		t.Errorf("log permission: got %+v; want logs:PutLogEvents on %q", logs, want)
	}
	if got, want := s.output("arn"), "arn:aws:firehose:"+testRegion+":"+testAccount+":deliverystream/"+s.output("name"); got != want {
		t.Errorf("Arn: got %q; want %q", got, want)
	}
}

// processedLake delivers through a Lambda transform, partitioned by
// dataset, backing the source records up.
func processedLake(p *project, override func(*constructs.DeliveryStreamArgs)) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		l, err := newLake(ctx)
		if err != nil {
			return nil, err
		}
		fa := p.fnArgs()
		fa.DeadLetterQueue = true
		fn, err := constructs.NewFunction(ctx, "transform", fa)
		if err != nil {
			return nil, err
		}
		args := &constructs.DeliveryStreamArgs{
			Destination:           l.raw,
			Prefix:                constructs.HivePrefix("dataset"),
			Partitioning:          &constructs.DynamicPartitioning{KeyQueries: map[string]string{"dataset": ".dataset"}},
			Processor:             fn,
			ProcessorBufferSizeMB: 3,
			SourceBackup:          l.backup,
		}
		if override != nil {
			override(args)
		}
		ds, err := constructs.NewDeliveryStream(ctx, "ingest", args)
		if err != nil {
			return nil, err
		}
		pa := p.fnArgs()
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
	p := newProject(t)
	s := p.synth(processedLake(p, nil))
	stream := s.find(typFirehose, "ingest")
	alias := s.output("alias")
	if !strings.HasSuffix(alias, ":live") {
		t.Fatalf("alias output: got %q; want the function's live alias ARN", alias)
	}
	wantInputs(t, stream,
		check{"extendedS3Configuration.prefix", "!{partitionKeyFromQuery:dataset}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"},
		check{"extendedS3Configuration.bufferingSize", 64},
		check{"extendedS3Configuration.dynamicPartitioningConfiguration", map[string]any{"enabled": true}},
		check{"extendedS3Configuration.processingConfiguration", map[string]any{"enabled": true, "processors": []any{
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
		check{"extendedS3Configuration.s3BackupMode", "Enabled"},
		check{"extendedS3Configuration.s3BackupConfiguration.bucketArn", stateString(t, s.find("aws:s3/bucketV2:BucketV2", "backup"), "arn")},
		check{"extendedS3Configuration.s3BackupConfiguration.compressionFormat", "GZIP"},
		check{"extendedS3Configuration.s3BackupConfiguration.cloudwatchLoggingOptions.logStreamName", "BackupDelivery"},
	)
	invoke := policyInput(t, s.find(typRolePolicy, "ingest-processor"), "policy").statementBySid(t, "InvokeProcessor")
	if !reflect.DeepEqual(invoke.Resource, []string{alias}) {
		t.Errorf("processor permission: got %+v; want it on the alias %s only", invoke, alias)
	}
	for _, p := range []string{"ingest-bucket-backup-write", "ingest-bucket-backup-deliver", "ingest-processor"} {
		if !dependsOn(stream, s.find(typRolePolicy, p)) {
			t.Errorf("stream does not depend on role policy %s", p)
		}
	}
	logs := policyInput(t, s.find(typRolePolicy, "ingest-logs"), "policy").statementBySid(t, "WriteDeliveryErrors")
	if len(logs.Resource) != 2 {
		t.Errorf("log permission: got %v; want the destination and backup log streams", logs.Resource)
	}
	put := policyInput(t, s.find(typRolePolicy, "producer-firehose-ingest-put"), "policy").statementBySid(t, "DeliveryStreamPut")
	if !reflect.DeepEqual(put.Resource, []string{s.output("arn")}) || !reflect.DeepEqual(sorted(put.Action), []string{"firehose:PutRecord", "firehose:PutRecordBatch"}) {
		t.Errorf("GrantPut: got %+v; want PutRecord and PutRecordBatch on %s", put, s.output("arn"))
	}
}

func TestDeliveryStreamOptions(t *testing.T) {
	const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	p := newProject(t)
	s := p.synth(processedLake(p, func(a *constructs.DeliveryStreamArgs) {
		a.KMSKeyArn = pulumi.String(keyArn)
		a.Compression = constructs.CompressionSnappy
		a.BufferSizeMB = 128
		a.BufferIntervalSeconds = 60
		a.ProcessorBufferSizeMB = 0
		a.ProcessorBufferIntervalSeconds = 120
		a.SourceBackupPrefix = "source/!{timestamp:yyyy}/"
		a.Partitioning = &constructs.DynamicPartitioning{}
		a.Prefix = "!{partitionKeyFromLambda:tenant}/"
		a.LogRetentionDays = 90
	}))
	wantInputs(t, s.find(typFirehose, "ingest"),
		check{"serverSideEncryption", map[string]any{"enabled": true, "keyType": "CUSTOMER_MANAGED_CMK", "keyArn": keyArn}},
		check{"extendedS3Configuration.compressionFormat", "Snappy"},
		check{"extendedS3Configuration.bufferingSize", 128},
		check{"extendedS3Configuration.bufferingInterval", 60},
		check{"extendedS3Configuration.s3BackupConfiguration.prefix", "source/!{timestamp:yyyy}/"},
		// Lambda partitioning: no JQ query, the processor returns the keys.
		check{"extendedS3Configuration.processingConfiguration.processors", []any{
			map[string]any{"type": "Lambda", "parameters": []any{
				map[string]any{"parameterName": "LambdaArn", "parameterValue": s.output("alias")},
				map[string]any{"parameterName": "BufferIntervalInSeconds", "parameterValue": "120"}}},
			map[string]any{"type": "AppendDelimiterToRecord"},
		}},
	)
	wantInputs(t, s.find(typLogGroup, "ingest"), check{"retentionInDays", 90})
}

// The defaults pass kumo check: encryption (KDF1), least-privilege grants
// whose only wildcards are a bucket's objects, justified.
func TestDeliveryStreamPassesKumoCheck(t *testing.T) {
	p := newProject(t)
	res, err := p.run(processedLake(p, nil))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := kumocheck.Run(res, p.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Level == kumocheck.Error {
			t.Errorf("error finding: %s on %s: %s", f.ID(), f.URN, f.Message)
		}
	}
	stream := (&stack{t: t, Result: res}).find(typFirehose, "ingest")
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
	raw := stateString(t, (&stack{t: t, Result: res}).find("aws:s3/bucketV2:BucketV2", "raw"), "arn")
	backup := stateString(t, (&stack{t: t, Result: res}).find("aws:s3/bucketV2:BucketV2", "backup"), "arn")
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
		l    lake
		fn   *constructs.Function
		slow *constructs.Function
	}
	setup := func(ctx *pulumi.Context, p *project) (env, error) {
		l, err := newLake(ctx)
		if err != nil {
			return env{}, err
		}
		fn, err := constructs.NewFunction(ctx, "transform", p.fnArgs())
		if err != nil {
			return env{}, err
		}
		sa := p.fnArgs()
		sa.TimeoutSeconds = 600
		slow, err := constructs.NewFunction(ctx, "slow", sa)
		return env{l: l, fn: fn, slow: slow}, err
	}
	build := func(name string, args func(e env) constructs.DeliveryStreamArgs) func(*pulumi.Context, *project, env) error {
		return func(ctx *pulumi.Context, _ *project, e env) error {
			a := args(e)
			_, err := constructs.NewDeliveryStream(ctx, name, &a)
			return err
		}
	}
	const scope = `delivery stream "ingest"`
	part := &constructs.DynamicPartitioning{KeyQueries: map[string]string{"dataset": ".dataset"}}
	runBadInputs(t, setup, []badInput[env]{
		{name: "no destination", scope: scope,
			build:    build("ingest", func(env) constructs.DeliveryStreamArgs { return constructs.DeliveryStreamArgs{} }),
			problems: [][]string{{"Destination", "nil"}}},
		{name: "name too long for the provider's suffix", scope: `delivery stream "` + strings.Repeat("i", 57) + `"`,
			build: build(strings.Repeat("i", 57), func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw}
			}),
			problems: [][]string{{"name", "1–56", "64 characters"}}},
		{name: "buffers", scope: scope,
			build: build("ingest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw, BufferSizeMB: 129, BufferIntervalSeconds: 901, Compression: "BZIP2"}
			}),
			problems: [][]string{{"BufferSizeMB", "129", "1–128"}, {"BufferIntervalSeconds", "901", "1–900"},
				{"Compression", `"BZIP2"`, `"GZIP"`, `"HADOOP_SNAPPY"`}}},
		{name: "negative interval", scope: scope,
			build: build("ingest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw, BufferIntervalSeconds: -1}
			}),
			problems: [][]string{{"BufferIntervalSeconds", "-1", "0 uses the default"}}},
		{name: "partitioned buffer below 64 MB", scope: scope,
			build: build("ingest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw, Partitioning: part, Prefix: constructs.HivePrefix("dataset"), BufferSizeMB: 32}
			}),
			problems: [][]string{{"BufferSizeMB", "32", "below 64", "dynamic partitioning"}}},
		{name: "prefix expressions", scope: scope,
			build: build("ingest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw, Prefix: "raw/!{firehose:error-output-type}/!{date:yyyy}/",
					ErrorOutputPrefix: "errors/!{timestamp:yyyy}/"}
			}),
			problems: [][]string{
				{"Prefix", `"raw/!{firehose:error-output-type}/!{date:yyyy}/"`, `namespace "date"`, "timestamp, firehose"},
				{"Prefix", "may only appear in ErrorOutputPrefix"},
				{"ErrorOutputPrefix", `"errors/!{timestamp:yyyy}/"`, "!{firehose:error-output-type}"}}},
		{name: "prefix over 1024 characters", scope: scope,
			build: build("ingest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw, Prefix: strings.Repeat("p", 1025)}
			}),
			problems: [][]string{{"Prefix", "1025 characters", "at most 1024"}}},
		{name: "partition keys the query does not define", scope: scope,
			build: build("ingest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw, Partitioning: part, Prefix: "!{partitionKeyFromQuery:tenant}/!{partitionKeyFromLambda:x}/"}
			}),
			problems: [][]string{{"Prefix", "tenant", "defined: dataset"}, {"Prefix", "partitionKeyFromLambda:x", "Lambda processor"}}},
		{name: "partition key without partitioning", scope: scope,
			build: build("ingest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw, Prefix: constructs.HivePrefix("dataset")}
			}),
			problems: [][]string{{"Prefix", "needs dynamic partitioning"}}},
		{name: "partitioning without keys", scope: scope,
			build: build("ingest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw, Partitioning: &constructs.DynamicPartitioning{}, Prefix: "raw/"}
			}),
			problems: [][]string{{"Partitioning", "no KeyQueries and no Processor"}, {"Prefix", `"raw/"`, "must use the partition keys"}}},
		{name: "partition key names and queries", scope: scope,
			build: build("ingest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw, Prefix: "!{partitionKeyFromQuery:ok}/",
					Partitioning: &constructs.DynamicPartitioning{KeyQueries: map[string]string{"1st": ".a", "ok": " "}}}
			}),
			problems: [][]string{{"Partitioning.KeyQueries", `"1st"`, "JQ object key"}, {`Partitioning.KeyQueries["ok"]`, "empty"}}},
		{name: "processor settings without a processor", scope: scope,
			build: build("ingest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw, ProcessorBufferSizeMB: 2, ProcessorBufferIntervalSeconds: 30,
					SourceBackup: e.l.backup, SourceBackupPrefix: "src/"}
			}),
			problems: [][]string{{"ProcessorBufferSizeMB", "without Processor"}, {"ProcessorBufferIntervalSeconds", "without Processor"},
				{"SourceBackup", "without Processor"}}},
		{name: "processor buffers and timeout", scope: scope,
			build: build("ingest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw, Processor: e.slow, ProcessorBufferSizeMB: 4, ProcessorBufferIntervalSeconds: 901}
			}),
			problems: [][]string{{"ProcessorBufferSizeMB", "4", "1–3"}, {"ProcessorBufferIntervalSeconds", "901", "1–900"},
				{"Processor", `"slow"`, "600 s", "at most 300"}}},
		{name: "backup prefix with a partition key, prefix without backup", scope: scope,
			build: build("ingest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw, Processor: e.fn, SourceBackup: e.l.backup,
					SourceBackupPrefix: "src/!{partitionKeyFromQuery:dataset}/"}
			}),
			problems: [][]string{{"SourceBackupPrefix", "needs dynamic partitioning"}}},
		{name: "backup prefix without backup", scope: scope,
			build: build("ingest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw, Processor: e.fn, SourceBackupPrefix: "src/"}
			}),
			problems: [][]string{{"SourceBackupPrefix", `"src/"`, "without SourceBackup"}}},
		{name: "log retention", scope: scope,
			build: build("ingest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{Destination: e.l.raw, LogRetentionDays: 8}
			}),
			problems: [][]string{{"LogRetentionDays", "8", "3653"}}},
		{name: "every problem at once", scope: `delivery stream "in gest"`,
			build: build("in gest", func(e env) constructs.DeliveryStreamArgs {
				return constructs.DeliveryStreamArgs{BufferSizeMB: 200, Compression: "LZ4", SourceBackup: e.l.backup}
			}),
			problems: [][]string{{"name", `"in gest"`}, {"Destination"}, {"BufferSizeMB", "200"}, {"Compression", "LZ4"}, {"SourceBackup", "without Processor"}}},
	})
}

func TestHivePrefix(t *testing.T) {
	if got, want := constructs.HivePrefix("dataset"), "!{partitionKeyFromQuery:dataset}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"; got != want {
		t.Errorf("HivePrefix: got %q; want %q", got, want)
	}
	args := constructs.DeliveryStreamArgs{Destination: &constructs.Bucket{}, Prefix: constructs.HivePrefix("dataset"),
		Partitioning: &constructs.DynamicPartitioning{KeyQueries: map[string]string{"dataset": ".dataset"}}}
	if err := args.Validate("ingest"); err != nil {
		t.Errorf("Validate of a Hive-partitioned stream: %v", err)
	}
}
