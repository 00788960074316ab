package analytics

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/internal/bridge"
)

// core is what this package uses of package constructs' internals (see
// constructs/internal/bridge).
var core = bridge.Constructs.(interface {
	AddToRolePolicy(g constructs.Grantee, grant string, statements ...constructs.Statement) error
	AssumeRolePolicy(service string) pulumi.StringOutput
	BucketArgs(b *constructs.Bucket) constructs.BucketArgs
	GrantRole(g constructs.Grantee) (*iam.Role, bool)
	KeyPrefixValid(prefix string) bool
	PolicyJSON(statements ...constructs.Statement) pulumi.StringOutput
	PolicyJSONStatic(statements ...constructs.Statement) (string, error)
	RoleGrantee(ctx *pulumi.Context, name string, parent pulumi.Resource, role *iam.Role) *constructs.ServiceRole
	Suffix(s string, in pulumi.StringInput) pulumi.StringInput
	ValidateLogRetention(field string, days int) error
})
