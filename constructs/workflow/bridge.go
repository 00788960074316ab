package workflow

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/internal/bridge"
)

// core is what this package uses of package constructs' internals (see
// constructs/internal/bridge).
var core = bridge.Constructs.(interface {
	AddToRolePolicy(g constructs.Grantee, grant string, statements ...constructs.Statement) error
	Suffix(s string, in pulumi.StringInput) pulumi.StringInput
	ValidateLogRetention(field string, days int) error
	Region(ctx *pulumi.Context) string
	BucketName(b *constructs.Bucket) string
	KeyName(k *constructs.Key) string
})

// grantee names constructs.Grantee so that embedding it makes a construct a
// Grantee through its role without an exported field.
type grantee = constructs.Grantee
