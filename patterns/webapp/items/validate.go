package items

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
)

// Limits of the API. Lengths count Unicode characters, not bytes.
const (
	MaxNameChars        = 200
	MaxDescriptionChars = 2000
	// MaxBodyBytes bounds a request body; the largest valid item is well
	// under it even in 4-byte characters with JSON escapes.
	MaxBodyBytes = 16 << 10
	DefaultLimit = 25
	MaxLimit     = 100
)

// shown bounds how much of a bad value is echoed back in an error message.
const shown = 40

// FieldError is one problem with one part of a request. Message names the
// field, shows the bad value and says what is allowed, so it can be shown to
// a user as is.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Message }

// ValidationError lists every problem found in a request, so that a client
// can fix them all in one round trip. Handler answers it with 400.
type ValidationError struct {
	// Summary is a short description of what was wrong, e.g. "invalid item".
	Summary  string
	Problems []FieldError
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	return e.Summary + ": " + strings.Join(msgs, "; ")
}

// parseInput decodes a create or update body. Unknown fields, wrong types
// and bad values are all collected into one ValidationError.
func parseInput(body string) (Input, error) {
	if strings.TrimSpace(body) == "" {
		return Input{}, &ValidationError{Summary: "request body is required", Problems: []FieldError{{
			Field:   "body",
			Message: `body is empty: send a JSON object such as {"name": "Buy milk", "description": "", "done": false}`,
		}}}
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(body))
	err := dec.Decode(&fields)
	if err == nil {
		// Decode stops after the first value; "{...} {...}" or "{...}x"
		// is not one JSON object.
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("unexpected data after the JSON object")
		}
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) || (err == nil && fields == nil) {
		return Input{}, &ValidationError{Summary: "request body must be a JSON object", Problems: []FieldError{{
			Field:   "body",
			Message: fmt.Sprintf("body must be a JSON object with name, description and done, got %s", quote(body)),
		}}}
	}
	if err != nil {
		return Input{}, &ValidationError{Summary: "request body is not valid JSON", Problems: []FieldError{{
			Field:   "body",
			Message: fmt.Sprintf("body is not valid JSON: %v", err),
		}}}
	}

	var problems []FieldError
	var unknown []string
	for k := range fields {
		if k != "name" && k != "description" && k != "done" {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		problems = append(problems, FieldError{
			Field:   k,
			Message: fmt.Sprintf("unknown field %s: allowed fields are name, description and done (names are case-sensitive)", quote(k)),
		})
	}

	var in Input
	var nameSet bool
	if raw, ok := fields["name"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &in.Name); err != nil {
			problems = append(problems, FieldError{Field: "name",
				Message: fmt.Sprintf("name must be a JSON string of 1 to %d characters, got %s", MaxNameChars, quote(string(raw)))})
		} else {
			nameSet = true
		}
	} else {
		problems = append(problems, FieldError{Field: "name",
			Message: fmt.Sprintf("name is required: give a string of 1 to %d characters", MaxNameChars)})
	}
	descOK := true
	if raw, ok := fields["description"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &in.Description); err != nil {
			descOK = false
			problems = append(problems, FieldError{Field: "description",
				Message: fmt.Sprintf("description must be a JSON string of at most %d characters, got %s", MaxDescriptionChars, quote(string(raw)))})
		}
	}
	if raw, ok := fields["done"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &in.Done); err != nil {
			problems = append(problems, FieldError{Field: "done",
				Message: fmt.Sprintf("done must be true or false, got %s", quote(string(raw)))})
		}
	}

	// Check the values that decoded, so a type error in one field does
	// not hide a length error in another.
	in.Name = strings.TrimSpace(in.Name)
	if nameSet {
		if p := checkName(in.Name); p != nil {
			problems = append(problems, *p)
		}
	}
	if descOK {
		if p := checkDescription(in.Description); p != nil {
			problems = append(problems, *p)
		}
	}
	if len(problems) > 0 {
		sortProblems(problems)
		return Input{}, &ValidationError{Summary: "invalid item", Problems: problems}
	}
	return in, nil
}

// normalize trims the name and checks every field, for callers of Store
// that did not come through parseInput.
func (in Input) normalize() (Input, error) {
	in.Name = strings.TrimSpace(in.Name)
	var problems []FieldError
	if p := checkName(in.Name); p != nil {
		problems = append(problems, *p)
	}
	if p := checkDescription(in.Description); p != nil {
		problems = append(problems, *p)
	}
	if len(problems) > 0 {
		return Input{}, &ValidationError{Summary: "invalid item", Problems: problems}
	}
	return in, nil
}

// checkName takes an already trimmed name.
func checkName(name string) *FieldError {
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		return &FieldError{Field: "name",
			Message: fmt.Sprintf("name must not be blank: give 1 to %d characters other than spaces", MaxNameChars)}
	case n > MaxNameChars:
		return &FieldError{Field: "name",
			Message: fmt.Sprintf("name is too long: %d characters after trimming spaces (%s); allowed 1 to %d", n, quote(name), MaxNameChars)}
	}
	return nil
}

func checkDescription(d string) *FieldError {
	if n := utf8.RuneCountInString(d); n > MaxDescriptionChars {
		return &FieldError{Field: "description",
			Message: fmt.Sprintf("description is too long: %d characters (%s); allowed at most %d", n, quote(d), MaxDescriptionChars)}
	}
	return nil
}

// withIDProblem reports a bad id together with the problems of the body
// that came with it, if any.
func withIDProblem(p FieldError, bodyErr error) *ValidationError {
	problems := []FieldError{p}
	var verr *ValidationError
	if errors.As(bodyErr, &verr) {
		problems = append(problems, verr.Problems...)
	}
	return &ValidationError{Summary: "invalid request", Problems: problems}
}

// parseLimit reads the limit query parameter; "" means the default.
func parseLimit(raw string) (int, *FieldError) {
	if raw == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, limitProblem(quote(raw))
	}
	return n, checkLimit(n)
}

func checkLimit(n int) *FieldError {
	if n < 1 || n > MaxLimit {
		return limitProblem(strconv.Itoa(n))
	}
	return nil
}

func limitProblem(got string) *FieldError {
	return &FieldError{Field: "limit",
		Message: fmt.Sprintf("limit must be a whole number from 1 to %d (default %d), got %s", MaxLimit, DefaultLimit, got)}
}

// parseID accepts a UUID in its canonical 36-character form, in either case,
// and returns it in lower case, the form NewID stores.
func parseID(raw string) (string, *FieldError) {
	if len(raw) == 36 {
		if u, err := uuid.Parse(raw); err == nil {
			return u.String(), nil
		}
	}
	return "", &FieldError{Field: "id",
		Message: fmt.Sprintf("id must be a UUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301, got %s", quote(raw))}
}

// pageToken is the content of a next token. Only the id is kept because it
// is the whole primary key; the JSON leaves room to add fields later.
type pageToken struct {
	ID string `json:"id"`
}

// encodeNext turns a LastEvaluatedKey into an opaque, URL-safe token.
func encodeNext(lastKey map[string]types.AttributeValue) (string, error) {
	s, ok := lastKey["id"].(*types.AttributeValueMemberS)
	if !ok {
		return "", fmt.Errorf("encode page token: last evaluated key has no string id: %v", lastKey)
	}
	b, err := json.Marshal(pageToken{ID: s.Value})
	if err != nil {
		return "", fmt.Errorf("encode page token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// decodeNext turns a next token back into an ExclusiveStartKey; "" means
// the first page.
func decodeNext(token string) (map[string]types.AttributeValue, *FieldError) {
	if token == "" {
		return nil, nil
	}
	bad := &FieldError{Field: "next",
		Message: fmt.Sprintf("next is not a valid page token, got %s: pass the next value of the previous page unchanged, or omit it for the first page", quote(token))}
	// Accept padded base64url too: some clients re-encode tokens.
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(token, "="))
	if err != nil {
		return nil, bad
	}
	var t pageToken
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, bad
	}
	if _, terr := dec.Token(); terr != io.EOF {
		return nil, bad
	}
	id, p := parseID(t.ID)
	if p != nil {
		return nil, bad
	}
	return key(id), nil
}

// quote shows a bad value in a message: quoted, escaped and cut short so
// a huge or hostile value cannot flood the response or the logs.
func quote(s string) string {
	if utf8.RuneCountInString(s) > shown {
		r := []rune(s)
		return strconv.Quote(string(r[:shown])) + "…"
	}
	return strconv.Quote(s)
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// sortProblems orders problems by field so responses are stable.
func sortProblems(p []FieldError) {
	sort.SliceStable(p, func(i, j int) bool { return fieldRank(p[i].Field) < fieldRank(p[j].Field) })
}

func fieldRank(f string) int {
	switch f {
	case "id":
		return 0
	case "name":
		return 1
	case "description":
		return 2
	case "done":
		return 3
	}
	return 4 // unknown fields last, already sorted by name
}
