// Package authz checks the bearer tokens an API Gateway REST API's TOKEN
// authorizer receives: a JWT from an OIDC issuer, verified against the
// issuer's published keys (JWKS) and its claims (iss, aud, exp, nbf, iat,
// sub, and optionally scopes), and decides to allow exactly the route
// being called for the token's subject. It has no Lambda types in its
// API; patterns/webapp/functions/authorizer is the Lambda around it.
//
// Only RS256 and ES256 are accepted, each bound to the key type that
// verifies it, so "none" and HMAC tokens signed with a public key (the
// algorithm confusion attack) fail. Keys are fetched over HTTPS, from
// Config.JWKSURL or the issuer's discovery document, with a timeout and
// bounded retries, and cached for the life of the execution environment:
// refreshed every DefaultRefreshInterval, refetched when a token names a
// key id the set lacks (key rotation), and never fetched more than once per
// MinFetchInterval, so a flood of made-up key ids cannot hammer the
// issuer. Tokens must carry a kid. With Config.SnapshotParameter, Refresh
// (a schedule's call) also keeps the keys in an SSM parameter, which a cold
// start reads when the issuer cannot be reached (see snapshot.go); requests
// then try the issuer with one short attempt, and only Refresh retries in
// full (see Budgets).
//
// JWT parsing and claim checks are github.com/golang-jwt/jwt/v5's; JWK
// parsing is github.com/MicahParks/jwkset's. Fetching and caching are
// here, because neither library's fetcher retries with backoff or reads
// the discovery document.
package authz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kumo-iac/kumo/internal/ctxsleep"
)

// ErrUnauthorized wraps every reason a token or request is refused.
var ErrUnauthorized = errors.New("unauthorized")

// maxHeader bounds the work on a caller-controlled header; API Gateway
// itself caps request line and headers at 10240 bytes
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
const maxHeader = 10240

// Decision is what an allowed request gets.
type Decision struct {
	// PrincipalID is the token's sub.
	PrincipalID string
	// Resource is the one method ARN to allow: the one being called.
	Resource string
	// Context is passed to the backend as $context.authorizer.<key>:
	// "sub", and "scope" (the token's scopes, sorted, space-separated).
	Context map[string]string
}

// Options are the authorizer's dependencies; the zero value is right for
// Lambda.
type Options struct {
	// HTTPClient fetches keys. Default: http.DefaultTransport's settings.
	// Either way redirects are followed to https URLs only.
	HTTPClient *http.Client
	// Logger records key fetch problems. Default: no logging.
	Logger *slog.Logger
	// Now is the clock for claims and key refreshes. Default: time.Now.
	Now func() time.Time
	// Sleep waits between fetch attempts. Default: a timer that stops
	// early when the context is done.
	Sleep func(context.Context, time.Duration) error
	// SSM reads and writes the key snapshot (Config.SnapshotParameter).
	// authz bounds and retries each call itself, so a client that makes one
	// attempt per call keeps retries from multiplying. Required with
	// SnapshotParameter.
	SSM SSMAPI
}

// Authorizer checks tokens against one issuer and audience. It is safe
// for concurrent use, and meant to live as long as the execution
// environment so its key cache does.
type Authorizer struct {
	cfg    Config
	parser *jwt.Parser
	keys   *keySet
}

// New returns an Authorizer for cfg. It fetches nothing: keys are fetched
// on the first token.
func New(cfg Config, opts Options) (*Authorizer, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("authorizer config: %w", err)
	}
	if cfg.SnapshotParameter != "" && opts.SSM == nil {
		return nil, fmt.Errorf("authorizer config: SnapshotParameter is %q but Options.SSM is nil: pass an SSM client to read and write it", cfg.SnapshotParameter)
	}
	client := &http.Client{}
	if opts.HTTPClient != nil {
		c := *opts.HTTPClient
		client = &c
	}
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to %s refused: keys are fetched over https only", req.URL.Redacted())
		}
		if len(via) >= 5 {
			return errors.New("more than 5 redirects")
		}
		return nil
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = ctxsleep.Sleep
	}
	cfg.RequiredScopes = slices.Clone(cfg.RequiredScopes)
	var snap *snapshotStore
	if cfg.SnapshotParameter != "" {
		snap = &snapshotStore{ssm: opts.SSM, name: cfg.SnapshotParameter, sleep: opts.Sleep, jitter: equalJitter, withTimeout: context.WithTimeout}
	}
	return &Authorizer{
		cfg: cfg,
		parser: jwt.NewParser(
			// The algorithms are fixed here, never read from the key set
			// or the token alone: https://datatracker.ietf.org/doc/html/rfc8725#section-3.1.
			jwt.WithValidMethods([]string{"RS256", "ES256"}),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audience),
			jwt.WithLeeway(cfg.Leeway),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithTimeFunc(opts.Now),
			// RFC 7515 §2: base64url without padding; refusing other
			// encodings keeps one token from having many spellings.
			jwt.WithStrictDecoding(),
		),
		keys: &keySet{
			issuer:       cfg.Issuer,
			jwksURL:      cfg.JWKSURL,
			client:       client,
			log:          opts.Logger,
			now:          opts.Now,
			sleep:        opts.Sleep,
			refresh:      DefaultRefreshInterval,
			full:         fullFetch,
			short:        shortFetch,
			withTimeout:  context.WithTimeout,
			withDeadline: context.WithDeadline,
			snap:         snap,
			// The snapshot's read, retries included.
			snapReserve: snapshotCallTimeout,
		},
	}, nil
}

// Refresh fetches the issuer's keys now and writes them to the key
// snapshot: what a scheduled refresh asks for, so that the snapshot of a
// region without traffic stays fresh. It is the snapshot's only writer. Keys that cannot be fetched return
// an error wrapping ErrKeysUnavailable; a snapshot that cannot be written,
// another error.
func (a *Authorizer) Refresh(ctx context.Context) error {
	return a.keys.refreshNow(ctx)
}

// Authorize checks authorizationToken ("Bearer <JWT>") for a call of
// methodARN. A refused token or request returns an error wrapping
// ErrUnauthorized; keys that cannot be fetched return one wrapping
// ErrKeysUnavailable. Errors never contain the token.
func (a *Authorizer) Authorize(ctx context.Context, authorizationToken, methodARN string) (Decision, error) {
	if err := checkMethodARN(methodARN); err != nil {
		return Decision{}, fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	raw, err := bearer(authorizationToken)
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	var c claims
	_, err = a.parser.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		// RFC 7515 §4.1.11: a recipient that does not understand a
		// critical extension MUST reject the token; we understand none.
		if _, ok := t.Header["crit"]; ok {
			return nil, errors.New("token has critical header extensions (crit), none of which are supported")
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token header has no kid")
		}
		return a.keys.lookup(ctx, kid, t.Method.Alg())
	})
	if errors.Is(err, ErrKeysUnavailable) {
		return Decision{}, fmt.Errorf("check token: %w", err)
	}
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	// A Cognito pool signs its ID and access tokens with the same keys and
	// issuer; token_use tells them apart
	// (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html).
	if a.cfg.TokenUse != "" && c.TokenUse != a.cfg.TokenUse {
		return Decision{}, fmt.Errorf("%w: token_use is %q, not %q", ErrUnauthorized, c.TokenUse, a.cfg.TokenUse)
	}
	scopes := c.scopes()
	var missing []string
	for _, s := range a.cfg.RequiredScopes {
		if !slices.Contains(scopes, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		return Decision{}, fmt.Errorf("%w: token lacks required scopes %q", ErrUnauthorized, missing)
	}
	return Decision{
		PrincipalID: c.Subject,
		Resource:    methodARN,
		Context:     contextOf(&c, scopes),
	}, nil
}

// bearer takes the token out of an Authorization header value
// (RFC 6750 §2.1: "Bearer" 1*SP b64token; the scheme is case-insensitive,
// RFC 9110 §11.1). A bare JWT (three dot-separated parts, no scheme) is
// taken too: it is what API Gateway's Cognito authorizers read, so the
// web app's site, which sends its ID token that way, works unchanged when
// the stack moves to kumo's authorizer with the user pool as issuer. The
// scheme adds no security; the signature and claims decide.
func bearer(header string) (string, error) {
	if len(header) > maxHeader {
		return "", fmt.Errorf("authorization header is longer than %d bytes", maxHeader)
	}
	if !strings.ContainsAny(header, " \t") && strings.Count(header, ".") == 2 {
		return header, nil
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", errors.New(`authorization header is not "Bearer <token>"`)
	}
	token = strings.TrimLeft(token, " ")
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", errors.New(`authorization header is not "Bearer <token>"`)
	}
	return token, nil
}

// claims are the registered claims and the two spellings of scopes:
// scope, a space-separated string (RFC 8693 §4.2), and scp, which some
// issuers send as a list (Okta) and others as a string (Microsoft Entra).
type claims struct {
	jwt.RegisteredClaims
	Scope string    `json:"scope,omitempty"`
	Scp   scopeList `json:"scp,omitempty"`
	// Groups are a Cognito user pool token's groups, passed on so a
	// backend behind this authorizer can keep the pool's group-based roles
	// (the web app's admins in two regions).
	Groups scopeList `json:"cognito:groups,omitempty"`
	// TokenUse is a Cognito token's kind: "id" or "access".
	TokenUse string `json:"token_use,omitempty"`
}

// Validate runs after the library's own checks (jwt.ClaimsValidator).
func (c claims) Validate() error {
	// sub is the principal the policy is for; RFC 7519 leaves it optional,
	// so the library does not require it.
	if strings.TrimSpace(c.Subject) == "" {
		return errors.New("token has no sub")
	}
	return nil
}

// scopes are the token's scopes from both claims, sorted and unique.
func (c claims) scopes() []string {
	s := append(strings.Fields(c.Scope), c.Scp...)
	slices.Sort(s)
	return slices.Compact(s)
}

type scopeList []string

func (l *scopeList) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = strings.Fields(s)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("scp is neither a string nor a list of strings")
	}
	var out []string
	for _, v := range list {
		out = append(out, strings.Fields(v)...)
	}
	*l = out
	return nil
}

// contextOf is what the backend reads as $context.authorizer.<key>: sub,
// scope (space-separated) and, for a Cognito token, groups (space-separated;
// Cognito group names hold no white space).
func contextOf(c *claims, scopes []string) map[string]string {
	ctx := map[string]string{"sub": c.Subject, "scope": strings.Join(scopes, " ")}
	if len(c.Groups) > 0 {
		g := slices.Clone([]string(c.Groups))
		slices.Sort(g)
		ctx["groups"] = strings.Join(slices.Compact(g), " ")
	}
	return ctx
}
