package main

import (
	"encoding/json"
	"fmt"

	"github.com/kumo-iac/kumo/patterns/webapp/items"
)

// smokeUser is who the hook lists as, in every auth mode. Cognito subs are
// UUIDs and IAM caller IDs are unique IDs in upper-case letters and digits
// (AIDA…, AROA…:session,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids),
// so no such caller owns items and the list is a Query of the owner index
// that finds none. (An OIDC issuer of the token and request modes could
// name a user so; the hook would then read, and drop, one of their items.)
const smokeUser = "kumo-smoketest"

// listRequest is what API Gateway sends the items function for GET
// /items?limit=1 from a caller authorized the way mode (the items
// function's AUTH_MODE; "" is cognito) reads callers (items.Identity):
//
//   - cognito: a Cognito user pool authorizer's claims, with sub;
//   - token, request: a Lambda authorizer's context, flat beside
//     principalId, with sub and scope as functions/authorizer sets them
//     (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html);
//   - iam: the signer in requestContext.identity. Only caller is set, to
//     smokeUser: a userArn would have to name a real principal of the
//     account, whose items the hook has no business listing.
//
// A request shaped for another mode carries no identity the items
// function reads, and it answers 401, which would roll back every release.
func listRequest(mode string) ([]byte, error) {
	m, ok := items.ParseAuthMode(mode)
	if !ok {
		return nil, fmt.Errorf("AUTH_MODE is %q: use cognito, token, request or iam (unset: cognito), as the items function's", mode)
	}
	rc := map[string]any{"requestId": smokeUser}
	switch m {
	case items.AuthCognito:
		rc["authorizer"] = map[string]any{"claims": map[string]string{"sub": smokeUser}}
	case items.AuthToken, items.AuthRequest:
		rc["authorizer"] = map[string]any{"principalId": smokeUser, "sub": smokeUser, "scope": ""}
	case items.AuthIAM:
		rc["identity"] = map[string]any{"caller": smokeUser}
	}
	return json.Marshal(map[string]any{
		"httpMethod": "GET", "resource": "/items", "path": "/items",
		"queryStringParameters": map[string]string{"limit": "1"},
		"requestContext":        rc,
	})
}

// expectOK accepts only a proxy response with status 200.
func expectOK(version string, out []byte) error {
	var resp struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		return fmt.Errorf("version %s answered GET /items with %q, not an API Gateway proxy response: %w", version, out, err)
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("version %s answered GET /items with %d, want 200: %s", version, resp.StatusCode, resp.Body)
	}
	return nil
}
