package items

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b64(b)
}

// seal2 signs p with a key that is not the table's.
func seal2(t *testing.T, p pageToken) string {
	t.Helper()
	payload := mustJSON(t, p)
	return payload + "." + b64(mac(bytes.Repeat([]byte{7}, tokenKeyBytes), payload))
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// Round trips and refusals of the token format, without a table.
func TestPageTokens(t *testing.T) {
	secret := bytes.Repeat([]byte{1}, tokenKeyBytes)
	user := Caller{Sub: "u1"}
	boss := Caller{Sub: "u2", Admin: true}
	userKey := map[string]types.AttributeValue{IDAttribute: s(missingID), OwnerAttribute: s("u1"), CreatedAtAttribute: s("2026-03-01T09:30:00Z")}
	adminKey := map[string]types.AttributeValue{IDAttribute: s(missingID)}

	userTok, err := sealToken(secret, user, userKey)
	if err != nil {
		t.Fatal(err)
	}
	start, p := openToken(secret, user, userTok)
	if p != nil || !reflect.DeepEqual(start, userKey) {
		t.Errorf("user token opens to %v, %v; want %v", start, p, userKey)
	}
	adminTok, err := sealToken(secret, boss, adminKey)
	if err != nil {
		t.Fatal(err)
	}
	if start, p := openToken(secret, boss, adminTok); p != nil || !reflect.DeepEqual(start, adminKey) {
		t.Errorf("admin token opens to %v, %v; want %v", start, p, adminKey)
	}

	for _, tt := range []struct {
		name   string
		secret []byte
		c      Caller
		token  string
	}{
		{"another key", bytes.Repeat([]byte{2}, tokenKeyBytes), user, userTok},
		{"another user", secret, Caller{Sub: "u3"}, userTok},
		{"the user as admin", secret, Caller{Sub: "u1", Admin: true}, userTok},
		{"the admin as user", secret, Caller{Sub: "u2"}, adminTok},
		{"a flipped bit", secret, user, userTok[:3] + string(userTok[3]^1) + userTok[4:]},
		{"empty signature", secret, user, userTok[:len(userTok)-43] + ""},
		{"two dots", secret, user, userTok + ".x"},
	} {
		if _, p := openToken(tt.secret, tt.c, tt.token); p == nil || p.Field != "next" {
			t.Errorf("%s: got %v; want a problem with next", tt.name, p)
		}
	}

	// A user's last key must be the user's own: anything else is a bug.
	for _, last := range []map[string]types.AttributeValue{
		{IDAttribute: s(missingID), OwnerAttribute: s("u9"), CreatedAtAttribute: s("x")},
		{IDAttribute: s(missingID)},
		{OwnerAttribute: s("u1"), CreatedAtAttribute: s("x")},
	} {
		if tok, err := sealToken(secret, user, last); err == nil {
			t.Errorf("sealToken(%v) = %q; want an error", last, tok)
		}
	}
}

// Function instances that start together agree on one key, and a token
// one instance issued is good at another.
func TestTokenKeyIsSharedByInstances(t *testing.T) {
	e := newEnv(t)
	const instances = 8
	stores := make([]*Store, instances)
	keys := make([][]byte, instances)
	errs := make([]error, instances)
	var wg sync.WaitGroup
	for i := range stores {
		stores[i] = e.newStore()
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = stores[i].tokenKey(e.ctx)
		}()
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		if len(keys[i]) != tokenKeyBytes || !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("instance %d has key %x; instance 0 has %x", i, keys[i], keys[0])
		}
	}
	if bytes.Equal(keys[0], make([]byte, tokenKeyBytes)) {
		t.Fatal("the key is all zeros")
	}
	stored, err := e.store.readTokenKey(e.ctx)
	if err != nil || !bytes.Equal(stored, keys[0]) {
		t.Errorf("stored key %x, %v; want %x", stored, err, keys[0])
	}

	for i := range 3 {
		e.create(fmt.Sprint(i), alice)
	}
	c := Caller{Sub: alice["sub"]}
	p1, err := stores[1].List(e.ctx, c, 2, "")
	if err != nil || p1.Next == "" {
		t.Fatalf("first page: %+v, %v", p1, err)
	}
	p2, err := stores[5].List(e.ctx, c, 2, p1.Next)
	if err != nil || len(p2.Items) != 1 {
		t.Errorf("second page at another instance: %+v, %v; want the third item", p2, err)
	}
	// The key is read once per instance.
	e.db.ops()
	if _, err := stores[5].List(e.ctx, c, 2, p1.Next); err != nil {
		t.Fatal(err)
	}
	if ops := e.db.ops(); !slices.Equal(ops, []string{"Query"}) {
		t.Errorf("a warm instance's list with a token called %v; want only Query", ops)
	}
}

// A key item that is not one the Store made is an error, not a silent
// weaker key.
func TestTokenKeyMustBe32Bytes(t *testing.T) {
	e := newEnv(t)
	_, err := e.raw.PutItem(e.ctx, &dynamodb.PutItemInput{
		TableName: aws.String(e.table),
		Item:      map[string]types.AttributeValue{IDAttribute: s(tokenKeyID), "secret": &types.AttributeValueMemberB{Value: []byte("short")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.tokenKey(e.ctx); err == nil {
		t.Error("got a key from a 5-byte secret; want an error")
	}
}

// putTokenKey stores secret as the page token key straight in the table,
// unconditionally, as replication does when another region's key wins.
func (e *env) putTokenKey(secret []byte) {
	e.t.Helper()
	_, err := e.raw.PutItem(e.ctx, &dynamodb.PutItemInput{
		TableName: aws.String(e.table),
		Item: map[string]types.AttributeValue{IDAttribute: s(tokenKeyID), "secret": &types.AttributeValueMemberB{Value: secret},
			"createdAt": s("2026-03-01T09:30:01Z")},
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// In active-active, both regions can make a key at first use; the table
// keeps one. An instance that cached the other switches to the table's at
// the first token made with it, after one more read; tokens made with the
// lost key stay refused (the window the package documents).
func TestTokenKeyReplacedUnderAnInstance(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		e.create(fmt.Sprint(i), alice)
	}
	c := Caller{Sub: alice["sub"]}
	nextPage := func(st *Store, next string) (Page, error) {
		t.Helper()
		return st.List(e.ctx, c, 2, next)
	}
	refused := func(err error) bool {
		var verr *ValidationError
		return errors.As(err, &verr) && len(verr.Problems) == 1 && verr.Problems[0].Field == "next"
	}

	// This region's instance makes a key and a token with it.
	loser := e.newStore()
	p1, err := nextPage(loser, "")
	if err != nil || p1.Next == "" {
		t.Fatalf("first page: %+v, %v", p1, err)
	}
	lost := loser.key
	// The other region's key replicates over it.
	won := bytes.Repeat([]byte{9}, tokenKeyBytes)
	e.putTokenKey(won)
	fresh := e.newStore()
	p1won, err := nextPage(fresh, "")
	if err != nil || p1won.Next == "" {
		t.Fatalf("first page at an instance started after the switch: %+v, %v", p1won, err)
	}

	for _, tc := range []struct {
		name  string
		st    *Store
		token string
		// ok is whether the page is served; ops what the store calls.
		ok  bool
		ops []string
	}{
		{"the table's key, at the instance that cached the lost one", loser, p1won.Next, true, []string{"GetItem", "Query"}},
		// It switched: its own tokens now verify at once anywhere.
		{"its next token, at another instance", fresh, "", true, []string{"Query"}},
		{"a token made with the lost key", fresh, p1.Next, false, []string{"GetItem"}},
		{"a token made with no key of this table", fresh, seal2(t, pageToken{V: 1, By: c.Sub, ID: missingID, CreatedAt: "2026-03-01T09:30:00Z"}), false, []string{"GetItem"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := tc.token
			if token == "" {
				p, err := nextPage(loser, "")
				if err != nil || p.Next == "" {
					t.Fatalf("first page at the switched instance: %+v, %v", p, err)
				}
				token = p.Next
			}
			e.db.ops()
			p, err := nextPage(tc.st, token)
			switch {
			case tc.ok && (err != nil || len(p.Items) != 2):
				t.Errorf("got %+v, %v; want the second page", p, err)
			case !tc.ok && !refused(err):
				t.Errorf("got %+v, %v; want next refused", p, err)
			}
			if got := e.db.ops(); !slices.Equal(got, tc.ops) {
				t.Errorf("calls: got %v; want %v", got, tc.ops)
			}
		})
	}
	if !bytes.Equal(loser.key, won) || !bytes.Equal(fresh.key, won) || bytes.Equal(lost, won) {
		t.Errorf("cached keys: loser %x, fresh %x; want both the table's %x", loser.key, fresh.key, won)
	}
}

// A token that arrives after the key item was deleted (a rotation) is
// refused, never checked against an empty key, and the next token made
// gets a new key.
func TestTokenKeyDeletedUnderAnInstance(t *testing.T) {
	e := newEnv(t)
	for i := range 3 {
		e.create(fmt.Sprint(i), alice)
	}
	c := Caller{Sub: alice["sub"]}
	p1, err := e.store.List(e.ctx, c, 2, "")
	if err != nil || p1.Next == "" {
		t.Fatalf("first page: %+v, %v", p1, err)
	}
	old := e.store.key
	if _, err := e.raw.DeleteItem(e.ctx, &dynamodb.DeleteItemInput{TableName: aws.String(e.table), Key: key(tokenKeyID)}); err != nil {
		t.Fatal(err)
	}
	payload := mustJSON(t, pageToken{V: 1, By: c.Sub, ID: missingID, CreatedAt: "2026-03-01T09:30:00Z"})
	emptyKeyMAC := payload + "." + b64(mac(nil, payload))
	for _, token := range []string{emptyKeyMAC, p1.Next} {
		var verr *ValidationError
		if p, err := e.store.List(e.ctx, c, 2, token); !errors.As(err, &verr) {
			t.Errorf("token %q with no key in the table: got %+v, %v; want next refused", token, p, err)
		}
	}
	p, err := e.store.List(e.ctx, c, 2, "")
	if err != nil || p.Next == "" {
		t.Fatalf("first page after the rotation: %+v, %v", p, err)
	}
	stored, err := e.store.readTokenKey(e.ctx)
	if err != nil || stored == nil || bytes.Equal(stored, old) || !bytes.Equal(e.store.key, stored) {
		t.Errorf("after the rotation: stored key %x, %v, cached %x (was %x); want a new key, stored and cached", stored, err, e.store.key, old)
	}
	e.db.ops()
	if p2, err := e.store.List(e.ctx, c, 2, p.Next); err != nil || len(p2.Items) != 1 {
		t.Errorf("second page with the new key: %+v, %v; want the third item", p2, err)
	}
	if ops := e.db.ops(); !slices.Equal(ops, []string{"Query"}) {
		t.Errorf("second page with the new key called %v; want only Query", ops)
	}
}
