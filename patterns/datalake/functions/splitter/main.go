// Command splitter is the first step of the data lake's MapReduce job (see
// patterns/datalake/mapreduce): Step Functions invokes it (through its
// alias) with {"jobId": "<execution name>", "prefix": "<optional>",
// "chunkBytes": <optional, default 64 MiB>}; it lists the raw bucket,
// writes chunk lists to the work bucket and returns {"jobId", "chunks":
// ["<key>", ...], "objects", "bytes", "skipped"} for a Map state over
// chunks. Built for provided.al2023 as bootstrap with -tags lambda.norpc.
//
// Environment: RAW_BUCKET and WORK_BUCKET (required) name the raw zone and
// work buckets; WORK_PREFIX (default "mapreduce/") is where the job's
// objects go in the work bucket; MAX_CHUNKS (default 1000) caps the chunks.
//
// Permissions: s3:ListBucket on the raw bucket; s3:PutObject on
// WORK_PREFIX* in the work bucket.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kumo-iac/kumo/internal/awsconfig"
	"github.com/kumo-iac/kumo/patterns/datalake/mapreduce"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	// The client is built once per execution environment. Every call is
	// bounded: 30 s per attempt, at most 5 attempts with the SDK's
	// jittered exponential backoff.
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Bounds{AttemptTimeout: 30 * time.Second, MaxAttempts: 5, MaxBackoff: 5 * time.Second})
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	s, err := mapreduce.SplitterFromEnv(s3.NewFromConfig(cfg), os.Getenv, log)
	if err != nil {
		// Exiting during init makes Lambda report Runtime.ExitError with
		// this line in the logs, instead of failing every job later.
		log.Error(err.Error())
		os.Exit(1)
	}
	lambda.Start(s.Split)
}
