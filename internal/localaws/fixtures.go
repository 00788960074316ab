package localaws

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

var names atomic.Int64

// uniqueName is prefix-<n>, unique within the test binary and so within
// its servers; prefix must be a valid start of a bucket or table name.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, names.Add(1))
}

// NewBucket creates an empty bucket named from prefix (lower-case letters,
// digits and hyphens, as bucket names allow) and deletes it with its
// objects when t ends.
func NewBucket(t testing.TB, ctx context.Context, c *s3.Client, prefix string) string {
	t.Helper()
	name := uniqueName(prefix)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(name)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Errorf("list bucket %s: %v", name, err)
				return
			}
			for _, o := range page.Contents {
				if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: o.Key}); err != nil {
					t.Errorf("delete s3://%s/%s: %v", name, aws.ToString(o.Key), err)
				}
			}
		}
		if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)}); err != nil {
			t.Errorf("delete bucket %s: %v", name, err)
		}
	})
	return name
}

// PutObject writes body to bucket/key with the content type, failing t on
// an error.
func PutObject(t testing.TB, ctx context.Context, c *s3.Client, bucket, key, contentType string, body []byte, tags map[string]string) *s3.PutObjectOutput {
	t.Helper()
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body)))}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	out, err := c.PutObject(ctx, in)
	if err != nil {
		t.Fatalf("put s3://%s/%s: %v", bucket, key, err)
	}
	if len(tags) > 0 {
		ts := make([]s3types.Tag, 0, len(tags))
		for _, k := range slices.Sorted(maps.Keys(tags)) {
			ts = append(ts, s3types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
		}
		if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String(key), Tagging: &s3types.Tagging{TagSet: ts}}); err != nil {
			t.Fatalf("tag s3://%s/%s: %v", bucket, key, err)
		}
	}
	return out
}

// NewTable creates the table in (its TableName replaced by one unique
// name from prefix), waits until it is active, and deletes it when t
// ends.
func NewTable(t testing.TB, ctx context.Context, db *dynamodb.Client, prefix string, in dynamodb.CreateTableInput) string {
	t.Helper()
	name := uniqueName(prefix)
	in.TableName = aws.String(name)
	if _, err := db.CreateTable(ctx, &in); err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatalf("table %s did not become active: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Errorf("delete table %s: %v", name, err)
		}
	})
	return name
}

// NewStream creates a Kinesis data stream of shards shards named from
// prefix (letters, digits, hyphens, dots and underscores, as stream names
// allow), waits until it is active, and deletes it when t ends.
func NewStream(t testing.TB, ctx context.Context, c *kinesis.Client, prefix string, shards int32) string {
	t.Helper()
	name := uniqueName(prefix)
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatalf("create stream %s: %v", name, err)
	}
	w := kinesis.NewStreamExistsWaiter(c, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatalf("stream %s did not become active: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(name)}); err != nil {
			t.Errorf("delete stream %s: %v", name, err)
		}
	})
	return name
}

// StreamRecords reads every record the stream holds, shard by shard in
// the order ListShards gives them, each shard's records in sequence order.
func StreamRecords(t testing.TB, ctx context.Context, c *kinesis.Client, stream string) []kinesistypes.Record {
	t.Helper()
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatalf("list shards of %s: %v", stream, err)
	}
	var recs []kinesistypes.Record
	for _, sh := range shards.Shards {
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName:        aws.String(stream),
			ShardId:           sh.ShardId,
			ShardIteratorType: kinesistypes.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			t.Fatalf("shard iterator of %s/%s: %v", stream, aws.ToString(sh.ShardId), err)
		}
		iter := it.ShardIterator
		for iter != nil {
			out, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatalf("get records of %s/%s: %v", stream, aws.ToString(sh.ShardId), err)
			}
			if len(out.Records) == 0 {
				break // an open shard's iterator never ends; nothing more was written
			}
			recs = append(recs, out.Records...)
			iter = out.NextShardIterator
		}
	}
	return recs
}
