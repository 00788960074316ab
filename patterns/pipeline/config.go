package pipeline

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/patterns"
	"github.com/kumo-iac/kumo/patterns/pipeline/buildspec"
)

// Name is the pattern's entry in kumo:patterns and its config section.
const Name = "pipeline"

// Config is the pipeline pattern's section of a stack file (kumo:pipeline).
// Each field's default is what DefaultConfig gives it; the tags name and
// document the keys (the README's table and Pulumi.yaml are checked
// against them).
type Config struct {
	Repository            string   `config:"repository" doc:"The repository the pipeline builds, as owner/name (required)."`
	Branch                string   `config:"branch" doc:"The branch whose pushes run the pipeline, and that pull requests are reviewed against."`
	Provider              string   `config:"provider" doc:"Where the repository lives: GitHub, GitLab or Bitbucket (a CodeStar connection of that type)."`
	ConnectionArn         string   `config:"connectionArn" doc:"An existing CodeStar connection to use; empty creates one, which a human completes once in the console (its handshake cannot be automated)."`
	ProjectDir            string   `config:"projectDir" doc:"The Pulumi project's directory in the repository (the one holding Pulumi.yaml)."`
	Stages                []string `config:"stages" doc:"The stacks the pipeline deploys, in order; each must have its Pulumi.<stack>.yaml in the project."`
	DeployRoleArns        []string `config:"deployRoleArns" doc:"stage=arn pairs: the role a stage's deploy assumes, e.g. in another account; a stage without one gets a deploy role kumo makes in this account, limited to the services kumo deploys."`
	ApprovalStages        []string `config:"approvalStages" doc:"Stages that wait for a manual approval, with the kumo diff of their preview attached, before they deploy."`
	SmokeTestCommand      string   `config:"smokeTestCommand" doc:"A command run after each stage's deploy, from the project directory with KUMO_STACK set; a non-zero exit fails the pipeline. Empty: no check."`
	Backend               string   `config:"backend" doc:"Where Pulumi state lives: s3 (a bucket kumo creates, with an awskms:// secrets provider on a key kumo creates) or pulumi-cloud (token from pulumiTokenSecret)."`
	PulumiTokenSecret     string   `config:"pulumiTokenSecret" doc:"The Secrets Manager secret holding PULUMI_ACCESS_TOKEN, as arn or arn:json-key (backend pulumi-cloud only)."`
	PullRequests          bool     `config:"pullRequests" doc:"Review every pull request: a CodeBuild project on the repository's webhook synthesizes base and head and posts kumo diff, with no deploy credentials (GitHub only)."`
	CommentTokenSecret    string   `config:"commentTokenSecret" doc:"The Secrets Manager secret holding a GitHub token that may write pull request comments, as arn or arn:json-key; empty prints the review to the build log only."`
	GoVersion             string   `config:"goVersion" doc:"The Go toolchain every build uses, fetched and verified by the go command against the Go checksum database."`
	PulumiVersion         string   `config:"pulumiVersion" doc:"The Pulumi CLI every build uses, verified against its release's SHA-256."`
	LogRetentionDays      int      `config:"logRetentionDays" doc:"Retention of the build logs; a CloudWatch Logs value (1, 3, 5, 7, 14, 30, 60, 90, …, 3653)."`
	ArtifactRetentionDays int      `config:"artifactRetentionDays" doc:"Days the pipeline's artifacts (source, synth documents, diffs) are kept, 1–3650."`
	Protect               bool     `config:"deletionProtection" doc:"Keep the state bucket when it is not empty, and its key for 30 days after removal (turn off only for a throwaway pipeline)."`
	NotificationEmails    []string `config:"notificationEmails" doc:"E-mail addresses told of failed runs and of approvals waiting."`
}

// The pattern's documented defaults.
const (
	DefaultBranch                = "main"
	DefaultProvider              = "GitHub"
	DefaultProjectDir            = "."
	DefaultBackend               = BackendS3
	DefaultArtifactRetentionDays = 30
)

// Backends.
const (
	BackendS3          = "s3"
	BackendPulumiCloud = "pulumi-cloud"
)

// Providers are the repository hosts a CodeStar connection reaches
// (https://docs.aws.amazon.com/codeconnections/latest/APIReference/API_CreateConnection.html, ProviderType).
var Providers = []string{"Bitbucket", "GitHub", "GitLab"}

// DefaultStages deploy a development stack, then production.
var DefaultStages = []string{"dev", "prod"}

// DefaultConfig is the pipeline pattern's documented defaults.
func DefaultConfig() Config {
	t := buildspec.DefaultToolchain()
	return Config{
		Branch:                DefaultBranch,
		Provider:              DefaultProvider,
		ProjectDir:            DefaultProjectDir,
		Stages:                slices.Clone(DefaultStages),
		DeployRoleArns:        []string{},
		ApprovalStages:        []string{"prod"},
		Backend:               DefaultBackend,
		PullRequests:          true,
		GoVersion:             t.Go,
		PulumiVersion:         t.Pulumi,
		LogRetentionDays:      constructs.DefaultLogRetentionDays,
		ArtifactRetentionDays: DefaultArtifactRetentionDays,
		Protect:               true,
		NotificationEmails:    []string{},
	}
}

var (
	// repositoryPattern is owner/name as GitHub, GitLab and Bitbucket spell
	// it (GitLab groups may nest: group/subgroup/name).
	repositoryPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$`)
	// stackPattern is a Pulumi stack name: letters, digits, '-', '_' and
	// '.' (pulumi/sdk go/common/tokens ValidateStackName... see stackNameRE).
	stackPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)
	// roleArnPattern is an IAM role ARN (any partition, path allowed).
	roleArnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)
	// secretPattern is a Secrets Manager secret ARN, optionally followed by
	// ":json-key" as a buildspec's secrets-manager section takes it.
	secretPattern = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+(:[\w.-]+)?$`)
	// connectionArnPattern is a CodeStar (CodeConnections) connection ARN.
	connectionArnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]{36}$`)
	// versionPattern is a release version: 1.24.4, 3.175.0.
	versionPattern = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
)

// validate checks each key, naming it; root is the project directory, to
// check that every stage has its stack file.
func (c Config) validate(p *patterns.Problems, root string) {
	k := func(name string) string { return patterns.KeyName(Name, name) }
	switch {
	case c.Repository == "":
		p.Add(k("repository"), "is empty; give the repository the pipeline builds, as owner/name, e.g. %s", patterns.Quote("acme/shop"))
	case !repositoryPattern.MatchString(c.Repository):
		p.Add(k("repository"), "%s is not owner/name, e.g. %s", p.Val(k("repository"), c.Repository), patterns.Quote("acme/shop"))
	}
	if strings.TrimSpace(c.Branch) == "" || strings.ContainsAny(c.Branch, " ~^:?*[\\") || strings.HasPrefix(c.Branch, "refs/") {
		p.Add(k("branch"), "%s is not a branch name (no spaces, ~^:?*[\\, and without refs/heads/)", p.Val(k("branch"), c.Branch))
	}
	if !slices.Contains(Providers, c.Provider) {
		p.Add(k("provider"), "%s is not one of %s", p.Val(k("provider"), c.Provider), strings.Join(Providers, ", "))
	}
	if c.ConnectionArn != "" && !connectionArnPattern.MatchString(c.ConnectionArn) {
		p.Add(k("connectionArn"), "%s is not a CodeStar connection ARN (arn:aws:codestar-connections:<region>:<account>:connection/<id>)", p.Val(k("connectionArn"), c.ConnectionArn))
	}
	if c.ProjectDir == "" || filepath.IsAbs(c.ProjectDir) || strings.HasPrefix(filepath.Clean(c.ProjectDir), "..") {
		p.Add(k("projectDir"), "%s must be a relative path inside the repository, e.g. %s", p.Val(k("projectDir"), c.ProjectDir), patterns.Quote("."))
		// The stages' stack files are looked for only in a valid project
		// directory: one bad key, one problem.
		root = ""
	}
	c.validateStages(p, root)
	switch c.Backend {
	case BackendS3:
		if c.PulumiTokenSecret != "" {
			p.Add(k("pulumiTokenSecret"), "is set, but backend is %s: the token is for backend %s; remove it or switch the backend", patterns.Quote(BackendS3), patterns.Quote(BackendPulumiCloud))
		}
	case BackendPulumiCloud:
		if c.PulumiTokenSecret == "" {
			p.Add(k("pulumiTokenSecret"), "is empty; backend %s needs the Secrets Manager secret holding PULUMI_ACCESS_TOKEN (arn or arn:json-key)", patterns.Quote(BackendPulumiCloud))
		}
	default:
		p.Add(k("backend"), "%s is not %s or %s", p.Val(k("backend"), c.Backend), patterns.Quote(BackendS3), patterns.Quote(BackendPulumiCloud))
	}
	for _, s := range []struct{ key, v string }{{"pulumiTokenSecret", c.PulumiTokenSecret}, {"commentTokenSecret", c.CommentTokenSecret}} {
		if s.v != "" && !secretPattern.MatchString(s.v) {
			p.Add(k(s.key), "%s is not a Secrets Manager secret ARN, optionally with :json-key (arn:aws:secretsmanager:<region>:<account>:secret:<name>[:<key>])", p.Val(k(s.key), s.v))
		}
	}
	if c.CommentTokenSecret != "" && (!c.PullRequests || c.Provider != "GitHub") {
		p.Add(k("commentTokenSecret"), "is set, but pull request reviews are %s; they need pullRequests true and provider GitHub", map[bool]string{true: "on", false: "off"}[c.PullRequests && c.Provider == "GitHub"])
	}
	if c.PullRequests && c.Provider != "GitHub" {
		p.Add(k("pullRequests"), "is true, but provider is %s: kumo reviews pull requests on GitHub only (CodeBuild's webhook and kumo diff --comment github); set it false", patterns.Quote(c.Provider))
	}
	for _, v := range []struct{ key, v string }{{"goVersion", c.GoVersion}, {"pulumiVersion", c.PulumiVersion}} {
		if !versionPattern.MatchString(v.v) {
			p.Add(k(v.key), "%s is not a release version like %s", p.Val(k(v.key), v.v), patterns.Quote(DefaultConfig().goOrPulumi(v.key)))
		}
	}
	if versionPattern.MatchString(c.GoVersion) && !buildspec.KnownGo(c.GoVersion) {
		p.Add(k("goVersion"), "%s has no checksum in kumo's table, so the build could not verify the toolchain it downloads; use one of %s", p.Val(k("goVersion"), c.GoVersion), strings.Join(buildspec.GoVersions(), ", "))
	}
	if versionPattern.MatchString(c.PulumiVersion) && !buildspec.KnownPulumi(c.PulumiVersion) {
		p.Add(k("pulumiVersion"), "%s has no SHA-256 in kumo's table, so the build could not verify the CLI it downloads; use one of %s", p.Val(k("pulumiVersion"), c.PulumiVersion), strings.Join(buildspec.PulumiVersions(), ", "))
	}
	if !slices.Contains(constructs.ValidLogRetentionDays, c.LogRetentionDays) {
		p.Add(k("logRetentionDays"), "%s is not a CloudWatch Logs retention; use one of %v", p.Val(k("logRetentionDays"), c.LogRetentionDays), constructs.ValidLogRetentionDays)
	}
	if c.ArtifactRetentionDays < 1 || c.ArtifactRetentionDays > 3650 {
		p.Add(k("artifactRetentionDays"), "%s is outside 1–3650 days", p.Val(k("artifactRetentionDays"), c.ArtifactRetentionDays))
	}
	for _, e := range c.NotificationEmails {
		if !strings.Contains(e, "@") || strings.ContainsAny(e, " ,;") {
			p.Add(k("notificationEmails"), "%s is not an e-mail address", p.Val(k("notificationEmails"), e))
		}
	}
}

func (c Config) goOrPulumi(key string) string {
	if key == "goVersion" {
		return c.GoVersion
	}
	return c.PulumiVersion
}

// validateStages checks the stages and the keys that refer to them.
func (c Config) validateStages(p *patterns.Problems, root string) {
	k := func(name string) string { return patterns.KeyName(Name, name) }
	if len(c.Stages) == 0 {
		p.Add(k("stages"), "is empty; list the stacks to deploy in order, e.g. %s", patterns.Quote("[dev, prod]"))
	}
	seen := map[string]bool{}
	for _, s := range c.Stages {
		switch {
		case !stackPattern.MatchString(s):
			p.Add(k("stages"), "%s is not a stack name (1–100 letters, digits, '-', '_' or '.')", p.Val(k("stages"), s))
		case seen[s]:
			p.Add(k("stages"), "%s is listed twice; a stack is deployed once per run", p.Val(k("stages"), s))
		case root != "":
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(c.ProjectDir), "Pulumi."+s+".yaml")); err != nil {
				p.Add(k("stages"), "%s has no stack file %s in the project: create it (pulumi stack init %s) or remove the stage", p.Val(k("stages"), s), patterns.Quote(filepath.ToSlash(filepath.Join(c.ProjectDir, "Pulumi."+s+".yaml"))), s)
			}
		}
		seen[s] = true
	}
	roles := map[string]bool{}
	for _, pair := range c.DeployRoleArns {
		stage, arn, ok := strings.Cut(pair, "=")
		switch {
		case !ok:
			p.Add(k("deployRoleArns"), "%s is not stage=arn", p.Val(k("deployRoleArns"), pair))
		case !seen[stage]:
			p.Add(k("deployRoleArns"), "%s names stage %s, which is not in %s (%s)", p.Val(k("deployRoleArns"), pair), patterns.Quote(stage), k("stages"), strings.Join(c.Stages, ", "))
		case roles[stage]:
			p.Add(k("deployRoleArns"), "stage %s has two roles; give one", patterns.Quote(stage))
		case !roleArnPattern.MatchString(arn):
			p.Add(k("deployRoleArns"), "%s is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", p.Val(k("deployRoleArns"), arn))
		}
		roles[stage] = true
	}
	approvals := map[string]bool{}
	for _, s := range c.ApprovalStages {
		switch {
		case !seen[s]:
			p.Add(k("approvalStages"), "%s is not in %s (%s)", p.Val(k("approvalStages"), s), k("stages"), strings.Join(c.Stages, ", "))
		case approvals[s]:
			p.Add(k("approvalStages"), "%s is listed twice", p.Val(k("approvalStages"), s))
		}
		approvals[s] = true
	}
}

// deployRoles maps each stage with a configured role to its ARN.
func (c Config) deployRoles() map[string]string {
	out := map[string]string{}
	for _, pair := range c.DeployRoleArns {
		if stage, arn, ok := strings.Cut(pair, "="); ok {
			out[stage] = arn
		}
	}
	return out
}
