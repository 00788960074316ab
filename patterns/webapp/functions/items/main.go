// Command items is the Lambda function behind the web-app pattern's /items
// routes (API Gateway REST API, Lambda proxy integration). It only
// translates API Gateway events; the API itself lives in
// patterns/webapp/items. Built for provided.al2023 as bootstrap with
// -tags lambda.norpc.
//
// Environment: TABLE_NAME (required) names the DynamoDB table, which must
// have the items.OwnerIndex; ALLOWED_ORIGIN is sent as
// Access-Control-Allow-Origin (unset: no CORS header, so only same-origin
// browser calls work); AUTH_MODE names the authorizer in front of the
// routes, cognito (unset), token, request or iam, which decides where the
// caller's identity is (see items.Identity), and ADMIN_SCOPE (token and
// request only; unset: no admins) the token scope that makes a caller an
// admin. The key that signs page tokens needs no setting: it lives in the
// table (see items.Store).
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kumo-iac/kumo/patterns/webapp/items"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		// Exiting during init makes Lambda report Runtime.ExitError with
		// this line in the logs, instead of failing every request later.
		log.Error("TABLE_NAME is not set: set it to the name of the items DynamoDB table")
		os.Exit(1)
	}
	id, err := identity(os.Getenv)
	if err != nil {
		log.Error(err.Error())
		os.Exit(1)
	}
	origin := os.Getenv("ALLOWED_ORIGIN")
	if origin == "" {
		log.Warn("ALLOWED_ORIGIN is not set: responses carry no Access-Control-Allow-Origin header, so browsers on other origins cannot read them")
	}
	// The client is built once per execution environment so that warm
	// invocations reuse its credentials and connections.
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	h := items.NewHandler(items.NewStore(dynamodb.NewFromConfig(cfg), table), origin, log).WithIdentity(id)
	lambda.Start(func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return toEvent(h.Handle(ctx, toRequest(req))), nil
	})
}

func toRequest(req events.APIGatewayProxyRequest) items.Request {
	body := req.Body
	if req.IsBase64Encoded {
		// Only when binary media types match the request; API Gateway
		// always sends valid base64 then. If not, the raw body fails JSON
		// parsing and the client gets a 400.
		if b, err := base64.StdEncoding.DecodeString(body); err == nil {
			body = string(b)
		}
	}
	return items.Request{
		Method:               req.HTTPMethod,
		Resource:             req.Resource,
		PathParams:           req.PathParameters,
		Query:                req.QueryStringParameters,
		Headers:              req.Headers,
		Body:                 body,
		Claims:               claims(req.RequestContext.Authorizer),
		Authorizer:           authorizerContext(req.RequestContext.Authorizer),
		IAMUserArn:           req.RequestContext.Identity.UserArn,
		IAMCaller:            req.RequestContext.Identity.Caller,
		IAMCognitoIdentityID: req.RequestContext.Identity.CognitoIdentityID,
		RequestID:            req.RequestContext.RequestID,
	}
}

// identity reads AUTH_MODE, ADMIN_SCOPE and ADMIN_GROUPS ("true": the
// Cognito admins group of a pool token makes an admin).
func identity(getenv func(string) string) (items.Identity, error) {
	mode, ok := items.ParseAuthMode(getenv("AUTH_MODE"))
	if !ok {
		return items.Identity{}, fmt.Errorf("AUTH_MODE is %q: use cognito, token, request or iam (unset: cognito)", mode)
	}
	admin := getenv("ADMIN_SCOPE")
	if admin != "" && mode != items.AuthToken && mode != items.AuthRequest {
		return items.Identity{}, fmt.Errorf("ADMIN_SCOPE is set, but AUTH_MODE is %s: admin scopes come only from token and request authorizers", mode)
	}
	groups := getenv("ADMIN_GROUPS")
	switch {
	case groups != "" && groups != "true":
		return items.Identity{}, fmt.Errorf("ADMIN_GROUPS is %q: use true, or leave it unset", groups)
	case groups != "" && mode != items.AuthToken && mode != items.AuthRequest:
		return items.Identity{}, fmt.Errorf("ADMIN_GROUPS is set, but AUTH_MODE is %s: groups come from token and request authorizers", mode)
	}
	return items.Identity{Mode: mode, AdminScope: admin, AdminGroups: groups == "true"}, nil
}

// authorizerContext reads a Lambda authorizer's context, which API Gateway
// passes flat beside principalId: string, number and boolean values only
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html).
func authorizerContext(authorizer map[string]any) map[string]string {
	if _, cognito := authorizer["claims"]; cognito || len(authorizer) == 0 {
		return nil
	}
	out := make(map[string]string, len(authorizer))
	for k, v := range authorizer {
		if s, ok := v.(string); ok {
			out[k] = s
		} else if b, err := json.Marshal(v); err == nil {
			out[k] = string(b)
		}
	}
	return out
}

// claims reads the token claims a Cognito user pool authorizer puts in the
// request context. They arrive as JSON, so the map is map[string]any with
// (for Cognito) string values; API Gateway flattens the cognito:groups
// array into "admins,editors".
func claims(authorizer map[string]any) map[string]string {
	raw, ok := authorizer["claims"].(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			out[k] = v
			continue
		case []any:
			// An array of strings, as the token holds groups, in the
			// form API Gateway would have flattened it to.
			if s, ok := joinStrings(v); ok {
				out[k] = s
				continue
			}
		}
		// Other authorizers may pass numbers or booleans; JSON keeps
		// 1700000000 from becoming 1.7e+09.
		if b, err := json.Marshal(v); err == nil {
			out[k] = string(b)
		}
	}
	return out
}

func toEvent(r items.Response) events.APIGatewayProxyResponse {
	return events.APIGatewayProxyResponse{StatusCode: r.Status, Headers: r.Headers, Body: r.Body}
}

func joinStrings(vs []any) (string, bool) {
	ss := make([]string, len(vs))
	for i, v := range vs {
		s, ok := v.(string)
		if !ok {
			return "", false
		}
		ss[i] = s
	}
	return strings.Join(ss, ","), true
}
