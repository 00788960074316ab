package main

import (
	"maps"
	"testing"
)

func TestHealth(t *testing.T) {
	tests := []struct {
		name, fn, version, origin string
		wantBody                  string
		wantHeaders               map[string]string
	}{
		{
			name: "with origin", fn: "webapp-health", version: "7", origin: "https://example.com",
			wantBody: `{"status":"ok","function":"webapp-health","version":"7"}`,
			wantHeaders: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store",
				"Access-Control-Allow-Origin": "https://example.com"},
		},
		{
			name:        "without origin or Lambda variables",
			wantBody:    `{"status":"ok","function":"","version":""}`,
			wantHeaders: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
		},
		{
			name: "escapes odd names", fn: `a"b`, version: "$LATEST",
			wantBody:    `{"status":"ok","function":"a\"b","version":"$LATEST"}`,
			wantHeaders: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := health(tt.fn, tt.version, tt.origin)
			if got.StatusCode != 200 {
				t.Errorf("got status %d; want 200", got.StatusCode)
			}
			if got.Body != tt.wantBody {
				t.Errorf("got body %s; want %s", got.Body, tt.wantBody)
			}
			if !maps.Equal(got.Headers, tt.wantHeaders) {
				t.Errorf("got headers %v; want %v", got.Headers, tt.wantHeaders)
			}
		})
	}
}
