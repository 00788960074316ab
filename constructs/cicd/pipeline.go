package cicd

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/codepipeline"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

// Category is what an action does.
type Category string

// The action categories kumo's actions use
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-action-categories.html).
const (
	CategorySource   Category = "Source"
	CategoryBuild    Category = "Build"
	CategoryTest     Category = "Test"
	CategoryApproval Category = "Approval"
)

// ExecutionMode is how a pipeline handles a run started while one is in
// progress (https://docs.aws.amazon.com/codepipeline/latest/userguide/concepts-how-it-works.html#concepts-how-it-works-executions).
type ExecutionMode string

// Execution modes of a V2 pipeline.
const (
	Superseded ExecutionMode = "SUPERSEDED"
	Queued     ExecutionMode = "QUEUED"
	Parallel   ExecutionMode = "PARALLEL"
)

// Approval is a manual approval's notification and what it shows.
type Approval struct {
	// Topic receives the approval request; the pipeline's role is
	// granted publishing to it. Default: nil, no notification.
	Topic *constructs.Topic
	// Summary is shown to the approver (CustomData), at most 500
	// characters. Default: none.
	Summary string
	// Link is a URL the approver reviews (ExternalEntityLink), e.g. the
	// kumo diff of the stage. Default: none.
	Link pulumi.StringInput
}

// Action is one action of a stage. Its Category decides which fields it
// takes: Source a Connection, Repository and Branch and one output;
// Build and Test a Project and inputs; Approval an Approval and no
// artifacts.
type Action struct {
	// Name is unique within the stage: 1–100 letters, digits or .@-_.
	// Required.
	Name string
	// Category is Source, Build, Test or Approval. Required.
	Category Category
	// RunOrder orders actions within a stage, 1–999; equal orders run in
	// parallel. Default: 1.
	RunOrder int
	// Inputs are artifact names produced by earlier actions. Default: none.
	Inputs []string
	// Outputs are artifact names this action produces, unique in the
	// pipeline. Default: none.
	Outputs []string
	// Project is the CodeBuild project a Build or Test action runs; the
	// pipeline's role may start exactly this project, and the project may
	// read and write the artifact store.
	Project *BuildProject
	// EnvironmentVariables are plain-text variables the action passes to
	// the build, e.g. a role ARN known only once that role exists. Default:
	// none.
	EnvironmentVariables map[string]pulumi.StringInput
	// Connection, Repository ("<owner>/<repo>") and Branch are a Source
	// action's repository; the pipeline starts on pushes to Branch.
	Connection *Connection
	Repository string
	Branch     string
	// Approval is an Approval action's notification and summary.
	Approval *Approval
}

// Stage is one stage of a pipeline.
type Stage struct {
	// Name is unique in the pipeline: 1–100 letters, digits or .@-_.
	Name string
	// Actions run in RunOrder; at least one.
	Actions []Action
}

// PipelineArgs configure a Pipeline.
type PipelineArgs struct {
	// ArtifactBucket stores the artifacts passed between actions; the
	// pipeline's role and every project it runs may read and write it.
	// Required.
	ArtifactBucket *constructs.Bucket
	// ArtifactKey encrypts the artifacts (the artifact store's KMS key);
	// the pipeline's role and its projects may use it. Required.
	ArtifactKey *constructs.Key
	// Stages in order: at least two, the first only Source actions.
	Stages []Stage
	// ExecutionMode: SUPERSEDED, QUEUED or PARALLEL. Default: SUPERSEDED, a
	// newer run overtakes an older one waiting between stages.
	ExecutionMode ExecutionMode
	// PhysicalName is the pipeline's name in AWS, for builds that must name
	// the pipeline they run in before it exists (a self-update starting a
	// new execution): 1–100 letters, digits or .@-_. Default: "", autonamed
	// <name>-<7 random characters>.
	PhysicalName string
}

// Pipeline is a V2 CodePipeline with a role of its own that may start
// exactly its projects, use exactly its connections, publish to exactly its
// approval topics and use its artifact store, all granted before the
// pipeline is created (CodePipeline starts a run on creation).
type Pipeline struct {
	pulumi.ResourceState

	ctx     *pulumi.Context
	name    string
	notices int

	// Pipeline is the underlying pipeline, an escape hatch.
	Pipeline *codepipeline.Pipeline
	// Role is the pipeline's service role.
	Role *constructs.ServiceRole
	// Name is the physical pipeline name.
	Name pulumi.StringOutput
	// Arn is the pipeline's ARN.
	Arn pulumi.StringOutput
}

// nameRule: stage, action and pipeline names
// (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_StageDeclaration.html,
// API_ActionDeclaration.html: [A-Za-z0-9.@\-_]+, 1–100).
var nameRule = regexp.MustCompile(`^[A-Za-z0-9.@_-]{1,100}$`)

// artifactName: ArtifactDeclaration names are [a-zA-Z0-9_\-]+, 1–100
// (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_InputArtifact.html).
var artifactName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)

// pipelineLogicalName: the pipeline is autonamed <name>-<7 random> within
// 100 characters of [A-Za-z0-9.@\-_], and its role within IAM's 64.
var pipelineLogicalName = regexp.MustCompile(`^[A-Za-z0-9.@_-]{1,56}$`)

// repository is a Source action's FullRepositoryId, "<owner>/<repo>".
var repository = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+$`)

func (a PipelineArgs) withDefaults() PipelineArgs {
	if a.ExecutionMode == "" {
		a.ExecutionMode = Superseded
	}
	stages := make([]Stage, len(a.Stages))
	for i, s := range a.Stages {
		s.Actions = slices.Clone(s.Actions)
		for j := range s.Actions {
			if s.Actions[j].RunOrder == 0 {
				s.Actions[j].RunOrder = 1
			}
		}
		stages[i] = s
	}
	a.Stages = stages
	return a
}

func (a PipelineArgs) validate(name string) *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if !pipelineLogicalName.MatchString(name) {
		add("name: %q must be 1–56 letters, digits or .@-_ (CreatePipeline's pattern; the pipeline and its role append 8 characters)", name)
	}
	if a.ArtifactBucket == nil {
		add("ArtifactBucket: nil; give the constructs.Bucket that stores the artifacts")
	}
	if a.ArtifactKey == nil {
		add("ArtifactKey: nil; give the constructs.Key that encrypts the artifacts")
	}
	if a.PhysicalName != "" && !nameRule.MatchString(a.PhysicalName) {
		add("PhysicalName: %q must be 1–100 letters, digits or .@-_ (CreatePipeline's pattern)", a.PhysicalName)
	}
	switch a.ExecutionMode {
	case Superseded, Queued, Parallel:
	default:
		add("ExecutionMode: %q is not an execution mode; use SUPERSEDED, QUEUED or PARALLEL", a.ExecutionMode)
	}
	// "A pipeline must contain at least two stages"; "The first stage must
	// contain at least one source action", and only source actions; source
	// actions only in the first stage
	// (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-pipeline-structure.html#pipeline-requirements).
	if len(a.Stages) < 2 {
		add("Stages: %d; a pipeline has at least two (a Source stage and one that uses it)", len(a.Stages))
	}
	stageNames := map[string]bool{}
	produced := map[string]string{} // artifact → the action that outputs it
	for i, s := range a.Stages {
		field := fmt.Sprintf("Stages[%d]", i)
		switch {
		case !nameRule.MatchString(s.Name):
			add("%s.Name: %q must be 1–100 letters, digits or .@-_", field, s.Name)
		case stageNames[s.Name]:
			add("%s.Name: %q is used by an earlier stage; stage names are unique in a pipeline", field, s.Name)
		}
		stageNames[s.Name] = true
		if len(s.Actions) == 0 {
			add("%s.Actions: none; a stage has at least one action", field)
		}
		// Outputs of this stage become usable by later run orders here and
		// by later stages.
		actionNames := map[string]bool{}
		order := slices.Clone(s.Actions)
		slices.SortStableFunc(order, func(x, y Action) int { return x.RunOrder - y.RunOrder })
		for j, act := range s.Actions {
			af := fmt.Sprintf("%s.Actions[%d]", field, j)
			switch {
			case !nameRule.MatchString(act.Name):
				add("%s.Name: %q must be 1–100 letters, digits or .@-_", af, act.Name)
			case actionNames[act.Name]:
				add("%s.Name: %q is used by another action of stage %q; action names are unique in a stage", af, act.Name, s.Name)
			}
			actionNames[act.Name] = true
			if act.RunOrder < 1 || act.RunOrder > 999 {
				add("%s.RunOrder: %d is outside 1–999", af, act.RunOrder)
			}
			if i == 0 && act.Category != CategorySource {
				add("%s.Category: %q in the first stage; it holds only Source actions", af, act.Category)
			}
			if i > 0 && act.Category == CategorySource {
				add("%s.Category: Source in stage %q; Source actions belong in the first stage only", af, s.Name)
			}
			validateAction(add, af, act)
			for k, out := range act.Outputs {
				if !artifactName.MatchString(out) {
					add("%s.Outputs[%d]: %q must be 1–100 letters, digits, '-' or '_'", af, k, out)
				}
			}
		}
		for _, act := range order {
			for k, in := range act.Inputs {
				if p, ok := produced[in]; !ok || !outputBefore(a.Stages, i, act.RunOrder, p) {
					j := slices.IndexFunc(s.Actions, func(x Action) bool { return x.Name == act.Name })
					add("%s.Actions[%d].Inputs[%d]: %q is not the output of an action that runs earlier", field, j, k, in)
				}
			}
			for k, out := range act.Outputs {
				if prev := produced[out]; prev != "" {
					j := slices.IndexFunc(s.Actions, func(x Action) bool { return x.Name == act.Name })
					add("%s.Actions[%d].Outputs[%d]: %q is also the output of %s; output names are unique in a pipeline", field, j, k, out, prev)
					continue
				}
				produced[out] = fmt.Sprintf("%s/%s", s.Name, act.Name)
			}
		}
	}
	return errs
}

// outputBefore reports whether the action at "<stage>/<action>" runs before
// run order runOrder of stage index i.
func outputBefore(stages []Stage, i, runOrder int, producer string) bool {
	stage, action, _ := strings.Cut(producer, "/")
	for si, s := range stages {
		if s.Name != stage {
			continue
		}
		if si < i {
			return true
		}
		if si == i {
			for _, act := range s.Actions {
				if act.Name == action {
					return act.RunOrder < runOrder
				}
			}
		}
		return false
	}
	return false
}

// validateAction checks the fields of one action against its category
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-action-artifacts.html).
func validateAction(add func(string, ...any), af string, act Action) {
	notFor := func(field string, set bool) {
		if set {
			add("%s.%s: set on a %s action, which does not take it", af, field, act.Category)
		}
	}
	switch act.Category {
	case CategorySource:
		if act.Connection == nil {
			add("%s.Connection: nil; a Source action reads a repository through a connection", af)
		}
		if !repository.MatchString(act.Repository) {
			add("%s.Repository: %q is not \"<owner>/<repo>\"", af, act.Repository)
		}
		if act.Branch == "" {
			add("%s.Branch: empty; name the branch the pipeline builds", af)
		}
		if len(act.Outputs) != 1 {
			add("%s.Outputs: %d; a CodeStarSourceConnection action has exactly one", af, len(act.Outputs))
		}
		notFor("Inputs", len(act.Inputs) > 0)
		notFor("Project", act.Project != nil)
		notFor("Approval", act.Approval != nil)
		notFor("EnvironmentVariables", len(act.EnvironmentVariables) > 0)
	case CategoryBuild, CategoryTest:
		if act.Project == nil {
			add("%s.Project: nil; a %s action runs a BuildProject", af, act.Category)
		}
		// CodeBuild action: 1–5 input artifacts, 0–5 output artifacts
		// (https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeBuild.html).
		if n := len(act.Inputs); n < 1 || n > 5 {
			add("%s.Inputs: %d; a CodeBuild action takes 1–5", af, n)
		}
		if n := len(act.Outputs); n > 5 {
			add("%s.Outputs: %d; a CodeBuild action produces at most 5", af, n)
		}
		for _, k := range slices.Sorted(maps.Keys(act.EnvironmentVariables)) {
			validateEnvName(add, af+".EnvironmentVariables", k)
		}
		notFor("Connection", act.Connection != nil)
		notFor("Approval", act.Approval != nil)
	case CategoryApproval:
		// Manual approval: no input or output artifacts; CustomData at
		// most 500 characters
		// (https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-action-add.html).
		notFor("Inputs", len(act.Inputs) > 0)
		notFor("Outputs", len(act.Outputs) > 0)
		notFor("Project", act.Project != nil)
		notFor("Connection", act.Connection != nil)
		if act.Approval != nil {
			if n := len([]rune(act.Approval.Summary)); n > 500 {
				add("%s.Approval.Summary: %d characters; CodePipeline allows at most 500", af, n)
			}
		}
	default:
		add("%s.Category: %q is not a category kumo's actions have; use Source, Build, Test or Approval", af, act.Category)
	}
}

// NewPipeline registers a V2 pipeline, its role and the role's grants.
func NewPipeline(ctx *pulumi.Context, name string, args *PipelineArgs, opts ...pulumi.ResourceOption) (*Pipeline, error) {
	if args == nil {
		args = &PipelineArgs{}
	}
	a := args.withDefaults()
	if err := constructs.Invalid(fmt.Sprintf("pipeline %q", name), a.validate(name)); err != nil {
		return nil, err
	}
	p := &Pipeline{ctx: ctx, name: name}
	if err := ctx.RegisterComponentResource("kumo:cicd:Pipeline", name, p, opts...); err != nil {
		return nil, err
	}
	var err error
	if p.Role, err = constructs.NewServiceRole(ctx, name, p, "codepipeline.amazonaws.com",
		fmt.Sprintf("Service role of kumo pipeline %s; permissions come only from grants.", name)); err != nil {
		return nil, err
	}
	// CodePipeline writes and reads artifacts with its own role, encrypting
	// with the store's key
	// (https://docs.aws.amazon.com/codepipeline/latest/userguide/S3-artifact-encryption.html).
	if err := a.ArtifactBucket.GrantReadWrite(p.Role); err != nil {
		return nil, err
	}
	if err := a.ArtifactKey.GrantEncryptDecrypt(p.Role); err != nil {
		return nil, err
	}
	deps := []pulumi.Resource{}
	stages := codepipeline.PipelineStageArray{}
	triggers := codepipeline.PipelineTriggerArray{}
	for _, s := range a.Stages {
		actions := codepipeline.PipelineStageActionArray{}
		for _, act := range s.Actions {
			decl, err := p.action(act, a)
			if err != nil {
				return nil, err
			}
			actions = append(actions, decl)
			if act.Category == CategorySource {
				// A push to the branch starts the pipeline; V2 triggers
				// filter on it (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-filter.html).
				triggers = append(triggers, &codepipeline.PipelineTriggerArgs{
					ProviderType: pulumi.String("CodeStarSourceConnection"),
					GitConfiguration: &codepipeline.PipelineTriggerGitConfigurationArgs{
						SourceActionName: pulumi.String(act.Name),
						Pushes: codepipeline.PipelineTriggerGitConfigurationPushArray{&codepipeline.PipelineTriggerGitConfigurationPushArgs{
							Branches: &codepipeline.PipelineTriggerGitConfigurationPushBranchesArgs{Includes: pulumi.StringArray{pulumi.String(act.Branch)}},
						}},
					},
				})
			}
			if act.Project != nil {
				deps = append(deps, act.Project.Role.Policies()...)
			}
		}
		stages = append(stages, &codepipeline.PipelineStageArgs{Name: pulumi.String(s.Name), Actions: actions})
	}
	// CodePipeline starts a run as soon as the pipeline exists, so the
	// pipeline waits for its role's policies and for those of the projects
	// it runs (every grant above, including the artifact store's).
	deps = append(p.Role.Policies(), deps...)
	var physical pulumi.StringPtrInput
	if a.PhysicalName != "" {
		physical = pulumi.String(a.PhysicalName)
	}
	if p.Pipeline, err = codepipeline.NewPipeline(ctx, name, &codepipeline.PipelineArgs{
		Name:          physical,
		PipelineType:  pulumi.String("V2"),
		ExecutionMode: pulumi.String(string(a.ExecutionMode)),
		RoleArn:       p.Role.Role().Arn,
		ArtifactStores: codepipeline.PipelineArtifactStoreArray{&codepipeline.PipelineArtifactStoreArgs{
			Type:          pulumi.String("S3"),
			Location:      a.ArtifactBucket.Name,
			EncryptionKey: &codepipeline.PipelineArtifactStoreEncryptionKeyArgs{Type: pulumi.String("KMS"), Id: a.ArtifactKey.Arn},
		}},
		Stages:   stages,
		Triggers: triggers,
	}, pulumi.Parent(p), pulumi.DependsOn(deps)); err != nil {
		return nil, err
	}
	p.Name, p.Arn = p.Pipeline.Name, p.Pipeline.Arn
	if err := ctx.RegisterResourceOutputs(p, pulumi.Map{"name": p.Name, "arn": p.Arn}); err != nil {
		return nil, err
	}
	return p, nil
}

// action declares one action and makes the grants it needs.
func (p *Pipeline) action(act Action, a PipelineArgs) (*codepipeline.PipelineStageActionArgs, error) {
	decl := &codepipeline.PipelineStageActionArgs{
		Name:            pulumi.String(act.Name),
		Category:        pulumi.String(string(act.Category)),
		Owner:           pulumi.String("AWS"),
		Version:         pulumi.String("1"),
		RunOrder:        pulumi.Int(act.RunOrder),
		InputArtifacts:  toStringArray(act.Inputs),
		OutputArtifacts: toStringArray(act.Outputs),
	}
	config := pulumi.StringMap{}
	switch act.Category {
	case CategorySource:
		// https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodestarConnectionSource.html
		decl.Provider = pulumi.String("CodeStarSourceConnection")
		config["ConnectionArn"] = act.Connection.Arn
		config["FullRepositoryId"] = pulumi.String(act.Repository)
		config["BranchName"] = pulumi.String(act.Branch)
		config["OutputArtifactFormat"] = pulumi.String("CODE_ZIP")
		if err := p.Role.AllowAs("connection-"+act.Connection.name+"-use", act.Connection.useStatements("UseConnection")); err != nil {
			return nil, err
		}
	case CategoryBuild, CategoryTest:
		// https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeBuild.html
		decl.Provider = pulumi.String("CodeBuild")
		config["ProjectName"] = act.Project.Name
		if len(act.Inputs) > 1 {
			config["PrimarySource"] = pulumi.String(act.Inputs[0])
		}
		if len(act.EnvironmentVariables) > 0 {
			keys := slices.Sorted(maps.Keys(act.EnvironmentVariables))
			values := make([]any, len(keys))
			for i, k := range keys {
				values[i] = act.EnvironmentVariables[k]
			}
			config["EnvironmentVariables"] = pulumi.All(values...).ApplyT(func(vals []any) (string, error) {
				vars := []map[string]string{}
				for i, k := range keys {
					vars = append(vars, map[string]string{"name": k, "value": vals[i].(string), "type": "PLAINTEXT"})
				}
				b, err := json.Marshal(vars)
				return string(b), err
			}).(pulumi.StringOutput)
		}
		// The CodeBuild action's service role permissions
		// (https://docs.aws.amazon.com/codepipeline/latest/userguide/security-iam.html#how-to-custom-role).
		if err := p.Role.AllowAs("project-"+act.Project.name+"-build", constructs.Statement{
			Sid:       "RunProject",
			Actions:   []string{"codebuild:BatchGetBuilds", "codebuild:StartBuild", "codebuild:StopBuild"},
			Resources: []pulumi.StringInput{act.Project.Arn},
		}); err != nil {
			return nil, err
		}
		// The project reads its input artifacts from the store and writes
		// its outputs there, with the store's key.
		if err := a.ArtifactBucket.GrantReadWrite(act.Project); err != nil {
			return nil, err
		}
		if err := a.ArtifactKey.GrantEncryptDecrypt(act.Project); err != nil {
			return nil, err
		}
	case CategoryApproval:
		// https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-action-add.html
		decl.Provider = pulumi.String("Manual")
		if ap := act.Approval; ap != nil {
			if ap.Topic != nil {
				config["NotificationArn"] = ap.Topic.Arn
				if err := ap.Topic.GrantPublish(p.Role); err != nil {
					return nil, err
				}
			}
			if ap.Summary != "" {
				config["CustomData"] = pulumi.String(ap.Summary)
			}
			if ap.Link != nil {
				config["ExternalEntityLink"] = ap.Link
			}
		}
	}
	if len(config) > 0 {
		decl.Configuration = config
	}
	return decl, nil
}

func toStringArray(ss []string) pulumi.StringArrayInput {
	if len(ss) == 0 {
		return nil
	}
	out := pulumi.StringArray{}
	for _, s := range ss {
		out = append(out, pulumi.String(s))
	}
	return out
}
