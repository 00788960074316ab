package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

func TestTableReplicas(t *testing.T) {
	const keyEU = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	const keyUS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	off := false
	for _, tc := range []struct {
		name         string
		args         constructs.TableArgs
		wantReplicas []any
	}{
		{"one replica, the defaults", constructs.TableArgs{Replicas: []constructs.TableReplica{{Region: "us-east-1"}}},
			[]any{map[string]any{"regionName": "us-east-1", "pointInTimeRecovery": true, "propagateTags": true}}},
		{"customer managed keys, PITR off on one", constructs.TableArgs{KMSKeyArn: keyEU, Replicas: []constructs.TableReplica{
			{Region: "us-east-1", KMSKeyArn: keyUS}, {Region: "us-west-2", KMSKeyArn: strings.ReplaceAll(keyUS, "us-east-1", "us-west-2"), PointInTimeRecovery: &off}}},
			[]any{map[string]any{"regionName": "us-east-1", "kmsKeyArn": keyUS, "pointInTimeRecovery": true, "propagateTags": true},
				map[string]any{"regionName": "us-west-2", "kmsKeyArn": strings.ReplaceAll(keyUS, "us-east-1", "us-west-2"), "pointInTimeRecovery": false, "propagateTags": true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := synthTable(t, &tc.args)
			wantInputs(t, s.find(typDynamoTable, "items"),
				check{"replicas", tc.wantReplicas},
				// Global tables replicate from a stream of both images.
				check{"streamEnabled", true}, check{"streamViewType", "NEW_AND_OLD_IMAGES"},
				check{"pointInTimeRecovery.enabled", true}, check{"serverSideEncryption.enabled", true})
		})
	}
}

// A function granted the table may use every replica: in a replica's
// region it reads and writes the local copy, whose ARN is the table's in
// that region.
func TestTableGrantsCoverReplicas(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
		if err != nil {
			return nil, err
		}
		table, err := constructs.NewTable(ctx, "items", &constructs.TableArgs{Replicas: []constructs.TableReplica{{Region: "us-east-1"}}})
		if err != nil {
			return nil, err
		}
		if err := table.GrantRead(fn); err != nil {
			return nil, err
		}
		out := functionOutputs(fn)
		out["tableArn"] = table.Arn
		return out, nil
	})
	checkGrantPolicy(t, s, "fn-table-items-read", []wantStatement{{"TableRead", tableRead, func(s *stack) []string {
		arn := s.output("tableArn")
		replica := strings.Replace(arn, ":"+testRegion+":", ":us-east-1:", 1)
		return []string{arn, arn + "/index/*", replica, replica + "/index/*"}
	}}})
}

func TestTableReplicaBadInputs(t *testing.T) {
	const keyEU = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	err := constructs.TableArgs{Stream: constructs.StreamNewImage, KMSKeyArn: keyEU, Replicas: []constructs.TableReplica{
		{Region: "us-east-1", KMSKeyArn: keyEU},
		{Region: "us-east-1", KMSKeyArn: "alias/aws/dynamodb"},
		{Region: "eu-west-11"},
	}}.Validate("items")
	checkValidationError(t, err, `table "items"`, [][]string{
		{"Stream", `"NEW_IMAGE"`, "NEW_AND_OLD_IMAGES"},
		{"Replicas[0].KMSKeyArn", "is in eu-west-1, the replica in us-east-1"},
		{"Replicas[1].Region", `"us-east-1" is also Replicas[0]'s`},
		{"Replicas[1].KMSKeyArn", `"alias/aws/dynamodb"`, "not a KMS key ARN"},
		{"Replicas[2].Region", `"eu-west-11"`, `did you mean "eu-west-1"`},
		{"Replicas[2].KMSKeyArn", "customer managed key", "eu-west-11"},
	})
}

// A replica in the table's own region is refused by kumo synth, which
// knows the provider's region (the construct does not).
func TestTableReplicaInOwnRegionFailsSynth(t *testing.T) {
	p := newProject(t)
	_, err := p.run(func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := constructs.NewTable(ctx, "items", &constructs.TableArgs{Replicas: []constructs.TableReplica{{Region: testRegion}}})
		return nil, err
	})
	if err == nil || !strings.Contains(err.Error(), "replicas.regionName") || !strings.Contains(err.Error(), "the table's own region") {
		t.Errorf("synth: got %v; want the reality rule refusing a replica in %s", err, testRegion)
	}
}

// TestTableGrantsCoverReplicaKeys: a replica under a customer managed key
// of its own region needs that key too, for a function in that region.
func TestTableGrantsCoverReplicaKeys(t *testing.T) {
	const replicaKey = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
		if err != nil {
			return nil, err
		}
		key, err := constructs.NewKey(ctx, "items-key", nil)
		if err != nil {
			return nil, err
		}
		table, err := constructs.NewTable(ctx, "items", &constructs.TableArgs{KMSKey: key,
			Replicas: []constructs.TableReplica{{Region: "us-east-1", KMSKeyArn: replicaKey}}})
		if err != nil {
			return nil, err
		}
		if err := table.GrantRead(fn); err != nil {
			return nil, err
		}
		out := functionOutputs(fn)
		out["keyArn"] = key.Arn
		return out, nil
	})
	doc := policyInput(t, s.find(typRolePolicy, "fn-table-items-read"), "policy")
	var keys []string
	for _, st := range doc.Statement {
		if st.Sid == "TableKey" {
			keys = st.Resource
		}
	}
	if want := []string{s.output("keyArn"), replicaKey}; !reflect.DeepEqual(keys, want) {
		t.Errorf("TableKey resources: got %q; want the table's key and the replica's %q", keys, want)
	}
}
