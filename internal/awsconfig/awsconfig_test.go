package awsconfig

import (
	"context"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

func TestLoadBoundsEveryCall(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	cfg, err := Load(context.Background(), Bounds{AttemptTimeout: 7 * time.Second, MaxAttempts: 4, MaxBackoff: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Retryer().MaxAttempts(); got != 4 {
		t.Errorf("MaxAttempts: got %d; want 4", got)
	}
	c, ok := cfg.HTTPClient.(*awshttp.BuildableClient)
	if !ok {
		t.Fatalf("HTTP client: got %T; want the SDK's buildable client", cfg.HTTPClient)
	}
	if got := c.GetTimeout(); got != 7*time.Second {
		t.Errorf("timeout: got %v; want 7s", got)
	}

	// A streaming client waits at most so long for headers, and no more
	// bounds the body than the invocation's deadline.
	cfg, err = Load(context.Background(), Bounds{ResponseHeaderTimeout: 30 * time.Second, MaxAttempts: 5})
	if err != nil {
		t.Fatal(err)
	}
	c = cfg.HTTPClient.(*awshttp.BuildableClient)
	if got := c.GetTimeout(); got != 0 {
		t.Errorf("streaming timeout: got %v; want none", got)
	}
	if got := c.GetTransport().ResponseHeaderTimeout; got != 30*time.Second {
		t.Errorf("streaming transport: ResponseHeaderTimeout %v; want 30s", got)
	}
}
