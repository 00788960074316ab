// Command authorizer is the web-app pattern's API Gateway REST API TOKEN
// and REQUEST authorizer: it checks the bearer JWT in the request's token
// header (TOKEN) or, for REQUEST, the header or query string parameter
// TOKEN_SOURCE names (default: the Authorization header; the identity
// sources decide only whether API Gateway calls it)
// against an OIDC issuer (patterns/webapp/authz does the checking) and
// answers with a policy that allows execute-api:Invoke on exactly the
// method ARN being called, for principal sub, with sub and scope in the
// context for the backend. Built for provided.al2023 as bootstrap with
// -tags lambda.norpc.
//
// A refused token gets the error "Unauthorized", which API Gateway turns
// into a 401; signing keys that cannot be fetched get another error, which
// it turns into a 500, because the caller's token was never checked
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html).
// Refusals are never a Deny policy with details: the caller learns nothing
// about why.
//
// The policy names one method ARN, so the authorizer's result cache must be
// off (authorizerResultTtlInSeconds 0): API Gateway applies a cached policy
// to the same token's calls of other routes, which it would then deny
// (https://repost.aws/knowledge-center/api-gateway-lambda-authorization-errors).
//
// The same function answers kumo's refresh-keys event, {"kumo":
// "refresh-keys"}, which a schedule sends so that a region without traffic
// keeps its key snapshot fresh, and which the web app's pre-traffic hook
// (functions/authzcheck) sends each new version before it takes traffic:
// it fetches the issuer's keys and writes the snapshot, and a failure is
// logged at level ERROR (for the function's failures alarm) and returned.
// EventBridge invokes it asynchronously; a failed tick is not retried, the
// next one does the same work. Tokens never write the snapshot.
//
// Environment: ISSUER and AUDIENCE (required), JWKS_URL (default: the
// issuer's discovery document's jwks_uri), REQUIRED_SCOPES (space-separated,
// default none), LEEWAY_SECONDS (default 60), TOKEN_USE (default: not
// checked) and KEYS_SNAPSHOT_PARAMETER (default: no snapshot); see
// authz.ConfigFromEnv.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/kumo-iac/kumo/internal/awsconfig"
	"github.com/kumo-iac/kumo/patterns/webapp/authz"
	"github.com/kumo-iac/kumo/patterns/webapp/authz/kumoevent"
)

// ssmBounds bound each call to the key snapshot's parameter: SSM answers
// within tens of milliseconds in its region. One attempt per call: authz
// retries with its own jittered backoff within 2 s, and retries in both
// layers would multiply the calls a throttled account gets.
var ssmBounds = awsconfig.Bounds{AttemptTimeout: 600 * time.Millisecond, MaxAttempts: 1}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, err := authz.ConfigFromEnv(os.Getenv)
	if err != nil {
		// Exiting during init makes Lambda report Runtime.ExitError with
		// this line in the logs, instead of failing every request later.
		log.Error("bad configuration", slog.String("error", err.Error()))
		os.Exit(1)
	}
	opts := authz.Options{Logger: log}
	if cfg.SnapshotParameter != "" {
		// Built once per execution environment, so that warm invocations
		// reuse its credentials and connections.
		awsCfg, err := awsconfig.Load(context.Background(), ssmBounds)
		if err != nil {
			log.Error("load AWS config", slog.String("error", err.Error()))
			os.Exit(1)
		}
		opts.SSM = ssm.NewFromConfig(awsCfg)
	}
	// One Authorizer per execution environment, so its key cache lives
	// across invocations.
	a, err := authz.New(cfg, opts)
	if err != nil {
		log.Error("bad configuration", slog.String("error", err.Error()))
		os.Exit(1)
	}
	src, err := parseTokenSource(os.Getenv("TOKEN_SOURCE"))
	if err != nil {
		log.Error("bad configuration", slog.String("error", err.Error()))
		os.Exit(1)
	}
	lambda.Start(handler(a, src, log))
}

// Errors API Gateway maps to statuses by their exact text.
var (
	errUnauthorized = errors.New("Unauthorized") //nolint:staticcheck // API Gateway's exact string for a 401
	errUnavailable  = errors.New("authorizer cannot fetch the issuer's signing keys")
)

// kumoEvent is an event kumo itself sends: {"kumo": "<what>"}, such as
// kumoevent.Refresh. API Gateway's authorizer events have no kumo field.
type kumoEvent struct {
	Kumo string `json:"kumo"`
}

// refreshed is the answer to a refresh event that worked.
type refreshed struct {
	Refreshed bool `json:"refreshed"`
}

// event is both the TOKEN and the REQUEST authorizer input: TOKEN brings
// authorizationToken, REQUEST the request's headers; both bring methodArn
// in the same format
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html).
type event struct {
	Type               string            `json:"type"`
	AuthorizationToken string            `json:"authorizationToken"`
	MethodArn          string            `json:"methodArn"`
	Headers            map[string]string `json:"headers"`
	Query              map[string]string `json:"queryStringParameters"`
}

// tokenSource is where a REQUEST authorizer finds the token: a header
// (the default, Authorization) or a query string parameter, as the
// TOKEN_SOURCE setting says ("header:Authorization",
// "querystring:access_token"); the web app sets it from the first header
// or query string among its identity sources.
type tokenSource struct {
	query bool
	name  string
}

// parseTokenSource reads TOKEN_SOURCE; "" is the Authorization header.
func parseTokenSource(s string) (tokenSource, error) {
	if s == "" {
		return tokenSource{name: "Authorization"}, nil
	}
	kind, name, ok := strings.Cut(s, ":")
	if !ok || name == "" || (kind != "header" && kind != "querystring") {
		return tokenSource{}, fmt.Errorf("TOKEN_SOURCE is %q: use header:<name> or querystring:<name>", s)
	}
	return tokenSource{query: kind == "querystring", name: name}, nil
}

// errAmbiguous refuses a REQUEST with the token header under two
// spellings: which one API Gateway's identity source checked is unknown.
var errAmbiguous = errors.New("more than one token header")

// token is the bearer token of e, by its type and src.
func (e event) token(src tokenSource) (string, error) {
	switch e.Type {
	case "TOKEN":
		return e.AuthorizationToken, nil
	case "REQUEST":
		if src.query {
			// Query string names are case-sensitive.
			return e.Query[src.name], nil
		}
		// REST APIs pass header names as the client sent them; HTTP
		// header names are case-insensitive (RFC 9110 §5.1).
		tok, found := "", false
		for k, v := range e.Headers {
			if strings.EqualFold(k, src.name) {
				if found {
					return "", errAmbiguous
				}
				tok, found = v, true
			}
		}
		return tok, nil
	}
	return "", fmt.Errorf("event type %q is neither TOKEN nor REQUEST", e.Type)
}

type authorizer interface {
	Authorize(ctx context.Context, authorizationToken, methodARN string) (authz.Decision, error)
	Refresh(ctx context.Context) error
}

// handler tells kumo's refresh event from API Gateway's authorizer events
// by the raw JSON, and answers each.
func handler(a authorizer, src tokenSource, log *slog.Logger) func(context.Context, json.RawMessage) (any, error) {
	authorize := authorizeHandler(a, src, log)
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var k kumoEvent
		if err := json.Unmarshal(raw, &k); err != nil {
			// Not a JSON object: no event API Gateway sends, and no kumo's.
			log.Info("refused", slog.String("reason", "event is not a JSON object"))
			return nil, errUnauthorized
		}
		switch k.Kumo {
		case "":
		case kumoevent.RefreshKeys:
			if err := a.Refresh(ctx); err != nil {
				log.Error("refresh of signing keys failed", slog.String("error", err.Error()))
				return nil, fmt.Errorf("refresh of signing keys failed: %w", err)
			}
			log.Info("signing keys refreshed")
			return refreshed{Refreshed: true}, nil
		default:
			log.Error("unknown kumo event", slog.String("kumo", k.Kumo))
			return nil, fmt.Errorf("kumo event %q is not %q", k.Kumo, kumoevent.RefreshKeys)
		}
		var req event
		if err := json.Unmarshal(raw, &req); err != nil {
			log.Info("refused", slog.String("reason", "event is not an authorizer event: "+err.Error()))
			return nil, errUnauthorized
		}
		resp, err := authorize(ctx, req)
		if err != nil {
			return nil, err
		}
		return resp, nil
	}
}

func authorizeHandler(a authorizer, src tokenSource, log *slog.Logger) func(context.Context, event) (events.APIGatewayCustomAuthorizerResponse, error) {
	return func(ctx context.Context, req event) (events.APIGatewayCustomAuthorizerResponse, error) {
		tok, err := req.token(src)
		if err != nil {
			log.Info("refused", slog.String("methodArn", req.MethodArn), slog.String("reason", err.Error()))
			return events.APIGatewayCustomAuthorizerResponse{}, errUnauthorized
		}
		d, err := a.Authorize(ctx, tok, req.MethodArn)
		switch {
		case errors.Is(err, authz.ErrKeysUnavailable):
			log.Error("token not checked", slog.String("methodArn", req.MethodArn), slog.String("error", err.Error()))
			return events.APIGatewayCustomAuthorizerResponse{}, errUnavailable
		case err != nil:
			// The reason is logged for whoever runs the API; authz's
			// errors never contain the token.
			log.Info("refused", slog.String("methodArn", req.MethodArn), slog.String("reason", err.Error()))
			return events.APIGatewayCustomAuthorizerResponse{}, errUnauthorized
		}
		return response(d), nil
	}
}

// response is the authorizer output of
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html:
// one statement allowing the one method ARN.
func response(d authz.Decision) events.APIGatewayCustomAuthorizerResponse {
	ctx := make(map[string]any, len(d.Context))
	for k, v := range d.Context {
		ctx[k] = v
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: d.PrincipalID,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action:   []string{"execute-api:Invoke"},
				Effect:   "Allow",
				Resource: []string{d.Resource},
			}},
		},
		Context: ctx,
	}
}
