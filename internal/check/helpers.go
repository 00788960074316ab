package check

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/kumo-iac/kumo/internal/iampolicy"
	"github.com/kumo-iac/kumo/internal/synth"
)

// Helpers the rules share. Values a synth cannot know before deploy (or
// secrets it does not show) count as set: a rule that needs the value
// itself says it could not read it rather than guessing.

// set reports whether the input at path is set (known or not).
func set(r *synth.Resource, path string) bool {
	_, ok := r.Value(path)
	return ok
}

// truthy reports whether the input at path is set to something other than
// false, 0, "" or an empty list or map; unknown values count as set.
func truthy(r *synth.Resource, path string) bool {
	v, ok := r.Value(path)
	if !ok {
		return false
	}
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	case json.Number:
		return v.String() != "0"
	case int64:
		return v != 0
	case float64:
		return v != 0
	}
	return true
}

// boolIs reports whether the input at path is the boolean want; unset or
// unknown is not.
func boolIs(r *synth.Resource, path string, want bool) bool {
	v, ok := r.Value(path)
	b, isBool := v.(bool)
	return ok && isBool && b == want
}

// str returns the known string at path.
func str(r *synth.Resource, path string) (string, bool) { return r.String(path) }

// number returns the known number at path.
func number(r *synth.Resource, path string) (float64, bool) {
	v, ok := r.Value(path)
	if !ok {
		return 0, false
	}
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case int64:
		return float64(v), true
	case float64:
		return v, true
	case int:
		return float64(v), true
	}
	return 0, false
}

// list returns the list at path (nil when unset or not a list).
func list(r *synth.Resource, path string) []any {
	v, _ := r.Value(path)
	l, _ := v.([]any)
	return l
}

// field reads path ("a.b") inside a rendered value, as Resource.Value does
// for inputs.
func field(v any, path string) (any, bool) { return synth.Field(v, path) }

// hit is a single finding without detail.
func hit(format string, args ...any) []Hit {
	return []Hit{{Message: fmt.Sprintf(format, args...)}}
}

// byRef returns the resources of type typ whose input prop names target:
// its physical name prop targetProp, its ID, or its ARN. It is how pulumi's
// separate resources (a bucket's encryption, a stage's method settings)
// are found for the resource they configure.
func byRef(g *synth.Stack, typ, prop string, target *synth.Resource, targetProps ...string) []*synth.Resource {
	idx := g.Index("ref "+prop, typ, func(r *synth.Resource) (string, bool) { return r.String(prop) })
	var out []*synth.Resource
	keys := []string{target.ID}
	for _, p := range targetProps {
		keys = append(keys, target.Physical(p))
	}
	for _, k := range keys {
		if k == "" {
			continue
		}
		for _, r := range idx[k] {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// Statement is one IAM policy statement; internal/iampolicy parses them
// for kumo check and kumo diff alike.
type Statement = iampolicy.Statement

// policy parses an IAM policy document given as a JSON string (as
// pulumi-aws takes them) or as a rendered object; ok is false when it is
// unset, unknown or not a policy.
func policy(v any) ([]Statement, bool) {
	if synth.Unknown(v) {
		return nil, false
	}
	return iampolicy.Parse(v)
}

// strings1 normalizes a policy element that may be a string or a list.
func strings1(v any) []string { return iampolicy.Strings(v) }
