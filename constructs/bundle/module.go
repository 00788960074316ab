package bundle

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/mod/modfile"
)

// moduleDirs caches ModuleDir answers for the life of the process: a
// program asks once per pattern instance, and go.mod does not change under
// a running program.
var moduleDirs sync.Map // moduleDirKey -> moduleDirResult

type moduleDirKey struct{ root, module string }

type moduleDirResult struct {
	dir string
	err error
}

// ModuleDir returns the directory holding the files of module as the Go
// module at root requires it: root itself when root is that module, a
// replace directory, or the read-only module-cache copy of the version
// root's go.mod and go.sum pin. Programs use it for files a module ships
// beside its Go packages, such as a pattern's static site; for its Go
// packages, give Spec.Package their import path instead.
func ModuleDir(ctx context.Context, root, module string) (string, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("bundle: root %q: %w", root, err)
	}
	key := moduleDirKey{abs, module}
	if v, ok := moduleDirs.Load(key); ok {
		r := v.(moduleDirResult)
		return r.dir, r.err
	}
	dir, err := defaultBuilder.moduleDir(ctx, abs, module)
	if ctx.Err() == nil {
		moduleDirs.Store(key, moduleDirResult{dir, err})
	}
	return dir, err
}

func (b *builder) moduleDir(ctx context.Context, root, module string) (string, error) {
	if err := checkRoot(root, root); err != nil {
		return "", err
	}
	goBin, err := b.findGo()
	if err != nil {
		return "", err
	}
	// The answer is kept between runs like go list's for a package, so an
	// unchanged synth runs no go command.
	q := keptModuleDir{Format: cacheFormat, GoBin: goBin, Root: root, Module: module, Environ: environHash()}
	// Named and pruned as the kept go list answers are: per project
	// directory and module, then per go command and environment.
	base := filepath.Join(root, ".kumo", "modules", keptModuleName(module)+"-"+hashLines([]string{q.Root, q.Module})[:8]+keptModuleSuffix)
	path := strings.TrimSuffix(base, keptModuleSuffix) + "-" + hashLines([]string{q.GoBin, q.Environ})[:8] + keptModuleSuffix
	// Fingerprinted before go list runs, so a change while it runs shows
	// next time.
	q.Probe = moduleProbe(goBin, root)
	if dir, ok := readKeptModuleDir(path, q); ok {
		return dir, nil
	}
	t := &target{root: root}
	out, err := b.goCmd(ctx, goBin, t, []string{"GO111MODULE=on"}, "go list -m "+module, "list", "-m", "-f", "{{.Dir}}", module)
	if err != nil {
		return "", err
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		// go list -m does not download: the version go.mod requires is
		// not in the module cache yet.
		return "", fmt.Errorf("bundle: module %s is required by %s but not downloaded; run `go mod download %s` there", module, root, module)
	}
	q.Dir = dir
	if raw, err := json.Marshal(q); err == nil {
		// Best effort: without the file the next run asks the go command.
		if writeAtomic(path, func(w io.Writer) error { _, err := w.Write(raw); return err }) == nil {
			pruneKeptFiles(base, path, keptModuleSuffix, nil)
		}
	}
	return dir, nil
}

// keptModuleDir is a ModuleDir answer as the last run left it in
// .kumo/modules: the question (the go command, the root, the module and the
// environment's hash), the fingerprint of what go list -m read, and the
// answer.
type keptModuleDir struct {
	Format, GoBin, Root, Module, Environ string
	Probe                                string
	Dir                                  string
}

// moduleProbe fingerprints what go list -m's answer for root depends on
// besides the environment's variables: the go command, root's go.mod and
// go.sum (which pin and replace modules), vendor/modules.txt, a go.mod
// that GOFLAGS' -modfile names, the go env -w settings file (which may set
// GOWORK or GOFLAGS), and the workspace: every go.work from root up (or the
// one GOWORK names) with its go.work.sum and the go.mod of each directory
// it uses.
func moduleProbe(goBin, root string) string {
	lines := []string{envProbe(envKey{goBin: goBin, root: root})}
	addFile := func(tag, path string) {
		sum, err := fileSHA256(path)
		lines = append(lines, tag+" "+path+" "+hashOrAbsent(sum, err))
	}
	addFile("go.sum", filepath.Join(root, "go.sum"))
	addFile("vendor", filepath.Join(root, "vendor", "modules.txt"))
	for _, f := range strings.Fields(os.Getenv("GOFLAGS")) {
		// -modfile=x or --modfile=x; the go command then reads x's .sum
		// for go.sum.
		if v, ok := strings.CutPrefix(strings.TrimPrefix(strings.TrimPrefix(f, "-"), "-"), "modfile="); ok {
			if !filepath.IsAbs(v) {
				v = filepath.Join(root, v)
			}
			addFile("modfile", v)
			addFile("modfile sum", strings.TrimSuffix(v, ".mod")+".sum")
		}
	}
	if goenv := goenvFile(); goenv != "" {
		addFile("goenv", goenv)
	}
	var works []string
	switch w := os.Getenv("GOWORK"); w {
	case "off":
	case "", "auto":
		for dir := root; ; dir = filepath.Dir(dir) {
			works = append(works, filepath.Join(dir, "go.work"))
			if filepath.Dir(dir) == dir {
				break
			}
		}
	default:
		works = append(works, w)
	}
	for _, w := range works {
		addFile("go.work", w)
		addFile("go.work.sum", w+".sum")
		raw, err := os.ReadFile(w)
		if err != nil {
			continue
		}
		// A workspace module's go.mod decides its path and replacements.
		if wf, err := modfile.ParseWork(w, raw, nil); err == nil {
			for _, u := range wf.Use {
				dir := u.Path
				if !filepath.IsAbs(dir) {
					dir = filepath.Join(filepath.Dir(w), dir)
				}
				addFile("use", filepath.Join(dir, "go.mod"))
			}
		}
	}
	return hashLines(lines)
}

// goenvFile is the go env -w settings file the go command reads: GOENV, or
// go/env in the user's configuration directory; "" when there is none.
func goenvFile() string {
	switch g := os.Getenv("GOENV"); g {
	case "off":
		return ""
	case "":
		dir, err := os.UserConfigDir()
		if err != nil {
			return ""
		}
		return filepath.Join(dir, "go", "env")
	default:
		return g
	}
}

// readKeptModuleDir returns the answer kept at path if it answers q with
// the same fingerprint and its directory is still there.
func readKeptModuleDir(path string, q keptModuleDir) (string, bool) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	var k keptModuleDir
	if json.Unmarshal(raw, &k) != nil || k.Dir == "" {
		return "", false
	}
	dir := k.Dir
	k.Dir = ""
	if k != q {
		return "", false
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return "", false
	}
	return dir, true
}

// keptModuleName is the module's last path element, for a readable file
// name.
func keptModuleName(module string) string {
	name := module[strings.LastIndexByte(module, '/')+1:]
	if name == "" || strings.ContainsAny(name, `\:*?"<>|`) {
		return "module"
	}
	return name
}

// keptModuleSuffix ends the files of kept ModuleDir answers.
const keptModuleSuffix = ".module.json"
