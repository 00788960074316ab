package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const (
	typTrailComponent = "kumo:constructs:Trail"
	typTrail          = "aws:cloudtrail/trail:Trail"
	// testTrailName is what the trail "audit" is named in project kumo,
	// stack test.
	testTrailName = "kumo-test-audit"
	testTrailArn  = "arn:aws:cloudtrail:" + testRegion + ":" + testAccount + ":trail/" + testTrailName
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

func synthTrail(t *testing.T, mutate func(ctx *pulumi.Context, a *constructs.TrailArgs) error) *stack {
	t.Helper()
	return newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		buckets, err := lakeBuckets(ctx)
		if err != nil {
			return nil, err
		}
		args := &constructs.TrailArgs{DataEventBuckets: buckets}
		if mutate != nil {
			if err := mutate(ctx, args); err != nil {
				return nil, err
			}
		}
		trail, err := constructs.NewTrail(ctx, "audit", args)
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
	comp := s.find(typTrailComponent, "audit")
	if got, want := s.childSet(comp.URN), []string{
		typTrail + " audit", typLogGroup + " audit", typRole + " audit-logs", typRolePolicy + " audit-logs",
		typBucketComponent + " audit-logs", typKeyComponent + " audit-key",
	}; !reflect.DeepEqual(got, sorted(want)) {
		t.Errorf("children: got %q; want %q", got, sorted(want))
	}
	trail := s.find(typTrail, "audit")
	wantInputs(t, trail,
		check{"name", testTrailName},
		check{"s3BucketName", s.output("bucketName")},
		check{"kmsKeyId", s.output("keyArn")},
		check{"enableLogFileValidation", true},
		check{"isMultiRegionTrail", false},
		check{"cloudWatchLogsGroupArn", s.output("logGroupArn") + ":*"},
		check{"cloudWatchLogsRoleArn", s.output("roleArn")},
		// Object-level reads and writes of exactly the lake's buckets.
		check{"eventSelectors", []any{map[string]any{
			"readWriteType": "All", "includeManagementEvents": false,
			"dataResources": []any{map[string]any{"type": "AWS::S3::Object", "values": []any{s.output("raw") + "/", s.output("curated") + "/"}}},
		}}},
	)
	if got := s.output("arn"); got != testTrailArn {
		t.Errorf("Arn: got %q; want %q", got, testTrailArn)
	}
	// CreateTrail checks the bucket policy and the log role on the spot.
	for _, dep := range []struct{ typ, name string }{{typBucketPolicy, "audit-logs"}, {typRolePolicy, "audit-logs"}} {
		if !dependsOn(trail, s.find(dep.typ, dep.name)) {
			t.Errorf("trail is not ordered after %s %s", dep.typ, dep.name)
		}
	}

	// The log bucket lets CloudTrail write for this trail only, with the
	// ACL that gives the bucket owner the objects.
	bucketArn := s.output("bucketArn")
	p := policyInput(t, s.find(typBucketPolicy, "audit-logs"), "policy")
	if got, want := p.sids(), []string{"DenyInsecureTransport", "CloudTrailAclCheck", "CloudTrailWrite"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("log bucket policy statements: got %q; want %q", got, want)
	}
	cloudTrail := map[string]any{"Service": []any{"cloudtrail.amazonaws.com"}}
	acl := p.statementBySid(t, "CloudTrailAclCheck")
	if !reflect.DeepEqual(acl.Principal, cloudTrail) || !reflect.DeepEqual(acl.Action, []string{"s3:GetBucketAcl"}) || !reflect.DeepEqual(acl.Resource, []string{bucketArn}) ||
		!reflect.DeepEqual(acl.Condition, map[string]map[string][]string{"StringEquals": {"aws:SourceArn": {testTrailArn}}}) {
		t.Errorf("ACL check statement: got %+v", acl)
	}
	write := p.statementBySid(t, "CloudTrailWrite")
	if !reflect.DeepEqual(write.Principal, cloudTrail) || !reflect.DeepEqual(write.Action, []string{"s3:PutObject"}) ||
		!reflect.DeepEqual(write.Resource, []string{bucketArn + "/AWSLogs/" + testAccount + "/*"}) ||
		!reflect.DeepEqual(write.Condition, map[string]map[string][]string{"StringEquals": {
			"s3:x-amz-acl": {"bucket-owner-full-control"}, "aws:SourceArn": {testTrailArn}}}) {
		t.Errorf("write statement: got %+v", write)
	}

	// The key lets CloudTrail encrypt; the log role may write the group's
	// streams only.
	keyPolicy := policyInput(t, s.find(typKMSKey, "audit-key"), "policy")
	if got, want := keyPolicy.sids(), []string{"AccountAdministersKeyThroughIAM", "ServiceCloudtrailEncrypt", "ServiceCloudtrailDescribe"}; !reflect.DeepEqual(got, want) {
		t.Errorf("key policy statements: got %q; want %q", got, want)
	}
	trust := policyInput(t, s.find(typRole, "audit-logs"), "assumeRolePolicy")
	if len(trust.Statement) != 1 || !reflect.DeepEqual(trust.Statement[0].Principal, cloudTrail) {
		t.Errorf("log role trust: got %+v; want CloudTrail only", trust.Statement)
	}
	rp := s.find(typRolePolicy, "audit-logs")
	if got, want := rp.Inputs["role"], s.output("roleName"); got != want {
		t.Errorf("log role policy role: got %v; want %v", got, want)
	}
	logs := policyInput(t, rp, "policy").statementBySid(t, "WriteTrailLogGroup")
	if !reflect.DeepEqual(logs.Action, []string{"logs:CreateLogStream", "logs:PutLogEvents"}) ||
		!reflect.DeepEqual(logs.Resource, []string{s.output("logGroupArn") + ":log-stream:*"}) {
		t.Errorf("log role statement: got %+v", logs)
	}
	wantInputs(t, s.find(typLogGroup, "audit"), check{"retentionInDays", 30}, check{"namePrefix", "/aws/cloudtrail/" + testTrailName + "-"})

	rep := wantNoCheckErrors(t, s)
	wantSuppressed(t, rep, "AwsSolutions-S1", typBucketV2, "audit-logs", "the trail's own log bucket")
	wantSuppressed(t, rep, "AwsSolutions-IAM5", typRolePolicy, "audit-logs", "log streams of the trail's own log group")
}

// A trail given its bucket and key uses them; without CloudWatch Logs it
// has no log group or role.
func TestTrailWithBucketAndKey(t *testing.T) {
	s := synthTrail(t, func(ctx *pulumi.Context, a *constructs.TrailArgs) error {
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
	trail := s.find(typTrail, "audit")
	wantInputs(t, trail,
		check{"s3BucketName", s.output("bucketName")},
		check{"kmsKeyId", s.output("keyArn")},
		check{"isMultiRegionTrail", true},
		check{"eventSelectors.0.includeManagementEvents", true},
		check{"cloudWatchLogsGroupArn", nil},
		check{"cloudWatchLogsRoleArn", nil},
	)
	if !dependsOn(trail, s.find(typBucketPolicy, "org-audit")) {
		t.Error("trail is not ordered after the given bucket's policy")
	}
	comp := s.find(typTrailComponent, "audit")
	if got := s.childSet(comp.URN); !reflect.DeepEqual(got, []string{typTrail + " audit"}) {
		t.Errorf("children: got %q; want only the trail", got)
	}
	p := policyInput(t, s.find(typBucketPolicy, "org-audit"), "policy")
	p.statementBySid(t, "CloudTrailWrite")
}

func TestTrailBadInputs(t *testing.T) {
	type env struct {
		buckets []*constructs.Bucket
		key     *constructs.Key
		plain   *constructs.Bucket
	}
	setup := func(ctx *pulumi.Context, _ *project) (env, error) {
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
	newTrail := func(name string, mod func(e env, a *constructs.TrailArgs)) func(*pulumi.Context, *project, env) error {
		return func(ctx *pulumi.Context, _ *project, e env) error {
			a := constructs.TrailArgs{DataEventBuckets: e.buckets}
			mod(e, &a)
			_, err := constructs.NewTrail(ctx, name, &a)
			return err
		}
	}
	none := func(env, *constructs.TrailArgs) {}
	runBadInputs(t, setup, []badInput[env]{
		{
			name:     "no data event buckets",
			build:    newTrail("audit", func(_ env, a *constructs.TrailArgs) { a.DataEventBuckets = nil }),
			scope:    `trail "audit"`,
			problems: [][]string{{"DataEventBuckets", "none"}},
		},
		{
			name:     "name that makes adjacent dashes",
			build:    newTrail("-audit", none),
			scope:    `trail "-audit"`,
			problems: [][]string{{"name", `"kumo-test--audit"`, "side by side"}, {"name", `"-audit-logs"`, "log bucket"}},
		},
		{
			name:     "name too long for the trail",
			build:    newTrail(strings.Repeat("a", 120), none),
			scope:    `trail "` + strings.Repeat("a", 120) + `"`,
			problems: [][]string{{"name", "3–128"}, {"name", "log bucket"}},
		},
		{
			name: "bucket and key that do not let CloudTrail in",
			build: newTrail("audit", func(e env, a *constructs.TrailArgs) {
				a.Bucket, a.KMSKey = e.plain, e.key
			}),
			scope: `trail "audit"`,
			problems: [][]string{
				{"Bucket", `"plain"`, `TrailLogsFor: []string{"audit"}`},
				{"KMSKey", `"lake"`, "cloudtrail.amazonaws.com", "ServicePrincipals"},
			},
		},
		{
			name: "every problem at once",
			build: newTrail("audit", func(e env, a *constructs.TrailArgs) {
				a.DataEventBuckets = []*constructs.Bucket{e.buckets[0], nil, e.buckets[0]}
				a.LogRetentionDays = 8
			}),
			scope: `trail "audit"`,
			problems: [][]string{
				{"DataEventBuckets[1]", "nil"},
				{"DataEventBuckets[2]", `"raw"`, "DataEventBuckets[0]"},
				{"LogRetentionDays", "8", "CloudWatch Logs retention"},
			},
		},
		{
			name: "retention without CloudWatch Logs, log bucket recording itself",
			build: newTrail("audit", func(e env, a *constructs.TrailArgs) {
				off := false
				a.CloudWatchLogs, a.LogRetentionDays = &off, 30
				a.Bucket = e.buckets[0]
			}),
			scope: `trail "audit"`,
			problems: [][]string{
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
		_, err = constructs.NewTrail(ctx, "audit", &constructs.TrailArgs{DataEventBuckets: buckets})
		return nil, err
	}
	var outs [][]byte
	for range 2 {
		out, err := newProject(t).synth(program).JSON()
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	if string(outs[0]) != string(outs[1]) {
		t.Errorf("synth output differs between checkouts:\n%s", firstDiff(outs[0], outs[1]))
	}
}
