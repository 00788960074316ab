package constructs_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/synth"
)

const typDynamoReplica = "aws:dynamodb/tableReplica:TableReplica"

// keyEncryptDecrypt is what a grant to write a table under a kumo Key lets
// the grantee do with the key.
var keyEncryptDecrypt = []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
	"kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"}

// replicaKeyUS is a customer managed key in us-east-1, for replicas there.
const replicaKeyUS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// providers registers an AWS provider per region, as a program driving
// several regions does.
func providers(ctx *pulumi.Context, regions ...string) (map[string]*aws.Provider, error) {
	out := map[string]*aws.Provider{}
	for _, r := range regions {
		p, err := aws.NewProvider(ctx, "aws-"+r, &aws.ProviderArgs{Region: pulumi.String(r)})
		if err != nil {
			return nil, err
		}
		out[r] = p
	}
	return out, nil
}

// replicaArn is the ARN of the table's replica in region, as the replica's
// resource reports it.
func replicaArn(s *stack, region string) string {
	s.t.Helper()
	arn, _ := s.find(typDynamoReplica, "items-"+region).State["arn"].(string)
	if arn == "" {
		s.t.Fatalf("replica items-%s has no arn", region)
	}
	return arn
}

func TestTableReplicas(t *testing.T) {
	const keyEU = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	keyUSWest := strings.ReplaceAll(replicaKeyUS, "us-east-1", "us-west-2")
	off := false
	for _, tc := range []struct {
		name string
		// args get a provider for each replica's region.
		args constructs.TableArgs
		// want are the inputs of each replica's resource, by region.
		want map[string][]check
	}{
		{"one replica, the defaults", constructs.TableArgs{Replicas: []constructs.TableReplica{{Region: "us-east-1"}}},
			map[string][]check{"us-east-1": {{"pointInTimeRecovery", true}, {"deletionProtectionEnabled", false}, {"kmsKeyArn", nil}}}},
		{"deletion protection reaches the replica", constructs.TableArgs{DeletionProtection: true, Replicas: []constructs.TableReplica{{Region: "us-east-1"}}},
			map[string][]check{"us-east-1": {{"pointInTimeRecovery", true}, {"deletionProtectionEnabled", true}}}},
		{"customer managed keys, PITR off on one", constructs.TableArgs{KMSKeyArn: keyEU, Replicas: []constructs.TableReplica{
			{Region: "us-east-1", KMSKeyArn: replicaKeyUS}, {Region: "us-west-2", KMSKeyArn: keyUSWest, PointInTimeRecovery: &off}}},
			map[string][]check{
				"us-east-1": {{"kmsKeyArn", replicaKeyUS}, {"pointInTimeRecovery", true}, {"deletionProtectionEnabled", false}},
				"us-west-2": {{"kmsKeyArn", keyUSWest}, {"pointInTimeRecovery", false}},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t)
			s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
				var regions []string
				for _, r := range tc.args.Replicas {
					regions = append(regions, r.Region)
				}
				provs, err := providers(ctx, regions...)
				if err != nil {
					return nil, err
				}
				args := tc.args
				args.Replicas = slices.Clone(args.Replicas)
				for i := range args.Replicas {
					args.Replicas[i].Provider = provs[args.Replicas[i].Region]
				}
				table, err := constructs.NewTable(ctx, "items", &args)
				if err != nil {
					return nil, err
				}
				if got, want := len(table.Replicas), len(args.Replicas); got != want {
					t.Errorf("Table.Replicas: got %d; want %d", got, want)
				}
				return pulumi.Map{"arn": table.Arn, "name": table.Name}, nil
			})
			table := s.find(typDynamoTable, "items")
			// The replicas are resources of their own now: the table's
			// replicas block stays empty (the two are mutually exclusive).
			wantInputs(t, table, check{"replicas", nil},
				// Global tables replicate from a stream of both images.
				check{"streamEnabled", true}, check{"streamViewType", "NEW_AND_OLD_IMAGES"},
				check{"pointInTimeRecovery.enabled", true}, check{"serverSideEncryption.enabled", true})
			comp := s.find(typTableComponent, "items")
			wantChildren := []string{typDynamoTable + " items"}
			for region, checks := range tc.want {
				wantChildren = append(wantChildren, typDynamoReplica+" items-"+region)
				rep := s.find(typDynamoReplica, "items-"+region)
				wantInputs(t, rep, append(checks, check{"globalTableArn", s.output("arn")})...)
				// Registered with its region's provider, the replica is the
				// table's namesake there.
				want := "arn:aws:dynamodb:" + region + ":" + testAccount + ":table/" + s.output("name")
				if got := replicaArn(s, region); got != want {
					t.Errorf("replica in %s: arn: got %q; want %q (registered with the %s provider)", region, got, want, region)
				}
				if !dependsOn(rep, table) {
					t.Errorf("replica in %s: dependencies %q; want the table (it is created after it)", region, rep.Dependencies)
				}
			}
			slices.Sort(wantChildren)
			if got := s.childSet(comp.URN); !reflect.DeepEqual(got, wantChildren) {
				t.Errorf("children: got %q; want %q", got, wantChildren)
			}
		})
	}
}

// replicatedTable registers fn and a table "items" with a kumo Key and a
// replica in us-east-1 under its own key, and runs grant.
func replicatedTable(t *testing.T, grant func(*constructs.Table, *constructs.Function) error) (*stack, error) {
	t.Helper()
	p := newProject(t)
	res, err := p.run(func(ctx *pulumi.Context) (pulumi.Map, error) {
		provs, err := providers(ctx, "us-east-1")
		if err != nil {
			return nil, err
		}
		fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
		if err != nil {
			return nil, err
		}
		key, err := constructs.NewKey(ctx, "items-key", nil)
		if err != nil {
			return nil, err
		}
		table, err := constructs.NewTable(ctx, "items", &constructs.TableArgs{KMSKey: key,
			Replicas: []constructs.TableReplica{{Region: "us-east-1", KMSKeyArn: replicaKeyUS, Provider: provs["us-east-1"]}}})
		if err != nil {
			return nil, err
		}
		if err := grant(table, fn); err != nil {
			return nil, err
		}
		out := functionOutputs(fn)
		out["tableArn"], out["keyArn"] = table.Arn, key.Arn
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return &stack{t: t, Result: res}, nil
}

// statementResources are the resources of each statement of a policy, by
// Sid.
func statementResources(t *testing.T, r synth.Resource) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, st := range policyInput(t, r, "policy").Statement {
		out[st.Sid] = st.Resource
	}
	return out
}

// A function granted the whole table may use every copy: the table and,
// through the replica's own key, the replica.
func TestTableGrantsCoverReplicas(t *testing.T) {
	s, err := replicatedTable(t, func(table *constructs.Table, fn *constructs.Function) error { return table.GrantRead(fn) })
	if err != nil {
		t.Fatalf("synth: %v", err)
	}
	arn, replica := s.output("tableArn"), replicaArn(s, "us-east-1")
	if strings.Contains(replica, ":"+testRegion+":") {
		t.Fatalf("replica arn %q is in the table's region; want us-east-1", replica)
	}
	got := statementResources(t, s.find(typRolePolicy, "fn-table-items-read"))
	want := map[string][]string{
		"TableRead": {arn, arn + "/index/*", replica, replica + "/index/*"},
		"TableKey":  {s.output("keyArn"), replicaKeyUS},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fn-table-items-read resources: got %q; want %q", got, want)
	}
}

// A grant in one region names that region's copy and key only: the other
// region's table ARN and key are absent, so a function there cannot write
// the other copy directly.
func TestTableGrantReadWriteIn(t *testing.T) {
	readWrite := append(append([]string(nil), tableRead...), tableWrite...)
	for _, tc := range []struct {
		region string
		// copyArn and key are what the grant must name; others what it
		// must not.
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
				// Granting twice must not add a second policy.
				for range 2 {
					if err := table.GrantReadWriteIn(fn, tc.region); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatalf("synth: %v", err)
			}
			name := "fn-table-items-readwrite-" + tc.region
			copyArn := tc.copyArn(s)
			checkGrantPolicy(t, s, name, []wantStatement{
				{"TableReadWrite", readWrite, func(*stack) []string { return []string{copyArn, copyArn + "/index/*"} }},
				{"TableKey", keyEncryptDecrypt, func(s *stack) []string { return []string{tc.key(s)} }},
			})
			doc := s.find(typRolePolicy, name).Inputs["policy"].(string)
			for _, other := range tc.others(s) {
				if strings.Contains(doc, other) {
					t.Errorf("%s names %q, the other region's; want only the copy in %s:\n%s", name, other, tc.region, doc)
				}
			}
			if got := len(s.ofType(typRolePolicy)); got != 2 {
				t.Errorf("role policies: got %d; want 2 (logs and one grant)\n%s", got, s.list())
			}
		})
	}
}

// A grant in a region without a copy of the table is refused, naming the
// regions that have one.
func TestTableGrantReadWriteInOtherRegion(t *testing.T) {
	for _, tc := range []struct {
		region string
		want   []string
	}{
		// Known when the table's ARN is: synth fails on it.
		{"us-west-2", []string{`table "items"`, `grant in "us-west-2"`, "the table is in " + testRegion, "has replicas in us-east-1"}},
		// Not a region at all: refused at once.
		{"eu-west-11", []string{`table "items"`, `"eu-west-11"`, "not an AWS region", "has replicas in us-east-1"}},
	} {
		t.Run(tc.region, func(t *testing.T) {
			_, err := replicatedTable(t, func(table *constructs.Table, fn *constructs.Function) error {
				return table.GrantReadWriteIn(fn, tc.region)
			})
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("GrantReadWriteIn(fn, %q): got %v; want an error containing %q", tc.region, err, w)
				}
			}
		})
	}
}

func TestTableReplicaBadInputs(t *testing.T) {
	const keyEU = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	// Validate is pure: a provider that is never registered stands in for
	// one.
	prov := &aws.Provider{}
	err := constructs.TableArgs{Stream: constructs.StreamNewImage, KMSKeyArn: keyEU, Replicas: []constructs.TableReplica{
		{Region: "us-east-1", KMSKeyArn: keyEU, Provider: prov},
		{Region: "us-east-1", KMSKeyArn: "alias/aws/dynamodb", Provider: prov},
		{Region: "eu-west-11"},
	}}.Validate("items")
	checkValidationError(t, err, `table "items"`, [][]string{
		{"Stream", `"NEW_IMAGE"`, "NEW_AND_OLD_IMAGES"},
		{"Replicas[0].KMSKeyArn", "is in eu-west-1, the replica in us-east-1"},
		{"Replicas[1].Region", `"us-east-1" is also Replicas[0]'s`},
		{"Replicas[1].KMSKeyArn", `"alias/aws/dynamodb"`, "not a KMS key ARN"},
		{"Replicas[2].Region", `"eu-west-11"`, `did you mean "eu-west-1"`},
		{"Replicas[2].Provider", "nil", `"eu-west-11"`, "aws.NewProvider"},
		{"Replicas[2].KMSKeyArn", "customer managed key", "eu-west-11"},
	})
}

// A replica in the table's own region is refused by kumo synth, which
// knows the providers' regions (the construct does not).
func TestTableReplicaInOwnRegionFailsSynth(t *testing.T) {
	p := newProject(t)
	_, err := p.run(func(ctx *pulumi.Context) (pulumi.Map, error) {
		provs, err := providers(ctx, testRegion)
		if err != nil {
			return nil, err
		}
		_, err = constructs.NewTable(ctx, "items", &constructs.TableArgs{Replicas: []constructs.TableReplica{{Region: testRegion, Provider: provs[testRegion]}}})
		return nil, err
	})
	if err == nil || !strings.Contains(err.Error(), "globalTableArn") || !strings.Contains(err.Error(), "the replica's own region") {
		t.Errorf("synth: got %v; want the reality rule refusing a replica in %s", err, testRegion)
	}
}
