package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// decision is what the go command says about one build (its environment and
// dependency graph) and the cache key derived from it.
type decision struct {
	goEnv map[string]string
	pkgs  []listedPackage
	id    string // target.identity
	sum   string // sourceHash
	// tree fingerprints what go list read that sum does not hash, so a
	// remembered decision is dropped when go list would now answer
	// differently (see treeFingerprint).
	tree string
}

// envKey is one `go env` question: the go command, the module root and the
// whole environment it runs with.
type envKey struct {
	goBin, root string
	env         string // the overrides, NUL-joined
	environ     string // SHA-256 of this process's environment
}

// envAnswer is go env's answer with a fingerprint of what it was read from.
type envAnswer struct {
	vals  map[string]string
	probe string // envProbe
	goenv string // goenvProbe
}

type listKey struct {
	envKey
	pkg, flags string
}

// decideWithEnv runs (or remembers) go env and go list for t and hashes the
// sources they name, returning the decision and go env's answer. The go
// command runs at most once per distinct question for the life of b, however
// many callers ask; a remembered answer is re-checked on every call by
// hashing the listed files again (the key must be of the current contents
// anyway) and fingerprinting what else go list read, which costs a few file
// reads instead of a go command's 100 ms.
func (b *builder) decideWithEnv(ctx context.Context, goBin string, t *target, env, flags []string) (*decision, *envAnswer, error) {
	ek := envKey{goBin: goBin, root: t.root, env: strings.Join(env, "\x00"), environ: environHash()}
	ea, err := b.envs.get(ctx, ek,
		func(a *envAnswer) bool { return trustRun.Load() || a.current(ek) },
		func() (*envAnswer, error) {
			// Fingerprinted first, so a change while go env runs shows
			// next time.
			probe := envProbe(ek)
			vals, err := b.goEnv(ctx, goBin, t, env)
			if err != nil {
				return nil, err
			}
			return &envAnswer{vals: vals, probe: probe, goenv: goenvProbe(vals)}, nil
		})
	if err != nil {
		return nil, nil, err
	}

	lk := listKey{envKey: ek, pkg: t.pkg, flags: strings.Join(flags, "\x00")}
	d, err := b.lists.get(ctx, lk,
		func(d *decision) bool {
			if !maps.Equal(d.goEnv, ea.vals) {
				return false
			}
			return trustRun.Load() || d.current(t, env, flags)
		},
		func() (*decision, error) {
			pkgs, err := b.list(ctx, goBin, t, env, flags)
			if err != nil {
				return nil, err
			}
			// Fingerprinted at once after go list. A change in the moment
			// between them would pass for seen, for this process only; the
			// same window lies between hashing the sources and go build.
			tree := treeFingerprint(t.root, pkgs)
			id, err := t.identity(pkgs)
			if err != nil {
				return nil, err
			}
			sum, err := sourceHash(t, id, ea.vals, env, flags, pkgs)
			if err != nil {
				return nil, err
			}
			return &decision{goEnv: ea.vals, pkgs: pkgs, id: id, sum: sum, tree: tree}, nil
		})
	return d, ea, err
}

// current reports whether go env would still give this answer.
func (a *envAnswer) current(ek envKey) bool {
	return envProbe(ek) == a.probe && goenvProbe(a.vals) == a.goenv
}

// current reports whether go list would still give this answer and the
// sources still hash to sum: the files are hashed again (the key must be of
// their current contents) and what else go list read is fingerprinted.
func (d *decision) current(t *target, env, flags []string) bool {
	sum, err := sourceHash(t, d.id, d.goEnv, env, flags, d.pkgs)
	if err != nil || sum != d.sum {
		return false
	}
	return treeFingerprint(t.root, d.pkgs) == d.tree
}

// trustRun is set by TrustSourcesForThisRun.
var trustRun atomic.Bool

// TrustSourcesForThisRun tells the bundler that this process is one run of a
// program (a synth or a deployment), during which nobody edits its sources:
// an answer of the go command is then used for the rest of the process
// without checking the sources again, which a stack of a thousand functions
// sharing a handler would otherwise do a thousand times. kumo.Run calls it;
// long-lived processes that edit sources between builds (tests) must not.
func TrustSourcesForThisRun() { trustRun.Store(true) }

// shellVariables are set by the shell and change with every cd or command
// (OLDPWD, _, SHLVL); the go command reads none of them. PWD is among them:
// RunGo sets it to the directory the go command runs in, whatever this
// process's is, so a synth started from another directory (go test runs
// each package's tests in its own) gets the same answers.
// IFS, OPTIND and PPID are reset by a POSIX shell for what it runs, and
// kumo synth runs the program through one (internal/synth's handoff) where
// kumo check runs it directly.
var shellVariables = []string{"PWD", "OLDPWD", "_", "SHLVL", "IFS", "OPTIND", "PPID"}

// environHash keys go command answers by this process's environment, which
// the go command inherits (GOFLAGS aside, any of GOTOOLCHAIN, GOPROXY,
// GOWORK, GOENV... could change them), but for shellVariables, names a
// shell does not pass on (not identifiers: exported shell functions, say;
// the go command reads none), and the Pulumi engine's PULUMI_ variables,
// which differ with every deployment (its ports) and every config change
// and which the go command does not read either.
func environHash() string {
	env := slices.DeleteFunc(goEnviron(os.Environ()), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains(shellVariables, name) || !shellName(name) || strings.HasPrefix(name, "PULUMI_")
	})
	slices.Sort(env)
	h := sha256.New()
	for _, kv := range env {
		io.WriteString(h, kv)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// shellName reports whether name is one a POSIX shell passes on: a letter
// or underscore, then letters, digits and underscores. (Checked by hand:
// environHash runs for every function a stack builds.)
func shellName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return name != ""
}

// envProbe fingerprints what go env's answer depends on besides the
// environment and the settings file: the go command itself (a toolchain
// upgraded in place), the root's go.mod (its toolchain line switches
// GOVERSION) and which go.work files exist from root up (GOWORK).
func envProbe(k envKey) string {
	var lines []string
	if fi, err := os.Stat(k.goBin); err != nil {
		lines = append(lines, fmt.Sprintf("go: %v", err))
	} else {
		lines = append(lines, fmt.Sprintf("go %d %d", fi.Size(), fi.ModTime().UnixNano()))
	}
	sum, err := fileSHA256(filepath.Join(k.root, "go.mod"))
	lines = append(lines, "go.mod "+hashOrAbsent(sum, err))
	for dir := k.root; ; {
		_, err := os.Stat(filepath.Join(dir, "go.work"))
		lines = append(lines, fmt.Sprintf("go.work in %s: %v", dir, err == nil))
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return hashLines(lines)
}

// goenvProbe fingerprints the `go env -w` settings file go env reported,
// which may set GOEXPERIMENT, GOFIPS140 or GOWORK.
func goenvProbe(vals map[string]string) string {
	g := vals["GOENV"]
	if g == "" || g == "off" {
		return ""
	}
	sum, err := fileSHA256(g)
	return hashOrAbsent(sum, err)
}

// sourceExts are the file name extensions the go command reads from a
// package directory (go/build's list). Files with them that the build
// leaves out (tests, other platforms, build tags) can join it when they
// change, so their contents are fingerprinted.
var sourceExts = []string{
	".go", ".c", ".cc", ".cpp", ".cxx", ".m", ".h", ".hh", ".hpp", ".hxx",
	".f", ".F", ".for", ".f90", ".s", ".S", ".sx", ".swig", ".swigcxx", ".syso",
}

// treeFingerprint hashes what can change go list's answer for pkgs without
// changing a file sourceHash hashes: for every package whose files are
// hashed (the main module's, local replacements'), its directory's entries
// and the contents of the source files it left out, the go.mod files that
// decide which module owns it, what its embed patterns match, and the main
// module's vendor/modules.txt. Read-only module-cache packages are pinned by
// go.sum and need none of this. What cannot be read is fingerprinted as the
// error, for go list to explain if it matters.
func treeFingerprint(root string, pkgs []listedPackage) string {
	var lines []string
	addFile := func(tag, name string) {
		sum, err := fileSHA256(name)
		lines = append(lines, tag+" "+name+" "+hashOrAbsent(sum, err))
	}
	addFile("vendor", filepath.Join(root, "vendor", "modules.txt"))

	for i := range pkgs {
		p := &pkgs[i]
		if p.Standard || pinnedVersion(p, root) != "" || p.Dir == "" {
			continue
		}
		entries, err := os.ReadDir(p.Dir)
		if err != nil {
			lines = append(lines, fmt.Sprintf("dir %s: %v", p.Dir, err))
		}
		listed := map[string]bool{}
		for _, f := range p.files() {
			listed[f] = true
		}
		for _, e := range entries {
			lines = append(lines, fmt.Sprintf("entry %s %v", filepath.Join(p.Dir, e.Name()), e.Type()))
			if e.Type().IsRegular() && !listed[e.Name()] && slices.Contains(sourceExts, filepath.Ext(e.Name())) {
				addFile("unlisted", filepath.Join(p.Dir, e.Name()))
			}
		}

		// A go.mod appearing between the package and its module's root
		// would make the package another module's.
		if m := p.Module; m != nil {
			modDir, goMod := m.Dir, m.GoMod
			if r := m.Replace; r != nil {
				modDir, goMod = r.Dir, r.GoMod
			}
			if goMod != "" {
				addFile("go.mod", goMod)
			}
			for dir := filepath.Dir(p.Dir); modDir != "" && dir != modDir && within(modDir, dir); dir = filepath.Dir(dir) {
				_, err := os.Stat(filepath.Join(dir, "go.mod"))
				lines = append(lines, fmt.Sprintf("go.mod in %s: %v", dir, err == nil))
			}
		}

		for _, pat := range p.EmbedPatterns {
			// go list accepted the pattern, so Glob can parse it.
			matches, _ := filepath.Glob(filepath.Join(p.Dir, filepath.FromSlash(strings.TrimPrefix(pat, "all:"))))
			for _, m := range matches {
				filepath.WalkDir(m, func(path string, d fs.DirEntry, err error) error {
					if err != nil {
						lines = append(lines, fmt.Sprintf("embed %s: %v", path, err))
						return nil
					}
					lines = append(lines, fmt.Sprintf("embed %s %v", path, d.Type()))
					return nil
				})
			}
		}
	}
	// Packages of one module repeat its go.mod lines.
	slices.Sort(lines)
	return hashLines(slices.Compact(lines))
}

func hashOrAbsent(sum string, err error) string {
	switch {
	case err == nil:
		return sum
	case errors.Is(err, fs.ErrNotExist):
		return "absent"
	default:
		return "unreadable " + err.Error()
	}
}

func hashLines(lines []string) string {
	h := sha256.New()
	for _, l := range lines {
		io.WriteString(h, l)
		io.WriteString(h, "\n")
	}
	return hex.EncodeToString(h.Sum(nil))
}

// keptDecision is go env's and go list's answers for one build as the last
// run left them on disk, so the next run can check them instead of asking
// the go command again: that question is most of an unchanged synth's time
// (go list of a handler package takes 100 ms and 20 MB).
type keptDecision struct {
	Format string
	// Kept is keptLayout: a file of another layout is asked again.
	Kept                      int
	GoBin, Root, Env, Environ string
	Package, Flags            string
	GoEnv                     map[string]string
	Probe, GoEnvProbe         string
	Packages                  []listedPackage
	ID, Sum, Tree             string
}

// keptLayout numbers what a kept decision holds: 2 since it holds only
// keptPackages. Files of an earlier layout (go list's whole answer) are
// still correct but slow to read, so they are asked again and rewritten.
const keptLayout = 2

// keptPackages is the part of go list's answer that checking a kept
// decision reads (sourceHash and treeFingerprint): the packages whose files
// are hashed, in full, and one package per pinned module version, for its
// module line. The standard library is covered by GOVERSION and left out.
// A handler's answer lists about 300 packages, most of them the standard
// library's and the module cache's; reading all of them back took a sixth
// of an unchanged synth.
func keptPackages(pkgs []listedPackage, root string) []listedPackage {
	var kept []listedPackage
	pinned := map[string]bool{}
	for _, p := range pkgs {
		if p.Standard {
			continue
		}
		if id := pinnedVersion(&p, root); id != "" {
			if pinned[id] {
				continue
			}
			pinned[id] = true
			// pinnedVersion reads the module and the directory only.
			m := *p.Module
			m.Dir, m.GoMod = "", ""
			if r := m.Replace; r != nil {
				m.Replace = &listedModule{Path: r.Path, Version: r.Version}
			}
			p = listedPackage{ImportPath: p.ImportPath, Dir: p.Dir, DepOnly: p.DepOnly, Module: &m}
		}
		kept = append(kept, p)
	}
	return kept
}

// keptAnswer is a kept decision with the go env answer it was checked
// against, remembered for the rest of the process.
type keptAnswer struct {
	d  *decision
	ea *envAnswer
}

// current reports whether a kept answer still holds: go env's inputs
// fingerprinted, the sources hashed again and what else go list read
// fingerprinted, exactly as a remembered answer is checked within a run.
func (k *keptAnswer) current(ek envKey, t *target, env, flags []string) bool {
	return k.ea.current(ek) && k.d.current(t, env, flags)
}

// decideKept is decide with the answers kept in the file at path between
// runs. Within a run the file is read once per question and the answer then
// remembered as decide remembers one; across runs it is re-checked before
// use, and any difference asks the go command and rewrites the file.
func (b *builder) decideKept(ctx context.Context, goBin string, t *target, env, flags []string, base string) (*decision, error) {
	ek := envKey{goBin: goBin, root: t.root, env: strings.Join(env, "\x00"), environ: environHash()}
	lk := listKey{envKey: ek, pkg: t.pkg, flags: strings.Join(flags, "\x00")}
	k, err := b.kept.get(ctx, lk,
		func(k *keptAnswer) bool { return trustRun.Load() || k.current(ek, t, env, flags) },
		func() (*keptAnswer, error) {
			path := keptFile(base, lk)
			if k, ok := readKept(path, lk); ok && k.current(ek, t, env, flags) {
				return k, nil
			}
			d, ea, err := b.decideWithEnv(ctx, goBin, t, env, flags)
			if err != nil {
				return nil, err
			}
			kd := keptDecision{Format: cacheFormat, Kept: keptLayout, GoBin: ek.goBin, Root: ek.root, Env: ek.env, Environ: ek.environ, Package: t.pkg, Flags: lk.flags,
				GoEnv: ea.vals, Probe: ea.probe, GoEnvProbe: ea.goenv, Packages: keptPackages(d.pkgs, t.root), ID: d.id, Sum: d.sum, Tree: d.tree}
			if raw, err := json.Marshal(kd); err == nil {
				// Best effort: without the file the next run asks the go
				// command.
				if os.MkdirAll(filepath.Dir(path), 0o755) == nil &&
					writeAtomic(path, func(w io.Writer) error { _, err := w.Write(raw); return err }) == nil {
					pruneKept(base, path)
				}
			}
			return &keptAnswer{d: d, ea: ea}, nil
		})
	if err != nil {
		return nil, err
	}
	return k.d, nil
}

// keptFile names the file that keeps the answer to lk: base (one per
// project directory, package and build environment) and a digest of the
// rest of the question.
// Runs under different environments (a terminal and an editor, a test that
// puts a wrapper on PATH) each keep their own answer; with one file per
// package they overwrote each other's, so each asked the go command again
// and rewrote the file under the other, which also kept go test from
// caching the results of tests that synthesize.
func keptFile(base string, lk listKey) string {
	return strings.TrimSuffix(base, keptSuffix) + "-" + hashLines([]string{lk.goBin, lk.root, lk.env, lk.environ, lk.flags})[:8] + keptSuffix
}

const keptSuffix = ".decision.json"

// keptLegacy matches what follows the name in the files earlier versions
// kept a package's one decision in (name.decision.json, then
// name-digest.decision.json).
var keptLegacy = regexp.MustCompile(`^(-[0-9a-f]{8})?\.decision\.json$`)

// keptDigests reports whether rest is what follows the name in a kept
// answer's file: two digests and suffix.
func keptDigests(rest, suffix string) bool {
	d, ok := strings.CutSuffix(rest, suffix)
	return ok && keptDigestPair.MatchString(d)
}

var keptDigestPair = regexp.MustCompile(`^-[0-9a-f]{8}-[0-9a-f]{8}$`)

// keptDecisions is how many environments' answers are kept per package
// and project directory: enough for the handful one machine uses, while a
// stream of one-off environments cannot fill the directory.
const keptDecisions = 4

// keptPerName bounds the answers kept under one name across project
// directories and packages: a project's own .kumo holds a few per name,
// but one that temporary directories share (kumo's own tests, the bench)
// would otherwise gain a set with every run.
const keptPerName = 16

// keptRootExists reports whether the project directory of the answer kept
// at path still exists, reading only the head of the file, where the
// directory is. An unreadable file counts as existing.
func keptRootExists(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return true
	}
	defer f.Close()
	head := make([]byte, 4<<10)
	n, _ := io.ReadFull(f, head)
	m := keptRoot.FindSubmatch(head[:n])
	if m == nil {
		return true
	}
	var root string
	if json.Unmarshal(m[1], &root) != nil || root == "" {
		return true
	}
	_, err = os.Stat(root)
	return !os.IsNotExist(err)
}

// keptRoot finds the project directory in a kept decision's JSON.
var keptRoot = regexp.MustCompile(`"Root":("(?:[^"\\]|\\.)*")`)

// pruneKept removes, never current, base's kept answers beyond the newest
// keptDecisions, those of its name beyond the newest keptPerName, those of
// project directories that no longer exist, and the files earlier versions
// kept. It is best effort: a file it cannot remove stays, and a removed
// answer only means asking the go command again.
func pruneKept(base, current string) { pruneKeptFiles(base, current, keptSuffix, keptLegacy) }

// pruneKeptFiles is pruneKept for files named name-digest-digest+suffix,
// removing those legacy matches after a name too.
func pruneKeptFiles(base, current, suffix string, legacy *regexp.Regexp) {
	dir, prefix := filepath.Dir(base), strings.TrimSuffix(filepath.Base(base), suffix)+"-"
	// base is name-digest+suffix.
	name := prefix[:strings.LastIndexByte(strings.TrimSuffix(prefix, "-"), '-')]
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type kept struct {
		path string
		mod  time.Time
		same bool // base's
	}
	var others []kept
	for _, e := range entries {
		file := e.Name()
		rest, ok := strings.CutPrefix(file, name)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(dir, file)
		if legacy != nil && legacy.MatchString(rest) {
			os.Remove(path)
			continue
		}
		if !keptDigests(rest, suffix) || path == current {
			continue
		}
		if !keptRootExists(path) {
			// A temporary project directory's: gone, it asks nothing again.
			os.Remove(path)
			continue
		}
		if fi, err := e.Info(); err == nil {
			others = append(others, kept{path, fi.ModTime(), strings.HasPrefix(file, prefix)})
		}
	}
	slices.SortFunc(others, func(a, b kept) int { return b.mod.Compare(a.mod) })
	same, all := 1, 1 // current
	for _, o := range others {
		all++
		if o.same {
			same++
		}
		if (o.same && same > keptDecisions) || all > keptPerName {
			os.Remove(o.path)
			all--
			if o.same {
				same--
			}
		}
	}
}

// readKept reads the decision kept at path if it answers exactly lk's
// question.
func readKept(path string, lk listKey) (*keptAnswer, bool) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	var kd keptDecision
	if json.Unmarshal(raw, &kd) != nil || kd.Format != cacheFormat || kd.Kept != keptLayout || kd.GoBin != lk.goBin || kd.Root != lk.root ||
		kd.Env != lk.env || kd.Environ != lk.environ || kd.Package != lk.pkg || kd.Flags != lk.flags {
		return nil, false
	}
	return &keptAnswer{
		d:  &decision{goEnv: kd.GoEnv, pkgs: kd.Packages, id: kd.ID, sum: kd.Sum, tree: kd.Tree},
		ea: &envAnswer{vals: kd.GoEnv, probe: kd.Probe, goenv: kd.GoEnvProbe},
	}, true
}
