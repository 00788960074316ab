package items

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// checkStrict reads body with encoding/json's tokenizer and refuses what
// json.Unmarshal would accept silently, naming the top-level field each
// problem is in:
//   - a key given twice in one object (Unmarshal keeps the last one, so
//     a client, a proxy and this API could each read a different item);
//   - bytes that are not UTF-8 and \uD800–\uDFFF escapes that are not a
//     surrogate pair (Unmarshal turns both into U+FFFD, corrupting the
//     text without a word);
//   - anything after the one JSON value.
//
// Syntax errors are reported too, on the field whose value they are in
// where there is one; raw control characters in strings are syntax errors.
// It returns nil when body is one well-formed JSON value.
func checkStrict(body string) *ValidationError {
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object    bool
		expectKey bool
		keys      map[string]bool
	}
	var (
		stack    []*frame
		field    string // the top-level key whose value is being read
		prev     int64  // where the current token's raw text starts
		done     bool   // the top-level value is complete
		problems []FieldError
		reported = map[string]bool{}
	)
	report := func(f, msg string) {
		if !reported[f+"\x00"+msg] {
			reported[f+"\x00"+msg] = true
			problems = append(problems, FieldError{Field: f, Message: msg})
		}
	}
	where := func() string {
		if field == "" || len(stack) == 0 {
			return "body"
		}
		return field
	}
	valueDone := func() {
		if len(stack) == 0 {
			done = true
			return
		}
		if top := stack[len(stack)-1]; top.object {
			top.expectKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF && done {
			break
		}
		if done {
			return &ValidationError{Summary: "request body is not valid JSON", Problems: []FieldError{{
				Field: "body", Message: "body is not valid JSON: unexpected data after the JSON object"}}}
		}
		if err != nil {
			f, why := where(), err.Error()
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				f, why = "body", "it ends before the JSON object does"
			} else if strings.Contains(why, "in string literal") {
				why += "; control characters in strings must be escaped, e.g. \\n"
			}
			return &ValidationError{Summary: "request body is not valid JSON", Problems: []FieldError{{
				Field: f, Message: fmt.Sprintf("%s is not valid JSON: %s", f, why)}}}
		}
		off := dec.InputOffset()
		raw := body[prev:off] // the token, with the separators and spaces before it
		prev = off

		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, &frame{object: t == '{', expectKey: t == '{', keys: map[string]bool{}})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			top := (*frame)(nil)
			if len(stack) > 0 {
				top = stack[len(stack)-1]
			}
			if top != nil && top.object && top.expectKey {
				top.expectKey = false
				if len(stack) == 1 {
					field = t
				}
				if !utf8.ValidString(raw) || loneSurrogates(raw, t) {
					report(where(), fmt.Sprintf("the field name %s is not valid UTF-8 text", quote(t)))
				} else if top.keys[t] {
					report(where(), fmt.Sprintf("%s is given more than once; send each field once", quote(t)))
				}
				top.keys[t] = true
				continue
			}
			if !utf8.ValidString(raw) {
				report(where(), fmt.Sprintf("%s is not valid UTF-8: send text encoded as UTF-8", where()))
			} else if loneSurrogates(raw, t) {
				report(where(), fmt.Sprintf(`%s holds a \u escape of half a UTF-16 surrogate pair (\uD800–\uDFFF) without its other half`, where()))
			}
			valueDone()
		default:
			valueDone()
		}
	}
	if len(problems) > 0 {
		sortProblems(problems)
		return &ValidationError{Summary: "invalid item", Problems: problems}
	}
	return nil
}

// loneSurrogates reports whether decoding the string token raw (valid
// UTF-8, as written in the body) into s replaced an unpaired surrogate
// escape with U+FFFD: s then holds more U+FFFD than raw wrote, as the
// character itself or as a \uFFFD escape.
func loneSurrogates(raw, s string) bool {
	n := strings.Count(s, "\uFFFD")
	if n == 0 {
		return false
	}
	written := strings.Count(raw, "\uFFFD")
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++ // the escaped character; \\ must not start another escape
		if i < len(raw) && raw[i] == 'u' && i+5 <= len(raw) && strings.EqualFold(raw[i+1:i+5], "fffd") {
			written++
		}
	}
	return n > written
}
