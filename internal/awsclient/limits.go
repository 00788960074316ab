// Package awsclient builds the AWS SDK configuration every kumo AWS client
// uses — the release provider's Lambda, CodeDeploy and STS clients and the
// clients of `kumo canary status` — so they all fail alike instead of
// hanging: Limits bounds each call (dial, TLS and response-header timeouts,
// an overall deadline, the SDK's standard retryer with few attempts and a
// capped backoff), and Settings says where and as whom to call (a stack's
// aws: provider config, read the way pulumi-aws reads it).
package awsclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Limits bound one AWS API call. The zero value of a field means its
// default; DefaultLimits lists them.
type Limits struct {
	// DialTimeout bounds opening a TCP connection. Default: 5s.
	DialTimeout time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake. Default: 5s.
	TLSHandshakeTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for the response headers once
	// the request is sent: an endpoint that accepts the connection and never
	// answers is caught here. Lambda and CodeDeploy control-plane calls
	// answer in well under a second. Default: 15s.
	ResponseHeaderTimeout time.Duration
	// MaxAttempts is how many times a call is tried, the first included,
	// with the SDK's standard retryer (throttling, 5xx and connection
	// errors). Default: 3.
	MaxAttempts int
	// MaxBackoff caps the jittered exponential wait between attempts.
	// Default: 5s.
	MaxBackoff time.Duration
	// CallTimeout bounds a whole call, every attempt and wait included, so a
	// hung endpoint fails the call within it however the others add up.
	// Default: 45s.
	CallTimeout time.Duration
}

// DefaultLimits are the production limits: a hung endpoint fails a call in
// at most 45 s, inside the minute a user waits for `kumo canary status`.
func DefaultLimits() Limits {
	return Limits{
		DialTimeout:           5 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second,
		MaxAttempts:           3,
		MaxBackoff:            5 * time.Second,
		CallTimeout:           45 * time.Second,
	}
}

// withDefaults fills the zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.DialTimeout <= 0 {
		l.DialTimeout = d.DialTimeout
	}
	if l.TLSHandshakeTimeout <= 0 {
		l.TLSHandshakeTimeout = d.TLSHandshakeTimeout
	}
	if l.ResponseHeaderTimeout <= 0 {
		l.ResponseHeaderTimeout = d.ResponseHeaderTimeout
	}
	if l.MaxAttempts <= 0 {
		l.MaxAttempts = d.MaxAttempts
	}
	if l.MaxBackoff <= 0 {
		l.MaxBackoff = d.MaxBackoff
	}
	if l.CallTimeout <= 0 {
		l.CallTimeout = d.CallTimeout
	}
	return l
}

// Total is the longest one call can take against an endpoint that never
// answers: every attempt timing out and every backoff at its cap, or
// CallTimeout, whichever is shorter.
func (l Limits) Total() time.Duration {
	l = l.withDefaults()
	perAttempt := l.DialTimeout + l.TLSHandshakeTimeout + l.ResponseHeaderTimeout
	attempts := time.Duration(l.MaxAttempts)
	return min(l.CallTimeout, attempts*perAttempt+(attempts-1)*l.MaxBackoff)
}

// LoadOptions make config.LoadDefaultConfig build a config whose clients
// all obey l — the credential providers' own STS and SSO clients too, which
// the SDK builds from the config while loading it.
func (l Limits) LoadOptions() []func(*config.LoadOptions) error {
	l = l.withDefaults()
	return []func(*config.LoadOptions) error{
		config.WithHTTPClient(l.httpClient()),
		config.WithRetryer(l.retryer),
		config.WithAPIOptions(l.apiOptions()),
	}
}

// Apply makes the clients built from an already loaded cfg obey l; it
// replaces cfg's HTTP client and retryer. Credential providers cfg already
// holds keep the clients they were built with: load with LoadOptions to
// bound those too.
func (l Limits) Apply(cfg *aws.Config) {
	l = l.withDefaults()
	cfg.HTTPClient = l.httpClient()
	cfg.Retryer = l.retryer
	// Clip so appending never writes into a slice another config shares.
	cfg.APIOptions = append(slices.Clip(cfg.APIOptions), l.apiOptions()...)
}

func (l Limits) httpClient() *awshttp.BuildableClient {
	// The buildable client keeps the SDK's transport defaults (proxy from
	// the environment, AWS_CA_BUNDLE, TLS 1.2, connection pooling) and
	// changes only the timeouts.
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = l.DialTimeout }).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSHandshakeTimeout = l.TLSHandshakeTimeout
			t.ResponseHeaderTimeout = l.ResponseHeaderTimeout
		})
}

func (l Limits) retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = l.MaxAttempts
		o.MaxBackoff = l.MaxBackoff
	})
}

const (
	deadlineID = "kumo.CallDeadline"
	attemptID  = "kumo.RecordAttempt"
)

func (l Limits) apiOptions() []func(*middleware.Stack) error {
	return []func(*middleware.Stack) error{func(s *middleware.Stack) error {
		// A config loaded with LoadOptions and then given Apply carries two
		// of these: the later limits replace the earlier ones rather than
		// failing every call on a duplicate middleware ID.
		d := &callDeadline{timeout: l.CallTimeout}
		if _, ok := s.Initialize.Get(deadlineID); ok {
			if _, err := s.Initialize.Swap(deadlineID, d); err != nil {
				return err
			}
		} else if err := s.Initialize.Add(d, middleware.After); err != nil {
			// After the service metadata, so the deadline covers the
			// serializers, every attempt and every backoff.
			return err
		}
		if _, ok := s.Deserialize.Get(attemptID); ok {
			return nil
		}
		// Innermost, next to the transport: it sees each attempt's request
		// with its resolved endpoint.
		return s.Deserialize.Add(recordAttempt{}, middleware.After)
	}}
}

// callDeadline gives each call its own deadline and explains a timeout.
type callDeadline struct{ timeout time.Duration }

func (*callDeadline) ID() string { return deadlineID }

func (d *callDeadline) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
	middleware.InitializeOutput, middleware.Metadata, error,
) {
	start := time.Now()
	rec := &attempts{}
	callCtx, cancel := context.WithTimeout(context.WithValue(ctx, attemptsKey{}, rec), d.timeout)
	defer cancel()
	out, md, err := next.HandleInitialize(callCtx, in)
	if err == nil || ctx.Err() != nil {
		// Success, or the caller gave up: not a timeout of this call.
		return out, md, err
	}
	var inner *TimeoutError
	if errors.As(err, &inner) {
		return out, md, err // an inner call (credentials) timed out and said so
	}
	if errors.Is(callCtx.Err(), context.DeadlineExceeded) || isTimeout(err) {
		endpoint, n := rec.get()
		err = &TimeoutError{Endpoint: endpoint, Attempts: n, Elapsed: time.Since(start), Err: err}
	}
	return out, md, err
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

type attemptsKey struct{}

// attempts records, for one call, how many attempts were sent and where
// the last one went.
type attempts struct {
	mu       sync.Mutex
	n        int
	endpoint string
}

func (a *attempts) get() (string, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.endpoint, a.n
}

type recordAttempt struct{}

func (recordAttempt) ID() string { return attemptID }

func (recordAttempt) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	if a, ok := ctx.Value(attemptsKey{}).(*attempts); ok {
		if req, ok := in.Request.(*smithyhttp.Request); ok && req.URL != nil {
			a.mu.Lock()
			a.n++
			a.endpoint = req.URL.Scheme + "://" + req.URL.Host
			a.mu.Unlock()
		}
	}
	return next.HandleDeserialize(ctx, in)
}

// TimeoutError is an AWS call that got no answer in time. The SDK wraps it
// in a *smithy.OperationError, which names the service and operation.
type TimeoutError struct {
	// Endpoint is where the last attempt went (scheme and host), or "" when
	// no attempt got as far as sending.
	Endpoint string
	// Attempts is how many attempts were sent.
	Attempts int
	// Elapsed is how long the call took in all.
	Elapsed time.Duration
	// Err is the SDK's error.
	Err error
}

func (e *TimeoutError) Error() string {
	where := e.Endpoint
	if where == "" {
		where = "the endpoint"
	}
	tries := "1 attempt"
	if e.Attempts != 1 {
		tries = fmt.Sprintf("%d attempts", e.Attempts)
	}
	return fmt.Sprintf("no answer from %s after %s in %s; check that it is reachable from here (network, VPN, "+
		"HTTPS_PROXY) and that any endpoint override (AWS_ENDPOINT_URL*; aws:endpoints for releases) is right, then retry: %v",
		where, tries, e.Elapsed.Round(100*time.Millisecond), e.Err)
}

func (e *TimeoutError) Unwrap() error { return e.Err }
