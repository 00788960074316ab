package provider

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/property"

	"github.com/kumo-iac/kumo/internal/awsclient"
	"github.com/kumo-iac/kumo/internal/rollout"
)

// Release is the controller of kumo:index:Release, the resource that owns a
// Lambda function's alias and moves it from version to version. Each method
// delegates to a rollout.Engine built for the call.
type Release struct{}

// ReleaseArgs are the resource's inputs: rollout.Inputs plus the region
// and the AWS settings.
type ReleaseArgs struct {
	rollout.Inputs
	// Region is the AWS region of the function and its CodeDeploy
	// application. Changing it to another region replaces the release.
	// Default: the AWS SDK's default region (AWS_REGION, then the profile's).
	Region string `pulumi:"region,optional"`
	// Aws is the stack's AWS provider settings: profile, roles, endpoints,
	// credentials. Default: the SDK's defaults (the plugin's environment).
	Aws *AWSSettings `pulumi:"aws,optional"`
}

// ReleaseState is the resource's state: rollout.State plus the region the
// release was made in and the AWS settings it was made with, recorded so
// later updates, refreshes and the delete go to the same region and account
// whatever the environment says then. State written before the AWS settings
// existed has none and uses the SDK's defaults, as it did.
type ReleaseState struct {
	rollout.State
	Region string       `pulumi:"region,optional"`
	Aws    *AWSSettings `pulumi:"aws,optional"`
}

var (
	_ infer.CustomResource[ReleaseArgs, ReleaseState]       = (*Release)(nil)
	_ infer.CustomCheck[ReleaseArgs]                        = (*Release)(nil)
	_ infer.CustomDiff[ReleaseArgs, ReleaseState]           = (*Release)(nil)
	_ infer.CustomUpdate[ReleaseArgs, ReleaseState]         = (*Release)(nil)
	_ infer.CustomRead[ReleaseArgs, ReleaseState]           = (*Release)(nil)
	_ infer.CustomDelete[ReleaseState]                      = (*Release)(nil)
	_ infer.ExplicitDependencies[ReleaseArgs, ReleaseState] = (*Release)(nil)
	_ infer.Annotated                                       = (*Release)(nil)
	_ infer.Annotated                                       = (*ReleaseArgs)(nil)
	_ infer.Annotated                                       = (*ReleaseState)(nil)
)

// Annotate names the resource kumo:index:Release and documents it.
func (r *Release) Annotate(a infer.Annotator) {
	a.SetToken("index", "Release")
	a.Describe(r, "The release of a Lambda function: it owns the function's alias. Creating it publishes "+
		"the first version and points the alias at it. Changing the fingerprint publishes a version "+
		"(configuration-only changes included) and shifts the alias to it through a CodeDeploy deployment, "+
		"waiting for it and logging its progress; when CodeDeploy rolls back, the update fails, the "+
		"recorded state stays on the old version and the next update retries. Deleting it deletes the alias; "+
		"published versions stay.")
}

// Annotate documents the inputs.
func (a *ReleaseArgs) Annotate(an infer.Annotator) {
	describeInputs(an, &a.Inputs, &a.Region)
	describeAWS(an, &a.Aws)
}

// Annotate documents the state.
func (s *ReleaseState) Annotate(an infer.Annotator) {
	describeInputs(an, &s.Inputs, &s.Region)
	describeAWS(an, &s.Aws)
	an.Describe(&s.Version, "The version the alias serves (its primary version).")
	an.Describe(&s.PublishedVersion, "The version published for the fingerprint. It differs from version only after a refresh found the alias moved, or after a failed adoption; the next update deploys it again.")
	an.Describe(&s.AdditionalVersionWeights, "The alias's routing config as a refresh found it (version → fraction of traffic); empty when the alias sends everything to version.")
	an.Describe(&s.AliasArn, "The alias's ARN: the invocation target every event source and integration must use.")
	an.Describe(&s.LastDeploymentID, "The CodeDeploy deployment that last moved the alias for this release; empty when none has.")
}

func describeInputs(a infer.Annotator, in *rollout.Inputs, region *string) {
	a.Describe(&in.FunctionName, "The name (not the ARN) of the function whose alias the release moves. Changing it replaces the release.")
	a.Describe(&in.AliasName, "The alias every event source invokes. Changing it replaces the release. Default: \"live\".")
	a.Describe(&in.Fingerprint, "Identifies the function revision to release: a hash of the code hash and every setting Lambda copies into a version. A change publishes a version and deploys it; an unchanged fingerprint makes no AWS call.")
	a.Describe(&in.DeploymentConfigName, "The CodeDeploy deployment config that shifts traffic: a built-in Lambda config (CodeDeployDefault.LambdaCanary10Percent5Minutes), its short SAM name (Canary10Percent5Minutes) or a custom config's name. Default: the deployment group's config.")
	a.Describe(&in.ApplicationName, "The CodeDeploy application (compute platform Lambda) of the deployment group.")
	a.Describe(&in.DeploymentGroupName, "The function's CodeDeploy deployment group, which carries the alarms and auto-rollback settings.")
	a.Describe(&in.PreTrafficHook, "A function CodeDeploy runs before any traffic shifts (BeforeAllowTraffic). Default: none.")
	a.Describe(&in.PostTrafficHook, "A function CodeDeploy runs after all traffic has shifted (AfterAllowTraffic). Default: none.")
	a.Describe(&in.WaitTimeoutSeconds, "Bounds each wait for something the release does not own (the function's own update, another deployment of the group) before the release fails naming it. Default: 900.")
	a.Describe(region, "The AWS region of the function and its CodeDeploy application. Changing it to another region replaces the release. Default: the AWS SDK's default region (AWS_REGION, then the profile's).")
}

func describeAWS(a infer.Annotator, aws **AWSSettings) {
	a.Describe(aws, "The stack's AWS provider settings (aws:profile, aws:assumeRole, aws:endpoints, …), so the release acts where the stack's resources are; kumo's constructs pass them from the stack config. Changing them updates the release in place without an AWS call. Default: the AWS SDK's defaults in the plugin's environment.")
}

// WireDependencies says which outputs a change of input makes unknown in a
// preview of an update: a new fingerprint changes the versions and the
// deployment. Everything else stays known — the alias ARN too, since another
// function, alias or region replaces the release, and a replacement's create
// previews every output as unknown.
func (*Release) WireDependencies(f infer.FieldSelector, args *ReleaseArgs, state *ReleaseState) {
	fingerprint := f.InputField(&args.Fingerprint).Computed()
	f.OutputField(&state.Version).DependsOn(fingerprint)
	f.OutputField(&state.PublishedVersion).DependsOn(fingerprint)
	f.OutputField(&state.AdditionalVersionWeights).DependsOn(fingerprint)
	f.OutputField(&state.LastDeploymentID).DependsOn(fingerprint)
}

// Check applies the defaults and reports every invalid input at once.
// Inputs still unknown in a preview are not checked.
func (*Release) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[ReleaseArgs], error) {
	inputs, unknown := unknownSettings(req.NewInputs)
	args, failures, err := infer.DefaultCheck[ReleaseArgs](ctx, inputs)
	failures = append(unknown, failures...)
	if err != nil {
		return infer.CheckResponse[ReleaseArgs]{Inputs: args, Failures: failures}, err
	}
	args.Inputs = args.Inputs.WithDefaults()
	// Decoding reports missing and mistyped properties; validation adds
	// every other problem, so one run shows the user all of them.
	return infer.CheckResponse[ReleaseArgs]{Inputs: args, Failures: checkFailures(args, req.NewInputs, failures)}, nil
}

func checkFailures(args ReleaseArgs, raw property.Map, failures []p.CheckFailure) []p.CheckFailure {
	reported := map[string]bool{}
	for _, f := range failures {
		reported[f.Property] = true
	}
	// skip a property already reported, or still unknown in a preview.
	skip := func(prop string) bool {
		v, ok := raw.GetOk(prop)
		return reported[prop] || ok && v.IsComputed()
	}
	var invalid *rollout.ValidationError
	if errors.As(args.Inputs.Validate(), &invalid) {
		for _, problem := range invalid.Problems {
			var bad *rollout.InputError
			if !errors.As(problem, &bad) {
				failures = append(failures, p.CheckFailure{Reason: problem.Error()})
				continue
			}
			prop := propertyName(bad.Field)
			if skip(prop) {
				continue
			}
			failures = append(failures, p.CheckFailure{Property: prop, Reason: fmt.Sprintf("%q %s", bad.Value, bad.Reason)})
		}
	}
	if args.Region != "" && !awsclient.ValidRegion(args.Region) && !skip("region") {
		failures = append(failures, p.CheckFailure{Property: "region",
			Reason: fmt.Sprintf("%q is not an AWS region name such as us-east-1 or eu-west-1; leave it empty for the AWS SDK's default region", args.Region)})
	}
	if !skip("aws") {
		// Failures reach the engine's output and CI logs, so a value that
		// arrived secret is not shown.
		for _, problem := range args.Aws.settings().Validate() {
			reason := problem.Message()
			if secretAt(raw.Get("aws"), problem.Path) {
				reason = problem.Redacted()
			}
			failures = append(failures, p.CheckFailure{Property: "aws." + problem.Path, Reason: reason})
		}
	}
	return failures
}

// propertyName turns a Go field name of rollout.Inputs into its property
// name: FunctionName → functionName.
func propertyName(field string) string {
	r := []rune(field)
	if len(r) > 0 {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}

// replacingFields are the fields rollout.Engine.Diff replaces the release
// on: they name another alias.
var replacingFields = map[string]bool{"FunctionName": true, "AliasName": true}

// Diff reports the changed properties: another function, alias or region
// replaces the release; a new fingerprint, deployment setting or hook, or an
// alias a refresh found moved ("version"), updates it in place.
func (*Release) Diff(ctx context.Context, req infer.DiffRequest[ReleaseArgs, ReleaseState]) (infer.DiffResponse, error) {
	diff := map[string]p.PropertyDiff{}
	for _, field := range rollout.ChangedFields(req.State.State, req.Inputs.Inputs) {
		kind := p.Update
		if replacingFields[field] {
			kind = p.UpdateReplace
		}
		// "Version" is drift of the state, not a change of input.
		diff[propertyName(field)] = p.PropertyDiff{Kind: kind, InputDiff: field != "Version"}
	}
	if regionChanged(ctx, req.State.Region, req.Inputs.Region, req.Inputs.Aws) {
		diff["region"] = p.PropertyDiff{Kind: p.UpdateReplace, InputDiff: true}
	}
	// New settings (another profile, role or endpoint, rotated keys) change
	// how the release reaches AWS, not what it releases: the update records
	// them, so later refreshes and the delete use them, and calls nothing.
	if !reflect.DeepEqual(req.State.Aws.settings().Properties(), req.Inputs.Aws.settings().Properties()) {
		diff["aws"] = p.PropertyDiff{Kind: p.Update, InputDiff: true}
	}
	return infer.DiffResponse{HasChanges: len(diff) > 0, DetailedDiff: diff}, nil
}

// regionChanged compares regions as they resolve: the state records the
// region the release was made in, and an empty input means the default
// region (of the input's profile), so adding region: <the same region> must
// not replace the release — its replacement would adopt the very alias the
// old one's delete removes.
func regionChanged(ctx context.Context, recorded, input string, settings *AWSSettings) bool {
	if input == "" {
		cfg, err := awsclient.Load(ctx, "", settings.settings(), limits)
		if err != nil {
			return false // cannot tell; the update runs in the recorded region
		}
		input = cfg.Region
	}
	return recorded != "" && input != "" && recorded != input
}

// Create publishes the first version and creates the alias on it (or adopts
// an existing alias, deploying to it). A preview only logs the plan.
func (r *Release) Create(ctx context.Context, req infer.CreateRequest[ReleaseArgs]) (infer.CreateResponse[ReleaseState], error) {
	in := req.Inputs
	log := p.GetLogger(ctx)
	if req.DryRun {
		plan := (&rollout.Engine{}).Plan(nil, in.Inputs)
		if plan.FunctionName == "" { // Check let it through: unknown until the function exists
			plan.FunctionName = "(known after the function is created)"
		}
		log.Info(plan.String())
		return infer.CreateResponse[ReleaseState]{
			Output: ReleaseState{State: rollout.State{Inputs: in.Inputs.WithDefaults()}, Region: in.Region, Aws: in.Aws},
		}, nil
	}
	eng, region, err := newEngine(ctx, in.Region, in.Aws)
	if err != nil {
		return infer.CreateResponse[ReleaseState]{}, err
	}
	st, err := eng.Create(ctx, in.Inputs)
	switch {
	case err != nil && st.Version == "":
		return infer.CreateResponse[ReleaseState]{}, err
	case err != nil:
		// An adopted alias whose deployment failed: record what it serves,
		// so the next update retries the deployment.
		return infer.CreateResponse[ReleaseState]{ID: resourceID(st), Output: ReleaseState{State: st, Region: region, Aws: in.Aws}},
			partialCreateError{err}
	}
	return infer.CreateResponse[ReleaseState]{ID: resourceID(st), Output: ReleaseState{State: st, Region: region, Aws: in.Aws}}, nil
}

// resourceID is the alias's ARN, which is unique in AWS.
func resourceID(st rollout.State) string {
	if st.AliasArn != "" {
		return st.AliasArn
	}
	in := st.Inputs.WithDefaults()
	return in.FunctionName + ":" + in.AliasName
}

// partialCreateError is a failed create that nonetheless left an alias to
// record: infer sees the ResourceInitFailedError and records the state
// returned with it, the user sees the rollout error's message.
type partialCreateError struct{ err error }

func (e partialCreateError) Error() string { return e.err.Error() }

func (e partialCreateError) Unwrap() []error {
	return []error{e.err, infer.ResourceInitFailedError{Reasons: []string{e.err.Error()}}}
}

// Update releases new inputs: for a new fingerprint (or an alias a refresh
// found moved) it publishes a version and deploys it through CodeDeploy.
// A preview only logs the plan.
//
// On failure — a rollback, a stuck deployment of the group — it returns the
// error alone: infer then returns no new state and the engine keeps the
// recorded one, on the old version, as rollout's contract requires (Update
// returns old unchanged); the next `pulumi up` sees the fingerprint changed
// again and retries.
func (r *Release) Update(ctx context.Context, req infer.UpdateRequest[ReleaseArgs, ReleaseState]) (infer.UpdateResponse[ReleaseState], error) {
	old, in := req.State, req.Inputs
	region := in.Region
	if region == "" {
		region = old.Region
	}
	if req.DryRun {
		plan := (&rollout.Engine{}).Plan(&old.State, in.Inputs)
		p.GetLogger(ctx).Info(plan.String())
		st := old.State
		st.Inputs = in.Inputs.WithDefaults()
		if plan.Action == rollout.ActionPublishAndShift && in.Fingerprint == old.Fingerprint {
			// Repairing drift: the alias goes back to the published version.
			st.Version, st.AdditionalVersionWeights = st.PublishedVersion, nil
		}
		return infer.UpdateResponse[ReleaseState]{Output: ReleaseState{State: st, Region: region, Aws: in.Aws}}, nil
	}
	eng, region, err := newEngine(ctx, region, in.Aws)
	if err != nil {
		return infer.UpdateResponse[ReleaseState]{Output: old}, err
	}
	st, err := eng.Update(ctx, old.State, in.Inputs)
	if err != nil {
		return infer.UpdateResponse[ReleaseState]{Output: ReleaseState{State: st, Region: old.Region, Aws: old.Aws}}, err
	}
	return infer.UpdateResponse[ReleaseState]{Output: ReleaseState{State: st, Region: region, Aws: in.Aws}}, nil
}

// Read reports what the alias really serves. A deleted alias makes the
// resource gone (an empty ID), so a refresh drops it from the state.
func (r *Release) Read(ctx context.Context, req infer.ReadRequest[ReleaseArgs, ReleaseState]) (infer.ReadResponse[ReleaseArgs, ReleaseState], error) {
	eng, region, err := newEngine(ctx, req.State.Region, req.State.Aws)
	if err != nil {
		return infer.ReadResponse[ReleaseArgs, ReleaseState]{}, err
	}
	st, err := eng.Read(ctx, req.State.State)
	switch {
	case errors.Is(err, rollout.ErrAliasNotFound):
		// Dropping the release here would make the next update create the
		// alias straight on the new version: all traffic at once, with no
		// canary, hooks or alarms. Keeping it makes the update recreate the
		// alias on the recorded version and deploy through CodeDeploy.
		p.GetLogger(ctx).Warningf("%v (deleted outside Pulumi); kumo keeps the release so the next update recreates the alias on version %s, the last one it recorded, and deploys from there through CodeDeploy",
			err, req.State.Version)
		return infer.ReadResponse[ReleaseArgs, ReleaseState]{ID: req.ID, Inputs: req.Inputs, State: req.State}, nil
	case err != nil:
		return infer.ReadResponse[ReleaseArgs, ReleaseState]{}, err
	}
	return infer.ReadResponse[ReleaseArgs, ReleaseState]{
		ID:     req.ID,
		Inputs: req.Inputs,
		State:  ReleaseState{State: st, Region: region, Aws: req.State.Aws},
	}, nil
}

// Delete deletes the alias; the published versions stay.
func (r *Release) Delete(ctx context.Context, req infer.DeleteRequest[ReleaseState]) (infer.DeleteResponse, error) {
	eng, _, err := newEngine(ctx, req.State.Region, req.State.Aws)
	if err != nil {
		return infer.DeleteResponse{}, err
	}
	err = eng.Delete(ctx, req.State.State)
	// DeleteAlias models no ResourceNotFoundException, so the SDK returns
	// the one Lambda sends for a deleted function as a generic API error,
	// which rollout does not recognize: the alias went with the function.
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ResourceNotFoundException" {
		p.GetLogger(ctx).Info(fmt.Sprintf("function %s is gone, and its alias with it", req.State.FunctionName))
		return infer.DeleteResponse{}, nil
	}
	return infer.DeleteResponse{}, err
}

// limits bound every AWS call of the provider; tests make them small.
var limits = awsclient.DefaultLimits()

// newEngine builds a release engine on AWS SDK clients for region ("" for
// the default region) that calls AWS as settings say (nil: the SDK's
// defaults, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> among them),
// within limits, and logs to the Pulumi log of the resource ctx belongs to.
// It returns the region it resolved. With allowed or forbidden accounts it
// first checks the credentials' account, so nothing changes in a wrong one.
func newEngine(ctx context.Context, region string, settings *AWSSettings) (*rollout.Engine, string, error) {
	s := settings.settings()
	cfg, err := awsclient.Load(ctx, region, s, limits)
	if err != nil {
		return nil, "", err
	}
	if cfg.Region == "" {
		return nil, "", errors.New("no AWS region: set the release's region input (aws:region), AWS_REGION, or a region in the AWS profile")
	}
	if err := awsclient.CheckAccount(ctx, cfg, s); err != nil {
		return nil, "", err
	}
	interval, err := pollInterval()
	if err != nil {
		return nil, "", err
	}
	log := p.GetLogger(ctx)
	return &rollout.Engine{
		Lambda: lambda.NewFromConfig(cfg, func(o *lambda.Options) {
			if ep := s.Endpoints.Lambda; ep != "" {
				o.BaseEndpoint = &ep
			}
		}),
		CodeDeploy: codedeploy.NewFromConfig(cfg, func(o *codedeploy.Options) {
			if ep := s.Endpoints.CodeDeploy; ep != "" {
				o.BaseEndpoint = &ep
			}
		}),
		Log: func(msg string) {
			log.Info(strings.TrimSpace(msg))
		},
		PollInterval: interval,
	}, cfg.Region, nil
}
