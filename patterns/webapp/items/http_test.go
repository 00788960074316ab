package items

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRouting(t *testing.T) {
	tests := []struct {
		name       string
		req        Request
		wantStatus int
		wantAllow  string
	}{
		{"unknown resource", Request{Method: "GET", Resource: "/users", Claims: alice}, 404, ""},
		{"empty resource", Request{Method: "GET", Claims: alice}, 404, ""},
		{"PATCH on collection", Request{Method: "PATCH", Resource: CollectionResource, Claims: alice}, 405, "GET, POST, OPTIONS"},
		{"DELETE on collection", Request{Method: "DELETE", Resource: CollectionResource, Claims: alice}, 405, "GET, POST, OPTIONS"},
		{"POST on item", itemReq("POST", missingID, "{}", alice, ""), 405, "GET, PUT, DELETE, OPTIONS"},
		{"PATCH on item", itemReq("PATCH", missingID, "{}", alice, ""), 405, "GET, PUT, DELETE, OPTIONS"},
		// Preflights carry no token.
		{"preflight on collection", Request{Method: "OPTIONS", Resource: CollectionResource}, 204, "GET, POST, OPTIONS"},
		{"preflight on item", itemReq("OPTIONS", missingID, "", nil, ""), 204, "GET, PUT, DELETE, OPTIONS"},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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
				if got := resp.Headers["Access-Control-Allow-Headers"]; !strings.Contains(got, "Authorization") || !strings.Contains(got, "If-Match") {
					t.Errorf("got Access-Control-Allow-Headers %q; want it to allow Authorization and If-Match", got)
				}
			} else if got := decode[errorBody](t, resp.Body).Error; got == "" {
				t.Errorf("got empty error message in %s; want one", resp.Body)
			}
		})
	}
	if ops := e.db.ops(); len(ops) != 0 {
		t.Errorf("routing errors and preflights called DynamoDB: %v", ops)
	}
}

// Every item route needs a caller; without a sub nothing is read or written.
func TestRoutesNeedACaller(t *testing.T) {
	e := newEnv(t)
	it := e.create("mine", alice)
	e.db.ops()
	for _, claims := range []map[string]string{nil, {}, {"email": "alice@example.com"}, {"sub": ""}} {
		for _, req := range []Request{
			listReq(nil, claims),
			{Method: "POST", Resource: CollectionResource, Body: `{"name":"x"}`, Claims: claims},
			itemReq("GET", it.ID, "", claims, ""),
			itemReq("PUT", it.ID, `{"name":"x"}`, claims, ETag(it.Version)),
			itemReq("DELETE", it.ID, "", claims, ETag(it.Version)),
		} {
			resp := e.do(req)
			if resp.Status != http.StatusUnauthorized || !strings.Contains(decode[errorBody](t, resp.Body).Error, "sub") {
				t.Errorf("%s %s with claims %v: got %d %s; want 401 naming the missing sub claim", req.Method, req.Resource, claims, resp.Status, resp.Body)
			}
		}
	}
	if ops := e.db.ops(); len(ops) != 0 {
		t.Errorf("requests without a caller called DynamoDB: %v", ops)
	}
}

func TestCreate(t *testing.T) {
	e := newEnv(t)
	resp := e.do(Request{
		Method:   "POST",
		Resource: CollectionResource,
		Body:     `{"name":"  Buy milk  ","description":"2 litres\nsemi-skimmed","done":true}`,
		Claims:   map[string]string{"sub": alice["sub"], "email": "ann@example.com"},
	})
	if resp.Status != http.StatusCreated {
		t.Fatalf("got status %d (%s); want 201", resp.Status, resp.Body)
	}
	want := Item{
		ID:          "00000000-0000-4000-8000-000000000001",
		Name:        "Buy milk",
		Description: "2 litres\nsemi-skimmed",
		Done:        true,
		CreatedAt:   "2026-03-01T09:30:00Z",
		UpdatedAt:   "2026-03-01T09:30:00Z",
		CreatedBy:   alice["sub"],
		Version:     1,
	}
	if got := decode[Item](t, resp.Body); got != want {
		t.Errorf("got body %+v; want %+v", got, want)
	}
	if got, want := resp.Headers["Location"], "/items/"+want.ID; got != want {
		t.Errorf("got Location %q; want %q", got, want)
	}
	if got := resp.Headers["ETag"]; got != `"1"` {
		t.Errorf("got ETag %q; want \"1\"", got)
	}
	got := e.do(itemReq("GET", want.ID, "", alice, ""))
	if got.Status != 200 || decode[Item](t, got.Body) != want || got.Headers["ETag"] != `"1"` {
		t.Errorf("got stored item %d %s ETag %q; want 200 %+v with ETag \"1\"", got.Status, got.Body, got.Headers["ETag"], want)
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
		{"escaped surrogate pair", `{"name":"\ud83d\ude00 party"}`},
		{"replacement character as written", `{"name":"\ufffd and ` + "\uFFFD" + `"}`},
		{"tab, line feed and carriage return in the description", `{"name":"x","description":"a\tb\nc\r\nd"}`},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if resp := e.do(Request{Method: "POST", Resource: CollectionResource, Body: tt.body, Claims: alice}); resp.Status != http.StatusCreated {
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
		{"malformed JSON", `{"name":`, 400, "request body is not valid JSON", []string{"body"}, []string{"not valid JSON", "ends before"}},
		{"trailing data", `{"name":"a"} {"name":"b"}`, 400, "request body is not valid JSON", []string{"body"}, []string{"unexpected data"}},
		{"trailing garbage", `{"name":"a"}x`, 400, "request body is not valid JSON", []string{"body"}, []string{"unexpected data"}},
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
		{"owner cannot be set", `{"name":"a","createdBy":"eve"}`, 400, "invalid item", []string{"createdBy"}, []string{`unknown field "createdBy"`}},
		{"version cannot be set", `{"name":"a","version":7}`, 400, "invalid item", []string{"version"}, []string{`unknown field "version"`}},
		{"field names are case-sensitive", `{"Name":"a"}`, 400, "invalid item", []string{"name", "Name"}, nil},
		{"every problem at once",
			fmt.Sprintf(`{"name":%q,"description":%q,"done":1,"zeta":0,"alpha":0}`, long, strings.Repeat("d", 2001)),
			400, "invalid item", []string{"name", "description", "done", "alpha", "zeta"}, nil},
		{"type error does not hide a length error", fmt.Sprintf(`{"name":7,"description":%q}`, strings.Repeat("d", 2001)),
			400, "invalid item", []string{"name", "description"}, nil},
		{"body over 16 KiB", fmt.Sprintf(`{"name":%q}`, strings.Repeat("x", MaxBodyBytes)), 413, "request body is too large: 16395 bytes; allowed at most 16384 bytes", nil, nil},

		// What encoding/json would let through silently.
		{"duplicate key", `{"name":"a","done":false,"name":"b"}`, 400, "invalid item", []string{"name"}, []string{`"name" is given more than once`}},
		{"duplicate keys, each named once", `{"done":true,"name":"a","done":false,"name":"b","done":true}`, 400, "invalid item", []string{"name", "done"}, nil},
		{"duplicate key in a nested object", `{"name":"a","description":{"x":1,"x":2}}`, 400, "invalid item", []string{"description"}, []string{`"x" is given more than once`}},
		{"invalid UTF-8 in the name", "{\"name\":\"caf\xe9\"}", 400, "invalid item", []string{"name"}, []string{"name is not valid UTF-8"}},
		{"invalid UTF-8 in the description", "{\"name\":\"a\",\"description\":\"\xff\xfe\"}", 400, "invalid item", []string{"description"}, []string{"description is not valid UTF-8"}},
		{"invalid UTF-8 in a field name", "{\"name\":\"a\",\"n\xffme\":1}", 400, "invalid item", []string{"n\uFFFDme"}, []string{"field name", "not valid UTF-8"}},
		{"lone high surrogate escape", `{"name":"\ud800"}`, 400, "invalid item", []string{"name"}, []string{"surrogate"}},
		{"lone low surrogate escape beside a written U+FFFD", `{"name":"\ufffd\udc00"}`, 400, "invalid item", []string{"name"}, []string{"surrogate"}},
		{"escaped backslash is no escape", `{"name":"\\ufffd\udc00"}`, 400, "invalid item", []string{"name"}, []string{"surrogate"}},
		{"raw control character in the name", "{\"name\":\"a\x01b\"}", 400, "request body is not valid JSON", []string{"name"},
			[]string{"name is not valid JSON", "in string literal", "must be escaped"}},
		{"raw line feed in the description", "{\"name\":\"a\",\"description\":\"x\ny\"}", 400, "request body is not valid JSON", []string{"description"}, nil},
		{"escaped NUL in the name", `{"name":"a\u0000b"}`, 400, "invalid item", []string{"name"}, []string{"control character U+0000 at character 2", "none are allowed"}},
		{"escaped line feed in the name", `{"name":"two\nlines"}`, 400, "invalid item", []string{"name"}, []string{"U+000A"}},
		{"escaped ESC in the description", `{"name":"a","description":"\u001b[31mred"}`, 400, "invalid item", []string{"description"},
			[]string{"control character U+001B at character 1", "only tab, line feed and carriage return"}},
		{"C1 control in the description", `{"name":"a","description":"x\u0085"}`, 400, "invalid item", []string{"description"}, []string{"U+0085"}},
		{"DEL in the name", `{"name":"a\u007f"}`, 400, "invalid item", []string{"name"}, []string{"U+007F"}},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.do(Request{Method: "POST", Resource: CollectionResource, Body: tt.body, Claims: alice})
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
		})
	}
	if ops := e.db.ops(); len(ops) != 0 {
		t.Errorf("bad bodies reached DynamoDB: %v", ops)
	}
}

func TestBodyAtLimitIsParsed(t *testing.T) {
	e := newEnv(t)
	prefix, suffix := `{"name":"x","description":"`, `"}`
	body := prefix + strings.Repeat("d", MaxBodyBytes-len(prefix)-len(suffix)) + suffix
	resp := e.do(Request{Method: "POST", Resource: CollectionResource, Body: body, Claims: alice})
	// 400 for the long description proves the body was read, not refused.
	if resp.Status != http.StatusBadRequest {
		t.Errorf("got status %d for a %d-byte body; want 400", resp.Status, len(body))
	}
}

func TestGet(t *testing.T) {
	e := newEnv(t)
	it := e.create("Read a book", alice)
	tests := []struct {
		name       string
		id         string
		claims     map[string]string
		wantStatus int
		wantFields []string
	}{
		{"owner", it.ID, alice, 200, nil},
		{"owner, id in upper case", strings.ToUpper(it.ID), alice, 200, nil},
		{"admin", it.ID, admin, 200, nil},
		{"admin in several groups", it.ID, map[string]string{"sub": "x", "cognito:groups": "editors,admins"}, 200, nil},
		{"another user", it.ID, bob, 404, nil},
		{"a group named like admins", it.ID, map[string]string{"sub": bob["sub"], "cognito:groups": "notadmins,admins-to-be"}, 404, nil},
		{"missing", missingID, alice, 404, nil},
		{"not a UUID", "abc", alice, 400, []string{"id"}},
		{"empty", "", alice, 400, []string{"id"}},
		{"UUID without dashes", strings.ReplaceAll(missingID, "-", ""), alice, 400, []string{"id"}},
		{"UUID in braces", "{" + missingID[:34] + "}", alice, 400, []string{"id"}},
		{"path traversal", "../../etc/passwd", alice, 400, []string{"id"}},
		{"the page token key", tokenKeyID, admin, 400, []string{"id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.do(itemReq("GET", tt.id, "", tt.claims, ""))
			if resp.Status != tt.wantStatus {
				t.Fatalf("got status %d (%s); want %d", resp.Status, resp.Body, tt.wantStatus)
			}
			switch tt.wantStatus {
			case 200:
				if got := decode[Item](t, resp.Body); got != it {
					t.Errorf("got %+v; want %+v", got, it)
				}
				if got := resp.Headers["ETag"]; got != `"1"` {
					t.Errorf("got ETag %q; want \"1\"", got)
				}
			case 400:
				if got := fields(t, resp.Body); !slices.Equal(got, tt.wantFields) {
					t.Errorf("got detail fields %q; want %q", got, tt.wantFields)
				}
			case 404:
				// Someone else's item and a missing one read the same.
				if got, want := decode[errorBody](t, resp.Body).Error, "no item with id "+quote(tt.id); got != want {
					t.Errorf("got error %q; want %q", got, want)
				}
				if _, ok := resp.Headers["ETag"]; ok {
					t.Errorf("got an ETag on a 404")
				}
			}
		})
	}
}

func TestUpdateReplacesFieldsAndKeepsCreation(t *testing.T) {
	e := newEnv(t)
	orig := e.create("Paint fence", alice)
	if _, err := e.store.Update(e.ctx, Caller{Sub: alice["sub"]}, orig.ID, 1, Input{Name: "Paint fence", Description: "white"}); err != nil {
		t.Fatalf("set description: %v", err)
	}
	e.now = e.now.Add(90 * time.Minute)

	// No description in the body: a full replacement clears it.
	resp := e.do(itemReq("PUT", orig.ID, `{"name":" Paint the fence ","done":true}`, alice, `"2"`))
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
		CreatedBy:   alice["sub"],
		Version:     3,
	}
	if got := decode[Item](t, resp.Body); got != want {
		t.Errorf("got %+v; want %+v", got, want)
	}
	if got := resp.Headers["ETag"]; got != `"3"` {
		t.Errorf("got ETag %q; want \"3\"", got)
	}
	if got, _ := e.stored(orig.ID); got != want {
		t.Errorf("got stored %+v; want %+v", got, want)
	}
}

// An admin manages any item; the owner stays who created it.
func TestAdminUpdatesAndDeletesOthersItems(t *testing.T) {
	e := newEnv(t)
	it := e.create("Alice's", alice)
	resp := e.do(itemReq("PUT", it.ID, `{"name":"Fixed by an admin"}`, admin, `"1"`))
	if resp.Status != http.StatusOK {
		t.Fatalf("admin PUT: got %d %s; want 200", resp.Status, resp.Body)
	}
	if got := decode[Item](t, resp.Body); got.CreatedBy != alice["sub"] || got.Version != 2 || got.Name != "Fixed by an admin" {
		t.Errorf("after an admin's update: %+v; want owner %s, version 2 and the new name", got, alice["sub"])
	}
	if resp := e.do(itemReq("GET", it.ID, "", alice, "")); resp.Status != 200 {
		t.Errorf("owner GET after an admin's update: got %d; want 200", resp.Status)
	}
	if resp := e.do(itemReq("DELETE", it.ID, "", admin, `"1"`)); resp.Status != http.StatusPreconditionFailed {
		t.Errorf("admin DELETE with a stale version: got %d %s; want 412", resp.Status, resp.Body)
	}
	if resp := e.do(itemReq("DELETE", it.ID, "", admin, `"2"`)); resp.Status != http.StatusNoContent {
		t.Errorf("admin DELETE: got %d %s; want 204", resp.Status, resp.Body)
	}
	if _, found := e.stored(it.ID); found {
		t.Errorf("the item is still stored after an admin deleted it")
	}
}

// Another user's item is a 404 on every route, with the right version or
// not, and stays as it was.
func TestOthersItemsAreNotFound(t *testing.T) {
	e := newEnv(t)
	it := e.create("Alice's secret", alice)
	for _, req := range []Request{
		itemReq("GET", it.ID, "", bob, ""),
		itemReq("PUT", it.ID, `{"name":"Bob was here"}`, bob, `"1"`),
		itemReq("PUT", it.ID, `{"name":"Bob was here"}`, bob, `"7"`),
		itemReq("DELETE", it.ID, "", bob, `"1"`),
		itemReq("DELETE", it.ID, "", bob, `"7"`),
	} {
		resp := e.do(req)
		if resp.Status != http.StatusNotFound {
			t.Errorf("bob %s with If-Match %s: got %d %s; want 404", req.Method, req.Headers["If-Match"], resp.Status, resp.Body)
		}
		if got, want := decode[errorBody](t, resp.Body).Error, "no item with id "+quote(it.ID); got != want {
			t.Errorf("bob %s: got error %q; want %q, as for a missing item", req.Method, got, want)
		}
	}
	if got, _ := e.stored(it.ID); got != it {
		t.Errorf("after bob's attempts the item is %+v; want it unchanged %+v", got, it)
	}
}

func TestIfMatch(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		ifMatch    string
		wantStatus int
		wantInErr  []string
	}{
		{"PUT without If-Match", "PUT", "", 428, []string{"If-Match", "ETag"}},
		{"DELETE without If-Match", "DELETE", "", 428, []string{"If-Match", "ETag"}},
		{"PUT with a stale version", "PUT", `"1"`, 412, []string{"changed by someone else", `"1"`, `"2"`}},
		{"DELETE with a stale version", "DELETE", `"1"`, 412, []string{"changed by someone else", `"1"`, `"2"`}},
		{"PUT with a future version", "PUT", `"3"`, 412, []string{`"3"`, `"2"`}},
		{"PUT with version 0", "PUT", `"0"`, 412, nil},
		{"PUT with *", "PUT", "*", 400, []string{"invalid request"}},
		{"DELETE with *", "DELETE", "*", 400, []string{"invalid request"}},
		{"weak ETag", "PUT", `W/"2"`, 400, nil},
		{"unquoted", "PUT", `2`, 400, nil},
		{"list of ETags", "DELETE", `"1", "2"`, 400, nil},
		{"leading zero", "PUT", `"02"`, 400, nil},
		{"not a number", "PUT", `"abc"`, 400, nil},
		{"too large", "PUT", `"99999999999999999999"`, 400, nil},
		{"current version", "PUT", `"2"`, 200, nil},
		{"current version, spaces around", "DELETE", ` "2" `, 204, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			it := e.create("Versioned", alice)
			if _, err := e.store.Update(e.ctx, Caller{Sub: alice["sub"]}, it.ID, 1, Input{Name: "Versioned twice"}); err != nil {
				t.Fatal(err)
			}
			before, _ := e.stored(it.ID)
			resp := e.do(itemReq(tt.method, it.ID, `{"name":"changed"}`, alice, tt.ifMatch))
			if resp.Status != tt.wantStatus {
				t.Fatalf("got %d %s; want %d", resp.Status, resp.Body, tt.wantStatus)
			}
			if tt.wantStatus >= 400 {
				msg := decode[errorBody](t, resp.Body).Error
				for _, s := range tt.wantInErr {
					if !strings.Contains(msg, s) {
						t.Errorf("got error %q; want it to contain %q", msg, s)
					}
				}
				if tt.wantStatus == 400 && !slices.Equal(fields(t, resp.Body), []string{"If-Match"}) {
					t.Errorf("got detail fields %q; want If-Match", fields(t, resp.Body))
				}
				if after, _ := e.stored(it.ID); after != before {
					t.Errorf("a refused %s changed the item: %+v; want %+v", tt.method, after, before)
				}
			}
		})
	}
}

// The header name is case-insensitive, as HTTP/2 clients send it lower-case.
func TestIfMatchHeaderNameCase(t *testing.T) {
	e := newEnv(t)
	it := e.create("x", alice)
	req := itemReq("PUT", it.ID, `{"name":"y"}`, alice, "")
	req.Headers = map[string]string{"if-match": `"1"`}
	if resp := e.do(req); resp.Status != 200 {
		t.Errorf("got %d %s; want 200", resp.Status, resp.Body)
	}
}

// Problems with the id, If-Match and the body come back together; a missing
// If-Match is only reported once the request is otherwise valid.
func TestUpdateErrors(t *testing.T) {
	tests := []struct {
		name       string
		id         string // "" means the id of an existing item
		body       string
		ifMatch    string
		wantStatus int
		wantFields []string
	}{
		{"missing item", missingID, `{"name":"x"}`, `"1"`, 404, nil},
		{"bad id", "nope", `{"name":"x"}`, `"1"`, 400, []string{"id"}},
		{"bad id and bad body together", "nope", `{"name":"","extra":1}`, `"1"`, 400, []string{"id", "name", "extra"}},
		{"bad id, If-Match and body together", "nope", `{"name":"","extra":1}`, `*`, 400, []string{"id", "If-Match", "name", "extra"}},
		{"bad id and malformed body together", "nope", `{`, `"1"`, 400, []string{"id", "body"}},
		{"bad body", "", `{"name":"x","done":"no"}`, `"1"`, 400, []string{"done"}},
		{"bad body without If-Match", "", `{"name":"x","done":"no"}`, "", 400, []string{"done"}},
		{"good body without If-Match", "", `{"name":"x"}`, "", 428, nil},
		{"body over 16 KiB", "", strings.Repeat(" ", MaxBodyBytes+1), `"1"`, 413, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			orig := e.create("keep me", alice)
			id := tt.id
			if id == "" {
				id = orig.ID
			}
			resp := e.do(itemReq("PUT", id, tt.body, alice, tt.ifMatch))
			if resp.Status != tt.wantStatus {
				t.Fatalf("got status %d (%s); want %d", resp.Status, resp.Body, tt.wantStatus)
			}
			if got := fields(t, resp.Body); !slices.Equal(got, tt.wantFields) {
				t.Errorf("got detail fields %q; want %q", got, tt.wantFields)
			}
			if got, _ := e.stored(orig.ID); got != orig {
				t.Errorf("got stored item %+v; want it unchanged %+v", got, orig)
			}
			if _, found := e.stored(missingID); found {
				t.Errorf("a failed update created item %s", missingID)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	e := newEnv(t)
	it := e.create("Throw away", alice)
	steps := []struct {
		req        Request
		wantStatus int
	}{
		{itemReq("DELETE", it.ID, "", alice, ""), 428},
		{itemReq("DELETE", it.ID, "", alice, `"2"`), 412},
		{itemReq("DELETE", it.ID, "", bob, `"1"`), 404},
		{itemReq("DELETE", it.ID, "", alice, `"1"`), 204},
		{itemReq("GET", it.ID, "", alice, ""), 404},
		{itemReq("DELETE", it.ID, "", alice, `"1"`), 404},
		{itemReq("DELETE", "not-a-uuid", "", alice, `"1"`), 400},
		{itemReq("DELETE", "not-a-uuid", "", alice, `W/"1"`), 400},
	}
	for i, s := range steps {
		if resp := e.do(s.req); resp.Status != s.wantStatus {
			t.Errorf("step %d %s: got status %d (%s); want %d", i, s.req.Method, resp.Status, resp.Body, s.wantStatus)
		}
	}
	resp := e.do(itemReq("DELETE", "not-a-uuid", "", alice, `W/"1"`))
	if got := fields(t, resp.Body); !slices.Equal(got, []string{"id", "If-Match"}) {
		t.Errorf("bad id and If-Match: got fields %q; want both", got)
	}
}

// Twenty clients that all read version 1 write at once: DynamoDB's
// conditional write lets exactly one through, and the others learn that
// the item changed under them.
func TestConcurrentUpdatesOneWinnerPerVersion(t *testing.T) {
	const writers = 20
	e := newEnv(t)
	it := e.create("Contended", alice)
	type result struct {
		n    int
		resp Response
	}
	results := make(chan result, writers)
	start := make(chan struct{})
	for n := range writers {
		go func() {
			<-start
			// Handle directly: env.do reports through t, not from here.
			results <- result{n, e.h.Handle(e.ctx, itemReq("PUT", it.ID, fmt.Sprintf(`{"name":"writer %d"}`, n), alice, `"1"`))}
		}()
	}
	close(start)
	var ok []result
	stale := 0
	for range writers {
		r := <-results
		switch r.resp.Status {
		case http.StatusOK:
			ok = append(ok, r)
		case http.StatusPreconditionFailed:
			stale++
		default:
			t.Errorf("writer %d: got %d %s; want 200 or 412", r.n, r.resp.Status, r.resp.Body)
		}
	}
	if len(ok) != 1 || stale != writers-1 {
		t.Fatalf("got %d × 200 and %d × 412; want exactly 1 and %d", len(ok), stale, writers-1)
	}
	got, _ := e.stored(it.ID)
	if want := fmt.Sprintf("writer %d", ok[0].n); got.Version != 2 || got.Name != want {
		t.Errorf("stored after the race: version %d, name %q; want version 2 and the winner's %q", got.Version, got.Name, want)
	}
	if tag := ok[0].resp.Headers["ETag"]; tag != `"2"` {
		t.Errorf("winner's ETag %q; want \"2\"", tag)
	}
	// The next round starts from the winner's version.
	if resp := e.do(itemReq("PUT", it.ID, `{"name":"after"}`, alice, `"2"`)); resp.Status != 200 || resp.Headers["ETag"] != `"3"` {
		t.Errorf("update at version 2: got %d ETag %q; want 200 \"3\"", resp.Status, resp.Headers["ETag"])
	}
}

func TestListEmpty(t *testing.T) {
	e := newEnv(t)
	for _, who := range []map[string]string{alice, admin} {
		resp := e.do(listReq(nil, who))
		if resp.Status != 200 || resp.Body != `{"items":[]}` {
			t.Errorf("%s: got %d %s; want 200 {\"items\":[]}", who["sub"], resp.Status, resp.Body)
		}
	}
}

// A user lists exactly their own items, newest first, with a Query of the
// owner index; an admin lists every item with a Scan.
func TestListShowsOwnItemsOnly(t *testing.T) {
	e := newEnv(t)
	var mine, theirs []string
	for i := range 3 {
		mine = append(mine, e.create(fmt.Sprintf("alice %d", i), alice).ID)
		e.now = e.now.Add(time.Minute)
		theirs = append(theirs, e.create(fmt.Sprintf("bob %d", i), bob).ID)
		e.now = e.now.Add(time.Minute)
	}
	slices.Reverse(mine)
	slices.Reverse(theirs)
	e.db.ops()
	for _, tt := range []struct {
		who     map[string]string
		want    []string
		wantOps []string
	}{
		{alice, mine, []string{"Query"}},
		{bob, theirs, []string{"Query"}},
		{map[string]string{"sub": "c0c0c0c0-0000-4000-8000-00000000c0c0"}, nil, []string{"Query"}},
		{admin, append(slices.Clone(mine), theirs...), []string{"Scan"}},
	} {
		resp := e.do(listReq(nil, tt.who))
		if resp.Status != 200 {
			t.Fatalf("%s: got %d %s; want 200", tt.who["sub"], resp.Status, resp.Body)
		}
		page := decode[Page](t, resp.Body)
		var got []string
		for _, it := range page.Items {
			got = append(got, it.ID)
			if it.Version != 1 {
				t.Errorf("listed item %s has version %d; want 1", it.ID, it.Version)
			}
		}
		if tt.who["sub"] == admin["sub"] {
			// A Scan's order is the table's; compare as sets.
			slices.Sort(got)
			tt.want = slices.Sorted(slices.Values(tt.want))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s lists %v; want %v", tt.who["sub"], got, tt.want)
		}
		if ops := e.db.ops(); !slices.Equal(ops, tt.wantOps) {
			t.Errorf("%s's list called %v; want %v", tt.who["sub"], ops, tt.wantOps)
		}
	}
}

// collect pages through a list with limit, checking each page.
func collect(t *testing.T, e *env, who map[string]string, limit int) (ids []string, pages []int) {
	t.Helper()
	next := ""
	for range 50 {
		q := map[string]string{"limit": fmt.Sprint(limit)}
		if next != "" {
			q["next"] = next
		}
		resp := e.do(listReq(q, who))
		if resp.Status != 200 {
			t.Fatalf("got status %d (%s); want 200", resp.Status, resp.Body)
		}
		page := decode[Page](t, resp.Body)
		pages = append(pages, len(page.Items))
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if next = page.Next; next == "" {
			return ids, pages
		}
	}
	t.Fatalf("more than 50 pages")
	return nil, nil
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
				want = append(want, e.create(fmt.Sprintf("item %d", i), alice).ID)
				e.create(fmt.Sprintf("bob's item %d", i), bob)
				e.now = e.now.Add(time.Second)
			}
			slices.Reverse(want) // newest first
			got, pages := collect(t, e, alice, tt.limit)
			if !slices.Equal(pages, tt.wantPages) {
				t.Errorf("got page sizes %v; want %v", pages, tt.wantPages)
			}
			if !slices.Equal(got, want) {
				t.Errorf("got ids %v; want %v", got, want)
			}
		})
	}
}

// Items created in the same second tie on the index's sort key; paging
// still returns each exactly once, because the start key holds the id.
func TestListPaginatesThroughTies(t *testing.T) {
	e := newEnv(t)
	var want []string
	for i := range 7 {
		want = append(want, e.create(fmt.Sprintf("same second %d", i), alice).ID)
	}
	got, _ := collect(t, e, alice, 3)
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
		t.Errorf("got ids %v; want each of %v once", got, want)
	}
}

func TestAdminListPaginatesAndHidesTheTokenKey(t *testing.T) {
	e := newEnv(t)
	var want []string
	for i := range 5 {
		want = append(want, e.create(fmt.Sprintf("a%d", i), alice).ID, e.create(fmt.Sprintf("b%d", i), bob).ID)
	}
	// Paging makes the key, which shares the table; the scan must skip it.
	got, _ := collect(t, e, admin, 3)
	if k, err := e.store.readTokenKey(e.ctx); err != nil || k == nil {
		t.Fatalf("the token key is not stored after paging: %v", err)
	}
	got2, _ := collect(t, e, admin, 4)
	for _, g := range [][]string{got, got2} {
		if !slices.Equal(slices.Sorted(slices.Values(g)), slices.Sorted(slices.Values(want))) {
			t.Errorf("admin lists %v; want each of %v once and nothing else", g, want)
		}
	}
}

// A page token works only for the caller it was issued to, in the role it
// was issued for, and only as issued.
func TestListRefusesTokensNotIssuedToTheCaller(t *testing.T) {
	e := newEnv(t)
	for i := range 3 {
		e.create(fmt.Sprintf("a%d", i), alice)
		e.create(fmt.Sprintf("b%d", i), bob)
		e.now = e.now.Add(time.Second)
	}
	first := func(who map[string]string) string {
		t.Helper()
		page := decode[Page](t, e.do(listReq(map[string]string{"limit": "1"}, who)).Body)
		if page.Next == "" {
			t.Fatalf("no next token for %s", who["sub"])
		}
		return page.Next
	}
	aliceTok, bobTok, adminTok := first(alice), first(bob), first(admin)
	payload, sig, _ := strings.Cut(aliceTok, ".")
	secret, err := e.store.tokenKey(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// seal signs a payload with the real key: what an attacker who could
	// forge would send. The API must still keep to the caller's items.
	seal := func(p pageToken) string {
		b := mustJSON(t, p)
		return b + "." + b64(mac(secret, b))
	}
	aliceDemoted := map[string]string{"sub": admin["sub"]}
	tests := []struct {
		name   string
		who    map[string]string
		token  string
		status int
	}{
		{"alice's token from alice", alice, aliceTok, 200},
		{"alice's token from bob", bob, aliceTok, 400},
		{"bob's token from alice", alice, bobTok, 400},
		{"admin's token from a user", bob, adminTok, 400},
		{"admin's token after leaving the admins group", aliceDemoted, adminTok, 400},
		{"user's token from an admin", admin, aliceTok, 400},
		{"payload changed to bob's", bob, b64([]byte(strings.Replace(string(unb64(t, payload)), alice["sub"], bob["sub"], 1))) + "." + sig, 400},
		{"signed with another key", bob, seal2(t, pageToken{V: 1, By: bob["sub"], ID: missingID, CreatedAt: "2026-03-01T09:30:00Z"}), 400},
		{"no signature", alice, payload, 400},
		{"signature cut short", alice, aliceTok[:len(aliceTok)-2], 400},
		{"the old unsigned format", alice, b64([]byte(`{"id":"` + missingID + `"}`)), 400},
		{"unknown version", alice, seal(pageToken{V: 2, By: alice["sub"], ID: missingID, CreatedAt: "x"}), 400},
		{"no createdAt", alice, seal(pageToken{V: 1, By: alice["sub"], ID: missingID}), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.do(listReq(map[string]string{"limit": "1", "next": tt.token}, tt.who))
			if resp.Status != tt.status {
				t.Fatalf("got %d %s; want %d", resp.Status, resp.Body, tt.status)
			}
			if tt.status == 400 && !slices.Equal(fields(t, resp.Body), []string{"next"}) {
				t.Errorf("got fields %q; want next", fields(t, resp.Body))
			}
		})
	}

	// Even a validly signed token that points into bob's items starts
	// alice's list among her own: the owner comes from the caller.
	bobs := decode[Page](t, e.do(listReq(nil, bob)).Body).Items
	forged := seal(pageToken{V: 1, By: alice["sub"], ID: bobs[2].ID, CreatedAt: "9999-12-31T23:59:59Z"})
	resp := e.do(listReq(map[string]string{"next": forged}, alice))
	if resp.Status != 200 {
		t.Fatalf("signed token into bob's items: got %d %s; want 200 with alice's items", resp.Status, resp.Body)
	}
	for _, it := range decode[Page](t, resp.Body).Items {
		if it.CreatedBy != alice["sub"] {
			t.Errorf("a token into bob's items listed %+v, not alice's", it)
		}
	}
}

func TestListRejectsBadParameters(t *testing.T) {
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
		{"next not base64", map[string]string{"next": "***.***"}, []string{"next"}},
		{"next not a token", map[string]string{"next": "hello"}, []string{"next"}},
		{"both bad", map[string]string{"limit": "1000", "next": "@"}, []string{"limit", "next"}},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.do(listReq(tt.query, alice))
			if resp.Status != http.StatusBadRequest {
				t.Fatalf("got status %d (%s); want 400", resp.Status, resp.Body)
			}
			if got := fields(t, resp.Body); !slices.Equal(got, tt.wantFields) {
				t.Errorf("got detail fields %q; want %q", got, tt.wantFields)
			}
			if tt.wantFields[0] == "limit" {
				if msg := decode[errorBody](t, resp.Body).Details[0].Message; !strings.Contains(msg, quote(tt.query["limit"])) && !strings.Contains(msg, tt.query["limit"]) {
					t.Errorf("got %q; want it to show the limit sent", msg)
				}
			}
			for _, op := range e.db.ops() {
				if op == "Query" || op == "Scan" {
					t.Errorf("a bad list request ran a %s", op)
				}
			}
		})
	}
}

func TestInternalErrorsAreLoggedNotReturned(t *testing.T) {
	const secret = "AccessDeniedException: arn:aws:iam::123456789012:role/items-fn is not authorized"
	tests := []struct {
		op  string
		req Request
	}{
		{"Query", listReq(nil, alice)},
		{"Scan", listReq(nil, admin)},
		{"GetItem", itemReq("GET", missingID, "", alice, "")},
		{"PutItem", Request{Method: "POST", Resource: CollectionResource, Body: `{"name":"x"}`, Claims: alice}},
		{"UpdateItem", itemReq("PUT", missingID, `{"name":"x"}`, alice, `"1"`)},
		{"DeleteItem", itemReq("DELETE", missingID, "", alice, `"1"`)},
		{"GetItem", listReq(map[string]string{"next": "a.b"}, alice)}, // reading the token key
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
	first := e.create("first", alice)
	e.store.NewID = func() string { return first.ID }
	resp := e.do(Request{Method: "POST", Resource: CollectionResource, Body: `{"name":"second"}`, Claims: bob})
	if resp.Status != http.StatusInternalServerError {
		t.Errorf("got status %d (%s); want 500", resp.Status, resp.Body)
	}
	if got, _ := e.stored(first.ID); got != first {
		t.Errorf("got %+v; want the first item untouched %+v", got, first)
	}
}

func TestPanicBecomes500(t *testing.T) {
	e := newEnv(t)
	e.db.panics = true
	resp := e.do(listReq(nil, alice))
	if resp.Status != http.StatusInternalServerError || resp.Body != `{"error":"internal error"}` {
		t.Errorf("got %d %s; want 500 {\"error\":\"internal error\"}", resp.Status, resp.Body)
	}
	if !strings.Contains(e.logs.String(), "Query exploded") {
		t.Errorf("got logs %s; want the panic value", e.logs.String())
	}
}

func TestNoAllowedOriginOmitsCORSHeaders(t *testing.T) {
	h := NewHandler(NewStore(nil, "unused"), "", slog.New(slog.DiscardHandler))
	for _, req := range []Request{itemReq("GET", "bad", "", alice, ""), listReq(nil, nil), {Method: "OPTIONS", Resource: CollectionResource}} {
		resp := h.Handle(context.Background(), req)
		for _, name := range []string{"Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Access-Control-Allow-Headers"} {
			if got, ok := resp.Headers[name]; ok {
				t.Errorf("%s %s: got %s %q; want none", req.Method, req.Resource, name, got)
			}
		}
		if got := resp.Headers["Content-Type"]; got != "application/json" {
			t.Errorf("%s %s: got Content-Type %q; want application/json", req.Method, req.Resource, got)
		}
	}
}
