package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kumo-iac/kumo/internal/cost"
	"github.com/kumo-iac/kumo/internal/synth"
)

// estimateStack prices a shipped stack as kumo cost does: synthesized, at
// its usage profile (Pulumi.<stack>.usage.yaml, or the defaults).
func estimateStack(t *testing.T, stack string) *cost.Report {
	t.Helper()
	res := synthStack(t, stack)
	usage, err := cost.LoadStackUsage(root, stack)
	if err != nil {
		t.Fatal(err)
	}
	table, err := cost.LoadTable()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := cost.Estimate(res.Project, res.Stack, res.Region, costResources(res), usage, table)
	if err != nil {
		t.Fatalf("estimate %s: %v", stack, err)
	}
	return rep
}

func costResources(res *synth.Result) []cost.Resource {
	var out []cost.Resource
	for i := range res.Resources {
		r := &res.Resources[i]
		out = append(out, cost.Resource{URN: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent, Region: r.Region(), Component: !r.Custom, Inputs: r.Inputs})
	}
	return out
}

// TestCostProdGolden pins the estimate of the prod stack, which composes
// all four patterns, at its usage file: any change to a price, a formula,
// a default or the stack shows in review (`go test ./test/ -run
// TestCostProdGolden -update` rewrites it).
func TestCostProdGolden(t *testing.T) {
	rep := estimateStack(t, "prod")
	got, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	matchGolden(t, filepath.Join("cost", "prod.json"), "kumo cost of prod", got)

	// Every pattern is priced, per-use traffic reaches each, and the
	// usage file's numbers are the ones used.
	for _, name := range []string{"web", "lake", "streams", "ops"} {
		var pc *cost.PatternCost
		for i := range rep.Patterns {
			if rep.Patterns[i].Name == name {
				pc = &rep.Patterns[i]
			}
		}
		if pc == nil || pc.PerUse.IsZero() || pc.Total.IsZero() {
			t.Errorf("pattern %s: got %+v; want a per-use and total cost", name, pc)
		}
	}
	fromFile := map[string]string{}
	for _, a := range rep.Assumptions {
		if a.Origin == cost.FromFile {
			fromFile[a.Key] = a.Value
		}
	}
	for key, want := range map[string]string{"webapp.apiRequestsPerMonth": "3,000,000", "datalake.gbIngestedPerDay": "4",
		"streamprocessing.recordsPerSecond": "25", "opsautomation.imagesPerDay": "150", "functions.lake-mapper.avgDurationMs": "3,000"} {
		if fromFile[key] != want {
			t.Errorf("assumption %s: got %q from the file; want %s", key, fromFile[key], want)
		}
	}
	if rep.Total.IsZero() || len(rep.Unpriced) == 0 {
		t.Errorf("total %s with %d unpriced; want a total that names what eu-west-1 lacks (Kinesis, OpenSearch, Firehose)", rep.Total, len(rep.Unpriced))
	}
}

// TestCostShippedStacks: every shipped stack estimates with no resource
// type kumo cannot price or call free.
func TestCostShippedStacks(t *testing.T) {
	for _, stack := range shippedStacks(t) {
		rep := estimateStack(t, stack)
		for _, u := range rep.Unpriced {
			if u.Key == "" {
				t.Errorf("%s: %s %s: %s", stack, u.Type, u.Name, u.Reason)
			}
		}
	}
}

// TestCLICostProd runs `kumo cost --stack prod` as a user would: it
// synthesizes the project's own program and prints a total for all four
// patterns with its assumptions; --json is the same report.
func TestCLICostProd(t *testing.T) {
	t.Parallel()
	bin := buildKumo(t)
	out, stderr, code := runKumo(t, bin, root, "cost", "--stack", "prod")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"kumo cost: stack prod (project kumo), eu-west-1", "Total $", "lake (DataLake)", "ops (OperationsAutomation)",
		"streams (StreamProcessing)", "web (WebApp)", "No price (not in the total)", "Assumptions", "webapp.apiRequestsPerMonth = 3,000,000 requests (file)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%.3000s", want, out)
		}
	}
	checkREADMECostExample(t, out)
	js, stderr, code := runKumo(t, bin, root, "cost", "--stack", "prod", "--json")
	if code != 0 {
		t.Fatalf("--json: exit %d: %s", code, stderr)
	}
	golden, err := os.ReadFile(filepath.Join("testdata", "cost", "prod.json"))
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal([]byte(js), &a); err != nil {
		t.Fatalf("--json is not JSON: %v", err)
	}
	if err := json.Unmarshal(golden, &b); err != nil {
		t.Fatal(err)
	}
	if js != string(golden) {
		t.Errorf("kumo cost --stack prod --json differs from testdata/cost/prod.json (the in-process estimate)")
	}
}

// checkREADMECostExample: the README's `kumo cost --stack prod` example is
// an excerpt of what the command prints: each of its lines but "…" is a
// line of out, in the same order.
func checkREADMECostExample(t *testing.T, out string) {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const start = "$ kumo cost --stack prod\n"
	_, rest, ok := strings.Cut(string(readme), start)
	if !ok {
		t.Fatalf("README.md has no %q example", strings.TrimSpace(start))
	}
	example, _, _ := strings.Cut(rest, "```")
	lines := strings.Split(out, "\n")
	at := 0
	for _, want := range strings.Split(strings.TrimRight(example, "\n"), "\n") {
		if want == "…" {
			continue
		}
		i := slices.Index(lines[at:], want)
		if i < 0 {
			t.Errorf("README's kumo cost example line %q is not in the output after line %d; paste the real output:\n%.2500s", want, at, out)
			return
		}
		at += i + 1
	}
}
