package items

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
// and bad values are all collected into one ValidationError; what
// encoding/json would let through silently (a field given twice, text that
// is not UTF-8) is refused first, by checkStrict.
func parseInput(body string) (Input, error) {
	if strings.TrimSpace(body) == "" {
		return Input{}, &ValidationError{Summary: "request body is required", Problems: []FieldError{{
			Field:   "body",
			Message: `body is empty: send a JSON object such as {"name": "Buy milk", "description": "", "done": false}`,
		}}}
	}
	if verr := checkStrict(body); verr != nil {
		return Input{}, verr
	}
	// checkStrict found exactly one JSON value; anything but an object
	// fails here.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &fields); err != nil || fields == nil {
		return Input{}, &ValidationError{Summary: "request body must be a JSON object", Problems: []FieldError{{
			Field:   "body",
			Message: fmt.Sprintf("body must be a JSON object with name, description and done, got %s", quote(body)),
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
// that did not come through parseInput: Go strings may hold bytes that are
// not UTF-8, which JSON decoding would have refused.
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
	if p := checkText("name", name, ""); p != nil {
		return p
	}
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
	if p := checkText("description", d, "\t\n\r"); p != nil {
		return p
	}
	if n := utf8.RuneCountInString(d); n > MaxDescriptionChars {
		return &FieldError{Field: "description",
			Message: fmt.Sprintf("description is too long: %d characters (%s); allowed at most %d", n, quote(d), MaxDescriptionChars)}
	}
	return nil
}

// checkText refuses text that is not UTF-8 and control characters (Unicode
// category Cc: U+0000–U+001F, U+007F–U+009F) other than those in allowed.
// They have no business in a to-do item, and would reach every client that
// shows it: a NUL truncates strings in C, an escape sequence restyles a
// terminal, a carriage return hides a line in a log.
func checkText(field, s, allowed string) *FieldError {
	if !utf8.ValidString(s) {
		return &FieldError{Field: field, Message: fmt.Sprintf("%s is not valid UTF-8, got %s: send text encoded as UTF-8", field, quote(s))}
	}
	chars := 0
	for _, r := range s {
		chars++
		if unicode.IsControl(r) && !strings.ContainsRune(allowed, r) {
			allow := "none are allowed"
			if allowed != "" {
				allow = "only tab, line feed and carriage return are allowed"
			}
			return &FieldError{Field: field,
				Message: fmt.Sprintf("%s contains the control character U+%04X at character %d (%s); %s", field, r, chars, quote(s), allow)}
		}
	}
	return nil
}

// withIDProblem reports a bad id together with the problems of the body
// that came with it, if any.
func withIDProblem(p FieldError, bodyErr error) *ValidationError {
	return withProblems(bodyErr, &p)
}

// withProblems reports problems of the path or headers (nil ones are
// skipped) together with those of the body that came with them, if any.
func withProblems(bodyErr error, ps ...*FieldError) *ValidationError {
	var problems []FieldError
	for _, p := range ps {
		if p != nil {
			problems = append(problems, *p)
		}
	}
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
	case "If-Match":
		return 1
	case "name":
		return 2
	case "description":
		return 3
	case "done":
		return 4
	}
	return 5 // unknown fields last, already sorted by name
}

// ETag is the entity tag of an item at version: the version in quotes, a
// strong tag (RFC 9110, section 8.8.3), since a version names exactly one
// state of the item.
func ETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

var etag = regexp.MustCompile(`^"(0|[1-9][0-9]{0,17})"$`)

// parseIfMatch reads the If-Match header of a PUT or DELETE: the ETag of
// the version the client read. present is false when there is none; the
// API answers that with 428. Only the tags the API sends are accepted, one
// at a time: "*" would match any version and so defeat the point of asking,
// and a weak tag never matches (RFC 9110, section 13.1.1 compares strongly).
func parseIfMatch(h string) (version int64, present bool, p *FieldError) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false, nil
	}
	msg := func(why string) *FieldError {
		return &FieldError{Field: "If-Match", Message: fmt.Sprintf("If-Match %s, got %s: send the ETag of the item as you read it, e.g. If-Match: \"3\"", why, quote(h))}
	}
	switch {
	case h == "*":
		return 0, true, msg("* would match whatever version is stored and overwrite changes you have not seen")
	case strings.HasPrefix(h, "W/"):
		return 0, true, msg("must be a strong ETag; a weak one (W/) never matches")
	case strings.Contains(h, ","):
		return 0, true, msg("must be a single ETag")
	}
	m := etag.FindStringSubmatch(h)
	if m == nil {
		return 0, true, msg("is not an ETag this API sends (a version number in double quotes)")
	}
	v, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, true, msg("is not an ETag this API sends (a version number in double quotes)")
	}
	return v, true, nil
}
