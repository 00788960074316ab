// Package fakeaws is a fake of the parts of AWS Lambda and AWS CodeDeploy
// that kumo's release uses, speaking their wire protocols (Lambda's REST-JSON,
// CodeDeploy's JSON 1.1) on a loopback HTTP endpoint, so that real AWS SDK v2
// clients — in a test, or in the kumo provider plugin started by the Pulumi
// engine — work against it when AWS_ENDPOINT_URL points at it. Tests script
// it: they set up functions, change them behind the release's back, make the
// next CodeDeploy deployments fail on an alarm or a hook or hang, and read
// back every request it served.
package fakeaws

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Account is the AWS account id in every ARN the fake returns.
const Account = "123456789012"

// defaultRegion is used in ARNs when a request's signature names no region.
const defaultRegion = "us-east-1"

// Request is one request the fake served.
type Request struct {
	// Service is "lambda" or "codedeploy".
	Service string
	// Op is the API operation, e.g. PublishVersion or CreateDeployment.
	Op string
	// Method and Path are the HTTP method and the unescaped URL path.
	Method string
	Path   string
	// Body is the request body as sent.
	Body string
}

// mutatingOps are the operations that change something in AWS.
var mutatingOps = map[string]bool{
	"PublishVersion":   true,
	"CreateAlias":      true,
	"UpdateAlias":      true,
	"DeleteAlias":      true,
	"CreateDeployment": true,
	"StopDeployment":   true,
}

// Mutating reports whether the request changes something in AWS.
func (r Request) Mutating() bool { return mutatingOps[r.Op] }

// Server is the fake endpoint. Create it with New, then Start it. All its
// methods are safe for concurrent use.
type Server struct {
	mu  sync.Mutex
	srv *httptest.Server

	functions map[string]*function
	gen       int // source of revision ids and configuration revisions

	deployments    []*deployment // in creation order
	nextDeployment int
	customConfigs  map[string]bool
	script         failureScript

	requests []Request
	now      func() time.Time
}

// New returns a fake with no functions and no deployments.
func New() *Server {
	return &Server{
		functions:     map[string]*function{},
		customConfigs: map[string]bool{},
		now:           time.Now,
	}
}

// Start serves the fake on a free port of 127.0.0.1 (never on another
// interface) and returns its base URL, e.g. http://127.0.0.1:38291, for
// AWS_ENDPOINT_URL or an SDK client's BaseEndpoint. Close stops it.
func (s *Server) Start() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return s.srv.URL
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("fakeaws: listen on 127.0.0.1: %v", err))
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	s.srv = srv
	return srv.URL
}

// URL returns the base URL of a started fake, or "" before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return ""
	}
	return s.srv.URL
}

// Close stops serving; it is safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Requests returns every request served so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Mutations returns the requests that changed something (publish, alias
// create/update/delete, deployment create/stop), oldest first.
func (s *Server) Mutations() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Mutating() {
			out = append(out, r)
		}
	}
	return out
}

// Calls returns the served requests of one operation, oldest first.
func (s *Server) Calls(op string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Op == op {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests forgets the requests served so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

const lambdaPrefix = "/2015-03-31/functions/"

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	region := signingRegion(r)

	s.mu.Lock()
	defer s.mu.Unlock()
	switch target := r.Header.Get("X-Amz-Target"); {
	case strings.HasPrefix(target, codeDeployTargetPrefix):
		op := strings.TrimPrefix(target, codeDeployTargetPrefix)
		s.record("codedeploy", op, r, body)
		s.serveCodeDeploy(w, op, body)
	case strings.HasPrefix(r.URL.Path, lambdaPrefix):
		op, fn, alias := lambdaRoute(r.Method, strings.TrimPrefix(r.URL.Path, lambdaPrefix))
		s.record("lambda", op, r, body)
		s.serveLambda(w, r, op, fn, alias, region, body)
	default:
		s.record("unknown", "", r, body)
		writeLambdaError(w, http.StatusNotFound, "UnknownOperationException",
			fmt.Sprintf("fakeaws serves Lambda (%s…) and CodeDeploy (X-Amz-Target %s…), not %s %s",
				lambdaPrefix, codeDeployTargetPrefix, r.Method, r.URL.Path))
	}
}

func (s *Server) record(service, op string, r *http.Request, body []byte) {
	s.requests = append(s.requests, Request{
		Service: service,
		Op:      op,
		Method:  r.Method,
		Path:    r.URL.Path,
		Body:    string(body),
	})
}

// credentialScopeRE finds the region in a SigV4 Authorization header:
// Credential=AKID/20250101/eu-west-1/lambda/aws4_request.
var credentialScopeRE = regexp.MustCompile(`Credential=[^/]+/\d{8}/([a-z0-9-]+)/`)

// signingRegion is the region the client signed for, so ARNs carry it.
func signingRegion(r *http.Request) string {
	if m := credentialScopeRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1]
	}
	return defaultRegion
}
