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
