package assertions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// M is a property pattern: the keys a resource's inputs (or an output, or a
// JSON document) must have, each with a value or a Matcher. Keys the
// pattern leaves out are not checked, at any depth; lists must match
// element by element unless a matcher such as ArrayWith says otherwise.
type M = map[string]any

// Matcher tests one value of a synthesized stack: an input, an output, an
// element of a list.
type Matcher interface {
	// Test returns every way got differs from what the matcher wants, or
	// nil when it matches.
	Test(got any) []Mismatch
	// String says what the matcher wants, for failure messages.
	String() string
}

// Mismatch is one difference: at Path (dotted keys and [index], relative to
// the value tested; "" is the value itself) the value was Got, and Want
// says what was wanted.
type Mismatch struct {
	Path string
	Got  any
	Want string
}

func (m Mismatch) String() string {
	path := m.Path
	if path == "" {
		path = "(value)"
	}
	return fmt.Sprintf("%s: got %s; want %s", path, show(m.Got), m.Want)
}

// absent stands for a key that is not there, which differs from a null.
type absentValue struct{}

var absent = absentValue{}

// ObjectLike matches an object that has at least the pattern's keys, each
// matching; nested objects in the pattern are matched the same way. A plain
// M passed where a pattern is expected means ObjectLike.
func ObjectLike(pattern M) Matcher { return objectMatch{pattern: pattern, partial: true} }

// Exact matches v and nothing more: objects must have exactly its keys,
// at every depth, unless a nested matcher (ObjectLike) says otherwise.
func Exact(v any) Matcher { return literal(v, false) }

// ArrayWith matches a list holding elements that match each of patterns,
// in that order, with any other elements before, between or after them.
func ArrayWith(patterns ...any) Matcher { return arrayWith{patterns: patterns} }

// Absent matches a key that is missing or null.
func Absent() Matcher { return absentMatch{} }

// AnyValue matches any value that is present and not null.
func AnyValue() Matcher { return anyValue{} }

// StringLike matches a string the regular expression pattern matches
// (anywhere, unless anchored with ^ and $). It panics on a bad pattern, as
// regexp.MustCompile does, since patterns are written in tests.
func StringLike(pattern string) Matcher { return stringLike{re: regexp.MustCompile(pattern)} }

// SerializedJSON matches a string holding a JSON document (an IAM policy,
// a CloudFront config) whose parsed value matches pattern.
func SerializedJSON(pattern any) Matcher { return serializedJSON{pattern: pattern} }

// Not matches any value m does not match.
func Not(m any) Matcher { return not{m: literal(m, true)} }

// literal turns a pattern value into a Matcher: matchers stay as they are,
// objects and lists are matched element by element, anything else by equality.
// partial says whether objects may have keys the pattern leaves out.
func literal(v any, partial bool) Matcher {
	switch t := v.(type) {
	case Matcher:
		return t
	case map[string]any:
		return objectMatch{pattern: t, partial: partial}
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String {
		m := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[it.Key().String()] = it.Value().Interface()
		}
		return objectMatch{pattern: m, partial: partial}
	}
	if (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array) && rv.Type().Elem().Kind() != reflect.Uint8 {
		elems := make([]Matcher, rv.Len())
		for i := range elems {
			elems[i] = literal(rv.Index(i).Interface(), partial)
		}
		return arrayMatch{elems: elems}
	}
	return equalMatch{want: v}
}

type objectMatch struct {
	pattern M
	partial bool
}

func (o objectMatch) Test(got any) []Mismatch {
	m, ok := got.(map[string]any)
	if !ok {
		return []Mismatch{{Got: got, Want: "an object " + o.String()}}
	}
	var out []Mismatch
	for _, k := range slices.Sorted(maps.Keys(o.pattern)) {
		v, has := m[k]
		if !has {
			v = absent
		}
		out = append(out, under(k, literal(o.pattern[k], o.partial).Test(v))...)
	}
	if !o.partial {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if _, want := o.pattern[k]; !want {
				out = append(out, Mismatch{Path: k, Got: m[k], Want: "absent (Exact leaves it out)"})
			}
		}
	}
	return out
}

func (o objectMatch) String() string {
	if o.partial {
		return show(o.pattern)
	}
	return "exactly " + show(o.pattern)
}

type arrayMatch struct{ elems []Matcher }

func (a arrayMatch) Test(got any) []Mismatch {
	list, ok := got.([]any)
	if !ok || len(list) != len(a.elems) {
		return []Mismatch{{Got: got, Want: fmt.Sprintf("a list of %d: %s", len(a.elems), a.String())}}
	}
	var out []Mismatch
	for i, e := range a.elems {
		out = append(out, under(fmt.Sprintf("[%d]", i), e.Test(list[i]))...)
	}
	return out
}

func (a arrayMatch) String() string {
	parts := make([]string, len(a.elems))
	for i, e := range a.elems {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

type arrayWith struct{ patterns []any }

func (a arrayWith) Test(got any) []Mismatch {
	list, ok := got.([]any)
	if !ok {
		return []Mismatch{{Got: got, Want: a.String()}}
	}
	next := 0
	for i, p := range a.patterns {
		m := literal(p, true)
		found := false
		for ; next < len(list); next++ {
			if m.Test(list[next]) == nil {
				found, next = true, next+1
				break
			}
		}
		if !found {
			want := fmt.Sprintf("a list with an element %s", m.String())
			if i > 0 {
				want += fmt.Sprintf(" after the ones matching %s", showPatterns(a.patterns[:i]))
			}
			return []Mismatch{{Got: got, Want: want}}
		}
	}
	return nil
}

func (a arrayWith) String() string { return "a list with " + showPatterns(a.patterns) }

type absentMatch struct{}

func (absentMatch) Test(got any) []Mismatch {
	if got == absent || got == nil {
		return nil
	}
	return []Mismatch{{Got: got, Want: "absent"}}
}

func (absentMatch) String() string { return "absent" }

type anyValue struct{}

func (anyValue) Test(got any) []Mismatch {
	if got == absent || got == nil {
		return []Mismatch{{Got: got, Want: "any value"}}
	}
	return nil
}

func (anyValue) String() string { return "any value" }

type stringLike struct{ re *regexp.Regexp }

func (s stringLike) Test(got any) []Mismatch {
	if str, ok := got.(string); ok && s.re.MatchString(str) {
		return nil
	}
	return []Mismatch{{Got: got, Want: s.String()}}
}

func (s stringLike) String() string { return fmt.Sprintf("a string matching /%s/", s.re) }

type serializedJSON struct{ pattern any }

func (s serializedJSON) Test(got any) []Mismatch {
	str, ok := got.(string)
	if !ok {
		return []Mismatch{{Got: got, Want: "a JSON string " + s.String()}}
	}
	var doc any
	if err := json.Unmarshal([]byte(str), &doc); err != nil {
		return []Mismatch{{Got: got, Want: fmt.Sprintf("a JSON string (it does not parse: %v)", err)}}
	}
	return under("(json)", literal(s.pattern, true).Test(doc))
}

func (s serializedJSON) String() string { return "JSON " + literal(s.pattern, true).String() }

type not struct{ m Matcher }

func (n not) Test(got any) []Mismatch {
	if n.m.Test(got) == nil {
		return []Mismatch{{Got: got, Want: n.String()}}
	}
	return nil
}

func (n not) String() string { return "not " + n.m.String() }

type equalMatch struct{ want any }

func (e equalMatch) Test(got any) []Mismatch {
	if got != absent && equal(got, e.want) {
		return nil
	}
	return []Mismatch{{Got: got, Want: e.String()}}
}

func (e equalMatch) String() string { return show(e.want) }

// equal compares a synthesized value (JSON-shaped: string, bool, int64,
// float64, []any, map[string]any, nil) with a pattern value written in Go,
// so 128 equals int64(128) and []string equals []any of the same strings.
func equal(got, want any) bool {
	if gf, ok := toFloat(got); ok {
		wf, ok := toFloat(want)
		return ok && gf == wf
	}
	wv := reflect.ValueOf(want)
	switch g := got.(type) {
	case nil:
		return want == nil || (wv.Kind() == reflect.Pointer || wv.Kind() == reflect.Map || wv.Kind() == reflect.Slice) && wv.IsNil()
	case string:
		return wv.Kind() == reflect.String && wv.String() == g
	case bool:
		return wv.Kind() == reflect.Bool && wv.Bool() == g
	case []any:
		if wv.Kind() != reflect.Slice && wv.Kind() != reflect.Array || wv.Len() != len(g) {
			return false
		}
		for i := range g {
			if !equal(g[i], wv.Index(i).Interface()) {
				return false
			}
		}
		return true
	case map[string]any:
		if wv.Kind() != reflect.Map || wv.Type().Key().Kind() != reflect.String || wv.Len() != len(g) {
			return false
		}
		for k, v := range g {
			w := wv.MapIndex(reflect.ValueOf(k).Convert(wv.Type().Key()))
			if !w.IsValid() || !equal(v, w.Interface()) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(got, want)
}

func toFloat(v any) (float64, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		return f, !math.IsNaN(f)
	}
	return 0, false
}

// under puts mismatches found inside key (or "[i]") under it.
func under(key string, ms []Mismatch) []Mismatch {
	for i := range ms {
		switch {
		case ms[i].Path == "":
			ms[i].Path = key
		case strings.HasPrefix(ms[i].Path, "["):
			ms[i].Path = key + ms[i].Path
		default:
			ms[i].Path = key + "." + ms[i].Path
		}
	}
	return ms
}

func showPatterns(ps []any) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = literal(p, true).String()
	}
	return strings.Join(parts, ", ")
}

// maxShown bounds a value shown in a failure message.
const maxShown = 300

// show renders a value compactly as JSON, for failure messages.
func show(v any) string {
	switch t := v.(type) {
	case absentValue:
		return "nothing (absent)"
	case Matcher:
		return t.String()
	case map[string]any:
		// Nested matchers inside a pattern read as what they want.
		parts := make([]string, 0, len(t))
		for _, k := range slices.Sorted(maps.Keys(t)) {
			parts = append(parts, fmt.Sprintf("%q: %s", k, show(t[k])))
		}
		return clip("{" + strings.Join(parts, ", ") + "}")
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = show(e)
		}
		return clip("[" + strings.Join(parts, ", ") + "]")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return clip(fmt.Sprintf("%#v", v))
	}
	return clip(strings.TrimSuffix(buf.String(), "\n"))
}

func clip(s string) string {
	if len(s) > maxShown {
		return s[:maxShown] + "…"
	}
	return s
}
