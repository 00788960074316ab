package authz

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
)

// Fetch settings. An authorizer answers within API Gateway's 29-second
// integration limit
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html),
// so a fetch with the full budget gives up on a document after about 6.6 s
// (three 2-second attempts, 200 ms and 400 ms apart) instead of letting
// the caller time out.
const (
	fetchAttempts       = 3
	fetchAttemptTimeout = 2 * time.Second
	fetchBackoff        = 200 * time.Millisecond
	// shortFetchTimeout bounds a request's fetch, discovery document and
	// key set together, in one attempt without backoff, wherever a key
	// snapshot can stand in for the issuer: a cold start (the snapshot is
	// read next), and an environment whose last fetch found the issuer
	// unreachable (it keeps the keys it has). While the issuer is down,
	// each such request spends at most this on it, not the full budget:
	// in a failover every environment is cold, and environments held
	// for 6.6–13.2 s each would exceed the account's Lambda concurrency.
	// 1.5 s leaves a reachable issuer room for a cold TLS handshake
	// across regions and both documents.
	shortFetchTimeout = 1500 * time.Millisecond
	// maxDocumentBytes bounds what a misbehaving endpoint can make us
	// read; real key sets are a few kilobytes.
	maxDocumentBytes = 1 << 20
	// DefaultRefreshInterval is how long fetched keys are used before
	// they are fetched again, so that a key the issuer withdraws stops
	// being accepted within it.
	DefaultRefreshInterval = 15 * time.Minute
	// MinFetchInterval spaces fetches of any kind: a flood of tokens with
	// made-up key ids, or an issuer that is down, costs the issuer at
	// most one fetch a minute per execution environment.
	MinFetchInterval = time.Minute
)

// errUnreachable marks a fetch that got no answer from the issuer: a
// network error, a timeout, a 5xx or a 429, after the retries. Only then
// may a cold start fall back to the key snapshot; an issuer that answered
// has said which keys are valid.
var errUnreachable = errors.New("issuer unreachable")

// ErrKeysUnavailable means no signing keys could be fetched yet, so no
// token can be checked: the issuer (or the way to it) is down, not the
// caller's token bad.
var ErrKeysUnavailable = errors.New("signing keys unavailable")

// errUnknownKey is a token signed with a key id the key set does not
// have, after the refetch it allows.
var errUnknownKey = errors.New("token's key id is not in the issuer's key set")

// verifyKey is one usable signing key and the one algorithm it verifies.
type verifyKey struct {
	alg string
	key any // *rsa.PublicKey or *ecdsa.PublicKey
	pub snapshotKey
}

// MaxKeyAge bounds how long keys are used while every refresh fails: long
// enough to ride out an issuer's outage (a day: a region failing over keeps
// checking tokens issued before it), short enough that a withdrawn key does
// not verify indefinitely.
const MaxKeyAge = 24 * time.Hour

// fetchPolicy is how hard one fetch tries the issuer: each document (the
// discovery document when JWKS_URL is not set, then the key set) gets up
// to attempts attempts of timeout each, backoff apart before the second
// and doubling after; total, unless 0, bounds the whole fetch.
type fetchPolicy struct {
	attempts int
	timeout  time.Duration
	backoff  time.Duration
	total    time.Duration
}

// The two policies. fullFetch is the scheduled refresh's (and the release
// hook's, which sends the same event), and every fetch's without a key
// snapshot; shortFetch is a request's where a snapshot can stand in.
var (
	fullFetch  = fetchPolicy{attempts: fetchAttempts, timeout: fetchAttemptTimeout, backoff: fetchBackoff}
	shortFetch = fetchPolicy{attempts: 1, timeout: shortFetchTimeout, total: shortFetchTimeout}
)

// budget is the longest a fetch of docs documents under p takes while the
// issuer hangs: every attempt waits out its timeout, and the backoffs
// between, within total. (The worst case reads every document: all but
// the last answer in their last attempt's final moment.)
func (p fetchPolicy) budget(docs int) time.Duration {
	one := time.Duration(p.attempts)*p.timeout + p.backoff*(1<<(p.attempts-1)-1)
	b := time.Duration(docs) * one
	if p.total > 0 && p.total < b {
		b = p.total
	}
	return b
}

// keySet caches the issuer's signing keys across invocations. Its mutex
// is held across fetches so concurrent misses wait for one fetch instead
// of each making their own.
type keySet struct {
	issuer  string
	client  *http.Client
	log     *slog.Logger
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error
	refresh time.Duration
	// full and short are the fetch policies (fullFetch and shortFetch;
	// tests scale them down).
	full, short fetchPolicy
	// withTimeout and withDeadline make every context that bounds a fetch
	// (context.WithTimeout and context.WithDeadline; tests put them on
	// their clock).
	withTimeout  func(context.Context, time.Duration) (context.Context, context.CancelFunc)
	withDeadline func(context.Context, time.Time) (context.Context, context.CancelFunc)

	// snap is the key snapshot, or nil without one.
	snap *snapshotStore
	// snapReserve is the time a cold start's fetch leaves, before the
	// invocation's deadline, for reading the snapshot.
	snapReserve time.Duration

	mu          sync.Mutex
	jwksURL     string // configured, or discovered once
	keys        map[string]verifyKey
	fetchedAt   time.Time // last successful fetch
	lastAttempt time.Time // last fetch, successful or not
	lastErr     error
	// The snapshot's last read by a cold start, what failed, and how long
	// to wait before the next.
	snapReadAt time.Time
	snapErr    error
	snapWait   time.Duration
}

func keyID(kid, alg string) string { return kid + "\x00" + alg }

// lookup returns the key with id kid for alg, fetching the key set when
// there is none yet, when it is older than the refresh interval, or when
// kid is unknown (the issuer may have rotated its keys) — each at most
// once per MinFetchInterval. It never writes the key snapshot: a request
// that found the issuer answering makes no SSM call at all, so a release
// or a scale-out (every environment cold) costs the account's Parameter
// Store throughput nothing; only the refresh schedule writes (refreshNow).
func (s *keySet) lookup(ctx context.Context, kid, alg string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	switch {
	case s.keys == nil:
		if err := s.coldStart(ctx, now); err != nil {
			return nil, err
		}
	case now.Sub(s.fetchedAt) >= s.refresh && s.mayFetch(now):
		if err := s.fetch(ctx, now, s.warmPolicy()); err != nil {
			// Keys that were good a refresh ago are better than none:
			// failing every token while the issuer is down would turn
			// its outage into ours.
			s.log.Warn("refresh of signing keys failed; still using the previous ones",
				slog.Time("fetchedAt", s.fetchedAt), slog.String("error", err.Error()))
		}
	}
	// Keys the issuer may have withdrawn long ago must not verify forever
	// while its endpoint stays unreachable: past MaxKeyAge without a
	// successful fetch, no token is checked.
	if keysTooOld(s.fetchedAt, now) {
		return nil, fmt.Errorf("%w: the keys were last fetched %s ago, more than %s, and refreshing them failed: %w",
			ErrKeysUnavailable, now.Sub(s.fetchedAt).Round(time.Second), MaxKeyAge, s.lastErr)
	}
	k, ok := s.keys[keyID(kid, alg)]
	if !ok && s.mayFetch(now) {
		if err := s.fetch(ctx, now, s.warmPolicy()); err != nil {
			s.log.Warn("refetch of signing keys for an unknown key id failed", slog.String("error", err.Error()))
		}
		k, ok = s.keys[keyID(kid, alg)]
	}
	if !ok {
		return nil, errUnknownKey
	}
	return k.key, nil
}

func (s *keySet) mayFetch(now time.Time) bool {
	return s.lastAttempt.IsZero() || now.Sub(s.lastAttempt) >= MinFetchInterval
}

// warmPolicy is how hard a request of an environment that has keys tries
// the issuer. With a snapshot configured and the last fetch unreachable
// (the environment serves the snapshot's keys, or its last refresh found
// the issuer down), one short attempt: the keys it has keep checking
// tokens, the schedule's refresh retries with the full budget, and a
// request that waited out every retry would only add to an outage's
// concurrency. Otherwise the full budget: without a snapshot, or after
// the issuer answered, a fetch is worth its retries.
func (s *keySet) warmPolicy() fetchPolicy {
	if s.snap != nil && errors.Is(s.lastErr, errUnreachable) {
		return s.short
	}
	return s.full
}

// coldStart fills an empty cache: from the issuer, or — only while the
// issuer is unreachable — from the key snapshot. The two are limited
// apart: the issuer at most once per MinFetchInterval, the snapshot again
// a second after a read that failed (a throttled GetParameter in a
// failover's cold-start storm), so that one bad read does not refuse every
// token of the environment for a minute.
func (s *keySet) coldStart(ctx context.Context, now time.Time) error {
	var fetchErr error
	if s.mayFetch(now) {
		// With a snapshot to fall back on, one short attempt: while the
		// issuer is down every cold start would otherwise wait out the
		// full budget before reading the snapshot.
		p := s.full
		if s.snap != nil {
			p = s.short
		}
		fctx, cancel := s.fetchContext(ctx)
		fetchErr = s.fetch(fctx, now, p)
		cancel()
		if fetchErr == nil {
			return nil
		}
	} else {
		fetchErr = fmt.Errorf("the last fetch, %s ago, failed (next try after %s): %w",
			now.Sub(s.lastAttempt).Round(time.Second), MinFetchInterval, s.lastErr)
	}
	// An issuer that answered — a 4xx, a key set without a usable key, a
	// discovery document naming another issuer — has said what it means:
	// a key it withdrew must not live on from the snapshot.
	if s.snap == nil || !errors.Is(fetchErr, errUnreachable) {
		return fmt.Errorf("%w: %w", ErrKeysUnavailable, fetchErr)
	}
	if !s.snapReadAt.IsZero() && now.Sub(s.snapReadAt) < s.snapWait {
		return fmt.Errorf("%w: %w; the key snapshot's last read, %s ago, failed (next try after %s): %w",
			ErrKeysUnavailable, fetchErr, now.Sub(s.snapReadAt).Round(time.Millisecond), s.snapWait, s.snapErr)
	}
	s.snapReadAt = now
	if err := s.loadSnapshot(ctx, now); err != nil {
		s.snapErr = err
		// A snapshot that was read and refused, or does not exist, stays
		// so until the schedule writes one, which takes an issuer this
		// environment's own fetch would reach too: re-reading it sooner
		// than the next fetch would only spend the account's throughput.
		// A read that failed may work a second later.
		s.snapWait = snapshotRetryInterval
		if errors.Is(err, errSnapshotFinal) {
			s.snapWait = MinFetchInterval
		}
		return fmt.Errorf("%w: %w; %w", ErrKeysUnavailable, fetchErr, err)
	}
	s.snapErr = nil
	s.log.Warn("issuer unreachable at cold start; checking tokens with the key snapshot",
		slog.String("parameter", s.snap.name), slog.Time("fetchedAt", s.fetchedAt),
		slog.Int("keys", len(s.keys)), slog.String("error", fetchErr.Error()))
	return nil
}

// fetchContext bounds a cold start's fetch so that, with a snapshot, the
// snapshot's read still fits before ctx's deadline (the function's
// timeout): an issuer that hangs must not use up the time the fallback
// needs.
func (s *keySet) fetchContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if s.snap == nil || !ok {
		return ctx, func() {}
	}
	return s.withDeadline(ctx, deadline.Add(-s.snapReserve))
}

// refreshNow fetches the keys now (unless a fetch was made within
// MinFetchInterval: then its outcome stands) and writes them to the
// snapshot, returning what failed. It is what the refresh schedule runs,
// and the only writer of the snapshot: every tick rewrites it, so a
// snapshot is at most one tick older than the keys the issuer served.
func (s *keySet) refreshNow(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	switch {
	case s.mayFetch(now):
		if err := s.fetch(ctx, now, s.full); err != nil {
			return fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
		}
	case s.lastErr != nil:
		return fmt.Errorf("%w: the last fetch, %s ago, failed (next try after %s): %w",
			ErrKeysUnavailable, now.Sub(s.lastAttempt).Round(time.Second), MinFetchInterval, s.lastErr)
	}
	if s.snap == nil {
		return nil
	}
	return s.saveSnapshot(ctx)
}

// fetch replaces the key set with the issuer's current one, trying as
// hard as p says. It replaces rather than merges so that withdrawn keys
// stop verifying.
func (s *keySet) fetch(ctx context.Context, now time.Time, p fetchPolicy) error {
	s.lastAttempt = now
	if p.total > 0 {
		var cancel context.CancelFunc
		ctx, cancel = s.withTimeout(ctx, p.total)
		defer cancel()
	}
	err := s.fetchKeys(ctx, now, p)
	s.lastErr = err
	return err
}

func (s *keySet) fetchKeys(ctx context.Context, now time.Time, p fetchPolicy) error {
	if s.jwksURL == "" {
		u, err := s.discover(ctx, p)
		if err != nil {
			return err
		}
		s.jwksURL = u
	}
	body, err := s.get(ctx, s.jwksURL, p)
	if err != nil {
		return fmt.Errorf("fetch key set: %w", err)
	}
	keys, err := parseKeySet(body)
	if err != nil {
		return fmt.Errorf("key set at %s: %w", s.jwksURL, err)
	}
	s.keys, s.fetchedAt = keys, now
	return nil
}

// discover reads jwks_uri from the issuer's OpenID Provider Configuration
// (OpenID Connect Discovery 1.0 §4:
// https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig).
func (s *keySet) discover(ctx context.Context, p fetchPolicy) (string, error) {
	u := strings.TrimSuffix(s.issuer, "/") + "/.well-known/openid-configuration"
	body, err := s.get(ctx, u, p)
	if err != nil {
		return "", fmt.Errorf("discover key set URL: %w", err)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("openid-configuration at %s is not JSON: %w", u, err)
	}
	// Discovery §4.3: the issuer in the document MUST be identical to the
	// one it was fetched for, or another issuer's keys would be trusted.
	if doc.Issuer != s.issuer {
		return "", fmt.Errorf("openid-configuration at %s names issuer %q, not %q: set ISSUER to the issuer exactly as it names itself", u, doc.Issuer, s.issuer)
	}
	if msg := httpsURL(doc.JWKSURI); msg != "" {
		return "", fmt.Errorf("openid-configuration at %s has jwks_uri %q: %s", u, doc.JWKSURI, msg)
	}
	return doc.JWKSURI, nil
}

// get fetches url with p's timeout per attempt and bounded retries with
// exponential backoff; only failures a retry can cure (network errors,
// 429 and 5xx) are retried.
func (s *keySet) get(ctx context.Context, url string, p fetchPolicy) ([]byte, error) {
	var last error
	n, retry := 0, false
	for n < p.attempts {
		if n > 0 {
			if err := s.sleep(ctx, p.backoff<<(n-1)); err != nil {
				break
			}
		}
		n++
		var body []byte
		var err error
		body, retry, err = s.getOnce(ctx, url, p.timeout)
		if err == nil {
			return body, nil
		}
		last = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	err := fmt.Errorf("get %s: gave up after %d of %d attempts: %w", url, n, p.attempts, last)
	if retry {
		// What a retry could cure, and none did: no answer.
		return nil, unreachableError{err}
	}
	return nil, err
}

// unreachableError is a fetch error that is errUnreachable.
type unreachableError struct{ error }

func (e unreachableError) Unwrap() error        { return e.error }
func (e unreachableError) Is(target error) bool { return target == errUnreachable }

func (s *keySet) getOnce(ctx context.Context, url string, timeout time.Duration) (body []byte, retry bool, err error) {
	ctx, cancel := s.withTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, true, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		retry := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		return nil, retry, fmt.Errorf("status %s", resp.Status)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, true, err
	}
	if len(body) > maxDocumentBytes {
		return nil, false, fmt.Errorf("document is larger than %d bytes", maxDocumentBytes)
	}
	return body, false, nil
}

// parseKeySet keeps the keys usable for RS256 and ES256 signatures and
// skips the rest (encryption keys, other algorithms), so that an issuer
// publishing keys we do not use still works. Parsing and checking each
// key (EC points on their curve, x5c matching the key) is jwkset's.
func parseKeySet(body []byte) (map[string]verifyKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("not a JSON Web Key Set: %w", err)
	}
	keys := map[string]verifyKey{}
	for _, raw := range set.Keys {
		// Private: false ignores private parts an issuer leaked by
		// mistake and refuses symmetric (oct) keys: a key anyone with the
		// set can read must never verify anything.
		jwk, err := jwkset.NewJWKFromRawJSON(raw, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
		if err != nil {
			continue
		}
		m := jwk.Marshal()
		if m.KID == "" || (m.USE != "" && m.USE != jwkset.UseSig) ||
			(len(m.KEYOPS) > 0 && !slices.Contains(m.KEYOPS, jwkset.KeyOpsVerify)) {
			continue
		}
		alg := algFor(jwk.Key())
		if alg == "" || (m.ALG != "" && string(m.ALG) != alg) {
			continue
		}
		id := keyID(m.KID, alg)
		if _, dup := keys[id]; !dup { // the first of duplicates, in document order
			keys[id] = verifyKey{alg: alg, key: jwk.Key(), pub: snapshotKey{
				KTY: string(m.KTY), KID: m.KID, ALG: alg, USE: string(m.USE),
				N: m.N, E: m.E, CRV: string(m.CRV), X: m.X, Y: m.Y,
			}}
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("no usable signing key: want keys with a kid, for RS256 (RSA of 2048 bits or more) or ES256 (EC P-256)")
	}
	return keys, nil
}

// algFor is the one algorithm a key may verify, or "". Tying the
// algorithm to the key, not to the token's header, is what stops
// algorithm confusion.
func algFor(key any) string {
	switch k := key.(type) {
	case *rsa.PublicKey:
		// RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used
		// with these algorithms."
		if k.N.BitLen() >= 2048 {
			return "RS256"
		}
	case *ecdsa.PublicKey:
		// RFC 7518 §3.4: ES256 is ECDSA using P-256.
		if k.Curve == elliptic.P256() {
			return "ES256"
		}
	}
	return ""
}
