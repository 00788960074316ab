package cicd_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/cicd"
	kumocheck "github.com/kumo-iac/kumo/internal/check"
	"github.com/kumo-iac/kumo/internal/synth"
)

const (
	tProject    = "aws:codebuild/project:Project"
	tWebhook    = "aws:codebuild/webhook:Webhook"
	tPipeline   = "aws:codepipeline/pipeline:Pipeline"
	tRole       = "aws:iam/role:Role"
	tRolePolicy = "aws:iam/rolePolicy:RolePolicy"
	tLogGroup   = "aws:cloudwatch/logGroup:LogGroup"
	tRule       = "aws:codestarnotifications/notificationRule:NotificationRule"
	tConnection = "aws:codestarconnections/connection:Connection"
)

// env is what a pipeline needs: a key CloudWatch Logs may use, an
// artifact bucket under it, a topic CodeStar Notifications may publish to
// and a GitHub connection.
type env struct {
	key *constructs.Key
	// noLogsKey does not let CloudWatch Logs use it.
	noLogsKey *constructs.Key
	bucket    *constructs.Bucket
	topic     *constructs.Topic
	conn      *cicd.Connection
}

func newEnv(ctx *pulumi.Context) (*env, error) {
	var e env
	var err error
	if e.key, err = constructs.NewKey(ctx, "ci", &constructs.KeyArgs{ServicePrincipals: []string{"logs." + testRegion + ".amazonaws.com"}}); err != nil {
		return nil, err
	}
	if e.noLogsKey, err = constructs.NewKey(ctx, "nologs", nil); err != nil {
		return nil, err
	}
	logs, err := constructs.NewBucket(ctx, "access-logs", &constructs.BucketArgs{ForAccessLogs: true})
	if err != nil {
		return nil, err
	}
	if e.bucket, err = constructs.NewBucket(ctx, "artifacts", &constructs.BucketArgs{KMSKey: e.key, AccessLogBucket: logs}); err != nil {
		return nil, err
	}
	if e.topic, err = constructs.NewTopic(ctx, "ci-events", &constructs.TopicArgs{Publishers: []string{"cloudwatch.amazonaws.com", cicd.NotificationsPrincipal}}); err != nil {
		return nil, err
	}
	if e.conn, err = cicd.NewConnection(ctx, "github", &cicd.ConnectionArgs{ProviderType: cicd.GitHub}); err != nil {
		return nil, err
	}
	return &e, nil
}

var prFilters = [][]cicd.WebhookFilter{{
	{Type: "EVENT", Pattern: "PULL_REQUEST_CREATED,PULL_REQUEST_UPDATED,PULL_REQUEST_REOPENED"},
	{Type: "BASE_REF", Pattern: "^refs/heads/main$"},
}}

// deliveryProgram builds the pipeline of issue 15 in small: source, build,
// an approval, a deploy, and a PR project beside it; plus a notification.
func deliveryProgram(ctx *pulumi.Context) error {
	e, err := newEnv(ctx)
	if err != nil {
		return err
	}
	project := func(name string, src *cicd.GitHubSource) (*cicd.BuildProject, error) {
		return cicd.NewBuildProject(ctx, name, &cicd.BuildProjectArgs{
			BuildSpec: "version: 0.2\nphases:\n  build:\n    commands: [go test ./...]\n", EncryptionKey: e.key,
			Environment:       map[string]pulumi.StringInput{"STAGE": pulumi.String("dev")},
			SecretEnvironment: map[string]string{"PULUMI_ACCESS_TOKEN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pulumi:token"},
			Source:            src,
		})
	}
	build, err := project("build", nil)
	if err != nil {
		return err
	}
	deploy, err := project("deploy-prod", nil)
	if err != nil {
		return err
	}
	if _, err := project("pr", &cicd.GitHubSource{RepoURL: "https://github.com/o/r.git", Connection: e.conn, WebhookFilterGroups: prFilters}); err != nil {
		return err
	}
	p, err := cicd.NewPipeline(ctx, "deliver", &cicd.PipelineArgs{
		ArtifactBucket: e.bucket, ArtifactKey: e.key,
		Stages: []cicd.Stage{
			{Name: "Source", Actions: []cicd.Action{{Name: "GitHub", Category: cicd.CategorySource, Outputs: []string{"src"},
				Connection: e.conn, Repository: "o/r", Branch: "main"}}},
			{Name: "Build", Actions: []cicd.Action{{Name: "Build", Category: cicd.CategoryBuild, Inputs: []string{"src"}, Outputs: []string{"synth"}, Project: build}}},
			{Name: "prod", Actions: []cicd.Action{
				{Name: "Approve", Category: cicd.CategoryApproval, Approval: &cicd.Approval{Topic: e.topic, Summary: "kumo diff of prod", Link: pulumi.String("https://example.com/diff")}},
				{Name: "Deploy", Category: cicd.CategoryBuild, RunOrder: 2, Inputs: []string{"src", "synth"}, Project: deploy,
					EnvironmentVariables: map[string]pulumi.StringInput{"STACK": pulumi.String("prod")}},
			}},
		},
	})
	if err != nil {
		return err
	}
	_, err = p.Notify(e.topic, []string{cicd.EventExecutionFailed, cicd.EventApprovalNeeded})
	return err
}

func TestBuildProject(t *testing.T) {
	s := mustSynth(t, deliveryProgram)
	comp := s.find("kumo:cicd:BuildProject", "build")
	if got, want := s.childSet(comp.URN), []string{
		tLogGroup + " build", tProject + " build", tRole + " build",
		tRolePolicy + " build-bucket-artifacts-readwrite", tRolePolicy + " build-key-ci-encryptdecrypt",
		tRolePolicy + " build-logs", tRolePolicy + " build-secrets",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("children of build: got %q; want %q", got, want)
	}
	project, logGroup, key := s.find(tProject, "build"), s.find(tLogGroup, "build"), s.find("aws:kms/key:Key", "ci")
	keyArn := stateArn(s, key)
	for path, want := range map[string]any{
		"source.type": "CODEPIPELINE", "artifacts.type": "CODEPIPELINE", "environment.computeType": "BUILD_GENERAL1_SMALL",
		"environment.image": cicd.DefaultImage, "environment.privilegedMode": false, "buildTimeout": int64(60),
		"encryptionKey": keyArn, "logsConfig.cloudwatchLogs.groupName": stateName(s, logGroup),
		"environment.environmentVariables.0.name": "PULUMI_ACCESS_TOKEN", "environment.environmentVariables.0.type": "SECRETS_MANAGER",
		"environment.environmentVariables.1.name": "STAGE", "environment.environmentVariables.1.type": "PLAINTEXT",
	} {
		if got := in(project, path); !reflect.DeepEqual(got, want) {
			t.Errorf("project input %s: got %#v; want %#v", path, got, want)
		}
	}
	if got := in(logGroup, "kmsKeyId"); got != keyArn {
		t.Errorf("log group kmsKeyId: got %#v; want the key %q", got, keyArn)
	}
	// The role may write only its own log group, and read only the named
	// secret.
	role := stateName(s, s.find(tRole, "build"))
	pols := s.rolePolicies(role)
	var logResources []string
	for name, sts := range pols {
		for _, st := range sts {
			for _, a := range st.Action {
				if strings.HasPrefix(a, "logs:") {
					logResources = append(logResources, st.Resource...)
					if name != "build-logs" {
						t.Errorf("policy %s grants %s; want logs only in build-logs", name, a)
					}
					break
				}
			}
		}
	}
	if want := []string{stateArn(s, logGroup) + ":*"}; !reflect.DeepEqual(logResources, want) {
		t.Errorf("log resources of the build role: got %q; want only its own log group's streams %q", logResources, want)
	}
	if got, want := pols["build-secrets"][0].Resource, []string{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:pulumi-??????"}; !reflect.DeepEqual(got, want) {
		t.Errorf("secret resources: got %q; want exactly the secret %q", got, want)
	}
	for _, rp := range s.ofType(tRolePolicy) {
		if str(rp, "role") == role && !dependsOn(project, rp) && rp.Name != "build-bucket-artifacts-readwrite" && rp.Name != "build-key-ci-encryptdecrypt" {
			t.Errorf("project is not ordered after its policy %s", rp.Name)
		}
	}
}

func TestPRProjectWebhook(t *testing.T) {
	s := mustSynth(t, deliveryProgram)
	project, hook := s.find(tProject, "pr"), s.find(tWebhook, "pr")
	conn := stateArn(s, s.find(tConnection, "github"))
	for path, want := range map[string]any{
		"source.type": "GITHUB", "source.location": "https://github.com/o/r.git", "source.auth.type": "CODECONNECTIONS",
		"source.auth.resource": conn, "artifacts.type": "NO_ARTIFACTS",
	} {
		if got := in(project, path); got != want {
			t.Errorf("pr project input %s: got %#v; want %#v", path, got, want)
		}
	}
	want := []any{map[string]any{"filters": []any{
		map[string]any{"type": "EVENT", "pattern": "PULL_REQUEST_CREATED,PULL_REQUEST_UPDATED,PULL_REQUEST_REOPENED", "excludeMatchedPattern": false},
		map[string]any{"type": "BASE_REF", "pattern": "^refs/heads/main$", "excludeMatchedPattern": false},
	}}}
	if got := in(hook, "filterGroups"); !reflect.DeepEqual(got, want) {
		t.Errorf("webhook filter groups: got %#v; want %#v", got, want)
	}
	if got := str(hook, "projectName"); got != stateName(s, project) {
		t.Errorf("webhook projectName: got %q; want %q", got, stateName(s, project))
	}
	use := s.rolePolicies(stateName(s, s.find(tRole, "pr")))["pr-connection-github-use"]
	if len(use) != 1 || !reflect.DeepEqual(use[0].Resource, []string{conn}) {
		t.Errorf("pr role's connection policy: got %+v; want one statement on %s", use, conn)
	}
}

func TestPipeline(t *testing.T) {
	s := mustSynth(t, deliveryProgram)
	pl := s.find(tPipeline, "deliver")
	key := stateArn(s, s.find("aws:kms/key:Key", "ci"))
	for path, want := range map[string]any{
		"pipelineType": "V2", "executionMode": "SUPERSEDED",
		"artifactStores.0.encryptionKey.type": "KMS", "artifactStores.0.encryptionKey.id": key,
		"artifactStores.0.location":   stateName(s, s.find("aws:s3/bucketV2:BucketV2", "artifacts")),
		"stages.0.actions.0.provider": "CodeStarSourceConnection", "stages.0.actions.0.configuration.BranchName": "main",
		"stages.1.actions.0.configuration.ProjectName":             stateName(s, s.find(tProject, "build")),
		"stages.2.actions.0.provider":                              "Manual",
		"stages.2.actions.0.configuration.NotificationArn":         stateArn(s, s.find("aws:sns/topic:Topic", "ci-events")),
		"stages.2.actions.1.configuration.PrimarySource":           "src",
		"stages.2.actions.1.configuration.EnvironmentVariables":    `[{"name":"STACK","type":"PLAINTEXT","value":"prod"}]`,
		"triggers.0.gitConfiguration.sourceActionName":             "GitHub",
		"triggers.0.gitConfiguration.pushes.0.branches.includes.0": "main",
	} {
		if got := in(pl, path); !reflect.DeepEqual(got, want) {
			t.Errorf("pipeline input %s: got %#v; want %#v", path, got, want)
		}
	}
	// The pipeline's role may start exactly the projects it runs, not the
	// PR project.
	role := stateName(s, s.find(tRole, "deliver"))
	var started []string
	for _, sts := range s.rolePolicies(role) {
		for _, st := range sts {
			if slices.Contains(st.Action, "codebuild:StartBuild") {
				started = append(started, st.Resource...)
			}
		}
	}
	slices.Sort(started)
	want := []string{stateArn(s, s.find(tProject, "build")), stateArn(s, s.find(tProject, "deploy-prod"))}
	slices.Sort(want)
	if !reflect.DeepEqual(started, want) {
		t.Errorf("projects the pipeline's role may start: got %q; want exactly %q", started, want)
	}
	// It runs on creation: ordered after its role's policies and those of
	// the projects it runs.
	for _, rp := range s.ofType(tRolePolicy) {
		r := str(rp, "role")
		ours := r == role || r == stateName(s, s.find(tRole, "build")) || r == stateName(s, s.find(tRole, "deploy-prod"))
		if ours && !dependsOn(pl, rp) {
			t.Errorf("pipeline not ordered after role policy %s", rp.Name)
		}
	}
	rule := s.find(tRule, "deliver-notify")
	if got, want := in(rule, "eventTypeIds"), []any{cicd.EventExecutionFailed, cicd.EventApprovalNeeded}; !reflect.DeepEqual(got, []any{want[1], want[0]}) {
		t.Errorf("notification events: got %#v; want sorted %#v", got, want)
	}
	if got := str(rule, "resource"); got != stateArn(s, pl) {
		t.Errorf("notification resource: got %q; want the pipeline %q", got, stateArn(s, pl))
	}
}

// kumo check's CodeBuild rules (CB3, CB4, CB5) and the rest pass on what the
// constructs emit by default.
func TestPassesKumoCheck(t *testing.T) {
	s := mustSynth(t, deliveryProgram)
	rep, err := kumocheck.Run(s.Result, s.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Level == kumocheck.Error || strings.HasPrefix(f.ID(), "AwsSolutions-CB") {
			t.Errorf("finding: %s on %s: %s", f.ID(), f.URN, f.Message)
		}
	}
}

// stateArn and stateName read a resource's mocked outputs.
func stateArn(s *stack, r synth.Resource) string { return stateString(s.t, r, "arn") }

func stateName(s *stack, r synth.Resource) string {
	for _, k := range []string{"name", "bucket"} {
		if v, ok := r.State[k].(string); ok && v != "" {
			return v
		}
	}
	s.t.Fatalf("%s %s: no name in state %v", r.Type, r.Name, r.State)
	return ""
}
