package streaming_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/internal/synthtest"
	"github.com/kumo-iac/kumo/constructs/streaming"
)

const (
	typTopicRuleComponent = "kumo:constructs:TopicRule"
	typTopicRule          = "aws:iot/topicRule:TopicRule"
	sensorSQL             = "SELECT *, topic(2) AS device FROM 'sensors/+/telemetry' WHERE type = 'temperature'"
)

// ingestEnv is what a topic rule test registers first: the readings
// stream, an error stream and an error bucket.
type ingestEnv struct {
	readings, errors *streaming.Stream
	errorBucket      *constructs.Bucket
}

func ingestSetup(ctx *pulumi.Context, _ *synthtest.Project) (ingestEnv, error) {
	var env ingestEnv
	var err error
	if env.readings, err = streaming.NewStream(ctx, "readings", nil); err != nil {
		return env, err
	}
	if env.errors, err = streaming.NewStream(ctx, "errors", nil); err != nil {
		return env, err
	}
	logs, err := constructs.NewBucket(ctx, "logs", &constructs.BucketArgs{ForAccessLogs: true})
	if err != nil {
		return env, err
	}
	env.errorBucket, err = constructs.NewBucket(ctx, "iot-errors", &constructs.BucketArgs{AccessLogBucket: logs})
	return env, err
}

// synthRule registers the rule args builds from the setup's resources.
func synthRule(t *testing.T, name string, args func(env ingestEnv) streaming.TopicRuleArgs) *synthtest.Stack {
	t.Helper()
	p := synthtest.NewProject(t)
	return p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := ingestSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		a := args(env)
		r, err := streaming.NewTopicRule(ctx, name, &a)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"readingsName": env.readings.Name, "readingsArn": env.readings.Arn, "errorsName": env.errors.Name,
			"errorsArn": env.errors.Arn, "bucketName": env.errorBucket.Name, "bucketArn": env.errorBucket.Arn,
			"roleArn": r.Role.Arn, "name": r.Name, "arn": r.Arn}, nil
	})
}

func toErrorStream(env ingestEnv) streaming.TopicRuleArgs {
	return streaming.TopicRuleArgs{SQL: sensorSQL, Kinesis: env.readings, ErrorAction: streaming.TopicRuleErrorAction{Stream: env.errors}}
}

func TestTopicRuleDefaults(t *testing.T) {
	s := synthRule(t, "sensor-ingest", toErrorStream)
	comp := s.Find(typTopicRuleComponent, "sensor-ingest")
	want := []string{typRole + " sensor-ingest", typRolePolicy + " sensor-ingest-kinesis-errors-putrecord",
		typRolePolicy + " sensor-ingest-kinesis-readings-putrecord", typTopicRule + " sensor-ingest"}
	if got := s.ChildSet(comp.URN); !reflect.DeepEqual(got, want) {
		t.Errorf("children:\n got %q\nwant %q", got, want)
	}
	rule := s.Find(typTopicRule, "sensor-ingest")
	roleArn := s.Output("roleArn")
	synthtest.WantInputs(t, rule,
		// The construct names the rule: the provider would autoname it
		// sensor-ingest_<random>, which AWS IoT refuses.
		synthtest.Check{"name", "kumo_test_sensor_ingest"},
		synthtest.Check{"enabled", true},
		synthtest.Check{"sql", sensorSQL},
		synthtest.Check{"sqlVersion", "2016-03-23"},
		synthtest.Check{"description", nil},
		synthtest.Check{"kineses", []any{map[string]any{"streamName": s.Output("readingsName"), "partitionKey": "${newuuid()}", "roleArn": roleArn}}},
		synthtest.Check{"errorAction", map[string]any{"kinesis": map[string]any{"streamName": s.Output("errorsName"), "partitionKey": "${newuuid()}", "roleArn": roleArn}}},
	)
	if got, want := s.Output("arn"), "arn:aws:iot:"+synthtest.Region+":"+synthtest.Account+":rule/kumo_test_sensor_ingest"; got != want {
		t.Errorf("Arn: got %q; want %q", got, want)
	}

	// Only IoT may assume the role, for this account only.
	trust := synthtest.PolicyInput(t, s.Find(typRole, "sensor-ingest"), "assumeRolePolicy").Statement
	if len(trust) != 1 || !reflect.DeepEqual(trust[0].Principal, map[string]any{"Service": []any{"iot.amazonaws.com"}}) ||
		!reflect.DeepEqual(trust[0].Condition, map[string]map[string][]string{"StringEquals": {"aws:SourceAccount": {synthtest.Account}}}) {
		t.Errorf("trust policy: got %+v; want iot.amazonaws.com for account %s only", trust, synthtest.Account)
	}
	// PutRecord, exactly, on exactly the two streams.
	for _, w := range []struct{ policy, arn string }{
		{"sensor-ingest-kinesis-readings-putrecord", s.Output("readingsArn")},
		{"sensor-ingest-kinesis-errors-putrecord", s.Output("errorsArn")},
	} {
		p := s.Find(typRolePolicy, w.policy)
		doc := synthtest.PolicyInput(t, p, "policy")
		wantAllow(t, doc, "StreamWrite", []string{"kinesis:PutRecord"}, []string{w.arn})
		if len(doc.Statement) != 1 {
			t.Errorf("%s: got statements %q; want only StreamWrite", w.policy, doc.Sids())
		}
		// The rule waits for the role's policies.
		if !synthtest.DependsOn(rule, p) {
			t.Errorf("rule does not depend on %s", w.policy)
		}
	}
}

func TestTopicRuleErrorsToBucket(t *testing.T) {
	s := synthRule(t, "sensors", func(env ingestEnv) streaming.TopicRuleArgs {
		return streaming.TopicRuleArgs{SQL: sensorSQL, Kinesis: env.readings, ErrorAction: streaming.TopicRuleErrorAction{Bucket: env.errorBucket}}
	})
	rule := s.Find(typTopicRule, "sensors")
	synthtest.WantInputs(t, rule, synthtest.Check{"errorAction", map[string]any{"s3": map[string]any{
		"bucketName": s.Output("bucketName"), "key": "iot-errors/kumo_test_sensors/${timestamp()}-${newuuid()}.json", "roleArn": s.Output("roleArn")}}})
	p := s.Find(typRolePolicy, "sensors-bucket-iot-errors-iot-errors-sensors")
	wantAllow(t, synthtest.PolicyInput(t, p, "policy"), "BucketPutErrors", []string{"s3:PutObject"},
		[]string{s.Output("bucketArn") + "/iot-errors/kumo_test_sensors/*"})
	if !synthtest.DependsOn(rule, p) {
		t.Errorf("rule does not depend on the error bucket's policy")
	}
}

func TestTopicRuleOptions(t *testing.T) {
	off := false
	s := synthRule(t, "sensors", func(env ingestEnv) streaming.TopicRuleArgs {
		return streaming.TopicRuleArgs{SQL: "SELECT * FROM 'sensors/#'", SQLVersion: streaming.SQLVersion20151008,
			Description: "All sensor messages", Kinesis: env.readings, PartitionKey: "${topic(2)}", RuleName: "SensorIngest",
			Enabled: &off, ErrorAction: streaming.TopicRuleErrorAction{Bucket: env.errorBucket, Prefix: "failed/"}}
	})
	synthtest.WantInputs(t, s.Find(typTopicRule, "sensors"),
		synthtest.Check{"name", "SensorIngest"},
		synthtest.Check{"sqlVersion", "2015-10-08"},
		synthtest.Check{"description", "All sensor messages"},
		// The kill switch: the rule stays, disabled.
		synthtest.Check{"enabled", false},
		synthtest.Check{"kineses.0.partitionKey", "${topic(2)}"},
		synthtest.Check{"errorAction.s3.key", "failed/${timestamp()}-${newuuid()}.json"},
	)
}

func TestTopicRuleBadInputs(t *testing.T) {
	rule := func(name string, args func(env ingestEnv) streaming.TopicRuleArgs) func(*pulumi.Context, *synthtest.Project, ingestEnv) error {
		return func(ctx *pulumi.Context, _ *synthtest.Project, env ingestEnv) error {
			a := args(env)
			_, err := streaming.NewTopicRule(ctx, name, &a)
			return err
		}
	}
	with := func(mod func(a *streaming.TopicRuleArgs, env ingestEnv)) func(*pulumi.Context, *synthtest.Project, ingestEnv) error {
		return rule("sensors", func(env ingestEnv) streaming.TopicRuleArgs {
			a := toErrorStream(env)
			mod(&a, env)
			return a
		})
	}
	const scope = `topic rule "sensors"`
	synthtest.RunBadInputs(t, ingestSetup, []synthtest.BadInput[ingestEnv]{
		{
			Name:     "no SQL",
			Build:    with(func(a *streaming.TopicRuleArgs, _ ingestEnv) { a.SQL = "" }),
			Scope:    scope,
			Problems: [][]string{{"SQL", `""`, "is empty", "SELECT <fields> FROM '<topic filter>'"}},
		},
		{
			Name:     "SQL without FROM",
			Build:    with(func(a *streaming.TopicRuleArgs, _ ingestEnv) { a.SQL = "SELECT *" }),
			Scope:    scope,
			Problems: [][]string{{"SQL", `"SELECT *"`, "no FROM"}},
		},
		{
			Name:     "topic filter without quotes",
			Build:    with(func(a *streaming.TopicRuleArgs, _ ingestEnv) { a.SQL = "SELECT * FROM sensors/+/telemetry" }),
			Scope:    scope,
			Problems: [][]string{{"SQL", "single quotes"}},
		},
		{
			Name:     "'#' in the middle of the filter",
			Build:    with(func(a *streaming.TopicRuleArgs, _ ingestEnv) { a.SQL = "SELECT * FROM 'sensors/#/telemetry'" }),
			Scope:    scope,
			Problems: [][]string{{"SQL", `'#' in level "#"`, "the last one"}},
		},
		{
			Name:     "'+' inside a level",
			Build:    with(func(a *streaming.TopicRuleArgs, _ ingestEnv) { a.SQL = "SELECT * FROM 'sensors/room+/telemetry'" }),
			Scope:    scope,
			Problems: [][]string{{"SQL", `'+' in level "room+"`, "a level of its own"}},
		},
		{
			Name:     "SQL version",
			Build:    with(func(a *streaming.TopicRuleArgs, _ ingestEnv) { a.SQLVersion = "2016-03-24" }),
			Scope:    scope,
			Problems: [][]string{{"SQLVersion", `"2016-03-24"`, `"2016-03-23", "2015-10-08", "beta"`}},
		},
		{
			Name:     "no stream",
			Build:    with(func(a *streaming.TopicRuleArgs, _ ingestEnv) { a.Kinesis = nil }),
			Scope:    scope,
			Problems: [][]string{{"Kinesis", "nil"}},
		},
		{
			Name:     "partition key template left open",
			Build:    with(func(a *streaming.TopicRuleArgs, _ ingestEnv) { a.PartitionKey = "${topic(2)" }),
			Scope:    scope,
			Problems: [][]string{{"PartitionKey", `"${topic(2)"`, "does not close it"}},
		},
		{
			Name:     "no error action",
			Build:    with(func(a *streaming.TopicRuleArgs, _ ingestEnv) { a.ErrorAction = streaming.TopicRuleErrorAction{} }),
			Scope:    scope,
			Problems: [][]string{{"ErrorAction", "neither Stream nor Bucket", "no trace"}},
		},
		{
			Name: "two error actions",
			Build: with(func(a *streaming.TopicRuleArgs, env ingestEnv) {
				a.ErrorAction = streaming.TopicRuleErrorAction{Stream: env.errors, Bucket: env.errorBucket}
			}),
			Scope:    scope,
			Problems: [][]string{{"ErrorAction", `Stream "errors"`, `Bucket "iot-errors"`, "set one"}},
		},
		{
			Name:     "errors to the failing stream",
			Build:    with(func(a *streaming.TopicRuleArgs, env ingestEnv) { a.ErrorAction.Stream = env.readings }),
			Scope:    scope,
			Problems: [][]string{{"ErrorAction.Stream", `stream "readings"`, "fail again"}},
		},
		{
			Name:     "prefix without a bucket",
			Build:    with(func(a *streaming.TopicRuleArgs, _ ingestEnv) { a.ErrorAction.Prefix = "failed/" }),
			Scope:    scope,
			Problems: [][]string{{"ErrorAction.Prefix", `"failed/"`, "without ErrorAction.Bucket"}},
		},
		{
			Name: "prefix with a template",
			Build: with(func(a *streaming.TopicRuleArgs, env ingestEnv) {
				a.ErrorAction = streaming.TopicRuleErrorAction{Bucket: env.errorBucket, Prefix: "failed/${topic()}/"}
			}),
			Scope:    scope,
			Problems: [][]string{{"ErrorAction.Prefix", `"failed/${topic()}/"`, "templates"}},
		},
		{
			// CreateTopicRule: ^[a-zA-Z0-9_]+$.
			Name:     "rule name with '-'",
			Build:    with(func(a *streaming.TopicRuleArgs, _ ingestEnv) { a.RuleName = "sensor-ingest" }),
			Scope:    scope,
			Problems: [][]string{{"RuleName", `"sensor-ingest"`, "letters, digits or '_'"}},
		},
		{
			Name:     "rule name over 128 characters",
			Build:    with(func(a *streaming.TopicRuleArgs, _ ingestEnv) { a.RuleName = strings.Repeat("r", 129) }),
			Scope:    scope,
			Problems: [][]string{{"RuleName", "1–128"}},
		},
		{
			Name:     "construct name too long for its role",
			Build:    rule(strings.Repeat("s", 57), toErrorStream),
			Scope:    `topic rule "` + strings.Repeat("s", 57) + `"`,
			Problems: [][]string{{"name", "1–56", "IAM"}},
		},
		{
			Name: "every problem at once",
			Build: with(func(a *streaming.TopicRuleArgs, _ ingestEnv) {
				a.SQL, a.Kinesis, a.ErrorAction = "SELECT * FROM 'a/#/b'", nil, streaming.TopicRuleErrorAction{}
			}),
			Scope:    scope,
			Problems: [][]string{{"SQL"}, {"Kinesis"}, {"ErrorAction"}},
		},
	})
}

func TestTopicRuleArgsValidate(t *testing.T) {
	p := synthtest.NewProject(t)
	p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := ingestSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		if err := toErrorStream(env).Validate(ctx, "sensors"); err != nil {
			t.Errorf("valid args: got %v; want none", err)
		}
		bad := toErrorStream(env)
		bad.SQL = "SELECT * FROM 'a/#/b'"
		synthtest.CheckValidationError(t, bad.Validate(ctx, "sensors"), `topic rule "sensors"`, [][]string{{"SQL", "'#'"}})
		return nil, nil
	})
}

// The rule passes kumo check; with an error bucket, its one wildcard (the
// objects under the error prefix) is accepted with the bucket's reason.
func TestTopicRulePassesKumoCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		args func(env ingestEnv) streaming.TopicRuleArgs
	}{
		{"errors to a stream", toErrorStream},
		{"errors to a bucket", func(env ingestEnv) streaming.TopicRuleArgs {
			return streaming.TopicRuleArgs{SQL: sensorSQL, Kinesis: env.readings, ErrorAction: streaming.TopicRuleErrorAction{Bucket: env.errorBucket}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs, rep := synthtest.NewCheckErrors(t, ingestSetup, func(ctx *pulumi.Context, env ingestEnv) error {
				a := tc.args(env)
				_, err := streaming.NewTopicRule(ctx, "sensors", &a)
				return err
			})
			synthtest.WantNoNewFindings(t, errs)
			var justified []string
			for _, f := range rep.Suppressed {
				if f.Rule == "AwsSolutions-IAM5" && strings.HasPrefix(f.Name, "sensors-") {
					justified = append(justified, f.Detail)
				}
			}
			if tc.name == "errors to a stream" && len(justified) != 0 {
				t.Errorf("wildcards of the rule's role: got %q; want none", justified)
			}
			if tc.name == "errors to a bucket" && (len(justified) != 1 || !strings.HasSuffix(justified[0], "/iot-errors/kumo_test_sensors/*")) {
				t.Errorf("wildcards of the rule's role: got %q; want the error prefix's objects", justified)
			}
		})
	}
}

// Two rules whose names differ only in characters IoT refuses would get one
// default name; kumo synth reports the clash before AWS does.
func TestTopicRuleDefaultNamesClash(t *testing.T) {
	p := synthtest.NewProject(t)
	_, err := p.Run(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := ingestSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, n := range []string{"sensor-ingest", "sensor.ingest"} {
			a := toErrorStream(env)
			if _, err := streaming.NewTopicRule(ctx, n, &a); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	if err == nil || !strings.Contains(err.Error(), "kumo_test_sensor_ingest") || !strings.Contains(err.Error(), "must be unique") {
		t.Errorf("synth: got %v; want the rule name kumo_test_sensor_ingest reported as not unique", err)
	}
}

// streamIngest registers the stream processing pieces as the pattern wires
// them: IoT rule → stream → consumer with a tumbling window, malformed
// records → error stream → Firehose → S3.
func streamIngest(p *synthtest.Project) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := ingestSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		if _, err := streaming.NewTopicRule(ctx, "sensors", &streaming.TopicRuleArgs{SQL: sensorSQL, Kinesis: env.readings,
			ErrorAction: streaming.TopicRuleErrorAction{Bucket: env.errorBucket}}); err != nil {
			return nil, err
		}
		fn, err := p.SourceFunction(ctx, "averager")
		if err != nil {
			return nil, err
		}
		if _, err := env.readings.ConsumeWith("averages", fn, &constructs.StreamSourceArgs{TumblingWindowSeconds: 60}); err != nil {
			return nil, err
		}
		if err := env.errors.GrantWrite(fn); err != nil {
			return nil, err
		}
		_, err = streaming.NewDeliveryStream(ctx, "errors", &streaming.DeliveryStreamArgs{Destination: env.errorBucket, Source: env.errors})
		return nil, err
	}
}

// The stream processing pieces synthesize byte-identically, run after run
// and checkout after checkout.
func TestStreamIngestIsDeterministic(t *testing.T) {
	var outs [][]byte
	a, b := synthtest.NewProject(t), synthtest.NewProject(t)
	for _, p := range []*synthtest.Project{a, a, b} {
		out, err := p.Synth(streamIngest(p)).JSON()
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Errorf("second run differs from the first:\n%s", synthtest.FirstDiff(outs[0], outs[1]))
	}
	if !bytes.Equal(outs[0], outs[2]) {
		t.Errorf("run in another checkout differs:\n%s", synthtest.FirstDiff(outs[0], outs[2]))
	}
}
