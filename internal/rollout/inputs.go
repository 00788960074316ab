package rollout

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/go-multierror"
)

// Defaults applied to zero-valued Inputs fields.
const (
	// DefaultAliasName matches the alias the Function construct hands out.
	DefaultAliasName = "live"
	// DefaultWaitTimeoutSeconds bounds each wait for something outside the
	// release: the function's own update and another deployment of the group.
	DefaultWaitTimeoutSeconds = 900
	// MaxWaitTimeoutSeconds keeps a forgotten stuck deployment from holding
	// `pulumi up` for more than a day.
	MaxWaitTimeoutSeconds = 86400
)

// Inputs are the release resource's inputs. Struct tags give the provider
// property names; `,optional` marks the fields with a default.
type Inputs struct {
	// FunctionName is the name (not the ARN) of the function whose alias the
	// release moves. Changing it replaces the release. Required.
	FunctionName string `pulumi:"functionName"`
	// AliasName is the alias every event source invokes. Changing it
	// replaces the release. Default: "live".
	AliasName string `pulumi:"aliasName,optional"`
	// Fingerprint identifies the function revision to release: see
	// Fingerprint for what goes into it. A change publishes a version and
	// deploys it; an unchanged fingerprint makes no AWS call. Required.
	Fingerprint string `pulumi:"fingerprint"`
	// DeploymentConfigName is the CodeDeploy deployment config that shifts
	// traffic: a built-in Lambda config (CodeDeployDefault.LambdaCanary10Percent5Minutes),
	// its short SAM name (Canary10Percent5Minutes, normalized to the former)
	// or the name of a custom config. Default: the deployment group's own config.
	DeploymentConfigName string `pulumi:"deploymentConfigName,optional"`
	// ApplicationName is the CodeDeploy application (compute platform
	// Lambda) of the deployment group. Required.
	ApplicationName string `pulumi:"applicationName"`
	// DeploymentGroupName is the function's deployment group, which carries
	// the alarms and auto-rollback settings. Required.
	DeploymentGroupName string `pulumi:"deploymentGroupName"`
	// PreTrafficHook is the function CodeDeploy runs before any
	// traffic shifts (BeforeAllowTraffic): a name or ARN, optionally with
	// its alias. Default: none.
	PreTrafficHook string `pulumi:"preTrafficHook,optional"`
	// PostTrafficHook is the function CodeDeploy runs after all
	// traffic has shifted (AfterAllowTraffic). Default: none.
	PostTrafficHook string `pulumi:"postTrafficHook,optional"`
	// WaitTimeoutSeconds bounds each wait for something this release does
	// not own — the function finishing its own update, another deployment
	// of the group finishing — before the release fails naming it. It does
	// not bound the release's own deployment, whose length the deployment
	// config decides: that one is followed for as long as the config's
	// traffic shifting, up to an hour for each hook, and FollowMargin, then
	// the release fails naming it. Default: 900.
	WaitTimeoutSeconds int `pulumi:"waitTimeoutSeconds,optional"`
}

// State is the release resource's state: its inputs plus what the alias
// serves. Create and Update return it; the provider stores it as outputs.
type State struct {
	Inputs
	// Version is the version the alias serves (its primary version).
	Version string `pulumi:"version"`
	// PublishedVersion is the version published for Inputs.Fingerprint.
	// It differs from Version only after a refresh found the alias moved, or
	// after a failed adoption; the next update then deploys it again.
	PublishedVersion string `pulumi:"publishedVersion"`
	// AdditionalVersionWeights is the alias's routing config as a refresh
	// found it (version → fraction of traffic); empty when the alias sends
	// everything to Version.
	AdditionalVersionWeights map[string]float64 `pulumi:"additionalVersionWeights,optional"`
	// AliasArn is the alias's ARN, the invocation target of event sources.
	AliasArn string `pulumi:"aliasArn"`
	// LastDeploymentID is the CodeDeploy deployment that last moved the
	// alias for this release; empty when none has.
	LastDeploymentID string `pulumi:"lastDeploymentId,optional"`
}

// drifted reports whether the alias no longer serves exactly the published
// version, as a refresh may have found.
func (s State) drifted() bool {
	if s.PublishedVersion == "" {
		return false
	}
	return s.Version != s.PublishedVersion || len(s.AdditionalVersionWeights) > 0
}

// builtinShortNames are CodeDeploy's built-in Lambda deployment configs in
// the vocabulary of SAM and the CDK, in the order error messages list them.
var builtinShortNames = []string{
	"AllAtOnce",
	"Canary10Percent5Minutes", "Canary10Percent10Minutes",
	"Canary10Percent15Minutes", "Canary10Percent30Minutes",
	"Linear10PercentEvery1Minute", "Linear10PercentEvery2Minutes",
	"Linear10PercentEvery3Minutes", "Linear10PercentEvery10Minutes",
}

const builtinPrefix = "CodeDeployDefault.Lambda"

// WithDefaults returns in with every zero-valued optional field set to its
// default and a short deployment config name expanded. Create, Update, Plan
// and Diff apply it themselves; the provider may call it to show defaults.
func (in Inputs) WithDefaults() Inputs {
	if in.AliasName == "" {
		in.AliasName = DefaultAliasName
	}
	if in.WaitTimeoutSeconds == 0 {
		in.WaitTimeoutSeconds = DefaultWaitTimeoutSeconds
	}
	for _, n := range builtinShortNames {
		if in.DeploymentConfigName == n {
			in.DeploymentConfigName = builtinPrefix + n
		}
	}
	return in
}

func (in Inputs) waitTimeout() time.Duration {
	return time.Duration(in.WithDefaults().WaitTimeoutSeconds) * time.Second
}

var (
	functionNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	// hookRE accepts what CodeDeploy's AppSpec Hooks accept: a function
	// name or ARN, optionally qualified by an alias (kumo passes the hook's
	// live alias ARN, so hooks too run only published versions).
	hookRE      = regexp.MustCompile(`^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[a-zA-Z0-9_-]{1,64}(:[a-zA-Z0-9_-]{1,128})?$`)
	aliasNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)
	allDigitsRE = regexp.MustCompile(`^[0-9]+$`)
)

// InputError is one bad field of Inputs. Field is the Go field name; the
// provider property is the same name in lowerCamelCase.
type InputError struct {
	Field  string
	Value  string
	Reason string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("%s: %q %s", e.Field, e.Value, e.Reason)
}

// ValidationError lists every problem of an Inputs at once.
type ValidationError struct {
	Problems []error
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "invalid release inputs: %d %s:", len(e.Problems), noun)
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  * %s", p)
	}
	return b.String()
}

// Unwrap exposes each *InputError to errors.As.
func (e *ValidationError) Unwrap() []error { return e.Problems }

// Validate checks in (after defaults) without calling AWS and returns a
// *ValidationError listing every problem, or nil.
func (in Inputs) Validate() error {
	in = in.WithDefaults()
	var errs *multierror.Error
	bad := func(field, value, reason string) {
		errs = multierror.Append(errs, &InputError{Field: field, Value: value, Reason: reason})
	}
	fnName := func(field, v string, required bool) {
		switch {
		case v == "" && required:
			bad(field, v, "is required: pass the function's name")
		case v != "" && !functionNameRE.MatchString(v):
			bad(field, v, "is not a Lambda function name: use 1–64 letters, digits, '-' or '_' (the name, not the ARN)")
		}
	}

	fnName("FunctionName", in.FunctionName, true)
	if !aliasNameRE.MatchString(in.AliasName) || allDigitsRE.MatchString(in.AliasName) {
		bad("AliasName", in.AliasName, "must be 1–128 letters, digits, '-' or '_' and not only digits (digits name a version); default \"live\"")
	}
	if strings.TrimSpace(in.Fingerprint) == "" {
		bad("Fingerprint", in.Fingerprint, "is required: pass rollout.Fingerprint of the code hash and every versioned setting")
	}
	switch c := in.DeploymentConfigName; {
	case c == "":
	case strings.HasPrefix(c, "CodeDeployDefault."):
		if !isBuiltinLambdaConfig(c) {
			bad("DeploymentConfigName", c, "is not a built-in Lambda deployment config; use one of "+strings.Join(builtinNames(), ", ")+", a custom config's name, or leave it empty for the deployment group's config")
		}
	case len(c) > 100 || strings.ContainsAny(c, " \t\n"):
		bad("DeploymentConfigName", c, "is not a CodeDeploy deployment config name: use at most 100 characters without spaces")
	}
	for _, f := range []struct{ field, v, what string }{
		{"ApplicationName", in.ApplicationName, "CodeDeploy application (compute platform Lambda)"},
		{"DeploymentGroupName", in.DeploymentGroupName, "CodeDeploy deployment group of this function"},
	} {
		switch {
		case f.v == "":
			bad(f.field, f.v, "is required: pass the name of the "+f.what)
		case len(f.v) > 100:
			bad(f.field, f.v, "is longer than CodeDeploy's limit of 100 characters")
		}
	}
	hookRef := func(field, v string) {
		if v != "" && !hookRE.MatchString(v) {
			bad(field, v, "is not a Lambda function reference: use a function name, name:alias, or a function ARN (with its alias)")
		}
	}
	hookRef("PreTrafficHook", in.PreTrafficHook)
	hookRef("PostTrafficHook", in.PostTrafficHook)
	for _, h := range []struct{ field, v string }{
		{"PreTrafficHook", in.PreTrafficHook}, {"PostTrafficHook", in.PostTrafficHook},
	} {
		if h.v != "" && h.v == in.FunctionName {
			bad(h.field, h.v, "is the released function itself; a hook must be a separate function that tests it")
		}
	}
	if in.WaitTimeoutSeconds < 0 || in.WaitTimeoutSeconds > MaxWaitTimeoutSeconds {
		bad("WaitTimeoutSeconds", fmt.Sprint(in.WaitTimeoutSeconds), fmt.Sprintf("must be between 1 and %d, or 0 for the default of %d", MaxWaitTimeoutSeconds, DefaultWaitTimeoutSeconds))
	}
	if errs == nil {
		return nil
	}
	return &ValidationError{Problems: errs.Errors}
}

func isBuiltinLambdaConfig(name string) bool {
	for _, n := range builtinShortNames {
		if builtinPrefix+n == name {
			return true
		}
	}
	return false
}

func builtinNames() []string {
	out := make([]string, len(builtinShortNames))
	for i, n := range builtinShortNames {
		out[i] = builtinPrefix + n
	}
	return out
}
