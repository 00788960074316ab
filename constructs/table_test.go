package constructs_test

import (
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const (
	typTableComponent = "kumo:constructs:Table"
	typDynamoTable    = "aws:dynamodb/table:Table"
)

func synthTable(t *testing.T, args *constructs.TableArgs) *stack {
	t.Helper()
	return newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		table, err := constructs.NewTable(ctx, "items", args)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"name": table.Name, "arn": table.Arn, "streamArn": table.StreamArn}, nil
	})
}

func TestTableDefaults(t *testing.T) {
	s := synthTable(t, nil)
	comp := s.find(typTableComponent, "items")
	if got, want := s.childSet(comp.URN), []string{typDynamoTable + " items"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	wantInputs(t, s.find(typDynamoTable, "items"),
		check{"billingMode", "PAY_PER_REQUEST"},
		check{"pointInTimeRecovery.enabled", true},
		check{"serverSideEncryption.enabled", true},
		check{"serverSideEncryption.kmsKeyArn", nil},
		check{"hashKey", "id"},
		check{"attributes", []any{map[string]any{"name": "id", "type": "S"}}},
		check{"rangeKey", nil},
		check{"ttl", nil},
		check{"streamEnabled", nil},
		check{"streamViewType", nil},
		check{"deletionProtectionEnabled", false},
	)
	wantARN := "arn:aws:dynamodb:" + testRegion + ":" + testAccount + ":table/" + s.output("name")
	if got := s.output("arn"); got != wantARN {
		t.Errorf("Arn: got %q; want %q", got, wantARN)
	}
}

func TestTableOptions(t *testing.T) {
	const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	for _, tc := range []struct {
		name   string
		args   constructs.TableArgs
		checks []check
	}{
		{
			name: "sort key defaults to string",
			args: constructs.TableArgs{SortKey: "createdAt"},
			checks: []check{
				{"hashKey", "id"},
				{"rangeKey", "createdAt"},
				{"attributes", []any{map[string]any{"name": "id", "type": "S"}, map[string]any{"name": "createdAt", "type": "S"}}},
			},
		},
		{
			name: "typed keys",
			args: constructs.TableArgs{PartitionKey: "tenant", PartitionKeyType: constructs.KeyNumber, SortKey: "blob", SortKeyType: constructs.KeyBinary},
			checks: []check{
				{"hashKey", "tenant"},
				{"rangeKey", "blob"},
				{"attributes", []any{map[string]any{"name": "tenant", "type": "N"}, map[string]any{"name": "blob", "type": "B"}}},
			},
		},
		{
			name:   "TTL",
			args:   constructs.TableArgs{TTLAttribute: "expiresAt"},
			checks: []check{{"ttl", map[string]any{"attributeName": "expiresAt", "enabled": true}}},
		},
		{
			name:   "stream keys only",
			args:   constructs.TableArgs{Stream: constructs.StreamKeysOnly},
			checks: []check{{"streamEnabled", true}, {"streamViewType", "KEYS_ONLY"}},
		},
		{
			name:   "stream new and old images",
			args:   constructs.TableArgs{Stream: constructs.StreamNewAndOldImg},
			checks: []check{{"streamEnabled", true}, {"streamViewType", "NEW_AND_OLD_IMAGES"}},
		},
		{
			name:   "deletion protection",
			args:   constructs.TableArgs{DeletionProtection: true},
			checks: []check{{"deletionProtectionEnabled", true}},
		},
		{
			name: "customer managed key",
			args: constructs.TableArgs{KMSKeyArn: keyArn},
			checks: []check{
				{"serverSideEncryption.enabled", true},
				{"serverSideEncryption.kmsKeyArn", keyArn},
				{"billingMode", "PAY_PER_REQUEST"},
				{"pointInTimeRecovery.enabled", true},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			s := synthTable(t, &args)
			wantInputs(t, s.find(typDynamoTable, "items"), tc.checks...)
		})
	}
}

func TestTableStreamArn(t *testing.T) {
	s := synthTable(t, &constructs.TableArgs{Stream: constructs.StreamNewImage})
	if got, want := s.output("streamArn"), s.output("arn")+"/stream/"; len(got) <= len(want) || got[:len(want)] != want {
		t.Errorf("StreamArn: got %q; want the table's stream (%s…)", got, want)
	}
}

func TestTableBadInputs(t *testing.T) {
	newTable := func(args constructs.TableArgs) func(*pulumi.Context, *project, struct{}) error {
		return func(ctx *pulumi.Context, _ *project, _ struct{}) error {
			_, err := constructs.NewTable(ctx, "items", &args)
			return err
		}
	}
	const scope = `table "items"`
	runBadInputs(t, nil, []badInput[struct{}]{
		{
			name:     "partition key type",
			build:    newTable(constructs.TableArgs{PartitionKeyType: "X"}),
			scope:    scope,
			problems: [][]string{{"PartitionKeyType", `"X"`, `"S", "N" or "B"`}},
		},
		{
			name:     "sort key type",
			build:    newTable(constructs.TableArgs{SortKey: "sk", SortKeyType: "BOOL"}),
			scope:    scope,
			problems: [][]string{{"SortKeyType", `"BOOL"`, `"S", "N" or "B"`}},
		},
		{
			name:     "sort key type without sort key",
			build:    newTable(constructs.TableArgs{SortKeyType: constructs.KeyNumber}),
			scope:    scope,
			problems: [][]string{{"SortKeyType", `"N"`, "without SortKey"}},
		},
		{
			name:     "stream view",
			build:    newTable(constructs.TableArgs{Stream: "ALL"}),
			scope:    scope,
			problems: [][]string{{"Stream", `"ALL"`, "KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES"}},
		},
		{
			name:     "sort key is the partition key",
			build:    newTable(constructs.TableArgs{SortKey: "id"}),
			scope:    scope,
			problems: [][]string{{"SortKey", `"id"`, "also the partition key"}},
		},
		{
			name:     "attribute names",
			build:    newTable(constructs.TableArgs{PartitionKey: "user id", TTLAttribute: "expires/at"}),
			scope:    scope,
			problems: [][]string{{"PartitionKey", `"user id"`, "1–255"}, {"TTLAttribute", `"expires/at"`, "1–255"}},
		},
		{
			name:  "every problem at once",
			build: newTable(constructs.TableArgs{PartitionKey: "pk", PartitionKeyType: "X", SortKey: "pk", SortKeyType: "Y", Stream: "ALL"}),
			scope: scope,
			problems: [][]string{
				{"PartitionKeyType", `"X"`},
				{"SortKeyType", `"Y"`},
				{"SortKey", `"pk"`, "also the partition key"},
				{"Stream", `"ALL"`},
			},
		},
	})
}
