// Command starter is the operations automation pattern's image workflow
// trigger (see patterns/ops/images): S3 invokes it (through its alias)
// with ObjectCreated notifications for keys under images/, and it starts
// one execution of STATE_MACHINE_ARN per object version with the input
// {"bucket","key","versionId"}, named from the key and a hash of the
// version so that repeated notifications start it once. Built for
// provided.al2023 as bootstrap with -tags lambda.norpc.
//
// Environment: STATE_MACHINE_ARN (required).
//
// Permissions: states:StartExecution on the state machine.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/kumo-iac/kumo/internal/awsconfig"
	"github.com/kumo-iac/kumo/patterns/ops/images"
	"github.com/kumo-iac/kumo/patterns/ops/metrics"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	// Built once per execution environment; 5 s per attempt, at most 4
	// attempts with the SDK's jittered exponential backoff.
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Bounds{AttemptTimeout: 5 * time.Second, MaxAttempts: 4, MaxBackoff: 2 * time.Second})
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	s, err := images.StarterFromEnv(sfn.NewFromConfig(cfg), os.Getenv, metrics.New(os.Stdout, "starter"), log)
	if err != nil {
		log.Error(err.Error())
		os.Exit(1)
	}
	lambda.Start(s.Handle)
}
