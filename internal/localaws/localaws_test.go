package localaws

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopAll()
	os.Exit(code)
}

func TestS3rverServesObjectsAndTags(t *testing.T) {
	srv := Shared(t, S3rver)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c := srv.S3()
	bucket := NewBucket(t, ctx, c, "localaws")
	PutObject(t, ctx, c, bucket, "a/b c.json", "application/json", []byte(`{"x":1}`), map[string]string{"owner": "lake"})

	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("a/b c.json")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt64(head.ContentLength); got != 7 {
		t.Errorf("got content length %d; want 7", got)
	}
	if got := aws.ToString(head.ContentType); got != "application/json" {
		t.Errorf("got content type %q; want application/json", got)
	}
	tags, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("a/b c.json")})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Key) != "owner" || aws.ToString(tags.TagSet[0].Value) != "lake" {
		t.Errorf("got tags %+v; want owner=lake", tags.TagSet)
	}
	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("a/b c.json")})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(get.Body)
	get.Body.Close()
	if err != nil || string(body) != `{"x":1}` {
		t.Errorf("got body %q, %v; want the object", body, err)
	}
	if srv.Version != "3.7.1" {
		t.Errorf("got s3rver %s; want the pinned 3.7.1", srv.Version)
	}
}

func TestDynaliteEnforcesConditions(t *testing.T) {
	srv := Shared(t, Dynalite)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	db := srv.DynamoDB()
	table := NewTable(t, ctx, db, "localaws", dynamodb.CreateTableInput{
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
	})
	put := &dynamodb.PutItemInput{
		TableName:           aws.String(table),
		Item:                map[string]types.AttributeValue{"k": &types.AttributeValueMemberS{Value: "a"}},
		ConditionExpression: aws.String("attribute_not_exists(k)"),
	}
	if _, err := db.PutItem(ctx, put); err != nil {
		t.Fatal(err)
	}
	_, err := db.PutItem(ctx, put)
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Errorf("second conditional put: got %v; want ConditionalCheckFailedException", err)
	}
}

func TestKinesaliteKeepsRecordsAndRefusesOversizedOnes(t *testing.T) {
	srv := Shared(t, Kinesalite)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c := srv.Kinesis()
	stream := NewStream(t, ctx, c, "localaws", 1)
	out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{
		StreamName: aws.String(stream),
		Records: []kinesistypes.PutRecordsRequestEntry{
			{Data: []byte("one"), PartitionKey: aws.String("a")},
			{Data: []byte("two"), PartitionKey: aws.String("b")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt32(out.FailedRecordCount); got != 0 {
		t.Errorf("got %d failed records; want 0", got)
	}
	recs := StreamRecords(t, ctx, c, stream)
	var got []string
	for _, r := range recs {
		got = append(got, string(r.Data)+"/"+aws.ToString(r.PartitionKey))
	}
	if strings.Join(got, " ") != "one/a two/b" {
		t.Errorf("got records %q; want one/a two/b in order", got)
	}

	// A record over Kinesis's 1 MiB is refused as the service refuses it,
	// so a handler that would exceed it is caught here, not in production.
	_, err = c.PutRecords(ctx, &kinesis.PutRecordsInput{
		StreamName: aws.String(stream),
		Records:    []kinesistypes.PutRecordsRequestEntry{{Data: make([]byte, 1<<20+1), PartitionKey: aws.String("a")}},
	})
	if err == nil || !strings.Contains(err.Error(), "ValidationException") {
		t.Errorf("oversized record: got %v; want a ValidationException", err)
	}
	if srv.Version != "3.3.3" {
		t.Errorf("got kinesalite %s; want the pinned 3.3.3", srv.Version)
	}
}

// A stale installation fails with the command that fixes it, rather than
// testing against a server that behaves differently.
func TestStaleInstallationIsRefused(t *testing.T) {
	dir := t.TempDir()
	pkg := filepath.Join(dir, "node_modules", "dynalite")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "package.json"), []byte(`{"name":"dynalite","version":"3.2.2"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := filepath.Join(pkg, "cli.js")
	if err := os.WriteFile(cli, []byte("#!/usr/bin/env node\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUMO_DYNALITE", cli)
	_, err := Start(Dynalite)
	if err == nil || !strings.Contains(err.Error(), "dynalite 3.2.2") || !strings.Contains(err.Error(), "pins 4.0.0") || !strings.Contains(err.Error(), Install) {
		t.Errorf("got %v; want an error naming the installed and the pinned version and the install command", err)
	}
}

func TestNotInstalledNamesTheFix(t *testing.T) {
	err := (&NotInstalledError{Tool: S3rver}).Error()
	for _, want := range []string{Install, "KUMO_S3RVER", "s3rver"} {
		if !strings.Contains(err, want) {
			t.Errorf("got %q; want it to mention %q", err, want)
		}
	}
	err = (&NotInstalledError{Tool: Kinesalite}).Error()
	for _, want := range []string{Install, "KUMO_KINESALITE", "kinesalite"} {
		if !strings.Contains(err, want) {
			t.Errorf("got %q; want it to mention %q", err, want)
		}
	}
}
