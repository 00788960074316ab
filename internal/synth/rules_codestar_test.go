package synth

import "testing"

// Tests of the CodeStar connections and notifications rules.

func TestCodeStarRealityRules(t *testing.T) {
	conn := func(mods ...mod) func(f *fixture) {
		return func(f *fixture) {
			f.add(tCodeStarConnection, "github", inputs(map[string]any{"providerType": "GitHub"}, mods...))
		}
	}
	pipelineArn := "arn:aws:codepipeline:eu-west-1:123456789012:deliver-1234567"
	rule := func(mods ...mod) func(f *fixture) {
		return func(f *fixture) {
			f.add(tNotificationRule, "deliver-notify", inputs(map[string]any{"resource": pipelineArn, "detailType": "FULL",
				"eventTypeIds": []any{"codepipeline-pipeline-pipeline-execution-failed", "codepipeline-pipeline-manual-approval-needed"},
				"targets":      []any{map[string]any{"address": "arn:aws:sns:eu-west-1:123456789012:alerts", "type": "SNS"}}}, mods...))
		}
	}
	types := []string{tCodeStarConnection, tNotificationRule}
	runRealityCases(t, types, []realityCase{
		{"connection AWS accepts", conn(), nil},
		{"connection name of 33 characters", conn(set("name", longName(33))), []want{{tCodeStarConnection, "name", "at most 32", "API_CreateConnection"}}},
		{"resource name too long for a 32-character connection", func(f *fixture) { f.add(tCodeStarConnection, longName(25), map[string]any{"providerType": "GitHub"}) },
			[]want{{tCodeStarConnection, "name", "at most 32", "API_CreateConnection"}}},
		{"provider GitHubCloud", conn(set("providerType", "GitHubCloud")), []want{{tCodeStarConnection, "providerType", "must be one of", "API_CreateConnection"}}},
		{"provider and host", conn(set("hostArn", "arn:aws:codestar-connections:eu-west-1:123456789012:host/h")),
			[]want{{tCodeStarConnection, "providerType", "exactly one", "API_CreateConnection"}}},
		{"neither provider nor host", conn(set("providerType", nil)), []want{{tCodeStarConnection, "providerType", "exactly one", "API_CreateConnection"}}},

		{"notification rule AWS accepts", rule(), nil},
		{"rule name with a dot", rule(set("name", "deliver.notify")), []want{{tNotificationRule, "name", "letters, digits, spaces", "API_CreateNotificationRule"}}},
		{"rule name of 65 characters", rule(set("name", longName(65))), []want{{tNotificationRule, "name", "at most 64", "API_CreateNotificationRule"}}},
		{"detail type ALL", rule(set("detailType", "ALL")), []want{{tNotificationRule, "detailType", "must be one of", "API_CreateNotificationRule"}}},
		{"no targets", rule(set("targets", nil)), []want{{tNotificationRule, "targets", "required", "API_CreateNotificationRule"}}},
		{"e-mail target", rule(set("targets", []any{map[string]any{"address": "a@b.c", "type": "EMAIL"}})),
			[]want{{tNotificationRule, "targets[].type", "must be one of", "API_Target"}}},
		{"a build event on a pipeline", rule(set("eventTypeIds", []any{"codebuild-project-build-state-failed"})),
			[]want{{tNotificationRule, "eventTypeIds", "resource's type", "concepts-api"}}},
	})
}
