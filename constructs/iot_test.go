package constructs_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const (
	typTopicRuleComponent = "kumo:constructs:TopicRule"
	typTopicRule          = "aws:iot/topicRule:TopicRule"
	sensorSQL             = "SELECT *, topic(2) AS device FROM 'sensors/+/telemetry' WHERE type = 'temperature'"
)

// ingestEnv is what a topic rule test registers first: the readings
// stream, an error stream and an error bucket.
type ingestEnv struct {
	readings, errors *constructs.Stream
	errorBucket      *constructs.Bucket
}

func ingestSetup(ctx *pulumi.Context, _ *project) (ingestEnv, error) {
	var env ingestEnv
	var err error
	if env.readings, err = constructs.NewStream(ctx, "readings", nil); err != nil {
		return env, err
	}
	if env.errors, err = constructs.NewStream(ctx, "errors", nil); err != nil {
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
func synthRule(t *testing.T, name string, args func(env ingestEnv) constructs.TopicRuleArgs) *stack {
	t.Helper()
	p := newProject(t)
	return p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := ingestSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		a := args(env)
		r, err := constructs.NewTopicRule(ctx, name, &a)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"readingsName": env.readings.Name, "readingsArn": env.readings.Arn, "errorsName": env.errors.Name,
			"errorsArn": env.errors.Arn, "bucketName": env.errorBucket.Name, "bucketArn": env.errorBucket.Arn,
			"roleArn": r.Role.Arn, "name": r.Name, "arn": r.Arn}, nil
	})
}

func toErrorStream(env ingestEnv) constructs.TopicRuleArgs {
	return constructs.TopicRuleArgs{SQL: sensorSQL, Kinesis: env.readings, ErrorAction: constructs.TopicRuleErrorAction{Stream: env.errors}}
}

func TestTopicRuleDefaults(t *testing.T) {
	s := synthRule(t, "sensor-ingest", toErrorStream)
	comp := s.find(typTopicRuleComponent, "sensor-ingest")
	want := []string{typRole + " sensor-ingest", typRolePolicy + " sensor-ingest-kinesis-errors-putrecord",
		typRolePolicy + " sensor-ingest-kinesis-readings-putrecord", typTopicRule + " sensor-ingest"}
	if got := s.childSet(comp.URN); !reflect.DeepEqual(got, want) {
		t.Errorf("children:\n got %q\nwant %q", got, want)
	}
	rule := s.find(typTopicRule, "sensor-ingest")
	roleArn := s.output("roleArn")
	wantInputs(t, rule,
		// The construct names the rule: the provider would autoname it
		// sensor-ingest_<random>, which AWS IoT refuses.
		check{"name", "kumo_test_sensor_ingest"},
		check{"enabled", true},
		check{"sql", sensorSQL},
		check{"sqlVersion", "2016-03-23"},
		check{"description", nil},
		check{"kineses", []any{map[string]any{"streamName": s.output("readingsName"), "partitionKey": "${newuuid()}", "roleArn": roleArn}}},
		check{"errorAction", map[string]any{"kinesis": map[string]any{"streamName": s.output("errorsName"), "partitionKey": "${newuuid()}", "roleArn": roleArn}}},
	)
	if got, want := s.output("arn"), "arn:aws:iot:"+testRegion+":"+testAccount+":rule/kumo_test_sensor_ingest"; got != want {
		t.Errorf("Arn: got %q; want %q", got, want)
	}

	// Only IoT may assume the role, for this account only.
	trust := policyInput(t, s.find(typRole, "sensor-ingest"), "assumeRolePolicy").Statement
	if len(trust) != 1 || !reflect.DeepEqual(trust[0].Principal, map[string]any{"Service": []any{"iot.amazonaws.com"}}) ||
		!reflect.DeepEqual(trust[0].Condition, map[string]map[string][]string{"StringEquals": {"aws:SourceAccount": {testAccount}}}) {
		t.Errorf("trust policy: got %+v; want iot.amazonaws.com for account %s only", trust, testAccount)
	}
	// PutRecord, exactly, on exactly the two streams.
	for _, w := range []struct{ policy, arn string }{
		{"sensor-ingest-kinesis-readings-putrecord", s.output("readingsArn")},
		{"sensor-ingest-kinesis-errors-putrecord", s.output("errorsArn")},
	} {
		p := s.find(typRolePolicy, w.policy)
		doc := policyInput(t, p, "policy")
		wantAllow(t, doc, "StreamWrite", []string{"kinesis:PutRecord"}, []string{w.arn})
		if len(doc.Statement) != 1 {
			t.Errorf("%s: got statements %q; want only StreamWrite", w.policy, doc.sids())
		}
		// The rule waits for the role's policies.
		if !dependsOn(rule, p) {
			t.Errorf("rule does not depend on %s", w.policy)
		}
	}
}

func TestTopicRuleErrorsToBucket(t *testing.T) {
	s := synthRule(t, "sensors", func(env ingestEnv) constructs.TopicRuleArgs {
		return constructs.TopicRuleArgs{SQL: sensorSQL, Kinesis: env.readings, ErrorAction: constructs.TopicRuleErrorAction{Bucket: env.errorBucket}}
	})
	rule := s.find(typTopicRule, "sensors")
	wantInputs(t, rule, check{"errorAction", map[string]any{"s3": map[string]any{
		"bucketName": s.output("bucketName"), "key": "iot-errors/kumo_test_sensors/${timestamp()}-${newuuid()}.json", "roleArn": s.output("roleArn")}}})
	p := s.find(typRolePolicy, "sensors-bucket-iot-errors-iot-errors-sensors")
	wantAllow(t, policyInput(t, p, "policy"), "BucketPutErrors", []string{"s3:PutObject"},
		[]string{s.output("bucketArn") + "/iot-errors/kumo_test_sensors/*"})
	if !dependsOn(rule, p) {
		t.Errorf("rule does not depend on the error bucket's policy")
	}
}

func TestTopicRuleOptions(t *testing.T) {
	off := false
	s := synthRule(t, "sensors", func(env ingestEnv) constructs.TopicRuleArgs {
		return constructs.TopicRuleArgs{SQL: "SELECT * FROM 'sensors/#'", SQLVersion: constructs.SQLVersion20151008,
			Description: "All sensor messages", Kinesis: env.readings, PartitionKey: "${topic(2)}", RuleName: "SensorIngest",
			Enabled: &off, ErrorAction: constructs.TopicRuleErrorAction{Bucket: env.errorBucket, Prefix: "failed/"}}
	})
	wantInputs(t, s.find(typTopicRule, "sensors"),
		check{"name", "SensorIngest"},
		check{"sqlVersion", "2015-10-08"},
		check{"description", "All sensor messages"},
		// The kill switch: the rule stays, disabled.
		check{"enabled", false},
		check{"kineses.0.partitionKey", "${topic(2)}"},
		check{"errorAction.s3.key", "failed/${timestamp()}-${newuuid()}.json"},
	)
}

func TestTopicRuleBadInputs(t *testing.T) {
	rule := func(name string, args func(env ingestEnv) constructs.TopicRuleArgs) func(*pulumi.Context, *project, ingestEnv) error {
		return func(ctx *pulumi.Context, _ *project, env ingestEnv) error {
			a := args(env)
			_, err := constructs.NewTopicRule(ctx, name, &a)
			return err
		}
	}
	with := func(mod func(a *constructs.TopicRuleArgs, env ingestEnv)) func(*pulumi.Context, *project, ingestEnv) error {
		return rule("sensors", func(env ingestEnv) constructs.TopicRuleArgs {
			a := toErrorStream(env)
			mod(&a, env)
			return a
		})
	}
	const scope = `topic rule "sensors"`
	runBadInputs(t, ingestSetup, []badInput[ingestEnv]{
		{
			name:     "no SQL",
			build:    with(func(a *constructs.TopicRuleArgs, _ ingestEnv) { a.SQL = "" }),
			scope:    scope,
			problems: [][]string{{"SQL", `""`, "is empty", "SELECT <fields> FROM '<topic filter>'"}},
		},
		{
			name:     "SQL without FROM",
			build:    with(func(a *constructs.TopicRuleArgs, _ ingestEnv) { a.SQL = "SELECT *" }),
			scope:    scope,
			problems: [][]string{{"SQL", `"SELECT *"`, "no FROM"}},
		},
		{
			name:     "topic filter without quotes",
			build:    with(func(a *constructs.TopicRuleArgs, _ ingestEnv) { a.SQL = "SELECT * FROM sensors/+/telemetry" }),
			scope:    scope,
			problems: [][]string{{"SQL", "single quotes"}},
		},
		{
			name:     "'#' in the middle of the filter",
			build:    with(func(a *constructs.TopicRuleArgs, _ ingestEnv) { a.SQL = "SELECT * FROM 'sensors/#/telemetry'" }),
			scope:    scope,
			problems: [][]string{{"SQL", `'#' in level "#"`, "the last one"}},
		},
		{
			name:     "'+' inside a level",
			build:    with(func(a *constructs.TopicRuleArgs, _ ingestEnv) { a.SQL = "SELECT * FROM 'sensors/room+/telemetry'" }),
			scope:    scope,
			problems: [][]string{{"SQL", `'+' in level "room+"`, "a level of its own"}},
		},
		{
			name:     "SQL version",
			build:    with(func(a *constructs.TopicRuleArgs, _ ingestEnv) { a.SQLVersion = "2016-03-24" }),
			scope:    scope,
			problems: [][]string{{"SQLVersion", `"2016-03-24"`, `"2016-03-23", "2015-10-08", "beta"`}},
		},
		{
			name:     "no stream",
			build:    with(func(a *constructs.TopicRuleArgs, _ ingestEnv) { a.Kinesis = nil }),
			scope:    scope,
			problems: [][]string{{"Kinesis", "nil"}},
		},
		{
			name:     "partition key template left open",
			build:    with(func(a *constructs.TopicRuleArgs, _ ingestEnv) { a.PartitionKey = "${topic(2)" }),
			scope:    scope,
			problems: [][]string{{"PartitionKey", `"${topic(2)"`, "does not close it"}},
		},
		{
			name:     "no error action",
			build:    with(func(a *constructs.TopicRuleArgs, _ ingestEnv) { a.ErrorAction = constructs.TopicRuleErrorAction{} }),
			scope:    scope,
			problems: [][]string{{"ErrorAction", "neither Stream nor Bucket", "no trace"}},
		},
		{
			name: "two error actions",
			build: with(func(a *constructs.TopicRuleArgs, env ingestEnv) {
				a.ErrorAction = constructs.TopicRuleErrorAction{Stream: env.errors, Bucket: env.errorBucket}
			}),
			scope:    scope,
			problems: [][]string{{"ErrorAction", `Stream "errors"`, `Bucket "iot-errors"`, "set one"}},
		},
		{
			name:     "errors to the failing stream",
			build:    with(func(a *constructs.TopicRuleArgs, env ingestEnv) { a.ErrorAction.Stream = env.readings }),
			scope:    scope,
			problems: [][]string{{"ErrorAction.Stream", `stream "readings"`, "fail again"}},
		},
		{
			name:     "prefix without a bucket",
			build:    with(func(a *constructs.TopicRuleArgs, _ ingestEnv) { a.ErrorAction.Prefix = "failed/" }),
			scope:    scope,
			problems: [][]string{{"ErrorAction.Prefix", `"failed/"`, "without ErrorAction.Bucket"}},
		},
		{
			name: "prefix with a template",
			build: with(func(a *constructs.TopicRuleArgs, env ingestEnv) {
				a.ErrorAction = constructs.TopicRuleErrorAction{Bucket: env.errorBucket, Prefix: "failed/${topic()}/"}
			}),
			scope:    scope,
			problems: [][]string{{"ErrorAction.Prefix", `"failed/${topic()}/"`, "templates"}},
		},
		{
			// CreateTopicRule: ^[a-zA-Z0-9_]+$.
			name:     "rule name with '-'",
			build:    with(func(a *constructs.TopicRuleArgs, _ ingestEnv) { a.RuleName = "sensor-ingest" }),
			scope:    scope,
			problems: [][]string{{"RuleName", `"sensor-ingest"`, "letters, digits or '_'"}},
		},
		{
			name:     "rule name over 128 characters",
			build:    with(func(a *constructs.TopicRuleArgs, _ ingestEnv) { a.RuleName = strings.Repeat("r", 129) }),
			scope:    scope,
			problems: [][]string{{"RuleName", "1–128"}},
		},
		{
			name:     "construct name too long for its role",
			build:    rule(strings.Repeat("s", 57), toErrorStream),
			scope:    `topic rule "` + strings.Repeat("s", 57) + `"`,
			problems: [][]string{{"name", "1–56", "IAM"}},
		},
		{
			name: "every problem at once",
			build: with(func(a *constructs.TopicRuleArgs, _ ingestEnv) {
				a.SQL, a.Kinesis, a.ErrorAction = "SELECT * FROM 'a/#/b'", nil, constructs.TopicRuleErrorAction{}
			}),
			scope:    scope,
			problems: [][]string{{"SQL"}, {"Kinesis"}, {"ErrorAction"}},
		},
	})
}

func TestTopicRuleArgsValidate(t *testing.T) {
	p := newProject(t)
	p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := ingestSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		if err := toErrorStream(env).Validate(ctx, "sensors"); err != nil {
			t.Errorf("valid args: got %v; want none", err)
		}
		bad := toErrorStream(env)
		bad.SQL = "SELECT * FROM 'a/#/b'"
		checkValidationError(t, bad.Validate(ctx, "sensors"), `topic rule "sensors"`, [][]string{{"SQL", "'#'"}})
		return nil, nil
	})
}

// The rule passes kumo check; with an error bucket, its one wildcard (the
// objects under the error prefix) is accepted with the bucket's reason.
func TestTopicRulePassesKumoCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		args func(env ingestEnv) constructs.TopicRuleArgs
	}{
		{"errors to a stream", toErrorStream},
		{"errors to a bucket", func(env ingestEnv) constructs.TopicRuleArgs {
			return constructs.TopicRuleArgs{SQL: sensorSQL, Kinesis: env.readings, ErrorAction: constructs.TopicRuleErrorAction{Bucket: env.errorBucket}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs, rep := newCheckErrors(t, ingestSetup, func(ctx *pulumi.Context, env ingestEnv) error {
				a := tc.args(env)
				_, err := constructs.NewTopicRule(ctx, "sensors", &a)
				return err
			})
			wantNoNewFindings(t, errs)
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
	p := newProject(t)
	_, err := p.run(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := ingestSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, n := range []string{"sensor-ingest", "sensor.ingest"} {
			a := toErrorStream(env)
			if _, err := constructs.NewTopicRule(ctx, n, &a); err != nil {
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
func streamIngest(p *project) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := ingestSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		if _, err := constructs.NewTopicRule(ctx, "sensors", &constructs.TopicRuleArgs{SQL: sensorSQL, Kinesis: env.readings,
			ErrorAction: constructs.TopicRuleErrorAction{Bucket: env.errorBucket}}); err != nil {
			return nil, err
		}
		fn, err := sourceFunction(ctx, p, "averager")
		if err != nil {
			return nil, err
		}
		if _, err := env.readings.ConsumeWith("averages", fn, &constructs.StreamSourceArgs{TumblingWindowSeconds: 60}); err != nil {
			return nil, err
		}
		if err := env.errors.GrantWrite(fn); err != nil {
			return nil, err
		}
		_, err = constructs.NewDeliveryStream(ctx, "errors", &constructs.DeliveryStreamArgs{Destination: env.errorBucket, Source: env.errors})
		return nil, err
	}
}

// The stream processing pieces synthesize byte-identically, run after run
// and checkout after checkout.
func TestStreamIngestIsDeterministic(t *testing.T) {
	var outs [][]byte
	a, b := newProject(t), newProject(t)
	for _, p := range []*project{a, a, b} {
		out, err := p.synth(streamIngest(p)).JSON()
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Errorf("second run differs from the first:\n%s", firstDiff(outs[0], outs[1]))
	}
	if !bytes.Equal(outs[0], outs[2]) {
		t.Errorf("run in another checkout differs:\n%s", firstDiff(outs[0], outs[2]))
	}
}
