// Command transform is the stream processing pattern's Firehose data
// transformation (see patterns/streams/transform): Firehose invokes it
// (through its alias) synchronously with events.KinesisFirehoseEvent
// batches of sensor messages and delivers what it returns: each reading as
// a newline-terminated JSON line with an ISO 8601 UTC "time" (and the
// device's "site" and "owner" when DEVICE_TABLE is set) and partition keys
// year, month and day for dynamic partitioning; heartbeats and other
// non-reading messages Dropped; malformed messages ProcessingFailed. Built
// for provided.al2023 as bootstrap with -tags lambda.norpc.
//
// Environment: DEVICE_TABLE (optional) names the DynamoDB device table,
// partition key deviceId (a string), attributes site and owner.
//
// Permissions: dynamodb:BatchGetItem on the device table, when set.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kumo-iac/kumo/internal/awsconfig"
	"github.com/kumo-iac/kumo/patterns/streams/transform"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	// Clients are built once per execution environment so that warm
	// invocations reuse credentials and connections. Every call is
	// bounded: 5 s per attempt, at most 3 attempts with the SDK's jittered
	// exponential backoff, well inside the invocation Firehose waits for.
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Bounds{AttemptTimeout: 5 * time.Second, MaxAttempts: 3, MaxBackoff: time.Second})
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	t, err := transform.FromEnv(dynamodb.NewFromConfig(cfg), os.Getenv, log)
	if err != nil {
		// Exiting during init makes Lambda report Runtime.ExitError with
		// this line in the logs, instead of failing every batch later.
		log.Error(err.Error())
		os.Exit(1)
	}
	lambda.Start(t.Handle)
}
