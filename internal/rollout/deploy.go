package rollout

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// activeStatuses are the statuses of a deployment that still holds its group.
var activeStatuses = []cdtypes.DeploymentStatus{
	cdtypes.DeploymentStatusCreated,
	cdtypes.DeploymentStatusQueued,
	cdtypes.DeploymentStatusInProgress,
	cdtypes.DeploymentStatusReady,
}

// shift moves the alias to target through CodeDeploy, starting from what the
// alias really serves. recorded is the version the previous state says the
// alias serves ("" when there is none): drift from it is reported, and an
// alias deleted outside kumo is recreated on it. The returned State says
// what the alias serves, also on error.
func (e *Engine) shift(ctx context.Context, in Inputs, target, recorded string) (State, error) {
	st := State{Inputs: in, PublishedVersion: target}
	// One budget for everything this release waits on that it does not own,
	// including a deployment that starts between our wait and our create.
	deadline := e.clock().Now().Add(in.waitTimeout())
	for refused := 0; ; {
		if err := e.waitForGroup(ctx, in, deadline); err != nil {
			return st, err
		}
		alias, err := e.getAlias(ctx, in)
		if err != nil {
			return st, err
		}
		if alias == nil {
			alias, err = e.recreateAlias(ctx, in, recorded, target)
			if err != nil {
				return st, err
			}
			if alias == nil {
				return e.createAlias(ctx, in, target)
			}
		}
		current, weights := aws.ToString(alias.FunctionVersion), routing(alias.RoutingConfig)
		st.Version, st.AdditionalVersionWeights, st.AliasArn = current, weights, aws.ToString(alias.AliasArn)
		if recorded != "" && current != recorded {
			e.logf("alias %s serves version %s, not version %s as recorded: it was moved outside kumo; deploying from version %s",
				in.AliasName, current, recorded, current)
		}
		if len(weights) > 0 {
			// CodeDeploy shifts from an alias without routing. During a shift
			// the primary version is the one traffic came from, so going back
			// to it is what a rollback would do; if the primary is already the
			// target, the version that was serving alongside it is the safe base.
			base := current
			if base == target {
				for _, v := range slices.Sorted(maps.Keys(weights)) {
					if v != target {
						base = v
						break
					}
				}
			}
			e.logf("alias %s splits traffic between %s, left by an interrupted deployment; moving all traffic to version %s before deploying",
				in.AliasName, describeServing(current, weights), base)
			if _, err := e.Lambda.UpdateAlias(ctx, &lambda.UpdateAliasInput{
				FunctionName:    aws.String(in.FunctionName),
				Name:            aws.String(in.AliasName),
				FunctionVersion: aws.String(base),
				RoutingConfig:   &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}},
				RevisionId:      alias.RevisionId,
			}); err != nil {
				return st, fmt.Errorf("reset routing of alias %s of function %s to version %s: %w", in.AliasName, in.FunctionName, base, err)
			}
			current = base
			st.Version, st.AdditionalVersionWeights = base, nil
		}
		if current == target {
			e.logf("alias %s of function %s already serves version %s; nothing to deploy", in.AliasName, in.FunctionName, target)
			return st, nil
		}
		id, err := e.createDeployment(ctx, in, current, target)
		var busy *cdtypes.DeploymentLimitExceededException
		if errors.As(err, &busy) {
			// Another deployment started between our wait and our create,
			// or one ListDeployments does not show yet. Back off, then wait
			// for the group again: going straight back would be a hot loop
			// for as long as the listing lags.
			refused++
			now := e.clock().Now()
			if refused >= limitRetry.attempts || !now.Before(deadline) {
				return st, fmt.Errorf("another deployment kept group %s busy through %d attempts to create one; find it with: aws deploy list-deployments --application-name %s --deployment-group-name %s --include-only-statuses %s: %w",
					in.DeploymentGroupName, refused, in.ApplicationName, in.DeploymentGroupName, statusList(), err)
			}
			d := min(e.delay(limitRetry, refused-1), deadline.Sub(now))
			e.logf("another deployment holds group %s; retrying in %s (attempt %d of %d)", in.DeploymentGroupName, d, refused+1, limitRetry.attempts)
			if err := e.clock().Sleep(ctx, d); err != nil {
				return st, fmt.Errorf("wait for group %s: %w", in.DeploymentGroupName, err)
			}
			continue
		}
		if err != nil {
			return st, err
		}
		return e.follow(ctx, st, id, current, target)
	}
}

// recreateAlias handles an alias deleted outside kumo after the release
// created it. Creating it on the target, as a first release does, would give
// the target all traffic with no canary, hooks or alarms; so it is recreated
// on recorded, the version the state says it served — the last one known
// good — and shift deploys the target from there through CodeDeploy as usual.
// Without a recorded version that still exists it returns an
// *AliasMissingError, unless the deployment config is AllAtOnce: then there
// is no canary to lose, and it returns nil so the caller creates the alias
// directly on the target.
func (e *Engine) recreateAlias(ctx context.Context, in Inputs, recorded, target string) (*lambda.GetAliasOutput, error) {
	missing := &AliasMissingError{FunctionName: in.FunctionName, AliasName: in.AliasName, RecordedVersion: recorded, TargetVersion: target}
	if recorded != "" {
		out, err := e.Lambda.CreateAlias(ctx, &lambda.CreateAliasInput{
			FunctionName:    aws.String(in.FunctionName),
			Name:            aws.String(in.AliasName),
			FunctionVersion: aws.String(recorded),
			Description:     aws.String(aliasDescription),
		})
		switch {
		case isNotFound(err):
			missing.Err = err
		case err != nil:
			return nil, fmt.Errorf("recreate alias %s of function %s on version %s: %w", in.AliasName, in.FunctionName, recorded, err)
		default:
			e.logf("alias %s of function %s is missing (deleted outside kumo); recreated it on version %s, the version the release last recorded it serving, to deploy version %s from there through CodeDeploy",
				in.AliasName, in.FunctionName, recorded, target)
			return &lambda.GetAliasOutput{
				AliasArn:        out.AliasArn,
				FunctionVersion: out.FunctionVersion,
				RevisionId:      out.RevisionId,
				RoutingConfig:   out.RoutingConfig,
			}, nil
		}
	}
	if in.DeploymentConfigName != builtinPrefix+"AllAtOnce" {
		return nil, missing
	}
	e.logf("%s; the deployment config is %s, so creating it directly on version %s: no hooks or alarms ran",
		missing.reason(), in.DeploymentConfigName, target)
	return nil, nil
}

// waitForGroup returns once no deployment of the group is active, or a
// *DeploymentInProgressError at the deadline.
func (e *Engine) waitForGroup(ctx context.Context, in Inputs, deadline time.Time) error {
	var lastID, lastStatus string
	for {
		ids, err := e.activeDeployments(ctx, in)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			if lastID != "" {
				e.logf("deployment %s of group %s has finished", lastID, in.DeploymentGroupName)
			}
			return nil
		}
		id := ids[0]
		out, err := e.getDeployment(ctx, id)
		if err != nil {
			return fmt.Errorf("get deployment %s of group %s: %w", id, in.DeploymentGroupName, err)
		}
		status := "active"
		if out.DeploymentInfo != nil {
			status = string(out.DeploymentInfo.Status)
		}
		if id != lastID || status != lastStatus {
			e.logf("waiting up to %s for deployment %s of group %s (%s) to finish before deploying",
				in.waitTimeout(), id, in.DeploymentGroupName, status)
			lastID, lastStatus = id, status
		}
		now := e.clock().Now()
		if !now.Before(deadline) {
			return &DeploymentInProgressError{
				DeploymentID:        id,
				DeploymentGroupName: in.DeploymentGroupName,
				Status:              status,
				Waited:              in.waitTimeout(),
			}
		}
		if err := e.clock().Sleep(ctx, min(e.interval(), deadline.Sub(now))); err != nil {
			return fmt.Errorf("wait for deployment %s of group %s: %w", id, in.DeploymentGroupName, err)
		}
	}
}

// statusList renders activeStatuses as the AWS CLI takes them.
func statusList() string {
	s := make([]string, len(activeStatuses))
	for i, status := range activeStatuses {
		s[i] = string(status)
	}
	return strings.Join(s, " ")
}

func (e *Engine) activeDeployments(ctx context.Context, in Inputs) ([]string, error) {
	var ids []string
	var token *string
	for {
		var out *codedeploy.ListDeploymentsOutput
		err := e.retry(ctx, "list active deployments of group "+in.DeploymentGroupName, func() (err error) {
			out, err = e.CodeDeploy.ListDeployments(ctx, &codedeploy.ListDeploymentsInput{
				ApplicationName:     aws.String(in.ApplicationName),
				DeploymentGroupName: aws.String(in.DeploymentGroupName),
				IncludeOnlyStatuses: activeStatuses,
				NextToken:           token,
			})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list active deployments of group %s: %w", in.DeploymentGroupName, err)
		}
		ids = append(ids, out.Deployments...)
		if aws.ToString(out.NextToken) == "" {
			return ids, nil
		}
		token = out.NextToken
	}
}

// getDeployment reads a deployment, retrying throttles: a long canary polls
// it hundreds of times, so one throttled poll among them must not end the
// release.
func (e *Engine) getDeployment(ctx context.Context, id string) (*codedeploy.GetDeploymentOutput, error) {
	var out *codedeploy.GetDeploymentOutput
	err := e.retry(ctx, "get deployment "+id, func() (err error) {
		out, err = e.CodeDeploy.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: aws.String(id)})
		return err
	})
	return out, err
}

func (e *Engine) createDeployment(ctx context.Context, in Inputs, current, target string) (string, error) {
	content, sha, err := NewAppSpec(in, current, target).Content()
	if err != nil {
		return "", err
	}
	var config *string
	if in.DeploymentConfigName != "" {
		config = aws.String(in.DeploymentConfigName)
	}
	out, err := e.CodeDeploy.CreateDeployment(ctx, &codedeploy.CreateDeploymentInput{
		ApplicationName:      aws.String(in.ApplicationName),
		DeploymentGroupName:  aws.String(in.DeploymentGroupName),
		DeploymentConfigName: config,
		Description: aws.String(fmt.Sprintf("kumo release of function %s: alias %s, version %s → %s",
			in.FunctionName, in.AliasName, current, target)),
		Revision: &cdtypes.RevisionLocation{
			RevisionType:   cdtypes.RevisionLocationTypeAppSpecContent,
			AppSpecContent: &cdtypes.AppSpecContent{Content: aws.String(content), Sha256: aws.String(sha)},
		},
	})
	if err != nil {
		return "", fmt.Errorf("create deployment of alias %s of function %s (version %s → %s) in group %s: %w",
			in.AliasName, in.FunctionName, current, target, in.DeploymentGroupName, err)
	}
	id := aws.ToString(out.DeploymentId)
	e.logf("created deployment %s: alias %s of function %s, version %s → %s with %s",
		id, in.AliasName, in.FunctionName, current, target, preference(in))
	return id, nil
}

// follow polls the deployment until it ends, logging each change of status
// or traffic split, or until the most the deployment should take
// (Inputs.followBound) has passed: then it returns a *FollowTimeoutError.
//
// CodeDeploy does not report how much traffic a Lambda deployment has
// shifted (its DeploymentOverview counts the single "instance", not
// percentages), so the split comes from the alias itself: CodeDeploy moves
// traffic by setting the alias's AdditionalVersionWeights, which GetAlias
// returns at each poll.
func (e *Engine) follow(ctx context.Context, st State, id, current, target string) (State, error) {
	in := st.Inputs
	bound, budget := in.followBound()
	start := e.clock().Now()
	deadline := start.Add(bound)
	var last string
	for {
		out, err := e.getDeployment(ctx, id)
		if err != nil {
			return st, fmt.Errorf("get deployment %s (it continues in CodeDeploy): %w", id, err)
		}
		info := out.DeploymentInfo
		if info == nil {
			return st, fmt.Errorf("get deployment %s: CodeDeploy returned no deployment info", id)
		}
		alias, err := e.getAlias(ctx, in)
		if err != nil {
			return st, err
		}
		if alias == nil {
			return st, fmt.Errorf("alias %s of function %s disappeared during deployment %s", in.AliasName, in.FunctionName, id)
		}
		serving, weights := aws.ToString(alias.FunctionVersion), routing(alias.RoutingConfig)
		st.Version, st.AdditionalVersionWeights = serving, weights
		line := fmt.Sprintf("deployment %s %s: %s%% of traffic on version %s (alias %s), %s%% on version %s",
			id, info.Status, percent(share(target, serving, weights)), target, in.AliasName,
			percent(share(current, serving, weights)), current)
		if line != last {
			e.logf("%s", line)
			last = line
		}
		switch info.Status {
		case cdtypes.DeploymentStatusSucceeded:
			if serving != target || len(weights) > 0 {
				return st, fmt.Errorf("deployment %s succeeded but alias %s serves %s, not version %s; the next update retries",
					id, in.AliasName, describeServing(serving, weights), target)
			}
			st.LastDeploymentID = id
			return st, nil
		case cdtypes.DeploymentStatusFailed, cdtypes.DeploymentStatusStopped:
			ferr := &RolloutFailedError{
				DeploymentID:   id,
				Status:         string(info.Status),
				RolledBack:     info.RollbackInfo != nil,
				AliasName:      in.AliasName,
				ServingVersion: serving,
				ServingWeights: weights,
				TargetVersion:  target,
			}
			if ei := info.ErrorInformation; ei != nil {
				ferr.Code, ferr.Message = string(ei.Code), aws.ToString(ei.Message)
			}
			return st, ferr
		}
		now := e.clock().Now()
		if !now.Before(deadline) {
			return st, &FollowTimeoutError{
				DeploymentID:   id,
				Status:         string(info.Status),
				Waited:         now.Sub(start),
				Budget:         budget,
				AliasName:      in.AliasName,
				ServingVersion: serving,
				ServingWeights: weights,
			}
		}
		if err := e.clock().Sleep(ctx, min(e.interval(), deadline.Sub(now))); err != nil {
			return st, fmt.Errorf("stopped following deployment %s, which continues in CodeDeploy: %w", id, err)
		}
	}
}

// share is the fraction of the alias's traffic that goes to version v.
func share(v, primary string, weights map[string]float64) float64 {
	if v == primary {
		rest := 1.0
		for _, w := range weights {
			rest -= w
		}
		return rest
	}
	return weights[v]
}

// percent renders a fraction as a percentage with at most two decimals, so
// float noise (1-0.7) never shows.
func percent(f float64) string {
	return strconv.FormatFloat(math.Round(f*10000)/100, 'f', -1, 64)
}

func preference(in Inputs) string {
	if in.DeploymentConfigName == "" {
		return "the deployment group's deployment config"
	}
	return in.DeploymentConfigName
}
