package authz

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kumo-iac/kumo/internal/envvar"
)

// Defaults and bounds of the settings.
const (
	// DefaultLeewaySeconds absorbs clock skew between the issuer and
	// Lambda; RFC 7519 §4.1.4 allows "some small leeway, usually no more
	// than a few minutes".
	DefaultLeewaySeconds = 60
	// MaxLeewaySeconds keeps an expired token from living on for long.
	MaxLeewaySeconds = 300
)

// Config is what the authorizer checks tokens against.
type Config struct {
	// Issuer is the OIDC issuer URL; a token's iss must equal it exactly
	// (OpenID Connect Core 1.0 §3.1.3.7). Required; https only.
	Issuer string
	// Audience must be one of a token's aud values (RFC 7519 §4.1.3).
	// Required.
	Audience string
	// JWKSURL is where the issuer's signing keys are. Default: the
	// jwks_uri of the issuer's /.well-known/openid-configuration (OpenID
	// Connect Discovery 1.0 §4). https only.
	JWKSURL string
	// RequiredScopes must all be in a token's scope or scp claim. Default:
	// none.
	RequiredScopes []string
	// Leeway is the clock skew allowed on exp, nbf and iat. Default: none
	// (ConfigFromEnv defaults it to DefaultLeewaySeconds).
	Leeway time.Duration
	// TokenUse must equal a token's token_use claim: "id" or "access", the
	// two kinds of token a Cognito user pool issues with the same keys.
	// Default: "", not checked (other issuers have no such claim).
	TokenUse string
	// SnapshotParameter is the SSM parameter holding the key snapshot: the
	// keys last fetched, written after a successful fetch and read by a
	// cold start that cannot reach the issuer (Options.SSM does both).
	// Default: "", no snapshot.
	SnapshotParameter string
}

// TokenUses are the values of Cognito's token_use claim.
var TokenUses = []string{"id", "access"}

// ssmName is a Parameter Store name: a-zA-Z0-9_.- and / between levels
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html),
// at most 2048 characters.
var ssmNameChars = regexp.MustCompile(`^[a-zA-Z0-9_./-]+$`)

func ssmName(n string) bool { return len(n) <= 2048 && ssmNameChars.MatchString(n) }

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), so no
// spaces, quotes or backslashes.
func validScope(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// ConfigFromEnv reads ISSUER, AUDIENCE, JWKS_URL (optional),
// REQUIRED_SCOPES (optional, space-separated), LEEWAY_SECONDS (default
// 60), TOKEN_USE (optional) and KEYS_SNAPSHOT_PARAMETER (optional) through
// getenv, returning every problem at once.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	r := envvar.New(getenv)
	var c Config
	if v, ok := r.Lookup("ISSUER"); !ok {
		r.Fail("ISSUER is not set: set it to the OIDC issuer URL, exactly as tokens carry it in iss (such as https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123)")
	} else if err := httpsURL(v); err != "" {
		r.Fail("ISSUER is %q: %s; set it to the OIDC issuer URL, exactly as tokens carry it in iss", v, err)
	} else {
		c.Issuer = v
	}
	if v, ok := r.Lookup("AUDIENCE"); !ok {
		r.Fail("AUDIENCE is not set: set it to the audience tokens must be issued for (their aud claim: an API identifier or client ID)")
	} else {
		c.Audience = v
	}
	if v, ok := r.Lookup("JWKS_URL"); ok {
		if err := httpsURL(v); err != "" {
			r.Fail("JWKS_URL is %q: %s; set it to the issuer's JWKS URL, or unset it to use the jwks_uri of the issuer's openid-configuration", v, err)
		} else {
			c.JWKSURL = v
		}
	}
	if v, ok := r.Lookup("REQUIRED_SCOPES"); ok {
		for _, s := range strings.Fields(v) {
			if !validScope(s) {
				r.Fail("REQUIRED_SCOPES has %q: scopes are printable ASCII without quotes or backslashes, separated by spaces (RFC 6749 §3.3)", s)
				continue
			}
			c.RequiredScopes = append(c.RequiredScopes, s)
		}
	}
	c.Leeway = time.Duration(r.Int("LEEWAY_SECONDS", DefaultLeewaySeconds, 0, MaxLeewaySeconds)) * time.Second
	if v, ok := r.Lookup("TOKEN_USE"); ok {
		if !slices.Contains(TokenUses, v) {
			r.Fail("TOKEN_USE is %q: use id or access (the token_use a Cognito user pool's tokens carry), or unset it for issuers without the claim", v)
		} else {
			c.TokenUse = v
		}
	}
	if v, ok := r.Lookup("KEYS_SNAPSHOT_PARAMETER"); ok {
		if !ssmName(v) {
			r.Fail("KEYS_SNAPSHOT_PARAMETER is %q: an SSM parameter name is 1–2048 letters, digits, '_', '.', '-' and '/'", v)
		} else {
			c.SnapshotParameter = v
		}
	}
	if err := r.Err(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// httpsURL says what is wrong with u as an https URL, or "". Keys and
// discovery documents fetched over plain HTTP could be swapped in
// transit, which would let anyone sign tokens.
func httpsURL(u string) string {
	p, err := url.Parse(u)
	switch {
	case err != nil:
		return "it is not a URL"
	case p.Scheme != "https":
		return "it must be an https URL"
	case p.Host == "":
		return "it has no host"
	case p.RawQuery != "" || p.Fragment != "":
		return "it must have no query or fragment"
	}
	return ""
}

// validate checks a Config built in code the way ConfigFromEnv checks the
// environment, returning every problem at once.
func (c Config) validate() error {
	var errs []error
	if msg := httpsURL(c.Issuer); msg != "" {
		errs = append(errs, fmt.Errorf("Issuer is %q: %s", c.Issuer, msg))
	}
	if strings.TrimSpace(c.Audience) == "" {
		errs = append(errs, errors.New("Audience is empty: set it to the aud tokens must carry"))
	}
	if c.JWKSURL != "" {
		if msg := httpsURL(c.JWKSURL); msg != "" {
			errs = append(errs, fmt.Errorf("JWKSURL is %q: %s", c.JWKSURL, msg))
		}
	}
	for _, s := range c.RequiredScopes {
		if !validScope(s) {
			errs = append(errs, fmt.Errorf("RequiredScopes has %q: scopes are printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)", s))
		}
	}
	if c.TokenUse != "" && !slices.Contains(TokenUses, c.TokenUse) {
		errs = append(errs, fmt.Errorf("TokenUse is %q: use id, access or empty", c.TokenUse))
	}
	if c.SnapshotParameter != "" && !ssmName(c.SnapshotParameter) {
		errs = append(errs, fmt.Errorf("SnapshotParameter is %q: an SSM parameter name is 1–2048 letters, digits, '_', '.', '-' and '/'", c.SnapshotParameter))
	}
	if c.Leeway < 0 || c.Leeway > MaxLeewaySeconds*time.Second {
		errs = append(errs, fmt.Errorf("Leeway is %s: allowed from 0s to %s", c.Leeway, MaxLeewaySeconds*time.Second))
	}
	return errors.Join(errs...)
}
