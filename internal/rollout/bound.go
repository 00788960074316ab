package rollout

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The release follows its own deployment for as long as the deployment
// config needs to shift all traffic, plus the hooks' time, plus
// FollowMargin; past that the deployment is stuck, and the release fails
// with a *FollowTimeoutError instead of holding `pulumi up` for ever.
const (
	// FollowMargin is added to the time a deployment needs: CodeDeploy takes
	// a while to start a deployment (Created, Queued) and to finish it after
	// the last traffic step, and the release sees each change up to a poll
	// interval late.
	FollowMargin = 15 * time.Minute
	// DefaultShiftDuration is the traffic-shifting time assumed when the
	// deployment config's name does not tell it: the deployment group's own
	// config (DeploymentConfigName empty) or a custom config kumo did not
	// name. It covers every built-in Lambda config, the longest of which,
	// Linear10PercentEvery10Minutes, shifts for 100 minutes.
	DefaultShiftDuration = 2 * time.Hour
	// hookTimeout is how long CodeDeploy waits for a lifecycle hook to
	// report its status before failing the deployment: one hour.
	hookTimeout = time.Hour
)

var (
	// The traffic-shifting vocabulary of SAM and the CDK, which the built-in
	// configs (CodeDeployDefault.Lambda<shift>) and the custom configs kumo
	// creates (<application>-<shift>, see constructs.Releases) both use.
	canaryShiftRE = regexp.MustCompile(`^Canary(\d+)Percent(\d+)Minutes?$`)
	linearShiftRE = regexp.MustCompile(`^Linear(\d+)PercentEvery(\d+)Minutes?$`)
)

// shiftDuration returns how long the deployment config named config takes
// to shift all traffic, read from its name; false when the name does not
// say. A canary waits one interval. A linear config moves percent at the
// start of each of ⌈100/percent⌉ increments; counting an interval for each
// increment errs one interval long, which is the safe side for a bound.
func shiftDuration(config string) (time.Duration, bool) {
	shift := config
	if s, ok := strings.CutPrefix(config, builtinPrefix); ok {
		shift = s
	} else if i := strings.LastIndex(config, "-"); i >= 0 {
		shift = config[i+1:]
	}
	if shift == "AllAtOnce" {
		return 0, true
	}
	m := canaryShiftRE.FindStringSubmatch(shift)
	linear := m == nil
	if linear {
		m = linearShiftRE.FindStringSubmatch(shift)
	}
	if m == nil {
		return 0, false
	}
	percent, err1 := strconv.Atoi(m[1])
	minutes, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil || percent < 1 || percent > 100 || minutes < 1 {
		return 0, false
	}
	steps := 1
	if linear {
		steps = (100 + percent - 1) / percent
	}
	return time.Duration(steps*minutes) * time.Minute, true
}

// followBound returns how long the release follows its own deployment, and
// what that time is made of, for the error that reports it.
func (in Inputs) followBound() (time.Duration, string) {
	shift, known := shiftDuration(in.DeploymentConfigName)
	var why string
	if known {
		why = fmt.Sprintf("%s of traffic shifting with %s", shift, in.DeploymentConfigName)
	} else {
		shift = DefaultShiftDuration
		why = fmt.Sprintf("%s of traffic shifting assumed for %s", shift, preference(in))
		if in.DeploymentConfigName != "" {
			why += ", whose name does not say"
		}
	}
	hooks := 0
	for _, h := range []string{in.PreTrafficHook, in.PostTrafficHook} {
		if h != "" {
			hooks++
		}
	}
	switch hooks {
	case 0:
	case 1:
		why += fmt.Sprintf(", %s for its hook", hookTimeout)
	default:
		why += fmt.Sprintf(", %s for each of %d hooks", hookTimeout, hooks)
	}
	why += fmt.Sprintf(" and a %s margin", FollowMargin)
	return shift + time.Duration(hooks)*hookTimeout + FollowMargin, why
}
