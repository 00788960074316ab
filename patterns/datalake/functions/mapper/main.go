// Command mapper is the parallel step of the data lake's MapReduce job
// (see patterns/datalake/mapreduce): a Step Functions Map state invokes it
// (through its alias) once per chunk with {"jobId": "<execution name>",
// "chunk": "<chunk key>"}; it counts the chunk's JSON-lines records per
// dataset and day, writes the partial result to the work bucket and
// returns {"partial": "<key>", "records": n, "invalid": n}. Built for
// provided.al2023 as bootstrap with -tags lambda.norpc.
//
// Environment: RAW_BUCKET and WORK_BUCKET (required) name the raw zone and
// work buckets; WORK_PREFIX (default "mapreduce/") must be the splitter's.
//
// Permissions: s3:GetObject on the raw bucket (and kms:Decrypt on its key
// when it is SSE-KMS encrypted); s3:GetObject and s3:PutObject on
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
	// The client is built once per execution environment. A mapper
	// streams objects of any size, so there is no limit on a whole call:
	// S3 must start answering within 30 s, and the invocation's deadline
	// bounds the rest. At most 5 attempts, with the SDK's jittered
	// exponential backoff.
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Bounds{ResponseHeaderTimeout: 30 * time.Second, MaxAttempts: 5, MaxBackoff: 5 * time.Second})
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	m, err := mapreduce.MapperFromEnv(s3.NewFromConfig(cfg), os.Getenv, log)
	if err != nil {
		// Exiting during init makes Lambda report Runtime.ExitError with
		// this line in the logs, instead of failing every chunk later.
		log.Error(err.Error())
		os.Exit(1)
	}
	lambda.Start(m.Map)
}
