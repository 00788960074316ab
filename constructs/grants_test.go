package constructs_test

import (
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/internal/synthtest"
)

var (
	tableRead  = []string{"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}
	tableWrite = []string{"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}
)

// wantStatement is a synthtest.WantStatement whose resources read this
// package's stack.
type wantStatement struct {
	sid       string
	actions   []string
	resources func(s *stack) []string
}

// checkGrantPolicy is synthtest.CheckGrantPolicy.
func checkGrantPolicy(t *testing.T, s *stack, policyName string, want []wantStatement) {
	t.Helper()
	ws := make([]synthtest.WantStatement, len(want))
	for i, w := range want {
		ws[i] = synthtest.WantStatement{Sid: w.sid, Actions: w.actions,
			Resources: func(st *synthtest.Stack) []string { return w.resources(&stack{t: st.T, Result: st.Result}) }}
	}
	synthtest.CheckGrantPolicy(t, s.st(), policyName, ws)
}

func TestTableGrants(t *testing.T) {
	tableArns := func(s *stack) []string {
		arn := s.output("tableArn")
		return []string{arn, arn + "/index/*"}
	}
	for _, tc := range []struct {
		access  string
		grant   func(*constructs.Table, constructs.Grantee) error
		sid     string
		actions []string
	}{
		{"read", (*constructs.Table).GrantRead, "TableRead", tableRead},
		{"write", (*constructs.Table).GrantWrite, "TableWrite", tableWrite},
		{"readwrite", (*constructs.Table).GrantReadWrite, "TableReadWrite", append(append([]string(nil), tableRead...), tableWrite...)},
	} {
		t.Run(tc.access, func(t *testing.T) {
			p := newProject(t)
			s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
				fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
				if err != nil {
					return nil, err
				}
				table, err := constructs.NewTable(ctx, "items", nil)
				if err != nil {
					return nil, err
				}
				// Granting twice must not add a second policy.
				for range 2 {
					if err := tc.grant(table, fn); err != nil {
						return nil, err
					}
				}
				out := functionOutputs(fn)
				out["tableArn"] = table.Arn
				return out, nil
			})
			checkGrantPolicy(t, s, "fn-table-items-"+tc.access, []wantStatement{{tc.sid, tc.actions, tableArns}})
			if got := len(s.ofType(typRolePolicy)); got != 2 {
				t.Errorf("role policies: got %d; want 2 (logs and one grant)\n%s", got, s.list())
			}
		})
	}
}

func TestBucketGrants(t *testing.T) {
	const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	bucketArn := func(s *stack) []string { return []string{s.output("bucketArn")} }
	objects := func(s *stack) []string { return []string{s.output("bucketArn") + "/*"} }
	key := func(*stack) []string { return []string{keyArn} }
	for _, tc := range []struct {
		name   string
		access string
		kms    bool
		grant  func(*constructs.Bucket, constructs.Grantee) error
		want   []wantStatement
	}{
		{
			name: "read", access: "read", grant: (*constructs.Bucket).GrantRead,
			want: []wantStatement{
				{"BucketList", []string{"s3:ListBucket"}, bucketArn},
				{"BucketRead", []string{"s3:GetObject", "s3:GetObjectVersion"}, objects},
			},
		},
		{
			name: "write", access: "write", grant: (*constructs.Bucket).GrantWrite,
			want: []wantStatement{
				{"BucketWrite", []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"}, objects},
			},
		},
		{
			name: "readwrite", access: "readwrite", grant: (*constructs.Bucket).GrantReadWrite,
			want: []wantStatement{
				{"BucketList", []string{"s3:ListBucket"}, bucketArn},
				{"BucketReadWrite", []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"}, objects},
			},
		},
		{
			// Tags are metadata, not data: no key is needed to read them.
			name: "read tags with KMS key", access: "readtags", kms: true, grant: (*constructs.Bucket).GrantReadTags,
			want: []wantStatement{
				{"BucketReadTags", []string{"s3:GetObjectTagging", "s3:GetObjectVersionTagging"}, objects},
			},
		},
		{
			name: "read with KMS key", access: "read", kms: true, grant: (*constructs.Bucket).GrantRead,
			want: []wantStatement{
				{"BucketList", []string{"s3:ListBucket"}, bucketArn},
				{"BucketRead", []string{"s3:GetObject", "s3:GetObjectVersion"}, objects},
				{"BucketKey", []string{"kms:Decrypt"}, key},
			},
		},
		{
			name: "write with KMS key", access: "write", kms: true, grant: (*constructs.Bucket).GrantWrite,
			want: []wantStatement{
				{"BucketWrite", []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"}, objects},
				{"BucketKey", []string{"kms:Decrypt", "kms:GenerateDataKey"}, key},
			},
		},
		{
			name: "readwrite with KMS key", access: "readwrite", kms: true, grant: (*constructs.Bucket).GrantReadWrite,
			want: []wantStatement{
				{"BucketList", []string{"s3:ListBucket"}, bucketArn},
				{"BucketReadWrite", []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"}, objects},
				{"BucketKey", []string{"kms:Decrypt", "kms:GenerateDataKey"}, key},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t)
			s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
				fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
				if err != nil {
					return nil, err
				}
				args := &constructs.BucketArgs{}
				if tc.kms {
					args.KMSKeyArn = keyArn
				}
				bucket, err := constructs.NewBucket(ctx, "uploads", args)
				if err != nil {
					return nil, err
				}
				for range 2 {
					if err := tc.grant(bucket, fn); err != nil {
						return nil, err
					}
				}
				out := functionOutputs(fn)
				out["bucketArn"] = bucket.Arn
				return out, nil
			})
			checkGrantPolicy(t, s, "fn-bucket-uploads-"+tc.access, tc.want)
			if got := len(s.ofType(typRolePolicy)); got != 2 {
				t.Errorf("role policies: got %d; want 2 (logs and one grant)\n%s", got, s.list())
			}
		})
	}
}

// TestGrantsAreSeparatePolicies checks each distinct grant is its own
// policy, so a preview shows every widening of the role on its own line.
func TestGrantsAreSeparatePolicies(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
		if err != nil {
			return nil, err
		}
		orders, err := constructs.NewTable(ctx, "orders", nil)
		if err != nil {
			return nil, err
		}
		items, err := constructs.NewTable(ctx, "items", nil)
		if err != nil {
			return nil, err
		}
		for _, g := range []func(constructs.Grantee) error{orders.GrantRead, orders.GrantReadWrite, items.GrantRead, orders.GrantRead} {
			if err := g(fn); err != nil {
				return nil, err
			}
		}
		return functionOutputs(fn), nil
	})
	var got []string
	for _, rp := range s.ofType(typRolePolicy) {
		got = append(got, rp.Name)
	}
	if want := []string{"fn-logs", "fn-table-items-read", "fn-table-orders-read", "fn-table-orders-readwrite"}; !reflect.DeepEqual(sorted(got), want) {
		t.Errorf("role policies: got %q; want %q", sorted(got), want)
	}
}

// TestGrantsOnSameNamedTableAndBucket guards a fixed bug: grants are keyed by
// the construct name and access only, so a bucket grant is silently dropped
// when a table of the same name was granted the same access first.
func TestGrantsOnSameNamedTableAndBucket(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
		if err != nil {
			return nil, err
		}
		table, err := constructs.NewTable(ctx, "data", nil)
		if err != nil {
			return nil, err
		}
		bucket, err := constructs.NewBucket(ctx, "data", nil)
		if err != nil {
			return nil, err
		}
		if err := table.GrantRead(fn); err != nil {
			return nil, err
		}
		if err := bucket.GrantRead(fn); err != nil {
			return nil, err
		}
		out := functionOutputs(fn)
		out["bucketArn"] = bucket.Arn
		return out, nil
	})
	var actions []string
	for _, rp := range s.ofType(typRolePolicy) {
		for _, st := range policyInput(t, rp, "policy").Statement {
			actions = append(actions, st.Action...)
		}
	}
	for _, want := range []string{"dynamodb:GetItem", "s3:GetObject"} {
		found := false
		for _, a := range actions {
			found = found || a == want
		}
		if !found {
			t.Errorf("role policies grant %q; want them to include %s", actions, want)
		}
	}
}

// A table encrypted with a key given by ARN needs the key in its grants as
// much as one with a kumo Key: DynamoDB uses the key on the caller's
// behalf, and without kms:Decrypt every read is AccessDenied.
func TestTableGrantsWithKeyArn(t *testing.T) {
	const keyArn = "arn:aws:kms:" + testRegion + ":123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	key := func(*stack) []string { return []string{keyArn} }
	tableArns := func(s *stack) []string {
		arn := s.output("tableArn")
		return []string{arn, arn + "/index/*"}
	}
	for _, tc := range []struct {
		access string
		grant  func(*constructs.Table, constructs.Grantee) error
		want   []wantStatement
	}{
		{"read", (*constructs.Table).GrantRead, []wantStatement{{"TableRead", tableRead, tableArns}, {"TableKey", []string{"kms:Decrypt"}, key}}},
		{"readwrite", (*constructs.Table).GrantReadWrite, []wantStatement{
			{"TableReadWrite", append(append([]string(nil), tableRead...), tableWrite...), tableArns},
			{"TableKey", []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
				"kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"}, key}}},
	} {
		t.Run(tc.access, func(t *testing.T) {
			p := newProject(t)
			s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
				fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
				if err != nil {
					return nil, err
				}
				table, err := constructs.NewTable(ctx, "items", &constructs.TableArgs{KMSKeyArn: keyArn})
				if err != nil {
					return nil, err
				}
				if err := tc.grant(table, fn); err != nil {
					return nil, err
				}
				out := functionOutputs(fn)
				out["tableArn"] = table.Arn
				return out, nil
			})
			checkGrantPolicy(t, s, "fn-table-items-"+tc.access, tc.want)
		})
	}
}
