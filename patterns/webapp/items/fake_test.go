package items

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// fakeDB is an in-memory table keyed by the string attribute id. It
// implements the subset of DynamoDB semantics the Store relies on, and
// rejects whatever it does not understand, so a changed expression fails
// the tests instead of passing unchecked:
//   - conditions attribute_exists(id) and attribute_not_exists(id);
//   - update expressions of the form "SET a = :a, #b = :b";
//   - unknown or unused expression attribute names and values are errors,
//     as in DynamoDB;
//   - Scan returns items in key order and, like DynamoDB, a
//     LastEvaluatedKey whenever Limit items were read, even on the last page.
type fakeDB struct {
	table string

	mu    sync.Mutex
	items map[string]map[string]types.AttributeValue
	// errs makes the named operation ("GetItem", "Scan", ...) fail with
	// the given error before touching the table.
	errs map[string]error
	// panics makes every operation panic, to test the handler's recovery.
	panics bool
	// scans records every ScanInput.
	scans []*dynamodb.ScanInput
}

func newFakeDB(table string) *fakeDB {
	return &fakeDB{table: table, items: map[string]map[string]types.AttributeValue{}, errs: map[string]error{}}
}

func (f *fakeDB) begin(op string, table *string) error {
	if f.panics {
		panic("fake: " + op + " exploded")
	}
	if err := f.errs[op]; err != nil {
		return err
	}
	if aws.ToString(table) != f.table {
		return &types.ResourceNotFoundException{Message: aws.String("fake: no table " + aws.ToString(table))}
	}
	return nil
}

func keyID(k map[string]types.AttributeValue) (string, error) {
	if len(k) != 1 {
		return "", fmt.Errorf("fake: key must have exactly the attribute id, got %v", k)
	}
	s, ok := k["id"].(*types.AttributeValueMemberS)
	if !ok || s.Value == "" {
		return "", fmt.Errorf("fake: key id must be a non-empty string, got %v", k["id"])
	}
	return s.Value, nil
}

// exprNames tracks which expression attribute names and values are used.
type exprNames struct {
	names      map[string]string
	values     map[string]types.AttributeValue
	usedNames  map[string]bool
	usedValues map[string]bool
}

func newExpr(names map[string]string, values map[string]types.AttributeValue) *exprNames {
	return &exprNames{names: names, values: values, usedNames: map[string]bool{}, usedValues: map[string]bool{}}
}

func (e *exprNames) attr(tok string) (string, error) {
	if !strings.HasPrefix(tok, "#") {
		return tok, nil
	}
	n, ok := e.names[tok]
	if !ok {
		return "", fmt.Errorf("fake: expression attribute name %s is not defined", tok)
	}
	e.usedNames[tok] = true
	return n, nil
}

func (e *exprNames) value(tok string) (types.AttributeValue, error) {
	v, ok := e.values[tok]
	if !ok {
		return nil, fmt.Errorf("fake: expression attribute value %s is not defined", tok)
	}
	e.usedValues[tok] = true
	return v, nil
}

func (e *exprNames) checkAllUsed() error {
	for n := range e.names {
		if !e.usedNames[n] {
			return fmt.Errorf("fake: expression attribute name %s is unused", n)
		}
	}
	for v := range e.values {
		if !e.usedValues[v] {
			return fmt.Errorf("fake: expression attribute value %s is unused", v)
		}
	}
	return nil
}

var condRE = regexp.MustCompile(`^(attribute_exists|attribute_not_exists)\((#?\w+)\)$`)

// check evaluates a condition against the stored item (nil if absent).
func (e *exprNames) check(cond *string, stored map[string]types.AttributeValue) error {
	if cond == nil {
		return nil
	}
	m := condRE.FindStringSubmatch(strings.TrimSpace(*cond))
	if m == nil {
		return fmt.Errorf("fake: unsupported condition %q", *cond)
	}
	a, err := e.attr(m[2])
	if err != nil {
		return err
	}
	_, exists := stored[a]
	if exists != (m[1] == "attribute_exists") {
		return &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	}
	return nil
}

func clone(m map[string]types.AttributeValue) map[string]types.AttributeValue {
	if m == nil {
		return nil
	}
	return maps.Clone(m)
}

func (f *fakeDB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("GetItem", in.TableName); err != nil {
		return nil, err
	}
	id, err := keyID(in.Key)
	if err != nil {
		return nil, err
	}
	return &dynamodb.GetItemOutput{Item: clone(f.items[id])}, nil
}

func (f *fakeDB) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("PutItem", in.TableName); err != nil {
		return nil, err
	}
	id, err := keyID(map[string]types.AttributeValue{"id": in.Item["id"]})
	if err != nil {
		return nil, err
	}
	e := newExpr(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err := e.check(in.ConditionExpression, f.items[id]); err != nil {
		return nil, err
	}
	if err := e.checkAllUsed(); err != nil {
		return nil, err
	}
	f.items[id] = clone(in.Item)
	return &dynamodb.PutItemOutput{}, nil
}

var setRE = regexp.MustCompile(`^(#?\w+) = (:\w+)$`)

func (f *fakeDB) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("UpdateItem", in.TableName); err != nil {
		return nil, err
	}
	id, err := keyID(in.Key)
	if err != nil {
		return nil, err
	}
	e := newExpr(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err := e.check(in.ConditionExpression, f.items[id]); err != nil {
		return nil, err
	}
	expr := aws.ToString(in.UpdateExpression)
	if !strings.HasPrefix(expr, "SET ") {
		return nil, fmt.Errorf("fake: unsupported update expression %q", expr)
	}
	updated := clone(f.items[id])
	if updated == nil {
		// UpdateItem without a condition creates the item, as in DynamoDB.
		updated = clone(in.Key)
	}
	for _, clause := range strings.Split(strings.TrimPrefix(expr, "SET "), ",") {
		m := setRE.FindStringSubmatch(strings.TrimSpace(clause))
		if m == nil {
			return nil, fmt.Errorf("fake: unsupported SET clause %q", clause)
		}
		a, err := e.attr(m[1])
		if err != nil {
			return nil, err
		}
		if a == "id" {
			return nil, fmt.Errorf("fake: cannot update key attribute id")
		}
		v, err := e.value(m[2])
		if err != nil {
			return nil, err
		}
		updated[a] = v
	}
	if err := e.checkAllUsed(); err != nil {
		return nil, err
	}
	f.items[id] = updated
	out := &dynamodb.UpdateItemOutput{}
	switch in.ReturnValues {
	case types.ReturnValueAllNew:
		out.Attributes = clone(updated)
	case types.ReturnValueNone, "":
	default:
		return nil, fmt.Errorf("fake: unsupported ReturnValues %q", in.ReturnValues)
	}
	return out, nil
}

func (f *fakeDB) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("DeleteItem", in.TableName); err != nil {
		return nil, err
	}
	id, err := keyID(in.Key)
	if err != nil {
		return nil, err
	}
	e := newExpr(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err := e.check(in.ConditionExpression, f.items[id]); err != nil {
		return nil, err
	}
	if err := e.checkAllUsed(); err != nil {
		return nil, err
	}
	delete(f.items, id)
	return &dynamodb.DeleteItemOutput{}, nil
}

func (f *fakeDB) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scans = append(f.scans, in)
	if err := f.begin("Scan", in.TableName); err != nil {
		return nil, err
	}
	if in.FilterExpression != nil || in.ProjectionExpression != nil {
		return nil, fmt.Errorf("fake: Scan filters and projections are not supported")
	}
	ids := slices.Sorted(maps.Keys(f.items))
	if in.ExclusiveStartKey != nil {
		start, err := keyID(in.ExclusiveStartKey)
		if err != nil {
			return nil, err
		}
		i, _ := slices.BinarySearch(ids, start)
		if i < len(ids) && ids[i] == start {
			i++
		}
		ids = ids[i:]
	}
	limit := len(ids)
	if in.Limit != nil {
		if *in.Limit < 1 {
			return nil, fmt.Errorf("fake: Limit must be at least 1, got %d", *in.Limit)
		}
		limit = min(limit, int(*in.Limit))
	}
	out := &dynamodb.ScanOutput{}
	for _, id := range ids[:limit] {
		out.Items = append(out.Items, clone(f.items[id]))
	}
	if in.Limit != nil && limit == int(*in.Limit) {
		out.LastEvaluatedKey = map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: ids[limit-1]}}
	}
	out.Count = int32(len(out.Items))
	return out, nil
}
