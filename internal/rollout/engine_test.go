package rollout

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
)

var ctx = context.Background()

// canary is a Canary10Percent5Minutes deployment that succeeds.
var canary = []step{
	{status: cdtypes.DeploymentStatusCreated},
	{status: cdtypes.DeploymentStatusInProgress},
	{status: cdtypes.DeploymentStatusInProgress, onTarget: 0.1},
	{status: cdtypes.DeploymentStatusInProgress, onTarget: 0.1},
	{status: cdtypes.DeploymentStatusSucceeded, onTarget: 1},
}

func assertLogs(t *testing.T, got, want []string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("log lines:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
}

func assertCalls(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s calls = %v; want %v", what, got, want)
	}
}

// appSpecOf returns the Lambda resource of the i-th created deployment.
func appSpecOf(t *testing.T, cd *fakeCodeDeploy, i int) AppSpecProperties {
	t.Helper()
	if len(cd.created) <= i {
		t.Fatalf("%d deployments created; want at least %d", len(cd.created), i+1)
	}
	spec, err := ParseAppSpec(aws.ToString(cd.created[i].Revision.AppSpecContent.Content))
	if err != nil {
		t.Fatal(err)
	}
	p, err := spec.Function()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCreatePublishesFirstVersionAndCreatesAlias(t *testing.T) {
	h := newHarness(t, newFakeLambda(t))

	st, err := h.engine.Create(ctx, testInputs("fp1"))
	if err != nil {
		t.Fatal(err)
	}
	want := State{
		Inputs:           testInputs("fp1").WithDefaults(),
		Version:          "1",
		PublishedVersion: "1",
		AliasArn:         "arn:aws:lambda:eu-west-1:123456789012:function:items:live",
	}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("state = %+v; want %+v", st, want)
	}
	assertCalls(t, "lambda", h.lambda.calls, []string{"GetFunctionConfiguration", "PublishVersion", "GetAlias", "CreateAlias"})
	assertCalls(t, "codedeploy", h.cd.calls, nil)
	assertLogs(t, h.logs, []string{
		"published version 1 of function items",
		"created alias live of function items on version 1",
	})
}

func TestUpdateWithSameFingerprintMakesNoCalls(t *testing.T) {
	h := newHarness(t, newFakeLambda(t).withAlias(3, "3", nil))
	old := released("fp1", "3")
	in := testInputs("fp1")
	in.DeploymentConfigName = "Linear10PercentEvery1Minute"
	in.PreTrafficHook = "items-pre"

	st, err := h.engine.Update(ctx, old, in)
	if err != nil {
		t.Fatal(err)
	}
	assertCalls(t, "lambda", h.lambda.calls, nil)
	assertCalls(t, "codedeploy", h.cd.calls, nil)
	want := old
	want.Inputs = in.WithDefaults()
	if !reflect.DeepEqual(st, want) {
		t.Errorf("state = %+v; want %+v (new settings recorded, same version)", st, want)
	}
}

func TestUpdateConfigOnlyChangePublishesAndShifts(t *testing.T) {
	// Same code, more memory: the fingerprint changes and Lambda, whose
	// configuration changed, publishes a new version.
	parts := map[string]string{"codeSha256": "abc=", "memorySize": "256"}
	before := Fingerprint(parts)
	parts["memorySize"] = "512"
	after := Fingerprint(parts)
	if before == after {
		t.Fatal("fingerprint ignores a configuration change")
	}
	l := newFakeLambda(t).withAlias(3, "3", nil)
	l.changed = true
	h := newHarness(t, l, canary)

	st, err := h.engine.Update(ctx, released(before, "3"), testInputs(after))
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != "4" || st.PublishedVersion != "4" || st.LastDeploymentID != "d-NEW1" {
		t.Errorf("state version %q, published %q, deployment %q; want 4, 4, d-NEW1", st.Version, st.PublishedVersion, st.LastDeploymentID)
	}
	if p := appSpecOf(t, h.cd, 0); p.CurrentVersion != "3" || p.TargetVersion != "4" {
		t.Errorf("appspec %s → %s; want 3 → 4", p.CurrentVersion, p.TargetVersion)
	}
	if got := aws.ToString(h.cd.created[0].DeploymentConfigName); got != "CodeDeployDefault.LambdaCanary10Percent5Minutes" {
		t.Errorf("deployment config = %q; want CodeDeployDefault.LambdaCanary10Percent5Minutes", got)
	}
	if h.lambda.alias.version != "4" {
		t.Errorf("alias serves version %s; want 4", h.lambda.alias.version)
	}
}

func TestUpdateSuccessLogsProgress(t *testing.T) {
	l := newFakeLambda(t).withAlias(6, "6", nil)
	l.changed = true
	h := newHarness(t, l, canary)

	if _, err := h.engine.Update(ctx, released("fp1", "6"), testInputs("fp2")); err != nil {
		t.Fatal(err)
	}
	assertLogs(t, h.logs, []string{
		"published version 7 of function items",
		"created deployment d-NEW1: alias live of function items, version 6 → 7 with CodeDeployDefault.LambdaCanary10Percent5Minutes",
		"deployment d-NEW1 Created: 0% of traffic on version 7 (alias live), 100% on version 6",
		"deployment d-NEW1 InProgress: 0% of traffic on version 7 (alias live), 100% on version 6",
		"deployment d-NEW1 InProgress: 10% of traffic on version 7 (alias live), 90% on version 6",
		"deployment d-NEW1 Succeeded: 100% of traffic on version 7 (alias live), 0% on version 6",
	})
	if want := 4 * 10 * time.Second; h.clock.slept != want {
		t.Errorf("slept %s; want %s (one poll interval between five polls)", h.clock.slept, want)
	}
}

func TestUpdateRollbackKeepsOldState(t *testing.T) {
	tests := []struct {
		name     string
		script   []step
		wantErr  string
		wantCode string
	}{
		{
			name: "alarm",
			script: []step{
				{status: cdtypes.DeploymentStatusInProgress, onTarget: 0.1},
				{status: cdtypes.DeploymentStatusFailed, code: cdtypes.ErrorCodeAlarmActive, message: "alarm web-items-errors is in ALARM", rolledBack: true},
			},
			wantErr:  "deployment d-NEW1 failed: ALARM_ACTIVE (alarm web-items-errors is in ALARM); CodeDeploy rolled back: alias live serves version 6; version 7 stays published and the next update retries it",
			wantCode: "ALARM_ACTIVE",
		},
		{
			name: "hook failure",
			script: []step{
				{status: cdtypes.DeploymentStatusInProgress},
				{status: cdtypes.DeploymentStatusFailed, code: cdtypes.ErrorCodeHookExecutionFailure, message: "lifecycle event BeforeAllowTraffic failed", rolledBack: true},
			},
			wantErr:  "deployment d-NEW1 failed: HOOK_EXECUTION_FAILURE (lifecycle event BeforeAllowTraffic failed); a pre- or post-traffic hook reported Failed or did not report in time, see the hook function's logs; CodeDeploy rolled back: alias live serves version 6; version 7 stays published and the next update retries it",
			wantCode: "HOOK_EXECUTION_FAILURE",
		},
		{
			name: "stopped by a user",
			script: []step{
				{status: cdtypes.DeploymentStatusInProgress, onTarget: 0.1},
				{status: cdtypes.DeploymentStatusStopped, rolledBack: true},
			},
			wantErr: "deployment d-NEW1 was stopped by a user or an API call; CodeDeploy rolled back: alias live serves version 6; version 7 stays published and the next update retries it",
		},
		{
			name: "failed without rollback",
			script: []step{
				{status: cdtypes.DeploymentStatusInProgress, onTarget: 0.1},
				{status: cdtypes.DeploymentStatusFailed, onTarget: 0.1, code: cdtypes.ErrorCodeTimeout, message: "the deployment timed out"},
			},
			wantErr:  "deployment d-NEW1 failed: TIMEOUT (the deployment timed out); alias live serves version 6 (90%) and version 7 (10%); version 7 stays published and the next update retries it",
			wantCode: "TIMEOUT",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newFakeLambda(t).withAlias(6, "6", nil)
			l.changed = true
			h := newHarness(t, l, tc.script)
			old := released("fp1", "6")

			st, err := h.engine.Update(ctx, old, testInputs("fp2"))
			if err == nil {
				t.Fatal("update succeeded; want the rollback reported")
			}
			if got := err.Error(); got != tc.wantErr {
				t.Errorf("error:\n got: %s\nwant: %s", got, tc.wantErr)
			}
			var rf *RolloutFailedError
			if !errors.As(err, &rf) {
				t.Fatalf("error is %T; want *RolloutFailedError", err)
			}
			if rf.DeploymentID != "d-NEW1" || rf.Code != tc.wantCode || rf.ServingVersion != "6" {
				t.Errorf("error fields %+v; want deployment d-NEW1, code %q, serving 6", rf, tc.wantCode)
			}
			if !reflect.DeepEqual(st, old) {
				t.Errorf("state = %+v; want the old state %+v so the next update retries", st, old)
			}
		})
	}
}

func TestUpdateWaitsForDeploymentInProgress(t *testing.T) {
	l := newFakeLambda(t).withAlias(6, "6", nil)
	l.changed = true
	h := newHarness(t, l, canary)
	h.cd.busyID, h.cd.busyPolls = "d-OTHER", 3

	st, err := h.engine.Update(ctx, released("fp1", "6"), testInputs("fp2"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != "7" {
		t.Errorf("alias serves version %s; want 7", st.Version)
	}
	assertLogs(t, h.logs[:3], []string{
		"published version 7 of function items",
		"waiting up to 15m0s for deployment d-OTHER of group items-dg (InProgress) to finish before deploying",
		"deployment d-OTHER of group items-dg has finished",
	})
	if len(h.cd.created) != 1 {
		t.Errorf("%d deployments created; want 1 after the other one finished", len(h.cd.created))
	}
}

func TestUpdateFailsWhenDeploymentStaysInProgress(t *testing.T) {
	l := newFakeLambda(t).withAlias(6, "6", nil)
	l.changed = true
	h := newHarness(t, l)
	h.cd.busyID, h.cd.busyPolls = "d-STUCK", -1
	old := released("fp1", "6")

	st, err := h.engine.Update(ctx, old, testInputs("fp2"))
	want := "deployment d-STUCK of group items-dg is still InProgress after 15m0s; wait for it or stop it with: aws deploy stop-deployment --deployment-id d-STUCK"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v; want %s", err, want)
	}
	var ip *DeploymentInProgressError
	if !errors.As(err, &ip) || ip.DeploymentID != "d-STUCK" {
		t.Errorf("error is %T %+v; want *DeploymentInProgressError for d-STUCK", err, ip)
	}
	if !reflect.DeepEqual(st, old) {
		t.Errorf("state = %+v; want the old state", st)
	}
	if len(h.cd.created) != 0 {
		t.Errorf("%d deployments created; want none", len(h.cd.created))
	}
	if h.clock.slept != 15*time.Minute {
		t.Errorf("waited %s; want exactly the 15m0s bound", h.clock.slept)
	}
}

func TestUpdateRetriesWhenAnotherDeploymentStartsFirst(t *testing.T) {
	l := newFakeLambda(t).withAlias(6, "6", nil)
	l.changed = true
	h := newHarness(t, l, canary)
	h.cd.busyID, h.cd.limitExceeded = "d-RACE", 1

	st, err := h.engine.Update(ctx, released("fp1", "6"), testInputs("fp2"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != "7" || len(h.cd.created) != 1 {
		t.Errorf("alias on %s after %d deployments; want 7 after 1", st.Version, len(h.cd.created))
	}
}

func TestUpdateWhenAliasAlreadyServesTarget(t *testing.T) {
	tests := []struct {
		name    string
		lambda  *fakeLambda
		old     State
		wantVer string
	}{
		{
			// The fingerprint changed but not the function (e.g. a setting
			// outside the version): Lambda returns the latest version.
			name:    "nothing new to publish",
			lambda:  newFakeLambda(t).withAlias(6, "6", nil),
			old:     released("fp1", "6"),
			wantVer: "6",
		},
		{
			// Someone already moved the alias to the latest version.
			name:    "alias moved to the target outside kumo",
			lambda:  newFakeLambda(t).withAlias(7, "7", nil),
			old:     released("fp1", "6"),
			wantVer: "7",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.lambda)
			st, err := h.engine.Update(ctx, tc.old, testInputs("fp2"))
			if err != nil {
				t.Fatal(err)
			}
			assertCalls(t, "codedeploy", h.cd.calls, []string{"ListDeployments"})
			if st.Version != tc.wantVer || st.PublishedVersion != tc.wantVer || st.Fingerprint != "fp2" {
				t.Errorf("state version %s, published %s, fingerprint %s; want %s, %s, fp2", st.Version, st.PublishedVersion, st.Fingerprint, tc.wantVer, tc.wantVer)
			}
			if st.LastDeploymentID != "d-OLD" {
				t.Errorf("last deployment = %q; want d-OLD kept", st.LastDeploymentID)
			}
			if last := h.logs[len(h.logs)-1]; last != "alias live of function items already serves version "+tc.wantVer+"; nothing to deploy" {
				t.Errorf("last log line = %q", last)
			}
		})
	}
}

func TestUpdateDeploysFromAliasMovedOutsideKumo(t *testing.T) {
	// The state says version 6, but someone pointed the alias back at 5.
	l := newFakeLambda(t).withAlias(6, "5", nil)
	l.changed = true
	h := newHarness(t, l, canary)

	st, err := h.engine.Update(ctx, released("fp1", "6"), testInputs("fp2"))
	if err != nil {
		t.Fatal(err)
	}
	if p := appSpecOf(t, h.cd, 0); p.CurrentVersion != "5" || p.TargetVersion != "7" {
		t.Errorf("appspec %s → %s; want 5 → 7 (the alias's actual version)", p.CurrentVersion, p.TargetVersion)
	}
	if st.Version != "7" {
		t.Errorf("alias serves %s; want 7", st.Version)
	}
	assertLogs(t, h.logs[1:2], []string{
		"alias live serves version 5, not version 6 as recorded: it was moved outside kumo; deploying from version 5",
	})
}

func TestUpdateResetsRoutingLeftByInterruptedDeployment(t *testing.T) {
	tests := []struct {
		name     string
		lambda   *fakeLambda
		wantFrom string
		wantTo   string
		wantLog  string
	}{
		{
			// A canary 6 → 7 was interrupted at 10 %; the retry publishes
			// nothing new and deploys 7 again from 6.
			name:     "retry of the interrupted version",
			lambda:   newFakeLambda(t).withAlias(7, "6", map[string]float64{"7": 0.1}),
			wantFrom: "6", wantTo: "7",
			wantLog: "alias live splits traffic between version 6 (90%) and version 7 (10%), left by an interrupted deployment; moving all traffic to version 6 before deploying",
		},
		{
			name: "newer version",
			lambda: func() *fakeLambda {
				l := newFakeLambda(t).withAlias(7, "6", map[string]float64{"7": 0.1})
				l.changed = true
				return l
			}(),
			wantFrom: "6", wantTo: "8",
			wantLog: "alias live splits traffic between version 6 (90%) and version 7 (10%), left by an interrupted deployment; moving all traffic to version 6 before deploying",
		},
		{
			// The primary version already is the target: start from the
			// version that served alongside it, so the target gets a canary.
			name:     "primary is the target",
			lambda:   newFakeLambda(t).withAlias(7, "7", map[string]float64{"6": 0.75}),
			wantFrom: "6", wantTo: "7",
			wantLog: "alias live splits traffic between version 7 (25%) and version 6 (75%), left by an interrupted deployment; moving all traffic to version 6 before deploying",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.lambda, canary)
			st, err := h.engine.Update(ctx, released("fp1", "6"), testInputs("fp2"))
			if err != nil {
				t.Fatal(err)
			}
			if p := appSpecOf(t, h.cd, 0); p.CurrentVersion != tc.wantFrom || p.TargetVersion != tc.wantTo {
				t.Errorf("appspec %s → %s; want %s → %s", p.CurrentVersion, p.TargetVersion, tc.wantFrom, tc.wantTo)
			}
			if !contains(h.logs, tc.wantLog) {
				t.Errorf("log lines %q lack %q", h.logs, tc.wantLog)
			}
			if st.Version != tc.wantTo || st.AdditionalVersionWeights != nil {
				t.Errorf("state version %s weights %v; want %s and none", st.Version, st.AdditionalVersionWeights, tc.wantTo)
			}
		})
	}
}

func TestUpdateRecreatesDeletedAliasOnRecordedVersionAndDeploys(t *testing.T) {
	// The alias was deleted outside kumo; the state says it served 6.
	l := newFakeLambda(t)
	l.published, l.changed = 6, true
	h := newHarness(t, l, canary)

	st, err := h.engine.Update(ctx, released("fp1", "6"), testInputs("fp2"))
	if err != nil {
		t.Fatal(err)
	}
	assertCalls(t, "lambda", l.calls[:4], []string{"GetFunctionConfiguration", "PublishVersion", "GetAlias", "CreateAlias"})
	if len(h.cd.created) != 1 {
		t.Fatalf("%d deployments created; want 1: version 7 must reach the alias through CodeDeploy", len(h.cd.created))
	}
	if p := appSpecOf(t, h.cd, 0); p.CurrentVersion != "6" || p.TargetVersion != "7" {
		t.Errorf("appspec %s → %s; want 6 → 7 (from the recorded version)", p.CurrentVersion, p.TargetVersion)
	}
	if got := aws.ToString(h.cd.created[0].DeploymentConfigName); got != "CodeDeployDefault.LambdaCanary10Percent5Minutes" {
		t.Errorf("deployment config = %q; want the release's canary", got)
	}
	want := State{
		Inputs:           testInputs("fp2").WithDefaults(),
		Version:          "7",
		PublishedVersion: "7",
		AliasArn:         "arn:aws:lambda:eu-west-1:123456789012:function:items:live",
		LastDeploymentID: "d-NEW1",
	}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("state = %+v; want %+v", st, want)
	}
	assertLogs(t, h.logs[:3], []string{
		"published version 7 of function items",
		"alias live of function items is missing (deleted outside kumo); recreated it on version 6, the version the release last recorded it serving, to deploy version 7 from there through CodeDeploy",
		"created deployment d-NEW1: alias live of function items, version 6 → 7 with CodeDeployDefault.LambdaCanary10Percent5Minutes",
	})
}

func TestUpdateRecreatesDeletedAliasOnRecordedVersionThatIsTheTarget(t *testing.T) {
	// Nothing new to publish (Lambda returns 6) and the alias is gone:
	// recreating it on the recorded version already serves the release.
	l := newFakeLambda(t)
	l.published = 6
	h := newHarness(t, l)

	st, err := h.engine.Update(ctx, released("fp1", "6"), testInputs("fp2"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != "6" || l.alias == nil || l.alias.version != "6" || len(h.cd.created) != 0 {
		t.Errorf("state version %s, alias %+v, %d deployments; want the alias back on 6 and no deployment", st.Version, l.alias, len(h.cd.created))
	}
}

func TestUpdateDeletedAliasWithoutKnownGoodVersionFails(t *testing.T) {
	const howTo = "recreate it by hand on the version that should serve traffic (aws lambda create-alias --function-name items --name live --function-version <version>) and update again, which deploys version 7 from it through CodeDeploy; or set deploymentConfigName to AllAtOnce (the function's DeploymentPreference) for one update to create the alias directly on version 7, without hooks or alarms"
	tests := []struct {
		name    string
		old     State
		deleted map[string]bool
		wantErr string
	}{
		{
			name:    "recorded version deleted",
			old:     released("fp1", "6"),
			deleted: map[string]bool{"6": true},
			wantErr: "alias live of function items is missing (deleted outside kumo) and version 6, the version the release last recorded it serving, no longer exists (ResourceNotFoundException: function items:6 not found); " + howTo,
		},
		{
			name: "no version recorded",
			old: func() State {
				st := released("fp1", "6")
				st.Version = ""
				return st
			}(),
			wantErr: "alias live of function items is missing (deleted outside kumo) and the release has no version recorded as serving it; " + howTo,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newFakeLambda(t)
			l.published, l.changed, l.deletedVersions = 6, true, tc.deleted
			h := newHarness(t, l)

			st, err := h.engine.Update(ctx, tc.old, testInputs("fp2"))
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("error:\n got: %v\nwant: %s", err, tc.wantErr)
			}
			if !reflect.DeepEqual(st, tc.old) {
				t.Errorf("state = %+v; want the old state", st)
			}
			if l.alias != nil {
				t.Errorf("alias = %+v; want none: it must not be created on version 7 without a canary", l.alias)
			}
			if len(h.cd.created) != 0 {
				t.Errorf("%d deployments created; want none", len(h.cd.created))
			}
		})
	}
}

func TestUpdateDeletedAliasWithoutKnownGoodVersionAllAtOnce(t *testing.T) {
	// The escape hatch the error suggests: with AllAtOnce there is no
	// canary to lose, so the alias is created directly on the target.
	l := newFakeLambda(t)
	l.published, l.changed, l.deletedVersions = 6, true, map[string]bool{"6": true}
	h := newHarness(t, l)
	in := testInputs("fp2")
	in.DeploymentConfigName = "AllAtOnce"

	st, err := h.engine.Update(ctx, released("fp1", "6"), in)
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != "7" || st.PublishedVersion != "7" || l.alias == nil || l.alias.version != "7" {
		t.Errorf("state version %s published %s, alias %+v; want the alias created on 7", st.Version, st.PublishedVersion, l.alias)
	}
	if st.LastDeploymentID != "d-OLD" {
		t.Errorf("last deployment = %q; want d-OLD kept (no deployment ran)", st.LastDeploymentID)
	}
	if !contains(h.logs, "alias live of function items is missing (deleted outside kumo) and version 6, the version the release last recorded it serving, no longer exists (ResourceNotFoundException: function items:6 not found); the deployment config is CodeDeployDefault.LambdaAllAtOnce, so creating it directly on version 7: no hooks or alarms ran") {
		t.Errorf("log lines %q lack the warning that no hooks or alarms ran", h.logs)
	}
}

func TestPublishWaitsForFunctionUpdate(t *testing.T) {
	l := newFakeLambda(t).withAlias(6, "6", nil)
	l.changed = true
	l.updates = []lambdatypes.LastUpdateStatus{lambdatypes.LastUpdateStatusInProgress, lambdatypes.LastUpdateStatusInProgress}
	l.publishConflicts = 1
	h := newHarness(t, l, canary)

	if _, err := h.engine.Update(ctx, released("fp1", "6"), testInputs("fp2")); err != nil {
		t.Fatal(err)
	}
	assertCalls(t, "lambda", l.calls[:6], []string{
		"GetFunctionConfiguration", "GetFunctionConfiguration", "GetFunctionConfiguration", "PublishVersion",
		"GetFunctionConfiguration", "PublishVersion",
	})
	assertLogs(t, h.logs[:3], []string{
		"waiting for function items (update InProgress) before publishing",
		"waiting for function items (an update started before publishing) before publishing",
		"published version 7 of function items",
	})
}

func TestPublishFailsOnFailedFunctionUpdate(t *testing.T) {
	l := newFakeLambda(t).withAlias(6, "6", nil)
	l.updates = []lambdatypes.LastUpdateStatus{lambdatypes.LastUpdateStatusFailed}
	h := newHarness(t, l)
	old := released("fp1", "6")

	st, err := h.engine.Update(ctx, old, testInputs("fp2"))
	want := "the last update of function items failed (InvalidSubnet: subnet subnet-1 does not exist); fix the function before it can be released"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v; want %s", err, want)
	}
	if !reflect.DeepEqual(st, old) {
		t.Errorf("state = %+v; want old", st)
	}
}

func TestUpdateCancelledWhileFollowingKeepsOldState(t *testing.T) {
	l := newFakeLambda(t).withAlias(6, "6", nil)
	l.changed = true
	h := newHarness(t, l, canary)
	cctx, cancel := context.WithCancel(ctx)
	h.engine.Log = func(msg string) {
		if strings.HasPrefix(msg, "deployment d-NEW1 InProgress") {
			cancel()
		}
	}
	old := released("fp1", "6")

	st, err := h.engine.Update(cctx, old, testInputs("fp2"))
	if err == nil || !strings.Contains(err.Error(), "stopped following deployment d-NEW1, which continues in CodeDeploy") {
		t.Fatalf("error = %v; want it to name the deployment that continues", err)
	}
	if !reflect.DeepEqual(st, old) {
		t.Errorf("state = %+v; want old", st)
	}
}

func TestCreateAdoptsExistingAlias(t *testing.T) {
	t.Run("deploys to it", func(t *testing.T) {
		l := newFakeLambda(t).withAlias(3, "3", nil)
		l.changed = true
		h := newHarness(t, l, canary)

		st, err := h.engine.Create(ctx, testInputs("fp1"))
		if err != nil {
			t.Fatal(err)
		}
		if p := appSpecOf(t, h.cd, 0); p.CurrentVersion != "3" || p.TargetVersion != "4" {
			t.Errorf("appspec %s → %s; want 3 → 4", p.CurrentVersion, p.TargetVersion)
		}
		if st.Version != "4" || st.LastDeploymentID != "d-NEW1" || st.AliasArn == "" {
			t.Errorf("state = %+v; want version 4 via d-NEW1", st)
		}
		if h.logs[1] != "alias live of function items already exists on version 3; adopting it" {
			t.Errorf("log = %q", h.logs[1])
		}
	})
	t.Run("failed deployment leaves a partial state", func(t *testing.T) {
		l := newFakeLambda(t).withAlias(3, "3", nil)
		l.changed = true
		h := newHarness(t, l, []step{{status: cdtypes.DeploymentStatusFailed, code: cdtypes.ErrorCodeAlarmActive, rolledBack: true}})

		st, err := h.engine.Create(ctx, testInputs("fp1"))
		var rf *RolloutFailedError
		if !errors.As(err, &rf) {
			t.Fatalf("error = %v; want *RolloutFailedError", err)
		}
		if st.Version != "3" || st.PublishedVersion != "4" || st.Fingerprint != "fp1" {
			t.Errorf("state = %+v; want alias on 3 with 4 published", st)
		}
		if changed, _ := h.engine.Diff(st, testInputs("fp1")); !changed {
			t.Error("Diff of the partial state reports no change; want the next update to retry")
		}
	})
}

func TestReadReportsAliasVersionAndWeights(t *testing.T) {
	h := newHarness(t, newFakeLambda(t).withAlias(7, "6", map[string]float64{"7": 0.1}))
	old := released("fp2", "7")

	st, err := h.engine.Read(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != "6" || !reflect.DeepEqual(st.AdditionalVersionWeights, map[string]float64{"7": 0.1}) {
		t.Errorf("read version %s weights %v; want 6 and {7: 0.1}", st.Version, st.AdditionalVersionWeights)
	}
	if st.PublishedVersion != "7" || st.Fingerprint != "fp2" {
		t.Errorf("read changed the recorded release: %+v", st)
	}
	if got := ChangedFields(st, testInputs("fp2")); !reflect.DeepEqual(got, []string{"Version"}) {
		t.Errorf("changed fields after refresh = %v; want [Version] so the next update repairs the alias", got)
	}
}

func TestReadMissingAlias(t *testing.T) {
	h := newHarness(t, newFakeLambda(t))
	_, err := h.engine.Read(ctx, released("fp1", "1"))
	if !errors.Is(err, ErrAliasNotFound) {
		t.Errorf("error = %v; want ErrAliasNotFound", err)
	}
}

func TestDeleteRemovesAlias(t *testing.T) {
	l := newFakeLambda(t).withAlias(3, "3", nil)
	h := newHarness(t, l)

	if err := h.engine.Delete(ctx, released("fp1", "3")); err != nil {
		t.Fatal(err)
	}
	if l.alias != nil {
		t.Errorf("alias still exists: %+v", l.alias)
	}
	// Deleting again, as after a manual delete, is fine.
	if err := h.engine.Delete(ctx, released("fp1", "3")); err != nil {
		t.Errorf("delete of a gone alias: %v; want nil", err)
	}
	assertLogs(t, h.logs, []string{
		"deleted alias live of function items",
		"alias live of function items is already gone",
	})
}

func TestDeleteReportsOtherErrors(t *testing.T) {
	l := newFakeLambda(t).withAlias(3, "3", nil)
	l.fail["DeleteAlias"] = errors.New("AccessDenied")
	h := newHarness(t, l)
	err := h.engine.Delete(ctx, released("fp1", "3"))
	if err == nil || err.Error() != "delete alias live of function items: AccessDenied" {
		t.Errorf("error = %v", err)
	}
}

func TestBadInputsMakeNoCalls(t *testing.T) {
	h := newHarness(t, newFakeLambda(t).withAlias(3, "3", nil))
	bad := Inputs{FunctionName: "items"}
	if _, err := h.engine.Create(ctx, bad); err == nil {
		t.Error("create with bad inputs succeeded")
	}
	old := released("fp1", "3")
	st, err := h.engine.Update(ctx, old, bad)
	if err == nil {
		t.Error("update with bad inputs succeeded")
	}
	if !reflect.DeepEqual(st, old) {
		t.Errorf("state = %+v; want old", st)
	}
	assertCalls(t, "lambda", h.lambda.calls, nil)
	assertCalls(t, "codedeploy", h.cd.calls, nil)
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

func throttled() error {
	return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
}

func TestUpdateRetriesThrottledGetDeployment(t *testing.T) {
	l := newFakeLambda(t).withAlias(6, "6", nil)
	l.changed = true
	h := newHarness(t, l, canary)
	h.cd.fail["GetDeployment"] = []error{throttled(), throttled()}

	st, err := h.engine.Update(ctx, released("fp1", "6"), testInputs("fp2"))
	if err != nil {
		t.Fatalf("update failed on a passing throttle: %v", err)
	}
	if st.Version != "7" || st.LastDeploymentID != "d-NEW1" {
		t.Errorf("state version %s via %s; want 7 via d-NEW1", st.Version, st.LastDeploymentID)
	}
	// Two retries with full jitter (the harness picks half the ceiling)
	// of 1s and 2s, then the canary's five polls 10s apart.
	want := []time.Duration{500 * time.Millisecond, time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second}
	if !reflect.DeepEqual(h.clock.sleeps, want) {
		t.Errorf("sleeps = %v; want %v", h.clock.sleeps, want)
	}
	assertLogs(t, h.logs[2:4], []string{
		"get deployment d-NEW1: api error ThrottlingException: Rate exceeded; retrying in 500ms (attempt 2 of 6)",
		"get deployment d-NEW1: api error ThrottlingException: Rate exceeded; retrying in 1s (attempt 3 of 6)",
	})
}

func TestUpdateGivesUpOnPersistentThrottling(t *testing.T) {
	l := newFakeLambda(t).withAlias(6, "6", nil)
	l.changed = true
	h := newHarness(t, l, canary)
	for range 10 {
		h.cd.fail["GetDeployment"] = append(h.cd.fail["GetDeployment"], throttled())
	}
	old := released("fp1", "6")

	st, err := h.engine.Update(ctx, old, testInputs("fp2"))
	want := "get deployment d-NEW1 (it continues in CodeDeploy): gave up after 6 attempts: api error ThrottlingException: Rate exceeded"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got: %v\nwant: %s", err, want)
	}
	if n := h.cd.count("GetDeployment"); n != 6 {
		t.Errorf("GetDeployment called %d times; want 6", n)
	}
	if want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}; !reflect.DeepEqual(h.clock.sleeps, want) {
		t.Errorf("sleeps = %v; want %v", h.clock.sleeps, want)
	}
	if !reflect.DeepEqual(st, old) {
		t.Errorf("state = %+v; want old", st)
	}
}

func TestUpdateBacksOffWhenDeploymentLimitExceeded(t *testing.T) {
	// CreateDeployment is refused three times although ListDeployments,
	// which lags, shows no active deployment: without a pause the engine
	// would retry in a hot loop.
	l := newFakeLambda(t).withAlias(6, "6", nil)
	l.changed = true
	h := newHarness(t, l, canary)
	h.cd.limitExceeded = 3

	st, err := h.engine.Update(ctx, released("fp1", "6"), testInputs("fp2"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != "7" || len(h.cd.created) != 1 || h.cd.count("CreateDeployment") != 4 {
		t.Errorf("alias on %s after %d deployments and %d CreateDeployment calls; want 7 after 1 and 4", st.Version, len(h.cd.created), h.cd.count("CreateDeployment"))
	}
	want := []time.Duration{2500 * time.Millisecond, 5 * time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second}
	if !reflect.DeepEqual(h.clock.sleeps, want) {
		t.Errorf("sleeps = %v; want %v (backoff from 5s, then the canary's polls)", h.clock.sleeps, want)
	}
	assertLogs(t, h.logs[1:4], []string{
		"another deployment holds group items-dg; retrying in 2.5s (attempt 2 of 8)",
		"another deployment holds group items-dg; retrying in 5s (attempt 3 of 8)",
		"another deployment holds group items-dg; retrying in 10s (attempt 4 of 8)",
	})
}

func TestUpdateGivesUpWhenDeploymentLimitPersists(t *testing.T) {
	l := newFakeLambda(t).withAlias(6, "6", nil)
	l.changed = true
	h := newHarness(t, l)
	h.cd.limitExceeded = 1 << 20 // for ever
	old := released("fp1", "6")

	st, err := h.engine.Update(ctx, old, testInputs("fp2"))
	want := "another deployment kept group items-dg busy through 8 attempts to create one; find it with: aws deploy list-deployments --application-name kumo-dev --deployment-group-name items-dg --include-only-statuses Created Queued InProgress Ready: " +
		"create deployment of alias live of function items (version 6 → 7) in group items-dg: DeploymentLimitExceededException: The deployment group already has an active deployment"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got: %v\nwant: %s", err, want)
	}
	var busy *cdtypes.DeploymentLimitExceededException
	if !errors.As(err, &busy) {
		t.Errorf("error %T does not wrap *DeploymentLimitExceededException", err)
	}
	if n := h.cd.count("CreateDeployment"); n != 8 {
		t.Errorf("CreateDeployment called %d times; want 8", n)
	}
	// Ceilings 5s, 10s, 20s, 40s, then capped at 60s; the harness halves them.
	wantSleeps := []time.Duration{2500 * time.Millisecond, 5 * time.Second, 10 * time.Second, 20 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second}
	if !reflect.DeepEqual(h.clock.sleeps, wantSleeps) {
		t.Errorf("sleeps = %v; want %v", h.clock.sleeps, wantSleeps)
	}
	if !reflect.DeepEqual(st, old) {
		t.Errorf("state = %+v; want old", st)
	}
}

func TestUpdateDeploymentLimitBackoffStopsAtWaitTimeout(t *testing.T) {
	// WaitTimeoutSeconds bounds waiting for someone else's deployment, so
	// the backoff never sleeps past it.
	l := newFakeLambda(t).withAlias(6, "6", nil)
	l.changed = true
	h := newHarness(t, l)
	h.cd.limitExceeded = 1 << 20 // for ever
	in := testInputs("fp2")
	in.WaitTimeoutSeconds = 10

	_, err := h.engine.Update(ctx, released("fp1", "6"), in)
	var busy *cdtypes.DeploymentLimitExceededException
	if !errors.As(err, &busy) || !strings.HasPrefix(err.Error(), "another deployment kept group items-dg busy through 4 attempts to create one;") {
		t.Fatalf("error = %v; want the deployment limit after 4 attempts", err)
	}
	if want := []time.Duration{2500 * time.Millisecond, 5 * time.Second, 2500 * time.Millisecond}; !reflect.DeepEqual(h.clock.sleeps, want) {
		t.Errorf("sleeps = %v; want %v (the last one cut at the 10s bound, then one last try)", h.clock.sleeps, want)
	}
}

func TestUpdateRetriesThrottledLambdaReads(t *testing.T) {
	l := newFakeLambda(t).withAlias(6, "6", nil)
	l.changed = true
	l.fail["GetFunctionConfiguration"] = &smithy.GenericAPIError{Code: "RequestLimitExceeded", Message: "slow down"}
	l.fail["GetAlias"] = &lambdatypes.TooManyRequestsException{Message: aws.String("Rate exceeded")}
	h := newHarness(t, l, canary)

	st, err := h.engine.Update(ctx, released("fp1", "6"), testInputs("fp2"))
	if err != nil {
		t.Fatalf("update failed on a passing throttle: %v", err)
	}
	if st.Version != "7" {
		t.Errorf("alias serves %s; want 7", st.Version)
	}
	assertCalls(t, "lambda", l.calls[:5], []string{"GetFunctionConfiguration", "GetFunctionConfiguration", "PublishVersion", "GetAlias", "GetAlias"})
	assertLogs(t, h.logs[:3], []string{
		"get configuration of function items: api error RequestLimitExceeded: slow down; retrying in 500ms (attempt 2 of 6)",
		"published version 7 of function items",
		"get alias live of function items: TooManyRequestsException: Rate exceeded; retrying in 500ms (attempt 2 of 6)",
	})
}

// stuck is a deployment that starts shifting and never ends.
var stuck = []step{
	{status: cdtypes.DeploymentStatusCreated},
	{status: cdtypes.DeploymentStatusInProgress, onTarget: 0.1},
}

func TestUpdateStopsFollowingStuckDeployment(t *testing.T) {
	const stop = "; kumo stopped following it, but it continues in CodeDeploy: stop it and roll back with: aws deploy stop-deployment --deployment-id d-NEW1 --auto-rollback-enabled"
	tests := []struct {
		name    string
		inputs  func(in *Inputs)
		bound   time.Duration
		wantErr string
	}{
		{
			name:  "built-in canary",
			bound: 20 * time.Minute,
			wantErr: "deployment d-NEW1 is still InProgress after 20m0s, the most it should take: 5m0s of traffic shifting with CodeDeployDefault.LambdaCanary10Percent5Minutes and a 15m0s margin; " +
				"alias live serves version 6 (90%) and version 7 (10%)" + stop,
		},
		{
			name: "built-in canary with both hooks",
			inputs: func(in *Inputs) {
				in.PreTrafficHook, in.PostTrafficHook = "items-pre", "items-post"
			},
			bound: 2*time.Hour + 20*time.Minute,
			wantErr: "deployment d-NEW1 is still InProgress after 2h20m0s, the most it should take: 5m0s of traffic shifting with CodeDeployDefault.LambdaCanary10Percent5Minutes, 1h0m0s for each of 2 hooks and a 15m0s margin; " +
				"alias live serves version 6 (90%) and version 7 (10%)" + stop,
		},
		{
			name:   "kumo's custom linear config",
			inputs: func(in *Inputs) { in.DeploymentConfigName = "kumo-dev-Linear20PercentEvery3Minutes" },
			bound:  30 * time.Minute,
			wantErr: "deployment d-NEW1 is still InProgress after 30m0s, the most it should take: 15m0s of traffic shifting with kumo-dev-Linear20PercentEvery3Minutes and a 15m0s margin; " +
				"alias live serves version 6 (90%) and version 7 (10%)" + stop,
		},
		{
			name:   "the group's config",
			inputs: func(in *Inputs) { in.DeploymentConfigName = "" },
			bound:  2*time.Hour + 15*time.Minute,
			wantErr: "deployment d-NEW1 is still InProgress after 2h15m0s, the most it should take: 2h0m0s of traffic shifting assumed for the deployment group's deployment config and a 15m0s margin; " +
				"alias live serves version 6 (90%) and version 7 (10%)" + stop,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newFakeLambda(t).withAlias(6, "6", nil)
			l.changed = true
			h := newHarness(t, l, stuck)
			in := testInputs("fp2")
			if tc.inputs != nil {
				tc.inputs(&in)
			}
			old := released("fp1", "6")

			st, err := h.engine.Update(ctx, old, in)
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("error:\n got: %v\nwant: %s", err, tc.wantErr)
			}
			// The deployment is created without a wait, so every sleep is
			// one of following it: exactly the bound, the last poll at it.
			if h.clock.slept != tc.bound {
				t.Errorf("followed for %s; want exactly %s", h.clock.slept, tc.bound)
			}
			if want := int(tc.bound/(10*time.Second)) + 1; h.cd.count("GetDeployment") != want {
				t.Errorf("%d polls; want %d", h.cd.count("GetDeployment"), want)
			}
			var ft *FollowTimeoutError
			if !errors.As(err, &ft) || ft.DeploymentID != "d-NEW1" || ft.Status != "InProgress" || ft.Waited != tc.bound || ft.ServingVersion != "6" {
				t.Errorf("error is %T %+v; want a *FollowTimeoutError for d-NEW1, InProgress after %s, serving 6", err, ft, tc.bound)
			}
			if !reflect.DeepEqual(st, old) {
				t.Errorf("state = %+v; want old", st)
			}
		})
	}
}

func TestUpdateFollowsSlowDeploymentWithinBound(t *testing.T) {
	// A canary that takes 19m50s of its 20m bound still succeeds.
	script := []step{{status: cdtypes.DeploymentStatusCreated}}
	for range 118 {
		script = append(script, step{status: cdtypes.DeploymentStatusInProgress, onTarget: 0.1})
	}
	script = append(script, step{status: cdtypes.DeploymentStatusSucceeded, onTarget: 1})
	l := newFakeLambda(t).withAlias(6, "6", nil)
	l.changed = true
	h := newHarness(t, l, script)

	st, err := h.engine.Update(ctx, released("fp1", "6"), testInputs("fp2"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != "7" || h.clock.slept != 19*time.Minute+50*time.Second {
		t.Errorf("alias on %s after %s; want 7 after 19m50s", st.Version, h.clock.slept)
	}
}
