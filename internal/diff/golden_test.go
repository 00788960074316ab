package diff

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// Tests on the shipped stacks: the golden synth of dev (and prod) as the
// base, a copy mutated in the test as the head.

func readGolden(t testing.TB, stack string) *SynthDoc {
	t.Helper()
	data, err := os.ReadFile("../../test/testdata/" + stack + ".golden.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ReadSynth(data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func find(t testing.TB, d *SynthDoc, typ, name string) *SynthResource {
	t.Helper()
	for i := range d.Resources {
		if d.Resources[i].Type == typ && d.Resources[i].Name == name {
			return &d.Resources[i]
		}
	}
	t.Fatalf("no %s %q in %s", typ, name, d.Stack)
	return nil
}

// analyzeMutation compares the golden stack with a copy mutate changed.
func analyzeMutation(t *testing.T, stack string, mutate func(head *SynthDoc)) StackReport {
	t.Helper()
	base, head := readGolden(t, stack), readGolden(t, stack)
	mutate(head)
	d, err := Compare(base, head)
	if err != nil {
		t.Fatal(err)
	}
	r := Analyze([]StackDiff{d})
	if len(r.Stacks) != 1 {
		t.Fatalf("got %d stack reports; want 1", len(r.Stacks))
	}
	return r.Stacks[0]
}

func TestGoldenUnchanged(t *testing.T) {
	// Every resource of the stack is the same, whatever the stack holds.
	n := len(readGolden(t, "dev").Resources)
	sr := analyzeMutation(t, "dev", func(*SynthDoc) {})
	if sr.Verdict != "no changes" || len(sr.Groups) != 0 || sr.Counts.Same != n || n < 700 {
		t.Errorf("verdict %q, %d groups, %d same; want \"no changes\", 0, %d (of at least 700)", sr.Verdict, len(sr.Groups), sr.Counts.Same, n)
	}
}

func TestGoldenTableKeyChange(t *testing.T) {
	sr := analyzeMutation(t, "dev", func(h *SynthDoc) {
		find(t, h, "aws:dynamodb/table:Table", "web-items").Inputs["hashKey"] = "pk"
	})
	want := []DataLoss{{
		URN:    "urn:pulumi:dev::kumo::kumo:patterns:WebApp$kumo:constructs:Table$aws:dynamodb/table:Table::web-items",
		Type:   "aws:dynamodb/table:Table",
		Name:   "web-items",
		Op:     OpReplace,
		Holds:  "items of a DynamoDB table",
		Reason: "partition key hashKey changed: id → pk (forces replacement)",
	}}
	if !reflect.DeepEqual(sr.DataLoss, want) {
		t.Errorf("data loss:\ngot  %+v\nwant %+v", sr.DataLoss, want)
	}
	if want := "⚠ 1 resource loses data · 1 to replace"; sr.Verdict != want {
		t.Errorf("verdict: got %q; want %q", sr.Verdict, want)
	}
}

func TestGoldenRemovedPattern(t *testing.T) {
	const pattern = "urn:pulumi:dev::kumo::kumo:patterns:StreamProcessing::streams"
	// The data holders the pattern has, counted by type, independently of
	// the analysis's own table.
	holders := map[string]bool{
		"aws:dynamodb/table:Table": true, "aws:s3/bucketV2:BucketV2": true, "aws:kinesis/stream:Stream": true,
		"aws:cognito/userPool:UserPool": true, "aws:opensearch/domain:Domain": true,
		"aws:cloudwatch/logGroup:LogGroup": true, "aws:sqs/queue:Queue": true, "aws:kms/key:Key": true,
	}
	base := readGolden(t, "dev")
	under := func(r *SynthResource) bool {
		return r.URN == pattern || strings.HasPrefix(r.URN, "urn:pulumi:dev::kumo::kumo:patterns:StreamProcessing$")
	}
	removed, wantLoss := 0, map[string]int{}
	for i := range base.Resources {
		if r := &base.Resources[i]; under(r) {
			removed++
			if holders[r.Type] {
				wantLoss[r.Type]++
			}
		}
	}
	if wantLoss["aws:kinesis/stream:Stream"] == 0 || wantLoss["aws:dynamodb/table:Table"] == 0 {
		t.Fatalf("the pattern should hold streams and tables; has %v", wantLoss)
	}
	sr := analyzeMutation(t, "dev", func(h *SynthDoc) {
		var kept []SynthResource
		for _, r := range h.Resources {
			if !under(&r) {
				kept = append(kept, r)
			}
		}
		h.Resources = kept
	})
	if sr.Counts.Delete != removed || sr.Counts.Create+sr.Counts.Update+sr.Counts.Replace != 0 {
		t.Errorf("counts: got %+v; want %d deletes only", sr.Counts, removed)
	}
	gotLoss := map[string]int{}
	for _, d := range sr.DataLoss {
		gotLoss[d.Type]++
		if d.Op != OpDelete || d.Reason != "removed from the program" {
			t.Errorf("%s: op %s reason %q; want delete, \"removed from the program\"", d.Name, d.Op, d.Reason)
		}
		// dev's buckets set forceDestroy, so nothing stops their loss.
		if d.Type == "aws:s3/bucketV2:BucketV2" && d.Protected != "" {
			t.Errorf("%s: protected %q; want none (forceDestroy is true in dev)", d.Name, d.Protected)
		}
	}
	if !reflect.DeepEqual(gotLoss, wantLoss) {
		t.Errorf("data loss by type: got %v; want %v", gotLoss, wantLoss)
	}
	// Policies removed with what they guard widen nothing that stays.
	if len(sr.IAM) != 0 || len(sr.Public) != 0 || len(sr.Canary) != 0 {
		t.Errorf("got %d IAM, %d public, %d canary entries; want none for a removal: %+v %+v", len(sr.IAM), len(sr.Public), len(sr.Canary), sr.IAM, sr.Public)
	}
	if !strings.HasPrefix(sr.Verdict, "⚠ ") || !strings.Contains(sr.Verdict, "resources lose data") {
		t.Errorf("verdict %q; want a data-loss warning", sr.Verdict)
	}
}

func TestGoldenWidenedRolePolicy(t *testing.T) {
	sr := analyzeMutation(t, "dev", func(h *SynthDoc) {
		p := find(t, h, "aws:iam/rolePolicy:RolePolicy", "web-items-table-web-items-readwrite")
		var doc map[string]any
		if err := json.Unmarshal([]byte(p.Inputs["policy"].(string)), &doc); err != nil {
			t.Fatal(err)
		}
		st := doc["Statement"].([]any)[0].(map[string]any)
		st["Action"] = append(st["Action"].([]any), "dynamodb:DeleteTable")
		b, _ := json.Marshal(doc)
		p.Inputs["policy"] = string(b)
	})
	if len(sr.IAM) != 1 {
		t.Fatalf("got %d IAM changes; want 1: %+v", len(sr.IAM), sr.IAM)
	}
	got := sr.IAM[0]
	if got.Kind != "broadened" || got.Effect != "Allow" || !reflect.DeepEqual(got.Actions, []string{"dynamodb:DeleteTable"}) ||
		!strings.HasPrefix(got.Attached, "role web-items-") || len(got.Resources) == 0 {
		t.Errorf("IAM change: got %+v; want broadened Allow of dynamodb:DeleteTable on the table, attached to role web-items-…", got)
	}
	if want := "⚠ IAM widened (1 statement) · 1 to update"; sr.Verdict != want {
		t.Errorf("verdict: got %q; want %q", sr.Verdict, want)
	}
}

func TestGoldenRouteMadePublic(t *testing.T) {
	sr := analyzeMutation(t, "dev", func(h *SynthDoc) {
		m := find(t, h, typeMethod, "web-api-GET-/items/{id}")
		m.Inputs["authorization"] = "NONE"
		delete(m.Inputs, "authorizerId")
	})
	want := []PublicChange{{
		URN:  "urn:pulumi:dev::kumo::kumo:patterns:WebApp$kumo:constructs:Api$aws:apigateway/method:Method::web-api-GET-/items/{id}",
		Type: typeMethod, What: "GET /items/{id}", Before: "COGNITO_USER_POOLS", After: "NONE (public)",
	}}
	if !reflect.DeepEqual(sr.Public, want) {
		t.Errorf("public:\ngot  %+v\nwant %+v", sr.Public, want)
	}
	if want := "⚠ 1 route made public · 1 to update"; sr.Verdict != want {
		t.Errorf("verdict: got %q; want %q", sr.Verdict, want)
	}
}

func TestGoldenConfigChangeCanary(t *testing.T) {
	// dev's head moves the fingerprint as a real synth would; prod's does
	// not, and the function's setting alone must still publish.
	tests := []struct {
		stack       string
		fingerprint bool
		verdict     string
		want        Release
	}{
		{"dev", true, "1 release all at once · 2 to update", Release{
			Function: "web-items", URN: "urn:pulumi:dev::kumo::kumo:patterns:WebApp$kumo:constructs:Function$kumo:index:Release::web-items",
			Alias: "live", Reasons: []string{"memorySize"}, Preference: "CodeDeployDefault.LambdaAllAtOnce", Shift: "all at once",
			Alarms: []string{"kumo-dev-web-items-errors", "kumo-dev-web-items-throttles"},
		}},
		{"prod", false, "1 canary release · 1 to update", Release{
			Function: "web-items", URN: "urn:pulumi:prod::kumo::kumo:patterns:WebApp$kumo:constructs:Function$kumo:index:Release::web-items",
			Alias: "live", Reasons: []string{"memorySize"}, Preference: "CodeDeployDefault.LambdaCanary10Percent5Minutes",
			Shift: "10% for 5 minutes, then 100%", Hooks: []string{"pre-traffic: web-smoketest"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.stack, func(t *testing.T) {
			sr := analyzeMutation(t, tt.stack, func(h *SynthDoc) {
				find(t, h, typeFunction, "web-items").Inputs["memorySize"] = json.Number("1024")
				if tt.fingerprint {
					find(t, h, typeRelease, "web-items").Inputs["fingerprint"] = "changed"
				}
			})
			if len(sr.Canary) != 1 {
				t.Fatalf("got %d releases; want 1: %+v", len(sr.Canary), sr.Canary)
			}
			got := sr.Canary[0]
			if tt.want.Alarms == nil {
				got.Alarms = nil // prod's alarm list is long; dev checks it
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("release:\ngot  %+v\nwant %+v", got, tt.want)
			}
			if sr.Verdict != tt.verdict {
				t.Errorf("verdict: got %q; want %q", sr.Verdict, tt.verdict)
			}
		})
	}
}

func TestGoldenCodeOnly(t *testing.T) {
	const component = "urn:pulumi:dev::kumo::kumo:patterns:WebApp$kumo:constructs:Function::web-items"
	sr := analyzeMutation(t, "dev", func(h *SynthDoc) {
		code := find(t, h, typeFunction, "web-items").Inputs["code"].(map[string]any)["archive"].(map[string]any)
		code["sha256"] = "0000"
		find(t, h, typeRelease, "web-items").Inputs["fingerprint"] = "changed"
	})
	want := []Group{{Component: component, Changes: []Change{}, CodeOnly: []string{"web-items"}}}
	if !reflect.DeepEqual(sr.Groups, want) {
		t.Errorf("groups:\ngot  %+v\nwant %+v", sr.Groups, want)
	}
	if len(sr.Canary) != 1 || !reflect.DeepEqual(sr.Canary[0].Reasons, []string{"code"}) {
		t.Errorf("canary: got %+v; want one release with reason code", sr.Canary)
	}
	if len(sr.DataLoss)+len(sr.IAM)+len(sr.Public) != 0 {
		t.Errorf("a code-only change flagged as danger: %+v %+v %+v", sr.DataLoss, sr.IAM, sr.Public)
	}
}

// TestGoldenDeterministic: the same input gives byte-identical JSON.
func TestGoldenDeterministic(t *testing.T) {
	render := func() string {
		sr := analyzeMutation(t, "prod", func(h *SynthDoc) {
			h.Resources = h.Resources[:len(h.Resources)/2]
		})
		b, err := json.Marshal(sr)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if a, b := render(), render(); a != b {
		t.Errorf("two analyses of the same diff differ (%d and %d bytes)", len(a), len(b))
	}
}
