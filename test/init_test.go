package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInitNewApp is the path from nothing to a synthesized app: kumo init
// (with --replace, so the app builds against this checkout), go test ./...
// and kumo synth in the new app, offline but for the Go module proxy. The
// synth must show all three kinds of resource the scaffold composes: the
// web app pattern, the construct running the app's own handler, and the
// plain pulumi-aws queue.
func TestInitNewApp(t *testing.T) {
	if testing.Short() {
		t.Skip("creates, tests and synthesizes a new Go module")
	}
	bin := buildKumo(t)
	work := t.TempDir()
	app := filepath.Join(work, "myapp")

	step := func(name string, f func()) {
		t.Helper()
		start := time.Now()
		f()
		t.Logf("%s: %s", name, time.Since(start).Round(10*time.Millisecond))
	}

	step("kumo init", func() {
		stdout, stderr, code := runKumo(t, bin, work, "init", "--replace", root, "myapp")
		if code != 0 {
			t.Fatalf("kumo init: exit %d: %s", code, stderr)
		}
		for _, want := range []string{"cd myapp", "go test ./...", "kumo synth"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("kumo init's next steps lack %q:\n%s", want, stdout)
			}
		}
	})
	// The app's bundle and program cache is the repository's, as for
	// sourceProject: entries are keyed by their sources, so an unchanged
	// app is built once across runs.
	if err := os.MkdirAll(filepath.Join(root, ".kumo"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, ".kumo"), filepath.Join(app, ".kumo")); err != nil {
		t.Fatal(err)
	}

	step("go test ./...", func() {
		cmd := exec.Command("go", "test", "./...")
		cmd.Dir = app
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go test ./... in the new app: %v\n%s", err, out)
		}
	})

	out := filepath.Join(work, "synth.json")
	step("kumo synth", func() {
		_, stderr, code := runKumo(t, bin, app, "synth", "--json", "--out", out)
		if code != 0 {
			t.Fatalf("kumo synth: exit %d: %s", code, stderr)
		}
	})

	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Project   string `json:"project"`
		Resources []struct {
			URN    string         `json:"urn"`
			Type   string         `json:"type"`
			Name   string         `json:"name"`
			Parent string         `json:"parent"`
			Inputs map[string]any `json:"inputs"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("synth output is not the JSON contract: %v", err)
	}
	if doc.Project != "myapp" {
		t.Errorf("project: got %q; want myapp", doc.Project)
	}
	stack := "urn:pulumi:dev::myapp::pulumi:pulumi:Stack::myapp-dev"
	found := map[string]bool{}
	for _, r := range doc.Resources {
		switch {
		case r.Type == "kumo:patterns:WebApp" && r.Name == "web":
			found["pattern"] = true
		case r.Type == "kumo:constructs:Function" && r.Name == "hello":
			found["construct"] = true
		case r.Type == "aws:sqs/queue:Queue" && r.Name == "jobs" && (r.Parent == "" || r.Parent == stack):
			found["plain resource"] = true
		case r.Type == "aws:lambda/function:Function" && r.Name == "hello":
			// The app's own handler, bundled into the app's cache.
			path, _ := lookup(r.Inputs, "code", "archive", "path").(string)
			if !strings.HasPrefix(path, ".kumo/bundles/hello-") {
				t.Errorf("hello's code: got %q; want a bundle of functions/hello", path)
			}
		case r.Type == "aws:s3/bucketObjectv2:BucketObjectv2" && r.Name == "web-site/index.html":
			// The pattern's site, found in the kumo module the app requires.
			path, _ := lookup(r.Inputs, "source", "asset", "path").(string)
			if abs := filepath.Join(app, filepath.FromSlash(path)); abs != filepath.Join(root, "patterns", "webapp", "site", "index.html") {
				t.Errorf("index.html's source: got %s; want kumo's own site", abs)
			}
		}
	}
	for _, kind := range []string{"pattern", "construct", "plain resource"} {
		if !found[kind] {
			t.Errorf("synth output has no %s (kumo:patterns:WebApp web, kumo:constructs:Function hello, aws:sqs/queue:Queue jobs)", kind)
		}
	}
	t.Logf("synthesized %d resources", len(doc.Resources))
}

func lookup(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}
