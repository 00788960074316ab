package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const (
	typWorkgroupComponent = "kumo:constructs:Workgroup"
	typWorkgroup          = "aws:athena/workgroup:Workgroup"
)

// synthWorkgroup synthesizes a Workgroup "analysts" writing to a bucket
// "results" (built from bucketArgs), and a function "fn" granted queries.
func synthWorkgroup(t *testing.T, args constructs.WorkgroupArgs, bucketArgs *constructs.BucketArgs) (*project, *stack) {
	t.Helper()
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		logs, err := constructs.NewBucket(ctx, "results-logs", &constructs.BucketArgs{ForAccessLogs: true})
		if err != nil {
			return nil, err
		}
		ba := constructs.BucketArgs{}
		if bucketArgs != nil {
			ba = *bucketArgs
		}
		ba.AccessLogBucket = logs
		results, err := constructs.NewBucket(ctx, "results", &ba)
		if err != nil {
			return nil, err
		}
		args.ResultsBucket = results
		w, err := constructs.NewWorkgroup(ctx, "analysts", &args)
		if err != nil {
			return nil, err
		}
		fn, err := constructs.NewFunction(ctx, "fn", checkedFnArgs(p))
		if err != nil {
			return nil, err
		}
		if err := w.GrantQuery(fn); err != nil {
			return nil, err
		}
		out := functionOutputs(fn)
		out["name"], out["arn"], out["outputLocation"] = w.Name, w.Arn, w.OutputLocation
		out["bucket"], out["bucketArn"] = results.Name, results.Arn
		return out, nil
	})
	return p, s
}

func TestWorkgroupDefaults(t *testing.T) {
	_, s := synthWorkgroup(t, constructs.WorkgroupArgs{}, nil)
	comp := s.find(typWorkgroupComponent, "analysts")
	if got, want := s.childSet(comp.URN), []string{typWorkgroup + " analysts"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	location := "s3://" + s.output("bucket") + "/athena/"
	wantInputs(t, s.find(typWorkgroup, "analysts"),
		check{"name", nil}, // autonamed: two stacks never share a workgroup
		check{"state", "ENABLED"},
		check{"forceDestroy", false},
		check{"configuration", map[string]any{
			"enforceWorkgroupConfiguration":   true,
			"publishCloudwatchMetricsEnabled": true,
			"bytesScannedCutoffPerQuery":      int64(10 << 30),
			"engineVersion":                   map[string]any{"selectedEngineVersion": "AUTO"},
			"resultConfiguration": map[string]any{
				"outputLocation":          location,
				"encryptionConfiguration": map[string]any{"encryptionOption": "SSE_S3"},
			},
		}},
	)
	if got := s.output("outputLocation"); got != location {
		t.Errorf("OutputLocation: got %q; want %q", got, location)
	}
	if got, want := s.output("arn"), "arn:aws:athena:"+testRegion+":"+testAccount+":workgroup/"+s.output("name"); got != want {
		t.Errorf("Arn: got %q; want %q", got, want)
	}
}

func TestWorkgroupOptions(t *testing.T) {
	_, s := synthWorkgroup(t, constructs.WorkgroupArgs{ResultsPrefix: "queries/team-a/", BytesScannedCutoffPerQuery: 1 << 30,
		KMSKeyArn: pulumi.String(testKeyArn), EngineVersion: "Athena engine version 3"}, nil)
	wantInputs(t, s.find(typWorkgroup, "analysts"),
		check{"configuration.bytesScannedCutoffPerQuery", int64(1 << 30)},
		check{"configuration.engineVersion.selectedEngineVersion", "Athena engine version 3"},
		check{"configuration.resultConfiguration", map[string]any{
			"outputLocation":          "s3://" + s.output("bucket") + "/queries/team-a/",
			"encryptionConfiguration": map[string]any{"encryptionOption": "SSE_KMS", "kmsKeyArn": testKeyArn},
		}},
	)
}

func TestWorkgroupGrantQuery(t *testing.T) {
	const bucketKey = "arn:aws:kms:eu-west-1:123456789012:key/bbbbbbbb-12ab-34cd-56ef-1234567890ab"
	workgroup := func(s *stack) []string { return []string{s.output("arn")} }
	bucket := func(s *stack) []string { return []string{s.output("bucketArn")} }
	results := func(prefix string) func(s *stack) []string {
		return func(s *stack) []string { return []string{s.output("bucketArn") + "/" + prefix + "*"} }
	}
	base := func(prefix string) []wantStatement {
		return []wantStatement{
			{"WorkgroupQuery", []string{"athena:GetQueryExecution", "athena:GetQueryResults", "athena:StartQueryExecution", "athena:StopQueryExecution"}, workgroup},
			{"ResultsBucket", []string{"s3:GetBucketLocation", "s3:ListBucket"}, bucket},
			{"ResultsReadWrite", []string{"s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"}, results(prefix)},
		}
	}
	for _, tc := range []struct {
		name   string
		args   constructs.WorkgroupArgs
		bucket *constructs.BucketArgs
		want   []wantStatement
	}{
		{"SSE-S3", constructs.WorkgroupArgs{}, nil, base("athena/")},
		{"results prefix", constructs.WorkgroupArgs{ResultsPrefix: "q/"}, nil, base("q/")},
		{"workgroup and bucket keys", constructs.WorkgroupArgs{KMSKeyArn: pulumi.String(testKeyArn)}, &constructs.BucketArgs{KMSKeyArn: bucketKey},
			append(base("athena/"), wantStatement{"ResultsKey", []string{"kms:Decrypt", "kms:GenerateDataKey"},
				func(*stack) []string { return []string{testKeyArn, bucketKey} }})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, s := synthWorkgroup(t, tc.args, tc.bucket)
			checkGrantPolicy(t, s, "fn-athena-analysts-query", tc.want)
		})
	}
}

func TestWorkgroupBadInputs(t *testing.T) {
	type env struct{ results *constructs.Bucket }
	setup := func(ctx *pulumi.Context, _ *project) (env, error) {
		b, err := constructs.NewBucket(ctx, "results", nil)
		return env{b}, err
	}
	newWorkgroup := func(name string, args func(env) constructs.WorkgroupArgs) func(*pulumi.Context, *project, env) error {
		return func(ctx *pulumi.Context, _ *project, e env) error {
			a := args(e)
			_, err := constructs.NewWorkgroup(ctx, name, &a)
			return err
		}
	}
	with := func(a constructs.WorkgroupArgs) func(env) constructs.WorkgroupArgs {
		return func(e env) constructs.WorkgroupArgs {
			a.ResultsBucket = e.results
			return a
		}
	}
	const scope = `workgroup "analysts"`
	runBadInputs(t, setup, []badInput[env]{
		{name: "no results bucket", build: newWorkgroup("analysts", func(env) constructs.WorkgroupArgs { return constructs.WorkgroupArgs{} }),
			scope: scope, problems: [][]string{{"ResultsBucket", "nil"}}},
		{name: "prefix without a trailing slash", build: newWorkgroup("analysts", with(constructs.WorkgroupArgs{ResultsPrefix: "athena"})),
			scope: scope, problems: [][]string{{"ResultsPrefix", `"athena"`, "ending in '/'"}}},
		{name: "prefix with a leading slash", build: newWorkgroup("analysts", with(constructs.WorkgroupArgs{ResultsPrefix: "/athena/"})),
			scope: scope, problems: [][]string{{"ResultsPrefix", `"/athena/"`, "leading '/'"}}},
		{name: "prefix with a wildcard", build: newWorkgroup("analysts", with(constructs.WorkgroupArgs{ResultsPrefix: "athena/*/"})),
			scope: scope, problems: [][]string{{"ResultsPrefix", "wildcards"}}},
		// The provider: "Must be at least 10485760"; 10 MB decimal is less.
		{name: "cutoff of 10 MB", build: newWorkgroup("analysts", with(constructs.WorkgroupArgs{BytesScannedCutoffPerQuery: 10_000_000})),
			scope: scope, problems: [][]string{{"BytesScannedCutoffPerQuery", "10000000", "10485760"}}},
		{name: "engine version", build: newWorkgroup("analysts", with(constructs.WorkgroupArgs{EngineVersion: "v3"})),
			scope: scope, problems: [][]string{{"EngineVersion", `"v3"`, "AUTO", "Athena engine version 3"}}},
		{name: "name too long to autoname", build: newWorkgroup(strings.Repeat("w", 121), with(constructs.WorkgroupArgs{})),
			scope: `workgroup "` + strings.Repeat("w", 121) + `"`, problems: [][]string{{"name", "1–120"}}},
		{name: "name with a space", build: newWorkgroup("data analysts", with(constructs.WorkgroupArgs{})),
			scope: `workgroup "data analysts"`, problems: [][]string{{"name", `"data analysts"`, "letters, digits"}}},
	})
}

func TestWorkgroupPassesKumoCheck(t *testing.T) {
	p, s := synthWorkgroup(t, constructs.WorkgroupArgs{}, nil)
	rep := checkClean(t, p, s)
	if got := suppressedOn(rep, typWorkgroup, "analysts"); len(got) != 0 {
		t.Errorf("suppressed on the workgroup: got %v; want none", got)
	}
	if len(rep.Unused) > 0 {
		t.Errorf("unused suppressions: %+v", rep.Unused)
	}
}
