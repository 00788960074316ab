package constructs

import (
	"fmt"
	"regexp"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// allowName is the part of the inline policy's name Allow takes: the
// policy is named <function>-allow-<name>, and IAM policy names are
// [\w+=,.@-]{1,128} (https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html).
var allowName = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)

// Allow adds statements to the function's role for AWS APIs no kumo
// construct grants (EC2, Rekognition, STS): one inline policy named
// <function>-allow-<name>. Each statement names its actions and resources
// explicitly; a "*" resource needs WildcardReason, which kumo check records
// as the AwsSolutions-IAM5 suppression. Prefer a construct's Grant method
// wherever one exists.
func (f *Function) Allow(name string, statements ...Statement) error {
	var errs *multierror.Error
	if !allowName.MatchString(name) {
		errs = multierror.Append(errs, fmt.Errorf("name: %q must be 1–64 letters, digits or +=,.@_- (it names an IAM inline policy)", name))
	}
	if s := validateAllowStatements(statements, "the function"); s != nil {
		errs = multierror.Append(errs, s.Errors...)
	}
	if err := invalid(fmt.Sprintf("allow %q on function %q", name, f.name), errs); err != nil {
		return err
	}
	return f.addToRolePolicy("allow-"+name, statements...)
}

// AnyResource is the "*" resource, for actions without resource-level
// permissions (set the statement's WildcardReason).
var AnyResource = []pulumi.StringInput{pulumi.String("*")}
