// Package subscriber is the shared main of the file fan-out subscribers
// (resize, convert, archive): they differ only in their converter.
package subscriber

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kumo-iac/kumo/internal/awsconfig"
	"github.com/kumo-iac/kumo/patterns/streams/convert"
)

// FromEnv configures a subscriber's handler.
type FromEnv func(s3c convert.S3, getenv func(string) string, log *slog.Logger) (*convert.Handler, error)

// Run configures the handler and serves invocations; it exits at once,
// with every configuration problem logged, when it cannot start.
func Run(fromEnv FromEnv, getenv func(string) string) {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	// The client is built once per execution environment. It streams
	// objects of any size, so there is no limit on a whole call: S3 must
	// start answering within 30 s, and the invocation's deadline bounds
	// the rest. At most 5 attempts, with the SDK's jittered exponential
	// backoff.
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Bounds{ResponseHeaderTimeout: 30 * time.Second, MaxAttempts: 5, MaxBackoff: 5 * time.Second})
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	h, err := fromEnv(s3.NewFromConfig(cfg), getenv, log)
	if err != nil {
		// Exiting during init makes Lambda report Runtime.ExitError with
		// this line in the logs, instead of failing every event later.
		log.Error(err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
