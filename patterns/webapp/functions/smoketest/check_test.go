package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestExpectOK(t *testing.T) {
	tests := []struct {
		name, out, wantErr string
	}{
		{"200", `{"statusCode":200,"body":"{\"items\":[]}"}`, ""},
		{"500", `{"statusCode":500,"body":"{\"error\":\"internal error\"}"}`, "answered GET /items with 500, want 200"},
		{"not a proxy response", `oops`, "not an API Gateway proxy response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := expectOK("7", []byte(tt.out))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got %v; want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestListRequestIsAProxyEvent(t *testing.T) {
	var ev struct {
		HTTPMethod     string            `json:"httpMethod"`
		Resource       string            `json:"resource"`
		Query          map[string]string `json:"queryStringParameters"`
		RequestContext struct {
			Authorizer struct {
				Claims map[string]string `json:"claims"`
			} `json:"authorizer"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(listRequest, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.HTTPMethod != "GET" || ev.Resource != "/items" || ev.Query["limit"] != "1" {
		t.Errorf("got %+v; want GET /items?limit=1", ev)
	}
	// Without a sub the items API answers 401 and every release would
	// roll back.
	if sub := ev.RequestContext.Authorizer.Claims["sub"]; sub == "" {
		t.Errorf("got claims %v; want a sub for the items API to list as", ev.RequestContext.Authorizer.Claims)
	}
}
