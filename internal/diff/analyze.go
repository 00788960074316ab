package diff

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Analyze reviews each stack's change: counts, the dangerous changes (data
// loss, IAM widening, public exposure), the canary plan and the rest by
// component. It reads only the diffs, so the same diffs give the same
// report, byte for byte once rendered.
func Analyze(diffs []StackDiff) Report {
	r := Report{Stacks: make([]StackReport, 0, len(diffs))}
	for i := range diffs {
		r.Stacks = append(r.Stacks, analyzeStack(&diffs[i]))
	}
	sort.SliceStable(r.Stacks, func(i, j int) bool {
		a, b := r.Stacks[i], r.Stacks[j]
		if a.Project != b.Project {
			return a.Project < b.Project
		}
		return a.Stack < b.Stack
	})
	return r
}

// stackIndex finds a stack's resources by URN and by parent: how an
// analysis gets from a Release to its function or from a method to its
// route.
type stackIndex struct {
	byURN    map[string]*Change
	children map[string][]*Change
	changes  []Change
	// configs are the CodeDeploy deployment configs by name.
	configs map[string]*Change
}

func newIndex(d *StackDiff) *stackIndex {
	ix := &stackIndex{byURN: make(map[string]*Change, len(d.Changes)), children: map[string][]*Change{}, changes: d.Changes, configs: map[string]*Change{}}
	for i := range d.Changes {
		c := &d.Changes[i]
		ix.byURN[c.URN] = c
		ix.children[c.Parent] = append(ix.children[c.Parent], c)
		if c.Type == "aws:codedeploy/deploymentConfig:DeploymentConfig" {
			if n := str(inputs(c), "deploymentConfigName"); n != "" {
				ix.configs[n] = c
			}
		}
	}
	return ix
}

// sibling returns the first resource of type typ under the same parent as c.
func (ix *stackIndex) sibling(c *Change, typ string) *Change {
	if c.Parent == "" {
		return nil
	}
	for _, s := range ix.children[c.Parent] {
		if s.Type == typ {
			return s
		}
	}
	return nil
}

// dependencyGone reports whether something c depends on is deleted too:
// a policy removed with its bucket closes nothing that stays.
func (ix *stackIndex) dependencyGone(c *Change) bool {
	for _, u := range c.Dependencies {
		if d := ix.byURN[u]; d != nil && d.Op == OpDelete {
			return true
		}
	}
	return false
}

func analyzeStack(d *StackDiff) StackReport {
	ix := newIndex(d)
	sr := StackReport{
		Project: d.Project, Stack: d.Stack, Source: d.Source,
		Diagnostics:    d.Diagnostics,
		UnknownReplace: d.UnknownReplace,
	}
	for _, c := range d.Changes {
		switch c.Op {
		case OpCreate:
			sr.Counts.Create++
		case OpUpdate:
			sr.Counts.Update++
		case OpReplace:
			sr.Counts.Replace++
		case OpDelete:
			sr.Counts.Delete++
		default:
			sr.Counts.Same++
		}
	}
	sr.DataLoss = dataLoss(ix)
	sr.ProtectionRemoved = protectionRemoved(ix)
	sr.IAM = iamWidening(ix)
	sr.Public = publicExposure(ix)
	sr.Canary = canaryPlan(ix)
	sr.Groups = groups(ix)
	sr.Cost = costOps(d.Cost, ix)
	sr.Verdict = verdict(&sr)
	return sr
}

// verdict is the summary line: the dangers first, then the counts.
func verdict(sr *StackReport) string {
	c := sr.Counts
	if c.Create+c.Update+c.Replace+c.Delete == 0 {
		return "no changes"
	}
	var parts []string
	// A lifecycle configuration can shorten several rules: count resources.
	losing := map[string]bool{}
	for _, d := range sr.DataLoss {
		losing[d.URN] = true
	}
	if n := len(losing); n > 0 {
		parts = append(parts, plural(n, "resource loses data", "resources lose data"))
	}
	if n := len(sr.ProtectionRemoved); n > 0 {
		parts = append(parts, plural(n, "resource loses its deletion protection", "resources lose their deletion protection"))
	}
	widened, unknown := 0, 0
	for _, ch := range sr.IAM {
		if ch.Kind == "unknown" {
			unknown++
		} else {
			widened++
		}
	}
	if widened > 0 {
		parts = append(parts, fmt.Sprintf("IAM widened (%s)", plural(widened, "statement", "statements")))
	}
	if unknown > 0 {
		parts = append(parts, plural(unknown, "policy known only after deploy", "policies known only after deploy"))
	}
	routes, opened := 0, 0
	for _, p := range sr.Public {
		if p.Type == typeMethod {
			routes++
		} else {
			opened++
		}
	}
	if routes > 0 {
		parts = append(parts, plural(routes, "route made public", "routes made public"))
	}
	if opened > 0 {
		parts = append(parts, plural(opened, "resource opened to more callers", "resources opened to more callers"))
	}
	danger := len(parts) > 0
	// A first deploy shifts no traffic and an all-at-once release shifts
	// it at once: only the rest are canaries a reviewer watches roll out.
	shifted, at, first := 0, 0, 0
	for _, r := range sr.Canary {
		switch {
		case r.First:
			first++
		case strings.HasSuffix(r.Preference, "AllAtOnce"):
			at++
		default:
			shifted++
		}
	}
	if shifted > 0 {
		parts = append(parts, plural(shifted, "canary release", "canary releases"))
	}
	if at > 0 {
		parts = append(parts, plural(at, "release all at once", "releases all at once"))
	}
	if first > 0 {
		parts = append(parts, plural(first, "new function", "new functions"))
	}
	for _, k := range []struct {
		n    int
		verb string
	}{{c.Create, "to create"}, {c.Update, "to update"}, {c.Replace, "to replace"}, {c.Delete, "to delete"}} {
		if k.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", k.n, k.verb))
		}
	}
	line := strings.Join(parts, " · ")
	if danger {
		line = "⚠ " + line
	}
	return line
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// codeProps are the function properties that carry its code: a change to
// them alone is a code-only deploy.
var codeProps = map[string]bool{
	"code": true, "sourceCodeHash": true, "s3Key": true, "s3ObjectVersion": true, "imageUri": true,
}

// codeOnly reports whether a function's update changes only its code.
func codeOnly(c *Change) bool {
	if c.Type != typeFunction || c.Op != OpUpdate || len(c.Props) == 0 {
		return false
	}
	for _, p := range c.Props {
		if !codeProps[topKey(p.Path)] {
			return false
		}
	}
	return true
}

// dragged reports whether c is a change a code-only function update drags
// along in its component: the Release's fingerprint, a plain alias's
// version.
func dragged(c *Change) bool {
	if c.Op != OpUpdate {
		return false
	}
	allowed := map[string]bool{}
	switch c.Type {
	case typeRelease:
		allowed["fingerprint"] = true
	case "aws:lambda/alias:Alias":
		allowed["functionVersion"] = true
	default:
		return false
	}
	for _, p := range c.Props {
		if !allowed[topKey(p.Path)] {
			return false
		}
	}
	return true
}

// groups gathers every change that is not OpSame under its parent
// component, in URN order of the component, folding code-only function
// updates (and what they drag along) into CodeOnly.
func groups(ix *stackIndex) []Group {
	byParent := map[string]*Group{}
	folded := map[string]bool{} // parents with a code-only function
	for i := range ix.changes {
		c := &ix.changes[i]
		if codeOnly(c) {
			folded[c.Parent] = true
		}
	}
	for i := range ix.changes {
		c := &ix.changes[i]
		if c.Op == OpSame {
			continue
		}
		g := byParent[c.Parent]
		if g == nil {
			g = &Group{Component: c.Parent}
			byParent[c.Parent] = g
		}
		switch {
		case codeOnly(c):
			g.CodeOnly = append(g.CodeOnly, functionName(ix, c))
		case folded[c.Parent] && dragged(c):
		default:
			g.Changes = append(g.Changes, *c)
		}
	}
	out := make([]Group, 0, len(byParent))
	for _, k := range slices.Sorted(maps.Keys(byParent)) {
		g := byParent[k]
		sort.Strings(g.CodeOnly)
		if g.Changes == nil {
			g.Changes = []Change{}
		}
		out = append(out, *g)
	}
	return out
}

// functionName is the kumo Function's name of a resource under it (the
// component's name), or the resource's own name when it stands alone.
func functionName(ix *stackIndex, c *Change) string {
	if p := ix.byURN[c.Parent]; p != nil && p.Type == "kumo:constructs:Function" {
		return p.Name
	}
	return c.Name
}

// inputs are the inputs a change leaves in place: the new ones, or the old
// ones of a delete.
func inputs(c *Change) map[string]any {
	if c.Op == OpDelete {
		return c.Old
	}
	return c.New
}

// str reads a string input ("" when unset or not a string).
func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// field reads a dotted path of map keys.
func field(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// fmtValue shows one value in a reason: strings bare, unknown values as
// known after deploy, anything else as compact JSON.
func fmtValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "(unset)"
	case string:
		if v == Unknown {
			return "(known after deploy)"
		}
		return v
	case json.Number:
		return v.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// The types the analyses read by name.
const (
	typeFunction = "aws:lambda/function:Function"
	typeRelease  = "kumo:index:Release"
	typeMethod   = "aws:apigateway/method:Method"
)

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
