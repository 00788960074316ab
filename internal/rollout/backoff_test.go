package rollout

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestBackoffCeiling(t *testing.T) {
	tests := []struct {
		b    backoff
		n    int
		want time.Duration
	}{
		{apiRetry, 0, time.Second},
		{apiRetry, 1, 2 * time.Second},
		{apiRetry, 4, 16 * time.Second},
		{apiRetry, 5, 30 * time.Second},
		{limitRetry, 0, 5 * time.Second},
		{limitRetry, 3, 40 * time.Second},
		{limitRetry, 4, time.Minute},
		// Far past where base·2ⁿ overflows an int64 of nanoseconds.
		{limitRetry, 1000, time.Minute},
		{backoff{base: 3 * time.Second, max: 10 * time.Second}, 2, 10 * time.Second},
	}
	for _, tc := range tests {
		if got := tc.b.ceiling(tc.n); got != tc.want {
			t.Errorf("%+v.ceiling(%d) = %s; want %s", tc.b, tc.n, got, tc.want)
		}
	}
}

func TestDelayDefaultJitterIsFullAndBounded(t *testing.T) {
	e := &Engine{}
	c := apiRetry.ceiling(0)
	lo, hi := c, time.Duration(0)
	for range 1000 {
		d := e.delay(apiRetry, 0)
		if d < 0 || d > c {
			t.Fatalf("delay = %s; want within [0, %s]", d, c)
		}
		lo, hi = min(lo, d), max(hi, d)
	}
	// Full jitter spreads over the whole range, not just near the ceiling.
	if lo > c/4 || hi < 3*c/4 {
		t.Errorf("1000 delays ranged over [%s, %s]; want them spread across [0, %s]", lo, hi, c)
	}
	if got := e.delay(backoff{}, 3); got != 0 {
		t.Errorf("delay with a zero ceiling = %s; want 0", got)
	}
}

func TestDelayClampsInjectedJitter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		jitter time.Duration
		want   time.Duration
	}{
		{"negative", -time.Second, 0},
		{"past the ceiling", time.Hour, 4 * time.Second},
		{"within", 3 * time.Second, 3 * time.Second},
	} {
		var asked time.Duration
		e := &Engine{Jitter: func(c time.Duration) time.Duration { asked = c; return tc.jitter }}
		if got := e.delay(apiRetry, 2); got != tc.want || asked != 4*time.Second {
			t.Errorf("%s: delay = %s with ceiling %s; want %s with ceiling 4s", tc.name, got, asked, tc.want)
		}
	}
}

// retryableErr says whether it is retryable, as smithy errors may.
type retryableErr bool

func (e retryableErr) Error() string        { return fmt.Sprintf("retryable: %t", bool(e)) }
func (e retryableErr) RetryableError() bool { return bool(e) }

func httpErr(status int) error {
	return &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      errors.New("response error"),
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"ThrottlingException", &smithy.GenericAPIError{Code: "ThrottlingException"}, true},
		{"Throttling", &smithy.GenericAPIError{Code: "Throttling"}, true},
		{"RequestLimitExceeded", &smithy.GenericAPIError{Code: "RequestLimitExceeded"}, true},
		{"Lambda TooManyRequestsException", &lambdatypes.TooManyRequestsException{}, true},
		{"wrapped throttle", fmt.Errorf("get deployment d-1: %w", &smithy.GenericAPIError{Code: "ThrottlingException"}), true},
		{"HTTP 429 with an unlisted code", httpErr(http.StatusTooManyRequests), true},
		{"HTTP 503", httpErr(http.StatusServiceUnavailable), true},
		{"says it is retryable", retryableErr(true), true},
		{"says it is not", retryableErr(false), false},
		{"HTTP 400", httpErr(http.StatusBadRequest), false},
		{"AccessDeniedException", &smithy.GenericAPIError{Code: "AccessDeniedException"}, false},
		{"deployment does not exist", &cdtypes.DeploymentDoesNotExistException{}, false},
		// shift paces this one itself, between waits for the group.
		{"deployment limit", &cdtypes.DeploymentLimitExceededException{}, false},
		{"alias not found", &lambdatypes.ResourceNotFoundException{}, false},
		{"cancelled", fmt.Errorf("send: %w", context.Canceled), false},
		{"deadline", context.DeadlineExceeded, false},
		{"plain error", errors.New("boom"), false},
	}
	for _, tc := range tests {
		if got := retryable(tc.err); got != tc.want {
			t.Errorf("retryable(%s) = %t; want %t", tc.name, got, tc.want)
		}
	}
}

func TestRetry(t *testing.T) {
	throttle := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "no"}
	tests := []struct {
		name       string
		errs       []error // op's results, in order; nil once they run out
		wantCalls  int
		wantErr    string
		wantSleeps []time.Duration
	}{
		{name: "first call succeeds", wantCalls: 1},
		{
			name: "throttled twice", errs: []error{throttle, throttle},
			wantCalls: 3, wantSleeps: []time.Duration{500 * time.Millisecond, time.Second},
		},
		{
			name: "not retryable", errs: []error{denied, nil},
			wantCalls: 1, wantErr: "api error AccessDeniedException: no",
		},
		{
			name: "retryable, then not", errs: []error{throttle, denied},
			wantCalls: 2, wantErr: "api error AccessDeniedException: no", wantSleeps: []time.Duration{500 * time.Millisecond},
		},
		{
			name: "attempts spent", errs: []error{throttle, throttle, throttle, throttle, throttle, throttle, throttle},
			wantCalls: 6, wantErr: "gave up after 6 attempts: api error ThrottlingException: Rate exceeded",
			wantSleeps: []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{}
			var logs []string
			e := &Engine{Clock: clock, Jitter: func(c time.Duration) time.Duration { return c / 2 }, Log: func(m string) { logs = append(logs, m) }}
			calls := 0
			err := e.retry(context.Background(), "get deployment d-1", func() error {
				calls++
				if calls <= len(tc.errs) {
					return tc.errs[calls-1]
				}
				return nil
			})
			if got := fmt.Sprint(err); tc.wantErr == "" && err != nil || tc.wantErr != "" && got != tc.wantErr {
				t.Errorf("error = %v; want %q", err, tc.wantErr)
			}
			if calls != tc.wantCalls {
				t.Errorf("%d calls; want %d", calls, tc.wantCalls)
			}
			if !reflect.DeepEqual(clock.sleeps, tc.wantSleeps) {
				t.Errorf("sleeps = %v; want %v", clock.sleeps, tc.wantSleeps)
			}
			if len(logs) != len(tc.wantSleeps) {
				t.Errorf("%d log lines %q; want one per retry", len(logs), logs)
			}
		})
	}
	t.Run("attempts spent keeps the cause", func(t *testing.T) {
		e := &Engine{Clock: &fakeClock{}}
		err := e.retry(context.Background(), "op", func() error { return throttle })
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "ThrottlingException" {
			t.Errorf("error %v does not wrap the throttle", err)
		}
	})
	t.Run("cancelled: no retry", func(t *testing.T) {
		cctx, cancel := context.WithCancel(context.Background())
		calls := 0
		e := &Engine{Clock: &fakeClock{}}
		err := e.retry(cctx, "op", func() error {
			calls++
			cancel()
			return throttle
		})
		if calls != 1 || err != throttle {
			t.Errorf("%d calls, error %v; want 1 call and the throttle, no retry once cancelled", calls, err)
		}
	})
}
