package main

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kumo-iac/kumo/patterns/webapp/items"
)

// The event is decoded from JSON as the Lambda runtime does, so claims
// arrive with the same Go types as in production.
const event = `{
  "resource": "/items/{id}",
  "path": "/items/0b6f1f3e-1b7a-4a2e-9a51-6d2a3c4b5e6f",
  "httpMethod": "PUT",
  "pathParameters": {"id": "0b6f1f3e-1b7a-4a2e-9a51-6d2a3c4b5e6f"},
  "headers": {"if-match": "\"3\"", "Content-Type": "application/json"},
  "queryStringParameters": {"limit": "5"},
  "requestContext": {
    "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    "authorizer": {"claims": {"sub": "7d8ca528-4931-4254-9273-ea5ee853f271", "email_verified": "true", "auth_time": 1700000000, "cognito:groups": "editors,admins"}}
  },
  "body": "{\"name\":\"x\"}",
  "isBase64Encoded": false
}`

func TestToRequest(t *testing.T) {
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal([]byte(event), &ev); err != nil {
		t.Fatal(err)
	}
	got := toRequest(ev)
	if got.Method != "PUT" || got.Resource != "/items/{id}" || got.Body != `{"name":"x"}` || got.RequestID != "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" {
		t.Errorf("got %+v; want method, resource, body and request id copied from the event", got)
	}
	if got.PathParams["id"] != "0b6f1f3e-1b7a-4a2e-9a51-6d2a3c4b5e6f" || got.Query["limit"] != "5" {
		t.Errorf("got path %v, query %v; want them copied from the event", got.PathParams, got.Query)
	}
	wantClaims := map[string]string{"sub": "7d8ca528-4931-4254-9273-ea5ee853f271", "email_verified": "true", "auth_time": "1700000000", "cognito:groups": "editors,admins"}
	if !maps.Equal(got.Claims, wantClaims) {
		t.Errorf("got claims %v; want %v", got.Claims, wantClaims)
	}
	if c, ok := items.CallerFromClaims(got.Claims); !ok || c != (items.Caller{Sub: "7d8ca528-4931-4254-9273-ea5ee853f271", Admin: true}) {
		t.Errorf("got caller %+v, %v; want the sub, an admin", c, ok)
	}
	// API Gateway keeps the case the client sent; the handler matches
	// header names in any case.
	if got.Headers["if-match"] != `"3"` {
		t.Errorf("got headers %v; want if-match copied from the event", got.Headers)
	}
}

// Groups as an array, as a token holds them, read as API Gateway's
// comma-separated form.
func TestClaimsJoinsGroupArrays(t *testing.T) {
	got := claims(map[string]any{"claims": map[string]any{"sub": "s", "cognito:groups": []any{"editors", "admins"}, "odd": []any{1, "x"}}})
	if got["cognito:groups"] != "editors,admins" || got["odd"] != `[1,"x"]` {
		t.Errorf("got %v; want groups joined with commas and other arrays as JSON", got)
	}
}

func TestToRequestDecodesBase64Body(t *testing.T) {
	got := toRequest(events.APIGatewayProxyRequest{Body: base64.StdEncoding.EncodeToString([]byte(`{"name":"y"}`)), IsBase64Encoded: true})
	if got.Body != `{"name":"y"}` {
		t.Errorf("got body %q; want the decoded JSON", got.Body)
	}
}

func TestClaimsWithoutAuthorizer(t *testing.T) {
	for _, a := range []map[string]any{nil, {}, {"principalId": "x"}, {"claims": "not a map"}} {
		if got := claims(a); got != nil {
			t.Errorf("claims(%v) = %v; want nil", a, got)
		}
	}
}

// The identity parts of a Lambda authorizer's and an IAM-signed request,
// decoded as the runtime does, read by the matching identity.
func TestToRequestIdentities(t *testing.T) {
	tests := []struct {
		name, ctx string
		id        items.Identity
		want      items.Caller
	}{
		{"token", `{"authorizer": {"principalId": "u-1", "sub": "u-1", "scope": "items:admin items:read", "integrationLatency": 12}}`,
			items.Identity{Mode: items.AuthToken, AdminScope: "items:admin"}, items.Caller{Sub: "u-1", Admin: true}},
		{"request", `{"authorizer": {"principalId": "u-2", "sub": "u-2", "scope": ""}}`,
			items.Identity{Mode: items.AuthRequest, AdminScope: "items:admin"}, items.Caller{Sub: "u-2"}},
		{"iam", `{"identity": {"userArn": "arn:aws:iam::123456789012:user/ci", "caller": "AIDAEXAMPLE"}}`,
			items.Identity{Mode: items.AuthIAM}, items.Caller{Sub: "arn:aws:iam::123456789012:user/ci"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev events.APIGatewayProxyRequest
			if err := json.Unmarshal([]byte(`{"requestContext": `+tt.ctx+`}`), &ev); err != nil {
				t.Fatal(err)
			}
			got, ok := tt.id.Caller(toRequest(ev))
			if !ok || got != tt.want {
				t.Errorf("got %+v, %v; want %+v, true", got, ok, tt.want)
			}
		})
	}
}

func TestIdentityFromEnv(t *testing.T) {
	tests := []struct {
		env     map[string]string
		want    items.Identity
		wantErr string
	}{
		{map[string]string{}, items.Identity{Mode: items.AuthCognito}, ""},
		{map[string]string{"AUTH_MODE": "token", "ADMIN_SCOPE": "items:admin"}, items.Identity{Mode: items.AuthToken, AdminScope: "items:admin"}, ""},
		{map[string]string{"AUTH_MODE": "iam"}, items.Identity{Mode: items.AuthIAM}, ""},
		{map[string]string{"AUTH_MODE": "saml"}, items.Identity{}, `AUTH_MODE is "saml"`},
		{map[string]string{"AUTH_MODE": "iam", "ADMIN_SCOPE": "x"}, items.Identity{}, "ADMIN_SCOPE is set, but AUTH_MODE is iam"},
		{map[string]string{"AUTH_MODE": "token", "ADMIN_GROUPS": "true"}, items.Identity{Mode: items.AuthToken, AdminGroups: true}, ""},
		{map[string]string{"AUTH_MODE": "token", "ADMIN_GROUPS": "yes"}, items.Identity{}, `ADMIN_GROUPS is "yes"`},
		{map[string]string{"ADMIN_GROUPS": "true"}, items.Identity{}, "ADMIN_GROUPS is set, but AUTH_MODE is cognito"},
	}
	for _, tt := range tests {
		got, err := identity(func(k string) string { return tt.env[k] })
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || !strings.Contains(gotErr, tt.wantErr) || (tt.wantErr == "") != (err == nil) {
			t.Errorf("identity(%v) = %+v, %v; want %+v, an error containing %q", tt.env, got, err, tt.want, tt.wantErr)
		}
	}
}
