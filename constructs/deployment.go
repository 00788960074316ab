package constructs

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/codedeploy"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/awsregions"
	"github.com/kumo-iac/kumo/internal/plugin"
)

// DeploymentPreference is how CodeDeploy shifts an alias's traffic to a new
// version, in the vocabulary SAM and the CDK use: AllAtOnce,
// Canary<P>Percent<M>Minutes (P % first, the rest after M minutes) or
// Linear<P>PercentEvery<M>Minutes (P % more every M minutes). The
// built-in configurations are used as they are; any other percent and
// interval creates a custom CodeDeploy deployment configuration.
type DeploymentPreference string

// The deployment preferences CodeDeploy has built in.
const (
	AllAtOnce                     DeploymentPreference = "AllAtOnce"
	Canary10Percent5Minutes       DeploymentPreference = "Canary10Percent5Minutes"
	Canary10Percent10Minutes      DeploymentPreference = "Canary10Percent10Minutes"
	Canary10Percent15Minutes      DeploymentPreference = "Canary10Percent15Minutes"
	Canary10Percent30Minutes      DeploymentPreference = "Canary10Percent30Minutes"
	Linear10PercentEvery1Minute   DeploymentPreference = "Linear10PercentEvery1Minute"
	Linear10PercentEvery2Minutes  DeploymentPreference = "Linear10PercentEvery2Minutes"
	Linear10PercentEvery3Minutes  DeploymentPreference = "Linear10PercentEvery3Minutes"
	Linear10PercentEvery10Minutes DeploymentPreference = "Linear10PercentEvery10Minutes"

	// DefaultDeploymentPreference is the canary production stacks get.
	DefaultDeploymentPreference = Canary10Percent5Minutes
	// maxShiftIntervalMinutes is CodeDeploy's limit for one traffic step.
	maxShiftIntervalMinutes = 2880
)

var builtinPreferences = []DeploymentPreference{AllAtOnce, Canary10Percent5Minutes, Canary10Percent10Minutes,
	Canary10Percent15Minutes, Canary10Percent30Minutes, Linear10PercentEvery1Minute, Linear10PercentEvery2Minutes,
	Linear10PercentEvery3Minutes, Linear10PercentEvery10Minutes}

var (
	canaryPreference = regexp.MustCompile(`^Canary(\d+)Percent(\d+)Minutes?$`)
	linearPreference = regexp.MustCompile(`^Linear(\d+)PercentEvery(\d+)Minutes?$`)
)

// shift is a parsed preference: kind "AllAtOnce", "TimeBasedCanary" or
// "TimeBasedLinear".
type shift struct {
	kind            string
	percent, minute int
}

// parse checks p and returns its traffic shift.
func (p DeploymentPreference) parse() (shift, error) {
	if p == AllAtOnce {
		return shift{kind: "AllAtOnce"}, nil
	}
	kind, m := "TimeBasedCanary", canaryPreference.FindStringSubmatch(string(p))
	if m == nil {
		kind, m = "TimeBasedLinear", linearPreference.FindStringSubmatch(string(p))
	}
	if m == nil {
		return shift{}, fmt.Errorf("%q is not a deployment preference; use AllAtOnce, Canary<P>Percent<M>Minutes or Linear<P>PercentEvery<M>Minutes (e.g. %s)", p, Canary10Percent5Minutes)
	}
	percent, _ := strconv.Atoi(m[1])
	minutes, _ := strconv.Atoi(m[2])
	if percent < 1 || percent > 99 {
		return shift{}, fmt.Errorf("%q shifts %d %%; use 1–99", p, percent)
	}
	if minutes < 1 || minutes > maxShiftIntervalMinutes {
		return shift{}, fmt.Errorf("%q waits %d minutes; use 1–%d", p, minutes, maxShiftIntervalMinutes)
	}
	return shift{kind: kind, percent: percent, minute: minutes}, nil
}

// builtin reports whether CodeDeploy has p as CodeDeployDefault.Lambda<p>.
func (p DeploymentPreference) builtin() bool { return slices.Contains(builtinPreferences, p) }

// Validate reports a preference CodeDeploy cannot run.
func (p DeploymentPreference) Validate() error {
	_, err := p.parse()
	return err
}

// ReleasesArgs configure a stack's Releases.
type ReleasesArgs struct {
	// DefaultPreference applies to functions that set none.
	// Default: Canary10Percent5Minutes.
	DefaultPreference DeploymentPreference
	// Region is where the releases act: the region of the provider the
	// Releases is registered with (pulumi.Provider), which the stack's
	// aws:region does not tell. Each kumo:index:Release calls CodeDeploy and
	// Lambda in it, and the alarms CodeDeploy reads are named in it.
	// CodeDeploy applications, deployment groups and Lambda aliases are
	// regional, so a function in another region needs a Releases of its own
	// there. Default: "" (the stack's aws:region).
	Region string
}

// Releases is the stack's CodeDeploy application and the service role
// CodeDeploy uses to shift function aliases. Functions given Releases roll
// every new version out through a deployment group of their own, watched by
// alarms that roll it back.
type Releases struct {
	pulumi.ResourceState

	ctx  *pulumi.Context
	name string
	args ReleasesArgs

	// Application is the CodeDeploy application (compute platform Lambda).
	Application *codedeploy.Application
	// ApplicationName is "<project>-<stack>", the name kumo canary status looks for.
	ApplicationName string

	configs map[DeploymentPreference]pulumi.StringInput
	// aws is the Release input carrying the stack's AWS settings, or nil.
	aws pulumi.Input
}

// NewReleases registers the stack's CodeDeploy application and service role.
func NewReleases(ctx *pulumi.Context, name string, args *ReleasesArgs, opts ...pulumi.ResourceOption) (*Releases, error) {
	if args == nil {
		args = &ReleasesArgs{}
	}
	a := *args
	a.DefaultPreference = orDefault(a.DefaultPreference, DefaultDeploymentPreference)
	var errs *multierror.Error
	if err := a.DefaultPreference.Validate(); err != nil {
		errs = multierror.Append(errs, fmt.Errorf("DefaultPreference: %w", err))
	}
	if a.Region != "" && !awsregions.Known(a.Region) {
		errs = multierror.Append(errs, fmt.Errorf("Region: %q is not an AWS region (%s); leave it empty for the stack's aws:region", a.Region, awsregions.Source))
	}
	aws, err := stackAWSSettings(ctx)
	if err != nil {
		errs = multierror.Append(errs, err)
	}
	if err := invalid(fmt.Sprintf("releases %q", name), errs); err != nil {
		return nil, err
	}
	// Every kumo:index:Release of the stack hangs off Releases, and the
	// engine starts the provider plugin at the first one, so building it
	// here puts the plugin of the go.mod's kumo version in place in time.
	// Under mocks (kumo synth, unit tests) it builds nothing.
	if _, err := plugin.Ensure(ctx); err != nil {
		return nil, fmt.Errorf("releases %q: %w", name, err)
	}
	r := &Releases{ctx: ctx, name: name, args: a, ApplicationName: ctx.Project() + "-" + ctx.Stack(),
		configs: map[DeploymentPreference]pulumi.StringInput{}, aws: aws}
	if err := ctx.RegisterComponentResource("kumo:constructs:Releases", name, r, opts...); err != nil {
		return nil, err
	}
	if r.Application, err = codedeploy.NewApplication(ctx, name, &codedeploy.ApplicationArgs{
		Name:            pulumi.String(r.ApplicationName),
		ComputePlatform: pulumi.String("Lambda"),
	}, pulumi.Parent(r)); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{"applicationName": r.Application.Name}); err != nil {
		return nil, err
	}
	return r, nil
}

// DefaultPreference is the preference functions that set none get, so a
// second region's Releases can roll out like the first.
func (r *Releases) DefaultPreference() DeploymentPreference { return r.args.DefaultPreference }

// region is where the releases act: Region, else the stack's aws:region.
func (r *Releases) region() string {
	if r.args.Region != "" {
		return r.args.Region
	}
	return region(r.ctx)
}

// configName returns the CodeDeploy deployment configuration for p,
// creating a custom one the first time a non-built-in preference is used.
func (r *Releases) configName(p DeploymentPreference) (pulumi.StringInput, error) {
	if p.builtin() {
		return pulumi.String("CodeDeployDefault.Lambda" + string(p)), nil
	}
	if name, ok := r.configs[p]; ok {
		return name, nil
	}
	s, err := p.parse()
	if err != nil {
		return nil, err
	}
	routing := &codedeploy.DeploymentConfigTrafficRoutingConfigArgs{Type: pulumi.String(s.kind)}
	step := struct{ percent, interval pulumi.IntInput }{pulumi.Int(s.percent), pulumi.Int(s.minute)}
	if s.kind == "TimeBasedCanary" {
		routing.TimeBasedCanary = &codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedCanaryArgs{Percentage: step.percent, Interval: step.interval}
	} else {
		routing.TimeBasedLinear = &codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedLinearArgs{Percentage: step.percent, Interval: step.interval}
	}
	cfg, err := codedeploy.NewDeploymentConfig(r.ctx, r.name+"-"+string(p), &codedeploy.DeploymentConfigArgs{
		DeploymentConfigName: pulumi.Sprintf("%s-%s", r.ApplicationName, p),
		ComputePlatform:      pulumi.String("Lambda"),
		TrafficRoutingConfig: routing,
	}, pulumi.Parent(r))
	if err != nil {
		return nil, err
	}
	r.configs[p] = cfg.DeploymentConfigName
	return cfg.DeploymentConfigName, nil
}
