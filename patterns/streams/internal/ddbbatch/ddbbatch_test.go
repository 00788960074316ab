package ddbbatch

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// stub answers every key it is asked for with an item, and records the
// requests. (The callers' tests run Get against dynalite.)
type stub struct{ reqs []*dynamodb.BatchGetItemInput }

func (s *stub) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	s.reqs = append(s.reqs, in)
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}
	for table, ka := range in.RequestItems {
		for _, k := range ka.Keys {
			item := map[string]types.AttributeValue{"owner": &types.AttributeValueMemberN{Value: "7"}}
			for n, v := range k {
				item[n] = v
			}
			out.Responses[table] = append(out.Responses[table], item)
		}
	}
	return out, nil
}

func TestGetChunksDistinctKeysAndNamesEveryAttribute(t *testing.T) {
	db := &stub{}
	g := &Getter{DB: db, Table: "devices", Key: "deviceId", Attributes: []string{"site", "owner"}}
	var keys []string
	for i := range 230 {
		keys = append(keys, fmt.Sprintf("d-%03d", i%210)) // 20 repeated
	}
	items, err := g.Get(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 210 {
		t.Errorf("got %d items; want one per distinct key, 210", len(items))
	}
	var sizes []int
	for _, r := range db.reqs {
		ka := r.RequestItems["devices"]
		sizes = append(sizes, len(ka.Keys))
		if got := aws.ToString(ka.ProjectionExpression); got != "#a0, #a1, #a2" || ka.ExpressionAttributeNames["#a2"] != "owner" {
			t.Errorf("got projection %q with names %v; want every name a placeholder (owner is a reserved word)", got, ka.ExpressionAttributeNames)
		}
	}
	if fmt.Sprint(sizes) != "[100 100 10]" {
		t.Errorf("got calls of %v keys; want [100 100 10]", sizes)
	}
	if n, ok := Number(items["d-001"], "owner"); !ok || n != "7" || String(items["d-001"], "owner") != "" || String(items["d-001"], "deviceId") != "d-001" {
		t.Errorf("got %v; want the typed accessors to read only their own type", items["d-001"])
	}
	if !strings.HasPrefix(aws.ToString(db.reqs[0].RequestItems["devices"].ProjectionExpression), "#a0") {
		t.Error("the key must be projected, or items cannot be matched to keys")
	}
}
