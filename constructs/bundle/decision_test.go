package bundle

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// goCounts counts the go commands a builder ran, by subcommand.
type goCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *goCounts) get(sub string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[sub]
}

// newGoCountingBuilder returns a builder running the real go command that
// counts every go command it runs.
func newGoCountingBuilder() (*builder, *goCounts) {
	c := &goCounts{n: map[string]int{}}
	b := &builder{
		findGo: FindGo,
		run: func(ctx context.Context, goBin, dir string, env []string, args ...string) ([]byte, []byte, error) {
			c.mu.Lock()
			c.n[args[0]]++
			c.mu.Unlock()
			return RunGo(ctx, goBin, dir, env, args...)
		},
	}
	return b, c
}

func (c *goCounts) check(t *testing.T, step string, env, list, build int) {
	t.Helper()
	if got := [3]int{c.get("env"), c.get("list"), c.get("build")}; got != [3]int{env, list, build} {
		t.Errorf("%s: go env, list, build ran %v times in all; want %v", step, got, [3]int{env, list, build})
	}
}

// TestGoCommandRunsOncePerPackage: a program creating many functions asks
// the go command about each package and architecture once, however many
// functions share it and whether they ask one after another or together.
func TestGoCommandRunsOncePerPackage(t *testing.T) {
	t.Parallel()
	b, counts := newGoCountingBuilder()
	root := newModule(t)
	writeFile(t, root, "cmd/second/main.go", "package main\n\nfunc main() {}\n")
	specs := []Spec{
		{Root: root, Package: handlerPkg},
		{Root: root, Package: "./cmd/second"},
		{Root: root, Package: handlerPkg, Arch: "x86_64"},
	}

	first := make([]*Bundle, len(specs))
	for i, spec := range specs {
		first[i] = mustBuild(t, b, spec)
	}
	// go env once per architecture, go list and go build once per package
	// and architecture.
	counts.check(t, "first build of each", 2, 3, 3)

	var wg sync.WaitGroup
	for range 4 {
		for i, spec := range specs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := b.build(context.Background(), spec)
				if err != nil {
					t.Errorf("build(%+v): %v", spec, err)
					return
				}
				if *got != *first[i] {
					t.Errorf("build(%+v): got %+v; want %+v", spec, got, first[i])
				}
			}()
		}
	}
	wg.Wait()
	counts.check(t, "after 12 more builds, concurrent", 2, 3, 3)
}

// TestRememberedAnswersFollowSources: within one process, a remembered go
// list answer is dropped as soon as go list could answer differently, even
// when no file go build compiles changed, and kept when nothing that
// matters did.
func TestRememberedAnswersFollowSources(t *testing.T) {
	t.Parallel()
	b, counts := newGoCountingBuilder()
	root := newModule(t)
	spec := Spec{Root: root, Package: handlerPkg}
	orig := mustBuild(t, b, spec)
	counts.check(t, "first build", 1, 1, 1)

	steps := []struct {
		name       string
		edit       func()
		env, list  int // go commands run in all after the step
		sameSource bool
	}{
		{
			name: "unrelated files edited",
			edit: func() {
				writeFile(t, root, "README.md", "changed\n")
				writeFile(t, root, "other/other.go", "package other\n\nconst X = 42\n")
			},
			env: 1, list: 1, sameSource: true,
		},
		{
			// A new file in a package's directory may join the build.
			name: "file the build leaves out added to the handler",
			edit: func() {
				writeFile(t, root, "cmd/handler/extra.go", "//go:build ignore\n\npackage main\n\nvar extra = 1\n")
			},
			env: 1, list: 2, sameSource: true,
		},
		{
			// No file go build compiled changed, and no file was added.
			name: "its build constraint removed",
			edit: func() {
				writeFile(t, root, "cmd/handler/extra.go", "//go:build !ignore\n\npackage main\n\nvar extra = 1\n")
			},
			env: 1, list: 3, sameSource: false,
		},
		{
			name: "new import in a dependency",
			edit: func() {
				writeFile(t, root, "internal/greet/greet.go", "package greet\n\nimport \"example.com/h/other\"\n\nfunc Hello() string { return \"hello\" + string(rune('0'+other.X)) }\n")
			},
			env: 1, list: 4, sameSource: false,
		},
		{
			// other/ is in the graph now, so its edit is seen.
			name: "the newly imported package edited",
			edit: func() {
				writeFile(t, root, "other/other.go", "package other\n\nconst X = 7\n")
			},
			env: 1, list: 5, sameSource: false,
		},
		{
			name: "workspace file added at the root",
			edit: func() {
				writeFile(t, root, "go.work", "go 1.24\n\nuse .\n")
			},
			env: 2, list: 6, sameSource: false,
		},
	}
	prev := orig
	for _, s := range steps {
		s.edit()
		got := mustBuild(t, b, spec)
		counts.check(t, s.name, s.env, s.list, counts.get("build"))
		if same := got.SourceHash == prev.SourceHash; same != s.sameSource {
			t.Errorf("%s: source hash unchanged = %v; want %v", s.name, same, s.sameSource)
		}
		// What was remembered is what a new process computes.
		if fresh := mustBuild(t, &builder{findGo: FindGo, run: RunGo}, spec); *fresh != *got {
			t.Errorf("%s: got %+v; a new process builds %+v", s.name, got, fresh)
		}
		prev = got
	}
}

// waitForWaiters returns once n callers wait for key's computation.
func waitForWaiters[K comparable, V any](m *memo[K, V], key K, n int) {
	for {
		m.mu.Lock()
		c := m.m[key]
		done := c != nil && c.waiters >= n
		m.mu.Unlock()
		if done {
			return
		}
		runtime.Gosched()
	}
}

func TestMemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	always := func(int) bool { return true }

	t.Run("concurrent callers share one computation", func(t *testing.T) {
		t.Parallel()
		var m memo[string, int]
		var calls atomic.Int32
		release := make(chan struct{})
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := m.get(ctx, "k", always, func() (int, error) {
					calls.Add(1)
					<-release
					return 42, nil
				})
				if got != 42 || err != nil {
					t.Errorf("get: got %d, %v; want 42, nil", got, err)
				}
			}()
		}
		// Let the callers pile up on the first computation.
		waitForWaiters(&m, "k", 7)
		close(release)
		wg.Wait()
		if n := calls.Load(); n != 1 {
			t.Errorf("computed %d times; want 1", n)
		}
	})

	t.Run("failures are not remembered", func(t *testing.T) {
		t.Parallel()
		var m memo[string, int]
		boom := errors.New("boom")
		if _, err := m.get(ctx, "k", always, func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
			t.Fatalf("get: got %v; want %v", err, boom)
		}
		got, err := m.get(ctx, "k", always, func() (int, error) { return 7, nil })
		if got != 7 || err != nil {
			t.Errorf("get after a failure: got %d, %v; want 7, nil", got, err)
		}
	})

	t.Run("stale answers are recomputed", func(t *testing.T) {
		t.Parallel()
		var m memo[string, int]
		n := 0
		compute := func() (int, error) { n++; return n, nil }
		for i, want := range []int{1, 1, 2} {
			fresh := func(v int) bool { return i < 2 }
			if got, _ := m.get(ctx, "k", fresh, compute); got != want {
				t.Errorf("get %d: got %d; want %d", i, got, want)
			}
		}
	})

	t.Run("a waiter outlives a cancelled computation", func(t *testing.T) {
		t.Parallel()
		var m memo[string, int]
		started := make(chan struct{})
		leader := make(chan error)
		go func() {
			_, err := m.get(ctx, "k", always, func() (int, error) {
				close(started)
				waitForWaiters(&m, "k", 1)
				return 0, fmt.Errorf("go list: %w", context.Canceled)
			})
			leader <- err
		}()
		<-started
		got, err := m.get(ctx, "k", always, func() (int, error) { return 5, nil })
		if got != 5 || err != nil {
			t.Errorf("waiter: got %d, %v; want 5, nil (its own computation)", got, err)
		}
		if err := <-leader; !errors.Is(err, context.Canceled) {
			t.Errorf("leader: got %v; want its cancellation", err)
		}
	})
}

// TestTrustSourcesForThisRun: in a run that promises its sources do not
// change, a remembered answer is used without re-hashing the sources (an
// edit is then not seen, by design); the process-wide flag is reset after.
func TestTrustSourcesForThisRun(t *testing.T) {
	root := newModule(t)
	b, _ := newCountingBuilder()
	spec := Spec{Root: root, Package: handlerPkg}
	first := mustBuild(t, b, spec)
	TrustSourcesForThisRun()
	defer trustRun.Store(false)
	writeFile(t, root, "internal/greet/greet.go", "package greet\n\nfunc Hello() string { return \"hi\" }\n")
	if again := mustBuild(t, b, spec); again.SourceHash != first.SourceHash {
		t.Errorf("within a trusted run the decision was re-checked: %s; want the remembered %s", again.SourceHash, first.SourceHash)
	}
	trustRun.Store(false)
	if after := mustBuild(t, b, spec); after.SourceHash == first.SourceHash {
		t.Errorf("after the run the edit was not seen")
	}
}
