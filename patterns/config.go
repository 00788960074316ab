package patterns

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/agext/levenshtein"
	"gopkg.in/yaml.v3"
)

// Key documents one key of a pattern's section, read from its config
// struct: Name from the `config` tag, Type from the field's Go type (as a
// Pulumi config type), Default from the value NewConfig gives it (YAML),
// Description from the `doc` tag.
type Key struct {
	Name, Type, Default, Description string
}

// SecretPlaceholder is what an encrypted value that could not be decrypted
// arrives as; its checks are skipped (synth says so).
const SecretPlaceholder = "[secret]"

// Keys lists the keys of a config struct (a pointer, as NewConfig returns)
// in field order.
func Keys(cfg any) []Key {
	v := reflect.ValueOf(cfg).Elem()
	var keys []Key
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name := f.Tag.Get("config")
		if name == "" {
			continue
		}
		def, _ := yaml.Marshal(v.Field(i).Interface())
		keys = append(keys, Key{Name: name, Type: pulumiType(f.Type), Default: flowYAML(v.Field(i).Interface(), def), Description: f.Tag.Get("doc")})
	}
	return keys
}

// flowYAML renders a default on one line, as a table cell or a Pulumi.yaml
// value: lists in flow style.
func flowYAML(v any, block []byte) string {
	if reflect.TypeOf(v).Kind() == reflect.Slice {
		b, _ := json.Marshal(v)
		return string(b)
	}
	return strings.TrimSpace(string(block))
}

func pulumiType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int:
		return "integer"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice:
		return "array"
	default:
		return "string"
	}
}

// Decode reads a section's value as the engine passes it (a JSON object)
// into cfg, a pointer to a config struct holding the defaults; keys the
// section leaves out keep them. Every problem names the key
// (kumo:<pattern>.<key>), the value and what is allowed; the fields with a
// problem keep their defaults, and p records their keys.
func Decode(pattern, raw string, cfg any, p *Problems) {
	if raw == SecretPlaceholder {
		return // encrypted and not decryptable here: synth reports the skip
	}
	var section map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(raw))
	if err := dec.Decode(&section); err != nil || section == nil {
		p.Add(SectionName(pattern), "is not a section of keys; in the stack file write %s: followed by indented key: value lines", SectionName(pattern))
		return
	}
	v := reflect.ValueOf(cfg).Elem()
	fields := map[string]int{}
	var names []string
	for i := range v.NumField() {
		if name := v.Type().Field(i).Tag.Get("config"); name != "" {
			fields[name] = i
			names = append(names, name)
		}
	}
	for _, k := range slices.Sorted(keysOf(section)) {
		key := KeyName(pattern, k)
		i, ok := fields[k]
		if !ok {
			p.Add(key, "unknown key of the %s section%s; known keys: %s", pattern, Closest(k, names, KeyName(pattern, "")), strings.Join(names, ", "))
			continue
		}
		if err := decodeField(v.Field(i), section[k]); err != nil {
			shown := string(section[k])
			var s string
			if json.Unmarshal(section[k], &s) == nil {
				shown = s // a string value reads better without JSON's quotes
			}
			p.Add(key, "%s %v", p.Val(key, shown), err)
		}
	}
}

func keysOf(m map[string]json.RawMessage) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// decodeField sets f from one JSON value, strictly: integers are whole
// numbers, booleans true or false, strings strings, lists lists of strings.
// An encrypted value arrives as a JSON string "[secret]" and is skipped.
func decodeField(f reflect.Value, raw json.RawMessage) error {
	var s string
	if json.Unmarshal(raw, &s) == nil && s == SecretPlaceholder {
		return nil
	}
	switch f.Kind() {
	case reflect.Int:
		var n json.Number
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&n); err != nil {
			return fmt.Errorf("is not a whole number")
		}
		i, err := strconv.Atoi(n.String())
		if err != nil {
			return fmt.Errorf("is not a whole number")
		}
		f.SetInt(int64(i))
	case reflect.Bool:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return fmt.Errorf("is not a boolean; use true or false")
		}
		f.SetBool(b)
	case reflect.Slice:
		var l []string
		if err := json.Unmarshal(raw, &l); err != nil || l == nil {
			return fmt.Errorf("is not a list of strings; in the stack file write a YAML list")
		}
		f.Set(reflect.ValueOf(l))
	default:
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("is not a string")
		}
		f.SetString(s)
	}
	return nil
}

// Problems collects config problems, each naming its key, so that a key
// with a problem can be kept out of the checks that follow and nothing is
// reported twice.
type Problems struct {
	Errs []error
	keys map[string]bool
	// Secret reports keys whose values must never appear in a message.
	Secret func(key string) bool
}

// Add records a problem of key.
func (p *Problems) Add(key, format string, v ...any) {
	if p.keys == nil {
		p.keys = map[string]bool{}
	}
	p.keys[key] = true
	p.Errs = append(p.Errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, v...)))
}

// Has reports whether key has a problem.
func (p *Problems) Has(key string) bool { return p.keys[key] }

// Mark records that key has a problem reported elsewhere.
func (p *Problems) Mark(key string) {
	if p.keys == nil {
		p.keys = map[string]bool{}
	}
	p.keys[key] = true
}

// Val shows key's value v in a message: "[secret]" for a secret key, quoted
// and cut for a string, as it is for a number.
func (p *Problems) Val(key string, v any) string {
	if p.Secret != nil && p.Secret(key) {
		return SecretPlaceholder
	}
	if s, ok := v.(string); ok {
		return Quote(s)
	}
	return fmt.Sprint(v)
}

// Redact returns err's text, or, for a secret key whose value err may
// quote, the generic reason.
func (p *Problems) Redact(key string, err error, generic string) string {
	if p.Secret != nil && p.Secret(key) {
		return SecretPlaceholder + " " + generic
	}
	return err.Error()
}

// Quote shows a value in a message: quoted, control characters escaped, and
// cut to 60 characters so a huge value cannot drown the report.
func Quote(s string) string {
	const limit = 60
	if utf8.RuneCountInString(s) <= limit {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return strconv.Quote(string(r[:limit])) + fmt.Sprintf("… (%d characters)", len(r))
}

// Closest suggests the nearest of names for a misspelt key, "" when none is
// near: at most two edits in five characters (and two for short keys), so
// memorySize finds memoryMB and regoin region, but colour suggests nothing.
func Closest(key string, names []string, prefix string) string {
	best, bestDist := "", max(2, len(key)*2/5)+1
	for _, n := range names {
		if d := levenshtein.Distance(strings.ToLower(key), strings.ToLower(n), nil); d < bestDist {
			best, bestDist = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s%s?)", prefix, best)
}
