package assertions

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/synth"
)

// TestingT is what the assertions report failures to: a *testing.T or
// *testing.B.
type TestingT interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Options say what a program is synthesized with. No Pulumi.yaml or stack
// file is read: the config is exactly Config.
type Options struct {
	// Project is the project name; bare Config keys belong to it.
	// Default: "test".
	Project string
	// Stack is the stack name the program sees (ctx.Stack()).
	// Default: "test".
	Stack string
	// Config maps "namespace:key" (e.g. "aws:region", "myapp:size") to the
	// value, as `pulumi config set` would store it: strings as they are,
	// other types as JSON. Default: none; the AWS region is then us-east-1.
	Config map[string]string
	// Dir is the project directory: relative asset and archive paths
	// resolve against it and are shown relative to it. Default: ".", the
	// test's package directory.
	Dir string
}

// Program is a stack program: the shape pulumi.Run takes, which exports
// with ctx.Export, or one that returns its outputs (with or without the
// stack's config as "namespace:key" strings).
type Program interface {
	~func(ctx *pulumi.Context) error |
		~func(ctx *pulumi.Context) (pulumi.Map, error) |
		~func(ctx *pulumi.Context, config map[string]string) (pulumi.Map, error)
}

// Synth runs program offline against kumo's mocks, which answer like AWS
// and refuse what AWS would refuse, and returns what it would deploy. A
// program error or a refusal fails the test; use TrySynth to test those.
func Synth[P Program](t TestingT, program P, opts Options) *Template {
	t.Helper()
	tpl, err := TrySynth(t, program, opts)
	if err != nil {
		t.Fatalf("assertions.Synth: %v", err)
	}
	return tpl
}

// TrySynth is Synth for programs expected to fail: it returns the error
// with what was registered before it (nil when nothing could run), so a
// test can check the error and that bad input registered nothing.
func TrySynth[P Program](t TestingT, program P, opts Options) (*Template, error) {
	t.Helper()
	req := synth.Request{Root: opts.Dir, Stack: opts.Stack, Project: opts.Project, Config: opts.Config}
	if req.Root == "" {
		req.Root = "."
	}
	if req.Stack == "" {
		req.Stack = "test"
	}
	if req.Project == "" {
		req.Project = "test"
	}
	if req.Config == nil {
		req.Config = map[string]string{}
	}
	res, err := synth.Run(context.Background(), req, toProgram(program))
	if res == nil {
		return nil, err
	}
	return newTemplate(t, res), err
}

// toProgram adapts each Program shape to synth's, converting named types
// (such as synth.Program) by their underlying func type.
func toProgram[P Program](p P) synth.Program {
	var (
		plain   func(*pulumi.Context) error
		returns func(*pulumi.Context) (pulumi.Map, error)
		full    func(*pulumi.Context, map[string]string) (pulumi.Map, error)
	)
	v := reflect.ValueOf(p)
	switch {
	case v.Type().ConvertibleTo(reflect.TypeOf(plain)):
		return synth.FuncProgram(v.Convert(reflect.TypeOf(plain)).Interface().(func(*pulumi.Context) error))
	case v.Type().ConvertibleTo(reflect.TypeOf(returns)):
		f := v.Convert(reflect.TypeOf(returns)).Interface().(func(*pulumi.Context) (pulumi.Map, error))
		return func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) { return f(ctx) }
	default:
		return v.Convert(reflect.TypeOf(full)).Interface().(func(*pulumi.Context, map[string]string) (pulumi.Map, error))
	}
}

// Template is a synthesized stack: its resources and outputs, with
// assertions that report to the test it was made for.
type Template struct {
	t         TestingT
	result    *synth.Result
	resources []*Resource
	byURN     map[string]*Resource
}

func newTemplate(t TestingT, res *synth.Result) *Template {
	tpl := &Template{t: t, result: res, byURN: map[string]*Resource{}}
	for _, r := range res.Resources {
		rr := &Resource{URN: r.URN, Type: r.Type, Name: r.Name, Custom: r.Custom, ID: r.ID, Parent: r.Parent, Region: r.Region(),
			Inputs: r.Inputs, State: r.State, Dependencies: r.Dependencies, tpl: tpl}
		tpl.resources = append(tpl.resources, rr)
		tpl.byURN[r.URN] = rr
	}
	sort.Slice(tpl.resources, func(i, j int) bool { return tpl.resources[i].URN < tpl.resources[j].URN })
	return tpl
}

// WithT returns the template reporting to t, for subtests (t.Run) sharing
// one synthesis.
func (tpl *Template) WithT(t TestingT) *Template { return newTemplate(t, tpl.result) }

// JSON is the stack in kumo's synth JSON contract, as `kumo synth --json`
// prints it.
func (tpl *Template) JSON() ([]byte, error) { return tpl.result.JSON() }

// Resources returns every registered resource, sorted by URN.
func (tpl *Template) Resources() []*Resource { return append([]*Resource(nil), tpl.resources...) }

// FindResources returns the resources of type typ ("" for any type) whose
// inputs match props (nil for any), sorted by URN.
func (tpl *Template) FindResources(typ string, props any) []*Resource {
	var out []*Resource
	for _, r := range tpl.resources {
		if (typ == "" || r.Type == typ) && (props == nil || literal(props, true).Test(r.Inputs) == nil) {
			out = append(out, r)
		}
	}
	return out
}

// Resource returns the one resource of type typ ("" for any type) named
// name, and fails the test now if there is none or more than one.
func (tpl *Template) Resource(typ, name string) *Resource {
	tpl.t.Helper()
	var found, ofType []*Resource
	for _, r := range tpl.resources {
		if typ == "" || r.Type == typ {
			ofType = append(ofType, r)
			if r.Name == name {
				found = append(found, r)
			}
		}
	}
	switch {
	case len(found) == 1:
		return found[0]
	case len(found) > 1:
		tpl.t.Fatalf("Resource(%s, %q): got %d resources; want 1, give the type:\n%s", typ, name, len(found), list(found))
	case len(ofType) == 0:
		tpl.t.Fatalf("Resource(%s, %q): got no resource of type %s%s", typ, name, typ, tpl.typeHint(typ))
	default:
		tpl.t.Fatalf("Resource(%s, %q): got none by that name; %s", typ, name, candidates(ofType, name))
	}
	return nil
}

// Lookup returns the one resource of type typ named name, and whether
// there is exactly one; it reports nothing, for tests that a resource is
// not there.
func (tpl *Template) Lookup(typ, name string) (*Resource, bool) {
	var found *Resource
	for _, r := range tpl.resources {
		if (typ == "" || r.Type == typ) && r.Name == name {
			if found != nil {
				return nil, false
			}
			found = r
		}
	}
	return found, found != nil
}

// ResourceCountIs checks that the stack has n resources of type typ.
func (tpl *Template) ResourceCountIs(typ string, n int) bool {
	tpl.t.Helper()
	found := tpl.FindResources(typ, nil)
	if len(found) == n {
		return true
	}
	msg := fmt.Sprintf("ResourceCountIs(%s): got %d; want %d", typ, len(found), n)
	if len(found) == 0 {
		msg += tpl.typeHint(typ)
	} else {
		msg += ":\n" + list(found)
	}
	tpl.t.Errorf("%s", msg)
	return false
}

// HasResourceProperties checks that at least one resource of type typ has
// inputs matching props: an M (keys it leaves out are not checked) or a
// Matcher. On failure it lists the closest candidates and where each differs.
func (tpl *Template) HasResourceProperties(typ string, props any) bool {
	tpl.t.Helper()
	m := literal(props, true)
	ofType := tpl.FindResources(typ, nil)
	if len(ofType) == 0 {
		tpl.t.Errorf("HasResourceProperties(%s): got no resource of that type%s", typ, tpl.typeHint(typ))
		return false
	}
	type miss struct {
		r  *Resource
		ms []Mismatch
	}
	var misses []miss
	for _, r := range ofType {
		ms := m.Test(r.Inputs)
		if ms == nil {
			return true
		}
		misses = append(misses, miss{r, ms})
	}
	sort.SliceStable(misses, func(i, j int) bool { return len(misses[i].ms) < len(misses[j].ms) })
	var b strings.Builder
	fmt.Fprintf(&b, "HasResourceProperties(%s): none of %d matches; want inputs like %s\n", typ, len(ofType), m)
	for i, x := range misses {
		if i == maxCandidates {
			fmt.Fprintf(&b, "  … and %d more\n", len(misses)-i)
			break
		}
		fmt.Fprintf(&b, "  %s:\n%s", x.r.Name, mismatchLines("    ", "inputs", x.ms))
	}
	tpl.t.Errorf("%s", strings.TrimSuffix(b.String(), "\n"))
	return false
}

// AllResourcesProperties checks that there are resources of type typ and
// that every one has inputs matching props.
func (tpl *Template) AllResourcesProperties(typ string, props any) bool {
	tpl.t.Helper()
	m := literal(props, true)
	ofType := tpl.FindResources(typ, nil)
	if len(ofType) == 0 {
		tpl.t.Errorf("AllResourcesProperties(%s): got no resource of that type%s", typ, tpl.typeHint(typ))
		return false
	}
	var b strings.Builder
	bad := 0
	for _, r := range ofType {
		if ms := m.Test(r.Inputs); ms != nil {
			bad++
			if bad <= maxCandidates {
				fmt.Fprintf(&b, "  %s:\n%s", r.Name, mismatchLines("    ", "inputs", ms))
			}
		}
	}
	if bad == 0 {
		return true
	}
	if bad > maxCandidates {
		fmt.Fprintf(&b, "  … and %d more\n", bad-maxCandidates)
	}
	tpl.t.Errorf("AllResourcesProperties(%s): %d of %d do not match; want inputs like %s\n%s", typ, bad, len(ofType), m,
		strings.TrimSuffix(b.String(), "\n"))
	return false
}

// Output returns the stack output name (what the program passed to
// ctx.Export or returned), and fails the test now if there is none.
func (tpl *Template) Output(name string) any {
	tpl.t.Helper()
	v, ok := tpl.result.Outputs[name]
	if !ok {
		tpl.t.Fatalf("Output(%q): got no such output; outputs: %s", name, strings.Join(slices.Sorted(maps.Keys(tpl.result.Outputs)), ", "))
	}
	return v
}

// HasOutput checks that the stack output name matches want (a value, an M
// or a Matcher).
func (tpl *Template) HasOutput(name string, want any) bool {
	tpl.t.Helper()
	v, ok := tpl.result.Outputs[name]
	if !ok {
		v = absent
	}
	if ms := literal(want, true).Test(v); ms != nil {
		tpl.t.Errorf("HasOutput(%q):\n%s", name, strings.TrimSuffix(mismatchLines("  ", "outputs."+name, ms), "\n"))
		return false
	}
	return true
}

// maxCandidates bounds the resources listed in one failure message.
const maxCandidates = 10

// maxMismatches bounds the differences shown for one resource.
const maxMismatches = 5

func mismatchLines(indent, root string, ms []Mismatch) string {
	var b strings.Builder
	for i, m := range ms {
		if i == maxMismatches {
			fmt.Fprintf(&b, "%s… and %d more differences\n", indent, len(ms)-i)
			break
		}
		m.Path = strings.TrimSuffix(root+"."+m.Path, ".")
		if strings.HasPrefix(m.Path, root+".[") {
			m.Path = root + strings.TrimPrefix(m.Path, root+".")
		}
		b.WriteString(indent + m.String() + "\n")
	}
	return b.String()
}

// typeHint names the types the stack does have, the likeliest first, for
// a type that has no resources (often a misspelt token).
func (tpl *Template) typeHint(typ string) string {
	seen := map[string]bool{}
	var types []string
	for _, r := range tpl.resources {
		if !seen[r.Type] {
			seen[r.Type] = true
			types = append(types, r.Type)
		}
	}
	if len(types) == 0 {
		return "; the stack has no resources"
	}
	sort.SliceStable(types, func(i, j int) bool {
		return levenshtein.Distance(typ, types[i], nil) < levenshtein.Distance(typ, types[j], nil)
	})
	if len(types) > 5 {
		types = types[:5]
	}
	return "; closest types in the stack: " + strings.Join(types, ", ")
}

func list(rs []*Resource) string {
	var b strings.Builder
	for i, r := range rs {
		if i == maxCandidates {
			fmt.Fprintf(&b, "  … and %d more\n", len(rs)-i)
			break
		}
		b.WriteString("  " + r.String() + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// candidates names the resources a lookup by name could have meant.
func candidates(rs []*Resource, name string) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Name
	}
	sort.SliceStable(names, func(i, j int) bool {
		return levenshtein.Distance(name, names[i], nil) < levenshtein.Distance(name, names[j], nil)
	})
	if len(names) > maxCandidates {
		names = append(names[:maxCandidates], fmt.Sprintf("… and %d more", len(names)-maxCandidates))
	}
	return fmt.Sprintf("of that type there are (closest first): %s", strings.Join(names, ", "))
}

// Resource is one registered resource: a cloud resource or a component.
type Resource struct {
	URN, Type, Name string
	// Custom is true for cloud resources, false for components.
	Custom bool
	// ID is the ID the mock provider gave it ("" for components).
	ID string
	// Region is the AWS region it is created in: its explicit aws
	// provider's, else the stack's aws:region.
	Region string
	// Parent is the parent component's URN, "" for the stack's own.
	Parent string
	// Inputs are what the program registered, as JSON values: numbers are
	// int64 or float64, lists []any, objects map[string]any; secrets are
	// "[secret]" and values not known until deploy "[unknown]".
	Inputs map[string]any
	// State is Inputs plus what the provider computes (arn, invokeArn, …),
	// as the mocks answer it; nil for components.
	State map[string]any
	// Dependencies are the URNs it depends on, sorted.
	Dependencies []string

	tpl *Template
}

func (r *Resource) String() string { return r.Type + " " + r.Name }

// Input returns the input at path: dotted keys, with list indexes as
// "[0]" or ".0" (e.g. "environment.variables.TABLE_NAME",
// "globalSecondaryIndexes[0].name"). It returns nil when there is none.
func (r *Resource) Input(path string) any { return lookup(r.Inputs, path) }

// HasProperties checks that r's inputs match props (an M or a Matcher).
func (r *Resource) HasProperties(props any) bool {
	r.tpl.t.Helper()
	m := literal(props, true)
	if ms := m.Test(r.Inputs); ms != nil {
		r.tpl.t.Errorf("%s: HasProperties: want inputs like %s\n%s", r, m, strings.TrimSuffix(mismatchLines("  ", "inputs", ms), "\n"))
		return false
	}
	return true
}

// Attr is r's output name (as the mock provider answers it: "arn",
// "invokeArn", "name", …) as a Matcher, which says in failure messages
// whose value was wanted. Use it to check that one resource points at
// another: integration.HasProperties(M{"uri": alias.Attr("invokeArn")}).
// It fails the test now if r has no such output.
func (r *Resource) Attr(name string) Ref {
	r.tpl.t.Helper()
	v, ok := r.State[name]
	if !ok {
		if !r.Custom {
			r.tpl.t.Fatalf("%s: Attr(%q): a component has no provider outputs; use one of its children", r, name)
		} else {
			r.tpl.t.Fatalf("%s: Attr(%q): got no such output; outputs: %s", r, name, strings.Join(slices.Sorted(maps.Keys(r.State)), ", "))
		}
	}
	return Ref{Resource: r, Attr: name, value: v}
}

// DependsOn checks that r depends on other, so the engine creates other
// first.
func (r *Resource) DependsOn(other *Resource) bool {
	r.tpl.t.Helper()
	for _, d := range r.Dependencies {
		if d == other.URN {
			return true
		}
	}
	names := make([]string, 0, len(r.Dependencies))
	for _, d := range r.Dependencies {
		if dep, ok := r.tpl.byURN[d]; ok {
			names = append(names, dep.String())
		} else {
			names = append(names, d)
		}
	}
	got := "nothing"
	if len(names) > 0 {
		got = strings.Join(names, ", ")
	}
	r.tpl.t.Errorf("%s: DependsOn: got dependencies on %s; want one on %s", r, got, other)
	return false
}

// Children returns the resources whose parent is r, sorted by URN.
func (r *Resource) Children() []*Resource {
	var out []*Resource
	for _, c := range r.tpl.resources {
		if c.Parent == r.URN {
			out = append(out, c)
		}
	}
	return out
}

// Ref is one output of a resource, matched by equality.
type Ref struct {
	Resource *Resource
	Attr     string
	value    any
}

// Value is the output's value.
func (a Ref) Value() any { return a.value }

// Test implements Matcher.
func (a Ref) Test(got any) []Mismatch {
	if got != absent && equal(got, a.value) {
		return nil
	}
	return []Mismatch{{Got: got, Want: a.String()}}
}

func (a Ref) String() string { return fmt.Sprintf("%s's %s %s", a.Resource, a.Attr, show(a.value)) }

// lookup walks a dotted path through JSON values.
func lookup(v any, path string) any {
	path = strings.NewReplacer("[", ".", "]", "").Replace(path)
	for _, seg := range strings.Split(strings.TrimPrefix(path, "."), ".") {
		switch t := v.(type) {
		case map[string]any:
			v = t[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}
