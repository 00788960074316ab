package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/golang-jwt/jwt/v5"

	"github.com/kumo-iac/kumo/patterns/webapp/authz"
	"github.com/kumo-iac/kumo/patterns/webapp/authz/kumoevent"
)

const methodARN = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/items/42"

// testIssuer serves a JWKS of one ES256 key, kid k1, over TLS; storing
// true in down makes it answer 503.
func testIssuer(t *testing.T) (*ecdsa.PrivateKey, *httptest.Server, *atomic.Bool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := jwkset.NewJWKFromKey(&key.PublicKey, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: "k1", ALG: jwkset.AlgES256}})
	if err != nil {
		t.Fatal(err)
	}
	set, _ := json.Marshal(jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{k.Marshal()}})
	down := new(atomic.Bool)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write(set)
	}))
	t.Cleanup(srv.Close)
	return key, srv, down
}

func TestHandler(t *testing.T) {
	key, srv, down := testIssuer(t)

	now := time.Now()
	token := func(exp time.Time) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
			"iss": "https://idp.example", "aud": "api", "sub": "user-1", "exp": exp.Unix(), "scope": "items:read",
		})
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid, expired := token(now.Add(time.Hour)), token(now.Add(-time.Hour))

	allowed := `{"principalId":"user-1","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"Allow","Resource":["` + methodARN + `"]}]},"context":{"scope":"items:read","sub":"user-1"}}`
	tests := []struct {
		name      string
		down      bool
		typ       string // default TOKEN
		header    string
		headers   map[string]string // REQUEST's, default {"Authorization": header}
		methodARN string
		want      string // the response's JSON, or the error's text
	}{
		{name: "valid", header: "Bearer " + valid, methodARN: methodARN, want: allowed},
		{name: "expired", header: "Bearer " + expired, methodARN: methodARN, want: "Unauthorized"},
		{name: "no token", header: "", methodARN: methodARN, want: "Unauthorized"},
		{name: "malformed method ARN", header: "Bearer " + valid, methodARN: "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*", want: "Unauthorized"},
		{name: "keys unavailable", down: true, header: "Bearer " + valid, methodARN: methodARN, want: "authorizer cannot fetch the issuer's signing keys"},
		{name: "REQUEST valid", typ: "REQUEST", header: "Bearer " + valid, methodARN: methodARN, want: allowed},
		{name: "REQUEST header in lower case", typ: "REQUEST", header: "Bearer " + valid, headers: map[string]string{"authorization": "Bearer " + valid, "x-stage": "prod"}, methodARN: methodARN, want: allowed},
		{name: "REQUEST expired", typ: "REQUEST", header: "Bearer " + expired, methodARN: methodARN, want: "Unauthorized"},
		{name: "REQUEST without Authorization", typ: "REQUEST", headers: map[string]string{"x-api-key": "k"}, methodARN: methodARN, want: "Unauthorized"},
		{name: "REQUEST with two Authorization headers", typ: "REQUEST", header: "Bearer " + valid, headers: map[string]string{"Authorization": "Bearer " + valid, "authorization": "Bearer " + expired}, methodARN: methodARN, want: "Unauthorized"},
		{name: "REQUEST malformed method ARN", typ: "REQUEST", header: "Bearer " + valid, methodARN: "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/items/*", want: "Unauthorized"},
		{name: "unknown event type", typ: "JWT", header: "Bearer " + valid, methodARN: methodARN, want: "Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			down.Store(tt.down)
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			a, err := authz.New(authz.Config{Issuer: "https://idp.example", Audience: "api", JWKSURL: srv.URL + "/jwks"},
				authz.Options{HTTPClient: srv.Client(), Logger: log, Sleep: func(context.Context, time.Duration) error { return nil }})
			if err != nil {
				t.Fatal(err)
			}
			// Decoded from JSON, as the Lambda runtime does.
			ev := map[string]any{"type": "TOKEN", "authorizationToken": tt.header, "methodArn": tt.methodARN}
			if tt.typ != "" {
				ev = map[string]any{"type": tt.typ, "methodArn": tt.methodARN, "headers": tt.headers,
					"stageVariables": map[string]string{"scheme": "oidc"}, "requestContext": map[string]any{"stage": "prod"}}
				if tt.headers == nil {
					ev["headers"] = map[string]string{"Authorization": tt.header}
				}
			}
			// As JSON, as the Lambda runtime passes it.
			raw, _ := json.Marshal(ev)
			resp, err := handler(a, tokenSource{name: "Authorization"}, log)(context.Background(), raw)
			got := ""
			if err != nil {
				got = err.Error()
				if resp != nil {
					t.Errorf("got a response %+v with the error; want none (never a Deny with details)", resp)
				}
			} else {
				b, _ := json.Marshal(resp)
				got = string(b)
			}
			if got != tt.want {
				t.Errorf("got %s; want %s", got, tt.want)
			}
			if tok := strings.TrimPrefix(tt.header, "Bearer "); tok != "" && strings.Contains(logs.String(), strings.Split(tok, ".")[2]) {
				t.Errorf("got logs with the token's signature: %s; want the token never logged", logs.String())
			}
		})
	}
}

// TestTokenSource: a REQUEST authorizer reads the token where TOKEN_SOURCE
// says — a header, case-insensitively, or a query string parameter, exactly.
func TestTokenSource(t *testing.T) {
	for _, tt := range []struct {
		setting string
		ev      event
		want    string
		wantErr string
	}{
		{"", event{Type: "REQUEST", Headers: map[string]string{"authorization": "Bearer a.b.c"}}, "Bearer a.b.c", ""},
		{"header:X-Token", event{Type: "REQUEST", Headers: map[string]string{"x-token": "a.b.c", "Authorization": "other"}}, "a.b.c", ""},
		{"querystring:access_token", event{Type: "REQUEST", Query: map[string]string{"access_token": "a.b.c"}, Headers: map[string]string{"Authorization": "other"}}, "a.b.c", ""},
		{"querystring:access_token", event{Type: "REQUEST", Query: map[string]string{"Access_Token": "a.b.c"}}, "", ""},
		{"", event{Type: "REQUEST", Headers: map[string]string{"Authorization": "a", "authorization": "b"}}, "", "more than one"},
		{"", event{Type: "TOKEN", AuthorizationToken: "Bearer t.o.k", Headers: map[string]string{"Authorization": "other"}}, "Bearer t.o.k", ""},
		{"cookie:session", event{}, "", `TOKEN_SOURCE is "cookie:session"`},
		{"header:", event{}, "", `TOKEN_SOURCE is "header:"`},
	} {
		src, err := parseTokenSource(tt.setting)
		var got string
		if err == nil {
			got, err = tt.ev.token(src)
		}
		if got != tt.want || (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("TOKEN_SOURCE %q, %+v: got %q, %v; want %q, an error containing %q", tt.setting, tt.ev, got, err, tt.want, tt.wantErr)
		}
	}
}

// fakeSSM holds the key snapshot's parameter.
type fakeSSM struct {
	mu    sync.Mutex
	value *string
	puts  int
}

func (f *fakeSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.value == nil {
		return nil, &ssmtypes.ParameterNotFound{}
	}
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String(*f.value)}}, nil
}

func (f *fakeSSM) PutParameter(_ context.Context, in *ssm.PutParameterInput, _ ...func(*ssm.Options)) (*ssm.PutParameterOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts++
	f.value = in.Value
	return &ssm.PutParameterOutput{}, nil
}

// TestRefreshEvent: the schedule's kumoevent.Refresh refreshes the
// keys and writes the snapshot; a refresh that fails is an ERROR line and
// an error (the failures alarm counts it); other kumo events are errors,
// and API Gateway's events are never taken for kumo's.
func TestRefreshEvent(t *testing.T) {
	key, srv, down := testIssuer(t)
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"iss": "https://idp.example", "aud": "api", "sub": "user-1", "exp": time.Now().Add(time.Hour).Unix()})
	tok.Header["kid"] = "k1"
	valid, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		down     bool
		event    string
		want     string // the response's JSON, or the error's text
		wantLog  string
		wantPuts int
	}{
		{name: "refresh", event: kumoevent.Refresh, want: `{"refreshed":true}`, wantLog: `"level":"INFO","msg":"signing keys refreshed"`, wantPuts: 1},
		{name: "refresh with the issuer down", down: true, event: kumoevent.Refresh,
			want: "refresh of signing keys failed: signing keys unavailable", wantLog: `"level":"ERROR","msg":"refresh of signing keys failed"`},
		{name: "another kumo event", event: `{"kumo":"rotate"}`, want: `kumo event "rotate" is not "refresh-keys"`, wantLog: `"level":"ERROR","msg":"unknown kumo event"`},
		{name: "not an object", event: `["refresh-keys"]`, want: "Unauthorized", wantLog: `"msg":"refused"`},
		{name: "a REQUEST event with a kumo header", event: `{"type":"REQUEST","methodArn":"` + methodARN + `","headers":{"kumo":"refresh-keys","Authorization":"Bearer ` + valid + `"}}`,
			want: `{"principalId":"user-1"`, wantLog: ""}, // requests never write the snapshot
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			down.Store(tt.down)
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			f := &fakeSSM{}
			a, err := authz.New(authz.Config{Issuer: "https://idp.example", Audience: "api", JWKSURL: srv.URL + "/jwks", SnapshotParameter: "/kumo/test/keys"},
				authz.Options{HTTPClient: srv.Client(), Logger: log, SSM: f, Sleep: func(context.Context, time.Duration) error { return nil }})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := handler(a, tokenSource{name: "Authorization"}, log)(context.Background(), json.RawMessage(tt.event))
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				b, _ := json.Marshal(resp)
				got = string(b)
			}
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %s; want it to start with %s", got, tt.want)
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("got logs %s; want %s", logs.String(), tt.wantLog)
			}
			if f.puts != tt.wantPuts {
				t.Errorf("got %d snapshot writes; want %d", f.puts, tt.wantPuts)
			}
		})
	}
}
