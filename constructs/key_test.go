package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/internal/synthtest"
	kcheck "github.com/kumo-iac/kumo/internal/check"
)

const (
	typKeyComponent = "kumo:constructs:Key"
	typKMSKey       = "aws:kms/key:Key"
	typKMSAlias     = "aws:kms/alias:Alias"
	// testRoot is the account root kumo's key policies let administer keys.
	testRoot = "arn:aws:iam::" + testAccount + ":root"
)

func checkReport(t *testing.T, s *stack) *kcheck.Report {
	t.Helper()
	return synthtest.CheckReport(t, s.st())
}

func wantNoCheckErrors(t *testing.T, s *stack) *kcheck.Report {
	t.Helper()
	return synthtest.WantNoCheckErrors(t, s.st())
}

var wantSuppressed = synthtest.WantSuppressed

func synthKey(t *testing.T, args *constructs.KeyArgs) *stack {
	t.Helper()
	return newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		k, err := constructs.NewKey(ctx, "lake", args)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"arn": k.Arn, "keyId": k.KeyId, "alias": k.Alias.Name}, nil
	})
}

func TestKeyDefaults(t *testing.T) {
	s := synthKey(t, nil)
	comp := s.find(typKeyComponent, "lake")
	if got, want := s.childSet(comp.URN), []string{typKMSAlias + " lake", typKMSKey + " lake"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	key := s.find(typKMSKey, "lake")
	wantInputs(t, key,
		check{"enableKeyRotation", true},
		check{"deletionWindowInDays", 30},
		check{"keyUsage", "ENCRYPT_DECRYPT"},
		check{"customerMasterKeySpec", "SYMMETRIC_DEFAULT"},
		check{"description", "Key lake of kumo stack kumo/test."},
		check{"bypassPolicyLockoutSafetyCheck", nil},
	)
	p := policyInput(t, key, "policy")
	if got := p.sids(); !reflect.DeepEqual(got, []string{"AccountAdministersKeyThroughIAM"}) {
		t.Errorf("key policy statements: got %q; want only the account's administration", got)
	}
	root := p.statementBySid(t, "AccountAdministersKeyThroughIAM")
	if !reflect.DeepEqual(root.Principal, map[string]any{"AWS": []any{testRoot}}) || !reflect.DeepEqual(root.Action, []string{"kms:*"}) {
		t.Errorf("administration statement: got principal %v action %q; want the account root with kms:*", root.Principal, root.Action)
	}
	// The alias points at the key, and the provider names it from the
	// construct's name.
	alias := s.find(typKMSAlias, "lake")
	if got, want := alias.Inputs["targetKeyId"], s.output("keyId"); got != want {
		t.Errorf("alias targetKeyId: got %v; want the key's ID %q", got, want)
	}
	if got := s.output("alias"); !strings.HasPrefix(got, "alias/lake-") {
		t.Errorf("alias name: got %q; want alias/lake-<random>", got)
	}
	if got, want := s.output("arn"), "arn:aws:kms:"+testRegion+":"+testAccount+":key/"+s.output("keyId"); got != want {
		t.Errorf("Arn: got %q; want %q", got, want)
	}
	wantNoCheckErrors(t, s)
}

func TestKeyServicePrincipals(t *testing.T) {
	s := synthKey(t, &constructs.KeyArgs{
		Description:        "lake data",
		DeletionWindowDays: 7,
		ServicePrincipals:  []string{"logs." + testRegion + ".amazonaws.com", "cloudtrail.amazonaws.com", "cloudwatch.amazonaws.com", "sns.amazonaws.com"},
	})
	key := s.find(typKMSKey, "lake")
	wantInputs(t, key, check{"deletionWindowInDays", 7}, check{"description", "lake data"})
	p := policyInput(t, key, "policy")
	want := []string{"AccountAdministersKeyThroughIAM", "ServiceLogsEuWest1", "ServiceCloudtrailEncrypt", "ServiceCloudtrailDescribe", "ServiceCloudwatch", "ServiceSns"}
	if got := p.sids(); !reflect.DeepEqual(got, want) {
		t.Fatalf("key policy statements: got %q; want %q", got, want)
	}
	acct := testAccount
	for _, tc := range []struct {
		sid, service string
		actions      []string
		condition    map[string]map[string][]string
	}{
		{"ServiceLogsEuWest1", "logs.eu-west-1.amazonaws.com", []string{"kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"},
			map[string]map[string][]string{"ArnLike": {"kms:EncryptionContext:aws:logs:arn": {"arn:aws:logs:eu-west-1:" + acct + ":*"}}}},
		{"ServiceCloudtrailEncrypt", "cloudtrail.amazonaws.com", []string{"kms:GenerateDataKey*"},
			map[string]map[string][]string{
				"ArnLike":    {"aws:SourceArn": {"arn:aws:cloudtrail:eu-west-1:" + acct + ":trail/*"}},
				"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": {"arn:aws:cloudtrail:*:" + acct + ":trail/*"}},
			}},
		{"ServiceCloudtrailDescribe", "cloudtrail.amazonaws.com", []string{"kms:DescribeKey"},
			map[string]map[string][]string{"ArnLike": {"aws:SourceArn": {"arn:aws:cloudtrail:eu-west-1:" + acct + ":trail/*"}}}},
		{"ServiceCloudwatch", "cloudwatch.amazonaws.com", []string{"kms:Decrypt", "kms:GenerateDataKey*"},
			map[string]map[string][]string{"ArnLike": {"kms:EncryptionContext:aws:sns:topicArn": {"arn:aws:sns:eu-west-1:" + acct + ":*"}}}},
		{"ServiceSns", "sns.amazonaws.com", []string{"kms:Decrypt", "kms:GenerateDataKey*"},
			map[string]map[string][]string{"ArnLike": {"kms:EncryptionContext:aws:sqs:arn": {"arn:aws:sqs:eu-west-1:" + acct + ":*"}}}},
	} {
		st := p.statementBySid(t, tc.sid)
		if !reflect.DeepEqual(st.Principal, map[string]any{"Service": []any{tc.service}}) {
			t.Errorf("%s: principal %v; want service %s", tc.sid, st.Principal, tc.service)
		}
		if !reflect.DeepEqual(st.Action, tc.actions) {
			t.Errorf("%s: actions %q; want %q", tc.sid, st.Action, tc.actions)
		}
		if !reflect.DeepEqual(st.Condition, tc.condition) {
			t.Errorf("%s: condition %v; want %v", tc.sid, st.Condition, tc.condition)
		}
	}
}

func TestKeyGrants(t *testing.T) {
	keyArn := func(s *stack) []string { return []string{s.output("keyArn")} }
	for _, tc := range []struct {
		access  string
		grant   func(*constructs.Key, constructs.Grantee) error
		sid     string
		actions []string
	}{
		{"decrypt", (*constructs.Key).GrantDecrypt, "KeyDecrypt", []string{"kms:Decrypt"}},
		{"encryptdecrypt", (*constructs.Key).GrantEncryptDecrypt, "KeyEncryptDecrypt", []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt",
			"kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"}},
	} {
		t.Run(tc.access, func(t *testing.T) {
			p := newProject(t)
			s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
				fn, err := constructs.NewFunction(ctx, "fn", p.checkedFnArgs())
				if err != nil {
					return nil, err
				}
				k, err := constructs.NewKey(ctx, "lake", nil)
				if err != nil {
					return nil, err
				}
				for range 2 {
					if err := tc.grant(k, fn); err != nil {
						return nil, err
					}
				}
				out := functionOutputs(fn)
				out["keyArn"] = k.Arn
				return out, nil
			})
			checkGrantPolicy(t, s, "fn-key-lake-"+tc.access, []wantStatement{{tc.sid, tc.actions, keyArn}})
			wantNoCheckErrors(t, s)
		})
	}
}

func TestKeyPassesCheck(t *testing.T) {
	wantNoCheckErrors(t, synthKey(t, &constructs.KeyArgs{ServicePrincipals: []string{"cloudtrail.amazonaws.com"}}))
}

func TestKeyBadInputs(t *testing.T) {
	newKey := func(name string, args constructs.KeyArgs) func(*pulumi.Context, *project, struct{}) error {
		return func(ctx *pulumi.Context, _ *project, _ struct{}) error {
			_, err := constructs.NewKey(ctx, name, &args)
			return err
		}
	}
	runBadInputs(t, nil, []badInput[struct{}]{
		{
			name:     "deletion window of 6 days",
			build:    newKey("lake", constructs.KeyArgs{DeletionWindowDays: 6}),
			scope:    `key "lake"`,
			problems: [][]string{{"DeletionWindowDays", "6", "7–30"}},
		},
		{
			name:     "deletion window of 31 days",
			build:    newKey("lake", constructs.KeyArgs{DeletionWindowDays: 31}),
			scope:    `key "lake"`,
			problems: [][]string{{"DeletionWindowDays", "31", "7–30"}},
		},
		{
			name:     "name the alias cannot carry",
			build:    newKey("lake.key", constructs.KeyArgs{}),
			scope:    `key "lake.key"`,
			problems: [][]string{{"name", `"lake.key"`, "letters, digits, '/', '_' or '-'"}},
		},
		{
			name:  "every problem at once",
			build: newKey("lake", constructs.KeyArgs{Description: strings.Repeat("d", 8193), ServicePrincipals: []string{"CloudWatch", "sns.amazonaws.com", "sns.amazonaws.com"}}),
			scope: `key "lake"`,
			problems: [][]string{
				{"Description", "8193 characters", "at most 8192"},
				{"ServicePrincipals[0]", `"CloudWatch"`, "amazonaws.com"},
				{"ServicePrincipals[2]", `"sns.amazonaws.com"`, "twice"},
			},
		},
	})
}

// A bucket or table encrypted with a Key uses its ARN, and their grants
// grant use of the key with them.
func TestBucketAndTableWithKey(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := constructs.NewFunction(ctx, "fn", p.checkedFnArgs())
		if err != nil {
			return nil, err
		}
		k, err := constructs.NewKey(ctx, "lake", nil)
		if err != nil {
			return nil, err
		}
		logs, err := constructs.NewBucket(ctx, "access-logs", &constructs.BucketArgs{ForAccessLogs: true})
		if err != nil {
			return nil, err
		}
		bucket, err := constructs.NewBucket(ctx, "raw", &constructs.BucketArgs{KMSKey: k, AccessLogBucket: logs})
		if err != nil {
			return nil, err
		}
		table, err := constructs.NewTable(ctx, "catalog", &constructs.TableArgs{KMSKey: k})
		if err != nil {
			return nil, err
		}
		for _, grant := range []func(constructs.Grantee) error{bucket.GrantRead, bucket.GrantWrite, table.GrantRead, table.GrantReadWrite} {
			if err := grant(fn); err != nil {
				return nil, err
			}
		}
		out := functionOutputs(fn)
		out["keyArn"], out["bucketArn"], out["tableArn"] = k.Arn, bucket.Arn, table.Arn
		return out, nil
	})
	keyArn := s.output("keyArn")
	wantInputs(t, s.find(typBucketSSE, "raw"),
		check{"rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "aws:kms"},
		check{"rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", keyArn},
		check{"rules.0.bucketKeyEnabled", true})
	wantInputs(t, s.find(typDynamoTable, "catalog"),
		check{"serverSideEncryption.enabled", true},
		check{"serverSideEncryption.kmsKeyArn", keyArn})
	key := func(*stack) []string { return []string{keyArn} }
	bucketArn := func(s *stack) []string { return []string{s.output("bucketArn")} }
	objects := func(s *stack) []string { return []string{s.output("bucketArn") + "/*"} }
	table := func(s *stack) []string { return []string{s.output("tableArn"), s.output("tableArn") + "/index/*"} }
	checkGrantPolicy(t, s, "fn-bucket-raw-read", []wantStatement{
		{"BucketList", []string{"s3:ListBucket"}, bucketArn},
		{"BucketRead", []string{"s3:GetObject", "s3:GetObjectVersion"}, objects},
		{"BucketKey", []string{"kms:Decrypt"}, key},
	})
	checkGrantPolicy(t, s, "fn-bucket-raw-write", []wantStatement{
		{"BucketWrite", []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"}, objects},
		{"BucketKey", []string{"kms:Decrypt", "kms:GenerateDataKey"}, key},
	})
	checkGrantPolicy(t, s, "fn-table-catalog-read", []wantStatement{
		{"TableRead", tableRead, table},
		{"TableKey", []string{"kms:Decrypt"}, key},
	})
	checkGrantPolicy(t, s, "fn-table-catalog-readwrite", []wantStatement{
		{"TableReadWrite", append(append([]string(nil), tableRead...), tableWrite...), table},
		{"TableKey", []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
			"kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"}, key},
	})
	wantNoCheckErrors(t, s)
}

func TestBucketAndTableKeyBadInputs(t *testing.T) {
	const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	setup := func(ctx *pulumi.Context, _ *project) (*constructs.Key, error) {
		return constructs.NewKey(ctx, "lake", nil)
	}
	runBadInputs(t, setup, []badInput[*constructs.Key]{
		{
			name: "bucket with both keys",
			build: func(ctx *pulumi.Context, _ *project, k *constructs.Key) error {
				_, err := constructs.NewBucket(ctx, "raw", &constructs.BucketArgs{KMSKey: k, KMSKeyArn: keyArn})
				return err
			},
			scope:    `bucket "raw"`,
			problems: [][]string{{"KMSKey", `"lake"`, keyArn, "set one of them"}},
		},
		{
			name: "access log bucket with a key",
			build: func(ctx *pulumi.Context, _ *project, k *constructs.Key) error {
				_, err := constructs.NewBucket(ctx, "logs", &constructs.BucketArgs{KMSKey: k, ForAccessLogs: true})
				return err
			},
			scope:    `bucket "logs"`,
			problems: [][]string{{"KMSKey", `"lake"`, "ForAccessLogs", "SSE-S3"}},
		},
		{
			name: "bucket for an unnamed trail, twice",
			build: func(ctx *pulumi.Context, _ *project, _ *constructs.Key) error {
				_, err := constructs.NewBucket(ctx, "logs", &constructs.BucketArgs{TrailLogsFor: []string{"", "audit", "audit"}})
				return err
			},
			scope:    `bucket "logs"`,
			problems: [][]string{{"TrailLogsFor[0]", `""`, "construct name of a Trail"}, {"TrailLogsFor[2]", `"audit"`, "listed once"}},
		},
		{
			name: "table with both keys",
			build: func(ctx *pulumi.Context, _ *project, k *constructs.Key) error {
				_, err := constructs.NewTable(ctx, "catalog", &constructs.TableArgs{KMSKey: k, KMSKeyArn: keyArn})
				return err
			},
			scope:    `table "catalog"`,
			problems: [][]string{{"KMSKey", `"lake"`, keyArn, "set one of them"}},
		},
	})
}
