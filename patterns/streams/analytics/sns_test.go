package analytics

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
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
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// snsServer implements SNS's Publish as the service documents it
// (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html), over the
// query protocol the SDK speaks to SNS, strictly: a request it would not
// accept from AWS's own SDK (a bad signature, an unknown parameter, a
// subject or message over its limits, another topic) gets SNS's error
// response, and the client sees the error AWS would give. No npm package
// implements SNS, hence this one.
type snsServer struct {
	t        testing.TB
	srv      *httptest.Server
	topicARN string
	region   string
	creds    aws.Credentials

	mu        sync.Mutex
	published []published
	failNext  int // answer so many requests with a 500 InternalError
	requests  int
}

type published struct {
	Subject, Message string
	Attributes       map[string]string
}

func newSNSServer(t testing.TB, topicARN string) *snsServer {
	s := &snsServer{
		t: t, topicARN: topicARN, region: "eu-west-1",
		creds: aws.Credentials{AccessKeyID: "AKIDSNSTEST", SecretAccessKey: "sns-test-secret", Source: "test"},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// client is an SNS client of the server, bounded as the function's own.
func (s *snsServer) client() *sns.Client {
	creds := s.creds
	return sns.New(sns.Options{
		Region:       s.region,
		BaseEndpoint: aws.String(s.srv.URL),
		Credentials:  aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil }),
		HTTPClient:   &http.Client{Timeout: 5 * time.Second},
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 2
			o.MaxBackoff = 10 * time.Millisecond
		}),
	})
}

func (s *snsServer) messages() []published {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]published(nil), s.published...)
}

func (s *snsServer) fail(n int) {
	s.mu.Lock()
	s.failNext = n
	s.mu.Unlock()
}

type snsError struct {
	status    int
	typ, code string
	message   string
}

var authHeader = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([a-z0-9-]+)/([a-z0-9]+)/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

// Publish's parameters: the request's own and its message attributes'.
var publishParam = regexp.MustCompile(`^(Action|Version|TopicArn|TargetArn|PhoneNumber|Message|Subject|MessageStructure|MessageDeduplicationId|MessageGroupId|MessageAttributes\.entry\.\d+\.(Name|Value\.DataType|Value\.StringValue|Value\.BinaryValue))$`)

func (s *snsServer) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.requests++
	fail := s.failNext > 0
	if fail {
		s.failNext--
	}
	s.mu.Unlock()
	if fail {
		s.writeError(w, snsError{http.StatusInternalServerError, "Receiver", "InternalError", "injected failure"})
		return
	}
	if e := s.check(r, body); e != nil {
		s.writeError(w, *e)
		return
	}
	form, _ := url.ParseQuery(string(body))
	p := published{Subject: form.Get("Subject"), Message: form.Get("Message"), Attributes: map[string]string{}}
	for i := 1; form.Has(fmt.Sprintf("MessageAttributes.entry.%d.Name", i)); i++ {
		pre := fmt.Sprintf("MessageAttributes.entry.%d.", i)
		p.Attributes[form.Get(pre+"Name")] = form.Get(pre+"Value.DataType") + ":" + form.Get(pre+"Value.StringValue")
	}
	s.mu.Lock()
	n := len(s.published)
	s.published = append(s.published, p)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>00000000-0000-4000-8000-%012d</MessageId></PublishResult><ResponseMetadata><RequestId>req-%d</RequestId></ResponseMetadata></PublishResponse>`, n, n)
}

func (s *snsServer) check(r *http.Request, body []byte) *snsError {
	sender := func(code, format string, args ...any) *snsError {
		return &snsError{http.StatusBadRequest, "Sender", code, fmt.Sprintf(format, args...)}
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		return sender("InvalidAction", "%s %s is not an SNS query endpoint", r.Method, r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return sender("InvalidParameterValue", "content type %q is not a form", ct)
	}
	if e := s.checkSignature(r, body); e != nil {
		return e
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return sender("MalformedQueryString", "%v", err)
	}
	for k := range form {
		if !publishParam.MatchString(k) {
			return sender("InvalidParameter", "Unknown parameter %s", k)
		}
	}
	if form.Get("Action") != "Publish" || form.Get("Version") != "2010-03-31" {
		return sender("InvalidAction", "Action %q, Version %q: want Publish, 2010-03-31", form.Get("Action"), form.Get("Version"))
	}
	if arn := form.Get("TopicArn"); arn != s.topicARN {
		return &snsError{http.StatusNotFound, "Sender", "NotFound", "Topic does not exist"}
	}
	msg := form.Get("Message")
	if msg == "" {
		return sender("InvalidParameter", "Invalid parameter: Empty message")
	}
	if len(msg) > 256*1024 {
		return sender("InvalidParameter", "Invalid parameter: Message too long")
	}
	if form.Has("Subject") {
		subj := form.Get("Subject")
		if subj == "" || len(subj) >= 100 || strings.IndexFunc(subj, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
			return sender("InvalidParameter", "Invalid parameter: Subject")
		}
	}
	for i := 1; form.Has(fmt.Sprintf("MessageAttributes.entry.%d.Name", i)); i++ {
		pre := fmt.Sprintf("MessageAttributes.entry.%d.", i)
		switch dt := form.Get(pre + "Value.DataType"); {
		case dt == "String" || dt == "Number" || dt == "String.Array":
			if form.Get(pre+"Value.StringValue") == "" {
				return sender("ParameterValueInvalid", "The message attribute '%s' must contain non-empty message attribute value", form.Get(pre+"Name"))
			}
		case dt == "Binary":
		default:
			return sender("ParameterValueInvalid", "The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", form.Get(pre+"Name"))
		}
	}
	return nil
}

// checkSignature recomputes the request's SigV4 signature from what
// arrived and the server's credentials.
func (s *snsServer) checkSignature(r *http.Request, body []byte) *snsError {
	denied := func(format string, args ...any) *snsError {
		return &snsError{http.StatusForbidden, "Sender", "SignatureDoesNotMatch", fmt.Sprintf(format, args...)}
	}
	m := authHeader.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return denied("no SigV4 Authorization header")
	}
	if m[1] != s.creds.AccessKeyID || m[3] != s.region || m[4] != "sns" {
		return denied("credential scope %s/%s/%s/%s", m[1], m[2], m[3], m[4])
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return denied("X-Amz-Date %q", r.Header.Get("X-Amz-Date"))
	}
	again, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	again.ContentLength = int64(len(body))
	for _, h := range strings.Split(m[5], ";") {
		if h != "host" && h != "content-length" {
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), s.creds, again, hex.EncodeToString(sum[:]), "sns", s.region, when); err != nil {
		return denied("%v", err)
	}
	if got := authHeader.FindStringSubmatch(again.Header.Get("Authorization")); got == nil || got[6] != m[6] || got[5] != m[5] {
		return denied("The request signature we calculated does not match the signature you provided.")
	}
	return nil
}

func (s *snsServer) writeError(w http.ResponseWriter, e snsError) {
	type errorResponse struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Xmlns   string   `xml:"xmlns,attr"`
		Type    string   `xml:"Error>Type"`
		Code    string   `xml:"Error>Code"`
		Message string   `xml:"Error>Message"`
		ReqID   string   `xml:"RequestId"`
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.status)
	_ = xml.NewEncoder(w).Encode(errorResponse{Xmlns: "http://sns.amazonaws.com/doc/2010-03-31/", Type: e.typ, Code: e.code, Message: e.message, ReqID: "req-error"})
}

// The fake refuses what SNS refuses, so a handler that sends it is caught
// here.
func TestSNSServerIsStrict(t *testing.T) {
	s := newSNSServer(t, "arn:aws:sns:eu-west-1:123456789012:alerts")
	c := s.client()
	ctx := context.Background()
	if _, err := c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(s.topicARN), Message: aws.String("hello"), Subject: aws.String("hi")}); err != nil {
		t.Fatalf("a valid publish: %v", err)
	}
	for _, tc := range []struct {
		name string
		in   *sns.PublishInput
		want string
	}{
		{"another topic", &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:eu-west-1:123456789012:other"), Message: aws.String("x")}, "NotFound"},
		{"empty message", &sns.PublishInput{TopicArn: aws.String(s.topicARN), Message: aws.String("")}, "Empty message"},
		{"long subject", &sns.PublishInput{TopicArn: aws.String(s.topicARN), Message: aws.String("x"), Subject: aws.String(strings.Repeat("s", 100))}, "Subject"},
		{"subject with a line break", &sns.PublishInput{TopicArn: aws.String(s.topicARN), Message: aws.String("x"), Subject: aws.String("a\nb")}, "Subject"},
		{"long message", &sns.PublishInput{TopicArn: aws.String(s.topicARN), Message: aws.String(strings.Repeat("m", 256*1024+1))}, "Message too long"},
	} {
		if _, err := c.Publish(ctx, tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v; want an error containing %q", tc.name, err, tc.want)
		}
	}
	s.creds.SecretAccessKey = "rotated" // c signs with the old secret
	if _, err := c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(s.topicARN), Message: aws.String("x")}); err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Errorf("a bad signature: got %v; want SignatureDoesNotMatch", err)
	}
	if got := len(s.messages()); got != 1 {
		t.Errorf("got %d messages published; want only the valid one", got)
	}
}
