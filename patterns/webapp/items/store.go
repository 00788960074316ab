// Package items is the business logic behind the web-app pattern's items
// REST API: a to-do style collection in one DynamoDB table keyed by id, in
// which every item belongs to the user who created it. Store holds the
// DynamoDB operations, with ownership and optimistic locking enforced by
// condition expressions; Handler maps method, path parameters, query,
// headers, body and caller claims to a status code, headers and a JSON body.
// Neither knows about Lambda or API Gateway: the Lambda entry point in
// patterns/webapp/functions/items only translates event types, and the
// tests run both against dynalite, an implementation of DynamoDB's protocol.
package items

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
)

// The table design the Store needs; the web-app pattern creates its table
// from these.
const (
	// IDAttribute is the table's partition key, a string.
	IDAttribute = "id"
	// OwnerIndex is the global secondary index that lists one owner's
	// items newest first: partition key OwnerAttribute, sort key
	// CreatedAtAttribute (both strings), projecting all attributes so a
	// page is one Query.
	OwnerIndex         = "byOwner"
	OwnerAttribute     = "createdBy"
	CreatedAtAttribute = "createdAt"
)

// DynamoDB is the part of the DynamoDB API that Store calls. *dynamodb.Client
// satisfies it.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

var _ DynamoDB = (*dynamodb.Client)(nil)

// ErrNotFound is returned (wrapped) when no item has the requested id, or
// the caller may not see the one that has: the API answers both with 404,
// so a caller cannot learn which ids other users' items have.
var ErrNotFound = errors.New("item not found")

// StaleError is returned when a write names a version that is no longer
// the item's: someone else changed it since the caller read it. The API
// answers 412 Precondition Failed.
type StaleError struct {
	ID string
	// Sent is the version the caller expected; Current the item's.
	Sent, Current int64
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("item %s is at version %d, not %d: it was changed after you read it", e.ID, e.Current, e.Sent)
}

// Item is one stored item. The same tags serve the DynamoDB record and the
// API's JSON, so what the API returns is exactly what is stored.
type Item struct {
	ID          string `dynamodbav:"id" json:"id"`
	Name        string `dynamodbav:"name" json:"name"`
	Description string `dynamodbav:"description" json:"description"`
	Done        bool   `dynamodbav:"done" json:"done"`
	// CreatedAt and UpdatedAt are RFC 3339 timestamps in UTC; as strings
	// they sort chronologically in DynamoDB and in clients.
	CreatedAt string `dynamodbav:"createdAt" json:"createdAt"`
	UpdatedAt string `dynamodbav:"updatedAt" json:"updatedAt"`
	// CreatedBy is the Cognito sub of the item's owner, the user who
	// created it. Items written before owners were enforced may lack it;
	// only admins see those.
	CreatedBy string `dynamodbav:"createdBy,omitempty" json:"createdBy,omitempty"`
	// Version counts the item's writes: 1 when created, one more on each
	// update. The API sends it as the ETag that updates and deletes must
	// name in If-Match. Items written before versions existed read as 0.
	Version int64 `dynamodbav:"version" json:"version"`
}

// Input is what a client may set on an item. Create and Update both take
// the whole Input: Update is a full replacement, so an omitted description
// becomes empty and an omitted done becomes false.
type Input struct {
	Name        string
	Description string
	Done        bool
}

// Page is one page of List results. Next is empty on the last page.
type Page struct {
	Items []Item `json:"items"`
	Next  string `json:"next,omitempty"`
}

// Store reads and writes items in one DynamoDB table.
type Store struct {
	db    DynamoDB
	table string

	// Now returns the current time; tests replace it to get fixed
	// timestamps. Default: time.Now.
	Now func() time.Time
	// NewID returns the id of a new item. Default: a random (version 4)
	// UUID.
	NewID func() string

	keyMu sync.Mutex
	key   []byte // the page token key, once read; see tokenKey
}

// NewStore returns a Store for the table named table, which must have the
// OwnerIndex.
func NewStore(db DynamoDB, table string) *Store {
	return &Store{db: db, table: table, Now: time.Now, NewID: uuid.NewString}
}

func (s *Store) now() string { return s.Now().UTC().Format(time.RFC3339) }

// List returns up to limit items (1 to MaxLimit) that the caller may see,
// starting after the page that returned the token next ("" for the first
// page). A user's list is a Query of OwnerIndex, newest first. An admin's
// is a Scan of the whole table in DynamoDB's order: it includes items
// without an owner, and costs what a Scan costs, which is fine for the
// occasional look of an administrator but is why users never Scan.
func (s *Store) List(ctx context.Context, c Caller, limit int, next string) (Page, error) {
	if err := checkCaller(c); err != nil {
		return Page{}, err
	}
	var problems []FieldError
	if p := checkLimit(limit); p != nil {
		problems = append(problems, *p)
	}
	start, p, err := s.openNext(ctx, c, next)
	if err != nil {
		return Page{}, err
	}
	if p != nil {
		problems = append(problems, *p)
	}
	if len(problems) > 0 {
		return Page{}, &ValidationError{Summary: "invalid query parameters", Problems: problems}
	}
	return s.list(ctx, c, limit, start)
}

// list reads one page starting after start, with checked parameters.
func (s *Store) list(ctx context.Context, c Caller, limit int, start map[string]types.AttributeValue) (Page, error) {
	var items []map[string]types.AttributeValue
	var last map[string]types.AttributeValue
	if c.Admin {
		out, err := s.db.Scan(ctx, &dynamodb.ScanInput{
			TableName:         aws.String(s.table),
			Limit:             aws.Int32(int32(limit)),
			ExclusiveStartKey: start,
			// The page token key shares the table; it is no item.
			FilterExpression:          aws.String("#id <> :key"),
			ExpressionAttributeNames:  map[string]string{"#id": IDAttribute},
			ExpressionAttributeValues: map[string]types.AttributeValue{":key": &types.AttributeValueMemberS{Value: tokenKeyID}},
		})
		if err != nil {
			return Page{}, fmt.Errorf("scan table %s: %w", s.table, err)
		}
		items, last = out.Items, out.LastEvaluatedKey
	} else {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(s.table),
			IndexName:                 aws.String(OwnerIndex),
			KeyConditionExpression:    aws.String("#owner = :owner"),
			ExpressionAttributeNames:  map[string]string{"#owner": OwnerAttribute},
			ExpressionAttributeValues: map[string]types.AttributeValue{":owner": &types.AttributeValueMemberS{Value: c.Sub}},
			ScanIndexForward:          aws.Bool(false), // newest first
			Limit:                     aws.Int32(int32(limit)),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return Page{}, fmt.Errorf("query index %s of table %s: %w", OwnerIndex, s.table, err)
		}
		items, last = out.Items, out.LastEvaluatedKey
	}
	// An empty, non-nil slice so the API answers "items": [] rather than null.
	page := Page{Items: make([]Item, 0, len(items))}
	if err := attributevalue.UnmarshalListOfMaps(items, &page.Items); err != nil {
		return Page{}, fmt.Errorf("decode listed items: %w", err)
	}
	if last != nil {
		secret, err := s.tokenKey(ctx)
		if err != nil {
			return Page{}, err
		}
		if page.Next, err = sealToken(secret, c, last); err != nil {
			return Page{}, err
		}
	}
	return page, nil
}

// Get returns the item with the given id, if the caller may see it.
func (s *Store) Get(ctx context.Context, c Caller, id string) (Item, error) {
	if err := checkCaller(c); err != nil {
		return Item{}, err
	}
	id, p := parseID(id)
	if p != nil {
		return Item{}, &ValidationError{Summary: "invalid item id", Problems: []FieldError{*p}}
	}
	it, found, err := s.read(ctx, id)
	if err != nil {
		return Item{}, err
	}
	if !found || !c.canSee(it) {
		return Item{}, fmt.Errorf("item %s: %w", id, ErrNotFound)
	}
	return it, nil
}

// read is a strongly consistent read: a client that has just created or
// changed an item and reads it back must see its own write, and a 412 must
// report the version that made the write fail.
func (s *Store) read(ctx context.Context, id string) (Item, bool, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            key(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Item{}, false, fmt.Errorf("get item %s: %w", id, err)
	}
	if out.Item == nil {
		return Item{}, false, nil
	}
	var it Item
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return Item{}, false, fmt.Errorf("decode item %s: %w", id, err)
	}
	return it, true, nil
}

// Create stores a new item, owned by the caller, at version 1.
func (s *Store) Create(ctx context.Context, c Caller, in Input) (Item, error) {
	if err := checkCaller(c); err != nil {
		return Item{}, err
	}
	in, err := in.normalize()
	if err != nil {
		return Item{}, err
	}
	now := s.now()
	it := Item{
		ID:          s.NewID(),
		Name:        in.Name,
		Description: in.Description,
		Done:        in.Done,
		CreatedAt:   now,
		UpdatedAt:   now,
		CreatedBy:   c.Sub,
		Version:     1,
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return Item{}, fmt.Errorf("encode item %s: %w", it.ID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item:      av,
		// A put silently overwrites; the condition turns an id collision
		// (or a broken NewID) into an error instead of lost data.
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": IDAttribute},
	})
	if err != nil {
		return Item{}, fmt.Errorf("put item %s: %w", it.ID, err)
	}
	return it, nil
}

// Update replaces name, description and done of the item at version
// expected, sets updatedAt and moves it to the next version; id, createdAt
// and createdBy are kept. It fails with ErrNotFound when the item does not
// exist or the caller may not see it, and with a *StaleError when the item
// is no longer at version expected.
func (s *Store) Update(ctx context.Context, c Caller, id string, expected int64, in Input) (Item, error) {
	if err := checkCaller(c); err != nil {
		return Item{}, err
	}
	id, p := parseID(id)
	in, err := in.normalize()
	if p != nil {
		return Item{}, withIDProblem(*p, err)
	}
	if err != nil {
		return Item{}, err
	}
	cond := s.writeCondition(c, expected)
	cond.names["#name"] = "name" // a DynamoDB reserved word
	cond.names["#description"] = "description"
	cond.names["#done"] = "done"
	cond.names["#updatedAt"] = "updatedAt"
	values, err := attributevalue.MarshalMap(map[string]any{
		":name":        in.Name,
		":description": in.Description,
		":done":        in.Done,
		":updatedAt":   s.now(),
		":zero":        0,
		":one":         1,
	})
	if err != nil {
		return Item{}, fmt.Errorf("encode update of item %s: %w", id, err)
	}
	maps.Copy(values, cond.values)
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table),
		Key:       key(id),
		// One conditional write: DynamoDB checks the condition and applies
		// the update atomically, so of concurrent writers that read the
		// same version exactly one succeeds. The version is incremented
		// in the expression, not computed here; if_not_exists starts items
		// written before versions existed at 0.
		UpdateExpression: aws.String("SET #name = :name, #description = :description, #done = :done, #updatedAt = :updatedAt, " +
			"#version = if_not_exists(#version, :zero) + :one"),
		ConditionExpression:       aws.String(cond.expr),
		ExpressionAttributeNames:  cond.names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		if isConditionFailed(err) {
			return Item{}, s.whyRefused(ctx, c, id, expected)
		}
		return Item{}, fmt.Errorf("update item %s: %w", id, err)
	}
	var it Item
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return Item{}, fmt.Errorf("decode updated item %s: %w", id, err)
	}
	return it, nil
}

// Delete removes the item at version expected, with the errors of Update.
func (s *Store) Delete(ctx context.Context, c Caller, id string, expected int64) error {
	if err := checkCaller(c); err != nil {
		return err
	}
	id, p := parseID(id)
	if p != nil {
		return &ValidationError{Summary: "invalid item id", Problems: []FieldError{*p}}
	}
	cond := s.writeCondition(c, expected)
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table),
		Key:       key(id),
		// DeleteItem succeeds for a missing key; the condition also lets
		// the API answer 404 for it without a separate read.
		ConditionExpression:       aws.String(cond.expr),
		ExpressionAttributeNames:  cond.names,
		ExpressionAttributeValues: cond.values,
	})
	if err != nil {
		if isConditionFailed(err) {
			return s.whyRefused(ctx, c, id, expected)
		}
		return fmt.Errorf("delete item %s: %w", id, err)
	}
	return nil
}

// condition is a condition expression with its names and values.
type condition struct {
	expr   string
	names  map[string]string
	values map[string]types.AttributeValue
}

// writeCondition lets a write through only if the item exists, the caller
// may change it, and it is at version expected. Ownership is part of the
// condition rather than a read before the write, so it cannot be raced.
func (s *Store) writeCondition(c Caller, expected int64) condition {
	cond := condition{
		expr:   "attribute_exists(#id)",
		names:  map[string]string{"#id": IDAttribute, "#version": "version"},
		values: map[string]types.AttributeValue{},
	}
	if !c.Admin {
		cond.expr += " AND #owner = :caller"
		cond.names["#owner"] = OwnerAttribute
		cond.values[":caller"] = &types.AttributeValueMemberS{Value: c.Sub}
	}
	if expected == 0 {
		// Version 0 is what an item written before versions existed
		// reads as.
		cond.expr += " AND attribute_not_exists(#version)"
	} else {
		cond.expr += " AND #version = :expected"
		cond.values[":expected"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(expected, 10)}
	}
	if len(cond.values) == 0 {
		cond.values = nil // DynamoDB refuses an empty map
	}
	return cond
}

// whyRefused tells apart the reasons a conditional write failed, with a
// consistent read after it. The write is already refused either way; the
// read only picks the answer: 404 for an item that is gone or not the
// caller's, 412 for one at another version. (DynamoDB can return the item
// with the failure, ReturnValuesOnConditionCheckFailure, but dynalite,
// which the tests use, does not implement it; one read on a failed write
// is cheap.)
func (s *Store) whyRefused(ctx context.Context, c Caller, id string, expected int64) error {
	it, found, err := s.read(ctx, id)
	if err != nil {
		return err
	}
	if !found || !c.canSee(it) {
		return fmt.Errorf("item %s: %w", id, ErrNotFound)
	}
	return &StaleError{ID: id, Sent: expected, Current: it.Version}
}

// errNoCaller reports a Store call without a caller: a programming error,
// since Handler refuses such requests first.
var errNoCaller = errors.New("no caller: every items operation needs the caller's Cognito sub")

func checkCaller(c Caller) error {
	if c.Sub == "" {
		return errNoCaller
	}
	return nil
}

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{IDAttribute: &types.AttributeValueMemberS{Value: id}}
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}
