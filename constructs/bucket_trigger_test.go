package constructs_test

import (
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
