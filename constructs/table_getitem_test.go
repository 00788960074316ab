package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

// GrantGetItem is GetItem alone, on the table and each replica's ARN (a
// function in the replica's region reads the local copy), never their
// indexes; with a customer managed key, decrypt with it and each replica's.
func TestTableGrantGetItem(t *testing.T) {
	const replicaKey = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	tableAndReplica := func(s *stack) []string {
		arn := s.output("tableArn")
		return []string{arn, strings.Replace(arn, ":"+testRegion+":", ":us-east-1:", 1)}
	}
	tests := []struct {
		name    string
		withKey bool
		want    func(s *stack) []wantStatement
	}{
		{"AWS managed key", false, func(*stack) []wantStatement {
			return []wantStatement{{"TableGetItem", []string{"dynamodb:GetItem"}, tableAndReplica}}
		}},
		{"customer managed keys", true, func(s *stack) []wantStatement {
			return []wantStatement{
				{"TableGetItem", []string{"dynamodb:GetItem"}, tableAndReplica},
				{"TableKey", []string{"kms:Decrypt"}, func(s *stack) []string { return []string{s.output("keyArn"), replicaKey} }},
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProject(t)
			s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
				provs, err := providers(ctx, "us-east-1")
				if err != nil {
					return nil, err
				}
				fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
				if err != nil {
					return nil, err
				}
				args := &constructs.TableArgs{Replicas: []constructs.TableReplica{{Region: "us-east-1", Provider: provs["us-east-1"]}}}
				var key *constructs.Key
				if tt.withKey {
					if key, err = constructs.NewKey(ctx, "items-key", nil); err != nil {
						return nil, err
					}
					args = &constructs.TableArgs{KMSKey: key, Replicas: []constructs.TableReplica{{Region: "us-east-1", KMSKeyArn: replicaKey, Provider: provs["us-east-1"]}}}
				}
				table, err := constructs.NewTable(ctx, "items", args)
				if err != nil {
					return nil, err
				}
				if err := table.GrantGetItem(fn); err != nil {
					return nil, err
				}
				out := functionOutputs(fn)
				out["tableArn"] = table.Arn
				if key != nil {
					out["keyArn"] = key.Arn
				}
				return out, nil
			})
			checkGrantPolicy(t, s, "fn-table-items-getitem", tt.want(s))
		})
	}
}

// GrantGetItemIn is GetItem of the named partition keys alone, on the copy
// in one region: the table or the replica there, never the other region's
// copy or an index, with the key of that copy only, and a
// ForAllValues:StringEquals condition on dynamodb:LeadingKeys holding
// exactly the keys, sorted and without repeats.
func TestTableGrantGetItemIn(t *testing.T) {
	for _, tc := range []struct {
		region       string
		copyArn, key func(s *stack) string
		others       func(s *stack) []string
	}{
		{testRegion,
			func(s *stack) string { return s.output("tableArn") }, func(s *stack) string { return s.output("keyArn") },
			func(s *stack) []string { return []string{replicaArn(s, "us-east-1"), replicaKeyUS} }},
		{"us-east-1",
			func(s *stack) string { return replicaArn(s, "us-east-1") }, func(*stack) string { return replicaKeyUS },
			func(s *stack) []string { return []string{s.output("tableArn"), s.output("keyArn")} }},
	} {
		t.Run(tc.region, func(t *testing.T) {
			s, err := replicatedTable(t, func(table *constructs.Table, fn *constructs.Function) error {
				return table.GrantGetItemIn(fn, tc.region, "probe-b", "probe-a", "probe-b")
			})
			if err != nil {
				t.Fatalf("synth: %v", err)
			}
			name := "fn-table-items-getitem-" + tc.region
			doc := policyInput(t, s.find(typRolePolicy, name), "policy")
			if len(doc.Statement) != 2 {
				t.Fatalf("%s: got statements %q; want TableGetItem and TableKey", name, doc.sids())
			}
			get, key := doc.statementBySid(t, "TableGetItem"), doc.statementBySid(t, "TableKey")
			if !reflect.DeepEqual(get.Action, []string{"dynamodb:GetItem"}) || !reflect.DeepEqual(get.Resource, []string{tc.copyArn(s)}) {
				t.Errorf("%s TableGetItem: got %q on %q; want dynamodb:GetItem on exactly %q", name, get.Action, get.Resource, tc.copyArn(s))
			}
			wantCond := map[string]map[string][]string{"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": {"probe-a", "probe-b"}}}
			if !reflect.DeepEqual(get.Condition, wantCond) {
				t.Errorf("%s TableGetItem: got condition %v; want %v", name, get.Condition, wantCond)
			}
			if !reflect.DeepEqual(key.Action, []string{"kms:Decrypt"}) || !reflect.DeepEqual(key.Resource, []string{tc.key(s)}) {
				t.Errorf("%s TableKey: got %q on %q; want kms:Decrypt on %q", name, key.Action, key.Resource, tc.key(s))
			}
			raw := s.find(typRolePolicy, name).Inputs["policy"].(string)
			for _, other := range tc.others(s) {
				if strings.Contains(raw, other) {
					t.Errorf("%s names %q, the other region's; want only the copy in %s:\n%s", name, other, tc.region, raw)
				}
			}
		})
	}
}

// GrantGetItemIn refuses a grant without keys (which would be GetItem of
// anything), an empty key, and a region without a copy of the table.
func TestTableGrantGetItemInRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		region string
		keys   []string
		want   []string
	}{
		{"no keys", "us-east-1", nil, []string{`table "items"`, `grant getitem in "us-east-1"`, "no partition keys"}},
		{"an empty key", "us-east-1", []string{"probe", ""}, []string{`grant getitem in "us-east-1"`, "empty key"}},
		{"no copy there", "us-west-2", []string{"probe"}, []string{`grant in "us-west-2"`, "the table is in " + testRegion, "has replicas in us-east-1"}},
		{"not a region", "eu-west-11", []string{"probe"}, []string{`grant getitem in "eu-west-11"`, "not an AWS region"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := replicatedTable(t, func(table *constructs.Table, fn *constructs.Function) error {
				return table.GrantGetItemIn(fn, tc.region, tc.keys...)
			})
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("GrantGetItemIn(fn, %q, %q): got %v; want an error containing %q", tc.region, tc.keys, err, w)
				}
			}
		})
	}
}
