package items

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

const (
	testOrigin = "https://d111111abcdef8.cloudfront.net"
	missingID  = "9b2f2f4e-4f0a-4a43-9c55-6a4f1d3e0000"
)

// The callers of the tests, as their claims arrive.
var (
	alice = map[string]string{"sub": "a1a1a1a1-0000-4000-8000-00000000a11c", "email": "alice@example.com"}
	bob   = map[string]string{"sub": "b0b0b0b0-0000-4000-8000-000000000b0b", "email": "bob@example.com"}
	admin = map[string]string{"sub": "ad000000-0000-4000-8000-00000000ad01", "cognito:groups": "admins"}
)

// spyDB passes every call to dynalite, records which operations were
// called, and can make one fail or every one panic first, for the paths a
// healthy server never takes.
type spyDB struct {
	DynamoDB

	mu     sync.Mutex
	calls  []string
	errs   map[string]error
	panics bool
}

func (s *spyDB) before(op string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, op)
	if s.panics {
		panic(op + " exploded")
	}
	return s.errs[op]
}

// ops returns the operations called so far and forgets them.
func (s *spyDB) ops() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = nil
	return c
}

func (s *spyDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if err := s.before("GetItem"); err != nil {
		return nil, err
	}
	return s.DynamoDB.GetItem(ctx, in, o...)
}

func (s *spyDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := s.before("PutItem"); err != nil {
		return nil, err
	}
	return s.DynamoDB.PutItem(ctx, in, o...)
}

func (s *spyDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := s.before("UpdateItem"); err != nil {
		return nil, err
	}
	return s.DynamoDB.UpdateItem(ctx, in, o...)
}

func (s *spyDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if err := s.before("DeleteItem"); err != nil {
		return nil, err
	}
	return s.DynamoDB.DeleteItem(ctx, in, o...)
}

func (s *spyDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if err := s.before("Query"); err != nil {
		return nil, err
	}
	return s.DynamoDB.Query(ctx, in, o...)
}

func (s *spyDB) Scan(ctx context.Context, in *dynamodb.ScanInput, o ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	if err := s.before("Scan"); err != nil {
		return nil, err
	}
	return s.DynamoDB.Scan(ctx, in, o...)
}

type env struct {
	t     *testing.T
	ctx   context.Context
	raw   *dynamodb.Client
	table string
	db    *spyDB
	store *Store
	h     *Handler
	logs  *bytes.Buffer
	now   time.Time
	ids   int
}

// newEnv is a Handler on a fresh table in dynalite. Every call the test
// makes is bounded by the test's context, 60 s at most.
func newEnv(t *testing.T) *env {
	t.Helper()
	raw := dynamo(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	e := &env{t: t, ctx: ctx, raw: raw, logs: &bytes.Buffer{}, now: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)}
	e.table = newTable(t, ctx, raw)
	e.db = &spyDB{DynamoDB: raw, errs: map[string]error{}}
	e.store = e.newStore()
	e.h = NewHandler(e.store, testOrigin, slog.New(slog.NewJSONHandler(e.logs, nil)))
	return e
}

// newStore is another Store on the env's table, as another function
// instance would have, with the env's clock and ids.
func (e *env) newStore() *Store {
	s := NewStore(e.db, e.table)
	s.Now = func() time.Time { return e.now }
	s.NewID = func() string {
		e.ids++
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", e.ids)
	}
	return s
}

// do sends req and checks what every response must have: the JSON content
// type, the CORS headers, and a JSON body unless the status is 204.
func (e *env) do(req Request) Response {
	e.t.Helper()
	resp := e.h.Handle(e.ctx, req)
	if got := resp.Headers["Content-Type"]; got != "application/json" {
		e.t.Errorf("%s %s: Content-Type = %q; want application/json", req.Method, req.Resource, got)
	}
	if got := resp.Headers["Access-Control-Allow-Origin"]; got != testOrigin {
		e.t.Errorf("%s %s: Access-Control-Allow-Origin = %q; want %q", req.Method, req.Resource, got, testOrigin)
	}
	if got := resp.Headers["Access-Control-Expose-Headers"]; got != "ETag" {
		e.t.Errorf("%s %s: Access-Control-Expose-Headers = %q; want ETag", req.Method, req.Resource, got)
	}
	switch {
	case resp.Status == http.StatusNoContent && resp.Body != "":
		e.t.Errorf("%s %s: 204 with body %q; want none", req.Method, req.Resource, resp.Body)
	case resp.Status != http.StatusNoContent && !json.Valid([]byte(resp.Body)):
		e.t.Errorf("%s %s: body is not JSON: %q", req.Method, req.Resource, resp.Body)
	}
	return resp
}

// create adds an item owned by the caller with claims through the API.
func (e *env) create(name string, claims map[string]string) Item {
	e.t.Helper()
	resp := e.do(Request{Method: "POST", Resource: CollectionResource, Body: fmt.Sprintf(`{"name":%q}`, name), Claims: claims})
	if resp.Status != http.StatusCreated {
		e.t.Fatalf("create %q: got status %d (%s); want 201", name, resp.Status, resp.Body)
	}
	return decode[Item](e.t, resp.Body)
}

// stored reads the item with id straight from the table, past the API.
func (e *env) stored(id string) (Item, bool) {
	e.t.Helper()
	it, found, err := e.store.read(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return it, found
}

func itemReq(method, id, body string, claims map[string]string, ifMatch string) Request {
	r := Request{Method: method, Resource: ItemResource, PathParams: map[string]string{"id": id}, Body: body, Claims: claims}
	if ifMatch != "" {
		r.Headers = map[string]string{"If-Match": ifMatch}
	}
	return r
}

func listReq(query map[string]string, claims map[string]string) Request {
	return Request{Method: "GET", Resource: CollectionResource, Query: query, Claims: claims}
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return v
}

func fields(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	for _, d := range decode[errorBody](t, body).Details {
		out = append(out, d.Field)
	}
	return out
}
