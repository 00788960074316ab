package synth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Tests of the DynamoDB global table (replica) rules: each refused case is
// a table DynamoDB refuses to replicate.

const testKeyUS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

const tDynamoTable = "aws:dynamodb/table:Table"

func replicatedTableInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{"name": "items", "hashKey": "id", "billingMode": "PAY_PER_REQUEST",
		"attributes": []any{map[string]any{"name": "id", "type": "S"}}, "streamEnabled": true, "streamViewType": "NEW_AND_OLD_IMAGES",
		"replicas": []any{map[string]any{"regionName": "us-east-1", "pointInTimeRecovery": true}}}, mods...)
}

func TestDynamoDBReplicaRealityRules(t *testing.T) {
	table := func(mods ...mod) func(f *fixture) {
		return func(f *fixture) {
			f.setRegion(f.add(tDynamoTable, "items", replicatedTableInputs(mods...)), "eu-west-1")
		}
	}
	replicas := func(rs ...map[string]any) mod {
		var l []any
		for _, r := range rs {
			l = append(l, r)
		}
		return set("replicas", l)
	}
	runRealityCases(t, []string{tDynamoTable}, []realityCase{
		{"accepted: one replica, streams of both images", table(), nil},
		{"accepted: a customer managed key in each region", table(set("serverSideEncryption", map[string]any{"enabled": true, "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/k"}),
			replicas(map[string]any{"regionName": "us-east-1", "kmsKeyArn": testKeyUS})), nil},
		{"replicas without a stream", table(set("streamEnabled", nil), set("streamViewType", nil)),
			[]want{{tDynamoTable, "streamEnabled", "NEW_AND_OLD_IMAGES", "V2globaltables_reqs_bestpractices"}}},
		{"replicas streaming new images only", table(set("streamViewType", "NEW_IMAGE")),
			[]want{{tDynamoTable, "streamViewType", "NEW_AND_OLD_IMAGES", "API_UpdateTable"}}},
		{"replica in the table's own region", table(replicas(map[string]any{"regionName": "eu-west-1"})),
			[]want{{tDynamoTable, "replicas.regionName", "other than the table's", "API_UpdateTable"}}},
		{"replica in eu-west-9", table(replicas(map[string]any{"regionName": "eu-west-9"})),
			[]want{{tDynamoTable, "replicas.regionName", "AWS region", "API_UpdateTable"}}},
		{"one region twice", table(replicas(map[string]any{"regionName": "us-east-1"}, map[string]any{"regionName": "us-east-1"})),
			[]want{{tDynamoTable, "replicas.regionName", "once", "API_UpdateTable"}}},
		{"replica key of another region", table(replicas(map[string]any{"regionName": "us-west-2", "kmsKeyArn": testKeyUS})),
			[]want{{tDynamoTable, "replicas.kmsKeyArn", "replica's region", "API_CreateReplicationGroupMemberAction"}}},
		{"customer managed key without one for the replica", table(set("serverSideEncryption", map[string]any{"enabled": true, "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/k"})),
			[]want{{tDynamoTable, "replicas.kmsKeyArn", "every replica", "API_CreateReplicationGroupMemberAction"}}},
	})
}

const (
	tDynamoReplica = "aws:dynamodb/tableReplica:TableReplica"
	// itemsArnEU is the ARN of the fixture table "items" in eu-west-1.
	itemsArnEU = "arn:aws:dynamodb:eu-west-1:123456789012:table/items"
)

// setIgnoreChanges sets the ignoreChanges option of a fixture resource.
func (f *fixture) setIgnoreChanges(urn string, paths ...string) {
	for i := range f.rs {
		if f.rs[i].URN == urn {
			f.rs[i].ignoreChanges = paths
			return
		}
	}
	panic("no resource " + urn)
}

// Tests of the rules of a replica registered as its own resource: each
// refused case is one the provider or DynamoDB refuses, or one whose next
// update would undo the replica.
func TestDynamoDBTableReplicaRealityRules(t *testing.T) {
	// globalTable registers the table "items" in eu-west-1 as kumo does
	// with replicas: no replicas block, changes to it ignored.
	globalTable := func(f *fixture, mods ...mod) string {
		urn := f.add(tDynamoTable, "items", replicatedTableInputs(append([]mod{set("replicas", nil)}, mods...)...))
		f.setRegion(urn, "eu-west-1")
		f.setIgnoreChanges(urn, "replicas")
		return urn
	}
	// replica registers a replica of the table in region, depending on
	// deps.
	replica := func(f *fixture, name, region string, in map[string]any, deps ...string) {
		f.setRegion(f.add(tDynamoReplica, name, in, deps...), region)
	}
	replicaInputs := func(mods ...mod) map[string]any {
		return inputs(map[string]any{"globalTableArn": itemsArnEU, "pointInTimeRecovery": true, "deletionProtectionEnabled": true}, mods...)
	}
	stack := func(tableMods []mod, replicaMods ...mod) func(f *fixture) {
		return func(f *fixture) {
			table := globalTable(f, tableMods...)
			replica(f, "items-us-east-1", "us-east-1", replicaInputs(replicaMods...), table)
		}
	}
	cmk := set("serverSideEncryption", map[string]any{"enabled": true, "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/k"})
	runRealityCases(t, []string{tDynamoReplica}, []realityCase{
		{"accepted: a replica after its table, which ignores its replicas block", stack(nil), nil},
		{"accepted: keys of each region", stack([]mod{cmk}, set("kmsKeyArn", testKeyUS)), nil},
		{"accepted: a replica of a table another stack manages", func(f *fixture) {
			replica(f, "items-us-east-1", "us-east-1", replicaInputs())
		}, nil},
		{"accepted: replicas in two regions", func(f *fixture) {
			table := globalTable(f)
			replica(f, "items-us-east-1", "us-east-1", replicaInputs(), table)
			replica(f, "items-us-west-2", "us-west-2", replicaInputs(), table)
		}, nil},

		// What the provider and the API refuse of the replica itself.
		{"no globalTableArn", stack(nil, set("globalTableArn", nil)),
			[]want{{tDynamoReplica, "globalTableArn", "required", "table_replica.go"}}},
		{"globalTableArn of an index", stack(nil, set("globalTableArn", itemsArnEU+"/index/byOwner")),
			[]want{{tDynamoReplica, "globalTableArn", "ARN of a DynamoDB table", "table_replica.go"}}},
		{"globalTableArn in eu-west-9", stack(nil, set("globalTableArn", "arn:aws:dynamodb:eu-west-9:123456789012:table/items")),
			[]want{{tDynamoReplica, "globalTableArn", "ARN of a DynamoDB table", "V2globaltables_reqs_bestpractices"}}},
		{"replica in the table's own region", func(f *fixture) {
			replica(f, "items-eu-west-1", "eu-west-1", replicaInputs(), globalTable(f))
		}, []want{{tDynamoReplica, "globalTableArn", "another region than the replica's provider", "same region as main table"}}},
		{"replica key of another region", stack(nil, set("kmsKeyArn", "arn:aws:kms:us-west-2:123456789012:key/k")),
			[]want{{tDynamoReplica, "kmsKeyArn", "in the replica's region", "API_CreateReplicationGroupMemberAction"}}},
		{"table class GLACIER", stack(nil, set("tableClassOverride", "GLACIER")),
			[]want{{tDynamoReplica, "tableClassOverride", "STANDARD", "API_CreateReplicationGroupMemberAction"}}},
		{"two replicas of one table in one region", func(f *fixture) {
			table := globalTable(f)
			replica(f, "items-us-east-1", "us-east-1", replicaInputs(), table)
			replica(f, "items-again", "us-east-1", replicaInputs(), table)
		}, []want{
			{tDynamoReplica, "globalTableArn", "one replica of a table", "API_UpdateTable"},
			{tDynamoReplica, "globalTableArn", "one replica of a table", "API_UpdateTable"},
		}},

		// What the replica needs of its table.
		{"replica not ordered after its table", func(f *fixture) {
			globalTable(f)
			replica(f, "items-us-east-1", "us-east-1", replicaInputs())
		}, []want{{tDynamoReplica, "globalTableArn", "created after its global table", "table_replica.go"}}},
		{"table without a stream", stack([]mod{set("streamEnabled", nil), set("streamViewType", nil)}),
			[]want{{tDynamoReplica, "globalTableArn", "NEW_AND_OLD_IMAGES", "V2globaltables_reqs_bestpractices"}}},
		{"table streaming new images only", stack([]mod{set("streamViewType", "NEW_IMAGE")}),
			[]want{{tDynamoReplica, "globalTableArn", "NEW_AND_OLD_IMAGES", "API_UpdateTable"}}},
		{"table with a replicas block too", stack([]mod{set("replicas", []any{map[string]any{"regionName": "us-west-2"}})}),
			[]want{{tDynamoReplica, "globalTableArn", "no replicas block", "mutually exclusive"}}},
		{"table that does not ignore its replicas block", func(f *fixture) {
			table := globalTable(f)
			f.setIgnoreChanges(table)
			replica(f, "items-us-east-1", "us-east-1", replicaInputs(), table)
		}, []want{{tDynamoReplica, "globalTableArn", "ignores changes to it", "tableReplica.go"}}},
		{"table under a customer managed key, replica without one", stack([]mod{cmk}),
			[]want{{tDynamoReplica, "kmsKeyArn", "customer managed key", "API_CreateReplicationGroupMemberAction"}}},
	})
}

// Through the mocks: a replica under another region's provider answers in
// that region, with the provider's ID, and the table's ignoreChanges
// reaches the rules, so leaving it out fails synth.
func TestTableReplicaThroughTheMocks(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"Pulumi.yaml":     "name: shop\nruntime: go\n",
		"Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n",
	})
	program := func(ignore bool) Program {
		return func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
			us, err := aws.NewProvider(ctx, "us", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
			if err != nil {
				return nil, err
			}
			var opts []pulumi.ResourceOption
			if ignore {
				opts = append(opts, pulumi.IgnoreChanges([]string{"replicas"}))
			}
			table, err := dynamodb.NewTable(ctx, "items", &dynamodb.TableArgs{
				Name: pulumi.String("items"), HashKey: pulumi.String("id"), BillingMode: pulumi.String("PAY_PER_REQUEST"),
				Attributes:    dynamodb.TableAttributeArray{dynamodb.TableAttributeArgs{Name: pulumi.String("id"), Type: pulumi.String("S")}},
				StreamEnabled: pulumi.Bool(true), StreamViewType: pulumi.String("NEW_AND_OLD_IMAGES"),
			}, opts...)
			if err != nil {
				return nil, err
			}
			rep, err := dynamodb.NewTableReplica(ctx, "items-us", &dynamodb.TableReplicaArgs{GlobalTableArn: table.Arn}, pulumi.Provider(us))
			if err != nil {
				return nil, err
			}
			return pulumi.Map{"arn": rep.Arn, "id": rep.ID()}, nil
		}
	}
	res, err := Run(context.Background(), Request{Root: dir, Stack: "dev"}, program(true))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"arn": "arn:aws:dynamodb:us-east-1:123456789012:table/items", "id": "items:eu-west-1"} {
		if got := res.Outputs[k]; got != want {
			t.Errorf("replica %s: got %v; want %q", k, got, want)
		}
	}
	_, err = Run(context.Background(), Request{Root: dir, Stack: "dev"}, program(false))
	var re *RealityError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "does not ignore changes to replicas") {
		t.Errorf("synth without ignoreChanges: got %v; want the rule that the table ignores its replicas block", err)
	}
}
