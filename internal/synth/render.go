package synth

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/build"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/asset"

	"github.com/kumo-iac/kumo/constructs/bundle"
)

// unknownPlaceholder stands in for values that are not known until deploy.
const unknownPlaceholder = "[unknown]"

// maxExactInt is the largest integer a float64 holds exactly; larger
// integral numbers stay floats rather than silently changing value.
const maxExactInt = 1 << 53

// renderer turns Pulumi property values into plain JSON-friendly values.
// Assets are shown by content hash with paths relative to root so that the
// output is the same on every machine and changes only when the code does.
type renderer struct {
	root string
	// hashes remembers the files hashed in this synth; nil hashes every
	// time.
	hashes *fileHashes
}

// fileHashes caches file hashes by path, each valid while the file keeps
// its size and modification time. A stack of a thousand functions sharing
// one handler zip ships the same file a thousand times, and hashing it for
// each would cost more than all the rest of synth.
type fileHashes struct {
	mu sync.Mutex
	m  map[string]fileHash
}

type fileHash struct {
	size    int64
	modTime time.Time
	sum     string
}

func newFileHashes() *fileHashes { return &fileHashes{m: map[string]fileHash{}} }

func (r renderer) object(m resource.PropertyMap) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, v := range m {
		rv, err := r.value(v)
		if err != nil {
			return nil, fmt.Errorf("property %s: %w", k, err)
		}
		out[string(k)] = rv
	}
	return out, nil
}

func (r renderer) value(v resource.PropertyValue) (any, error) {
	switch {
	case v.IsNull():
		return nil, nil
	case v.IsBool():
		return v.BoolValue(), nil
	case v.IsNumber():
		return number(v.NumberValue()), nil
	case v.IsString():
		return v.StringValue(), nil
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			rv, err := r.value(e)
			if err != nil {
				return nil, err
			}
			out[i] = rv
		}
		return out, nil
	case v.IsObject():
		return r.object(v.ObjectValue())
	case v.IsSecret():
		return secretPlaceholder, nil
	case v.IsComputed():
		return unknownPlaceholder, nil
	case v.IsOutput():
		o := v.OutputValue()
		switch {
		case !o.Known:
			return unknownPlaceholder, nil
		case o.Secret:
			return secretPlaceholder, nil
		}
		return r.value(o.Element)
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN), nil
	case v.IsAsset():
		return r.asset(v.AssetValue())
	case v.IsArchive():
		return r.archive(v.ArchiveValue())
	}
	return nil, fmt.Errorf("unsupported property value %s", v.TypeString())
}

// number keeps integral values integers in JSON: Pulumi carries every number
// as a float64, but memorySize 128 should not read as 128.0 or 1.28e2.
func number(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) <= maxExactInt {
		return int64(f)
	}
	return f
}

func (r renderer) asset(a *asset.Asset) (any, error) {
	switch {
	case a.IsPath():
		rel, abs := r.path(a.Path)
		sum, err := r.hashes.file(abs)
		if err != nil {
			return nil, fmt.Errorf("file asset: %w", err)
		}
		return map[string]any{"asset": map[string]any{"path": rel, "sha256": sum}}, nil
	case a.IsURI():
		return map[string]any{"asset": map[string]any{"uri": a.URI}}, nil
	}
	sum := sha256.Sum256([]byte(a.Text))
	return map[string]any{"asset": map[string]any{"text": a.Text, "sha256": hex.EncodeToString(sum[:])}}, nil
}

func (r renderer) archive(a *archive.Archive) (any, error) {
	switch {
	case a.IsPath():
		rel, abs := r.path(a.Path)
		sum, err := r.hashes.path(abs)
		if err != nil {
			return nil, fmt.Errorf("file archive: %w", err)
		}
		return map[string]any{"archive": map[string]any{"path": rel, "sha256": sum}}, nil
	case a.IsURI():
		return map[string]any{"archive": map[string]any{"uri": a.URI}}, nil
	}
	assets := make(map[string]any, len(a.Assets))
	for name, e := range a.Assets {
		var (
			rv  any
			err error
		)
		switch t := e.(type) {
		case *asset.Asset:
			rv, err = r.asset(t)
		case *archive.Archive:
			rv, err = r.archive(t)
		case resource.PropertyValue:
			rv, err = r.value(t)
		default:
			err = fmt.Errorf("unsupported archive member %T", e)
		}
		if err != nil {
			return nil, fmt.Errorf("archive member %s: %w", name, err)
		}
		assets[name] = rv
	}
	return map[string]any{"archive": map[string]any{"assets": assets}}, nil
}

// path resolves an asset path the way the pulumi CLI would, which runs the
// program with the project root as working directory, and returns it both
// relative to the root (for display) and absolute (for reading).
func (r renderer) path(p string) (rel, abs string) {
	abs = p
	if !filepath.IsAbs(p) {
		abs = filepath.Join(r.root, p)
	}
	rel, err := filepath.Rel(r.root, abs)
	if err != nil {
		rel = abs
	}
	// Files of a dependency (a pattern's site from the kumo module) live in
	// the module cache, whose location differs between machines; shown as
	// module@version/path they read the same everywhere.
	if strings.HasPrefix(rel, "..") {
		if cached, ok := inModuleCache(abs); ok {
			return cached, abs
		}
	}
	return filepath.ToSlash(rel), abs
}

// inModuleCache returns p relative to the Go module cache (GOMODCACHE, or
// GOPATH's pkg/mod), and whether p is inside it.
func inModuleCache(p string) (string, bool) {
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		gopath := build.Default.GOPATH
		if i := strings.IndexRune(gopath, filepath.ListSeparator); i >= 0 {
			gopath = gopath[:i]
		}
		cache = filepath.Join(gopath, "pkg", "mod")
	}
	rel, err := filepath.Rel(cache, p)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// file returns the hex SHA-256 of a file's contents.
func (c *fileHashes) file(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	return c.stated(path, info)
}

// stated is file for a file already stat'ed: the cached hash when the file
// has the same size and modification time as when it was hashed.
func (c *fileHashes) stated(path string, info fs.FileInfo) (string, error) {
	if c != nil {
		c.mu.Lock()
		h, ok := c.m[path]
		c.mu.Unlock()
		if ok && h.size == info.Size() && h.modTime.Equal(info.ModTime()) {
			return h.sum, nil
		}
	}
	// A function's zip was hashed by the bundler when it built or checked
	// it, in this process; reading every zip again took a sixth of an
	// unchanged synth of the shipped stacks.
	sum, ok := bundle.VerifiedSHA256(path, info)
	if !ok {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		hash := sha256.New()
		if _, err := io.Copy(hash, f); err != nil {
			return "", err
		}
		sum = hex.EncodeToString(hash.Sum(nil))
	}
	if c != nil {
		c.mu.Lock()
		c.m[path] = fileHash{size: info.Size(), modTime: info.ModTime(), sum: sum}
		c.mu.Unlock()
	}
	return sum, nil
}

// path hashes a file, or a directory as the sorted list of its files'
// relative paths and contents, which is what a directory archive ships.
func (c *fileHashes) path(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !info.IsDir() {
		return c.stated(path, info)
	}
	h := sha256.New()
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(path, p)
		if err != nil {
			return err
		}
		sum, err := c.file(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%s\n", filepath.ToSlash(rel), sum)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// JSON renders the result in kumo's synth contract: resources sorted by URN,
// map keys sorted, 2-space indent and a trailing newline. HTML escaping is off
// so policy documents and URLs read as written. The top-level "region" is the
// stack's aws:region; a custom resource deployed by a provider of another
// region carries its own "region" (what kumo cost prices it by), every other
// resource none.
//
// The bytes are those of one json.Encoder with SetIndent("", "  ") encoding
// the whole document, but each resource is encoded on its own, indented as
// deep as it sits in the document, straight into the output: encoding the
// whole document at once holds it three times over (encoded, indented,
// copied out), tens of megabytes for a stack of a thousand functions.
func (r *Result) JSON() ([]byte, error) {
	if r.contract != nil {
		return slices.Clone(r.contract), nil
	}
	type resourceJSON struct {
		URN          string         `json:"urn"`
		Type         string         `json:"type"`
		Name         string         `json:"name"`
		Custom       bool           `json:"custom"`
		Parent       string         `json:"parent"`
		Region       string         `json:"region,omitempty"`
		Inputs       map[string]any `json:"inputs"`
		Dependencies []string       `json:"dependencies"`
	}
	var buf bytes.Buffer
	// encode writes v as a value at the given indent, without the
	// Encoder's trailing newline.
	encode := func(enc *json.Encoder, v any) error {
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("encode synth result: %w", err)
		}
		buf.Truncate(buf.Len() - 1)
		return nil
	}
	top := json.NewEncoder(&buf)
	top.SetEscapeHTML(false)
	top.SetIndent("  ", "  ")
	buf.WriteString("{\n  \"project\": ")
	if err := encode(top, r.Project); err != nil {
		return nil, err
	}
	buf.WriteString(",\n  \"stack\": ")
	if err := encode(top, r.Stack); err != nil {
		return nil, err
	}
	if r.Region != "" {
		buf.WriteString(",\n  \"region\": ")
		if err := encode(top, r.Region); err != nil {
			return nil, err
		}
	}
	buf.WriteString(",\n  \"resources\": [")
	elem := json.NewEncoder(&buf)
	elem.SetEscapeHTML(false)
	elem.SetIndent("    ", "  ")
	for i, res := range r.sorted() {
		rj := resourceJSON{URN: res.URN, Type: res.Type, Name: res.Name, Custom: res.Custom, Parent: res.Parent,
			Region: res.documentRegion(r.Region), Inputs: res.Inputs, Dependencies: res.Dependencies}
		if rj.Inputs == nil {
			rj.Inputs = map[string]any{}
		}
		if rj.Dependencies == nil {
			rj.Dependencies = []string{}
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		if err := encode(elem, rj); err != nil {
			return nil, err
		}
	}
	if len(r.Resources) > 0 {
		buf.WriteString("\n  ")
	}
	buf.WriteString("],\n  \"outputs\": ")
	outputs := r.Outputs
	if outputs == nil {
		outputs = map[string]any{}
	}
	if err := encode(top, outputs); err != nil {
		return nil, err
	}
	buf.WriteString("\n}\n")
	return buf.Bytes(), nil
}

// documentRegion is the resource's "region" in the contract: set only on a
// custom resource whose provider deploys it to a region other than the
// stack's (a second region's provider), so a reader prices or places it
// there; "" leaves it out.
func (r *Resource) documentRegion(stackRegion string) string {
	if !r.Custom || r.region == "" || r.region == stackRegion {
		return ""
	}
	return r.region
}

// sorted returns the resources ordered by URN without reordering r.
func (r *Result) sorted() []Resource {
	out := append([]Resource(nil), r.Resources...)
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// WriteTree writes the human summary: the resource tree nested under
// component parents, a count per type and the stack outputs.
func (r *Result) WriteTree(w io.Writer) error {
	var b strings.Builder
	noun := "resources"
	if len(r.Resources) == 1 {
		noun = "resource"
	}
	fmt.Fprintf(&b, "stack %s (project %s): %d %s\n", r.Stack, r.Project, len(r.Resources), noun)

	byURN := map[string]bool{}
	for _, res := range r.Resources {
		byURN[res.URN] = true
	}
	children := map[string][]Resource{}
	for _, res := range r.Resources {
		parent := res.Parent
		if !byURN[parent] {
			// A parent outside the recorded set (the stack, a read resource)
			// would hide the resource; show it at the top instead.
			parent = ""
		}
		children[parent] = append(children[parent], res)
	}
	for _, list := range children {
		sort.Slice(list, func(i, j int) bool {
			a, c := list[i], list[j]
			if a.Type != c.Type {
				return a.Type < c.Type
			}
			if a.Name != c.Name {
				return a.Name < c.Name
			}
			return a.URN < c.URN
		})
	}
	var walk func(parent, indent string)
	walk = func(parent, indent string) {
		list := children[parent]
		for i, res := range list {
			branch, next := "├─ ", "│  "
			if i == len(list)-1 {
				branch, next = "└─ ", "   "
			}
			fmt.Fprintf(&b, "%s%s%s  %s\n", indent, branch, res.Type, res.Name)
			walk(res.URN, indent+next)
		}
	}
	walk("", "")

	counts := map[string]int{}
	width := 0
	for _, res := range r.Resources {
		counts[res.Type]++
		width = max(width, len(res.Type))
	}
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Strings(types)
	b.WriteString("\nResources by type:\n")
	for _, t := range types {
		fmt.Fprintf(&b, "  %-*s  %d\n", width, t, counts[t])
	}

	keys := make([]string, 0, len(r.Outputs))
	for k := range r.Outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteString("\nOutputs:\n")
	if len(keys) == 0 {
		b.WriteString("  (none)\n")
	}
	for _, k := range keys {
		v := r.Outputs[k]
		s, ok := v.(string)
		if !ok {
			var enc bytes.Buffer
			e := json.NewEncoder(&enc)
			e.SetEscapeHTML(false)
			if err := e.Encode(v); err != nil {
				return fmt.Errorf("encode output %s: %w", k, err)
			}
			s = strings.TrimSuffix(enc.String(), "\n")
		}
		fmt.Fprintf(&b, "  %s: %s\n", k, s)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
