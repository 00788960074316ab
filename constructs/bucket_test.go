package constructs_test

import (
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const (
	typBucketComponent = "kumo:constructs:Bucket"
	typBucketV2        = "aws:s3/bucketV2:BucketV2"
	typBucketSSE       = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	typBucketVersion   = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	typBucketPAB       = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	typBucketOwnership = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	typBucketLifecycle = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	typBucketLogging   = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	typBucketPolicy    = "aws:s3/bucketPolicy:BucketPolicy"
	typBucketObject    = "aws:s3/bucketObjectv2:BucketObjectv2"
)

// abortMultipartRule is the lifecycle rule every bucket carries first.
var abortMultipartRule = map[string]any{
	"id":                             "abort-incomplete-multipart-uploads",
	"status":                         "Enabled",
	"filter":                         map[string]any{"prefix": ""},
	"abortIncompleteMultipartUpload": map[string]any{"daysAfterInitiation": 7},
}

// bucketChildren are the children of every bucket component named name.
func bucketChildren(name string, extra ...string) []string {
	out := []string{
		typBucketV2 + " " + name, typBucketSSE + " " + name, typBucketVersion + " " + name,
		typBucketPAB + " " + name, typBucketOwnership + " " + name, typBucketLifecycle + " " + name,
		typBucketPolicy + " " + name,
	}
	return sorted(append(out, extra...))
}

func TestBucketSecureDefaults(t *testing.T) {
	s := newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		b, err := constructs.NewBucket(ctx, "uploads", nil)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"name": b.Name, "arn": b.Arn}, nil
	})
	name, arn := s.output("name"), s.output("arn")
	comp := s.find(typBucketComponent, "uploads")
	if got, want := s.childSet(comp.URN), bucketChildren("uploads"); !reflect.DeepEqual(got, want) {
		t.Errorf("children:\ngot  %q\nwant %q", got, want)
	}
	if arn != "arn:aws:s3:::"+name {
		t.Errorf("Arn: got %q; want arn:aws:s3:::%s", arn, name)
	}

	wantInputs(t, s.find(typBucketV2, "uploads"), check{"forceDestroy", false})
	wantInputs(t, s.find(typBucketSSE, "uploads"),
		check{"bucket", name},
		check{"rules", []any{map[string]any{
			"applyServerSideEncryptionByDefault": map[string]any{"sseAlgorithm": "AES256"},
			"bucketKeyEnabled":                   true,
		}}},
	)
	wantInputs(t, s.find(typBucketVersion, "uploads"),
		check{"bucket", name},
		check{"versioningConfiguration.status", "Enabled"},
	)
	pab := s.find(typBucketPAB, "uploads")
	wantInputs(t, pab,
		check{"bucket", name},
		check{"blockPublicAcls", true},
		check{"blockPublicPolicy", true},
		check{"ignorePublicAcls", true},
		check{"restrictPublicBuckets", true},
	)
	wantInputs(t, s.find(typBucketOwnership, "uploads"),
		check{"bucket", name},
		check{"rule.objectOwnership", "BucketOwnerEnforced"},
	)
	wantInputs(t, s.find(typBucketLifecycle, "uploads"),
		check{"bucket", name},
		check{"rules", []any{abortMultipartRule}},
	)

	bp := s.find(typBucketPolicy, "uploads")
	wantInputs(t, bp, check{"bucket", name})
	if !dependsOn(bp, pab) {
		t.Errorf("bucket policy dependencies %q: want the public access block", bp.Dependencies)
	}
	doc := policyInput(t, bp, "policy")
	if len(doc.Statement) != 1 {
		t.Fatalf("bucket policy statements: got %q; want only the TLS-only deny", doc.sids())
	}
	wantTLSOnly(t, "bucket policy", doc.Statement[0], "s3:*", arn, arn+"/*")
}

func TestBucketOptions(t *testing.T) {
	const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	off := false
	for _, tc := range []struct {
		name string
		args constructs.BucketArgs
		// withLogBucket creates a ForAccessLogs bucket "logs" and sets it as AccessLogBucket.
		withLogBucket bool
		extraChildren []string
		checks        map[string][]check // by resource type
		// policy checks the bucket policy statements.
		policy func(t *testing.T, s *stack, doc policy)
	}{
		{
			name: "KMS key",
			args: constructs.BucketArgs{KMSKeyArn: keyArn},
			checks: map[string][]check{typBucketSSE: {
				{"rules.0.applyServerSideEncryptionByDefault", map[string]any{"sseAlgorithm": "aws:kms", "kmsMasterKeyId": keyArn}},
				{"rules.0.bucketKeyEnabled", true},
			}},
		},
		{
			name:   "versioning off",
			args:   constructs.BucketArgs{Versioning: &off},
			checks: map[string][]check{typBucketVersion: {{"versioningConfiguration.status", "Suspended"}}},
		},
		{
			name:   "force destroy",
			args:   constructs.BucketArgs{ForceDestroy: true},
			checks: map[string][]check{typBucketV2: {{"forceDestroy", true}}},
		},
		{
			name: "for access logs",
			args: constructs.BucketArgs{ForAccessLogs: true},
			checks: map[string][]check{
				typBucketOwnership: {{"rule.objectOwnership", "BucketOwnerPreferred"}},
				typBucketSSE:       {{"rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256"}},
				typBucketPAB:       {{"blockPublicAcls", true}, {"blockPublicPolicy", true}, {"ignorePublicAcls", true}, {"restrictPublicBuckets", true}},
			},
			policy: func(t *testing.T, s *stack, doc policy) {
				if got, want := doc.sids(), []string{"DenyInsecureTransport", "AllowS3ServerAccessLogs"}; !reflect.DeepEqual(got, want) {
					t.Fatalf("statements: got %q; want %q", got, want)
				}
				st := doc.statementBySid(t, "AllowS3ServerAccessLogs")
				wantPrincipal := map[string]any{"Service": []any{"logging.s3.amazonaws.com"}}
				if !reflect.DeepEqual(st.Principal, wantPrincipal) || !reflect.DeepEqual(st.Action, []string{"s3:PutObject"}) ||
					!reflect.DeepEqual(st.Resource, []string{s.output("arn") + "/*"}) {
					t.Errorf("AllowS3ServerAccessLogs: got %+v; want s3:PutObject on the objects for logging.s3.amazonaws.com", st)
				}
			},
		},
		{
			name: "lifecycle rules follow the multipart rule",
			args: constructs.BucketArgs{LifecycleRules: []constructs.LifecycleRule{
				{ID: "archive", Prefix: "reports/", Transitions: []constructs.Transition{
					{Days: 30, StorageClass: constructs.StorageStandardIA},
					{Days: 90, StorageClass: constructs.StorageGlacier},
				}, ExpirationDays: 365},
				{ID: "old-versions", NoncurrentExpirationDays: 7},
			}},
			checks: map[string][]check{typBucketLifecycle: {{"rules", []any{
				abortMultipartRule,
				map[string]any{
					"id": "archive", "status": "Enabled", "filter": map[string]any{"prefix": "reports/"},
					"transitions": []any{
						map[string]any{"days": 30, "storageClass": "STANDARD_IA"},
						map[string]any{"days": 90, "storageClass": "GLACIER"},
					},
					"expiration": map[string]any{"days": 365},
				},
				map[string]any{
					"id": "old-versions", "status": "Enabled", "filter": map[string]any{"prefix": ""},
					"noncurrentVersionExpiration": map[string]any{"noncurrentDays": 7},
				},
			}}}},
		},
		{
			name:          "access logs with the default prefix",
			withLogBucket: true,
			extraChildren: []string{typBucketLogging + " uploads"},
			checks:        map[string][]check{typBucketLogging: {{"targetPrefix", "s3/uploads/"}}},
		},
		{
			name:          "access logs with a prefix",
			args:          constructs.BucketArgs{AccessLogPrefix: "access/"},
			withLogBucket: true,
			extraChildren: []string{typBucketLogging + " uploads"},
			checks:        map[string][]check{typBucketLogging: {{"targetPrefix", "access/"}}},
		},
		{
			name: "resource policy follows the TLS-only statement",
			args: constructs.BucketArgs{ResourcePolicy: []constructs.Statement{{
				Sid:       "AllowPartnerRead",
				Principal: map[string][]string{"AWS": {"arn:aws:iam::210987654321:root"}},
				Actions:   []string{"s3:GetObject"},
				Resources: []pulumi.StringInput{pulumi.String("arn:aws:s3:::shared/*")},
			}}},
			policy: func(t *testing.T, s *stack, doc policy) {
				if got, want := doc.sids(), []string{"DenyInsecureTransport", "AllowPartnerRead"}; !reflect.DeepEqual(got, want) {
					t.Fatalf("statements: got %q; want %q", got, want)
				}
				st := doc.statementBySid(t, "AllowPartnerRead")
				if st.Effect != "Allow" || !reflect.DeepEqual(st.Resource, []string{"arn:aws:s3:::shared/*"}) {
					t.Errorf("AllowPartnerRead: got %+v; want it passed through as an Allow", st)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
				args := tc.args
				out := pulumi.Map{}
				if tc.withLogBucket {
					logs, err := constructs.NewBucket(ctx, "logs", &constructs.BucketArgs{ForAccessLogs: true})
					if err != nil {
						return nil, err
					}
					args.AccessLogBucket = logs
					out["logBucket"] = logs.Name
				}
				b, err := constructs.NewBucket(ctx, "uploads", &args)
				if err != nil {
					return nil, err
				}
				out["name"], out["arn"] = b.Name, b.Arn
				return out, nil
			})
			comp := s.find(typBucketComponent, "uploads")
			if got, want := s.childSet(comp.URN), bucketChildren("uploads", tc.extraChildren...); !reflect.DeepEqual(got, want) {
				t.Errorf("children:\ngot  %q\nwant %q", got, want)
			}
			for typ, checks := range tc.checks {
				wantInputs(t, s.find(typ, "uploads"), checks...)
			}
			if tc.withLogBucket {
				wantInputs(t, s.find(typBucketLogging, "uploads"),
					check{"bucket", s.output("name")},
					check{"targetBucket", s.output("logBucket")},
				)
			}
			doc := policyInput(t, s.find(typBucketPolicy, "uploads"), "policy")
			wantTLSOnly(t, "bucket policy", doc.Statement[0], "s3:*", s.output("arn"), s.output("arn")+"/*")
			if tc.policy != nil {
				tc.policy(t, s, doc)
			}
		})
	}
}

func TestBucketBadInputs(t *testing.T) {
	// setup registers a bucket that is not ForAccessLogs, for the case that
	// wrongly sends access logs to it.
	type env struct{ plain *constructs.Bucket }
	setup := func(ctx *pulumi.Context, _ *project) (env, error) {
		b, err := constructs.NewBucket(ctx, "plain", nil)
		return env{b}, err
	}
	newBucket := func(name string, args func(env) constructs.BucketArgs) func(*pulumi.Context, *project, env) error {
		return func(ctx *pulumi.Context, _ *project, e env) error {
			a := args(e)
			_, err := constructs.NewBucket(ctx, name, &a)
			return err
		}
	}
	rules := func(rs ...constructs.LifecycleRule) func(env) constructs.BucketArgs {
		return func(env) constructs.BucketArgs { return constructs.BucketArgs{LifecycleRules: rs} }
	}
	none := func(env) constructs.BucketArgs { return constructs.BucketArgs{} }
	const scope = `bucket "uploads"`
	runBadInputs(t, setup, []badInput[env]{
		{
			name:     "upper-case name",
			build:    newBucket("Uploads", none),
			scope:    `bucket "Uploads"`,
			problems: [][]string{{"name", `"Uploads"`, "3–55 lower-case letters"}},
		},
		{
			name:     "name too short",
			build:    newBucket("ab", none),
			scope:    `bucket "ab"`,
			problems: [][]string{{"name", `"ab"`, "3–55"}},
		},
		{
			name:     "infrequent access before 30 days",
			build:    newBucket("uploads", rules(constructs.LifecycleRule{ID: "ia", Transitions: []constructs.Transition{{Days: 10, StorageClass: constructs.StorageStandardIA}}})),
			scope:    scope,
			problems: [][]string{{"LifecycleRules[0].Transitions[0].Days", "10", "below 30", "STANDARD_IA"}},
		},
		{
			name:     "one-zone infrequent access before 30 days",
			build:    newBucket("uploads", rules(constructs.LifecycleRule{ID: "ia", Transitions: []constructs.Transition{{Days: 29, StorageClass: constructs.StorageOneZoneIA}}})),
			scope:    scope,
			problems: [][]string{{"LifecycleRules[0].Transitions[0].Days", "29", "below 30", "ONEZONE_IA"}},
		},
		{
			name:     "unsupported storage class",
			build:    newBucket("uploads", rules(constructs.LifecycleRule{ID: "cold", Transitions: []constructs.Transition{{Days: 1, StorageClass: "REDUCED_REDUNDANCY"}}})),
			scope:    scope,
			problems: [][]string{{"LifecycleRules[0].Transitions[0].StorageClass", `"REDUCED_REDUNDANCY"`, "GLACIER"}},
		},
		{
			name: "duplicate rule IDs",
			build: newBucket("uploads", rules(
				constructs.LifecycleRule{ID: "expire", ExpirationDays: 30},
				constructs.LifecycleRule{ID: "expire", NoncurrentExpirationDays: 30},
			)),
			scope:    scope,
			problems: [][]string{{"LifecycleRules[1].ID", `"expire"`, "unique"}},
		},
		{
			name:     "empty rule",
			build:    newBucket("uploads", rules(constructs.LifecycleRule{})),
			scope:    scope,
			problems: [][]string{{"LifecycleRules[0].ID", `""`, "1–255"}, {"LifecycleRules[0]", "does nothing", "Transitions, ExpirationDays or NoncurrentExpirationDays"}},
		},
		{
			name:     "negative expiration",
			build:    newBucket("uploads", rules(constructs.LifecycleRule{ID: "x", ExpirationDays: -1})),
			scope:    scope,
			problems: [][]string{{"LifecycleRules[0]", "must not be negative"}},
		},
		{
			name: "KMS on an access log bucket",
			build: newBucket("uploads", func(env) constructs.BucketArgs {
				return constructs.BucketArgs{ForAccessLogs: true, KMSKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/x"}
			}),
			scope:    scope,
			problems: [][]string{{"KMSKeyArn", "ForAccessLogs", "SSE-S3"}},
		},
		{
			name:     "access logs to a bucket not made for them",
			build:    newBucket("uploads", func(e env) constructs.BucketArgs { return constructs.BucketArgs{AccessLogBucket: e.plain} }),
			scope:    scope,
			problems: [][]string{{"AccessLogBucket", `"plain"`, "ForAccessLogs: true"}},
		},
		{
			name: "every problem at once",
			build: newBucket("My_Bucket", func(e env) constructs.BucketArgs {
				return constructs.BucketArgs{AccessLogBucket: e.plain, LifecycleRules: []constructs.LifecycleRule{
					{ID: "a", Transitions: []constructs.Transition{{Days: 0, StorageClass: constructs.StorageGlacier}}},
					{ID: "a"},
				}}
			}),
			scope: `bucket "My_Bucket"`,
			problems: [][]string{
				{"name", `"My_Bucket"`},
				{"AccessLogBucket", `"plain"`},
				{"LifecycleRules[0].Transitions[0].Days", "0", "below 1"},
				{"LifecycleRules[1].ID", `"a"`, "unique"},
				{"LifecycleRules[1]", "does nothing"},
			},
		},
	})
}
