package constructs

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs/internal/bridge"
)

// internals are what the construct packages beside this one build on
// (internal/bridge): each method is an unexported helper, field or method
// of this package, under its own name.
type internals struct{}

func init() { bridge.Constructs = internals{} }

// AddToRolePolicy is g.addToRolePolicy, for the Grant methods of
// constructs in other packages and for their own roles.
func (internals) AddToRolePolicy(g Grantee, grant string, statements ...Statement) error {
	return g.addToRolePolicy(grant, statements...)
}

// GrantRole is grantRole.
func (internals) GrantRole(g Grantee) (*iam.Role, bool) { return grantRole(g) }

// RoleGrantee makes an existing role, which a service assumes for a
// construct that is parent, a Grantee as a ServiceRole is: each grant is
// one inline policy named after name.
func (internals) RoleGrantee(ctx *pulumi.Context, name string, parent pulumi.Resource, role *iam.Role) *ServiceRole {
	return &ServiceRole{r: &pipelineRole{ctx: ctx, name: name, parent: parent, role: role, grants: map[string]bool{}}}
}

// PolicyJSON is policyJSON.
func (internals) PolicyJSON(statements ...Statement) pulumi.StringOutput {
	return policyJSON(statements...)
}

// PolicyJSONStatic is policyJSONStatic.
func (internals) PolicyJSONStatic(statements ...Statement) (string, error) {
	return policyJSONStatic(statements...)
}

// AssumeRolePolicy is assumeRolePolicy.
func (internals) AssumeRolePolicy(service string) pulumi.StringOutput {
	return assumeRolePolicy(service)
}

// JustifyWildcards is justifyWildcards.
func (internals) JustifyWildcards(ctx *pulumi.Context, policy pulumi.Resource, statements []Statement) error {
	return justifyWildcards(ctx, policy, statements)
}

// Suffix is suffix.
func (internals) Suffix(s string, in pulumi.StringInput) pulumi.StringInput { return suffix(s, in) }

// ValidateLogRetention is validateLogRetention.
func (internals) ValidateLogRetention(field string, days int) error {
	return validateLogRetention(field, days)
}

// Region is region.
func (internals) Region(ctx *pulumi.Context) string { return region(ctx) }

// FunctionName is the function's construct name.
func (internals) FunctionName(f *Function) string { return f.name }

// BucketName is the bucket's construct name.
func (internals) BucketName(b *Bucket) string { return b.name }

// BucketNameValid reports whether name can name a Bucket construct.
func (internals) BucketNameValid(name string) bool { return bucketLogicalName.MatchString(name) }

// KeyPrefixValid reports whether prefix is a key prefix constructs accept
// (s3KeyPrefix); the callers bound its length.
func (internals) KeyPrefixValid(prefix string) bool { return s3KeyPrefix().MatchString(prefix) }

// BucketArgs are the args the bucket was made with, defaults applied.
func (internals) BucketArgs(b *Bucket) BucketArgs { return b.args }

// BucketGrant is b.grant: statements on the bucket's objects, with the
// bucket key's kmsActions when it has a customer managed key.
func (internals) BucketGrant(b *Bucket, g Grantee, access string, statements []Statement, kmsActions []string) error {
	return b.grant(g, access, statements, kmsActions)
}

// KeyName is the key's construct name.
func (internals) KeyName(k *Key) string { return k.name }

// KeyAllows is k.allows: whether the key lets service use it.
func (internals) KeyAllows(k *Key, service string) bool { return k.allows(service) }

// TrailName is trailNameOf: the name of the Trail of construct name, which
// a bucket's TrailLogsFor names.
func (internals) TrailName(ctx *pulumi.Context, name string) string { return trailNameOf(ctx, name) }

// NewKinesisSource registers fn consuming the Kinesis stream arn, whose
// read statements are read, as Table.StreamTo does a table's stream.
func (internals) NewKinesisSource(name string, arn pulumi.StringInput, read []Statement, fn *Function, args *StreamSourceArgs, opts ...pulumi.ResourceOption) (*StreamSource, error) {
	return newStreamSource(name, eventStream{source: sourceKinesis, arn: arn, read: read}, fn, args, opts...)
}
