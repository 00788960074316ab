package webapp_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/patterns/webapp"
)

// userModule is a module outside kumo's repository that requires kumo from
// this checkout, as `go get` plus a replace would make it: the pattern must
// find its handlers and site there without Root pointing at kumo. kumo's
// go.sum stands in for the user's, which `go mod tidy` would fill.
func userModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	gomod := "module example.com/app\n\ngo 1.24\n\nrequire github.com/kumo-iac/kumo v0.0.0\n\nreplace github.com/kumo-iac/kumo => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestWebAppFromAUserModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the handlers from a new module")
	}
	dir := userModule(t)
	opts := dev
	opts.Dir = dir
	tpl := assertions.Synth(t, func(ctx *pulumi.Context) error {
		_, err := webapp.New(ctx, "web", &webapp.Args{Root: dir, DisableAPILogs: true})
		return err
	}, opts)

	// The site's files are kumo's, read from wherever the module is.
	index := tpl.Resource("aws:s3/bucketObjectv2:BucketObjectv2", "web-site/index.html")
	rel, _ := index.Input("source.asset.path").(string)
	if got, want := filepath.Join(dir, filepath.FromSlash(rel)), filepath.Join(root, webapp.DefaultSiteDir, "index.html"); got != want {
		t.Errorf("index.html's source: got %s; want kumo's %s", got, want)
	}
	// The handlers are built from the user's module into its own cache.
	for _, fn := range []string{"web-items", "web-health"} {
		path, _ := tpl.Resource("aws:lambda/function:Function", fn).Input("code.archive.path").(string)
		if !strings.HasPrefix(path, ".kumo/bundles/") {
			t.Errorf("%s's code: got %q; want a zip under the user module's .kumo/bundles", fn, path)
		}
	}
}

func TestWebAppWithoutKumoModule(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/app\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := dev
	opts.Dir = dir
	_, err := assertions.TrySynth(t, func(ctx *pulumi.Context) error {
		_, err := webapp.New(ctx, "web", &webapp.Args{Root: dir, DisableAPILogs: true})
		return err
	}, opts)
	if err == nil || !strings.Contains(err.Error(), "SiteDir: finding the kumo module's site") || !strings.Contains(err.Error(), "github.com/kumo-iac/kumo") {
		t.Errorf("got %v; want SiteDir's error naming the kumo module", err)
	}
}
