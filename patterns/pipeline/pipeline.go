// Package pipeline is kumo's CI/CD pattern: a CodePipeline (V2) that takes
// a repository from commit to production with the same library it deploys.
// A push to the branch is built and tested (go vet, go test, kumo synth and
// kumo check of every stage's stack), the pipeline updates itself first
// when — and only when — its own definition changed, then each stage in
// turn is previewed and approved if it asks for it, deployed with `pulumi
// up` (kumo's canary releases run inside it) and smoke-tested. Pull
// requests get `kumo diff` as a comment from a build with no deploy
// credentials. Pulumi state lives in an S3 bucket the pattern creates,
// encrypted with an awskms:// secrets provider on a key it creates, or in
// Pulumi Cloud. Every build has its own role; deploys assume a deploy role
// per stage, in this account or another, never an administrator.
package pipeline

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/cicd"
	"github.com/kumo-iac/kumo/patterns"
	"github.com/kumo-iac/kumo/patterns/pipeline/buildspec"
)

// Pattern plugs the pipeline into a stack.
type Pattern struct{}

var _ patterns.Pattern = Pattern{}

func (Pattern) Name() string { return Name }

func (Pattern) Description() string {
	return "A CodePipeline from commit to production: build and test, self-update, per-stage preview, approval, deploy and smoke test, with kumo diff on pull requests."
}

func (Pattern) NewConfig() any { c := DefaultConfig(); return &c }

// Validate checks the section's keys against the project at env.Root.
func (Pattern) Validate(cfg any, env patterns.Env) []error {
	p := &patterns.Problems{Secret: env.Secret}
	cfg.(*Config).validate(p, env.Root)
	return p.Errs
}

// patternName names the pattern's component and prefixes its children.
const patternName = "pipeline"

// Deploy registers the pattern.
func (Pattern) Deploy(ctx *pulumi.Context, cfg any, env patterns.Env) (pulumi.Map, error) {
	pl, err := New(ctx, patternName, &Args{Config: *cfg.(*Config), Root: env.Root, Region: env.Region})
	if err != nil {
		return nil, err
	}
	return pl.Outputs(), nil
}

// Args are the pipeline's config and where it runs.
type Args struct {
	Config
	// Root is the Pulumi project directory; stages are checked against its
	// stack files. Default: "" (not checked).
	Root string
	// Region is the stack's AWS region, for the backend and secrets URLs.
	Region string
}

// Pipeline is the deployed pattern.
type Pipeline struct {
	pulumi.ResourceState

	// Pipeline is the CodePipeline.
	Pipeline *cicd.Pipeline
	// Projects are the CodeBuild projects by role in the pipeline: build,
	// update, pr, deploy-<stage>, diff-<stage>, check-<stage>.
	Projects map[string]*cicd.BuildProject
	// DeployRoles are the roles kumo made for stages without a configured
	// one, by stage ("" for the pipeline's own stack).
	DeployRoles map[string]*deployRole
	// Connection reaches the repository.
	Connection *cicd.Connection
	// Artifacts holds the pipeline's artifacts; State holds Pulumi state
	// (nil with backend pulumi-cloud); AccessLogs holds both's S3 access
	// logs.
	Artifacts, State, AccessLogs *constructs.Bucket
	// Key encrypts artifacts, logs and notifications; SecretsKey is the
	// awskms:// secrets provider's key (nil with backend pulumi-cloud).
	Key, SecretsKey *constructs.Key
	// Topic tells of failed runs and approvals waiting.
	Topic *constructs.Topic

	backendURL, secretsProvider pulumi.StringOutput
}

// Outputs are the pattern's stack outputs.
func (p *Pipeline) Outputs() pulumi.Map {
	out := pulumi.Map{
		"pipelineName":  p.Pipeline.Name,
		"connectionArn": p.Connection.Arn,
		"artifacts":     p.Artifacts.Name,
		"notifications": p.Topic.Arn,
		// The self-update's record of the definition it deployed: set only
		// by its pulumi up (buildspec.Update), "" from anywhere else.
		buildspec.DefinitionHashOutput: pulumi.String(os.Getenv(buildspec.DefinitionHashEnv)),
	}
	if p.State != nil {
		out["stateBackend"] = p.backendURL
		out["secretsProvider"] = p.secretsProvider
	}
	return out
}

// New registers the pipeline.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Pipeline, error) {
	if args == nil {
		args = &Args{Config: DefaultConfig()}
	}
	prob := &patterns.Problems{}
	args.validate(prob, args.Root)
	if len(prob.Errs) > 0 {
		return nil, constructs.Invalid("pipeline "+name, multierror.Append(nil, prob.Errs...))
	}
	pl := &Pipeline{Projects: map[string]*cicd.BuildProject{}, DeployRoles: map[string]*deployRole{}}
	if err := ctx.RegisterComponentResource("kumo:patterns:Pipeline", name, pl, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, a: *args, pl: pl, parent: pulumi.Parent(pl)}
	for _, step := range []func() error{b.storage, b.source, b.projects, b.pipeline, b.pullRequests, b.protect} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(pl, pl.Outputs()); err != nil {
		return nil, err
	}
	return pl, nil
}

type builder struct {
	ctx    *pulumi.Context
	name   string
	a      Args
	pl     *Pipeline
	parent pulumi.ResourceOption
	// roleARNs are each stage's deploy role ("" for the pipeline's own).
	roleARNs map[string]pulumi.StringInput
}

func (b *builder) child(s string) string { return b.name + "-" + s }

// storage creates the key, the artifact and state buckets, the secrets
// provider's key and the notification topic.
func (b *builder) storage() error {
	var err error
	pl := b.pl
	if pl.Key, err = constructs.NewKey(b.ctx, b.child("key"), &constructs.KeyArgs{
		Description:       fmt.Sprintf("Encrypts the artifacts, build logs and notifications of kumo pipeline %s.", b.name),
		ServicePrincipals: []string{"logs." + b.a.Region + ".amazonaws.com", "codestar-notifications.amazonaws.com"},
	}, b.parent); err != nil {
		return err
	}
	// Who read and wrote artifacts and state: S3 server access logs of
	// both buckets, kept a year.
	if pl.AccessLogs, err = constructs.NewBucket(b.ctx, b.child("access-logs"), &constructs.BucketArgs{
		ForAccessLogs: true, ForceDestroy: !b.a.Protect,
		LifecycleRules: []constructs.LifecycleRule{{ID: "expire-access-logs", ExpirationDays: 365, NoncurrentExpirationDays: 1}},
	}, b.parent); err != nil {
		return err
	}
	if pl.Artifacts, err = constructs.NewBucket(b.ctx, b.child("artifacts"), &constructs.BucketArgs{
		AccessLogBucket: pl.AccessLogs, AccessLogPrefix: "artifacts/",
		KMSKey:         pl.Key,
		ForceDestroy:   true, // artifacts are rebuilt by the next run
		LifecycleRules: []constructs.LifecycleRule{{ID: "expire-artifacts", ExpirationDays: b.a.ArtifactRetentionDays, NoncurrentExpirationDays: 1}},
	}, b.parent); err != nil {
		return err
	}
	if b.a.Backend == BackendS3 {
		if pl.SecretsKey, err = constructs.NewKey(b.ctx, b.child("secrets"), &constructs.KeyArgs{
			Description: fmt.Sprintf("The awskms:// secrets provider of the stacks kumo pipeline %s deploys: encrypts each stack's data key.", b.name),
		}, b.parent); err != nil {
			return err
		}
		if pl.State, err = constructs.NewBucket(b.ctx, b.child("state"), &constructs.BucketArgs{
			AccessLogBucket: pl.AccessLogs, AccessLogPrefix: "state/",
			KMSKey:       pl.SecretsKey,
			ForceDestroy: !b.a.Protect,
			// Old versions of a checkpoint are how a bad update is undone
			// (README: rolling back); a year of them is plenty.
			LifecycleRules: []constructs.LifecycleRule{{ID: "expire-old-checkpoints", NoncurrentExpirationDays: 365}},
		}, b.parent); err != nil {
			return err
		}
		pl.backendURL = pulumi.Sprintf("s3://%s?region=%s", pl.State.Name, b.a.Region)
		pl.secretsProvider = pulumi.Sprintf("awskms://%s?region=%s", pl.SecretsKey.Alias.Name, b.a.Region)
	}
	if pl.Topic, err = constructs.NewTopic(b.ctx, b.child("events"), &constructs.TopicArgs{
		DisplayName:        "kumo pipeline",
		KMSKey:             pl.Key,
		Publishers:         []string{"codestar-notifications.amazonaws.com"},
		EmailSubscriptions: b.a.NotificationEmails,
	}, b.parent); err != nil {
		return err
	}
	return nil
}

// source creates the CodeStar connection, or takes the configured one.
func (b *builder) source() error {
	var err error
	if b.a.ConnectionArn != "" {
		b.pl.Connection, err = cicd.ConnectionFromArn(b.a.ConnectionArn)
		return err
	}
	b.pl.Connection, err = cicd.NewConnection(b.ctx, b.child("source"), &cicd.ConnectionArgs{ProviderType: cicd.ProviderType(b.a.Provider)}, b.parent)
	return err
}

// backend is what every build that touches Pulumi state is told.
func (b *builder) backend() buildspec.Backend {
	if b.a.Backend == BackendPulumiCloud {
		return buildspec.Backend{Kind: BackendPulumiCloud, TokenSecret: b.a.PulumiTokenSecret}
	}
	// The bucket's and the key's names are known only once they exist: the
	// projects' environment carries them (projectArgs).
	return buildspec.Backend{Kind: BackendS3}
}

func (b *builder) toolchain() buildspec.Toolchain {
	return buildspec.Toolchain{Go: b.a.GoVersion, Pulumi: b.a.PulumiVersion}
}

func (b *builder) project() buildspec.Project { return buildspec.Project{Dir: b.a.ProjectDir} }

// projectArgs are what every build project shares.
func (b *builder) projectArgs(description string, spec buildspec.Spec, extra map[string]pulumi.StringInput) (*cicd.BuildProjectArgs, error) {
	y, err := spec.YAML()
	if err != nil {
		return nil, fmt.Errorf("buildspec of %s: %w", description, err)
	}
	env := map[string]pulumi.StringInput{}
	if b.pl.State != nil {
		env[buildspec.BackendURLEnv] = b.pl.backendURL
		env[buildspec.SecretsProviderEnv] = b.pl.secretsProvider
	}
	for k, v := range extra {
		env[k] = v
	}
	// Compiling the AWS SDK, the tests and a first deploy of a stack with
	// a search domain and CloudFront outgrow the small container and an
	// hour: a killed pulumi up leaves pending operations in state.
	return &cicd.BuildProjectArgs{
		Description:      description,
		BuildSpec:        y,
		EncryptionKey:    b.pl.Key,
		LogRetentionDays: b.a.LogRetentionDays,
		Environment:      env,
		CacheBucket:      b.pl.Artifacts,
		CachePrefix:      "cache",
		ComputeType:      cicd.ComputeMedium,
		TimeoutMinutes:   180,
	}, nil
}

// stateAccess lets a build read and write Pulumi state: the bucket and the
// secrets key, or with backend pulumi-cloud the token's secret, which
// CodeBuild reads with the build's role for the buildspec's secrets-manager
// section (https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html#build-spec.env.secrets-manager).
func (b *builder) stateAccess(p *cicd.BuildProject) error {
	if b.a.Backend == BackendPulumiCloud {
		return p.Allow(constructs.Statement{Sid: "ReadPulumiToken", Actions: []string{"secretsmanager:GetSecretValue"},
			Resources: []pulumi.StringInput{pulumi.String(secretResource(b.a.PulumiTokenSecret))}})
	}
	if b.pl.State == nil {
		return nil
	}
	if err := b.pl.State.GrantReadWrite(p); err != nil {
		return err
	}
	return b.pl.SecretsKey.GrantEncryptDecrypt(p)
}

// secretResource is the IAM resource of a secret given as arn or
// arn:json-key: the ARN without the key, and a partial ARN (no "-" and six
// random characters) matched with "-??????" so it names that secret and no
// other (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html).
func secretResource(ref string) string {
	arn := ref
	if m := secretPattern.FindStringSubmatch(ref); m != nil && m[1] != "" {
		arn = strings.TrimSuffix(ref, m[1])
	}
	if !fullSecretSuffix.MatchString(arn) {
		arn += "-??????"
	}
	return arn
}

// fullSecretSuffix ends a complete secret ARN: Secrets Manager appends "-"
// and six random characters to the name.
var fullSecretSuffix = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)

// deployRoleEnv names the variable a build reads its deploy role from.
const deployRoleEnv = "KUMO_DEPLOY_ROLE_ARN"

// physicalName is the pipeline's name in AWS: the project and the stack, so
// the self-update can start it before the pipeline exists.
func (b *builder) physicalName() string {
	return b.ctx.Project() + "-" + b.ctx.Stack()
}

// projects creates the build projects and deploy roles.
func (b *builder) projects() error {
	t, proj := b.toolchain(), b.project()
	stack := b.ctx.Stack()
	add := func(key, description string, spec buildspec.Spec, env map[string]pulumi.StringInput) (*cicd.BuildProject, error) {
		args, err := b.projectArgs(description, spec, env)
		if err != nil {
			return nil, err
		}
		p, err := cicd.NewBuildProject(b.ctx, b.child(key), args, b.parent)
		if err != nil {
			return nil, err
		}
		b.pl.Projects[key] = p
		return p, nil
	}
	roles := b.a.deployRoles()
	// A stage's deploy role: the configured one, or one kumo makes, which
	// the stage's first build (its diff, else its deploy) is trusted by.
	roleFor := func(stage string, builds ...*cicd.BuildProject) (pulumi.StringInput, error) {
		if arn, ok := roles[stage]; ok {
			for _, p := range builds {
				if err := p.Allow(assumeStatement(pulumi.String(arn))); err != nil {
					return nil, err
				}
			}
			return pulumi.String(arn), nil
		}
		if err := b.deployRole(stage, builds...); err != nil {
			return nil, err
		}
		return b.pl.DeployRoles[stage].role.Role().Arn, nil
	}

	stacks := append(append([]string{}, b.a.Stages...), stack)
	if _, err := add("build", "Builds and tests the repository, and synthesizes and checks every stage's stack.", buildspec.Build(t, proj, stacks), nil); err != nil {
		return err
	}
	return b.stageProjects(add, roleFor)
}

type addFunc func(key, description string, spec buildspec.Spec, env map[string]pulumi.StringInput) (*cicd.BuildProject, error)
type roleFunc func(stage string, builds ...*cicd.BuildProject) (pulumi.StringInput, error)

// stageProjects creates the self-update project and each stage's diff,
// deploy and check projects. A project's deploy role ARN is only known
// once the role exists, and the role trusts the project's own role, so the
// project reads it from its environment, set through the pipeline action.
func (b *builder) stageProjects(add addFunc, roleFor roleFunc) error {
	t, proj := b.toolchain(), b.project()
	update, err := add("update", "Updates the pipeline itself when its definition changed.",
		buildspec.Update(t, proj, b.backend(), b.ctx.Stack(), b.physicalName(), "$"+deployRoleEnv), nil)
	if err != nil {
		return err
	}
	if err := b.stateAccess(update); err != nil {
		return err
	}
	// A changed definition starts a new execution of the updated pipeline.
	account := aws.GetCallerIdentityOutput(b.ctx, aws.GetCallerIdentityOutputArgs{}, pulumi.Parent(b.pl)).AccountId()
	if err := update.Allow(constructs.Statement{Sid: "StartUpdatedPipeline", Actions: []string{"codepipeline:StartPipelineExecution"},
		Resources: []pulumi.StringInput{pulumi.Sprintf("arn:aws:codepipeline:%s:%s:%s", b.a.Region, account, b.physicalName())}}); err != nil {
		return err
	}
	if b.roleARNs == nil {
		b.roleARNs = map[string]pulumi.StringInput{}
	}
	if b.roleARNs[""], err = roleFor("", update); err != nil {
		return err
	}
	for _, stage := range b.a.Stages {
		var builds []*cicd.BuildProject
		if contains(b.a.ApprovalStages, stage) {
			p, err := add("diff-"+stage, "Previews stack "+stage+" and renders its kumo diff for the approval.",
				buildspec.Diff(t, proj, b.backend(), stage, "$"+deployRoleEnv), nil)
			if err != nil {
				return err
			}
			builds = append(builds, p)
		}
		p, err := add("deploy-"+stage, "Deploys stack "+stage+" (pulumi up).", buildspec.Deploy(t, proj, b.backend(), stage, "$"+deployRoleEnv), nil)
		if err != nil {
			return err
		}
		builds = append(builds, p)
		for _, p := range builds {
			if err := b.stateAccess(p); err != nil {
				return err
			}
		}
		// The smoke test runs as the stage's deploy role too, to read what
		// the stage deployed wherever it is; it needs no state.
		if b.a.SmokeTestCommand != "" {
			p, err := add("check-"+stage, "Smoke-tests stack "+stage+" after its deploy.", buildspec.Check(t, proj, stage, b.a.SmokeTestCommand, "$"+deployRoleEnv), nil)
			if err != nil {
				return err
			}
			builds = append(builds, p)
		}
		if b.roleARNs[stage], err = roleFor(stage, builds...); err != nil {
			return err
		}
	}
	return nil
}

// assumeStatement lets a build assume one deploy role.
func assumeStatement(role pulumi.StringInput) constructs.Statement {
	return constructs.Statement{Sid: "AssumeDeployRole", Actions: []string{"sts:AssumeRole", "sts:TagSession"}, Resources: []pulumi.StringInput{role}}
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// stageLabel names a stage in action and artifact names.
func stageLabel(stage string) string {
	return strings.NewReplacer(".", "-").Replace(stage)
}
