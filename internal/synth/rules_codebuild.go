package synth

import (
	"fmt"
	"regexp"
	"strings"
)

// Sources of the CodeBuild rules.
const (
	srcCBCreateProject = "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html"
	srcCBEnvironment   = "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectEnvironment.html"
	srcCBEnvVar        = "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_EnvironmentVariable.html"
	srcCBSource        = "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectSource.html"
	srcCBSourceAuth    = "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_SourceAuth.html"
	srcCBArtifacts     = "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectArtifacts.html"
	srcCBCache         = "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectCache.html"
	srcCBLogs          = "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_LogsConfig.html"
	srcCBCreateWebhook = "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateWebhook.html"
	srcCBWebhookFilter = "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_WebhookFilter.html"
	// "When you use an AWS CodeBuild curated image, you must use CodeBuild
	// credentials" (pulumi-aws codebuild ProjectEnvironment
	// imagePullCredentialsType, from the API's ProjectEnvironment).
	srcCBPullCredentials = srcCBEnvironment + " (imagePullCredentialsType); pulumi-aws sdk codebuild ProjectEnvironment.ImagePullCredentialsType"
	// CreateProject: InvalidInputException "Both source and artifacts must
	// be set to CodePipeline" when only one of them is.
	srcCBPipelinePair = srcCBSource + "; " + srcCBArtifacts + " (type CODEPIPELINE: \"The build project has build output generated through CodePipeline\")"
	// CreateProject with CODECONNECTIONS source auth fails with
	// OAuthProviderException when the service role may not use the
	// connection yet (aws/aws-cdk#38504), and CreateWebhook with "Access
	// denied to connection" (aws/aws-cdk#31726).
	srcCBConnectionRole = srcCBSourceAuth + "; https://docs.aws.amazon.com/codebuild/latest/userguide/connections-github-app.html; aws/aws-cdk#38504 (OAuthProviderException at CreateProject), aws/aws-cdk#31726 (CreateWebhook: Access denied to connection)"
	// Webhooks are for the Git hosts CodeBuild can install a hook in.
	srcCBWebhookSources = srcCBCreateWebhook + " (\"If you're using GitHub, GitHub Enterprise, GitLab, GitLab Self Managed, or Bitbucket\")"
)

var (
	cbComputeTypes = []string{"BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE", "BUILD_GENERAL1_XLARGE",
		"BUILD_GENERAL1_2XLARGE", "BUILD_LAMBDA_1GB", "BUILD_LAMBDA_2GB", "BUILD_LAMBDA_4GB", "BUILD_LAMBDA_8GB",
		"BUILD_LAMBDA_10GB", "ATTRIBUTE_BASED_COMPUTE", "CUSTOM_INSTANCE_TYPE"}
	cbEnvironmentTypes = []string{"WINDOWS_CONTAINER", "LINUX_CONTAINER", "LINUX_GPU_CONTAINER", "ARM_CONTAINER",
		"WINDOWS_SERVER_2019_CONTAINER", "WINDOWS_SERVER_2022_CONTAINER", "LINUX_LAMBDA_CONTAINER", "ARM_LAMBDA_CONTAINER",
		"LINUX_EC2", "ARM_EC2", "WINDOWS_EC2", "MAC_ARM"}
	cbSourceTypes = []string{"BITBUCKET", "CODECOMMIT", "CODEPIPELINE", "GITHUB", "GITHUB_ENTERPRISE", "GITLAB",
		"GITLAB_SELF_MANAGED", "NO_SOURCE", "S3"}
	cbWebhookSourceTypes = []string{"BITBUCKET", "GITHUB", "GITHUB_ENTERPRISE", "GITLAB", "GITLAB_SELF_MANAGED"}
	cbWebhookFilterTypes = []string{"EVENT", "BASE_REF", "HEAD_REF", "ACTOR_ACCOUNT_ID", "FILE_PATH", "COMMIT_MESSAGE",
		"WORKFLOW_NAME", "TAG_NAME", "RELEASE_NAME", "REPOSITORY_NAME", "ORGANIZATION_NAME"}
	cbWebhookEvents = []string{"PUSH", "PULL_REQUEST_CREATED", "PULL_REQUEST_UPDATED", "PULL_REQUEST_REOPENED",
		"PULL_REQUEST_MERGED", "PULL_REQUEST_CLOSED", "RELEASED", "PRERELEASED", "WORKFLOW_JOB_QUEUED"}
)

// cbProjectName is CreateProject's name rule.
var cbProjectName = StringRule{Pattern: regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9\-_]{1,254}$`), Min: 2, Max: 255,
	Desc: "a project name is 2–255 letters, digits, '-' or '_', starting with a letter or digit", Source: srcCBCreateProject}

const (
	tCodeBuildProject = "aws:codebuild/project:Project"
	tCodeBuildWebhook = "aws:codebuild/webhook:Webhook"
)

var codebuildSpecs = map[string]Spec{
	tCodeBuildProject: {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming}, Rule: cbProjectName}},
		Checks: []Check{
			required(srcCBCreateProject, "serviceRole", "source.type", "artifacts.type",
				"environment.computeType", "environment.image", "environment.type"),
			matches("description", StringRule{Max: 255, Desc: "a project description is at most 255 characters", Source: srcCBCreateProject}),
			intRange(srcCBCreateProject, "buildTimeout", 5, 2160),
			intRange(srcCBCreateProject, "queuedTimeout", 5, 480),
			oneOf(srcCBEnvironment, "environment.computeType", cbComputeTypes...),
			oneOf(srcCBEnvironment, "environment.type", cbEnvironmentTypes...),
			oneOf(srcCBEnvironment, "environment.imagePullCredentialsType", "CODEBUILD", "SERVICE_ROLE"),
			oneOf(srcCBEnvVar, "environment.environmentVariables[].type", "PLAINTEXT", "PARAMETER_STORE", "SECRETS_MANAGER"),
			oneOf(srcCBSource, "source.type", cbSourceTypes...),
			oneOf(srcCBSourceAuth, "source.auth.type", "CODECONNECTIONS", "SECRETS_MANAGER"),
			oneOf(srcCBArtifacts, "artifacts.type", "CODEPIPELINE", "NO_ARTIFACTS", "S3"),
			oneOf(srcCBCache, "cache.type", "NO_CACHE", "LOCAL", "S3"),
			oneOf(srcCBCache, "cache.modes[]", "LOCAL_SOURCE_CACHE", "LOCAL_DOCKER_LAYER_CACHE", "LOCAL_CUSTOM_CACHE"),
			oneOf(srcCBLogs, "logsConfig.cloudwatchLogs.status", "ENABLED", "DISABLED"),
			oneOf(srcCBLogs, "logsConfig.s3Logs.status", "ENABLED", "DISABLED"),
			{Rule: "an S3 cache needs a location (bucket/prefix) and a LOCAL cache at least one mode", Source: srcCBCache,
				Find: func(r *Resource, _ *Stack) []Finding {
					typ, _ := r.String("cache.type")
					switch typ {
					case "S3":
						if loc, ok := r.String("cache.location"); !ok || loc == "" {
							return []Finding{{Property: "cache.location", Value: "(not set)"}}
						}
					case "LOCAL":
						if len(values(r, "cache.modes[]")) == 0 {
							return []Finding{{Property: "cache.modes", Value: "(none)"}}
						}
					}
					return nil
				}},
			{Rule: "source and artifacts are both CODEPIPELINE or neither is", Source: srcCBPipelinePair,
				Find: func(r *Resource, _ *Stack) []Finding {
					src, ok1 := r.String("source.type")
					art, ok2 := r.String("artifacts.type")
					if ok1 && ok2 && !isPlaceholder(src) && !isPlaceholder(art) && (src == "CODEPIPELINE") != (art == "CODEPIPELINE") {
						return []Finding{{Property: "artifacts.type", Value: fmt.Sprintf("%s (source.type %s)", art, src)}}
					}
					return nil
				}},
			{Rule: "a NO_SOURCE project needs source.buildspec", Source: srcCBSource + " (buildspec)",
				Find: func(r *Resource, _ *Stack) []Finding {
					if typ, _ := r.String("source.type"); typ == "NO_SOURCE" {
						if b, ok := r.String("source.buildspec"); !ok || b == "" {
							return []Finding{{Property: "source.buildspec", Value: "(not set)"}}
						}
					}
					return nil
				}},
			{Rule: "a CodeBuild curated image (aws/codebuild/…) is pulled with CODEBUILD credentials, not SERVICE_ROLE", Source: srcCBPullCredentials,
				Find: func(r *Resource, _ *Stack) []Finding {
					img, _ := r.String("environment.image")
					if c, _ := r.String("environment.imagePullCredentialsType"); c == "SERVICE_ROLE" && strings.HasPrefix(img, "aws/codebuild/") {
						return []Finding{{Property: "environment.imagePullCredentialsType", Value: c + " (image " + img + ")"}}
					}
					return nil
				}},
			{Rule: "with CODECONNECTIONS source auth, the service role must allow UseConnection on the connection before the project is created: depend on the role policy that grants it",
				Source: srcCBConnectionRole,
				Find: func(r *Resource, s *Stack) []Finding {
					if typ, _ := r.String("source.auth.type"); typ != "CODECONNECTIONS" {
						return nil
					}
					conn, _ := r.String("source.auth.resource")
					role, ok := r.String("serviceRole")
					if !ok || isPlaceholder(role) {
						return nil
					}
					action := connectionService(conn) + ":UseConnection"
					if !roleAllowsBefore(r, s, roleName(role), action) {
						return []Finding{{Property: "source.auth.resource", Value: fmt.Sprintf("%s (no %s for role %s before the project)", conn, action, roleName(role))}}
					}
					return nil
				}},
		},
	},

	tCodeBuildWebhook: {
		Checks: []Check{
			required(srcCBCreateWebhook, "projectName"),
			oneOf(srcCBCreateWebhook, "buildType", "BUILD", "BUILD_BATCH"),
			oneOf(srcCBWebhookFilter, "filterGroups[].filters[].type", cbWebhookFilterTypes...),
			{Rule: "each filter group has exactly one EVENT filter, whose pattern is a comma-separated list of " + strings.Join(cbWebhookEvents, ", "),
				Source: srcCBWebhookFilter + "; https://docs.aws.amazon.com/codebuild/latest/userguide/github-webhook-events-console.html",
				Find: func(r *Resource, _ *Stack) []Finding {
					var fs []Finding
					for i, g := range values(r, "filterGroups[]") {
						gm, _ := g.(map[string]any)
						filters, _ := gm["filters"].([]any)
						events := 0
						for _, f := range filters {
							fm, _ := f.(map[string]any)
							if fm["type"] != "EVENT" {
								continue
							}
							events++
							pattern, _ := fm["pattern"].(string)
							for _, e := range strings.Split(pattern, ",") {
								if !isPlaceholder(pattern) && !contains(cbWebhookEvents, strings.TrimSpace(e)) {
									fs = append(fs, Finding{Property: fmt.Sprintf("filterGroups[%d].filters", i), Value: pattern})
									break
								}
							}
						}
						if events != 1 {
							fs = append(fs, Finding{Property: fmt.Sprintf("filterGroups[%d].filters", i), Value: fmt.Sprintf("%d EVENT filters", events)})
						}
					}
					return fs
				}},
			{Rule: "the project must exist first, with a source CodeBuild can install a webhook for (" + strings.Join(cbWebhookSourceTypes, ", ") + "): order the webhook after the project",
				Source: srcCBWebhookSources + " (ResourceNotFoundException)",
				Find: func(r *Resource, s *Stack) []Finding {
					name, ok := r.String("projectName")
					if !ok || isPlaceholder(name) {
						return nil
					}
					projects := s.named(tCodeBuildProject, "name", name)
					for _, p := range projects {
						if typ, ok := p.String("source.type"); ok && !contains(cbWebhookSourceTypes, typ) {
							return []Finding{{Property: "projectName", Value: fmt.Sprintf("%s (source.type %s)", name, typ)}}
						}
					}
					return afterAny(r, s, projects, "projectName", name)
				}},
		},
	},
}

// connectionService is the IAM service prefix of a connection ARN:
// codestar-connections or codeconnections
// (https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html).
func connectionService(arn string) string {
	if parts := strings.Split(arn, ":"); len(parts) > 2 && parts[2] == "codeconnections" {
		return "codeconnections"
	}
	return "codestar-connections"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
