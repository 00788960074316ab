package synth

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
)

// Sources of the CodePipeline rules.
const (
	srcCPDeclaration = "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineDeclaration.html"
	srcCPStage       = "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_StageDeclaration.html"
	srcCPAction      = "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html"
	srcCPActionType  = "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionTypeId.html"
	srcCPStore       = "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ArtifactStore.html"
	srcCPTrigger     = "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineTriggerDeclaration.html"
	// "A pipeline must contain at least two stages. The first stage of a
	// pipeline must contain at least one source action, and can contain
	// only source actions. Only the first stage of a pipeline may contain
	// source actions"; output artifact names unique; an input artifact is
	// the output of an action before it.
	srcCPRequirements = "https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-pipeline-structure.html#pipeline-requirements"
	// The providers of each category for owner AWS.
	srcCPProviders = "https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-action-categories.html"
	// Per-provider configuration keys.
	srcCPConnectionSource = "https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodestarConnectionSource.html"
	srcCPCodeBuild        = "https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeBuild.html"
	srcCPManual           = "https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-action-add.html"
	// QUEUED and PARALLEL, triggers and variables are V2 features
	// (pulumi-aws codepipeline Pipeline executionMode/triggers/variables).
	srcCPV2 = srcCPDeclaration + "; https://docs.aws.amazon.com/codepipeline/latest/userguide/pipeline-types.html; pulumi-aws sdk codepipeline Pipeline (\"QUEUED or PARALLEL mode can only be used with V2 pipelines\", triggers \"Valid only when pipelineType is V2\")"
	// A new pipeline starts a run at once ("After you create a pipeline,
	// it starts to run automatically"), so its role's access must be in
	// place by then, not just before a later run.
	srcCPStartsOnCreate = "https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create.html; https://docs.aws.amazon.com/codepipeline/latest/userguide/security-iam.html#how-to-custom-role"
)

// cpName is the rule of pipeline, stage and action names.
func cpName(what, source string) StringRule {
	return StringRule{Pattern: regexp.MustCompile(`^[A-Za-z0-9.@\-_]+$`), Min: 1, Max: 100,
		Desc: fmt.Sprintf("a %s name is 1–100 letters, digits or .@-_", what), Source: source}
}

// cpProviders are the providers of owner AWS for the categories kumo's
// pipelines use.
var cpProviders = map[string][]string{
	"Source":   {"S3", "CodeCommit", "ECR", "CodeStarSourceConnection"},
	"Build":    {"CodeBuild", "ECRBuildAndPublish", "InspectorScan"},
	"Test":     {"CodeBuild", "DeviceFarm"},
	"Approval": {"Manual"},
}

const tCodePipeline = "aws:codepipeline/pipeline:Pipeline"

// cpAction is one action of a pipeline with where it is.
type cpAction struct {
	stage, stageIndex int
	stageName         string
	m                 map[string]any
}

func (a cpAction) str(k string) string { s, _ := a.m[k].(string); return s }

func (a cpAction) config(k string) (string, bool) {
	c, _ := a.m["configuration"].(map[string]any)
	v, ok := c[k].(string)
	return v, ok && v != ""
}

func (a cpAction) runOrder() int64 {
	if n, ok := asInt(a.m["runOrder"]); ok {
		return n
	}
	return 1
}

func (a cpAction) path(i int) string { return fmt.Sprintf("stages[%d].actions[%d]", a.stageIndex, i) }

// cpStages returns the stages' names and actions of a pipeline.
func cpStages(r *Resource) ([]string, [][]cpAction) {
	var names []string
	var actions [][]cpAction
	for i, s := range values(r, "stages[]") {
		sm, _ := s.(map[string]any)
		name, _ := sm["name"].(string)
		names = append(names, name)
		var as []cpAction
		list, _ := sm["actions"].([]any)
		for _, a := range list {
			am, _ := a.(map[string]any)
			as = append(as, cpAction{stageIndex: i, stageName: name, m: am})
		}
		actions = append(actions, as)
	}
	return names, actions
}

func stringList(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

var codepipelineSpecs = map[string]Spec{
	tCodePipeline: {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming}, Rule: cpName("pipeline", srcCPDeclaration)}},
		Checks: []Check{
			required(srcCPDeclaration, "roleArn", "stages", "artifactStores"),
			oneOf(srcCPDeclaration, "pipelineType", "V1", "V2"),
			oneOf(srcCPDeclaration, "executionMode", "QUEUED", "SUPERSEDED", "PARALLEL"),
			matches("stages[].name", cpName("stage", srcCPStage)),
			matches("stages[].actions[].name", cpName("action", srcCPAction)),
			oneOf(srcCPActionType, "stages[].actions[].category", "Source", "Build", "Deploy", "Test", "Invoke", "Approval", "Compute"),
			oneOf(srcCPActionType, "stages[].actions[].owner", "AWS", "ThirdParty", "Custom"),
			intRange(srcCPAction, "stages[].actions[].runOrder", 1, 999),
			oneOf(srcCPStore, "artifactStores[].type", "S3"),
			oneOf(srcCPStore, "artifactStores[].encryptionKey.type", "KMS"),
			oneOf(srcCPTrigger, "triggers[].providerType", "CodeStarSourceConnection"),
			{Rule: "executionMode QUEUED or PARALLEL, triggers and variables need pipelineType V2", Source: srcCPV2,
				Find: func(r *Resource, _ *Stack) []Finding {
					// pipelineType defaults to V1; any other value has its own finding.
					if t, _ := r.String("pipelineType"); t != "" && t != "V1" {
						return nil
					}
					var fs []Finding
					if m, _ := r.String("executionMode"); m == "QUEUED" || m == "PARALLEL" {
						fs = append(fs, Finding{Property: "executionMode", Value: m})
					}
					for _, p := range []string{"triggers", "variables"} {
						if len(values(r, p+"[]")) > 0 {
							fs = append(fs, Finding{Property: p, Value: "(set on a V1 pipeline)"})
						}
					}
					return fs
				}},
			{Rule: "at least two stages, with unique names; the first holds only Source actions and Source actions are only in the first; action names are unique in a stage",
				Source: srcCPRequirements,
				Find: func(r *Resource, _ *Stack) []Finding {
					names, stages := cpStages(r)
					if len(names) == 0 {
						return nil
					}
					var fs []Finding
					if len(names) < 2 {
						fs = append(fs, Finding{Property: "stages", Value: fmt.Sprintf("%d stage", len(names))})
					}
					seen := map[string]bool{}
					for i, n := range names {
						if seen[n] {
							fs = append(fs, Finding{Property: fmt.Sprintf("stages[%d].name", i), Value: n})
						}
						seen[n] = true
						if len(stages[i]) == 0 {
							fs = append(fs, Finding{Property: fmt.Sprintf("stages[%d].actions", i), Value: "(none)"})
						}
						inStage := map[string]bool{}
						for j, a := range stages[i] {
							cat := a.str("category")
							if (i == 0) != (cat == "Source") && !isPlaceholder(cat) {
								fs = append(fs, Finding{Property: a.path(j) + ".category", Value: fmt.Sprintf("%s (stage %d, %s)", cat, i+1, n)})
							}
							if inStage[a.str("name")] {
								fs = append(fs, Finding{Property: a.path(j) + ".name", Value: a.str("name")})
							}
							inStage[a.str("name")] = true
						}
					}
					return fs
				}},
			{Rule: "output artifact names are unique in the pipeline, and each input artifact is the output of an action in an earlier stage or of an earlier run order in the same stage",
				Source: srcCPRequirements,
				Find: func(r *Resource, _ *Stack) []Finding {
					_, stages := cpStages(r)
					type origin struct {
						stage    int
						runOrder int64
					}
					produced := map[string]origin{}
					var fs []Finding
					for i, as := range stages {
						for j, a := range as {
							for _, out := range stringList(a.m["outputArtifacts"]) {
								if _, dup := produced[out]; dup {
									fs = append(fs, Finding{Property: a.path(j) + ".outputArtifacts", Value: out})
									continue
								}
								produced[out] = origin{i, a.runOrder()}
							}
						}
					}
					for i, as := range stages {
						for j, a := range as {
							for _, in := range stringList(a.m["inputArtifacts"]) {
								o, ok := produced[in]
								if !ok || o.stage > i || (o.stage == i && o.runOrder >= a.runOrder()) {
									fs = append(fs, Finding{Property: a.path(j) + ".inputArtifacts", Value: in})
								}
							}
						}
					}
					return fs
				}},
			{Rule: "an AWS action's provider is one of its category's (Source: S3, CodeCommit, ECR, CodeStarSourceConnection; Build: CodeBuild, ECRBuildAndPublish, InspectorScan; Test: CodeBuild, DeviceFarm; Approval: Manual), with the configuration that provider requires (CodeStarSourceConnection: ConnectionArn, FullRepositoryId, BranchName; CodeBuild: ProjectName; Manual: CustomData of at most 500 characters)",
				Source: srcCPProviders + "; " + srcCPConnectionSource + "; " + srcCPCodeBuild + "; " + srcCPManual,
				Find: func(r *Resource, _ *Stack) []Finding {
					_, stages := cpStages(r)
					var fs []Finding
					for _, as := range stages {
						for j, a := range as {
							cat, prov := a.str("category"), a.str("provider")
							allowed, known := cpProviders[cat]
							if a.str("owner") != "AWS" || !known || isPlaceholder(prov) {
								continue
							}
							if !contains(allowed, prov) {
								fs = append(fs, Finding{Property: a.path(j) + ".provider", Value: prov + " (category " + cat + ")"})
								continue
							}
							var need []string
							switch prov {
							case "CodeStarSourceConnection":
								need = []string{"ConnectionArn", "FullRepositoryId", "BranchName"}
							case "CodeBuild":
								need = []string{"ProjectName"}
							case "Manual":
								if d, ok := a.config("CustomData"); ok && len([]rune(d)) > 500 {
									fs = append(fs, Finding{Property: a.path(j) + ".configuration.CustomData", Value: fmt.Sprintf("%d characters", len([]rune(d)))})
								}
							}
							for _, k := range need {
								if _, ok := a.config(k); !ok {
									fs = append(fs, Finding{Property: a.path(j) + ".configuration." + k, Value: "(not set)"})
								}
							}
						}
					}
					return fs
				}},
			{Rule: "a trigger's gitConfiguration.sourceActionName names a CodeStarSourceConnection action of the first stage",
				Source: srcCPTrigger + "; https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-filter.html",
				Find: func(r *Resource, _ *Stack) []Finding {
					_, stages := cpStages(r)
					sources := map[string]bool{}
					if len(stages) > 0 {
						for _, a := range stages[0] {
							if a.str("provider") == "CodeStarSourceConnection" {
								sources[a.str("name")] = true
							}
						}
					}
					var fs []Finding
					for i, t := range values(r, "triggers[]") {
						tm, _ := t.(map[string]any)
						gc, _ := tm["gitConfiguration"].(map[string]any)
						if n, _ := gc["sourceActionName"].(string); !sources[n] && !isPlaceholder(n) {
							fs = append(fs, Finding{Property: fmt.Sprintf("triggers[%d].gitConfiguration.sourceActionName", i), Value: n})
						}
					}
					return fs
				}},
			{Rule: "the pipeline starts a run when it is created, so its role must allow, before the pipeline, writing the artifact store (s3:PutObject), starting its CodeBuild projects (codebuild:StartBuild) and using its connections (UseConnection): depend on the role policies that grant them",
				Source: srcCPStartsOnCreate,
				Find: func(r *Resource, s *Stack) []Finding {
					arn, ok := r.String("roleArn")
					if !ok || isPlaceholder(arn) {
						return nil
					}
					role := roleName(arn)
					need := map[string]string{"s3:PutObject": "artifactStores"}
					_, stages := cpStages(r)
					for _, as := range stages {
						for j, a := range as {
							switch a.str("provider") {
							case "CodeBuild":
								need["codebuild:StartBuild"] = a.path(j)
							case "CodeStarSourceConnection":
								conn, _ := a.config("ConnectionArn")
								need[connectionService(conn)+":UseConnection"] = a.path(j)
							}
						}
					}
					var fs []Finding
					for _, action := range slices.Sorted(maps.Keys(need)) {
						if !roleAllowsBefore(r, s, role, action) {
							fs = append(fs, Finding{Property: "roleArn", Value: fmt.Sprintf("%s (no %s before the pipeline, for %s)", arn, action, need[action])})
						}
					}
					return fs
				}},
		},
	},
}
