package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/kumo-iac/kumo/constructs/hook"
	"github.com/kumo-iac/kumo/internal/rollout"
)

// fakeCodeDeploy is a deployment of version 7 of the authorizer (6
// serving) and records the status the hook reports.
type fakeCodeDeploy struct {
	t        *testing.T
	reported []cdtypes.LifecycleEventStatus
}

func (f *fakeCodeDeploy) GetDeployment(_ context.Context, in *codedeploy.GetDeploymentInput, _ ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentOutput, error) {
	content, sha, err := rollout.NewAppSpec(rollout.Inputs{FunctionName: "web-authorizer-1a2b3c4", PreTrafficHook: "web-authzcheck"}, "6", "7").Content()
	if err != nil {
		f.t.Fatal(err)
	}
	return &codedeploy.GetDeploymentOutput{DeploymentInfo: &cdtypes.DeploymentInfo{
		DeploymentId: in.DeploymentId, ApplicationName: aws.String("kumo-prod"),
		Revision: &cdtypes.RevisionLocation{RevisionType: cdtypes.RevisionLocationTypeAppSpecContent,
			AppSpecContent: &cdtypes.AppSpecContent{Content: aws.String(content), Sha256: aws.String(sha)}},
	}}, nil
}

func (f *fakeCodeDeploy) GetApplicationRevision(context.Context, *codedeploy.GetApplicationRevisionInput, ...func(*codedeploy.Options)) (*codedeploy.GetApplicationRevisionOutput, error) {
	return nil, errors.New("not called: the deployment has the AppSpec content")
}

func (f *fakeCodeDeploy) PutLifecycleEventHookExecutionStatus(_ context.Context, in *codedeploy.PutLifecycleEventHookExecutionStatusInput, _ ...func(*codedeploy.Options)) (*codedeploy.PutLifecycleEventHookExecutionStatusOutput, error) {
	f.reported = append(f.reported, in.Status)
	return &codedeploy.PutLifecycleEventHookExecutionStatusOutput{}, nil
}

// fakeLambda is the authorizer's new version answering out (and
// functionError, as Lambda reports a handler's error or a crash), or err.
type fakeLambda struct {
	out           string
	functionError string
	err           error
	invoked       []string
}

func (f *fakeLambda) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.invoked = append(f.invoked, aws.ToString(in.FunctionName)+":"+aws.ToString(in.Qualifier)+" "+string(in.Payload))
	if f.err != nil {
		return nil, f.err
	}
	out := &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(f.out)}
	if f.functionError != "" {
		out.FunctionError = aws.String(f.functionError)
	}
	return out, nil
}

// The hook invokes exactly the version under test with the refresh event
// and reports Succeeded only when it answers that it refreshed; a refresh
// that failed (the issuer or the snapshot's parameter out of reach), a
// version that exits at init (a bad configuration), an answer that is not
// a refresh's, or an invocation refused make the deployment fail.
func TestAuthorizerCheck(t *testing.T) {
	tests := []struct {
		name    string
		lambda  fakeLambda
		want    cdtypes.LifecycleEventStatus
		wantLog string
	}{
		{"refreshed", fakeLambda{out: `{"refreshed":true}`}, cdtypes.LifecycleEventStatusSucceeded, ""},
		{"the refresh failed", fakeLambda{functionError: "Unhandled",
			out: `{"errorMessage":"refresh of signing keys failed: write key snapshot: put parameter /kumo/shop/prod/web/authorizer-keys: AccessDeniedException","errorType":"wrapError"}`},
			cdtypes.LifecycleEventStatusFailed, "AccessDeniedException"},
		{"exits at init", fakeLambda{functionError: "Unhandled", out: `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: 1 Error: Runtime exited with error: exit status 1"}`},
			cdtypes.LifecycleEventStatusFailed, "Runtime.ExitError"},
		{"an answer that is not a refresh's", fakeLambda{out: `{"principalId":"user-1"}`}, cdtypes.LifecycleEventStatusFailed, `not {"refreshed":true}`},
		{"refreshed false", fakeLambda{out: `{"refreshed":false}`}, cdtypes.LifecycleEventStatusFailed, `answered {"refreshed":false}`},
		{"not JSON", fakeLambda{out: `ok`}, cdtypes.LifecycleEventStatusFailed, "version 7 answered ok"},
		{"invocation refused", fakeLambda{err: errors.New("AccessDeniedException: not authorized to perform lambda:InvokeFunction")},
			cdtypes.LifecycleEventStatusFailed, "lambda:InvokeFunction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cd := &fakeCodeDeploy{t: t}
			l := tt.lambda
			var logs []string
			h := &hook.Handler{Check: checkTarget, CodeDeploy: cd, Lambda: &l, Log: func(m string) { logs = append(logs, m) }}
			if err := h.Handle(context.Background(), hook.Event{DeploymentID: "d-1", LifecycleEventHookExecutionID: "e-1"}); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if want := []string{`web-authorizer-1a2b3c4:7 {"kumo":"refresh-keys"}`}; len(l.invoked) != 1 || l.invoked[0] != want[0] {
				t.Errorf("got invocations %q; want %q: the version under test, once, with the refresh event", l.invoked, want)
			}
			if len(cd.reported) != 1 || cd.reported[0] != tt.want {
				t.Errorf("got reported %v; want %s", cd.reported, tt.want)
			}
			if all := strings.Join(logs, "\n"); !strings.Contains(all, tt.wantLog) {
				t.Errorf("got logs %s; want them to say %q", all, tt.wantLog)
			}
		})
	}
}
