package webapp_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// fakeCognito speaks the part of Cognito's user pool API that the site uses,
// over the same JSON 1.1 protocol: POST / with
// X-Amz-Target: AWSCognitoIdentityProviderService.<Action> and
// Content-Type: application/x-amz-json-1.1; errors are HTTP 400 with
// {"__type": "<Exception>", "message": "..."}. Request and response shapes,
// challenge names and error types follow the API reference,
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/
// (API_InitiateAuth, API_RespondToAuthChallenge, API_AssociateSoftwareToken,
// API_VerifySoftwareToken). It models a pool with MFA "ON" and TOTP as the
// only factor, the way constructs.NewUserPool configures one:
//
//   - a user created with a temporary password first gets
//     NEW_PASSWORD_REQUIRED, then MFA_SETUP in the same sign-in;
//   - a user without an authenticator gets MFA_SETUP, with
//     MFAS_CAN_SETUP ["SOFTWARE_TOKEN_MFA"];
//   - a user with one gets SOFTWARE_TOKEN_MFA.
//
// TOTP codes are checked for real (RFC 6238: SHA1, 6 digits, 30 s, one step
// of clock skew either way), and a code is refused once a code of its step
// or a later one was accepted (RFC 6238 §5.2). A Session answers one step
// and expires after sessionLifetime; a wrong code leaves it usable. It is
// stricter than Cognito where that catches page bugs: unknown request
// members are refused.
type fakeCognito struct {
	clientID string

	mu       sync.Mutex
	users    map[string]*fakeUser // by e-mail address
	sessions map[string]*authSession
	skew     time.Duration // added to the clock that sessions expire by
	calls    []string      // "Action" or "Action:ErrorType", in order
	idTokens map[string]string
}

type fakeUser struct {
	sub, email, password string
	mustChangePassword   bool
	pendingSecret        string // issued by AssociateSoftwareToken, not yet verified
	secret               string // the verified authenticator's secret
	deviceName           string
	lastStep             int64 // the TOTP time step last accepted
}

// A session's step is what it may be used for next: a challenge name, or
// "AssociateSoftwareToken"/"VerifySoftwareToken" inside MFA_SETUP.
type authSession struct {
	user    *fakeUser
	step    string
	expires time.Time
	used    bool
}

// sessionLifetime is an app client's AuthSessionValidity when it sets none,
// as kumo's does not (API_UserPoolClientType: 3 to 15 minutes, default 3).
const sessionLifetime = 3 * time.Minute

// totpOpts are the parameters of Cognito's software tokens, which
// authenticator apps assume when a key URI names none.
var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

func newFakeCognito(clientID string) *fakeCognito {
	return &fakeCognito{
		clientID: clientID,
		users:    map[string]*fakeUser{},
		sessions: map[string]*authSession{},
		idTokens: map[string]string{},
	}
}

// addUser creates a user as AdminCreateUser does; with temporary set the
// user must choose a new password at the first sign-in.
func (c *fakeCognito) addUser(email, password string, temporary bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// With UsernameAttributes ["email"] the user name is a generated UUID.
	c.users[email] = &fakeUser{sub: fmt.Sprintf("5c1f%04x-0000-4000-8000-00000000%04x", len(c.users), len(c.users)),
		email: email, password: password, mustChangePassword: temporary}
}

// apiError is an error answer: its Type becomes __type.
type apiError struct{ Type, Message string }

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func fail(typ, format string, args ...any) *apiError {
	return &apiError{Type: typ, Message: fmt.Sprintf(format, args...)}
}

const targetPrefix = "AWSCognitoIdentityProviderService."

func (c *fakeCognito) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Cognito answers browsers' CORS preflights and allows any origin.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", "POST")
		w.Header().Set("Access-Control-Allow-Headers", "content-type, x-amz-target, x-amz-user-agent, cache-control")
		w.Header().Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusOK)
		return
	}
	action, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	resp, err := c.handle(r, action)
	c.mu.Lock()
	if err != nil {
		c.calls = append(c.calls, action+":"+err.Type)
	} else {
		c.calls = append(c.calls, action)
	}
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000")
	if err != nil {
		w.Header().Set("x-amzn-ErrorType", err.Type)
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": err.Type, "message": err.Message})
		return
	}
	_ = json.NewEncoder(w).Encode(resp)
}

func (c *fakeCognito) handle(r *http.Request, action string) (any, *apiError) {
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		return nil, fail("UnknownOperationException", "%s %s", r.Method, r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		return nil, fail("SerializationException", "Content-Type %q is not application/x-amz-json-1.1", ct)
	}
	var body bytes.Buffer
	if _, err := body.ReadFrom(r.Body); err != nil {
		return nil, fail("SerializationException", "%v", err)
	}
	decode := func(v any) *apiError {
		d := json.NewDecoder(&body)
		d.DisallowUnknownFields()
		if err := d.Decode(v); err != nil {
			return fail("InvalidParameterException", "%s: %v", action, err)
		}
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch action {
	case "InitiateAuth":
		var in struct {
			AuthFlow       string
			ClientId       string
			AuthParameters map[string]string
		}
		if err := decode(&in); err != nil {
			return nil, err
		}
		return c.initiateAuth(in.AuthFlow, in.ClientId, in.AuthParameters)
	case "RespondToAuthChallenge":
		var in struct {
			ChallengeName      string
			ClientId           string
			Session            string
			ChallengeResponses map[string]string
		}
		if err := decode(&in); err != nil {
			return nil, err
		}
		return c.respond(in.ChallengeName, in.ClientId, in.Session, in.ChallengeResponses)
	case "AssociateSoftwareToken":
		var in struct{ AccessToken, Session string }
		if err := decode(&in); err != nil {
			return nil, err
		}
		return c.associate(in.AccessToken, in.Session)
	case "VerifySoftwareToken":
		var in struct{ AccessToken, Session, UserCode, FriendlyDeviceName string }
		if err := decode(&in); err != nil {
			return nil, err
		}
		return c.verify(in.AccessToken, in.Session, in.UserCode, in.FriendlyDeviceName)
	}
	return nil, fail("UnknownOperationException", "X-Amz-Target %q is not an operation of this stand-in", r.Header.Get("X-Amz-Target"))
}

func (c *fakeCognito) checkClient(id string) *apiError {
	if id != c.clientID {
		return fail("ResourceNotFoundException", "User pool client %s does not exist.", id)
	}
	return nil
}

func (c *fakeCognito) initiateAuth(flow, clientID string, params map[string]string) (any, *apiError) {
	if err := c.checkClient(clientID); err != nil {
		return nil, err
	}
	if flow != "USER_PASSWORD_AUTH" {
		return nil, fail("InvalidParameterException", "AuthFlow %q is not enabled in this stand-in", flow)
	}
	u := c.users[params["USERNAME"]]
	if u == nil || params["PASSWORD"] != u.password {
		return nil, fail("NotAuthorizedException", "Incorrect username or password.")
	}
	return c.next(u), nil
}

// next is the step after a user has proved their password (or chosen a new
// one): the pool requires TOTP.
func (c *fakeCognito) next(u *fakeUser) map[string]any {
	params := map[string]string{"USER_ID_FOR_SRP": u.sub}
	var name string
	switch {
	case u.mustChangePassword:
		name = "NEW_PASSWORD_REQUIRED"
		params["requiredAttributes"] = "[]"
		params["userAttributes"] = fmt.Sprintf(`{"email_verified":"true","email":%q}`, u.email)
	case u.secret == "":
		name = "MFA_SETUP"
		params["MFAS_CAN_SETUP"] = `["SOFTWARE_TOKEN_MFA"]`
	default:
		name = "SOFTWARE_TOKEN_MFA"
		params["FRIENDLY_DEVICE_NAME"] = u.deviceName
	}
	return map[string]any{"ChallengeName": name, "ChallengeParameters": params, "Session": c.newSession(u, name)}
}

func (c *fakeCognito) now() time.Time { return time.Now().Add(c.skew) }

func (c *fakeCognito) newSession(u *fakeUser, step string) string {
	// SessionType: 20 to 2048 characters.
	s := randomString(96)
	c.sessions[s] = &authSession{user: u, step: step, expires: c.now().Add(sessionLifetime)}
	return s
}

// session finds a usable session for step. The caller marks it used once
// the step succeeds; a wrong code leaves it usable.
func (c *fakeCognito) session(id, step string) (*authSession, *apiError) {
	s := c.sessions[id]
	switch {
	case len(id) < 20 || len(id) > 2048:
		return nil, fail("InvalidParameterException", "1 validation error detected: Value at 'session' failed to satisfy constraint: Member must have length between 20 and 2048")
	case s == nil:
		return nil, fail("NotAuthorizedException", "Invalid session for the user.")
	case s.used:
		return nil, fail("NotAuthorizedException", "Invalid session for the user, session can only be used once.")
	case !c.now().Before(s.expires):
		return nil, fail("NotAuthorizedException", "Invalid session for the user, session is expired.")
	case s.step != step:
		return nil, fail("NotAuthorizedException", "Invalid session for the user: it is for %s, not %s.", s.step, step)
	}
	return s, nil
}

func (c *fakeCognito) respond(name, clientID, sessionID string, resp map[string]string) (any, *apiError) {
	if err := c.checkClient(clientID); err != nil {
		return nil, err
	}
	s, err := c.session(sessionID, name)
	if err != nil {
		return nil, err
	}
	u := s.user
	// Every challenge response names the user, by user name or alias.
	if got := resp["USERNAME"]; got != u.sub && got != u.email {
		return nil, fail("NotAuthorizedException", "USERNAME %q does not match the session's user.", got)
	}
	switch name {
	case "NEW_PASSWORD_REQUIRED":
		p := resp["NEW_PASSWORD"]
		if len(p) < 8 || p == u.password {
			return nil, fail("InvalidPasswordException", "Password does not conform to policy: Password not long enough")
		}
		s.used = true
		u.password, u.mustChangePassword = p, false
		return c.next(u), nil
	case "MFA_SETUP":
		// The Session from VerifySoftwareToken is the whole answer.
		s.used = true
		return c.tokens(u), nil
	case "SOFTWARE_TOKEN_MFA":
		if err := c.checkCode(u, u.secret, resp["SOFTWARE_TOKEN_MFA_CODE"], "CodeMismatchException", "Invalid code received for user"); err != nil {
			return nil, err
		}
		s.used = true
		return c.tokens(u), nil
	}
	return nil, fail("InvalidParameterException", "ChallengeName %q is not supported by this stand-in", name)
}

func (c *fakeCognito) associate(accessToken, sessionID string) (any, *apiError) {
	if accessToken != "" {
		return nil, fail("InvalidParameterException", "this stand-in takes a Session, not an AccessToken")
	}
	s, err := c.session(sessionID, "MFA_SETUP")
	if err != nil {
		return nil, err
	}
	s.used = true
	// SecretCodeType: at least 16 of [A-Za-z0-9]; Cognito's are base32.
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s.user.pendingSecret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
	return map[string]string{"SecretCode": s.user.pendingSecret, "Session": c.newSession(s.user, "VerifySoftwareToken")}, nil
}

var userCode = regexp.MustCompile(`^[0-9]{6}$`) // SoftwareTokenMFAUserCodeType

func (c *fakeCognito) verify(accessToken, sessionID, code, device string) (any, *apiError) {
	if accessToken != "" {
		return nil, fail("InvalidParameterException", "this stand-in takes a Session, not an AccessToken")
	}
	s, err := c.session(sessionID, "VerifySoftwareToken")
	if err != nil {
		return nil, err
	}
	u := s.user
	if err := c.checkCode(u, u.pendingSecret, code, "EnableSoftwareTokenMFAException", "Code mismatch"); err != nil {
		return nil, err
	}
	s.used = true
	u.secret, u.pendingSecret, u.deviceName = u.pendingSecret, "", device
	return map[string]string{"Status": "SUCCESS", "Session": c.newSession(u, "MFA_SETUP")}, nil
}

// checkCode accepts a TOTP of the current step or one step either side,
// unless a code of that step or a later one was accepted before.
func (c *fakeCognito) checkCode(u *fakeUser, secret, code, mismatchType, mismatchMessage string) *apiError {
	if !userCode.MatchString(code) {
		return fail("InvalidParameterException", "1 validation error detected: Value at 'userCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+ and have length 6")
	}
	now := time.Now()
	for _, d := range []int64{-1, 0, 1} {
		at := now.Add(time.Duration(d) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err != nil {
			return fail("InternalErrorException", "%v", err)
		}
		if step := at.Unix() / 30; want == code && step > u.lastStep {
			u.lastStep = step
			return nil
		}
	}
	return fail(mismatchType, "%s", mismatchMessage)
}

// tokens is an AuthenticationResult. The ID token is JWT-shaped so the page
// can read the e-mail claim it shows; nothing checks its signature.
func (c *fakeCognito) tokens(u *fakeUser) map[string]any {
	b64 := func(v any) string {
		j, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(j)
	}
	exp := time.Now().Add(time.Hour).Unix()
	id := b64(map[string]string{"alg": "RS256", "kid": "stand-in"}) + "." +
		b64(map[string]any{"sub": u.sub, "email": u.email, "cognito:username": u.sub, "token_use": "id", "aud": c.clientID, "exp": exp}) + "." +
		randomString(43)
	c.idTokens[id] = u.email
	access := b64(map[string]string{"alg": "RS256"}) + "." + b64(map[string]any{"sub": u.sub, "token_use": "access", "exp": exp}) + "." + randomString(43)
	return map[string]any{
		"AuthenticationResult": map[string]any{
			"AccessToken": access, "IdToken": id, "RefreshToken": randomString(64), "ExpiresIn": 3600, "TokenType": "Bearer",
		},
		"ChallengeParameters": map[string]string{},
	}
}

// idTokenUser returns whose ID token tok is, or "".
func (c *fakeCognito) idTokenUser(tok string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.idTokens[tok]
}

func (c *fakeCognito) user(email string) fakeUser {
	c.mu.Lock()
	defer c.mu.Unlock()
	return *c.users[email]
}

func (c *fakeCognito) setSkew(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skew = d
}

// takeCalls returns the calls since the last takeCalls.
func (c *fakeCognito) takeCalls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	calls := slices.Clone(c.calls)
	c.calls = nil
	return calls
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}
