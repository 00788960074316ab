package streaming

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/internal/bridge"
)

// core is what this package uses of package constructs' internals (see
// constructs/internal/bridge).
var core = bridge.Constructs.(interface {
	AddToRolePolicy(g constructs.Grantee, grant string, statements ...constructs.Statement) error
	BucketGrant(b *constructs.Bucket, g constructs.Grantee, access string, statements []constructs.Statement, kmsActions []string) error
	BucketName(b *constructs.Bucket) string
	FunctionName(f *constructs.Function) string
	KeyPrefixValid(prefix string) bool
	NewKinesisSource(name string, arn pulumi.StringInput, read []constructs.Statement, fn *constructs.Function, args *constructs.StreamSourceArgs, opts ...pulumi.ResourceOption) (*constructs.StreamSource, error)
	Suffix(s string, in pulumi.StringInput) pulumi.StringInput
	ValidateLogRetention(field string, days int) error
})

// grantee names constructs.Grantee so that embedding it makes a construct a
// Grantee through its role without an exported field.
type grantee = constructs.Grantee
