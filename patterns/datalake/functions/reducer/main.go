// Command reducer is the last step of the data lake's MapReduce job (see
// patterns/datalake/mapreduce): Step Functions invokes it (through its
// alias) with {"jobId": "<execution name>", "partials": ["<key>", ...]}
// (the partial of every mapper's output); it sums them into one JSON-lines
// object {"dataset","date","records"} at RESULT_PREFIX job=<jobId>/
// counts.json in the curated bucket and returns {"result": "s3://...",
// "datasets": n, "records": n, "invalid": n}. Built for provided.al2023
// as bootstrap with -tags lambda.norpc.
//
// Environment: WORK_BUCKET and CURATED_BUCKET (required) name the work
// and curated buckets; WORK_PREFIX (default "mapreduce/") must be the
// splitter's; RESULT_PREFIX (default "mapreduce/record-counts/") is where
// results go in the curated bucket.
//
// Permissions: s3:GetObject on WORK_PREFIX* in the work bucket;
// s3:PutObject on RESULT_PREFIX* in the curated bucket (and
// kms:GenerateDataKey on its key when it is SSE-KMS encrypted).
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
	r, err := mapreduce.ReducerFromEnv(s3.NewFromConfig(cfg), os.Getenv, log)
	if err != nil {
		// Exiting during init makes Lambda report Runtime.ExitError with
		// this line in the logs, instead of failing every job later.
		log.Error(err.Error())
		os.Exit(1)
	}
	lambda.Start(r.Reduce)
}
