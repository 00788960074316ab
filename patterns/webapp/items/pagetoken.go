package items

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Page tokens carry the key of the last item of a page, so the next List
// starts after it. A token is bound to the caller it was issued to and to
// the kind of list (a user's own items, or an admin's scan of all), and it
// is authenticated with HMAC-SHA256: a changed, forged or borrowed token is
// refused with 400. The bound is belt and braces: a user's list is a Query
// whose key condition is the caller's own sub, so even a start key a user
// made up could only start the list somewhere among their own items.
//
// The HMAC key is 32 random bytes made by the first function instance that
// needs one, stored in the items table itself under tokenKeyID, and read
// once per instance. So every instance and every deployment shares it,
// tokens stay valid across instances and releases, the key never appears
// in Pulumi state, stack config or the function's environment, and no
// other AWS service or permission is needed. Its protection is the table's:
// whoever can read it can read every item directly anyway, and backups and
// point-in-time restores carry it along with the items. To rotate it,
// delete the item with id "kumo:page-token-key": an instance moves to the
// new key at the first token it cannot verify (see below) or its next cold
// start, tokens made with the old key are refused, and their clients start
// over from the first page. The alternatives were worse: a key made per
// cold start refuses a token whenever the next page is served by another
// instance, which happens all the time; a key in the environment or stack
// config has to be made and handed over by someone, and is visible to
// anyone who can read the function's configuration.
//
// A key can change under an instance that has read it: a rotation, or, in
// a global table written in two regions (active-active), both regions
// making a key at first use. The conditional put that makes the losers
// read the winner's key is checked in one region only, and replication
// between regions is last writer wins
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html),
// so for about a second both regions can store a key of their own, and the
// table then keeps one of them. So when a token's MAC does not match the
// cached key, verification re-reads the key once, with a consistent read
// (openNext, refreshTokenKey): an instance that cached the lost key, or a
// rotated one, switches to the table's key at the first token made with
// it. What remains: tokens made with the lost key fail with 400 once the
// table holds the other (their clients start over from the first page),
// and an instance that cached the lost key keeps making such tokens until
// a token made with the table's key reaches it, or it is recycled. It
// happens only when both regions make a key within the replication delay:
// at a new table's first lists, or a rotation under traffic in both
// regions. Each token that matches neither key costs one more consistent
// GetItem of one small item, within the API's throttling; the read is not
// a way to learn the key.

// tokenKeyID is the id of the item holding the page token key. It is not a
// UUID, so no request can name it, and it has no owner, so no user's list
// shows it; an admin's scan filters it out.
const tokenKeyID = "kumo:page-token-key"

const tokenKeyBytes = 32

// tokenMACLabel separates these MACs from any other use of the key.
const tokenMACLabel = "kumo items page token v1\n"

// tokenKey returns the page token key, making and storing it if the table
// has none. Concurrent first calls in different instances race on a
// conditional put; the losers read the winner's key.
func (s *Store) tokenKey(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	k, err := s.readTokenKey(ctx)
	if err != nil || k != nil {
		s.key = k
		return k, err
	}
	k = make([]byte, tokenKeyBytes)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("make page token key: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			IDAttribute: &types.AttributeValueMemberS{Value: tokenKeyID},
			"secret":    &types.AttributeValueMemberB{Value: k},
			"createdAt": &types.AttributeValueMemberS{Value: s.now()},
		},
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": IDAttribute},
	})
	switch {
	case err == nil:
		s.key = k
	case isConditionFailed(err):
		// Another instance stored one first.
		if s.key, err = s.readTokenKey(ctx); err == nil && s.key == nil {
			err = fmt.Errorf("page token key %s vanished right after it was stored", tokenKeyID)
		}
	default:
		err = fmt.Errorf("store page token key: %w", err)
	}
	return s.key, err
}

// readTokenKey returns the stored key, or nil if there is none.
func (s *Store) readTokenKey(ctx context.Context) ([]byte, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            key(tokenKeyID),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("read page token key: %w", err)
	}
	if out.Item == nil {
		return nil, nil
	}
	b, ok := out.Item["secret"].(*types.AttributeValueMemberB)
	if !ok || len(b.Value) != tokenKeyBytes {
		return nil, fmt.Errorf("item %s holds no %d-byte secret: delete it and a new key is made", tokenKeyID, tokenKeyBytes)
	}
	return b.Value, nil
}

// openNext checks a page token; "" is the first page, a nil start key. A
// token whose MAC does not match the cached key is checked once more
// against the key the table holds now.
func (s *Store) openNext(ctx context.Context, c Caller, next string) (map[string]types.AttributeValue, *FieldError, error) {
	if next == "" {
		return nil, nil, nil
	}
	secret, err := s.tokenKey(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !signedWith(secret, next) {
		if secret, err = s.refreshTokenKey(ctx, secret); err != nil {
			return nil, nil, err
		}
		if secret == nil {
			// No key to check against: never a MAC with an empty key.
			return nil, badToken(next), nil
		}
	}
	start, p := openToken(secret, c, next)
	return start, p, nil
}

// refreshTokenKey re-reads the page token key after a token's MAC did not
// match stale, the key this instance holds, and caches what it finds: the
// key the table holds now, or nil when it holds none (rotated away; the
// next token made gets a new key).
func (s *Store) refreshTokenKey(ctx context.Context, stale []byte) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil && !bytes.Equal(s.key, stale) {
		// Another request of this instance has re-read it meanwhile.
		return s.key, nil
	}
	k, err := s.readTokenKey(ctx)
	if err != nil {
		return nil, err
	}
	s.key = k
	return k, nil
}

// pageToken is what a token says, before its MAC.
type pageToken struct {
	V int `json:"v"`
	// By is the sub of the caller it was issued to; All is true for an
	// admin's list of all items.
	By  string `json:"by"`
	All bool   `json:"all"`
	// ID and CreatedAt are the last item's key in the table, and in the
	// owner index (whose partition key, the owner, is By).
	ID        string `json:"id"`
	CreatedAt string `json:"at,omitempty"`
}

func mac(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	io.WriteString(m, tokenMACLabel+payload)
	return m.Sum(nil)
}

// sealToken turns the LastEvaluatedKey of c's list into a token MACed
// with secret.
func sealToken(secret []byte, c Caller, last map[string]types.AttributeValue) (string, error) {
	str := func(name string) string {
		if v, ok := last[name].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	t := pageToken{V: 1, By: c.Sub, All: c.Admin, ID: str(IDAttribute)}
	if !c.Admin {
		t.CreatedAt = str(CreatedAtAttribute)
		if owner := str(OwnerAttribute); owner != c.Sub || t.CreatedAt == "" {
			return "", fmt.Errorf("encode page token: last evaluated key %v is not of the caller's own items", last)
		}
	}
	if t.ID == "" {
		return "", fmt.Errorf("encode page token: last evaluated key has no string id: %v", last)
	}
	b, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("encode page token: %w", err)
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + base64.RawURLEncoding.EncodeToString(mac(secret, payload)), nil
}

// signedWith reports whether token carries a valid MAC made with secret.
func signedWith(secret []byte, token string) bool {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	return err == nil && hmac.Equal(got, mac(secret, payload))
}

// badToken is the problem every refused token gets, whatever is wrong
// with it.
func badToken(token string) *FieldError {
	return &FieldError{Field: "next",
		Message: fmt.Sprintf("next is not a page token this API issued to you, got %s: pass the next value of your previous page unchanged, or omit it for the first page", quote(token))}
}

// openToken checks a token against secret and the caller, and returns the
// ExclusiveStartKey it stands for.
func openToken(secret []byte, c Caller, token string) (map[string]types.AttributeValue, *FieldError) {
	bad := badToken(token)
	if !signedWith(secret, token) {
		return nil, bad
	}
	payload, _, _ := strings.Cut(token, ".")
	// From here the token is one this API made; the checks below catch a
	// token issued to someone else, or to this caller in another role.
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, bad
	}
	var t pageToken
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil || dec.More() {
		return nil, bad
	}
	id, p := parseID(t.ID)
	if t.V != 1 || t.By != c.Sub || t.All != c.Admin || p != nil {
		return nil, bad
	}
	start := key(id)
	if !c.Admin {
		if t.CreatedAt == "" {
			return nil, bad
		}
		// The owner comes from the caller, never from the token.
		start[OwnerAttribute] = &types.AttributeValueMemberS{Value: c.Sub}
		start[CreatedAtAttribute] = &types.AttributeValueMemberS{Value: t.CreatedAt}
	}
	return start, nil
}
