package constructs

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
)

// ServiceRole is the role one AWS service assumes on behalf of a construct
// outside this package (a delivery stream, a state machine, a topic rule, a
// CodeBuild project, a CodePipeline pipeline), only for this account. It is a Grantee, so the grants of kumo's data
// constructs extend it (bucket.GrantReadWrite(role), key.GrantEncryptDecrypt(role),
// topic.GrantPublish(role)): each grant is one inline policy. Order the
// service's resource after Policies() when the service checks the role's
// access when it is created or first used.
type ServiceRole struct {
	r *pipelineRole

	mu     sync.Mutex
	allows int
}

// NewServiceRole creates the role service (e.g. "codebuild.amazonaws.com")
// may assume, under aws:SourceAccount, named after name and a child of
// parent (the construct that owns it; nil for the stack).
func NewServiceRole(ctx *pulumi.Context, name string, parent pulumi.Resource, service, description string) (*ServiceRole, error) {
	var errs *multierror.Error
	if !servicePrincipal.MatchString(service) {
		errs = multierror.Append(errs, fmt.Errorf("service: %q is not an AWS service principal; use the service's <name>.amazonaws.com, e.g. \"codebuild.amazonaws.com\"", service))
	}
	// IAM role descriptions: at most 1,000 characters
	// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
	if n := len([]rune(description)); n > 1000 {
		errs = multierror.Append(errs, fmt.Errorf("description: %d characters; IAM allows at most 1000", n))
	}
	if err := invalid(fmt.Sprintf("service role %q", name), errs); err != nil {
		return nil, err
	}
	r, err := newPipelineRole(ctx, name, parent, service, description)
	if err != nil {
		return nil, fmt.Errorf("service role %q: %w", name, err)
	}
	return &ServiceRole{r: r}, nil
}

// Role is the IAM role, an escape hatch (its ARN goes to the service).
func (r *ServiceRole) Role() *iam.Role { return r.r.role }

// Policies returns the inline policies granted so far, for DependsOn: a
// resource ordered after them finds its role able to do what it was
// granted when it is created.
func (r *ServiceRole) Policies() []pulumi.Resource { return r.r.granted() }

// Allow adds statements for AWS APIs no kumo construct grants as one inline
// policy, <role>-allow (then -allow-2, -allow-3 in call order). The rules
// are Function.Allow's: actions named, no whole-service wildcard, resources
// named (a "*" with its WildcardReason, which kumo check records), no
// principal.
func (r *ServiceRole) Allow(statements ...Statement) error {
	if err := invalid(fmt.Sprintf("allow on service role %q", r.r.name), validateAllowStatements(statements, "the role's service")); err != nil {
		return err
	}
	r.mu.Lock()
	r.allows++
	grant := "allow"
	if r.allows > 1 {
		grant += "-" + strconv.Itoa(r.allows)
	}
	r.mu.Unlock()
	return r.r.addToRolePolicy(grant, statements...)
}

// AllowAs adds statements as one inline policy named <role>-<name>, under
// Allow's rules; a second call with the same name adds nothing, as a
// repeated grant does. Constructs outside this package use it for the
// grants they make themselves (a pipeline starting exactly its projects).
func (r *ServiceRole) AllowAs(name string, statements ...Statement) error {
	errs := validateAllowStatements(statements, "the role's service")
	if !allowName.MatchString(name) {
		errs = multierror.Append(errs, fmt.Errorf("name: %q must be 1–64 letters, digits or +=,.@_- (it names an IAM inline policy)", name))
	}
	if err := invalid(fmt.Sprintf("allow %q on service role %q", name, r.r.name), errs); err != nil {
		return err
	}
	return r.r.addToRolePolicy(name, statements...)
}

// addToRolePolicy implements Grantee.
func (r *ServiceRole) addToRolePolicy(grant string, statements ...Statement) error {
	return r.r.addToRolePolicy(grant, statements...)
}

// iamRole implements Grantee.
func (r *ServiceRole) iamRole() *iam.Role { return r.r.role }

// validateAllowStatements checks statements an Allow adds to a role's
// policy.
func validateAllowStatements(statements []Statement, caller string) *multierror.Error {
	var errs *multierror.Error
	if len(statements) == 0 {
		errs = multierror.Append(errs, fmt.Errorf("statements: none; give at least one"))
	}
	for i, s := range statements {
		if len(s.Actions) == 0 {
			errs = multierror.Append(errs, fmt.Errorf("statements[%d].Actions: none; name the API actions allowed", i))
		}
		for _, a := range s.Actions {
			if a == "*" || strings.HasSuffix(a, ":*") {
				errs = multierror.Append(errs, fmt.Errorf("statements[%d].Actions: %q allows a whole service; name the actions %s calls", i, a, caller))
			}
		}
		if len(s.Resources) == 0 {
			errs = multierror.Append(errs, fmt.Errorf("statements[%d].Resources: none; name the resources, or \"*\" with a WildcardReason where the actions have no resource-level permissions", i))
		}
		if s.Principal != nil {
			errs = multierror.Append(errs, fmt.Errorf("statements[%d].Principal: set; a role's policy names no principal", i))
		}
	}
	return errs
}

// NewAssumableRole creates a role that exactly the roles trusted (IAM role
// ARNs) may assume: a pipeline stage's deploy role, which the stage's
// builds assume to change the stage's resources. Like a ServiceRole it is
// a Grantee and has Allow.
func NewAssumableRole(ctx *pulumi.Context, name string, parent pulumi.Resource, trusted []pulumi.StringInput, description string) (*ServiceRole, error) {
	var errs *multierror.Error
	if n := len([]rune(description)); n > 1000 {
		errs = multierror.Append(errs, fmt.Errorf("description: %d characters; IAM allows at most 1000", n))
	}
	if len(trusted) == 0 {
		errs = multierror.Append(errs, fmt.Errorf("trusted: empty; name the roles that may assume it"))
	}
	if err := invalid(fmt.Sprintf("assumable role %q", name), errs); err != nil {
		return nil, err
	}
	arns := make([]any, len(trusted))
	for i, t := range trusted {
		arns[i] = t
	}
	trust := pulumi.All(arns...).ApplyT(func(vals []any) (string, error) {
		principals := make([]string, len(vals))
		for i, v := range vals {
			principals[i] = v.(string)
		}
		sort.Strings(principals)
		return policyJSONStatic(Statement{
			Principal: map[string][]string{"AWS": principals},
			Actions:   []string{"sts:AssumeRole", "sts:TagSession"},
		})
	}).(pulumi.StringOutput)
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.String(description),
		AssumeRolePolicy: trust,
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, fmt.Errorf("assumable role %q: %w", name, err)
	}
	return &ServiceRole{r: &pipelineRole{ctx: ctx, name: name, parent: parent, role: role, grants: map[string]bool{}}}, nil
}

// servicePrefix is an IAM service prefix (Service Authorization Reference:
// lower-case letters, digits and '-').
var servicePrefix = regexp.MustCompile(`^[a-z0-9-]{2,64}$`)

// AllowServices lets the role manage whole services ("<service>:*") on any
// resource, as one inline policy named name: what a deploy role needs to
// create, change and delete every resource of those services, and what
// nothing else in kumo may have (Allow refuses it). reason, for reviewers,
// is recorded as the accepted AwsSolutions-IAM5 finding of each action and
// of the "*" resource.
func (r *ServiceRole) AllowServices(name string, services []string, reason string) error {
	var errs *multierror.Error
	if !allowName.MatchString(name) {
		errs = multierror.Append(errs, fmt.Errorf("name: %q must be 1–64 letters, digits or +=,.@_- (it names an IAM inline policy)", name))
	}
	if len(services) == 0 {
		errs = multierror.Append(errs, fmt.Errorf("services: empty; name the IAM service prefixes, e.g. \"lambda\""))
	}
	for _, s := range services {
		if !servicePrefix.MatchString(s) {
			errs = multierror.Append(errs, fmt.Errorf("services: %q is not an IAM service prefix (lower-case letters, digits, '-')", s))
		}
	}
	if len(strings.TrimSpace(reason)) < check.MinReason {
		errs = multierror.Append(errs, fmt.Errorf("reason: %q; say in at least %d characters why the role needs whole services", reason, check.MinReason))
	}
	if err := invalid(fmt.Sprintf("services %q on role %q", name, r.r.name), errs); err != nil {
		return err
	}
	actions := make([]string, len(services))
	for i, s := range services {
		actions[i] = s + ":*"
	}
	st := Statement{Sid: "ManageServices", Actions: actions, Resources: []pulumi.StringInput{pulumi.String("*")}, WildcardReason: reason}
	if err := r.r.addToRolePolicy(name, st); err != nil {
		return err
	}
	policies := r.r.granted()
	return justifyActions(r.r.ctx, policies[len(policies)-1], actions, reason)
}
