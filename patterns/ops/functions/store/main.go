// Command store is the image workflow's last step (see
// patterns/ops/images): the state machine invokes it (through its alias)
// with {"bucket","key","versionId","metadata":{...},"analysis":[detect's
// and thumbnail's outputs]}, and it writes one item to RESULTS_TABLE
// (partition key imageKey, the object's key) and answers {"imageKey"}.
// Built for provided.al2023 as bootstrap with -tags lambda.norpc.
//
// Environment: RESULTS_TABLE (required).
//
// Permissions: dynamodb:PutItem on the results table.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kumo-iac/kumo/internal/awsconfig"
	"github.com/kumo-iac/kumo/patterns/ops/images"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Bounds{AttemptTimeout: 5 * time.Second, MaxAttempts: 4, MaxBackoff: 2 * time.Second})
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	s, err := images.StoreFromEnv(dynamodb.NewFromConfig(cfg), os.Getenv)
	if err != nil {
		log.Error(err.Error())
		os.Exit(1)
	}
	lambda.Start(s.Handle)
}
