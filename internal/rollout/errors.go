package rollout

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// ErrAliasNotFound is returned (wrapped) by Read when the alias no longer
// exists; the provider reports the resource as gone.
var ErrAliasNotFound = errors.New("alias not found")

// RolloutFailedError is returned when CodeDeploy ends the release's
// deployment as Failed or Stopped. Update then returns the old state, so the
// next update publishes (the same version, if nothing changed) and retries.
type RolloutFailedError struct {
	// DeploymentID is the CodeDeploy deployment that failed.
	DeploymentID string
	// Status is "Failed" or "Stopped".
	Status string
	// Code is CodeDeploy's ErrorInformation.Code, e.g. ALARM_ACTIVE,
	// HOOK_EXECUTION_FAILURE or MANUAL_STOP; empty when none was given.
	Code string
	// Message is CodeDeploy's ErrorInformation.Message.
	Message string
	// RolledBack is set when CodeDeploy reported a rollback.
	RolledBack bool
	// AliasName, ServingVersion and ServingWeights say what the alias serves
	// now, read after the deployment ended.
	AliasName      string
	ServingVersion string
	ServingWeights map[string]float64
	// TargetVersion is the version the deployment was moving to.
	TargetVersion string
}

func (e *RolloutFailedError) Error() string {
	var b strings.Builder
	if e.Status == "Stopped" {
		fmt.Fprintf(&b, "deployment %s was stopped", e.DeploymentID)
	} else {
		fmt.Fprintf(&b, "deployment %s failed", e.DeploymentID)
	}
	switch {
	case e.Code != "" && e.Message != "":
		fmt.Fprintf(&b, ": %s (%s)", e.Code, e.Message)
	case e.Code != "":
		fmt.Fprintf(&b, ": %s", e.Code)
	case e.Message != "":
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	switch {
	case e.Code == "HOOK_EXECUTION_FAILURE":
		b.WriteString("; a pre- or post-traffic hook reported Failed or did not report in time, see the hook function's logs")
	case e.Status == "Stopped" && e.Code == "":
		b.WriteString(" by a user or an API call")
	}
	if e.RolledBack {
		b.WriteString("; CodeDeploy rolled back:")
	} else {
		b.WriteString(";")
	}
	fmt.Fprintf(&b, " alias %s serves %s", e.AliasName, describeServing(e.ServingVersion, e.ServingWeights))
	fmt.Fprintf(&b, "; version %s stays published and the next update retries it", e.TargetVersion)
	return b.String()
}

// describeServing renders an alias's traffic split: "version 6", or
// "version 6 (90%) and version 7 (10%)".
func describeServing(version string, weights map[string]float64) string {
	if len(weights) == 0 {
		return "version " + version
	}
	rest := 1.0
	var extra []string
	for _, v := range slices.Sorted(maps.Keys(weights)) {
		rest -= weights[v]
		extra = append(extra, fmt.Sprintf("version %s (%s%%)", v, percent(weights[v])))
	}
	return fmt.Sprintf("version %s (%s%%) and %s", version, percent(rest), strings.Join(extra, " and "))
}

// DeploymentInProgressError is returned when another deployment of the
// group is still active after Inputs.WaitTimeoutSeconds.
type DeploymentInProgressError struct {
	DeploymentID        string
	DeploymentGroupName string
	// Status is the deployment's last seen status, e.g. InProgress.
	Status string
	// Waited is how long the release waited for it.
	Waited time.Duration
}

func (e *DeploymentInProgressError) Error() string {
	return fmt.Sprintf("deployment %s of group %s is still %s after %s; wait for it or stop it with: aws deploy stop-deployment --deployment-id %s",
		e.DeploymentID, e.DeploymentGroupName, e.Status, e.Waited, e.DeploymentID)
}

// AliasMissingError is returned when an update finds the alias deleted
// outside kumo and has no version to recreate it on: the state records none,
// or the recorded one no longer exists. Creating the alias on the new
// version instead would send it all traffic with no canary, hooks or alarms.
type AliasMissingError struct {
	FunctionName string
	AliasName    string
	// RecordedVersion is the version the state says the alias served; empty
	// when it says none.
	RecordedVersion string
	// TargetVersion is the version the update publishes.
	TargetVersion string
	// Err is why the alias could not be recreated on RecordedVersion, when
	// there is one.
	Err error
}

func (e *AliasMissingError) Error() string {
	var b strings.Builder
	b.WriteString(e.reason())
	fmt.Fprintf(&b, "; recreate it by hand on the version that should serve traffic (aws lambda create-alias --function-name %s --name %s --function-version <version>) and update again, which deploys version %s from it through CodeDeploy",
		e.FunctionName, e.AliasName, e.TargetVersion)
	fmt.Fprintf(&b, "; or set deploymentConfigName to AllAtOnce (the function's DeploymentPreference) for one update to create the alias directly on version %s, without hooks or alarms",
		e.TargetVersion)
	return b.String()
}

// reason says why the alias cannot be recreated, without the remedies.
func (e *AliasMissingError) reason() string {
	s := fmt.Sprintf("alias %s of function %s is missing (deleted outside kumo) and ", e.AliasName, e.FunctionName)
	if e.RecordedVersion == "" {
		return s + "the release has no version recorded as serving it"
	}
	s += fmt.Sprintf("version %s, the version the release last recorded it serving, no longer exists", e.RecordedVersion)
	if e.Err != nil {
		s += fmt.Sprintf(" (%v)", e.Err)
	}
	return s
}

func (e *AliasMissingError) Unwrap() error { return e.Err }

// FollowTimeoutError is returned when the release's own deployment is still
// active past the most it should take (see FollowMargin). CodeDeploy goes on
// with it; Update returns the old state, and the next update waits for the
// deployment like for any other one of the group.
type FollowTimeoutError struct {
	DeploymentID string
	// Status is the deployment's last seen status, e.g. InProgress.
	Status string
	// Waited is how long the release followed it.
	Waited time.Duration
	// Budget says what Waited is made of: traffic shifting, hooks, margin.
	Budget string
	// AliasName, ServingVersion and ServingWeights say what the alias
	// served at the last poll.
	AliasName      string
	ServingVersion string
	ServingWeights map[string]float64
}

func (e *FollowTimeoutError) Error() string {
	return fmt.Sprintf("deployment %s is still %s after %s, the most it should take: %s; alias %s serves %s; kumo stopped following it, but it continues in CodeDeploy: stop it and roll back with: aws deploy stop-deployment --deployment-id %s --auto-rollback-enabled",
		e.DeploymentID, e.Status, e.Waited, e.Budget, e.AliasName, describeServing(e.ServingVersion, e.ServingWeights), e.DeploymentID)
}
