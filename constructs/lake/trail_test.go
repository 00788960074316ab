package lake_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/internal/synthtest"
	"github.com/kumo-iac/kumo/constructs/lake"
)

const (
	typTrailComponent = "kumo:constructs:Trail"
	typTrail          = "aws:cloudtrail/trail:Trail"
	// testTrailName is what the trail "audit" is named in project kumo,
	// stack test.
	testTrailName = "kumo-test-audit"
	testTrailArn  = "arn:aws:cloudtrail:" + synthtest.Region + ":" + synthtest.Account + ":trail/" + testTrailName
)

// lakeBuckets registers two data buckets that log their access, as a lake
// would, so that kumo check's findings are the trail's own.
func lakeBuckets(ctx *pulumi.Context) ([]*constructs.Bucket, error) {
	logs, err := constructs.NewBucket(ctx, "access-logs", &constructs.BucketArgs{ForAccessLogs: true})
	if err != nil {
		return nil, err
	}
	var out []*constructs.Bucket
	for _, n := range []string{"raw", "curated"} {
		b, err := constructs.NewBucket(ctx, n, &constructs.BucketArgs{AccessLogBucket: logs})
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func synthTrail(t *testing.T, mutate func(ctx *pulumi.Context, a *lake.TrailArgs) error) *synthtest.Stack {
	t.Helper()
	return synthtest.NewProject(t).Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		buckets, err := lakeBuckets(ctx)
		if err != nil {
			return nil, err
		}
		args := &lake.TrailArgs{DataEventBuckets: buckets}
		if mutate != nil {
			if err := mutate(ctx, args); err != nil {
				return nil, err
			}
		}
		trail, err := lake.NewTrail(ctx, "audit", args)
		if err != nil {
			return nil, err
		}
		out := pulumi.Map{"arn": trail.Arn, "bucketName": trail.Bucket.Name, "bucketArn": trail.Bucket.Arn, "keyArn": trail.Key.Arn,
			"raw": buckets[0].Arn, "curated": buckets[1].Arn}
		if trail.LogGroup != nil {
			out["logGroupArn"], out["roleArn"], out["roleName"] = trail.LogGroup.Arn, trail.LogsRole.Arn, trail.LogsRole.Name
		}
		return out, nil
	})
}

func TestTrailDefaults(t *testing.T) {
	s := synthTrail(t, nil)
	comp := s.Find(typTrailComponent, "audit")
	if got, want := s.ChildSet(comp.URN), []string{
		typTrail + " audit", typLogGroup + " audit", typRole + " audit-logs", typRolePolicy + " audit-logs",
		typBucketComponent + " audit-logs", typKeyComponent + " audit-key",
	}; !reflect.DeepEqual(got, synthtest.Sorted(want)) {
		t.Errorf("children: got %q; want %q", got, synthtest.Sorted(want))
	}
	trail := s.Find(typTrail, "audit")
	synthtest.WantInputs(t, trail,
		synthtest.Check{"name", testTrailName},
		synthtest.Check{"s3BucketName", s.Output("bucketName")},
		synthtest.Check{"kmsKeyId", s.Output("keyArn")},
		synthtest.Check{"enableLogFileValidation", true},
		synthtest.Check{"isMultiRegionTrail", false},
		synthtest.Check{"cloudWatchLogsGroupArn", s.Output("logGroupArn") + ":*"},
		synthtest.Check{"cloudWatchLogsRoleArn", s.Output("roleArn")},
		// Object-level reads and writes of exactly the lake's buckets.
		synthtest.Check{"eventSelectors", []any{map[string]any{
			"readWriteType": "All", "includeManagementEvents": false,
			"dataResources": []any{map[string]any{"type": "AWS::S3::Object", "values": []any{s.Output("raw") + "/", s.Output("curated") + "/"}}},
		}}},
	)
	if got := s.Output("arn"); got != testTrailArn {
		t.Errorf("Arn: got %q; want %q", got, testTrailArn)
	}
	// CreateTrail checks the bucket policy and the log role on the spot.
	for _, dep := range []struct{ typ, name string }{{typBucketPolicy, "audit-logs"}, {typRolePolicy, "audit-logs"}} {
		if !synthtest.DependsOn(trail, s.Find(dep.typ, dep.name)) {
			t.Errorf("trail is not ordered after %s %s", dep.typ, dep.name)
		}
	}

	// The log bucket lets CloudTrail write for this trail only, with the
	// ACL that gives the bucket owner the objects.
	bucketArn := s.Output("bucketArn")
	p := synthtest.PolicyInput(t, s.Find(typBucketPolicy, "audit-logs"), "policy")
	if got, want := p.Sids(), []string{"DenyInsecureTransport", "CloudTrailAclCheck", "CloudTrailWrite"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("log bucket policy statements: got %q; want %q", got, want)
	}
	cloudTrail := map[string]any{"Service": []any{"cloudtrail.amazonaws.com"}}
	acl := p.StatementBySid(t, "CloudTrailAclCheck")
	if !reflect.DeepEqual(acl.Principal, cloudTrail) || !reflect.DeepEqual(acl.Action, []string{"s3:GetBucketAcl"}) || !reflect.DeepEqual(acl.Resource, []string{bucketArn}) ||
		!reflect.DeepEqual(acl.Condition, map[string]map[string][]string{"StringEquals": {"aws:SourceArn": {testTrailArn}}}) {
		t.Errorf("ACL check statement: got %+v", acl)
	}
	write := p.StatementBySid(t, "CloudTrailWrite")
	if !reflect.DeepEqual(write.Principal, cloudTrail) || !reflect.DeepEqual(write.Action, []string{"s3:PutObject"}) ||
		!reflect.DeepEqual(write.Resource, []string{bucketArn + "/AWSLogs/" + synthtest.Account + "/*"}) ||
		!reflect.DeepEqual(write.Condition, map[string]map[string][]string{"StringEquals": {
			"s3:x-amz-acl": {"bucket-owner-full-control"}, "aws:SourceArn": {testTrailArn}}}) {
		t.Errorf("write statement: got %+v", write)
	}

	// The key lets CloudTrail encrypt; the log role may write the group's
	// streams only.
	keyPolicy := synthtest.PolicyInput(t, s.Find(typKMSKey, "audit-key"), "policy")
	if got, want := keyPolicy.Sids(), []string{"AccountAdministersKeyThroughIAM", "ServiceCloudtrailEncrypt", "ServiceCloudtrailDescribe"}; !reflect.DeepEqual(got, want) {
		t.Errorf("key policy statements: got %q; want %q", got, want)
	}
	trust := synthtest.PolicyInput(t, s.Find(typRole, "audit-logs"), "assumeRolePolicy")
	if len(trust.Statement) != 1 || !reflect.DeepEqual(trust.Statement[0].Principal, cloudTrail) {
		t.Errorf("log role trust: got %+v; want CloudTrail only", trust.Statement)
	}
	rp := s.Find(typRolePolicy, "audit-logs")
	if got, want := rp.Inputs["role"], s.Output("roleName"); got != want {
		t.Errorf("log role policy role: got %v; want %v", got, want)
	}
	logs := synthtest.PolicyInput(t, rp, "policy").StatementBySid(t, "WriteTrailLogGroup")
	if !reflect.DeepEqual(logs.Action, []string{"logs:CreateLogStream", "logs:PutLogEvents"}) ||
		!reflect.DeepEqual(logs.Resource, []string{s.Output("logGroupArn") + ":log-stream:*"}) {
		t.Errorf("log role statement: got %+v", logs)
	}
	synthtest.WantInputs(t, s.Find(typLogGroup, "audit"), synthtest.Check{"retentionInDays", 30}, synthtest.Check{"namePrefix", "/aws/cloudtrail/" + testTrailName + "-"})

	rep := synthtest.WantNoCheckErrors(t, s)
	synthtest.WantSuppressed(t, rep, "AwsSolutions-S1", typBucketV2, "audit-logs", "the trail's own log bucket")
	synthtest.WantSuppressed(t, rep, "AwsSolutions-IAM5", typRolePolicy, "audit-logs", "log streams of the trail's own log group")
}

// A trail given its bucket and key uses them; without CloudWatch Logs it
// has no log group or role.
func TestTrailWithBucketAndKey(t *testing.T) {
	s := synthTrail(t, func(ctx *pulumi.Context, a *lake.TrailArgs) error {
		k, err := constructs.NewKey(ctx, "audit-key", &constructs.KeyArgs{ServicePrincipals: []string{"cloudtrail.amazonaws.com"}})
		if err != nil {
			return err
		}
		logs, err := constructs.NewBucket(ctx, "org-audit", &constructs.BucketArgs{TrailLogsFor: []string{"audit"}})
		if err != nil {
			return err
		}
		off := false
		a.Bucket, a.KMSKey, a.CloudWatchLogs, a.MultiRegion, a.ManagementEvents = logs, k, &off, true, true
		return nil
	})
	trail := s.Find(typTrail, "audit")
	synthtest.WantInputs(t, trail,
		synthtest.Check{"s3BucketName", s.Output("bucketName")},
		synthtest.Check{"kmsKeyId", s.Output("keyArn")},
		synthtest.Check{"isMultiRegionTrail", true},
		synthtest.Check{"eventSelectors.0.includeManagementEvents", true},
		synthtest.Check{"cloudWatchLogsGroupArn", nil},
		synthtest.Check{"cloudWatchLogsRoleArn", nil},
	)
	if !synthtest.DependsOn(trail, s.Find(typBucketPolicy, "org-audit")) {
		t.Error("trail is not ordered after the given bucket's policy")
	}
	comp := s.Find(typTrailComponent, "audit")
	if got := s.ChildSet(comp.URN); !reflect.DeepEqual(got, []string{typTrail + " audit"}) {
		t.Errorf("children: got %q; want only the trail", got)
	}
	p := synthtest.PolicyInput(t, s.Find(typBucketPolicy, "org-audit"), "policy")
	p.StatementBySid(t, "CloudTrailWrite")
}

func TestTrailBadInputs(t *testing.T) {
	type env struct {
		buckets []*constructs.Bucket
		key     *constructs.Key
		plain   *constructs.Bucket
	}
	setup := func(ctx *pulumi.Context, _ *synthtest.Project) (env, error) {
		buckets, err := lakeBuckets(ctx)
		if err != nil {
			return env{}, err
		}
		key, err := constructs.NewKey(ctx, "lake", nil)
		if err != nil {
			return env{}, err
		}
		plain, err := constructs.NewBucket(ctx, "plain", nil)
		return env{buckets, key, plain}, err
	}
	newTrail := func(name string, mod func(e env, a *lake.TrailArgs)) func(*pulumi.Context, *synthtest.Project, env) error {
		return func(ctx *pulumi.Context, _ *synthtest.Project, e env) error {
			a := lake.TrailArgs{DataEventBuckets: e.buckets}
			mod(e, &a)
			_, err := lake.NewTrail(ctx, name, &a)
			return err
		}
	}
	none := func(env, *lake.TrailArgs) {}
	synthtest.RunBadInputs(t, setup, []synthtest.BadInput[env]{
		{
			Name:     "no data event buckets",
			Build:    newTrail("audit", func(_ env, a *lake.TrailArgs) { a.DataEventBuckets = nil }),
			Scope:    `trail "audit"`,
			Problems: [][]string{{"DataEventBuckets", "none"}},
		},
		{
			Name:     "name that makes adjacent dashes",
			Build:    newTrail("-audit", none),
			Scope:    `trail "-audit"`,
			Problems: [][]string{{"name", `"kumo-test--audit"`, "side by side"}, {"name", `"-audit-logs"`, "log bucket"}},
		},
		{
			Name:     "name too long for the trail",
			Build:    newTrail(strings.Repeat("a", 120), none),
			Scope:    `trail "` + strings.Repeat("a", 120) + `"`,
			Problems: [][]string{{"name", "3–128"}, {"name", "log bucket"}},
		},
		{
			Name: "bucket and key that do not let CloudTrail in",
			Build: newTrail("audit", func(e env, a *lake.TrailArgs) {
				a.Bucket, a.KMSKey = e.plain, e.key
			}),
			Scope: `trail "audit"`,
			Problems: [][]string{
				{"Bucket", `"plain"`, `TrailLogsFor: []string{"audit"}`},
				{"KMSKey", `"lake"`, "cloudtrail.amazonaws.com", "ServicePrincipals"},
			},
		},
		{
			Name: "every problem at once",
			Build: newTrail("audit", func(e env, a *lake.TrailArgs) {
				a.DataEventBuckets = []*constructs.Bucket{e.buckets[0], nil, e.buckets[0]}
				a.LogRetentionDays = 8
			}),
			Scope: `trail "audit"`,
			Problems: [][]string{
				{"DataEventBuckets[1]", "nil"},
				{"DataEventBuckets[2]", `"raw"`, "DataEventBuckets[0]"},
				{"LogRetentionDays", "8", "CloudWatch Logs retention"},
			},
		},
		{
			Name: "retention without CloudWatch Logs, log bucket recording itself",
			Build: newTrail("audit", func(e env, a *lake.TrailArgs) {
				off := false
				a.CloudWatchLogs, a.LogRetentionDays = &off, 30
				a.Bucket = e.buckets[0]
			}),
			Scope: `trail "audit"`,
			Problems: [][]string{
				{"DataEventBuckets[0]", `"raw"`, "log without end"},
				{"Bucket", `"raw"`, "TrailLogsFor"},
				{"LogRetentionDays", "30", "CloudWatchLogs is false"},
			},
		},
	})
}

// TestSecurityConstructsAreDeterministic: the same program gives
// byte-identical synth output in two checkouts.
func TestSecurityConstructsAreDeterministic(t *testing.T) {
	program := func(ctx *pulumi.Context) (pulumi.Map, error) {
		buckets, err := lakeBuckets(ctx)
		if err != nil {
			return nil, err
		}
		topic, err := constructs.NewTopic(ctx, "ops", &constructs.TopicArgs{EmailSubscriptions: []string{"b@example.com", "a@example.com"}})
		if err != nil {
			return nil, err
		}
		if _, err := constructs.NewAlarm(ctx, "depth", &constructs.AlarmArgs{Namespace: "AWS/SQS", MetricName: "ApproximateNumberOfMessagesVisible", Threshold: 1,
			Dimensions: map[string]pulumi.StringInput{"QueueName": topic.DeadLetterQueue.Name, "B": pulumi.String("b")}, Topic: topic}); err != nil {
			return nil, err
		}
		_, err = lake.NewTrail(ctx, "audit", &lake.TrailArgs{DataEventBuckets: buckets})
		return nil, err
	}
	var outs [][]byte
	for range 2 {
		out, err := synthtest.NewProject(t).Synth(program).JSON()
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	if string(outs[0]) != string(outs[1]) {
		t.Errorf("synth output differs between checkouts:\n%s", synthtest.FirstDiff(outs[0], outs[1]))
	}
}
