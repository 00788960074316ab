package authz

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// Test keys, generated once: RSA generation is slow enough to matter
// across many tests.
var (
	keysOnce                  sync.Once
	rsaKey, rsaKey2, rsaOther *rsa.PrivateKey
	ecKey                     *ecdsa.PrivateKey
)

func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		for _, k := range []**rsa.PrivateKey{&rsaKey, &rsaKey2, &rsaOther} {
			if *k, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
				panic(err)
			}
		}
		if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
}

const (
	testAudience = "api://items"
	testMethod   = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/items/42"
)

// jwk is a public key as an issuer publishes it.
func jwk(t testing.TB, pub any, kid string, alg jwkset.ALG) jwkset.JWKMarshal {
	t.Helper()
	k, err := jwkset.NewJWKFromKey(pub, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: kid, ALG: alg, USE: jwkset.UseSig}})
	if err != nil {
		t.Fatalf("jwk %s: %v", kid, err)
	}
	return k.Marshal()
}

func jwks(t testing.TB, keys ...jwkset.JWKMarshal) []byte {
	t.Helper()
	b, err := json.Marshal(jwkset.JWKSMarshal{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// issuer is an OIDC issuer over TLS that serves its discovery document
// and key set, counts requests, and can fail or hang on demand.
type issuer struct {
	srv *httptest.Server

	mu            sync.Mutex
	keySet        []byte
	status        int  // answered instead of the documents when not 0
	hang          bool // wait for the client to give up
	discoveryIss  string
	jwksURI       string
	discoveryHits int
	jwksHits      int
}

func newIssuer(t testing.TB) *issuer {
	t.Helper()
	testKeys(t)
	is := &issuer{}
	is.srv = httptest.NewTLSServer(http.HandlerFunc(is.serve))
	t.Cleanup(is.srv.Close)
	is.keySet = jwks(t, jwk(t, &rsaKey.PublicKey, "rsa-1", jwkset.AlgRS256), jwk(t, &ecKey.PublicKey, "ec-1", jwkset.AlgES256))
	is.discoveryIss = is.srv.URL
	is.jwksURI = is.srv.URL + "/jwks"
	return is
}

func (is *issuer) serve(w http.ResponseWriter, r *http.Request) {
	is.mu.Lock()
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		is.discoveryHits++
	case "/jwks":
		is.jwksHits++
	}
	status, hang, keySet := is.status, is.hang, is.keySet
	doc, _ := json.Marshal(map[string]string{"issuer": is.discoveryIss, "jwks_uri": is.jwksURI})
	is.mu.Unlock()
	switch {
	case hang:
		<-r.Context().Done()
		return
	case status != 0:
		w.WriteHeader(status)
		return
	}
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		w.Write(doc)
	case "/jwks":
		w.Write(keySet)
	default:
		http.NotFound(w, r)
	}
}

func (is *issuer) set(f func(*issuer)) {
	is.mu.Lock()
	defer is.mu.Unlock()
	f(is)
}

func (is *issuer) hits() (discovery, keys int) {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.discoveryHits, is.jwksHits
}

// clock is a settable test clock; sleeps are recorded, not slept.
type clock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newClock() *clock { return &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	return ctx.Err()
}

func (c *clock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

func newAuthorizer(t testing.TB, is *issuer, clk *clock, edit func(*Config)) *Authorizer {
	t.Helper()
	cfg := Config{Issuer: is.srv.URL, Audience: testAudience, Leeway: time.Minute}
	if edit != nil {
		edit(&cfg)
	}
	a, err := New(cfg, Options{HTTPClient: is.srv.Client(), Now: clk.now, Sleep: clk.sleep})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

// goodClaims are valid at clk's time for is.
func goodClaims(is *issuer, clk *clock) jwt.MapClaims {
	now := clk.now()
	return jwt.MapClaims{
		"iss":   is.srv.URL,
		"aud":   testAudience,
		"sub":   "user-1",
		"iat":   now.Add(-time.Minute).Unix(),
		"nbf":   now.Add(-time.Minute).Unix(),
		"exp":   now.Add(time.Hour).Unix(),
		"scope": "items:read profile",
	}
}

func sign(t testing.TB, method jwt.SigningMethod, kid string, key any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}
