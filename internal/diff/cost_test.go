package diff

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kumo-iac/kumo/internal/cost"
)

// regionDoc is a synth document of the dev stack in region ("" as kumo wrote
// before it recorded regions).
func regionDoc(region string, rs ...SynthResource) *SynthDoc {
	return &SynthDoc{Project: "kumo", Stack: "dev", Region: region, Resources: rs}
}

// inRegion is r deployed by another region's provider.
func inRegion(r SynthResource, region string) SynthResource {
	r.Region = region
	return r
}

// TestRegionMove: offline, a resource that moves to another region — its
// own, or the stack's — is replaced, because an AWS resource exists in one
// region; without the regions of both documents nothing is judged.
func TestRegionMove(t *testing.T) {
	queue := func() SynthResource { return res(t, "aws:sqs/queue:Queue", "q", "", `{"visibilityTimeoutSeconds":30}`) }
	table := func() SynthResource { return res(t, "aws:dynamodb/table:Table", "t", "", `{"hashKey":"id"}`) }
	release := func() SynthResource { return res(t, "kumo:index:Release", "r", "", `{"fingerprint":"f"}`) }
	withInput := func() SynthResource { return res(t, "aws:sqs/queue:Queue", "q", "", `{"region":"eu-west-1"}`) }
	for _, tc := range []struct {
		name       string
		base, head *SynthDoc
		wantOp     Op
		wantProp   string // the region property's change, "" for none
	}{
		{"own region moves", regionDoc("eu-west-1", inRegion(queue(), "eu-central-1")), regionDoc("eu-west-1", inRegion(queue(), "eu-west-2")),
			OpReplace, `~ region: "eu-central-1" → "eu-west-2" (forces replacement)`},
		{"stack region moves", regionDoc("eu-west-1", queue()), regionDoc("us-east-1", queue()),
			OpReplace, `~ region: "eu-west-1" → "us-east-1" (forces replacement)`},
		{"stack moves, resource stays", regionDoc("eu-west-1", queue()), regionDoc("us-east-1", inRegion(queue(), "eu-west-1")), OpSame, ""},
		{"own region made explicit", regionDoc("eu-west-1", queue()), regionDoc("eu-west-1", inRegion(queue(), "eu-west-1")), OpSame, ""},
		{"base without regions", regionDoc("", queue()), regionDoc("us-east-1", queue()), OpSame, ""},
		{"head without regions", regionDoc("eu-west-1", queue()), regionDoc("", queue()), OpSame, ""},
		{"not an AWS resource", regionDoc("eu-west-1", release()), regionDoc("us-east-1", release()), OpSame, ""},
		{"a region input is the program's", regionDoc("eu-west-1", withInput()), regionDoc("us-east-1", withInput()), OpSame, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sd, err := Compare(tc.base, tc.head)
			if err != nil {
				t.Fatal(err)
			}
			c := sd.Changes[0]
			if c.Op != tc.wantOp {
				t.Errorf("op: got %s; want %s", c.Op, tc.wantOp)
			}
			var got string
			for _, p := range c.Props {
				if p.Path == RegionProp {
					got = propLine(p, 0)
				}
			}
			if got != tc.wantProp {
				t.Errorf("region change: got %q; want %q", got, tc.wantProp)
			}
			if tc.wantOp == OpReplace && !slices.Equal(c.ReplaceReasons, []string{RegionProp}) {
				t.Errorf("replace reasons: got %v; want [region]", c.ReplaceReasons)
			}
		})
	}
	// A data holder that moves loses what it holds, and says why.
	sr := analyzeDocs(t, regionDoc("eu-west-1", table()), regionDoc("us-east-1", table()))
	if len(sr.DataLoss) != 1 || sr.DataLoss[0].Reason != "region changed: eu-west-1 → us-east-1 (forces replacement)" {
		t.Errorf("data loss: got %+v; want the table replaced because its region changed", sr.DataLoss)
	}
}

// fnDoc is a stack of one arm64 function in region with the given
// memory, plus, when table is set, an on-demand table it may write.
func fnDoc(t *testing.T, region string, memory int, table bool) *SynthDoc {
	grants := `[]`
	rs := []SynthResource{}
	if table {
		grants = `["arn:aws:dynamodb:` + region + `:123456789012:table/events-e000000"]`
		rs = append(rs, res(t, "aws:dynamodb/table:Table", "events", "", `{"billingMode":"PAY_PER_REQUEST","name":"events-e000000"}`))
	}
	rs = append(rs,
		res(t, "aws:iam/role:Role", "ingest", "", `{}`),
		res(t, "aws:lambda/function:Function", "ingest", "", fmt.Sprintf(`{"memorySize":%d,"architectures":["arm64"],"role":"arn:aws:iam::123456789012:role/ingest-r000000"}`, memory)),
		res(t, "aws:iam/rolePolicy:RolePolicy", "ingest-grants", "", `{"role":"ingest-r000000","policy":`+jsonString(pol(`{"Effect":"Allow","Action":["dynamodb:PutItem"],"Resource":`+grants+`}`))+`}`),
	)
	return regionDoc(region, rs...)
}

// usage is a usage profile for a test, from YAML.
func usage(t *testing.T, yaml string) UsageProfile {
	t.Helper()
	u, err := cost.ParseUsage("Pulumi.dev.usage.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return UsageProfile{Usage: u, Source: "Pulumi.dev.usage.yaml"}
}

func pricing(t *testing.T, p UsageProfile) Pricing {
	t.Helper()
	tab, err := cost.LoadTable()
	if err != nil {
		t.Fatal(err)
	}
	return Pricing{Table: tab, Profile: func(string, string) (UsageProfile, error) { return p, nil }}
}

// priced compares and prices base and head and reviews the result.
func priced(t *testing.T, base, head *SynthDoc, p Pricing) (StackReport, error) {
	t.Helper()
	sd, err := Compare(base, head)
	if err != nil {
		t.Fatal(err)
	}
	ds := []StackDiff{sd}
	if err := Price(ds, p); err != nil {
		return StackReport{}, err
	}
	return Analyze(ds).Stacks[0], nil
}

func wantAmount(t *testing.T, what string, got cost.Money, want string) {
	t.Helper()
	w, _ := new(big.Rat).SetString(want)
	if got.Rat().Cmp(w) != 0 {
		t.Errorf("%s: got %s; want %s", what, got.Micros(), want)
	}
}

// TestPrice: both documents are priced at one usage profile; the memory
// doubling and the new table are the resources behind the change, with
// what the change does to each.
func TestPrice(t *testing.T) {
	p := pricing(t, usage(t, "functions:\n  ingest:\n    invocationsPerMonth: 1048576\n"))
	s, err := priced(t, fnDoc(t, "us-east-1", 256, false), fnDoc(t, "us-east-1", 512, true), p)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Cost
	if c == nil || !c.Available {
		t.Fatalf("cost: got %+v; want it priced", c)
	}
	// us-east-1. Compute: 1,048,576 invocations × 0.1 s × 0.25 GB =
	// 26,214.4 GB-s before, × 0.5 GB = 52,428.8 GB-s after: 26,214.4 GB-s
	// more × $0.0000133334 (arm64) = $0.34952708096.
	// The new table: 1,048,576 writes × 1 WRU (1 KB) × $0.625/1M =
	// $0.65536; storage 1,048,576 KB = 1 GB a month, kept 12 months
	// (defaults.storageHorizonMonths: no expiry) = 12 GB × $0.25 = $3.00.
	// Total +$4.00488708096.
	compute := new(big.Rat).Mul(big.NewRat(262144, 10), big.NewRat(133334, 10000000000))
	table := new(big.Rat).Add(big.NewRat(65536, 100000), big.NewRat(3, 1))
	want := new(big.Rat).Add(compute, table)
	if c.Delta.Total.Rat().Cmp(want) != 0 {
		t.Errorf("delta: got %s; want %s", c.Delta.Total.Micros(), want.FloatString(8))
	}
	// Before: 1,048,576 requests × $0.20/1M = $0.2097152 and 26,214.4
	// GB-s × $0.0000133334 = $0.34952708096: $0.55924228096. The change
	// is 4.00488708096 ÷ 0.55924228096 = +716.1% of it.
	wantAmount(t, "before", c.Before.Total, "0.55924228096")
	if c.Percent != "+716.1" {
		t.Errorf("percent: got %q; want \"+716.1\" (the change over the before total)", c.Percent)
	}
	if c.Usage != "Pulumi.dev.usage.yaml" || c.Bound != cost.BoundExact {
		t.Errorf("usage %q, bound %s; want Pulumi.dev.usage.yaml, exact", c.Usage, c.Bound)
	}
	if len(c.Resources) != 2 {
		t.Fatalf("resources: got %+v; want the table and the function", c.Resources)
	}
	tbl, fn := c.Resources[0], c.Resources[1]
	if tbl.Name != "events" || tbl.Op != OpCreate || !tbl.Before.IsZero() {
		t.Errorf("first: got %s %s from %s; want the new table, the larger change, from $0", tbl.Name, tbl.Op, tbl.Before.Micros())
	}
	wantAmount(t, "table", tbl.Delta, "3.65536")
	if fn.Name != "ingest" || fn.Op != OpUpdate || len(fn.Inputs) != 1 || fn.Inputs[0].Path != "memorySize" {
		t.Errorf("second: got %s %s, inputs %+v; want the function updated for its memorySize", fn.Name, fn.Op, fn.Inputs)
	}
	if len(fn.Items) != 1 || fn.Items[0].What != "compute (arm64)" || fn.Items[0].QuantityBefore != "26214.4" || fn.Items[0].QuantityAfter != "52428.8" {
		t.Errorf("function items: got %+v; want compute 26214.4 → 52428.8 GB-s", fn.Items)
	}
}

// TestPriceUnavailable: kumo says why it does not price a change rather
// than guess: a document without its region, a preview, a stack without a
// usage profile; a usage file it refuses stops the review.
func TestPriceUnavailable(t *testing.T) {
	ok := usage(t, "")
	for _, tc := range []struct {
		name       string
		base, head *SynthDoc
		profile    UsageProfile
		want       string
	}{
		{"base without region", fnDoc(t, "", 256, false), fnDoc(t, "eu-west-1", 512, false), ok,
			"the base document has no region (it was written by a kumo older than the synth contract's region fields); kumo does not guess where the stack runs"},
		{"both without region", fnDoc(t, "", 256, false), fnDoc(t, "", 512, false), ok, "the base and head document has no region"},
		{"no profile", fnDoc(t, "eu-west-1", 256, false), fnDoc(t, "eu-west-1", 512, false),
			UsageProfile{Unavailable: "the project directory /p is project \"shop\", not \"kumo\""}, "the project directory /p is project \"shop\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := priced(t, tc.base, tc.head, pricing(t, tc.profile))
			if err != nil {
				t.Fatal(err)
			}
			if s.Cost == nil || s.Cost.Available || !strings.Contains(s.Cost.Reason, tc.want) {
				t.Errorf("cost: got %+v; want unavailable because %q", s.Cost, tc.want)
			}
			var text bytes.Buffer
			if err := RenderText(&text, Report{Stacks: []StackReport{s}}, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text.String(), "Monthly cost: unavailable\n  "+s.Cost.Reason) {
				t.Errorf("text view:\n%s\nwant it to say the cost is unavailable and why", text.String())
			}
		})
	}

	// A stack only the head has costs nothing before, wherever it runs.
	s, err := priced(t, &SynthDoc{Project: "kumo", Stack: "dev"}, fnDoc(t, "eu-west-1", 256, true), pricing(t, usage(t, "functions:\n  ingest:\n    invocationsPerMonth: 1000\n")))
	if err != nil {
		t.Fatal(err)
	}
	if s.Cost == nil || !s.Cost.Available || !s.Cost.Before.Total.IsZero() || s.Cost.After.Total.IsZero() || s.Cost.Percent != "" {
		t.Errorf("new stack: got %+v; want priced from $0, with no percentage", s.Cost)
	}

	// A preview carries no synth documents.
	ds, err := ReadPreview([]byte(`{"steps":[{"op":"create","urn":"urn:pulumi:dev::kumo::aws:sqs/queue:Queue::q","newState":{"urn":"urn:pulumi:dev::kumo::aws:sqs/queue:Queue::q","type":"aws:sqs/queue:Queue","custom":true,"inputs":{}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := Price(ds, pricing(t, ok)); err != nil {
		t.Fatal(err)
	}
	if c := ds[0].Cost; c == nil || c.Available || !strings.Contains(c.Reason, "needs two synth documents") {
		t.Errorf("preview: got %+v; want unavailable, needing two synth documents", c)
	}

	// A usage file naming what neither side has is refused, as kumo cost
	// refuses it.
	_, err = priced(t, fnDoc(t, "eu-west-1", 256, false), fnDoc(t, "eu-west-1", 512, false), pricing(t, usage(t, "functions:\n  ingset:\n    invocationsPerMonth: 1\n")))
	var ue *cost.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "functions.ingset: no Lambda function of the stack has this name; functions: ingest") {
		t.Errorf("got %v; want the usage file refused, naming the function and the stack's", err)
	}

	// A project's usage file refused for a value is refused for its names
	// in the same message: every problem at once.
	dir := t.TempDir()
	for name, content := range map[string]string{"Pulumi.yaml": "name: kumo\nruntime: go\n",
		"Pulumi.dev.usage.yaml": "defaults:\n  itemKB: -1\nfunctions:\n  ingset:\n    invocationsPerMonth: 1\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := pricing(t, ok)
	p.Profile = ProjectProfiles(dir)
	_, err = priced(t, fnDoc(t, "eu-west-1", 256, false), fnDoc(t, "eu-west-1", 512, false), p)
	want := "line 2: defaults.itemKB = -1: a number ≥ 0 (KB); line 4: functions.ingset: no Lambda function of the stack has this name; functions: ingest"
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v; want one *cost.UsageError containing %q", err, want)
	}
}

// costReport is a stack whose cost change has n resources, the i-th
// changing by +$(i+1), and one cost without a price added.
func costReport(n int) Report {
	s := StackReport{Project: "kumo", Stack: "dev", Source: "synth", Counts: Counts{Update: n}, Verdict: fmt.Sprintf("%d to update", n)}
	c := &CostChange{Available: true, Usage: "Pulumi.dev.usage.yaml", Prices: "kumo-price-table/v1 of 2026-11-30", Bound: cost.BoundLower,
		Before: &CostTotals{}, After: &CostTotals{}, Delta: &CostTotals{}, UnpricedAfter: 1,
		Unpriced: []CostUnpriced{{URN: renderURN("dev", "aws:kinesis/stream:Stream", "s"), Type: "aws:kinesis/stream:Stream", Name: "s",
			Change: cost.UnpricedAdded, Region: "eu-central-1", Key: "kinesis.shard_hour", Reason: "the price table has no prices for region eu-central-1",
			QuantityAfter: "730", Unit: "shard-hours", Fixed: true}}}
	g := Group{}
	for i := n - 1; i >= 0; i-- {
		name := fmt.Sprintf("fn%02d", i)
		d := cost.MoneyOf(big.NewRat(int64(i+1), 1))
		c.Resources = append(c.Resources, CostResource{URN: renderURN("dev", "aws:lambda/function:Function", name), Type: "aws:lambda/function:Function",
			Name: name, Op: OpUpdate, Before: cost.MoneyOf(big.NewRat(1, 1)), After: cost.MoneyOf(big.NewRat(int64(i+2), 1)), Delta: d,
			Items:  []CostItem{{What: "compute (arm64)", Key: "lambda.gb_second.arm64", QuantityBefore: "100", QuantityAfter: "200", Unit: "GB-s", Delta: d}},
			Inputs: []PropChange{{Path: "memorySize", Kind: KindUpdate, Old: 256.0, New: 512.0}}})
		c.Delta.Total = c.Delta.Total.Add(d)
		c.Before.Total = c.Before.Total.Add(cost.MoneyOf(big.NewRat(1, 1)))
		g.Changes = append(g.Changes, Change{URN: renderURN("dev", "aws:lambda/function:Function", name), Type: "aws:lambda/function:Function",
			Name: name, Custom: true, Op: OpUpdate, Props: []PropChange{{Path: "memorySize", Kind: KindUpdate, Old: 256.0, New: 512.0}}})
	}
	c.After.Total = c.Before.Total.Add(c.Delta.Total)
	c.Percent = percent(c.Delta.Total, c.Before.Total)
	s.Cost = c
	s.Groups = []Group{g}
	return Report{Stacks: []StackReport{s}}
}

var moreCost = regexp.MustCompile(`_… and (\d+) more resources? \(\+\$([\d,.]+) together\)`)

// TestMarkdownCostCap: the comment shows the largest changes and counts
// the rest with what they add up to; with less room the cost rows go
// after the canary plan and before the dangers, and the totals stay.
func TestMarkdownCostCap(t *testing.T) {
	r := costReport(25)
	md := RenderMarkdown(r, MarkdownOptions{})
	// 25 resources changing by +$1 … +$25: $325 in all, from $25 to $350.
	for _, want := range []string{
		"| `kumo/dev` | 0 | 25 | 0 | 0 | at least +$325.00 (+1300.0%) | 25 to update |",
		"#### Monthly cost: at least +$325.00 (+1300.0%)",
		"$25.00 → $350.00 a month (fixed $0.00 → $0.00, per use $0.00 → $0.00), estimated by `kumo cost` at `Pulumi.dev.usage.yaml`",
		"| +$25.00 | `~` updated | `aws:lambda/function:Function fn24` | $1.00 | $26.00 | `memorySize 256 → 512`<br>`compute (arm64): 100 → 200 GB-s, +$25.00` |",
		"**No price** for 1 cost the change touches",
		"| `+` added | `aws:kinesis/stream:Stream s` | `kinesis.shard_hour in eu-central-1: 730 shard-hours` |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("comment lacks %q:\n%s", want, md)
		}
	}
	// The ten largest are shown; the other 15 (+$1 … +$15) add up to $120.
	if got := strings.Count(md, "| `~` updated |"); got != 10 {
		t.Errorf("cost rows: got %d; want 10", got)
	}
	if m := moreCost.FindStringSubmatch(md); m == nil || m[1] != "15" || m[2] != "120.00" {
		t.Errorf("rest of the resources: got %q; want 15 more, +$120.00 together", m)
	}
	if got := strings.Count(RenderMarkdown(r, MarkdownOptions{CostRows: 3}), "| `~` updated |"); got != 3 {
		t.Errorf("CostRows 3: got %d rows; want 3", got)
	}

	// Less and less room: the cost rows are cut after the canary plan and
	// before the dangers' rows; what is cut is counted.
	r.Stacks[0].Canary = []Release{{Function: "fn00", Alias: "live", Reasons: []string{"memorySize"}, Preference: "CodeDeployDefault.LambdaAllAtOnce"}}
	for i := range 30 {
		r.Stacks[0].DataLoss = append(r.Stacks[0].DataLoss, DataLoss{URN: renderURN("dev", "aws:s3/bucketV2:BucketV2", fmt.Sprintf("b%02d", i)),
			Type: "aws:s3/bucketV2:BucketV2", Name: fmt.Sprintf("b%02d", i), Op: OpDelete, Holds: "objects in an S3 bucket", Reason: "removed from the program"})
	}
	full := markdownLen(RenderMarkdown(r, MarkdownOptions{MaxChars: 1 << 30}))
	sawCut := false
	for budget := full; budget > 500; budget -= 40 {
		md := RenderMarkdown(r, MarkdownOptions{MaxChars: budget + markdownReserve})
		rows := strings.Count(md, "| `~` updated |")
		canaryCut := strings.Contains(md, "Detail omitted to fit GitHub's size limit: 1 function publish")
		dangerCut := strings.Contains(md, "more data-loss changes omitted")
		if !strings.Contains(md, "#### Monthly cost: at least +$325.00") || !strings.Contains(md, "$25.00 → $350.00 a month") {
			t.Fatalf("budget %d: the cost's totals were cut", budget)
		}
		if rows < 10 && !canaryCut {
			t.Errorf("budget %d: cost rows cut (%d kept) before the canary plan", budget, rows)
		}
		if dangerCut && rows > 0 {
			t.Errorf("budget %d: danger rows cut while %d cost rows are kept", budget, rows)
		}
		m := moreCost.FindStringSubmatch(md)
		if m == nil || atoi(t, m[1])+rows != 25 {
			t.Errorf("budget %d: %d cost rows kept and %v counted; want all 25 accounted for", budget, rows, m)
		}
		sawCut = sawCut || (rows < 10 && rows > 0)
	}
	if !sawCut {
		t.Errorf("no budget cut some cost rows but not all; the test does not exercise the cut")
	}
}

// TestRenderJSONCost: the cost is part of the diff's JSON contract: money
// as exact decimal strings, lists never null, and it reads back.
func TestRenderJSONCost(t *testing.T) {
	r := costReport(2)
	r.Stacks = append(r.Stacks, StackReport{Project: "kumo", Stack: "prod", Source: "preview", Verdict: "no changes", Cost: unavailable(previewCostReason)})
	var b bytes.Buffer
	if err := RenderJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`"cost": {` + "\n" + `        "available": true,`,
		`"before": {` + "\n" + `          "fixed": "0.000000",` + "\n" + `          "perUse": "0.000000",` + "\n" + `          "total": "2.000000"`,
		`"delta": "2.000000",`, `"percent": "+150.0",`, `"bound": "lower",`, `"quantityBefore": "100",`,
		`"change": "added",`, `"available": false,` + "\n" + `        "reason": "the cost change needs two synth documents`,
		`"unpricedAfter": 1,`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "null") {
		t.Errorf("got null in:\n%s", out)
	}
	var got Report
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decode: %v", err)
	}
	c := got.Stacks[0].Cost
	if c.Delta.Total.Cmp(r.Stacks[0].Cost.Delta.Total) != 0 || c.Resources[0].Items[0].Delta.Cmp(cost.MoneyOf(big.NewRat(2, 1))) != 0 ||
		c.Unpriced[0].Key != "kinesis.shard_hour" || got.Stacks[1].Cost.Available || len(got.Stacks[1].Cost.Resources) != 0 {
		t.Errorf("read back: got %+v; want the amounts and entries written", c)
	}
}

// noRuleReport is a change adding a resource of a type kumo cost has no
// pricing rule for.
func noRuleReport() Report {
	r := costReport(0)
	r.Stacks[0].Cost.Unpriced = []CostUnpriced{{URN: renderURN("dev", "aws:gamelift/fleet:Fleet", "f"), Type: "aws:gamelift/fleet:Fleet", Name: "f",
		Change: cost.UnpricedAdded, Region: "eu-west-1", Reason: "kumo cost has no pricing rule for aws:gamelift/fleet:Fleet"}}
	return r
}

// TestGateCost: the cost category fails on an increase past the limit, on
// a new cost kumo cannot price and on a cost it could not measure; an
// allowed resource's share is left out.
func TestGateCost(t *testing.T) {
	ten := big.NewRat(10, 1)
	unavailableReport := Report{Stacks: []StackReport{{Project: "kumo", Stack: "dev", Cost: unavailable("the base document has no region")}}}
	for _, tc := range []struct {
		name   string
		r      Report
		failOn []string
		allow  []string
		max    *big.Rat
		want   []string
	}{
		// costReport(3): fn02 +$3, fn01 +$2, fn00 +$1: +$6.00 from $3.
		{"any increase", costReport(3), []string{"cost"}, nil, nil, []string{
			"kumo/dev: cost: monthly cost: +$6.00 a month ($3.00 → $9.00) is more than the $0.00 allowed; largest: fn02 +$3.00, fn01 +$2.00, fn00 +$1.00",
			"kumo/dev: cost: aws:kinesis/stream:Stream s: no price for kinesis.shard_hour in eu-central-1: 730 shard-hours: the increase cannot be measured (the price table has no prices for region eu-central-1)"}},
		{"under the limit", costReport(3), []string{"cost"}, nil, ten, []string{
			"kumo/dev: cost: aws:kinesis/stream:Stream s: no price for kinesis.shard_hour in eu-central-1: 730 shard-hours: the increase cannot be measured (the price table has no prices for region eu-central-1)"}},
		{"unpriced allowed", costReport(3), []string{"cost"}, []string{"cost=aws:kinesis/*"}, ten, nil},
		{"allowed share left out", costReport(3), []string{"cost"}, []string{"cost=fn02", "s"}, big.NewRat(2, 1), []string{
			"kumo/dev: cost: monthly cost: +$3.00 a month ($3.00 → $9.00) is more than the $2.00 allowed; largest: fn01 +$2.00, fn00 +$1.00"}},
		{"allowed for another category", costReport(3), []string{"cost"}, []string{"replace=fn02", "s"}, big.NewRat(5, 1), []string{
			"kumo/dev: cost: monthly cost: +$6.00 a month ($3.00 → $9.00) is more than the $5.00 allowed; largest: fn02 +$3.00, fn01 +$2.00, fn00 +$1.00"}},
		{"unavailable", unavailableReport, []string{"cost"}, nil, ten, []string{"kumo/dev: cost: monthly cost: cost change unavailable: the base document has no region"}},
		{"not gated", costReport(3), []string{"data-loss"}, nil, nil, nil},
		{"no pricing rule", noRuleReport(), []string{"cost"}, nil, ten, []string{
			"kumo/dev: cost: aws:gamelift/fleet:Fleet f: kumo cost has no pricing rule for aws:gamelift/fleet:Fleet (in eu-west-1): the increase cannot be measured"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs, err := GateWith(tc.r, tc.failOn, tc.allow, GateLimits{MaxCostIncrease: tc.max})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vs {
				got = append(got, v.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("violations:\ngot  %q\nwant %q", got, tc.want)
			}
		})
	}
	if _, err := GateWith(costReport(1), []string{"cost"}, nil, GateLimits{MaxCostIncrease: big.NewRat(-1, 1)}); err == nil {
		t.Errorf("a negative limit: got no error")
	}
}
