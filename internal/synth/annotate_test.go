package synth

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type siteComponent struct{ pulumi.ResourceState }

// TestSitesAndAnnotations: synth knows where each resource was created (the
// program's line, not the SDK's or a component's) and what the program
// annotated it with; neither changes the JSON contract.
func TestSitesAndAnnotations(t *testing.T) {
	dir := demoProject(t)
	var queueLine, childLine int
	program := FuncProgram(func(ctx *pulumi.Context) error {
		_, _, queueLine, _ = runtime.Caller(0)
		q, err := sqs.NewQueue(ctx, "jobs", nil) // the line after Caller
		queueLine++
		if err != nil {
			return err
		}
		if !Annotate(ctx, q, "kumo:check:suppress", "one") || !Annotate(ctx, q, "kumo:check:suppress", "two") {
			t.Error("Annotate under synth returned false")
		}
		comp := &siteComponent{}
		if err := ctx.RegisterComponentResource("test:index:Thing", "thing", comp); err != nil {
			return err
		}
		_, _, childLine, _ = runtime.Caller(0)
		_, err = sqs.NewQueue(ctx, "child", nil, pulumi.Parent(comp))
		childLine++
		return err
	})
	res, err := Run(context.Background(), Request{Root: dir, Stack: "dev"}, program)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Run(context.Background(), Request{Root: dir, Stack: "dev", JSONOnly: true}, program)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := res.JSON()
	b, _ := plain.JSON()
	if string(a) != string(b) {
		t.Error("the same program rendered different contracts")
	}
	found := 0
	for _, r := range res.Resources {
		site, ok := r.Site(dir)
		switch r.Name {
		case "jobs":
			found++
			if !ok || !strings.HasSuffix(site.File, "internal/synth/annotate_test.go") || site.Line != queueLine {
				t.Errorf("jobs was created at %+v (%v); want annotate_test.go:%d", site, ok, queueLine)
			}
			if got := strings.Join(r.Annotations["kumo:check:suppress"], ","); got != "one,two" {
				t.Errorf("jobs annotations: %q; want one,two", got)
			}
		case "child":
			found++
			if !ok || site.Line != childLine {
				t.Errorf("child was created at %+v; want line %d", site, childLine)
			}
			if len(r.Annotations) != 0 {
				t.Errorf("child annotations %v; want none", r.Annotations)
			}
		}
	}
	if found != 2 {
		t.Fatalf("found %d of the 2 queues", found)
	}
}

// TestAnnotateOutsideSynth: under pulumi up (a context synth is not
// running) Annotate records nothing.
func TestAnnotateOutsideSynth(t *testing.T) {
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		q, err := sqs.NewQueue(ctx, "jobs", nil)
		if err != nil {
			return err
		}
		if Annotate(ctx, q, "k", "v") {
			t.Error("Annotate outside synth returned true")
		}
		return nil
	}, pulumi.WithMocks("p", "s", plainMocks{}))
	if err != nil {
		t.Fatal(err)
	}
}

type plainMocks struct{}

func (plainMocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	return args.Name + "-id", args.Inputs, nil
}

func (plainMocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return args.Args, nil
}

// TestMovedSource: a program built where the project used to be names its
// files where they are now.
func TestMovedSource(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "constructs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"constructs/api.go", "main.go"} {
		if err := os.WriteFile(filepath.Join(root, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for file, want := range map[string]string{
		"/old/checkout/constructs/api.go":           filepath.Join(root, "constructs", "api.go"),
		"/old/checkout/constructs/gone.go":          "/old/checkout/constructs/gone.go",
		filepath.Join(root, "constructs", "api.go"): filepath.Join(root, "constructs", "api.go"),
	} {
		if got := movedSource(root, file); got != want {
			t.Errorf("movedSource(%s) = %s; want %s", file, got, want)
		}
	}
}
