package synth

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// fixture registers resources by hand the way the mock monitor records
// them (rendered inputs, provider autonaming), so that reality rules,
// cross-resource ones included, can be tested on exact stacks.
type fixture struct {
	rs     []Resource
	naming []Violation
}

// urnOf is the URN fixture gives a resource.
func urnOf(typ, name string) string { return "urn:pulumi:test::kumo::" + typ + "::" + name }

// add registers a custom resource depending on deps (URNs) and returns its URN.
func (f *fixture) add(typ, name string, inputs map[string]any, deps ...string) string {
	urn := urnOf(typ, name)
	physical, vs := autoname(urn, typ, name, inputs)
	f.rs = append(f.rs, Resource{URN: urn, Type: typ, Name: name, Custom: true, Inputs: inputs,
		Dependencies: deps, physical: physical})
	f.naming = append(f.naming, vs...)
	return urn
}

// component registers a component resource holding children (URNs).
func (f *fixture) component(typ, name string, children ...string) string {
	urn := urnOf(typ, name)
	f.rs = append(f.rs, Resource{URN: urn, Type: typ, Name: name, Inputs: map[string]any{}})
	for i := range f.rs {
		if slices.Contains(children, f.rs[i].URN) {
			f.rs[i].Parent = urn
		}
	}
	return urn
}

// setDeps replaces the dependencies of the resource urn.
func (f *fixture) setDeps(urn string, deps ...string) {
	for i := range f.rs {
		if f.rs[i].URN == urn {
			f.rs[i].Dependencies = deps
			return
		}
	}
	panic("no resource " + urn)
}

func (f *fixture) check() []Violation { return checkReality(f.rs, f.naming) }

// mod changes a resource's inputs before it is registered.
type mod func(map[string]any)

// set sets the input at path ("a.b.c"; "a[0].b" indexes a list), creating
// maps on the way; a nil value deletes it.
func set(path string, v any) mod {
	return func(in map[string]any) {
		parts := strings.Split(path, ".")
		var cur any = in
		for i, p := range parts {
			name, idx := p, -1
			if j := strings.Index(p, "["); j >= 0 {
				name = p[:j]
				fmt.Sscanf(p[j:], "[%d]", &idx)
			}
			m := cur.(map[string]any)
			last := i == len(parts)-1
			if idx >= 0 {
				list := m[name].([]any)
				if last {
					list[idx] = v
					return
				}
				cur = list[idx]
				continue
			}
			if last {
				if v == nil {
					delete(m, name)
				} else {
					m[name] = v
				}
				return
			}
			if _, ok := m[name].(map[string]any); !ok {
				m[name] = map[string]any{}
			}
			cur = m[name]
		}
	}
}

// inputs deep-copies base and applies mods.
func inputs(base map[string]any, mods ...mod) map[string]any {
	in := deepCopy(base).(map[string]any)
	for _, m := range mods {
		m(in)
	}
	return in
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// want is an expected violation: its type and property, and substrings of
// its rule and source.
type want struct {
	typ, prop, rule, source string
}

// realityCase is a stack and the violations it must produce: none for an
// accepted stack.
type realityCase struct {
	name  string
	build func(f *fixture)
	want  []want
}

// runRealityCases checks that each case produces exactly its violations
// among those of types (other types' rules are not under test here).
func runRealityCases(t *testing.T, types []string, cases []realityCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fixture{}
			c.build(f)
			var got []Violation
			for _, v := range f.check() {
				if slices.Contains(types, v.Type) {
					got = append(got, v)
				}
			}
			matched := map[int]bool{}
			for _, w := range c.want {
				found := false
				for i, v := range got {
					if !matched[i] && w.matches(v) {
						matched[i], found = true, true
						break
					}
				}
				if !found {
					t.Errorf("no violation %s %s (rule ~ %q, source ~ %q); got:\n%s", w.typ, w.prop, w.rule, w.source, list(got))
				}
			}
			for i, v := range got {
				if !matched[i] {
					t.Errorf("unexpected violation: %s", v)
				}
				if v.Rule == "" || v.Source == "" {
					t.Errorf("violation without rule or source: %s", v)
				}
			}
		})
	}
}

func (w want) matches(v Violation) bool {
	return v.Type == w.typ && v.Property == w.prop && strings.Contains(v.Rule, w.rule) && strings.Contains(v.Source, w.source)
}

func list(vs []Violation) string {
	if len(vs) == 0 {
		return "  (none)"
	}
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("  " + v.String() + "\n")
	}
	return b.String()
}

// specTypes returns the types of a group of specs, to scope a test.
func specTypes(group map[string]Spec) []string { return slices.Sorted(maps.Keys(group)) }
