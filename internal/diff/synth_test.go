package diff

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadSynthErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not json", `{"project":`, "not a `kumo synth --json` document: unexpected end of JSON input"},
		{"a preview", `{"steps":[],"changeSummary":{}}`, "not a `kumo synth --json` document: field \"project\" is missing"},
		{"no resources", `{"project":"kumo","stack":"dev"}`, `field "resources" is missing`},
		{"empty stack", `{"project":"kumo","stack":"","resources":[]}`, `project "kumo" and stack "" must both be set`},
		{"resource without type", `{"project":"kumo","stack":"dev","resources":[{"urn":"u1"}]}`, `resources[0] has urn "u1" and type ""`},
		{"duplicate urn", `{"project":"kumo","stack":"dev","resources":[{"urn":"u1","type":"t"},{"urn":"u2","type":"t"},{"urn":"u1","type":"t"}]}`,
			`resources[0] and resources[2] have the same urn "u1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadSynth([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadSynth(%s) error = %v; want it to contain %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestReadSynthKeepsNumbersExact(t *testing.T) {
	doc, err := ReadSynth([]byte(`{"project":"p","stack":"s","resources":[{"urn":"u","type":"t","inputs":{"n":12345678901234567890}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := doc.Resources[0].Inputs["n"], json.Number("12345678901234567890"); got != want {
		t.Errorf("inputs.n = %#v; want %#v", got, want)
	}
}

// TestReadSynthReadsRegions: the stack's region and a resource's own
// region (a second region's provider) are read; a document without them, as
// kumo wrote before, still reads, with both empty.
func TestReadSynthReadsRegions(t *testing.T) {
	doc, err := ReadSynth([]byte(`{"project":"p","stack":"s","region":"eu-west-1","resources":[{"urn":"a","type":"t"},{"urn":"b","type":"t","region":"eu-central-1"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Region != "eu-west-1" || doc.Resources[0].Region != "" || doc.Resources[1].Region != "eu-central-1" {
		t.Errorf("got regions %q, %q, %q; want eu-west-1, \"\", eu-central-1", doc.Region, doc.Resources[0].Region, doc.Resources[1].Region)
	}
	old, err := ReadSynth([]byte(`{"project":"p","stack":"s","resources":[{"urn":"a","type":"t"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if old.Region != "" {
		t.Errorf("document without region: got %q; want \"\"", old.Region)
	}
}

// res builds a synth resource from inputs written as JSON.
func res(t testing.TB, typ, name, parent, inputs string, deps ...string) SynthResource {
	t.Helper()
	var in map[string]any
	if inputs != "" {
		v, ok := decodeJSON(inputs)
		if !ok {
			t.Fatalf("bad inputs %s", inputs)
		}
		in = v.(map[string]any)
	}
	urn := "urn:pulumi:dev::kumo::" + typ + "::" + name
	if parent != "" {
		urn = "urn:pulumi:dev::kumo::" + parentType(parent) + "$" + typ + "::" + name
	}
	return SynthResource{URN: urn, Type: typ, Name: name, Custom: !strings.HasPrefix(typ, "kumo:constructs:") && !strings.HasPrefix(typ, "kumo:patterns:"), Parent: parent, Inputs: in, Dependencies: deps}
}

// parentType is the type chain of a parent URN, as a child's URN repeats it.
func parentType(parentURN string) string {
	s := strings.TrimPrefix(parentURN, "urn:pulumi:dev::kumo::")
	return s[:strings.LastIndex(s, "::")]
}

func doc(rs ...SynthResource) *SynthDoc {
	return &SynthDoc{Project: "kumo", Stack: "dev", Resources: append([]SynthResource{}, rs...)}
}

func TestComparePropertyDiffs(t *testing.T) {
	const typ = "aws:lambda/function:Function"
	tests := []struct {
		name, old, new string
		wantOp         Op
		want           []PropChange
	}{
		{"same", `{"memorySize":256,"tags":{"a":"b"}}`, `{"tags":{"a":"b"},"memorySize":256}`, OpSame, nil},
		{"nested map keys and non-identifier keys",
			`{"environment":{"variables":{"TABLE":"t1","OLD":"x"}},"tags":{"kumo:stack":"dev"}}`,
			`{"environment":{"variables":{"TABLE":"t2","NEW":"y"}},"tags":{"kumo:stack":"prod"}}`, OpUpdate,
			[]PropChange{
				{Path: "environment.variables.NEW", Kind: KindAdd, New: "y"},
				{Path: "environment.variables.OLD", Kind: KindDelete, Old: "x"},
				{Path: "environment.variables.TABLE", Kind: KindUpdate, Old: "t1", New: "t2"},
				{Path: `tags["kumo:stack"]`, Kind: KindUpdate, Old: "dev", New: "prod"},
			}},
		{"lists by index", `{"layers":["a","b"],"rules":[{"id":"x"}]}`, `{"layers":["a"],"rules":[{"id":"y"},{"id":"z"}]}`, OpUpdate,
			[]PropChange{
				{Path: "layers[1]", Kind: KindDelete, Old: "b"},
				{Path: "rules[0].id", Kind: KindUpdate, Old: "x", New: "y"},
				{Path: "rules[1]", Kind: KindAdd, New: map[string]any{"id": "z"}},
			}},
		{"archive path moved, same hash", `{"code":{"archive":{"path":"a/x.zip","sha256":"h1"}}}`, `{"code":{"archive":{"path":"b/x.zip","sha256":"h1"}}}`, OpSame, nil},
		{"archive hash changed", `{"code":{"archive":{"path":"a/x.zip","sha256":"h1"}}}`, `{"code":{"archive":{"path":"a/x.zip","sha256":"h2"}}}`, OpUpdate,
			[]PropChange{{Path: "code", Kind: KindUpdate,
				Old: map[string]any{"archive": map[string]any{"path": "a/x.zip", "sha256": "h1"}},
				New: map[string]any{"archive": map[string]any{"path": "a/x.zip", "sha256": "h2"}}}}},
		{"json string reordered", `{"policy":"{\"Version\":\"2012-10-17\",\"Statement\":[]}"}`, `{"policy":"{ \"Statement\": [], \"Version\": \"2012-10-17\" }"}`, OpSame, nil},
		{"json string changed", `{"policy":"{\"a\":1}"}`, `{"policy":"{\"a\":2}"}`, OpUpdate,
			[]PropChange{{Path: "policy", Kind: KindUpdate, Old: `{"a":1}`, New: `{"a":2}`}}},
		{"secret on both sides", `{"environment":{"variables":{"KEY":"[secret]"}}}`, `{"environment":{"variables":{"KEY":"[secret]"}}}`, OpSame, nil},
		{"unknown in head", `{"role":"arn:aws:iam::1:role/r"}`, `{"role":"[unknown]"}`, OpUpdate,
			[]PropChange{{Path: "role", Kind: KindUpdate, Old: "arn:aws:iam::1:role/r", New: Unknown}}},
		{"numbers by value", `{"timeout":30}`, `{"timeout":30.0}`, OpSame, nil},
		{"replace-on-change property", `{"name":"a","memorySize":128}`, `{"name":"b","memorySize":256}`, OpReplace,
			[]PropChange{
				{Path: "memorySize", Kind: KindUpdate, Old: json.Number("128"), New: json.Number("256")},
				{Path: "name", Kind: KindUpdate, Old: "a", New: "b", Replace: true},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Compare(doc(res(t, typ, "fn", "", tt.old)), doc(res(t, typ, "fn", "", tt.new)))
			if err != nil {
				t.Fatal(err)
			}
			c := d.Changes[0]
			if c.Op != tt.wantOp {
				t.Errorf("op: got %s; want %s", c.Op, tt.wantOp)
			}
			if !reflect.DeepEqual(c.Props, tt.want) {
				t.Errorf("props:\ngot  %#v\nwant %#v", c.Props, tt.want)
			}
		})
	}
}

func TestCompareOpsAndReplacement(t *testing.T) {
	comp := res(t, "kumo:constructs:Table", "orders", "", "")
	base := doc(
		comp,
		res(t, "aws:dynamodb/table:Table", "orders", comp.URN, `{"hashKey":"id","name":"orders"}`),
		res(t, "aws:sqs/queue:Queue", "gone", "", `{}`),
		res(t, "aws:made/up:Thing", "t", "", `{"displayName":"a"}`),
	)
	head := doc(
		comp,
		res(t, "aws:dynamodb/table:Table", "orders", comp.URN, `{"hashKey":"pk","name":"orders"}`, comp.URN),
		res(t, "aws:made/up:Thing", "t", "", `{"displayName":"b"}`),
		res(t, "aws:sqs/queue:Queue", "new", "", `{}`),
	)
	d, err := Compare(base, head)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Name    string
		Op      Op
		Reasons []string
		DBR     bool
	}
	var got []row
	for _, c := range d.Changes {
		got = append(got, row{c.Name, c.Op, c.ReplaceReasons, c.DeleteBeforeReplace})
	}
	// Sorted by URN: top-level aws: types first, and a component's
	// children ("...Table$aws:...") before the component ("...Table::orders").
	want := []row{
		{"t", OpUpdate, nil, false},
		{"gone", OpDelete, nil, false},
		{"new", OpCreate, nil, false},
		{"orders", OpReplace, []string{"hashKey"}, true},
		{"orders", OpSame, nil, false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\ngot  %+v\nwant %+v", got, want)
	}
	if got, want := d.UnknownReplace, []string{"aws:made/up:Thing"}; !reflect.DeepEqual(got, want) {
		t.Errorf("UnknownReplace: got %q; want %q", got, want)
	}
	if tbl := d.Changes[3]; tbl.Parent != comp.URN || !reflect.DeepEqual(tbl.Dependencies, []string{comp.URN}) {
		t.Errorf("table parent %q deps %q; want %q and [%q]", tbl.Parent, tbl.Dependencies, comp.URN, comp.URN)
	}
}

func TestCompareRefusesOtherStack(t *testing.T) {
	prod := &SynthDoc{Project: "kumo", Stack: "prod"}
	_, err := Compare(doc(), prod)
	want := `base is project "kumo" stack "dev" but head is project "kumo" stack "prod"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Compare(dev, prod) error = %v; want it to contain %q", err, want)
	}
}

func writeDoc(t *testing.T, path string, d *SynthDoc) {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadDirectoriesPairsByStack(t *testing.T) {
	base, head := t.TempDir(), t.TempDir()
	q := res(t, "aws:sqs/queue:Queue", "q", "", `{}`)
	stack := func(name string, rs ...SynthResource) *SynthDoc {
		return &SynthDoc{Project: "kumo", Stack: name, Resources: rs}
	}
	writeDoc(t, filepath.Join(base, "dev.json"), stack("dev", q))
	writeDoc(t, filepath.Join(base, "old.json"), stack("old", q))
	writeDoc(t, filepath.Join(head, "a.json"), stack("dev", q))
	writeDoc(t, filepath.Join(head, "b.json"), stack("new", q))
	if err := os.WriteFile(filepath.Join(head, "notes.txt"), []byte("not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	diffs, err := Load(base, head)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diffs {
		got = append(got, d.Stack+":"+string(d.Changes[0].Op))
	}
	if want := []string{"dev:same", "new:create", "old:delete"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Load stacks: got %q; want %q", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "dev.json")
	writeDoc(t, file, doc())
	dup := t.TempDir()
	writeDoc(t, filepath.Join(dup, "a.json"), doc())
	writeDoc(t, filepath.Join(dup, "b.json"), doc())
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"steps":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, base, head, want string
	}{
		{"file and directory", file, dup, "must both be synth files or both directories"},
		{"two files of one stack in a directory", dup, dup, `a.json and ` + filepath.Join(dup, "b.json") + ` are both stack "dev"`},
		{"not a synth file", file, bad, bad + ": not a `kumo synth --json` document"},
		{"missing", file, filepath.Join(dir, "nope.json"), "head: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.base, tt.head)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v; want it to contain %q", err, tt.want)
			}
		})
	}
}
