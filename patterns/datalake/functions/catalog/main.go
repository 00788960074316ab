// Command catalog is the data lake's event-based catalog writer: S3 invokes
// it (through its alias) with the bucket notifications of the raw zone,
// events.S3Event records of s3:ObjectCreated:* and s3:ObjectRemoved:*, and
// it writes or removes each object's entry in the catalog table (see
// patterns/datalake/catalog). It returns an error naming the failed keys
// when any record fails, so that Lambda retries the event and then sends
// it to the function's on-failure destination. Built for provided.al2023
// as bootstrap with -tags lambda.norpc.
//
// Environment: CATALOG_TABLE (required) names the DynamoDB catalog table,
// partition key objectKey (a string).
//
// Permissions: s3:GetObject (HeadObject), s3:GetObjectTagging and
// s3:ListBucket (without it S3 answers 403 instead of 404 for a deleted
// key) on the bucket; dynamodb:PutItem and dynamodb:DeleteItem on the
// table.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kumo-iac/kumo/internal/awsconfig"
	"github.com/kumo-iac/kumo/patterns/datalake/catalog"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	table, err := tableFromEnv(os.Getenv)
	if err != nil {
		// Exiting during init makes Lambda report Runtime.ExitError with
		// this line in the logs, instead of failing every event later.
		log.Error(err.Error())
		os.Exit(1)
	}
	// Clients are built once per execution environment so that warm
	// invocations reuse credentials and connections. Every call is
	// bounded: 10 s per attempt, at most 4 attempts with the SDK's
	// jittered exponential backoff.
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Bounds{AttemptTimeout: 10 * time.Second, MaxAttempts: 4, MaxBackoff: 2 * time.Second})
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	w := catalog.NewWriter(s3.NewFromConfig(cfg), dynamodb.NewFromConfig(cfg), table, log)
	lambda.Start(w.Handle)
}

// DynamoDB's TableName pattern, 3 to 255 characters
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html).
var tableName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

// tableFromEnv reads CATALOG_TABLE, refusing a value that cannot be a
// table name (an ARN, say) at init rather than on every event.
func tableFromEnv(getenv func(string) string) (string, error) {
	table := getenv("CATALOG_TABLE")
	switch {
	case table == "":
		return "", fmt.Errorf("CATALOG_TABLE is not set: set it to the name of the catalog DynamoDB table (partition key %s, a string)", catalog.KeyAttribute)
	case !tableName.MatchString(table):
		return "", fmt.Errorf("CATALOG_TABLE is %q: set it to the table's name (3 to 255 of a-z A-Z 0-9 _ . -), not its ARN", table)
	}
	return table, nil
}
