package bundle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// cacheFormat changes whenever the zip layout or the hash recipe changes, so
// zips written by an older kumo are never mistaken for current ones.
const cacheFormat = "kumo-bundle/1"

// hashedEnv lists the go env settings that change the compiled bytes. They
// are read back from the go command rather than taken from our overrides
// because GOEXPERIMENT and GOFIPS140 may come from `go env -w`, and
// GOVERSION reflects any toolchain switch go.mod asks for. GOWORK is used
// for its file contents, not its machine-specific path.
var hashedEnv = []string{
	"CGO_ENABLED", "GOAMD64", "GOARCH", "GOARM64", "GOEXPERIMENT",
	"GOFIPS140", "GOFLAGS", "GOOS", "GOVERSION",
}

func (b *builder) goEnv(ctx context.Context, goBin string, t *target, env []string) (map[string]string, error) {
	// GOENV is asked for the memo (goenvProbe), not hashed.
	args := append([]string{"env", "-json", "GOWORK", "GOENV"}, hashedEnv...)
	out, err := b.goCmd(ctx, goBin, t, env, "go env", args...)
	if err != nil {
		return nil, err
	}
	vals := map[string]string{}
	if err := json.Unmarshal(out, &vals); err != nil {
		return nil, fmt.Errorf("bundle: reading go env output: %w", err)
	}
	if vals["GOVERSION"] == "" {
		return nil, fmt.Errorf("bundle: go env reported no GOVERSION for %s; is %s a Go toolchain?", t.root, goBin)
	}
	return vals, nil
}

// listedPackage is the part of `go list -json` output the hash needs.
// Empty fields are left out of a kept decision (keptDecision).
type listedPackage struct {
	ImportPath string
	Name       string `json:",omitempty"`
	Dir        string
	Standard   bool `json:",omitempty"`
	// EmbedPatterns are the package's //go:embed patterns, which only
	// treeFingerprint reads.
	EmbedPatterns []string `json:",omitempty"`
	// DepOnly is false only for the package named on the command line.
	DepOnly bool          `json:",omitempty"`
	Module  *listedModule `json:",omitempty"`

	GoFiles      []string `json:",omitempty"`
	CgoFiles     []string `json:",omitempty"`
	CFiles       []string `json:",omitempty"`
	CXXFiles     []string `json:",omitempty"`
	MFiles       []string `json:",omitempty"`
	HFiles       []string `json:",omitempty"`
	FFiles       []string `json:",omitempty"`
	SFiles       []string `json:",omitempty"`
	SwigFiles    []string `json:",omitempty"`
	SwigCXXFiles []string `json:",omitempty"`
	SysoFiles    []string `json:",omitempty"`
	EmbedFiles   []string `json:",omitempty"`
}

type listedModule struct {
	Path    string
	Version string        `json:",omitempty"`
	Main    bool          `json:",omitempty"`
	Replace *listedModule `json:",omitempty"`
	// Dir and GoMod locate the module's files; only treeFingerprint
	// reads them.
	Dir   string `json:",omitempty"`
	GoMod string `json:",omitempty"`
}

const listFields = "ImportPath,Name,Dir,Standard,EmbedPatterns,DepOnly,Module," +
	"GoFiles,CgoFiles,CFiles,CXXFiles,MFiles,HFiles,FFiles,SFiles," +
	"SwigFiles,SwigCXXFiles,SysoFiles,EmbedFiles"

func (p *listedPackage) files() []string {
	return slices.Concat(p.GoFiles, p.CgoFiles, p.CFiles, p.CXXFiles, p.MFiles, p.HFiles,
		p.FFiles, p.SFiles, p.SwigFiles, p.SwigCXXFiles, p.SysoFiles, p.EmbedFiles)
}

// list returns every package in the build's dependency graph, listed with the
// same environment and flags as the build so build constraints agree.
func (b *builder) list(ctx context.Context, goBin string, t *target, env, flags []string) ([]listedPackage, error) {
	args := append([]string{"list", "-deps", "-json=" + listFields}, flags...)
	args = append(args, t.pkg)
	out, err := b.goCmd(ctx, goBin, t, env, "go list "+t.pkg, args...)
	if err != nil {
		return nil, err
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("bundle: reading go list output for %s: %w", t.pkg, err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// identity returns how the hash names the package built, after checking
// that an import path named a main package. A directory keeps its "./"
// form. An import path of a package inside root's own module is named by
// that directory form too, so "github.com/kumo-iac/kumo/x" and "./x" built
// in kumo's repository share one key (and zip): the go command compiles
// them to the same bytes, since a main package built by directory gets its
// module import path all the same. Any other import path names itself;
// its module's version or files are hashed below like every dependency's.
func (t *target) identity(pkgs []listedPackage) (string, error) {
	if !t.importPath {
		return t.pkg, nil
	}
	var p *listedPackage
	for i := len(pkgs) - 1; i >= 0; i-- {
		if !pkgs[i].DepOnly {
			p = &pkgs[i]
			break
		}
	}
	if p == nil {
		return "", fmt.Errorf("bundle: go list %s listed no such package", t.pkg)
	}
	if err := checkListedMain(t, p); err != nil {
		return "", err
	}
	if m := p.Module; m != nil && m.Main && within(t.root, p.Dir) {
		rel, err := filepath.Rel(t.root, p.Dir)
		if err != nil {
			return "", fmt.Errorf("bundle: %w", err)
		}
		if rel == "." {
			return ".", nil
		}
		return "./" + filepath.ToSlash(rel), nil
	}
	return p.ImportPath, nil
}

// pinnedVersion returns "path version" for a package whose source is a
// read-only module-cache copy that go.sum pins, so naming its version is
// enough; it returns "" for source someone can edit in place (the main
// module, workspace modules, local replace directories, vendor/), whose files
// must be hashed.
func pinnedVersion(p *listedPackage, root string) string {
	m := p.Module
	if m == nil || m.Main || within(root, p.Dir) {
		return ""
	}
	id := m.Path + " " + m.Version
	if r := m.Replace; r != nil {
		if r.Version == "" {
			return ""
		}
		id += " => " + r.Path + " " + r.Version
	}
	return id
}

func within(root, dir string) bool {
	rel, err := filepath.Rel(root, dir)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// sourceHash hashes everything that decides the zip's bytes. Files are named
// by import path, not by location on disk, so the same sources give the same
// hash (and zip name) in any checkout.
//
// id is the package's identity (target.identity).
func sourceHash(t *target, id string, goEnv map[string]string, env, flags []string, pkgs []listedPackage) (string, error) {
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	addFile := func(name, file string) error {
		sum, err := fileSHA256(file)
		if errors.Is(err, os.ErrNotExist) {
			add("file %q absent", name)
			return nil
		}
		if err != nil {
			return fmt.Errorf("bundle: hashing sources of %s: %w", t.pkg, err)
		}
		add("file %q %s", name, sum)
		return nil
	}

	// The zip is written by this process, so its Go version decides the
	// deflate output just as the toolchain's decides the binary.
	add("format %s zipper %s", cacheFormat, runtime.Version())
	for _, k := range hashedEnv {
		add("goenv %s=%q", k, goEnv[k])
	}
	for _, kv := range env {
		add("env %q", kv)
	}
	add("flags %q", flags)
	add("package %q", id)

	if err := addFile("go.mod", filepath.Join(t.root, "go.mod")); err != nil {
		return "", err
	}
	if err := addFile("go.sum", filepath.Join(t.root, "go.sum")); err != nil {
		return "", err
	}
	if w := goEnv["GOWORK"]; w != "" && w != "off" {
		if err := addFile("go.work", w); err != nil {
			return "", err
		}
		if err := addFile("go.work.sum", w+".sum"); err != nil {
			return "", err
		}
	}

	for i := range pkgs {
		p := &pkgs[i]
		if p.Standard {
			continue // GOVERSION covers the standard library
		}
		if id := pinnedVersion(p, t.root); id != "" {
			add("module %q", id)
			continue
		}
		add("pkg %q", p.ImportPath)
		for _, f := range p.files() {
			if err := addFile(p.ImportPath+"/"+filepath.ToSlash(f), filepath.Join(p.Dir, f)); err != nil {
				return "", err
			}
		}
	}

	// go list's order is deterministic today, but sorting (and dropping the
	// duplicate module lines of packages sharing a module) makes the key
	// independent of it.
	slices.Sort(lines)
	lines = slices.Compact(lines)
	h := sha256.New()
	for _, l := range lines {
		io.WriteString(h, l)
		io.WriteString(h, "\n")
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fileSHA256(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	buf := hashBuffers.Get().(*[]byte)
	defer hashBuffers.Put(buf)
	// Only the file's Read: io.CopyBuffer would hand an *os.File's
	// WriteTo the copy, which reads through a buffer of its own.
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{f}, *buf); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashBuffers are fileSHA256's read buffers. An unchanged synth hashes
// every source file of its program and handlers, hundreds of small files,
// and a new 32 KB buffer for each was a third of all it allocated.
var hashBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}
