package fanout

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// lambdaServer implements Lambda's Invoke
// (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html) for one
// function alias, running the real Processor in process: the dispatcher's
// requests go over HTTP through the SDK as they would to Lambda, and a
// request Lambda would refuse (another function or qualifier, an
// asynchronous invocation type, an unsigned request, a payload over
// 6 MB) gets Lambda's error. No npm package implements Lambda, hence
// this one.
type lambdaServer struct {
	t        testing.TB
	srv      *httptest.Server
	aliasARN string
	proc     *Processor
	delay    time.Duration

	mu       sync.Mutex
	batches  []Batch // as received
	inFlight int
	maxIn    int
	// crash makes the processor fail (an unhandled error) on batches
	// holding an item whose data contains this.
	crash string
}

func newLambdaServer(t testing.TB, aliasARN string) *lambdaServer {
	s := &lambdaServer{t: t, aliasARN: aliasARN, proc: &Processor{Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *lambdaServer) client() *lambda.Client {
	return lambda.New(lambda.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(s.srv.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDLAMBDATEST", SecretAccessKey: "secret", Source: "test"}, nil
		}),
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 2
			o.MaxBackoff = 10 * time.Millisecond
		}),
	})
}

var invokePath = regexp.MustCompile(`^/2015-03-31/functions/([^/]+)/invocations$`)

func (s *lambdaServer) error(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}

func (s *lambdaServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m := invokePath.FindStringSubmatch(r.URL.EscapedPath())
	if r.Method != http.MethodPost || m == nil {
		s.error(w, http.StatusNotFound, "UnknownOperationException", "not an Invoke request")
		return
	}
	if !strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/lambda/aws4_request") {
		s.error(w, http.StatusForbidden, "InvalidSignatureException", "no SigV4 signature for lambda")
		return
	}
	name, _ := url.PathUnescape(m[1])
	if name != s.aliasARN || r.URL.Query().Get("Qualifier") != "" {
		s.error(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	if typ := r.Header.Get("X-Amz-Invocation-Type"); typ != "" && typ != "RequestResponse" {
		s.error(w, http.StatusBadRequest, "InvalidParameterValueException", "want RequestResponse, got "+typ)
		return
	}
	// 6 MB, as Lambda counts it (6 MiB).
	if len(body) > 6<<20 {
		s.error(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		return
	}
	var b Batch
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		s.unhandled(w, "Runtime.UnmarshalError", err.Error())
		return
	}
	s.mu.Lock()
	s.batches = append(s.batches, b)
	s.inFlight++
	s.maxIn = max(s.maxIn, s.inFlight)
	crash := s.crash
	s.mu.Unlock()
	defer func() { s.mu.Lock(); s.inFlight--; s.mu.Unlock() }()
	time.Sleep(s.delay)
	for _, it := range b.Items {
		if crash != "" && strings.Contains(string(it.Data), crash) {
			s.unhandled(w, "Runtime.ExitError", "RequestId: 1 Error: Runtime exited with error: exit status 2")
			return
		}
	}
	res, err := s.proc.Handle(r.Context(), b)
	if err != nil {
		s.unhandled(w, "errorString", err.Error())
		return
	}
	w.Header().Set("X-Amz-Executed-Version", "7")
	_ = json.NewEncoder(w).Encode(res)
}

// unhandled answers as Lambda does for a function error: 200, with the
// error in the payload and X-Amz-Function-Error set.
func (s *lambdaServer) unhandled(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("X-Amz-Function-Error", "Unhandled")
	_ = json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}

func (s *lambdaServer) received() ([]Batch, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Batch(nil), s.batches...), s.maxIn
}
