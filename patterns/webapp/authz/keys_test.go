package authz

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

func authorize(a *Authorizer, tok string) error {
	_, err := a.Authorize(context.Background(), "Bearer "+tok, testMethod)
	return err
}

// A key the issuer adds after the cache was filled is fetched once, on
// its first token, when the last fetch is a minute old.
func TestKeyRotation(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	a := newAuthorizer(t, is, clk, nil)
	if err := authorize(a, sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, goodClaims(is, clk))); err != nil {
		t.Fatalf("got %v; want the first key accepted", err)
	}
	is.set(func(is *issuer) {
		is.keySet = jwks(t, jwk(t, &rsaKey.PublicKey, "rsa-1", jwkset.AlgRS256), jwk(t, &rsaKey2.PublicKey, "rsa-2", jwkset.AlgRS256))
	})
	rotated := sign(t, jwt.SigningMethodRS256, "rsa-2", rsaKey2, goodClaims(is, clk))

	// Within a minute of the last fetch the new kid is refused without a
	// fetch: that is the price of the rate limit.
	clk.advance(30 * time.Second)
	if err := authorize(a, rotated); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("got %v; want unauthorized within a minute of the last fetch", err)
	}
	if d, k := is.hits(); d != 1 || k != 1 {
		t.Fatalf("got %d discovery and %d key set fetches; want 1 and 1", d, k)
	}

	clk.advance(31 * time.Second)
	for i := range 3 {
		if err := authorize(a, rotated); err != nil {
			t.Fatalf("token %d: got %v; want the rotated key accepted", i, err)
		}
	}
	// Discovery is read once; the key set twice: cold start and rotation.
	if d, k := is.hits(); d != 1 || k != 2 {
		t.Errorf("got %d discovery and %d key set fetches; want 1 and 2", d, k)
	}
}

// Tokens with made-up key ids cost the issuer at most one fetch a minute.
func TestUnknownKidFloodIsRateLimited(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	a := newAuthorizer(t, is, clk, nil)
	flood := func(round int) {
		for i := range 200 {
			kid := fmt.Sprintf("made-up-%d-%d", round, i)
			if err := authorize(a, sign(t, jwt.SigningMethodRS256, kid, rsaOther, goodClaims(is, clk))); !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("kid %s: got %v; want unauthorized", kid, err)
			}
			clk.advance(100 * time.Millisecond) // 200 tokens over 20 s
		}
	}
	flood(0)
	if _, k := is.hits(); k != 1 {
		t.Fatalf("after 200 unknown kids in 20 s: got %d key set fetches; want 1 (the cold start)", k)
	}
	clk.advance(time.Minute)
	flood(1)
	if _, k := is.hits(); k != 2 {
		t.Fatalf("after 200 more a minute later: got %d key set fetches; want 2", k)
	}
}

// A key the issuer withdraws stops verifying after the refresh interval.
func TestWithdrawnKeyStopsAfterRefresh(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	a := newAuthorizer(t, is, clk, nil)
	if err := authorize(a, sign(t, jwt.SigningMethodES256, "ec-1", ecKey, goodClaims(is, clk))); err != nil {
		t.Fatalf("got %v; want accepted", err)
	}
	is.set(func(is *issuer) { is.keySet = jwks(t, jwk(t, &rsaKey.PublicKey, "rsa-1", jwkset.AlgRS256)) })
	clk.advance(DefaultRefreshInterval)
	if err := authorize(a, sign(t, jwt.SigningMethodES256, "ec-1", ecKey, goodClaims(is, clk))); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("got %v; want the withdrawn key refused", err)
	}
	if _, k := is.hits(); k != 2 {
		t.Errorf("got %d key set fetches; want 2", k)
	}
}

// An issuer that goes down after the cold start does not take the API
// down: the keys fetched last keep working, and the failed refresh is
// retried within its bounds and then not again for a minute.
func TestRefreshFailureKeepsKeys(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	a := newAuthorizer(t, is, clk, nil)
	tok := func() string { return sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, goodClaims(is, clk)) }
	if err := authorize(a, tok()); err != nil {
		t.Fatalf("got %v; want accepted", err)
	}
	is.set(func(is *issuer) { is.status = http.StatusBadGateway })
	clk.advance(DefaultRefreshInterval + time.Second)
	if err := authorize(a, tok()); err != nil {
		t.Fatalf("got %v; want the cached key still accepted", err)
	}
	if _, k := is.hits(); k != 1+fetchAttempts {
		t.Errorf("got %d key set fetches; want %d (cold start, then %d attempts)", k, 1+fetchAttempts, fetchAttempts)
	}
	clk.advance(10 * time.Second)
	if err := authorize(a, tok()); err != nil {
		t.Fatalf("got %v; want the cached key still accepted", err)
	}
	if _, k := is.hits(); k != 1+fetchAttempts {
		t.Errorf("10 s later: got %d key set fetches; want still %d", k, 1+fetchAttempts)
	}
}

// Keys are used while refreshes fail for at most MaxKeyAge: then no token
// is checked (keys unavailable, not unauthorized), and a refresh that works
// again restores them.
func TestKeysExpireWhileRefreshesFail(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	a := newAuthorizer(t, is, clk, nil)
	tok := func() string { return sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, goodClaims(is, clk)) }
	if err := authorize(a, tok()); err != nil {
		t.Fatalf("got %v; want accepted", err)
	}
	is.set(func(is *issuer) { is.status = http.StatusBadGateway })
	clk.advance(MaxKeyAge - time.Minute)
	if err := authorize(a, tok()); err != nil {
		t.Fatalf("just under %s: got %v; want the cached key still accepted", MaxKeyAge, err)
	}
	clk.advance(2 * time.Minute)
	err := authorize(a, tok())
	if !errors.Is(err, ErrKeysUnavailable) || errors.Is(err, ErrUnauthorized) {
		t.Fatalf("past %s: got %v; want ErrKeysUnavailable (the token was not checked)", MaxKeyAge, err)
	}
	is.set(func(is *issuer) { is.status = 0 })
	clk.advance(MinFetchInterval)
	if err := authorize(a, tok()); err != nil {
		t.Fatalf("issuer back: got %v; want accepted", err)
	}
}

// An issuer that is down at cold start gives a clear error that is not
// "unauthorized" (the token was never checked), after bounded, spaced
// attempts, and no more attempts for a minute.
func TestColdStartIssuerDown(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		hang       bool
		wantHits   int
		wantSleeps []time.Duration
		want       string
	}{
		{name: "unavailable", status: http.StatusServiceUnavailable, wantHits: 3, wantSleeps: []time.Duration{200 * time.Millisecond, 400 * time.Millisecond}, want: "gave up after 3 of 3 attempts: status 503"},
		{name: "throttled", status: http.StatusTooManyRequests, wantHits: 3, wantSleeps: []time.Duration{200 * time.Millisecond, 400 * time.Millisecond}, want: "status 429"},
		{name: "hanging", hang: true, wantHits: 3, wantSleeps: []time.Duration{200 * time.Millisecond, 400 * time.Millisecond}, want: "context deadline exceeded"},
		{name: "not found is not retried", status: http.StatusNotFound, wantHits: 1, want: "gave up after 1 of 3 attempts: status 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := newIssuer(t)
			is.set(func(is *issuer) { is.status, is.hang = tt.status, tt.hang })
			clk := newClock()
			a := newAuthorizer(t, is, clk, nil)
			a.keys.full.timeout = 50 * time.Millisecond // the hanging server's attempts end here
			tok := sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, goodClaims(is, clk))

			err := authorize(a, tok)
			if !errors.Is(err, ErrKeysUnavailable) || errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), tt.want) ||
				!strings.Contains(err.Error(), is.srv.URL+"/.well-known/openid-configuration") {
				t.Fatalf("got %v; want ErrKeysUnavailable naming the discovery URL and %q", err, tt.want)
			}
			if d, _ := is.hits(); d != tt.wantHits {
				t.Errorf("got %d attempts; want %d", d, tt.wantHits)
			}
			if got := clk.slept(); !reflect.DeepEqual(got, tt.wantSleeps) && !(len(got) == 0 && len(tt.wantSleeps) == 0) {
				t.Errorf("got sleeps %v; want %v", got, tt.wantSleeps)
			}

			// Within the minute: no new attempt, the same cause.
			clk.advance(20 * time.Second)
			err = authorize(a, tok)
			if !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), "next try after 1m0s") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v; want ErrKeysUnavailable saying when it tries next and why", err)
			}
			if d, _ := is.hits(); d != tt.wantHits {
				t.Errorf("20 s later: got %d attempts; want still %d", d, tt.wantHits)
			}

			// After it, the issuer is back and the token is checked.
			is.set(func(is *issuer) { is.status, is.hang = 0, false })
			clk.advance(41 * time.Second)
			if err := authorize(a, sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, goodClaims(is, clk))); err != nil {
				t.Errorf("after a minute: got %v; want accepted", err)
			}
		})
	}
}

// A configured JWKS URL is used as is; discovery is not read.
func TestConfiguredJWKSURL(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	a := newAuthorizer(t, is, clk, func(c *Config) { c.JWKSURL = is.srv.URL + "/jwks" })
	if err := authorize(a, sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, goodClaims(is, clk))); err != nil {
		t.Fatalf("got %v; want accepted", err)
	}
	if d, k := is.hits(); d != 0 || k != 1 {
		t.Errorf("got %d discovery and %d key set fetches; want 0 and 1", d, k)
	}
}

func TestDiscoveryRefusals(t *testing.T) {
	tests := []struct {
		name string
		edit func(*issuer)
		want string
	}{
		{"another issuer's document", func(is *issuer) { is.discoveryIss = "https://evil.example" }, `names issuer "https://evil.example"`},
		{"plain http key set", func(is *issuer) { is.jwksURI = strings.Replace(is.jwksURI, "https:", "http:", 1) }, "jwks_uri"},
		{"redirect to http", func(is *issuer) { is.jwksURI = is.srv.URL + "/redirect" }, "redirect to http://"},
		{"no usable key", func(is *issuer) {
			is.keySet = []byte(`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}`)
		}, "no usable signing key"},
		{"not a key set", func(is *issuer) { is.keySet = []byte(`<html>`) }, "not a JSON Web Key Set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := newIssuer(t)
			is.set(tt.edit)
			mux := http.NewServeMux()
			mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://127.0.0.1:1/jwks", http.StatusFound)
			})
			mux.HandleFunc("/", is.serve)
			is.srv.Config.Handler = mux
			clk := newClock()
			a := newAuthorizer(t, is, clk, nil)
			err := authorize(a, sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, goodClaims(is, clk)))
			if !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v; want ErrKeysUnavailable with %q", err, tt.want)
			}
		})
	}
}

// Only keys that can verify RS256 or ES256 signatures, as their metadata
// allows, are kept.
func TestParseKeySet(t *testing.T) {
	testKeys(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	enc := jwk(t, &rsaKey2.PublicKey, "enc", "")
	enc.USE = jwkset.UseEnc
	noVerify := jwk(t, &rsaKey2.PublicKey, "sign-only", "")
	noVerify.KEYOPS = []jwkset.KEYOPS{jwkset.KeyOpsSign}
	set := jwks(t,
		jwk(t, &rsaKey.PublicKey, "rsa-1", jwkset.AlgRS256),
		jwk(t, &rsaKey.PublicKey, "rsa-no-alg", ""),
		jwk(t, &ecKey.PublicKey, "ec-1", ""),
		jwk(t, &rsaKey2.PublicKey, "rsa-1", jwkset.AlgRS256), // duplicate: the first wins
		jwk(t, &rsaKey2.PublicKey, "", jwkset.AlgRS256),      // no kid
		jwk(t, &small.PublicKey, "rsa-1024", jwkset.AlgRS256),
		jwk(t, &p384.PublicKey, "ec-384", jwkset.AlgES384),
		jwk(t, &rsaKey2.PublicKey, "ps", jwkset.AlgPS256),
		enc, noVerify,
	)
	got, err := parseKeySet(set)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id := range got {
		ids = append(ids, strings.ReplaceAll(id, "\x00", " "))
	}
	want := []string{"ec-1 ES256", "rsa-1 RS256", "rsa-no-alg RS256"}
	if len(ids) != len(want) {
		t.Fatalf("got keys %q; want %q", ids, want)
	}
	for _, w := range want {
		if _, ok := got[strings.ReplaceAll(w, " ", "\x00")]; !ok {
			t.Errorf("got keys %q; want %q among them", ids, w)
		}
	}
	if k := got[keyID("rsa-1", "RS256")].key.(*rsa.PublicKey); !k.Equal(&rsaKey.PublicKey) {
		t.Errorf("got the second rsa-1 key; want the first in document order")
	}
}
