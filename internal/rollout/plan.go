package rollout

import (
	"fmt"
	"strconv"
	"strings"
)

// ChangedFields lists, as Go field names, what differs between the recorded
// state and new inputs (both with defaults applied), for the provider's
// detailed diff. "Version" is listed when a refresh found the alias no
// longer serving the published version, which the next update repairs.
func ChangedFields(old State, in Inputs) []string {
	o, n := old.Inputs.WithDefaults(), in.WithDefaults()
	var out []string
	for _, f := range []struct {
		name     string
		old, new string
	}{
		{"FunctionName", o.FunctionName, n.FunctionName},
		{"AliasName", o.AliasName, n.AliasName},
		{"Fingerprint", o.Fingerprint, n.Fingerprint},
		{"DeploymentConfigName", o.DeploymentConfigName, n.DeploymentConfigName},
		{"ApplicationName", o.ApplicationName, n.ApplicationName},
		{"DeploymentGroupName", o.DeploymentGroupName, n.DeploymentGroupName},
		{"PreTrafficHook", o.PreTrafficHook, n.PreTrafficHook},
		{"PostTrafficHook", o.PostTrafficHook, n.PostTrafficHook},
		{"WaitTimeoutSeconds", strconv.Itoa(o.WaitTimeoutSeconds), strconv.Itoa(n.WaitTimeoutSeconds)},
	} {
		if f.old != f.new {
			out = append(out, f.name)
		}
	}
	if old.drifted() {
		out = append(out, "Version")
	}
	return out
}

// replaceFields are the fields that identify the alias: changing one makes
// a different alias, so the release is replaced (create, then delete).
var replaceFields = map[string]bool{"FunctionName": true, "AliasName": true}

// Diff says whether new inputs change the release and whether the change
// needs a replacement (another function or alias name). The fingerprint,
// deployment settings and hooks change it in place, as does drift found by
// a refresh. Diff is pure.
func (e *Engine) Diff(old State, in Inputs) (changed, replace bool) {
	for _, f := range ChangedFields(old, in) {
		changed = true
		replace = replace || replaceFields[f]
	}
	return changed, replace
}

// PlanAction is what an update would do to the alias.
type PlanAction string

const (
	// ActionCreate publishes a version and creates the alias on it (or
	// adopts an existing alias and deploys to it).
	ActionCreate PlanAction = "create"
	// ActionPublishAndShift publishes a version and shifts the alias to it
	// through CodeDeploy.
	ActionPublishAndShift PlanAction = "publish-and-shift"
	// ActionNoop moves no traffic; at most new settings are recorded.
	ActionNoop PlanAction = "noop"
)

// Plan is what a create or update would do, for `pulumi preview`.
type Plan struct {
	Action       PlanAction
	FunctionName string
	AliasName    string
	// From is the version the alias serves according to the recorded state;
	// empty on create.
	From string
	// To is the version the update is expected to deploy: the next version
	// number after the recorded published version when the fingerprint
	// changed (Lambda assigns the real number, and returns the current one
	// if neither code nor configuration really changed), the recorded
	// published version when only drift is repaired, empty when unknown.
	To string
	// Preference is the deployment config that will shift traffic.
	Preference      string
	PreTrafficHook  string
	PostTrafficHook string
	// Reason says why this is the action.
	Reason string
}

// String renders the plan as one preview line.
func (p Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: alias %s of function %s", p.Action, p.AliasName, p.FunctionName)
	switch p.Action {
	case ActionCreate:
		b.WriteString(" on a newly published version")
	case ActionPublishAndShift:
		to := p.To
		if to == "" {
			to = "a newly published version"
		}
		fmt.Fprintf(&b, ", version %s → %s with %s", p.From, to, p.Preference)
		if p.PreTrafficHook != "" {
			fmt.Fprintf(&b, ", pre-traffic hook %s", p.PreTrafficHook)
		}
		if p.PostTrafficHook != "" {
			fmt.Fprintf(&b, ", post-traffic hook %s", p.PostTrafficHook)
		}
	case ActionNoop:
		fmt.Fprintf(&b, " stays on version %s", p.From)
	}
	if p.Reason != "" {
		fmt.Fprintf(&b, " (%s)", p.Reason)
	}
	return b.String()
}

// Plan says what Create (old == nil) or Update would do, from the recorded
// state alone. It makes no call: a preview touches nothing.
func (e *Engine) Plan(old *State, in Inputs) Plan {
	in = in.WithDefaults()
	p := Plan{
		FunctionName:    in.FunctionName,
		AliasName:       in.AliasName,
		Preference:      preference(in),
		PreTrafficHook:  in.PreTrafficHook,
		PostTrafficHook: in.PostTrafficHook,
	}
	if old == nil {
		p.Action, p.Reason = ActionCreate, "new release"
		return p
	}
	if _, replace := e.Diff(*old, in); replace {
		p.Action = ActionCreate
		p.Reason = fmt.Sprintf("replaces the release of alias %s of function %s", old.WithDefaults().AliasName, old.FunctionName)
		return p
	}
	p.From = old.Version
	switch {
	case in.Fingerprint != old.Fingerprint:
		p.Action, p.Reason = ActionPublishAndShift, "fingerprint changed"
		if n, err := strconv.Atoi(old.PublishedVersion); err == nil {
			p.To = strconv.Itoa(n + 1)
		}
	case old.drifted():
		p.Action, p.To = ActionPublishAndShift, old.PublishedVersion
		p.Reason = fmt.Sprintf("alias serves %s but the release published version %s", describeServing(old.Version, old.AdditionalVersionWeights), old.PublishedVersion)
	default:
		p.Action = ActionNoop
		if len(ChangedFields(*old, in)) > 0 {
			p.Reason = "fingerprint unchanged; new deployment settings apply to the next release"
		} else {
			p.Reason = "no change"
		}
	}
	return p
}
