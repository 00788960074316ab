package awsclient_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/kumo-iac/kumo/internal/awsclient"
	"github.com/kumo-iac/kumo/internal/awsclient/awsclienttest"
)

// oneMinute is the longest a user waits for `kumo canary status` against a
// hung endpoint before it must have failed (issue 6).
const oneMinute = 60 * time.Second

func TestDefaultLimitsFailWithinAMinute(t *testing.T) {
	l := awsclient.DefaultLimits()
	if got := l.Total(); got > oneMinute {
		t.Errorf("DefaultLimits().Total() = %s; want at most %s", got, oneMinute)
	}
	if l.CallTimeout > oneMinute {
		t.Errorf("CallTimeout = %s; want at most %s", l.CallTimeout, oneMinute)
	}
	// Bounded, but still retrying: a single dropped connection or throttle
	// must not fail a release.
	if l.MaxAttempts < 2 || l.MaxAttempts > 5 {
		t.Errorf("MaxAttempts = %d; want 2–5", l.MaxAttempts)
	}
	if attempt := l.DialTimeout + l.TLSHandshakeTimeout + l.ResponseHeaderTimeout; attempt > l.CallTimeout {
		t.Errorf("one attempt may take %s, more than CallTimeout %s", attempt, l.CallTimeout)
	}
	if l.MaxBackoff <= 0 || l.MaxBackoff > 10*time.Second {
		t.Errorf("MaxBackoff = %s; want 0–10s", l.MaxBackoff)
	}
	// The zero value means the defaults, so a zero Limits is no less safe.
	if got, want := (awsclient.Limits{}).Total(), l.Total(); got != want {
		t.Errorf("Limits{}.Total() = %s; want the default %s", got, want)
	}
}

func TestTotal(t *testing.T) {
	l := awsclient.Limits{DialTimeout: time.Second, TLSHandshakeTimeout: time.Second, ResponseHeaderTimeout: 2 * time.Second,
		MaxAttempts: 3, MaxBackoff: time.Second, CallTimeout: time.Minute}
	if got, want := l.Total(), 3*4*time.Second+2*time.Second; got != want {
		t.Errorf("Total = %s; want 3 attempts of 4s and 2 backoffs of 1s = %s", got, want)
	}
	l.CallTimeout = 5 * time.Second
	if got := l.Total(); got != 5*time.Second {
		t.Errorf("Total = %s; want CallTimeout 5s", got)
	}
}

// getAlias calls an endpoint that never answers, as `kumo canary status`
// and a release would, and returns the error and how long it took.
func getAlias(t *testing.T, cfg aws.Config, endpoint string) (error, time.Duration) {
	t.Helper()
	client := lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = aws.String(endpoint) })
	start := time.Now()
	_, err := client.GetAlias(context.Background(), &lambda.GetAliasInput{FunctionName: aws.String("items"), Name: aws.String("live")})
	return err, time.Since(start)
}

func TestHungEndpointFailsFast(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "") // the test's endpoint, nothing from the shell
	for _, tc := range []struct {
		name   string
		limits awsclient.Limits
		// attempts is how many attempts the error must report.
		attempts int
		// within bounds the call's duration; the limits set the floor.
		atLeast, within time.Duration
	}{{
		name: "response header timeout, retried up to MaxAttempts",
		limits: awsclient.Limits{ResponseHeaderTimeout: 150 * time.Millisecond, MaxAttempts: 3,
			MaxBackoff: 20 * time.Millisecond, CallTimeout: 10 * time.Second},
		attempts: 3, atLeast: 450 * time.Millisecond, within: 3 * time.Second,
	}, {
		name: "call deadline cuts the attempts short",
		limits: awsclient.Limits{ResponseHeaderTimeout: 10 * time.Second, MaxAttempts: 3,
			MaxBackoff: 20 * time.Millisecond, CallTimeout: 400 * time.Millisecond},
		attempts: 1, atLeast: 400 * time.Millisecond, within: 3 * time.Second,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each waits out real timeouts: side by side, not in turn
			hung := awsclienttest.Hang(t)
			cfg, err := awsclient.Load(context.Background(), "eu-west-1",
				awsclient.Settings{AccessKey: "AKIDTEST", SecretKey: "secret"}, tc.limits)
			if err != nil {
				t.Fatal(err)
			}
			err, took := getAlias(t, cfg, hung)
			if err == nil {
				t.Fatal("GetAlias against a hung endpoint succeeded")
			}
			if took < tc.atLeast || took > tc.within {
				t.Errorf("GetAlias failed after %s; want %s–%s", took, tc.atLeast, tc.within)
			}
			var te *awsclient.TimeoutError
			if !errors.As(err, &te) {
				t.Fatalf("error %q (%T) is no *awsclient.TimeoutError", err, err)
			}
			if te.Endpoint != hung || te.Attempts != tc.attempts {
				t.Errorf("TimeoutError endpoint %q after %d attempts; want %q after %d", te.Endpoint, te.Attempts, hung, tc.attempts)
			}
			for _, want := range []string{"Lambda: GetAlias", "no answer from " + hung, "reachable from here", "endpoint override"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestCallerCancellationIsNotATimeout(t *testing.T) {
	t.Parallel() // waits out a real timeout
	hung := awsclienttest.Hang(t)
	cfg, err := awsclient.Load(context.Background(), "eu-west-1",
		awsclient.Settings{AccessKey: "AKIDTEST", SecretKey: "secret"}, awsclient.Limits{CallTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	client := lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = aws.String(hung) })
	_, err = client.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("items"), Name: aws.String("live")})
	var te *awsclient.TimeoutError
	if err == nil || errors.As(err, &te) {
		t.Errorf("GetAlias cancelled by its caller: error %v; want the caller's cancellation, not a TimeoutError", err)
	}
}

func TestApplyBoundsAConfigLoadedElsewhere(t *testing.T) {
	t.Parallel() // waits out real timeouts
	hung := awsclienttest.Hang(t)
	small := awsclient.Limits{ResponseHeaderTimeout: 100 * time.Millisecond, MaxAttempts: 2,
		MaxBackoff: 10 * time.Millisecond, CallTimeout: 300 * time.Millisecond}
	for _, tc := range []struct {
		name string
		cfg  func(t *testing.T) aws.Config
	}{
		{"built by hand", func(*testing.T) aws.Config {
			return aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")}
		}},
		{"loaded with the default limits first", func(t *testing.T) aws.Config {
			opts := append(awsclient.DefaultLimits().LoadOptions(), config.WithRegion("eu-west-1"),
				config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")))
			cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			return cfg
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each waits out real timeouts: side by side, not in turn
			cfg := tc.cfg(t)
			small.Apply(&cfg)
			err, took := getAlias(t, cfg, hung)
			var te *awsclient.TimeoutError
			if !errors.As(err, &te) {
				t.Fatalf("error %v; want a TimeoutError", err)
			}
			// The later limits win: 300ms, not the default 45s.
			if took > 3*time.Second {
				t.Errorf("GetAlias failed after %s; want about 300ms", took)
			}
		})
	}
}
