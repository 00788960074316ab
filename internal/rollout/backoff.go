package rollout

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// backoff is a retry policy: exponential backoff with full jitter. The pause
// before retry n is a random duration in [0, min(max, base·2ⁿ)], so clients
// throttled together do not come back together ("Exponential Backoff And
// Jitter", AWS Architecture Blog, 2015). It only computes; Engine.retry and
// shift sleep on the engine's clock, so tests never sleep.
type backoff struct {
	// base is the ceiling of the first pause.
	base time.Duration
	// max caps every pause.
	max time.Duration
	// attempts bounds the calls, the first one included.
	attempts int
}

var (
	// apiRetry retries a read that was throttled or failed transiently.
	// The SDK client has already retried it a few times by then, so the
	// pauses are long enough for a burst of throttling to pass: at most
	// 1+2+4+8+16 = 31 s over 6 calls. Without it, one throttled poll in a
	// half-hour canary would abort the release.
	apiRetry = backoff{base: time.Second, max: 30 * time.Second, attempts: 6}
	// limitRetry paces CreateDeployment refused with
	// DeploymentLimitExceededException although the group looked idle:
	// ListDeployments lags a deployment someone else just created, and
	// asking again at once only burns API quota. At most
	// 5+10+20+40+60+60+60 s over 8 calls, and never past WaitTimeoutSeconds.
	limitRetry = backoff{base: 5 * time.Second, max: time.Minute, attempts: 8}
)

// ceiling returns the longest pause before retry n (0 for the first retry).
func (b backoff) ceiling(n int) time.Duration {
	d := b.base
	// Doubling step by step, stopping at max, cannot overflow however
	// large n is.
	for i := 0; i < n && d < b.max; i++ {
		d *= 2
	}
	return min(d, b.max)
}

// delay returns the pause before retry n under b, jittered.
func (e *Engine) delay(b backoff, n int) time.Duration {
	c := b.ceiling(n)
	if c <= 0 {
		return 0
	}
	if e.Jitter != nil {
		// Clamped so a careless Jitter cannot make the bound a lie.
		return min(max(e.Jitter(c), 0), c)
	}
	return rand.N(c + 1)
}

// retry calls op, the read described by what, until it succeeds, fails with
// an error that is not worth retrying, or apiRetry's attempts are spent;
// then it returns op's last error, wrapped with the number of attempts when
// they ran out.
func (e *Engine) retry(ctx context.Context, what string, op func() error) error {
	for n := 0; ; n++ {
		err := op()
		if err == nil || !retryable(err) || ctx.Err() != nil {
			return err
		}
		if n+1 >= apiRetry.attempts {
			return fmt.Errorf("gave up after %d attempts: %w", n+1, err)
		}
		d := e.delay(apiRetry, n)
		e.logf("%s: %v; retrying in %s (attempt %d of %d)", what, err, d, n+2, apiRetry.attempts)
		if serr := e.clock().Sleep(ctx, d); serr != nil {
			return fmt.Errorf("retry after %v: %w", err, serr)
		}
	}
}

// retryables are the SDK's own checks, retry.DefaultRetryables, plus 429
// Too Many Requests, which the SDK leaves to its throttle error codes
// (ThrottlingException, TooManyRequestsException, RequestLimitExceeded, …):
// a throttle whose code is not on that list is still a throttle.
var retryables = append(append(retry.IsErrorRetryables{}, retry.DefaultRetryables...),
	retry.RetryableHTTPStatusCode{Codes: map[int]struct{}{http.StatusTooManyRequests: {}}})

// retryable reports an error a later identical call may well not get: a
// throttle, a 5xx, a broken connection, or an error that says it is
// retryable (RetryableError() bool). A cancelled context never is.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return retryables.IsErrorRetryable(err) == aws.TrueTernary
}
