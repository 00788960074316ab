package items

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const (
	testTable  = "kumo-items-test"
	testOrigin = "https://d111111abcdef8.cloudfront.net"
	missingID  = "9b2f2f4e-4f0a-4a43-9c55-6a4f1d3e0000"
)

type env struct {
	t     *testing.T
	db    *fakeDB
	store *Store
	h     *Handler
	logs  *bytes.Buffer
	now   time.Time
	ids   int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, db: newFakeDB(testTable), logs: &bytes.Buffer{}, now: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)}
	e.store = NewStore(e.db, testTable)
	e.store.Now = func() time.Time { return e.now }
	e.store.NewID = func() string {
		e.ids++
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", e.ids)
	}
	e.h = NewHandler(e.store, testOrigin, slog.New(slog.NewJSONHandler(e.logs, nil)))
	return e
}

// do sends req and checks what every response must have: the JSON content
// type, the CORS header, and a JSON body unless the status is 204.
func (e *env) do(req Request) Response {
	e.t.Helper()
	resp := e.h.Handle(context.Background(), req)
	if got := resp.Headers["Content-Type"]; got != "application/json" {
		e.t.Errorf("%s %s: Content-Type = %q; want application/json", req.Method, req.Resource, got)
	}
	if got := resp.Headers["Access-Control-Allow-Origin"]; got != testOrigin {
		e.t.Errorf("%s %s: Access-Control-Allow-Origin = %q; want %q", req.Method, req.Resource, got, testOrigin)
	}
	switch {
	case resp.Status == http.StatusNoContent && resp.Body != "":
		e.t.Errorf("%s %s: 204 with body %q; want none", req.Method, req.Resource, resp.Body)
	case resp.Status != http.StatusNoContent && !json.Valid([]byte(resp.Body)):
		e.t.Errorf("%s %s: body is not JSON: %q", req.Method, req.Resource, resp.Body)
	}
	return resp
}

// create adds an item through the API and returns it.
func (e *env) create(name string, claims map[string]string) Item {
	e.t.Helper()
	resp := e.do(Request{Method: "POST", Resource: CollectionResource, Body: fmt.Sprintf(`{"name":%q}`, name), Claims: claims})
	if resp.Status != http.StatusCreated {
		e.t.Fatalf("create %q: got status %d (%s); want 201", name, resp.Status, resp.Body)
	}
	return decode[Item](e.t, resp.Body)
}

func itemReq(method, id, body string) Request {
	return Request{Method: method, Resource: ItemResource, PathParams: map[string]string{"id": id}, Body: body}
}

func listReq(query map[string]string) Request {
	return Request{Method: "GET", Resource: CollectionResource, Query: query}
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

func TestRouting(t *testing.T) {
	tests := []struct {
		name       string
		req        Request
		wantStatus int
		wantAllow  string
	}{
		{"unknown resource", Request{Method: "GET", Resource: "/users"}, 404, ""},
		{"empty resource", Request{Method: "GET"}, 404, ""},
		{"PATCH on collection", Request{Method: "PATCH", Resource: CollectionResource}, 405, "GET, POST, OPTIONS"},
		{"DELETE on collection", Request{Method: "DELETE", Resource: CollectionResource}, 405, "GET, POST, OPTIONS"},
		{"POST on item", itemReq("POST", missingID, "{}"), 405, "GET, PUT, DELETE, OPTIONS"},
		{"PATCH on item", itemReq("PATCH", missingID, "{}"), 405, "GET, PUT, DELETE, OPTIONS"},
		{"preflight on collection", Request{Method: "OPTIONS", Resource: CollectionResource}, 204, "GET, POST, OPTIONS"},
		{"preflight on item", itemReq("OPTIONS", missingID, ""), 204, "GET, PUT, DELETE, OPTIONS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			resp := e.do(tt.req)
			if resp.Status != tt.wantStatus {
				t.Errorf("got status %d (%s); want %d", resp.Status, resp.Body, tt.wantStatus)
			}
			if got := resp.Headers["Allow"]; got != tt.wantAllow {
				t.Errorf("got Allow %q; want %q", got, tt.wantAllow)
			}
			if tt.wantStatus == 204 {
				if got := resp.Headers["Access-Control-Allow-Methods"]; got != tt.wantAllow {
					t.Errorf("got Access-Control-Allow-Methods %q; want %q", got, tt.wantAllow)
				}
				if got := resp.Headers["Access-Control-Allow-Headers"]; !strings.Contains(got, "Authorization") {
					t.Errorf("got Access-Control-Allow-Headers %q; want it to allow Authorization", got)
				}
			} else if got := decode[errorBody](t, resp.Body).Error; got == "" {
				t.Errorf("got empty error message in %s; want one", resp.Body)
			}
		})
	}
}

func TestCreate(t *testing.T) {
	e := newEnv(t)
	resp := e.do(Request{
		Method:   "POST",
		Resource: CollectionResource,
		Body:     `{"name":"  Buy milk  ","description":"2 litres","done":true}`,
		Claims:   map[string]string{"sub": "a1b2c3", "email": "ann@example.com"},
	})
	if resp.Status != http.StatusCreated {
		t.Fatalf("got status %d (%s); want 201", resp.Status, resp.Body)
	}
	want := Item{
		ID:          "00000000-0000-4000-8000-000000000001",
		Name:        "Buy milk",
		Description: "2 litres",
		Done:        true,
		CreatedAt:   "2026-03-01T09:30:00Z",
		UpdatedAt:   "2026-03-01T09:30:00Z",
		CreatedBy:   "a1b2c3",
	}
	if got := decode[Item](t, resp.Body); got != want {
		t.Errorf("got body %+v; want %+v", got, want)
	}
	if got, want := resp.Headers["Location"], "/items/"+want.ID; got != want {
		t.Errorf("got Location %q; want %q", got, want)
	}
	got := e.do(itemReq("GET", want.ID, ""))
	if got.Status != 200 || decode[Item](t, got.Body) != want {
		t.Errorf("got stored item %d %s; want 200 %+v", got.Status, got.Body, want)
	}
}

func TestCreateWithoutClaimsOmitsCreatedBy(t *testing.T) {
	e := newEnv(t)
	resp := e.do(Request{Method: "POST", Resource: CollectionResource, Body: `{"name":"x"}`})
	if resp.Status != http.StatusCreated {
		t.Fatalf("got status %d (%s); want 201", resp.Status, resp.Body)
	}
	if strings.Contains(resp.Body, "createdBy") {
		t.Errorf("got body %s; want no createdBy", resp.Body)
	}
	if _, ok := e.db.items["00000000-0000-4000-8000-000000000001"]["createdBy"]; ok {
		t.Errorf("got a stored createdBy attribute; want none")
	}
	if it := decode[Item](t, resp.Body); it.Description != "" || it.Done {
		t.Errorf("got description %q, done %v; want defaults \"\" and false", it.Description, it.Done)
	}
}

func TestCreateBoundaries(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"name of 200 characters plus spaces", fmt.Sprintf(`{"name":"  %s  "}`, strings.Repeat("n", 200))},
		{"name of 200 multi-byte characters", fmt.Sprintf(`{"name":%q}`, strings.Repeat("é", 200))},
		{"description of 2000 characters", fmt.Sprintf(`{"name":"x","description":%q}`, strings.Repeat("d", 2000))},
		{"null optional fields", `{"name":"x","description":null,"done":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if resp := e.do(Request{Method: "POST", Resource: CollectionResource, Body: tt.body}); resp.Status != http.StatusCreated {
				t.Errorf("got status %d (%s); want 201", resp.Status, resp.Body)
			}
		})
	}
}

func TestCreateRejectsBadInput(t *testing.T) {
	long := strings.Repeat("x", 201)
	tests := []struct {
		name        string
		body        string
		wantStatus  int
		wantError   string
		wantFields  []string
		wantInFirst []string // substrings of the first detail's message
	}{
		{"empty body", "", 400, "request body is required", []string{"body"}, nil},
		{"blank body", " \n", 400, "request body is required", []string{"body"}, nil},
		{"malformed JSON", `{"name":`, 400, "request body is not valid JSON", []string{"body"}, []string{"not valid JSON"}},
		{"trailing data", `{"name":"a"} {"name":"b"}`, 400, "request body is not valid JSON", []string{"body"}, []string{"unexpected data"}},
		{"array", `["a"]`, 400, "request body must be a JSON object", []string{"body"}, []string{`"[\"a\"]"`}},
		{"null", `null`, 400, "request body must be a JSON object", []string{"body"}, nil},
		{"missing name", `{}`, 400, "invalid item", []string{"name"}, []string{"name is required", "1 to 200"}},
		{"null name", `{"name":null}`, 400, "invalid item", []string{"name"}, []string{"name is required"}},
		{"blank name", `{"name":"   "}`, 400, "invalid item", []string{"name"}, []string{"name must not be blank"}},
		{"name not a string", `{"name":42}`, 400, "invalid item", []string{"name"}, []string{"name must be a JSON string", "got \"42\""}},
		{"name too long", fmt.Sprintf(`{"name":%q}`, long), 400, "invalid item", []string{"name"},
			[]string{"name is too long", "201 characters", `"` + strings.Repeat("x", 40) + `"…`, "allowed 1 to 200"}},
		{"description too long", fmt.Sprintf(`{"name":"a","description":%q}`, strings.Repeat("d", 2001)), 400, "invalid item", []string{"description"},
			[]string{"description is too long", "2001 characters", "at most 2000"}},
		{"done not a bool", `{"name":"a","done":"yes"}`, 400, "invalid item", []string{"done"}, []string{"done must be true or false", `"\"yes\""`}},
		{"unknown field", `{"name":"a","owner":"eve"}`, 400, "invalid item", []string{"owner"}, []string{`unknown field "owner"`, "name, description and done"}},
		{"field names are case-sensitive", `{"Name":"a"}`, 400, "invalid item", []string{"name", "Name"}, nil},
		{"every problem at once",
			fmt.Sprintf(`{"name":%q,"description":%q,"done":1,"zeta":0,"alpha":0}`, long, strings.Repeat("d", 2001)),
			400, "invalid item", []string{"name", "description", "done", "alpha", "zeta"}, nil},
		{"type error does not hide a length error", fmt.Sprintf(`{"name":7,"description":%q}`, strings.Repeat("d", 2001)),
			400, "invalid item", []string{"name", "description"}, nil},
		{"body over 16 KiB", fmt.Sprintf(`{"name":%q}`, strings.Repeat("x", MaxBodyBytes)), 413, "request body is too large: 16395 bytes; allowed at most 16384 bytes", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			resp := e.do(Request{Method: "POST", Resource: CollectionResource, Body: tt.body})
			if resp.Status != tt.wantStatus {
				t.Fatalf("got status %d (%s); want %d", resp.Status, resp.Body, tt.wantStatus)
			}
			got := decode[errorBody](t, resp.Body)
			if got.Error != tt.wantError {
				t.Errorf("got error %q; want %q", got.Error, tt.wantError)
			}
			if f := fields(t, resp.Body); !slices.Equal(f, tt.wantFields) {
				t.Errorf("got detail fields %q; want %q", f, tt.wantFields)
			}
			for _, s := range tt.wantInFirst {
				if len(got.Details) == 0 || !strings.Contains(got.Details[0].Message, s) {
					t.Errorf("got details %+v; want the first message to contain %q", got.Details, s)
				}
			}
			if n := len(e.db.items); n != 0 {
				t.Errorf("got %d stored items; want 0", n)
			}
		})
	}
}

func TestBodyAtLimitIsParsed(t *testing.T) {
	e := newEnv(t)
	prefix, suffix := `{"name":"x","description":"`, `"}`
	body := prefix + strings.Repeat("d", MaxBodyBytes-len(prefix)-len(suffix)) + suffix
	resp := e.do(Request{Method: "POST", Resource: CollectionResource, Body: body})
	// 400 for the long description proves the body was read, not refused.
	if resp.Status != http.StatusBadRequest {
		t.Errorf("got status %d for a %d-byte body; want 400", resp.Status, len(body))
	}
}

func TestGet(t *testing.T) {
	e := newEnv(t)
	it := e.create("Read a book", nil)
	tests := []struct {
		name       string
		id         string
		wantStatus int
		wantFields []string
	}{
		{"existing", it.ID, 200, nil},
		{"existing in upper case", strings.ToUpper(it.ID), 200, nil},
		{"missing", missingID, 404, nil},
		{"not a UUID", "abc", 400, []string{"id"}},
		{"empty", "", 400, []string{"id"}},
		{"UUID without dashes", strings.ReplaceAll(missingID, "-", ""), 400, []string{"id"}},
		{"UUID in braces", "{" + missingID[:34] + "}", 400, []string{"id"}},
		{"path traversal", "../../etc/passwd", 400, []string{"id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.do(itemReq("GET", tt.id, ""))
			if resp.Status != tt.wantStatus {
				t.Fatalf("got status %d (%s); want %d", resp.Status, resp.Body, tt.wantStatus)
			}
			switch tt.wantStatus {
			case 200:
				if got := decode[Item](t, resp.Body); got != it {
					t.Errorf("got %+v; want %+v", got, it)
				}
			case 400:
				if got := fields(t, resp.Body); !slices.Equal(got, tt.wantFields) {
					t.Errorf("got detail fields %q; want %q", got, tt.wantFields)
				}
			case 404:
				if got := decode[errorBody](t, resp.Body).Error; !strings.Contains(got, tt.id) {
					t.Errorf("got error %q; want it to name id %s", got, tt.id)
				}
			}
		})
	}
}

func TestUpdateReplacesFieldsAndKeepsCreation(t *testing.T) {
	e := newEnv(t)
	orig := e.create("Paint fence", map[string]string{"sub": "owner-sub"})
	if _, err := e.store.Update(context.Background(), orig.ID, Input{Name: "Paint fence", Description: "white"}); err != nil {
		t.Fatalf("set description: %v", err)
	}
	e.now = e.now.Add(90 * time.Minute)

	// No description in the body: a full replacement clears it.
	resp := e.do(itemReq("PUT", orig.ID, `{"name":" Paint the fence ","done":true}`))
	if resp.Status != http.StatusOK {
		t.Fatalf("got status %d (%s); want 200", resp.Status, resp.Body)
	}
	want := Item{
		ID:          orig.ID,
		Name:        "Paint the fence",
		Description: "",
		Done:        true,
		CreatedAt:   orig.CreatedAt,
		UpdatedAt:   "2026-03-01T11:00:00Z",
		CreatedBy:   "owner-sub",
	}
	if got := decode[Item](t, resp.Body); got != want {
		t.Errorf("got %+v; want %+v", got, want)
	}
	if got := e.do(itemReq("GET", orig.ID, "")); decode[Item](t, got.Body) != want {
		t.Errorf("got stored %s; want %+v", got.Body, want)
	}
}

func TestUpdateErrors(t *testing.T) {
	tests := []struct {
		name       string
		id         string // "" means the id of an existing item
		body       string
		wantStatus int
		wantFields []string
	}{
		{"missing item", missingID, `{"name":"x"}`, 404, nil},
		{"bad id", "nope", `{"name":"x"}`, 400, []string{"id"}},
		{"bad id and bad body together", "nope", `{"name":"","extra":1}`, 400, []string{"id", "name", "extra"}},
		{"bad id and malformed body together", "nope", `{`, 400, []string{"id", "body"}},
		{"bad body", "", `{"name":"x","done":"no"}`, 400, []string{"done"}},
		{"body over 16 KiB", "", strings.Repeat(" ", MaxBodyBytes+1), 413, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			orig := e.create("keep me", nil)
			before := e.db.items[orig.ID]
			id := tt.id
			if id == "" {
				id = orig.ID
			}
			resp := e.do(itemReq("PUT", id, tt.body))
			if resp.Status != tt.wantStatus {
				t.Fatalf("got status %d (%s); want %d", resp.Status, resp.Body, tt.wantStatus)
			}
			if got := fields(t, resp.Body); !slices.Equal(got, tt.wantFields) {
				t.Errorf("got detail fields %q; want %q", got, tt.wantFields)
			}
			if n := len(e.db.items); n != 1 {
				t.Errorf("got %d stored items; want 1 (a failed update must not create one)", n)
			}
			if got := e.db.items[orig.ID]; !equalAV(t, got, before) {
				t.Errorf("got stored item %v; want it unchanged %v", got, before)
			}
		})
	}
}

func equalAV(t *testing.T, a, b map[string]types.AttributeValue) bool {
	t.Helper()
	var ia, ib Item
	if err := attributevalue.UnmarshalMap(a, &ia); err != nil {
		t.Fatal(err)
	}
	if err := attributevalue.UnmarshalMap(b, &ib); err != nil {
		t.Fatal(err)
	}
	return ia == ib
}

func TestDelete(t *testing.T) {
	e := newEnv(t)
	it := e.create("Throw away", nil)
	steps := []struct {
		req        Request
		wantStatus int
	}{
		{itemReq("DELETE", it.ID, ""), 204},
		{itemReq("GET", it.ID, ""), 404},
		{itemReq("DELETE", it.ID, ""), 404},
		{itemReq("DELETE", "not-a-uuid", ""), 400},
	}
	for i, s := range steps {
		if resp := e.do(s.req); resp.Status != s.wantStatus {
			t.Errorf("step %d %s: got status %d (%s); want %d", i, s.req.Method, resp.Status, resp.Body, s.wantStatus)
		}
	}
}

func TestListEmpty(t *testing.T) {
	e := newEnv(t)
	resp := e.do(listReq(nil))
	if resp.Status != 200 || resp.Body != `{"items":[]}` {
		t.Errorf("got %d %s; want 200 {\"items\":[]}", resp.Status, resp.Body)
	}
	if got := *e.db.scans[0].Limit; got != DefaultLimit {
		t.Errorf("got Scan limit %d; want default %d", got, DefaultLimit)
	}
}

func TestListPaginates(t *testing.T) {
	tests := []struct {
		items, limit int
		wantPages    []int // items per page
	}{
		{5, 2, []int{2, 2, 1}},
		// DynamoDB returns a LastEvaluatedKey when the limit is hit exactly,
		// so the client sees one empty last page.
		{4, 2, []int{2, 2, 0}},
		{3, 100, []int{3}},
		{1, 1, []int{1, 0}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d items by %d", tt.items, tt.limit), func(t *testing.T) {
			e := newEnv(t)
			var want []string
			for i := range tt.items {
				want = append(want, e.create(fmt.Sprintf("item %d", i), nil).ID)
			}
			var got []string
			var pages []int
			next := ""
			for range 10 {
				q := map[string]string{"limit": fmt.Sprint(tt.limit)}
				if next != "" {
					q["next"] = next
				}
				resp := e.do(listReq(q))
				if resp.Status != 200 {
					t.Fatalf("got status %d (%s); want 200", resp.Status, resp.Body)
				}
				page := decode[Page](t, resp.Body)
				pages = append(pages, len(page.Items))
				for _, it := range page.Items {
					got = append(got, it.ID)
				}
				if next = page.Next; next == "" {
					break
				}
			}
			if !slices.Equal(pages, tt.wantPages) {
				t.Errorf("got page sizes %v; want %v", pages, tt.wantPages)
			}
			if !slices.Equal(got, want) {
				t.Errorf("got ids %v; want each of %v once", got, want)
			}
		})
	}
}

func TestListTokenIsBase64URLOfID(t *testing.T) {
	e := newEnv(t)
	first := e.create("a", nil)
	e.create("b", nil)
	page := decode[Page](t, e.do(listReq(map[string]string{"limit": "1"})).Body)
	b, err := base64.RawURLEncoding.DecodeString(page.Next)
	if err != nil {
		t.Fatalf("decode token %q: %v", page.Next, err)
	}
	if got, want := string(b), `{"id":"`+first.ID+`"}`; got != want {
		t.Errorf("got token content %s; want %s", got, want)
	}
}

func TestListRejectsBadParameters(t *testing.T) {
	tok := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name       string
		query      map[string]string
		wantFields []string
	}{
		{"limit zero", map[string]string{"limit": "0"}, []string{"limit"}},
		{"limit over 100", map[string]string{"limit": "101"}, []string{"limit"}},
		{"limit negative", map[string]string{"limit": "-1"}, []string{"limit"}},
		{"limit not a number", map[string]string{"limit": "ten"}, []string{"limit"}},
		{"limit fractional", map[string]string{"limit": "1.5"}, []string{"limit"}},
		{"next not base64", map[string]string{"next": "***"}, []string{"next"}},
		{"next not JSON", map[string]string{"next": tok("hello")}, []string{"next"}},
		{"next id not a UUID", map[string]string{"next": tok(`{"id":"x"}`)}, []string{"next"}},
		{"next with unknown field", map[string]string{"next": tok(`{"id":"` + missingID + `","pk":"x"}`)}, []string{"next"}},
		{"next with trailing data", map[string]string{"next": tok(`{"id":"` + missingID + `"}{}`)}, []string{"next"}},
		{"both bad", map[string]string{"limit": "1000", "next": "@"}, []string{"limit", "next"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			resp := e.do(listReq(tt.query))
			if resp.Status != http.StatusBadRequest {
				t.Fatalf("got status %d (%s); want 400", resp.Status, resp.Body)
			}
			if got := fields(t, resp.Body); !slices.Equal(got, tt.wantFields) {
				t.Errorf("got detail fields %q; want %q", got, tt.wantFields)
			}
			if len(e.db.scans) != 0 {
				t.Errorf("got %d scans; want none for a bad request", len(e.db.scans))
			}
		})
	}
}

func TestListAcceptsValidParameters(t *testing.T) {
	tests := []struct {
		query     map[string]string
		wantLimit int32
	}{
		{map[string]string{"limit": "1"}, 1},
		{map[string]string{"limit": "100"}, 100},
		{map[string]string{"limit": ""}, DefaultLimit},
		{map[string]string{"next": base64.URLEncoding.EncodeToString([]byte(`{"id":"` + missingID + `"}`))}, DefaultLimit},
		{map[string]string{"other": "ignored"}, DefaultLimit},
	}
	for _, tt := range tests {
		e := newEnv(t)
		if resp := e.do(listReq(tt.query)); resp.Status != 200 {
			t.Errorf("query %v: got status %d (%s); want 200", tt.query, resp.Status, resp.Body)
			continue
		}
		if got := *e.db.scans[0].Limit; got != tt.wantLimit {
			t.Errorf("query %v: got Scan limit %d; want %d", tt.query, got, tt.wantLimit)
		}
	}
}

func TestInternalErrorsAreLoggedNotReturned(t *testing.T) {
	const secret = "AccessDeniedException: arn:aws:iam::123456789012:role/items-fn is not authorized"
	tests := []struct {
		op  string
		req Request
	}{
		{"Scan", listReq(nil)},
		{"GetItem", itemReq("GET", missingID, "")},
		{"PutItem", Request{Method: "POST", Resource: CollectionResource, Body: `{"name":"x"}`}},
		{"UpdateItem", itemReq("PUT", missingID, `{"name":"x"}`)},
		{"DeleteItem", itemReq("DELETE", missingID, "")},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			e := newEnv(t)
			e.db.errs[tt.op] = errors.New(secret)
			tt.req.RequestID = "req-123"
			resp := e.do(tt.req)
			if resp.Status != http.StatusInternalServerError || resp.Body != `{"error":"internal error"}` {
				t.Errorf("got %d %s; want 500 {\"error\":\"internal error\"}", resp.Status, resp.Body)
			}
			logs := e.logs.String()
			for _, want := range []string{secret, `"requestId":"req-123"`, `"level":"ERROR"`} {
				if !strings.Contains(logs, want) {
					t.Errorf("got logs %s; want them to contain %s", logs, want)
				}
			}
		})
	}
}

func TestCreateIDCollisionIsInternalError(t *testing.T) {
	e := newEnv(t)
	first := e.create("first", nil)
	e.store.NewID = func() string { return first.ID }
	resp := e.do(Request{Method: "POST", Resource: CollectionResource, Body: `{"name":"second"}`})
	if resp.Status != http.StatusInternalServerError {
		t.Errorf("got status %d (%s); want 500", resp.Status, resp.Body)
	}
	if got := e.do(itemReq("GET", first.ID, "")); decode[Item](t, got.Body) != first {
		t.Errorf("got %s; want the first item untouched %+v", got.Body, first)
	}
}

func TestPanicBecomes500(t *testing.T) {
	e := newEnv(t)
	e.db.panics = true
	resp := e.do(listReq(nil))
	if resp.Status != http.StatusInternalServerError || resp.Body != `{"error":"internal error"}` {
		t.Errorf("got %d %s; want 500 {\"error\":\"internal error\"}", resp.Status, resp.Body)
	}
	if !strings.Contains(e.logs.String(), "Scan exploded") {
		t.Errorf("got logs %s; want the panic value", e.logs.String())
	}
}

func TestNoAllowedOriginOmitsCORSHeader(t *testing.T) {
	e := newEnv(t)
	h := NewHandler(e.store, "", slog.New(slog.NewJSONHandler(e.logs, nil)))
	for _, req := range []Request{listReq(nil), itemReq("GET", "bad", ""), {Method: "OPTIONS", Resource: CollectionResource}} {
		resp := h.Handle(context.Background(), req)
		if got, ok := resp.Headers["Access-Control-Allow-Origin"]; ok {
			t.Errorf("%s %s: got Access-Control-Allow-Origin %q; want none", req.Method, req.Resource, got)
		}
		if got := resp.Headers["Content-Type"]; got != "application/json" {
			t.Errorf("%s %s: got Content-Type %q; want application/json", req.Method, req.Resource, got)
		}
	}
}
