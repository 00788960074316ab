// Command dispatcher is the stream processing pattern's fan-out
// dispatcher (see patterns/streams/fanout): a Kinesis event source mapping
// (with ReportBatchItemFailures and a large batch size) invokes it
// (through its alias) with events.KinesisEvent batches, or a caller with a
// JSON list; it cuts the batch into sub-batches of BATCH_SIZE and invokes
// the processor's alias on each, synchronously and CONCURRENCY at a time,
// and answers with events.KinesisEventResponse batch item failures by
// sequence number (for a list: {"items","batches","failed","failures"}).
// Records of one shard are processed in no particular order across
// sub-batches. Built for provided.al2023 as bootstrap with
// -tags lambda.norpc.
//
// Environment: PROCESSOR_FUNCTION (required) is the processor's alias
// ARN; BATCH_SIZE (default 100, 1 to 10000) and CONCURRENCY (default 10,
// 1 to 1000); PROCESSOR_TIMEOUT_SECONDS (default 60, 1 to 900) bounds one
// processor invocation and should be the processor's timeout or a little
// more.
//
// Permissions: kinesis:DescribeStream, DescribeStreamSummary, GetRecords,
// GetShardIterator and ListShards on the source stream (the event source
// mapping's); lambda:InvokeFunction on the processor's alias ARN. Reserve
// enough of the account's concurrency for the processor: a dispatcher per
// shard runs CONCURRENCY processors at a time.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/kumo-iac/kumo/internal/awsconfig"
	"github.com/kumo-iac/kumo/patterns/streams/fanout"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	// The client is built once per execution environment. A synchronous
	// Invoke answers when the processor finishes, so an attempt may take
	// as long as a function may run (900 s) and a little more;
	// PROCESSOR_TIMEOUT_SECONDS bounds each sub-batch's invocation more
	// tightly. At most 3 attempts (throttling, 5xx) with the SDK's
	// jittered exponential backoff; a retried attempt may run a sub-batch
	// twice.
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Bounds{AttemptTimeout: 905 * time.Second, MaxAttempts: 3, MaxBackoff: 2 * time.Second})
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	d, err := fanout.DispatcherFromEnv(awslambda.NewFromConfig(cfg), os.Getenv, log)
	if err != nil {
		// Exiting during init makes Lambda report Runtime.ExitError with
		// this line in the logs, instead of failing every batch later.
		log.Error(err.Error())
		os.Exit(1)
	}
	lambda.Start(d.Handle)
}
