package authz

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/golang-jwt/jwt/v5"
)

// simTime is a clock on which waiting takes no time: contexts made on it
// expire when it passes their deadline, a sleep moves it on, and a peer
// that hangs moves it to the deadline of the request's context. An
// authorizer run on it takes, in simulated time, exactly as long as its
// bounds let it while the issuer and SSM hang, so a path's duration is
// measured rather than added up from the constants again.
type simTime struct {
	mu     sync.Mutex
	t      time.Time
	timers []simTimer
}

type simTimer struct {
	at     time.Time
	cancel context.CancelCauseFunc
}

// simCtx is a context whose deadline is on a simTime.
type simCtx struct {
	context.Context
	deadline time.Time
}

func (c *simCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *simCtx) Err() error {
	if c.Context.Err() == nil {
		return nil
	}
	if errors.Is(context.Cause(c.Context), context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return context.Canceled
}

func newSimTime() *simTime { return &simTime{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (s *simTime) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.t
}

// advanceTo moves the clock to t (never back) and expires the contexts
// whose deadline it reached.
func (s *simTime) advanceTo(t time.Time) {
	s.mu.Lock()
	if t.After(s.t) {
		s.t = t
	}
	var due []context.CancelCauseFunc
	kept := s.timers[:0]
	for _, tm := range s.timers {
		if tm.at.After(s.t) {
			kept = append(kept, tm)
		} else {
			due = append(due, tm.cancel)
		}
	}
	s.timers = kept
	s.mu.Unlock()
	for _, cancel := range due {
		cancel(context.DeadlineExceeded)
	}
}

func (s *simTime) withDeadline(parent context.Context, d time.Time) (context.Context, context.CancelFunc) {
	if pd, ok := parent.Deadline(); ok && pd.Before(d) {
		d = pd
	}
	ctx, cancel := context.WithCancelCause(parent)
	c := &simCtx{Context: ctx, deadline: d}
	s.mu.Lock()
	s.timers = append(s.timers, simTimer{at: d, cancel: cancel})
	s.mu.Unlock()
	s.advanceTo(s.now()) // a deadline already passed
	return c, func() { cancel(context.Canceled) }
}

func (s *simTime) withTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return s.withDeadline(parent, s.now().Add(d))
}

// sleep waits d, or until ctx's deadline if that is sooner.
func (s *simTime) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	until := s.now().Add(d)
	if dl, ok := ctx.Deadline(); ok && dl.Before(until) {
		s.advanceTo(dl)
		return ctx.Err()
	}
	s.advanceTo(until)
	return nil
}

// hang is a peer that never answers: the caller's context ends it.
func (s *simTime) hang(ctx context.Context) error {
	if dl, ok := ctx.Deadline(); ok {
		s.advanceTo(dl)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.New("simTime: a hanging call without a deadline would hang forever")
}

// answerLate is a peer that answers in the last moment its caller waits.
func (s *simTime) answerLate(ctx context.Context) {
	if dl, ok := ctx.Deadline(); ok {
		s.advanceTo(dl.Add(-time.Nanosecond))
	}
}

// simIssuer is an issuer on simTime: for each document, how its n-th
// request goes (n from 1).
type simIssuer struct {
	clk     *simTime
	keySet  []byte
	mu      sync.Mutex
	hits    map[string]int
	answers func(path string, n int) simAnswer
}

type simAnswer int

const (
	simOK   simAnswer = iota
	simHang           // never answers
	simLate           // answers in the last moment
)

const simIssuerURL = "https://issuer.example"

func (is *simIssuer) RoundTrip(req *http.Request) (*http.Response, error) {
	is.mu.Lock()
	is.hits[req.URL.Path]++
	n := is.hits[req.URL.Path]
	is.mu.Unlock()
	var body []byte
	switch req.URL.Path {
	case "/.well-known/openid-configuration":
		body = []byte(`{"issuer":"` + simIssuerURL + `","jwks_uri":"` + simIssuerURL + `/jwks"}`)
	case "/jwks":
		body = is.keySet
	default:
		return &http.Response{StatusCode: http.StatusNotFound, Body: http.NoBody, Request: req}, nil
	}
	switch is.answers(req.URL.Path, n) {
	case simHang:
		return nil, is.clk.hang(req.Context())
	case simLate:
		is.clk.answerLate(req.Context())
	}
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(body)), Request: req}, nil
}

// simSSM is the parameter on simTime: it hangs while hang is set.
type simSSM struct {
	fakeSSM
	clk  *simTime
	hang bool
}

func (f *simSSM) GetParameter(ctx context.Context, in *ssm.GetParameterInput, o ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	if f.hang {
		return nil, f.clk.hang(ctx)
	}
	return f.fakeSSM.GetParameter(ctx, in, o...)
}

func (f *simSSM) PutParameter(ctx context.Context, in *ssm.PutParameterInput, o ...func(*ssm.Options)) (*ssm.PutParameterOutput, error) {
	if f.hang {
		return nil, f.clk.hang(ctx)
	}
	return f.fakeSSM.PutParameter(ctx, in, o...)
}

// simAuthorizer is an authorizer with every clock, sleep and bounding
// context on clk, and the snapshot's backoffs at their longest.
func simAuthorizer(t *testing.T, clk *simTime, is *simIssuer, f *simSSM, discovery bool) *Authorizer {
	t.Helper()
	cfg := Config{Issuer: simIssuerURL, Audience: testAudience, Leeway: time.Minute}
	if !discovery {
		cfg.JWKSURL = simIssuerURL + "/jwks"
	}
	opts := Options{HTTPClient: &http.Client{Transport: is}, Now: clk.now, Sleep: clk.sleep}
	if f != nil {
		cfg.SnapshotParameter, opts.SSM = snapshotParam, f
	}
	a, err := New(cfg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a.keys.withTimeout, a.keys.withDeadline = clk.withTimeout, clk.withDeadline
	if s := a.keys.snap; s != nil {
		s.withTimeout = clk.withTimeout
		s.jitter = func(d time.Duration) time.Duration { return d }
	}
	return a
}

// TestColdStartBudget runs each of the authorizer's paths in its worst
// case — the issuer hangs, or answers each document in the last moment of
// its last attempt, and SSM hangs — on simulated time, and checks that it
// takes what Budgets says: no more (the function's timeout, which
// webapp's tests hold against Budgets, would cut it off before its
// fallback), and no less (the budget would be padding, not a bound). It
// also checks that the budgets of the web app's configuration are the
// constants the README quotes.
func TestColdStartBudget(t *testing.T) {
	testKeys(t)
	keySet := jwks(t, jwk(t, &rsaKey.PublicKey, "rsa-1", jwkset.AlgRS256))
	// lateLast: every document answers in the last moment of its last
	// attempt, after the others hung: the longest a fetch that works
	// takes.
	lateLast := func(_ string, n int) simAnswer {
		if n < fetchAttempts {
			return simHang
		}
		return simLate
	}
	hang := func(string, int) simAnswer { return simHang }
	// discoveryLate: the discovery document comes in the last moment,
	// then the key set hangs: one short attempt each would add up to
	// twice the short bound, were the fetch not bounded as a whole.
	discoveryLate := func(path string, _ int) simAnswer {
		if path == "/jwks" {
			return simHang
		}
		return simLate
	}
	ok := func(string, int) simAnswer { return simOK }

	type world struct {
		clk *simTime
		is  *simIssuer
		f   *simSSM
		a   *Authorizer
		// fresh is a new, cold environment.
		fresh func() *Authorizer
	}
	tokenAt := func(w *world) string {
		now := w.clk.now()
		return sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, jwt.MapClaims{"iss": simIssuerURL, "aud": testAudience, "sub": "user-1",
			"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()})
	}
	request := func(w *world) error {
		_, err := w.a.Authorize(context.Background(), "Bearer "+tokenAt(w), testMethod)
		return err
	}
	// snapshotted: the schedule wrote a snapshot (issuer answering), an
	// hour passed, and now the issuer hangs.
	snapshotted := func(w *world) {
		w.is.answers = ok
		if err := w.a.Refresh(context.Background()); err != nil {
			t.Fatalf("refresh: %v", err)
		}
		w.clk.advanceTo(w.clk.now().Add(time.Hour))
		w.is.answers = hang
	}

	tests := []struct {
		name                string
		snapshot, discovery bool
		budget              func(Budgets) time.Duration
		// setup readies the environment (the fresh one is cold); run is
		// the path, timed.
		setup func(w *world)
		run   func(w *world) error
		// wantErr: the path ends without keys (the issuer and SSM hang).
		wantErr bool
	}{
		{name: "cold start, snapshot, issuer and SSM hang", snapshot: true,
			budget: func(b Budgets) time.Duration { return b.ColdStart },
			setup:  func(w *world) { snapshotted(w); w.a = w.fresh(); w.f.hang = true },
			run:    request, wantErr: true},
		{name: "cold start, snapshot and discovery, issuer and SSM hang", snapshot: true, discovery: true,
			budget: func(b Budgets) time.Duration { return b.ColdStart },
			setup:  func(w *world) { snapshotted(w); w.a = w.fresh(); w.f.hang = true },
			run:    request, wantErr: true},
		{name: "cold start, snapshot and discovery, discovery answers last, then the key set and SSM hang", snapshot: true, discovery: true,
			budget: func(b Budgets) time.Duration { return b.ColdStart },
			setup:  func(w *world) { snapshotted(w); w.a = w.fresh(); w.is.answers = discoveryLate; w.f.hang = true },
			run:    request, wantErr: true},
		{name: "cold start, no snapshot, issuer answers last", discovery: true,
			budget: func(b Budgets) time.Duration { return b.ColdStart },
			setup:  func(w *world) { w.is.answers = lateLast },
			run:    request},
		{name: "warm, snapshot's keys, issuer hangs", snapshot: true,
			budget: func(b Budgets) time.Duration { return b.WarmUnreachable },
			setup: func(w *world) {
				snapshotted(w)
				w.a = w.fresh()
				if err := request(w); err != nil {
					t.Fatalf("cold start: %v", err)
				}
				w.clk.advanceTo(w.clk.now().Add(DefaultRefreshInterval))
			},
			run: request},
		{name: "warm, first refresh, issuer answers last", snapshot: true,
			budget: func(b Budgets) time.Duration { return b.Warm },
			setup: func(w *world) {
				w.is.answers = ok
				if err := request(w); err != nil {
					t.Fatalf("cold start: %v", err)
				}
				w.clk.advanceTo(w.clk.now().Add(DefaultRefreshInterval))
				w.is.hits = map[string]int{}
				w.is.answers = lateLast
			},
			run: request},
		{name: "refresh, snapshot, issuer answers last, SSM hangs", snapshot: true, discovery: true,
			budget: func(b Budgets) time.Duration { return b.Refresh },
			setup:  func(w *world) { w.is.answers = lateLast; w.f.hang = true },
			run:    func(w *world) error { return w.a.Refresh(context.Background()) }, wantErr: true},
		{name: "refresh, no snapshot, issuer answers last", discovery: true,
			budget: func(b Budgets) time.Duration { return b.Refresh },
			setup:  func(w *world) { w.is.answers = lateLast },
			run:    func(w *world) error { return w.a.Refresh(context.Background()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newSimTime()
			w := &world{clk: clk, is: &simIssuer{clk: clk, keySet: keySet, hits: map[string]int{}, answers: ok}}
			if tt.snapshot {
				w.f = &simSSM{clk: clk}
			}
			w.fresh = func() *Authorizer {
				var f *simSSM
				if tt.snapshot {
					f = w.f
				}
				w.is.hits = map[string]int{}
				return simAuthorizer(t, clk, w.is, f, tt.discovery)
			}
			w.a = w.fresh()
			tt.setup(w)
			start := clk.now()
			err := tt.run(w)
			took := clk.now().Sub(start)
			if (err != nil) != tt.wantErr {
				t.Errorf("got error %v; want one: %t", err, tt.wantErr)
			}
			budget := tt.budget(w.a.Budgets())
			if took > budget || took < budget-time.Millisecond {
				t.Errorf("took %s; want %s, the budget of the path", took, budget)
			}
		})
	}

	// The web app's authorizers have a snapshot and JWKS_URL (Cognito) or
	// discovery (an OIDC issuer); the constants are their cold start and
	// their refresh with discovery, the longest.
	for _, discovery := range []bool{false, true} {
		b := simAuthorizer(t, newSimTime(), &simIssuer{}, &simSSM{}, discovery).Budgets()
		if b.ColdStart != ColdStartBudget {
			t.Errorf("discovery %t: got cold start budget %s; want ColdStartBudget, %s", discovery, b.ColdStart, ColdStartBudget)
		}
		if discovery && b.Refresh != RefreshBudget {
			t.Errorf("got refresh budget %s; want RefreshBudget, %s", b.Refresh, RefreshBudget)
		}
	}
}
