package constructs_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

// triggerEnv is what a bucket trigger test registers before the triggers:
// two functions and the bucket.
type triggerEnv struct {
	indexer, archiver *constructs.Function
	bucket            *constructs.Bucket
}

func triggerSetup(ctx *pulumi.Context, p *project) (triggerEnv, error) {
	var env triggerEnv
	var err error
	if env.indexer, err = sourceFunction(ctx, p, "indexer"); err != nil {
		return env, err
	}
	if env.archiver, err = sourceFunction(ctx, p, "archiver"); err != nil {
		return env, err
	}
	env.bucket, err = constructs.NewBucket(ctx, "raw", nil)
	return env, err
}

// synthTriggers registers the setup and the triggers triggers(env) names.
func synthTriggers(t *testing.T, triggers func(triggerEnv) []constructs.BucketTrigger) *stack {
	t.Helper()
	p := newProject(t)
	return p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := triggerSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		_, err = constructs.NewBucketTriggers(ctx, "raw", &constructs.BucketTriggersArgs{Bucket: env.bucket, Triggers: triggers(env)})
		return pulumi.Map{"bucketName": env.bucket.Name, "bucketArn": env.bucket.Arn}, err
	})
}

func TestBucketTriggersDefaults(t *testing.T) {
	s := synthTriggers(t, func(env triggerEnv) []constructs.BucketTrigger {
		return []constructs.BucketTrigger{{Function: env.indexer}}
	})
	comp := s.find(typBucketTriggers, "raw")
	if got, want := s.childSet(comp.URN), []string{typPermission + " raw-indexer", typBucketNotification + " raw"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	n := s.find(typBucketNotification, "raw")
	// S3 invokes the alias, never the bare function.
	wantInputs(t, n,
		check{"bucket", s.output("bucketName")},
		check{"lambdaFunctions", []any{map[string]any{
			"lambdaFunctionArn": s.aliasArn("indexer"),
			"events":            []any{"s3:ObjectCreated:*"},
		}}},
	)
	perm := s.find(typPermission, "raw-indexer")
	wantInputs(t, perm,
		check{"action", "lambda:InvokeFunction"},
		check{"function", s.state(typLambda, "indexer", "name")},
		check{"qualifier", "live"},
		check{"principal", "s3.amazonaws.com"},
		check{"sourceArn", s.output("bucketArn")},
		// The bucket's ARN names no account; the permission pins it.
		check{"sourceAccount", testAccount},
	)
	// S3 validates the destination when the configuration is put.
	if !dependsOn(n, perm) {
		t.Errorf("notification does not depend on the permission; S3 would refuse the configuration")
	}
	if !dependsOn(perm, s.find(typAlias, "indexer")) {
		t.Errorf("permission does not depend on the alias it qualifies")
	}
}

func TestBucketTriggersFiltersAndKillSwitch(t *testing.T) {
	off := false
	s := synthTriggers(t, func(env triggerEnv) []constructs.BucketTrigger {
		return []constructs.BucketTrigger{
			{Function: env.indexer, Prefix: "incoming/", Suffix: ".json"},
			{Function: env.archiver, Events: []string{"s3:ObjectRemoved:*"}},
			{Function: env.indexer, Prefix: "incoming/", Suffix: ".csv", Events: []string{"s3:ObjectCreated:Put", "s3:ObjectCreated:CompleteMultipartUpload"}},
			{Function: env.archiver, Prefix: "tmp/", Enabled: &off},
		}
	})
	wantInputs(t, s.find(typBucketNotification, "raw"), check{"lambdaFunctions", []any{
		map[string]any{"lambdaFunctionArn": s.aliasArn("indexer"), "events": []any{"s3:ObjectCreated:*"}, "filterPrefix": "incoming/", "filterSuffix": ".json"},
		map[string]any{"lambdaFunctionArn": s.aliasArn("archiver"), "events": []any{"s3:ObjectRemoved:*"}},
		map[string]any{"lambdaFunctionArn": s.aliasArn("indexer"), "events": []any{"s3:ObjectCreated:Put", "s3:ObjectCreated:CompleteMultipartUpload"},
			"filterPrefix": "incoming/", "filterSuffix": ".csv"},
	}})
	// One permission per function, kept while a trigger is off.
	comp := s.find(typBucketTriggers, "raw")
	if got, want := s.childSet(comp.URN), []string{typPermission + " raw-archiver", typPermission + " raw-indexer", typBucketNotification + " raw"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
}

// With every trigger off the configuration is empty: S3 invokes nothing,
// and the permissions and everything else stay.
func TestBucketTriggersAllOff(t *testing.T) {
	off := false
	s := synthTriggers(t, func(env triggerEnv) []constructs.BucketTrigger {
		return []constructs.BucketTrigger{{Function: env.indexer, Enabled: &off}}
	})
	n := s.find(typBucketNotification, "raw")
	if got := in(n, "lambdaFunctions"); got != nil {
		t.Errorf("lambdaFunctions: got %#v; want none", got)
	}
	if !s.has(typPermission, "raw-indexer") {
		t.Errorf("permission removed by the kill switch; want it kept")
	}
}

func TestBucketTriggersBadInputs(t *testing.T) {
	newTriggers := func(a func(triggerEnv) constructs.BucketTriggersArgs) func(*pulumi.Context, *project, triggerEnv) error {
		return func(ctx *pulumi.Context, _ *project, env triggerEnv) error {
			args := a(env)
			_, err := constructs.NewBucketTriggers(ctx, "raw", &args)
			return err
		}
	}
	one := func(tr constructs.BucketTrigger) func(triggerEnv) constructs.BucketTriggersArgs {
		return func(env triggerEnv) constructs.BucketTriggersArgs {
			if tr.Function == nil {
				tr.Function = env.indexer
			}
			return constructs.BucketTriggersArgs{Bucket: env.bucket, Triggers: []constructs.BucketTrigger{tr}}
		}
	}
	const scope = `bucket triggers "raw"`
	ambiguous := "Configuration is ambiguously defined"
	runBadInputs(t, triggerSetup, []badInput[triggerEnv]{
		{
			name: "no bucket",
			build: newTriggers(func(env triggerEnv) constructs.BucketTriggersArgs {
				return constructs.BucketTriggersArgs{Triggers: []constructs.BucketTrigger{{Function: env.indexer}}}
			}),
			scope:    scope,
			problems: [][]string{{"Bucket", "not set"}},
		},
		{
			name: "no triggers",
			build: newTriggers(func(env triggerEnv) constructs.BucketTriggersArgs {
				return constructs.BucketTriggersArgs{Bucket: env.bucket}
			}),
			scope:    scope,
			problems: [][]string{{"Triggers", "none", "at least one"}},
		},
		{
			name: "no function",
			build: newTriggers(func(env triggerEnv) constructs.BucketTriggersArgs {
				return constructs.BucketTriggersArgs{Bucket: env.bucket, Triggers: []constructs.BucketTrigger{{Prefix: "in/"}}}
			}),
			scope:    scope,
			problems: [][]string{{"Triggers[0].Function", "not set"}},
		},
		{
			// S3's Events: "Valid Values: s3:ReducedRedundancyLostObject | s3:ObjectCreated:* | …"
			name:     "event types S3 does not have",
			build:    newTriggers(one(constructs.BucketTrigger{Events: []string{"s3:ObjectCreated", "ObjectRemoved:*"}})),
			scope:    scope,
			problems: [][]string{{"Triggers[0].Events[0]", `"s3:ObjectCreated"`, "s3:ObjectCreated:*, s3:ObjectCreated:Put"}, {"Triggers[0].Events[1]", `"ObjectRemoved:*"`, "not an S3 event type"}},
		},
		{
			// FilterRule: "The maximum length is 1,024 characters."
			name:     "prefix and suffix over 1024 characters",
			build:    newTriggers(one(constructs.BucketTrigger{Prefix: strings.Repeat("p", 1025), Suffix: strings.Repeat("s", 1025)})),
			scope:    scope,
			problems: [][]string{{"Triggers[0].Prefix", "1025 characters", "at most 1024"}, {"Triggers[0].Suffix", "1025 characters", "at most 1024"}},
		},
		{
			name: "overlapping filters for the same events",
			build: newTriggers(func(env triggerEnv) constructs.BucketTriggersArgs {
				return constructs.BucketTriggersArgs{Bucket: env.bucket, Triggers: []constructs.BucketTrigger{
					{Function: env.indexer, Prefix: "incoming/"},
					{Function: env.archiver, Suffix: ".json", Events: []string{"s3:ObjectCreated:Put"}},
					{Function: env.archiver, Prefix: "incoming/", Suffix: ".json", Events: []string{"s3:ObjectRemoved:*"}},
				}}
			}),
			scope:    scope,
			problems: [][]string{{"Triggers[1]", `suffix ".json"`, "Triggers[0]", "s3:ObjectCreated:Put", ambiguous}},
		},
		{
			// Switching a trigger back on must not break the configuration.
			name: "overlap with a disabled trigger",
			build: newTriggers(func(env triggerEnv) constructs.BucketTriggersArgs {
				off := false
				return constructs.BucketTriggersArgs{Bucket: env.bucket, Triggers: []constructs.BucketTrigger{
					{Function: env.indexer, Prefix: "a/"}, {Function: env.archiver, Prefix: "a/b/", Enabled: &off},
				}}
			}),
			scope:    scope,
			problems: [][]string{{"Triggers[1]", `prefix "a/b/"`, "Triggers[0]", ambiguous}},
		},
		{
			name: "every problem at once",
			build: newTriggers(func(env triggerEnv) constructs.BucketTriggersArgs {
				return constructs.BucketTriggersArgs{Triggers: []constructs.BucketTrigger{{Events: []string{"s3:Created"}}}}
			}),
			scope:    scope,
			problems: [][]string{{"Bucket"}, {"Triggers[0].Function"}, {"Triggers[0].Events[0]", `"s3:Created"`}},
		},
	})
}

// S3 keeps one notification configuration per bucket: a second
// BucketTriggers on a bucket would replace the first on every deploy.
func TestBucketTriggersOnePerBucket(t *testing.T) {
	runBadInputs(t, func(ctx *pulumi.Context, p *project) (triggerEnv, error) {
		env, err := triggerSetup(ctx, p)
		if err != nil {
			return env, err
		}
		_, err = constructs.NewBucketTriggers(ctx, "first", &constructs.BucketTriggersArgs{Bucket: env.bucket,
			Triggers: []constructs.BucketTrigger{{Function: env.indexer, Prefix: "a/"}}})
		return env, err
	}, []badInput[triggerEnv]{{
		name: "second triggers for the bucket",
		build: func(ctx *pulumi.Context, _ *project, env triggerEnv) error {
			_, err := constructs.NewBucketTriggers(ctx, "second", &constructs.BucketTriggersArgs{Bucket: env.bucket,
				Triggers: []constructs.BucketTrigger{{Function: env.archiver, Prefix: "b/"}}})
			return err
		},
		scope:    `bucket triggers "second"`,
		problems: [][]string{{"Bucket", `"raw"`, `already has triggers "first"`, "one notification configuration per bucket"}},
	}})
}

func TestBucketTriggersPassKumoCheck(t *testing.T) {
	errs, _ := newCheckErrors(t, triggerSetup, func(ctx *pulumi.Context, env triggerEnv) error {
		_, err := constructs.NewBucketTriggers(ctx, "raw", &constructs.BucketTriggersArgs{Bucket: env.bucket, Triggers: []constructs.BucketTrigger{
			{Function: env.indexer, Prefix: "incoming/"}, {Function: env.archiver, Events: []string{"s3:ObjectRemoved:*"}},
		}})
		return err
	})
	wantNoNewFindings(t, errs)
}

// topicTriggerEnv adds to triggerEnv a topic S3 may publish to and one it
// may not.
type topicTriggerEnv struct {
	triggerEnv
	uploads, alarms *constructs.Topic
}

func topicTriggerSetup(ctx *pulumi.Context, p *project) (topicTriggerEnv, error) {
	var env topicTriggerEnv
	var err error
	if env.triggerEnv, err = triggerSetup(ctx, p); err != nil {
		return env, err
	}
	if env.uploads, err = constructs.NewTopic(ctx, "uploads", &constructs.TopicArgs{Publishers: []string{constructs.PrincipalS3}}); err != nil {
		return env, err
	}
	env.alarms, err = constructs.NewTopic(ctx, "alarms", nil)
	return env, err
}

func TestBucketTriggersTopics(t *testing.T) {
	off := false
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := topicTriggerSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		_, err = constructs.NewBucketTriggers(ctx, "raw", &constructs.BucketTriggersArgs{Bucket: env.bucket,
			Triggers: []constructs.BucketTrigger{{Function: env.indexer, Prefix: "incoming/", Suffix: ".json"}},
			Topics: []constructs.BucketTopicTrigger{
				{Topic: env.uploads, Prefix: "images/"},
				{Topic: env.uploads, Prefix: "incoming/", Suffix: ".csv", Events: []string{"s3:ObjectRemoved:*"}},
				{Topic: env.uploads, Prefix: "tmp/", Enabled: &off},
			}})
		return pulumi.Map{"topicArn": env.uploads.Arn}, err
	})
	n := s.find(typBucketNotification, "raw")
	topicArn := s.output("topicArn")
	wantInputs(t, n,
		check{"lambdaFunctions", []any{map[string]any{"lambdaFunctionArn": s.aliasArn("indexer"), "events": []any{"s3:ObjectCreated:*"},
			"filterPrefix": "incoming/", "filterSuffix": ".json"}}},
		// The switched-off trigger is left out.
		check{"topics", []any{
			map[string]any{"topicArn": topicArn, "events": []any{"s3:ObjectCreated:*"}, "filterPrefix": "images/"},
			map[string]any{"topicArn": topicArn, "events": []any{"s3:ObjectRemoved:*"}, "filterPrefix": "incoming/", "filterSuffix": ".csv"},
		}},
	)
	// S3 validates the topic when the configuration is put: the topic's
	// policy, letting S3 publish, comes first.
	tp := s.find(typTopicPolicy, "uploads")
	if !dependsOn(n, tp) {
		t.Errorf("notification does not depend on the topic's policy; S3 would refuse the configuration (Unable to validate)")
	}
	pub := policyInput(t, tp, "policy").statementBySid(t, "ServiceS3Publishes")
	if !reflect.DeepEqual(pub.Action, []string{"sns:Publish"}) {
		t.Errorf("topic policy for S3: got %+v; want sns:Publish", pub)
	}
	// The topic's own key lets S3 encrypt what it publishes.
	policyInput(t, s.find(typKMSKey, "uploads-key"), "policy").statementBySid(t, "ServiceS3")
	comp := s.find(typBucketTriggers, "raw")
	if got, want := s.childSet(comp.URN), []string{typPermission + " raw-indexer", typBucketNotification + " raw"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q (topics need no permission)", got, want)
	}
}

func TestBucketTriggersTopicsBadInputs(t *testing.T) {
	triggers := func(a func(topicTriggerEnv) constructs.BucketTriggersArgs) func(*pulumi.Context, *project, topicTriggerEnv) error {
		return func(ctx *pulumi.Context, _ *project, env topicTriggerEnv) error {
			args := a(env)
			_, err := constructs.NewBucketTriggers(ctx, "raw", &args)
			return err
		}
	}
	const scope = `bucket triggers "raw"`
	runBadInputs(t, topicTriggerSetup, []badInput[topicTriggerEnv]{
		{
			name: "topic S3 may not publish to, and no topic",
			build: triggers(func(env topicTriggerEnv) constructs.BucketTriggersArgs {
				return constructs.BucketTriggersArgs{Bucket: env.bucket, Topics: []constructs.BucketTopicTrigger{{Topic: env.alarms, Prefix: "a/"}, {Prefix: "b/"}}}
			}),
			scope:    scope,
			problems: [][]string{{"Topics[0].Topic", `"alarms"`, "s3.amazonaws.com", "Publishers"}, {"Topics[1].Topic", "not set"}},
		},
		{
			// The rule spans destinations of every kind.
			name: "topic trigger overlapping a function trigger",
			build: triggers(func(env topicTriggerEnv) constructs.BucketTriggersArgs {
				return constructs.BucketTriggersArgs{Bucket: env.bucket,
					Triggers: []constructs.BucketTrigger{{Function: env.indexer, Prefix: "incoming/"}},
					Topics:   []constructs.BucketTopicTrigger{{Topic: env.uploads, Prefix: "incoming/images/", Events: []string{"s3:ObjectCreated:Put"}}}}
			}),
			scope:    scope,
			problems: [][]string{{"Topics[0]", `prefix "incoming/images/"`, "Triggers[0]", "s3:ObjectCreated:Put", "Configuration is ambiguously defined"}},
		},
		{
			name: "events and filters of a topic trigger",
			build: triggers(func(env topicTriggerEnv) constructs.BucketTriggersArgs {
				return constructs.BucketTriggersArgs{Bucket: env.bucket, Topics: []constructs.BucketTopicTrigger{
					{Topic: env.uploads, Events: []string{"s3:ObjectCreated"}, Suffix: strings.Repeat("s", 1025)}}}
			}),
			scope:    scope,
			problems: [][]string{{"Topics[0].Events[0]", `"s3:ObjectCreated"`}, {"Topics[0].Suffix", "1025 characters"}},
		},
		{
			name: "neither triggers nor topics",
			build: triggers(func(env topicTriggerEnv) constructs.BucketTriggersArgs {
				return constructs.BucketTriggersArgs{Bucket: env.bucket}
			}),
			scope:    scope,
			problems: [][]string{{"Triggers", "none", "Topics", "at least one"}},
		},
	})
}

// fanOut registers the file-conversion fan-out of a bucket: S3 → topic →
// two functions and a queue that a third consumes.
func fanOut(p *project) func(ctx *pulumi.Context, bucket *constructs.Bucket) error {
	return func(ctx *pulumi.Context, bucket *constructs.Bucket) error {
		topic, err := constructs.NewTopic(ctx, "uploads", &constructs.TopicArgs{Publishers: []string{constructs.PrincipalS3}})
		if err != nil {
			return err
		}
		if _, err := constructs.NewBucketTriggers(ctx, "raw", &constructs.BucketTriggersArgs{Bucket: bucket,
			Topics: []constructs.BucketTopicTrigger{{Topic: topic, Prefix: "incoming/"}}}); err != nil {
			return err
		}
		for _, name := range []string{"resize", "convert"} {
			fn, err := constructs.NewFunction(ctx, name, p.checkedFnArgs())
			if err != nil {
				return err
			}
			if _, err := topic.SubscribeFunction(name, fn, &constructs.SubscriptionArgs{FilterPolicy: `{"kind":["image","video"]}`}); err != nil {
				return err
			}
		}
		q, err := constructs.NewQueue(ctx, "archive", &constructs.QueueArgs{SourceTopics: []*constructs.Topic{topic}})
		if err != nil {
			return err
		}
		if _, err := topic.SubscribeQueue("archiving", q, nil); err != nil {
			return err
		}
		archiver := p.checkedFnArgs()
		archiver.TimeoutSeconds = 5
		fn, err := constructs.NewFunction(ctx, "archiver", archiver)
		if err != nil {
			return err
		}
		_, err = q.ConsumeWith("archiver", fn, nil)
		return err
	}
}

func rawBucket(ctx *pulumi.Context, _ *project) (*constructs.Bucket, error) {
	return constructs.NewBucket(ctx, "raw", nil)
}

// The fan-out adds no kumo check finding to its bucket's.
func TestBucketTopicFanOutPassesKumoCheck(t *testing.T) {
	errs, _ := newCheckErrors(t, rawBucket, fanOut(newProject(t)))
	wantNoNewFindings(t, errs)
}

// The fan-out synthesizes byte-identically, run after run and checkout
// after checkout.
func TestBucketTopicFanOutIsDeterministic(t *testing.T) {
	var outs [][]byte
	a, b := newProject(t), newProject(t)
	for _, p := range []*project{a, a, b} {
		out, err := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
			bucket, err := rawBucket(ctx, p)
			if err != nil {
				return nil, err
			}
			return nil, fanOut(p)(ctx, bucket)
		}).JSON()
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
