// Command metadata is the image workflow's first step (see
// patterns/ops/images): the state machine invokes it (through its alias)
// with {"bucket","key","versionId"}, and it answers with the image's type
// (from its magic bytes), content type, size, width and height, and EXIF
// (camera make and model, when taken, orientation, GPS). Built for
// provided.al2023 as bootstrap with -tags lambda.norpc.
//
// Environment: none.
//
// Permissions: s3:GetObject and s3:GetObjectVersion on the upload
// bucket's images/* (HeadObject needs the same).
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
	// Built once per execution environment; 10 s per attempt (the read is
	// at most 256 KiB), at most 3 attempts.
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Bounds{AttemptTimeout: 10 * time.Second, MaxAttempts: 3, MaxBackoff: 2 * time.Second})
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	m := &images.Metadata{S3: s3.NewFromConfig(cfg), Log: log}
	lambda.Start(m.Handle)
}
