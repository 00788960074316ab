package hook

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/kumo-iac/kumo/internal/rollout"
)

type fakeCodeDeploy struct {
	revision *cdtypes.RevisionLocation
	// stored is what GetApplicationRevision returns.
	stored    *cdtypes.RevisionLocation
	getErr    error
	reported  []cdtypes.LifecycleEventStatus
	reportFor []string
	reportErr error
}

func (f *fakeCodeDeploy) GetDeployment(_ context.Context, in *codedeploy.GetDeploymentInput, _ ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentOutput, error) {
	if f.getErr != nil {
		return nil, f.getErr
	}
	return &codedeploy.GetDeploymentOutput{DeploymentInfo: &cdtypes.DeploymentInfo{
		DeploymentId:    in.DeploymentId,
		ApplicationName: aws.String("kumo-dev"),
		Revision:        f.revision,
	}}, nil
}

func (f *fakeCodeDeploy) GetApplicationRevision(_ context.Context, in *codedeploy.GetApplicationRevisionInput, _ ...func(*codedeploy.Options)) (*codedeploy.GetApplicationRevisionOutput, error) {
	if aws.ToString(in.ApplicationName) != "kumo-dev" {
		return nil, errors.New("unknown application")
	}
	return &codedeploy.GetApplicationRevisionOutput{Revision: f.stored}, nil
}

func (f *fakeCodeDeploy) PutLifecycleEventHookExecutionStatus(_ context.Context, in *codedeploy.PutLifecycleEventHookExecutionStatusInput, _ ...func(*codedeploy.Options)) (*codedeploy.PutLifecycleEventHookExecutionStatusOutput, error) {
	if f.reportErr != nil {
		return nil, f.reportErr
	}
	f.reported = append(f.reported, in.Status)
	f.reportFor = append(f.reportFor, aws.ToString(in.DeploymentId)+"/"+aws.ToString(in.LifecycleEventHookExecutionId))
	return &codedeploy.PutLifecycleEventHookExecutionStatusOutput{}, nil
}

type fakeLambda struct {
	invoked []string
	out     *lambda.InvokeOutput
}

func (f *fakeLambda) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.invoked = append(f.invoked, aws.ToString(in.FunctionName)+":"+aws.ToString(in.Qualifier)+" "+string(in.Payload))
	if f.out != nil {
		return f.out, nil
	}
	return &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(`{"ok":true}`)}, nil
}

func appSpecRevision(t *testing.T) *cdtypes.RevisionLocation {
	t.Helper()
	content, sha, err := rollout.NewAppSpec(rollout.Inputs{
		FunctionName: "items", PreTrafficHook: "items-pre",
	}, "6", "7").Content()
	if err != nil {
		t.Fatal(err)
	}
	return &cdtypes.RevisionLocation{
		RevisionType:   cdtypes.RevisionLocationTypeAppSpecContent,
		AppSpecContent: &cdtypes.AppSpecContent{Content: aws.String(content), Sha256: aws.String(sha)},
	}
}

var event = Event{DeploymentID: "d-ABC123", LifecycleEventHookExecutionID: "exec-1"}

func newHandler(t *testing.T, check Check) (*Handler, *fakeCodeDeploy, *fakeLambda, *[]string) {
	cd := &fakeCodeDeploy{revision: appSpecRevision(t)}
	l := &fakeLambda{}
	var logs []string
	h := &Handler{Check: check, CodeDeploy: cd, Lambda: l, Log: func(m string) { logs = append(logs, m) }}
	return h, cd, l, &logs
}

func assertReported(t *testing.T, cd *fakeCodeDeploy, want cdtypes.LifecycleEventStatus) {
	t.Helper()
	if len(cd.reported) != 1 || cd.reported[0] != want || cd.reportFor[0] != "d-ABC123/exec-1" {
		t.Errorf("reported %v for %v; want exactly one %s for d-ABC123/exec-1", cd.reported, cd.reportFor, want)
	}
}

func TestTargetResolvedFromAppSpec(t *testing.T) {
	var got Target
	h, cd, l, logs := newHandler(t, func(ctx context.Context, tg Target) error {
		got = tg
		_, err := tg.Invoke(ctx, []byte(`{"probe":1}`))
		return err
	})
	if err := h.Handle(context.Background(), event); err != nil {
		t.Fatal(err)
	}
	want := Target{FunctionName: "items", Alias: "live", Version: "7", CurrentVersion: "6", DeploymentID: "d-ABC123"}
	got.lambda = nil
	if got != want {
		t.Errorf("target = %+v; want %+v", got, want)
	}
	if len(l.invoked) != 1 || l.invoked[0] != `items:7 {"probe":1}` {
		t.Errorf("invoked %q; want version 7 of items exactly once", l.invoked)
	}
	assertReported(t, cd, cdtypes.LifecycleEventStatusSucceeded)
	if (*logs)[0] != "testing version 7 of function items (alias live, serving version 6) for deployment d-ABC123" {
		t.Errorf("first log line = %q", (*logs)[0])
	}
}

func TestTargetResolvedFromStoredRevision(t *testing.T) {
	h, cd, _, _ := newHandler(t, func(_ context.Context, tg Target) error {
		if tg.Version != "7" {
			return errors.New("wrong version " + tg.Version)
		}
		return nil
	})
	// GetDeployment names the revision without its content.
	cd.stored = cd.revision
	cd.revision = &cdtypes.RevisionLocation{RevisionType: cdtypes.RevisionLocationTypeAppSpecContent, AppSpecContent: &cdtypes.AppSpecContent{Sha256: aws.String("abc")}}
	if err := h.Handle(context.Background(), event); err != nil {
		t.Fatal(err)
	}
	assertReported(t, cd, cdtypes.LifecycleEventStatusSucceeded)
}

func TestFailuresReportFailed(t *testing.T) {
	tests := []struct {
		name    string
		check   Check
		setup   func(*fakeCodeDeploy, *fakeLambda)
		timeout time.Duration
		wantLog string
	}{
		{
			name:    "check error",
			check:   func(context.Context, Target) error { return errors.New("GET /health returned 500") },
			wantLog: "check failed: GET /health returned 500",
		},
		{
			name:    "panic",
			check:   func(context.Context, Target) error { panic("nil map") },
			wantLog: "check failed: check panicked: nil map",
		},
		{
			name: "function error",
			check: func(ctx context.Context, tg Target) error {
				_, err := tg.Invoke(ctx, []byte(`{}`))
				return err
			},
			setup: func(_ *fakeCodeDeploy, l *fakeLambda) {
				l.out = &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: []byte(`{"errorMessage":"boom"}`)}
			},
			wantLog: `check failed: version 7 of function items returned a function error (Unhandled): {"errorMessage":"boom"}`,
		},
		{
			name: "deadline",
			check: func(context.Context, Target) error {
				time.Sleep(time.Second) // ignores ctx, as careless checks do
				return nil
			},
			timeout: 100 * time.Millisecond,
			wantLog: "check failed: check did not finish before the hook's deadline: context deadline exceeded",
		},
		{
			name:  "deployment without an appspec",
			check: func(context.Context, Target) error { return nil },
			setup: func(cd *fakeCodeDeploy, _ *fakeLambda) {
				cd.revision = &cdtypes.RevisionLocation{RevisionType: cdtypes.RevisionLocationTypeS3}
			},
			wantLog: "check failed: deployment d-ABC123 has no AppSpec content (revision type S3); hooks test Lambda deployments whose revision is an AppSpec",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, cd, l, logs := newHandler(t, tc.check)
			if tc.setup != nil {
				tc.setup(cd, l)
			}
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
				h.Margin = tc.timeout / 2
			}
			if err := h.Handle(ctx, event); err != nil {
				t.Fatalf("Handle = %v; want nil once Failed is reported", err)
			}
			assertReported(t, cd, cdtypes.LifecycleEventStatusFailed)
			found := false
			for _, line := range *logs {
				found = found || line == tc.wantLog
			}
			if !found {
				t.Errorf("log lines %q lack %q", *logs, tc.wantLog)
			}
		})
	}
}

func TestBadEvents(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    string
	}{
		{"not JSON", `hello`, `hook: the event is not a CodeDeploy lifecycle hook event (want {"DeploymentId": ..., "LifecycleEventHookExecutionId": ...})`},
		{"wrong shape", `["d-1"]`, `hook: the event is not a CodeDeploy lifecycle hook event`},
		{"other event", `{"path":"/health"}`, `hook: the event lacks DeploymentId or LifecycleEventHookExecutionId`},
		{"no execution id", `{"DeploymentId":"d-1"}`, `a hook must be invoked by CodeDeploy as the BeforeAllowTraffic or AfterAllowTraffic hook of a Lambda deployment`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			h, cd, _, _ := newHandler(t, func(context.Context, Target) error { called = true; return nil })
			_, err := h.Invoke(context.Background(), []byte(tc.payload))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v; want it to contain %s", err, tc.want)
			}
			if called || len(cd.reported) != 0 {
				t.Errorf("check called %v, reported %v; want neither", called, cd.reported)
			}
		})
	}
}

func TestReportFailureIsAnError(t *testing.T) {
	h, cd, _, _ := newHandler(t, func(context.Context, Target) error { return nil })
	cd.reportErr = errors.New("AccessDeniedException")
	err := h.Handle(context.Background(), event)
	if err == nil || err.Error() != "hook: report Succeeded for deployment d-ABC123: AccessDeniedException" {
		t.Errorf("error = %v", err)
	}
}

func TestInvokeOutsideCheck(t *testing.T) {
	if _, err := (Target{FunctionName: "items", Version: "7"}).Invoke(context.Background(), nil); err == nil {
		t.Error("Invoke on a hand-made Target succeeded; want an error naming the missing client")
	}
}
