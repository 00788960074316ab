package synth

import (
	"strings"
	"testing"
)

// Tests of the CodePipeline rules: each refused case is a pipeline
// CodePipeline refuses, or one whose first run fails for want of access.

const cpRoleArn = "arn:aws:iam::123456789012:role/deliver-role"

func cpSource() map[string]any {
	return map[string]any{"name": "Source", "category": "Source", "owner": "AWS", "provider": "CodeStarSourceConnection", "version": "1",
		"runOrder": int64(1), "outputArtifacts": []any{"src"},
		"configuration": map[string]any{"ConnectionArn": cbConnArn, "FullRepositoryId": "o/r", "BranchName": "main"}}
}

func cpBuild(name string, in ...any) map[string]any {
	return map[string]any{"name": name, "category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1",
		"runOrder": int64(1), "inputArtifacts": in, "configuration": map[string]any{"ProjectName": "build-1234567"}}
}

func cpStagesOf(stages ...[]any) []any {
	names := []string{"Source", "Build", "Prod"}
	out := []any{}
	for i, as := range stages {
		out = append(out, map[string]any{"name": names[i], "actions": as})
	}
	return out
}

const cpPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::art/*"},` +
	`{"Effect":"Allow","Action":["codebuild:StartBuild","codebuild:BatchGetBuilds"],"Resource":"*"},` +
	`{"Effect":"Allow","Action":["codestar-connections:UseConnection"],"Resource":"*"}]}`

// pipelineStack registers the role, its policy and the pipeline (after the
// policy unless ordered is false), with mods on the pipeline's inputs.
func pipelineStack(policy string, ordered bool, mods ...mod) func(f *fixture) {
	return func(f *fixture) {
		role := f.add(tRole, "deliver", map[string]any{"name": "deliver-role", "assumeRolePolicy": trust})
		rp := f.add(tRolePolicy, "deliver-grants", map[string]any{"role": "deliver-role", "policy": policy}, role)
		deps := []string{role}
		if ordered {
			deps = append(deps, rp)
		}
		f.add(tCodePipeline, "deliver", inputs(map[string]any{
			"roleArn": cpRoleArn, "pipelineType": "V2", "executionMode": "SUPERSEDED",
			"artifactStores": []any{map[string]any{"type": "S3", "location": "art", "encryptionKey": map[string]any{"type": "KMS", "id": "arn:aws:kms:eu-west-1:123456789012:key/k"}}},
			"stages":         cpStagesOf([]any{cpSource()}, []any{cpBuild("Build", "src")}),
			"triggers": []any{map[string]any{"providerType": "CodeStarSourceConnection",
				"gitConfiguration": map[string]any{"sourceActionName": "Source", "pushes": []any{map[string]any{"branches": map[string]any{"includes": []any{"main"}}}}}}},
		}, mods...), deps...)
	}
}

func TestCodePipelineRealityRules(t *testing.T) {
	p := func(mods ...mod) func(f *fixture) { return pipelineStack(cpPolicy, true, mods...) }
	stages := func(s ...[]any) mod { return set("stages", cpStagesOf(s...)) }
	runRealityCases(t, []string{tCodePipeline}, []realityCase{
		{"pipeline CodePipeline accepts", p(), nil},
		{"accepted: an approval between builds", p(stages([]any{cpSource()}, []any{cpBuild("Build", "src")},
			[]any{map[string]any{"name": "Approve", "category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1", "runOrder": int64(1),
				"configuration": map[string]any{"CustomData": "ok?"}}, map[string]any{"name": "Deploy", "category": "Build", "owner": "AWS", "provider": "CodeBuild",
				"version": "1", "runOrder": int64(2), "inputArtifacts": []any{"src"}, "configuration": map[string]any{"ProjectName": "deploy-1234567"}}})), nil},

		{"name with a space", p(set("name", "deliver main")), []want{{tCodePipeline, "name", "letters, digits", "API_PipelineDeclaration"}}},
		{"name of 101 characters", p(set("name", longName(101))), []want{{tCodePipeline, "name", "at most 100", "API_PipelineDeclaration"}}},
		{"pipeline type V3", p(set("pipelineType", "V3")), []want{{tCodePipeline, "pipelineType", "must be one of", "API_PipelineDeclaration"}}},
		{"execution mode QUEUED on V1", p(set("pipelineType", "V1"), set("executionMode", "QUEUED")),
			[]want{{tCodePipeline, "executionMode", "V2", "pipeline-types"}, {tCodePipeline, "triggers", "V2", "pipeline-types"}}},
		{"execution mode LATEST", p(set("executionMode", "LATEST")), []want{{tCodePipeline, "executionMode", "must be one of", "API_PipelineDeclaration"}}},
		{"stage name with a slash", p(set("stages", []any{map[string]any{"name": "Source/1", "actions": []any{cpSource()}}, map[string]any{"name": "Build", "actions": []any{cpBuild("Build", "src")}}})),
			[]want{{tCodePipeline, "stages[].name", "stage name", "API_StageDeclaration"}}},
		{"run order 1000", p(stages([]any{cpSource()}, []any{inputs(cpBuild("Build", "src"), set("runOrder", int64(1000)))})),
			[]want{{tCodePipeline, "stages[].actions[].runOrder", "between 1 and 999", "API_ActionDeclaration"}}},
		{"one stage", p(stages([]any{cpSource()})), []want{{tCodePipeline, "stages", "at least two stages", "pipeline-requirements"}}},
		{"build in the first stage, source in the second", p(stages([]any{cpBuild("Build", "src")}, []any{cpSource()})),
			[]want{{tCodePipeline, "stages[0].actions[0].category", "first holds only Source", "pipeline-requirements"},
				{tCodePipeline, "stages[1].actions[0].category", "first holds only Source", "pipeline-requirements"},
				{tCodePipeline, "stages[0].actions[0].inputArtifacts", "earlier", "pipeline-requirements"},
				{tCodePipeline, "triggers[0].gitConfiguration.sourceActionName", "first stage", "pipelines-filter"},
			}},
		{"two actions of one name in a stage", p(stages([]any{cpSource()}, []any{cpBuild("Build", "src"), cpBuild("Build", "src")})),
			[]want{{tCodePipeline, "stages[1].actions[1].name", "unique in a stage", "pipeline-requirements"}}},
		{"input no action produces", p(stages([]any{cpSource()}, []any{cpBuild("Build", "source")})),
			[]want{{tCodePipeline, "stages[1].actions[0].inputArtifacts", "earlier", "pipeline-requirements"}}},
		{"input from the same run order", p(stages([]any{cpSource()}, []any{inputs(cpBuild("Build", "src"), set("outputArtifacts", []any{"out"})), cpBuild("Test", "out")})),
			[]want{{tCodePipeline, "stages[1].actions[1].inputArtifacts", "earlier run order", "pipeline-requirements"}}},
		{"an output name twice", p(stages([]any{cpSource()}, []any{inputs(cpBuild("Build", "src"), set("outputArtifacts", []any{"src"}))})),
			[]want{{tCodePipeline, "stages[1].actions[0].outputArtifacts", "unique", "pipeline-requirements"}}},
		{"CodeBuild as a source provider", p(stages([]any{inputs(cpSource(), set("provider", "CodeBuild"))}, []any{cpBuild("Build", "src")})),
			[]want{{tCodePipeline, "stages[0].actions[0].provider", "one of its category's", "reference-action-categories"},
				{tCodePipeline, "triggers[0].gitConfiguration.sourceActionName", "first stage", "pipelines-filter"}}},
		{"source without a branch", p(stages([]any{inputs(cpSource(), set("configuration.BranchName", nil))}, []any{cpBuild("Build", "src")})),
			[]want{{tCodePipeline, "stages[0].actions[0].configuration.BranchName", "BranchName", "CodestarConnectionSource"}}},
		{"approval summary of 501 characters", p(stages([]any{cpSource()}, []any{map[string]any{"name": "Approve", "category": "Approval", "owner": "AWS",
			"provider": "Manual", "version": "1", "configuration": map[string]any{"CustomData": strings.Repeat("x", 501)}}})),
			[]want{{tCodePipeline, "stages[1].actions[0].configuration.CustomData", "500 characters", "approvals-action-add"}}},
		{"unencrypted store type", p(set("artifactStores", []any{map[string]any{"type": "S3", "location": "art", "encryptionKey": map[string]any{"type": "AES", "id": "k"}}})),
			[]want{{tCodePipeline, "artifactStores[].encryptionKey.type", "must be one of", "API_ArtifactStore"}}},

		// The first run starts on creation.
		{"pipeline created beside its role policy", pipelineStack(cpPolicy, false), []want{
			{tCodePipeline, "roleArn", "starts a run when it is created", "pipelines-create"},
			{tCodePipeline, "roleArn", "starts a run when it is created", "pipelines-create"},
			{tCodePipeline, "roleArn", "starts a run when it is created", "pipelines-create"}}},
		{"role that may not start builds", pipelineStack(strings.Replace(cpPolicy, "codebuild:StartBuild", "codebuild:ListBuilds", 1), true),
			[]want{{tCodePipeline, "roleArn", "codebuild:StartBuild", "pipelines-create"}}},
	})
}
