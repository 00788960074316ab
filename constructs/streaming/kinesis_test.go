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
)

const (
	typStreamComponent = "kumo:constructs:Stream"
	typKinesisStream   = "aws:kinesis/stream:Stream"
)

func synthKinesis(t *testing.T, args *streaming.StreamArgs) *synthtest.Stack {
	t.Helper()
	return synthtest.NewProject(t).Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		s, err := streaming.NewStream(ctx, "readings", args)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"name": s.Name, "arn": s.Arn}, nil
	})
}

func TestStreamDefaults(t *testing.T) {
	s := synthKinesis(t, nil)
	comp := s.Find(typStreamComponent, "readings")
	if got, want := s.ChildSet(comp.URN), []string{typKinesisStream + " readings"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	synthtest.WantInputs(t, s.Find(typKinesisStream, "readings"),
		synthtest.Check{"streamModeDetails.streamMode", "ON_DEMAND"},
		synthtest.Check{"shardCount", nil},
		synthtest.Check{"retentionPeriod", 24},
		// Encryption is always on, with the key Kinesis owns by default.
		synthtest.Check{"encryptionType", "KMS"},
		synthtest.Check{"kmsKeyId", "alias/aws/kinesis"},
		synthtest.Check{"shardLevelMetrics", []string{"IncomingBytes", "IncomingRecords", "IteratorAgeMilliseconds",
			"ReadProvisionedThroughputExceeded", "WriteProvisionedThroughputExceeded"}},
	)
	name := s.Output("name")
	if !strings.HasPrefix(name, "readings-") {
		t.Errorf("Name: got %q; want the autonamed readings-…", name)
	}
	if got, want := s.Output("arn"), "arn:aws:kinesis:"+synthtest.Region+":"+synthtest.Account+":stream/"+name; got != want {
		t.Errorf("Arn: got %q; want %q", got, want)
	}
}

func TestStreamOptions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   func(ctx *pulumi.Context) (streaming.StreamArgs, error)
		checks func(s *synthtest.Stack) []synthtest.Check
	}{
		{
			name: "provisioned, a week's retention",
			args: func(*pulumi.Context) (streaming.StreamArgs, error) {
				return streaming.StreamArgs{Mode: streaming.StreamModeProvisioned, ShardCount: 4, RetentionHours: 168}, nil
			},
			checks: func(*synthtest.Stack) []synthtest.Check {
				return []synthtest.Check{{"streamModeDetails.streamMode", "PROVISIONED"}, {"shardCount", 4}, {"retentionPeriod", 168}}
			},
		},
		{
			name: "customer managed key",
			args: func(ctx *pulumi.Context) (streaming.StreamArgs, error) {
				k, err := constructs.NewKey(ctx, "streams", nil)
				return streaming.StreamArgs{KMSKey: k}, err
			},
			checks: func(s *synthtest.Stack) []synthtest.Check {
				return []synthtest.Check{{"encryptionType", "KMS"}, {"kmsKeyId", s.State(typKMSKey, "streams", "arn")}}
			},
		},
		{
			name: "no shard-level metrics",
			args: func(*pulumi.Context) (streaming.StreamArgs, error) {
				return streaming.StreamArgs{ShardLevelMetrics: []string{}}, nil
			},
			checks: func(*synthtest.Stack) []synthtest.Check { return []synthtest.Check{{"shardLevelMetrics", nil}} },
		},
		{
			name: "chosen shard-level metrics",
			args: func(*pulumi.Context) (streaming.StreamArgs, error) {
				return streaming.StreamArgs{ShardLevelMetrics: []string{"OutgoingRecords", "IteratorAgeMilliseconds"}}, nil
			},
			checks: func(*synthtest.Stack) []synthtest.Check {
				return []synthtest.Check{{"shardLevelMetrics", []string{"OutgoingRecords", "IteratorAgeMilliseconds"}}}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := synthtest.NewProject(t).Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
				args, err := tc.args(ctx)
				if err != nil {
					return nil, err
				}
				_, err = streaming.NewStream(ctx, "readings", &args)
				return nil, err
			})
			synthtest.WantInputs(t, s.Find(typKinesisStream, "readings"), tc.checks(s)...)
		})
	}
}

// The defaults are not written through to the caller's args.
func TestStreamArgsNotModified(t *testing.T) {
	args := streaming.StreamArgs{ShardLevelMetrics: []string{"IncomingBytes"}}
	synthtest.NewProject(t).Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := streaming.NewStream(ctx, "readings", &args)
		return nil, err
	})
	if args.Mode != "" || args.RetentionHours != 0 || !reflect.DeepEqual(args.ShardLevelMetrics, []string{"IncomingBytes"}) {
		t.Errorf("args: got %+v; want them as given", args)
	}
}

// grantStack registers a function and a stream (with a key when cmk) and
// grants the function read and write access.
func grantStack(p *synthtest.Project, cmk bool) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := p.SourceFunction(ctx, "worker")
		if err != nil {
			return nil, err
		}
		var args streaming.StreamArgs
		if cmk {
			if args.KMSKey, err = constructs.NewKey(ctx, "streams", nil); err != nil {
				return nil, err
			}
		}
		s, err := streaming.NewStream(ctx, "readings", &args)
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
func wantAllow(t *testing.T, doc synthtest.Policy, sid string, actions, resources []string) {
	t.Helper()
	st := doc.StatementBySid(t, sid)
	if st.Effect != "Allow" || !reflect.DeepEqual(st.Action, synthtest.Sorted(actions)) || !reflect.DeepEqual(st.Resource, resources) {
		t.Errorf("%s: got %s %q on %q; want Allow %q on %q", sid, st.Effect, st.Action, st.Resource, synthtest.Sorted(actions), resources)
	}
}

func TestStreamGrants(t *testing.T) {
	p := synthtest.NewProject(t)
	s := p.Synth(grantStack(p, false))
	arn := s.Output("arn")
	read := synthtest.PolicyInput(t, s.Find(typRolePolicy, "worker-kinesis-readings-read"), "policy")
	wantAllow(t, read, "StreamRead", []string{"kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
		"kinesis:GetShardIterator", "kinesis:ListShards"}, []string{arn})
	// Enhanced fan-out consumers of this stream only.
	wantAllow(t, read, "StreamSubscribe", []string{"kinesis:SubscribeToShard"}, []string{arn + "/consumer/*"})
	write := synthtest.PolicyInput(t, s.Find(typRolePolicy, "worker-kinesis-readings-write"), "policy")
	wantAllow(t, write, "StreamWrite", []string{"kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"}, []string{arn})
	// The AWS managed key needs no grant.
	if len(read.Statement) != 2 || len(write.Statement) != 1 {
		t.Errorf("statements: got read %q, write %q; want no key statements with alias/aws/kinesis", read.Sids(), write.Sids())
	}

	p = synthtest.NewProject(t)
	s = p.Synth(grantStack(p, true))
	key := s.State(typKMSKey, "streams", "arn")
	wantAllow(t, synthtest.PolicyInput(t, s.Find(typRolePolicy, "worker-kinesis-readings-read"), "policy"), "StreamKey", []string{"kms:Decrypt"}, []string{key})
	wantAllow(t, synthtest.PolicyInput(t, s.Find(typRolePolicy, "worker-kinesis-readings-write"), "policy"), "StreamKey", []string{"kms:GenerateDataKey"}, []string{key})
}

func TestStreamBadInputs(t *testing.T) {
	newStream := func(name string, args streaming.StreamArgs) func(*pulumi.Context, *synthtest.Project, struct{}) error {
		return func(ctx *pulumi.Context, _ *synthtest.Project, _ struct{}) error {
			_, err := streaming.NewStream(ctx, name, &args)
			return err
		}
	}
	const scope = `stream "readings"`
	synthtest.RunBadInputs(t, nil, []synthtest.BadInput[struct{}]{
		{
			Name:     "shards on an on-demand stream",
			Build:    newStream("readings", streaming.StreamArgs{ShardCount: 2}),
			Scope:    scope,
			Problems: [][]string{{"ShardCount", "2", "on-demand", "StreamModeProvisioned"}},
		},
		{
			Name:     "provisioned without shards",
			Build:    newStream("readings", streaming.StreamArgs{Mode: streaming.StreamModeProvisioned}),
			Scope:    scope,
			Problems: [][]string{{"ShardCount", "0", "at least 1"}},
		},
		{
			Name:     "unknown mode",
			Build:    newStream("readings", streaming.StreamArgs{Mode: "SERVERLESS"}),
			Scope:    scope,
			Problems: [][]string{{"Mode", `"SERVERLESS"`, `"ON_DEMAND"`, `"PROVISIONED"`}},
		},
		{
			Name:     "retention below a day and over a year",
			Build:    newStream("readings", streaming.StreamArgs{RetentionHours: 8761}),
			Scope:    scope,
			Problems: [][]string{{"RetentionHours", "8761", "24–8760"}},
		},
		{
			Name:     "retention below a day",
			Build:    newStream("readings", streaming.StreamArgs{RetentionHours: 12}),
			Scope:    scope,
			Problems: [][]string{{"RetentionHours", "12", "24–8760"}},
		},
		{
			Name:  "metrics: ALL, unknown, twice",
			Build: newStream("readings", streaming.StreamArgs{ShardLevelMetrics: []string{"ALL", "IncomingBytes", "GetRecords.Latency", "IncomingBytes"}}),
			Scope: scope,
			Problems: [][]string{{"ShardLevelMetrics[0]", `"ALL"`, `"IteratorAgeMilliseconds"`}, {"ShardLevelMetrics[2]", `"GetRecords.Latency"`},
				{"ShardLevelMetrics[3]", `"IncomingBytes"`, "twice"}},
		},
		{
			// CreateStream's StreamName: [a-zA-Z0-9_.-]+, with the
			// provider's suffix.
			Name:     "name with a slash",
			Build:    newStream("sensors/readings", streaming.StreamArgs{}),
			Scope:    `stream "sensors/readings"`,
			Problems: [][]string{{"name", `"sensors/readings"`, "1–120"}},
		},
		{
			Name:     "name too long for the suffix",
			Build:    newStream(strings.Repeat("r", 121), streaming.StreamArgs{}),
			Scope:    `stream "` + strings.Repeat("r", 121) + `"`,
			Problems: [][]string{{"name", "1–120", "128"}},
		},
		{
			Name:     "every problem at once",
			Build:    newStream("readings", streaming.StreamArgs{Mode: streaming.StreamModeProvisioned, RetentionHours: 1, ShardLevelMetrics: []string{"x"}}),
			Scope:    scope,
			Problems: [][]string{{"ShardCount"}, {"RetentionHours"}, {"ShardLevelMetrics[0]"}},
		},
	})
}

func TestStreamArgsValidate(t *testing.T) {
	if err := (streaming.StreamArgs{}).Validate("readings"); err != nil {
		t.Errorf("defaults: got %v; want none", err)
	}
	err := (streaming.StreamArgs{Mode: streaming.StreamModeProvisioned}).Validate("readings")
	synthtest.CheckValidationError(t, err, `stream "readings"`, [][]string{{"ShardCount"}})
}

// kinesisEnv is what the Kinesis consumer tests register first.
type kinesisEnv struct {
	fn     *constructs.Function
	stream *streaming.Stream
}

func kinesisSetup(args *streaming.StreamArgs) func(ctx *pulumi.Context, p *synthtest.Project) (kinesisEnv, error) {
	return func(ctx *pulumi.Context, p *synthtest.Project) (kinesisEnv, error) {
		var env kinesisEnv
		var err error
		if env.fn, err = p.SourceFunction(ctx, "averager"); err != nil {
			return env, err
		}
		env.stream, err = streaming.NewStream(ctx, "readings", args)
		return env, err
	}
}

func synthConsumer(t *testing.T, args *constructs.StreamSourceArgs) *synthtest.Stack {
	t.Helper()
	p := synthtest.NewProject(t)
	return p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
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
	comp := s.Find(typStreamSource, "averages")
	if got, want := s.ChildSet(comp.URN), []string{
		typEventSourceMapping + " averages", typQueue + " averages-failures", typQueuePolicy + " averages-failures",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	streamArn, queueArn := s.Output("streamArn"), s.Output("failureQueueArn")
	m := s.Find(typEventSourceMapping, "averages")
	synthtest.WantInputs(t, m,
		// The mapping invokes the alias, never the bare function.
		synthtest.Check{"functionName", s.AliasArn("averager")},
		synthtest.Check{"eventSourceArn", streamArn},
		synthtest.Check{"startingPosition", "LATEST"},
		synthtest.Check{"startingPositionTimestamp", nil},
		synthtest.Check{"batchSize", 100},
		synthtest.Check{"bisectBatchOnFunctionError", true},
		synthtest.Check{"maximumRetryAttempts", 3},
		synthtest.Check{"maximumRecordAgeInSeconds", 3600},
		synthtest.Check{"parallelizationFactor", 1},
		synthtest.Check{"tumblingWindowInSeconds", nil},
		synthtest.Check{"enabled", true},
		synthtest.Check{"destinationConfig.onFailure.destinationArn", queueArn},
		synthtest.Check{"functionResponseTypes", []any{"ReportBatchItemFailures"}},
	)
	rp := s.Find(typRolePolicy, "averager-stream-averages")
	doc := synthtest.PolicyInput(t, rp, "policy")
	wantAllow(t, doc, "StreamRead", []string{"kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
		"kinesis:GetShardIterator", "kinesis:ListShards"}, []string{streamArn})
	wantAllow(t, doc, "StreamSubscribe", []string{"kinesis:SubscribeToShard"}, []string{streamArn + "/consumer/*"})
	wantAllow(t, doc, "SendFailedBatches", []string{"sqs:SendMessage"}, []string{queueArn})
	if len(doc.Statement) != 3 {
		t.Errorf("consumer policy statements: got %q; want 3", doc.Sids())
	}
	// CreateEventSourceMapping checks the role and the alias.
	if !synthtest.DependsOn(m, rp) || !synthtest.DependsOn(m, s.Find(typAlias, "averager")) {
		t.Errorf("mapping does not depend on the read policy and the alias: %q", m.Dependencies)
	}
}

func TestConsumeWithOptions(t *testing.T) {
	no := false
	s := synthConsumer(t, &constructs.StreamSourceArgs{
		StartingPosition: constructs.StartAtTimestamp, StartingPositionTimestamp: "2026-01-01T00:00:00Z",
		TumblingWindowSeconds: 60, ParallelizationFactor: 2, BatchSize: 1000, Enabled: &no,
	})
	synthtest.WantInputs(t, s.Find(typEventSourceMapping, "averages"),
		synthtest.Check{"startingPosition", "AT_TIMESTAMP"},
		synthtest.Check{"startingPositionTimestamp", "2026-01-01T00:00:00Z"},
		synthtest.Check{"tumblingWindowInSeconds", 60},
		synthtest.Check{"parallelizationFactor", 2},
		synthtest.Check{"batchSize", 1000},
		synthtest.Check{"enabled", false},
		synthtest.Check{"functionName", s.AliasArn("averager")},
	)
}

// With a customer managed key, the consumer may decrypt with it.
func TestConsumeWithKey(t *testing.T) {
	p := synthtest.NewProject(t)
	s := p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		k, err := constructs.NewKey(ctx, "streams", nil)
		if err != nil {
			return nil, err
		}
		env, err := kinesisSetup(&streaming.StreamArgs{KMSKey: k})(ctx, p)
		if err != nil {
			return nil, err
		}
		_, err = env.stream.ConsumeWith("averages", env.fn, nil)
		return nil, err
	})
	wantAllow(t, synthtest.PolicyInput(t, s.Find(typRolePolicy, "averager-stream-averages"), "policy"), "StreamKey",
		[]string{"kms:Decrypt"}, []string{s.State(typKMSKey, "streams", "arn")})
}

func TestConsumeWithBadInputs(t *testing.T) {
	consume := func(args constructs.StreamSourceArgs) func(*pulumi.Context, *synthtest.Project, kinesisEnv) error {
		return func(_ *pulumi.Context, _ *synthtest.Project, env kinesisEnv) error {
			_, err := env.stream.ConsumeWith("averages", env.fn, &args)
			return err
		}
	}
	const scope = `stream source "averages"`
	synthtest.RunBadInputs(t, kinesisSetup(nil), []synthtest.BadInput[kinesisEnv]{
		{
			Name: "no function",
			Build: func(_ *pulumi.Context, _ *synthtest.Project, env kinesisEnv) error {
				_, err := env.stream.ConsumeWith("averages", nil, nil)
				return err
			},
			Scope:    scope,
			Problems: [][]string{{"fn", "not set"}},
		},
		{
			Name:     "AT_TIMESTAMP without the time",
			Build:    consume(constructs.StreamSourceArgs{StartingPosition: constructs.StartAtTimestamp}),
			Scope:    scope,
			Problems: [][]string{{"StartingPositionTimestamp", "empty", "RFC 3339"}},
		},
		{
			Name:     "a time that is not RFC 3339",
			Build:    consume(constructs.StreamSourceArgs{StartingPosition: constructs.StartAtTimestamp, StartingPositionTimestamp: "2026-01-01 00:00"}),
			Scope:    scope,
			Problems: [][]string{{"StartingPositionTimestamp", `"2026-01-01 00:00"`, "RFC 3339"}},
		},
		{
			Name:     "a time with TRIM_HORIZON",
			Build:    consume(constructs.StreamSourceArgs{StartingPosition: constructs.StartTrimHorizon, StartingPositionTimestamp: "2026-01-01T00:00:00Z"}),
			Scope:    scope,
			Problems: [][]string{{"StartingPositionTimestamp", "TRIM_HORIZON", "only AT_TIMESTAMP"}},
		},
		{
			Name:     "unknown starting position",
			Build:    consume(constructs.StreamSourceArgs{StartingPosition: "EARLIEST"}),
			Scope:    scope,
			Problems: [][]string{{"StartingPosition", `"EARLIEST"`, "LATEST, TRIM_HORIZON or AT_TIMESTAMP"}},
		},
		{
			// Lambda: TumblingWindowInSeconds 0–900.
			Name:     "tumbling window over 15 minutes",
			Build:    consume(constructs.StreamSourceArgs{TumblingWindowSeconds: 901}),
			Scope:    scope,
			Problems: [][]string{{"TumblingWindowSeconds", "901", "0–900"}},
		},
		{
			Name:     "negative tumbling window",
			Build:    consume(constructs.StreamSourceArgs{TumblingWindowSeconds: -1}),
			Scope:    scope,
			Problems: [][]string{{"TumblingWindowSeconds", "-1", "0–900"}},
		},
	})
}

// A stream, a consumer and a producer pass kumo check; the one wildcard,
// the stream's consumers, is accepted with its reason.
func TestStreamPassesKumoCheck(t *testing.T) {
	errs, rep := synthtest.NewCheckErrors(t, kinesisSetup(nil), func(_ *pulumi.Context, env kinesisEnv) error {
		if _, err := env.stream.ConsumeWith("averages", env.fn, nil); err != nil {
			return err
		}
		return env.stream.GrantWrite(env.fn)
	})
	synthtest.WantNoNewFindings(t, errs)
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
		t.Errorf("AwsSolutions-IAM5 on the consumer policy: got %q; want the stream's /consumer/* accepted\nfindings:%s", arn, synthtest.FindingList(rep.Findings))
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
	synthtest.Lake
	stream *streaming.Stream
}

func deliverySourceSetup(ctx *pulumi.Context, _ *synthtest.Project) (deliverySource, error) {
	l, err := synthtest.NewLake(ctx)
	if err != nil {
		return deliverySource{}, err
	}
	st, err := streaming.NewStream(ctx, "errors", nil)
	return deliverySource{Lake: l, stream: st}, err
}

func TestDeliveryStreamFromKinesis(t *testing.T) {
	p := synthtest.NewProject(t)
	s := p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := deliverySourceSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		ds, err := streaming.NewDeliveryStream(ctx, "errors", &streaming.DeliveryStreamArgs{Destination: env.Raw, Source: env.stream})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"streamArn": env.stream.Arn, "roleArn": ds.Role.Arn}, nil
	})
	comp := s.Find(typDeliveryComponent, "errors")
	want := []string{typLogGroup + " errors", typLogStream + " errors-destination", typRole + " errors",
		typRolePolicy + " errors-bucket-raw-deliver", typRolePolicy + " errors-bucket-raw-write", typRolePolicy + " errors-kinesis-errors-read",
		typRolePolicy + " errors-logs", typFirehose + " errors"}
	slices.Sort(want)
	if got := s.ChildSet(comp.URN); !reflect.DeepEqual(got, want) {
		t.Errorf("children:\n got %q\nwant %q", got, want)
	}
	firehose := s.Find(typFirehose, "errors")
	streamArn := s.Output("streamArn")
	synthtest.WantInputs(t, firehose,
		synthtest.Check{"kinesisSourceConfiguration", map[string]any{"kinesisStreamArn": streamArn, "roleArn": s.Output("roleArn")}},
		// Firehose refuses server-side encryption with a Kinesis source.
		synthtest.Check{"serverSideEncryption", nil},
		synthtest.Check{"destination", "extended_s3"},
	)
	read := s.Find(typRolePolicy, "errors-kinesis-errors-read")
	wantAllow(t, synthtest.PolicyInput(t, read, "policy"), "StreamRead", []string{"kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
		"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"}, []string{streamArn})
	// Firehose checks at creation that its role can read the source.
	if !synthtest.DependsOn(firehose, read) {
		t.Errorf("delivery stream does not depend on the read policy of its source")
	}
}

func TestDeliveryStreamFromKinesisBadInputs(t *testing.T) {
	synthtest.RunBadInputs(t, deliverySourceSetup, []synthtest.BadInput[deliverySource]{{
		Name: "server-side encryption with a Kinesis source",
		Build: func(ctx *pulumi.Context, _ *synthtest.Project, env deliverySource) error {
			_, err := streaming.NewDeliveryStream(ctx, "errors", &streaming.DeliveryStreamArgs{Destination: env.Raw, Source: env.stream,
				KMSKeyArn: pulumi.String("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")})
			return err
		},
		Scope:    `delivery stream "errors"`,
		Problems: [][]string{{"KMSKeyArn", `stream "errors"`, "refuses server-side encryption", "StreamArgs.KMSKey"}},
	}})

	// PutRecord is off on a stream with a Kinesis source.
	p := synthtest.NewProject(t)
	var grantErr error
	p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := deliverySourceSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		fn, err := p.SourceFunction(ctx, "producer")
		if err != nil {
			return nil, err
		}
		ds, err := streaming.NewDeliveryStream(ctx, "errors", &streaming.DeliveryStreamArgs{Destination: env.Raw, Source: env.stream})
		if err != nil {
			return nil, err
		}
		grantErr = ds.GrantPut(fn)
		return nil, nil
	})
	synthtest.CheckValidationError(t, grantErr, `delivery stream "errors"`, [][]string{{"GrantPut", `Kinesis stream "errors"`, "GrantWrite"}})
}

// The error stream → Firehose → S3 path passes kumo check: KDF1 holds for a
// delivery stream whose source stream is encrypted.
func TestDeliveryStreamFromKinesisPassesKumoCheck(t *testing.T) {
	errs, rep := synthtest.NewCheckErrors(t, deliverySourceSetup, func(ctx *pulumi.Context, env deliverySource) error {
		_, err := streaming.NewDeliveryStream(ctx, "errors", &streaming.DeliveryStreamArgs{Destination: env.Raw, Source: env.stream})
		return err
	})
	synthtest.WantNoNewFindings(t, errs)
	for _, f := range append(rep.Findings, rep.Suppressed...) {
		if f.Type == typFirehose && (f.Rule == "AwsSolutions-KDF1" || f.Rule == "Kumo-EncryptionAtRest") {
			t.Errorf("%s on the delivery stream: %s", f.Rule, f.Message)
		}
	}
}
