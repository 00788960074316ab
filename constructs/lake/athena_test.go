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
	typWorkgroupComponent = "kumo:constructs:Workgroup"
	typWorkgroup          = "aws:athena/workgroup:Workgroup"
)

// synthWorkgroup synthesizes a Workgroup "analysts" writing to a bucket
// "results" (built from bucketArgs), and a function "fn" granted queries.
func synthWorkgroup(t *testing.T, args lake.WorkgroupArgs, bucketArgs *constructs.BucketArgs) (*synthtest.Project, *synthtest.Stack) {
	t.Helper()
	p := synthtest.NewProject(t)
	s := p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
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
		w, err := lake.NewWorkgroup(ctx, "analysts", &args)
		if err != nil {
			return nil, err
		}
		fn, err := constructs.NewFunction(ctx, "fn", p.CheckedFnArgs())
		if err != nil {
			return nil, err
		}
		if err := w.GrantQuery(fn); err != nil {
			return nil, err
		}
		out := pulumi.Map{"roleName": fn.Role.Name}
		out["name"], out["arn"], out["outputLocation"] = w.Name, w.Arn, w.OutputLocation
		out["bucket"], out["bucketArn"] = results.Name, results.Arn
		return out, nil
	})
	return p, s
}

func TestWorkgroupDefaults(t *testing.T) {
	_, s := synthWorkgroup(t, lake.WorkgroupArgs{}, nil)
	comp := s.Find(typWorkgroupComponent, "analysts")
	if got, want := s.ChildSet(comp.URN), []string{typWorkgroup + " analysts"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	location := "s3://" + s.Output("bucket") + "/athena/"
	synthtest.WantInputs(t, s.Find(typWorkgroup, "analysts"),
		synthtest.Check{"name", nil}, // autonamed: two stacks never share a workgroup
		synthtest.Check{"state", "ENABLED"},
		synthtest.Check{"forceDestroy", false},
		synthtest.Check{"configuration", map[string]any{
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
	if got := s.Output("outputLocation"); got != location {
		t.Errorf("OutputLocation: got %q; want %q", got, location)
	}
	if got, want := s.Output("arn"), "arn:aws:athena:"+synthtest.Region+":"+synthtest.Account+":workgroup/"+s.Output("name"); got != want {
		t.Errorf("Arn: got %q; want %q", got, want)
	}
}

func TestWorkgroupOptions(t *testing.T) {
	_, s := synthWorkgroup(t, lake.WorkgroupArgs{ResultsPrefix: "queries/team-a/", BytesScannedCutoffPerQuery: 1 << 30,
		KMSKeyArn: pulumi.String(testKeyArn), EngineVersion: "Athena engine version 3"}, nil)
	synthtest.WantInputs(t, s.Find(typWorkgroup, "analysts"),
		synthtest.Check{"configuration.bytesScannedCutoffPerQuery", int64(1 << 30)},
		synthtest.Check{"configuration.engineVersion.selectedEngineVersion", "Athena engine version 3"},
		synthtest.Check{"configuration.resultConfiguration", map[string]any{
			"outputLocation":          "s3://" + s.Output("bucket") + "/queries/team-a/",
			"encryptionConfiguration": map[string]any{"encryptionOption": "SSE_KMS", "kmsKeyArn": testKeyArn},
		}},
	)
}

func TestWorkgroupGrantQuery(t *testing.T) {
	const bucketKey = "arn:aws:kms:eu-west-1:123456789012:key/bbbbbbbb-12ab-34cd-56ef-1234567890ab"
	workgroup := func(s *synthtest.Stack) []string { return []string{s.Output("arn")} }
	bucket := func(s *synthtest.Stack) []string { return []string{s.Output("bucketArn")} }
	results := func(prefix string) func(s *synthtest.Stack) []string {
		return func(s *synthtest.Stack) []string { return []string{s.Output("bucketArn") + "/" + prefix + "*"} }
	}
	base := func(prefix string) []synthtest.WantStatement {
		return []synthtest.WantStatement{
			{"WorkgroupQuery", []string{"athena:GetQueryExecution", "athena:GetQueryResults", "athena:StartQueryExecution", "athena:StopQueryExecution"}, workgroup},
			{"ResultsBucket", []string{"s3:GetBucketLocation", "s3:ListBucket"}, bucket},
			{"ResultsReadWrite", []string{"s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"}, results(prefix)},
		}
	}
	for _, tc := range []struct {
		name   string
		args   lake.WorkgroupArgs
		bucket *constructs.BucketArgs
		want   []synthtest.WantStatement
	}{
		{"SSE-S3", lake.WorkgroupArgs{}, nil, base("athena/")},
		{"results prefix", lake.WorkgroupArgs{ResultsPrefix: "q/"}, nil, base("q/")},
		{"workgroup and bucket keys", lake.WorkgroupArgs{KMSKeyArn: pulumi.String(testKeyArn)}, &constructs.BucketArgs{KMSKeyArn: bucketKey},
			append(base("athena/"), synthtest.WantStatement{"ResultsKey", []string{"kms:Decrypt", "kms:GenerateDataKey"},
				func(*synthtest.Stack) []string { return []string{testKeyArn, bucketKey} }})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, s := synthWorkgroup(t, tc.args, tc.bucket)
			synthtest.CheckGrantPolicy(t, s, "fn-athena-analysts-query", tc.want)
		})
	}
}

func TestWorkgroupBadInputs(t *testing.T) {
	type env struct{ results *constructs.Bucket }
	setup := func(ctx *pulumi.Context, _ *synthtest.Project) (env, error) {
		b, err := constructs.NewBucket(ctx, "results", nil)
		return env{b}, err
	}
	newWorkgroup := func(name string, args func(env) lake.WorkgroupArgs) func(*pulumi.Context, *synthtest.Project, env) error {
		return func(ctx *pulumi.Context, _ *synthtest.Project, e env) error {
			a := args(e)
			_, err := lake.NewWorkgroup(ctx, name, &a)
			return err
		}
	}
	with := func(a lake.WorkgroupArgs) func(env) lake.WorkgroupArgs {
		return func(e env) lake.WorkgroupArgs {
			a.ResultsBucket = e.results
			return a
		}
	}
	const scope = `workgroup "analysts"`
	synthtest.RunBadInputs(t, setup, []synthtest.BadInput[env]{
		{Name: "no results bucket", Build: newWorkgroup("analysts", func(env) lake.WorkgroupArgs { return lake.WorkgroupArgs{} }),
			Scope: scope, Problems: [][]string{{"ResultsBucket", "nil"}}},
		{Name: "prefix without a trailing slash", Build: newWorkgroup("analysts", with(lake.WorkgroupArgs{ResultsPrefix: "athena"})),
			Scope: scope, Problems: [][]string{{"ResultsPrefix", `"athena"`, "ending in '/'"}}},
		{Name: "prefix with a leading slash", Build: newWorkgroup("analysts", with(lake.WorkgroupArgs{ResultsPrefix: "/athena/"})),
			Scope: scope, Problems: [][]string{{"ResultsPrefix", `"/athena/"`, "leading '/'"}}},
		{Name: "prefix with a wildcard", Build: newWorkgroup("analysts", with(lake.WorkgroupArgs{ResultsPrefix: "athena/*/"})),
			Scope: scope, Problems: [][]string{{"ResultsPrefix", "wildcards"}}},
		// The provider: "Must be at least 10485760"; 10 MB decimal is less.
		{Name: "cutoff of 10 MB", Build: newWorkgroup("analysts", with(lake.WorkgroupArgs{BytesScannedCutoffPerQuery: 10_000_000})),
			Scope: scope, Problems: [][]string{{"BytesScannedCutoffPerQuery", "10000000", "10485760"}}},
		{Name: "engine version", Build: newWorkgroup("analysts", with(lake.WorkgroupArgs{EngineVersion: "v3"})),
			Scope: scope, Problems: [][]string{{"EngineVersion", `"v3"`, "AUTO", "Athena engine version 3"}}},
		{Name: "name too long to autoname", Build: newWorkgroup(strings.Repeat("w", 121), with(lake.WorkgroupArgs{})),
			Scope: `workgroup "` + strings.Repeat("w", 121) + `"`, Problems: [][]string{{"name", "1–120"}}},
		{Name: "name with a space", Build: newWorkgroup("data analysts", with(lake.WorkgroupArgs{})),
			Scope: `workgroup "data analysts"`, Problems: [][]string{{"name", `"data analysts"`, "letters, digits"}}},
	})
}

func TestWorkgroupPassesKumoCheck(t *testing.T) {
	p, s := synthWorkgroup(t, lake.WorkgroupArgs{}, nil)
	rep := checkClean(t, p, s)
	if got := suppressedOn(rep, typWorkgroup, "analysts"); len(got) != 0 {
		t.Errorf("suppressed on the workgroup: got %v; want none", got)
	}
	if len(rep.Unused) > 0 {
		t.Errorf("unused suppressions: %+v", rep.Unused)
	}
}
