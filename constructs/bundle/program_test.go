package bundle

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestBuildProgramBuildsOnlyWhenSourcesChange: an unchanged program is not
// rebuilt (counted builds, not timing); a changed source is.
func TestBuildProgramBuildsOnlyWhenSourcesChange(t *testing.T) {
	root := newModule(t)
	b, builds := newCountingBuilder()
	spec := ProgramSpec{Root: root, Package: handlerPkg}
	first, err := b.buildProgram(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Built || builds.Load() != 1 {
		t.Fatalf("first build: built %v after %d go builds; want a build", first.Built, builds.Load())
	}
	out, err := exec.Command(first.Path).Output()
	if err != nil || string(out) != "hello\n" {
		t.Fatalf("running the program: %q, %v; want hello", out, err)
	}
	again, err := b.buildProgram(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if again.Built || builds.Load() != 1 || again.Path != first.Path {
		t.Errorf("unchanged sources: built %v, %d go builds, %s; want the cached %s", again.Built, builds.Load(), again.Path, first.Path)
	}
	writeFile(t, root, "internal/greet/greet.go", "package greet\n\nfunc Hello() string { return \"hi\" }\n")
	changed, err := b.buildProgram(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if !changed.Built || changed.Path == first.Path || builds.Load() != 2 {
		t.Errorf("changed sources: built %v, %d go builds; want a new build", changed.Built, builds.Load())
	}
}

func TestBuildProgramShowsCompilerErrors(t *testing.T) {
	root := newModule(t)
	writeFile(t, root, "internal/greet/greet.go", "package greet\n\nfunc Hello() string { return 42 }\n")
	_, err := BuildProgram(context.Background(), ProgramSpec{Root: root, Package: handlerPkg})
	if err == nil || !strings.Contains(err.Error(), "internal/greet/greet.go:3:") || !strings.Contains(err.Error(), "cannot use 42") {
		t.Fatalf("got %v; want the compiler's own message with file and line", err)
	}
}

// countingRunner counts every go command a builder runs.
func countingRunner(calls *[]string) *builder {
	return &builder{
		findGo: FindGo,
		run: func(ctx context.Context, goBin, dir string, env []string, args ...string) ([]byte, []byte, error) {
			*calls = append(*calls, args[0])
			return RunGo(ctx, goBin, dir, env, args...)
		},
	}
}

// TestProgramDecisionIsKeptBetweenRuns: a new kumo process (a fresh
// builder) with nothing changed asks the go command nothing; a changed
// source, or a file go list would now see, asks again.
func TestProgramDecisionIsKeptBetweenRuns(t *testing.T) {
	root := newModule(t)
	spec := ProgramSpec{Root: root, Package: handlerPkg}
	var calls []string
	first, err := countingRunner(&calls).buildProgram(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	calls = nil
	again, err := countingRunner(&calls).buildProgram(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 0 || again.Path != first.Path || again.Built {
		t.Errorf("unchanged, in a new process: go commands %v, built %v; want none and the cached %s", calls, again.Built, first.Path)
	}
	writeFile(t, root, "internal/greet/greet.go", "package greet\n\nfunc Hello() string { return \"hi\" }\n")
	calls = nil
	changed, err := countingRunner(&calls).buildProgram(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if !changed.Built || changed.Path == first.Path || !slices.Contains(calls, "list") {
		t.Errorf("after an edit: go commands %v, built %v; want go list and a new build", calls, changed.Built)
	}
	writeFile(t, root, "internal/greet/extra.go", "package greet\n\nfunc Bye() string { return \"bye\" }\n")
	calls = nil
	if _, err := countingRunner(&calls).buildProgram(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(calls, "list") {
		t.Errorf("after a new file in a package: go commands %v; want go list asked again", calls)
	}
}

// TestProgramDecisionsOfTwoPackagesWithOneName: two main packages whose
// directories share a name keep separate decisions and executables.
func TestProgramDecisionsOfTwoPackagesWithOneName(t *testing.T) {
	root := newModule(t)
	writeFile(t, root, "a/app/main.go", "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"a\\n\") }\n")
	writeFile(t, root, "b/app/main.go", "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"b\\n\") }\n")
	run := func(pkg string) string {
		t.Helper()
		var calls []string
		p, err := countingRunner(&calls).buildProgram(context.Background(), ProgramSpec{Root: root, Package: pkg})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(p.Path).Output()
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	for range 2 {
		if a, b := run("./a/app"), run("./b/app"); a != "a\n" || b != "b\n" {
			t.Fatalf("programs printed %q and %q; want a and b", a, b)
		}
	}
}
