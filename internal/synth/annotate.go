package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/kumo-iac/kumo/internal/annotate"
)

// What a synth knows about each resource beyond what it registers: where in
// the program it was created, and annotations the program attached to it
// (check suppressions). Neither is part of the JSON contract.

// Site is where a resource was created: the innermost call in the project's
// own files (or, when none is, the innermost outside the Pulumi SDKs), as a
// path relative to the project (module@version/path for the module cache)
// and a line.
type Site struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Function string `json:"function"`
}

// siteFrames bounds the call stack kept per resource: enough to get from the
// SDK through a construct or two to the program.
const siteFrames = 32

// siteRecord is a registration seen by the stack transformation: the
// resource is matched to its URN once the program has finished.
type siteRecord struct {
	res pulumi.Resource
	pcs []uintptr
}

// recordSite is a stack transformation that keeps the call stack of every
// registration; it changes nothing. The SDK applies transformations in the
// goroutine that registers the resource, so the program's frames are there.
// Only program counters are kept: frames are resolved for the few resources
// whose site is asked for.
func (m *monitor) recordSite(args *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
	var pcs [siteFrames]uintptr
	n := runtime.Callers(2, pcs[:])
	rec := siteRecord{res: args.Resource, pcs: append([]uintptr(nil), pcs[:n]...)}
	m.mu.Lock()
	m.sites = append(m.sites, rec)
	m.mu.Unlock()
	return nil
}

// attachSites gives each recorded resource the call stack of its
// registration. The program has finished, so every URN is resolved.
func (m *monitor) attachSites(ctx *pulumi.Context) {
	m.mu.Lock()
	sites := m.sites
	m.sites = nil
	m.mu.Unlock()
	for _, s := range sites {
		r, err := internals.UnsafeAwaitOutput(ctx.Context(), s.res.URN())
		if err != nil || !r.Known {
			continue
		}
		u, ok := r.Value.(pulumi.URN)
		if !ok {
			continue
		}
		m.mu.Lock()
		if r, ok := m.resources[string(u)]; ok {
			r.pcs = s.pcs
			m.resources[string(u)] = r
		}
		m.mu.Unlock()
	}
}

// SiteKey identifies the call stack r was created from ("" when synth did
// not see it): resources with one key have one Site.
func (r *Resource) SiteKey() string {
	if len(r.pcs) == 0 {
		return ""
	}
	var b strings.Builder
	for _, pc := range r.pcs {
		fmt.Fprintf(&b, "%x,", pc)
	}
	return b.String()
}

// Site returns where r was created, if synth saw it (resources registered
// by a synth of this process; not those of a parsed result).
func (r *Resource) Site(root string) (Site, bool) {
	if len(r.pcs) == 0 {
		return Site{}, false
	}
	rd := renderer{root: root}
	var outside *Site
	frames := runtime.CallersFrames(r.pcs)
	for {
		f, more := frames.Next()
		if f.File != "" && !sdkFrame(f) {
			rel, abs := rd.path(movedSource(root, f.File))
			fromRoot, err := filepath.Rel(root, abs)
			inside := err == nil && !strings.HasPrefix(fromRoot, "..")
			if strings.HasPrefix(rel, "..") {
				// Neither in the project nor the module cache.
				rel = filepath.ToSlash(abs)
			}
			s := Site{File: rel, Line: f.Line, Function: f.Function}
			if inside {
				return s, true
			}
			if outside == nil {
				outside = &s
			}
		}
		if !more {
			break
		}
	}
	if outside != nil {
		return *outside, true
	}
	return Site{}, false
}

// movedSource maps a source path recorded at build time to where the file
// is now: a program is cached by its sources' contents, so the one built in
// a copy or former location of the project (a CI checkout, a renamed
// directory) runs for this one. A path that no longer exists is matched by
// its longest tail that exists under root; any other is kept.
func movedSource(root, file string) string {
	if _, err := os.Stat(file); err == nil {
		return file
	}
	if _, cached := inModuleCache(file); cached {
		return file // a dependency's file, never the project's
	}
	parts := strings.Split(filepath.ToSlash(file), "/")
	for i := 1; i < len(parts); i++ {
		cand := filepath.Join(root, filepath.FromSlash(strings.Join(parts[i:], "/")))
		if _, err := os.Stat(cand); err == nil {
			return cand
		}
	}
	return file
}

// sdkFrame reports whether a frame belongs to the Go runtime, the Pulumi
// SDKs or synth itself: never where a program created a resource.
func sdkFrame(f runtime.Frame) bool {
	if strings.HasPrefix(f.Function, "github.com/kumo-iac/kumo/internal/synth.") {
		return !strings.HasSuffix(f.File, "_test.go") // synth's tests are programs too
	}
	return strings.HasPrefix(f.Function, "runtime.") || strings.HasPrefix(f.Function, "github.com/pulumi/")
}

// Annotate attaches value under key to res for whatever reads the synth
// result (kumo check reads its suppressions this way); see package
// annotate. It returns false when ctx is not being synthesized.
func Annotate(ctx *pulumi.Context, res pulumi.Resource, key, value string) bool {
	return annotate.Add(ctx, res, key, value)
}

// RecordAnnotation implements annotate.Recorder.
func (m *monitor) RecordAnnotation(urn, key, value string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.annotations == nil {
		m.annotations = map[string]map[string][]string{}
	}
	if m.annotations[urn] == nil {
		m.annotations[urn] = map[string][]string{}
	}
	m.annotations[urn][key] = append(m.annotations[urn][key], value)
}

// attachAnnotations copies the annotations onto the resources they name.
func (m *monitor) attachAnnotations() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for urn, a := range m.annotations {
		if r, ok := m.resources[urn]; ok {
			// Recorded as the URNs resolved, in no set order.
			for _, vs := range a {
				slices.Sort(vs)
			}
			r.Annotations = a
			m.resources[urn] = r
		}
	}
}
