// Command thumbnail is one of the image workflow's parallel steps (see
// patterns/ops/images): the state machine invokes it (through its alias)
// with the image and its metadata, and it writes a JPEG of at most 256
// pixels a side to OUTPUT_BUCKET under thumbnails/ and answers
// {"thumbnail":{"bucket","key","width","height"}}, or {"thumbnail":null,
// "skipped":...} for what it cannot decode. Built for provided.al2023 as
// bootstrap with -tags lambda.norpc; give it 512 MB or more of memory.
//
// Environment: OUTPUT_BUCKET (required); MAX_OBJECT_BYTES (default
// 52428800).
//
// Permissions: s3:GetObject and s3:GetObjectVersion on the upload
// bucket's images/*; s3:PutObject on the output bucket's thumbnails/*;
// kms:Decrypt and kms:GenerateDataKey on the buckets' keys when they are
// customer managed.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kumo-iac/kumo/internal/awsconfig"
	"github.com/kumo-iac/kumo/patterns/ops/images"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	// Built once per execution environment; the body of an image up to
	// MAX_OBJECT_BYTES streams after its headers, so only the headers'
	// wait is bounded (10 s) and the invocation's timeout bounds the rest.
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Bounds{ResponseHeaderTimeout: 10 * time.Second, MaxAttempts: 3, MaxBackoff: 2 * time.Second})
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	t, err := images.ThumbnailerFromEnv(s3.NewFromConfig(cfg), os.Getenv)
	if err != nil {
		log.Error(err.Error())
		os.Exit(1)
	}
	lambda.Start(t.Handle)
}
