package synth

import "testing"

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
