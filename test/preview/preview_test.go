// Package preview_test runs a small kumo program through the real Pulumi
// engine, against a fake aws provider, and captures `pulumi preview
// --json` of a change to it: the fixture internal/diff's preview parser is
// tested on, and the proof that the parser's copy of the engine's types
// reads what the engine writes.
package preview_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/diff"
	"github.com/kumo-iac/kumo/internal/pulumicli"
)

var update = flag.Bool("update", false, "write the captured preview to "+fixture)

// fixture is where -update writes the captured preview, relative to this
// package.
const (
	fixture      = "../../internal/diff/testdata/preview/engine.json"
	fixtureSteps = "../../internal/diff/testdata/preview/engine-replacement-steps.json"
)

// jsonPreview is the real CLI with --json (and any extra flags) added to
// every preview: the Automation API has no option for it, and reads the
// preview's events from its event log, not stdout, so stdout is free for
// the JSON digest.
type jsonPreview struct {
	auto.PulumiCommand
	extra *[]string
}

func (c jsonPreview) Run(ctx context.Context, workdir string, stdin io.Reader, out, errOut []io.Writer,
	env []string, args ...string,
) (string, string, int, error) {
	if len(args) > 0 && args[0] == "preview" {
		args = append(append(slices.Clone(args), "--json"), *c.extra...)
	}
	return c.PulumiCommand.Run(ctx, workdir, stdin, out, errOut, env, args...)
}

// handler stands in for a built Go handler: the fake provider never runs
// it, but the engine hashes it as it would a real bundle.
const handler = "#!/bin/sh\necho kumo preview fixture\n"

// program is a small kumo stack driven by config, so that the test
// changes it the way a pull request changes a stack's config:
// partitionKey (replaces the items table), memoryMB (updates the
// function), apiKey (a secret), audit (a second table, removed by the
// change) and ledgerKey (replaces a table with a fixed name, which must be
// deleted first).
func program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	partitionKey := cfg.Get("partitionKey")
	ledgerKey := cfg.Get("ledgerKey")
	items, err := constructs.NewTable(ctx, "items", &constructs.TableArgs{PartitionKey: partitionKey})
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(handler))
	fn, err := constructs.NewFunction(ctx, "api", &constructs.FunctionArgs{
		Code:       pulumi.NewAssetArchive(map[string]any{"bootstrap": pulumi.NewStringAsset(handler)}),
		CodeSHA256: base64.StdEncoding.EncodeToString(sum[:]),
		MemoryMB:   cfg.GetInt("memoryMB"),
		Environment: map[string]pulumi.StringInput{
			"TABLE":   items.Name,
			"API_KEY": cfg.RequireSecret("apiKey"),
		},
	})
	if err != nil {
		return err
	}
	if err := items.GrantReadWrite(fn); err != nil {
		return err
	}
	if cfg.GetBool("audit") {
		audit, err := constructs.NewTable(ctx, "audit", nil)
		if err != nil {
			return err
		}
		if err := audit.GrantWrite(fn); err != nil {
			return err
		}
	}
	// A table with a physical name the program fixes, as an escape hatch
	// would create: replacing it must delete the old one first.
	if _, err := dynamodb.NewTable(ctx, "ledger", &dynamodb.TableArgs{
		Name:        pulumi.String("kumo-preview-ledger"),
		BillingMode: pulumi.String("PAY_PER_REQUEST"),
		HashKey:     pulumi.String(ledgerKey),
		Attributes:  dynamodb.TableAttributeArray{dynamodb.TableAttributeArgs{Name: pulumi.String(ledgerKey), Type: pulumi.String("S")}},
	}); err != nil {
		return err
	}
	if err := ctx.Log.Warn(fmt.Sprintf("function api: %d MB of memory", cfg.GetInt("memoryMB")), &pulumi.LogArgs{Resource: fn}); err != nil {
		return err
	}
	ctx.Export("table", items.Name)
	return nil
}

// logWriter collects an operation's progress stream.
type logWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *logWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// stream returns the progress stream of one operation, which goes to the
// test log when the test fails (or runs with -v).
func stream(t *testing.T, op string) *logWriter {
	w := &logWriter{}
	t.Cleanup(func() {
		if t.Failed() || testing.Verbose() {
			t.Logf("--- pulumi %s output:\n%s", op, w.String())
		}
	})
	return w
}

// Secret values the stack's config holds: neither may appear in the
// parsed preview.
const (
	apiKeyBefore = "kumo-fixture-api-key-before"
	apiKeyAfter  = "kumo-fixture-api-key-after"
)

func TestPreviewJSONOfTheRealEngine(t *testing.T) {
	cli := pulumicli.Find(t, "the preview fixture test")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	provider := &fakeAWS{}
	port, stop, err := provider.serve()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	// The Automation API runs the CLI as <Root>/bin/pulumi.
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	projectDir := filepath.Join(root, "project")
	backend := filepath.Join(root, "state")
	home := filepath.Join(root, "home")
	for _, d := range []string{bin, projectDir, backend, home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(cli, filepath.Join(bin, "pulumi")); err != nil {
		t.Fatal(err)
	}
	real, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root, SkipVersionCheck: true})
	if err != nil {
		t.Fatalf("use the Pulumi CLI %s: %v", cli, err)
	}
	var previewFlags []string
	project := workspace.Project{Name: "kumo-preview", Runtime: workspace.NewProjectRuntimeInfo("go", nil)}
	env := map[string]string{
		"PULUMI_BACKEND_URL":                          "file://" + backend,
		"PULUMI_HOME":                                 home,
		"PULUMI_SKIP_UPDATE_CHECK":                    "1",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_IGNORE_AMBIENT_PLUGINS":               "true",
		// The engine attaches to the fake instead of starting pulumi-aws.
		"PULUMI_DEBUG_PROVIDERS":   "aws:" + strconv.Itoa(port),
		"PULUMI_CONFIG_PASSPHRASE": "kumo-preview-fixture",
	}
	stack, err := auto.NewStackInlineSource(ctx, "dev", project.Name.String(), program,
		auto.Pulumi(jsonPreview{real, &previewFlags}), auto.Project(project), auto.WorkDir(projectDir), auto.PulumiHome(home),
		auto.EnvVars(env), auto.SecretsProvider("passphrase"))
	if err != nil {
		t.Fatalf("create the stack: %v", err)
	}
	setConfig := func(m auto.ConfigMap) {
		t.Helper()
		if err := stack.SetAllConfig(ctx, m); err != nil {
			t.Fatalf("set config: %v", err)
		}
	}
	setConfig(auto.ConfigMap{
		"aws:region":                {Value: "eu-west-1"},
		"kumo-preview:partitionKey": {Value: "id"},
		"kumo-preview:ledgerKey":    {Value: "id"},
		"kumo-preview:memoryMB":     {Value: "256"},
		"kumo-preview:audit":        {Value: "true"},
		"kumo-preview:apiKey":       {Value: apiKeyBefore, Secret: true},
	})

	up := stream(t, "up")
	if _, err := stack.Up(ctx, optup.ProgressStreams(up)); err != nil {
		t.Fatalf("up: %v", err)
	}

	setConfig(auto.ConfigMap{
		"kumo-preview:partitionKey": {Value: "pk"},
		"kumo-preview:ledgerKey":    {Value: "account"},
		"kumo-preview:memoryMB":     {Value: "512"},
		"kumo-preview:audit":        {Value: "false"},
		"kumo-preview:apiKey":       {Value: apiKeyAfter, Secret: true},
	})
	// The preview a pull request's build runs, and the same with every
	// step of a replacement shown, which must read the same.
	capture := func(name string, flags ...string) (string, diff.StackDiff) {
		t.Helper()
		previewFlags = flags
		progress := stream(t, name)
		res, err := stack.Preview(ctx, optpreview.ProgressStreams(progress))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := diff.ReadPreview([]byte(res.StdOut))
		if err != nil {
			t.Fatalf("ReadPreview of the engine's %s: %v\n%s", name, err, res.StdOut)
		}
		if len(got) != 1 {
			t.Fatalf("ReadPreview of the engine's %s returned %d stacks; want 1", name, len(got))
		}
		return res.StdOut, got[0]
	}
	out, got := capture("preview --json")
	outSteps, gotSteps := capture("preview --json --show-replacement-steps", "--show-replacement-steps")
	if !strings.Contains(outSteps, `"op": "create-replacement"`) || !strings.Contains(outSteps, `"op": "delete-replaced"`) {
		t.Fatalf("preview --json --show-replacement-steps shows no create-replacement and delete-replaced steps:\n%s", outSteps)
	}
	if a, b := modelJSON(t, got), modelJSON(t, gotSteps); a != b {
		t.Errorf("the preview with replacement steps parses differently from the one without:\n%s\nvs\n%s", b, a)
	}
	if *update {
		for file, data := range map[string]string{fixture: out, fixtureSteps: outSteps} {
			if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkPreview(t, got)
}

// modelJSON is the parsed preview as JSON, for comparing and for failure
// messages.
func modelJSON(t *testing.T, sd diff.StackDiff) string {
	t.Helper()
	b, err := json.MarshalIndent(sd, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// some stands for a value that must be present, plain (neither secret
// nor unknown), and that varies between runs: the fake's physical names.
const some = "<some plain value>"

type wantProp struct {
	kind     diff.Kind
	old, new any
	replace  bool
}

type wantChange struct {
	op      diff.Op
	dbr     bool
	reasons []string
	props   map[string]wantProp
}

// checkPreview asserts what the change does, resource by resource:
// the parsed model, not the bytes, since physical names and times vary.
func checkPreview(t *testing.T, sd diff.StackDiff) {
	t.Helper()
	if sd.Project != "kumo-preview" || sd.Stack != "dev" || sd.Source != "preview" {
		t.Errorf("got project %q, stack %q, source %q; want kumo-preview, dev, preview", sd.Project, sd.Stack, sd.Source)
	}
	attr := func(name string) []any { return []any{map[string]any{"name": name, "type": "S"}} }
	want := map[string]wantChange{
		"pulumi:pulumi:Stack::kumo-preview-dev": {op: diff.OpSame},
		// The partition key: a new table, created before the old one is
		// deleted since its name is generated.
		"aws:dynamodb/table:Table::items": {op: diff.OpReplace, reasons: []string{"hashKey"}, props: map[string]wantProp{
			"hashKey":    {kind: diff.KindUpdate, old: "id", new: "pk", replace: true},
			"attributes": {kind: diff.KindUpdate, old: attr("id"), new: attr("pk")},
		}},
		// A fixed name: the old table goes first.
		"aws:dynamodb/table:Table::ledger": {op: diff.OpReplace, dbr: true, reasons: []string{"hashKey"}, props: map[string]wantProp{
			"hashKey":    {kind: diff.KindUpdate, old: "id", new: "account", replace: true},
			"attributes": {kind: diff.KindUpdate, old: attr("id"), new: attr("account")},
		}},
		// The new table's name and ARN are known only once it exists.
		"aws:lambda/function:Function::api": {op: diff.OpUpdate, props: map[string]wantProp{
			"memorySize":                    {kind: diff.KindUpdate, old: 256.0, new: 512.0},
			"environment.variables.API_KEY": {kind: diff.KindUpdate, old: diff.Secret, new: diff.Secret},
			"environment.variables.TABLE":   {kind: diff.KindUpdate, old: some, new: diff.Unknown},
		}},
		"aws:iam/rolePolicy:RolePolicy::api-table-items-readwrite": {op: diff.OpUpdate, props: map[string]wantProp{
			"policy": {kind: diff.KindUpdate, old: some, new: diff.Unknown},
		}},
		// The function publishes a version pulumi-aws learns on update.
		"aws:lambda/alias:Alias::api": {op: diff.OpUpdate, props: map[string]wantProp{
			"functionVersion": {kind: diff.KindUpdate, old: "1", new: diff.Unknown},
		}},
		// The audit table left the program, and its grant with it.
		"kumo:constructs:Table::audit":                         {op: diff.OpDelete},
		"aws:dynamodb/table:Table::audit":                      {op: diff.OpDelete},
		"aws:iam/rolePolicy:RolePolicy::api-table-audit-write": {op: diff.OpDelete},
	}
	seen := map[string]bool{}
	for _, c := range sd.Changes {
		key := c.Type + "::" + c.Name
		seen[key] = true
		w, ok := want[key]
		if !ok {
			t.Errorf("unexpected change %s: %s", key, c.Op)
			continue
		}
		if c.Op != w.op || c.DeleteBeforeReplace != w.dbr || !reflect.DeepEqual(c.ReplaceReasons, w.reasons) {
			t.Errorf("%s: got op %s, deleteBeforeReplace %v, replace reasons %v; want %s, %v, %v",
				key, c.Op, c.DeleteBeforeReplace, c.ReplaceReasons, w.op, w.dbr, w.reasons)
		}
		got := map[string]diff.PropChange{}
		for _, p := range c.Props {
			got[p.Path] = p
		}
		for path, wp := range w.props {
			p, ok := got[path]
			if !ok {
				t.Errorf("%s: no change of %s among %v", key, path, c.Props)
				continue
			}
			if p.Kind != wp.kind || p.Replace != wp.replace || !valueMatches(p.Old, wp.old) || !valueMatches(p.New, wp.new) {
				t.Errorf("%s: got %s %s %#v → %#v (replace %v); want %s %#v → %#v (replace %v)",
					key, path, p.Kind, p.Old, p.New, p.Replace, wp.kind, wp.old, wp.new, wp.replace)
			}
		}
		if len(got) != len(w.props) {
			t.Errorf("%s: got %d changed properties %v; want %d", key, len(got), c.Props, len(w.props))
		}
	}
	for key := range want {
		if !seen[key] {
			t.Errorf("no change of %s in the preview", key)
		}
	}
	if len(sd.Diagnostics) != 1 || sd.Diagnostics[0].Severity != "warning" ||
		sd.Diagnostics[0].Message != "function api: 512 MB of memory" ||
		sd.Diagnostics[0].URN != "urn:pulumi:dev::kumo-preview::kumo:constructs:Function::api" {
		t.Errorf("got diagnostics %+v; want the program's one warning on function api", sd.Diagnostics)
	}
	model := modelJSON(t, sd)
	for _, secret := range []string{apiKeyBefore, apiKeyAfter} {
		if strings.Contains(model, secret) {
			t.Errorf("the parsed preview shows the secret %q", secret)
		}
	}
}

func valueMatches(got, want any) bool {
	if want == some {
		s, ok := got.(string)
		return ok && s != "" && s != diff.Secret && s != diff.Unknown
	}
	return reflect.DeepEqual(got, want)
}
