package prcomment

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryTransport is the one place kumo's calls to GitHub are retried, under
// go-github, so every API call gets the same per-attempt timeout, backoff
// and rate-limit handling.
//
// What is retried, and why:
//   - A rate-limited answer (403 or 429 that says so) for every method:
//     GitHub refused the request without acting on it, and asks the client
//     to wait for Retry-After or X-RateLimit-Reset
//     (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit).
//   - 5xx answers, attempt timeouts and network errors for the methods
//     whose repetition changes nothing (GET, HEAD, PATCH of a whole body,
//     PUT, DELETE). A POST that failed so may still have created the
//     comment: it is not repeated here; Upsert lists the comments again
//     before creating one again, so a lost answer cannot make two.
type retryTransport struct {
	base http.RoundTripper
	p    policy
}

// policy is the timing of the retries; Options fills it with defaults.
type policy struct {
	attempts       int
	requestTimeout time.Duration
	baseDelay      time.Duration
	maxDelay       time.Duration
	maxWait        time.Duration
	sleep          func(context.Context, time.Duration) error
	now            func() time.Time
	rand           func() float64
}

// backoff is the wait before attempt n+1 after n failures: exponential from
// baseDelay, capped at maxDelay, with "equal jitter" (half fixed, half
// random) so that parallel CI jobs that failed together do not retry
// together, while every wait stays at least half the nominal one
// (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
func (p policy) backoff(n int) time.Duration {
	d := float64(p.baseDelay) * math.Pow(2, float64(n-1))
	if d > float64(p.maxDelay) {
		d = float64(p.maxDelay)
	}
	return time.Duration(d/2 + d/2*p.rand())
}

// secondaryWait is GitHub's advice for a secondary rate limit that names no
// wait: "wait for at least one minute before retrying"
// (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit).
const secondaryWait = time.Minute

// GaveUpError is returned when every attempt of a request failed in a way
// worth retrying.
type GaveUpError struct {
	Method, Path string
	Attempts     int
	// Last is the last failure: an HTTP status ("502 Bad Gateway") or a
	// network error's text.
	Last string
}

func (e *GaveUpError) Error() string {
	return fmt.Sprintf("%s %s failed %d times, last with %s: GitHub may be unavailable (https://www.githubstatus.com) or unreachable from here; run the job again later",
		e.Method, e.Path, e.Attempts, e.Last)
}

// RateLimitedError is returned when GitHub asks for a longer wait than
// kumo is willing to spend, or than the deadline leaves.
type RateLimitedError struct {
	Method, Path string
	// Wait is what GitHub asked for; Until is when it ends.
	Wait  time.Duration
	Until time.Time
	// Limit is what kumo would wait: Options.MaxRateLimitWait, or the time
	// left before the deadline (Deadline) when that is shorter.
	Limit    time.Duration
	Deadline bool
}

func (e *RateLimitedError) Error() string {
	bound := fmt.Sprintf("the %s kumo waits at most", e.Limit.Round(time.Second))
	if e.Deadline {
		bound = fmt.Sprintf("the %s left before the deadline", e.Limit.Round(time.Second))
	}
	return fmt.Sprintf("%s %s: GitHub's rate limit asks to wait %s (until %s), more than %s: run the job again after then",
		e.Method, e.Path, e.Wait.Round(time.Second), e.Until.UTC().Format(time.RFC3339), bound)
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	path := req.URL.Path
	for n := 1; ; n++ {
		resp, limited, err := t.attempt(req, n)
		if ctx.Err() != nil {
			closeBody(resp)
			return nil, ctx.Err()
		}
		var wait time.Duration
		var last string
		switch {
		case err != nil:
			if !idempotent(req.Method) {
				return nil, err
			}
			last = err.Error()
			wait = t.p.backoff(n)
		case limited:
			w, until := t.rateLimitWait(resp, n)
			limit, deadline := t.p.maxWait, false
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < limit {
				limit, deadline = time.Until(dl), true
			}
			if w > limit {
				closeBody(resp)
				return nil, &RateLimitedError{Method: req.Method, Path: path, Wait: w, Until: until, Limit: limit, Deadline: deadline}
			}
			last = resp.Status
			wait = w
		case resp.StatusCode >= 500 && idempotent(req.Method):
			last = resp.Status
			wait = t.p.backoff(n)
		default:
			return resp, nil
		}
		if n >= t.p.attempts {
			closeBody(resp)
			return nil, &GaveUpError{Method: req.Method, Path: path, Attempts: n, Last: last}
		}
		closeBody(resp)
		if err := t.p.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// attempt sends req once under its own timeout, which ends when the body is
// closed, so a hung connection costs one attempt and not the whole
// deadline. limited says whether GitHub refused it for a rate limit.
func (t *retryTransport) attempt(req *http.Request, n int) (resp *http.Response, limited bool, err error) {
	actx, cancel := context.WithTimeout(req.Context(), t.p.requestTimeout)
	r := req.Clone(actx)
	if n > 1 && req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			cancel()
			return nil, false, fmt.Errorf("%s %s: cannot resend a request body that cannot be read again", req.Method, req.URL.Path)
		}
		body, err := req.GetBody()
		if err != nil {
			cancel()
			return nil, false, fmt.Errorf("%s %s: read the request body again: %w", req.Method, req.URL.Path, err)
		}
		r.Body = body
	}
	resp, err = t.base.RoundTrip(r)
	if err != nil {
		cancel()
		return nil, false, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return resp, false, nil
	}
	// Only the body tells a secondary rate limit from a missing
	// permission; keep it for go-github's error either way.
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return nil, false, fmt.Errorf("%s %s: read the %s answer: %w", req.Method, req.URL.Path, resp.Status, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, isRateLimited(resp, b), nil
}

// isRateLimited follows GitHub's docs: a rate-limited answer is a 403 or
// 429 with X-RateLimit-Remaining 0 (primary) or with a message saying so,
// perhaps with Retry-After (secondary); go-github's CheckResponse reads
// the same signals. Any other 403 is a missing permission, not retried.
func isRateLimited(resp *http.Response, body []byte) bool {
	return resp.StatusCode == http.StatusTooManyRequests ||
		resp.Header.Get("Retry-After") != "" ||
		resp.Header.Get("X-RateLimit-Remaining") == "0" ||
		bytes.Contains(bytes.ToLower(body), []byte("rate limit"))
}

// rateLimitWait reads GitHub's wait in the order its docs give: Retry-After
// (seconds, or an HTTP date), else X-RateLimit-Reset (epoch seconds) when
// no requests remain, else at least a minute, growing with the attempts.
func (t *retryTransport) rateLimitWait(resp *http.Response, n int) (time.Duration, time.Time) {
	now := t.p.now()
	if v := strings.TrimSpace(resp.Header.Get("Retry-After")); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			d := time.Duration(s) * time.Second
			return d, now.Add(d)
		}
		if at, err := http.ParseTime(v); err == nil {
			return max(at.Sub(now), 0), at
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if s, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			// The reset is a whole second: wait until just after it.
			at := time.Unix(s, 0).Add(time.Second)
			return max(at.Sub(now), 0), at
		}
	}
	d := max(secondaryWait, t.p.backoff(n))
	return d, now.Add(d)
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPatch, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

func closeBody(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
