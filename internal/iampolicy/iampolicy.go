// Package iampolicy reads IAM policy documents as pulumi-aws takes them
// (JSON strings) or as a program renders them (objects), normalizing the
// grammar's string-or-list elements, so kumo check's rules and kumo diff's
// IAM-widening table read statements the same way. It is stdlib only:
// both callers must stay light.
package iampolicy

import (
	"encoding/json"
	"slices"
	"sort"
)

// Statement is one IAM policy statement, with Action, Resource and their
// Not forms normalized to lists.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
type Statement struct {
	Sid         string
	Effect      string
	Principal   any
	Action      []string
	NotAction   []string
	Resource    []string
	NotResource []string
	Condition   map[string]any
}

// Parse reads a policy document given as a JSON string or as a rendered
// object; ok is false when it is unset, not JSON (which includes the
// "[unknown]" and "[secret]" placeholders) or has no Statement.
func Parse(v any) ([]Statement, bool) {
	var doc map[string]any
	switch v := v.(type) {
	case string:
		if json.Unmarshal([]byte(v), &doc) != nil {
			return nil, false
		}
	case map[string]any:
		doc = v
	default:
		return nil, false
	}
	var raw []any
	switch st := doc["Statement"].(type) {
	case []any:
		raw = st
	case map[string]any:
		// The grammar allows a single statement object in place of a list.
		raw = []any{st}
	default:
		return nil, false
	}
	var out []Statement
	for _, s := range raw {
		m, ok := s.(map[string]any)
		if !ok {
			continue
		}
		st := Statement{
			Action: Strings(m["Action"]), NotAction: Strings(m["NotAction"]),
			Resource: Strings(m["Resource"]), NotResource: Strings(m["NotResource"]),
			Principal: m["Principal"],
		}
		st.Sid, _ = m["Sid"].(string)
		st.Effect, _ = m["Effect"].(string)
		st.Condition, _ = m["Condition"].(map[string]any)
		out = append(out, st)
	}
	return out, true
}

// Strings normalizes a policy element that may be a string or a list.
func Strings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return v
	}
	return nil
}

// Principals lists a statement's principals as "*" or "Type:value"
// ("AWS:arn:aws:iam::123456789012:root", "Service:lambda.amazonaws.com"),
// sorted and without duplicates; nil when the statement names none.
func Principals(p any) []string {
	var out []string
	switch p := p.(type) {
	case string:
		out = []string{p}
	case map[string]any:
		for typ, v := range p {
			for _, s := range Strings(v) {
				out = append(out, typ+":"+s)
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}
