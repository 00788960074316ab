// Command health is the Lambda function behind the web-app pattern's public
// GET /health route. It answers without touching any other service, so it
// shows whether API Gateway, the alias and the runtime work, and which
// function version is live (useful while a canary shifts traffic).
//
// Environment: ALLOWED_ORIGIN is sent as Access-Control-Allow-Origin (unset:
// no CORS header); AWS_LAMBDA_FUNCTION_NAME and AWS_LAMBDA_FUNCTION_VERSION
// are set by Lambda.
package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

type status struct {
	Status   string `json:"status"`
	Function string `json:"function"`
	Version  string `json:"version"`
}

func main() {
	// The environment does not change within an execution environment, so
	// the response is built once.
	resp := health(os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), os.Getenv("AWS_LAMBDA_FUNCTION_VERSION"), os.Getenv("ALLOWED_ORIGIN"))
	lambda.Start(func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return resp, nil
	})
}

// health builds the response for function name and version; allowedOrigin
// becomes Access-Control-Allow-Origin unless it is empty.
func health(name, version, allowedOrigin string) events.APIGatewayProxyResponse {
	body, _ := json.Marshal(status{Status: "ok", Function: name, Version: version}) // strings always marshal
	headers := map[string]string{
		"Content-Type": "application/json",
		// A cached "ok" would hide an outage.
		"Cache-Control": "no-store",
	}
	if allowedOrigin != "" {
		headers["Access-Control-Allow-Origin"] = allowedOrigin
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Headers: headers, Body: string(body)}
}
