// Package testinputs lets tests tell go test what their results depend on
// when go test cannot see it for itself.
//
// go test caches a package's result keyed by what its test process opened,
// stat'ed or read from the environment while its tests ran (files inside
// the module only): a file by its size and modification time, a directory
// it listed by its entries' sizes and times. Three things escape that:
//
//   - what a subprocess reads: the tests that run the kumo CLI or build apps
//     from the module (their test binaries do not import what those builds
//     are made of). SourceDirs lists the module's source directories for
//     them and reads the environment variables their subprocesses use, and
//     RunTests keeps a result out of the cache when the sources changed
//     while it ran (go test hashes the listings when the process ends, not
//     when they were read).
//   - tools outside the module (the Pulumi CLI, Chromium): Tool makes one an
//     input through a link inside the module.
//   - what changes without mattering: listing the module root records the
//     .git and .kumo entries, whose times change with every git status and
//     every synth, so every such test would run again. Names and Glob read
//     a directory without recording the listing, and record what matters
//     (the directory's own time, which changes when an entry is added or
//     removed, and the entries used) instead.
package testinputs

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// volatile are the root entries whose times change without any source
// changing: git's directory and kumo's own caches.
var volatile = []string{".git", ".kumo"}

// Names returns the names in dir, sorted, without go test recording the
// listing (see the package comment); it records dir's own stat instead, so
// an entry added or removed still counts.
func Names(dir string) ([]string, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	names, err := names(dir)
	if err != nil {
		return nil, fmt.Errorf("testinputs: listing %s: %w", dir, err)
	}
	slices.Sort(names)
	return names, nil
}

// Glob is filepath.Glob(filepath.Join(dir, pattern)) for a pattern without
// a separator, recording dir's stat and each match's instead of the
// listing.
func Glob(dir, pattern string) ([]string, error) {
	all, err := Names(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range all {
		ok, err := filepath.Match(pattern, n)
		if err != nil {
			return nil, err
		}
		if ok {
			p := filepath.Join(dir, n)
			if _, err := os.Stat(p); err == nil {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// SourceDirs reads what an edit to the module's sources at root can
// change: the root's entries but .git and .kumo (stat'ed), and the listing
// of every directory below them but those the go command ignores
// (testdata, names starting with . or _) and node_modules. It returns the
// directories listed.
func SourceDirs(root string) ([]string, error) {
	entries, err := Names(root)
	if err != nil {
		return nil, err
	}
	// What RunTests cannot record itself: go test logs a test's inputs only
	// while the tests run (m.Run), not before or after.
	readEnv()
	readAnchor(root)
	return walkSources(root, entries)
}

// walkSources returns the directories below root's entries (names) that
// SourceDirs lists: all but volatile ones and those the go command ignores.
// It records what it reads (a directory's listing) and nothing else.
func walkSources(root string, entries []string) ([]string, error) {
	var dirs []string
	for _, name := range entries {
		if slices.Contains(volatile, name) || ignored(name) {
			continue
		}
		p := filepath.Join(root, name)
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() {
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if path == p {
					return err
				}
				return nil // unreadable below: what cannot be read is not built
			}
			if !d.IsDir() {
				return nil
			}
			if path != p && ignored(d.Name()) {
				return filepath.SkipDir
			}
			dirs = append(dirs, path)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return dirs, nil
}

func ignored(name string) bool {
	return name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// digest fingerprints what SourceDirs reads, without recording it.
func digest(root string) (string, error) {
	var b strings.Builder
	add := func(p string) {
		if fi, err := os.Lstat(p); err == nil {
			fmt.Fprintf(&b, "%s %d %d %v\n", p, fi.Size(), fi.ModTime().UnixNano(), fi.Mode())
		} else {
			fmt.Fprintf(&b, "%s %v\n", p, err)
		}
	}
	// Not root's own time: kumo's .kumo appearing changes it. An entry
	// added or removed shows in the names.
	entries, err := names(root)
	if err != nil {
		return "", err
	}
	slices.Sort(entries)
	for _, n := range entries {
		if !slices.Contains(volatile, n) {
			add(filepath.Join(root, n))
		}
	}
	dirs, err := walkSources(root, entries)
	if err != nil {
		return "", err
	}
	for _, d := range dirs {
		kids, err := names(d)
		if err != nil {
			fmt.Fprintf(&b, "%s %v\n", d, err)
			continue
		}
		slices.Sort(kids)
		for _, k := range kids {
			add(filepath.Join(d, k))
		}
	}
	return b.String(), nil
}

// RunTests runs a test binary's tests (run is m.Run) for a package whose
// tests read the module's sources through SourceDirs. go test hashes what a
// test read when the process ends, so a source edited while the tests ran
// would pass for read. If the sources changed meanwhile, RunTests moves the
// time of the file SourceDirs opened (see readAnchor) into the future: go
// test will not cache a result keyed by a file that new, and the next run
// runs the tests again. (It cannot open a file of its own: go test records
// nothing before or after m.Run.)
func RunTests(root string, run func() int) int {
	before, err := digest(root)
	code := run()
	after, err2 := digest(root)
	if err == nil && err2 == nil && before == after {
		return code
	}
	future := time.Now().Add(anchorAhead)
	if os.Chtimes(anchorPath(root), future, future) == nil {
		fmt.Fprintln(os.Stderr, "testinputs: the module's sources changed while the tests ran; go test will not cache this result")
	}
	return code
}

// anchorAhead is how far into the future RunTests moves the anchor's time:
// beyond the 2 s in which go test takes a file for being written.
const anchorAhead = 5 * time.Second

// anchorOld is the anchor's time when no run has marked it.
var anchorOld = time.Unix(1_000_000_000, 0)

func anchorPath(root string) string { return filepath.Join(root, ".kumo", "test", "sources-read") }

// readAnchor opens the anchor file, making it (and its directory, without
// go test recording the directories) if missing, and resets a time a
// previous run moved: this run reads the sources afresh.
func readAnchor(root string) {
	p := anchorPath(root)
	if mkdirs(filepath.Dir(p)) != nil {
		return
	}
	if f, err := os.OpenFile(p, os.O_RDONLY|os.O_CREATE, 0o644); err == nil {
		f.Close()
	}
	os.Chtimes(p, anchorOld, anchorOld)
	if f, err := os.Open(p); err == nil {
		f.Close()
	}
}

// mkdirs is os.MkdirAll without the stats go test would record.
func mkdirs(dir string) error {
	if err := os.Mkdir(dir, 0o755); err == nil || os.IsExist(err) {
		return nil
	} else if !os.IsNotExist(err) {
		return err
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirs(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return err
	}
	return nil
}

// subprocessEnv are the variables that change what the go command, the
// kumo CLI and the Pulumi CLI do when the tests run them. A subprocess's
// reads are not recorded, so SourceDirs reads them itself (every KUMO_ and
// PULUMI_ variable set, too).
var subprocessEnv = []string{
	"GOFLAGS", "GOPROXY", "GONOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GOINSECURE", "GO111MODULE", "GOWORK",
	"GOTOOLCHAIN", "GOENV", "GOPATH", "GOMODCACHE", "GOROOT",
	"GOOS", "GOARCH", "GOAMD64", "GOARM64", "GOEXPERIMENT", "GOFIPS140",
	"CGO_ENABLED", "CC", "CXX", "CGO_CFLAGS", "CGO_LDFLAGS",
	"PATH", "HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "NO_COLOR", "CI",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
	"PULUMI_HOME", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE",
	"KUMO_PULUMI_CLI", "KUMO_CHROMIUM",
}

func readEnv() {
	for _, name := range subprocessEnv {
		os.Getenv(name)
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "KUMO_") || strings.HasPrefix(name, "PULUMI_") {
			os.Getenv(name)
		}
	}
}

// Tool makes a tool outside the module (the Pulumi CLI, Chromium) an input
// of the calling test: go test records files inside the module only, so it
// stats a link to path kept in the module's .kumo/test/tools, which go test
// follows to the tool (a new build of it, or one installed where none was,
// runs the test again). path may not exist: the test then skips, and the
// skip stands only until it does. The link is made once and changed only
// when path does, as go test records the link itself too. Errors are
// ignored: at worst the result is cached as before.
func Tool(name, path string) {
	root, ok := moduleRoot()
	if !ok {
		return
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	dir := filepath.Join(root, ".kumo", "test", "tools")
	link := filepath.Join(dir, name)
	if cur, err := os.Readlink(link); err != nil || cur != path {
		if mkdirs(dir) != nil {
			return
		}
		tmp := fmt.Sprintf("%s.tmp-%d", link, os.Getpid())
		os.Remove(tmp)
		if os.Symlink(path, tmp) != nil || os.Rename(tmp, link) != nil {
			os.Remove(tmp)
			return
		}
	}
	os.Stat(link)
}

// moduleRoot is the directory of the nearest go.mod from the working
// directory up (a test runs in its package's directory).
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
