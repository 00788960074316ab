// Command analytics is the stream processing pattern's real-time analytics
// (see patterns/streams/analytics): a Kinesis event source mapping with a
// tumbling window (60 s) invokes it (through its alias) with
// events.KinesisTimeWindowEvent batches of sensor readings and the
// window's state, and it returns events.KinesisTimeWindowEventResponse
// with the state for the window's next invocation. At the window's end it
// publishes an SNS alert for each device whose average is over its
// threshold. Malformed records go to the error stream. Built for
// provided.al2023 as bootstrap with -tags lambda.norpc.
//
// Environment: THRESHOLD_TABLE (required) names the DynamoDB threshold
// table, partition key deviceId (a string), attribute threshold (a
// number); DEFAULT_THRESHOLD (default 30) applies to devices without one;
// ALERT_TOPIC_ARN (required) is the alert topic's ARN; ERROR_STREAM
// (required) is the error stream's name or ARN.
//
// Permissions: kinesis:DescribeStream, DescribeStreamSummary, GetRecords,
// GetShardIterator and ListShards on the source stream (the event source
// mapping's); dynamodb:BatchGetItem on the threshold
// table; sns:Publish on the topic; kinesis:PutRecords on the error
// stream; kms:GenerateDataKey on the error stream's and the topic's keys
// when they are customer managed.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kumo-iac/kumo/internal/awsconfig"
	"github.com/kumo-iac/kumo/patterns/streams/analytics"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	// Clients are built once per execution environment so that warm
	// invocations reuse credentials and connections. Every call is
	// bounded: 5 s per attempt, at most 4 attempts with the SDK's
	// jittered exponential backoff. A call that still fails fails the
	// invocation, and Lambda retries the batch with the same state.
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Bounds{AttemptTimeout: 5 * time.Second, MaxAttempts: 4, MaxBackoff: 2 * time.Second})
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	a, err := analytics.FromEnv(dynamodb.NewFromConfig(cfg), sns.NewFromConfig(cfg), kinesis.NewFromConfig(cfg), os.Getenv, log)
	if err != nil {
		// Exiting during init makes Lambda report Runtime.ExitError with
		// this line in the logs, instead of failing every window later.
		log.Error(err.Error())
		os.Exit(1)
	}
	lambda.Start(a.Handle)
}
