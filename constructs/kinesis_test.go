package constructs_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const (
	typStreamComponent = "kumo:constructs:Stream"
	typKinesisStream   = "aws:kinesis/stream:Stream"
)

func synthKinesis(t *testing.T, args *constructs.StreamArgs) *stack {
	t.Helper()
	return newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		s, err := constructs.NewStream(ctx, "readings", args)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"name": s.Name, "arn": s.Arn}, nil
	})
}

func TestStreamDefaults(t *testing.T) {
	s := synthKinesis(t, nil)
	comp := s.find(typStreamComponent, "readings")
	if got, want := s.childSet(comp.URN), []string{typKinesisStream + " readings"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	wantInputs(t, s.find(typKinesisStream, "readings"),
		check{"streamModeDetails.streamMode", "ON_DEMAND"},
		check{"shardCount", nil},
		check{"retentionPeriod", 24},
		// Encryption is always on, with the key Kinesis owns by default.
		check{"encryptionType", "KMS"},
		check{"kmsKeyId", "alias/aws/kinesis"},
		check{"shardLevelMetrics", []string{"IncomingBytes", "IncomingRecords", "IteratorAgeMilliseconds",
			"ReadProvisionedThroughputExceeded", "WriteProvisionedThroughputExceeded"}},
	)
	name := s.output("name")
	if !strings.HasPrefix(name, "readings-") {
		t.Errorf("Name: got %q; want the autonamed readings-…", name)
	}
	if got, want := s.output("arn"), "arn:aws:kinesis:"+testRegion+":"+testAccount+":stream/"+name; got != want {
		t.Errorf("Arn: got %q; want %q", got, want)
	}
}

func TestStreamOptions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   func(ctx *pulumi.Context) (constructs.StreamArgs, error)
		checks func(s *stack) []check
	}{
		{
			name: "provisioned, a week's retention",
			args: func(*pulumi.Context) (constructs.StreamArgs, error) {
				return constructs.StreamArgs{Mode: constructs.StreamModeProvisioned, ShardCount: 4, RetentionHours: 168}, nil
			},
			checks: func(*stack) []check {
				return []check{{"streamModeDetails.streamMode", "PROVISIONED"}, {"shardCount", 4}, {"retentionPeriod", 168}}
			},
		},
		{
			name: "customer managed key",
			args: func(ctx *pulumi.Context) (constructs.StreamArgs, error) {
				k, err := constructs.NewKey(ctx, "streams", nil)
				return constructs.StreamArgs{KMSKey: k}, err
			},
			checks: func(s *stack) []check {
				return []check{{"encryptionType", "KMS"}, {"kmsKeyId", s.state(typKMSKey, "streams", "arn")}}
			},
		},
		{
			name: "no shard-level metrics",
			args: func(*pulumi.Context) (constructs.StreamArgs, error) {
				return constructs.StreamArgs{ShardLevelMetrics: []string{}}, nil
			},
			checks: func(*stack) []check { return []check{{"shardLevelMetrics", nil}} },
		},
		{
			name: "chosen shard-level metrics",
			args: func(*pulumi.Context) (constructs.StreamArgs, error) {
				return constructs.StreamArgs{ShardLevelMetrics: []string{"OutgoingRecords", "IteratorAgeMilliseconds"}}, nil
			},
			checks: func(*stack) []check {
				return []check{{"shardLevelMetrics", []string{"OutgoingRecords", "IteratorAgeMilliseconds"}}}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
				args, err := tc.args(ctx)
				if err != nil {
					return nil, err
				}
				_, err = constructs.NewStream(ctx, "readings", &args)
				return nil, err
			})
			wantInputs(t, s.find(typKinesisStream, "readings"), tc.checks(s)...)
		})
	}
}

// The defaults are not written through to the caller's args.
func TestStreamArgsNotModified(t *testing.T) {
	args := constructs.StreamArgs{ShardLevelMetrics: []string{"IncomingBytes"}}
	newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := constructs.NewStream(ctx, "readings", &args)
		return nil, err
	})
	if args.Mode != "" || args.RetentionHours != 0 || !reflect.DeepEqual(args.ShardLevelMetrics, []string{"IncomingBytes"}) {
		t.Errorf("args: got %+v; want them as given", args)
	}
}

// grantStack registers a function and a stream (with a key when cmk) and
// grants the function read and write access.
func grantStack(p *project, cmk bool) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := sourceFunction(ctx, p, "worker")
		if err != nil {
			return nil, err
		}
		var args constructs.StreamArgs
		if cmk {
			if args.KMSKey, err = constructs.NewKey(ctx, "streams", nil); err != nil {
				return nil, err
			}
		}
		s, err := constructs.NewStream(ctx, "readings", &args)
		if err != nil {
			return nil, err
		}
		if err := s.GrantRead(fn); err != nil {
			return nil, err
		}
		if err := s.GrantWrite(fn); err != nil {
			return nil, err
		}
		return pulumi.Map{"arn": s.Arn}, nil
	}
}

// wantAllow checks one statement of a policy.
func wantAllow(t *testing.T, doc policy, sid string, actions, resources []string) {
	t.Helper()
	st := doc.statementBySid(t, sid)
	if st.Effect != "Allow" || !reflect.DeepEqual(st.Action, sorted(actions)) || !reflect.DeepEqual(st.Resource, resources) {
		t.Errorf("%s: got %s %q on %q; want Allow %q on %q", sid, st.Effect, st.Action, st.Resource, sorted(actions), resources)
	}
}

func TestStreamGrants(t *testing.T) {
	p := newProject(t)
	s := p.synth(grantStack(p, false))
	arn := s.output("arn")
	read := policyInput(t, s.find(typRolePolicy, "worker-kinesis-readings-read"), "policy")
	wantAllow(t, read, "StreamRead", []string{"kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
		"kinesis:GetShardIterator", "kinesis:ListShards"}, []string{arn})
	// Enhanced fan-out consumers of this stream only.
	wantAllow(t, read, "StreamSubscribe", []string{"kinesis:SubscribeToShard"}, []string{arn + "/consumer/*"})
	write := policyInput(t, s.find(typRolePolicy, "worker-kinesis-readings-write"), "policy")
	wantAllow(t, write, "StreamWrite", []string{"kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"}, []string{arn})
	// The AWS managed key needs no grant.
	if len(read.Statement) != 2 || len(write.Statement) != 1 {
		t.Errorf("statements: got read %q, write %q; want no key statements with alias/aws/kinesis", read.sids(), write.sids())
	}

	p = newProject(t)
	s = p.synth(grantStack(p, true))
	key := s.state(typKMSKey, "streams", "arn")
	wantAllow(t, policyInput(t, s.find(typRolePolicy, "worker-kinesis-readings-read"), "policy"), "StreamKey", []string{"kms:Decrypt"}, []string{key})
	wantAllow(t, policyInput(t, s.find(typRolePolicy, "worker-kinesis-readings-write"), "policy"), "StreamKey", []string{"kms:GenerateDataKey"}, []string{key})
}

func TestStreamBadInputs(t *testing.T) {
	newStream := func(name string, args constructs.StreamArgs) func(*pulumi.Context, *project, struct{}) error {
		return func(ctx *pulumi.Context, _ *project, _ struct{}) error {
			_, err := constructs.NewStream(ctx, name, &args)
			return err
		}
	}
	const scope = `stream "readings"`
	runBadInputs(t, nil, []badInput[struct{}]{
		{
			name:     "shards on an on-demand stream",
			build:    newStream("readings", constructs.StreamArgs{ShardCount: 2}),
			scope:    scope,
			problems: [][]string{{"ShardCount", "2", "on-demand", "StreamModeProvisioned"}},
		},
		{
			name:     "provisioned without shards",
			build:    newStream("readings", constructs.StreamArgs{Mode: constructs.StreamModeProvisioned}),
			scope:    scope,
			problems: [][]string{{"ShardCount", "0", "at least 1"}},
		},
		{
			name:     "unknown mode",
			build:    newStream("readings", constructs.StreamArgs{Mode: "SERVERLESS"}),
			scope:    scope,
			problems: [][]string{{"Mode", `"SERVERLESS"`, `"ON_DEMAND"`, `"PROVISIONED"`}},
		},
		{
			name:     "retention below a day and over a year",
			build:    newStream("readings", constructs.StreamArgs{RetentionHours: 8761}),
			scope:    scope,
			problems: [][]string{{"RetentionHours", "8761", "24–8760"}},
		},
		{
			name:     "retention below a day",
			build:    newStream("readings", constructs.StreamArgs{RetentionHours: 12}),
			scope:    scope,
			problems: [][]string{{"RetentionHours", "12", "24–8760"}},
		},
		{
			name:  "metrics: ALL, unknown, twice",
			build: newStream("readings", constructs.StreamArgs{ShardLevelMetrics: []string{"ALL", "IncomingBytes", "GetRecords.Latency", "IncomingBytes"}}),
			scope: scope,
			problems: [][]string{{"ShardLevelMetrics[0]", `"ALL"`, `"IteratorAgeMilliseconds"`}, {"ShardLevelMetrics[2]", `"GetRecords.Latency"`},
				{"ShardLevelMetrics[3]", `"IncomingBytes"`, "twice"}},
		},
		{
			// CreateStream's StreamName: [a-zA-Z0-9_.-]+, with the
			// provider's suffix.
			name:     "name with a slash",
			build:    newStream("sensors/readings", constructs.StreamArgs{}),
			scope:    `stream "sensors/readings"`,
			problems: [][]string{{"name", `"sensors/readings"`, "1–120"}},
		},
		{
			name:     "name too long for the suffix",
			build:    newStream(strings.Repeat("r", 121), constructs.StreamArgs{}),
			scope:    `stream "` + strings.Repeat("r", 121) + `"`,
			problems: [][]string{{"name", "1–120", "128"}},
		},
		{
			name:     "every problem at once",
			build:    newStream("readings", constructs.StreamArgs{Mode: constructs.StreamModeProvisioned, RetentionHours: 1, ShardLevelMetrics: []string{"x"}}),
			scope:    scope,
			problems: [][]string{{"ShardCount"}, {"RetentionHours"}, {"ShardLevelMetrics[0]"}},
		},
	})
}

func TestStreamArgsValidate(t *testing.T) {
	if err := (constructs.StreamArgs{}).Validate("readings"); err != nil {
		t.Errorf("defaults: got %v; want none", err)
	}
	err := (constructs.StreamArgs{Mode: constructs.StreamModeProvisioned}).Validate("readings")
	checkValidationError(t, err, `stream "readings"`, [][]string{{"ShardCount"}})
}

// kinesisEnv is what the Kinesis consumer tests register first.
type kinesisEnv struct {
	fn     *constructs.Function
	stream *constructs.Stream
}

func kinesisSetup(args *constructs.StreamArgs) func(ctx *pulumi.Context, p *project) (kinesisEnv, error) {
	return func(ctx *pulumi.Context, p *project) (kinesisEnv, error) {
		var env kinesisEnv
		var err error
		if env.fn, err = sourceFunction(ctx, p, "averager"); err != nil {
			return env, err
		}
		env.stream, err = constructs.NewStream(ctx, "readings", args)
		return env, err
	}
}

func synthConsumer(t *testing.T, args *constructs.StreamSourceArgs) *stack {
	t.Helper()
	p := newProject(t)
	return p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := kinesisSetup(nil)(ctx, p)
		if err != nil {
			return nil, err
		}
		ss, err := env.stream.ConsumeWith("averages", env.fn, args)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"streamArn": env.stream.Arn, "failureQueueArn": ss.FailureQueueArn}, nil
	})
}

func TestConsumeWithDefaults(t *testing.T) {
	s := synthConsumer(t, nil)
	comp := s.find(typStreamSource, "averages")
	if got, want := s.childSet(comp.URN), []string{
		typEventSourceMapping + " averages", typQueue + " averages-failures", typQueuePolicy + " averages-failures",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	streamArn, queueArn := s.output("streamArn"), s.output("failureQueueArn")
	m := s.find(typEventSourceMapping, "averages")
	wantInputs(t, m,
		// The mapping invokes the alias, never the bare function.
		check{"functionName", s.aliasArn("averager")},
		check{"eventSourceArn", streamArn},
		check{"startingPosition", "LATEST"},
		check{"startingPositionTimestamp", nil},
		check{"batchSize", 100},
		check{"bisectBatchOnFunctionError", true},
		check{"maximumRetryAttempts", 3},
		check{"maximumRecordAgeInSeconds", 3600},
		check{"parallelizationFactor", 1},
		check{"tumblingWindowInSeconds", nil},
		check{"enabled", true},
		check{"destinationConfig.onFailure.destinationArn", queueArn},
		check{"functionResponseTypes", []any{"ReportBatchItemFailures"}},
	)
	rp := s.find(typRolePolicy, "averager-stream-averages")
	doc := policyInput(t, rp, "policy")
	wantAllow(t, doc, "StreamRead", []string{"kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
		"kinesis:GetShardIterator", "kinesis:ListShards"}, []string{streamArn})
	wantAllow(t, doc, "StreamSubscribe", []string{"kinesis:SubscribeToShard"}, []string{streamArn + "/consumer/*"})
	wantAllow(t, doc, "SendFailedBatches", []string{"sqs:SendMessage"}, []string{queueArn})
	if len(doc.Statement) != 3 {
		t.Errorf("consumer policy statements: got %q; want 3", doc.sids())
	}
	// CreateEventSourceMapping checks the role and the alias.
	if !dependsOn(m, rp) || !dependsOn(m, s.find(typAlias, "averager")) {
		t.Errorf("mapping does not depend on the read policy and the alias: %q", m.Dependencies)
	}
}

func TestConsumeWithOptions(t *testing.T) {
	no := false
	s := synthConsumer(t, &constructs.StreamSourceArgs{
		StartingPosition: constructs.StartAtTimestamp, StartingPositionTimestamp: "2026-01-01T00:00:00Z",
		TumblingWindowSeconds: 60, ParallelizationFactor: 2, BatchSize: 1000, Enabled: &no,
	})
	wantInputs(t, s.find(typEventSourceMapping, "averages"),
		check{"startingPosition", "AT_TIMESTAMP"},
		check{"startingPositionTimestamp", "2026-01-01T00:00:00Z"},
		check{"tumblingWindowInSeconds", 60},
		check{"parallelizationFactor", 2},
		check{"batchSize", 1000},
		check{"enabled", false},
		check{"functionName", s.aliasArn("averager")},
	)
}

// With a customer managed key, the consumer may decrypt with it.
func TestConsumeWithKey(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		k, err := constructs.NewKey(ctx, "streams", nil)
		if err != nil {
			return nil, err
		}
		env, err := kinesisSetup(&constructs.StreamArgs{KMSKey: k})(ctx, p)
		if err != nil {
			return nil, err
		}
		_, err = env.stream.ConsumeWith("averages", env.fn, nil)
		return nil, err
	})
	wantAllow(t, policyInput(t, s.find(typRolePolicy, "averager-stream-averages"), "policy"), "StreamKey",
		[]string{"kms:Decrypt"}, []string{s.state(typKMSKey, "streams", "arn")})
}

func TestConsumeWithBadInputs(t *testing.T) {
	consume := func(args constructs.StreamSourceArgs) func(*pulumi.Context, *project, kinesisEnv) error {
		return func(_ *pulumi.Context, _ *project, env kinesisEnv) error {
			_, err := env.stream.ConsumeWith("averages", env.fn, &args)
			return err
		}
	}
	const scope = `stream source "averages"`
	runBadInputs(t, kinesisSetup(nil), []badInput[kinesisEnv]{
		{
			name: "no function",
			build: func(_ *pulumi.Context, _ *project, env kinesisEnv) error {
				_, err := env.stream.ConsumeWith("averages", nil, nil)
				return err
			},
			scope:    scope,
			problems: [][]string{{"fn", "not set"}},
		},
		{
			name:     "AT_TIMESTAMP without the time",
			build:    consume(constructs.StreamSourceArgs{StartingPosition: constructs.StartAtTimestamp}),
			scope:    scope,
			problems: [][]string{{"StartingPositionTimestamp", "empty", "RFC 3339"}},
		},
		{
			name:     "a time that is not RFC 3339",
			build:    consume(constructs.StreamSourceArgs{StartingPosition: constructs.StartAtTimestamp, StartingPositionTimestamp: "2026-01-01 00:00"}),
			scope:    scope,
			problems: [][]string{{"StartingPositionTimestamp", `"2026-01-01 00:00"`, "RFC 3339"}},
		},
		{
			name:     "a time with TRIM_HORIZON",
			build:    consume(constructs.StreamSourceArgs{StartingPosition: constructs.StartTrimHorizon, StartingPositionTimestamp: "2026-01-01T00:00:00Z"}),
			scope:    scope,
			problems: [][]string{{"StartingPositionTimestamp", "TRIM_HORIZON", "only AT_TIMESTAMP"}},
		},
		{
			name:     "unknown starting position",
			build:    consume(constructs.StreamSourceArgs{StartingPosition: "EARLIEST"}),
			scope:    scope,
			problems: [][]string{{"StartingPosition", `"EARLIEST"`, "LATEST, TRIM_HORIZON or AT_TIMESTAMP"}},
		},
		{
			// Lambda: TumblingWindowInSeconds 0–900.
			name:     "tumbling window over 15 minutes",
			build:    consume(constructs.StreamSourceArgs{TumblingWindowSeconds: 901}),
			scope:    scope,
			problems: [][]string{{"TumblingWindowSeconds", "901", "0–900"}},
		},
		{
			name:     "negative tumbling window",
			build:    consume(constructs.StreamSourceArgs{TumblingWindowSeconds: -1}),
			scope:    scope,
			problems: [][]string{{"TumblingWindowSeconds", "-1", "0–900"}},
		},
	})
	// A DynamoDB stream has no AT_TIMESTAMP, with or without the time.
	runBadInputs(t, streamSetup(constructs.StreamNewImage), []badInput[streamEnv]{{
		name: "AT_TIMESTAMP on a DynamoDB stream",
		build: func(_ *pulumi.Context, _ *project, env streamEnv) error {
			_, err := env.table.StreamTo("index", env.fn, &constructs.StreamSourceArgs{
				StartingPosition: constructs.StartAtTimestamp, StartingPositionTimestamp: "2026-01-01T00:00:00Z"})
			return err
		},
		scope:    `stream source "index"`,
		problems: [][]string{{"StartingPosition", `"AT_TIMESTAMP"`, "DynamoDB", "LATEST or TRIM_HORIZON"}},
	}})
}

// A stream, a consumer and a producer pass kumo check; the one wildcard,
// the stream's consumers, is accepted with its reason.
func TestStreamPassesKumoCheck(t *testing.T) {
	errs, rep := newCheckErrors(t, kinesisSetup(nil), func(_ *pulumi.Context, env kinesisEnv) error {
		if _, err := env.stream.ConsumeWith("averages", env.fn, nil); err != nil {
			return err
		}
		return env.stream.GrantWrite(env.fn)
	})
	wantNoNewFindings(t, errs)
	var arn string
	for _, r := range rep.Suppressed {
		if r.Rule == "AwsSolutions-IAM5" && r.Name == "averager-stream-averages" {
			arn = r.Detail
			if !strings.Contains(r.Suppression.Reason, "enhanced fan-out consumers of this one stream") {
				t.Errorf("IAM5 %s: suppressed with %q; want the consumers reason", r.Detail, r.Suppression.Reason)
			}
		}
	}
	if !strings.HasPrefix(arn, "Resource::arn:aws:kinesis:") || !strings.HasSuffix(arn, "/consumer/*") {
		t.Errorf("AwsSolutions-IAM5 on the consumer policy: got %q; want the stream's /consumer/* accepted\nfindings:%s", arn, findingList(rep.Findings))
	}
	// The default stream is encrypted with alias/aws/kinesis: KDS1 and
	// KDS3 hold.
	for _, f := range append(rep.Findings, rep.Suppressed...) {
		if slices.Contains([]string{"AwsSolutions-KDS1", "AwsSolutions-KDS3", "Kumo-EncryptionAtRest"}, f.Rule) && f.Type == typKinesisStream {
			t.Errorf("%s on the stream: %s", f.Rule, f.Message)
		}
	}
}

// deliverySource registers the lake and the stream a Firehose reads.
type deliverySource struct {
	lake
	stream *constructs.Stream
}

func deliverySourceSetup(ctx *pulumi.Context, _ *project) (deliverySource, error) {
	l, err := newLake(ctx)
	if err != nil {
		return deliverySource{}, err
	}
	st, err := constructs.NewStream(ctx, "errors", nil)
	return deliverySource{lake: l, stream: st}, err
}

func TestDeliveryStreamFromKinesis(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := deliverySourceSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		ds, err := constructs.NewDeliveryStream(ctx, "errors", &constructs.DeliveryStreamArgs{Destination: env.raw, Source: env.stream})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"streamArn": env.stream.Arn, "roleArn": ds.Role.Arn}, nil
	})
	comp := s.find(typDeliveryComponent, "errors")
	want := []string{typLogGroup + " errors", typLogStream + " errors-destination", typRole + " errors",
		typRolePolicy + " errors-bucket-raw-deliver", typRolePolicy + " errors-bucket-raw-write", typRolePolicy + " errors-kinesis-errors-read",
		typRolePolicy + " errors-logs", typFirehose + " errors"}
	slices.Sort(want)
	if got := s.childSet(comp.URN); !reflect.DeepEqual(got, want) {
		t.Errorf("children:\n got %q\nwant %q", got, want)
	}
	firehose := s.find(typFirehose, "errors")
	streamArn := s.output("streamArn")
	wantInputs(t, firehose,
		check{"kinesisSourceConfiguration", map[string]any{"kinesisStreamArn": streamArn, "roleArn": s.output("roleArn")}},
		// Firehose refuses server-side encryption with a Kinesis source.
		check{"serverSideEncryption", nil},
		check{"destination", "extended_s3"},
	)
	read := s.find(typRolePolicy, "errors-kinesis-errors-read")
	wantAllow(t, policyInput(t, read, "policy"), "StreamRead", []string{"kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
		"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"}, []string{streamArn})
	// Firehose checks at creation that its role can read the source.
	if !dependsOn(firehose, read) {
		t.Errorf("delivery stream does not depend on the read policy of its source")
	}
}

func TestDeliveryStreamFromKinesisBadInputs(t *testing.T) {
	runBadInputs(t, deliverySourceSetup, []badInput[deliverySource]{{
		name: "server-side encryption with a Kinesis source",
		build: func(ctx *pulumi.Context, _ *project, env deliverySource) error {
			_, err := constructs.NewDeliveryStream(ctx, "errors", &constructs.DeliveryStreamArgs{Destination: env.raw, Source: env.stream,
				KMSKeyArn: pulumi.String("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")})
			return err
		},
		scope:    `delivery stream "errors"`,
		problems: [][]string{{"KMSKeyArn", `stream "errors"`, "refuses server-side encryption", "StreamArgs.KMSKey"}},
	}})

	// PutRecord is off on a stream with a Kinesis source.
	p := newProject(t)
	var grantErr error
	p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := deliverySourceSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		fn, err := sourceFunction(ctx, p, "producer")
		if err != nil {
			return nil, err
		}
		ds, err := constructs.NewDeliveryStream(ctx, "errors", &constructs.DeliveryStreamArgs{Destination: env.raw, Source: env.stream})
		if err != nil {
			return nil, err
		}
		grantErr = ds.GrantPut(fn)
		return nil, nil
	})
	checkValidationError(t, grantErr, `delivery stream "errors"`, [][]string{{"GrantPut", `Kinesis stream "errors"`, "GrantWrite"}})
}

// The error stream → Firehose → S3 path passes kumo check: KDF1 holds for a
// delivery stream whose source stream is encrypted.
func TestDeliveryStreamFromKinesisPassesKumoCheck(t *testing.T) {
	errs, rep := newCheckErrors(t, deliverySourceSetup, func(ctx *pulumi.Context, env deliverySource) error {
		_, err := constructs.NewDeliveryStream(ctx, "errors", &constructs.DeliveryStreamArgs{Destination: env.raw, Source: env.stream})
		return err
	})
	wantNoNewFindings(t, errs)
	for _, f := range append(rep.Findings, rep.Suppressed...) {
		if f.Type == typFirehose && (f.Rule == "AwsSolutions-KDF1" || f.Rule == "Kumo-EncryptionAtRest") {
			t.Errorf("%s on the delivery stream: %s", f.Rule, f.Message)
		}
	}
}
