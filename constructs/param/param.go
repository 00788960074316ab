// Package param is kumo's Systems Manager Parameter Store construct: a
// String parameter, optionally one the application writes at run time
// (kumo creates it and never resets its value), and grants that let a
// function read or write exactly that parameter. It is a package of its own
// so that programs without parameters do not link pulumi-aws's ssm package
// (issue 9).
package param

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

// Tier is a parameter's storage tier
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html).
type Tier string

// The tiers PutParameter takes.
const (
	// Standard holds values up to 4 KB, at no charge.
	Standard Tier = "Standard"
	// Advanced holds values up to 8 KB, charged per parameter and month.
	Advanced Tier = "Advanced"
	// IntelligentTiering stores a parameter as Standard while its value
	// fits in 4 KB and as Advanced above.
	IntelligentTiering Tier = "Intelligent-Tiering"
)

// Limits of PutParameter
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html).
const (
	// MaxStandardValueBytes and MaxAdvancedValueBytes: "Standard parameters
	// have a value limit of 4 KB. Advanced parameters have a value limit of
	// 8 KB."
	MaxStandardValueBytes = 4096
	MaxAdvancedValueBytes = 8192
	// maxNameLen: a name may have 1011 characters with the part of its ARN
	// before it (arn:aws:ssm:<region>:<account>:parameter/, at most 50 in
	// the commercial regions), so 960 fit in every one.
	maxNameLen        = 960
	maxLevels         = 15
	maxDescriptionLen = 1024
)

// Prefix is where every kumo parameter's name starts. The deploy role
// kumo's pipeline makes for each stage may manage SSM parameters only
// under it (patterns/pipeline roles.go: the ssm actions on
// arn:aws:ssm:*:*:parameter/kumo/*; README "Who may do what"), so a
// parameter named elsewhere would deploy from a laptop and then fail in the
// pipeline with AccessDeniedException. Checking it here fails the synth
// instead, before either.
const Prefix = "/kumo/"

// nameChars: "a-zA-Z0-9_.-" and "/" between hierarchy levels.
var nameChars = regexp.MustCompile(`^[a-zA-Z0-9_./-]+$`)

// Args configure a Parameter.
type Args struct {
	// Name is the parameter's full name, under Prefix, such as
	// "/kumo/shop/prod/keys" (the project and stack keep stacks sharing an
	// account and region apart): letters, digits, '_', '.', '-', and '/'
	// between hierarchy levels; at most 15 levels and 960 characters.
	// Required: the application finds the parameter by it.
	Name string
	// Description is shown in the Parameter Store console, at most 1024
	// characters. Default: none.
	Description string
	// Value is the parameter's String value, at most the tier's size.
	// Required.
	Value string
	// WrittenAtRunTime hands the value to the application: Value is only
	// what the parameter holds until the application first writes it, and
	// later deploys never reset it (the value's changes are ignored).
	// Default: false, deploys keep the value the program says.
	WrittenAtRunTime bool
	// Tier is Standard (values up to 4 KB), Advanced (8 KB, charged) or
	// Intelligent-Tiering. Default: Intelligent-Tiering, so that a value the
	// application writes may grow past 4 KB without an error.
	Tier Tier
}

func (a Args) withDefaults() Args {
	if a.Tier == "" {
		a.Tier = IntelligentTiering
	}
	return a
}

// maxValueBytes is the largest value the tier holds.
func (t Tier) maxValueBytes() int {
	if t == Standard {
		return MaxStandardValueBytes
	}
	return MaxAdvancedValueBytes
}

// NameProblem says what AWS would refuse in a parameter name, or "".
func NameProblem(n string) string {
	first := strings.ToLower(strings.TrimPrefix(n, "/"))
	switch {
	case n == "":
		return "is empty"
	case len(n) > maxNameLen:
		return fmt.Sprintf("has %d characters; at most %d fit with the parameter's ARN (1011) in every region", len(n), maxNameLen)
	case !nameChars.MatchString(n):
		return "may hold only letters, digits, '_', '.', '-', and '/' between levels"
	case strings.HasPrefix(first, "aws") || strings.HasPrefix(first, "ssm"):
		return `starts with "aws" or "ssm" (in any case), which AWS reserves`
	case strings.Contains(n, "/") && !strings.HasPrefix(n, "/"):
		return "has levels but no leading '/': write it /level/…/name"
	case strings.Count(strings.TrimPrefix(n, "/"), "/")+1 > maxLevels:
		return fmt.Sprintf("has %d levels; at most %d", strings.Count(strings.TrimPrefix(n, "/"), "/")+1, maxLevels)
	}
	return ""
}

// validate reports every problem with the args, defaults applied.
func (a Args) validate() *multierror.Error {
	var errs *multierror.Error
	add := func(format string, v ...any) { errs = multierror.Append(errs, fmt.Errorf(format, v...)) }
	if why := NameProblem(a.Name); why != "" {
		add("Name: %q %s (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html)", a.Name, why)
	} else if !strings.HasPrefix(a.Name, Prefix) || len(a.Name) == len(Prefix) {
		add("Name: %q is not under %s: the deploy role kumo's pipeline makes may manage only parameters named %s… "+
			"(arn:aws:ssm:*:*:parameter/kumo/*), so its deploy would be refused; name it %s<project>/<stack>/…", a.Name, Prefix, Prefix, Prefix)
	}
	if len(a.Description) > maxDescriptionLen {
		add("Description: %d characters; at most %d", len(a.Description), maxDescriptionLen)
	}
	switch a.Tier {
	case Standard, Advanced, IntelligentTiering:
		if a.Value == "" {
			add("Value: empty; set the parameter's value (with WrittenAtRunTime, what it holds until the application writes it)")
		} else if max := a.Tier.maxValueBytes(); len(a.Value) > max {
			add("Value: %d bytes; tier %s holds at most %d (use %s or %s for up to %d)", len(a.Value), a.Tier, max, Advanced, IntelligentTiering, MaxAdvancedValueBytes)
		}
	default:
		add("Tier: %q is not a tier; use %s, %s or %s", a.Tier, Standard, Advanced, IntelligentTiering)
	}
	return errs
}

// Validate reports every problem New would report for these args, without
// registering anything.
func (a Args) Validate(name string) error {
	return constructs.Invalid(fmt.Sprintf("parameter %q", name), a.withDefaults().validate())
}

// Parameter is a String parameter in Parameter Store.
type Parameter struct {
	pulumi.ResourceState

	name string

	// Parameter is the underlying resource, an escape hatch.
	Parameter *ssm.Parameter
	// Name is the parameter's full name, what the application reads and
	// writes it by.
	Name pulumi.StringOutput
	// Arn is the parameter's ARN, what grants are scoped to.
	Arn pulumi.StringOutput
}

// New registers a String parameter.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Parameter, error) {
	if args == nil {
		args = &Args{}
	}
	a := args.withDefaults()
	if err := constructs.Invalid(fmt.Sprintf("parameter %q", name), a.validate()); err != nil {
		return nil, err
	}
	p := &Parameter{name: name}
	if err := ctx.RegisterComponentResource("kumo:constructs:Parameter", name, p, opts...); err != nil {
		return nil, err
	}
	childOpts := []pulumi.ResourceOption{pulumi.Parent(p)}
	if a.WrittenAtRunTime {
		// The application owns the value from its first write on: a deploy
		// that put Value back would undo it.
		childOpts = append(childOpts, pulumi.IgnoreChanges([]string{"insecureValue"}))
	}
	pa := &ssm.ParameterArgs{
		Name: pulumi.String(a.Name),
		Type: pulumi.String("String"),
		Tier: pulumi.String(string(a.Tier)),
		// insecureValue, not value: a String parameter's value is not a
		// secret (SecureString is for those), and a plain input lets synth,
		// diffs and previews show it.
		InsecureValue: pulumi.String(a.Value),
	}
	if a.Description != "" {
		pa.Description = pulumi.String(a.Description)
	}
	var err error
	if p.Parameter, err = ssm.NewParameter(ctx, name, pa, childOpts...); err != nil {
		return nil, err
	}
	p.Name, p.Arn = p.Parameter.Name, p.Parameter.Arn
	if err := ctx.RegisterResourceOutputs(p, pulumi.Map{"name": p.Name, "arn": p.Arn}); err != nil {
		return nil, err
	}
	return p, nil
}

// GrantRead lets fn read the parameter: ssm:GetParameter on its ARN alone.
// A String parameter needs no KMS permission.
func (p *Parameter) GrantRead(fn *constructs.Function) error {
	return fn.Allow("param-"+p.name+"-read", constructs.Statement{
		Sid: "ReadParameter", Actions: []string{"ssm:GetParameter"}, Resources: []pulumi.StringInput{p.Arn},
	})
}

// GrantReadWrite lets fn read and overwrite the parameter: ssm:GetParameter
// and ssm:PutParameter on its ARN alone
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html:
// both take the parameter resource type).
func (p *Parameter) GrantReadWrite(fn *constructs.Function) error {
	return fn.Allow("param-"+p.name+"-readwrite", constructs.Statement{
		Sid: "ReadWriteParameter", Actions: []string{"ssm:GetParameter", "ssm:PutParameter"}, Resources: []pulumi.StringInput{p.Arn},
	})
}
