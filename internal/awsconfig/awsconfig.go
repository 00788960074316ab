// Package awsconfig loads the AWS SDK configuration of the patterns'
// Lambda functions (the data lake's and the stream processing pattern's):
// the default credential and region chain, with every call bounded by a
// per-attempt timeout and a capped number of attempts with the SDK's
// jittered exponential backoff.
package awsconfig

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Bounds limit each AWS call.
type Bounds struct {
	// AttemptTimeout bounds one HTTP attempt, its body included.
	AttemptTimeout time.Duration
	// ResponseHeaderTimeout bounds only the wait for a response's headers,
	// for calls that stream bodies of any size (the invocation's deadline
	// bounds the rest); it replaces AttemptTimeout.
	ResponseHeaderTimeout time.Duration
	// MaxAttempts counts the first attempt and the retries.
	MaxAttempts int
	// MaxBackoff caps the wait between attempts.
	MaxBackoff time.Duration
}

// Load returns the configuration for clients built once per execution
// environment (outside the handler), so warm invocations reuse credentials
// and connections.
func Load(ctx context.Context, b Bounds) (aws.Config, error) {
	client := awshttp.NewBuildableClient().WithTimeout(b.AttemptTimeout)
	if b.ResponseHeaderTimeout > 0 {
		client = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.ResponseHeaderTimeout = b.ResponseHeaderTimeout
		})
	}
	return config.LoadDefaultConfig(ctx,
		config.WithHTTPClient(client),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = b.MaxAttempts
				o.MaxBackoff = b.MaxBackoff
			})
		}),
	)
}
