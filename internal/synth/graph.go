package synth

// The synth graph for tools that read a result beyond its JSON contract
// (kumo check): the indexed Stack the reality rules use, and resources
// built by hand the way the mock monitor records them, for their tests.

// NewStack indexes resources for lookups across them.
func NewStack(rs []Resource) *Stack { return newStack(rs) }

// Resource returns the resource registered as urn, or nil.
func (s *Stack) Resource(urn string) *Resource { return s.byURN[urn] }

// Children returns the URNs of the resources whose parent is urn.
func (s *Stack) Children(urn string) []string { return s.children[urn] }

// Index returns the resources of type typ grouped by key (those for which
// key says false are left out), built once per name: name must identify
// typ and key together.
func (s *Stack) Index(name, typ string, key func(*Resource) (string, bool)) map[string][]*Resource {
	return s.index(name, typ, key)
}

// Named returns the resources of type typ whose physical name property prop
// is name (as the provider names it, autonamed or set).
func (s *Stack) Named(typ, prop, name string) []*Resource { return s.named(typ, prop, name) }

// Ancestors returns r's parents from the nearest up, without the stack.
func (s *Stack) Ancestors(r *Resource) []*Resource {
	var out []*Resource
	for p := s.byURN[r.Parent]; p != nil; p = s.byURN[p.Parent] {
		out = append(out, p)
		if len(out) > len(s.byURN) {
			break // a cycle cannot come from the engine; never loop on one
		}
	}
	return out
}

// NewResource is a registration as the mock monitor records it, with the
// provider's physical names; for tools' tests that build a graph by hand.
func NewResource(urn, typ, name string, custom bool, parent string, inputs map[string]any, deps []string) Resource {
	if inputs == nil {
		inputs = map[string]any{}
	}
	r := Resource{URN: urn, Type: typ, Name: name, Custom: custom, Parent: parent, Inputs: inputs, Dependencies: deps}
	if custom {
		r.physical, _ = autoname(urn, typ, name, inputs)
	}
	return r
}

// Unknown reports whether a rendered value is one synth cannot know before
// deploy (an output the provider computes) or a secret it does not show:
// set, but not to a value a rule can read.
func Unknown(v any) bool {
	s, ok := v.(string)
	return ok && (s == unknownPlaceholder || s == secretPlaceholder)
}
