package searchindex

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// There is no local OpenSearch here, so the tests run against fakeSearch:
// an HTTPS server that speaks the part of OpenSearch's REST protocol the
// Indexer uses (HEAD and PUT /<index>, POST /<index>/_bulk) and is strict
// about it. It checks every request's SigV4 signature by signing it again
// with the same credentials, refuses malformed NDJSON (an action line that
// is not exactly one known action with an _id, a missing or extra source
// line, no final newline, an _id over 512 bytes), refuses documents whose
// catalog fields do not fit the index's mapping, and can be told to fail
// whole requests or single items.
//
// Protocol references: bulk https://docs.opensearch.org/latest/api-reference/document-apis/bulk/,
// index exists https://docs.opensearch.org/latest/api-reference/index-apis/exists/,
// create index https://docs.opensearch.org/latest/api-reference/index-apis/create-index/.
type fakeSearch struct {
	srv    *httptest.Server
	creds  aws.Credentials
	region string

	mu       sync.Mutex
	indices  map[string]json.RawMessage           // name → body it was created with
	docs     map[string]map[string]map[string]any // index → id → source
	requests []string                             // "METHOD /path", in order
	problems []string                             // protocol violations seen
	// failStatus answers the next len(failStatus) requests with these
	// statuses instead of serving them.
	failStatus []int
	// itemErrors makes actions on these ids fail with this status and
	// error type.
	itemErrors map[string]itemError
	// hideIndex answers HEAD with 404 although the index exists: another
	// execution environment created it after this one asked.
	hideIndex bool
}

type itemError struct {
	status int
	kind   string
}

var (
	testCreds = aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: "session-token"}
)

func newFakeSearch() *fakeSearch {
	f := &fakeSearch{
		creds:      testCreds,
		region:     "eu-west-1",
		indices:    map[string]json.RawMessage{},
		docs:       map[string]map[string]map[string]any{},
		itemErrors: map[string]itemError{},
	}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	return f
}

func (f *fakeSearch) problem(format string, args ...any) {
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func errorBody(status int, kind, reason string) map[string]any {
	return map[string]any{"error": map[string]any{"root_cause": []any{map[string]any{"type": kind, "reason": reason}}, "type": kind, "reason": reason}, "status": status}
}

func (f *fakeSearch) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	if err := f.verifySignature(r, body); err != nil {
		f.problem("%s %s: %v", r.Method, r.URL.Path, err)
		writeJSON(w, http.StatusForbidden, map[string]any{"message": err.Error()})
		return
	}
	if len(f.failStatus) > 0 {
		status := f.failStatus[0]
		f.failStatus = f.failStatus[1:]
		writeJSON(w, status, errorBody(status, "injected", "injected failure"))
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 1 && r.Method == http.MethodHead:
		_, ok := f.indices[parts[0]]
		if !ok || f.hideIndex {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	case len(parts) == 1 && r.Method == http.MethodPut:
		f.createIndex(w, r, parts[0], body)
	case len(parts) == 2 && parts[1] == "_bulk" && r.Method == http.MethodPost:
		f.bulk(w, r, parts[0], body)
	default:
		f.problem("unexpected request %s %s", r.Method, r.URL.Path)
		writeJSON(w, http.StatusMethodNotAllowed, errorBody(405, "illegal_argument_exception", "unexpected "+r.Method+" "+r.URL.Path))
	}
}

var (
	authHeader = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)
)

// verifySignature checks that the request is signed with SigV4 for
// service "es" in the fake's region with its credentials, over exactly
// this body, by signing a copy of the signed part again.
func (f *fakeSearch) verifySignature(r *http.Request, body []byte) error {
	auth := r.Header.Get("Authorization")
	m := authHeader.FindStringSubmatch(auth)
	if m == nil {
		return fmt.Errorf("Authorization %q is not a SigV4 header", auth)
	}
	keyID, date, region, service, signed := m[1], m[2], m[3], m[4], strings.Split(m[5], ";")
	if service != SigningService || region != f.region || keyID != f.creds.AccessKeyID {
		return fmt.Errorf("signed for service %q, region %q, key %q; want %q, %q, %q", service, region, keyID, SigningService, f.region, f.creds.AccessKeyID)
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil || at.Format("20060102") != date {
		return fmt.Errorf("X-Amz-Date %q does not match the credential date %s", r.Header.Get("X-Amz-Date"), date)
	}
	if time.Since(at).Abs() > 5*time.Minute {
		return fmt.Errorf("signed at %s, more than 5 minutes from now", at)
	}
	sum := sha256.Sum256(body)
	if got := r.Header.Get("X-Amz-Content-Sha256"); got != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("X-Amz-Content-Sha256 %q is not the body's hash", got)
	}
	if r.Header.Get("X-Amz-Security-Token") != f.creds.SessionToken {
		return fmt.Errorf("X-Amz-Security-Token missing: temporary credentials need it")
	}
	for _, need := range []string{"host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"} {
		if !contains(signed, need) {
			return fmt.Errorf("SignedHeaders %v lack %s", signed, need)
		}
	}
	again, err := http.NewRequest(r.Method, "https://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	again.ContentLength = r.ContentLength
	for _, h := range signed {
		if h != "host" && h != "content-length" {
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	again.Header.Del("X-Amz-Security-Token") // the signer adds it again
	again.Header.Del("X-Amz-Date")
	if err := v4.NewSigner().SignHTTP(context.Background(), f.creds, again, hex.EncodeToString(sum[:]), SigningService, f.region, at); err != nil {
		return err
	}
	if got := again.Header.Get("Authorization"); got != auth {
		return fmt.Errorf("signature does not verify:\n got  %s\n want %s", auth, got)
	}
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (f *fakeSearch) createIndex(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	if err := ValidateIndexName(name); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody(400, "invalid_index_name_exception", err.Error()))
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		f.problem("create index with Content-Type %q", r.Header.Get("Content-Type"))
	}
	var spec struct {
		Mappings json.RawMessage `json:"mappings"`
	}
	if err := json.Unmarshal(body, &spec); err != nil || spec.Mappings == nil {
		writeJSON(w, http.StatusBadRequest, errorBody(400, "mapper_parsing_exception", "body is not a create-index request with mappings"))
		return
	}
	if _, ok := f.indices[name]; ok {
		writeJSON(w, http.StatusBadRequest, errorBody(400, "resource_already_exists_exception", "index ["+name+"/x1] already exists"))
		return
	}
	f.indices[name] = body
	f.docs[name] = map[string]map[string]any{}
	writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true, "shards_acknowledged": true, "index": name})
}

func (f *fakeSearch) bulk(w http.ResponseWriter, r *http.Request, index string, body []byte) {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/x-ndjson") {
		writeJSON(w, http.StatusNotAcceptable, errorBody(406, "illegal_argument_exception", "Content-Type "+ct))
		return
	}
	if len(body) == 0 || body[len(body)-1] != '\n' {
		writeJSON(w, http.StatusBadRequest, errorBody(400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]"))
		return
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	var items []any
	for i := 0; i < len(lines); i++ {
		var action map[string]map[string]json.RawMessage
		if err := json.Unmarshal([]byte(lines[i]), &action); err != nil || len(action) != 1 {
			f.problem("bulk line %d %q is not one action", i, lines[i])
			writeJSON(w, http.StatusBadRequest, errorBody(400, "illegal_argument_exception", fmt.Sprintf("Malformed action/metadata line [%d]", i+1)))
			return
		}
		var kind string
		var meta map[string]json.RawMessage
		for kind, meta = range action {
		}
		if kind != "index" && kind != "delete" && kind != "create" && kind != "update" {
			writeJSON(w, http.StatusBadRequest, errorBody(400, "illegal_argument_exception", "Malformed action/metadata line ["+fmt.Sprint(i+1)+"], expected one of [create, delete, index, update] but found ["+kind+"]"))
			return
		}
		var id string
		for k, v := range meta {
			switch k {
			case "_id":
				if json.Unmarshal(v, &id) != nil {
					id = ""
				}
			case "_index":
				var in string
				if json.Unmarshal(v, &in) != nil || in != index {
					f.problem("bulk line %d names index %s in a request to %s", i, v, index)
				}
			default:
				writeJSON(w, http.StatusBadRequest, errorBody(400, "illegal_argument_exception", "Action/metadata line ["+fmt.Sprint(i+1)+"] contains an unknown parameter ["+k+"]"))
				return
			}
		}
		if id == "" {
			f.problem("bulk line %d has no _id", i)
		}
		var source map[string]any
		if kind != "delete" {
			i++
			if i >= len(lines) {
				writeJSON(w, http.StatusBadRequest, errorBody(400, "illegal_argument_exception", "source line missing"))
				return
			}
			dec := json.NewDecoder(strings.NewReader(lines[i]))
			dec.UseNumber()
			if err := dec.Decode(&source); err != nil || source == nil {
				writeJSON(w, http.StatusBadRequest, errorBody(400, "mapper_parsing_exception", fmt.Sprintf("line %d is not a JSON object source", i+1)))
				return
			}
			// OpenSearch would index an action line sent in place of a
			// source as a document; no catalog entry looks like one, so
			// here it is a protocol error.
			if len(source) == 1 {
				for k := range source {
					if k == "index" || k == "delete" || k == "create" || k == "update" {
						f.problem("bulk line %d is an action where %s's source should be", i, id)
					}
				}
			}
		}
		items = append(items, map[string]any{kind: f.apply(index, kind, id, source)})
	}
	errorsSeen := false
	for _, it := range items {
		for _, res := range it.(map[string]any) {
			if st := res.(map[string]any)["status"].(int); st >= 300 && st != 404 {
				errorsSeen = true
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"took": 3, "errors": errorsSeen, "items": items})
}

// apply runs one action and returns its item result.
func (f *fakeSearch) apply(index, kind, id string, source map[string]any) map[string]any {
	res := map[string]any{"_index": index, "_id": id}
	fail := func(status int, typ, reason string) map[string]any {
		res["status"] = status
		res["error"] = map[string]any{"type": typ, "reason": reason, "index": index}
		return res
	}
	docs, ok := f.docs[index]
	if !ok {
		return fail(404, "index_not_found_exception", "no such index ["+index+"]")
	}
	if len(id) > 512 {
		return fail(400, "illegal_argument_exception", fmt.Sprintf("id [%s...] is too long, must be no longer than 512 bytes but was: %d", id[:16], len(id)))
	}
	if e, ok := f.itemErrors[id]; ok {
		return fail(e.status, e.kind, "injected item failure")
	}
	switch kind {
	case "index":
		if err := fitsMapping(source); err != nil {
			return fail(400, "mapper_parsing_exception", err.Error())
		}
		_, existed := docs[id]
		docs[id] = source
		res["status"], res["result"] = 201, "created"
		if existed {
			res["status"], res["result"] = 200, "updated"
		}
	case "delete":
		if _, existed := docs[id]; !existed {
			res["status"], res["result"] = 404, "not_found"
			return res
		}
		delete(docs, id)
		res["status"], res["result"] = 200, "deleted"
	default:
		f.problem("action %s, which the Indexer never sends", kind)
		return fail(400, "illegal_argument_exception", "unexpected action")
	}
	return res
}

// fitsMapping checks the fields Mapping types explicitly, as OpenSearch
// would when parsing the document.
func fitsMapping(doc map[string]any) error {
	var m struct {
		Mappings struct {
			Properties map[string]struct {
				Type string `json:"type"`
			} `json:"properties"`
		} `json:"mappings"`
	}
	if err := json.Unmarshal([]byte(Mapping), &m); err != nil {
		return err
	}
	for field, p := range m.Mappings.Properties {
		v, ok := doc[field]
		if !ok || v == nil {
			continue
		}
		switch p.Type {
		case "keyword":
			if _, ok := v.(string); !ok {
				return fmt.Errorf("failed to parse field [%s] of type [keyword]: %v", field, v)
			}
		case "long":
			n, ok := v.(json.Number)
			if _, err := n.Int64(); !ok || err != nil {
				return fmt.Errorf("failed to parse field [%s] of type [long]: %v", field, v)
			}
		case "date":
			s, ok := v.(string)
			if _, err := time.Parse(time.RFC3339Nano, s); !ok || err != nil {
				return fmt.Errorf("failed to parse field [%s] of type [date]: %v", field, v)
			}
		case "object":
			if _, ok := v.(map[string]any); !ok {
				return fmt.Errorf("object mapping for [%s] tried to parse field [%s] as object, but found a concrete value", field, field)
			}
		}
	}
	return nil
}

// state returns a copy of what the fake holds and has seen.
func (f *fakeSearch) state() (docs map[string]map[string]any, requests, problems []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	docs = map[string]map[string]any{}
	for id, d := range f.docs[DefaultIndex] {
		docs[id] = d
	}
	return docs, append([]string(nil), f.requests...), append([]string(nil), f.problems...)
}
