package authz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// The key snapshot: a copy of the issuer's public signing keys in an SSM
// parameter of the authorizer's own region, written by the refresh
// schedule (Authorizer.Refresh) and read by a cold start that cannot reach
// the issuer. A region whose issuer is in another region (the web app's
// secondary, checking the primary's user pool) then keeps checking the
// tokens issued before an outage of the issuer's region, for as long as
// MaxKeyAge allows keys held in memory.
//
// Requests never write it, and a request whose fetch worked never reads
// it: GetParameter and PutParameter share one Parameter Store throughput
// quota per account and region (40 transactions per second by default,
// https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-throughput.html),
// which a release or a failover's storm of cold starts would otherwise
// spend.

// SSMAPI is the part of the SSM client the snapshot uses.
type SSMAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	PutParameter(ctx context.Context, in *ssm.PutParameterInput, optFns ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
}

const (
	// snapshotVersion is the document format; another is refused.
	snapshotVersion = 1
	// MaxSnapshotBytes is the largest value an Intelligent-Tiering (or
	// Advanced) parameter holds: "Advanced parameters have a value limit of
	// 8 KB" (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html).
	// Intelligent-Tiering stores a value over 4 KB as Advanced, which is
	// charged per parameter and month; real key sets are 1–2 KB.
	MaxSnapshotBytes = 8192
	// snapshotCallTimeout bounds one read or write of the snapshot, its
	// retries included: a cold start that found the issuer down is a
	// request waiting for its answer.
	snapshotCallTimeout = 2 * time.Second
	// snapshotAttempts, snapshotAttemptTimeout and snapshotBackoff are the
	// retries within it: a throttled call (ThrottlingException, which the
	// SDK's standard retryer also retries) is tried again after a jittered
	// wait of 50–100 ms, then 100–200 ms, so that the environments of a
	// cold-start storm do not retry in step. SSM answers within tens of
	// milliseconds in its region.
	snapshotAttempts       = 3
	snapshotAttemptTimeout = 600 * time.Millisecond
	snapshotBackoff        = 100 * time.Millisecond
	// snapshotRetryInterval spaces a cold start's reads after one failed
	// (throttled, timed out): the next request tries again, a second
	// later at the soonest, whatever the issuer's fetch limit says.
	snapshotRetryInterval = time.Second
	// snapshotClockSkew is how far in the future a snapshot's fetchedAt may
	// be (another execution environment's clock); beyond it the snapshot
	// is refused as malformed.
	snapshotClockSkew = time.Minute
)

// ColdStartBudget is the longest a cold start of an authorizer with a key
// snapshot takes while the issuer hangs: one short attempt at the issuer,
// then the snapshot's read. It is what a failover's cold environments
// cost while the issuer's region is down.
const ColdStartBudget = shortFetchTimeout + snapshotCallTimeout

// RefreshBudget is the longest the refresh event takes while the issuer
// and SSM hang: the discovery document and the key set with the full
// retry budget, then the snapshot's write. It is the authorizer's longest
// path, so the function's timeout must be longer.
const RefreshBudget = 2*(fetchAttempts*fetchAttemptTimeout+fetchBackoff*(1<<(fetchAttempts-1)-1)) + snapshotCallTimeout

// Budgets are the longest each of an authorizer's paths takes while its
// issuer (and SSM) hang, for its configuration: with or without a key
// snapshot, with JWKS_URL or with discovery. A function running the
// authorizer needs a longer timeout than each, or the path's fallback (the
// snapshot, the keys it has) is never reached.
type Budgets struct {
	// ColdStart is a request of an environment without keys: the fetch,
	// then the snapshot's read when there is one.
	ColdStart time.Duration
	// Warm is a request of an environment whose keys are due for a
	// refresh, or lack the token's key id, and whose last fetch worked
	// or was answered.
	Warm time.Duration
	// WarmUnreachable is such a request after a fetch that found the
	// issuer unreachable (as an environment serving the snapshot's keys
	// always has).
	WarmUnreachable time.Duration
	// Refresh is the refresh event, the schedule's and the release
	// hook's: the fetch, then the snapshot's write.
	Refresh time.Duration
}

// Budgets are a's, from the fetch policies and the snapshot's call bound
// it was built with.
func (a *Authorizer) Budgets() Budgets {
	s := a.keys
	docs := 1 // the key set
	if a.cfg.JWKSURL == "" {
		docs = 2 // and the discovery document before it
	}
	b := Budgets{ColdStart: s.full.budget(docs), Warm: s.full.budget(docs), WarmUnreachable: s.full.budget(docs), Refresh: s.full.budget(docs)}
	if s.snap != nil {
		b.ColdStart = s.short.budget(docs) + snapshotCallTimeout
		b.WarmUnreachable = s.short.budget(docs)
		b.Refresh += snapshotCallTimeout
	}
	return b
}

var (
	// errNoSnapshot: the parameter does not exist.
	errNoSnapshot = errors.New("no key snapshot")
	// errSnapshotFinal marks a snapshot that was read and refused, or
	// does not exist: reading it again before the schedule writes one
	// would find the same.
	errSnapshotFinal = errors.New("key snapshot unusable")
)

// snapshotFinal is an error that is errSnapshotFinal.
type snapshotFinal struct{ error }

func (e snapshotFinal) Unwrap() error        { return e.error }
func (e snapshotFinal) Is(target error) bool { return target == errSnapshotFinal }

// snapshotDoc is the parameter's value.
type snapshotDoc struct {
	Version int `json:"version"`
	// Issuer and JWKSURL say whose keys these are: a snapshot of another
	// issuer's, or of another key set, is refused.
	Issuer    string        `json:"issuer"`
	JWKSURL   string        `json:"jwksUrl"`
	FetchedAt time.Time     `json:"fetchedAt"`
	Keys      []snapshotKey `json:"keys"`
}

// snapshotKey is a public key with only what verifying needs (RFC 7517
// §4, RFC 7518 §6.2.1 and §6.3.1): no private parts, no certificates.
type snapshotKey struct {
	KTY string `json:"kty"`
	KID string `json:"kid"`
	ALG string `json:"alg"`
	USE string `json:"use,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	CRV string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

// snapshotStore is the parameter, and how its calls are retried.
type snapshotStore struct {
	ssm    SSMAPI
	name   string
	sleep  func(context.Context, time.Duration) error
	jitter func(time.Duration) time.Duration
	// withTimeout is context.WithTimeout (tests put it on their clock).
	withTimeout func(context.Context, time.Duration) (context.Context, context.CancelFunc)
}

// call runs one SSM call with snapshotCallTimeout for all its attempts,
// snapshotAttemptTimeout for each, and a jittered backoff between those
// that failed in a way a retry can cure (the SDK's own classification:
// throttling, 5xx, connection errors and timeouts).
func (st *snapshotStore) call(ctx context.Context, do func(context.Context) error) error {
	ctx, cancel := st.withTimeout(ctx, snapshotCallTimeout)
	defer cancel()
	var err error
	for n := range snapshotAttempts {
		if n > 0 {
			if serr := st.sleep(ctx, st.jitter(snapshotBackoff<<(n-1))); serr != nil {
				break
			}
		}
		actx, acancel := st.withTimeout(ctx, snapshotAttemptTimeout)
		err = do(actx)
		attemptTimedOut := actx.Err() != nil && ctx.Err() == nil
		acancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || !(attemptTimedOut || retryableSSM.IsErrorRetryable(err) == aws.TrueTernary) {
			break
		}
	}
	return err
}

// retryableSSM is the SDK standard retryer's classification of errors.
var retryableSSM = retry.IsErrorRetryables(retry.DefaultRetryables)

// equalJitter is a wait between d/2 and d.
func equalJitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}

func (st *snapshotStore) get(ctx context.Context) ([]byte, error) {
	var out *ssm.GetParameterOutput
	err := st.call(ctx, func(ctx context.Context) error {
		var err error
		out, err = st.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(st.name)})
		return err
	})
	var notFound *ssmtypes.ParameterNotFound
	switch {
	case errors.As(err, &notFound):
		return nil, snapshotFinal{fmt.Errorf("%w: parameter %s does not exist", errNoSnapshot, st.name)}
	case err != nil:
		return nil, fmt.Errorf("get parameter %s: %w", st.name, err)
	case out.Parameter == nil || out.Parameter.Value == nil:
		return nil, fmt.Errorf("get parameter %s: the answer has no value", st.name)
	}
	return []byte(*out.Parameter.Value), nil
}

func (st *snapshotStore) put(ctx context.Context, value []byte) error {
	// Type and Tier as kumo created the parameter: an overwrite without
	// Tier would use the account's default tier, which refuses a value
	// over 4 KB.
	err := st.call(ctx, func(ctx context.Context) error {
		_, err := st.ssm.PutParameter(ctx, &ssm.PutParameterInput{
			Name: aws.String(st.name), Value: aws.String(string(value)), Overwrite: aws.Bool(true),
			Type: ssmtypes.ParameterTypeString, Tier: ssmtypes.ParameterTierIntelligentTiering,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("put parameter %s: %w", st.name, err)
	}
	return nil
}

// snapshotKeys are the cached keys as the snapshot stores them, sorted so
// that the same keys always give the same JSON.
func (s *keySet) snapshotKeys() []snapshotKey {
	keys := make([]snapshotKey, 0, len(s.keys))
	for _, k := range s.keys {
		keys = append(keys, k.pub)
	}
	slices.SortFunc(keys, func(a, b snapshotKey) int {
		if c := strings.Compare(a.KID, b.KID); c != 0 {
			return c
		}
		return strings.Compare(a.ALG, b.ALG)
	})
	return keys
}

// keysTooOld is the one age limit of keys, in memory and in the snapshot.
func keysTooOld(fetchedAt, now time.Time) bool { return now.Sub(fetchedAt) >= MaxKeyAge }

// saveSnapshot writes the keys in the cache, which the last fetch got
// from the issuer, to the snapshot. It writes every time, unchanged keys
// too: the snapshot's fetchedAt is how a cold start knows the keys were
// still the issuer's a refresh interval ago at most.
func (s *keySet) saveSnapshot(ctx context.Context) error {
	st := s.snap
	doc := snapshotDoc{Version: snapshotVersion, Issuer: s.issuer, JWKSURL: s.jwksURL, FetchedAt: s.fetchedAt.UTC(), Keys: s.snapshotKeys()}
	value, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("key snapshot: %w", err)
	}
	if len(value) > MaxSnapshotBytes {
		err := fmt.Errorf("key snapshot of %d keys is %d bytes, more than the %d a parameter holds: not written, so a cold start that cannot reach the issuer will find no keys", len(doc.Keys), len(value), MaxSnapshotBytes)
		s.log.Error("key snapshot not written", slog.String("parameter", st.name), slog.String("error", err.Error()))
		return err
	}
	if err := st.put(ctx, value); err != nil {
		return fmt.Errorf("write key snapshot: %w", err)
	}
	s.log.Info("key snapshot written", slog.String("parameter", st.name), slog.Int("keys", len(doc.Keys)), slog.Time("fetchedAt", doc.FetchedAt))
	return nil
}

// loadSnapshot reads the snapshot into the cache, for a cold start that
// could not reach the issuer. It refuses a snapshot that is missing, malformed, of
// another issuer or key set, or older than MaxKeyAge.
func (s *keySet) loadSnapshot(ctx context.Context, now time.Time) error {
	raw, err := s.snap.get(ctx)
	if err != nil {
		return fmt.Errorf("key snapshot: %w", err)
	}
	var doc snapshotDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return snapshotFinal{fmt.Errorf("key snapshot in %s is not JSON: %w", s.snap.name, err)}
	}
	refuse := func(format string, v ...any) error {
		return snapshotFinal{fmt.Errorf("key snapshot in %s refused: %s", s.snap.name, fmt.Sprintf(format, v...))}
	}
	switch {
	case doc.Version != snapshotVersion:
		// kumo's placeholder, before the first successful fetch, has none.
		return refuse("version %d, not %d (the parameter holds no snapshot yet, or one of another format)", doc.Version, snapshotVersion)
	case doc.Issuer != s.issuer:
		return refuse("it holds the keys of issuer %q, not %q", doc.Issuer, s.issuer)
	case s.jwksURL != "" && doc.JWKSURL != s.jwksURL:
		return refuse("it holds the key set at %q, not %q", doc.JWKSURL, s.jwksURL)
	case doc.FetchedAt.IsZero():
		return refuse("it has no fetchedAt")
	case doc.FetchedAt.After(now.Add(snapshotClockSkew)):
		return refuse("fetchedAt %s is in the future", doc.FetchedAt.Format(time.RFC3339))
	case keysTooOld(doc.FetchedAt, now):
		return refuse("its keys were fetched %s ago, more than %s", now.Sub(doc.FetchedAt).Round(time.Second), MaxKeyAge)
	}
	set, err := json.Marshal(map[string]any{"keys": doc.Keys})
	if err != nil {
		return refuse("%v", err)
	}
	keys, err := parseKeySet(set)
	if err != nil {
		return refuse("%v", err)
	}
	s.keys, s.fetchedAt = keys, doc.FetchedAt
	return nil
}
