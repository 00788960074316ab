package constructs_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

// streamEnv is what a stream source test registers first: the function and
// a table with a stream.
type streamEnv struct {
	fn    *constructs.Function
	table *constructs.Table
}

func streamSetup(view constructs.StreamView) func(ctx *pulumi.Context, p *project) (streamEnv, error) {
	return func(ctx *pulumi.Context, p *project) (streamEnv, error) {
		var env streamEnv
		var err error
		if env.fn, err = sourceFunction(ctx, p, "indexer"); err != nil {
			return env, err
		}
		env.table, err = constructs.NewTable(ctx, "catalog", &constructs.TableArgs{Stream: view})
		return env, err
	}
}

func synthStream(t *testing.T, args *constructs.StreamSourceArgs) *stack {
	t.Helper()
	p := newProject(t)
	return p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := streamSetup(constructs.StreamNewAndOldImg)(ctx, p)
		if err != nil {
			return nil, err
		}
		ss, err := env.table.StreamTo("index", env.fn, args)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"streamArn": env.table.StreamArn, "roleName": env.fn.Role.Name,
			"failureQueueName": ss.FailureQueueName, "failureQueueArn": ss.FailureQueueArn}, nil
	})
}

func TestStreamSourceDefaults(t *testing.T) {
	s := synthStream(t, nil)
	comp := s.find(typStreamSource, "index")
	if got, want := s.childSet(comp.URN), []string{
		typEventSourceMapping + " index", typQueue + " index-failures", typQueuePolicy + " index-failures",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	queueArn := s.output("failureQueueArn")
	m := s.find(typEventSourceMapping, "index")
	wantInputs(t, m,
		// The mapping invokes the alias, never the bare function.
		check{"functionName", s.aliasArn("indexer")},
		check{"eventSourceArn", s.output("streamArn")},
		check{"startingPosition", "LATEST"},
		check{"batchSize", 100},
		check{"maximumBatchingWindowInSeconds", 0},
		check{"bisectBatchOnFunctionError", true},
		check{"maximumRetryAttempts", 3},
		check{"maximumRecordAgeInSeconds", 3600},
		check{"parallelizationFactor", 1},
		check{"enabled", true},
		check{"destinationConfig.onFailure.destinationArn", queueArn},
		check{"filterCriteria", nil},
		check{"functionResponseTypes", []any{"ReportBatchItemFailures"}},
	)
	if got := s.output("failureQueueName"); !strings.HasSuffix(queueArn, ":"+got) {
		t.Errorf("FailureQueueName: got %q; want the name in %q", got, queueArn)
	}
	wantInputs(t, s.find(typQueue, "index-failures"),
		check{"sqsManagedSseEnabled", true},
		check{"messageRetentionSeconds", 14 * 24 * 3600},
	)
	qp := policyInput(t, s.find(typQueuePolicy, "index-failures"), "policy")
	wantTLSOnly(t, "failure queue policy", qp.statementBySid(t, "DenyInsecureTransport"), "sqs:*", queueArn)

	// The function may read exactly this stream and send to exactly this
	// queue; ListStreams has no resource-level permission.
	rp := s.find(typRolePolicy, "indexer-stream-index")
	if got, want := rp.Inputs["role"], s.output("roleName"); got != want {
		t.Errorf("stream policy role: got %#v; want the function's role %q", got, want)
	}
	doc := policyInput(t, rp, "policy")
	for _, w := range []struct {
		sid       string
		actions   []string
		resources []string
	}{
		{"ReadTableStream", []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}, []string{s.output("streamArn")}},
		{"ListTableStreams", []string{"dynamodb:ListStreams"}, []string{"*"}},
		{"SendFailedBatches", []string{"sqs:SendMessage"}, []string{queueArn}},
	} {
		st := doc.statementBySid(t, w.sid)
		if st.Effect != "Allow" || !reflect.DeepEqual(st.Action, sorted(w.actions)) || !reflect.DeepEqual(st.Resource, w.resources) {
			t.Errorf("%s: got %s %q on %q; want Allow %q on %q", w.sid, st.Effect, st.Action, st.Resource, sorted(w.actions), w.resources)
		}
	}
	if len(doc.Statement) != 3 {
		t.Errorf("stream policy statements: got %q; want 3", doc.sids())
	}
	// CreateEventSourceMapping checks the role and the alias.
	if !dependsOn(m, rp) {
		t.Errorf("mapping does not depend on the stream policy; Lambda would refuse it (Cannot access stream)")
	}
	if !dependsOn(m, s.find(typAlias, "indexer")) {
		t.Errorf("mapping does not depend on the alias it invokes")
	}
}

func TestStreamSourceOptions(t *testing.T) {
	no, unbounded := false, -1
	s := synthStream(t, &constructs.StreamSourceArgs{
		BatchSize: 500, MaximumBatchingWindowSeconds: 5, StartingPosition: constructs.StartTrimHorizon,
		BisectBatchOnError: &no, MaximumRetryAttempts: &unbounded, MaximumRecordAgeSeconds: &unbounded,
		ParallelizationFactor: 4, Enabled: &no, ReportBatchItemFailures: &no,
		FilterPatterns: []string{`{"eventName":["INSERT","MODIFY"]}`, `{"dynamodb":{"NewImage":{"kind":{"S":["object"]}}}}`},
	})
	wantInputs(t, s.find(typEventSourceMapping, "index"),
		check{"startingPosition", "TRIM_HORIZON"},
		check{"batchSize", 500},
		check{"maximumBatchingWindowInSeconds", 5},
		check{"bisectBatchOnFunctionError", false},
		check{"maximumRetryAttempts", -1},
		check{"maximumRecordAgeInSeconds", -1},
		check{"parallelizationFactor", 4},
		// The kill switch: the mapping stays, disabled.
		check{"enabled", false},
		check{"filterCriteria", map[string]any{"filters": []any{
			map[string]any{"pattern": `{"eventName":["INSERT","MODIFY"]}`},
			map[string]any{"pattern": `{"dynamodb":{"NewImage":{"kind":{"S":["object"]}}}}`},
		}}},
		check{"functionName", s.aliasArn("indexer")},
		check{"functionResponseTypes", nil},
	)
}

func TestStreamSourceBadInputs(t *testing.T) {
	streamTo := func(args constructs.StreamSourceArgs) func(*pulumi.Context, *project, streamEnv) error {
		return func(_ *pulumi.Context, _ *project, env streamEnv) error {
			_, err := env.table.StreamTo("index", env.fn, &args)
			return err
		}
	}
	n := func(v int) *int { return &v }
	const scope = `stream source "index"`
	runBadInputs(t, streamSetup(constructs.StreamNewImage), []badInput[streamEnv]{
		{
			name: "no function",
			build: func(_ *pulumi.Context, _ *project, env streamEnv) error {
				_, err := env.table.StreamTo("index", nil, nil)
				return err
			},
			scope:    scope,
			problems: [][]string{{"fn", "not set"}},
		},
		{
			// CreateEventSourceMapping: BatchSize 1–10000 for streams.
			name:     "batch size and batching window",
			build:    streamTo(constructs.StreamSourceArgs{BatchSize: 10001, MaximumBatchingWindowSeconds: 301}),
			scope:    scope,
			problems: [][]string{{"BatchSize", "10001", "1–10000"}, {"MaximumBatchingWindowSeconds", "301", "0–300"}},
		},
		{
			name:     "negative batch size and window",
			build:    streamTo(constructs.StreamSourceArgs{BatchSize: -1, MaximumBatchingWindowSeconds: -1}),
			scope:    scope,
			problems: [][]string{{"BatchSize", "-1", "1–10000"}, {"MaximumBatchingWindowSeconds", "-1", "0–300"}},
		},
		{
			name:     "starting position",
			build:    streamTo(constructs.StreamSourceArgs{StartingPosition: "AT_TIMESTAMP"}),
			scope:    scope,
			problems: [][]string{{"StartingPosition", `"AT_TIMESTAMP"`, "LATEST or TRIM_HORIZON"}},
		},
		{
			// A DynamoDB stream has no AT_TIMESTAMP, with the time as without.
			name:     "AT_TIMESTAMP on a DynamoDB stream",
			build:    streamTo(constructs.StreamSourceArgs{StartingPosition: constructs.StartAtTimestamp, StartingPositionTimestamp: "2026-01-01T00:00:00Z"}),
			scope:    scope,
			problems: [][]string{{"StartingPosition", `"AT_TIMESTAMP"`, "DynamoDB", "LATEST or TRIM_HORIZON"}},
		},
		{
			name:     "retries and record age",
			build:    streamTo(constructs.StreamSourceArgs{MaximumRetryAttempts: n(10001), MaximumRecordAgeSeconds: n(59)}),
			scope:    scope,
			problems: [][]string{{"MaximumRetryAttempts", "10001", "-1–10000"}, {"MaximumRecordAgeSeconds", "59", "-1", "60–604800"}},
		},
		{
			name:     "retries below -1 and record age over a week",
			build:    streamTo(constructs.StreamSourceArgs{MaximumRetryAttempts: n(-2), MaximumRecordAgeSeconds: n(604801)}),
			scope:    scope,
			problems: [][]string{{"MaximumRetryAttempts", "-2"}, {"MaximumRecordAgeSeconds", "604801"}},
		},
		{
			name:     "parallelization factor",
			build:    streamTo(constructs.StreamSourceArgs{ParallelizationFactor: 11}),
			scope:    scope,
			problems: [][]string{{"ParallelizationFactor", "11", "1–10"}},
		},
		{
			name:     "filter patterns",
			build:    streamTo(constructs.StreamSourceArgs{FilterPatterns: []string{"eventName = INSERT", `{"a":"` + strings.Repeat("x", 4100) + `"}`}}),
			scope:    scope,
			problems: [][]string{{"FilterPatterns[0]", `"eventName = INSERT"`, "not JSON"}, {"FilterPatterns[1]", "characters", "at most 4096"}},
		},
		{
			name:     "too many filter patterns",
			build:    streamTo(constructs.StreamSourceArgs{FilterPatterns: []string{"{}", "{}", "{}", "{}", "{}", "{}"}}),
			scope:    scope,
			problems: [][]string{{"FilterPatterns", "6 patterns", "5"}},
		},
		{
			name: "every problem at once",
			build: func(_ *pulumi.Context, _ *project, env streamEnv) error {
				_, err := env.table.StreamTo("index", nil, &constructs.StreamSourceArgs{BatchSize: -5, ParallelizationFactor: 20})
				return err
			},
			scope:    scope,
			problems: [][]string{{"fn"}, {"BatchSize"}, {"ParallelizationFactor"}},
		},
	})
	// A table without a stream has nothing to consume.
	runBadInputs(t, streamSetup(constructs.StreamOff), []badInput[streamEnv]{{
		name:     "table without a stream",
		build:    streamTo(constructs.StreamSourceArgs{}),
		scope:    scope,
		problems: [][]string{{"Stream", `table "catalog"`, "has none", "NEW_AND_OLD_IMAGES"}},
	}})
}

func TestStreamSourcePassesKumoCheck(t *testing.T) {
	errs, rep := newCheckErrors(t, streamSetup(constructs.StreamNewImage), func(_ *pulumi.Context, env streamEnv) error {
		_, err := env.table.StreamTo("index", env.fn, nil)
		return err
	})
	wantNoNewFindings(t, errs)
	// ListStreams' "*" is accepted where it is granted, with the reason.
	if reason := suppressed(rep, "AwsSolutions-IAM5", "Resource::*", typRolePolicy, "indexer-stream-index"); !strings.Contains(reason, "dynamodb:ListStreams supports no resource-level permissions") {
		t.Errorf("AwsSolutions-IAM5[Resource::*] on the stream policy: suppressed with %q; want the ListStreams reason\nfindings:%s", reason, findingList(rep.Findings))
	}
}

// A table encrypted with a customer managed key encrypts its stream too:
// the consumer may decrypt with exactly that key, and only then.
func TestStreamSourceDecryptsAKeyedTable(t *testing.T) {
	const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	for _, keyed := range []bool{true, false} {
		p := newProject(t)
		s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
			args := &constructs.TableArgs{Stream: constructs.StreamNewAndOldImg}
			if keyed {
				args.KMSKeyArn = keyArn
			}
			table, err := constructs.NewTable(ctx, "catalog", args)
			if err != nil {
				return nil, err
			}
			fa := p.fnArgs()
			fa.DeadLetterQueue = true
			fn, err := constructs.NewFunction(ctx, "indexer", fa)
			if err != nil {
				return nil, err
			}
			_, err = table.StreamTo("index", fn, nil)
			return nil, err
		})
		doc := policyInput(t, s.find(typRolePolicy, "indexer-stream-index"), "policy")
		got := slices.Contains(doc.sids(), "DecryptTableStream")
		if got != keyed {
			t.Errorf("keyed table %v: DecryptTableStream present %v; want %v", keyed, got, keyed)
		}
		if keyed {
			st := doc.statementBySid(t, "DecryptTableStream")
			if !reflect.DeepEqual(st.Action, []string{"kms:Decrypt"}) || !reflect.DeepEqual(st.Resource, []string{keyArn}) {
				t.Errorf("DecryptTableStream: got %q on %q; want kms:Decrypt on the table's key", st.Action, st.Resource)
			}
		}
	}
}
