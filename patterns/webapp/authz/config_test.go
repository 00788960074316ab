package authz

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	const iss = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
	tests := []struct {
		name string
		env  map[string]string
		want Config
	}{
		{"required only", map[string]string{"ISSUER": iss, "AUDIENCE": "client-1"},
			Config{Issuer: iss, Audience: "client-1", Leeway: 60 * time.Second}},
		{"everything", map[string]string{"ISSUER": iss, "AUDIENCE": " client-1 ", "JWKS_URL": iss + "/.well-known/jwks.json",
			"REQUIRED_SCOPES": " items:read   items:write ", "LEEWAY_SECONDS": "0"},
			Config{Issuer: iss, Audience: "client-1", JWKSURL: iss + "/.well-known/jwks.json", RequiredScopes: []string{"items:read", "items:write"}}},
		{"empty optional settings are unset", map[string]string{"ISSUER": iss, "AUDIENCE": "a", "JWKS_URL": " ", "REQUIRED_SCOPES": "",
			"TOKEN_USE": "", "KEYS_SNAPSHOT_PARAMETER": " "},
			Config{Issuer: iss, Audience: "a", Leeway: time.Minute}},
		{"a Cognito pool's ID tokens with a key snapshot", map[string]string{"ISSUER": iss, "AUDIENCE": "client-1",
			"TOKEN_USE": "id", "KEYS_SNAPSHOT_PARAMETER": "/kumo/shop/prod/web/authorizer-keys"},
			Config{Issuer: iss, Audience: "client-1", Leeway: time.Minute, TokenUse: "id", SnapshotParameter: "/kumo/shop/prod/web/authorizer-keys"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatalf("got %v; want no error", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v; want %+v", got, tt.want)
			}
			if _, err := New(got, Options{SSM: &fakeSSM{}}); err != nil {
				t.Errorf("New of a config read from the environment: got %v; want no error", err)
			}
		})
	}
}

func TestConfigFromEnvBad(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"nothing set", map[string]string{}, []string{"ISSUER is not set", "AUDIENCE is not set"}},
		{"http issuer", map[string]string{"ISSUER": "http://idp.example", "AUDIENCE": "a"}, []string{`ISSUER is "http://idp.example": it must be an https URL`}},
		{"issuer not a URL", map[string]string{"ISSUER": "idp.example", "AUDIENCE": "a"}, []string{`ISSUER is "idp.example": it must be an https URL`}},
		{"all at once", map[string]string{"ISSUER": "https://idp.example?tenant=1", "AUDIENCE": "a", "JWKS_URL": "http://idp.example/keys",
			"REQUIRED_SCOPES": `items:read "admin"`, "LEEWAY_SECONDS": "600"},
			[]string{`ISSUER is "https://idp.example?tenant=1": it must have no query`, `JWKS_URL is "http://idp.example/keys": it must be an https URL`,
				`REQUIRED_SCOPES has "\"admin\""`, `LEEWAY_SECONDS is "600": set it to a whole number from 0 to 300 (default 60)`}},
		{"jwks without host", map[string]string{"ISSUER": "https://idp.example", "AUDIENCE": "a", "JWKS_URL": "https:///keys"}, []string{"it has no host"}},
		{"token use and snapshot parameter", map[string]string{"ISSUER": "https://idp.example", "AUDIENCE": "a", "TOKEN_USE": "ID",
			"KEYS_SNAPSHOT_PARAMETER": "arn:aws:ssm:eu-west-1:123456789012:parameter/keys"},
			[]string{`TOKEN_USE is "ID": use id or access`, `KEYS_SNAPSHOT_PARAMETER is "arn:aws:ssm:eu-west-1:123456789012:parameter/keys": an SSM parameter name`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tt.env[k] })
			if err == nil {
				t.Fatalf("got %+v; want errors %q", got, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %v; want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestCheckMethodARN(t *testing.T) {
	tests := []struct {
		arn  string
		want string // "" when accepted
	}{
		{"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/items/42", ""},
		{"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/OPTIONS/", ""},
		{"arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:a1b2c3d4e5/v1-beta_2/PATCH/a/b/c", ""},
		{"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/ANY/items", "method ARN is not"},
		{"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/get/items", "method ARN is not"},
		{"arn:aws:execute-api:eu-west-1:12345678901:a1b2c3d4e5/prod/GET/items", "method ARN is not"},
		{"arn:aws:execute-api:eu-west-1:123456789012:*/prod/GET/items", "method ARN is not"},
		{"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/*/GET/items", "method ARN is not"},
		{"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET", "method ARN is not"},
		{"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/items/?", "wildcard"},
		{"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/items/a b", "space"},
		{"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/items/\x00", "control"},
		{"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/" + strings.Repeat("a", maxMethodARN), "too long"},
	}
	for _, tt := range tests {
		err := checkMethodARN(tt.arn)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: got %v; want accepted", tt.arn, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: got %v; want an error with %q", tt.arn, err, tt.want)
		}
	}
}
