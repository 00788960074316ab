package authz

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/golang-jwt/jwt/v5"
)

const snapshotParam = "/kumo/shop/prod/web/authorizer-keys"

// fakeSSM is one parameter, as GetParameter and PutParameter see it.
type fakeSSM struct {
	mu             sync.Mutex
	value          *string // nil: the parameter does not exist
	gets, puts     int
	getErr, putErr error
	lastPut        *ssm.PutParameterInput
}

func (f *fakeSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	switch {
	case f.getErr != nil:
		return nil, f.getErr
	case f.value == nil:
		return nil, &ssmtypes.ParameterNotFound{Message: aws.String("parameter " + aws.ToString(in.Name) + " not found")}
	}
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String(*f.value)}}, nil
}

func (f *fakeSSM) PutParameter(_ context.Context, in *ssm.PutParameterInput, _ ...func(*ssm.Options)) (*ssm.PutParameterOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts++
	if f.putErr != nil {
		return nil, f.putErr
	}
	f.lastPut = in
	v := aws.ToString(in.Value)
	f.value = &v
	return &ssm.PutParameterOutput{Version: int64(f.puts)}, nil
}

func (f *fakeSSM) set(v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.value = &v
}

func (f *fakeSSM) counts() (gets, puts int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets, f.puts
}

func (f *fakeSSM) doc(t *testing.T) snapshotDoc {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.value == nil {
		t.Fatal("got no snapshot written; want one")
	}
	var d snapshotDoc
	if err := json.Unmarshal([]byte(*f.value), &d); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return d
}

// snapAuthorizer is one execution environment of an authorizer with the
// snapshot in f, logging to logs.
func snapAuthorizer(t *testing.T, is *issuer, clk *clock, f *fakeSSM, logs *bytes.Buffer) *Authorizer {
	t.Helper()
	if logs == nil {
		logs = &bytes.Buffer{}
	}
	a, err := New(Config{Issuer: is.srv.URL, Audience: testAudience, JWKSURL: is.srv.URL + "/jwks", Leeway: time.Minute, SnapshotParameter: snapshotParam},
		Options{HTTPClient: is.srv.Client(), Now: clk.now, Sleep: clk.sleep, SSM: f, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func rsToken(t *testing.T, is *issuer, clk *clock) string {
	t.Helper()
	return sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, goodClaims(is, clk))
}

// A fetch writes the snapshot: the issuer, its key set's URL, when, and
// each key with only what verifies it, sorted, into an Intelligent-Tiering
// String parameter.
func TestSnapshotWrittenAfterFetch(t *testing.T) {
	is := newIssuer(t)
	// A key set as an issuer may publish it: with certificate fields and a
	// private part leaked by mistake, neither of which may be copied.
	leaky := jwk(t, &rsaKey.PublicKey, "rsa-1", jwkset.AlgRS256)
	leaky.D, leaky.X5T = "cHJpdmF0ZQ", "dGh1bWI"
	is.set(func(is *issuer) { is.keySet = jwks(t, jwk(t, &ecKey.PublicKey, "ec-1", jwkset.AlgES256), leaky) })
	clk := newClock()
	f := &fakeSSM{}
	if err := authorize(snapAuthorizer(t, is, clk, f, nil), rsToken(t, is, clk)); err != nil {
		t.Fatalf("got %v; want accepted", err)
	}
	d := f.doc(t)
	if d.Version != 1 || d.Issuer != is.srv.URL || d.JWKSURL != is.srv.URL+"/jwks" || !d.FetchedAt.Equal(clk.now()) {
		t.Errorf("got snapshot version %d, issuer %q, jwksUrl %q, fetchedAt %s; want 1, %q, %q, %s",
			d.Version, d.Issuer, d.JWKSURL, d.FetchedAt, is.srv.URL, is.srv.URL+"/jwks", clk.now())
	}
	if len(d.Keys) != 2 || d.Keys[0].KID != "ec-1" || d.Keys[1].KID != "rsa-1" {
		t.Fatalf("got keys %+v; want ec-1 then rsa-1", d.Keys)
	}
	pub := jwk(t, &rsaKey.PublicKey, "rsa-1", jwkset.AlgRS256)
	if got, want := d.Keys[1], (snapshotKey{KTY: "RSA", KID: "rsa-1", ALG: "RS256", USE: "sig", N: pub.N, E: pub.E}); got != want {
		t.Errorf("got key %+v; want %+v", got, want)
	}
	if v := aws.ToString(f.lastPut.Value); strings.Contains(v, `"d"`) || strings.Contains(v, "x5t") || strings.Contains(v, "cHJpdmF0ZQ") {
		t.Errorf("got snapshot %s; want no private part or certificate field", v)
	}
	if in := f.lastPut; !aws.ToBool(in.Overwrite) || in.Type != ssmtypes.ParameterTypeString ||
		in.Tier != ssmtypes.ParameterTierIntelligentTiering || aws.ToString(in.Name) != snapshotParam {
		t.Errorf("got PutParameter %s overwrite %v type %s tier %s; want %s, true, String, Intelligent-Tiering",
			aws.ToString(in.Name), aws.ToBool(in.Overwrite), in.Type, in.Tier, snapshotParam)
	}
}

// An unchanged, fresh snapshot is not rewritten, and not even read again
// by the execution environment that read or wrote it within the refresh
// interval; new keys or an old snapshot are written.
func TestSnapshotNotRewrittenWhenUnchangedAndFresh(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	f := &fakeSSM{}
	a := snapAuthorizer(t, is, clk, f, nil)
	step := func(what string, a *Authorizer, tok string, wantGets, wantPuts int) {
		t.Helper()
		if err := authorize(a, tok); err != nil {
			t.Fatalf("%s: got %v; want accepted", what, err)
		}
		if g, p := f.counts(); g != wantGets || p != wantPuts {
			t.Errorf("%s: got %d reads and %d writes of the snapshot; want %d and %d", what, g, p, wantGets, wantPuts)
		}
	}
	step("cold start: none stored yet", a, rsToken(t, is, clk), 1, 1)
	step("warm: no fetch", a, rsToken(t, is, clk), 1, 1)

	clk.advance(5 * time.Minute)
	b := snapAuthorizer(t, is, clk, f, nil) // another execution environment
	step("another cold start 5 minutes later: read, same keys, fresh", b, rsToken(t, is, clk), 2, 1)

	clk.advance(2 * time.Minute)
	unknown := sign(t, jwt.SigningMethodRS256, "rsa-2", rsaKey2, goodClaims(is, clk))
	if err := authorize(b, unknown); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("unknown kid: got %v; want unauthorized", err)
	}
	if g, p := f.counts(); g != 2 || p != 1 {
		t.Errorf("refetch with the same keys: got %d reads and %d writes; want 2 and 1 (the keys were read 2 minutes ago)", g, p)
	}

	is.set(func(is *issuer) {
		is.keySet = jwks(t, jwk(t, &rsaKey.PublicKey, "rsa-1", jwkset.AlgRS256), jwk(t, &rsaKey2.PublicKey, "rsa-2", jwkset.AlgRS256))
	})
	clk.advance(MinFetchInterval)
	step("rotation: new keys, read and written", b, sign(t, jwt.SigningMethodRS256, "rsa-2", rsaKey2, goodClaims(is, clk)), 3, 2)
	if d := f.doc(t); len(d.Keys) != 2 || d.Keys[1].KID != "rsa-2" {
		t.Errorf("after rotation: got keys %+v; want rsa-1 and rsa-2", d.Keys)
	}

	clk.advance(DefaultRefreshInterval)
	step("refresh interval later: same keys, old snapshot", b, rsToken(t, is, clk), 4, 3)
	if d := f.doc(t); !d.FetchedAt.Equal(clk.now()) {
		t.Errorf("got fetchedAt %s; want %s, the refresh", d.FetchedAt, clk.now())
	}
}

// A cold start that cannot reach the issuer checks tokens with the
// snapshot, and says so in its logs (never with the token); the snapshot
// serves for at most MaxKeyAge after its fetch, the limit of keys in
// memory.
func TestSnapshotUsedWhenColdFetchFails(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	f := &fakeSSM{}
	if err := authorize(snapAuthorizer(t, is, clk, f, nil), rsToken(t, is, clk)); err != nil {
		t.Fatalf("warm-up: got %v; want accepted", err)
	}
	is.set(func(is *issuer) { is.status = http.StatusServiceUnavailable })

	clk.advance(3 * time.Hour)
	var logs bytes.Buffer
	a := snapAuthorizer(t, is, clk, f, &logs)
	tok := rsToken(t, is, clk)
	if err := authorize(a, tok); err != nil {
		t.Fatalf("issuer down at a cold start: got %v; want accepted with the snapshot's keys", err)
	}
	if !strings.Contains(logs.String(), "checking tokens with the key snapshot") || !strings.Contains(logs.String(), snapshotParam) {
		t.Errorf("got logs %s; want a line saying the snapshot serves", logs.String())
	}
	if strings.Contains(logs.String(), strings.Split(tok, ".")[2]) {
		t.Errorf("got logs with the token's signature; want the token never logged")
	}
	if _, p := f.counts(); p != 1 {
		t.Errorf("got %d snapshot writes; want 1: keys read from it are never written back", p)
	}
	// The keys stay in memory: within the minute, no new fetch or read.
	gets, _ := f.counts()
	_, hits := is.hits()
	if err := authorize(a, rsToken(t, is, clk)); err != nil {
		t.Fatalf("second token: got %v; want accepted", err)
	}
	if g, _ := f.counts(); g != gets {
		t.Errorf("got %d snapshot reads; want still %d", g, gets)
	}
	if _, h := is.hits(); h != hits {
		t.Errorf("got %d key set fetches; want still %d", h, hits)
	}

	// One rule for memory and snapshot: a day after the snapshot's fetch,
	// neither checks tokens.
	clk.advance(MaxKeyAge - 3*time.Hour)
	if err := authorize(a, rsToken(t, is, clk)); !errors.Is(err, ErrKeysUnavailable) || errors.Is(err, ErrUnauthorized) {
		t.Errorf("warm, a day after the snapshot's fetch: got %v; want ErrKeysUnavailable", err)
	}
	err := authorize(snapAuthorizer(t, is, clk, f, nil), rsToken(t, is, clk))
	if !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), "more than 24h0m0s") || !strings.Contains(err.Error(), "status 503") {
		t.Errorf("cold, a day after the snapshot's fetch: got %v; want ErrKeysUnavailable naming the fetch's failure and the snapshot's age", err)
	}
}

// Snapshots that would let the wrong keys verify, or are not snapshots,
// are refused: the cold start then checks no token (keys unavailable), as
// without a snapshot.
func TestSnapshotRefused(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	now := clk.now()
	good := func(edit func(*snapshotDoc)) string {
		d := snapshotDoc{Version: 1, Issuer: is.srv.URL, JWKSURL: is.srv.URL + "/jwks", FetchedAt: now.Add(-time.Hour),
			Keys: []snapshotKey{{KTY: "RSA", KID: "rsa-1", ALG: "RS256", USE: "sig",
				N: jwk(t, &rsaKey.PublicKey, "rsa-1", jwkset.AlgRS256).N, E: jwk(t, &rsaKey.PublicKey, "rsa-1", jwkset.AlgRS256).E}}}
		if edit != nil {
			edit(&d)
		}
		b, _ := json.Marshal(d)
		return string(b)
	}
	tests := []struct {
		name  string
		value *string // nil: no parameter
		err   error   // GetParameter's
		want  string  // "" when the snapshot serves
	}{
		{name: "a good snapshot", value: aws.String(good(nil))},
		{name: "no parameter", want: "does not exist"},
		{name: "unreadable", err: errors.New("AccessDeniedException: not authorized to perform ssm:GetParameter"), want: "AccessDeniedException"},
		{name: "kumo's placeholder", value: aws.String(`{"note":"the authorizer writes the issuer's public signing keys here"}`), want: "version 0, not 1"},
		{name: "not JSON", value: aws.String("keys"), want: "is not JSON"},
		{name: "another issuer's", value: aws.String(good(func(d *snapshotDoc) { d.Issuer = "https://evil.example" })), want: `keys of issuer "https://evil.example"`},
		{name: "another key set", value: aws.String(good(func(d *snapshotDoc) { d.JWKSURL = "https://evil.example/jwks" })), want: `key set at "https://evil.example/jwks"`},
		{name: "stale", value: aws.String(good(func(d *snapshotDoc) { d.FetchedAt = now.Add(-MaxKeyAge - time.Minute) })), want: "more than 24h0m0s"},
		{name: "from the future", value: aws.String(good(func(d *snapshotDoc) { d.FetchedAt = now.Add(time.Hour) })), want: "in the future"},
		{name: "no fetchedAt", value: aws.String(good(func(d *snapshotDoc) { d.FetchedAt = time.Time{} })), want: "no fetchedAt"},
		{name: "no keys", value: aws.String(good(func(d *snapshotDoc) { d.Keys = nil })), want: "no usable signing key"},
		{name: "a symmetric key", value: aws.String(good(func(d *snapshotDoc) {
			d.Keys = []snapshotKey{{KTY: "oct", KID: "rsa-1", ALG: "HS256"}}
		})), want: "no usable signing key"},
		{name: "a key too small", value: aws.String(good(func(d *snapshotDoc) { d.Keys[0].N = d.Keys[0].N[:170] })), want: "no usable signing key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is.set(func(is *issuer) { is.status = http.StatusBadGateway })
			f := &fakeSSM{value: tt.value, getErr: tt.err}
			err := authorize(snapAuthorizer(t, is, clk, f, nil), rsToken(t, is, clk))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v; want accepted", err)
				}
				return
			}
			if !errors.Is(err, ErrKeysUnavailable) || errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), tt.want) ||
				!strings.Contains(err.Error(), "status 502") {
				t.Errorf("got %v; want ErrKeysUnavailable with the fetch's failure and %q", err, tt.want)
			}
		})
	}
}

// A key set too big for a parameter is not written: an ERROR line says so,
// and the token is still checked.
func TestSnapshotTooLarge(t *testing.T) {
	is := newIssuer(t)
	var keys []jwkset.JWKMarshal
	for i := range 20 { // 20 RSA-2048 keys: about 10 KB
		keys = append(keys, jwk(t, &rsaKey.PublicKey, fmt.Sprintf("rsa-%d", i+1), jwkset.AlgRS256))
	}
	is.set(func(is *issuer) { is.keySet = jwks(t, keys...) })
	clk := newClock()
	f := &fakeSSM{}
	var logs bytes.Buffer
	a := snapAuthorizer(t, is, clk, f, &logs)
	if err := authorize(a, rsToken(t, is, clk)); err != nil {
		t.Fatalf("got %v; want the token checked with the fetched keys", err)
	}
	if _, p := f.counts(); p != 0 {
		t.Errorf("got %d writes; want none", p)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR","msg":"key snapshot not written"`) || !strings.Contains(logs.String(), "more than the 8192") {
		t.Errorf("got logs %s; want an ERROR line naming the 8192-byte limit", logs.String())
	}
	clk.advance(MinFetchInterval)
	if err := a.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "more than the 8192 a parameter holds") {
		t.Errorf("Refresh: got %v; want the size refused", err)
	}
}

// A scheduled refresh fetches and writes; it reports a fetch that fails
// (keys unavailable) and a snapshot it cannot write.
func TestRefresh(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	f := &fakeSSM{}
	a := snapAuthorizer(t, is, clk, f, nil)
	if err := a.Refresh(context.Background()); err != nil {
		t.Fatalf("got %v; want refreshed", err)
	}
	if _, k := is.hits(); k != 1 {
		t.Errorf("got %d key set fetches; want 1", k)
	}
	if d := f.doc(t); !d.FetchedAt.Equal(clk.now()) {
		t.Errorf("got fetchedAt %s; want %s", d.FetchedAt, clk.now())
	}

	// Within a minute of a fetch that worked: no new fetch, the snapshot
	// checked (here: fresh, nothing to do).
	clk.advance(30 * time.Second)
	if err := a.Refresh(context.Background()); err != nil {
		t.Errorf("30 s later: got %v; want nil", err)
	}
	if _, k := is.hits(); k != 1 {
		t.Errorf("30 s later: got %d key set fetches; want still 1", k)
	}

	is.set(func(is *issuer) { is.status = http.StatusServiceUnavailable })
	clk.advance(DefaultRefreshInterval)
	err := a.Refresh(context.Background())
	if !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), "status 503") {
		t.Errorf("issuer down: got %v; want ErrKeysUnavailable", err)
	}
	clk.advance(10 * time.Second)
	if err := a.Refresh(context.Background()); !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), "the last fetch, 10s ago, failed") {
		t.Errorf("10 s after a failed fetch: got %v; want its failure again, without a new fetch", err)
	}

	is.set(func(is *issuer) { is.status = 0 })
	f.mu.Lock()
	f.putErr = errors.New("ThrottlingException: rate exceeded")
	f.mu.Unlock()
	clk.advance(MinFetchInterval)
	if err := a.Refresh(context.Background()); err == nil || errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), "write key snapshot: put parameter "+snapshotParam+": ThrottlingException") {
		t.Errorf("snapshot not writable: got %v; want the write's failure", err)
	}
}

// A snapshot that cannot be written does not fail the token that caused
// the fetch.
func TestSnapshotWriteFailureDoesNotFailTheToken(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	f := &fakeSSM{putErr: errors.New("AccessDeniedException: not authorized to perform ssm:PutParameter")}
	var logs bytes.Buffer
	if err := authorize(snapAuthorizer(t, is, clk, f, &logs), rsToken(t, is, clk)); err != nil {
		t.Fatalf("got %v; want accepted", err)
	}
	if !strings.Contains(logs.String(), `"level":"WARN","msg":"key snapshot not updated"`) || !strings.Contains(logs.String(), "AccessDeniedException") {
		t.Errorf("got logs %s; want a warning with the write's failure", logs.String())
	}
}
