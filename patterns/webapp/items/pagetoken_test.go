package items

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
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
