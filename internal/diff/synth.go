package diff

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// SynthDoc is one `kumo synth --json` document: the contract in the
// README's "Synth JSON contract" section.
type SynthDoc struct {
	Project string `json:"project"`
	Stack   string `json:"stack"`
	// Region is the stack's aws:region; "" in documents written before
	// kumo recorded it.
	Region    string          `json:"region,omitempty"`
	Resources []SynthResource `json:"resources"`
	Outputs   map[string]any  `json:"outputs,omitempty"`
}

// SynthResource is one resource of a synth document.
type SynthResource struct {
	URN    string `json:"urn"`
	Type   string `json:"type"`
	Name   string `json:"name"`
	Custom bool   `json:"custom"`
	Parent string `json:"parent"`
	// Region is set on a custom resource deployed by a provider of another
	// region than the stack's; "" means the stack's region.
	Region       string         `json:"region,omitempty"`
	Inputs       map[string]any `json:"inputs"`
	Dependencies []string       `json:"dependencies"`
}

// notSynth is the hint every ReadSynth error carries: the usual mistake is
// passing some other JSON (a preview, a state export).
const notSynth = "not a `kumo synth --json` document"

// ReadSynth parses a `kumo synth --json` document. Numbers stay
// json.Number so a value is shown exactly as the program set it.
func ReadSynth(data []byte) (*SynthDoc, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", notSynth, err)
	}
	for _, k := range []string{"project", "stack", "resources"} {
		if v, ok := raw[k]; !ok || string(v) == "null" {
			return nil, fmt.Errorf("%s: field %q is missing", notSynth, k)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc SynthDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", notSynth, err)
	}
	if doc.Project == "" || doc.Stack == "" {
		return nil, fmt.Errorf("%s: project %q and stack %q must both be set", notSynth, doc.Project, doc.Stack)
	}
	seen := make(map[string]int, len(doc.Resources))
	for i, r := range doc.Resources {
		if r.URN == "" || r.Type == "" {
			return nil, fmt.Errorf("%s: resources[%d] has urn %q and type %q; both must be set", notSynth, i, r.URN, r.Type)
		}
		if j, dup := seen[r.URN]; dup {
			return nil, fmt.Errorf("%s: resources[%d] and resources[%d] have the same urn %q", notSynth, j, i, r.URN)
		}
		seen[r.URN] = i
	}
	return &doc, nil
}

// Compare diffs two synth documents of one stack, resource by resource
// (matched by URN) and property by property.
//
// Offline, secrets are "[secret]" on both sides, so a changed secret is
// invisible: kumo compares them equal and the renderers say so. A value
// "[unknown]" in the head is a change whose new value is known only after
// deploy.
func Compare(base, head *SynthDoc) (StackDiff, error) {
	if base.Project != head.Project || base.Stack != head.Stack {
		return StackDiff{}, fmt.Errorf("base is project %q stack %q but head is project %q stack %q: compare two synths of one stack",
			base.Project, base.Stack, head.Project, head.Stack)
	}
	old := make(map[string]*SynthResource, len(base.Resources))
	for i := range base.Resources {
		old[base.Resources[i].URN] = &base.Resources[i]
	}
	sd := StackDiff{Project: head.Project, Stack: head.Stack, Source: "synth", base: base, head: head}
	unknown := map[string]bool{}
	seen := make(map[string]bool, len(head.Resources))
	for i := range head.Resources {
		n := &head.Resources[i]
		seen[n.URN] = true
		c := newChange(n)
		c.New = n.Inputs
		o, ok := old[n.URN]
		if !ok {
			c.Op = OpCreate
			sd.Changes = append(sd.Changes, c)
			continue
		}
		c.Old = o.Inputs
		c.Props = diffInputs(o.Inputs, n.Inputs)
		if p, ok := regionMove(base, o, head, n); ok {
			c.Props = append(c.Props, p)
			sort.Slice(c.Props, func(i, j int) bool { return c.Props[i].Path < c.Props[j].Path })
		}
		c.Op = OpSame
		if len(c.Props) > 0 {
			c.Op = OpUpdate
		}
		if c.Custom && len(c.Props) > 0 {
			reasons := map[string]bool{}
			for j := range c.Props {
				if c.Props[j].Replace {
					// A region move: replaced whatever the type.
					reasons[topKey(c.Props[j].Path)] = true
					continue
				}
				replace, known := changeForcesReplacement(c.Type, c.Props[j].Path, c.Props[j].Old, c.Props[j].New)
				if !known {
					unknown[c.Type] = true
				}
				if replace {
					c.Props[j].Replace = true
					reasons[topKey(c.Props[j].Path)] = true
				}
			}
			if len(reasons) > 0 {
				c.Op = OpReplace
				c.ReplaceReasons = slices.Sorted(maps.Keys(reasons))
				c.DeleteBeforeReplace = deleteBeforeReplace(c.Type, n.Inputs)
			}
		}
		sd.Changes = append(sd.Changes, c)
	}
	for i := range base.Resources {
		o := &base.Resources[i]
		if seen[o.URN] {
			continue
		}
		c := newChange(o)
		c.Op = OpDelete
		c.Old = o.Inputs
		sd.Changes = append(sd.Changes, c)
	}
	sort.Slice(sd.Changes, func(i, j int) bool { return sd.Changes[i].URN < sd.Changes[j].URN })
	sd.UnknownReplace = slices.Sorted(maps.Keys(unknown))
	return sd, nil
}

// RegionProp is the property a region move shows as: the name pulumi-aws
// v7 gives the per-resource region input, so the move reads as a program
// that sets it would show it.
const RegionProp = "region"

// regionMove is the change of region of a resource both documents hold,
// as a property change that forces replacement: an AWS resource is created
// in one region and stays there ("Most AWS resources are Regional – they
// are created and exist in a single AWS Region", terraform-provider-aws's
// Enhanced Region Support guide), so moving it means creating it in the
// new region and deleting the old one — the cascading replacement
// pulumi-aws plans when a provider's region changes
// (https://github.com/pulumi/pulumi-aws/pull/4000). Compare reads inputs,
// which do not hold the region, so without this a move would pass as no
// change. A resource's region is its own "region" or, without one, its
// document's; documents written before kumo recorded regions have
// neither, and nothing is judged. Only the aws package's resources are
// regional; a program that already sets a "region" input shows it as
// that input.
func regionMove(base *SynthDoc, o *SynthResource, head *SynthDoc, n *SynthResource) (PropChange, bool) {
	if !n.Custom || !strings.HasPrefix(n.Type, "aws:") || base.Region == "" || head.Region == "" {
		return PropChange{}, false
	}
	if _, ok := o.Inputs[RegionProp]; ok {
		return PropChange{}, false
	}
	if _, ok := n.Inputs[RegionProp]; ok {
		return PropChange{}, false
	}
	from, to := cmp.Or(o.Region, base.Region), cmp.Or(n.Region, head.Region)
	if from == to {
		return PropChange{}, false
	}
	return PropChange{Path: RegionProp, Kind: KindUpdate, Old: from, New: to, Replace: true}, true
}

func newChange(r *SynthResource) Change {
	deps := slices.Clone(r.Dependencies)
	sort.Strings(deps)
	return Change{URN: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent, Custom: r.Custom, Dependencies: deps}
}

// Load reads base and head — two synth documents, or two directories of
// `*.json` synth documents paired by stack — and compares each stack. A
// stack only in the head is all creates, one only in the base all deletes.
// The result is sorted by stack.
func Load(base, head string) ([]StackDiff, error) {
	bi, err := os.Stat(base)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	hi, err := os.Stat(head)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	if bi.IsDir() != hi.IsDir() {
		return nil, fmt.Errorf("base %s and head %s must both be synth files or both directories of them", base, head)
	}
	if !bi.IsDir() {
		b, err := readSynthFile(base)
		if err != nil {
			return nil, err
		}
		h, err := readSynthFile(head)
		if err != nil {
			return nil, err
		}
		d, err := Compare(b, h)
		if err != nil {
			return nil, fmt.Errorf("%s and %s: %w", base, head, err)
		}
		return []StackDiff{d}, nil
	}
	bs, err := readSynthDir(base)
	if err != nil {
		return nil, err
	}
	hs, err := readSynthDir(head)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 && len(hs) == 0 {
		return nil, fmt.Errorf("neither %s nor %s holds a *.json synth document", base, head)
	}
	stacks := map[string]bool{}
	for s := range bs {
		stacks[s] = true
	}
	for s := range hs {
		stacks[s] = true
	}
	var out []StackDiff
	for _, s := range slices.Sorted(maps.Keys(stacks)) {
		b, h := bs[s], hs[s]
		switch {
		case b == nil:
			b = &synthFile{doc: &SynthDoc{Project: h.doc.Project, Stack: s}, path: base}
		case h == nil:
			h = &synthFile{doc: &SynthDoc{Project: b.doc.Project, Stack: s}, path: head}
		}
		d, err := Compare(b.doc, h.doc)
		if err != nil {
			return nil, fmt.Errorf("%s and %s: %w", b.path, h.path, err)
		}
		out = append(out, d)
	}
	return out, nil
}

type synthFile struct {
	doc  *SynthDoc
	path string
}

func readSynthFile(path string) (*SynthDoc, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, err := ReadSynth(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc, nil
}

// readSynthDir reads every *.json file of dir, keyed by stack.
func readSynthDir(dir string) (map[string]*synthFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]*synthFile{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		doc, err := readSynthFile(p)
		if err != nil {
			return nil, err
		}
		if prev, dup := out[doc.Stack]; dup {
			return nil, fmt.Errorf("%s and %s are both stack %q: keep one synth document per stack in %s", prev.path, p, doc.Stack, dir)
		}
		out[doc.Stack] = &synthFile{doc: doc, path: p}
	}
	return out, nil
}

// diffInputs returns the changed properties between two input maps,
// sorted by path.
func diffInputs(old, new map[string]any) []PropChange {
	var out []PropChange
	diffMap("", old, new, &out)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func diffMap(path string, old, new map[string]any, out *[]PropChange) {
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range new {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		diffValue(joinKey(path, k), old[k], new[k], out)
	}
}

func diffValue(path string, old, new any, out *[]PropChange) {
	switch {
	case old == nil && new == nil:
		return
	case old == nil:
		*out = append(*out, PropChange{Path: path, Kind: KindAdd, New: new})
		return
	case new == nil:
		*out = append(*out, PropChange{Path: path, Kind: KindDelete, Old: old})
		return
	}
	om, oIsMap := old.(map[string]any)
	nm, nIsMap := new.(map[string]any)
	if oIsMap && nIsMap && !isAsset(om) && !isAsset(nm) {
		diffMap(path, om, nm, out)
		return
	}
	ol, oIsList := old.([]any)
	nl, nIsList := new.([]any)
	if oIsList && nIsList {
		for i := 0; i < max(len(ol), len(nl)); i++ {
			p := path + "[" + strconv.Itoa(i) + "]"
			switch {
			case i >= len(ol):
				diffValue(p, nil, nl[i], out)
			case i >= len(nl):
				diffValue(p, ol[i], nil, out)
			default:
				diffValue(p, ol[i], nl[i], out)
			}
		}
		return
	}
	if !equalValue(old, new) {
		*out = append(*out, PropChange{Path: path, Kind: KindUpdate, Old: old, New: new})
	}
}

// equalValue compares two input values as a deploy would see them:
// assets and archives by content hash, JSON held in strings by meaning,
// numbers by value.
func equalValue(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok {
			return false
		}
		if ha, ok := assetHash(a); ok {
			hb, ok := assetHash(b)
			return ok && ha == hb
		}
		if len(a) != len(b) {
			return false
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok || !equalValue(v, w) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equalValue(a[i], b[i]) {
				return false
			}
		}
		return true
	case string:
		b, ok := b.(string)
		if !ok {
			return false
		}
		if a == b {
			return true
		}
		return equalJSONText(a, b)
	case json.Number:
		return equalNumber(a, b)
	case float64, int, int64:
		return equalNumber(a, b)
	default:
		return a == b
	}
}

// equalJSONText reports whether two strings both hold JSON objects or
// arrays with the same meaning: IAM policies, Step Functions definitions
// and event patterns are strings whose key order and spacing a program may
// change without changing the resource.
func equalJSONText(a, b string) bool {
	if !looksJSON(a) || !looksJSON(b) {
		return false
	}
	va, ok := decodeJSON(a)
	if !ok {
		return false
	}
	vb, ok := decodeJSON(b)
	return ok && equalValue(va, vb)
}

func looksJSON(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) >= 2 && (s[0] == '{' && s[len(s)-1] == '}' || s[0] == '[' && s[len(s)-1] == ']')
}

func decodeJSON(s string) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		return nil, false
	}
	return v, true
}

func equalNumber(a, b any) bool {
	fa, ok := toFloat(a)
	if !ok {
		return false
	}
	fb, ok := toFloat(b)
	return ok && fa == fb
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	}
	return 0, false
}

// isAsset reports whether m is a file asset or archive as the synth
// contract writes them: {"asset": {...}} or {"archive": {...}}.
func isAsset(m map[string]any) bool {
	_, ok := assetHash(m)
	return ok
}

// assetHash is an asset's or archive's sha256: the path is where the build
// put it, which says nothing about what is deployed.
func assetHash(m map[string]any) (string, bool) {
	if len(m) != 1 {
		return "", false
	}
	for _, k := range []string{"asset", "archive"} {
		if inner, ok := m[k].(map[string]any); ok {
			h, ok := inner["sha256"].(string)
			return h, ok
		}
	}
	return "", false
}

// joinKey appends key k to a property path in Pulumi's syntax: a key of
// only letters, digits and '_' is dotted, any other is quoted in brackets
// (sdk/go/common/resource/properties_path.go, PropertyPath.String).
func joinKey(path, k string) string {
	plain := k != ""
	for _, c := range k {
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			plain = false
			break
		}
	}
	if !plain {
		return path + `["` + strings.ReplaceAll(k, `"`, `\"`) + `"]`
	}
	if path == "" {
		return k
	}
	return path + "." + k
}

// topKey is the top-level property of a path: "environment" of
// "environment.variables.X", "tags" of `tags["kumo:stack"]`.
func topKey(path string) string {
	if strings.HasPrefix(path, `["`) {
		if end := strings.Index(path, `"]`); end > 0 {
			return path[2:end]
		}
	}
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}
