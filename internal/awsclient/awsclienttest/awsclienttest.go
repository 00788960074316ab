// Package awsclienttest holds loopback stand-ins for the AWS endpoints
// kumo's clients reach, for tests of where, as whom and how long they call:
// a fake STS that hands out an assumed role's credentials and says whose
// credentials signed a call, and an endpoint that accepts connections and
// never answers.
package awsclienttest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// The fake STS's assumed role: AssumeRole and AssumeRoleWithWebIdentity
// return these credentials, and GetCallerIdentity signed with them answers
// AssumedAccount.
const (
	AssumedAccessKey    = "ASIAFAKEASSUMEDROLE1"
	AssumedSecretKey    = "assumed-secret"
	AssumedSessionToken = "assumed-session-token"
	AssumedAccount      = "210987654321"
	// CallerAccount is the account of any other credentials.
	CallerAccount = "123456789012"
)

// Call is one request the fake STS served.
type Call struct {
	// Action is the STS operation, e.g. AssumeRole.
	Action string
	// AccessKey is the key id that signed the request; "" when unsigned, as
	// AssumeRoleWithWebIdentity is.
	AccessKey string
	// Region is the region of the signature's credential scope.
	Region string
	// Params are the request's form parameters (RoleArn, ExternalId, …).
	Params url.Values
}

// STS is a fake AWS STS speaking the query protocol on 127.0.0.1.
type STS struct {
	// URL is the endpoint, e.g. http://127.0.0.1:41234.
	URL string

	mu    sync.Mutex
	calls []Call
}

// NewSTS starts a fake STS, stopped when the test ends.
func NewSTS(t testing.TB) *STS {
	t.Helper()
	f := &STS{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	srv.Listener.Close()
	srv.Listener = listen(t)
	srv.Start()
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// Calls returns the calls served so far, oldest first.
func (f *STS) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

func (f *STS) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c := Call{Action: r.Form.Get("Action"), Params: r.Form}
	c.AccessKey, c.Region = CredentialScope(r.Header.Get("Authorization"))
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()

	w.Header().Set("Content-Type", "text/xml")
	const ns = `xmlns="https://sts.amazonaws.com/doc/2011-06-15/"`
	creds := fmt.Sprintf(`<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>`+
		`<SessionToken>%s</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>`,
		AssumedAccessKey, AssumedSecretKey, AssumedSessionToken)
	user := fmt.Sprintf(`<AssumedRoleUser><Arn>arn:aws:sts::%s:assumed-role/deployer/%s</Arn>`+
		`<AssumedRoleId>AROAFAKE:%[2]s</AssumedRoleId></AssumedRoleUser>`, AssumedAccount, r.Form.Get("RoleSessionName"))
	switch c.Action {
	case "AssumeRole", "AssumeRoleWithWebIdentity":
		fmt.Fprintf(w, `<%sResponse %s><%[1]sResult>%s%s</%[1]sResult><ResponseMetadata><RequestId>fake-1</RequestId></ResponseMetadata></%[1]sResponse>`,
			c.Action, ns, creds, user)
	case "GetCallerIdentity":
		account, arn := CallerAccount, "arn:aws:iam::"+CallerAccount+":user/caller"
		if c.AccessKey == AssumedAccessKey {
			account, arn = AssumedAccount, "arn:aws:sts::"+AssumedAccount+":assumed-role/deployer/kumo"
		}
		fmt.Fprintf(w, `<GetCallerIdentityResponse %s><GetCallerIdentityResult><Arn>%s</Arn><UserId>AIDAFAKE</UserId>`+
			`<Account>%s</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>fake-2</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
			ns, arn, account)
	default:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<ErrorResponse %s><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>fake STS does not implement %q</Message></Error></ErrorResponse>`,
			ns, c.Action)
	}
}

// CredentialScope returns the access key and region of a SigV4
// Authorization header: Credential=<key>/<date>/<region>/<service>/aws4_request.
func CredentialScope(auth string) (key, region string) {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "", ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) < 3 {
		return parts[0], ""
	}
	return parts[0], parts[2]
}

// Hang starts an endpoint that accepts every connection and never answers,
// as a wedged load balancer or a firewall that swallows packets after the
// handshake does, and returns its URL. It stops when the test ends.
func Hang(t testing.TB) string {
	t.Helper()
	ln := listen(t)
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed at cleanup
			}
			mu.Lock()
			conns = append(conns, c) // held open, never read or written
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// listen listens on a free port of 127.0.0.1, never another interface.
func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.1: %v", err)
	}
	return ln
}
