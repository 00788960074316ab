package pipeline

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/cicd"
	"github.com/kumo-iac/kumo/patterns/pipeline/buildspec"
)

// Artifact names passed between the pipeline's actions.
const (
	sourceArtifact = "source"
	buildArtifact  = "build"
)

// pipeline assembles the stages: Source, Build, UpdatePipeline, then per
// stage an optional approval (its kumo diff, then the manual approval), the
// deploy and the smoke test.
func (b *builder) pipeline() error {
	stages := []cicd.Stage{
		{Name: "Source", Actions: []cicd.Action{{
			Name: "Checkout", Category: "Source", Outputs: []string{sourceArtifact},
			Connection: b.pl.Connection, Repository: b.a.Repository, Branch: b.a.Branch,
		}}},
		{Name: "Build", Actions: []cicd.Action{{
			Name: "BuildAndTest", Category: "Build", Project: b.pl.Projects["build"],
			Inputs: []string{sourceArtifact}, Outputs: []string{buildArtifact},
		}}},
		{Name: "UpdatePipeline", Actions: []cicd.Action{{
			Name: "SelfUpdate", Category: "Build", Project: b.pl.Projects["update"],
			Inputs: []string{buildArtifact}, EnvironmentVariables: b.roleEnv(""),
		}}},
	}
	for _, stage := range b.a.Stages {
		label := stageLabel(stage)
		var actions []cicd.Action
		order := 1
		if p, ok := b.pl.Projects["diff-"+stage]; ok {
			actions = append(actions,
				cicd.Action{Name: "Diff", Category: "Test", RunOrder: order, Project: p, Inputs: []string{buildArtifact}, EnvironmentVariables: b.roleEnv(stage)},
				cicd.Action{Name: "Approve", Category: "Approval", RunOrder: order + 1, Approval: &cicd.Approval{
					Topic:   b.pl.Topic,
					Summary: fmt.Sprintf("Deploy stack %s? Read its kumo diff (the Diff action's build log) first.", stage),
					Link:    buildHistoryURL(b.a.Region, p),
				}})
			order += 2
		}
		actions = append(actions, cicd.Action{Name: "Deploy", Category: "Build", RunOrder: order,
			Project: b.pl.Projects["deploy-"+stage], Inputs: []string{buildArtifact}, EnvironmentVariables: b.roleEnv(stage)})
		if p, ok := b.pl.Projects["check-"+stage]; ok {
			actions = append(actions, cicd.Action{Name: "SmokeTest", Category: "Test", RunOrder: order + 1,
				Project: p, Inputs: []string{buildArtifact}, EnvironmentVariables: b.roleEnv(stage)})
		}
		stages = append(stages, cicd.Stage{Name: "Deploy-" + label, Actions: actions})
	}
	var err error
	b.pl.Pipeline, err = cicd.NewPipeline(b.ctx, b.name, &cicd.PipelineArgs{
		ArtifactBucket: b.pl.Artifacts,
		ArtifactKey:    b.pl.Key,
		Stages:         stages,
		PhysicalName:   b.physicalName(),
	}, b.parent)
	if err != nil {
		return err
	}
	// Approvals announce themselves through their action's topic; the rule
	// adds failed runs (one message each, not two per approval).
	_, err = b.pl.Pipeline.Notify(b.pl.Topic, []string{cicd.EventExecutionFailed})
	return err
}

// roleEnv tells a stage's build (the pipeline's own for "") which deploy
// role to assume: its ARN exists only once the role does, and the role
// trusts the build's own role, so it travels with the pipeline's action.
func (b *builder) roleEnv(stage string) map[string]pulumi.StringInput {
	return map[string]pulumi.StringInput{deployRoleEnv: b.roleARNs[stage]}
}

// buildHistoryURL is the console page of a project's builds, where the
// approver reads the kumo diff the Diff action printed.
func buildHistoryURL(region string, p *cicd.BuildProject) pulumi.StringInput {
	return pulumi.Sprintf("https://%s.console.aws.amazon.com/codesuite/codebuild/projects/%s/history?region=%s", region, p.Name, region)
}

// pullRequests creates the pull request review project on the repository's
// webhook: no state access, no deploy role.
func (b *builder) pullRequests() error {
	if !b.a.PullRequests {
		return nil
	}
	spec := buildspec.PullRequest(b.toolchain(), b.project(), b.a.Stages, b.a.CommentTokenSecret)
	args, err := b.projectArgs("Reviews pull requests: synthesizes base and head and posts kumo diff, with no deploy credentials.", spec, nil)
	if err != nil {
		return err
	}
	args.Environment = map[string]pulumi.StringInput{} // no backend: a pull request build never touches state
	// Nor the artifacts: a pull request's code is unreviewed, and the
	// pipeline's deploys read their inputs and Go caches from that bucket.
	// Its cache stays on the build host.
	args.CacheBucket, args.CachePrefix = nil, ""
	args.LocalCacheModes = []cicd.CacheMode{cicd.CacheSource}
	args.ComputeType, args.TimeoutMinutes = cicd.ComputeMedium, 60
	args.Source = &cicd.GitHubSource{
		RepoURL:    "https://github.com/" + b.a.Repository + ".git",
		Connection: b.pl.Connection,
		WebhookFilterGroups: [][]cicd.WebhookFilter{{
			{Type: "EVENT", Pattern: "PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED, PULL_REQUEST_REOPENED"},
			{Type: "BASE_REF", Pattern: "^refs/heads/" + regexpQuote(b.a.Branch) + "$"},
		}},
	}
	p, err := cicd.NewBuildProject(b.ctx, b.child("pr"), args, b.parent)
	if err != nil {
		return err
	}
	b.pl.Projects["pr"] = p
	// The buildspec's secrets-manager section reads GITHUB_TOKEN with the
	// build's role, so the role may read that secret. It is not also a
	// project variable: cicd.SecretEnvironment takes arn:json-key only,
	// and commentTokenSecret may be a whole secret (arn).
	if b.a.CommentTokenSecret != "" {
		return p.Allow(constructs.Statement{Sid: "ReadCommentToken", Actions: []string{"secretsmanager:GetSecretValue"},
			Resources: []pulumi.StringInput{pulumi.String(secretResource(b.a.CommentTokenSecret))}})
	}
	return nil
}
