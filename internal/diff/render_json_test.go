package diff

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestRenderJSONRoundTrip: the output reads back into the report it was
// rendered from, empty lists as empty lists.
func TestRenderJSONRoundTrip(t *testing.T) {
	for _, tc := range goldenReports {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.report()
			var b bytes.Buffer
			if err := RenderJSON(&b, r); err != nil {
				t.Fatal(err)
			}
			var got Report
			dec := json.NewDecoder(&b)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if want := jsonReport(r); !reflect.DeepEqual(got, want) {
				t.Errorf("read back:\ngot  %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestRenderJSONArrays: a reader iterating the contract's lists never meets
// null, and the caller's report is left as it was.
func TestRenderJSONArrays(t *testing.T) {
	r := Report{Stacks: []StackReport{{
		Project: "kumo", Stack: "dev", Source: "synth", Verdict: "no changes",
		IAM:    []IAMChange{{URN: "urn:pulumi:dev::kumo::aws:iam/rolePolicy:RolePolicy::p", Kind: "added", Effect: "Allow"}},
		Canary: []Release{{Function: "f", First: true}},
		Groups: []Group{{Component: "", CodeOnly: []string{"f"}}},
	}}}
	var b bytes.Buffer
	if err := RenderJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "null") {
		t.Errorf("got null in:\n%s", out)
	}
	for _, want := range []string{`"dataLoss": []`, `"publicExposure": []`, `"actions": []`, `"resources": []`, `"reasons": []`, `"changes": []`} {
		if !strings.Contains(out, want) {
			t.Errorf("got no %s in:\n%s", want, out)
		}
	}
	if r.Stacks[0].DataLoss != nil || r.Stacks[0].IAM[0].Actions != nil || r.Stacks[0].Groups[0].Changes != nil {
		t.Errorf("RenderJSON changed the caller's report")
	}
	if !strings.HasSuffix(out, "}\n") || !strings.HasPrefix(out, "{\n  \"stacks\": [") {
		t.Errorf("got %q…; want an object indented by two spaces ending in a newline", out[:min(len(out), 20)])
	}
}

func TestRenderJSONNoHTMLEscape(t *testing.T) {
	var b bytes.Buffer
	if err := RenderJSON(&b, hostileReport()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `web-site/<script>|`+"`x`") || strings.Contains(b.String(), `\u003c`) {
		t.Errorf("got HTML-escaped names; want them as written")
	}
}

func TestRenderJSONStable(t *testing.T) {
	r := exampleReport()
	r.Stacks[0].Groups[1].Changes[1].New = map[string]any{"z": 1.0, "a": 2.0, "m": map[string]any{"y": 1.0, "b": 2.0}}
	var first bytes.Buffer
	if err := RenderJSON(&first, r); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		var again bytes.Buffer
		if err := RenderJSON(&again, r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), again.Bytes()) {
			t.Fatalf("two renders of one report differ")
		}
	}
	if !strings.Contains(first.String(), "\"a\": 2,\n") {
		t.Errorf("got inputs' keys unsorted")
	}
}
