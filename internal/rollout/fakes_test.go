package rollout

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// fakeLambda is one function with its published versions and one alias.
type fakeLambda struct {
	t  *testing.T
	fn string
	// published is the number of the latest published version (0: none).
	published int
	// changed is set when code or configuration changed since the latest
	// version, which is when PublishVersion publishes a new one.
	changed bool
	// updates are the LastUpdateStatus values GetFunctionConfiguration
	// returns, one per call, before it settles on Successful.
	updates []lambdatypes.LastUpdateStatus
	// publishConflicts is how many PublishVersion calls fail with
	// ResourceConflictException before one succeeds.
	publishConflicts int
	// deletedVersions are published versions deleted since (Lambda lets
	// DeleteFunction remove one version by its qualifier).
	deletedVersions map[string]bool
	alias           *fakeAlias
	fail            map[string]error
	calls           []string
}

type fakeAlias struct {
	name     string
	version  string
	weights  map[string]float64
	revision int
}

func newFakeLambda(t *testing.T) *fakeLambda {
	return &fakeLambda{t: t, fn: "items", fail: map[string]error{}}
}

// withAlias publishes n versions and points alias live at version v.
func (f *fakeLambda) withAlias(n int, v string, weights map[string]float64) *fakeLambda {
	f.published = n
	f.alias = &fakeAlias{name: "live", version: v, weights: weights, revision: 1}
	return f
}

func (f *fakeLambda) call(name string) error {
	f.calls = append(f.calls, name)
	if err, ok := f.fail[name]; ok {
		delete(f.fail, name)
		return err
	}
	return nil
}

func (f *fakeLambda) checkFunction(name *string) {
	f.t.Helper()
	if got := aws.ToString(name); got != f.fn {
		f.t.Errorf("FunctionName = %q; want %q", got, f.fn)
	}
}

func (f *fakeLambda) aliasArn() string {
	return "arn:aws:lambda:eu-west-1:123456789012:function:" + f.fn + ":" + f.alias.name
}

func notFound(what string) error {
	return &lambdatypes.ResourceNotFoundException{Message: aws.String(what + " not found")}
}

func (f *fakeLambda) GetFunctionConfiguration(_ context.Context, in *lambda.GetFunctionConfigurationInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error) {
	if err := f.call("GetFunctionConfiguration"); err != nil {
		return nil, err
	}
	f.checkFunction(in.FunctionName)
	status := lambdatypes.LastUpdateStatusSuccessful
	if len(f.updates) > 0 {
		status, f.updates = f.updates[0], f.updates[1:]
	}
	out := &lambda.GetFunctionConfigurationOutput{State: lambdatypes.StateActive, LastUpdateStatus: status}
	if status == lambdatypes.LastUpdateStatusFailed {
		out.LastUpdateStatusReasonCode = lambdatypes.LastUpdateStatusReasonCodeInvalidSubnet
		out.LastUpdateStatusReason = aws.String("subnet subnet-1 does not exist")
	}
	return out, nil
}

func (f *fakeLambda) PublishVersion(_ context.Context, in *lambda.PublishVersionInput, _ ...func(*lambda.Options)) (*lambda.PublishVersionOutput, error) {
	if err := f.call("PublishVersion"); err != nil {
		return nil, err
	}
	f.checkFunction(in.FunctionName)
	if f.publishConflicts > 0 {
		f.publishConflicts--
		return nil, &lambdatypes.ResourceConflictException{Message: aws.String("The operation cannot be performed at this time. An update is in progress for resource")}
	}
	// Like Lambda: a version only when code or configuration changed.
	if f.published == 0 || f.changed {
		f.published++
		f.changed = false
	}
	return &lambda.PublishVersionOutput{Version: aws.String(strconv.Itoa(f.published))}, nil
}

func (f *fakeLambda) GetAlias(_ context.Context, in *lambda.GetAliasInput, _ ...func(*lambda.Options)) (*lambda.GetAliasOutput, error) {
	if err := f.call("GetAlias"); err != nil {
		return nil, err
	}
	f.checkFunction(in.FunctionName)
	if f.alias == nil || f.alias.name != aws.ToString(in.Name) {
		return nil, notFound("alias")
	}
	out := &lambda.GetAliasOutput{
		AliasArn:        aws.String(f.aliasArn()),
		Name:            aws.String(f.alias.name),
		FunctionVersion: aws.String(f.alias.version),
		RevisionId:      aws.String(strconv.Itoa(f.alias.revision)),
	}
	if len(f.alias.weights) > 0 {
		w := map[string]float64{}
		for k, v := range f.alias.weights {
			w[k] = v
		}
		out.RoutingConfig = &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: w}
	}
	return out, nil
}

func (f *fakeLambda) CreateAlias(_ context.Context, in *lambda.CreateAliasInput, _ ...func(*lambda.Options)) (*lambda.CreateAliasOutput, error) {
	if err := f.call("CreateAlias"); err != nil {
		return nil, err
	}
	f.checkFunction(in.FunctionName)
	if f.alias != nil {
		return nil, &lambdatypes.ResourceConflictException{Message: aws.String("Alias already exists")}
	}
	// Like Lambda: an alias only on a version that exists.
	v := aws.ToString(in.FunctionVersion)
	if n, err := strconv.Atoi(v); err != nil || n < 1 || n > f.published || f.deletedVersions[v] {
		return nil, notFound("function " + f.fn + ":" + v)
	}
	f.alias = &fakeAlias{name: aws.ToString(in.Name), version: aws.ToString(in.FunctionVersion), revision: 1}
	return &lambda.CreateAliasOutput{AliasArn: aws.String(f.aliasArn()), FunctionVersion: in.FunctionVersion}, nil
}

func (f *fakeLambda) UpdateAlias(_ context.Context, in *lambda.UpdateAliasInput, _ ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error) {
	if err := f.call("UpdateAlias"); err != nil {
		return nil, err
	}
	f.checkFunction(in.FunctionName)
	if f.alias == nil {
		return nil, notFound("alias")
	}
	if in.RevisionId != nil && aws.ToString(in.RevisionId) != strconv.Itoa(f.alias.revision) {
		return nil, &lambdatypes.PreconditionFailedException{Message: aws.String("revision changed")}
	}
	if in.FunctionVersion != nil {
		f.alias.version = aws.ToString(in.FunctionVersion)
	}
	if in.RoutingConfig != nil {
		f.alias.weights = in.RoutingConfig.AdditionalVersionWeights
	}
	f.alias.revision++
	return &lambda.UpdateAliasOutput{AliasArn: aws.String(f.aliasArn())}, nil
}

func (f *fakeLambda) DeleteAlias(_ context.Context, in *lambda.DeleteAliasInput, _ ...func(*lambda.Options)) (*lambda.DeleteAliasOutput, error) {
	if err := f.call("DeleteAlias"); err != nil {
		return nil, err
	}
	f.checkFunction(in.FunctionName)
	if f.alias == nil || f.alias.name != aws.ToString(in.Name) {
		return nil, notFound("alias")
	}
	f.alias = nil
	return &lambda.DeleteAliasOutput{}, nil
}

// step is what one GetDeployment poll of a scripted deployment reports, and
// what CodeDeploy has done to the alias by then.
type step struct {
	status cdtypes.DeploymentStatus
	// onTarget is the fraction of traffic on the target version: 0 leaves
	// the alias on the current version, 1 moves it to the target.
	onTarget   float64
	code       cdtypes.ErrorCode
	message    string
	rolledBack bool
}

func (s step) apply(a *fakeAlias, current, target string) {
	switch {
	case s.onTarget >= 1:
		a.version, a.weights = target, nil
	case s.onTarget <= 0:
		a.version, a.weights = current, nil
	default:
		a.version, a.weights = current, map[string]float64{target: s.onTarget}
	}
	a.revision++
}

type fakeDeployment struct {
	id              string
	current, target string
	script          []step
	polls           int
	last            step
}

// fakeCodeDeploy runs scripted deployments against the fake function's
// alias, and may hold the group with a deployment created by someone else.
type fakeCodeDeploy struct {
	t      *testing.T
	lambda *fakeLambda
	// scripts are used by created deployments, in order.
	scripts [][]step
	// busyID is another active deployment of the group, listed by the next
	// busyPolls ListDeployments calls (forever when busyPolls < 0).
	busyID    string
	busyPolls int
	// limitExceeded makes the next CreateDeployment calls fail as if
	// another deployment had started first.
	limitExceeded int
	// fail holds errors the next calls of an operation return, in order.
	fail        map[string][]error
	created     []*codedeploy.CreateDeploymentInput
	deployments map[string]*fakeDeployment
	calls       []string
}

func newFakeCodeDeploy(t *testing.T, l *fakeLambda, scripts ...[]step) *fakeCodeDeploy {
	return &fakeCodeDeploy{t: t, lambda: l, scripts: scripts, deployments: map[string]*fakeDeployment{}, fail: map[string][]error{}}
}

// call records a call of op and returns the next error scripted for it.
func (f *fakeCodeDeploy) call(op string) error {
	f.calls = append(f.calls, op)
	if errs := f.fail[op]; len(errs) > 0 {
		f.fail[op] = errs[1:]
		return errs[0]
	}
	return nil
}

// hotLoopCalls is more calls of one operation than any release in these
// tests makes; past it the engine is looping without bound.
const hotLoopCalls = 2000

func (f *fakeCodeDeploy) count(op string) int {
	n := 0
	for _, c := range f.calls {
		if c == op {
			n++
		}
	}
	return n
}

func (f *fakeCodeDeploy) CreateDeployment(_ context.Context, in *codedeploy.CreateDeploymentInput, _ ...func(*codedeploy.Options)) (*codedeploy.CreateDeploymentOutput, error) {
	if err := f.call("CreateDeployment"); err != nil {
		return nil, err
	}
	if n := f.count("CreateDeployment"); n > hotLoopCalls {
		f.t.Fatalf("CreateDeployment called %d times: the engine retries without bound", n)
	}
	if f.limitExceeded > 0 {
		f.limitExceeded--
		f.busyPolls = 1
		return nil, &cdtypes.DeploymentLimitExceededException{Message: aws.String("The deployment group already has an active deployment")}
	}
	f.created = append(f.created, in)
	if len(f.scripts) == 0 {
		f.t.Fatalf("CreateDeployment called with no scripted deployment left")
	}
	spec, err := ParseAppSpec(aws.ToString(in.Revision.AppSpecContent.Content))
	if err != nil {
		f.t.Fatalf("CreateDeployment: %v", err)
	}
	p, err := spec.Function()
	if err != nil {
		f.t.Fatalf("CreateDeployment: %v", err)
	}
	id := fmt.Sprintf("d-NEW%d", len(f.created))
	f.deployments[id] = &fakeDeployment{id: id, current: p.CurrentVersion, target: p.TargetVersion, script: f.scripts[0]}
	f.scripts = f.scripts[1:]
	return &codedeploy.CreateDeploymentOutput{DeploymentId: aws.String(id)}, nil
}

func (f *fakeCodeDeploy) GetDeployment(_ context.Context, in *codedeploy.GetDeploymentInput, _ ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentOutput, error) {
	if err := f.call("GetDeployment"); err != nil {
		return nil, err
	}
	if n := f.count("GetDeployment"); n > hotLoopCalls {
		f.t.Fatalf("GetDeployment called %d times: the engine follows without bound", n)
	}
	id := aws.ToString(in.DeploymentId)
	if id == f.busyID {
		return &codedeploy.GetDeploymentOutput{DeploymentInfo: &cdtypes.DeploymentInfo{
			DeploymentId: aws.String(id), Status: cdtypes.DeploymentStatusInProgress,
		}}, nil
	}
	d, ok := f.deployments[id]
	if !ok {
		return nil, &cdtypes.DeploymentDoesNotExistException{Message: aws.String(id)}
	}
	if d.polls < len(d.script) {
		d.last = d.script[d.polls]
		d.last.apply(f.lambda.alias, d.current, d.target)
	}
	d.polls++
	info := &cdtypes.DeploymentInfo{DeploymentId: aws.String(id), Status: d.last.status}
	if d.last.code != "" {
		info.ErrorInformation = &cdtypes.ErrorInformation{Code: d.last.code, Message: aws.String(d.last.message)}
	}
	if d.last.rolledBack {
		info.RollbackInfo = &cdtypes.RollbackInfo{RollbackMessage: aws.String("Rolled back")}
	}
	return &codedeploy.GetDeploymentOutput{DeploymentInfo: info}, nil
}

func (f *fakeCodeDeploy) ListDeployments(_ context.Context, in *codedeploy.ListDeploymentsInput, _ ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentsOutput, error) {
	if err := f.call("ListDeployments"); err != nil {
		return nil, err
	}
	if got := aws.ToString(in.DeploymentGroupName); got != "items-dg" {
		f.t.Errorf("ListDeployments group = %q; want items-dg", got)
	}
	if got, want := fmt.Sprint(in.IncludeOnlyStatuses), "[Created Queued InProgress Ready]"; got != want {
		f.t.Errorf("ListDeployments statuses = %s; want %s", got, want)
	}
	if f.busyID == "" || f.busyPolls == 0 {
		return &codedeploy.ListDeploymentsOutput{}, nil
	}
	if f.busyPolls > 0 {
		f.busyPolls--
	}
	return &codedeploy.ListDeploymentsOutput{Deployments: []string{f.busyID}}, nil
}

// fakeClock advances only when the engine sleeps.
type fakeClock struct {
	now    time.Time
	slept  time.Duration
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.now = c.now.Add(d)
	c.slept += d
	c.sleeps = append(c.sleeps, d)
	return nil
}

type harness struct {
	engine *Engine
	lambda *fakeLambda
	cd     *fakeCodeDeploy
	clock  *fakeClock
	logs   []string
}

func newHarness(t *testing.T, l *fakeLambda, scripts ...[]step) *harness {
	h := &harness{lambda: l, clock: &fakeClock{now: time.Date(2025, 6, 20, 12, 0, 0, 0, time.UTC)}}
	h.cd = newFakeCodeDeploy(t, l, scripts...)
	h.engine = &Engine{
		Lambda:       l,
		CodeDeploy:   h.cd,
		Log:          func(msg string) { h.logs = append(h.logs, msg) },
		Clock:        h.clock,
		PollInterval: 10 * time.Second,
		// Half the ceiling: deterministic, and distinct from the ceiling
		// so a test sees that the jitter was applied.
		Jitter: func(ceiling time.Duration) time.Duration { return ceiling / 2 },
	}
	return h
}

func testInputs(fingerprint string) Inputs {
	return Inputs{
		FunctionName:         "items",
		Fingerprint:          fingerprint,
		DeploymentConfigName: "Canary10Percent5Minutes",
		ApplicationName:      "kumo-dev",
		DeploymentGroupName:  "items-dg",
	}
}

// released is the state of a release whose alias serves version v.
func released(fingerprint, v string) State {
	return State{
		Inputs:           testInputs(fingerprint).WithDefaults(),
		Version:          v,
		PublishedVersion: v,
		AliasArn:         "arn:aws:lambda:eu-west-1:123456789012:function:items:live",
		LastDeploymentID: "d-OLD",
	}
}
