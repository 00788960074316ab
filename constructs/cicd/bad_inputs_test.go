package cicd_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/cicd"
)

// badCase is a construct call with bad input: every problem must be
// reported at once, naming the field and the bad value, and nothing may be
// registered.
type badCase struct {
	name     string
	build    func(ctx *pulumi.Context, e *env) error
	scope    string
	problems [][]string
}

func runBadCases(t *testing.T, cases []badCase) {
	t.Helper()
	baseline := urnsOf(mustSynth(t, func(ctx *pulumi.Context) error { _, err := newEnv(ctx); return err }))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buildErr error
			s := mustSynth(t, func(ctx *pulumi.Context) error {
				e, err := newEnv(ctx)
				if err != nil {
					return err
				}
				buildErr = c.build(ctx, e)
				return nil
			})
			checkProblems(t, buildErr, c.scope, c.problems)
			if got := urnsOf(s); !reflect.DeepEqual(got, baseline) {
				t.Errorf("resources registered despite invalid input: got %d; want %d (the setup's)", len(got), len(baseline))
			}
		})
	}
}

func urnsOf(s *stack) []string {
	var out []string
	for _, r := range s.Resources {
		out = append(out, r.URN)
	}
	return out
}

func TestBadInputs(t *testing.T) {
	project := func(name string, a *cicd.BuildProjectArgs) func(*pulumi.Context, *env) error {
		return func(ctx *pulumi.Context, _ *env) error { _, err := cicd.NewBuildProject(ctx, name, a); return err }
	}
	pipeline := func(a func(e *env) *cicd.PipelineArgs) func(*pulumi.Context, *env) error {
		return func(ctx *pulumi.Context, e *env) error { _, err := cicd.NewPipeline(ctx, "deliver", a(e)); return err }
	}
	src := func(e *env) cicd.Action {
		return cicd.Action{Name: "GitHub", Category: cicd.CategorySource, Outputs: []string{"src"}, Connection: e.conn, Repository: "o/r", Branch: "main"}
	}
	runBadCases(t, []badCase{
		{name: "project without buildspec or key", scope: `build project "build"`, build: project("build", nil),
			problems: [][]string{{"BuildSpec", "empty"}, {"EncryptionKey", "nil", "AwsSolutions-CB4"}}},
		{name: "project with every field wrong", scope: `build project "-build"`,
			build: func(ctx *pulumi.Context, e *env) error {
				_, err := cicd.NewBuildProject(ctx, "-build", &cicd.BuildProjectArgs{
					BuildSpec: "version: 0.2", EncryptionKey: e.noLogsKey, ComputeType: "BUILD_GENERAL1_HUGE", Image: "ubuntu:24.04",
					TimeoutMinutes: 2161, Environment: map[string]pulumi.StringInput{"CODEBUILD_X": pulumi.String("1")},
					SecretEnvironment: map[string]string{"TOKEN": "pulumi-token"},
					CacheBucket:       e.bucket, LocalCacheModes: []cicd.CacheMode{"LOCAL_GO_CACHE"}, LogRetentionDays: 8,
					Source: &cicd.GitHubSource{RepoURL: "git@github.com:o/r.git",
						WebhookFilterGroups: [][]cicd.WebhookFilter{{{Type: "BASE_REF", Pattern: "main"}}, {{Type: "EVENT", Pattern: "PULL_REQUEST_OPENED"}}}},
				})
				return err
			},
			problems: [][]string{
				{"name", `"-build"`, "starting with a letter or digit"},
				{"EncryptionKey", "logs.eu-west-1.amazonaws.com"},
				{"ComputeType", `"BUILD_GENERAL1_HUGE"`, "BUILD_GENERAL1_SMALL"},
				{"Image", `"ubuntu:24.04"`, "aws/codebuild/"},
				{"TimeoutMinutes", "2161", "5–2160"},
				{`Environment["CODEBUILD_X"]`, "reserved"},
				{`SecretEnvironment["TOKEN"]`, `"pulumi-token"`, "<secret ARN>:<JSON key>"},
				{"LocalCacheModes", "CacheBucket", "one cache"},
				{"LocalCacheModes[0]", `"LOCAL_GO_CACHE"`, "LOCAL_SOURCE_CACHE"},
				{"LogRetentionDays", "8"},
				{"Source.RepoURL", `"git@github.com:o/r.git"`},
				{"Source.Connection", "nil"},
				{"Source.WebhookFilterGroups[0]", "0 EVENT filters"},
				{"Source.WebhookFilterGroups[1][0].Pattern", `"PULL_REQUEST_OPENED"`},
			}},
		{name: "pipeline without store or stages", scope: `pipeline "deliver"`, build: pipeline(func(*env) *cicd.PipelineArgs { return nil }),
			problems: [][]string{{"ArtifactBucket", "nil"}, {"ArtifactKey", "nil"}, {"Stages", "0", "at least two"}}},
		{name: "pipeline with every structural problem", scope: `pipeline "deliver"`,
			build: pipeline(func(e *env) *cicd.PipelineArgs {
				return &cicd.PipelineArgs{ArtifactBucket: e.bucket, ArtifactKey: e.key, ExecutionMode: "LATEST", Stages: []cicd.Stage{
					{Name: "Source", Actions: []cicd.Action{src(e), {Name: "Lint", Category: cicd.CategoryBuild, Inputs: []string{"src"}}}},
					{Name: "Source", Actions: []cicd.Action{
						{Name: "Build/1", Category: cicd.CategoryBuild, Inputs: []string{"source"}, RunOrder: 1000},
						{Name: "Approve", Category: cicd.CategoryApproval, Outputs: []string{"src"}, Approval: &cicd.Approval{Summary: strings.Repeat("x", 501)}},
						{Name: "Approve", Category: "Deploy"},
					}},
				}}
			}),
			problems: [][]string{
				{"ExecutionMode", `"LATEST"`, "SUPERSEDED"},
				{"Stages[0].Actions[1].Category", `"Build"`, "only Source actions"},
				{"Stages[0].Actions[1].Project", "nil"},
				{"Stages[0].Actions[1].Inputs[0]", `"src"`, "runs earlier"},
				{"Stages[1].Name", `"Source"`, "unique"},
				{"Stages[1].Actions[0].Name", `"Build/1"`},
				{"Stages[1].Actions[0].RunOrder", "1000", "1–999"},
				{"Stages[1].Actions[0].Project", "nil"},
				{"Stages[1].Actions[1].Outputs", "set on a Approval action"},
				{"Stages[1].Actions[1].Approval.Summary", "501", "500"},
				{"Stages[1].Actions[2].Name", `"Approve"`, "unique in a stage"},
				{"Stages[1].Actions[2].Category", `"Deploy"`, "Source, Build, Test or Approval"},
				// Artifacts are checked in run order: Approve (1) before Build/1 (1000).
				{"Stages[1].Actions[1].Outputs[0]", `"src"`, "also the output of Source/GitHub"},
				{"Stages[1].Actions[0].Inputs[0]", `"source"`, "runs earlier"},
			}},
		{name: "connection to an unknown host, too long a name", scope: `connection "github-enterprise-connection"`,
			build: func(ctx *pulumi.Context, _ *env) error {
				_, err := cicd.NewConnection(ctx, "github-enterprise-connection", &cicd.ConnectionArgs{ProviderType: "GitHubEnterprise"})
				return err
			},
			problems: [][]string{{"name", "1–24", "32 characters"}, {"ProviderType", `"GitHubEnterprise"`, "GitHub, GitLab or Bitbucket"}}},
		{name: "connection ARN of a host", scope: "connection",
			build: func(*pulumi.Context, *env) error {
				_, err := cicd.ConnectionFromArn("arn:aws:codestar-connections:eu-west-1:123456789012:host/abc")
				return err
			},
			problems: [][]string{{"arn", "host/abc", "connection/<id>"}}},
	})
}

// Notify refuses a topic CodeStar Notifications may not publish to and
// events that are not the pipeline's, and adds nothing.
func TestNotifyBadInputs(t *testing.T) {
	var notifyErr error
	s := mustSynth(t, func(ctx *pulumi.Context) error {
		e, err := newEnv(ctx)
		if err != nil {
			return err
		}
		build, err := cicd.NewBuildProject(ctx, "build", &cicd.BuildProjectArgs{BuildSpec: "version: 0.2", EncryptionKey: e.key})
		if err != nil {
			return err
		}
		alarms, err := constructs.NewTopic(ctx, "alarms", nil)
		if err != nil {
			return err
		}
		p, err := cicd.NewPipeline(ctx, "deliver", &cicd.PipelineArgs{ArtifactBucket: e.bucket, ArtifactKey: e.key, Stages: []cicd.Stage{
			{Name: "Source", Actions: []cicd.Action{{Name: "GitHub", Category: cicd.CategorySource, Outputs: []string{"src"}, Connection: e.conn, Repository: "o/r", Branch: "main"}}},
			{Name: "Build", Actions: []cicd.Action{{Name: "Build", Category: cicd.CategoryBuild, Inputs: []string{"src"}, Project: build}}},
		}})
		if err != nil {
			return err
		}
		_, notifyErr = p.Notify(alarms, []string{cicd.EventExecutionFailed, "codebuild-project-build-state-failed", cicd.EventExecutionFailed})
		return nil
	})
	checkProblems(t, notifyErr, `notifications of pipeline "deliver"`, [][]string{
		{"topic", "codestar-notifications.amazonaws.com", "Publishers"},
		{"events[1]", `"codebuild-project-build-state-failed"`, "not a pipeline event"},
		{"events[2]", "listed twice"},
	})
	if got := s.ofType(tRule); len(got) != 0 {
		t.Errorf("notification rules: got %d; want none after a refused Notify", len(got))
	}
}
