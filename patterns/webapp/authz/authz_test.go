package authz

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestAuthorize(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	now := clk.now()
	with := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := goodClaims(is, clk)
		edit(c)
		return c
	}
	rs := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, c) }
	good := rs(goodClaims(is, clk))

	// Tampered: the payload says another subject, the signature is the
	// original's.
	parts := strings.Split(good, ".")
	payload, _ := json.Marshal(with(func(c jwt.MapClaims) { c["sub"] = "admin" }))
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]

	// alg none: no signature at all.
	none := sign(t, jwt.SigningMethodNone, "rsa-1", jwt.UnsafeAllowNoneSignatureType, goodClaims(is, clk))

	// Algorithm confusion: HS256 keyed with the RSA public key as
	// published, which a verifier that takes alg from the token would use
	// as the HMAC secret.
	der, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	confused := sign(t, jwt.SigningMethodHS256, "rsa-1", pemKey, goodClaims(is, clk))

	crit := jwt.NewWithClaims(jwt.SigningMethodRS256, goodClaims(is, clk))
	crit.Header["kid"] = "rsa-1"
	crit.Header["crit"] = []string{"exp-ext"}
	critToken, _ := crit.SignedString(rsaKey)

	tests := []struct {
		name      string
		header    string
		methodARN string
		scopes    []string
		want      string // "" when allowed; else a part of the reason
	}{
		{name: "valid RS256", header: "Bearer " + good},
		{name: "valid ES256", header: "Bearer " + sign(t, jwt.SigningMethodES256, "ec-1", ecKey, goodClaims(is, clk))},
		{name: "scheme in any case", header: "bearer " + good},
		{name: "aud list with ours", header: "Bearer " + rs(with(func(c jwt.MapClaims) { c["aud"] = []string{"other", testAudience} }))},
		{name: "expired within the leeway", header: "Bearer " + rs(with(func(c jwt.MapClaims) { c["exp"] = now.Add(-30 * time.Second).Unix() }))},
		{name: "required scopes present", header: "Bearer " + good, scopes: []string{"items:read"}},
		{name: "required scope in scp list", header: "Bearer " + rs(with(func(c jwt.MapClaims) { delete(c, "scope"); c["scp"] = []string{"items:write", "items:read"} })), scopes: []string{"items:read", "items:write"}},
		{name: "root path", header: "Bearer " + good, methodARN: "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/"},

		{name: "expired", header: "Bearer " + rs(with(func(c jwt.MapClaims) { c["exp"] = now.Add(-2 * time.Minute).Unix() })), want: "token is expired"},
		{name: "no exp", header: "Bearer " + rs(with(func(c jwt.MapClaims) { delete(c, "exp") })), want: "exp claim is required"},
		{name: "not yet valid", header: "Bearer " + rs(with(func(c jwt.MapClaims) { c["nbf"] = now.Add(5 * time.Minute).Unix() })), want: "token is not valid yet"},
		{name: "issued in the future", header: "Bearer " + rs(with(func(c jwt.MapClaims) { c["iat"] = now.Add(5 * time.Minute).Unix() })), want: "token used before issued"},
		{name: "wrong audience", header: "Bearer " + rs(with(func(c jwt.MapClaims) { c["aud"] = "api://other" })), want: "token has invalid audience"},
		{name: "no audience", header: "Bearer " + rs(with(func(c jwt.MapClaims) { delete(c, "aud") })), want: "aud claim is required"},
		{name: "wrong issuer", header: "Bearer " + rs(with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })), want: "token has invalid issuer"},
		{name: "issuer with another trailing slash", header: "Bearer " + rs(with(func(c jwt.MapClaims) { c["iss"] = is.srv.URL + "/" })), want: "token has invalid issuer"},
		{name: "tampered payload", header: "Bearer " + tampered, want: "token signature is invalid"},
		{name: "known kid, other key", header: "Bearer " + sign(t, jwt.SigningMethodRS256, "rsa-1", rsaOther, goodClaims(is, clk)), want: "token signature is invalid"},
		{name: "signed by an unknown key", header: "Bearer " + sign(t, jwt.SigningMethodRS256, "rsa-unknown", rsaOther, goodClaims(is, clk)), want: errUnknownKey.Error()},
		{name: "RS256 naming the EC key", header: "Bearer " + sign(t, jwt.SigningMethodRS256, "ec-1", rsaKey, goodClaims(is, clk)), want: errUnknownKey.Error()},
		{name: "alg none", header: "Bearer " + none, want: "signing method none is invalid"},
		{name: "HS256 with the public key as secret", header: "Bearer " + confused, want: "signing method HS256 is invalid"},
		{name: "no kid", header: "Bearer " + sign(t, jwt.SigningMethodRS256, "", rsaKey, goodClaims(is, clk)), want: "no kid"},
		{name: "crit header", header: "Bearer " + critToken, want: "crit"},
		{name: "missing sub", header: "Bearer " + rs(with(func(c jwt.MapClaims) { delete(c, "sub") })), want: "token has no sub"},
		{name: "missing scope", header: "Bearer " + good, scopes: []string{"items:read", "items:write"}, want: `lacks required scopes ["items:write"]`},
		{name: "scp of the wrong type", header: "Bearer " + rs(with(func(c jwt.MapClaims) { c["scp"] = 7 })), want: "scp is neither"},
		// A bare JWT is what the site sends (Cognito authorizers read it so);
		// it is checked exactly like a Bearer one.
		{name: "bare JWT, as the site sends its ID token", header: good},
		{name: "bare tampered JWT", header: tampered, want: "token signature is invalid"},
		{name: "bare JWT with spaces around it", header: " " + good, want: `not "Bearer <token>"`},
		{name: "basic scheme", header: "Basic dXNlcjpwYXNz", want: `not "Bearer <token>"`},
		{name: "empty header", header: "", want: `not "Bearer <token>"`},
		{name: "not a JWT", header: "Bearer abc.def", want: "token is malformed"},
		{name: "oversized header", header: "Bearer " + strings.Repeat("a", maxHeader), want: "longer than"},
		{name: "malformed method ARN", header: "Bearer " + good, methodARN: "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod", want: "method ARN is not"},
		{name: "method ARN with wildcard path", header: "Bearer " + good, methodARN: "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/items/*", want: "wildcard"},
		{name: "method ARN with wildcard method", header: "Bearer " + good, methodARN: "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/items", want: "method ARN is not"},
		{name: "method ARN of another service", header: "Bearer " + good, methodARN: "arn:aws:lambda:eu-west-1:123456789012:function:f", want: "method ARN is not"},
		{name: "empty method ARN", header: "Bearer " + good, methodARN: " ", want: "method ARN is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuthorizer(t, is, clk, func(c *Config) { c.RequiredScopes = tt.scopes })
			arn := tt.methodARN
			if arn == "" {
				arn = testMethod
			}
			got, err := a.Authorize(context.Background(), tt.header, arn)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got error %v; want allowed", err)
				}
				if got.PrincipalID != "user-1" || got.Resource != arn || got.Context["sub"] != "user-1" {
					t.Errorf("got %+v; want principal user-1, resource %s, context sub user-1", got, arn)
				}
				return
			}
			if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got decision %+v, error %v; want ErrUnauthorized with %q", got, err, tt.want)
			}
			if !reflect.DeepEqual(got, Decision{}) {
				t.Errorf("got decision %+v with the error; want none", got)
			}
			if tok := strings.TrimPrefix(tt.header, "Bearer "); len(tok) > 20 && strings.Contains(err.Error(), tok) {
				t.Errorf("got error containing the token; want it never repeated")
			}
		})
	}
}

// A Cognito token's groups reach the backend, sorted and unique; a token
// without them adds no groups key.
func TestAuthorizeGroups(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	a := newAuthorizer(t, is, clk, nil)
	rs := func(mut func(jwt.MapClaims)) string {
		c := goodClaims(is, clk)
		mut(c)
		return sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, c)
	}
	got, err := a.Authorize(context.Background(), "Bearer "+rs(func(c jwt.MapClaims) { c["cognito:groups"] = []string{"editors", "admins", "admins"} }), testMethod)
	if err != nil || got.Context["groups"] != "admins editors" {
		t.Errorf("groups: got %q, %v; want \"admins editors\"", got.Context["groups"], err)
	}
	got, err = a.Authorize(context.Background(), "Bearer "+rs(func(jwt.MapClaims) {}), testMethod)
	if _, ok := got.Context["groups"]; err != nil || ok {
		t.Errorf("no groups claim: got context %v, %v; want no groups key", got.Context, err)
	}
}

// With TokenUse "id" (the web app's two-region mode, where the pool's ID
// tokens are the credential), a pool's access token is refused even when it
// would pass every other check; without TokenUse the claim is not read.
func TestTokenUse(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	rs := func(mut func(jwt.MapClaims)) string {
		c := goodClaims(is, clk)
		mut(c)
		return sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, c)
	}
	id := rs(func(c jwt.MapClaims) { c["token_use"] = "id" })
	// Cognito's access tokens carry client_id, not aud
	// (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html).
	access := rs(func(c jwt.MapClaims) { c["token_use"] = "access"; c["client_id"] = testAudience; delete(c, "aud") })
	accessWithAud := rs(func(c jwt.MapClaims) { c["token_use"] = "access" })
	none := rs(func(jwt.MapClaims) {})
	for _, tt := range []struct {
		name, tokenUse, token, want string // want "" when allowed
	}{
		{"ID token", "id", id, ""},
		{"access token of the same pool", "id", access, "aud claim is required"},
		{"access token that names the client as aud", "id", accessWithAud, `token_use is "access", not "id"`},
		{"token without token_use", "id", none, `token_use is "", not "id"`},
		{"access token where token_use is not checked", "", accessWithAud, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuthorizer(t, is, clk, func(c *Config) { c.TokenUse = tt.tokenUse })
			_, err := a.Authorize(context.Background(), tt.token, testMethod)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v; want allowed", err)
			case tt.want != "" && (!errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v; want ErrUnauthorized (401) with %q", err, tt.want)
			}
		})
	}
}

// The policy's resource is the method ARN called and nothing wider, and
// the context carries the scopes sorted.
func TestAuthorizeDecision(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	a := newAuthorizer(t, is, clk, nil)
	c := goodClaims(is, clk)
	c["scope"] = "profile items:read"
	c["scp"] = "items:read email"
	arns := []string{
		testMethod,
		"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/POST/items",
		"arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3d4e5/dev_2/DELETE/items/a%2Fb",
	}
	for _, arn := range arns {
		got, err := a.Authorize(context.Background(), "Bearer "+sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, c), arn)
		if err != nil {
			t.Fatalf("%s: got %v; want allowed", arn, err)
		}
		want := Decision{PrincipalID: "user-1", Resource: arn, Context: map[string]string{"sub": "user-1", "scope": "email items:read profile"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v; want %+v", got, want)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"http issuer", Config{Issuer: "http://idp.example", Audience: "a"}, []string{`Issuer is "http://idp.example": it must be an https URL`}},
		{"everything wrong", Config{Issuer: "", Audience: " ", JWKSURL: "https://idp.example/keys?x=1", RequiredScopes: []string{`a"b`}, Leeway: time.Hour,
			TokenUse: "refresh", SnapshotParameter: "/kumo/my keys"},
			[]string{`Issuer is ""`, "Audience is empty", `JWKSURL is "https://idp.example/keys?x=1": it must have no query`, `RequiredScopes has "a\"b"`, "Leeway is 1h0m0s",
				`TokenUse is "refresh": use id, access or empty`, `SnapshotParameter is "/kumo/my keys"`}},
		{"snapshot without an SSM client", Config{Issuer: "https://idp.example", Audience: "a", SnapshotParameter: "/kumo/keys"},
			[]string{`SnapshotParameter is "/kumo/keys" but Options.SSM is nil`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, Options{})
			if err == nil {
				t.Fatalf("got no error; want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %v; want it to contain %q", err, w)
				}
			}
		})
	}
}

func BenchmarkAuthorizeWarm(b *testing.B) {
	is := newIssuer(b)
	clk := newClock()
	a := newAuthorizer(b, is, clk, func(c *Config) { c.RequiredScopes = []string{"items:read"} })
	for _, tc := range []struct {
		name string
		tok  string
	}{
		{"RS256", sign(b, jwt.SigningMethodRS256, "rsa-1", rsaKey, goodClaims(is, clk))},
		{"ES256", sign(b, jwt.SigningMethodES256, "ec-1", ecKey, goodClaims(is, clk))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			header := "Bearer " + tc.tok
			if _, err := a.Authorize(context.Background(), header, testMethod); err != nil { // warms the key cache
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Authorize(context.Background(), header, testMethod); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
