package synthcmd

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
	"github.com/kumo-iac/kumo/internal/synth"
	"github.com/kumo-iac/kumo/internal/validation"
)

const indexHTML = "<h1>shop</h1>\n"

// newProject writes a project with a dev and a staging stack and returns its
// directory.
func newProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Pulumi.yaml":         "name: shop\nruntime: go\nconfig:\n  siteDir:\n    default: site\n",
		"Pulumi.dev.yaml":     "config:\n  aws:region: eu-central-1\n  shop:apiToken:\n    secure: v1:AAAA\n",
		"Pulumi.staging.yaml": "config:\n  aws:region: us-west-2\n",
		"site/index.html":     indexHTML,
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type siteComponent struct{ pulumi.ResourceState }

// fakeProgram stands in for stacks.Build: a component with a bucket, an
// object uploaded from a file asset and a queue tagged with a secret config
// value, and outputs computed from the mocks.
func fakeProgram(root string) synth.Program { return shopProgram(root, true) }

// fixtureReason is why the fake shop may break kumo check's rules.
const fixtureReason = "a test fixture exercising synth's output, never deployed"

// shopProgram is fakeProgram; suppress accepts its kumo check findings
// (a plain bucket without access logs or a TLS-only policy, a queue
// without a dead-letter queue or a TLS-only policy).
func shopProgram(root string, suppress bool) synth.Program {
	return func(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) {
		var site siteComponent
		if err := ctx.RegisterComponentResource("kumo:test:Site", "web", &site); err != nil {
			return nil, err
		}
		// Resources are registered by type token, as pulumi-aws does, so
		// this test binary need not link the provider SDK.
		var bucket struct {
			pulumi.CustomResourceState
			BucketRegionalDomainName pulumi.StringOutput `pulumi:"bucketRegionalDomainName"`
		}
		if err := ctx.RegisterResource("aws:s3/bucketV2:BucketV2", "web-bucket", pulumi.Map{
			"bucket": pulumi.String("shop-web-" + ctx.Stack()),
		}, &bucket, pulumi.Parent(&site)); err != nil {
			return nil, err
		}
		var object pulumi.CustomResourceState
		if err := ctx.RegisterResource("aws:s3/bucketObjectv2:BucketObjectv2", "web-index", pulumi.Map{
			"bucket":      bucket.ID(),
			"key":         pulumi.String("index.html"),
			"contentType": pulumi.String("text/html"),
			"source":      pulumi.NewFileAsset(filepath.Join(root, raw["shop:siteDir"], "index.html")),
		}, &object, pulumi.Parent(&site)); err != nil {
			return nil, err
		}
		var queue struct {
			pulumi.CustomResourceState
			Url pulumi.StringOutput `pulumi:"url"`
		}
		if err := ctx.RegisterResource("aws:sqs/queue:Queue", "jobs", pulumi.Map{
			"tags": pulumi.StringMap{"token": pulumi.ToSecret(pulumi.String(raw["shop:apiToken"])).(pulumi.StringOutput)},
		}, &queue); err != nil {
			return nil, err
		}
		if suppress {
			var rules []check.Suppression
			for _, r := range []string{"AwsSolutions-S1", "AwsSolutions-S10"} {
				rules = append(rules, check.Suppression{Rule: r, Reason: fixtureReason})
			}
			if err := check.Suppress(ctx, &bucket, rules...); err != nil {
				return nil, err
			}
			rules = nil
			for _, r := range []string{"AwsSolutions-SQS3", "AwsSolutions-SQS4", "Serverless-SQSRedrivePolicy"} {
				rules = append(rules, check.Suppression{Rule: r, Reason: fixtureReason})
			}
			if err := check.Suppress(ctx, &queue, rules...); err != nil {
				return nil, err
			}
		}
		if err := ctx.RegisterResourceOutputs(&site, pulumi.Map{}); err != nil {
			return nil, err
		}
		return pulumi.Map{
			"bucketDomain": bucket.BucketRegionalDomainName,
			"queueUrl":     queue.Url,
		}, nil
	}
}

func invalidProgram(string) synth.Program {
	return func(*pulumi.Context, map[string]string) (pulumi.Map, error) {
		return nil, &validation.Error{Scope: "stack config", Problems: []error{
			errors.New(`siteDir: directory "nope" does not exist; set shop:siteDir to the built site`),
		}}
	}
}

type harness struct {
	f           *cli.Factory
	out, errOut *bytes.Buffer
}

func newHarness(cwd string, program func(string) synth.Program) harness {
	ios, _, out, errOut := cli.Test()
	return harness{
		f: &cli.Factory{
			IO:      ios,
			Getwd:   func() (string, error) { return cwd, nil },
			Program: program,
		},
		out: out, errOut: errOut,
	}
}

func (h harness) run(args string) error {
	cmd := NewCmdSynth(h.f, nil)
	cmd.SetArgs(strings.Fields(args))
	cmd.SetOut(h.out)
	cmd.SetErr(h.errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.Execute()
}

func TestNewCmdSynthFlags(t *testing.T) {
	tests := []struct {
		args    string
		want    Options
		wantErr string
	}{
		{args: "", want: Options{Stack: "dev"}},
		{args: "--stack prod --json --out synth.json --dir infra", want: Options{Stack: "prod", JSON: true, OutFile: "synth.json", Dir: "infra"}},
		{args: "-s staging -o x.txt", want: Options{Stack: "staging", OutFile: "x.txt"}},
		{args: "-o Pulumi.dev.yaml --force", want: Options{Stack: "dev", OutFile: "Pulumi.dev.yaml", Force: true}},
		{args: "--stack ../etc", wantErr: `invalid --stack "../etc"`},
		{args: "extra", wantErr: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			h := newHarness(t.TempDir(), fakeProgram)
			var got *Options
			cmd := NewCmdSynth(h.f, func(o *Options) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(h.out)
			cmd.SetErr(h.errOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				var cerr *cli.Error
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &cerr) || cerr.Code != cli.ExitUsage {
					t.Fatalf("error = %v; want a usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			gotFlags := Options{Stack: got.Stack, JSON: got.JSON, OutFile: got.OutFile, Dir: got.Dir, Force: got.Force}
			if !reflect.DeepEqual(gotFlags, tt.want) {
				t.Errorf("options = %+v; want %+v", gotFlags, tt.want)
			}
		})
	}
}

func TestSynthTree(t *testing.T) {
	root := newProject(t)
	h := newHarness(filepath.Join(root, "site"), fakeProgram) // found by walking up
	if err := h.run(""); err != nil {
		t.Fatal(err)
	}
	got := h.out.String()
	for _, want := range []string{
		"stack dev (project shop): 4 resources\n",
		"├─ aws:sqs/queue:Queue  jobs\n",
		"└─ kumo:test:Site  web\n",
		"   ├─ aws:s3/bucketObjectv2:BucketObjectv2  web-index\n",
		"   └─ aws:s3/bucketV2:BucketV2  web-bucket\n",
		"Resources by type:\n",
		"  aws:s3/bucketV2:BucketV2              1\n",
		"  kumo:test:Site                        1\n",
		"Outputs:\n",
		"  bucketDomain: shop-web-dev.s3.eu-central-1.amazonaws.com\n",
		"  queueUrl: https://sqs.eu-central-1.amazonaws.com/123456789012/jobs-",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("tree output lacks %q:\n%s", want, got)
		}
	}
	// The dev stack's encrypted shop:apiToken cannot be decrypted (no
	// encryptionsalt): synth says which checks it skipped, on stderr only.
	if want := "kumo: note: shop:apiToken is encrypted and was not decrypted (the stack file has no encryptionsalt); checks of its value were skipped\n"; h.errOut.String() != want {
		t.Errorf("stderr = %q; want %q", h.errOut, want)
	}
	if strings.Contains(got, "v1:AAAA") || strings.Contains(h.errOut.String(), "v1:AAAA") {
		t.Errorf("the encrypted value was shown")
	}
}

func TestSynthJSON(t *testing.T) {
	root := newProject(t)
	h := newHarness(root, fakeProgram)
	if err := h.run("--json"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Project   string `json:"project"`
		Stack     string `json:"stack"`
		Region    string `json:"region"`
		Resources []struct {
			URN          string         `json:"urn"`
			Type         string         `json:"type"`
			Name         string         `json:"name"`
			Custom       bool           `json:"custom"`
			Parent       string         `json:"parent"`
			Region       string         `json:"region"`
			Inputs       map[string]any `json:"inputs"`
			Dependencies []string       `json:"dependencies"`
		} `json:"resources"`
		Outputs map[string]any `json:"outputs"`
	}
	dec := json.NewDecoder(bytes.NewReader(h.out.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decode synth JSON: %v\n%s", err, h.out)
	}
	if doc.Project != "shop" || doc.Stack != "dev" || len(doc.Resources) != 4 {
		t.Fatalf("project %q stack %q with %d resources; want shop, dev, 4", doc.Project, doc.Stack, len(doc.Resources))
	}
	if doc.Region != "eu-central-1" {
		t.Errorf("region %q; want the stack's aws:region eu-central-1", doc.Region)
	}
	urns := []string{}
	byName := map[string]int{}
	for i, r := range doc.Resources {
		urns = append(urns, r.URN)
		byName[r.Name] = i
		if r.Inputs == nil || r.Dependencies == nil {
			t.Errorf("resource %s inputs=%v dependencies=%v; want an object and an array", r.URN, r.Inputs, r.Dependencies)
		}
	}
	if !sort.StringsAreSorted(urns) {
		t.Errorf("resources not sorted by URN: %v", urns)
	}

	site, bucket, object, queue := doc.Resources[byName["web"]], doc.Resources[byName["web-bucket"]],
		doc.Resources[byName["web-index"]], doc.Resources[byName["jobs"]]
	if site.Custom || site.Parent != "" || site.Type != "kumo:test:Site" {
		t.Errorf("component = %+v; want a top-level kumo:test:Site component", site)
	}
	if object.Parent != site.URN || !reflect.DeepEqual(object.Dependencies, []string{bucket.URN}) {
		t.Errorf("object parent %q deps %v; want %q and [%s]", object.Parent, object.Dependencies, site.URN, bucket.URN)
	}
	sum := sha256.Sum256([]byte(indexHTML))
	wantSource := map[string]any{"asset": map[string]any{"path": "site/index.html", "sha256": hex.EncodeToString(sum[:])}}
	if !reflect.DeepEqual(object.Inputs["source"], wantSource) {
		t.Errorf("object source = %v; want %v", object.Inputs["source"], wantSource)
	}
	if got := object.Inputs["bucket"]; got != "shop-web-dev" {
		t.Errorf("object bucket = %v; want the bucket's mock id shop-web-dev", got)
	}
	if got := queue.Inputs["tags"]; !reflect.DeepEqual(got, map[string]any{"token": "[secret]"}) {
		t.Errorf("queue tags = %v; want the secret hidden", got)
	}
	if got := doc.Outputs["bucketDomain"]; got != "shop-web-dev.s3.eu-central-1.amazonaws.com" {
		t.Errorf("bucketDomain output = %v; want the configured region's domain", got)
	}
	if got, _ := doc.Outputs["queueUrl"].(string); !strings.HasPrefix(got, "https://sqs.eu-central-1.amazonaws.com/123456789012/jobs-") {
		t.Errorf("queueUrl output = %q; want an eu-central-1 queue URL", got)
	}
}

func TestSynthIsDeterministic(t *testing.T) {
	root := newProject(t)
	var outputs []string
	for i := 0; i < 2; i++ {
		h := newHarness(root, fakeProgram)
		if err := h.run("--json"); err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, h.out.String())
	}
	if outputs[0] != outputs[1] {
		t.Errorf("two runs differ:\n%s\nvs\n%s", outputs[0], outputs[1])
	}
}

func TestSynthOut(t *testing.T) {
	root := newProject(t)
	h := newHarness(root, fakeProgram)
	if err := h.run("--json"); err != nil {
		t.Fatal(err)
	}
	stdoutJSON := h.out.String()

	h = newHarness(root, fakeProgram)
	if err := h.run("--json --out build/synth.json --stack dev"); err == nil {
		t.Fatal("writing into a missing directory succeeded; want an error")
	}
	if err := os.Mkdir(filepath.Join(root, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := h.run("--json --out build/synth.json"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, "build", "synth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != stdoutJSON {
		t.Errorf("--out file differs from stdout JSON:\n%s\nvs\n%s", got, stdoutJSON)
	}
	if h.out.Len() != 0 {
		t.Errorf("stdout = %q; want nothing with --out", h.out)
	}
	if want := "wrote build/synth.json (4 resources)\n"; !strings.HasSuffix(h.errOut.String(), want) {
		t.Errorf("stderr = %q; want %q", h.errOut, want)
	}
	assertOnlyFiles(t, filepath.Join(root, "build"), "synth.json")
}

func TestSynthErrorsLeaveOutFileAlone(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		program func(string) synth.Program
		wantErr string
	}{
		{"invalid config", "--out synth.json", invalidProgram, `siteDir: directory "nope" does not exist`},
		{"unknown stack", "--out synth.json --stack prod", fakeProgram, `stack "prod" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, existing := range []bool{false, true} {
				root := newProject(t)
				out := filepath.Join(root, "synth.json")
				// A previous synth output, the only kind --out replaces
				// without --force.
				previous := "stack dev (project shop): 4 resources\nprevious\n"
				if existing {
					if err := os.WriteFile(out, []byte(previous), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				before := listDir(t, root)
				h := newHarness(root, tt.program)
				err := h.run(tt.args)
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v; want one containing %q", err, tt.wantErr)
				}
				if after := listDir(t, root); !reflect.DeepEqual(after, before) {
					t.Errorf("directory changed from %v to %v", before, after)
				}
				if existing {
					if b, _ := os.ReadFile(out); string(b) != previous {
						t.Errorf("existing --out file = %q; want it untouched", b)
					}
				}
			}
		})
	}
}

func TestSynthValidationErrorIsFindable(t *testing.T) {
	h := newHarness(newProject(t), invalidProgram)
	err := h.run("")
	var verr *validation.Error
	if !errors.As(err, &verr) {
		t.Fatalf("error %v is not a *constructs.ValidationError", err)
	}
	if h.out.Len() != 0 {
		t.Errorf("stdout = %q; want nothing on failure", h.out)
	}
}

func TestSynthUnknownStackListsStacks(t *testing.T) {
	h := newHarness(newProject(t), fakeProgram)
	err := h.run("--stack prod")
	if err == nil || !strings.Contains(err.Error(), "existing stacks: dev, staging") {
		t.Errorf("error = %v; want it to list dev and staging", err)
	}
}

func TestSynthProjectDiscovery(t *testing.T) {
	root := newProject(t)
	elsewhere := t.TempDir()

	h := newHarness(elsewhere, fakeProgram)
	if err := h.run(""); err == nil || !strings.Contains(err.Error(), "no Pulumi.yaml found in "+elsewhere) {
		t.Errorf("error without a project = %v; want no Pulumi.yaml found in %s", err, elsewhere)
	}

	h = newHarness(elsewhere, fakeProgram)
	if err := h.run("--dir " + root + " --stack staging"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.out.String(), "bucketDomain: shop-web-staging.s3.us-west-2.amazonaws.com") {
		t.Errorf("--dir output lacks the staging bucket domain:\n%s", h.out)
	}

	h = newHarness(root, fakeProgram)
	if err := h.run("--dir site"); err == nil || !strings.Contains(err.Error(), "no Pulumi.yaml in "+filepath.Join(root, "site")) {
		t.Errorf("--dir site error = %v; want no Pulumi.yaml in the site directory", err)
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func assertOnlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	if got := listDir(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("files in %s = %v; want %v", dir, got, want)
	}
}

// countingProgram is fakeProgram that counts its runs, to show that a
// refused --out is refused before the synth spends any time.
func countingProgram(runs *int) func(string) synth.Program {
	return func(root string) synth.Program {
		p := fakeProgram(root)
		return func(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) {
			*runs++
			return p(ctx, raw)
		}
	}
}

// snapshot maps every file under dirs to its mode and content, so a test can
// show that nothing was written, renamed or left behind.
func snapshot(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := os.Lstat(p)
			if err != nil {
				return err
			}
			entry := info.Mode().String()
			switch {
			case info.Mode()&os.ModeSymlink != 0:
				target, err := os.Readlink(p)
				if err != nil {
					return err
				}
				entry += " -> " + target
			case info.Mode().IsRegular():
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				entry += " " + string(b)
			}
			files[p] = entry
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// synthJSON is what `kumo synth --json` prints for stack in root.
func synthJSON(t *testing.T, root, stack string) string {
	t.Helper()
	h := newHarness(root, fakeProgram)
	if err := h.run("--json --stack " + stack); err != nil {
		t.Fatal(err)
	}
	return h.out.String()
}

func TestSynthOutRefusesWhatSynthDidNotWrite(t *testing.T) {
	tests := []struct {
		name    string
		out     string // --out, relative to the project; "elsewhere/" is a directory outside it
		content string // existing content; "" with create=false means the file does not exist
		create  bool
		wantErr []string
		noForce bool // --force does not help
	}{
		{name: "stack config", out: "Pulumi.dev.yaml", wantErr: []string{"Pulumi.dev.yaml", "project input", "--force"}},
		{name: "project file", out: "Pulumi.yaml", wantErr: []string{"Pulumi.yaml", "project input", "--force"}},
		{name: "go.mod", out: "go.mod", content: "module example.com/shop\n", create: true, wantErr: []string{"go.mod", "--force"}},
		{name: "empty go.sum", out: "go.sum", create: true, wantErr: []string{"go.sum", "--force"}},
		{name: "Go source", out: "main.go", content: "package main\n", create: true, wantErr: []string{"main.go", "--force"}},
		{name: "new Go source", out: "handler.go", wantErr: []string{"handler.go", "--force"}},
		{name: "new stack config", out: "Pulumi.prod.yaml", wantErr: []string{"Pulumi.prod.yaml", "--force"}},
		{name: "notes in the project", out: "site/notes.txt", content: "remember the milk\n", create: true,
			wantErr: []string{"site/notes.txt", "not a previous kumo synth output", "--force"}},
		{name: "JSON that is not synth output", out: "data.json", content: `{"project": "shop", "stack": "dev"}` + "\n", create: true,
			wantErr: []string{"data.json", "not a previous kumo synth output", "--force"}},
		{name: "file outside the project", out: "elsewhere/report.txt", content: "quarterly numbers\n", create: true,
			wantErr: []string{"report.txt", "not a previous kumo synth output", "--force"}},
		{name: "directory", out: "site", wantErr: []string{"site", "not a regular file"}, noForce: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newProject(t)
			elsewhere := t.TempDir()
			out := tt.out
			if rest, ok := strings.CutPrefix(out, "elsewhere/"); ok {
				out = filepath.Join(elsewhere, rest)
			}
			path := out
			if !filepath.IsAbs(path) {
				path = filepath.Join(root, path)
			}
			if tt.create {
				if err := os.WriteFile(path, []byte(tt.content), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			want := synthJSON(t, root, "dev") // before --force may break the project
			before := snapshot(t, root, elsewhere)

			for _, force := range []string{"", " --force"} {
				if force != "" && tt.noForce {
					continue
				}
				runs := 0
				h := newHarness(root, countingProgram(&runs))
				err := h.run("--json --out " + out + force)
				if force == "" {
					var cerr *cli.Error
					if !errors.As(err, &cerr) || cerr.Code != cli.ExitUsage {
						t.Fatalf("error = %v; want a usage error (exit 2)", err)
					}
					for _, want := range tt.wantErr {
						if !strings.Contains(err.Error(), want) {
							t.Errorf("error %q does not mention %q", err, want)
						}
					}
					if tt.noForce && strings.Contains(err.Error(), "--force") {
						t.Errorf("error %q suggests --force, which cannot help", err)
					}
					if runs != 0 {
						t.Errorf("the stack program ran %d times; want the refusal before the synth", runs)
					}
					if h.out.Len() != 0 || h.errOut.Len() != 0 {
						t.Errorf("stdout %q, stderr %q; want nothing but the returned error", h.out, h.errOut)
					}
					if after := snapshot(t, root, elsewhere); !reflect.DeepEqual(after, before) {
						t.Errorf("files changed on refusal:\nbefore %v\nafter  %v", before, after)
					}
					continue
				}
				// --force replaces the file, keeping its mode.
				if err != nil {
					t.Fatalf("with --force: %v", err)
				}
				got, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != want {
					t.Errorf("with --force %s = %q; want the synth JSON", tt.out, got)
				}
				if info, err := os.Stat(path); err != nil || (tt.create && info.Mode().Perm() != 0o640) {
					t.Errorf("with --force: stat %v, %v; want mode -rw-r-----", info.Mode(), err)
				}
			}
		})
	}
}

func TestSynthOutReplacesPreviousOutput(t *testing.T) {
	root := newProject(t)
	staging := synthJSON(t, root, "staging")
	h := newHarness(root, fakeProgram)
	if err := h.run("--stack staging"); err != nil {
		t.Fatal(err)
	}
	stagingTree := h.out.String()

	tests := []struct {
		name, previous, args string
	}{
		{"JSON of another stack", staging, "--json"},
		{"tree", stagingTree, ""},
		{"tree over JSON", staging, ""},
		{"empty file, as mktemp makes", "", "--json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "synth.out")
			if err := os.WriteFile(out, []byte(tt.previous), 0o600); err != nil {
				t.Fatal(err)
			}
			h := newHarness(root, fakeProgram)
			if err := h.run(tt.args + " --out " + out); err != nil {
				t.Fatal(err)
			}
			want := newHarness(root, fakeProgram)
			if err := want.run(tt.args); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(out); string(got) != want.out.String() {
				t.Errorf("%s = %q; want this run's output %q", out, got, want.out)
			}
			if info, _ := os.Stat(out); info.Mode().Perm() != 0o600 {
				t.Errorf("mode %v; want the previous file's -rw-------", info.Mode())
			}
		})
	}
}

func TestSynthOutWritesThroughSymlinks(t *testing.T) {
	root := newProject(t)
	want := synthJSON(t, root, "dev")
	previous := synthJSON(t, root, "staging")

	tests := []struct {
		name  string
		links func(t *testing.T, target string) string // makes the link(s), returns --out
	}{
		{"absolute link", func(t *testing.T, target string) string {
			return symlink(t, target, filepath.Join(root, "latest.json"))
		}},
		{"relative link", func(t *testing.T, target string) string {
			rel, err := filepath.Rel(root, target)
			if err != nil {
				t.Fatal(err)
			}
			return symlink(t, rel, filepath.Join(root, "latest.json"))
		}},
		{"chain of links", func(t *testing.T, target string) string {
			first := symlink(t, target, filepath.Join(filepath.Dir(target), "current.json"))
			return symlink(t, first, filepath.Join(root, "latest.json"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(filepath.Join(root, "latest.json"))
			dir := t.TempDir()
			target := filepath.Join(dir, "synth.json")
			if err := os.WriteFile(target, []byte(previous), 0o600); err != nil {
				t.Fatal(err)
			}
			out := tt.links(t, target)
			linksBefore := snapshot(t, root, dir)
			delete(linksBefore, target)

			h := newHarness(root, fakeProgram)
			if err := h.run("--json --out " + out); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(target); string(got) != want {
				t.Errorf("target = %q; want the synth JSON", got)
			}
			info, err := os.Lstat(target)
			if err != nil || !info.Mode().IsRegular() || info.Mode().Perm() != 0o600 {
				t.Errorf("target mode %v (%v); want a regular file, still -rw-------", info.Mode(), err)
			}
			linksAfter := snapshot(t, root, dir)
			delete(linksAfter, target)
			if !reflect.DeepEqual(linksAfter, linksBefore) {
				t.Errorf("links or other files changed (or temporary files left):\nbefore %v\nafter  %v", linksBefore, linksAfter)
			}
		})
	}
}

func TestSynthOutRefusedThroughSymlinks(t *testing.T) {
	tests := []struct {
		name    string
		target  string // relative to the project; created with content unless dangling
		content string
		wantErr []string
		force   bool // --force then writes the target
	}{
		{"link to a file synth did not write", "notes.txt", "remember the milk\n",
			[]string{"--out latest.json (a link to ", "notes.txt", "not a previous kumo synth output", "--force"}, true},
		{"link to the stack config", "Pulumi.dev.yaml", "",
			[]string{"--out latest.json (a link to ", "Pulumi.dev.yaml", "a Pulumi stack config file", "--force"}, true},
		{"dangling link", "build/synth.json", "",
			[]string{"--out latest.json", "build/synth.json", "does not exist", "create it first"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newProject(t)
			want := synthJSON(t, root, "dev")
			target := filepath.Join(root, tt.target)
			if tt.content != "" {
				if err := os.WriteFile(target, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			symlink(t, tt.target, filepath.Join(root, "latest.json"))
			before := snapshot(t, root)

			for _, force := range []string{"", " --force"} {
				runs := 0
				h := newHarness(root, countingProgram(&runs))
				err := h.run("--json --out latest.json" + force)
				if force == "" || !tt.force {
					var cerr *cli.Error
					if !errors.As(err, &cerr) || cerr.Code != cli.ExitUsage {
						t.Fatalf("%s: error = %v; want a usage error (exit 2)", force, err)
					}
					for _, w := range tt.wantErr {
						if !strings.Contains(err.Error(), w) {
							t.Errorf("error %q does not mention %q", err, w)
						}
					}
					if runs != 0 {
						t.Errorf("the stack program ran; want the refusal before the synth")
					}
					if after := snapshot(t, root); !reflect.DeepEqual(after, before) {
						t.Errorf("files changed on refusal:\nbefore %v\nafter  %v", before, after)
					}
					continue
				}
				if err != nil {
					t.Fatalf("with --force: %v", err)
				}
				if got, _ := os.ReadFile(target); string(got) != want {
					t.Errorf("with --force the target = %q; want the synth JSON", got)
				}
				if dest, err := os.Readlink(filepath.Join(root, "latest.json")); err != nil || dest != tt.target {
					t.Errorf("with --force latest.json -> %q (%v); want the link kept, -> %s", dest, err, tt.target)
				}
			}
		})
	}
}

func symlink(t *testing.T, dest, link string) string {
	t.Helper()
	if err := os.Symlink(dest, link); err != nil {
		t.Fatal(err)
	}
	return link
}

// brokenStdout fails every write as os.Stdout does once the reading end of
// its pipe is closed.
type brokenStdout struct{}

func (brokenStdout) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
}

func TestSynthStdoutFailureIsAnError(t *testing.T) {
	for _, args := range []string{"", "--json"} {
		h := newHarness(newProject(t), fakeProgram)
		h.f.IO.Out = brokenStdout{}
		err := h.run(args)
		if err == nil || err.Error() != "write output: stdout: broken pipe" || !errors.Is(err, syscall.EPIPE) {
			t.Errorf("synth %s with a broken stdout: error %v; want write output: stdout: broken pipe", args, err)
		}
	}
}

// TestSynthOutPathProblemsComeFirst: an --out that cannot be written fails
// before the synth spends any time.
func TestSynthOutPathProblemsComeFirst(t *testing.T) {
	root := newProject(t)
	symlink(t, "loop-b", filepath.Join(root, "loop-a"))
	symlink(t, "loop-a", filepath.Join(root, "loop-b"))
	tests := []struct{ out, wantErr string }{
		{"build/synth.json", "cannot write --out build/synth.json: directory " + filepath.Join(root, "build") + " does not exist"},
		{"loop-a", "--out loop-a: more than 40 symbolic links, probably a loop"},
	}
	for _, tt := range tests {
		runs := 0
		h := newHarness(root, countingProgram(&runs))
		err := h.run("--json --out " + tt.out)
		if err == nil || err.Error() != tt.wantErr {
			t.Errorf("--out %s: error %v; want %q", tt.out, err, tt.wantErr)
		}
		if runs != 0 {
			t.Errorf("--out %s: the stack program ran; want the error before the synth", tt.out)
		}
	}
}

// TestSynthFailsOnCheckErrors: kumo synth runs kumo check's rules; an
// unsuppressed error finding fails it with exit code 4, names the rule and
// resource, and writes no output.
func TestSynthFailsOnCheckErrors(t *testing.T) {
	root := newProject(t)
	h := newHarness(root, func(root string) synth.Program { return shopProgram(root, false) })
	out := filepath.Join(root, "synth.json")
	err := h.run("--json --out " + out)
	var cerr *cli.Error
	if !errors.As(err, &cerr) || cerr.Code != cli.ExitCheckFailed || !strings.Contains(err.Error(), "5 unsuppressed error finding(s)") {
		t.Fatalf("error = %v; want exit %d for 5 findings", err, cli.ExitCheckFailed)
	}
	for _, want := range []string{"error   AwsSolutions-S1  aws:s3/bucketV2:BucketV2 web-bucket", "AwsSolutions-SQS4  aws:sqs/queue:Queue jobs", "fix: "} {
		if !strings.Contains(h.errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, h.errOut)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("synth wrote %s despite failing: %v", out, err)
	}
}
