package rollout

import (
	"context"
	"errors"
	"fmt"
	"github.com/aws/smithy-go"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// DefaultPollInterval is how often the engine polls when Engine.PollInterval
// is zero: often enough to show each traffic step of a canary, rarely
// enough to stay far below CodeDeploy's and Lambda's API rate limits.
const DefaultPollInterval = 10 * time.Second

// Engine performs releases. The zero value of every field but the two
// clients means "use the default".
type Engine struct {
	// Lambda is the Lambda client, usually a *lambda.Client. Required.
	Lambda LambdaAPI
	// CodeDeploy is the CodeDeploy client, usually a *codedeploy.Client. Required.
	CodeDeploy CodeDeployAPI
	// Log receives one line per step of a release and one per change of a
	// deployment's status or traffic split; the provider forwards them to the
	// Pulumi log. Default: lines are discarded.
	Log func(msg string)
	// Clock tells time and sleeps. Default: the system clock.
	Clock Clock
	// PollInterval is the pause between two polls of a deployment, the
	// deployment group or the function. Default: DefaultPollInterval.
	PollInterval time.Duration
	// Jitter picks the pause before retrying a throttled or transiently
	// failed call: a duration in [0, ceiling], where ceiling doubles with
	// each retry up to a cap (see backoff.go). Default: uniformly random
	// ("full jitter"), which spreads out clients throttled together.
	Jitter func(ceiling time.Duration) time.Duration
}

func (e *Engine) logf(format string, args ...any) {
	if e.Log != nil {
		e.Log(fmt.Sprintf(format, args...))
	}
}

func (e *Engine) clock() Clock {
	if e.Clock == nil {
		return realClock{}
	}
	return e.Clock
}

func (e *Engine) interval() time.Duration {
	if e.PollInterval <= 0 {
		return DefaultPollInterval
	}
	return e.PollInterval
}

func (e *Engine) ready() error {
	if e.Lambda == nil || e.CodeDeploy == nil {
		return errors.New("rollout engine needs both a Lambda and a CodeDeploy client")
	}
	return nil
}

// Create publishes a version and creates the alias on it. When the alias
// already exists (a function released before, or an import), Create adopts
// it: it deploys the new version through CodeDeploy from whatever version the
// alias serves, exactly as Update would.
//
// On error Create returns either the zero State (nothing was created) or,
// when an adopted alias's deployment failed, a State saying what the alias
// serves; the provider should record the latter as a partially created
// resource, whose next update retries the deployment.
func (e *Engine) Create(ctx context.Context, in Inputs) (State, error) {
	in = in.WithDefaults()
	if err := in.Validate(); err != nil {
		return State{}, err
	}
	if err := e.ready(); err != nil {
		return State{}, err
	}
	target, err := e.publish(ctx, in)
	if err != nil {
		return State{}, err
	}
	alias, err := e.getAlias(ctx, in)
	if err != nil {
		return State{}, err
	}
	if alias == nil {
		return e.createAlias(ctx, in, target)
	}
	e.logf("alias %s of function %s already exists on version %s; adopting it", in.AliasName, in.FunctionName, aws.ToString(alias.FunctionVersion))
	st, err := e.shift(ctx, in, target, "")
	if err != nil && st.Version == "" {
		return State{}, err
	}
	return st, err
}

// Update releases new inputs. When the fingerprint is unchanged and the
// alias serves the published version (as last read), it only records the new
// settings and makes no AWS call. Otherwise it publishes a version — Lambda
// returns the latest one when neither code nor configuration changed — and
// deploys it: after waiting for any active deployment of the group, it reads
// what the alias really serves, resets a routing config left by an
// interrupted deployment, does nothing when the alias already serves the
// version, and otherwise creates a CodeDeploy deployment from the alias's
// actual version and follows it to the end. An alias deleted outside kumo is
// recreated on the version the old state records it serving, the last one
// known good, and the new version is deployed from there like any other;
// without such a version Update fails with an *AliasMissingError (unless
// the deployment config is AllAtOnce, which has no canary to lose: then the
// alias is created directly on the new version).
//
// On any error Update returns old unchanged, so the provider keeps the
// previous state and the next update retries. A failed or stopped deployment
// is a *RolloutFailedError; a deployment of the group that stays active past
// WaitTimeoutSeconds is a *DeploymentInProgressError; the release's own
// deployment still active past the most its deployment config and hooks
// should take, plus FollowMargin, is a *FollowTimeoutError.
func (e *Engine) Update(ctx context.Context, old State, in Inputs) (State, error) {
	in = in.WithDefaults()
	if err := in.Validate(); err != nil {
		return old, err
	}
	if _, replace := e.Diff(old, in); replace {
		return old, fmt.Errorf("release of alias %s of function %s cannot become alias %s of function %s in place; it must be replaced",
			old.AliasName, old.FunctionName, in.AliasName, in.FunctionName)
	}
	if in.Fingerprint == old.Fingerprint && !old.drifted() {
		st := old
		st.Inputs = in
		return st, nil
	}
	if err := e.ready(); err != nil {
		return old, err
	}
	target, err := e.publish(ctx, in)
	if err != nil {
		return old, err
	}
	st, err := e.shift(ctx, in, target, old.Version)
	if err != nil {
		return old, err
	}
	if st.LastDeploymentID == "" {
		st.LastDeploymentID = old.LastDeploymentID
	}
	return st, nil
}

// Read reports what the alias really serves: its version, routing weights
// and ARN. When the alias is gone it returns an error wrapping
// ErrAliasNotFound.
func (e *Engine) Read(ctx context.Context, st State) (State, error) {
	in := st.Inputs.WithDefaults()
	if err := e.ready(); err != nil {
		return st, err
	}
	alias, err := e.getAlias(ctx, in)
	if err != nil {
		return st, err
	}
	if alias == nil {
		return st, fmt.Errorf("alias %s of function %s: %w", in.AliasName, in.FunctionName, ErrAliasNotFound)
	}
	st.Version = aws.ToString(alias.FunctionVersion)
	st.AdditionalVersionWeights = routing(alias.RoutingConfig)
	st.AliasArn = aws.ToString(alias.AliasArn)
	return st, nil
}

// Delete removes the alias; an alias that is already gone is not an error.
// Published versions stay: they are immutable history that goes away with
// the function.
func (e *Engine) Delete(ctx context.Context, st State) error {
	in := st.Inputs.WithDefaults()
	if err := e.ready(); err != nil {
		return err
	}
	_, err := e.Lambda.DeleteAlias(ctx, &lambda.DeleteAliasInput{
		FunctionName: aws.String(in.FunctionName),
		Name:         aws.String(in.AliasName),
	})
	switch {
	case isNotFound(err):
		e.logf("alias %s of function %s is already gone", in.AliasName, in.FunctionName)
		return nil
	case err != nil:
		return fmt.Errorf("delete alias %s of function %s: %w", in.AliasName, in.FunctionName, err)
	}
	e.logf("deleted alias %s of function %s", in.AliasName, in.FunctionName)
	return nil
}

// publish waits until the function is not being updated, then publishes a
// version and returns its number. Lambda rejects PublishVersion while an
// update is in progress, so both the status check and a conflict on publish
// lead to a wait bounded by WaitTimeoutSeconds.
func (e *Engine) publish(ctx context.Context, in Inputs) (string, error) {
	deadline := e.clock().Now().Add(in.waitTimeout())
	var waitingFor, logged string
	for {
		var cfg *lambda.GetFunctionConfigurationOutput
		err := e.retry(ctx, "get configuration of function "+in.FunctionName, func() (err error) {
			cfg, err = e.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{
				FunctionName: aws.String(in.FunctionName),
			})
			return err
		})
		if err != nil {
			return "", fmt.Errorf("get configuration of function %s: %w", in.FunctionName, err)
		}
		switch {
		case cfg.State == lambdatypes.StateFailed:
			return "", fmt.Errorf("function %s is in state Failed (%s: %s); fix the function before it can be released",
				in.FunctionName, cfg.StateReasonCode, aws.ToString(cfg.StateReason))
		case cfg.LastUpdateStatus == lambdatypes.LastUpdateStatusFailed:
			return "", fmt.Errorf("the last update of function %s failed (%s: %s); fix the function before it can be released",
				in.FunctionName, cfg.LastUpdateStatusReasonCode, aws.ToString(cfg.LastUpdateStatusReason))
		case cfg.State == lambdatypes.StatePending:
			waitingFor = "state Pending"
		case cfg.LastUpdateStatus == lambdatypes.LastUpdateStatusInProgress:
			waitingFor = "update InProgress"
		default:
			out, err := e.Lambda.PublishVersion(ctx, &lambda.PublishVersionInput{
				FunctionName: aws.String(in.FunctionName),
				Description:  aws.String(truncate("kumo release "+in.Fingerprint, 256)),
			})
			var conflict *lambdatypes.ResourceConflictException
			switch {
			case errors.As(err, &conflict):
				waitingFor = "an update started before publishing"
			case err != nil:
				return "", fmt.Errorf("publish a version of function %s: %w", in.FunctionName, err)
			default:
				v := aws.ToString(out.Version)
				e.logf("published version %s of function %s", v, in.FunctionName)
				return v, nil
			}
		}
		now := e.clock().Now()
		if !now.Before(deadline) {
			return "", fmt.Errorf("function %s is still busy (%s) after %s; it cannot be published until its update finishes",
				in.FunctionName, waitingFor, in.waitTimeout())
		}
		if waitingFor != logged {
			e.logf("waiting for function %s (%s) before publishing", in.FunctionName, waitingFor)
			logged = waitingFor
		}
		if err := e.clock().Sleep(ctx, min(e.interval(), deadline.Sub(now))); err != nil {
			return "", fmt.Errorf("wait for function %s: %w", in.FunctionName, err)
		}
	}
}

// getAlias returns the alias, or nil when it does not exist.
func (e *Engine) getAlias(ctx context.Context, in Inputs) (*lambda.GetAliasOutput, error) {
	var out *lambda.GetAliasOutput
	err := e.retry(ctx, fmt.Sprintf("get alias %s of function %s", in.AliasName, in.FunctionName), func() (err error) {
		out, err = e.Lambda.GetAlias(ctx, &lambda.GetAliasInput{
			FunctionName: aws.String(in.FunctionName),
			Name:         aws.String(in.AliasName),
		})
		return err
	})
	var nf *lambdatypes.ResourceNotFoundException
	switch {
	case errors.As(err, &nf):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("get alias %s of function %s: %w", in.AliasName, in.FunctionName, err)
	}
	return out, nil
}

const aliasDescription = "Traffic alias released by kumo: CodeDeploy moves it from version to version."

func (e *Engine) createAlias(ctx context.Context, in Inputs, version string) (State, error) {
	out, err := e.Lambda.CreateAlias(ctx, &lambda.CreateAliasInput{
		FunctionName:    aws.String(in.FunctionName),
		Name:            aws.String(in.AliasName),
		FunctionVersion: aws.String(version),
		Description:     aws.String(aliasDescription),
	})
	if err != nil {
		return State{}, fmt.Errorf("create alias %s of function %s on version %s: %w", in.AliasName, in.FunctionName, version, err)
	}
	e.logf("created alias %s of function %s on version %s", in.AliasName, in.FunctionName, version)
	return State{
		Inputs:           in,
		Version:          version,
		PublishedVersion: version,
		AliasArn:         aws.ToString(out.AliasArn),
	}, nil
}

// routing copies an alias's additional version weights; nil when none.
func routing(cfg *lambdatypes.AliasRoutingConfiguration) map[string]float64 {
	if cfg == nil || len(cfg.AdditionalVersionWeights) == 0 {
		return nil
	}
	out := make(map[string]float64, len(cfg.AdditionalVersionWeights))
	for v, w := range cfg.AdditionalVersionWeights {
		out[v] = w
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// isNotFound reports Lambda's ResourceNotFoundException whether the SDK
// modelled it for the operation (GetAlias) or not (DeleteAlias, when the
// function itself is gone, arrives as a generic API error with that code).
func isNotFound(err error) bool {
	var nf *lambdatypes.ResourceNotFoundException
	var api smithy.APIError
	return errors.As(err, &nf) || errors.As(err, &api) && api.ErrorCode() == "ResourceNotFoundException"
}
