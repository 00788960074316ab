package items

import (
	"net/http"
	"testing"
)

// Each mode reads only its own authorizer's part of the request: a token
// authorizer's route ignores Cognito claims, and so on.
func TestIdentityCaller(t *testing.T) {
	cognito := map[string]string{"sub": "cog-user", "cognito:groups": "admins"}
	lambdaCtx := map[string]string{"sub": "oidc-user", "scope": "items:admin items:read", "principalId": "oidc-user"}
	iamArn := "arn:aws:sts::123456789012:assumed-role/reporting/session-1"
	full := Request{Claims: cognito, Authorizer: lambdaCtx, IAMUserArn: iamArn, IAMCaller: "AROAEXAMPLE:session-1"}
	tests := []struct {
		name string
		id   Identity
		req  Request
		want Caller
		ok   bool
	}{
		{"cognito by default", Identity{}, full, Caller{Sub: "cog-user", Admin: true}, true},
		{"cognito", Identity{Mode: AuthCognito}, full, Caller{Sub: "cog-user", Admin: true}, true},
		{"cognito without claims", Identity{Mode: AuthCognito}, Request{Authorizer: lambdaCtx, IAMUserArn: iamArn}, Caller{}, false},
		{"token admin by scope", Identity{Mode: AuthToken, AdminScope: "items:admin"}, full, Caller{Sub: "oidc-user", Admin: true}, true},
		{"token, no admin scope configured", Identity{Mode: AuthToken}, full, Caller{Sub: "oidc-user"}, true},
		{"token, scope only a prefix", Identity{Mode: AuthToken, AdminScope: "items"}, full, Caller{Sub: "oidc-user"}, true},
		{"token ignores cognito claims", Identity{Mode: AuthToken, AdminScope: "items:admin"}, Request{Claims: cognito}, Caller{}, false},
		{"token with scope but no sub", Identity{Mode: AuthToken, AdminScope: "items:admin"}, Request{Authorizer: map[string]string{"scope": "items:admin"}}, Caller{}, false},
		{"request admin by scope", Identity{Mode: AuthRequest, AdminScope: "items:admin"}, full, Caller{Sub: "oidc-user", Admin: true}, true},
		// Two regions: kumo's authorizer checks the pool's ID tokens and
		// passes cognito:groups on as groups.
		{"pool token in the admins group", Identity{Mode: AuthToken, AdminGroups: true},
			Request{Authorizer: map[string]string{"sub": "u", "groups": "admins editors"}}, Caller{Sub: "u", Admin: true}, true},
		{"pool token, groups not trusted", Identity{Mode: AuthToken},
			Request{Authorizer: map[string]string{"sub": "u", "groups": "admins"}}, Caller{Sub: "u"}, true},
		{"pool token in another group", Identity{Mode: AuthToken, AdminGroups: true},
			Request{Authorizer: map[string]string{"sub": "u", "groups": "administrators"}}, Caller{Sub: "u"}, true},
		{"request without context", Identity{Mode: AuthRequest}, Request{}, Caller{}, false},
		// A session name is the caller's choice: the role owns, never the session.
		{"iam role session owned by its role, never admin", Identity{Mode: AuthIAM, AdminScope: "items:admin"}, full,
			Caller{Sub: "arn:aws:iam::123456789012:role/reporting"}, true},
		{"iam sessions of one role are one owner", Identity{Mode: AuthIAM},
			Request{IAMUserArn: "arn:aws:sts::123456789012:assumed-role/reporting/someone-elses-name"},
			Caller{Sub: "arn:aws:iam::123456789012:role/reporting"}, true},
		{"iam identity pool users are their identity", Identity{Mode: AuthIAM},
			Request{IAMUserArn: "arn:aws:sts::123456789012:assumed-role/pool-role/CognitoIdentityCredentials", IAMCognitoIdentityID: "eu-west-1:1a2b"},
			Caller{Sub: "cognito-identity:eu-west-1:1a2b"}, true},
		{"iam user", Identity{Mode: AuthIAM}, Request{IAMUserArn: "arn:aws:iam::123456789012:user/alice"},
			Caller{Sub: "arn:aws:iam::123456789012:user/alice"}, true},
		{"iam caller when no ARN", Identity{Mode: AuthIAM}, Request{IAMCaller: "AIDAEXAMPLE"}, Caller{Sub: "AIDAEXAMPLE"}, true},
		{"iam role caller ID without its session", Identity{Mode: AuthIAM}, Request{IAMCaller: "AROAEXAMPLE:session-1"}, Caller{Sub: "AROAEXAMPLE"}, true},
		{"iam ignores the others", Identity{Mode: AuthIAM}, Request{Claims: cognito, Authorizer: lambdaCtx}, Caller{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.id.Caller(tt.req)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestParseAuthMode(t *testing.T) {
	tests := []struct {
		in   string
		want AuthMode
		ok   bool
	}{{"", AuthCognito, true}, {"cognito", AuthCognito, true}, {"token", AuthToken, true}, {"request", AuthRequest, true}, {"iam", AuthIAM, true}, {"IAM", "IAM", false}, {"jwt", "jwt", false}}
	for _, tt := range tests {
		if got, ok := ParseAuthMode(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("ParseAuthMode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// Through the handler: a token-authorized create belongs to the context's
// sub, and the same request with only Cognito claims is refused.
func TestHandlerUsesItsIdentity(t *testing.T) {
	e := newEnv(t)
	e.h.WithIdentity(Identity{Mode: AuthToken, AdminScope: "items:admin"})
	refused := e.do(Request{Method: "POST", Resource: CollectionResource, Body: `{"name":"x"}`, Claims: alice})
	if refused.Status != http.StatusUnauthorized {
		t.Errorf("cognito claims on a token route: got %d %s; want 401", refused.Status, refused.Body)
	}
	resp := e.do(Request{Method: "POST", Resource: CollectionResource, Body: `{"name":"x"}`, Authorizer: map[string]string{"sub": "oidc-user", "scope": "items:read"}})
	if resp.Status != http.StatusCreated {
		t.Fatalf("got %d %s; want 201", resp.Status, resp.Body)
	}
	it := decode[Item](t, resp.Body)
	if it.CreatedBy != "oidc-user" {
		t.Errorf("got createdBy %q; want the authorizer context's sub %q", it.CreatedBy, "oidc-user")
	}
}
