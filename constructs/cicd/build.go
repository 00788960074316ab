package cicd

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/codebuild"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

// ComputeType is a CodeBuild container size
// (https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-compute-types.html).
type ComputeType string

// The EC2 container sizes kumo's projects run on.
const (
	ComputeSmall   ComputeType = "BUILD_GENERAL1_SMALL"
	ComputeMedium  ComputeType = "BUILD_GENERAL1_MEDIUM"
	ComputeLarge   ComputeType = "BUILD_GENERAL1_LARGE"
	ComputeXLarge  ComputeType = "BUILD_GENERAL1_XLARGE"
	Compute2XLarge ComputeType = "BUILD_GENERAL1_2XLARGE"
)

var computeTypes = []ComputeType{ComputeSmall, ComputeMedium, ComputeLarge, ComputeXLarge, Compute2XLarge}

// CacheMode is a CodeBuild local cache mode
// (https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectCache.html).
type CacheMode string

// Local cache modes.
const (
	CacheSource      CacheMode = "LOCAL_SOURCE_CACHE"
	CacheDockerLayer CacheMode = "LOCAL_DOCKER_LAYER_CACHE"
	CacheCustom      CacheMode = "LOCAL_CUSTOM_CACHE"
)

var cacheModes = []CacheMode{CacheSource, CacheDockerLayer, CacheCustom}

// Defaults of a BuildProject.
const (
	// DefaultImage is CodeBuild's current Amazon Linux 2023 x86_64 image.
	DefaultImage = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
	// DefaultTimeoutMinutes is CodeBuild's own default, made explicit.
	DefaultTimeoutMinutes = 60
	// MinTimeoutMinutes and MaxTimeoutMinutes bound a build's timeout
	// (CreateProject timeoutInMinutes, 5–2160:
	// https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html).
	MinTimeoutMinutes = 5
	MaxTimeoutMinutes = 2160
)

// WebhookFilter is one filter of a webhook filter group
// (https://docs.aws.amazon.com/codebuild/latest/APIReference/API_WebhookFilter.html).
type WebhookFilter struct {
	// Type is EVENT, BASE_REF, HEAD_REF, ACTOR_ACCOUNT_ID, FILE_PATH,
	// COMMIT_MESSAGE, TAG_NAME or RELEASE_NAME. Required.
	Type string
	// Pattern is, for EVENT, a comma-separated list of events
	// (PUSH, PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED,
	// PULL_REQUEST_REOPENED, PULL_REQUEST_MERGED, PULL_REQUEST_CLOSED,
	// RELEASED, PRERELEASED), for the others a regular expression
	// ("^refs/heads/main$"). Required.
	Pattern string
	// Exclude makes a match keep the build from starting. Default: false.
	Exclude bool
}

var webhookFilterTypes = []string{"EVENT", "BASE_REF", "HEAD_REF", "ACTOR_ACCOUNT_ID", "FILE_PATH", "COMMIT_MESSAGE", "TAG_NAME", "RELEASE_NAME"}

var webhookEvents = []string{"PUSH", "PULL_REQUEST_CREATED", "PULL_REQUEST_UPDATED", "PULL_REQUEST_REOPENED",
	"PULL_REQUEST_MERGED", "PULL_REQUEST_CLOSED", "RELEASED", "PRERELEASED"}

// GitHubSource makes a project build a GitHub repository itself, started by
// a webhook, instead of the input artifacts of a pipeline.
type GitHubSource struct {
	// RepoURL is the repository's HTTPS clone URL,
	// "https://github.com/<owner>/<repo>.git". Required.
	RepoURL string
	// Connection authenticates CodeBuild to GitHub (CODECONNECTIONS source
	// auth, pulumi-aws v6.83 codebuild.ProjectSourceAuth); the project's role
	// is granted its use before the project is created, which CreateProject
	// checks (aws/aws-cdk#38504). No account-wide source credential is made.
	// Required.
	Connection *Connection
	// WebhookFilterGroups start a build when every filter of any one group
	// matches; each group needs an EVENT filter. Default: no webhook.
	WebhookFilterGroups [][]WebhookFilter
}

// BuildProjectArgs configure a BuildProject.
type BuildProjectArgs struct {
	// Description is shown in the CodeBuild console, at most 255
	// characters. Default: none.
	Description string
	// BuildSpec is the buildspec, YAML. Required.
	BuildSpec string
	// EncryptionKey encrypts the build's artifacts and its log group; cdk-nag
	// CB4 refuses the AWS managed key. It must let CloudWatch Logs of the
	// stack's region use it (logs.<region>.amazonaws.com in its
	// ServicePrincipals). Required.
	EncryptionKey *constructs.Key
	// ComputeType is the container size. Default: BUILD_GENERAL1_SMALL.
	ComputeType ComputeType
	// Image is a CodeBuild curated image ("aws/codebuild/…"; cdk-nag CB5).
	// Default: DefaultImage.
	Image string
	// TimeoutMinutes stops a build after this long, 5–2160. Default: 60.
	TimeoutMinutes int
	// Environment are plain-text environment variables. Default: none.
	Environment map[string]pulumi.StringInput
	// SecretEnvironment are variables read from Secrets Manager, each
	// "<secret ARN>:<JSON key>"; the role may read exactly those secrets.
	// A secret encrypted with a customer managed key also needs that key's
	// GrantDecrypt. Default: none.
	SecretEnvironment map[string]string
	// CacheBucket keeps the build cache in S3 under CachePrefix; the role is
	// granted read and write on it. Set it or LocalCacheModes, not both.
	// Default: no S3 cache.
	CacheBucket *constructs.Bucket
	// CachePrefix is the key prefix of the S3 cache. Default:
	// "codebuild-cache/<name>".
	CachePrefix string
	// LocalCacheModes cache on the build host instead (best effort).
	// Default: none.
	LocalCacheModes []CacheMode
	// LogRetentionDays keeps build logs this long. Default:
	// constructs.DefaultLogRetentionDays.
	LogRetentionDays int
	// Source builds a GitHub repository on webhook events. Default: nil,
	// the project builds a pipeline's input artifacts (CODEPIPELINE).
	Source *GitHubSource
}

// BuildProject is a CodeBuild project with a role of its own, which may
// write only the project's own log group and what grants add, never
// privileged (cdk-nag CB3), encrypted with a customer managed key (CB4),
// on a curated image (CB5). It is a Grantee: grants to it extend its role.
type BuildProject struct {
	pulumi.ResourceState
	grantee

	name string

	// Project is the underlying project, an escape hatch.
	Project *codebuild.Project
	// Role is the project's service role.
	Role *constructs.ServiceRole
	// LogGroup receives the build logs.
	LogGroup *cloudwatch.LogGroup
	// Webhook starts builds of a GitHubSource; nil otherwise.
	Webhook *codebuild.Webhook
	// Name is the physical project name, what a pipeline action names.
	Name pulumi.StringOutput
	// Arn is the project's ARN.
	Arn pulumi.StringOutput
}

// grantee names constructs.Grantee so that embedding it in BuildProject
// makes the project a Grantee through its role without an exported field.
type grantee = constructs.Grantee

// projectLogicalName: the project is autonamed <name>-<7 random> and must
// match CreateProject's [A-Za-z0-9][A-Za-z0-9\-_]{1,254}; its role is
// autonamed within IAM's 64 characters, so the name has at most 56.
var projectLogicalName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,55}$`)

// envName is what CodeBuild accepts as a variable name; CODEBUILD_ is
// reserved for its own (https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-env-vars.html).
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// secretRef is "<secret ARN>:<JSON key>" (CodeBuild's secret-id:json-key:
// version-stage:version-id, with the ARN as the id and the key required so
// a variable holds one value).
var secretRef = regexp.MustCompile(`^(arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+):([^:]+)$`)

// fullSecretSuffix ends a complete secret ARN: Secrets Manager appends
// "-" and six random characters to the name.
var fullSecretSuffix = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)

// githubRepoURL is a GitHub HTTPS clone URL.
var githubRepoURL = regexp.MustCompile(`^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(\.git)?$`)

func (a BuildProjectArgs) withDefaults(name string) BuildProjectArgs {
	if a.ComputeType == "" {
		a.ComputeType = ComputeSmall
	}
	if a.Image == "" {
		a.Image = DefaultImage
	}
	if a.TimeoutMinutes == 0 {
		a.TimeoutMinutes = DefaultTimeoutMinutes
	}
	if a.LogRetentionDays == 0 {
		a.LogRetentionDays = constructs.DefaultLogRetentionDays
	}
	if a.CacheBucket != nil && a.CachePrefix == "" {
		a.CachePrefix = "codebuild-cache/" + name
	}
	return a
}

func (a BuildProjectArgs) validate(name, region string) *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if !projectLogicalName.MatchString(name) {
		add("name: %q must be 1–56 letters, digits, '-' or '_', starting with a letter or digit (CreateProject's name pattern; the project and its role append 8 characters)", name)
	}
	if strings.TrimSpace(a.BuildSpec) == "" {
		add("BuildSpec: empty; give the buildspec YAML")
	}
	if n := len([]rune(a.Description)); n > 255 {
		add("Description: %d characters; CodeBuild allows at most 255", n)
	}
	if a.EncryptionKey == nil {
		add("EncryptionKey: nil; give a constructs.Key (cdk-nag AwsSolutions-CB4 refuses the AWS managed key)")
	} else if !a.EncryptionKey.AllowsLogs(region) {
		add("EncryptionKey: the key does not let CloudWatch Logs use it, so the project's log group could not be encrypted; add \"logs.%s.amazonaws.com\" to the key's ServicePrincipals", orRegion(region))
	}
	if !slices.Contains(computeTypes, a.ComputeType) {
		add("ComputeType: %q is not a container size; use one of %s", a.ComputeType, joinTypes(computeTypes))
	}
	if !strings.HasPrefix(a.Image, "aws/codebuild/") {
		add("Image: %q is not a CodeBuild curated image; use one starting aws/codebuild/, e.g. %q (cdk-nag AwsSolutions-CB5)", a.Image, DefaultImage)
	}
	if a.TimeoutMinutes < MinTimeoutMinutes || a.TimeoutMinutes > MaxTimeoutMinutes {
		add("TimeoutMinutes: %d is outside %d–%d, the timeouts CodeBuild allows", a.TimeoutMinutes, MinTimeoutMinutes, MaxTimeoutMinutes)
	}
	for _, k := range slices.Sorted(maps.Keys(a.Environment)) {
		validateEnvName(add, "Environment", k)
		if _, dup := a.SecretEnvironment[k]; dup {
			add("SecretEnvironment[%q]: also in Environment; a variable has one value", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a.SecretEnvironment)) {
		validateEnvName(add, "SecretEnvironment", k)
		if !secretRef.MatchString(a.SecretEnvironment[k]) {
			add("SecretEnvironment[%q]: %q is not \"<secret ARN>:<JSON key>\" (arn:aws:secretsmanager:<region>:<account>:secret:<name>:<key>)", k, a.SecretEnvironment[k])
		}
	}
	if a.CacheBucket != nil && len(a.LocalCacheModes) > 0 {
		add("LocalCacheModes: set with CacheBucket; a project has one cache, S3 or LOCAL")
	}
	if a.CacheBucket != nil && (strings.HasPrefix(a.CachePrefix, "/") || strings.HasSuffix(a.CachePrefix, "/")) {
		add("CachePrefix: %q starts or ends with '/'; give the prefix without slashes at its ends", a.CachePrefix)
	}
	seen := map[CacheMode]bool{}
	for i, m := range a.LocalCacheModes {
		switch {
		case !slices.Contains(cacheModes, m):
			add("LocalCacheModes[%d]: %q is not a cache mode; use one of %s", i, m, joinTypes(cacheModes))
		case seen[m]:
			add("LocalCacheModes[%d]: %q is listed twice", i, m)
		}
		seen[m] = true
	}
	if err := validateLogRetentionDays(a.LogRetentionDays); err != nil {
		errs = multierror.Append(errs, err)
	}
	if s := a.Source; s != nil {
		if !githubRepoURL.MatchString(s.RepoURL) {
			add("Source.RepoURL: %q is not a GitHub HTTPS clone URL; want https://github.com/<owner>/<repo>.git", s.RepoURL)
		}
		if s.Connection == nil {
			add("Source.Connection: nil; CodeBuild reaches GitHub through a connection (NewConnection or ConnectionFromArn)")
		}
		for g, group := range s.WebhookFilterGroups {
			events := 0
			for f, filter := range group {
				field := fmt.Sprintf("Source.WebhookFilterGroups[%d][%d]", g, f)
				switch {
				case !slices.Contains(webhookFilterTypes, filter.Type):
					add("%s.Type: %q is not a filter type; use one of %s", field, filter.Type, strings.Join(webhookFilterTypes, ", "))
				case filter.Pattern == "":
					add("%s.Pattern: empty; give the events or a regular expression", field)
				case filter.Type == "EVENT":
					events++
					for _, e := range strings.Split(filter.Pattern, ",") {
						if !slices.Contains(webhookEvents, strings.TrimSpace(e)) {
							add("%s.Pattern: %q is not a webhook event; use %s", field, e, strings.Join(webhookEvents, ", "))
						}
					}
				default:
					if _, err := regexp.Compile(filter.Pattern); err != nil {
						add("%s.Pattern: %q is not a regular expression: %v", field, filter.Pattern, err)
					}
				}
			}
			// "A filter group must contain an EVENT filter"
			// (https://docs.aws.amazon.com/codebuild/latest/userguide/github-webhook-events-console.html).
			if events != 1 {
				add("Source.WebhookFilterGroups[%d]: %d EVENT filters; each group needs exactly one", g, events)
			}
		}
	}
	return errs
}

func validateEnvName(add func(string, ...any), field, k string) {
	switch {
	case !envName.MatchString(k):
		add("%s[%q]: not a variable name; use letters, digits and '_', not starting with a digit", field, k)
	case strings.HasPrefix(strings.ToUpper(k), "CODEBUILD_"):
		add("%s[%q]: CODEBUILD_ names are reserved for CodeBuild's own variables", field, k)
	}
}

// validateLogRetentionDays: CloudWatch Logs' retention values
// (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
func validateLogRetentionDays(days int) error {
	if slices.Contains(constructs.ValidLogRetentionDays, days) {
		return nil
	}
	return fmt.Errorf("LogRetentionDays: %d is not a CloudWatch Logs retention; use one of %v", days, constructs.ValidLogRetentionDays)
}

// NewBuildProject registers a project, its role, its log group and, for a
// GitHubSource with filter groups, its webhook.
func NewBuildProject(ctx *pulumi.Context, name string, args *BuildProjectArgs, opts ...pulumi.ResourceOption) (*BuildProject, error) {
	if args == nil {
		args = &BuildProjectArgs{}
	}
	a := args.withDefaults(name)
	if err := constructs.Invalid(fmt.Sprintf("build project %q", name), a.validate(name, stackRegion(ctx))); err != nil {
		return nil, err
	}
	p := &BuildProject{name: name}
	if err := ctx.RegisterComponentResource("kumo:cicd:BuildProject", name, p, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(p)
	var err error
	if p.Role, err = constructs.NewServiceRole(ctx, name, p, "codebuild.amazonaws.com",
		fmt.Sprintf("Service role of kumo build project %s; permissions come only from grants.", name)); err != nil {
		return nil, err
	}
	p.grantee = p.Role
	if p.LogGroup, err = cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.Sprintf("/aws/codebuild/%s-", name),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
		// The key's policy is part of the key resource, which the log
		// group reads the ARN of: no ordering to add.
		KmsKeyId: a.EncryptionKey.Arn,
	}, parent); err != nil {
		return nil, err
	}
	// "Create a CodeBuild service role": logs:CreateLogStream and
	// logs:PutLogEvents on the project's log group, nothing wider
	// (https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html).
	if err := p.Role.AllowAs("logs", constructs.Statement{
		Sid:            "WriteOwnLogs",
		Actions:        []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resources:      []pulumi.StringInput{pulumi.Sprintf("%s:*", p.LogGroup.Arn)},
		WildcardReason: "the log streams of the project's own log group: CodeBuild creates one per build, named after the build ID",
	}); err != nil {
		return nil, err
	}
	if err := a.EncryptionKey.GrantEncryptDecrypt(p); err != nil {
		return nil, err
	}
	if err := p.grantSecrets(a.SecretEnvironment); err != nil {
		return nil, err
	}
	projectArgs := &codebuild.ProjectArgs{
		ServiceRole:   p.Role.Role().Arn,
		EncryptionKey: a.EncryptionKey.Arn,
		BuildTimeout:  pulumi.Int(a.TimeoutMinutes),
		Environment: &codebuild.ProjectEnvironmentArgs{
			ComputeType:              pulumi.String(string(a.ComputeType)),
			Image:                    pulumi.String(a.Image),
			Type:                     pulumi.String(environmentType(a.Image)),
			ImagePullCredentialsType: pulumi.String("CODEBUILD"),
			// cdk-nag CB3: never privileged (no Docker daemon in the build).
			PrivilegedMode:       pulumi.Bool(false),
			EnvironmentVariables: environmentVariables(a.Environment, a.SecretEnvironment),
		},
		LogsConfig: &codebuild.ProjectLogsConfigArgs{
			CloudwatchLogs: &codebuild.ProjectLogsConfigCloudwatchLogsArgs{GroupName: p.LogGroup.Name, Status: pulumi.String("ENABLED")},
			S3Logs:         &codebuild.ProjectLogsConfigS3LogsArgs{Status: pulumi.String("DISABLED")},
		},
	}
	if a.Description != "" {
		projectArgs.Description = pulumi.String(a.Description)
	}
	switch {
	case a.CacheBucket != nil:
		if err := a.CacheBucket.GrantReadWrite(p); err != nil {
			return nil, err
		}
		projectArgs.Cache = &codebuild.ProjectCacheArgs{Type: pulumi.String("S3"), Location: pulumi.Sprintf("%s/%s", a.CacheBucket.Name, a.CachePrefix)}
	case len(a.LocalCacheModes) > 0:
		modes := pulumi.StringArray{}
		for _, m := range a.LocalCacheModes {
			modes = append(modes, pulumi.String(string(m)))
		}
		projectArgs.Cache = &codebuild.ProjectCacheArgs{Type: pulumi.String("LOCAL"), Modes: modes}
	}
	if s := a.Source; s != nil {
		if err := p.Role.AllowAs("connection-"+s.Connection.name+"-use",
			s.Connection.useStatements("UseConnection", "GetConnection", "GetConnectionToken")); err != nil {
			return nil, err
		}
		projectArgs.Source = &codebuild.ProjectSourceArgs{
			Type:          pulumi.String("GITHUB"),
			Location:      pulumi.String(s.RepoURL),
			Buildspec:     pulumi.String(a.BuildSpec),
			GitCloneDepth: pulumi.Int(1),
			Auth:          &codebuild.ProjectSourceAuthArgs{Type: pulumi.String("CODECONNECTIONS"), Resource: s.Connection.Arn},
		}
		projectArgs.Artifacts = &codebuild.ProjectArtifactsArgs{Type: pulumi.String("NO_ARTIFACTS")}
	} else {
		projectArgs.Source = &codebuild.ProjectSourceArgs{Type: pulumi.String("CODEPIPELINE"), Buildspec: pulumi.String(a.BuildSpec)}
		projectArgs.Artifacts = &codebuild.ProjectArtifactsArgs{Type: pulumi.String("CODEPIPELINE")}
	}
	// CreateProject with CODECONNECTIONS auth checks that the role may use
	// the connection (aws/aws-cdk#38504), and a build started before the
	// role's policies exist fails: the project waits for every policy
	// granted so far.
	if p.Project, err = codebuild.NewProject(ctx, name, projectArgs, parent, pulumi.DependsOn(p.Role.Policies())); err != nil {
		return nil, err
	}
	p.Name, p.Arn = p.Project.Name, p.Project.Arn
	if s := a.Source; s != nil && len(s.WebhookFilterGroups) > 0 {
		groups := codebuild.WebhookFilterGroupArray{}
		for _, g := range s.WebhookFilterGroups {
			filters := codebuild.WebhookFilterGroupFilterArray{}
			for _, f := range g {
				filters = append(filters, &codebuild.WebhookFilterGroupFilterArgs{
					Type: pulumi.String(f.Type), Pattern: pulumi.String(f.Pattern), ExcludeMatchedPattern: pulumi.Bool(f.Exclude),
				})
			}
			groups = append(groups, &codebuild.WebhookFilterGroupArgs{Filters: filters})
		}
		if p.Webhook, err = codebuild.NewWebhook(ctx, name, &codebuild.WebhookArgs{
			ProjectName:  p.Project.Name,
			BuildType:    pulumi.String("BUILD"),
			FilterGroups: groups,
		}, parent); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(p, pulumi.Map{"name": p.Name, "arn": p.Arn}); err != nil {
		return nil, err
	}
	return p, nil
}

// Allow adds statements to the project's role (ServiceRole.Allow).
func (p *BuildProject) Allow(statements ...constructs.Statement) error {
	return p.Role.Allow(statements...)
}

// grantSecrets lets the role read exactly the secrets the variables name.
// A partial ARN (no "-" and 6 random characters) is matched with "-??????",
// as Secrets Manager advises, so it names that secret and no other
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html).
func (p *BuildProject) grantSecrets(vars map[string]string) error {
	seen := map[string]bool{}
	var resources []pulumi.StringInput
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		arn := secretRef.FindStringSubmatch(vars[k])[1]
		if !fullSecretSuffix.MatchString(arn) {
			arn += "-??????"
		}
		if !seen[arn] {
			seen[arn] = true
			resources = append(resources, pulumi.String(arn))
		}
	}
	if len(resources) == 0 {
		return nil
	}
	return p.Role.AllowAs("secrets", constructs.Statement{
		Sid: "ReadSecrets", Actions: []string{"secretsmanager:GetSecretValue"}, Resources: resources,
	})
}

// environmentType is the container type an image runs on: ARM images for
// aarch64, Linux containers otherwise.
func environmentType(image string) string {
	if strings.Contains(image, "aarch64") {
		return "ARM_CONTAINER"
	}
	return "LINUX_CONTAINER"
}

// environmentVariables renders the variables sorted by name, so the
// project's inputs are the same on every run.
func environmentVariables(plain map[string]pulumi.StringInput, secret map[string]string) codebuild.ProjectEnvironmentEnvironmentVariableArray {
	out := codebuild.ProjectEnvironmentEnvironmentVariableArray{}
	names := append(slices.Sorted(maps.Keys(plain)), slices.Sorted(maps.Keys(secret))...)
	sort.Strings(names)
	for _, k := range names {
		if v, ok := plain[k]; ok {
			out = append(out, &codebuild.ProjectEnvironmentEnvironmentVariableArgs{Name: pulumi.String(k), Type: pulumi.String("PLAINTEXT"), Value: v})
			continue
		}
		out = append(out, &codebuild.ProjectEnvironmentEnvironmentVariableArgs{Name: pulumi.String(k), Type: pulumi.String("SECRETS_MANAGER"), Value: pulumi.String(secret[k])})
	}
	return out
}

func joinTypes[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// stackRegion is the stack's aws:region, "" when it sets none.
func stackRegion(ctx *pulumi.Context) string {
	r, _ := ctx.GetConfig("aws:region")
	return r
}

func orRegion(region string) string {
	if region == "" {
		return "<region>"
	}
	return region
}
