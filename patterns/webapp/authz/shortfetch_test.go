package authz

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// Scaled-down fetch policies: the issuer's hanging attempts end after
// these, so the tests wait milliseconds. short is shorter than full's
// attempts, so a request's time left tells which policy it ran under.
var (
	testShort = fetchPolicy{attempts: 1, timeout: 20 * time.Millisecond, total: 20 * time.Millisecond}
	testFull  = fetchPolicy{attempts: fetchAttempts, timeout: 50 * time.Millisecond, backoff: fetchBackoff}
)

// deadlineRecorder records how long each request to the issuer had left
// when it was sent: the budget its attempt ran under.
type deadlineRecorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	left []time.Duration
}

func (d *deadlineRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	left := time.Duration(-1) // no deadline
	if dl, ok := req.Context().Deadline(); ok {
		left = time.Until(dl)
	}
	d.mu.Lock()
	d.left = append(d.left, left)
	d.mu.Unlock()
	return d.base.RoundTrip(req)
}

// since returns what was recorded after the first n requests.
func (d *deadlineRecorder) since(n int) []time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.left[n:])
}

func (d *deadlineRecorder) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.left)
}

// recordedAuthorizer is snapAuthorizer (or, with f nil, one without a
// snapshot) with the scaled policies, its requests to the issuer recorded.
func recordedAuthorizer(t *testing.T, is *issuer, clk *clock, f *fakeSSM) (*Authorizer, *deadlineRecorder) {
	t.Helper()
	rec := &deadlineRecorder{base: is.srv.Client().Transport}
	cfg := Config{Issuer: is.srv.URL, Audience: testAudience, JWKSURL: is.srv.URL + "/jwks", Leeway: time.Minute}
	opts := Options{HTTPClient: &http.Client{Transport: rec}, Now: clk.now, Sleep: clk.sleep}
	if f != nil {
		cfg.SnapshotParameter, opts.SSM = snapshotParam, f
	}
	a, err := New(cfg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a.keys.short, a.keys.full = testShort, testFull
	return a, rec
}

// wantShort checks that left is one attempt under the short policy: its
// time left can only be less than the policy's bound, while one under the
// full policy would start with more.
func wantShort(t *testing.T, what string, left []time.Duration) {
	t.Helper()
	if len(left) != 1 || left[0] <= 0 || left[0] > testShort.total {
		t.Errorf("%s: got requests with %v left; want one with at most the short %s", what, left, testShort.total)
	}
}

// While the issuer hangs, a cold start with a snapshot makes one short
// attempt, without backoff, and then checks the token with the snapshot.
func TestColdStartHangingIssuerOneShortAttempt(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	f := &fakeSSM{}
	storeSnapshot(t, is, clk, f)
	is.set(func(is *issuer) { is.hang = true })
	clk.advance(time.Hour)
	_, before := is.hits()

	a, rec := recordedAuthorizer(t, is, clk, f)
	// Bounded, so that a fetch under the full policy would end (and fail
	// the test) within seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := a.Authorize(ctx, "Bearer "+rsToken(t, is, clk), testMethod); err != nil {
		t.Fatalf("got %v; want accepted with the snapshot's keys", err)
	}
	if _, k := is.hits(); k-before != 1 {
		t.Errorf("got %d key set attempts; want 1", k-before)
	}
	wantShort(t, "cold start", rec.since(0))
	if sl := clk.slept(); len(sl) != 0 {
		t.Errorf("got sleeps %v; want none: one attempt has no backoff", sl)
	}
	if g, _ := f.counts(); g != 1 {
		t.Errorf("got %d snapshot reads; want 1", g)
	}
}

// A warm environment whose last fetch found the issuer unreachable — one
// serving the snapshot's keys, or one whose refresh failed — makes one
// short attempt per minute while the issuer hangs, and keeps checking
// tokens with the keys it has. Its first failed refresh still has the
// full budget, as has every fetch without a snapshot.
func TestWarmHangingIssuerOneShortAttempt(t *testing.T) {
	type step struct {
		name      string
		after     time.Duration
		attempts  int
		short     bool            // the attempt ran under the short policy
		wantSleep []time.Duration // the full policy's backoffs
	}
	full := step{attempts: fetchAttempts, wantSleep: []time.Duration{fetchBackoff, 2 * fetchBackoff}}
	tests := []struct {
		name string
		// fromSnapshot: the environment's cold start found the issuer
		// hanging and read the snapshot; otherwise it fetched.
		fromSnapshot, snapshot bool
		steps                  []step
	}{
		{name: "serving the snapshot's keys", fromSnapshot: true, snapshot: true, steps: []step{
			{name: "refresh interval after the snapshot's fetch", after: DefaultRefreshInterval, attempts: 1, short: true},
			{name: "half a minute later", after: 30 * time.Second},
			{name: "a minute later", after: 30 * time.Second, attempts: 1, short: true},
		}},
		{name: "keys fetched, then the issuer hangs", snapshot: true, steps: []step{
			{name: "first refresh", after: DefaultRefreshInterval, attempts: full.attempts, wantSleep: full.wantSleep},
			{name: "a minute later", after: MinFetchInterval, attempts: 1, short: true},
			{name: "another minute later", after: MinFetchInterval, attempts: 1, short: true},
		}},
		{name: "without a snapshot", steps: []step{
			{name: "first refresh", after: DefaultRefreshInterval, attempts: full.attempts, wantSleep: full.wantSleep},
			{name: "a minute later", after: MinFetchInterval, attempts: full.attempts, wantSleep: full.wantSleep},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := newIssuer(t)
			clk := newClock()
			var f *fakeSSM
			if tt.snapshot {
				f = &fakeSSM{}
				storeSnapshot(t, is, clk, f)
			}
			if tt.fromSnapshot {
				is.set(func(is *issuer) { is.hang = true })
			}
			a, rec := recordedAuthorizer(t, is, clk, f)
			if err := authorize(a, rsToken(t, is, clk)); err != nil {
				t.Fatalf("cold start: got %v; want accepted", err)
			}
			is.set(func(is *issuer) { is.hang = true })
			for _, st := range tt.steps {
				clk.advance(st.after)
				_, hits := is.hits()
				n, sleeps := rec.count(), len(clk.slept())
				if err := authorize(a, rsToken(t, is, clk)); err != nil {
					t.Fatalf("%s: got %v; want accepted with the keys the environment has", st.name, err)
				}
				if _, k := is.hits(); k-hits != st.attempts {
					t.Errorf("%s: got %d key set attempts; want %d", st.name, k-hits, st.attempts)
				}
				if st.short {
					wantShort(t, st.name, rec.since(n))
				}
				if got := clk.slept()[sleeps:]; !slices.Equal(got, st.wantSleep) {
					t.Errorf("%s: got sleeps %v; want %v", st.name, got, st.wantSleep)
				}
			}
		})
	}
}

// The refresh event keeps the full budget while the issuer hangs, also in
// an environment serving the snapshot's keys: every attempt, with its
// backoffs, before it reports the keys unavailable.
func TestRefreshHangingIssuerFullBudget(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	f := &fakeSSM{}
	storeSnapshot(t, is, clk, f)
	is.set(func(is *issuer) { is.hang = true })
	a, rec := recordedAuthorizer(t, is, clk, f)
	if err := authorize(a, rsToken(t, is, clk)); err != nil {
		t.Fatalf("cold start: got %v; want accepted with the snapshot's keys", err)
	}
	clk.advance(MinFetchInterval)
	_, hits := is.hits()
	n := rec.count()
	if err := a.Refresh(context.Background()); !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("got %v; want ErrKeysUnavailable", err)
	}
	if _, k := is.hits(); k-hits != fetchAttempts {
		t.Errorf("got %d key set attempts; want %d", k-hits, fetchAttempts)
	}
	if got, want := clk.slept(), []time.Duration{fetchBackoff, 2 * fetchBackoff}; !slices.Equal(got, want) {
		t.Errorf("got sleeps %v; want %v", got, want)
	}
	// Each attempt has the full policy's time (no total bounds them).
	for _, left := range rec.since(n) {
		if left <= 0 || left > testFull.timeout {
			t.Errorf("got an attempt with %s left; want at most the full policy's %s", left, testFull.timeout)
		}
	}
	if _, p := f.counts(); p != 0 {
		t.Errorf("got %d snapshot writes; want none without a fetch that worked", p)
	}
}
