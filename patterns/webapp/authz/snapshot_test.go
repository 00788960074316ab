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
	"github.com/aws/smithy-go"
	"github.com/golang-jwt/jwt/v5"
)

const snapshotParam = "/kumo/shop/prod/web/authorizer-keys"

// fakeSSM is one parameter, as GetParameter and PutParameter see it. Like
// the SDK's client, it fails a call whose context is done.
type fakeSSM struct {
	mu             sync.Mutex
	value          *string // nil: the parameter does not exist
	gets, puts     int
	getErr, putErr error
	// getFails is how many GetParameter calls fail with getErr before
	// the next ones work; 0: all fail while getErr is set.
	getFails int
	lastPut  *ssm.PutParameterInput
}

func (f *fakeSSM) GetParameter(ctx context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case f.getErr != nil && (f.getFails == 0 || f.gets <= f.getFails):
		return nil, f.getErr
	case f.value == nil:
		return nil, &ssmtypes.ParameterNotFound{Message: aws.String("parameter " + aws.ToString(in.Name) + " not found")}
	}
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String(*f.value)}}, nil
}

func (f *fakeSSM) PutParameter(ctx context.Context, in *ssm.PutParameterInput, _ ...func(*ssm.Options)) (*ssm.PutParameterOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts++
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case f.putErr != nil:
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

// throttled is what SSM answers when the account's Parameter Store
// throughput is used up.
var throttled = &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}

// storeSnapshot writes a snapshot of the issuer's current keys, fetched at
// clk's time, as the schedule's refresh would.
func storeSnapshot(t *testing.T, is *issuer, clk *clock, f *fakeSSM) {
	t.Helper()
	if err := snapAuthorizer(t, is, clk, f, nil).Refresh(context.Background()); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets, f.puts = 0, 0
}

// Refresh writes the snapshot: the issuer, its key set's URL, when, and
// each key with only what verifies it, sorted, into an Intelligent-Tiering
// String parameter.
func TestSnapshotWrittenByRefresh(t *testing.T) {
	is := newIssuer(t)
	// A key set as an issuer may publish it: with certificate fields and a
	// private part leaked by mistake, neither of which may be copied.
	leaky := jwk(t, &rsaKey.PublicKey, "rsa-1", jwkset.AlgRS256)
	leaky.D, leaky.X5T = "cHJpdmF0ZQ", "dGh1bWI"
	is.set(func(is *issuer) { is.keySet = jwks(t, jwk(t, &ecKey.PublicKey, "ec-1", jwkset.AlgES256), leaky) })
	clk := newClock()
	f := &fakeSSM{}
	if err := snapAuthorizer(t, is, clk, f, nil).Refresh(context.Background()); err != nil {
		t.Fatalf("got %v; want refreshed", err)
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
	if g, p := f.counts(); g != 0 || p != 1 {
		t.Errorf("got %d reads and %d writes; want 0 and 1: a refresh writes without reading first", g, p)
	}
}

// Requests never call SSM while the issuer answers: not at a cold start,
// not when they refetch for an unknown key id or after the refresh
// interval. Only the schedule's refresh writes, every tick, unchanged keys
// too, so the snapshot's fetchedAt is at most a tick old.
func TestSSMCallsPerColdStart(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	f := &fakeSSM{}
	storeSnapshot(t, is, clk, f)
	step := func(what string, wantGets, wantPuts int, do func() error) {
		t.Helper()
		if err := do(); err != nil {
			t.Fatalf("%s: got %v; want nil", what, err)
		}
		if g, p := f.counts(); g != wantGets || p != wantPuts {
			t.Errorf("%s: got %d reads and %d writes of the snapshot; want %d and %d", what, g, p, wantGets, wantPuts)
		}
	}
	var envs []*Authorizer
	for i := range 20 { // a release: every environment cold
		a := snapAuthorizer(t, is, clk, f, nil)
		envs = append(envs, a)
		step(fmt.Sprintf("cold start %d, issuer answering", i), 0, 0, func() error { return authorize(a, rsToken(t, is, clk)) })
	}
	clk.advance(2 * time.Minute)
	unknown := sign(t, jwt.SigningMethodRS256, "rsa-2", rsaKey2, goodClaims(is, clk))
	if err := authorize(envs[0], unknown); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("unknown kid: got %v; want unauthorized", err)
	}
	if g, p := f.counts(); g != 0 || p != 0 {
		t.Errorf("refetch for an unknown kid: got %d reads and %d writes; want none", g, p)
	}
	clk.advance(DefaultRefreshInterval)
	step("refresh interval later", 0, 0, func() error { return authorize(envs[1], rsToken(t, is, clk)) })

	tick := envs[2]
	step("a tick", 0, 1, func() error { return tick.Refresh(context.Background()) })
	if d := f.doc(t); !d.FetchedAt.Equal(clk.now()) {
		t.Errorf("got fetchedAt %s; want %s, the tick's fetch", d.FetchedAt, clk.now())
	}
	clk.advance(DefaultRefreshInterval)
	step("the next tick, same keys", 0, 2, func() error { return tick.Refresh(context.Background()) })
	if d := f.doc(t); !d.FetchedAt.Equal(clk.now()) {
		t.Errorf("got fetchedAt %s; want %s: unchanged keys are rewritten with the tick's time", d.FetchedAt, clk.now())
	}
}

// A cold start that cannot reach the issuer checks tokens with the
// snapshot — one read, no write — and says so in its logs (never with the
// token); the snapshot serves for at most MaxKeyAge after its fetch, the
// limit of keys in memory.
func TestSnapshotUsedWhenColdFetchFails(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	f := &fakeSSM{}
	storeSnapshot(t, is, clk, f)
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
	if g, p := f.counts(); g != 1 || p != 0 {
		t.Errorf("got %d snapshot reads and %d writes; want 1 and 0: keys read from it are never written back", g, p)
	}
	// The keys stay in memory: within the minute, no new fetch or read.
	_, hits := is.hits()
	if err := authorize(a, rsToken(t, is, clk)); err != nil {
		t.Fatalf("second token: got %v; want accepted", err)
	}
	if g, _ := f.counts(); g != 1 {
		t.Errorf("got %d snapshot reads; want still 1", g)
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

// The snapshot stands in only for an issuer that cannot be reached
// (network errors, timeouts, 5xx, 429). An issuer that answers has said
// which keys are valid: a 4xx, a key set without a usable key or without
// the token's key refuses the token, and the snapshot — which still holds
// the key — is not even read, so a key the issuer withdrew does not live
// on from it.
func TestSnapshotOnlyWhenIssuerUnreachable(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*issuer)
		down     bool // the issuer's server is closed: connection refused
		wantErr  error
		wantGets int
	}{
		{name: "503", edit: func(is *issuer) { is.status = http.StatusServiceUnavailable }, wantGets: 1},
		{name: "500", edit: func(is *issuer) { is.status = http.StatusInternalServerError }, wantGets: 1},
		{name: "429", edit: func(is *issuer) { is.status = http.StatusTooManyRequests }, wantGets: 1},
		{name: "hangs", edit: func(is *issuer) { is.hang = true }, wantGets: 1},
		{name: "connection refused", down: true, wantGets: 1},

		{name: "404", edit: func(is *issuer) { is.status = http.StatusNotFound }, wantErr: ErrKeysUnavailable},
		{name: "403", edit: func(is *issuer) { is.status = http.StatusForbidden }, wantErr: ErrKeysUnavailable},
		{name: "an empty key set", edit: func(is *issuer) { is.keySet = []byte(`{"keys":[]}`) }, wantErr: ErrKeysUnavailable},
		{name: "a key set of encryption keys only", edit: func(is *issuer) {
			k := jwk(t, &rsaKey.PublicKey, "rsa-1", jwkset.AlgRS256)
			k.USE = jwkset.UseEnc
			is.keySet = jwks(t, k)
		}, wantErr: ErrKeysUnavailable},
		{name: "not a key set", edit: func(is *issuer) { is.keySet = []byte(`<html>maintenance</html>`) }, wantErr: ErrKeysUnavailable},
		{name: "the token's key withdrawn", edit: func(is *issuer) {
			is.keySet = jwks(t, jwk(t, &rsaKey2.PublicKey, "rsa-2", jwkset.AlgRS256))
		}, wantErr: ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := newIssuer(t)
			clk := newClock()
			f := &fakeSSM{}
			storeSnapshot(t, is, clk, f)
			if tt.edit != nil {
				is.set(tt.edit)
			}
			if tt.down {
				is.srv.Close()
			}
			clk.advance(time.Hour)
			a := snapAuthorizer(t, is, clk, f, nil)
			a.keys.short = fetchPolicy{attempts: 1, timeout: 50 * time.Millisecond, total: 50 * time.Millisecond} // a hanging issuer's attempt ends here
			err := authorize(a, rsToken(t, is, clk))
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("got %v; want accepted with the snapshot's keys", err)
			case tt.wantErr != nil && (!errors.Is(err, tt.wantErr) || (tt.wantErr == ErrKeysUnavailable) == errors.Is(err, ErrUnauthorized)):
				t.Errorf("got %v; want %v", err, tt.wantErr)
			}
			if g, _ := f.counts(); g != tt.wantGets {
				t.Errorf("got %d snapshot reads; want %d", g, tt.wantGets)
			}
		})
	}
}

// An issuer that hangs must not use up the invocation: a cold start's fetch
// stops early enough for the snapshot's read to answer before the deadline
// (the function's timeout, which Lambda puts in the context), however long
// the fetch's own attempts would wait.
func TestSnapshotAnswersWhileIssuerHangs(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	f := &fakeSSM{}
	storeSnapshot(t, is, clk, f)
	is.set(func(is *issuer) { is.hang = true })
	clk.advance(time.Hour)

	a := snapAuthorizer(t, is, clk, f, nil)
	// The attempt would outlast the invocation.
	a.keys.short = fetchPolicy{attempts: 1, timeout: time.Minute, total: time.Minute}
	a.keys.snapReserve = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 900*time.Millisecond)
	defer cancel()
	_, err := a.Authorize(ctx, "Bearer "+rsToken(t, is, clk), testMethod)
	if err != nil {
		t.Fatalf("got %v; want accepted with the snapshot's keys before the deadline", err)
	}
	if ctx.Err() != nil {
		t.Errorf("got the answer after the invocation's deadline (%v); want it before", ctx.Err())
	}
	if g, _ := f.counts(); g != 1 {
		t.Errorf("got %d snapshot reads; want 1", g)
	}
}

// A snapshot read that SSM throttles is retried within the request after a
// jittered backoff; one that still fails does not lock the environment out
// for the issuer's MinFetchInterval: the next request a second later reads
// again (without fetching from the issuer again), and works once SSM does.
func TestSnapshotReadThrottledThenRecovers(t *testing.T) {
	is := newIssuer(t)
	clk := newClock()
	f := &fakeSSM{}
	storeSnapshot(t, is, clk, f)
	is.set(func(is *issuer) { is.status = http.StatusServiceUnavailable })
	clk.advance(time.Hour)

	f.mu.Lock()
	f.getErr = throttled
	f.mu.Unlock()
	a := snapAuthorizer(t, is, clk, f, nil)
	err := authorize(a, rsToken(t, is, clk))
	if !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), "ThrottlingException") || !strings.Contains(err.Error(), "status 503") {
		t.Fatalf("throttled: got %v; want ErrKeysUnavailable naming the fetch's failure and the throttling", err)
	}
	if g, _ := f.counts(); g != snapshotAttempts {
		t.Errorf("throttled: got %d reads; want %d (the attempts of one request)", g, snapshotAttempts)
	}
	// The fetch's one attempt has no backoff; the snapshot's are jittered.
	sl := clk.slept()
	if len(sl) != 2 || sl[0] < 50*time.Millisecond || sl[0] > 100*time.Millisecond || sl[1] < 100*time.Millisecond || sl[1] > 200*time.Millisecond {
		t.Errorf("got sleeps %v; want 50–100ms and 100–200ms", sl)
	}
	_, fetches := is.hits()

	clk.advance(500 * time.Millisecond)
	err = authorize(a, rsToken(t, is, clk))
	if !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), "next try after 1s") {
		t.Errorf("half a second later: got %v; want ErrKeysUnavailable saying the next read is a second after the last", err)
	}
	if g, _ := f.counts(); g != snapshotAttempts {
		t.Errorf("half a second later: got %d reads; want still %d", g, snapshotAttempts)
	}

	f.mu.Lock()
	f.getErr = nil
	f.mu.Unlock()
	clk.advance(500 * time.Millisecond)
	if err := authorize(a, rsToken(t, is, clk)); err != nil {
		t.Fatalf("a second later, SSM answering: got %v; want accepted with the snapshot's keys", err)
	}
	if g, _ := f.counts(); g != snapshotAttempts+1 {
		t.Errorf("a second later: got %d reads; want %d", g, snapshotAttempts+1)
	}
	if _, h := is.hits(); h != fetches {
		t.Errorf("a second later: got %d key set fetches; want still %d: the issuer's limit is its own", h, fetches)
	}

	// Throttled twice, then answering: one request, three reads.
	f2 := &fakeSSM{}
	is.set(func(is *issuer) { is.status = 0 })
	storeSnapshot(t, is, clk, f2)
	is.set(func(is *issuer) { is.status = http.StatusServiceUnavailable })
	f2.mu.Lock()
	f2.getErr, f2.getFails = throttled, 2
	f2.mu.Unlock()
	if err := authorize(snapAuthorizer(t, is, clk, f2, nil), rsToken(t, is, clk)); err != nil {
		t.Fatalf("throttled twice: got %v; want accepted on the third read", err)
	}
	if g, _ := f2.counts(); g != 3 {
		t.Errorf("throttled twice: got %d reads; want 3", g)
	}
}

// A snapshot that was read and refused, or is missing, is not read again
// before the issuer's next fetch: only the schedule, with an issuer this
// environment would reach too, can change it.
func TestSnapshotRefusedIsNotReread(t *testing.T) {
	is := newIssuer(t)
	is.set(func(is *issuer) { is.status = http.StatusBadGateway })
	clk := newClock()
	f := &fakeSSM{}
	f.set(`{"note":"placeholder"}`)
	a := snapAuthorizer(t, is, clk, f, nil)
	for _, step := range []struct {
		after    time.Duration
		wantGets int
		want     string
	}{
		{0, 1, "version 0, not 1"},
		{2 * time.Second, 1, "next try after 1m0s"},
		{MinFetchInterval, 2, "version 0, not 1"},
	} {
		clk.advance(step.after)
		err := authorize(a, rsToken(t, is, clk))
		if !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), step.want) {
			t.Errorf("after %s: got %v; want ErrKeysUnavailable with %q", step.after, err, step.want)
		}
		if g, _ := f.counts(); g != step.wantGets {
			t.Errorf("after %s: got %d reads; want %d", step.after, g, step.wantGets)
		}
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
			if g, _ := f.counts(); g != 1 {
				t.Errorf("got %d reads; want 1: an answer a retry cannot change is not retried", g)
			}
		})
	}
}

// A key set too big for a parameter is not written: an ERROR line says so,
// and Refresh reports it; tokens are still checked with the fetched keys.
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
	if err := a.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "more than the 8192 a parameter holds") {
		t.Errorf("Refresh: got %v; want the size refused", err)
	}
	if _, p := f.counts(); p != 0 {
		t.Errorf("got %d writes; want none", p)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR","msg":"key snapshot not written"`) || !strings.Contains(logs.String(), "more than the 8192") {
		t.Errorf("got logs %s; want an ERROR line naming the 8192-byte limit", logs.String())
	}
	if err := authorize(a, rsToken(t, is, clk)); err != nil {
		t.Fatalf("got %v; want the token checked with the fetched keys", err)
	}
}

// A scheduled refresh fetches and writes; it reports a fetch that fails
// (keys unavailable) and a snapshot it cannot write, after retrying a
// throttled write.
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

	// Within a minute of a fetch that worked: no new fetch, the keys of
	// that fetch written again.
	clk.advance(30 * time.Second)
	if err := a.Refresh(context.Background()); err != nil {
		t.Errorf("30 s later: got %v; want nil", err)
	}
	if _, k := is.hits(); k != 1 {
		t.Errorf("30 s later: got %d key set fetches; want still 1", k)
	}
	if _, p := f.counts(); p != 2 {
		t.Errorf("30 s later: got %d writes; want 2", p)
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
	if _, p := f.counts(); p != 2 {
		t.Errorf("issuer down: got %d writes; want still 2: nothing is written without a fetch that worked", p)
	}

	is.set(func(is *issuer) { is.status = 0 })
	f.mu.Lock()
	f.putErr = throttled
	f.mu.Unlock()
	clk.advance(MinFetchInterval)
	if err := a.Refresh(context.Background()); err == nil || errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), "write key snapshot: put parameter "+snapshotParam+": api error ThrottlingException") {
		t.Errorf("snapshot not writable: got %v; want the write's failure", err)
	}
	if _, p := f.counts(); p != 2+snapshotAttempts {
		t.Errorf("throttled write: got %d writes; want %d (%d attempts)", p, 2+snapshotAttempts, snapshotAttempts)
	}
}
