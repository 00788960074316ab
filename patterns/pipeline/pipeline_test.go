package pipeline_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/patterns"
	"github.com/kumo-iac/kumo/patterns/internal/patterntest"
	"github.com/kumo-iac/kumo/patterns/pipeline"
)

// root is kumo's own project: it has Pulumi.dev.yaml and Pulumi.prod.yaml,
// the stack files the default stages need.
var root, _ = filepath.Abs(filepath.Join("..", ".."))

// Resource types the tests look at.
const (
	codePipeline = "aws:codepipeline/pipeline:Pipeline"
	project      = "aws:codebuild/project:Project"
	webhook      = "aws:codebuild/webhook:Webhook"
	role         = "aws:iam/role:Role"
	rolePolicy   = "aws:iam/rolePolicy:RolePolicy"
	attachment   = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	bucket       = "aws:s3/bucketV2:BucketV2"
	kmsKey       = "aws:kms/key:Key"
	kmsAlias     = "aws:kms/alias:Alias"
	topic        = "aws:sns/topic:Topic"
	connection   = "aws:codestarconnections/connection:Connection"

	buildProjectComponent = "kumo:cicd:BuildProject"
	patternComponent      = "kumo:patterns:Pipeline"
)

// stack synthesizes like the shipped pipeline stack: project kumo, stack
// pipeline, region eu-west-1.
var stack = assertions.Options{Project: "kumo", Stack: "pipeline", Dir: root, Config: map[string]string{"aws:region": "eu-west-1"}}

var env = patterns.Env{Root: root, Region: "eu-west-1"}

// base is the shipped stack's section in short: the defaults (stages dev
// and prod, prod approved, pull requests on, backend s3) plus a smoke test.
const base = `{"repository":"kumo-iac/kumo","smokeTestCommand":"make smoke"}`

type statement = patterntest.Statement

var (
	allowed     = patterntest.Allowed
	resourcesOf = patterntest.ResourcesOf
	str         = patterntest.Str
)

func decode(t *testing.T, section string) *pipeline.Config {
	t.Helper()
	return patterntest.Decode[pipeline.Config](t, pipeline.Pattern{}, section)
}

func deploy(t *testing.T, section string) *assertions.Template {
	t.Helper()
	return patterntest.Deploy(t, pipeline.Pattern{}, decode(t, section), env, stack)
}

// merge adds keys to base's section.
func merge(t *testing.T, extra string) string {
	t.Helper()
	var a, b map[string]any
	if err := json.Unmarshal([]byte(base), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(extra), &b); err != nil {
		t.Fatal(err)
	}
	for k, v := range b {
		a[k] = v
	}
	out, _ := json.Marshal(a)
	return string(out)
}

// buildRole is the own role of the build project key ("deploy-prod"); a
// kumo-made deploy role may share its name, so the parent decides.
func buildRole(t *testing.T, tpl *assertions.Template, key string) *assertions.Resource {
	t.Helper()
	return patterntest.Under(t, tpl, buildProjectComponent, role, "pipeline-"+key)
}

// deployRole is the kumo-made deploy role of stage ("self" for the
// pipeline's own stack), a child of the pattern; nil when there is none.
func deployRole(tpl *assertions.Template, stage string) *assertions.Resource {
	for _, r := range tpl.FindResources(role, nil) {
		if r.Name == "pipeline-deploy-"+stage && strings.HasSuffix(r.Parent, patternComponent+"::pipeline") {
			return r
		}
	}
	return nil
}

// grantsOf returns the statements of every inline policy of r.
func grantsOf(t *testing.T, tpl *assertions.Template, r *assertions.Resource) []statement {
	t.Helper()
	var out []statement
	for _, p := range tpl.FindResources(rolePolicy, assertions.M{"role": r.Attr("name")}) {
		var doc struct{ Statement []statement }
		if err := json.Unmarshal([]byte(fmt.Sprint(p.Inputs["policy"])), &doc); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, doc.Statement...)
	}
	return out
}

// trusted lists, sorted, the AWS principals r's trust policy allows to
// assume it.
func trusted(t *testing.T, r *assertions.Resource) []string {
	t.Helper()
	var doc struct {
		Statement []struct {
			Effect    string
			Principal struct{ AWS, Service []string }
			Action    []string
		}
	}
	if err := json.Unmarshal([]byte(fmt.Sprint(r.Input("assumeRolePolicy"))), &doc); err != nil {
		t.Fatalf("%s trust policy: %v", r, err)
	}
	var out []string
	for _, s := range doc.Statement {
		if s.Effect == "Allow" && slices.Contains(s.Action, "sts:AssumeRole") {
			out = append(out, s.Principal.AWS...)
		}
	}
	slices.Sort(out)
	return out
}

// projectKeys are the build projects base deploys, by their key.
var projectKeys = []string{"build", "check-dev", "check-prod", "deploy-dev", "deploy-prod", "diff-prod", "pr", "update"}

// action is one action of the pipeline, as its input reads.
type action struct {
	Name, Category, Provider string
	RunOrder                 int
	Configuration            map[string]string
	InputArtifacts           []string
	OutputArtifacts          []string
}

type stage struct {
	Name    string
	Actions []action
}

func stagesOf(t *testing.T, tpl *assertions.Template) []stage {
	t.Helper()
	raw, err := json.Marshal(tpl.Resource(codePipeline, "pipeline").Input("stages"))
	if err != nil {
		t.Fatal(err)
	}
	var out []stage
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("stages: %v", err)
	}
	return out
}

// roleEnv is the KUMO_DEPLOY_ROLE_ARN an action passes its build ("" when
// it passes none).
func roleEnv(t *testing.T, a action) string {
	t.Helper()
	vars := a.Configuration["EnvironmentVariables"]
	if vars == "" {
		return ""
	}
	var list []struct{ Name, Type, Value string }
	if err := json.Unmarshal([]byte(vars), &list); err != nil {
		t.Fatalf("action %s: EnvironmentVariables: %v", a.Name, err)
	}
	for _, v := range list {
		if v.Name == "KUMO_DEPLOY_ROLE_ARN" {
			if v.Type != "PLAINTEXT" {
				t.Errorf("action %s: KUMO_DEPLOY_ROLE_ARN type: got %s; want PLAINTEXT", a.Name, v.Type)
			}
			return v.Value
		}
	}
	return ""
}

func projectName(tpl *assertions.Template, key string) string {
	return str(tpl.Resource(project, "pipeline-"+key).Attr("name"))
}

// TestPipelineStructure is issue 15's "Done when": source, build, the
// self-update, each stage's deploy in config order, prod's diff and
// approval before its deploy, the smoke tests, the push trigger.
func TestPipelineStructure(t *testing.T) {
	tpl := deploy(t, base)
	stages := stagesOf(t, tpl)
	var names []string
	for _, s := range stages {
		names = append(names, s.Name)
	}
	if want := []string{"Source", "Build", "UpdatePipeline", "Deploy-dev", "Deploy-prod"}; !slices.Equal(names, want) {
		t.Fatalf("stages: got %v; want %v", names, want)
	}
	conn := str(tpl.Resource(connection, "pipeline-source").Attr("arn"))
	src := stages[0].Actions
	if len(src) != 1 || src[0].Provider != "CodeStarSourceConnection" || src[0].Category != "Source" {
		t.Fatalf("Source: got %+v; want one CodeStarSourceConnection action", src)
	}
	for k, want := range map[string]string{"FullRepositoryId": "kumo-iac/kumo", "BranchName": "main", "ConnectionArn": conn} {
		if got := src[0].Configuration[k]; got != want {
			t.Errorf("Source %s: got %q; want %q", k, got, want)
		}
	}

	// got lists each action as name/category/runOrder/project short key.
	keyOf := map[string]string{}
	for _, k := range projectKeys {
		keyOf[projectName(tpl, k)] = k
	}
	summary := func(s stage) []string {
		var out []string
		for _, a := range s.Actions {
			out = append(out, fmt.Sprintf("%s/%s/%d/%s", a.Name, a.Category, a.RunOrder, keyOf[a.Configuration["ProjectName"]]))
		}
		return out
	}
	for _, c := range []struct {
		stage int
		want  []string
	}{
		{1, []string{"BuildAndTest/Build/1/build"}},
		{2, []string{"SelfUpdate/Build/1/update"}},
		{3, []string{"Deploy/Build/1/deploy-dev", "SmokeTest/Test/2/check-dev"}},
		{4, []string{"Diff/Test/1/diff-prod", "Approve/Approval/2/", "Deploy/Build/3/deploy-prod", "SmokeTest/Test/4/check-prod"}},
	} {
		if got := summary(stages[c.stage]); !slices.Equal(got, c.want) {
			t.Errorf("%s actions: got %v; want %v", stages[c.stage].Name, got, c.want)
		}
	}
	approve := stages[4].Actions[1].Configuration
	if got, want := approve["NotificationArn"], str(tpl.Resource(topic, "pipeline-events").Attr("arn")); got != want {
		t.Errorf("Approve NotificationArn: got %q; want %q", got, want)
	}
	if got := approve["CustomData"]; !strings.Contains(got, "prod") || !strings.Contains(got, "kumo diff") {
		t.Errorf("Approve CustomData: got %q; want a summary naming stack prod and its kumo diff", got)
	}
	if got, want := approve["ExternalEntityLink"], "https://eu-west-1.console.aws.amazon.com/codesuite/codebuild/projects/"+projectName(tpl, "diff-prod")+"/history?region=eu-west-1"; got != want {
		t.Errorf("Approve ExternalEntityLink: got %q; want %q", got, want)
	}

	p := tpl.Resource(codePipeline, "pipeline")
	key := tpl.Resource(kmsKey, "pipeline-key")
	p.HasProperties(assertions.M{
		"name":          "kumo-pipeline",
		"pipelineType":  "V2",
		"executionMode": "SUPERSEDED",
		"artifactStores": []any{assertions.M{
			"type": "S3", "location": tpl.Resource(bucket, "pipeline-artifacts").Attr("bucket"),
			"encryptionKey": assertions.M{"type": "KMS", "id": key.Attr("arn")},
		}},
		"triggers": []any{assertions.M{
			"providerType": "CodeStarSourceConnection",
			"gitConfiguration": assertions.M{"sourceActionName": "Checkout",
				"pushes": []any{assertions.M{"branches": assertions.M{"includes": []any{"main"}}}}},
		}},
	})
}

// TestPipelineBranchAndStagesFollowConfig: another branch, three stages
// in their order, approval of the middle one only and no smoke test.
func TestPipelineBranchAndStagesFollowConfig(t *testing.T) {
	tpl := deploy(t, `{"repository":"acme/shop","branch":"release/v2","stages":["prod","dev","shared-eu-west-1"],"approvalStages":["dev"]}`)
	var got []string
	for _, s := range stagesOf(t, tpl)[3:] {
		var acts []string
		for _, a := range s.Actions {
			acts = append(acts, fmt.Sprintf("%s/%d", a.Name, a.RunOrder))
		}
		got = append(got, s.Name+":"+strings.Join(acts, ","))
	}
	want := []string{"Deploy-prod:Deploy/1", "Deploy-dev:Diff/1,Approve/2,Deploy/3", "Deploy-shared-eu-west-1:Deploy/1"}
	if !slices.Equal(got, want) {
		t.Errorf("stages: got %v; want %v", got, want)
	}
	if got := stagesOf(t, tpl)[0].Actions[0].Configuration["BranchName"]; got != "release/v2" {
		t.Errorf("BranchName: got %q; want %q", got, "release/v2")
	}
	tpl.Resource(webhook, "pipeline-pr").HasProperties(assertions.M{"filterGroups": []any{assertions.M{"filters": assertions.ArrayWith(
		assertions.M{"type": "BASE_REF", "pattern": `^refs/heads/release/v2$`})}}})
	tpl.ResourceCountIs(project, 7) // build, update, pr, deploy ×3, diff-dev
}

// TestPullRequestProject: a GitHub-sourced project on a webhook of pull
// requests against the branch, only with pullRequests true.
func TestPullRequestProject(t *testing.T) {
	tpl := deploy(t, base)
	pr := tpl.Resource(project, "pipeline-pr")
	pr.HasProperties(assertions.M{"source": assertions.M{"type": "GITHUB", "location": "https://github.com/kumo-iac/kumo.git"}})
	tpl.Resource(webhook, "pipeline-pr").HasProperties(assertions.M{
		"projectName": pr.Attr("name"),
		"filterGroups": assertions.Exact([]any{assertions.M{"filters": []any{
			assertions.M{"type": "EVENT", "pattern": "PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED, PULL_REQUEST_REOPENED", "excludeMatchedPattern": false},
			assertions.M{"type": "BASE_REF", "pattern": "^refs/heads/main$", "excludeMatchedPattern": false},
		}}}),
	})

	off := deploy(t, merge(t, `{"pullRequests":false}`))
	off.ResourceCountIs(webhook, 0)
	if _, ok := off.Lookup(project, "pipeline-pr"); ok {
		t.Errorf("pullRequests false: got project pipeline-pr; want none")
	}
}

// TestStorage: artifacts and state encrypted with their keys, versioned,
// TLS-only, never public; state kept with deletionProtection; the secrets
// key rotates; the outputs say where state and secrets live.
func TestStorage(t *testing.T) {
	tpl := deploy(t, base)
	key, secrets := tpl.Resource(kmsKey, "pipeline-key"), tpl.Resource(kmsKey, "pipeline-secrets")
	for name, k := range map[string]*assertions.Resource{"pipeline-artifacts": key, "pipeline-state": secrets} {
		b := tpl.Resource(bucket, name).Attr("bucket")
		tpl.Resource("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", name).HasProperties(assertions.M{
			"bucket": b, "rules": []any{assertions.M{"applyServerSideEncryptionByDefault": assertions.M{"sseAlgorithm": "aws:kms", "kmsMasterKeyId": k.Attr("arn")}}}})
		tpl.Resource("aws:s3/bucketVersioningV2:BucketVersioningV2", name).HasProperties(assertions.M{
			"bucket": b, "versioningConfiguration": assertions.M{"status": "Enabled"}})
		tpl.Resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name).HasProperties(assertions.M{
			"bucket": b, "blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true})
		tpl.Resource("aws:s3/bucketPolicy:BucketPolicy", name).HasProperties(assertions.M{"bucket": b, "policy": assertions.SerializedJSON(assertions.M{
			"Statement": assertions.ArrayWith(assertions.M{"Effect": "Deny", "Principal": "*", "Action": []any{"s3:*"},
				"Condition": assertions.M{"Bool": assertions.M{"aws:SecureTransport": []any{"false"}}}})})})
	}
	secrets.HasProperties(assertions.M{"enableKeyRotation": true})
	tpl.Resource(bucket, "pipeline-state").HasProperties(assertions.M{"forceDestroy": false})

	tpl.HasOutput("stateBackend", "s3://"+str(tpl.Resource(bucket, "pipeline-state").Attr("bucket"))+"?region=eu-west-1")
	tpl.HasOutput("secretsProvider", "awskms://"+str(tpl.Resource(kmsAlias, "pipeline-secrets").Attr("name"))+"?region=eu-west-1")
	tpl.HasOutput("pipelineName", "kumo-pipeline")
	tpl.HasOutput("definitionHash", "")

	// A throwaway pipeline lets its state go.
	throwaway := deploy(t, merge(t, `{"deletionProtection":false}`))
	throwaway.Resource(bucket, "pipeline-state").HasProperties(assertions.M{"forceDestroy": true})
}

// TestEachBuildHasItsOwnRole: no two projects share a role, and the
// pipeline's role may start exactly the projects of its actions.
func TestEachBuildHasItsOwnRole(t *testing.T) {
	tpl := deploy(t, base)
	tpl.ResourceCountIs(project, len(projectKeys))
	seen := map[string]string{}
	var inPipeline []string
	for _, k := range projectKeys {
		p := tpl.Resource(project, "pipeline-"+k)
		r := str(buildRole(t, tpl, k).Attr("arn"))
		if got := fmt.Sprint(p.Input("serviceRole")); got != r {
			t.Errorf("pipeline-%s serviceRole: got %s; want its own role %s", k, got, r)
		}
		if other, ok := seen[r]; ok {
			t.Errorf("pipeline-%s and pipeline-%s share role %s", k, other, r)
		}
		seen[r] = k
		if k != "pr" {
			inPipeline = append(inPipeline, str(p.Attr("arn")))
		}
	}
	slices.Sort(inPipeline)
	pipelineRole := patterntest.Under(t, tpl, "kumo:cicd:Pipeline", role, "pipeline")
	if got := resourcesOf(grantsOf(t, tpl, pipelineRole), "codebuild:StartBuild"); !slices.Equal(got, inPipeline) {
		t.Errorf("pipeline role: got codebuild:StartBuild on %v; want exactly its actions' projects %v", got, inPipeline)
	}
}

// TestPullRequestsReachNoArtifacts: a pull request build runs unreviewed
// code, so it may not read or write the artifacts bucket (the deploys'
// inputs and Go caches); its cache is local. (It uses the pipeline's key
// for its own logs, which reaches no artifact without the bucket.)
func TestPullRequestsReachNoArtifacts(t *testing.T) {
	tpl := deploy(t, base)
	artifacts := str(tpl.Resource(bucket, "pipeline-artifacts").Attr("arn"))
	for _, st := range grantsOf(t, tpl, buildRole(t, tpl, "pr")) {
		for _, r := range st.Resource {
			if strings.HasPrefix(r, artifacts) {
				t.Errorf("pr role statement %s: got %v on %s; want no access to the artifacts bucket", st.Sid, st.Action, r)
			}
		}
	}
	pr := patterntest.Under(t, tpl, "kumo:cicd:BuildProject", "aws:codebuild/project:Project", "pipeline-pr")
	if got := fmt.Sprint(pr.Input("cache.type")); got != "LOCAL" {
		t.Errorf("pr project cache type: got %s; want LOCAL", got)
	}
}

// TestDeployRolesLeastPrivilege: who may assume which deploy role, what
// the kumo-made ones may do, and which role each action tells its build.
func TestDeployRolesLeastPrivilege(t *testing.T) {
	tpl := deploy(t, base)
	stateBucket := str(tpl.Resource(bucket, "pipeline-state").Attr("arn"))
	secretsKey := str(tpl.Resource(kmsKey, "pipeline-secrets").Attr("arn"))
	touchesState := func(stmts []statement) []string {
		var out []string
		for _, s := range stmts {
			for _, r := range s.Resource {
				if strings.HasPrefix(r, stateBucket) || r == secretsKey {
					out = append(out, strings.Join(s.Action, ",")+" on "+r)
				}
			}
		}
		return out
	}

	deployARN := map[string]string{}
	for _, s := range []string{"dev", "prod", "self"} {
		r := deployRole(tpl, s)
		if r == nil {
			t.Fatalf("kumo-made deploy role pipeline-deploy-%s: got none; want one", s)
		}
		deployARN[s] = str(r.Attr("arn"))
	}
	for _, c := range []struct {
		key, assumes string // assumes: the deploy role's stage, "" for none
		state        bool
	}{
		{"build", "", false},
		{"pr", "", false},
		// The smoke test runs as the stage's role to read what it deployed.
		{"check-dev", "dev", false},
		{"check-prod", "prod", false},
		{"update", "self", true},
		{"deploy-dev", "dev", true},
		{"deploy-prod", "prod", true},
		{"diff-prod", "prod", true},
	} {
		t.Run(c.key, func(t *testing.T) {
			g := grantsOf(t, tpl, buildRole(t, tpl, c.key))
			var want []string
			if c.assumes != "" {
				want = []string{deployARN[c.assumes]}
			}
			if got := resourcesOf(g, "sts:AssumeRole"); !slices.Equal(got, want) {
				t.Errorf("got sts:AssumeRole on %v; want %v", got, want)
			}
			got := touchesState(g)
			if !c.state && len(got) > 0 {
				t.Errorf("got access to state or its key: %v; want none", got)
			}
			if c.state && (!allowed(g, "s3:PutObject", stateBucket+"/*") || !allowed(g, "kms:Decrypt", secretsKey)) {
				t.Errorf("got %v; want read and write of the state bucket and use of the secrets key", got)
			}
		})
	}

	// Each kumo-made deploy role trusts exactly its stage's builds.
	for s, keys := range map[string][]string{"dev": {"check-dev", "deploy-dev"}, "prod": {"check-prod", "deploy-prod", "diff-prod"}, "self": {"update"}} {
		var want []string
		for _, k := range keys {
			want = append(want, str(buildRole(t, tpl, k).Attr("arn")))
		}
		slices.Sort(want)
		r := deployRole(tpl, s)
		if got := trusted(t, r); !slices.Equal(got, want) {
			t.Errorf("%s trusts %v; want exactly %v (the builds of %s)", r, got, want, s)
		}
		for _, st := range grantsOf(t, tpl, r) {
			for _, a := range st.Action {
				if a == "*" || strings.HasPrefix(a, "iam:") && strings.Contains(a, "*") || strings.HasPrefix(a, "sts:") && a != "sts:GetCallerIdentity" {
					t.Errorf("%s statement %s: got action %q; want no admin, iam or sts wildcard", r, st.Sid, a)
				}
				if a == "iam:PassRole" && len(st.Condition["StringEquals"]["iam:PassedToService"]) == 0 {
					t.Errorf("%s statement %s: got iam:PassRole without an iam:PassedToService condition", r, st.Sid)
				}
				// SSM whole would run commands on instances and read every
				// parameter: only kumo's parameters, by name.
				if strings.HasPrefix(a, "ssm:") && a != "ssm:DescribeParameters" && !slices.Equal(st.Resource, []string{"arn:aws:ssm:*:*:parameter/kumo/*"}) {
					t.Errorf("%s statement %s: got %s on %v; want it on arn:aws:ssm:*:*:parameter/kumo/* only", r, st.Sid, a, st.Resource)
				}
			}
		}
		if r.Input("managedPolicyArns") != nil {
			t.Errorf("%s: got managedPolicyArns %v; want none", r, r.Input("managedPolicyArns"))
		}
	}
	tpl.ResourceCountIs(attachment, 0)

	// Each diff/deploy/update/smoke-test action tells its build its deploy role.
	want := map[string]string{"UpdatePipeline/SelfUpdate": deployARN["self"], "Deploy-dev/Deploy": deployARN["dev"],
		"Deploy-dev/SmokeTest": deployARN["dev"], "Deploy-prod/Diff": deployARN["prod"], "Deploy-prod/Deploy": deployARN["prod"],
		"Deploy-prod/SmokeTest": deployARN["prod"]}
	got := map[string]string{}
	for _, s := range stagesOf(t, tpl) {
		for _, a := range s.Actions {
			if v := roleEnv(t, a); v != "" {
				got[s.Name+"/"+a.Name] = v
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("KUMO_DEPLOY_ROLE_ARN by action: got %v; want %v", got, want)
	}
}

// TestConfiguredDeployRole: a stage given a role in deployRoleArns gets no
// kumo-made one; its builds assume exactly the configured ARN.
func TestConfiguredDeployRole(t *testing.T) {
	const arn = "arn:aws:iam::210987654321:role/kumo-deploy"
	tpl := deploy(t, merge(t, `{"deployRoleArns":["prod=`+arn+`"]}`))
	if r := deployRole(tpl, "prod"); r != nil {
		t.Errorf("got kumo-made %s; want none for a stage with a configured role", r)
	}
	if deployRole(tpl, "dev") == nil {
		t.Errorf("stage dev: got no kumo-made deploy role; want one")
	}
	for _, k := range []string{"deploy-prod", "diff-prod"} {
		if got := resourcesOf(grantsOf(t, tpl, buildRole(t, tpl, k)), "sts:AssumeRole"); !slices.Equal(got, []string{arn}) {
			t.Errorf("pipeline-%s: got sts:AssumeRole on %v; want [%s]", k, got, arn)
		}
	}
	for _, a := range stagesOf(t, tpl)[4].Actions {
		if a.Name == "Diff" || a.Name == "Deploy" {
			if got := roleEnv(t, a); got != arn {
				t.Errorf("Deploy-prod/%s KUMO_DEPLOY_ROLE_ARN: got %q; want %q", a.Name, got, arn)
			}
		}
	}
}

// buildspec is the parts of a buildspec the tests read.
type buildspec struct {
	Env struct {
		Variables      map[string]string
		SecretsManager map[string]string `yaml:"secrets-manager"`
	}
	Phases map[string]struct{ Commands []string }
}

func specOf(t *testing.T, tpl *assertions.Template, key string) (buildspec, string) {
	t.Helper()
	y := fmt.Sprint(tpl.Resource(project, "pipeline-"+key).Input("source.buildspec"))
	var s buildspec
	if err := yaml.Unmarshal([]byte(y), &s); err != nil {
		t.Fatalf("pipeline-%s buildspec: %v", key, err)
	}
	var all []string
	for _, ph := range []string{"install", "pre_build", "build", "post_build"} {
		all = append(all, s.Phases[ph].Commands...)
	}
	return s, strings.Join(all, "\n")
}

// envOf maps a project's plain-text environment variables.
func envOf(tpl *assertions.Template, key string) map[string]string {
	out := map[string]string{}
	vars, _ := tpl.Resource(project, "pipeline-"+key).Input("environment.environmentVariables").([]any)
	for _, v := range vars {
		m, _ := v.(map[string]any)
		out[fmt.Sprint(m["name"])] = fmt.Sprint(m["value"])
	}
	return out
}

// TestBuildspecsInProjects: the commands each project runs, and the state
// backend only where a build touches state.
func TestBuildspecsInProjects(t *testing.T) {
	tpl := deploy(t, base)
	cases := []struct {
		key  string
		want []string
	}{
		{"build", []string{"go vet ./...", "go test ./...",
			"kumo synth --stack dev ", "kumo check --stack dev", "kumo synth --stack prod ", "kumo check --stack prod",
			"kumo synth --stack pipeline ", "kumo check --stack pipeline"}},
		{"deploy-prod", []string{`pulumi login "$KUMO_BACKEND_URL"`,
			`pulumi config set --path --stack prod aws:assumeRole.roleArn "$KUMO_DEPLOY_ROLE_ARN"`,
			"pulumi up --yes --non-interactive --stack prod"}},
		{"deploy-dev", []string{"pulumi up --yes --non-interactive --stack dev", `aws:assumeRole.roleArn "$KUMO_DEPLOY_ROLE_ARN"`}},
		{"diff-prod", []string{"pulumi preview --json --non-interactive --stack prod", "kumo diff --preview ", "--format markdown",
			`aws:assumeRole.roleArn "$KUMO_DEPLOY_ROLE_ARN"`}},
		{"update", []string{"pulumi stack output --json --stack pipeline", "sha256sum",
			"pulumi up --yes --non-interactive --stack pipeline", "aws codepipeline start-pipeline-execution --name kumo-pipeline",
			`aws:assumeRole.roleArn "$KUMO_DEPLOY_ROLE_ARN"`}},
		{"check-prod", []string{"make smoke"}},
		{"pr", []string{"kumo synth --stack dev ", "kumo synth --stack prod ", "kumo diff "}},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			_, cmds := specOf(t, tpl, c.key)
			for _, w := range c.want {
				if !strings.Contains(cmds, w) {
					t.Errorf("commands lack %q:\n%s", w, cmds)
				}
			}
		})
	}
	// Commands that must not run where they do not belong.
	for key, never := range map[string][]string{
		"build": {"pulumi up", "assumeRole"}, "pr": {"pulumi up", "pulumi login", "assumeRole"},
		"diff-prod": {"pulumi up"}, "deploy-dev": {"--stack prod"}, "check-prod": {"pulumi up"},
	} {
		_, cmds := specOf(t, tpl, key)
		for _, n := range never {
			if strings.Contains(cmds, n) {
				t.Errorf("pipeline-%s runs %q; want it never to", key, n)
			}
		}
	}
	if s, _ := specOf(t, tpl, "check-prod"); s.Env.Variables["KUMO_STACK"] != "prod" {
		t.Errorf("check-prod KUMO_STACK: got %q; want prod", s.Env.Variables["KUMO_STACK"])
	}

	backend := fmt.Sprint(tpl.Output("stateBackend"))
	secrets := fmt.Sprint(tpl.Output("secretsProvider"))
	for _, k := range projectKeys {
		e := envOf(tpl, k)
		state := k == "update" || strings.HasPrefix(k, "deploy-") || strings.HasPrefix(k, "diff-")
		if k == "pr" {
			if len(e) != 0 {
				t.Errorf("pipeline-pr environment: got %v; want none", e)
			}
			continue
		}
		if !state {
			continue
		}
		if e["KUMO_BACKEND_URL"] != backend || e["KUMO_SECRETS_PROVIDER"] != secrets {
			t.Errorf("pipeline-%s environment: got %v; want KUMO_BACKEND_URL %s and KUMO_SECRETS_PROVIDER %s", k, e, backend, secrets)
		}
	}
}

// TestPulumiCloudBackend: no state bucket or secrets key; the builds that
// touch state read the token from the configured secret, the only one
// granted, and no other build reads it.
func TestPulumiCloudBackend(t *testing.T) {
	const secret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pulumi-token-AbCdEf"
	tpl := deploy(t, merge(t, `{"backend":"pulumi-cloud","pulumiTokenSecret":"`+secret+`:token"}`))
	if _, ok := tpl.Lookup(bucket, "pipeline-state"); ok {
		t.Errorf("got bucket pipeline-state; want none with backend pulumi-cloud")
	}
	if _, ok := tpl.Lookup(kmsKey, "pipeline-secrets"); ok {
		t.Errorf("got key pipeline-secrets; want none with backend pulumi-cloud")
	}
	if got, want := outputNames(t, tpl), []string{"artifacts", "connectionArn", "definitionHash", "notifications", "pipelineName"}; !slices.Equal(got, want) {
		t.Errorf("outputs: got %v; want %v (no stateBackend, no secretsProvider)", got, want)
	}
	for _, k := range projectKeys {
		t.Run(k, func(t *testing.T) {
			state := k == "update" || strings.HasPrefix(k, "deploy-") || strings.HasPrefix(k, "diff-")
			s, cmds := specOf(t, tpl, k)
			var want []string
			if state {
				want = []string{secret}
				if got := s.Env.SecretsManager["PULUMI_ACCESS_TOKEN"]; got != secret+":token" {
					t.Errorf("buildspec secrets-manager PULUMI_ACCESS_TOKEN: got %q; want %q", got, secret+":token")
				}
				if strings.Contains(cmds, "KUMO_BACKEND_URL") {
					t.Errorf("commands use KUMO_BACKEND_URL with backend pulumi-cloud:\n%s", cmds)
				}
			}
			if got := resourcesOf(grantsOf(t, tpl, buildRole(t, tpl, k)), "secretsmanager:GetSecretValue"); !slices.Equal(got, want) {
				t.Errorf("got secretsmanager:GetSecretValue on %v; want %v", got, want)
			}
			if e := envOf(tpl, k); e["KUMO_BACKEND_URL"] != "" || e["KUMO_SECRETS_PROVIDER"] != "" {
				t.Errorf("environment: got %v; want no s3 backend", e)
			}
		})
	}
}

// outputNames lists the stack's outputs, sorted.
func outputNames(t *testing.T, tpl *assertions.Template) []string {
	t.Helper()
	raw, err := tpl.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Outputs map[string]any }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(doc.Outputs))
}

// TestSynthIsDeterministic: the same section synthesizes byte-identical
// documents.
func TestSynthIsDeterministic(t *testing.T) {
	a, err := deploy(t, base).JSON()
	if err != nil {
		t.Fatal(err)
	}
	b, err := deploy(t, base).JSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Errorf("two synths of one section differ (%d and %d bytes)", len(a), len(b))
	}
}

// TestCommentToken: the pull request build reads its GitHub token from the
// configured secret, given whole or with a JSON key, and may read exactly
// that secret; without one it prints the review to its log.
func TestCommentToken(t *testing.T) {
	const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gh-token-AbCdEf"
	for _, c := range []struct{ name, ref, grant string }{
		{"whole secret", arn, arn},
		{"json key", arn + ":token", arn},
		{"partial ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gh:token", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gh-??????"},
		{"none", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			tpl := deploy(t, merge(t, `{"commentTokenSecret":"`+c.ref+`"}`))
			s, cmds := specOf(t, tpl, "pr")
			var want []string
			if c.grant != "" {
				want = []string{c.grant}
			}
			if got := resourcesOf(grantsOf(t, tpl, buildRole(t, tpl, "pr")), "secretsmanager:GetSecretValue"); !slices.Equal(got, want) {
				t.Errorf("pipeline-pr: got secretsmanager:GetSecretValue on %v; want %v", got, want)
			}
			if got := s.Env.SecretsManager["GITHUB_TOKEN"]; got != c.ref {
				t.Errorf("buildspec secrets-manager GITHUB_TOKEN: got %q; want %q", got, c.ref)
			}
			if got, want := strings.Contains(cmds, "--comment github"), c.ref != ""; got != want {
				t.Errorf("kumo diff --comment github: got %v; want %v", got, want)
			}
		})
	}
}

// TestStageRolesCannotWidenThePipeline: a stage's kumo-made deploy role may
// change its stack's roles but is denied any change to the pipeline's own
// roles (every build's, the pipeline's, every deploy role, itself
// included); only the self-update's role, which deploys the pipeline, may.
func TestStageRolesCannotWidenThePipeline(t *testing.T) {
	tpl := deploy(t, base)
	var pipelineRoles []string
	for _, k := range []string{"build", "update", "pr", "deploy-dev", "check-dev", "diff-prod", "deploy-prod", "check-prod"} {
		pipelineRoles = append(pipelineRoles, str(buildRole(t, tpl, k).Attr("arn")))
	}
	pipelineRoles = append(pipelineRoles, str(patterntest.Under(t, tpl, "kumo:cicd:Pipeline", role, "pipeline").Attr("arn")))
	for _, s := range []string{"dev", "prod", "self"} {
		pipelineRoles = append(pipelineRoles, str(deployRole(tpl, s).Attr("arn")))
	}
	for _, s := range []string{"dev", "prod", "self"} {
		var denied []string
		for _, st := range grantsOf(t, tpl, deployRole(tpl, s)) {
			if st.Effect == "Deny" && slices.Contains(st.Action, "iam:PutRolePolicy") && slices.Contains(st.Action, "iam:UpdateAssumeRolePolicy") {
				denied = append(denied, st.Resource...)
			}
		}
		if s == "self" {
			if len(denied) > 0 {
				t.Errorf("the self-update's deploy role is denied changes to %v; want none: it deploys the pipeline's roles", denied)
			}
			continue
		}
		for _, r := range pipelineRoles {
			if !slices.Contains(denied, r) {
				t.Errorf("deploy role of %s: changes to the pipeline's role %s are not denied", s, r)
			}
		}
	}
}
