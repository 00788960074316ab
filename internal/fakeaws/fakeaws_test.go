package fakeaws_test

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/kumo-iac/kumo/internal/fakeaws"
	"github.com/kumo-iac/kumo/internal/rollout"
)

// start runs a fake with function "items" at version-less $LATEST and
// returns real SDK clients pointed at it.
func start(t *testing.T) (*fakeaws.Server, *lambda.Client, *codedeploy.Client) {
	t.Helper()
	fake := fakeaws.New()
	endpoint := fake.Start()
	t.Cleanup(fake.Close)
	fake.SetFunction("items", "sha-1", "config-1")
	cfg := aws.Config{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDFAKE", "secret", ""),
		BaseEndpoint: aws.String(endpoint),
	}
	return fake, lambda.NewFromConfig(cfg), codedeploy.NewFromConfig(cfg)
}

func publish(t *testing.T, lc *lambda.Client, fn string) string {
	t.Helper()
	out, err := lc.PublishVersion(context.Background(), &lambda.PublishVersionInput{FunctionName: aws.String(fn)})
	if err != nil {
		t.Fatalf("PublishVersion(%s): %v", fn, err)
	}
	return aws.ToString(out.Version)
}

func TestStartListensOnLoopbackOnly(t *testing.T) {
	fake := fakeaws.New()
	defer fake.Close()
	u, err := url.Parse(fake.Start())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Hostname(), "127.0.0.1"; got != want {
		t.Errorf("fake listens on %s; want %s", got, want)
	}
}

func TestPublishVersionOnlyWhenCodeOrConfigChanged(t *testing.T) {
	fake, lc, _ := start(t)

	steps := []struct {
		name   string
		change func() error
		want   string
	}{
		{"first publish", func() error { return nil }, "1"},
		{"nothing changed returns the last version", func() error { return nil }, "1"},
		{"configuration-only change", func() error { return fake.UpdateFunction("items", "") }, "2"},
		{"code change", func() error { return fake.UpdateFunction("items", "sha-2") }, "3"},
		{"nothing changed again", func() error { return nil }, "3"},
	}
	for _, s := range steps {
		if err := s.change(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := publish(t, lc, "items"); got != s.want {
			t.Errorf("%s: published version %s; want %s", s.name, got, s.want)
		}
	}
	if got, want := fake.Versions("items"), []string{"1", "2", "3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Versions = %v; want %v", got, want)
	}
}

func TestPublishVersionWhileUpdatingConflicts(t *testing.T) {
	fake, lc, _ := start(t)
	if err := fake.SetLastUpdateStatus("items", "InProgress"); err != nil {
		t.Fatal(err)
	}
	_, err := lc.PublishVersion(context.Background(), &lambda.PublishVersionInput{FunctionName: aws.String("items")})
	var conflict *lambdatypes.ResourceConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("PublishVersion during an update: err = %v; want a ResourceConflictException", err)
	}
	cfg, err := lc.GetFunctionConfiguration(context.Background(), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("items")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.LastUpdateStatus, lambdatypes.LastUpdateStatusInProgress; got != want {
		t.Errorf("LastUpdateStatus = %s; want %s", got, want)
	}
}

func TestGetFunctionConfiguration(t *testing.T) {
	_, lc, _ := start(t)
	ctx := context.Background()
	cfg, err := lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("items")})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.State != lambdatypes.StateActive || cfg.LastUpdateStatus != lambdatypes.LastUpdateStatusSuccessful {
		t.Errorf("State, LastUpdateStatus = %s, %s; want Active, Successful", cfg.State, cfg.LastUpdateStatus)
	}
	if got, want := aws.ToString(cfg.FunctionArn), "arn:aws:lambda:eu-west-1:123456789012:function:items"; got != want {
		t.Errorf("FunctionArn = %s; want %s (region from the request's signature)", got, want)
	}

	_, err = lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("nope")})
	var nf *lambdatypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("configuration of a missing function: err = %v; want a ResourceNotFoundException", err)
	}
}

func TestAliasLifecycle(t *testing.T) {
	fake, lc, _ := start(t)
	ctx := context.Background()
	publish(t, lc, "items")
	if err := fake.UpdateFunction("items", "sha-2"); err != nil {
		t.Fatal(err)
	}
	publish(t, lc, "items")

	created, err := lc.CreateAlias(ctx, &lambda.CreateAliasInput{
		FunctionName: aws.String("items"), Name: aws.String("live"), FunctionVersion: aws.String("1"),
	})
	if err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	if got, want := aws.ToString(created.AliasArn), "arn:aws:lambda:eu-west-1:123456789012:function:items:live"; got != want {
		t.Errorf("AliasArn = %s; want %s", got, want)
	}
	_, err = lc.CreateAlias(ctx, &lambda.CreateAliasInput{
		FunctionName: aws.String("items"), Name: aws.String("live"), FunctionVersion: aws.String("1"),
	})
	var conflict *lambdatypes.ResourceConflictException
	if !errors.As(err, &conflict) {
		t.Errorf("CreateAlias twice: err = %v; want a ResourceConflictException", err)
	}

	shifted, err := lc.UpdateAlias(ctx, &lambda.UpdateAliasInput{
		FunctionName: aws.String("items"), Name: aws.String("live"),
		RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.1}},
		RevisionId:    created.RevisionId,
	})
	if err != nil {
		t.Fatalf("UpdateAlias with routing: %v", err)
	}
	got, err := lc.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("items"), Name: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.FunctionVersion) != "1" || got.RoutingConfig == nil || got.RoutingConfig.AdditionalVersionWeights["2"] != 0.1 {
		t.Errorf("alias = version %s, routing %+v; want version 1 with 10%% on 2", aws.ToString(got.FunctionVersion), got.RoutingConfig)
	}

	_, err = lc.UpdateAlias(ctx, &lambda.UpdateAliasInput{
		FunctionName: aws.String("items"), Name: aws.String("live"), FunctionVersion: aws.String("2"),
		RevisionId: created.RevisionId, // stale
	})
	var precondition *lambdatypes.PreconditionFailedException
	if !errors.As(err, &precondition) {
		t.Errorf("UpdateAlias with a stale revision: err = %v; want a PreconditionFailedException", err)
	}

	if _, err := lc.UpdateAlias(ctx, &lambda.UpdateAliasInput{
		FunctionName: aws.String("items"), Name: aws.String("live"), FunctionVersion: aws.String("2"),
		RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}},
		RevisionId:    shifted.RevisionId,
	}); err != nil {
		t.Fatalf("UpdateAlias to 2 clearing routing: %v", err)
	}
	if st, _ := fake.Alias("items", "live"); st.Version != "2" || st.Weights != nil {
		t.Errorf("alias = %+v; want version 2 without routing", st)
	}

	_, err = lc.UpdateAlias(ctx, &lambda.UpdateAliasInput{
		FunctionName: aws.String("items"), Name: aws.String("live"), FunctionVersion: aws.String("9"),
	})
	var nf *lambdatypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("UpdateAlias to a missing version: err = %v; want a ResourceNotFoundException", err)
	}

	if _, err := lc.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("items"), Name: aws.String("live")}); err != nil {
		t.Fatalf("DeleteAlias: %v", err)
	}
	if _, err := lc.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("items"), Name: aws.String("live")}); err != nil {
		t.Errorf("DeleteAlias of a missing alias: %v; want success, as Lambda answers 204", err)
	}
	_, err = lc.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("items"), Name: aws.String("live")})
	if !errors.As(err, &nf) {
		t.Fatalf("GetAlias after delete: err = %v; want a ResourceNotFoundException", err)
	}
	if !strings.Contains(nf.ErrorMessage(), "Alias not found") {
		t.Errorf("message = %q; want it to say the alias was not found", nf.ErrorMessage())
	}
}

// deploy publishes version 2 of "items", whose alias "live" serves version
// 1, and creates a deployment from 1 to 2.
func deploy(t *testing.T, fake *fakeaws.Server, lc *lambda.Client, cd *codedeploy.Client, in rollout.Inputs) string {
	t.Helper()
	ctx := context.Background()
	publish(t, lc, "items")
	if _, err := lc.CreateAlias(ctx, &lambda.CreateAliasInput{
		FunctionName: aws.String("items"), Name: aws.String("live"), FunctionVersion: aws.String("1"),
	}); err != nil {
		t.Fatal(err)
	}
	if err := fake.UpdateFunction("items", "sha-2"); err != nil {
		t.Fatal(err)
	}
	publish(t, lc, "items")
	id, err := createDeployment(cd, in, "1", "2")
	if err != nil {
		t.Fatalf("CreateDeployment: %v", err)
	}
	return id
}

func createDeployment(cd *codedeploy.Client, in rollout.Inputs, current, target string) (string, error) {
	content, sha, err := rollout.NewAppSpec(in, current, target).Content()
	if err != nil {
		return "", err
	}
	var config *string
	if in.DeploymentConfigName != "" {
		config = aws.String(in.WithDefaults().DeploymentConfigName)
	}
	out, err := cd.CreateDeployment(context.Background(), &codedeploy.CreateDeploymentInput{
		ApplicationName:      aws.String(in.ApplicationName),
		DeploymentGroupName:  aws.String(in.DeploymentGroupName),
		DeploymentConfigName: config,
		Revision: &cdtypes.RevisionLocation{
			RevisionType:   cdtypes.RevisionLocationTypeAppSpecContent,
			AppSpecContent: &cdtypes.AppSpecContent{Content: aws.String(content), Sha256: aws.String(sha)},
		},
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.DeploymentId), nil
}

func inputs(config string) rollout.Inputs {
	return rollout.Inputs{
		FunctionName: "items", AliasName: "live", Fingerprint: "f",
		DeploymentConfigName: config, ApplicationName: "app", DeploymentGroupName: "items",
	}
}

// poll is one GetDeployment and what the alias serves right after it.
type poll struct {
	status  cdtypes.DeploymentStatus
	version string
	weights map[string]float64
}

func follow(t *testing.T, fake *fakeaws.Server, cd *codedeploy.Client, id string, n int) ([]poll, *cdtypes.DeploymentInfo) {
	t.Helper()
	var polls []poll
	var info *cdtypes.DeploymentInfo
	for range n {
		out, err := cd.GetDeployment(context.Background(), &codedeploy.GetDeploymentInput{DeploymentId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetDeployment: %v", err)
		}
		info = out.DeploymentInfo
		a, _ := fake.Alias("items", "live")
		polls = append(polls, poll{info.Status, a.Version, a.Weights})
	}
	return polls, info
}

func TestDeploymentShiftsTraffic(t *testing.T) {
	for _, tc := range []struct {
		config string
		want   []poll
	}{
		{"Canary10Percent5Minutes", []poll{
			{cdtypes.DeploymentStatusInProgress, "1", map[string]float64{"2": 0.1}},
			{cdtypes.DeploymentStatusSucceeded, "2", nil},
			{cdtypes.DeploymentStatusSucceeded, "2", nil},
		}},
		{"Linear10PercentEvery1Minute", []poll{
			{cdtypes.DeploymentStatusInProgress, "1", map[string]float64{"2": 0.1}},
			{cdtypes.DeploymentStatusSucceeded, "2", nil},
			{cdtypes.DeploymentStatusSucceeded, "2", nil},
		}},
		{"AllAtOnce", []poll{
			{cdtypes.DeploymentStatusInProgress, "1", nil},
			{cdtypes.DeploymentStatusSucceeded, "2", nil},
			{cdtypes.DeploymentStatusSucceeded, "2", nil},
		}},
		{"", []poll{ // the group's config: all at once
			{cdtypes.DeploymentStatusInProgress, "1", nil},
			{cdtypes.DeploymentStatusSucceeded, "2", nil},
			{cdtypes.DeploymentStatusSucceeded, "2", nil},
		}},
	} {
		t.Run(tc.config, func(t *testing.T) {
			fake, lc, cd := start(t)
			id := deploy(t, fake, lc, cd, inputs(tc.config))
			got, info := follow(t, fake, cd, id, len(tc.want))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("polls = %+v; want %+v", got, tc.want)
			}
			if info.ErrorInformation != nil || info.RollbackInfo != nil {
				t.Errorf("succeeded deployment has error %+v, rollback %+v; want neither", info.ErrorInformation, info.RollbackInfo)
			}
			if info.CompleteTime == nil || info.ComputePlatform != cdtypes.ComputePlatformLambda {
				t.Errorf("CompleteTime, ComputePlatform = %v, %s; want a time, Lambda", info.CompleteTime, info.ComputePlatform)
			}
		})
	}
}

func TestAlarmStopsAndRollsBack(t *testing.T) {
	fake, lc, cd := start(t)
	fake.FailWithAlarm("items-errors")
	id := deploy(t, fake, lc, cd, inputs("Canary10Percent5Minutes"))

	got, info := follow(t, fake, cd, id, 2)
	want := []poll{
		{cdtypes.DeploymentStatusInProgress, "1", map[string]float64{"2": 0.1}},
		{cdtypes.DeploymentStatusStopped, "1", nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("polls = %+v; want %+v", got, want)
	}
	if info.ErrorInformation == nil || info.ErrorInformation.Code != cdtypes.ErrorCodeAlarmActive ||
		!strings.Contains(aws.ToString(info.ErrorInformation.Message), "Activated alarms: items-errors") {
		t.Errorf("ErrorInformation = %+v; want ALARM_ACTIVE naming items-errors", info.ErrorInformation)
	}
	if info.RollbackInfo == nil || aws.ToString(info.RollbackInfo.RollbackDeploymentId) == "" {
		t.Fatalf("RollbackInfo = %+v; want the rollback deployment", info.RollbackInfo)
	}
	deps := fake.Deployments()
	if len(deps) != 2 || deps[1].ID != aws.ToString(info.RollbackInfo.RollbackDeploymentId) || deps[1].Creator != "autoRollback" {
		t.Errorf("deployments = %+v; want the stopped one and its autoRollback", deps)
	}

	fake.ClearFailures()
	if err := fake.UpdateFunction("items", "sha-3"); err != nil {
		t.Fatal(err)
	}
	publish(t, lc, "items")
	retry, err := createDeployment(cd, inputs("Canary10Percent5Minutes"), "1", "3")
	if err != nil {
		t.Fatal(err)
	}
	if _, info := follow(t, fake, cd, retry, 2); info.Status != cdtypes.DeploymentStatusSucceeded {
		t.Errorf("retry after ClearFailures: status %s; want Succeeded", info.Status)
	}
}

func TestHookFailure(t *testing.T) {
	for _, tc := range []struct {
		name      string
		pre, post string
		want      []poll
	}{
		{"pre-traffic hook fails before any shift", "items-pre", "", []poll{
			{cdtypes.DeploymentStatusFailed, "1", nil},
		}},
		{"post-traffic hook fails after the full shift", "", "items-post", []poll{
			{cdtypes.DeploymentStatusInProgress, "1", map[string]float64{"2": 0.1}},
			{cdtypes.DeploymentStatusFailed, "1", nil},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, lc, cd := start(t)
			fake.SetFunction("items-pre", "sha-pre", "c")
			fake.SetFunction("items-post", "sha-post", "c")
			fake.FailHook()
			in := inputs("Canary10Percent5Minutes")
			in.PreTrafficHook, in.PostTrafficHook = tc.pre, tc.post
			id := deploy(t, fake, lc, cd, in)
			got, info := follow(t, fake, cd, id, len(tc.want))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("polls = %+v; want %+v", got, tc.want)
			}
			if info.ErrorInformation == nil || info.ErrorInformation.Code != cdtypes.ErrorCodeHookExecutionFailure || info.RollbackInfo == nil {
				t.Errorf("ErrorInformation, RollbackInfo = %+v, %+v; want HOOK_EXECUTION_FAILURE and a rollback", info.ErrorInformation, info.RollbackInfo)
			}
		})
	}
}

func TestInvalidLambdaConfiguration(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name            string
		current, target string
		moveAlias       string
		wantMessage     string
	}{
		{"current equals target", "2", "2", "2", "invalid configuration."},
		{"alias moved outside the deployment", "1", "2", "2", "alias version does not match the current version"},
		{"target version missing", "1", "7", "", "target version 7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, lc, cd := start(t)
			deploy(t, fake, lc, cd, inputs("")) // leaves an all-at-once 1 → 2 in Created
			follow(t, fake, cd, "d-FAKE00001", 2)
			if err := fake.SetAlias("items", "live", "1", nil); err != nil {
				t.Fatal(err)
			}
			if tc.moveAlias != "" {
				if err := fake.SetAlias("items", "live", tc.moveAlias, nil); err != nil {
					t.Fatal(err)
				}
			}
			id, err := createDeployment(cd, inputs("Canary10Percent5Minutes"), tc.current, tc.target)
			if err != nil {
				t.Fatalf("CreateDeployment: %v (CodeDeploy accepts it and fails the deployment)", err)
			}
			out, err := cd.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: aws.String(id)})
			if err != nil {
				t.Fatal(err)
			}
			info := out.DeploymentInfo
			if info.Status != cdtypes.DeploymentStatusFailed || info.ErrorInformation == nil ||
				info.ErrorInformation.Code != cdtypes.ErrorCodeInvalidLambdaConfiguration ||
				!strings.Contains(aws.ToString(info.ErrorInformation.Message), tc.wantMessage) {
				t.Errorf("status %s, error %+v; want Failed with INVALID_LAMBDA_CONFIGURATION containing %q",
					info.Status, info.ErrorInformation, tc.wantMessage)
			}
		})
	}
}

func TestStuckDeploymentBlocksTheGroupUntilStopped(t *testing.T) {
	fake, lc, cd := start(t)
	ctx := context.Background()
	fake.HoldInProgress()
	id := deploy(t, fake, lc, cd, inputs("Canary10Percent5Minutes"))
	if polls, _ := follow(t, fake, cd, id, 3); polls[2].status != cdtypes.DeploymentStatusInProgress {
		t.Fatalf("held deployment after 3 polls: %+v; want InProgress", polls)
	}

	active := func() []string {
		out, err := cd.ListDeployments(ctx, &codedeploy.ListDeploymentsInput{
			ApplicationName: aws.String("app"), DeploymentGroupName: aws.String("items"),
			IncludeOnlyStatuses: []cdtypes.DeploymentStatus{cdtypes.DeploymentStatusCreated, cdtypes.DeploymentStatusInProgress},
		})
		if err != nil {
			t.Fatalf("ListDeployments: %v", err)
		}
		return out.Deployments
	}
	if got := active(); !reflect.DeepEqual(got, []string{id}) {
		t.Errorf("active deployments = %v; want [%s]", got, id)
	}

	_, err := createDeployment(cd, inputs("Canary10Percent5Minutes"), "1", "2")
	var limit *cdtypes.DeploymentLimitExceededException
	if !errors.As(err, &limit) || !strings.Contains(limit.ErrorMessage(), id) {
		t.Errorf("second deployment in the group: err = %v; want a DeploymentLimitExceededException naming %s", err, id)
	}

	if _, err := cd.StopDeployment(ctx, &codedeploy.StopDeploymentInput{DeploymentId: aws.String(id), AutoRollbackEnabled: aws.Bool(true)}); err != nil {
		t.Fatalf("StopDeployment: %v", err)
	}
	if got := active(); len(got) != 0 {
		t.Errorf("active deployments after the stop = %v; want none", got)
	}
	out, err := cd.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if out.DeploymentInfo.Status != cdtypes.DeploymentStatusStopped || out.DeploymentInfo.ErrorInformation != nil {
		t.Errorf("stopped deployment: status %s, error %+v; want Stopped without error information", out.DeploymentInfo.Status, out.DeploymentInfo.ErrorInformation)
	}
	_, err = cd.StopDeployment(ctx, &codedeploy.StopDeploymentInput{DeploymentId: aws.String(id)})
	var done *cdtypes.DeploymentAlreadyCompletedException
	if !errors.As(err, &done) {
		t.Errorf("stopping twice: err = %v; want a DeploymentAlreadyCompletedException", err)
	}
}

func TestHoldThenClearResumes(t *testing.T) {
	fake, lc, cd := start(t)
	fake.HoldInProgress()
	id := deploy(t, fake, lc, cd, inputs("Canary10Percent5Minutes"))
	follow(t, fake, cd, id, 2)
	fake.ClearFailures()
	if _, info := follow(t, fake, cd, id, 2); info.Status != cdtypes.DeploymentStatusSucceeded {
		t.Errorf("status after ClearFailures and two polls = %s; want Succeeded", info.Status)
	}
}

func TestCreateDeploymentRejects(t *testing.T) {
	fake, lc, cd := start(t)
	ctx := context.Background()
	publish(t, lc, "items")

	_, err := createDeployment(cd, inputs("MyCanary"), "1", "2")
	var noConfig *cdtypes.DeploymentConfigDoesNotExistException
	if !errors.As(err, &noConfig) {
		t.Errorf("unknown config: err = %v; want a DeploymentConfigDoesNotExistException", err)
	}
	fake.AddDeploymentConfig("MyCanary")
	if _, err := createDeployment(cd, inputs("MyCanary"), "1", "2"); err != nil {
		t.Errorf("registered custom config: %v", err)
	}

	_, err = cd.CreateDeployment(ctx, &codedeploy.CreateDeploymentInput{
		ApplicationName: aws.String("app"), DeploymentGroupName: aws.String("other"),
		Revision: &cdtypes.RevisionLocation{
			RevisionType:   cdtypes.RevisionLocationTypeAppSpecContent,
			AppSpecContent: &cdtypes.AppSpecContent{Content: aws.String(`{"version":0.0}`), Sha256: aws.String("00")},
		},
	})
	var badRevision *cdtypes.InvalidRevisionException
	if !errors.As(err, &badRevision) {
		t.Errorf("wrong sha256: err = %v; want an InvalidRevisionException", err)
	}

	_, err = cd.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: aws.String("d-NOPE")})
	var missing *cdtypes.DeploymentDoesNotExistException
	if !errors.As(err, &missing) {
		t.Errorf("unknown deployment: err = %v; want a DeploymentDoesNotExistException", err)
	}
}

func TestRecordsRequests(t *testing.T) {
	fake, lc, cd := start(t)
	ctx := context.Background()
	if _, err := lc.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("items"), Name: aws.String("live")}); err == nil {
		t.Fatal("GetAlias of a missing alias succeeded")
	}
	publish(t, lc, "items")
	if _, err := cd.ListDeployments(ctx, &codedeploy.ListDeploymentsInput{}); err != nil {
		t.Fatal(err)
	}

	var ops []string
	for _, r := range fake.Requests() {
		ops = append(ops, r.Service+" "+r.Op)
	}
	if want := []string{"lambda GetAlias", "lambda PublishVersion", "codedeploy ListDeployments"}; !reflect.DeepEqual(ops, want) {
		t.Errorf("requests = %v; want %v", ops, want)
	}
	muts := fake.Mutations()
	if len(muts) != 1 || muts[0].Op != "PublishVersion" || muts[0].Path != "/2015-03-31/functions/items/versions" {
		t.Errorf("mutations = %+v; want the one PublishVersion", muts)
	}
	if calls := fake.Calls("ListDeployments"); len(calls) != 1 || !strings.HasPrefix(calls[0].Body, "{") {
		t.Errorf("ListDeployments calls = %+v; want one with its JSON body", calls)
	}
	fake.ResetRequests()
	if got := fake.Requests(); len(got) != 0 {
		t.Errorf("requests after ResetRequests = %v; want none", got)
	}
}
