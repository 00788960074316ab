package items

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The Store validates on its own too, for callers that do not come through
// Handler; nothing here reaches DynamoDB (there is none).
func TestStoreValidates(t *testing.T) {
	st := NewStore(nil, "no-table")
	ctx := context.Background()
	c := Caller{Sub: "u1"}
	long := strings.Repeat("é", MaxNameChars+1)
	tests := []struct {
		name       string
		call       func() error
		wantFields []string
	}{
		{"create with blank name and long description", func() error {
			_, err := st.Create(ctx, c, Input{Name: " ", Description: strings.Repeat("d", MaxDescriptionChars+1)})
			return err
		}, []string{"name", "description"}},
		{"create with text that is not UTF-8", func() error {
			_, err := st.Create(ctx, c, Input{Name: "caf\xe9", Description: "\xff"})
			return err
		}, []string{"name", "description"}},
		{"create with control characters", func() error {
			_, err := st.Create(ctx, c, Input{Name: "a\tb", Description: "bell\a"})
			return err
		}, []string{"name", "description"}},
		{"update with bad id and long name", func() error {
			_, err := st.Update(ctx, c, "x", 1, Input{Name: long})
			return err
		}, []string{"id", "name"}},
		{"get with bad id", func() error { _, err := st.Get(ctx, c, "x"); return err }, []string{"id"}},
		{"delete with bad id", func() error { return st.Delete(ctx, c, "x", 1) }, []string{"id"}},
		{"list with bad limit", func() error { _, err := st.List(ctx, c, 0, ""); return err }, []string{"limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("got error %v; want a *ValidationError", err)
			}
			var got []string
			for _, p := range verr.Problems {
				got = append(got, p.Field)
			}
			if !slices.Equal(got, tt.wantFields) {
				t.Errorf("got fields %q; want %q", got, tt.wantFields)
			}
		})
	}
}

// Every Store call needs a caller: the owner is never left out by mistake.
func TestStoreNeedsACaller(t *testing.T) {
	st := NewStore(nil, "no-table")
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"List":   func() error { _, err := st.List(ctx, Caller{}, 1, ""); return err },
		"Get":    func() error { _, err := st.Get(ctx, Caller{Admin: true}, missingID); return err },
		"Create": func() error { _, err := st.Create(ctx, Caller{}, Input{Name: "x"}); return err },
		"Update": func() error { _, err := st.Update(ctx, Caller{}, missingID, 1, Input{Name: "x"}); return err },
		"Delete": func() error { return st.Delete(ctx, Caller{}, missingID, 1) },
	} {
		if err := call(); !errors.Is(err, errNoCaller) {
			t.Errorf("%s without a caller: got %v; want errNoCaller", name, err)
		}
	}
}

func TestStoreErrors(t *testing.T) {
	e := newEnv(t)
	c := Caller{Sub: alice["sub"]}
	it := e.create("x", alice)
	_, getErr := e.store.Get(e.ctx, c, missingID)
	_, updErr := e.store.Update(e.ctx, c, missingID, 1, Input{Name: "x"})
	delErr := e.store.Delete(e.ctx, c, missingID, 1)
	_, otherErr := e.store.Get(e.ctx, Caller{Sub: bob["sub"]}, it.ID)
	for _, err := range []error{getErr, updErr, delErr, otherErr} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v; want ErrNotFound", err)
		}
	}
	if err := delErr; err != nil && !strings.Contains(err.Error(), missingID) {
		t.Errorf("got %q; want the message to name the id", err)
	}
	_, err := e.store.Update(e.ctx, c, it.ID, 5, Input{Name: "y"})
	var stale *StaleError
	if !errors.As(err, &stale) || *stale != (StaleError{ID: it.ID, Sent: 5, Current: 1}) {
		t.Errorf("update at a stale version: got %v; want a StaleError sent 5, current 1", err)
	}
	if err != nil && !strings.Contains(err.Error(), "is at version 1, not 5") {
		t.Errorf("got %q; want it to say which versions", err)
	}
}

// Items stored before owners and versions existed: one with an owner and
// no version, one with neither. The owner sees the first at version 0 and
// moves it to version 1 with If-Match "0"; only admins see the second.
func TestItemsFromBeforeVersions(t *testing.T) {
	e := newEnv(t)
	const owned, orphan = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
	for _, item := range []map[string]types.AttributeValue{
		{IDAttribute: s(owned), "name": s("old"), "description": s(""), "done": &types.AttributeValueMemberBOOL{},
			CreatedAtAttribute: s("2025-01-01T00:00:00Z"), "updatedAt": s("2025-01-01T00:00:00Z"), OwnerAttribute: s(alice["sub"])},
		{IDAttribute: s(orphan), "name": s("older"), "description": s(""), "done": &types.AttributeValueMemberBOOL{},
			CreatedAtAttribute: s("2024-01-01T00:00:00Z"), "updatedAt": s("2024-01-01T00:00:00Z")},
	} {
		if _, err := e.raw.PutItem(e.ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	resp := e.do(itemReq("GET", owned, "", alice, ""))
	if resp.Status != 200 || resp.Headers["ETag"] != `"0"` || decode[Item](t, resp.Body).Version != 0 {
		t.Fatalf("GET an unversioned item: %d %s ETag %q; want 200, version 0, ETag \"0\"", resp.Status, resp.Body, resp.Headers["ETag"])
	}
	if list := decode[Page](t, e.do(listReq(nil, alice)).Body); len(list.Items) != 1 || list.Items[0].ID != owned {
		t.Errorf("alice lists %+v; want just %s", list.Items, owned)
	}
	if resp := e.do(itemReq("PUT", owned, `{"name":"new"}`, alice, `"1"`)); resp.Status != 412 {
		t.Errorf("PUT with If-Match \"1\": got %d %s; want 412", resp.Status, resp.Body)
	}
	resp = e.do(itemReq("PUT", owned, `{"name":"new"}`, alice, `"0"`))
	if resp.Status != 200 || resp.Headers["ETag"] != `"1"` {
		t.Errorf("PUT with If-Match \"0\": got %d %s ETag %q; want 200 and ETag \"1\"", resp.Status, resp.Body, resp.Headers["ETag"])
	}
	if resp := e.do(itemReq("PUT", owned, `{"name":"newer"}`, alice, `"0"`)); resp.Status != 412 {
		t.Errorf("second PUT with If-Match \"0\": got %d; want 412", resp.Status)
	}

	if resp := e.do(itemReq("GET", orphan, "", alice, "")); resp.Status != 404 {
		t.Errorf("alice GETs an item without owner: %d; want 404", resp.Status)
	}
	if resp := e.do(itemReq("DELETE", orphan, "", alice, `"0"`)); resp.Status != 404 {
		t.Errorf("alice DELETEs an item without owner: %d; want 404", resp.Status)
	}
	all := decode[Page](t, e.do(listReq(nil, admin)).Body)
	if len(all.Items) != 2 {
		t.Errorf("admin lists %+v; want both items", all.Items)
	}
	if resp := e.do(itemReq("DELETE", orphan, "", admin, `"0"`)); resp.Status != 204 {
		t.Errorf("admin DELETEs an item without owner: %d %s; want 204", resp.Status, resp.Body)
	}
}

func TestValidationErrorMessage(t *testing.T) {
	err := &ValidationError{Summary: "invalid item", Problems: []FieldError{
		{Field: "name", Message: "name is required"},
		{Field: "done", Message: "done must be true or false"},
	}}
	if got, want := err.Error(), "invalid item: name is required; done must be true or false"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
}

func TestQuoteTruncates(t *testing.T) {
	tests := []struct{ in, want string }{
		{"short", `"short"`},
		{strings.Repeat("a", 40), `"` + strings.Repeat("a", 40) + `"`},
		{strings.Repeat("ü", 41), `"` + strings.Repeat("ü", 40) + `"…`},
		{"line\nbreak\x00", `"line\nbreak\x00"`},
	}
	for _, tt := range tests {
		if got := quote(tt.in); got != tt.want {
			t.Errorf("quote(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}

func TestCallerFromClaims(t *testing.T) {
	tests := []struct {
		claims map[string]string
		want   Caller
		ok     bool
	}{
		{nil, Caller{}, false},
		{map[string]string{"cognito:groups": "admins"}, Caller{Admin: true}, false},
		{map[string]string{"sub": "u"}, Caller{Sub: "u"}, true},
		{map[string]string{"sub": "u", "cognito:groups": "admins"}, Caller{Sub: "u", Admin: true}, true},
		// REST API authorizers join groups with commas; HTTP API JWT
		// authorizers write "[a b]"; a JSON array may come from tests or
		// other front doors.
		{map[string]string{"sub": "u", "cognito:groups": "editors,admins"}, Caller{Sub: "u", Admin: true}, true},
		{map[string]string{"sub": "u", "cognito:groups": "[editors admins]"}, Caller{Sub: "u", Admin: true}, true},
		{map[string]string{"sub": "u", "cognito:groups": `["editors","admins"]`}, Caller{Sub: "u", Admin: true}, true},
		{map[string]string{"sub": "u", "cognito:groups": "Admins,admins2,sysadmins,[admins"}, Caller{Sub: "u"}, true},
		{map[string]string{"sub": "u", "custom:groups": "admins"}, Caller{Sub: "u"}, true},
	}
	for _, tt := range tests {
		got, ok := CallerFromClaims(tt.claims)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CallerFromClaims(%v) = %+v, %v; want %+v, %v", tt.claims, got, ok, tt.want, tt.ok)
		}
	}
}
