package authz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// The key snapshot: a copy of the issuer's public signing keys in an SSM
// parameter of the authorizer's own region, written after fetches that
// succeed and read by a cold start that cannot reach the issuer. A region
// whose issuer is in another region (the web app's secondary, checking the
// primary's user pool) then keeps checking the tokens issued before an
// outage of the issuer's region, for as long as MaxKeyAge allows keys held
// in memory.

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
	// snapshotCallTimeout bounds one SSM call, the SDK's retries included
	// (their number and backoff are the client's retryer's): a cold start
	// that found the issuer down has already spent its fetch budget.
	snapshotCallTimeout = 2 * time.Second
	// snapshotClockSkew is how far in the future a snapshot's fetchedAt may
	// be (another execution environment's clock); beyond it the snapshot
	// is refused as malformed.
	snapshotClockSkew = time.Minute
)

// errNoSnapshot: the parameter does not exist.
var errNoSnapshot = errors.New("no key snapshot")

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

// snapshotStore is the parameter and what this execution environment last
// read from it or wrote to it, so that an unchanged, fresh snapshot costs
// no call.
type snapshotStore struct {
	ssm  SSMAPI
	name string

	knownKeys string    // the keys' JSON
	knownAt   time.Time // their fetchedAt
}

func (st *snapshotStore) get(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, snapshotCallTimeout)
	defer cancel()
	out, err := st.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(st.name)})
	var notFound *ssmtypes.ParameterNotFound
	switch {
	case errors.As(err, &notFound):
		return nil, fmt.Errorf("%w: parameter %s does not exist", errNoSnapshot, st.name)
	case err != nil:
		return nil, fmt.Errorf("get parameter %s: %w", st.name, err)
	case out.Parameter == nil || out.Parameter.Value == nil:
		return nil, fmt.Errorf("get parameter %s: the answer has no value", st.name)
	}
	return []byte(*out.Parameter.Value), nil
}

func (st *snapshotStore) put(ctx context.Context, value []byte) error {
	ctx, cancel := context.WithTimeout(ctx, snapshotCallTimeout)
	defer cancel()
	// Type and Tier as kumo created the parameter: an overwrite without
	// Tier would use the account's default tier, which refuses a value
	// over 4 KB.
	_, err := st.ssm.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(st.name), Value: aws.String(string(value)), Overwrite: aws.Bool(true),
		Type: ssmtypes.ParameterTypeString, Tier: ssmtypes.ParameterTierIntelligentTiering,
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

func keysJSON(keys []snapshotKey) string {
	b, _ := json.Marshal(keys) // strings only: cannot fail
	return string(b)
}

// keysTooOld is the one age limit of keys, in memory and in the snapshot.
func keysTooOld(fetchedAt, now time.Time) bool { return now.Sub(fetchedAt) >= MaxKeyAge }

// saveSnapshot brings the snapshot up to date with the keys just fetched:
// it writes when the stored one is missing, unreadable, of other keys, or
// older than the refresh interval, and otherwise makes no write (and, when
// this execution environment read or wrote it within the interval, no call
// at all).
func (s *keySet) saveSnapshot(ctx context.Context, now time.Time) error {
	st := s.snap
	doc := snapshotDoc{Version: snapshotVersion, Issuer: s.issuer, JWKSURL: s.jwksURL, FetchedAt: s.fetchedAt.UTC(), Keys: s.snapshotKeys()}
	kj := keysJSON(doc.Keys)
	if st.knownKeys == kj && now.Sub(st.knownAt) < s.refresh {
		return nil
	}
	stored, err := st.get(ctx)
	switch {
	case err == nil:
		var old snapshotDoc
		if json.Unmarshal(stored, &old) == nil && old.Version == snapshotVersion && old.Issuer == doc.Issuer &&
			old.JWKSURL == doc.JWKSURL && keysJSON(old.Keys) == kj &&
			now.Sub(old.FetchedAt) < s.refresh && !old.FetchedAt.After(now.Add(snapshotClockSkew)) {
			st.knownKeys, st.knownAt = kj, old.FetchedAt
			return nil
		}
	case errors.Is(err, errNoSnapshot):
	default:
		// Writing what was just fetched is right whatever the parameter
		// holds; only the comparison is lost.
		s.log.Warn("could not read the key snapshot to compare; writing it", slog.String("parameter", st.name), slog.String("error", err.Error()))
	}
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
	st.knownKeys, st.knownAt = kj, doc.FetchedAt
	s.log.Info("key snapshot written", slog.String("parameter", st.name), slog.Int("keys", len(doc.Keys)), slog.Time("fetchedAt", doc.FetchedAt))
	return nil
}

// loadSnapshot reads the snapshot into the cache, for a cold start whose
// fetch failed. It refuses a snapshot that is missing, malformed, of
// another issuer or key set, or older than MaxKeyAge.
func (s *keySet) loadSnapshot(ctx context.Context, now time.Time) error {
	raw, err := s.snap.get(ctx)
	if err != nil {
		return fmt.Errorf("key snapshot: %w", err)
	}
	var doc snapshotDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("key snapshot in %s is not JSON: %w", s.snap.name, err)
	}
	refuse := func(format string, v ...any) error {
		return fmt.Errorf("key snapshot in %s refused: %s", s.snap.name, fmt.Sprintf(format, v...))
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
	s.snap.knownKeys, s.snap.knownAt = keysJSON(s.snapshotKeys()), doc.FetchedAt
	return nil
}
