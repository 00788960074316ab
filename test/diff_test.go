package test

// kumo diff end to end: each scenario synthesizes a base and a head with the
// real constructs, patterns and offline synth — the documents `kumo synth
// --json` writes — and renders the review as a reviewer reads it, in the
// terminal and as a pull-request comment. The goldens in testdata/diff are
// reviewed by eye; `go test ./test -run TestDiff -update` rewrites them.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/cost"
	"github.com/kumo-iac/kumo/internal/diff"
	"github.com/kumo-iac/kumo/internal/synth"
	"github.com/kumo-iac/kumo/internal/testinputs"
	"github.com/kumo-iac/kumo/stacks"
)

// shop is a small kumo program whose config knobs make the changes the
// scenarios review: the orders table's key, the grant its function gets,
// the route's authorization, the function's code and memory, and a secret.
func shop(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) {
	key := raw["shop:orderKey"]
	if key == "" {
		key = "id"
	}
	table, err := constructs.NewTable(ctx, "orders", &constructs.TableArgs{PartitionKey: key})
	if err != nil {
		return nil, err
	}
	releases, err := constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{})
	if err != nil {
		return nil, err
	}
	code := raw["shop:code"]
	if code == "" {
		code = "v1"
	}
	zip := filepath.Join(root, "test", "testdata", "diff", "code-"+code+".zip")
	env := map[string]pulumi.StringInput{"TABLE": table.Name}
	if token := raw["shop:apiToken"]; token != "" {
		env["API_TOKEN"] = pulumi.ToSecret(pulumi.String(token)).(pulumi.StringOutput)
	}
	sha, err := codeSHA(zip)
	if err != nil {
		return nil, err
	}
	memory := 0 // the construct's default
	if m := raw["shop:memoryMB"]; m != "" {
		if memory, err = strconv.Atoi(m); err != nil {
			return nil, err
		}
	}
	fn, err := constructs.NewFunction(ctx, "orders", &constructs.FunctionArgs{
		Code: pulumi.NewFileArchive(zip), CodeSHA256: sha, Environment: env, Releases: releases, MemoryMB: memory,
	})
	if err != nil {
		return nil, err
	}
	if raw["shop:grant"] == "readwrite" {
		err = table.GrantReadWrite(fn)
	} else {
		err = table.GrantRead(fn)
	}
	if err != nil {
		return nil, err
	}
	route := constructs.Route{Method: "GET", Path: "/orders/{id}", Function: fn, Authorizer: "iam"}
	if raw["shop:public"] == "true" {
		route = constructs.Route{Method: "GET", Path: "/orders/{id}", Function: fn, Public: true,
			PublicReason: "a scenario of kumo diff's tests: the route is opened on purpose"}
	}
	api, err := constructs.NewApi(ctx, "api", &constructs.ApiArgs{Routes: []constructs.Route{route}, DisableLogs: true})
	if err != nil {
		return nil, err
	}
	return pulumi.Map{"table": table.Name, "url": api.URL}, nil
}

// codeSHA is the base64 SHA-256 Lambda takes as a package's code hash.
func codeSHA(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// synthDoc synthesizes program in memory with config and reads the result
// back as kumo diff reads a `kumo synth --json` document.
func synthDoc(t *testing.T, project, stack string, config map[string]string, program synth.Program) *diff.SynthDoc {
	t.Helper()
	res, err := synth.Run(context.Background(), synth.Request{Root: root, Project: project, Stack: stack, Config: config}, program)
	if err != nil {
		t.Fatalf("synth %s/%s: %v", project, stack, err)
	}
	data, err := res.JSON()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := diff.ReadSynth(data)
	if err != nil {
		t.Fatalf("kumo diff cannot read the synth document of %s/%s: %v", project, stack, err)
	}
	return doc
}

func shopDoc(t *testing.T, knobs map[string]string) *diff.SynthDoc {
	config := map[string]string{"aws:region": "eu-west-1"}
	for k, v := range knobs {
		config["shop:"+k] = v
	}
	return synthDoc(t, "shop", "dev", config, shop)
}

// shippedDoc synthesizes a shipped stack from a copy of the project's stack
// files in which edit has changed the stack's config (stack references
// resolve from the copies, as they do from the files), with the handlers
// and site of this checkout.
func shippedDoc(t *testing.T, stack string, edit func(config map[string]any)) *diff.SynthDoc {
	t.Helper()
	dir := t.TempDir()
	files, err := testinputs.Glob(root, "Pulumi*.yaml")
	if err != nil || len(files) < 2 {
		t.Fatalf("stack files: %v %v", files, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "Pulumi."+stack+".yaml" && edit != nil {
			var doc map[string]any
			if err := yaml.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			edit(doc["config"].(map[string]any))
			if data, err = yaml.Marshal(doc); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := synth.Run(context.Background(), synth.Request{Root: dir, Stack: stack},
		func(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) {
			return stacks.Build(ctx, raw, stacks.Options{Root: root})
		})
	if err != nil {
		t.Fatalf("synth %s: %v", stack, err)
	}
	data, err := res.JSON()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := diff.ReadSynth(data)
	if err != nil {
		t.Fatalf("kumo diff cannot read the synth document of %s: %v", stack, err)
	}
	return doc
}

// hashes are what the Go toolchain and the bundles decide (code hashes,
// release fingerprints); the goldens review the change, not those bytes.
var hashes = regexp.MustCompile(`\b[0-9a-f]{64}\b|[A-Za-z0-9+/]{43}=`)

// pricing prices a change as kumo diff run in this project does: the
// shipped stacks at their usage files (Pulumi.prod.usage.yaml), a test
// program of another project at kumo's defaults (as with --usage of an
// empty file).
func pricing(t *testing.T) diff.Pricing {
	t.Helper()
	table, err := cost.LoadTable()
	if err != nil {
		t.Fatal(err)
	}
	shipped := diff.ProjectProfiles(root)
	return diff.Pricing{Table: table, Profile: func(project, stack string) (diff.UsageProfile, error) {
		if project == "kumo" {
			return shipped(project, stack)
		}
		return diff.UsageProfile{Usage: cost.DefaultUsage(), Source: diff.DefaultUsageSource(stack)}, nil
	}}
}

// reviewed compares, prices and analyses base and head as kumo diff does.
func reviewed(t *testing.T, base, head *diff.SynthDoc, p diff.Pricing) diff.Report {
	t.Helper()
	sd, err := diff.Compare(base, head)
	if err != nil {
		t.Fatal(err)
	}
	ds := []diff.StackDiff{sd}
	if err := diff.Price(ds, p); err != nil {
		t.Fatal(err)
	}
	return diff.Analyze(ds)
}

// review renders the diff of base and head as text and as Markdown and
// compares both with the scenario's goldens; it returns the report.
func review(t *testing.T, name string, base, head *diff.SynthDoc) diff.StackReport {
	t.Helper()
	return reviewPriced(t, name, base, head, pricing(t))
}

func reviewPriced(t *testing.T, name string, base, head *diff.SynthDoc, p diff.Pricing) diff.StackReport {
	t.Helper()
	rep := reviewed(t, base, head, p)
	var text bytes.Buffer
	if err := diff.RenderText(&text, rep, diff.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	md := diff.RenderMarkdown(rep, diff.MarkdownOptions{})
	matchGolden(t, filepath.Join("diff", name+".txt"), "kumo diff of "+name, hashes.ReplaceAll(text.Bytes(), []byte("<hash>")))
	matchGolden(t, filepath.Join("diff", name+".md"), "kumo diff --format markdown of "+name, hashes.ReplaceAll([]byte(md), []byte("<hash>")))
	return rep.Stacks[0]
}

func TestDiffConfigOnlyChange(t *testing.T) {
	base := shippedDoc(t, "prod", nil)
	head := shippedDoc(t, "prod", func(c map[string]any) { c["kumo:webapp"].(map[string]any)["memoryMB"] = 1024 })
	s := review(t, "config-only", base, head)
	// Pulumi.prod.yaml: the stack's default preference, and health's override.
	want := map[string]string{
		"web-items":  "CodeDeployDefault.LambdaCanary10Percent5Minutes",
		"web-health": "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
	}
	for _, r := range s.Canary {
		if !slices.Equal(r.Reasons, []string{"memorySize"}) || r.Preference != want[r.Function] || r.First {
			t.Errorf("release of %s: reasons %v, preference %s, first %v; want a new version for memorySize with %s",
				r.Function, r.Reasons, r.Preference, r.First, want[r.Function])
		}
		if r.Function == "web-items" && !slices.Equal(r.Hooks, []string{"pre-traffic: web-smoketest"}) {
			t.Errorf("release of web-items: hooks %v; want the smoke test before traffic shifts", r.Hooks)
		}
	}
	if len(s.Canary) != len(want) {
		t.Errorf("canary plan has %d releases; want the web app's %d API functions", len(s.Canary), len(want))
	}
	if len(s.DataLoss)+len(s.IAM)+len(s.Public) > 0 {
		t.Errorf("a memory change reported dangers: %+v %+v %+v", s.DataLoss, s.IAM, s.Public)
	}
}

func TestDiffRemovedPattern(t *testing.T) {
	base := shippedDoc(t, "dev", nil)
	head := shippedDoc(t, "dev", func(c map[string]any) {
		c["kumo:patterns"] = []string{"webapp", "datalake", "opsautomation"}
		delete(c, "kumo:streamprocessing")
	})
	s := review(t, "removed-pattern", base, head)
	if s.Counts.Delete == 0 || s.Counts.Create+s.Counts.Replace != 0 {
		t.Errorf("counts %+v; want only deletions (and updates)", s.Counts)
	}
	var lost []string
	for _, d := range s.DataLoss {
		if d.Op != diff.OpDelete || !strings.HasPrefix(d.Name, "streams-") {
			t.Errorf("data loss %s %s (%s); want only the stream pattern's deletions", d.Op, d.Name, d.Type)
		}
		lost = append(lost, d.Type)
	}
	for _, typ := range []string{"aws:kinesis/stream:Stream", "aws:s3/bucketV2:BucketV2", "aws:sqs/queue:Queue", "aws:cloudwatch/logGroup:LogGroup"} {
		if !slices.Contains(lost, typ) {
			t.Errorf("data loss lists %v; want a %s of the removed pattern", lost, typ)
		}
	}
}

func TestDiffTableKeyChange(t *testing.T) {
	s := review(t, "table-key", shopDoc(t, nil), shopDoc(t, map[string]string{"orderKey": "orderId"}))
	if len(s.DataLoss) != 1 || s.DataLoss[0].Op != diff.OpReplace || s.DataLoss[0].Type != "aws:dynamodb/table:Table" {
		t.Fatalf("data loss %+v; want the orders table replaced", s.DataLoss)
	}
}

func TestDiffWidenedGrant(t *testing.T) {
	s := review(t, "iam-widening", shopDoc(t, nil), shopDoc(t, map[string]string{"grant": "readwrite"}))
	var actions []string
	for _, c := range s.IAM {
		actions = append(actions, c.Actions...)
	}
	for _, want := range []string{"dynamodb:PutItem", "dynamodb:DeleteItem"} {
		if !slices.Contains(actions, want) {
			t.Errorf("IAM widening lists %v; want %s", actions, want)
		}
	}
	if slices.Contains(actions, "dynamodb:GetItem") {
		t.Errorf("IAM widening lists %v; want only what the role gains, not dynamodb:GetItem it already had", actions)
	}
}

func TestDiffRouteMadePublic(t *testing.T) {
	s := review(t, "public-route", shopDoc(t, nil), shopDoc(t, map[string]string{"public": "true"}))
	if len(s.Public) == 0 || s.Public[0].What != "GET /orders/{id}" {
		t.Fatalf("public exposure %+v; want GET /orders/{id}", s.Public)
	}
}

func TestDiffCodeOnlyChange(t *testing.T) {
	s := review(t, "code-only", shopDoc(t, nil), shopDoc(t, map[string]string{"code": "v2"}))
	if len(s.Canary) != 1 || !slices.Equal(s.Canary[0].Reasons, []string{"code"}) {
		t.Errorf("canary plan %+v; want the orders function publishing for its code", s.Canary)
	}
	var folded []string
	for _, g := range s.Groups {
		folded = append(folded, g.CodeOnly...)
	}
	if !slices.Equal(folded, []string{"orders"}) {
		t.Errorf("code-only functions %v; want [orders] folded into one line", folded)
	}
}

func TestDiffSecrets(t *testing.T) {
	base := shopDoc(t, map[string]string{"apiToken": "first-plaintext"})
	head := shopDoc(t, map[string]string{"apiToken": "second-plaintext"})
	if s := review(t, "secret-unchanged", base, head); s.Counts != (diff.Counts{Same: s.Counts.Same}) {
		t.Errorf("counts %+v; offline, a changed secret looks unchanged (both are [secret]) — want no changes", s.Counts)
	}
	s := review(t, "secret-added", shopDoc(t, nil), head)
	out, _ := json.Marshal(s)
	if bytes.Contains(out, []byte("plaintext")) {
		t.Errorf("a secret's plaintext is in the report: %s", out)
	}
	if !bytes.Contains(out, []byte(`"[secret]"`)) {
		t.Errorf("report %s; want the added secret shown as [secret]", out)
	}
}

// TestDiffEnginePreview renders the preview the real engine printed
// (test/preview captures it): replacements, deletions, a secret and values
// known only after deploy.
func TestDiffEnginePreview(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, "internal", "diff", "testdata", "preview", "engine.json"))
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := diff.ReadPreview(data)
	if err != nil {
		t.Fatal(err)
	}
	rep := diff.Analyze(diffs)
	var text bytes.Buffer
	if err := diff.RenderText(&text, rep, diff.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	matchGolden(t, filepath.Join("diff", "engine-preview.txt"), "kumo diff --preview of the engine's preview", text.Bytes())
	md := diff.RenderMarkdown(rep, diff.MarkdownOptions{})
	matchGolden(t, filepath.Join("diff", "engine-preview.md"), "kumo diff --preview --format markdown of the engine's preview", []byte(md))
	for _, want := range []string{"known after deploy", "[secret]", "Data loss"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("review of the engine's preview lacks %q", want)
		}
	}
}

// TestDiffOversized reviews the removal of three of the prod stack's four
// patterns: a comment past GitHub's limit at full detail. The Markdown
// must fit, keep the summary and every data loss, and say what it cut.
func TestDiffOversized(t *testing.T) {
	base := shippedDoc(t, "prod", nil)
	head := shippedDoc(t, "prod", func(c map[string]any) {
		c["kumo:patterns"] = []string{"webapp"}
		for _, p := range []string{"datalake", "streamprocessing", "opsautomation"} {
			delete(c, "kumo:"+p)
		}
	})
	rep := reviewed(t, base, head, pricing(t))
	full := diff.RenderMarkdown(rep, diff.MarkdownOptions{MaxChars: 1 << 30})
	md := diff.RenderMarkdown(rep, diff.MarkdownOptions{})
	t.Logf("full detail: %d bytes; comment: %d bytes", len(full), len(md))
	// GitHub may count a line end as two characters (CRLF): the full
	// review is past the limit counted so.
	if n := len([]rune(full)) + strings.Count(full, "\n"); n <= diff.DefaultMaxChars || md == full {
		t.Fatalf("the full review is %d characters with CRLF line ends; want a scenario past GitHub's %d, trimmed", n, diff.DefaultMaxChars)
	}
	if n := len([]rune(md)); n > diff.DefaultMaxChars {
		t.Errorf("comment is %d characters; want at most %d", n, diff.DefaultMaxChars)
	}
	s := rep.Stacks[0]
	for _, want := range append([]string{"<!-- kumo-diff:kumo/prod -->", s.Verdict, "omitted", "#### Monthly cost: "}, dataLossNames(s)...) {
		if !strings.Contains(md, want) {
			t.Errorf("trimmed comment lacks %q", want)
		}
	}
	matchGolden(t, filepath.Join("diff", "oversized.md"), "kumo diff --format markdown of an oversized change", hashes.ReplaceAll([]byte(md), []byte("<hash>")))
}

func dataLossNames(s diff.StackReport) []string {
	var out []string
	for _, d := range s.DataLoss {
		out = append(out, d.Type+" "+d.Name)
	}
	return out
}

// readmeUsage is the shop's usage file in the README's example: its
// orders function serves a million requests a month.
func readmeUsage(t *testing.T) diff.UsageProfile {
	t.Helper()
	u, err := cost.ParseUsage("Pulumi.dev.usage.yaml", []byte("functions:\n  orders:\n    invocationsPerMonth: 1000000\n"))
	if err != nil {
		t.Fatal(err)
	}
	return diff.UsageProfile{Usage: u, Source: "Pulumi.dev.usage.yaml"}
}

// TestDiffReadmeExample is the comment the README shows, rendered from a
// real change of the shop program (its code is a committed zip, so every
// hash in it is stable), priced at readmeUsage: the README must show
// exactly what kumo writes.
func TestDiffReadmeExample(t *testing.T) {
	p := pricing(t)
	p.Profile = func(string, string) (diff.UsageProfile, error) { return readmeUsage(t), nil }
	rep := reviewed(t, shopDoc(t, nil), shopDoc(t, map[string]string{"orderKey": "orderId", "grant": "readwrite", "public": "true", "code": "v2", "memoryMB": "512"}), p)
	md := diff.RenderMarkdown(rep, diff.MarkdownOptions{})
	matchGolden(t, filepath.Join("diff", "example.md"), "the README's example comment", []byte(md))
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- kumo diff example: test/testdata/diff/example.md -->\n````markdown\n", "````\n"
	i := bytes.Index(readme, []byte(start))
	if i < 0 {
		t.Fatalf("README.md has no %q block; want the example comment there", strings.TrimSpace(start))
	}
	rest := readme[i+len(start):]
	j := bytes.Index(rest, []byte(end))
	if j < 0 || string(rest[:j]) != md {
		t.Errorf("README.md's example comment differs from test/testdata/diff/example.md; paste the golden between the markers")
	}
}

// ledger is the program of the cost scenario: an ingest function that no
// API or schedule invokes (the usage file says how often it runs) and that
// writes to the orders table; its knobs give the function more memory and
// add an events table it writes too.
func ledger(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) {
	orders, err := constructs.NewTable(ctx, "orders", &constructs.TableArgs{})
	if err != nil {
		return nil, err
	}
	memory := 0 // the construct's default, 256 MB
	if m := raw["ledger:memoryMB"]; m != "" {
		if memory, err = strconv.Atoi(m); err != nil {
			return nil, err
		}
	}
	zip := filepath.Join(root, "test", "testdata", "diff", "code-v1.zip")
	sha, err := codeSHA(zip)
	if err != nil {
		return nil, err
	}
	fn, err := constructs.NewFunction(ctx, "ingest", &constructs.FunctionArgs{
		Code: pulumi.NewFileArchive(zip), CodeSHA256: sha, MemoryMB: memory,
		Environment: map[string]pulumi.StringInput{"TABLE": orders.Name},
	})
	if err != nil {
		return nil, err
	}
	if err := orders.GrantWrite(fn); err != nil {
		return nil, err
	}
	if raw["ledger:events"] == "true" {
		events, err := constructs.NewTable(ctx, "events", &constructs.TableArgs{})
		if err != nil {
			return nil, err
		}
		if err := events.GrantWrite(fn); err != nil {
			return nil, err
		}
	}
	return pulumi.Map{"table": orders.Name}, nil
}

func ledgerDoc(t *testing.T, knobs map[string]string) *diff.SynthDoc {
	return ledgerDocIn(t, "eu-west-1", knobs)
}

func ledgerDocIn(t *testing.T, region string, knobs map[string]string) *diff.SynthDoc {
	config := map[string]string{"aws:region": region}
	for k, v := range knobs {
		config["ledger:"+k] = v
	}
	return synthDoc(t, "ledger", "dev", config, ledger)
}

// ledgerPricing prices the ledger at a usage file that runs its ingest
// function 2^20 times a month.
func ledgerPricing(t *testing.T) diff.Pricing {
	t.Helper()
	u, err := cost.ParseUsage("Pulumi.dev.usage.yaml", []byte("functions:\n  ingest:\n    invocationsPerMonth: 1048576\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := pricing(t)
	p.Profile = func(string, string) (diff.UsageProfile, error) {
		return diff.UsageProfile{Usage: u, Source: "Pulumi.dev.usage.yaml"}, nil
	}
	return p
}

// TestDiffCost: the function's memory doubles and a table is added; the
// review prices both sides at one usage file and names what moves the bill.
func TestDiffCost(t *testing.T) {
	s := reviewPriced(t, "cost", ledgerDoc(t, nil), ledgerDoc(t, map[string]string{"memoryMB": "512", "events": "true"}), ledgerPricing(t))
	c := s.Cost
	if c == nil || !c.Available {
		t.Fatalf("cost: got %+v; want it priced", c)
	}
	// eu-west-1 prices, 1,048,576 (2^20) invocations of 100 ms a month, each
	// writing one 1 KB item to every table the function may write:
	//
	// base  ingest   requests 1,048,576 × $0.20/1M               = $0.2097152
	//                compute  1,048,576 × 0.1 s × 0.25 GB
	//                         = 26,214.4 GB-s × $0.0000133334     = $0.34952708096
	//       orders   writes   1,048,576 WRU × $0.705/1M           = $0.73924608
	//                storage  1 GB a month kept 12 months = 12 GB
	//                         × $0.283                            = $3.396
	//                PITR     12 GB × $0.22                       = $2.64
	//       logs     ingest   1,048,576 KB = 1 GB × $0.57         = $0.57
	//                storage  1 GB × 30 days ÷ (730 h ÷ 24) months
	//                         × $0.03 = $0.03 × 720/730           = $0.0295890411…
	//       total                                                 = $7.93407740205589…
	//
	// head  ingest   compute doubles with memory 256 → 512 MB:
	//                52,428.8 GB-s: +26,214.4 GB-s × $0.0000133334 = +$0.34952708096
	//       events   new, priced as orders: $0.73924608 + $3.396 + $2.64 = +$6.77524608
	//       change                                                = +$7.12477316096
	//       = 89.8% of $7.934077…; all per use (no alarm, shard or key).
	computeMore := new(big.Rat).Mul(big.NewRat(262144, 10), big.NewRat(133334, 10000000000))
	events := new(big.Rat).SetFrac64(677524608, 100000000)
	wantDelta := new(big.Rat).Add(computeMore, events)
	wantBefore := big.NewRat(113122587959, 14257812500)
	for _, tc := range []struct {
		what string
		got  cost.Money
		want *big.Rat
	}{
		{"before", c.Before.Total, wantBefore},
		{"after", c.After.Total, new(big.Rat).Add(wantBefore, wantDelta)},
		{"change", c.Delta.Total, wantDelta},
		{"fixed change", c.Delta.Fixed, new(big.Rat)},
		{"per-use change", c.Delta.PerUse, wantDelta},
	} {
		if tc.got.Rat().Cmp(tc.want) != 0 {
			t.Errorf("%s: got %s; want %s", tc.what, tc.got.Rat().FloatString(10), tc.want.FloatString(10))
		}
	}
	if c.Percent != "+89.8" || c.Bound != cost.BoundExact || len(c.Unpriced) != 0 {
		t.Errorf("percent %q, bound %s, unpriced %v; want +89.8, exact, none", c.Percent, c.Bound, c.Unpriced)
	}
	if len(c.Resources) != 2 {
		t.Fatalf("resources behind the change: got %d; want the events table and the ingest function", len(c.Resources))
	}
	tbl, fn := c.Resources[0], c.Resources[1]
	if tbl.Type != "aws:dynamodb/table:Table" || tbl.Name != "events" || tbl.Op != diff.OpCreate || tbl.Delta.Rat().Cmp(events) != 0 {
		t.Errorf("first: got %s %s (%s) %s; want the new events table, +$6.77524608, the larger change first", tbl.Type, tbl.Name, tbl.Op, tbl.Delta.Micros())
	}
	if fn.Name != "ingest" || fn.Op != diff.OpUpdate || fn.Delta.Rat().Cmp(computeMore) != 0 || len(fn.Items) != 1 ||
		fn.Items[0].QuantityBefore != "26214.4" || fn.Items[0].QuantityAfter != "52428.8" {
		t.Errorf("second: got %+v; want ingest updated, compute 26214.4 → 52428.8 GB-s, +$0.34952708096", fn)
	}
}

// TestDiffRegionMove: the stack's aws:region changes. Offline the inputs
// look the same, but every AWS resource is created in the new region and
// deleted in the old: each is a replacement, the table loses its items,
// and the cost is priced where each side runs.
func TestDiffRegionMove(t *testing.T) {
	base, head := ledgerDocIn(t, "eu-west-1", nil), ledgerDocIn(t, "us-east-1", nil)
	rep := reviewed(t, base, head, ledgerPricing(t))
	s := rep.Stacks[0]
	custom := 0
	for _, r := range head.Resources {
		if r.Custom && strings.HasPrefix(r.Type, "aws:") {
			custom++
		}
	}
	if s.Counts.Replace != custom || s.Counts.Update != 0 {
		t.Errorf("counts %+v; want all %d AWS resources replaced", s.Counts, custom)
	}
	for _, g := range s.Groups {
		for _, c := range g.Changes {
			if c.Op == diff.OpReplace && !slices.Contains(c.ReplaceReasons, diff.RegionProp) {
				t.Errorf("%s replaced for %v; want its region", c.Name, c.ReplaceReasons)
			}
		}
	}
	if len(s.DataLoss) == 0 || !strings.Contains(dataLossReasons(s), "region changed: eu-west-1 → us-east-1 (forces replacement)") {
		t.Errorf("data loss %+v; want the tables' items lost to the move", s.DataLoss)
	}
	// The orders table in us-east-1 rather than eu-west-1:
	// writes 1,048,576 WRU × ($0.625 − $0.705)/1M = −$0.08388608,
	// storage 12 GB × ($0.25 − $0.283) = −$0.396, PITR 12 GB × ($0.20 −
	// $0.22) = −$0.24: −$0.71988608.
	var orders *diff.CostResource
	for i, r := range s.Cost.Resources {
		if r.Type == "aws:dynamodb/table:Table" && r.Name == "orders" {
			orders = &s.Cost.Resources[i]
		}
	}
	if orders == nil || orders.RegionBefore != "eu-west-1" || orders.RegionAfter != "us-east-1" || orders.Op != diff.OpReplace ||
		orders.Delta.Rat().Cmp(big.NewRat(-71988608, 100000000)) != 0 {
		t.Fatalf("orders table's cost: got %+v; want replaced eu-west-1 → us-east-1, -$0.71988608", orders)
	}
	var text bytes.Buffer
	if err := diff.RenderText(&text, rep, diff.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"~ region: \"eu-west-1\" → \"us-east-1\" (forces replacement)", "moved eu-west-1 → us-east-1"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text review lacks %q", want)
		}
	}
}

func dataLossReasons(s diff.StackReport) string {
	var out []string
	for _, d := range s.DataLoss {
		out = append(out, d.Name+": "+d.Reason)
	}
	return strings.Join(out, "\n")
}
