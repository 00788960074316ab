// Command detect is one of the image workflow's parallel steps (see
// patterns/ops/images): the state machine invokes it (through its alias)
// with the image and its metadata, and it answers {"labels":[{"name",
// "confidence","parents","instances"}]} from Rekognition DetectLabels
// (MaxLabels 10, MinConfidence 80), or {"labels":[],"skipped":...} for
// images Rekognition does not take (not JPEG or PNG, over 15 MB). Built
// for provided.al2023 as bootstrap with -tags lambda.norpc.
//
// Environment: none.
//
// Permissions: rekognition:DetectLabels (no resource-level permissions);
// s3:GetObject and s3:GetObjectVersion on the upload bucket's images/*,
// which Rekognition reads with the caller's permissions.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rekognition"

	"github.com/kumo-iac/kumo/internal/awsconfig"
	"github.com/kumo-iac/kumo/patterns/ops/images"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	// Built once per execution environment; 20 s per attempt (Rekognition
	// reads the image from S3), at most 4 attempts with jittered backoff
	// (ProvisionedThroughputExceededException and ThrottlingException
	// included).
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Bounds{AttemptTimeout: 20 * time.Second, MaxAttempts: 4, MaxBackoff: 5 * time.Second})
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	d := &images.Detector{Rekognition: rekognition.NewFromConfig(cfg)}
	lambda.Start(d.Handle)
}
