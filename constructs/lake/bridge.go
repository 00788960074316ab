package lake

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
	BucketName(b *constructs.Bucket) string
	BucketNameValid(name string) bool
	GrantRole(g constructs.Grantee) (*iam.Role, bool)
	JustifyWildcards(ctx *pulumi.Context, policy pulumi.Resource, statements []constructs.Statement) error
	KeyAllows(k *constructs.Key, service string) bool
	KeyName(k *constructs.Key) string
	KeyPrefixValid(prefix string) bool
	PolicyJSON(statements ...constructs.Statement) pulumi.StringOutput
	PolicyJSONStatic(statements ...constructs.Statement) (string, error)
	RoleGrantee(ctx *pulumi.Context, name string, parent pulumi.Resource, role *iam.Role) *constructs.ServiceRole
	Suffix(s string, in pulumi.StringInput) pulumi.StringInput
	TrailName(ctx *pulumi.Context, name string) string
	ValidateLogRetention(field string, days int) error
})
