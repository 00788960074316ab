package synth

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// The reality layer: what the AWS provider and the AWS APIs would refuse,
// checked offline against what a stack program registered. Mocks that accept
// anything let `kumo synth` pass stacks that `pulumi up` rejects at once (a
// Lambda statement ID with "/{}" in it, say), so every resource type kumo
// emits has a Spec here with the rules its provider and API apply, each rule
// citing where it comes from. A custom resource of the aws package without a
// Spec fails synth: kumo cannot vouch for what it has no rules for.

// Spec is what kumo knows the provider and AWS check for one resource type.
type Spec struct {
	// Names are the properties that become physical names, with the
	// provider's autonaming and the API's rule for the final value.
	Names []Name
	// Checks are every other rule: required inputs, enumerations, ranges and
	// ordering needs.
	Checks []Check
}

// Name is a property holding a physical name.
type Name struct {
	// Prop is the input property, e.g. "name".
	Prop string
	// PrefixProp is the property asking for a generated name with a fixed
	// prefix (namePrefix), "" when the type has none.
	PrefixProp string
	// Auto is the provider's autonaming of Prop when neither it nor
	// PrefixProp is set; nil when the provider does not autoname it, and then
	// Required says whether AWS needs the value.
	Auto     *Autoname
	Required bool
	// Rule is what AWS accepts for the final name.
	Rule StringRule
}

// Autoname is pulumi-terraform-bridge's AutoName(prop, Max, Sep): the
// resource name, Sep and 7 random characters; a result longer than Max is
// refused at preview ("plus 7 random chars is longer than maximum length").
type Autoname struct {
	Max int
	Sep string
	// Lower lowercases the result (S3 bucket names).
	Lower bool
	// Suffix is appended after the random part when the boolean input
	// SuffixWhen is true (".fifo" for FIFO queues).
	Suffix, SuffixWhen string
	// Prefix is put before the generated name, outside Max ("alias/" for
	// KMS aliases, whose provider prepends it after autonaming).
	Prefix string
	// Source cites the provider's autonaming of the property.
	Source string
}

// autonameRandLen is the bridge's random suffix length.
const autonameRandLen = 7

// prefixSuffixLen is the length terraform-plugin-sdk's id.PrefixedUniqueId
// appends to a name prefix: an 18-digit timestamp and an 8-digit counter.
const prefixSuffixLen = 26

// StringRule is an API constraint on a string.
type StringRule struct {
	// Pattern must match the whole value; nil accepts any characters.
	Pattern *regexp.Regexp
	// Min and Max bound the length in characters; Max 0 means unbounded.
	Min, Max int
	// Desc says the rule in words, for the error message.
	Desc string
	// Source cites the API reference the rule comes from.
	Source string
}

// Check is one rule over a resource, given everything else the stack
// registered (for ordering and references).
type Check struct {
	// Rule states what AWS requires, for the error message.
	Rule string
	// Source cites the API reference or provider code it comes from.
	Source string
	// Find returns the properties (and their values) that break the rule.
	Find func(r *Resource, s *Stack) []Finding
}

// Finding is one property value that breaks a Check.
type Finding struct {
	Property string
	Value    any
}

// Violation is a rule a registered resource breaks.
type Violation struct {
	URN, Type, Property string
	Value               any
	Rule, Source        string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s): %s = %s: %s [%s]", v.URN, v.Type, v.Property, shortValue(v.Value), v.Rule, v.Source)
}

// RealityError lists every rule a synthesized stack breaks.
type RealityError struct {
	Violations []Violation
}

func (e *RealityError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d resource input(s) that AWS or the Pulumi AWS provider would refuse:", len(e.Violations))
	for _, v := range e.Violations {
		b.WriteString("\n  - ")
		b.WriteString(v.String())
	}
	return b.String()
}

// shortValue renders a value for a message, cut so that a huge input does
// not drown the report.
func shortValue(v any) string {
	s := fmt.Sprintf("%q", fmt.Sprint(v))
	if v == nil {
		s = "(not set)"
	}
	const limit = 120
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return s
}

// Stack is the set of registered resources a Check can look across. Its
// lookups are indexed once, so checking every resource of a stack of
// thousands stays linear: a check that scanned the stack per resource would
// make synth quadratic in the number of functions.
type Stack struct {
	byURN    map[string]*Resource
	byType   map[string][]*Resource
	children map[string][]string
	// indexes holds the lookups built by index, by name.
	indexes map[string]map[string][]*Resource
}

func newStack(rs []Resource) *Stack {
	s := &Stack{byURN: make(map[string]*Resource, len(rs)), byType: map[string][]*Resource{},
		children: map[string][]string{}, indexes: map[string]map[string][]*Resource{}}
	for i := range rs {
		r := &rs[i]
		s.byURN[r.URN] = r
		s.byType[r.Type] = append(s.byType[r.Type], r)
		if r.Parent != "" {
			s.children[r.Parent] = append(s.children[r.Parent], r.URN)
		}
	}
	for _, list := range s.byType {
		if !slices.IsSortedFunc(list, byURN) {
			slices.SortFunc(list, byURN)
		}
	}
	return s
}

func byURN(a, b *Resource) int { return strings.Compare(a.URN, b.URN) }

// Resources returns every registered resource of type typ, sorted by URN.
// The slice is shared by every caller: do not modify it.
func (s *Stack) Resources(typ string) []*Resource {
	return slices.Clip(s.byType[typ])
}

// index returns the resources of type typ grouped by key (those for which
// key says false are left out), each group sorted by URN. It is built the
// first time it is asked for, so name must identify typ and key together.
func (s *Stack) index(name, typ string, key func(*Resource) (string, bool)) map[string][]*Resource {
	name = typ + "\x00" + name
	if idx, ok := s.indexes[name]; ok {
		return idx
	}
	idx := map[string][]*Resource{}
	for _, r := range s.byType[typ] {
		if k, ok := key(r); ok {
			idx[k] = append(idx[k], r)
		}
	}
	s.indexes[name] = idx
	return idx
}

// named returns the resources of type typ whose physical name prop is name.
func (s *Stack) named(typ, prop, name string) []*Resource {
	return s.index("physical "+prop, typ, func(r *Resource) (string, bool) { return r.Physical(prop), true })[name]
}

// DependsOn reports whether r is ordered after dep: dep (or a component
// holding it) is among r's dependencies, directly or through others. The
// engine waits for a component's children when something depends on it.
func (s *Stack) DependsOn(r, dep *Resource) bool {
	return s.reaches(r, func(urn string) bool { return urn == dep.URN })
}

// reaches reports whether a URN that match accepts is among r's
// dependencies, directly, through other dependencies, or as a child of a
// component r depends on. Dependencies synth did not record (reads such as
// StackReferences) are matched by URN but not followed.
func (s *Stack) reaches(r *Resource, match func(urn string) bool) bool {
	seen := map[string]bool{}
	var visit func(urn string) bool
	visit = func(urn string) bool {
		if seen[urn] {
			return false
		}
		seen[urn] = true
		if urn != r.URN && match(urn) {
			return true
		}
		d := s.byURN[urn]
		if d == nil {
			return false
		}
		if urn != r.URN && !d.Custom {
			for _, c := range s.children[urn] {
				if visit(c) {
					return true
				}
			}
		}
		for _, next := range d.Dependencies {
			if visit(next) {
				return true
			}
		}
		return false
	}
	return visit(r.URN)
}

// Value returns the rendered input at path ("a.b.c"), and whether it is set.
func (r *Resource) Value(path string) (any, bool) { return Field(r.Inputs, path) }

// Field reads path ("a.b.c") inside a rendered value, and whether it is
// set (present and not null).
func Field(v any, path string) (any, bool) {
	cur := v
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok || cur == nil {
			return nil, false
		}
	}
	return cur, true
}

// String returns a known string input at path; ok is false when it is
// unset, unknown until deploy, secret or not a string.
func (r *Resource) String(path string) (string, bool) {
	v, ok := r.Value(path)
	if !ok {
		return "", false
	}
	s, isStr := v.(string)
	if !isStr || s == unknownPlaceholder || s == secretPlaceholder {
		return "", false
	}
	return s, true
}

// Physical is the physical name of a Name property after autonaming.
func (r *Resource) Physical(prop string) string { return r.physical[prop] }

// specFor returns the rules of a type, and whether kumo has any; types of
// other packages than aws are not kumo's to vouch for.
func specFor(typ string) (Spec, bool) {
	s, ok := specs[typ]
	return s, ok
}

// needsSpec reports whether a custom resource type must have a Spec.
func needsSpec(typ string) bool {
	return strings.HasPrefix(typ, "aws:") || strings.HasPrefix(typ, "kumo:")
}

// autoname computes the physical names of r's Name properties as the
// provider would: a set value stays, a prefix gets a unique suffix, else the
// resource name is autonamed. Names the provider would refuse to generate
// are returned as violations.
func autoname(urn, typ, name string, inputs map[string]any) (map[string]string, []Violation) {
	spec, ok := specFor(typ)
	if !ok {
		return nil, nil
	}
	out := map[string]string{}
	var vs []Violation
	for _, n := range spec.Names {
		if v, ok := inputs[n.Prop].(string); ok && v != "" {
			out[n.Prop] = v
			continue
		}
		if p, ok := inputs[n.PrefixProp].(string); ok && n.PrefixProp != "" && p != "" {
			out[n.Prop] = p + pick(urn, "prefix", "0123456789", prefixSuffixLen)
			continue
		}
		if n.Auto == nil {
			continue
		}
		base, suffix := name+n.Auto.Sep, ""
		if on, _ := inputs[n.Auto.SuffixWhen].(bool); on {
			suffix = n.Auto.Suffix
		}
		if len(base)+autonameRandLen+len(suffix) > n.Auto.Max {
			vs = append(vs, Violation{URN: urn, Type: typ, Property: n.Prop, Value: name,
				Rule:   fmt.Sprintf("the provider autonames it from the resource name plus %q and %d random characters, which must fit in %d characters; shorten the resource name to at most %d characters or set %s", n.Auto.Sep, autonameRandLen, n.Auto.Max, n.Auto.Max-autonameRandLen-len(n.Auto.Sep)-len(suffix), n.Prop),
				Source: n.Auto.Source})
			continue
		}
		v := n.Auto.Prefix + base + pick(urn, "autoname", hexDigits, autonameRandLen) + suffix
		if n.Auto.Lower {
			v = strings.ToLower(v)
		}
		out[n.Prop] = v
	}
	return out, vs
}

// checkReality applies every Spec to the registered resources and returns
// the violations in a stable order.
func checkReality(rs []Resource, autonameViolations []Violation) []Violation {
	st := newStack(rs)
	vs := append([]Violation(nil), autonameViolations...)
	unruled := map[string]bool{}
	for i := range rs {
		r := &rs[i]
		if !r.Custom {
			continue
		}
		spec, ok := specFor(r.Type)
		if !ok {
			// One report per type is enough to say what is missing.
			if needsSpec(r.Type) && !unruled[r.Type] {
				unruled[r.Type] = true
				vs = append(vs, Violation{URN: r.URN, Type: r.Type, Property: "(type)", Value: r.Type,
					Rule:   "kumo synth has no reality rules for this resource type, so it cannot vouch that AWS accepts it; add a Spec in internal/synth (rules_*.go) with the provider's and the API's checks",
					Source: "internal/synth/reality.go"})
			}
			continue
		}
		for _, n := range spec.Names {
			vs = append(vs, n.check(r)...)
		}
		for _, c := range spec.Checks {
			for _, f := range c.Find(r, st) {
				vs = append(vs, Violation{URN: r.URN, Type: r.Type, Property: f.Property, Value: f.Value, Rule: c.Rule, Source: c.Source})
			}
		}
	}
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].URN != vs[j].URN {
			return vs[i].URN < vs[j].URN
		}
		return vs[i].Property < vs[j].Property
	})
	return vs
}

func (n Name) check(r *Resource) []Violation {
	v, ok := r.physical[n.Prop]
	if !ok {
		if _, set := r.Value(n.Prop); set {
			return nil // unknown until deploy, or secret: nothing to check
		}
		if n.Required {
			return []Violation{{URN: r.URN, Type: r.Type, Property: n.Prop, Value: nil,
				Rule: "required: the API has no default and the provider does not generate one", Source: n.Rule.Source}}
		}
		return nil
	}
	if v == unknownPlaceholder || v == secretPlaceholder {
		return nil
	}
	if msg := n.Rule.violated(v); msg != "" {
		return []Violation{{URN: r.URN, Type: r.Type, Property: n.Prop, Value: v, Rule: msg, Source: n.Rule.Source}}
	}
	return nil
}

// violated says how s breaks the rule, or "" when it does not.
func (sr StringRule) violated(s string) string {
	n := len([]rune(s))
	switch {
	case n < sr.Min:
		return fmt.Sprintf("%d characters, at least %d allowed: %s", n, sr.Min, sr.Desc)
	case sr.Max > 0 && n > sr.Max:
		return fmt.Sprintf("%d characters, at most %d allowed: %s", n, sr.Max, sr.Desc)
	case sr.Pattern != nil && !sr.Pattern.MatchString(s):
		return fmt.Sprintf("does not match %s: %s", sr.Pattern, sr.Desc)
	}
	return ""
}

// Helpers that build the common Checks.

// required: each property must be set (an unknown value counts as set).
func required(source string, props ...string) Check {
	return Check{
		Rule:   "required by the API",
		Source: source,
		Find: func(r *Resource, _ *Stack) []Finding {
			var fs []Finding
			for _, p := range props {
				if v, ok := r.Value(p); !ok || v == "" {
					fs = append(fs, Finding{Property: p})
				}
			}
			return fs
		},
	}
}

// oneOf: a set string property must be one of allowed.
func oneOf(source, prop string, allowed ...string) Check {
	return Check{
		Rule:   "must be one of " + strings.Join(allowed, ", "),
		Source: source,
		Find: func(r *Resource, _ *Stack) []Finding {
			var fs []Finding
			for _, v := range values(r, prop) {
				if s, ok := v.(string); ok && !isPlaceholder(s) && !slices.Contains(allowed, s) {
					fs = append(fs, Finding{Property: prop, Value: s})
				}
			}
			return fs
		},
	}
}

// intRange: a set numeric property must lie in [lo, hi].
func intRange(source, prop string, lo, hi int64) Check {
	return Check{
		Rule:   fmt.Sprintf("must be between %d and %d", lo, hi),
		Source: source,
		Find: func(r *Resource, _ *Stack) []Finding {
			var fs []Finding
			for _, v := range values(r, prop) {
				n, ok := asInt(v)
				if ok && (n < lo || n > hi) {
					fs = append(fs, Finding{Property: prop, Value: v})
				}
			}
			return fs
		},
	}
}

// matches: a set string property must satisfy rule.
func matches(prop string, rule StringRule) Check {
	return Check{
		Rule:   rule.Desc,
		Source: rule.Source,
		Find: func(r *Resource, _ *Stack) []Finding {
			var fs []Finding
			for _, v := range values(r, prop) {
				if s, ok := v.(string); ok && !isPlaceholder(s) && rule.violated(s) != "" {
					fs = append(fs, Finding{Property: prop, Value: s})
				}
			}
			return fs
		},
	}
}

// values returns the values at a path whose segments may end in "[]" to
// fan out over a list: "origins[].domainName".
func values(r *Resource, path string) []any {
	cur := []any{r.Inputs}
	for _, part := range strings.Split(path, ".") {
		fan := strings.HasSuffix(part, "[]")
		part = strings.TrimSuffix(part, "[]")
		var next []any
		for _, c := range cur {
			m, ok := c.(map[string]any)
			if !ok || m[part] == nil {
				continue
			}
			if !fan {
				next = append(next, m[part])
				continue
			}
			if list, ok := m[part].([]any); ok {
				next = append(next, list...)
			}
		}
		cur = next
	}
	return cur
}

func isPlaceholder(s string) bool { return s == unknownPlaceholder || s == secretPlaceholder }

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), n == float64(int64(n))
	}
	return 0, false
}
