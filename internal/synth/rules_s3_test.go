package synth

import (
	"strings"
	"testing"
)

const (
	tBucketPolicy = "aws:s3/bucketPolicy:BucketPolicy"
	tPAB          = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tVersioning   = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tSSE          = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tLifecycle    = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	tLogging      = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	tObject       = "aws:s3/bucketObjectv2:BucketObjectv2"
)

// bucketMods change the inputs of one type of bucketStack's resources.
type bucketMods map[string][]mod

// bucketStack registers the Bucket construct's resources for a site bucket
// logging to a log bucket, ordered as AWS needs.
func bucketStack(f *fixture, m bucketMods) {
	with := func(typ string, base map[string]any) map[string]any { return inputs(base, m[typ]...) }
	logs := f.add(tBucket, "logs", map[string]any{"bucket": "site-logs"})
	site := f.add(tBucket, "site", with(tBucket, map[string]any{"bucket": "site-content", "forceDestroy": false}))
	f.add(tOwnership, "site", with(tOwnership, map[string]any{"bucket": "site-content", "rule": map[string]any{"objectOwnership": "BucketOwnerEnforced"}}), site)
	pab := f.add(tPAB, "site", with(tPAB, map[string]any{"bucket": "site-content", "blockPublicAcls": true}), site)
	f.add(tBucketPolicy, "site", with(tBucketPolicy, map[string]any{"bucket": "site-content",
		"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::site-content/*"}]}`}), site, pab)
	f.add(tVersioning, "site", with(tVersioning, map[string]any{"bucket": "site-content", "versioningConfiguration": map[string]any{"status": "Enabled"}}), site)
	f.add(tSSE, "site", with(tSSE, map[string]any{"bucket": "site-content", "rules": []any{map[string]any{
		"applyServerSideEncryptionByDefault": map[string]any{"sseAlgorithm": "AES256"}, "bucketKeyEnabled": true}}}), site)
	f.add(tLifecycle, "site", with(tLifecycle, map[string]any{"bucket": "site-content", "rules": []any{map[string]any{
		"id": "expire-old-versions", "status": "Enabled", "filter": map[string]any{"prefix": ""},
		"expiration":                  map[string]any{"days": int64(90)},
		"noncurrentVersionExpiration": map[string]any{"noncurrentDays": int64(30)}}}}), site)
	f.add(tLogging, "site", with(tLogging, map[string]any{"bucket": "site-content", "targetBucket": "site-logs", "targetPrefix": "s3/"}), site, logs)
	f.add(tObject, "index.html", with(tObject, map[string]any{"bucket": "site-content", "key": "index.html", "contentType": "text/html"}), site)
}

func TestS3RealityRules(t *testing.T) {
	c := func(name string, m bucketMods, ws ...want) realityCase {
		return realityCase{name: name, build: func(f *fixture) { bucketStack(f, m) }, want: ws}
	}
	bucket := func(name string, in map[string]any, ws ...want) realityCase {
		return realityCase{name: name, build: func(f *fixture) { f.add(tBucket, "b", in) }, want: ws}
	}
	ordering := func(name, typ, resName string, deps []string, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) {
			bucketStack(f, nil)
			f.setDeps(urnOf(typ, resName), deps...)
		}}
	}
	site, logs := urnOf(tBucket, "site"), urnOf(tBucket, "logs")
	naming := "no two adjacent periods"

	cases := []realityCase{
		c("accepted: the Bucket construct's resources", nil),

		// BucketV2 names
		bucket("bucket name with capitals", map[string]any{"bucket": "Site-Content"},
			want{tBucket, "bucket", "does not match", "bucketnamingrules"}),
		bucket("bucket name of 2 characters", map[string]any{"bucket": "ab"},
			want{tBucket, "bucket", "at least 3", "bucketnamingrules"}),
		bucket("bucket name of 64 characters", map[string]any{"bucket": strings.Repeat("b", 64)},
			want{tBucket, "bucket", "at most 63", "bucketnamingrules"}),
		bucket("bucket name ending in a hyphen", map[string]any{"bucket": "site-"},
			want{tBucket, "bucket", "does not match", "bucketnamingrules"}),
		bucket("bucket name with adjacent periods", map[string]any{"bucket": "site..content"},
			want{tBucket, "bucket", naming, "bucketnamingrules"}),
		bucket("bucket name formatted as an IP address", map[string]any{"bucket": "192.168.5.4"},
			want{tBucket, "bucket", naming, "bucketnamingrules"}),
		bucket("bucket name with the xn-- prefix", map[string]any{"bucket": "xn--site"},
			want{tBucket, "bucket", naming, "bucketnamingrules"}),
		bucket("bucket name with the -s3alias suffix", map[string]any{"bucket": "site-s3alias"},
			want{tBucket, "bucket", naming, "bucketnamingrules"}),
		bucket("bucket name with the --ol-s3 suffix", map[string]any{"bucket": "site--ol-s3"},
			want{tBucket, "bucket", naming, "bucketnamingrules"}),
		bucket("bucket prefix too long for the 26-digit suffix", map[string]any{"bucketPrefix": strings.Repeat("p", 38)},
			want{tBucket, "bucket", "at most 63", "bucketnamingrules"}),
		{name: "bucket autonamed from a long resource name", want: []want{{tBucket, "bucket", "shorten the resource name to at most 55", "AutoNameTransform"}},
			build: func(f *fixture) { f.add(tBucket, strings.Repeat("b", 56), map[string]any{}) }},
		{name: "accepted: bucket autonamed and lowercased from an upper-case resource name",
			build: func(f *fixture) { f.add(tBucket, "SiteContent", map[string]any{}) }},
		{name: "bucket autonamed from a resource name with an underscore", want: []want{{tBucket, "bucket", "does not match", "bucketnamingrules"}},
			build: func(f *fixture) { f.add(tBucket, "site_content", map[string]any{}) }},

		// BucketPolicy
		c("bucket policy not JSON", bucketMods{tBucketPolicy: {set("policy", "{Statement: []")}},
			want{tBucketPolicy, "policy", "must be JSON", "StringIsJSON"}),
		c("bucket policy without policy", bucketMods{tBucketPolicy: {set("policy", nil)}},
			want{tBucketPolicy, "policy", "required", "API_PutBucketPolicy"}),
		ordering("bucket policy not ordered after its bucket", tBucketPolicy, "site", nil,
			want{tBucketPolicy, "bucket", "must exist first", "NoSuchBucket"}),

		// BucketPublicAccessBlock
		ordering("public access block not ordered after its bucket", tPAB, "site", nil,
			want{tPAB, "bucket", "must exist first", "NoSuchBucket"}),
		c("public access block without bucket", bucketMods{tPAB: {set("bucket", nil)}},
			want{tPAB, "bucket", "required", "API_PutPublicAccessBlock"}),

		// BucketOwnershipControls
		c("object ownership value", bucketMods{tOwnership: {set("rule.objectOwnership", "BucketOwner")}},
			want{tOwnership, "rule.objectOwnership", "BucketOwnerPreferred, ObjectWriter, BucketOwnerEnforced", "API_OwnershipControlsRule"}),
		c("ownership controls without a rule", bucketMods{tOwnership: {set("rule", nil)}},
			want{tOwnership, "rule.objectOwnership", "required", "API_OwnershipControlsRule"}),
		ordering("ownership controls not ordered after the bucket", tOwnership, "site", nil,
			want{tOwnership, "bucket", "must exist first", "NoSuchBucket"}),

		// BucketVersioningV2
		c("versioning status", bucketMods{tVersioning: {set("versioningConfiguration.status", "On")}},
			want{tVersioning, "versioningConfiguration.status", "Enabled, Suspended, Disabled", "bucket_versioning.go"}),
		c("versioning mfa delete", bucketMods{tVersioning: {set("versioningConfiguration.mfaDelete", "true")}},
			want{tVersioning, "versioningConfiguration.mfaDelete", "Enabled, Disabled", "API_VersioningConfiguration"}),
		ordering("versioning not ordered after the bucket", tVersioning, "site", nil,
			want{tVersioning, "bucket", "must exist first", "NoSuchBucket"}),

		// BucketServerSideEncryptionConfigurationV2
		c("sse algorithm", bucketMods{tSSE: {set("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm", "AES128")}},
			want{tSSE, "rules[].applyServerSideEncryptionByDefault.sseAlgorithm", "AES256, aws:kms", "API_ServerSideEncryptionByDefault"}),
		c("kms key with AES256", bucketMods{tSSE: {set("rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId", "alias/site")}},
			want{tSSE, "rules[].applyServerSideEncryptionByDefault.kmsMasterKeyId", "only be set when sseAlgorithm is aws:kms", "API_ServerSideEncryptionByDefault"}),
		c("accepted: kms key with aws:kms", bucketMods{tSSE: {set("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm", "aws:kms"),
			set("rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId", "alias/site")}}),
		c("sse without rules", bucketMods{tSSE: {set("rules", nil)}},
			want{tSSE, "rules", "required", "API_ServerSideEncryptionByDefault"}),

		// BucketLifecycleConfigurationV2
		c("lifecycle rule status", bucketMods{tLifecycle: {set("rules[0].status", "enabled")}},
			want{tLifecycle, "rules[].status", "Enabled, Disabled", "API_LifecycleRule"}),
		c("lifecycle rule id over 255 characters", bucketMods{tLifecycle: {set("rules[0].id", strings.Repeat("i", 256))}},
			want{tLifecycle, "rules[].id", "at most 255", "API_LifecycleRule"}),
		c("lifecycle expiration after 0 days", bucketMods{tLifecycle: {set("rules[0].expiration.days", int64(0))}},
			want{tLifecycle, "rules[].expiration.days", "between 1 and", "API_LifecycleExpiration"}),
		c("lifecycle noncurrent expiration after 0 days", bucketMods{tLifecycle: {set("rules[0].noncurrentVersionExpiration.noncurrentDays", int64(0))}},
			want{tLifecycle, "rules[].noncurrentVersionExpiration.noncurrentDays", "between 1 and", "API_NoncurrentVersionExpiration"}),
		ordering("lifecycle not ordered after the bucket", tLifecycle, "site", nil,
			want{tLifecycle, "bucket", "must exist first", "NoSuchBucket"}),

		// BucketLoggingV2
		c("logging without targetPrefix", bucketMods{tLogging: {set("targetPrefix", nil)}},
			want{tLogging, "targetPrefix", "required", "API_LoggingEnabled"}),
		ordering("logging not ordered after the target bucket", tLogging, "site", []string{site},
			want{tLogging, "targetBucket", "must exist first", "InvalidTargetBucketForLogging"}),
		ordering("logging not ordered after its bucket", tLogging, "site", []string{logs},
			want{tLogging, "bucket", "must exist first", "NoSuchBucket"}),

		// BucketObjectv2
		c("object key over 1024 bytes", bucketMods{tObject: {set("key", strings.Repeat("é", 513))}},
			want{tObject, "key", "at most 1,024 bytes", "object-keys"}),
		c("accepted: object without key (the provider uses the resource name)", bucketMods{tObject: {set("key", nil)}}),
		ordering("object not ordered after its bucket", tObject, "index.html", nil,
			want{tObject, "bucket", "must exist first", "NoSuchBucket"}),
		c("object without bucket", bucketMods{tObject: {set("bucket", nil)}},
			want{tObject, "bucket", "required", "API_PutObject"}),
	}
	runRealityCases(t, specTypes(s3Specs), cases)
}
