// Package catalog is the data lake's event-based catalog: for every S3
// object-created or object-removed event it writes the object's metadata
// (size, type, dataset, day partition, tags, version) to a DynamoDB table
// keyed by object key, or removes it, so that the table (and the search
// index fed from its stream) always describes what the bucket holds.
//
// S3 delivers events at least once and in any order. Each event is
// therefore only a prompt: the Writer asks S3 what the key holds now
// (HeadObject, GetObjectTagging) and writes that, conditioned on the
// event's sequencer so that an older event never overwrites what a newer
// one wrote. Duplicates rewrite the same item. The Lambda entry point is
// patterns/datalake/functions/catalog.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// The table design the Writer needs; the data lake pattern creates its
// table from these, with a stream of NEW_AND_OLD_IMAGES for the search
// indexer.
const (
	// KeyAttribute is the table's partition key, a string: the object's
	// key, URL-decoded.
	KeyAttribute = "objectKey"
	// SequencerAttribute holds the sequencer of the event that last
	// wrote the item, as OrderedSequencer pads it.
	SequencerAttribute = "sequencer"
)

// Entry is one catalog item: what S3 said about an object when an event
// on its key was handled. The same tags serve the DynamoDB item and the
// search document.
type Entry struct {
	ObjectKey string `dynamodbav:"objectKey" json:"objectKey"`
	Bucket    string `dynamodbav:"bucket" json:"bucket"`
	// Size is in bytes.
	Size        int64  `dynamodbav:"size" json:"size"`
	ContentType string `dynamodbav:"contentType" json:"contentType"`
	// Type is TypeOf(ContentType, ObjectKey).
	Type string `dynamodbav:"type" json:"type"`
	// Dataset, Partition: see ParseKey.
	Dataset   string            `dynamodbav:"dataset" json:"dataset"`
	Partition string            `dynamodbav:"partition" json:"partition"`
	Tags      map[string]string `dynamodbav:"tags" json:"tags"`
	// ETag is without the quotes HTTP puts around it, as S3's events
	// carry it.
	ETag string `dynamodbav:"etag" json:"etag"`
	// VersionID is "" in a bucket without versioning.
	VersionID string `dynamodbav:"versionId" json:"versionId"`
	// Sequencer is the writing event's sequencer, padded by
	// OrderedSequencer.
	Sequencer string `dynamodbav:"sequencer" json:"sequencer"`
	// EventTime is when S3 finished the request that raised the event,
	// RFC 3339 in UTC with milliseconds.
	EventTime string `dynamodbav:"eventTime" json:"eventTime"`
}

// S3 is the part of the S3 API the Writer calls. *s3.Client satisfies it.
type S3 interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObjectTagging(ctx context.Context, in *s3.GetObjectTaggingInput, optFns ...func(*s3.Options)) (*s3.GetObjectTaggingOutput, error)
}

// DynamoDB is the part of the DynamoDB API the Writer calls.
// *dynamodb.Client satisfies it.
type DynamoDB interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

var (
	_ S3       = (*s3.Client)(nil)
	_ DynamoDB = (*dynamodb.Client)(nil)
)

// Outcome is what handling one event record did.
type Outcome string

const (
	// Written: the object exists and its entry was written.
	Written Outcome = "written"
	// Deleted: the object no longer exists and its entry was removed
	// (or there was none).
	Deleted Outcome = "deleted"
	// Stale: the table holds what a later event on the key wrote, so
	// this one changed nothing.
	Stale Outcome = "stale"
	// Ignored: not an object-created or object-removed event.
	Ignored Outcome = "ignored"
)

// Writer keeps the catalog table in step with S3 events.
type Writer struct {
	s3    S3
	db    DynamoDB
	table string
	log   *slog.Logger
}

// NewWriter returns a Writer of the catalog table named table.
func NewWriter(s3c S3, db DynamoDB, table string, log *slog.Logger) *Writer {
	return &Writer{s3: s3c, db: db, table: table, log: log}
}

// RecordError is one record that could not be handled.
type RecordError struct {
	Bucket, Key, EventName string
	Err                    error
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("s3://%s/%s (%s): %v", e.Bucket, e.Key, e.EventName, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// BatchError lists the records of an event that failed; the others were
// handled. Returning it fails the invocation, so Lambda retries the event:
// the handled records are then rewritten or found stale, harmlessly.
type BatchError struct {
	Failed []*RecordError
	Total  int
}

func (e *BatchError) Error() string {
	msgs := make([]string, len(e.Failed))
	for i, f := range e.Failed {
		msgs[i] = f.Error()
	}
	return fmt.Sprintf("%d of %d records failed: %s", len(e.Failed), e.Total, strings.Join(msgs, "; "))
}

func (e *BatchError) Unwrap() []error {
	errs := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		errs[i] = f
	}
	return errs
}

// Handle handles every record of an S3 event, in order, and returns a
// *BatchError naming the keys of the ones that failed.
func (w *Writer) Handle(ctx context.Context, ev events.S3Event) error {
	var failed []*RecordError
	for _, rec := range ev.Records {
		key := rec.S3.Object.Key
		if k, err := url.QueryUnescape(key); err == nil {
			key = k // for the log; Record reports a key it cannot decode
		}
		outcome, err := w.Record(ctx, rec)
		if err != nil {
			re := &RecordError{Bucket: rec.S3.Bucket.Name, Key: key, EventName: rec.EventName, Err: err}
			w.log.Error("catalog record failed", slog.String("error", re.Error()))
			failed = append(failed, re)
			continue
		}
		w.log.Info("catalog record", slog.String("event", rec.EventName), slog.String("bucket", rec.S3.Bucket.Name),
			slog.String("key", key), slog.String("sequencer", rec.S3.Object.Sequencer), slog.String("outcome", string(outcome)))
	}
	if len(failed) > 0 {
		return &BatchError{Failed: failed, Total: len(ev.Records)}
	}
	return nil
}

// Record handles one event record. Whatever the event, the entry written
// is what S3 holds under the key now: an object-removed event on a key
// that has been written again since leaves (or writes) the new object's
// entry, and deleting one non-current version of a versioned object keeps
// the current version's entry.
func (w *Writer) Record(ctx context.Context, rec events.S3EventRecord) (Outcome, error) {
	name := rec.EventName
	if !strings.HasPrefix(name, "ObjectCreated:") && !strings.HasPrefix(name, "ObjectRemoved:") {
		return Ignored, nil
	}
	bucket := rec.S3.Bucket.Name
	// S3 sends keys URL-encoded as in a form ("a b" as "a+b").
	key, err := url.QueryUnescape(rec.S3.Object.Key)
	if err != nil {
		return "", fmt.Errorf("object key %q is not URL-encoded as S3 sends keys: %w", rec.S3.Object.Key, err)
	}
	if bucket == "" || key == "" {
		return "", fmt.Errorf("record names no bucket (%q) or no key (%q)", bucket, key)
	}
	seq, err := OrderedSequencer(rec.S3.Object.Sequencer)
	if err != nil {
		return "", err
	}
	e, found, err := w.describe(ctx, bucket, key)
	if err != nil {
		return "", err
	}
	if !found {
		return w.remove(ctx, key, seq)
	}
	e.Sequencer = seq
	e.EventTime = rec.EventTime.UTC().Format(eventTimeFormat)
	return w.write(ctx, e)
}

// describe reads what S3 holds under key; found is false when the key
// holds no object (or only a delete marker).
func (w *Writer) describe(ctx context.Context, bucket, key string) (e Entry, found bool, err error) {
	head, err := w.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if isNotFound(err) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("head object: %w", err)
	}
	tagging, err := w.s3.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if isNotFound(err) {
		return Entry{}, false, nil // deleted since HeadObject
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("get object tagging: %w", err)
	}
	contentType := aws.ToString(head.ContentType)
	loc := ParseKey(key)
	return Entry{
		ObjectKey:   key,
		Bucket:      bucket,
		Size:        aws.ToInt64(head.ContentLength),
		ContentType: contentType,
		Type:        TypeOf(contentType, key),
		Dataset:     loc.Dataset,
		Partition:   loc.Partition,
		Tags:        tagMap(tagging.TagSet),
		ETag:        strings.Trim(aws.ToString(head.ETag), `"`),
		VersionID:   aws.ToString(head.VersionId),
	}, true, nil
}

// newerOrSame lets a write through when the table holds no entry for the
// key or one from an event no later than this one.
const newerOrSame = "attribute_not_exists(#key) OR #seq <= :seq"

func conditionNames() map[string]string {
	return map[string]string{"#key": KeyAttribute, "#seq": SequencerAttribute}
}

func (w *Writer) write(ctx context.Context, e Entry) (Outcome, error) {
	item, err := attributevalue.MarshalMap(e)
	if err != nil {
		return "", fmt.Errorf("marshal entry: %w", err)
	}
	_, err = w.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(w.table),
		Item:                      item,
		ConditionExpression:       aws.String(newerOrSame),
		ExpressionAttributeNames:  conditionNames(),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":seq": &ddbtypes.AttributeValueMemberS{Value: e.Sequencer}},
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return Stale, nil
	case err != nil:
		return "", fmt.Errorf("put catalog entry: %w", err)
	}
	return Written, nil
}

func (w *Writer) remove(ctx context.Context, key, seq string) (Outcome, error) {
	_, err := w.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(w.table),
		Key:                       map[string]ddbtypes.AttributeValue{KeyAttribute: &ddbtypes.AttributeValueMemberS{Value: key}},
		ConditionExpression:       aws.String(newerOrSame),
		ExpressionAttributeNames:  conditionNames(),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":seq": &ddbtypes.AttributeValueMemberS{Value: seq}},
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return Stale, nil
	case err != nil:
		return "", fmt.Errorf("delete catalog entry: %w", err)
	}
	return Deleted, nil
}

// isNotFound is true for S3's answer to a key that holds no object. It is
// a 404 only when the caller may list the bucket (s3:ListBucket); without
// that permission S3 answers 403, which stays an error here rather than
// being mistaken for a deletion
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	var nf *s3types.NotFound
	var nsk *s3types.NoSuchKey
	if errors.As(err, &nf) || errors.As(err, &nsk) {
		return true
	}
	// A HEAD response has no body to name the error, so any 404 counts:
	// a bucket that is gone holds no objects either.
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}

func tagMap(tags []s3types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// eventTimeFormat is how EventTime is written: the format of S3's own
// eventTime, which sorts as text in time order.
const eventTimeFormat = "2006-01-02T15:04:05.000Z"
