// Package hook turns a function into a CodeDeploy pre- or post-traffic hook
// of a kumo release in a few lines: it finds out which version of which
// function the deployment is testing, runs the caller's checks against
// exactly that version, and always reports the outcome to CodeDeploy, also
// when a check fails, panics or runs out of time.
//
//	func main() {
//		hook.Start(func(ctx context.Context, t hook.Target) error {
//			_, err := t.Invoke(ctx, []byte(`{"path":"/health"}`)) // version t.Version, not the alias
//			return err
//		})
//	}
//
// # Permissions
//
// The hook's execution role needs, and the Function construct grants:
//
//   - codedeploy:GetDeployment and codedeploy:PutLifecycleEventHookExecutionStatus
//     on the deployment group (arn:aws:codedeploy:REGION:ACCOUNT:deploymentgroup:APP/GROUP);
//   - codedeploy:GetApplicationRevision on the application
//     (arn:aws:codedeploy:REGION:ACCOUNT:application:APP), used only when
//     GetDeployment leaves out the AppSpec content;
//   - lambda:InvokeFunction on the tested function's versions
//     (arn:aws:lambda:REGION:ACCOUNT:function:NAME:*).
//
// The CodeDeploy service role must in turn be allowed to invoke the hook.
package hook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"runtime/debug"
	"time"

	lambdaruntime "github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/kumo-iac/kumo/internal/rollout"
)

// DefaultMargin is how long before the Lambda's own timeout the checks are
// cut off, leaving time to report Failed: a hook that never reports holds
// the deployment until CodeDeploy's one-hour hook timeout.
const DefaultMargin = 5 * time.Second

// Check tests the version under test. A nil error reports Succeeded; an
// error, a panic or running past the deadline in ctx reports Failed, which
// makes CodeDeploy roll back.
type Check func(ctx context.Context, t Target) error

// Target is the version a deployment is testing.
type Target struct {
	// FunctionName is the released function.
	FunctionName string
	// Alias is the alias the deployment moves.
	Alias string
	// Version is the version under test: the deployment's target version.
	Version string
	// CurrentVersion is the version the alias served when the deployment
	// started.
	CurrentVersion string
	// DeploymentID is the CodeDeploy deployment.
	DeploymentID string

	lambda LambdaAPI
}

// Invoke invokes exactly the version under test (not the alias, which a
// pre-traffic hook would find still on CurrentVersion) synchronously with
// payload and returns its response. A function error — an unhandled
// exception or an error returned by the handler — is an error here.
func (t Target) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if t.lambda == nil {
		return nil, errors.New("hook: Target has no Lambda client; use the Target passed to the check")
	}
	out, err := t.lambda.Invoke(ctx, &lambda.InvokeInput{
		FunctionName: aws.String(t.FunctionName),
		Qualifier:    aws.String(t.Version),
		Payload:      payload,
	})
	if err != nil {
		return nil, fmt.Errorf("invoke version %s of function %s: %w", t.Version, t.FunctionName, err)
	}
	if out.FunctionError != nil {
		return out.Payload, fmt.Errorf("version %s of function %s returned a function error (%s): %s",
			t.Version, t.FunctionName, aws.ToString(out.FunctionError), clip(out.Payload, 512))
	}
	return out.Payload, nil
}

// Event is what CodeDeploy sends a lifecycle hook.
type Event struct {
	DeploymentID                  string `json:"DeploymentId"`
	LifecycleEventHookExecutionID string `json:"LifecycleEventHookExecutionId"`
}

// CodeDeployAPI is the part of *codedeploy.Client a hook uses.
type CodeDeployAPI interface {
	GetDeployment(ctx context.Context, in *codedeploy.GetDeploymentInput, optFns ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentOutput, error)
	GetApplicationRevision(ctx context.Context, in *codedeploy.GetApplicationRevisionInput, optFns ...func(*codedeploy.Options)) (*codedeploy.GetApplicationRevisionOutput, error)
	PutLifecycleEventHookExecutionStatus(ctx context.Context, in *codedeploy.PutLifecycleEventHookExecutionStatusInput, optFns ...func(*codedeploy.Options)) (*codedeploy.PutLifecycleEventHookExecutionStatusOutput, error)
}

// LambdaAPI is the part of *lambda.Client a hook uses.
type LambdaAPI interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var (
	_ CodeDeployAPI         = (*codedeploy.Client)(nil)
	_ LambdaAPI             = (*lambda.Client)(nil)
	_ lambdaruntime.Handler = (*Handler)(nil)
)

// Handler is a hook's Lambda handler. Start builds one; tests and callers
// that need their own clients build it directly.
type Handler struct {
	// Check runs the tests. Required.
	Check Check
	// CodeDeploy resolves the deployment and receives the status. Required.
	CodeDeploy CodeDeployAPI
	// Lambda invokes the version under test. Required.
	Lambda LambdaAPI
	// Margin is how long before the invocation's deadline the check is cut
	// off. Default: DefaultMargin, or half the remaining time when that is
	// shorter than twice the margin.
	Margin time.Duration
	// Log receives one line per step. Default: the standard logger, which
	// Lambda sends to the function's log group.
	Log func(msg string)
}

// New returns a Handler with clients built from cfg. Call it once, outside
// the handler, so every invocation reuses the clients.
func New(cfg aws.Config, check Check) *Handler {
	return &Handler{Check: check, CodeDeploy: codedeploy.NewFromConfig(cfg), Lambda: lambda.NewFromConfig(cfg)}
}

// Start runs check as the function's hook handler; it never returns. Call
// it from main.
func Start(check Check) {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("hook: load AWS configuration: %v", err)
	}
	lambdaruntime.Start(New(cfg, check))
}

// Invoke implements the aws-lambda-go Handler interface: it decodes the
// CodeDeploy event and calls Handle.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var ev Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("hook: the event is not a CodeDeploy lifecycle hook event (want {\"DeploymentId\": ..., \"LifecycleEventHookExecutionId\": ...}): %w", err)
	}
	return nil, h.Handle(ctx, ev)
}

// Handle tests the version of ev's deployment and reports the outcome. It
// returns nil once a status is reported, Failed included: CodeDeploy acts on
// the status, and an error would make Lambda retry the asynchronous
// invocation, which cannot report a second time. It returns an error when
// the event cannot be reported on or reporting fails.
func (h *Handler) Handle(ctx context.Context, ev Event) error {
	if ev.DeploymentID == "" || ev.LifecycleEventHookExecutionID == "" {
		return fmt.Errorf("hook: the event lacks DeploymentId or LifecycleEventHookExecutionId (got %+v); a hook must be invoked by CodeDeploy as the BeforeAllowTraffic or AfterAllowTraffic hook of a Lambda deployment", ev)
	}
	if h.Check == nil || h.CodeDeploy == nil || h.Lambda == nil {
		return errors.New("hook: Handler needs Check, CodeDeploy and Lambda")
	}
	checkCtx, cancel := h.checkContext(ctx)
	defer cancel()

	status := cdtypes.LifecycleEventStatusSucceeded
	t, err := h.resolve(checkCtx, ev)
	if err == nil {
		h.logf("testing version %s of function %s (alias %s, serving version %s) for deployment %s",
			t.Version, t.FunctionName, t.Alias, t.CurrentVersion, t.DeploymentID)
		err = h.run(checkCtx, t)
	}
	if err != nil {
		status = cdtypes.LifecycleEventStatusFailed
		h.logf("check failed: %v", err)
	}
	// Report with the invocation's context: the check's may be spent.
	if _, rerr := h.CodeDeploy.PutLifecycleEventHookExecutionStatus(ctx, &codedeploy.PutLifecycleEventHookExecutionStatusInput{
		DeploymentId:                  aws.String(ev.DeploymentID),
		LifecycleEventHookExecutionId: aws.String(ev.LifecycleEventHookExecutionID),
		Status:                        status,
	}); rerr != nil {
		return fmt.Errorf("hook: report %s for deployment %s: %w", status, ev.DeploymentID, rerr)
	}
	h.logf("reported %s for deployment %s", status, ev.DeploymentID)
	return nil
}

// checkContext returns ctx with a deadline Margin before ctx's own.
func (h *Handler) checkContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	margin := h.Margin
	if margin <= 0 {
		margin = DefaultMargin
	}
	if left := time.Until(deadline); left < 2*margin {
		margin = left / 2
	}
	return context.WithDeadline(ctx, deadline.Add(-margin))
}

// run runs the check, turning a panic or a missed deadline into an error.
func (h *Handler) run(ctx context.Context, t Target) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				h.logf("check panicked: %v\n%s", r, debug.Stack())
				done <- fmt.Errorf("check panicked: %v", r)
			}
		}()
		done <- h.Check(ctx, t)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		// A check that ignores ctx keeps running; the report must not wait.
		return fmt.Errorf("check did not finish before the hook's deadline: %w", ctx.Err())
	}
}

// resolve reads the deployment's AppSpec to find the version under test.
func (h *Handler) resolve(ctx context.Context, ev Event) (Target, error) {
	out, err := h.CodeDeploy.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: aws.String(ev.DeploymentID)})
	if err != nil {
		return Target{}, fmt.Errorf("get deployment %s: %w", ev.DeploymentID, err)
	}
	info := out.DeploymentInfo
	if info == nil || info.Revision == nil {
		return Target{}, fmt.Errorf("deployment %s has no revision", ev.DeploymentID)
	}
	content := appSpecContent(info.Revision)
	if content == "" {
		rev, err := h.CodeDeploy.GetApplicationRevision(ctx, &codedeploy.GetApplicationRevisionInput{
			ApplicationName: info.ApplicationName,
			Revision:        info.Revision,
		})
		if err != nil {
			return Target{}, fmt.Errorf("get the revision of deployment %s: %w", ev.DeploymentID, err)
		}
		content = appSpecContent(rev.Revision)
	}
	if content == "" {
		return Target{}, fmt.Errorf("deployment %s has no AppSpec content (revision type %s); hooks test Lambda deployments whose revision is an AppSpec",
			ev.DeploymentID, info.Revision.RevisionType)
	}
	spec, err := rollout.ParseAppSpec(content)
	if err != nil {
		return Target{}, fmt.Errorf("deployment %s: %w", ev.DeploymentID, err)
	}
	p, err := spec.Function()
	if err != nil {
		return Target{}, fmt.Errorf("deployment %s: %w", ev.DeploymentID, err)
	}
	return Target{
		FunctionName:   p.Name,
		Alias:          p.Alias,
		Version:        p.TargetVersion,
		CurrentVersion: p.CurrentVersion,
		DeploymentID:   ev.DeploymentID,
		lambda:         h.Lambda,
	}, nil
}

func appSpecContent(rev *cdtypes.RevisionLocation) string {
	switch {
	case rev == nil:
		return ""
	case rev.AppSpecContent != nil && aws.ToString(rev.AppSpecContent.Content) != "":
		return aws.ToString(rev.AppSpecContent.Content)
	case rev.String_ != nil:
		// The deprecated String revision type, still used by older tooling.
		return aws.ToString(rev.String_.Content)
	}
	return ""
}

func (h *Handler) logf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if h.Log != nil {
		h.Log(msg)
		return
	}
	log.Print(msg)
}

func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
