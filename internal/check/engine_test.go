package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/kumo-iac/kumo/internal/synth"
)

// insecure is a stack with two buckets breaking AwsSolutions-S1 (no access
// logs), one inside a kumo construct.
func insecure() (*graph, string, string) {
	g := &graph{}
	a := g.add(typeBucketV2, "a", nil)
	b := g.add(typeBucketV2, "b", nil)
	g.component("kumo:constructs:Bucket", "store", b)
	return g, a, b
}

func result(g *graph) *synth.Result {
	rs := slices.Clone(g.rs)
	slices.SortFunc(rs, func(x, y synth.Resource) int { return strings.Compare(x.URN, y.URN) })
	return &synth.Result{Project: "app", Stack: "test", Resources: rs}
}

func annotate(g *graph, u string, s Suppression) {
	raw, _ := json.Marshal(s)
	r := g.get(u)
	if r.Annotations == nil {
		r.Annotations = map[string][]string{}
	}
	r.Annotations[AnnotationKey] = append(r.Annotations[AnnotationKey], string(raw))
}

func s1(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Rule == "AwsSolutions-S1" {
			out = append(out, f.Name)
		}
	}
	return out
}

// TestSuppressions: a suppression accepts exactly its rule on its resource,
// from the program or the stack config; one matching nothing is reported.
func TestSuppressions(t *testing.T) {
	g, a, b := insecure()
	rep, err := Run(result(g), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s1(rep.Findings); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("unsuppressed S1 findings: %v; want a and b", got)
	}
	for _, f := range rep.Findings {
		if f.Name == "b" && f.Construct != urn("kumo:constructs:Bucket", "store") {
			t.Errorf("b's construct: %q; want the kumo:constructs:Bucket holding it", f.Construct)
		}
	}

	annotate(g, a, Suppression{Rule: "AwsSolutions-S1", Reason: "a holds only public test fixtures"})
	// Suppressing the construct does not suppress its child.
	annotate(g, urn("kumo:constructs:Bucket", "store"), Suppression{Rule: "AwsSolutions-S1", Reason: "covers only the component itself"})
	config := []Suppression{
		{Rule: "AwsSolutions-S2", Resource: typeBucketV2 + "::b", Reason: "b has no public access block: nothing to suppress", From: "config"},
	}
	rep, err = Run(result(g), "", config)
	if err != nil {
		t.Fatal(err)
	}
	if got := s1(rep.Findings); !slices.Equal(got, []string{"b"}) {
		t.Errorf("unsuppressed S1 findings: %v; want b only", got)
	}
	if got := s1(rep.Suppressed); !slices.Equal(got, []string{"a"}) || rep.Suppressed[0].Suppression.From != "program" {
		t.Errorf("suppressed: %+v; want a's S1, from the program", rep.Suppressed)
	}
	var unused []string
	for _, s := range rep.Unused {
		unused = append(unused, s.Rule+" "+s.Resource+" "+s.From)
	}
	want := []string{"AwsSolutions-S2 " + b + " config", "AwsSolutions-S1 " + urn("kumo:constructs:Bucket", "store") + " program"}
	if !slices.Equal(unused, want) {
		t.Errorf("unused suppressions: %q; want %q", unused, want)
	}
}

// TestBadSuppressions: every suppression that cannot apply is reported at
// once, naming it, before any rule runs.
func TestBadSuppressions(t *testing.T) {
	g, a, _ := insecure()
	annotate(g, a, Suppression{Rule: "AwsSolutions-S11", Reason: "a typo in the rule ID"})
	annotate(g, a, Suppression{Rule: "AwsSolutions-S1", Reason: "ok"})
	config := []Suppression{
		{Rule: "AwsSolutions-S1", Resource: typeBucketV2 + "::missing", Reason: "no such bucket exists", From: "config"},
		{Rule: "AwsSolutions-S1", Resource: "urn:pulumi:test::app::nope::x", Reason: "no such URN exists", From: "config"},
		{Rule: "AwsSolutions-S1", Resource: "bucket-a", Reason: "neither a URN nor type::name", From: "config"},
		{Rule: "AwsSolutions-S1", Resource: typeBucketV2 + "::a", Finding: "Resource::*", Reason: "S1 has no per-item findings", From: "config"},
	}
	_, err := Run(result(g), "", config)
	var serr *SuppressionError
	if !errors.As(err, &serr) {
		t.Fatalf("got %v; want a *SuppressionError", err)
	}
	for _, want := range []string{
		`unknown rule "AwsSolutions-S11"; did you mean "AwsSolutions-S1"?`,
		`reason "ok"`,
		`resource "aws:s3/bucketV2:BucketV2::missing": no aws:s3/bucketV2:BucketV2 named "missing"`,
		`"urn:pulumi:test::app::nope::x": no such resource`,
		`"bucket-a": not a URN or <type>::<name>`,
		`drop finding "Resource::*"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if len(serr.Problems) != 6 {
		t.Errorf("%d problems; want 6:\n%v", len(serr.Problems), err)
	}
}

func TestParseConfig(t *testing.T) {
	ss, err := ParseConfig(`[{"rule":"AwsSolutions-S1","resource":"aws:s3/bucketV2:BucketV2::a","reason":"public fixtures only"}]`)
	if err != nil || len(ss) != 1 || ss[0].From != "config" || ss[0].Resource != "aws:s3/bucketV2:BucketV2::a" {
		t.Errorf("got %+v, %v", ss, err)
	}
	for _, bad := range []string{`{"rule":"x"}`, `[{"rule":"x","why":"typo of reason"}]`, `not json`} {
		if _, err := ParseConfig(bad); err == nil || !strings.Contains(err.Error(), ConfigKey) {
			t.Errorf("ParseConfig(%s): %v; want an error naming %s", bad, err, ConfigKey)
		}
	}
	if ss, err := ParseConfig(""); err != nil || ss != nil {
		t.Errorf("empty config: %v, %v", ss, err)
	}
}

// TestSARIFValidates: the SARIF output of findings (with and without a
// site, suppressed or not) validates against the OASIS SARIF 2.1.0 schema
// (testdata, from oasis-tcs/sarif-spec sarif-2.1/schema).
func TestSARIFValidates(t *testing.T) {
	schema, err := jsonschema.Compile(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	g, a, _ := insecure()
	annotate(g, a, Suppression{Rule: "AwsSolutions-S1", Reason: "a holds only public test fixtures"})
	rep, err := Run(result(g), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	rep.Findings[0].Site = &synth.Site{File: "main.go", Line: 12}
	out, err := SARIF(rep, "/src/app", "test")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("SARIF output does not validate: %v\n%s", err, out)
	}
	var log sarifLog
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	if id := log.Runs[0].AutomationDetails.ID; id != "kumo-check/test/" {
		t.Errorf("category %q; want one per stack, kumo-check/test/", id)
	}
	results := log.Runs[0].Results
	if len(results) != len(rep.Findings)+len(rep.Suppressed) || len(log.Runs[0].Tool.Driver.Rules) != len(Rules()) {
		t.Fatalf("%d results, %d rules; want every finding and every rule", len(results), len(log.Runs[0].Tool.Driver.Rules))
	}
	if loc := results[0].Locations[0].PhysicalLocation; loc.ArtifactLocation.URI != "main.go" || loc.Region.StartLine != 12 {
		t.Errorf("first result located at %+v; want main.go:12", loc)
	}
	var withConstruct bool
	for _, r := range results {
		for _, l := range r.Locations[0].LogicalLocations {
			withConstruct = withConstruct || (l.Kind == "module" && l.FullyQualifiedName == urn("kumo:constructs:Bucket", "store"))
		}
	}
	if !withConstruct {
		t.Error("no result names the kumo construct holding its resource")
	}
	suppressed := results[len(results)-1]
	if len(suppressed.Suppressions) != 1 || suppressed.Suppressions[0].Justification != "a holds only public test fixtures" {
		t.Errorf("suppressed result: %+v; want its justification", suppressed.Suppressions)
	}
	// A document the schema must refuse, so the check above can fail.
	bad := bytes.Replace(out, []byte(`"version": "2.1.0"`), []byte(`"version": "2.0.0"`), 1)
	json.Unmarshal(bad, &doc)
	if schema.Validate(doc) == nil {
		t.Error("the schema accepted version 2.0.0; the validation proves nothing")
	}
}

// TestTextReport: the text report sums up and says, per finding, what, where
// and how to fix.
func TestTextReport(t *testing.T) {
	g, _, _ := insecure()
	rep, err := Run(result(g), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	rep.Findings[0].Site = &synth.Site{File: "main.go", Line: 12}
	var buf bytes.Buffer
	if err := WriteText(&buf, rep, "dev"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"kumo check: stack dev: ", " rules over 3 resources: ", "error   AwsSolutions-S1  aws:s3/bucketV2:BucketV2 a (main.go:12)",
		"in kumo:constructs:Bucket store", "The S3 Bucket has server access logs disabled.", "fix: Add an aws:s3/bucketLoggingV2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
}

func TestRulesAreUniqueAndComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range registered {
		if seen[r.ID] {
			t.Errorf("rule %s registered twice", r.ID)
		}
		seen[r.ID] = true
		if r.What == "" || r.Why == "" || r.Fix == "" || r.Check == nil || len(r.Types) == 0 || (r.Level != Error && r.Level != Warning) {
			t.Errorf("rule %s is incomplete: every rule needs What, Why, Fix, Types, a level and a Check", r.ID)
		}
	}
}

// TestAttachDetail: the report kumo synth asks for counts suppressed
// findings; kumo check's lists them.
func TestAttachDetail(t *testing.T) {
	for _, detail := range []bool{false, true} {
		g, a, _ := insecure()
		annotate(g, a, Suppression{Rule: "AwsSolutions-S1", Reason: "a holds only public test fixtures"})
		res := result(g)
		if err := Attach(res, t.TempDir(), detail); err != nil {
			t.Fatal(err)
		}
		rep, err := ReportOf(res)
		if err != nil {
			t.Fatal(err)
		}
		if rep.SuppressedCount != 1 || (len(rep.Suppressed) == 1) != detail {
			t.Errorf("detail %v: %d suppressed counted, %d listed; want 1 counted and listed only with detail", detail, rep.SuppressedCount, len(rep.Suppressed))
		}
	}
}
