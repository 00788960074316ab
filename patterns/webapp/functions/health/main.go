// Command health is the Lambda function behind the web-app pattern's public
// GET /health route, which each region's Route 53 health check calls. It
// reads the region's items table (its local replica in two regions), so a
// region whose table cannot be read answers 503 and Route 53 moves traffic
// away from it; it also shows which function version is live (useful while
// a canary shifts traffic).
//
// Environment: TABLE_NAME (required) names the items table; ALLOWED_ORIGIN
// is sent as Access-Control-Allow-Origin (unset: no CORS header);
// AWS_LAMBDA_FUNCTION_NAME and AWS_LAMBDA_FUNCTION_VERSION are set by
// Lambda.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kumo-iac/kumo/internal/awsconfig"
)

// readBounds fit a read into readTimeout: two attempts of at most 400 ms
// with at most 100 ms between them, so a slow first attempt still leaves
// room for the retry.
var readBounds = awsconfig.Bounds{AttemptTimeout: 400 * time.Millisecond, MaxAttempts: 2, MaxBackoff: 100 * time.Millisecond}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		// Exiting during init makes Lambda report Runtime.ExitError with
		// this line in the logs, and the route answers 5xx: a health check
		// that cannot check must not pass.
		log.Error("TABLE_NAME is not set: set it to the name of the items DynamoDB table")
		os.Exit(1)
	}
	// Built once per execution environment, so warm invocations reuse the
	// client's credentials and connections.
	cfg, err := awsconfig.Load(context.Background(), readBounds)
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	p := newProber(dynamodb.NewFromConfig(cfg), table, log)
	s := server{
		prober: p, function: os.Getenv("AWS_LAMBDA_FUNCTION_NAME"),
		version: os.Getenv("AWS_LAMBDA_FUNCTION_VERSION"), allowedOrigin: os.Getenv("ALLOWED_ORIGIN"),
	}
	lambda.Start(func(ctx context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return s.handle(ctx), nil
	})
}
