package test

import (
	"encoding/json"
	"fmt"
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
	t.Parallel()
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

	// The new app is born passing kumo check.
	step("kumo check", func() {
		stdout, stderr, code := runKumo(t, bin, app, "check")
		if code != 0 || !strings.Contains(stdout, " 0 errors, 0 warnings") {
			t.Fatalf("kumo check of the new app: exit %d:\n%s%s", code, stdout, stderr)
		}
	})

	// A plain pulumi-aws bucket and an unencrypted queue added to the
	// program fail it, with the rules' IDs and the line that made them.
	mainGo := filepath.Join(app, "main.go")
	src, err := os.ReadFile(mainGo)
	if err != nil {
		t.Fatal(err)
	}
	insecure := `
	if _, err := s3.NewBucketV2(ctx, "uploads", nil); err != nil {
		return err
	}
	if _, err := sqs.NewQueue(ctx, "plain", &sqs.QueueArgs{SqsManagedSseEnabled: pulumi.Bool(false)}); err != nil {
		return err
	}
	return nil
}
`
	body := strings.TrimSuffix(strings.TrimSpace(string(src)), "return nil\n}")
	if body == strings.TrimSpace(string(src)) {
		t.Fatalf("main.go does not end in return nil:\n%s", src)
	}
	body = strings.Replace(body, `"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"`, `"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"`, 1)
	if err := os.WriteFile(mainGo, []byte(body+insecure), 0o644); err != nil {
		t.Fatal(err)
	}
	bucketLine := strings.Count(body, "\n") + 2
	step("kumo check of an insecure program", func() {
		stdout, stderr, code := runKumo(t, bin, app, "check")
		if code != 4 {
			t.Fatalf("kumo check: exit %d; want 4 (unsuppressed errors):\n%s%s", code, stdout, stderr)
		}
		for _, want := range []string{
			fmt.Sprintf("AwsSolutions-S1  aws:s3/bucketV2:BucketV2 uploads (main.go:%d)", bucketLine),
			"AwsSolutions-S10  aws:s3/bucketV2:BucketV2 uploads",
			"AwsSolutions-SQS2  aws:sqs/queue:Queue plain",
			"Kumo-EncryptionAtRest  aws:sqs/queue:Queue plain",
		} {
			if !strings.Contains(stdout, want) {
				t.Errorf("kumo check output lacks %q:\n%s", want, stdout)
			}
		}
		if !strings.Contains(stderr, "unsuppressed error finding(s)") {
			t.Errorf("stderr %q; want the count of unsuppressed errors", stderr)
		}
		sarif, _, code := runKumo(t, bin, app, "check", "--format", "sarif")
		var log struct {
			Version string `json:"version"`
			Runs    []struct {
				Results []struct {
					RuleID    string `json:"ruleId"`
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
							Region           struct{ StartLine int } `json:"region"`
						} `json:"physicalLocation"`
					} `json:"locations"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(sarif), &log); err != nil || code != 4 || log.Version != "2.1.0" || len(log.Runs) != 1 {
			t.Fatalf("kumo check --format sarif: exit %d, %v:\n%s", code, err, sarif)
		}
		found := false
		for _, r := range log.Runs[0].Results {
			loc := r.Locations[0].PhysicalLocation
			if r.RuleID == "AwsSolutions-S1" && loc.ArtifactLocation.URI == "main.go" && loc.Region.StartLine == bucketLine {
				found = true
			}
		}
		if !found {
			t.Errorf("SARIF has no AwsSolutions-S1 result at main.go:%d", bucketLine)
		}
	})
}

func lookup(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}
