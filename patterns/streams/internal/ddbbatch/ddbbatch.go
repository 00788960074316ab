// Package ddbbatch reads items of a table with a string partition key by
// BatchGetItem, as the stream functions look up devices and thresholds:
// each distinct key once, 100 keys per call (BatchGetItem's limit), and
// UnprocessedKeys retried with exponential backoff, as AWS advises
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html).
package ddbbatch

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// MaxKeys is the most keys one BatchGetItem call takes.
const MaxKeys = 100

// DynamoDB is the call Get makes. *dynamodb.Client satisfies it.
type DynamoDB interface {
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

var _ DynamoDB = (*dynamodb.Client)(nil)

// Getter reads items from one table.
type Getter struct {
	DB    DynamoDB
	Table string
	// Key is the partition key attribute, a string.
	Key string
	// Attributes are the attributes to read besides the key.
	Attributes []string
	// Retries bounds the rounds of UnprocessedKeys retried, with
	// exponential backoff from Backoff; 0 means 5 and 50 ms.
	Retries int
	Backoff time.Duration
}

// Get returns the items of the keys that exist, by key.
func (g *Getter) Get(ctx context.Context, keys []string) (map[string]map[string]types.AttributeValue, error) {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	// Every name goes through a placeholder: attribute names such as
	// "owner" are DynamoDB reserved words.
	names := map[string]string{"#a0": g.Key}
	proj := "#a0"
	for i, a := range g.Attributes {
		p := fmt.Sprintf("#a%d", i+1)
		names[p] = a
		proj += ", " + p
	}
	items := make(map[string]map[string]types.AttributeValue, len(keys))
	for chunk := range slices.Chunk(keys, MaxKeys) {
		ks := make([]map[string]types.AttributeValue, len(chunk))
		for i, k := range chunk {
			ks[i] = map[string]types.AttributeValue{g.Key: &types.AttributeValueMemberS{Value: k}}
		}
		req := map[string]types.KeysAndAttributes{g.Table: {Keys: ks, ProjectionExpression: aws.String(proj), ExpressionAttributeNames: maps.Clone(names)}}
		if err := g.get(ctx, req, items); err != nil {
			return nil, err
		}
	}
	return items, nil
}

func (g *Getter) get(ctx context.Context, req map[string]types.KeysAndAttributes, into map[string]map[string]types.AttributeValue) error {
	retries, backoff := g.Retries, g.Backoff
	if retries == 0 {
		retries = 5
	}
	if backoff == 0 {
		backoff = 50 * time.Millisecond
	}
	for round := 0; ; round++ {
		out, err := g.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return fmt.Errorf("read table %s: %w", g.Table, err)
		}
		for _, item := range out.Responses[g.Table] {
			if k := String(item, g.Key); k != "" {
				into[k] = item
			}
		}
		req = out.UnprocessedKeys
		if len(req[g.Table].Keys) == 0 {
			return nil
		}
		if round == retries {
			return fmt.Errorf("read table %s: %d keys still unprocessed after %d retries", g.Table, len(req[g.Table].Keys), retries)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("read table %s: %w", g.Table, ctx.Err())
		case <-time.After(backoff << round):
		}
	}
}

// String is a string attribute's value, "" when absent or of another
// type.
func String(item map[string]types.AttributeValue, name string) string {
	if s, ok := item[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// Number is a number attribute's value, as DynamoDB's decimal string;
// ok is false when absent or of another type.
func Number(item map[string]types.AttributeValue, name string) (string, bool) {
	n, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return "", false
	}
	return n.Value, true
}
