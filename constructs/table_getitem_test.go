package constructs_test

import (
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
