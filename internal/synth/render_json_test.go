package synth

import (
	"bytes"
	"encoding/json"
	"testing"
)

// wholeDocument is the synth contract as one json.Encoder writes it, the
// reference Result.JSON, which encodes resource by resource, must match.
func wholeDocument(t *testing.T, r *Result) []byte {
	t.Helper()
	type resourceJSON struct {
		URN          string         `json:"urn"`
		Type         string         `json:"type"`
		Name         string         `json:"name"`
		Custom       bool           `json:"custom"`
		Parent       string         `json:"parent"`
		Region       string         `json:"region,omitempty"`
		Inputs       map[string]any `json:"inputs"`
		Dependencies []string       `json:"dependencies"`
	}
	doc := struct {
		Project   string         `json:"project"`
		Stack     string         `json:"stack"`
		Region    string         `json:"region,omitempty"`
		Resources []resourceJSON `json:"resources"`
		Outputs   map[string]any `json:"outputs"`
	}{Project: r.Project, Stack: r.Stack, Region: r.Region, Resources: []resourceJSON{}, Outputs: r.Outputs}
	if doc.Outputs == nil {
		doc.Outputs = map[string]any{}
	}
	for _, res := range r.sorted() {
		rj := resourceJSON{URN: res.URN, Type: res.Type, Name: res.Name, Custom: res.Custom, Parent: res.Parent,
			Inputs: res.Inputs, Dependencies: res.Dependencies}
		if res.Custom && res.region != r.Region {
			rj.Region = res.region
		}
		if rj.Inputs == nil {
			rj.Inputs = map[string]any{}
		}
		if rj.Dependencies == nil {
			rj.Dependencies = []string{}
		}
		doc.Resources = append(doc.Resources, rj)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestJSONIsTheWholeDocumentEncoding(t *testing.T) {
	for name, r := range map[string]*Result{
		"empty":     {Project: "p", Stack: "s"},
		"no inputs": {Project: "p", Stack: "s", Resources: []Resource{{URN: "b", Type: "t", Name: "b"}, {URN: "a", Type: "t", Name: "a", Custom: true}}},
		"html":      {Project: "<p&>", Stack: "s\u2028", Outputs: map[string]any{"url": "https://x/?a=1&b=<2>", "n": json.Number("1.50")}},
		"regions": {Project: "p", Stack: "s", Region: "eu-west-1", Resources: []Resource{
			{URN: "a", Type: "t", Name: "here", Custom: true, region: "eu-west-1"},
			{URN: "b", Type: "t", Name: "there", Custom: true, region: "eu-central-1"},
			{URN: "c", Type: "kumo:x:Component", Name: "component", region: "eu-central-1"},
		}},
		"nested": {Project: "p", Stack: "s", Outputs: map[string]any{"list": []any{}, "map": map[string]any{}},
			Resources: []Resource{{URN: "u", Type: "t", Name: "n", Parent: "q", Dependencies: []string{"d1", "d2"},
				Inputs: map[string]any{"policy": `{"a":"<b>"}`, "list": []any{int64(1), 2.5, nil, true, map[string]any{"k": []any{}}}, "empty": map[string]any{}}}}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := r.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if want := wholeDocument(t, r); !bytes.Equal(got, want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestRegionFieldsRoundTrip: the stack's region is a top-level field, and a
// custom resource of another region's provider names its own region, which
// ParseResult gives back through Region; other resources inherit the
// stack's.
func TestRegionFieldsRoundTrip(t *testing.T) {
	r := &Result{Project: "p", Stack: "s", Region: "eu-west-1", Resources: []Resource{
		{URN: "a", Type: "aws:sqs/queue:Queue", Name: "here", Custom: true, region: "eu-west-1"},
		{URN: "b", Type: "aws:sqs/queue:Queue", Name: "there", Custom: true, region: "eu-central-1"},
		{URN: "c", Type: "kumo:x:Component", Name: "component", region: "eu-central-1"},
	}}
	b, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Region    string `json:"region"`
		Resources []struct {
			Name   string  `json:"name"`
			Region *string `json:"region"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Region != "eu-west-1" {
		t.Errorf("top-level region: got %q; want eu-west-1", doc.Region)
	}
	for _, res := range doc.Resources {
		got := "<absent>"
		if res.Region != nil {
			got = *res.Region
		}
		want := map[string]string{"here": "<absent>", "there": "eu-central-1", "component": "<absent>"}[res.Name]
		if got != want {
			t.Errorf("%s: got region %s; want %s", res.Name, got, want)
		}
	}
	parsed, err := ParseResult(b)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Region != "eu-west-1" {
		t.Errorf("parsed Region: got %q; want eu-west-1", parsed.Region)
	}
	for _, res := range parsed.Resources {
		want := map[string]string{"here": "eu-west-1", "there": "eu-central-1", "component": "eu-west-1"}[res.Name]
		if got := res.Region(); got != want {
			t.Errorf("parsed %s Region(): got %q; want %q", res.Name, got, want)
		}
	}
}
