// Command bench times `kumo synth` the way users run it — the real CLI,
// built once, on real projects — and checks the figures against issue 9's
// targets:
//
//	go run ./test/bench            # from the repository root
//	go run ./test/bench -k 5 -sizes 100,1000 -run 'scale|edit'
//
// Cases: the shipped dev and prod stacks (the repository, linked into a
// temporary project that shares its .kumo, as test/cli_test.go does); the
// dev stack with a cold bundle cache (Go build cache warm, .kumo/bundles
// emptied before every run); generated kumo apps (kumo init --replace this
// checkout) of N canary functions sharing one handler package
// (test/bench/scale), and the largest N again shipping a prebuilt zip,
// which leaves bundling out; and the edit loop: a kumo init app synthesized
// once, then a line appended to its main.go before each timed synth, which
// rebuilds the program, and an unchanged synth, which must not; and go test
// ./... of the checkout after touching a CLI source (whose tests must run
// again) and with its caches warm (target: 25 s, and no package run again
// when nothing changed).
//
// Every case runs once untimed (building what it needs), then -k timed
// runs, reported as median, min and max wall time and peak resident memory
// of the process tree (kumo and the program it runs).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kumo-iac/kumo/test/bench/scale"
)

// Targets of issue 9.
const (
	scaleWall      = 2 * time.Second // 1,000 canary functions
	scaleRSS       = 300 << 20
	shippedWall    = 300 * time.Millisecond // dev and prod, nothing changed
	shippedRSS     = 100 << 20
	editWall       = 3500 * time.Millisecond // one-line edit, rebuild included
	testsWall      = 25 * time.Second        // go test ./..., caches warm
	targetN        = 1000
	linearityLimit = 1.3 // marginal cost per function, 500→1000 over 100→500
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type bench struct {
	k          int
	root, work string
	kumo       string
	cache      string // the .kumo the generated apps share
	log        io.Writer
	results    []*result
}

// check is a target other than time and memory, and whether it was met.
type check struct {
	what string // e.g. "no rebuild"
	ok   bool
}

// result is one case's runs and its targets (zero: none).
type result struct {
	name    string
	samples []sample
	wall    time.Duration
	rss     int64
	n       int // functions, for the scale cases
	checks  []check
	notes   []string
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	k := fs.Int("k", 3, "timed runs per case")
	sizes := fs.String("sizes", "100,500,1000", "comma-separated numbers of canary functions of the scale cases")
	only := fs.String("run", "", "run only cases whose name matches this `regexp`")
	keep := fs.Bool("keep", false, "keep the temporary projects (their path is printed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-sizes: %q is not a positive number", s)
		}
		ns = append(ns, n)
	}
	slices.Sort(ns)
	match, err := regexp.Compile(*only)
	if err != nil {
		return fmt.Errorf("-run: %w", err)
	}
	if *k < 1 {
		return fmt.Errorf("-k: %d; want at least 1", *k)
	}

	root, err := moduleRoot()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "kumo-bench-")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Fprintln(stderr, "projects in", work)
	} else {
		defer os.RemoveAll(work)
	}
	b := &bench{k: *k, root: root, work: work, cache: filepath.Join(work, "cache"), log: stderr}
	if err := os.MkdirAll(b.cache, 0o755); err != nil {
		return err
	}
	b.logf("building kumo from %s", root)
	b.kumo = filepath.Join(work, "kumo")
	if err := b.goCmd(root, "build", "-o", b.kumo, "./cmd/kumo"); err != nil {
		return err
	}

	cases := []struct {
		name string
		f    func(name string) error
	}{
		{"shipped dev", func(name string) error { return b.shipped(name, "dev") }},
		{"shipped prod", func(name string) error { return b.shipped(name, "prod") }},
		{"cold bundles dev", b.coldBundles},
	}
	for _, n := range ns {
		cases = append(cases, struct {
			name string
			f    func(string) error
		}{fmt.Sprintf("scale %d", n), func(name string) error { return b.scaleCase(name, n, false) }})
	}
	cases = append(cases,
		struct {
			name string
			f    func(string) error
		}{fmt.Sprintf("scale %d zip", ns[len(ns)-1]), func(name string) error { return b.scaleCase(name, ns[len(ns)-1], true) }},
		struct {
			name string
			f    func(string) error
		}{"edit loop", b.editLoop},
		struct {
			name string
			f    func(string) error
		}{"go test after a touch", b.testsAfterEdit},
		struct {
			name string
			f    func(string) error
		}{"go test warm", b.testsWarm},
	)
	for _, c := range cases {
		if !match.MatchString(c.name) {
			continue
		}
		if err := c.f(c.name); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	return b.report(stdout)
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "bench: "+format+"\n", args...)
}

// moduleRoot is the kumo checkout the bench runs from.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	b, err := os.ReadFile(mod)
	if mod == "" || mod == os.DevNull || err != nil || !regexp.MustCompile(`(?m)^module github\.com/kumo-iac/kumo$`).Match(b) {
		return "", fmt.Errorf("run the bench inside the kumo module (go run ./test/bench); go.mod here: %q", mod)
	}
	return filepath.Dir(mod), nil
}

func (b *bench) goCmd(dir string, args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// synth is one `kumo synth --json` of dir's stack, its output in a file as
// CI keeps it.
func (b *bench) synth(dir, stack string) *exec.Cmd {
	cmd := exec.Command(b.kumo, "synth", "--stack", stack, "--json", "--out", filepath.Join(b.work, "synth.json"))
	cmd.Dir = dir
	return cmd
}

// timed runs the untimed warm-up, then k timed runs of a synth of dir's
// stack, each after before (nil: nothing), and records them.
func (b *bench) timed(r *result, dir, stack string, before func(i int) error) error {
	return b.timedCmd(r, func() *exec.Cmd { return b.synth(dir, stack) }, before)
}

// timedCmd is timed for any command cmd makes.
func (b *bench) timedCmd(r *result, cmd func() *exec.Cmd, before func(i int) error) error {
	b.logf("%s: warm-up", r.name)
	if before != nil {
		if err := before(-1); err != nil {
			return err
		}
	}
	w, err := measure(cmd())
	if err != nil {
		return err
	}
	b.logf("%s: warm-up took %s", r.name, w.wall.Round(time.Millisecond))
	for i := range b.k {
		if before != nil {
			if err := before(i); err != nil {
				return err
			}
		}
		s, err := measure(cmd())
		if err != nil {
			return err
		}
		b.logf("%s: run %d: %s, %s", r.name, i+1, s.wall.Round(time.Millisecond), mb(s.peak()))
		r.samples = append(r.samples, s)
	}
	b.results = append(b.results, r)
	return nil
}

// linkProject makes a project directory of the repository's files, linked,
// not copied; its .kumo is the repository's (shared) or a new one.
func (b *bench) linkProject(name string, shareKumo bool) (string, error) {
	dir := filepath.Join(b.work, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(b.root, ".kumo"), 0o755); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(b.root)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.Name() == ".git" || (e.Name() == ".kumo" && !shareKumo) {
			continue
		}
		if err := os.Symlink(filepath.Join(b.root, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func (b *bench) shipped(name, stack string) error {
	dir := filepath.Join(b.work, "shipped")
	if _, err := os.Stat(dir); err != nil {
		if dir, err = b.linkProject("shipped", true); err != nil {
			return err
		}
	}
	return b.timed(&result{name: name, wall: shippedWall, rss: shippedRSS}, dir, stack, nil)
}

func (b *bench) coldBundles(name string) error {
	dir, err := b.linkProject("cold", false)
	if err != nil {
		return err
	}
	r := &result{name: name, notes: []string{"no target: every handler is compiled and zipped (Go build cache warm)"}}
	return b.timed(r, dir, "dev", func(int) error { return os.RemoveAll(filepath.Join(dir, ".kumo", "bundles")) })
}

// initApp scaffolds a kumo app against this checkout whose .kumo is the
// bench's shared one.
func (b *bench) initApp(name string) (string, error) {
	cmd := exec.Command(b.kumo, "init", "--replace", b.root, name)
	cmd.Dir = b.work
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("kumo init %s: %v\n%s", name, err, out)
	}
	dir := filepath.Join(b.work, name)
	return dir, os.Symlink(b.cache, filepath.Join(dir, ".kumo"))
}

func (b *bench) scaleCase(name string, n int, zip bool) error {
	dir, err := b.initApp(strings.ReplaceAll(name, " ", "-"))
	if err != nil {
		return err
	}
	args := scale.Args{Functions: n, GoPackage: "./functions/hello"}
	r := &result{name: name, n: n}
	if zip {
		if args, err = scale.WriteZip(dir, n); err != nil {
			return err
		}
		r.n = 0 // not part of the marginal cost
		r.notes = append(r.notes, "no target: every function ships a prebuilt zip, so nothing is bundled; compare with the case above for bundling's share of an unchanged synth")
	} else if n == targetN {
		r.wall, r.rss = scaleWall, scaleRSS
	}
	// The scaffold's test exercises the scaffold's program, replaced here,
	// and its stack file suppresses findings of the web app it no longer
	// has (which kumo check would refuse as naming no resource).
	if err := os.Remove(filepath.Join(dir, "main_test.go")); err != nil {
		return err
	}
	if err := dropSuppressions(filepath.Join(dir, "Pulumi.dev.yaml")); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(scale.MainSource(args)), 0o644); err != nil {
		return err
	}
	return b.timed(r, dir, "dev", nil)
}

// dropSuppressions cuts the scaffold's kumo check suppressions (the end of
// its stack file, from their comment on) from the stack file at path.
func dropSuppressions(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	i := strings.Index(string(b), "  # kumo check findings")
	if i < 0 {
		return fmt.Errorf("%s: no kumo check suppressions to drop; has kumo init's stack file changed?", path)
	}
	return os.WriteFile(path, b[:i], 0o644)
}

func (b *bench) editLoop(name string) error {
	dir, err := b.initApp("edit-loop")
	if err != nil {
		return err
	}
	main := filepath.Join(dir, "main.go")
	edit := func(i int) error {
		if i < 0 {
			return nil // the warm-up builds the scaffold as kumo init left it
		}
		f, err := os.OpenFile(main, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(f, "\n// bench edit %d at %s\n", i+1, time.Now().Format(time.RFC3339Nano))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if err := b.timed(&result{name: name + " (edit, rebuild)", wall: editWall}, dir, "dev", edit); err != nil {
		return err
	}
	before, err := programs(b.cache)
	if err != nil {
		return err
	}
	r := &result{name: name + " (unchanged)"}
	if err := b.timed(r, dir, "dev", nil); err != nil {
		return err
	}
	after, err := programs(b.cache)
	if err != nil {
		return err
	}
	rebuilt := after != before
	r.checks = append(r.checks, check{"no rebuild", !rebuilt})
	r.notes = append(r.notes, fmt.Sprintf("no rebuild when unchanged: rebuilt=%v", rebuilt))
	return nil
}

// programs fingerprints the built programs: names, sizes and times.
func programs(cache string) (string, error) {
	entries, err := os.ReadDir(filepath.Join(cache, "programs"))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return "", err
		}
		// Not the modification time: kumo touches the executable it runs,
		// so pruning keeps it. A rebuild writes a new file (a new inode).
		var ino uint64
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			ino = st.Ino
		}
		fmt.Fprintf(&b, "%s %d %d\n", e.Name(), info.Size(), ino)
	}
	return b.String(), nil
}

// testsWarm times `go test ./...` in the checkout with the Go build and test
// caches warm, as a developer reruns it: the warm-up brings the caches up to
// date, so the timed runs show what a run costs when nothing changed, and
// how many packages run again anyway (tests whose results go test cannot
// cache because they change what they, or other tests, read).
func (b *bench) testsWarm(name string) error {
	var (
		out   bytes.Buffer
		reran []int // per timed run, the packages that ran again
	)
	r := &result{name: name, wall: testsWall}
	cmd := b.goTests(&out, func(prev int) {
		if prev > 0 { // not the warm-up
			ran, _ := testRuns(out.String())
			reran = append(reran, len(ran))
		}
	})
	if err := b.timedCmd(r, cmd, nil); err != nil {
		return err
	}
	ran, cached := testRuns(out.String())
	reran = append(reran, len(ran))
	r.checks = append(r.checks, check{"nothing rerun", len(ran) == 0})
	note := fmt.Sprintf("packages run again, nothing changed: %v in the timed runs; in the last, %d of %d", reran, len(ran), len(ran)+cached)
	if len(ran) > 0 {
		note += ": " + strings.Join(ran, ", ")
	}
	r.notes = append(r.notes, note)
	return nil
}

// goTests makes the `go test ./...` commands of a case, their output in
// out. Before making each but the first it calls seen with the number of
// the run before (0: the warm-up), whose output out still holds.
func (b *bench) goTests(out *bytes.Buffer, seen func(prev int)) func() *exec.Cmd {
	runs := 0
	return func() *exec.Cmd {
		if runs > 0 {
			seen(runs - 1)
		}
		runs++
		out.Reset()
		cmd := exec.Command("go", "test", "./...")
		cmd.Dir = b.root
		cmd.Stdout = out
		return cmd
	}
}

// cliTests are the packages whose tests run the kumo CLI or build apps from
// the checkout: their test binaries do not import what those are made of,
// so go test reruns them on an edit only because they say what they read
// (internal/testinputs).
var cliTests = []string{"github.com/kumo-iac/kumo/test", "github.com/kumo-iac/kumo/patterns/pipeline/buildspec"}

// testsAfterEdit times `go test ./...` after the CLI's main.go is touched
// (its time set to now, the content left as it is, so the checkout stays
// as it was) and checks that the tests in cliTests ran again each time
// rather than passing from the cache. A real edit costs more: the CLI is
// relinked and its own package's tests run again too.
func (b *bench) testsAfterEdit(name string) error {
	src := filepath.Join(b.root, "cmd", "kumo", "main.go")
	var (
		out    bytes.Buffer
		missed []string
	)
	checkRan := func() {
		ran, _ := testRuns(out.String())
		for _, p := range cliTests {
			if !slices.Contains(ran, p) {
				missed = append(missed, p)
			}
		}
	}
	cmd := b.goTests(&out, func(int) { checkRan() })
	touch := func(int) error {
		now := time.Now()
		return os.Chtimes(src, now, now)
	}
	r := &result{name: name, notes: []string{"no target: go test ./... after one file of the CLI is touched (" + src + "); the tests that run the CLI must run again"}}
	if err := b.timedCmd(r, cmd, touch); err != nil {
		return err
	}
	checkRan()
	r.checks = append(r.checks, check{"CLI tests rerun", len(missed) == 0})
	if len(missed) > 0 {
		r.notes = append(r.notes, "passed from the cache after the edit: "+strings.Join(missed, ", "))
	}
	return nil
}

// testRuns reads go test's summary lines: the packages whose tests ran and
// the number whose results came from the cache.
func testRuns(out string) (ran []string, cached int) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "ok" {
			continue
		}
		if f[2] == "(cached)" {
			cached++
		} else {
			ran = append(ran, f[1])
		}
	}
	return ran, cached
}
