package constructs

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StorageClass is an S3 storage class a lifecycle rule transitions to.
type StorageClass string

// Storage classes lifecycle transitions accept.
const (
	StorageStandardIA         StorageClass = "STANDARD_IA"
	StorageOneZoneIA          StorageClass = "ONEZONE_IA"
	StorageIntelligentTiering StorageClass = "INTELLIGENT_TIERING"
	StorageGlacierIR          StorageClass = "GLACIER_IR"
	StorageGlacier            StorageClass = "GLACIER"
	StorageDeepArchive        StorageClass = "DEEP_ARCHIVE"
)

var storageClasses = []StorageClass{StorageStandardIA, StorageOneZoneIA, StorageIntelligentTiering,
	StorageGlacierIR, StorageGlacier, StorageDeepArchive}

// Transition moves objects to a cheaper class after a number of days.
type Transition struct {
	// Days after creation, at least 1 (30 for the IA classes, an S3 rule).
	Days int
	// StorageClass to move to.
	StorageClass StorageClass
}

// LifecycleRule is one lifecycle rule of a Bucket.
type LifecycleRule struct {
	// ID names the rule; unique within the bucket.
	ID string
	// Prefix limits the rule to keys under it. Default: the whole bucket.
	Prefix string
	// Transitions to cheaper storage classes. Default: none.
	Transitions []Transition
	// ExpirationDays deletes current objects after this many days. Default: never.
	ExpirationDays int
	// NoncurrentExpirationDays deletes old versions after this many days. Default: never.
	NoncurrentExpirationDays int
}

// BucketArgs configure a Bucket.
type BucketArgs struct {
	// Versioning keeps every version of every object. Default: true.
	Versioning *bool
	// KMSKeyArn encrypts objects with a customer managed key. Default:
	// SSE-S3 (AES256), which needs no key policy.
	KMSKeyArn string
	// KMSKey encrypts objects with a kumo Key (SSE-KMS with bucket keys);
	// the bucket's grants then grant use of the key too. Set it or
	// KMSKeyArn, not both. Default: nil, SSE-S3 as for KMSKeyArn.
	KMSKey *Key
	// LifecycleRules add transitions and expirations. Default: only the
	// rule kumo always adds, aborting incomplete multipart uploads after 7 days.
	LifecycleRules []LifecycleRule
	// AccessLogBucket receives S3 server access logs. Default: no access logs.
	AccessLogBucket *Bucket
	// AccessLogPrefix is the key prefix of those logs. Default: "s3/<name>/".
	AccessLogPrefix string
	// ForAccessLogs marks a bucket that receives access logs. Log delivery
	// by CloudFront standard logging needs ACLs, so object ownership becomes
	// BucketOwnerPreferred instead of BucketOwnerEnforced, and encryption
	// stays SSE-S3. Default: false.
	ForAccessLogs bool
	// ForceDestroy lets a stack delete the bucket with objects in it.
	// Default: false.
	ForceDestroy bool
	// ResourcePolicy adds statements to the bucket policy after kumo's
	// TLS-only statement. Default: none.
	ResourcePolicy []Statement
	// TrailLogsFor names kumo Trails (constructs/lake; their construct
	// names, in this stack) that deliver log files to the bucket: the policy lets
	// CloudTrail check the bucket's ACL and put objects under AWSLogs/ for
	// those trails only. Default: none.
	TrailLogsFor []string
}

// Bucket is an S3 bucket that is encrypted, versioned, private, and
// reachable only over TLS.
type Bucket struct {
	pulumi.ResourceState

	ctx  *pulumi.Context
	name string
	args BucketArgs
	pab  *s3.BucketPublicAccessBlock

	// Bucket is the underlying resource, an escape hatch.
	Bucket *s3.BucketV2
	// Name is the physical bucket name.
	Name pulumi.StringOutput
	// Arn is the bucket ARN grants are scoped to.
	Arn pulumi.StringOutput
	// Policy is the bucket policy.
	Policy *s3.BucketPolicy
	// OwnershipControls sets object ownership; writers that need ACLs
	// (CloudFront standard logging) must be ordered after it.
	OwnershipControls *s3.BucketOwnershipControls
}

// bucketLogicalName keeps room for Pulumi's 8-character random suffix
// within S3's 63-character, lower-case bucket name rules.
var bucketLogicalName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,53}[a-z0-9]$`)

// s3KeyPrefix is a key prefix of a bucket's objects that constructs write
// under or read from (a crawler target, an error prefix): slash-separated
// segments of S3's safe key characters, no empty segment, no leading '/'
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html).
var s3KeyPrefix = lazyRegexp(`^([A-Za-z0-9!_.'()=-]+/)*[A-Za-z0-9!_.'()=-]*$`)

func (a BucketArgs) validate(name string) *multierror.Error {
	var errs *multierror.Error
	if !bucketLogicalName.MatchString(name) {
		errs = multierror.Append(errs, fmt.Errorf("name: %q must be 3–55 lower-case letters, digits or '-' (S3 bucket names are lower-case and kumo appends an 8-character suffix)", name))
	}
	if a.ForAccessLogs && a.KMSKeyArn != "" {
		errs = multierror.Append(errs, fmt.Errorf("KMSKeyArn: %q is set on a bucket ForAccessLogs; log delivery only supports SSE-S3, so leave it empty", a.KMSKeyArn))
	}
	if a.KMSKey != nil {
		if a.KMSKeyArn != "" {
			errs = multierror.Append(errs, fmt.Errorf("KMSKey: key %q is set together with KMSKeyArn %q; set one of them", a.KMSKey.name, a.KMSKeyArn))
		}
		if a.ForAccessLogs {
			errs = multierror.Append(errs, fmt.Errorf("KMSKey: key %q is set on a bucket ForAccessLogs; log delivery only supports SSE-S3, so leave it nil", a.KMSKey.name))
		}
	}
	for i, t := range a.TrailLogsFor {
		if t == "" || slices.Contains(a.TrailLogsFor[:i], t) {
			errs = multierror.Append(errs, fmt.Errorf("TrailLogsFor[%d]: %q must be the construct name of a Trail of this stack, listed once", i, t))
		}
	}
	if a.AccessLogBucket != nil && !a.AccessLogBucket.args.ForAccessLogs {
		errs = multierror.Append(errs, fmt.Errorf("AccessLogBucket: bucket %q is not ForAccessLogs; create the log bucket with ForAccessLogs: true", a.AccessLogBucket.name))
	}
	ids := map[string]bool{}
	for i, r := range a.LifecycleRules {
		field := fmt.Sprintf("LifecycleRules[%d]", i)
		if r.ID == "" || len(r.ID) > 255 {
			errs = multierror.Append(errs, fmt.Errorf("%s.ID: %q must be 1–255 characters", field, r.ID))
		} else if ids[r.ID] {
			errs = multierror.Append(errs, fmt.Errorf("%s.ID: %q is used by another rule; IDs must be unique", field, r.ID))
		}
		ids[r.ID] = true
		if len(r.Transitions) == 0 && r.ExpirationDays == 0 && r.NoncurrentExpirationDays == 0 {
			errs = multierror.Append(errs, fmt.Errorf("%s: rule %q does nothing; set Transitions, ExpirationDays or NoncurrentExpirationDays", field, r.ID))
		}
		for j, t := range r.Transitions {
			tf := fmt.Sprintf("%s.Transitions[%d]", field, j)
			if !slices.Contains(storageClasses, t.StorageClass) {
				errs = multierror.Append(errs, fmt.Errorf("%s.StorageClass: %q is not supported; use one of %v", tf, t.StorageClass, storageClasses))
			}
			min := 1
			if t.StorageClass == StorageStandardIA || t.StorageClass == StorageOneZoneIA {
				min = 30
			}
			if t.Days < min {
				errs = multierror.Append(errs, fmt.Errorf("%s.Days: %d is below %d, the minimum S3 allows for %s", tf, t.Days, min, t.StorageClass))
			}
		}
		if r.ExpirationDays < 0 || r.NoncurrentExpirationDays < 0 {
			errs = multierror.Append(errs, fmt.Errorf("%s: expiration days must not be negative", field))
		}
	}
	return errs
}

// NewBucket registers a bucket with encryption, versioning, blocked public
// access, owner-enforced ownership and a TLS-only policy.
func NewBucket(ctx *pulumi.Context, name string, args *BucketArgs, opts ...pulumi.ResourceOption) (*Bucket, error) {
	b, err := newBucket(ctx, name, args, opts...)
	if err != nil {
		return nil, err
	}
	return b, b.finish(b.args.ResourcePolicy...)
}

// newBucket registers everything but the bucket policy, so a construct that
// needs the bucket to create something the policy refers to (a CloudFront
// distribution) can add its statements with finish.
func newBucket(ctx *pulumi.Context, name string, args *BucketArgs, opts ...pulumi.ResourceOption) (*Bucket, error) {
	if args == nil {
		args = &BucketArgs{}
	}
	a := *args
	if a.Versioning == nil {
		on := true
		a.Versioning = &on
	}
	if err := invalid(fmt.Sprintf("bucket %q", name), a.validate(name)); err != nil {
		return nil, err
	}
	b := &Bucket{ctx: ctx, name: name, args: a}
	if err := ctx.RegisterComponentResource("kumo:constructs:Bucket", name, b, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(b)
	var err error
	if b.Bucket, err = s3.NewBucketV2(ctx, name, &s3.BucketV2Args{ForceDestroy: pulumi.Bool(a.ForceDestroy)}, parent); err != nil {
		return nil, err
	}
	b.Name, b.Arn = b.Bucket.Bucket, b.Bucket.Arn

	sse := &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{SseAlgorithm: pulumi.String("AES256")}
	if key := a.kmsKeyArn(); key != nil {
		sse = &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
			SseAlgorithm: pulumi.String("aws:kms"), KmsMasterKeyId: key}
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: b.Bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: sse,
			// Bucket keys cut KMS request costs; harmless with SSE-S3.
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, parent); err != nil {
		return nil, err
	}
	status := "Suspended"
	if *a.Versioning {
		status = "Enabled"
	}
	if _, err := s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{
		Bucket:                  b.Bucket.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String(status)},
	}, parent); err != nil {
		return nil, err
	}
	if b.pab, err = s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                b.Bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent); err != nil {
		return nil, err
	}
	ownership := "BucketOwnerEnforced"
	if a.ForAccessLogs {
		ownership = "BucketOwnerPreferred"
	}
	if b.OwnershipControls, err = s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: b.Bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String(ownership)},
	}, parent); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: b.Bucket.ID(),
		Rules:  lifecycleRules(a.LifecycleRules),
	}, parent); err != nil {
		return nil, err
	}
	if a.AccessLogBucket != nil {
		if _, err := s3.NewBucketLoggingV2(ctx, name, &s3.BucketLoggingV2Args{
			Bucket:       b.Bucket.ID(),
			TargetBucket: a.AccessLogBucket.Name,
			TargetPrefix: pulumi.String(orDefault(a.AccessLogPrefix, "s3/"+name+"/")),
		}, parent); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// finish attaches the bucket policy (TLS-only first, then extra) and
// completes the component.
func (b *Bucket) finish(extra ...Statement) error {
	statements := append([]Statement{tlsOnlyStatement("s3", b.Arn, suffix("/*", b.Arn))}, extra...)
	if len(b.args.TrailLogsFor) > 0 {
		statements = append(statements, trailDelivery(b.ctx, b.Arn, b.args.TrailLogsFor)...)
	}
	if b.args.ForAccessLogs {
		statements = append(statements, Statement{
			Sid:       "AllowS3ServerAccessLogs",
			Principal: map[string][]string{"Service": {"logging.s3.amazonaws.com"}},
			Actions:   []string{"s3:PutObject"},
			Resources: []pulumi.StringInput{suffix("/*", b.Arn)},
		})
	}
	var err error
	// The policy waits for the public access block so S3 never evaluates
	// it against a bucket that could still be made public.
	b.Policy, err = s3.NewBucketPolicy(b.ctx, b.name, &s3.BucketPolicyArgs{
		Bucket: b.Bucket.ID(),
		Policy: policyJSON(statements...),
	}, pulumi.Parent(b), pulumi.DependsOn([]pulumi.Resource{b.pab}))
	if err != nil {
		return err
	}
	return b.ctx.RegisterResourceOutputs(b, pulumi.Map{"name": b.Name, "arn": b.Arn})
}

func lifecycleRules(rules []LifecycleRule) s3.BucketLifecycleConfigurationV2RuleArray {
	out := s3.BucketLifecycleConfigurationV2RuleArray{&s3.BucketLifecycleConfigurationV2RuleArgs{
		Id:     pulumi.String("abort-incomplete-multipart-uploads"),
		Status: pulumi.String("Enabled"),
		Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
		AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
			DaysAfterInitiation: pulumi.Int(7),
		},
	}}
	for _, r := range rules {
		rule := &s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String(r.ID),
			Status: pulumi.String("Enabled"),
			Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String(r.Prefix)},
		}
		var ts s3.BucketLifecycleConfigurationV2RuleTransitionArray
		for _, t := range r.Transitions {
			ts = append(ts, &s3.BucketLifecycleConfigurationV2RuleTransitionArgs{Days: pulumi.Int(t.Days), StorageClass: pulumi.String(string(t.StorageClass))})
		}
		rule.Transitions = ts
		if r.ExpirationDays > 0 {
			rule.Expiration = &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(r.ExpirationDays)}
		}
		if r.NoncurrentExpirationDays > 0 {
			rule.NoncurrentVersionExpiration = &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(r.NoncurrentExpirationDays)}
		}
		out = append(out, rule)
	}
	return out
}

// GrantRead lets g list the bucket and read its objects.
func (b *Bucket) GrantRead(g Grantee) error {
	return b.grant(g, "read", []Statement{
		{Sid: "BucketList", Actions: []string{"s3:ListBucket"}, Resources: []pulumi.StringInput{b.Arn}},
		{Sid: "BucketRead", Actions: []string{"s3:GetObject", "s3:GetObjectVersion"}, Resources: []pulumi.StringInput{suffix("/*", b.Arn)}},
	}, []string{"kms:Decrypt"})
}

// GrantWrite lets g put and delete objects.
func (b *Bucket) GrantWrite(g Grantee) error {
	return b.grant(g, "write", []Statement{
		{Sid: "BucketWrite", Actions: []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"}, Resources: []pulumi.StringInput{suffix("/*", b.Arn)}},
	}, []string{"kms:Decrypt", "kms:GenerateDataKey"})
}

// GrantReadWrite lets g list, read, put and delete objects.
func (b *Bucket) GrantReadWrite(g Grantee) error {
	return b.grant(g, "readwrite", []Statement{
		{Sid: "BucketList", Actions: []string{"s3:ListBucket"}, Resources: []pulumi.StringInput{b.Arn}},
		{Sid: "BucketReadWrite", Actions: []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"}, Resources: []pulumi.StringInput{suffix("/*", b.Arn)}},
	}, []string{"kms:Decrypt", "kms:GenerateDataKey"})
}

// objectsReason justifies the "<bucket>/*" of object grants (IAM5).
const objectsReason = "the objects of this one bucket: S3 object ARNs are the bucket's ARN, a slash and the key"

// grant adds the statements, plus use of the bucket's KMS key when it has one.
func (b *Bucket) grant(g Grantee, access string, statements []Statement, kmsActions []string) error {
	for i := range statements {
		statements[i].WildcardReason = objectsReason
	}
	if key := b.args.kmsKeyArn(); key != nil && len(kmsActions) > 0 {
		statements = append(statements, Statement{Sid: "BucketKey", Actions: kmsActions, Resources: []pulumi.StringInput{key}})
	}
	return g.addToRolePolicy(fmt.Sprintf("bucket-%s-%s", b.name, access), statements...)
}

// kmsKeyArn is the customer managed key the objects are encrypted with, or
// nil for SSE-S3.
func (a BucketArgs) kmsKeyArn() pulumi.StringInput {
	switch {
	case a.KMSKey != nil:
		return a.KMSKey.Arn
	case a.KMSKeyArn != "":
		return pulumi.String(a.KMSKeyArn)
	}
	return nil
}

// Validate reports every problem NewBucket would report for these args,
// without registering anything.
func (a BucketArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("bucket %q", name), a.validate(name))
}

// GrantReadTags lets g read objects' tags (GetObjectTagging), which
// GrantRead leaves out: a catalog of the bucket records them.
func (b *Bucket) GrantReadTags(g Grantee) error {
	return b.grant(g, "readtags", []Statement{
		{Sid: "BucketReadTags", Actions: []string{"s3:GetObjectTagging", "s3:GetObjectVersionTagging"}, Resources: []pulumi.StringInput{suffix("/*", b.Arn)}},
	}, nil)
}
