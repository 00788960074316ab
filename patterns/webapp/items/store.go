// Package items is the business logic behind the web-app pattern's items
// REST API: a to-do style collection stored in one DynamoDB table keyed by
// id. Store holds the DynamoDB operations and their validation; Handler maps
// method, path parameters, query, body and caller claims to a status code,
// headers and a JSON body. Neither knows about Lambda or API Gateway, so both
// are unit-tested against an in-memory table and the Lambda entry point in
// patterns/webapp/functions/items only translates event types.
package items

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
)

// DynamoDB is the part of the DynamoDB API that Store calls. *dynamodb.Client
// satisfies it; tests pass an in-memory fake.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

var _ DynamoDB = (*dynamodb.Client)(nil)

// ErrNotFound is returned (wrapped) when no item has the requested id.
var ErrNotFound = errors.New("item not found")

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
	// CreatedBy is the Cognito sub of the creator, empty for callers
	// without claims (e.g. IAM-authorized APIs).
	CreatedBy string `dynamodbav:"createdBy,omitempty" json:"createdBy,omitempty"`
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
}

// NewStore returns a Store for the table named table.
func NewStore(db DynamoDB, table string) *Store {
	return &Store{db: db, table: table, Now: time.Now, NewID: uuid.NewString}
}

func (s *Store) now() string { return s.Now().UTC().Format(time.RFC3339) }

// List returns up to limit items (1 to MaxLimit) starting after the page
// that returned the token next ("" for the first page). The order is
// DynamoDB's scan order, not creation order.
func (s *Store) List(ctx context.Context, limit int, next string) (Page, error) {
	var problems []FieldError
	if p := checkLimit(limit); p != nil {
		problems = append(problems, *p)
	}
	start, p := decodeNext(next)
	if p != nil {
		problems = append(problems, *p)
	}
	if len(problems) > 0 {
		return Page{}, &ValidationError{Summary: "invalid query parameters", Problems: problems}
	}
	out, err := s.db.Scan(ctx, &dynamodb.ScanInput{
		TableName:         aws.String(s.table),
		Limit:             aws.Int32(int32(limit)),
		ExclusiveStartKey: start,
	})
	if err != nil {
		return Page{}, fmt.Errorf("scan table %s: %w", s.table, err)
	}
	// An empty, non-nil slice so the API answers "items": [] rather than null.
	page := Page{Items: make([]Item, 0, len(out.Items))}
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &page.Items); err != nil {
		return Page{}, fmt.Errorf("decode scanned items: %w", err)
	}
	if out.LastEvaluatedKey != nil {
		if page.Next, err = encodeNext(out.LastEvaluatedKey); err != nil {
			return Page{}, err
		}
	}
	return page, nil
}

// Get returns the item with the given id.
func (s *Store) Get(ctx context.Context, id string) (Item, error) {
	id, p := parseID(id)
	if p != nil {
		return Item{}, &ValidationError{Summary: "invalid item id", Problems: []FieldError{*p}}
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table),
		Key:       key(id),
		// A client that has just created or changed an item and reads it
		// back must see its own write; the extra read capacity is small.
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Item{}, fmt.Errorf("get item %s: %w", id, err)
	}
	if out.Item == nil {
		return Item{}, fmt.Errorf("item %s: %w", id, ErrNotFound)
	}
	var it Item
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return Item{}, fmt.Errorf("decode item %s: %w", id, err)
	}
	return it, nil
}

// Create stores a new item with a fresh id. createdBy is the caller's
// Cognito sub, or "" when the caller has none.
func (s *Store) Create(ctx context.Context, in Input, createdBy string) (Item, error) {
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
		CreatedBy:   createdBy,
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
		ConditionExpression: aws.String("attribute_not_exists(id)"),
	})
	if err != nil {
		return Item{}, fmt.Errorf("put item %s: %w", it.ID, err)
	}
	return it, nil
}

// Update replaces name, description and done of an existing item and sets
// updatedAt; id, createdAt and createdBy are kept.
func (s *Store) Update(ctx context.Context, id string, in Input) (Item, error) {
	id, p := parseID(id)
	in, err := in.normalize()
	if p != nil {
		return Item{}, withIDProblem(*p, err)
	}
	if err != nil {
		return Item{}, err
	}
	values, err := attributevalue.MarshalMap(map[string]any{
		":name":        in.Name,
		":description": in.Description,
		":done":        in.Done,
		":updatedAt":   s.now(),
	})
	if err != nil {
		return Item{}, fmt.Errorf("encode update of item %s: %w", id, err)
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table),
		Key:       key(id),
		// UpdateItem rather than a read-modify-write PutItem: one call, and
		// createdAt/createdBy cannot be lost to a concurrent writer.
		UpdateExpression: aws.String("SET #name = :name, #description = :description, #done = :done, #updatedAt = :updatedAt"),
		// Without the condition UpdateItem would create a half-formed item
		// for an unknown id.
		ConditionExpression: aws.String("attribute_exists(id)"),
		ExpressionAttributeNames: map[string]string{
			"#name":        "name", // a DynamoDB reserved word
			"#description": "description",
			"#done":        "done",
			"#updatedAt":   "updatedAt",
		},
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		if isConditionFailed(err) {
			return Item{}, fmt.Errorf("item %s: %w", id, ErrNotFound)
		}
		return Item{}, fmt.Errorf("update item %s: %w", id, err)
	}
	var it Item
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return Item{}, fmt.Errorf("decode updated item %s: %w", id, err)
	}
	return it, nil
}

// Delete removes the item with the given id.
func (s *Store) Delete(ctx context.Context, id string) error {
	id, p := parseID(id)
	if p != nil {
		return &ValidationError{Summary: "invalid item id", Problems: []FieldError{*p}}
	}
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table),
		Key:       key(id),
		// DeleteItem succeeds for a missing key; the condition lets the API
		// answer 404 without a separate read.
		ConditionExpression: aws.String("attribute_exists(id)"),
	})
	if err != nil {
		if isConditionFailed(err) {
			return fmt.Errorf("item %s: %w", id, ErrNotFound)
		}
		return fmt.Errorf("delete item %s: %w", id, err)
	}
	return nil
}

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}}
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}
