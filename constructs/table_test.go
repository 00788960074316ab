package constructs_test

import (
	"fmt"
	"reflect"
	"strings"
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
		check{"globalSecondaryIndexes", nil},
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
			name: "global secondary index defaults: string keys, projection ALL",
			args: constructs.TableArgs{GlobalSecondaryIndexes: []constructs.GlobalSecondaryIndex{{Name: "byOwner", PartitionKey: "owner", SortKey: "createdAt"}}},
			checks: []check{
				{"hashKey", "id"},
				{"attributes", []any{
					map[string]any{"name": "id", "type": "S"},
					map[string]any{"name": "owner", "type": "S"},
					map[string]any{"name": "createdAt", "type": "S"},
				}},
				{"globalSecondaryIndexes", []any{map[string]any{"name": "byOwner", "hashKey": "owner", "rangeKey": "createdAt", "projectionType": "ALL"}}},
				{"billingMode", "PAY_PER_REQUEST"},
			},
		},
		{
			name: "indexes share key attributes, each defined once",
			args: constructs.TableArgs{SortKey: "createdAt", GlobalSecondaryIndexes: []constructs.GlobalSecondaryIndex{
				{Name: "byStatus", PartitionKey: "status", SortKey: "createdAt", Projection: constructs.ProjectKeysOnly},
				{Name: "byScore", PartitionKey: "status", SortKey: "score", SortKeyType: constructs.KeyNumber,
					Projection: constructs.ProjectInclude, NonKeyAttributes: []string{"name", "done"}},
				{Name: "byId", PartitionKey: "id"},
			}},
			checks: []check{
				{"attributes", []any{
					map[string]any{"name": "id", "type": "S"},
					map[string]any{"name": "createdAt", "type": "S"},
					map[string]any{"name": "status", "type": "S"},
					map[string]any{"name": "score", "type": "N"},
				}},
				{"globalSecondaryIndexes", []any{
					map[string]any{"name": "byStatus", "hashKey": "status", "rangeKey": "createdAt", "projectionType": "KEYS_ONLY"},
					map[string]any{"name": "byScore", "hashKey": "status", "rangeKey": "score", "projectionType": "INCLUDE", "nonKeyAttributes": []any{"name", "done"}},
					map[string]any{"name": "byId", "hashKey": "id", "projectionType": "ALL"},
				}},
			},
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
			name: "index names",
			build: newTable(constructs.TableArgs{GlobalSecondaryIndexes: []constructs.GlobalSecondaryIndex{
				{Name: "ix", PartitionKey: "a"},                     // AWS: "Minimum length of 3"
				{Name: "by owner", PartitionKey: "b"},               // AWS: "Pattern: [a-zA-Z0-9_.-]+"
				{PartitionKey: "c"},                                 // required
				{Name: "byA", PartitionKey: "a"},                    //
				{Name: "byA", PartitionKey: "a"},                    // AWS: duplicate index names
				{Name: strings.Repeat("i", 256), PartitionKey: "d"}, // AWS: "Maximum length of 255"
			}}),
			scope: scope,
			problems: [][]string{
				{"GlobalSecondaryIndexes[0] (ix).Name", `"ix"`, "3–255"},
				{"GlobalSecondaryIndexes[1] (by owner).Name", `"by owner"`, "3–255"},
				{"GlobalSecondaryIndexes[2].Name", `""`, "3–255"},
				{"GlobalSecondaryIndexes[4] (byA).Name", `"byA"`, "GlobalSecondaryIndexes[3]", "unique"},
				{"GlobalSecondaryIndexes[5]", "Name", "3–255"},
			},
		},
		{
			name: "index keys",
			build: newTable(constructs.TableArgs{SortKey: "createdAt", GlobalSecondaryIndexes: []constructs.GlobalSecondaryIndex{
				{Name: "noKey"},
				{Name: "badType", PartitionKey: "owner", PartitionKeyType: "BOOL"},
				{Name: "sameKeys", PartitionKey: "owner", SortKey: "owner"},
				{Name: "typeClash", PartitionKey: "owner", SortKey: "createdAt", SortKeyType: constructs.KeyNumber},
				{Name: "idClash", PartitionKey: "id", PartitionKeyType: constructs.KeyBinary},
				{Name: "orphanType", PartitionKey: "owner", SortKeyType: constructs.KeyNumber},
			}}),
			scope: scope,
			problems: [][]string{
				{"GlobalSecondaryIndexes[0] (noKey).PartitionKey", `""`, "1–255"},
				{"GlobalSecondaryIndexes[1] (badType).PartitionKeyType", `"BOOL"`, `"S", "N" or "B"`},
				{"GlobalSecondaryIndexes[2] (sameKeys).SortKey", `"owner"`, "also the index's partition key"},
				{"GlobalSecondaryIndexes[3] (typeClash).SortKeyType", `"N"`, `"createdAt"`, `type "S"`, "one type"},
				{"GlobalSecondaryIndexes[4] (idClash).PartitionKeyType", `"B"`, `"id"`, `type "S"`},
				{"GlobalSecondaryIndexes[5] (orphanType).SortKeyType", `"N"`, "without SortKey"},
			},
		},
		{
			name: "index projections",
			build: newTable(constructs.TableArgs{GlobalSecondaryIndexes: []constructs.GlobalSecondaryIndex{
				{Name: "some", PartitionKey: "owner", Projection: "SOME"},
				{Name: "includeNothing", PartitionKey: "owner", Projection: constructs.ProjectInclude},
				{Name: "allAndMore", PartitionKey: "owner", NonKeyAttributes: []string{"name"}},
				{Name: "badAttr", PartitionKey: "owner", Projection: constructs.ProjectInclude, NonKeyAttributes: []string{"a b"}},
			}}),
			scope: scope,
			problems: [][]string{
				{"GlobalSecondaryIndexes[0] (some).Projection", `"SOME"`, "ALL, KEYS_ONLY or INCLUDE"},
				{"GlobalSecondaryIndexes[1] (includeNothing).NonKeyAttributes", "INCLUDE"},
				{"GlobalSecondaryIndexes[2] (allAndMore).NonKeyAttributes", `["name"]`, "projection ALL", "use INCLUDE"},
				{"GlobalSecondaryIndexes[3] (badAttr).NonKeyAttributes", `"a b"`, "1–255"},
			},
		},
		{
			name:     "too many indexes",
			build:    newTable(constructs.TableArgs{GlobalSecondaryIndexes: manyIndexes(21, nil)}),
			scope:    scope,
			problems: [][]string{{"GlobalSecondaryIndexes", "21 indexes", "at most 20"}},
		},
		{
			name:     "too many projected attributes",
			build:    newTable(constructs.TableArgs{GlobalSecondaryIndexes: manyIndexes(2, attrNames(51))}),
			scope:    scope,
			problems: [][]string{{"GlobalSecondaryIndexes", "102 NonKeyAttributes", "at most 100"}},
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

// manyIndexes returns n valid indexes, each projecting include (ALL when
// include is nil).
func manyIndexes(n int, include []string) []constructs.GlobalSecondaryIndex {
	var out []constructs.GlobalSecondaryIndex
	for i := range n {
		g := constructs.GlobalSecondaryIndex{Name: fmt.Sprintf("index%02d", i), PartitionKey: fmt.Sprintf("k%02d", i)}
		if include != nil {
			g.Projection, g.NonKeyAttributes = constructs.ProjectInclude, include
		}
		out = append(out, g)
	}
	return out
}

func attrNames(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("a%03d", i))
	}
	return out
}

// The limits at their edges are accepted, as AWS accepts them.
func TestTableIndexLimits(t *testing.T) {
	name255 := strings.Repeat("i", 255)
	for _, tc := range []struct {
		name string
		args constructs.TableArgs
	}{
		{"20 indexes", constructs.TableArgs{GlobalSecondaryIndexes: manyIndexes(20, nil)}},
		{"100 projected attributes", constructs.TableArgs{GlobalSecondaryIndexes: manyIndexes(2, attrNames(50))}},
		{"names of 3 and 255 characters", constructs.TableArgs{GlobalSecondaryIndexes: []constructs.GlobalSecondaryIndex{
			{Name: "a.-", PartitionKey: "x"}, {Name: name255, PartitionKey: "x"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.args.Validate("items"); err != nil {
				t.Errorf("got %v; want no error", err)
			}
		})
	}
}

// Defaults are applied to a copy: the caller's args are left as given.
func TestTableIndexDefaultsDoNotWriteThrough(t *testing.T) {
	indexes := []constructs.GlobalSecondaryIndex{{Name: "byOwner", PartitionKey: "owner"}}
	synthTable(t, &constructs.TableArgs{GlobalSecondaryIndexes: indexes})
	if got := indexes[0]; got.Projection != "" || got.PartitionKeyType != "" {
		t.Errorf("caller's index after NewTable: %+v; want it unchanged", got)
	}
}
