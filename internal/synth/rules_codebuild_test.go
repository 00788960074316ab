package synth

import "testing"

// Tests of the CodeBuild rules: each refused case is a value CodeBuild or
// the provider refuses.

const (
	cbRoleArn = "arn:aws:iam::123456789012:role/build-role"
	cbConnArn = "arn:aws:codestar-connections:eu-west-1:123456789012:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
)

func projectInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{
		"serviceRole": cbRoleArn, "buildTimeout": int64(60), "encryptionKey": "arn:aws:kms:eu-west-1:123456789012:key/k",
		"source":    map[string]any{"type": "CODEPIPELINE", "buildspec": "version: 0.2"},
		"artifacts": map[string]any{"type": "CODEPIPELINE"},
		"environment": map[string]any{"computeType": "BUILD_GENERAL1_SMALL", "image": "aws/codebuild/amazonlinux-x86_64-standard:5.0",
			"type": "LINUX_CONTAINER", "imagePullCredentialsType": "CODEBUILD",
			"environmentVariables": []any{map[string]any{"name": "A", "value": "1", "type": "PLAINTEXT"}}},
	}, mods...)
}

// githubProject registers a GitHub-source project with CODECONNECTIONS auth
// after (or, with ordered false, beside) the role policy using policy.
func githubProject(policy string, ordered bool, mods ...mod) func(f *fixture) {
	return func(f *fixture) {
		role := f.add(tRole, "build", map[string]any{"name": "build-role", "assumeRolePolicy": trust})
		rp := f.add(tRolePolicy, "build-conn", map[string]any{"role": "build-role", "policy": policy}, role)
		deps := []string{role}
		if ordered {
			deps = append(deps, rp)
		}
		f.add(tCodeBuildProject, "pr", projectInputs(append([]mod{
			set("source", map[string]any{"type": "GITHUB", "location": "https://github.com/o/r.git", "buildspec": "version: 0.2",
				"auth": map[string]any{"type": "CODECONNECTIONS", "resource": cbConnArn}}),
			set("artifacts", map[string]any{"type": "NO_ARTIFACTS"})}, mods...)...), deps...)
	}
}

const useConnection = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["codestar-connections:UseConnection"],"Resource":"` + cbConnArn + `"}]}`

func TestCodeBuildProjectRealityRules(t *testing.T) {
	project := func(mods ...mod) func(f *fixture) {
		return func(f *fixture) { f.add(tCodeBuildProject, "build", projectInputs(mods...)) }
	}
	runRealityCases(t, []string{tCodeBuildProject}, []realityCase{
		{"project CodeBuild accepts", project(), nil},
		{"accepted: GitHub source after the role may use the connection", githubProject(useConnection, true), nil},

		{"name with a dot", project(set("name", "build.main")), []want{{tCodeBuildProject, "name", "letters, digits", "API_CreateProject"}}},
		{"name starting with '-'", project(set("name", "-build")), []want{{tCodeBuildProject, "name", "starting with a letter", "API_CreateProject"}}},
		{"resource name too long to autoname", func(f *fixture) {
			f.add(tCodeBuildProject, longName(250), projectInputs())
		}, []want{{tCodeBuildProject, "name", "autonames", "SetAutonaming"}}},
		{"timeout of 4 minutes", project(set("buildTimeout", int64(4))), []want{{tCodeBuildProject, "buildTimeout", "between 5 and 2160", "API_CreateProject"}}},
		{"timeout of 2161 minutes", project(set("buildTimeout", int64(2161))), []want{{tCodeBuildProject, "buildTimeout", "between 5 and 2160", "API_CreateProject"}}},
		{"no service role", project(set("serviceRole", nil)), []want{{tCodeBuildProject, "serviceRole", "required", "API_CreateProject"}}},
		{"unknown compute type", project(set("environment.computeType", "BUILD_GENERAL1_HUGE")),
			[]want{{tCodeBuildProject, "environment.computeType", "must be one of", "API_ProjectEnvironment"}}},
		{"unknown environment type", project(set("environment.type", "LINUX")),
			[]want{{tCodeBuildProject, "environment.type", "must be one of", "API_ProjectEnvironment"}}},
		{"unknown variable type", project(set("environment.environmentVariables", []any{map[string]any{"name": "A", "value": "1", "type": "SECRET"}})),
			[]want{{tCodeBuildProject, "environment.environmentVariables[].type", "must be one of", "API_EnvironmentVariable"}}},
		{"curated image pulled with the service role", project(set("environment.imagePullCredentialsType", "SERVICE_ROLE")),
			[]want{{tCodeBuildProject, "environment.imagePullCredentialsType", "CODEBUILD credentials", "imagePullCredentialsType"}}},
		{"pipeline source with S3 artifacts", project(set("artifacts", map[string]any{"type": "S3", "location": "b"})),
			[]want{{tCodeBuildProject, "artifacts.type", "both CODEPIPELINE", "API_ProjectArtifacts"}}},
		{"NO_SOURCE without a buildspec", project(set("source", map[string]any{"type": "NO_SOURCE"}), set("artifacts", map[string]any{"type": "NO_ARTIFACTS"})),
			[]want{{tCodeBuildProject, "source.buildspec", "NO_SOURCE", "API_ProjectSource"}}},
		{"S3 cache without a location", project(set("cache", map[string]any{"type": "S3"})),
			[]want{{tCodeBuildProject, "cache.location", "S3 cache", "API_ProjectCache"}}},
		{"LOCAL cache without modes", project(set("cache", map[string]any{"type": "LOCAL"})),
			[]want{{tCodeBuildProject, "cache.modes", "LOCAL cache", "API_ProjectCache"}}},
		{"unknown cache mode", project(set("cache", map[string]any{"type": "LOCAL", "modes": []any{"LOCAL_GO_CACHE"}})),
			[]want{{tCodeBuildProject, "cache.modes[]", "must be one of", "API_ProjectCache"}}},
		{"OAUTH source auth", githubProject(useConnection, true, set("source.auth.type", "OAUTH")),
			[]want{{tCodeBuildProject, "source.auth.type", "must be one of", "API_SourceAuth"}}},

		// CreateProject checks the role may use the connection.
		{"project created beside the connection policy", githubProject(useConnection, false),
			[]want{{tCodeBuildProject, "source.auth.resource", "UseConnection", "aws-cdk#38504"}}},
		{"role allowed the other service prefix only", githubProject(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["codeconnections:UseConnection"],"Resource":"*"}]}`, true),
			[]want{{tCodeBuildProject, "source.auth.resource", "UseConnection", "aws-cdk#38504"}}},
	})
}

func longName(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}

func TestCodeBuildWebhookRealityRules(t *testing.T) {
	group := func(filters ...map[string]any) any {
		fs := []any{}
		for _, f := range filters {
			fs = append(fs, f)
		}
		return map[string]any{"filters": fs}
	}
	event := func(p string) map[string]any { return map[string]any{"type": "EVENT", "pattern": p} }
	base := map[string]any{"type": "BASE_REF", "pattern": "^refs/heads/main$"}
	hook := func(ordered bool, groups ...any) func(f *fixture) {
		return func(f *fixture) {
			githubProject(useConnection, true, set("name", "pr-1234567"))(f)
			var deps []string
			if ordered {
				deps = append(deps, urnOf(tCodeBuildProject, "pr"))
			}
			f.add(tCodeBuildWebhook, "pr", map[string]any{"projectName": "pr-1234567", "buildType": "BUILD", "filterGroups": groups}, deps...)
		}
	}
	runRealityCases(t, []string{tCodeBuildWebhook}, []realityCase{
		{"webhook CodeBuild accepts", hook(true, group(event("PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED,PULL_REQUEST_REOPENED"), base)), nil},
		{"group without an EVENT filter", hook(true, group(base)),
			[]want{{tCodeBuildWebhook, "filterGroups[0].filters", "exactly one EVENT", "API_WebhookFilter"}}},
		{"group with two EVENT filters", hook(true, group(event("PUSH"), event("PULL_REQUEST_CREATED"))),
			[]want{{tCodeBuildWebhook, "filterGroups[0].filters", "exactly one EVENT", "API_WebhookFilter"}}},
		{"unknown event", hook(true, group(event("PULL_REQUEST_OPENED"))),
			[]want{{tCodeBuildWebhook, "filterGroups[0].filters", "comma-separated", "API_WebhookFilter"}}},
		{"unknown filter type", hook(true, group(event("PUSH"), map[string]any{"type": "BRANCH", "pattern": "main"})),
			[]want{{tCodeBuildWebhook, "filterGroups[].filters[].type", "must be one of", "API_WebhookFilter"}}},
		{"build type RUN", func(f *fixture) {
			hook(true, group(event("PUSH")))(f)
			f.rs[len(f.rs)-1].Inputs["buildType"] = "RUN"
		}, []want{{tCodeBuildWebhook, "buildType", "must be one of", "API_CreateWebhook"}}},
		{"webhook not ordered after its project", hook(false, group(event("PUSH"))),
			[]want{{tCodeBuildWebhook, "projectName", "must exist first", "API_CreateWebhook"}}},
		{"webhook of a pipeline project", func(f *fixture) {
			p := f.add(tCodeBuildProject, "build", projectInputs(set("name", "build-1234567")))
			f.add(tCodeBuildWebhook, "build", map[string]any{"projectName": "build-1234567", "filterGroups": []any{group(event("PUSH"))}}, p)
		}, []want{{tCodeBuildWebhook, "projectName", "install a webhook", "API_CreateWebhook"}}},
	})
}
